package diff

import (
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

func mk(ct, body string, h ...string) *capture.Request {
	r := &capture.Request{Body: []byte(body)}
	if ct != "" {
		r.Headers = append(r.Headers, capture.Header{Name: "Content-Type", Value: ct})
	}
	for i := 0; i+1 < len(h); i += 2 {
		r.Headers = append(r.Headers, capture.Header{Name: h[i], Value: h[i+1]})
	}
	return r
}

var cases = []struct {
	name   string
	a, b   *capture.Request
	ignore []string
	mode   string
	want   []string // Change.String() of headers then body
}{
	{"json key order ignored",
		mk("application/json", `{"a":1,"b":[1,2]}`), mk("application/json", `{"b":[1,2],"a":1}`), nil, "json", nil},
	{"json changed, added, removed, nested",
		mk("application/json", `{"data":{"amount":1500,"tags":["vip"]},"old":true}`),
		mk("application/json", `{"data":{"amount":9500,"tags":["vip","sp"]},"new":"x"}`), nil, "json",
		[]string{`~ data.amount: 1500 → 9500`, `+ data.tags[1]: "sp"`, `+ new: "x"`, `- old: true`}},
	{"ignore a key anywhere and a path",
		mk("application/json", `{"timestamp":"t1","data":{"timestamp":"t2","id":1,"updated_at":"u"}}`),
		mk("application/json", `{"timestamp":"t9","data":{"timestamp":"t8","id":1,"updated_at":"v"}}`),
		[]string{"timestamp", "data.updated_at"}, "json", nil},
	{"type change", mk("application/json", `{"a":1}`), mk("application/json", `{"a":"1"}`), nil, "json", []string{`~ a: 1 → "1"`}},
	{"big numbers kept exact", mk("application/json", `{"n":12345678901234567890}`), mk("application/json", `{"n":12345678901234567891}`), nil, "json",
		[]string{`~ n: 12345678901234567890 → 12345678901234567891`}},
	{"headers added removed changed, hop-by-hop left out",
		mk("text/plain", "x", "X-A", "1", "X-B", "1", "Content-Length", "1", "X-Dup", "a", "X-Dup", "b"),
		mk("text/plain", "x", "x-a", "2", "X-C", "3", "Content-Length", "9", "X-Dup", "a", "X-Dup", "c"), nil, "text",
		[]string{"~ X-A: 1 → 2", "- X-B: 1", "+ X-C: 3", "~ X-Dup: a, b → a, c"}},
	{"xml line by line", mk("application/xml", "<a>\n<b>1</b>\n<c>2</c>\n</a>"), mk("application/xml", "<a>\n<b>1</b>\n<c>3</c>\n</a>"), nil, "text",
		[]string{"- line 3: <c>2</c>", "+ line 3: <c>3</c>"}},
	{"malformed json falls back to text", mk("application/json", `{"a":1`), mk("application/json", `{"a":2`), nil, "text",
		[]string{`- line 1: {"a":1`, `+ line 1: {"a":2`}},
	{"binary", mk("application/octet-stream", "\x00\x01\x02"), mk("application/octet-stream", "\x00\x09\x02"), nil, "binary",
		[]string{"~ bytes (first difference at offset 1): 3 bytes → 3 bytes"}},
	{"empty", mk("", ""), mk("", ""), nil, "empty", nil},
}

func TestCompare(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(tc.a, tc.b, Options{Ignore: tc.ignore})
			var got []string
			for _, c := range append(r.Headers, r.Body...) {
				got = append(got, c.String())
			}
			if r.Mode != tc.mode || strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("mode %s, changes:\n%s\nwant mode %s:\n%s", r.Mode, strings.Join(got, "\n"), tc.mode, strings.Join(tc.want, "\n"))
			}
			if r.Equal() != (len(tc.want) == 0) {
				t.Errorf("Equal %v", r.Equal())
			}
			if !strings.Contains(r.String(), "differences") && !r.Equal() {
				t.Errorf("String: %q", r.String())
			}
		})
	}
}

func TestHugeTextStaysBounded(t *testing.T) {
	a := strings.Repeat("line a\n", 50_000)
	b := strings.Repeat("line b\n", 50_000)
	r := Compare(mk("text/plain", a), mk("text/plain", b), Options{})
	if len(r.Body) != 1 || r.Note == "" {
		t.Fatalf("%+v", r.Body)
	}
	// A small edit in a big text is found exactly.
	c := strings.Replace(a, "line a\n", "line X\n", 1)
	r = Compare(mk("text/plain", a+"end"), mk("text/plain", c+"end"), Options{})
	if len(r.Body) != 2 || r.Body[0].Path != "line 1" {
		t.Fatalf("%+v", r.Body)
	}
}

func FuzzCompare(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.a.ContentType(), string(tc.a.Body), tc.b.ContentType(), string(tc.b.Body))
	}
	f.Fuzz(func(t *testing.T, cta, a, ctb, b string) {
		r := Compare(mk(cta, a), mk(ctb, b), Options{Ignore: []string{"id"}})
		if a == b && cta == ctb && !r.Equal() {
			t.Fatalf("identical requests differ: %v", r)
		}
		_ = r.String()
	})
}
