package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// parseCases are inputs ParseJSON must accept, and seeds for FuzzParseJSON.
var parseCases = []string{
	`{"z":1,"a":{"y":true,"b":null},"m":[3,"x",[],{}],"z":2}`,
	`{"valor":1500.50,"exp":1e-7,"neg":-0,"big":123456789012345678901234567890}`,
	`[1,2,{"a":[{"b":"c"}]}]`,
	`"just a string"`,
	`42`,
	`true`,
	`null`,
	`{}`,
	`[]`,
	" \n\t{\"a\" : [ 1 , 2 ] }\r\n",
	"\xef\xbb\xbf{\"bom\":1}",
	`{"html":"<b>&amp;</b>","ctl":"a\u0000b\u001fc","ls":"\u2028\u2029","tab":"\t\n\r\"\\/"}`,
	`{"emoji":"\ud83d\ude00","lone":"\ud800","bad":"` + "\xff\xfe" + `"}`,
	`{"first name":1,"1st":2,"xmlish":3,"a:b":4,"":5,"ação":6,"-x":7,".y":8,"x y.z":9}`,
	`{"a":{"b":{"c":{"d":{"e":[[[["deep"]]]]}}}}}`,
}

func TestParseJSONKeepsOrder(t *testing.T) {
	p, err := ParseJSON([]byte(parseCases[0]))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(memberKeys(p.Root), ","); got != "z,a,m,z" {
		t.Errorf("keys = %s, want z,a,m,z (order and duplicates kept)", got)
	}
	if got := strings.Join(memberKeys(p.Root.Members[1].Value), ","); got != "y,b" {
		t.Errorf("nested keys = %s, want y,b", got)
	}
	want := `{
  "z": 1,
  "a": {
    "y": true,
    "b": null
  },
  "m": [
    3,
    "x",
    [],
    {}
  ],
  "z": 2
}`
	out, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != want {
		t.Errorf("JSON() =\n%s\nwant\n%s", out, want)
	}
}

func TestParseJSONRoundTrip(t *testing.T) {
	for _, in := range parseCases {
		t.Run(in, func(t *testing.T) {
			p, err := ParseJSON([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			for _, render := range []func() ([]byte, error){p.JSON, p.CompactJSON} {
				out, err := render()
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(out) {
					t.Fatalf("invalid output %s", out)
				}
				p2, err := ParseJSON(out)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(p, p2) {
					t.Errorf("round trip changed the tree:\n%#v\n%#v", p, p2)
				}
			}
			x, err := p.XML()
			if err != nil {
				t.Fatal(err)
			}
			if err := wellFormedXML(x); err != nil {
				t.Errorf("XML: %v\n%s", err, x)
			}
		})
	}
}

func TestParseJSONKeepsLiterals(t *testing.T) {
	in := `{"valor":1500.50,"exp":1E+2,"neg":-0,"big":123456789012345678901234567890,"html":"<&>"}`
	p, err := ParseJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := p.CompactJSON()
	if string(out) != in {
		t.Errorf("CompactJSON = %s, want %s", out, in)
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, in := range []string{"", " ", "{", `{"a":}`, "[1,]", "1 2", `{"a":1}x`, "NaN", "'a'", `{a:1}`, "\xef\xbb\xbf"} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseJSON([]byte(in))
			if !errors.Is(err, ErrInvalidJSON) {
				t.Errorf("ParseJSON(%q) err = %v, want ErrInvalidJSON", in, err)
			}
		})
	}
}

func TestJSONEscaping(t *testing.T) {
	p := Payload{Root: Object(M("s", String("<a href=\"x\">&</a>\n\t\x01\u2028é\xff")))}
	out, err := p.CompactJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"s":"<a href=\"x\">&</a>\n\t\u0001\u2028é\ufffd"}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestRenderRejectsBadScalars(t *testing.T) {
	for _, v := range []Value{Number("abc"), Number("01"), Number("1."), Number(""), {Kind: KindBool, Text: "yes"}, {Kind: 99}} {
		p := Payload{Root: Object(M("x", v))}
		if _, err := p.JSON(); err == nil {
			t.Errorf("JSON accepted %#v", v)
		}
		if _, err := p.XML(); err == nil {
			t.Errorf("XML accepted %#v", v)
		}
	}
}

func TestAmount(t *testing.T) {
	for cents, want := range map[int64]string{0: "0.00", 5: "0.05", 150050: "1500.50", -5: "-0.05", -12345: "-123.45", math.MinInt64: "-92233720368547758.08"} {
		if got := Amount(cents).Text; got != want {
			t.Errorf("Amount(%d) = %s, want %s", cents, got, want)
		}
	}
}

func TestFlatten(t *testing.T) {
	p := Envelope("client.tagged", "2025-03-14T10:30:00-03:00", Object(
		M("client", Object(M("id", String("cli_1")), M("name", String("Ana Souza")))),
		M("tags", Strings("vip", "b2b")),
		M("changes", Array(Object(M("field", String("phone")), M("old", Null()), M("new", Int(3))))),
		M("empty", Object()),
		M("none", Array()),
		M("ok", Bool(true)),
	))
	var got []string
	for _, f := range p.Flatten() {
		got = append(got, f.Name+"="+f.Value)
	}
	want := []string{
		"type=client.tagged",
		"timestamp=2025-03-14T10:30:00-03:00",
		"data.client.id=cli_1",
		"data.client.name=Ana Souza",
		"data.tags.0=vip",
		"data.tags.1=b2b",
		"data.changes.0.field=phone",
		"data.changes.0.old=",
		"data.changes.0.new=3",
		"data.ok=true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Flatten =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := (Payload{Root: String("x")}).Flatten(); len(got) != 1 || got[0] != (Field{"", "x"}) {
		t.Errorf("scalar root Flatten = %v", got)
	}
}

func TestGet(t *testing.T) {
	p, _ := ParseJSON([]byte(`{"a":{"b":[10,{"c":"x"}]},"a":2}`))
	for path, want := range map[string]string{"a.b.0": "10", "a.b.1.c": "x"} {
		if v, ok := p.Get(path); !ok || v.Text != want {
			t.Errorf("Get(%q) = %q, %v; want %q", path, v.Text, ok, want)
		}
	}
	for _, path := range []string{"x", "a.b.2", "a.b.-1", "a.b.01", "a.b.0.c", "a.b.1.c.d"} {
		if _, ok := p.Get(path); ok {
			t.Errorf("Get(%q) found something", path)
		}
	}
	if v, ok := p.Get(""); !ok || v.Kind != KindObject {
		t.Error(`Get("") is not the root`)
	}
}

func TestXML(t *testing.T) {
	p := Envelope("client.tagged", "2025-03-14T10:30:00-03:00", Object(
		M("client", Object(M("name", String("Ana & <Bia>")), M("first name", String("Ana")))),
		M("tags", Strings("vip", "b2b")),
		M("none", Array()),
		M("grid", Array(Strings("a", "b"), Array())),
		M("nil", Null()),
		M("empty", Object()),
		M("amount", Amount(150050)),
		M("ok", Bool(false)),
	))
	out, err := p.XML()
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<event>
  <type>client.tagged</type>
  <timestamp>2025-03-14T10:30:00-03:00</timestamp>
  <data>
    <client>
      <name>Ana &amp; &lt;Bia&gt;</name>
      <first_name>Ana</first_name>
    </client>
    <tags>vip</tags>
    <tags>b2b</tags>
    <grid>
      <item>a</item>
      <item>b</item>
    </grid>
    <grid/>
    <nil/>
    <empty/>
    <amount>1500.50</amount>
    <ok>false</ok>
  </data>
</event>`
	if string(out) != want {
		t.Errorf("XML() =\n%s\nwant\n%s", out, want)
	}
	for _, root := range []Value{Strings("a"), Array(), String("x"), Null()} {
		out, err := Payload{Root: root}.XML()
		if err != nil {
			t.Fatal(err)
		}
		if err := wellFormedXML(out); err != nil {
			t.Errorf("root %v: %v\n%s", root.Kind, err, out)
		}
	}
}

func TestXMLName(t *testing.T) {
	for in, want := range map[string]string{
		"name":       "name",
		"first name": "first_name",
		"1st":        "_1st",
		"-x":         "_-x",
		".y":         "_.y",
		"a:b":        "a_b",
		"":           "_",
		"xmlThing":   "_xmlThing",
		"XML":        "_XML",
		"xm":         "xm",
		"ação":       "ação",
		"a\xffb":     "a_b",
		"a/b<c>":     "a_b_c_",
		"日付":         "__",
		"\u07b2":     "_",
		"a·b":        "a_b",
		"Ĳ":          "_",
	} {
		got := xmlName(in)
		if got != want {
			t.Errorf("xmlName(%q) = %q, want %q", in, got, want)
		}
		if err := wellFormedXML([]byte("<" + got + "/>")); err != nil {
			t.Errorf("xmlName(%q) = %q: %v", in, got, err)
		}
	}
}

func TestXMLText(t *testing.T) {
	p := Payload{Root: Object(M("t", String("a\x00b\x1fc\r\nd\uFFFEe\xff")))}
	out, err := p.XML()
	if err != nil {
		t.Fatal(err)
	}
	if err := wellFormedXML(out); err != nil {
		t.Fatalf("%v\n%q", err, out)
	}
	if !bytes.Contains(out, []byte("<t>a\uFFFDb\uFFFDc&#xD;\nd\uFFFDe\uFFFD</t>")) {
		t.Errorf("text not escaped as expected: %q", out)
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range parseCases {
		f.Add([]byte(c))
	}
	g := NewGenerator(1)
	for _, e := range All() {
		p, err := g.SampleAt(e.Name, fixedTime)
		if err != nil {
			f.Fatal(err)
		}
		js, _ := p.JSON()
		f.Add(js)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseJSON(data)
		if valid := json.Valid(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))); (err == nil) != valid {
			t.Fatalf("ParseJSON err = %v, json.Valid = %v", err, valid)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidJSON) {
				t.Fatalf("error %v does not wrap ErrInvalidJSON", err)
			}
			return
		}
		for _, render := range []func() ([]byte, error){p.JSON, p.CompactJSON} {
			out, err := render()
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(out) {
				t.Fatalf("invalid JSON output %q", out)
			}
			p2, err := ParseJSON(out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.Flatten(), p2.Flatten()) {
				t.Fatalf("Flatten changed after a round trip:\n%v\n%v", p.Flatten(), p2.Flatten())
			}
			if !reflect.DeepEqual(p, p2) {
				t.Fatal("tree changed after a round trip")
			}
		}
		x, err := p.XML()
		if err != nil {
			t.Fatal(err)
		}
		if err := wellFormedXML(x); err != nil {
			t.Fatalf("XML not well-formed: %v\n%q", err, x)
		}
	})
}
