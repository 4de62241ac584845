// Package pretty turns a captured body into something a person can read:
// decoded (gzip, deflate), pretty-printed (JSON, XML, forms), or a hex dump,
// with the language name chroma highlights it as. It computes views; the
// stored record is never changed. No Fyne here: the CLI and the GUI share it.
package pretty

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gancho-app/gancho/capture"
)

// DecodeLimit caps a decompressed body (a small gzip can expand enormously).
const DecodeLimit = 50 << 20

// Kind is how a body is best shown.
type Kind string

// The kinds of view.
const (
	Empty  Kind = "empty"
	JSON   Kind = "json"
	XML    Kind = "xml"
	Form   Kind = "form"
	Text   Kind = "text"
	Binary Kind = "binary"
)

// SyntaxError locates a parse error in a JSON or XML body (1-based).
type SyntaxError struct {
	Lang         string
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed %s at line %d, column %d: %s", e.Lang, e.Line, e.Column, e.Msg)
}

// View is a readable rendering of a body.
type View struct {
	Kind  Kind
	Text  string   // pretty text, or the raw text when malformed, or a hex dump
	Lang  string   // chroma lexer name: "json", "xml", "plaintext"
	Notes []string // what a person should know: "decoded from gzip", "capped at 50 MiB"
	Err   error    // *SyntaxError for malformed JSON/XML; decoding errors
}

// Body renders r's body: Content-Encoding undone, then by Content-Type (or
// by sniffing when the type is missing or generic).
func Body(r *capture.Request) View {
	var notes []string
	if r.Truncated {
		notes = append(notes, fmt.Sprintf("truncated: only the first %s of %s were kept", capture.FormatSize(int64(len(r.Body))), sizeOr(r)))
	}
	d, err := capture.Decode(r.Headers, r.Body, DecodeLimit)
	if err != nil {
		v := Bytes(r.ContentType(), r.Body)
		v.Notes = append(notes, fmt.Sprintf("could not decode the %s body (%v): showing it as received", r.Headers.Get("Content-Encoding"), err))
		v.Err = err
		return v
	}
	if d.Encoding != "" {
		notes = append(notes, fmt.Sprintf("decoded from %s: %s on the wire, %s decoded", d.Encoding,
			capture.FormatSize(int64(len(r.Body))), capture.FormatSize(int64(len(d.Data)))))
	}
	if d.Capped {
		notes = append(notes, fmt.Sprintf("decoded body capped at %s", capture.FormatSize(DecodeLimit)))
	}
	v := Bytes(r.ContentType(), d.Data)
	v.Notes = append(notes, v.Notes...)
	return v
}

func sizeOr(r *capture.Request) string {
	if r.DeclaredSize > 0 {
		return capture.FormatSize(r.DeclaredSize) + " declared"
	}
	return "more than " + capture.FormatSize(r.BodySize)
}

// Bytes renders already-decoded data of the given Content-Type.
func Bytes(contentType string, data []byte) View {
	if len(data) == 0 {
		return View{Kind: Empty, Lang: "plaintext"}
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	mt = strings.ToLower(mt)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json":
		return jsonView(data)
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return xmlView(data)
	case mt == "application/x-www-form-urlencoded" && capture.IsText(data):
		return formView(data)
	}
	if !capture.IsText(data) {
		return View{Kind: Binary, Text: Hex(data, 1<<20), Lang: "plaintext",
			Notes: binaryNotes(data)}
	}
	// Generic or missing type: sniff.
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(data) {
		return jsonView(data)
	}
	if len(trimmed) > 0 && trimmed[0] == '<' {
		if v := xmlView(data); v.Err == nil {
			return v
		}
	}
	return View{Kind: Text, Text: string(data), Lang: "plaintext"}
}

func binaryNotes(data []byte) []string {
	if len(data) > 1<<20 {
		return []string{fmt.Sprintf("binary: hex dump of the first 1 MiB of %s", capture.FormatSize(int64(len(data))))}
	}
	return []string{"binary: shown as a hex dump"}
}

// Hex is a classic hex dump (offset, 16 bytes, ASCII) of at most limit bytes.
func Hex(data []byte, limit int) string {
	if len(data) > limit {
		data = data[:limit]
	}
	var b strings.Builder
	d := hex.Dumper(&b)
	_, _ = d.Write(data)
	_ = d.Close()
	return b.String()
}

func jsonView(data []byte) View {
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return View{Kind: JSON, Text: string(data), Lang: "json", Err: jsonError(data, err)}
	}
	return View{Kind: JSON, Text: out.String(), Lang: "json"}
}

func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	off := int64(len(data))
	msg := err.Error()
	if errors.As(err, &se) {
		off = se.Offset
		msg = se.Error()
	}
	line, col := position(data, off)
	return &SyntaxError{Lang: "JSON", Line: line, Column: col, Msg: msg}
}

// position converts a byte offset to a 1-based line and column (in bytes).
func position(data []byte, off int64) (int, int) {
	if off > 0 {
		off-- // json reports the offset after the bad byte
	}
	if off > int64(len(data)) {
		off = int64(len(data)) // at the end of input: just past the last byte
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// xmlView re-indents XML token by token, writing names, attributes,
// comments, processing instructions and the DOCTYPE as they were.
func xmlView(data []byte) View {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	var out strings.Builder
	depth := 0
	indent := func() {
		if out.Len() > 0 {
			out.WriteByte('\n')
		}
		out.WriteString(strings.Repeat("  ", depth))
	}
	lastStart := false // the previous token opened an element: text stays inline
	// Open elements: RawToken does not check that end tags match.
	var open []xml.Name
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if e, ok := tok.(xml.EndElement); ok && err == nil {
			if len(open) == 0 {
				err = fmt.Errorf("unexpected end element </%s>", qname(e.Name))
			} else if top := open[len(open)-1]; top != e.Name {
				err = fmt.Errorf("element <%s> closed by </%s>", qname(top), qname(e.Name))
			} else {
				open = open[:len(open)-1]
			}
		}
		if err != nil {
			line, col := position(data, dec.InputOffset()+1)
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
			}
			return View{Kind: XML, Text: string(data), Lang: "xml",
				Err: &SyntaxError{Lang: "XML", Line: line, Column: col, Msg: err.Error()}}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			indent()
			out.WriteString("<" + qname(t.Name))
			for _, a := range t.Attr {
				out.WriteString(" " + qname(a.Name) + `="`)
				_ = xml.EscapeText(&stringWriter{&out}, []byte(a.Value))
				out.WriteString(`"`)
			}
			out.WriteString(">")
			open = append(open, t.Name)
			depth++
			lastStart = true
		case xml.EndElement:
			depth--
			if !lastStart {
				indent()
			}
			out.WriteString("</" + qname(t.Name) + ">")
			lastStart = false
		case xml.CharData:
			s := strings.TrimSpace(string(t))
			if s == "" {
				continue
			}
			if !lastStart {
				indent()
			}
			_ = xml.EscapeText(&stringWriter{&out}, []byte(s))
			// Keep "<a>text</a>" on one line.
		case xml.Comment:
			indent()
			out.WriteString("<!--" + string(t) + "-->")
			lastStart = false
		case xml.ProcInst:
			indent()
			out.WriteString("<?" + t.Target + " " + string(t.Inst) + "?>")
			lastStart = false
		case xml.Directive:
			indent()
			out.WriteString("<!" + string(t) + ">")
			lastStart = false
		}
	}
	if depth != 0 {
		line, col := position(data, int64(len(data)))
		return View{Kind: XML, Text: string(data), Lang: "xml",
			Err: &SyntaxError{Lang: "XML", Line: line, Column: col, Msg: "unexpected end: unclosed element"}}
	}
	return View{Kind: XML, Text: out.String(), Lang: "xml"}
}

type stringWriter struct{ b *strings.Builder }

func (w *stringWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// Field is one decoded form field; repeated keys stay separate, in order.
type Field struct{ Name, Value string }

// FormFields decodes an urlencoded body in order, keeping repeated keys.
// Undecodable escapes are kept as written.
func FormFields(data string) []Field {
	var out []Field
	for _, kv := range strings.Split(data, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, Field{Name: unescape(k), Value: unescape(v)})
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// formView lays the fields out as a two-column table, names padded so the
// values line up.
func formView(data []byte) View {
	fields := FormFields(string(data))
	width := 0
	for _, f := range fields {
		width = max(width, utf8.RuneCountInString(f.Name))
	}
	width = min(width, 40)
	var b strings.Builder
	for _, f := range fields {
		pad := max(width-utf8.RuneCountInString(f.Name), 0)
		b.WriteString(f.Name + strings.Repeat(" ", pad) + " = " + strings.ReplaceAll(f.Value, "\n", "\n"+strings.Repeat(" ", width+3)) + "\n")
	}
	return View{Kind: Form, Text: b.String(), Lang: "plaintext",
		Notes: []string{fmt.Sprintf("form: %d fields, decoded", len(fields))}}
}
