package suite

import (
	"bytes"
	"testing"
)

// roundTripSeeds are bodies YAML could easily get wrong: non-UTF-8, NUL, a
// BOM, line ends of every kind, leading and trailing spaces, YAML's own
// keywords and indicators, and template braces.
var roundTripSeeds = []struct {
	path, header string
	body         []byte
}{
	{"/hooks", "application/json", []byte(`{"a":1}`)},
	{"/a?x=1&x=2", "v", []byte("line1\r\nline2\n\n")},
	{"/", "  spaced  ", []byte("  leading and trailing  ")},
	{"/bin", "x", []byte{0xff, 0xfe, 0x00, 0x01}},
	{"/bom", "x", []byte("\uFEFF{\"a\":1}")},
	{"/nul", "x", []byte("a\x00b")},
	{"/yaml", "yes", []byte("null")},
	{"/yaml2", "~", []byte("- item\n? key\n: value\n")},
	{"/tpl", "{{uuid}}", []byte("{{.steps.a.body.id}}")},
	{"/tab", "\tx", []byte("\ttabbed\n")},
	{"/cr", "x", []byte("a\rb")},
	{"/%ZZ%00", "0x10", []byte("0x10")},
	{"/empty", "", nil},
	{"/long", "x", bytes.Repeat([]byte("é"), 5000)},
	{"/\xff", "\x80", []byte("#comment")},
}

// FuzzRoundTrip writes a one-step suite with Marshal and reads it back
// with Parse: the path, header value and body bytes must come back exact
// (bodies that are not UTF-8 text go to body_base64).
func FuzzRoundTrip(f *testing.F) {
	for _, s := range roundTripSeeds {
		f.Add(s.path, s.header, s.body)
	}
	f.Fuzz(func(t *testing.T, path, header string, body []byte) {
		req := &Request{Method: "POST", Path: path, Headers: Headers{"X-Test: " + header}}
		req.SetBody(body)
		in := &Suite{Name: "fuzz", Steps: []Step{{Name: "s", Request: req}}}
		data, err := Marshal(in)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		out, err := Parse(data, "fuzz.yaml")
		if err != nil {
			t.Fatalf("Parse of Marshal's output: %v\n%s", err, data)
		}
		got := out.Steps[0].Request
		b, err := got.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, body) {
			t.Errorf("body %q, want %q\n%s", b, body, data)
		}
		if got.Path != path {
			t.Errorf("path %q, want %q", got.Path, path)
		}
		h, err := got.Headers.Capture()
		if err != nil || len(h) != 1 || h[0].Value != header {
			t.Errorf("header %v %v, want %q\n%s", h, err, header, data)
		}
	})
}
