package suite

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "data.client.email", want: "data.client.email"},
		{in: "items[0].sku", want: "items[0].sku"},
		{in: "[2].id", want: "[2].id"},
		{in: "$.data.id", want: "data.id"},
		{in: "$[1]", want: "[1]"},
		{in: `data["a.b"].c`, want: `data["a.b"].c`},
		{in: "a[0][1]", want: "a[0][1]"},
		{in: "", want: ""},
		{in: "$", want: ""},
		{in: "a..b", err: "empty key before '.'"},
		{in: "a.", err: "ends with '.'"},
		{in: ".a", err: "empty key before '.'"},
		{in: "a[x]", err: "[x] is not an index"},
		{in: "a[-1]", err: "[-1] is not an index"},
		{in: "a[01]", err: "[01] is not an index"},
		{in: "a[0", err: "'[' without ']'"},
		{in: "a[0]b", err: "put a '.' before key"},
		{in: `a["x`, err: "'[' without ']'"},
		{in: strings.Repeat("a.", 70) + "a", err: "deeper than 64 levels"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			segs, err := parsePath(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || pathString(segs) != tc.want {
				t.Errorf("got %q %v, want %q", pathString(segs), err, tc.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	doc, _ := parseJSON([]byte(`{"data":{"items":[{"sku":"A"},{"sku":"B"}],"a.b":1,"n":null}}`))
	tests := []struct {
		path, want, missing string
	}{
		{path: "data.items[1].sku", want: `"B"`},
		{path: `data["a.b"]`, want: "1"},
		{path: "data.n", want: "null"},
		{path: "", want: `{"data":{"a.b":1,"items":[{"sku":"A"},{"sku":"B"}],"n":null}}`},
		{path: "data.items[2].sku", missing: "data.items[2]"},
		{path: "data.items.sku", missing: "data.items.sku"},
		{path: "data.nope.x", missing: "data.nope"},
		{path: "data.items[0].sku.x", missing: "data.items[0].sku.x"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			segs, err := parsePath(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			v, missing, ok := lookup(doc, segs)
			if tc.missing != "" {
				if ok || missing != tc.missing {
					t.Errorf("found %v, missing %q; want missing %q", ok, missing, tc.missing)
				}
				return
			}
			if !ok || compactJSON(v) != tc.want {
				t.Errorf("got %s %v, want %s", compactJSON(v), ok, tc.want)
			}
		})
	}
}

func TestSetJSON(t *testing.T) {
	const doc = "{ \"a\" : 1.50 ,\n \"list\": [ 1, {\"x\": \"y\"} ], \"o\": {},\"e\":\"\\u00e9\" }"
	tests := []struct {
		name, body, path string
		value            any
		want, err        string
	}{
		{name: "number kept spelled", body: doc, path: "o", value: map[string]any{"k": true},
			want: "{ \"a\" : 1.50 ,\n \"list\": [ 1, {\"x\": \"y\"} ], \"o\": {\"k\":true},\"e\":\"\\u00e9\" }"},
		{name: "replace top", body: doc, path: "a", value: 2,
			want: "{ \"a\" : 2 ,\n \"list\": [ 1, {\"x\": \"y\"} ], \"o\": {},\"e\":\"\\u00e9\" }"},
		{name: "in array", body: doc, path: "list[1].x", value: "z<&>",
			want: "{ \"a\" : 1.50 ,\n \"list\": [ 1, {\"x\": \"z<&>\"} ], \"o\": {},\"e\":\"\\u00e9\" }"},
		{name: "add to empty object", body: doc, path: "o.new", value: nil,
			want: "{ \"a\" : 1.50 ,\n \"list\": [ 1, {\"x\": \"y\"} ], \"o\": {\"new\":null},\"e\":\"\\u00e9\" }"},
		{name: "add to object", body: `{"a":1}`, path: "b", value: "x", want: `{"a":1,"b":"x"}`},
		{name: "whole body", body: ` {"a":1} `, path: "$", value: []any{1}, want: ` [1] `},
		{name: "top-level array", body: `[{"id":1},{"id":2}]`, path: "[1].id", value: 9, want: `[{"id":1},{"id":9}]`},
		{name: "missing parent", body: `{"a":{}}`, path: "a.b.c", value: 1, err: "no field a.b in the body"},
		{name: "index past end", body: `{"l":[1]}`, path: "l[3]", value: 1, err: "l[3]: index 3 is past the end of the array"},
		{name: "key on array", body: `{"l":[1]}`, path: "l.x", value: 1, err: "l.x: is an array, not an object: use [N]"},
		{name: "key on string", body: `{"s":"t"}`, path: "s.x", value: 1, err: "s.x: is a string, which has no fields"},
		{name: "not JSON", body: `a=1`, path: "a", value: 1, err: "the body is not JSON"},
		{name: "bad path", body: `{}`, path: "a..b", value: 1, err: "empty key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SetJSON([]byte(tc.body), tc.path, tc.value)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Errorf("got %q %v\nwant %q", got, err, tc.want)
			}
			if !json.Valid(got) {
				t.Errorf("result is not JSON: %s", got)
			}
		})
	}
}

func TestJSONEqual(t *testing.T) {
	tests := []struct {
		want any
		got  string
		eq   bool
	}{
		{42, "42.0", true},
		{1000, "1e3", true},
		{"42", "42", false},
		{map[string]any{"a": []any{1, "x"}}, `{"a":[1,"x"]}`, true},
		{map[string]any{"a": 1}, `{"a":1,"b":2}`, false},
		{[]any{}, `[]`, true},
		{nil, `null`, true},
		{true, `true`, true},
		{uint64(12345678901234567890), `12345678901234567890`, true},
		{12345678901234567890.0, `12345678901234567891`, false},
	}
	for _, tc := range tests {
		t.Run(tc.got, func(t *testing.T) {
			w, err := normalize(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			g, _ := parseJSON([]byte(tc.got))
			if jsonEqual(w, g) != tc.eq {
				t.Errorf("jsonEqual(%v, %s) = %v", tc.want, tc.got, !tc.eq)
			}
		})
	}
}
