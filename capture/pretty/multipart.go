package pretty

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"slices"
	"strings"

	"github.com/gancho-app/gancho/capture"
)

// maxParts bounds how many parts are shown; a hostile body could hold many.
const maxParts = 200

// Part is one part of a multipart body, with its own readable view.
type Part struct {
	Headers capture.Headers
	View    View
}

// IsMultipart reports whether contentType is multipart/* with a boundary.
func IsMultipart(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	return err == nil && strings.HasPrefix(mt, "multipart/") && params["boundary"] != ""
}

// Multipart splits a multipart body into parts, each viewed by its own
// Content-Type (a file part of binary shows as hex). A malformed body
// returns the parts read so far and the error.
func Multipart(contentType string, data []byte) ([]Part, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("multipart content type: %w", err)
	}
	rd := multipart.NewReader(bytes.NewReader(data), params["boundary"])
	var parts []Part
	for len(parts) < maxParts {
		p, err := rd.NextRawPart() // raw: keep Content-Transfer-Encoding as sent
		if errors.Is(err, io.EOF) {
			if len(parts) == 0 {
				return nil, fmt.Errorf("multipart: no part delimited by boundary %q", params["boundary"])
			}
			return parts, nil
		}
		if err != nil {
			return parts, fmt.Errorf("multipart part %d: %w", len(parts)+1, err)
		}
		body, err := io.ReadAll(io.LimitReader(p, DecodeLimit))
		// A part cut short is still shown, up to where it ends.
		parts = append(parts, Part{Headers: headersOf(p.Header), View: Bytes(p.Header.Get("Content-Type"), body)})
		if err != nil {
			return parts, fmt.Errorf("multipart part %d: %w", len(parts), err)
		}
	}
	return parts, fmt.Errorf("more than %d parts: the rest are not shown", maxParts)
}

func headersOf(h textproto.MIMEHeader) capture.Headers {
	var out capture.Headers
	// textproto loses order across names; sort for a stable view.
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, capture.Header{Name: k, Value: v})
		}
	}
	return out
}
