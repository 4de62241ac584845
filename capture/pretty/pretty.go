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
	"github.com/gancho-app/gancho/internal/text"
)

// DecodeLimit caps a decompressed body (a small gzip can expand enormously).
const DecodeLimit = 50 << 20

// Bounds on what a view may cost, whatever the body: a few KiB of hostile
// nesting would otherwise indent into gigabytes.
const (
	// MaxDepth is the deepest JSON or XML nesting that is pretty-printed;
	// a deeper document is shown as its raw text.
	MaxDepth = 256
	// MaxIndent is the nesting level where indentation stops growing, so
	// one line is never indented by more than 2*MaxIndent spaces.
	MaxIndent = 32
	// MaxOutput caps the text of any view (pretty, raw text, hex dump).
	MaxOutput = 16 << 20
)

// Notes for the bounds, shared by every view so the CLI and window agree.
var (
	noteTooDeep   = fmt.Sprintf("nested deeper than %d levels: showing the raw text", MaxDepth)
	noteIndent    = fmt.Sprintf("nested deeper than %d levels: indentation stops growing there", MaxIndent)
	noteTruncated = "output truncated at " + capture.FormatSize(MaxOutput)
)

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
	// Cut reports that Text stops at MaxOutput: the view is longer than
	// what it holds (a note says so).
	Cut bool
}

// Options change how a view reads; the zero value shows the body as sent.
type Options struct {
	// Unescape shows the \uXXXX escapes of printable characters in JSON
	// strings (and "\/") as the characters: "S\u00e3o" reads "São". The
	// escapes JSON needs (\" \\ and control characters) and those of
	// invisible characters (U+200B, U+2028, lone surrogates) stay, so the
	// view is still the same JSON value and nothing hidden is hidden.
	Unescape bool
}

// Body renders r's body: Content-Encoding undone, then by Content-Type (or
// by sniffing when the type is missing or generic).
func Body(r *capture.Request) View { return BodyWith(r, Options{}) }

// BodyWith is Body laid out as o says.
func BodyWith(r *capture.Request, o Options) View {
	d, notes, err := decode(r)
	if err != nil {
		v := BytesWith(r.ContentType(), r.Body, o)
		v.Notes = append(notes, v.Notes...)
		v.Err = err
		return v
	}
	v := BytesWith(r.ContentType(), d.Data, o)
	v.Notes = append(notes, v.Notes...)
	return v
}

// decode undoes r's Content-Encoding, with the notes a reader needs: the
// body was truncated, decoded, capped, or could not be decoded (then err
// is set and the body is to be shown as received).
func decode(r *capture.Request) (capture.Decoded, []string, error) {
	var notes []string
	if r.Truncated {
		notes = append(notes, fmt.Sprintf("truncated: only the first %s of %s were kept", capture.FormatSize(int64(len(r.Body))), sizeOr(r)))
	}
	d, err := capture.Decode(r.Headers, r.Body, DecodeLimit)
	if err != nil {
		notes = append(notes, fmt.Sprintf("could not decode the %s body (%v): showing it as received", r.Headers.Get("Content-Encoding"), err))
		return d, notes, err
	}
	if d.Encoding != "" {
		notes = append(notes, fmt.Sprintf("decoded from %s: %s on the wire, %s decoded", d.Encoding,
			capture.FormatSize(int64(len(r.Body))), capture.FormatSize(int64(len(d.Data)))))
	}
	if d.Capped {
		notes = append(notes, fmt.Sprintf("decoded body capped at %s", capture.FormatSize(DecodeLimit)))
	}
	return d, notes, nil
}

func sizeOr(r *capture.Request) string {
	if r.DeclaredSize > 0 {
		return capture.FormatSize(r.DeclaredSize) + " declared"
	}
	return "more than " + capture.FormatSize(r.BodySize)
}

// Bytes renders already-decoded data of the given Content-Type.
func Bytes(contentType string, data []byte) View { return BytesWith(contentType, data, Options{}) }

// BytesWith is Bytes laid out as o says.
func BytesWith(contentType string, data []byte, o Options) View {
	if len(data) == 0 {
		return View{Kind: Empty, Lang: "plaintext"}
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	mt = strings.ToLower(mt)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json":
		return jsonView(data, o)
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
		return jsonView(data, o)
	}
	if len(trimmed) > 0 && trimmed[0] == '<' {
		if v := xmlView(data); v.Err == nil {
			return v
		}
	}
	return rawView(Text, "plaintext", data)
}

// rawView shows data as it is, cut at MaxOutput.
func rawView(k Kind, lang string, data []byte) View {
	text, notes := rawText(data)
	return View{Kind: k, Text: text, Lang: lang, Notes: notes, Cut: len(text) < len(data)}
}

// rawText is data as text, at most MaxOutput bytes cut at a rune boundary
// (copying only what is kept), with a note when cut.
func rawText(data []byte) (string, []string) {
	if len(data) <= MaxOutput {
		return string(data), nil
	}
	cut := text.RuneCut(data, MaxOutput)
	return string(data[:cut]), []string{fmt.Sprintf("%s: showing the first %s of %s", noteTruncated,
		capture.FormatSize(int64(cut)), capture.FormatSize(int64(len(data))))}
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

// jsonView re-indents valid JSON two spaces a level, keeping every token
// (key order, number text, string escapes) as written. Nesting past
// MaxDepth shows the raw text; indentation stops at MaxIndent levels and
// the output at MaxOutput, so the cost is bounded by the input size.
// o.Unescape rewrites string escapes as unescapeString says: the text only
// gets shorter, so the bounds hold.
func jsonView(data []byte, o Options) View {
	if !json.Valid(data) {
		// Unmarshal checks validity before decoding and reports the
		// error with its offset, allocating nothing for the value.
		var raw json.RawMessage
		err := json.Unmarshal(data, &raw)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		v := rawView(JSON, "json", data)
		v.Err = jsonError(data, err)
		return v
	}
	end := len(bytes.TrimRight(data, " \t\r\n"))
	out := newCapped(len(data))
	depth, maxDepth := 0, 0
	newline := func() {
		out.WriteByte('\n')
		out.Indent(depth)
	}
	i := 0
	for i < end && !out.Full() {
		c := data[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		case '"':
			j, esc := i+1, false
			for data[j] != '"' {
				if data[j] == '\\' {
					j++
					esc = true
				}
				j++
			}
			if esc && o.Unescape {
				unescapeString(out, data[i:j+1])
			} else {
				out.Write(data[i : j+1])
			}
			i = j + 1
			continue
		case '{', '[':
			out.WriteByte(c)
			k := i + 1
			for k < end && isSpace(data[k]) {
				k++
			}
			if data[k] == '}' || data[k] == ']' {
				out.WriteByte(data[k]) // "{}" and "[]" stay on one line
				i = k + 1
				continue
			}
			depth++
			if depth > MaxDepth {
				return tooDeep(JSON, data)
			}
			maxDepth = max(maxDepth, depth)
			newline()
		case '}', ']':
			depth--
			newline()
			out.WriteByte(c)
		case ',':
			out.WriteByte(c)
			newline()
		case ':':
			out.WriteString(": ")
		default:
			out.WriteByte(c)
		}
		i++
	}
	if !out.Full() {
		out.Write(data[end:]) // trailing whitespace is kept, as json.Indent does
	}
	return out.view(JSON, "json", maxDepth)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// tooDeep is the view of a document nested past MaxDepth: its raw text,
// not highlighted (a lexer on hostile nesting is costly for nothing).
func tooDeep(k Kind, data []byte) View {
	v := rawView(k, "plaintext", data)
	v.Notes = append([]string{noteTooDeep}, v.Notes...)
	return v
}

// capped collects a view's text up to MaxOutput and remembers whether
// more was offered.
type capped struct {
	b    []byte
	full bool
}

func newCapped(hint int) *capped {
	return &capped{b: make([]byte, 0, min(hint+hint/2, MaxOutput))}
}

// Full reports that MaxOutput was reached: callers stop producing.
func (c *capped) Full() bool { return c.full }

func (c *capped) Write(p []byte) (int, error) {
	room := MaxOutput - len(c.b)
	if len(p) > room {
		p = p[:room]
		c.full = true
	}
	c.b = append(c.b, p...)
	return len(p), nil
}

func (c *capped) WriteString(s string) {
	room := MaxOutput - len(c.b)
	if len(s) > room {
		s = s[:room]
		c.full = true
	}
	c.b = append(c.b, s...)
}

func (c *capped) WriteByte(b byte) error {
	if len(c.b) >= MaxOutput {
		c.full = true
		return nil
	}
	c.b = append(c.b, b)
	return nil
}

// Len is the number of bytes kept.
func (c *capped) Len() int { return len(c.b) }

// wholeRunes drops an incomplete UTF-8 sequence left at the end of b by a cut.
func wholeRunes(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

const indentSpaces = "                                                                " // 2*MaxIndent

// Indent writes the indentation of a nesting level, capped at MaxIndent.
func (c *capped) Indent(depth int) {
	c.WriteString(indentSpaces[:2*min(max(depth, 0), MaxIndent)])
}

// view is the finished text with the notes its bounds call for. A cut
// text ends at a rune boundary.
func (c *capped) view(k Kind, lang string, maxDepth int) View {
	var notes []string
	if maxDepth > MaxIndent {
		notes = append(notes, noteIndent)
	}
	b := c.b
	if c.full {
		b = wholeRunes(b)
		notes = append(notes, noteTruncated+": the rest of the pretty view is not shown (the body itself is intact)")
	}
	return View{Kind: k, Text: string(b), Lang: lang, Notes: notes, Cut: c.full}
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
	dec := newXMLDecoder(data)
	out := newCapped(len(data))
	depth, maxDepth := 0, 0
	indent := func() {
		if out.Len() > 0 {
			out.WriteByte('\n')
		}
		out.Indent(depth)
	}
	lastStart := false  // the previous token opened an element: text stays inline
	selfClosed := false // the previous token was "<a/>": its end is already written
	// Open elements: RawToken does not check that end tags match.
	var open []xml.Name
	for !out.Full() {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if e, ok := tok.(xml.EndElement); ok && err == nil {
			var top *xml.Name
			if len(open) > 0 {
				top = &open[len(open)-1]
			}
			if err = endMismatch(top, e); err == nil {
				open = open[:len(open)-1]
			}
		}
		if err != nil {
			v := rawView(XML, "xml", data)
			v.Err = xmlError(data, dec, err)
			return v
		}
		switch t := tok.(type) {
		case xml.StartElement:
			indent()
			out.WriteString("<" + qname(t.Name))
			for _, a := range t.Attr {
				out.WriteString(" " + qname(a.Name) + `="`)
				_ = xml.EscapeText(out, []byte(a.Value))
				out.WriteString(`"`)
			}
			// A self-closing tag stays one: the decoder reports "<a/>" as
			// a start and an end, and "<a></a>" is not what was sent.
			if off := dec.InputOffset(); off >= 2 && data[off-2] == '/' {
				out.WriteString("/>")
				selfClosed = true
			} else {
				out.WriteString(">")
			}
			open = append(open, t.Name)
			depth++
			if depth > MaxDepth {
				return tooDeep(XML, data)
			}
			maxDepth = max(maxDepth, depth)
			lastStart = true
		case xml.EndElement:
			depth--
			if selfClosed {
				selfClosed = false
				lastStart = false
				continue
			}
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
			_ = xml.EscapeText(out, []byte(s))
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
	if depth != 0 && !out.Full() {
		line, col := position(data, int64(len(data)))
		v := rawView(XML, "xml", data)
		v.Err = &SyntaxError{Lang: "XML", Line: line, Column: col, Msg: "unexpected end: unclosed element"}
		return v
	}
	return out.view(XML, "xml", maxDepth)
}

// newXMLDecoder reads data as the XML views do: strictly, with HTML's
// entities known, and any declared charset read as it is.
func newXMLDecoder(data []byte) *xml.Decoder {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	return dec
}

// xmlError locates err, met by dec reading data.
func xmlError(data []byte, dec *xml.Decoder, err error) *SyntaxError {
	line, col := position(data, dec.InputOffset()+1)
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line = se.Line
	}
	return &SyntaxError{Lang: "XML", Line: line, Column: col, Msg: err.Error()}
}

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
// values line up. Fields are read one at a time and the text stops at
// MaxOutput: a body of a million "&" costs no more than its size.
func formView(data []byte) View {
	width, n := 0, 0
	for kv := range strings.SplitSeq(string(data), "&") {
		if kv == "" {
			continue
		}
		n++
		if width < 40 {
			k, _, _ := strings.Cut(kv, "=")
			width = max(width, utf8.RuneCountInString(unescape(k)))
		}
	}
	width = min(width, 40)
	out := newCapped(len(data))
	pad := strings.Repeat(" ", width+3)
	for kv := range strings.SplitSeq(string(data), "&") {
		if kv == "" {
			continue
		}
		if out.Full() {
			break
		}
		k, v, _ := strings.Cut(kv, "=")
		name, value := unescape(k), unescape(v)
		out.WriteString(name)
		out.WriteString(pad[:max(width-utf8.RuneCountInString(name), 0)])
		out.WriteString(" = ")
		first := true
		for line := range strings.SplitSeq(value, "\n") {
			if !first {
				out.WriteByte('\n')
				out.WriteString(pad)
			}
			first = false
			out.WriteString(line)
			if out.Full() {
				break
			}
		}
		out.WriteByte('\n')
	}
	v := out.view(Form, "plaintext", 0)
	v.Notes = append([]string{"form: " + text.N(n, "field", "fields") + ", decoded"}, v.Notes...)
	return v
}

// endMismatch is the error of an end tag that closes nothing (top nil) or
// another element than the open one: RawToken does not check.
func endMismatch(top *xml.Name, e xml.EndElement) error {
	switch {
	case top == nil:
		return fmt.Errorf("unexpected end element </%s>", qname(e.Name))
	case *top != e.Name:
		return fmt.Errorf("element <%s> closed by </%s>", qname(*top), qname(e.Name))
	}
	return nil
}
