package capture

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ErrUnknownEncoding is wrapped by Decode for a Content-Encoding it cannot undo.
var ErrUnknownEncoding = errors.New("unknown content encoding")

// Decoded is a body with its Content-Encoding undone, for viewing and search.
// The stored record always keeps the bytes as received.
type Decoded struct {
	Data     []byte
	Encoding string // the encodings removed, as in the header ("gzip"), or ""
	Capped   bool   // decompressed size reached the limit: Data is a prefix
}

// Decode undoes the Content-Encoding named in headers (gzip, x-gzip,
// deflate — zlib-wrapped or raw — and identity), stopping at limit bytes so a
// small bomb cannot fill memory. On error it returns the raw bytes too.
func Decode(headers Headers, body []byte, limit int64) (Decoded, error) {
	enc := strings.ToLower(strings.TrimSpace(headers.Get("Content-Encoding")))
	if enc == "" || enc == "identity" || len(body) == 0 {
		return Decoded{Data: body}, nil
	}
	data := body
	codings := strings.Split(enc, ",")
	// Encodings apply in listed order, so undo them from the last.
	for i := len(codings) - 1; i >= 0; i-- {
		c := strings.TrimSpace(codings[i])
		var rd io.Reader
		switch c {
		case "identity", "":
			continue
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return Decoded{Data: body}, fmt.Errorf("gzip body: %w", err)
			}
			rd = zr
		case "deflate":
			if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
				rd = zr
			} else {
				rd = flate.NewReader(bytes.NewReader(data))
			}
		default:
			return Decoded{Data: body}, fmt.Errorf("%w %q", ErrUnknownEncoding, c)
		}
		var out bytes.Buffer
		n, err := out.ReadFrom(io.LimitReader(rd, limit+1))
		if err != nil {
			return Decoded{Data: body}, fmt.Errorf("%s body: %w", c, err)
		}
		capped := n > limit
		if capped {
			out.Truncate(int(limit))
		}
		data = out.Bytes()
		if capped {
			return Decoded{Data: data, Encoding: enc, Capped: true}, nil
		}
	}
	return Decoded{Data: data, Encoding: enc}, nil
}

// IsText reports whether b looks like text a person can read: valid UTF-8
// with few control characters. Empty counts as text.
func IsText(b []byte) bool {
	if len(b) > 8192 {
		b = b[:8192]
		// Do not fail on a rune cut at the sample edge.
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	if !utf8.Valid(b) {
		return false
	}
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctl++
		}
	}
	return ctl*100 <= len(b)
}

// searchText is what full-text search indexes of a body: decoded, and
// limited, with invalid bytes replaced so text inside binary (a multipart
// with a file part) is still findable.
func searchText(h Headers, body []byte) string {
	const limit = 256 << 10 // enough to find an e-mail or id; keeps the index (and memory) small
	d, err := Decode(h, body, limit)
	if err != nil {
		d.Data = body
	}
	data := d.Data
	if len(data) > limit {
		data = data[:limit]
	}
	if !IsText(data) {
		ct := strings.ToLower(h.Get("Content-Type"))
		if !strings.HasPrefix(ct, "multipart/") && !strings.Contains(ct, "text") &&
			!strings.Contains(ct, "json") && !strings.Contains(ct, "xml") &&
			!strings.Contains(ct, "form") {
			return ""
		}
	}
	return strings.ToValidUTF8(string(data), " ")
}
