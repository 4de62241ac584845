package pretty

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestUnescapeString(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"latin letter", `"S\u00e3o Paulo"`, `"São Paulo"`},
		{"upper-case hex", `"S\u00E3o"`, `"São"`},
		{"surrogate pair", `"ok \ud83d\ude00"`, `"ok 😀"`},
		{"slash", `"a\/b"`, `"a/b"`},
		{"quote and backslash stay", `"\" \\ \u0022 \u005c"`, `"\" \\ \u0022 \u005c"`},
		{"controls stay", `"a\nb\t\u0000\u001f"`, `"a\nb\t\u0000\u001f"`},
		{"invisible characters stay", `"\u200b\u00a0\u2028\u2029\ufeff"`, `"\u200b\u00a0\u2028\u2029\ufeff"`},
		{"lone high surrogate stays", `"\ud83d x"`, `"\ud83d x"`},
		{"lone low surrogate stays", `"\ude00"`, `"\ude00"`},
		{"reversed pair stays", `"\ude00\ud83d"`, `"\ude00\ud83d"`},
		{"escaped backslash then u", `"\\u00e3"`, `"\\u00e3"`},
		{"mixed", `"Jo\u00e3o \"JJ\" \u00c9vora\n"`, `"João \"JJ\" Évora\n"`},
		{"no escapes", `"plain"`, `"plain"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := newCapped(len(c.in))
			unescapeString(out, []byte(c.in))
			if got := string(out.b); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestUnescapeView(t *testing.T) {
	data := []byte(`{"city":"S\u00e3o Paulo","note":"line\nnext","k\u00e9y":[1,"\/x"]}`)
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{"off: the wire text", Options{}, "{\n  \"city\": \"S\\u00e3o Paulo\",\n  \"note\": \"line\\nnext\",\n  \"k\\u00e9y\": [\n    1,\n    \"\\/x\"\n  ]\n}"},
		{"on: characters shown", Options{Unescape: true}, "{\n  \"city\": \"São Paulo\",\n  \"note\": \"line\\nnext\",\n  \"kéy\": [\n    1,\n    \"/x\"\n  ]\n}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := BytesWith("application/json", data, c.o)
			if v.Err != nil || v.Text != c.want {
				t.Fatalf("got %q (%v), want %q", v.Text, v.Err, c.want)
			}
		})
	}
}

// FuzzUnescape: whatever the string, the unescaped token is valid JSON,
// decodes to the same value and is never longer.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`S\u00e3o`, `\ud83d\ude00`, `\ud83d`, `\\u00e3`, `\/`, `\u0022`, `\u2028`, `\uDBFF\uDFFF`, `\u`, `\u12`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := []byte(`"` + s + `"`)
		if !json.Valid(tok) {
			return
		}
		out := newCapped(len(tok))
		unescapeString(out, tok)
		if len(out.b) > len(tok) {
			t.Fatalf("%d bytes out of %d", len(out.b), len(tok))
		}
		var a, b string
		if err := json.Unmarshal(tok, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out.b, &b); err != nil {
			t.Fatalf("%s -> %s: %v", tok, out.b, err)
		}
		if a != b {
			t.Fatalf("%s -> %s: value %q became %q", tok, out.b, a, b)
		}
	})
}

// FuzzUnescapeView: the unescaped pretty view of any JSON is the same
// JSON value as the view of the wire text, and no longer.
func FuzzUnescapeView(f *testing.F) {
	for _, c := range bytesCases {
		f.Add(c.data)
	}
	f.Add([]byte(`{"a":"S\u00e3o","\u00e9":["\ud83d\ude00","\\u00e3"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v := BytesWith("application/json", data, Options{})
		u := BytesWith("application/json", data, Options{Unescape: true})
		if len(u.Text) > len(v.Text) || len(u.Text) > MaxOutput {
			t.Fatalf("unescaped %d bytes, wire view %d", len(u.Text), len(v.Text))
		}
		if v.Kind != JSON || v.Err != nil || v.Cut || len(v.Notes) > 0 {
			return
		}
		var a, b any
		value := func(s string, v *any) error { // numbers as written: 1e700 is valid JSON
			d := json.NewDecoder(strings.NewReader(s))
			d.UseNumber()
			return d.Decode(v)
		}
		if err := value(v.Text, &a); err != nil {
			t.Fatal(err)
		}
		if err := value(u.Text, &b); err != nil {
			t.Fatalf("unescaped view is not JSON: %v\n%s", err, u.Text)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("values differ:\n%s\n%s", v.Text, u.Text)
		}
	})
}
