package pretty

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const xmlDoc = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<!DOCTYPE note SYSTEM "note.dtd"><!-- top comment -->` +
	`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:default">` +
	"\n  \n" + `<soap:Body><m:Get xmlns:m="urn:m" id="1" q='a"b'>` +
	`<m:Item>fish &amp; chips</m:Item><!-- inner --><m:Empty/><?php echo 1; ?>` +
	`</m:Get></soap:Body></soap:Envelope>`

const xmlPretty = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE note SYSTEM "note.dtd">
<!-- top comment -->
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:default">
  <soap:Body>
    <m:Get xmlns:m="urn:m" id="1" q="a&#34;b">
      <m:Item>fish &amp; chips</m:Item>
      <!-- inner -->
      <m:Empty/>
      <?php echo 1; ?>
    </m:Get>
  </soap:Body>
</soap:Envelope>`

type bytesCase struct {
	name     string
	ct       string
	data     []byte
	kind     Kind
	lang     string
	text     *string // nil: not checked
	errLine  int     // >0: want a *SyntaxError at this line
	errCol   int     // >0: and this column
	noteHave string  // a note must contain this
}

func str(s string) *string { return &s }

var bytesCases = []bytesCase{
	{
		name: "json pretty, key order and number text kept",
		ct:   "application/json",
		data: []byte(`{"z":1,"a":[1.50,2e3,-0.0,12345678901234567890],"m":{"k":"v\u00e9\n","é":"ü"},"e":{},"l":[]}`),
		kind: JSON, lang: "json",
		text: str(`{
  "z": 1,
  "a": [
    1.50,
    2e3,
    -0.0,
    12345678901234567890
  ],
  "m": {
    "k": "v\u00e9\n",
    "é": "ü"
  },
  "e": {},
  "l": []
}`),
	},
	{
		name: "json suffix type with parameters",
		ct:   "Application/Vnd.Api+JSON; charset=utf-8",
		data: []byte(`[1,true,null]`),
		kind: JSON, lang: "json",
		text: str("[\n  1,\n  true,\n  null\n]"),
	},
	{
		name: "json sniffed without content type",
		data: []byte("  [1, {\"a\": \"b\"}]\n"),
		kind: JSON, lang: "json",
		text: str("[\n  1,\n  {\n    \"a\": \"b\"\n  }\n]\n"),
	},
	{
		name: "json sniffed under text/plain",
		ct:   "text/plain",
		data: []byte(`{"a":1}`),
		kind: JSON, lang: "json",
		text: str("{\n  \"a\": 1\n}"),
	},
	{
		name: "malformed json on line 3",
		ct:   "application/json",
		data: []byte("{\n  \"a\": 1,\n  \"b\": x\n}"),
		kind: JSON, lang: "json",
		text:    str("{\n  \"a\": 1,\n  \"b\": x\n}"),
		errLine: 3, errCol: 8,
	},
	{
		name: "malformed json missing comma at line start",
		ct:   "application/json",
		data: []byte("{\n  \"a\": 1\n  \"b\": 2\n}"),
		kind: JSON, lang: "json",
		errLine: 3, errCol: 3,
	},
	{
		name: "malformed json at first byte",
		ct:   "application/json",
		data: []byte("x"),
		kind: JSON, lang: "json",
		errLine: 1, errCol: 1,
	},
	{
		name: "malformed json with CRLF lines",
		ct:   "application/json",
		data: []byte("{\r\n\"a\":\r\n}"),
		kind: JSON, lang: "json",
		errLine: 3, errCol: 1,
	},
	{
		name: "truncated json points at its last byte",
		ct:   "application/json",
		data: []byte("{\"a\": [1,\n"),
		kind: JSON, lang: "json",
		errLine: 1, errCol: 10,
	},
	{
		name: "json trailing garbage",
		ct:   "application/json",
		data: []byte(`{"a":1} x`),
		kind: JSON, lang: "json",
		errLine: 1, errCol: 9,
	},
	{
		name: "malformed json not sniffed",
		data: []byte("{not json"),
		kind: Text, lang: "plaintext",
		text: str("{not json"),
	},
	{
		name: "xml with doctype, comments and namespaces",
		ct:   "application/soap+xml; charset=utf-8",
		data: []byte(xmlDoc),
		kind: XML, lang: "xml",
		text: str(xmlPretty),
	},
	{
		name: "xml sniffed without content type",
		data: []byte("<a><b>t</b><c/></a>"),
		kind: XML, lang: "xml",
		text: str("<a>\n  <b>t</b>\n  <c/>\n</a>"),
	},
	{
		name: "malformed xml: unquoted attribute",
		ct:   "text/xml",
		data: []byte("<a>\n  <b x=1/>\n</a>"),
		kind: XML, lang: "xml",
		text:    str("<a>\n  <b x=1/>\n</a>"),
		errLine: 2,
	},
	{
		name: "malformed xml: mismatched end tag",
		ct:   "application/xml",
		data: []byte("<a>\n<b>\n</c>\n</a>"),
		kind: XML, lang: "xml",
		errLine: 3,
	},
	{
		name: "malformed xml: end tag with nothing open",
		ct:   "application/xml",
		data: []byte("</a>"),
		kind: XML, lang: "xml",
		errLine: 1,
	},
	{
		name: "malformed xml: unclosed element",
		ct:   "application/xml",
		data: []byte("<root>\n  <child>\n"),
		kind: XML, lang: "xml",
		errLine: 2, errCol: 10,
	},
	{
		name: "malformed xml: EOF inside a tag after a newline",
		ct:   "application/xml",
		data: []byte("<a>\n<b\n"),
		kind: XML, lang: "xml",
		errLine: 3, errCol: 1,
	},
	{
		name: "markup that is not xml stays text",
		ct:   "text/plain",
		data: []byte("</a> is how a tag closes"),
		kind: Text, lang: "plaintext",
		text: str("</a> is how a tag closes"),
	},
	{
		name: "urlencoded form",
		ct:   "application/x-www-form-urlencoded",
		data: []byte("name=Jo%C3%A3o+Silva&tag=a&tag=b&path=a%2Fb&plus=1+2&empty=&flag&&bad=%zz&k%3Dx=v%26w"),
		kind: Form, lang: "plaintext",
		text: str("name  = João Silva\ntag   = a\ntag   = b\npath  = a/b\nplus  = 1 2\nempty = \nflag  = \nbad   = %zz\nk=x   = v&w\n"),
	},
	{
		name: "binary, all 256 byte values",
		ct:   "application/octet-stream",
		data: allBytes(),
		kind: Binary, lang: "plaintext",
		text:     str(hex.Dump(allBytes())),
		noteHave: "hex dump",
	},
	{
		name: "binary under the form type",
		ct:   "application/x-www-form-urlencoded",
		data: allBytes(),
		kind: Binary, lang: "plaintext",
		text: str(hex.Dump(allBytes())),
	},
	{
		name: "invalid utf-8",
		ct:   "text/plain; charset=utf-8",
		data: []byte("caf\xe9 \xff\xfe ok"),
		kind: Binary, lang: "plaintext",
		text: str(hex.Dump([]byte("caf\xe9 \xff\xfe ok"))),
	},
	{
		name: "empty body",
		ct:   "application/json",
		data: []byte{},
		kind: Empty, lang: "plaintext",
		text: str(""),
	},
	{
		name: "text/plain",
		ct:   "text/plain",
		data: []byte("hello\nworld\n"),
		kind: Text, lang: "plaintext",
		text: str("hello\nworld\n"),
	},
	{
		name: "json type with a bad parameter is still json",
		ct:   "application/json;;;",
		data: []byte(`{"a":1}`),
		kind: JSON, lang: "json",
		text: str("{\n  \"a\": 1\n}"),
	},
	{
		name: "unparsable content type sniffs",
		ct:   "json",
		data: []byte("plain words"),
		kind: Text, lang: "plaintext",
		text: str("plain words"),
	},
}

// checkPosition asserts that a SyntaxError's line and column exist in data.
func checkPosition(t *testing.T, data []byte, se *SyntaxError) {
	t.Helper()
	lines := bytes.Split(data, []byte("\n"))
	if se.Line < 1 || se.Line > len(lines) {
		t.Fatalf("line %d outside 1..%d: %v", se.Line, len(lines), se)
	}
	if se.Column < 1 || se.Column > len(lines[se.Line-1])+1 {
		t.Fatalf("column %d outside 1..%d on line %d (%q): %v",
			se.Column, len(lines[se.Line-1])+1, se.Line, lines[se.Line-1], se)
	}
}

func TestBytes(t *testing.T) {
	for _, c := range bytesCases {
		t.Run(c.name, func(t *testing.T) {
			v := Bytes(c.ct, c.data)
			if v.Kind != c.kind || v.Lang != c.lang {
				t.Errorf("kind %q lang %q, want %q %q", v.Kind, v.Lang, c.kind, c.lang)
			}
			if c.text != nil && v.Text != *c.text {
				t.Errorf("text:\n%s\nwant:\n%s", v.Text, *c.text)
			}
			if c.errLine == 0 {
				if v.Err != nil {
					t.Errorf("unexpected error %v", v.Err)
				}
			} else {
				var se *SyntaxError
				if !errors.As(v.Err, &se) {
					t.Fatalf("err = %v, want a *SyntaxError", v.Err)
				}
				if want := strings.ToUpper(string(c.kind)); se.Lang != want {
					t.Errorf("lang %q, want %q", se.Lang, want)
				}
				if se.Line != c.errLine || (c.errCol > 0 && se.Column != c.errCol) {
					t.Errorf("at %d:%d, want %d:%d (%v)", se.Line, se.Column, c.errLine, c.errCol, se)
				}
				if v.Text != string(c.data) {
					t.Errorf("malformed body not shown raw: %q", v.Text)
				}
				if !strings.Contains(se.Error(), "line ") || se.Msg == "" {
					t.Errorf("message %q", se.Error())
				}
				checkPosition(t, c.data, se)
			}
			if c.noteHave != "" && !strings.Contains(strings.Join(v.Notes, "\n"), c.noteHave) {
				t.Errorf("notes %q lack %q", v.Notes, c.noteHave)
			}
		})
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	for _, c := range []struct {
		off       int64
		line, col int
	}{
		{0, 1, 1}, {1, 1, 1}, {2, 1, 2}, {3, 1, 3}, // off is one past the byte
		{4, 2, 1}, {6, 2, 3}, {7, 3, 1}, {8, 4, 1}, {9, 4, 2},
		{10, 4, 3}, {100, 4, 3}, // past the end: just after the last byte
	} {
		line, col := position(data, c.off)
		if line != c.line || col != c.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", c.off, line, col, c.line, c.col)
		}
	}
}

func TestFormFields(t *testing.T) {
	got := FormFields("a=1&a=2&b=x%2Fy+z&&c&=v")
	want := []Field{{"a", "1"}, {"a", "2"}, {"b", "x/y z"}, {"c", ""}, {"", "v"}}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestHexLimit(t *testing.T) {
	data := bytes.Repeat([]byte{0xAB}, 100)
	if got, want := Hex(data, 32), hex.Dump(data[:32]); got != want {
		t.Errorf("Hex limited:\n%s\nwant:\n%s", got, want)
	}
}

func TestBody(t *testing.T) {
	jsonBody := []byte(`{"event":"paid","amount":10.50}`)
	zipped := gz(t, jsonBody)
	hdr := func(kv ...string) capture.Headers {
		var h capture.Headers
		for i := 0; i+1 < len(kv); i += 2 {
			h = append(h, capture.Header{Name: kv[i], Value: kv[i+1]})
		}
		return h
	}

	t.Run("gzip json decoded", func(t *testing.T) {
		r := &capture.Request{
			Headers: hdr("Content-Type", "application/json", "content-encoding", "gzip"),
			Body:    zipped, BodySize: int64(len(zipped)), DeclaredSize: int64(len(zipped)),
		}
		v := Body(r)
		if v.Err != nil || v.Kind != JSON {
			t.Fatalf("kind %q err %v", v.Kind, v.Err)
		}
		if want := "{\n  \"event\": \"paid\",\n  \"amount\": 10.50\n}"; v.Text != want {
			t.Errorf("text %q", v.Text)
		}
		if len(v.Notes) != 1 || !strings.Contains(v.Notes[0], "gzip") {
			t.Errorf("notes %q", v.Notes)
		}
		if !bytes.Equal(r.Body, zipped) {
			t.Error("the record was changed")
		}
	})

	t.Run("plain body has no notes", func(t *testing.T) {
		v := Body(&capture.Request{Headers: hdr("Content-Type", "application/json"), Body: jsonBody})
		if v.Kind != JSON || v.Err != nil || len(v.Notes) != 0 {
			t.Errorf("kind %q err %v notes %q", v.Kind, v.Err, v.Notes)
		}
	})

	t.Run("truncated body is noted", func(t *testing.T) {
		v := Body(&capture.Request{Headers: hdr("Content-Type", "text/plain"), Body: []byte("abc"),
			BodySize: 3, Truncated: true, DeclaredSize: 1 << 30})
		if v.Kind != Text || len(v.Notes) != 1 || !strings.Contains(v.Notes[0], "truncated") {
			t.Errorf("kind %q notes %q", v.Kind, v.Notes)
		}
	})

	for _, c := range []struct {
		name string
		body []byte
	}{
		{"not gzip at all", []byte(`{"plain":true}`)},
		{"gzip cut short", zipped[:len(zipped)-12]},
		{"gzip with a flipped byte", func() []byte {
			b := bytes.Clone(zipped)
			b[len(b)-8] ^= 0xFF // first byte of the CRC-32 trailer
			return b
		}()},
	} {
		t.Run("corrupt gzip: "+c.name, func(t *testing.T) {
			r := &capture.Request{
				Headers: hdr("Content-Type", "application/json", "Content-Encoding", "gzip"),
				Body:    c.body,
			}
			v := Body(r)
			if v.Err == nil {
				t.Fatal("no error")
			}
			var se *SyntaxError
			if errors.As(v.Err, &se) {
				t.Fatalf("decode failure reported as a syntax error: %v", v.Err)
			}
			// Shown as received: the raw bytes, through the same renderer.
			if want := Bytes("application/json", c.body); v.Kind != want.Kind || v.Text != want.Text {
				t.Errorf("kind %q text %q, want the raw view %q %q", v.Kind, v.Text, want.Kind, want.Text)
			}
			notes := strings.Join(v.Notes, "\n")
			if !strings.Contains(notes, "gzip") || !strings.Contains(notes, "as received") {
				t.Errorf("notes %q", v.Notes)
			}
		})
	}
}

func TestDecodeBomb(t *testing.T) {
	const limit = 1000
	big := bytes.Repeat([]byte("0"), 4<<20)
	bomb := gz(t, big)
	if len(bomb) > 64<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	h := capture.Headers{{Name: "Content-Encoding", Value: "gzip"}}
	d, err := capture.Decode(h, bomb, limit)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Capped || len(d.Data) != limit || d.Encoding != "gzip" || !bytes.Equal(d.Data, big[:limit]) {
		t.Fatalf("capped %v, %d bytes, encoding %q", d.Capped, len(d.Data), d.Encoding)
	}

	// Exactly at the limit is whole, not capped.
	d, err = capture.Decode(h, gz(t, big[:limit]), limit)
	if err != nil || d.Capped || len(d.Data) != limit {
		t.Fatalf("at the limit: capped %v, %d bytes, %v", d.Capped, len(d.Data), err)
	}

	// A bomb under two layers is capped too.
	h2 := capture.Headers{{Name: "Content-Encoding", Value: "gzip, gzip"}}
	d, err = capture.Decode(h2, gz(t, bomb), limit)
	if err != nil || !d.Capped || len(d.Data) != limit {
		t.Fatalf("two layers: capped %v, %d bytes, %v", d.Capped, len(d.Data), err)
	}
}

func FuzzBytes(f *testing.F) {
	for _, c := range bytesCases {
		f.Add(c.ct, c.data)
	}
	f.Add("", []byte(xmlDoc))
	f.Add("application/json", []byte(`{"a":"\u2028<>&","b":[{"c":-1.5e-300}]}`))
	for _, c := range boundCases()[:3] { // the hostile deep documents
		f.Add(c.ct, c.data)
	}
	f.Add("application/json", wideDeepJSON())
	f.Fuzz(func(t *testing.T, ct string, data []byte) {
		v := Bytes(ct, data)
		if len(v.Text) > MaxOutput {
			t.Fatalf("text of %d bytes, over MaxOutput", len(v.Text))
		}
		switch v.Kind {
		case Empty, JSON, XML, Form, Text, Binary:
		default:
			t.Fatalf("kind %q", v.Kind)
		}
		if (v.Kind == Empty) != (len(data) == 0) {
			t.Fatalf("kind %q for %d bytes", v.Kind, len(data))
		}
		var se *SyntaxError
		if errors.As(v.Err, &se) {
			checkPosition(t, data, se)
		}
		deep := strings.Contains(strings.Join(v.Notes, "\n"), "showing the raw text")
		if v.Kind == JSON && v.Err == nil && !deep {
			out := []byte(v.Text)
			if !json.Valid(out) {
				t.Fatalf("pretty JSON is not valid:\n%s", out)
			}
			var a, b bytes.Buffer
			if err := json.Compact(&a, data); err != nil {
				t.Fatalf("input shown as JSON but does not compact: %v", err)
			}
			if err := json.Compact(&b, out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("pretty JSON differs:\n in %s\nout %s", a.Bytes(), b.Bytes())
			}
			// Within the bounds, the view is exactly json.Indent's.
			var want bytes.Buffer
			if len(v.Notes) == 0 && json.Indent(&want, data, "", "  ") == nil && want.String() != v.Text {
				t.Fatalf("differs from json.Indent:\n got %q\nwant %q", v.Text, want.String())
			}
		}
		if v.Kind == XML && v.Err == nil && !deep {
			// The re-indented document must itself be well-formed.
			if again := xmlView([]byte(v.Text)); again.Err != nil {
				t.Fatalf("pretty XML does not parse: %v\n%s", again.Err, v.Text)
			}
		}
	})
}

func TestXMLSelfClosing(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"attributes", `<lead><stage from="new" to="qualified"/></lead>`, "<lead>\n  <stage from=\"new\" to=\"qualified\"/>\n</lead>"},
		{"space before the slash", `<a><b x="1" /><c /></a>`, "<a>\n  <b x=\"1\"/>\n  <c/>\n</a>"},
		{"an empty pair stays a pair", `<a><b></b></a>`, "<a>\n  <b></b>\n</a>"},
		{"root", `<a/>`, "<a/>"},
		{"namespaced", `<m:a xmlns:m="urn:m"><m:e/></m:a>`, "<m:a xmlns:m=\"urn:m\">\n  <m:e/>\n</m:a>"},
		{"slash in an attribute value", `<a><b href="/x/"></b><c href="/"/></a>`, "<a>\n  <b href=\"/x/\"></b>\n  <c href=\"/\"/>\n</a>"},
		{"then text and siblings", `<a><b/>t<c>u</c></a>`, "<a>\n  <b/>\n  t\n  <c>u</c>\n</a>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Bytes("application/xml", []byte(c.in))
			if v.Err != nil || v.Text != c.want {
				t.Fatalf("got %q (%v), want %q", v.Text, v.Err, c.want)
			}
		})
	}
}
