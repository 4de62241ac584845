package capture

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"
)

// Bodies are stored deflated when that saves an eighth or more: webhook
// JSON repeats its keys, and the body is most of a capture's bytes on
// disk. Inflating gives back the wire bytes exactly; the search index is
// built from the plain text, so search is unaffected.
const (
	codecRaw     = 0
	codecDeflate = 1
	compressMin  = 256 // smaller bodies are stored as they are
)

var (
	deflaters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed)
		return w
	}}
	inflaters sync.Pool // of io.ReadCloser implementing flate.Resetter
)

// packBody returns the bytes to store for body and their codec. Safe for
// concurrent use.
func packBody(body []byte) ([]byte, int) {
	if len(body) < compressMin {
		return body, codecRaw
	}
	var buf bytes.Buffer
	buf.Grow(len(body) / 2)
	w := deflaters.Get().(*flate.Writer)
	w.Reset(&buf)
	_, err := w.Write(body)
	if err == nil {
		err = w.Close()
	}
	deflaters.Put(w)
	if err != nil || buf.Len() > len(body)-len(body)/8 {
		return body, codecRaw
	}
	return buf.Bytes(), codecDeflate
}

// unpackBody reverses packBody. Safe for concurrent use.
func unpackBody(stored []byte, codec int) ([]byte, error) {
	switch codec {
	case codecRaw:
		return stored, nil
	case codecDeflate:
	default:
		return nil, fmt.Errorf("body stored with unknown codec %d: use a newer Gancho", codec)
	}
	var r io.ReadCloser
	if v := inflaters.Get(); v != nil {
		r = v.(io.ReadCloser)
		if err := r.(flate.Resetter).Reset(bytes.NewReader(stored), nil); err != nil {
			return nil, fmt.Errorf("inflate body: %w", err)
		}
	} else {
		r = flate.NewReader(bytes.NewReader(stored))
	}
	defer inflaters.Put(r)
	var out bytes.Buffer
	out.Grow(len(stored) * 3)
	// Bounded: a tampered database must not make one read take all memory.
	n, err := out.ReadFrom(io.LimitReader(r, maxUnpacked+1))
	if err != nil {
		return nil, fmt.Errorf("inflate body: %w", err)
	}
	if n > maxUnpacked {
		return nil, fmt.Errorf("inflate body: more than %d bytes", maxUnpacked)
	}
	return out.Bytes(), nil
}

// maxUnpacked bounds an inflated body: far above any --max-body.
const maxUnpacked = 1 << 32
