package exchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gancho-app/gancho/capture"
)

// Encoder writes an export one capture at a time, so an export of any
// size holds one capture in memory (read them with capture.Store.Each).
// Its output is byte for byte what Export writes for the same captures.
type Encoder struct {
	w     *bufio.Writer
	f     Format
	o     ExportOptions
	n     int
	first *capture.Request // raw: held, as a lone capture has no separator line
	tail  string           // har: what closes the document after the entries
	err   error
}

// NewEncoder starts an export in format f to w; call Encode for each
// capture (with its body, oldest first as Export takes them) and Close to
// finish the document. It does not close w.
func NewEncoder(w io.Writer, f Format, o ExportOptions) (*Encoder, error) {
	if !f.valid() {
		return nil, fmt.Errorf("export: unknown format %q: want har, jsonl, curl or raw", f)
	}
	if _, err := o.base(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	e := &Encoder{w: bufio.NewWriter(w), f: f, o: o}
	if f == HAR {
		// The document around the entries, from the encoder writeHAR uses:
		// the entries go between its "[" and "]".
		var doc bytes.Buffer
		if err := writeHAR(&doc, nil, o, o.Version); err != nil {
			return nil, fmt.Errorf("export har: %w", err)
		}
		const mark = `"entries": []`
		i := strings.LastIndex(doc.String(), mark)
		if i < 0 {
			return nil, errors.New("export har: no entries array in the document")
		}
		e.tail = doc.String()[i+len(mark):]
		if _, err := e.w.WriteString(doc.String()[:i+len(mark)-1]); err != nil {
			return nil, fmt.Errorf("export har: %w", err)
		}
	}
	return e, nil
}

// Encode writes one capture, redacted unless the options include secrets.
func (e *Encoder) Encode(r *capture.Request) error {
	if e.err != nil {
		return e.err
	}
	if r == nil {
		e.err = fmt.Errorf("export: capture %d is missing (nil)", e.n+1)
		return e.err
	}
	r = Redact(r, e.o)
	var err error
	switch e.f {
	case HAR:
		err = e.harEntry(r)
	case JSONL:
		err = writeJSONL(e.w, []*capture.Request{r})
	case Curl:
		if e.n > 0 {
			_, err = e.w.WriteString("\n")
		}
		if err == nil {
			err = writeCurl(e.w, []*capture.Request{r}, e.o)
		}
	case Raw:
		switch e.n {
		case 0:
			e.first = r
		case 1:
			if err = writeRawRecord(e.w, e.first); err == nil {
				err = writeRawRecord(e.w, r)
			}
			e.first = nil
		default:
			err = writeRawRecord(e.w, r)
		}
	}
	if err != nil {
		e.err = fmt.Errorf("export %s: capture %s: %w", e.f, r.ID, err)
		return e.err
	}
	e.n++
	return nil
}

// harEntry writes one entry as writeHAR's indented encoder would inside
// the entries array (three levels deep).
func (e *Encoder) harEntry(r *capture.Request) error {
	const indent = "      "
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(indent, "  ")
	if err := enc.Encode(harEntry(r, e.o.baseFor(r))); err != nil {
		return err
	}
	sep := ",\n"
	if e.n == 0 {
		sep = "\n"
	}
	_, err := e.w.WriteString(sep + indent + strings.TrimSuffix(b.String(), "\n"))
	return err
}

// Count is how many captures were encoded.
func (e *Encoder) Count() int { return e.n }

// Close finishes the document and flushes it to w.
func (e *Encoder) Close() error {
	if e.err != nil {
		return e.err
	}
	var err error
	switch {
	case e.f == HAR && e.n == 0:
		_, err = e.w.WriteString("]" + e.tail)
	case e.f == HAR:
		_, err = e.w.WriteString("\n    ]" + e.tail)
	case e.f == Raw && e.first != nil:
		err = writeRaw(e.w, []*capture.Request{e.first})
	}
	if err == nil {
		err = e.w.Flush()
	}
	if err != nil {
		e.err = fmt.Errorf("export %s: %w", e.f, err)
		return e.err
	}
	e.err = errors.New("export: the encoder is closed")
	return nil
}
