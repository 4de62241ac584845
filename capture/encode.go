package capture

import (
	"bytes"
	"errors"
)

// encodeHeaders stores a header block as "name:value\n" lines, byte for
// byte: JSON would replace invalid UTF-8 (a Latin-1 header value) with
// U+FFFD. Names never hold ':' and no part holds '\n' (HTTP forbids both;
// folded lines were joined when parsed).
func encodeHeaders(h Headers) []byte {
	n := 0
	for _, kv := range h {
		n += len(kv.Name) + len(kv.Value) + 2
	}
	b := make([]byte, 0, n)
	for _, kv := range h {
		b = append(b, kv.Name...)
		b = append(b, ':')
		b = append(b, kv.Value...)
		b = append(b, '\n')
	}
	return b
}

// decodeHeaders reverses encodeHeaders.
func decodeHeaders(b []byte) (Headers, error) {
	out := Headers{}
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return out, errors.New("header block: missing line end")
		}
		line := b[:nl]
		b = b[nl+1:]
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return out, errors.New("header block: line without ':'")
		}
		out = append(out, Header{Name: string(line[:colon]), Value: string(line[colon+1:])})
	}
	return out, nil
}
