package pretty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

// byPath indexes a tree's nodes by their path.
func byPath(t *testing.T, tr *Tree) map[string]int {
	t.Helper()
	out := map[string]int{}
	for i := range tr.Nodes {
		p := tr.Path(i)
		if _, dup := out[p]; dup {
			t.Fatalf("two nodes with path %q", p)
		}
		out[p] = i
	}
	return out
}

const treeJSON = `{
  "data": {"client": {"email": "ana@example.com.br", "age": 41, "vip": true, "ref": null}},
  "items": [{"sku": "A-1"}, {"sku": "B-2"}, {"sku": "C-3"}, {"sku": "D-4"}],
  "odd key": {"x": 1}, "1st": 2, "a.b": [], "quo\"te": {}, "k\u00e9y": "S\u00e3o Paulo",
  "ação": "ok", "": 0, "$ref_2": "r"
}`

const treeXML = `<?xml version="1.0"?>
<!-- a lead -->
<lead id="7" xmlns:crm="urn:crm">
  <name>Ana &amp; Bia</name>
  <stage from="new" to="qualified"/>
  <items><item>a</item><item sku="b">b</item></items>
  <note>before <b>bold</b> after</note>
  <crm:owner/>
</lead>`

func TestTreePaths(t *testing.T) {
	cases := []struct {
		name, ct, data string
		want           map[string][3]string // path: type, preview, copied value
	}{
		{"json nested, arrays, odd keys", "application/json", treeJSON, map[string][3]string{
			"data":              {"object", "{1 key}", `{"client": {"email": "ana@example.com.br", "age": 41, "vip": true, "ref": null}}`},
			"data.client":       {"object", "{4 keys}", ""},
			"data.client.email": {"string", `"ana@example.com.br"`, "ana@example.com.br"},
			"data.client.age":   {"number", "41", "41"},
			"data.client.vip":   {"boolean", "true", "true"},
			"data.client.ref":   {"null", "null", "null"},
			"items":             {"array", "[4 items]", ""},
			"items[3].sku":      {"string", `"D-4"`, "D-4"},
			"items[1]":          {"object", "{1 key}", `{"sku": "B-2"}`},
			`["odd key"].x`:     {"number", "1", "1"},
			`["1st"]`:           {"number", "2", "2"},
			`["a.b"]`:           {"array", "[]", "[]"},
			`["quo\"te"]`:       {"object", "{}", "{}"},
			"kéy":               {"string", `"São Paulo"`, "São Paulo"},
			"ação":              {"string", `"ok"`, "ok"},
			`[""]`:              {"number", "0", "0"},
			"$ref_2":            {"string", `"r"`, "r"},
		}},
		{"json root array", "", `[{"sku":"x","n":[1,[2]]}]`, map[string][3]string{
			"[0]":         {"object", "{2 keys}", `{"sku":"x","n":[1,[2]]}`},
			"[0].sku":     {"string", `"x"`, "x"},
			"[0].n[1][0]": {"number", "2", "2"},
		}},
		{"json scalar root", "application/json", ` "hi\n" `, map[string][3]string{
			"": {"string", `"hi\n"`, "hi\n"},
		}},
		{"xml elements, attributes, text", "application/xml", treeXML, map[string][3]string{
			"/lead":                      {"element", "<7 children>", ""},
			"/lead/@id":                  {"attribute", `"7"`, "7"},
			"/lead/@xmlns:crm":           {"attribute", `"urn:crm"`, "urn:crm"},
			"/lead/name":                 {"element", `"Ana & Bia"`, "Ana & Bia"},
			"/lead/stage":                {"element", "<2 children>", `<stage from="new" to="qualified"/>`},
			"/lead/stage/@from":          {"attribute", `"new"`, "new"},
			"/lead/stage/@to":            {"attribute", `"qualified"`, "qualified"},
			"/lead/items/item[1]":        {"element", `"a"`, "a"},
			"/lead/items/item[2]":        {"element", "<2 children>", `<item sku="b">b</item>`},
			"/lead/items/item[2]/@sku":   {"attribute", `"b"`, "b"},
			"/lead/items/item[2]/text()": {"text", `"b"`, "b"},
			"/lead/note/text()[1]":       {"text", `"before"`, "before"},
			"/lead/note/b":               {"element", `"bold"`, "bold"},
			"/lead/note/text()[2]":       {"text", `"after"`, "after"},
			"/lead/crm:owner":            {"element", "(empty)", "<crm:owner/>"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := ParseTree(c.ct, []byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			idx := byPath(t, tr)
			for path, w := range c.want {
				i, ok := idx[path]
				if !ok {
					t.Errorf("no node at %q; have %v", path, keys(idx))
					continue
				}
				if got := tr.Nodes[i].Type.String(); got != w[0] {
					t.Errorf("%s: type %s, want %s", path, got, w[0])
				}
				if got := tr.Preview(i); got != w[1] {
					t.Errorf("%s: preview %s, want %s", path, got, w[1])
				}
				if got := tr.Value(i); w[2] != "" && got != w[2] {
					t.Errorf("%s: value %q, want %q", path, got, w[2])
				}
			}
			if len(tr.Notes) != 0 || tr.Cut || tr.Deep {
				t.Errorf("notes %v, cut %v, deep %v on a small document", tr.Notes, tr.Cut, tr.Deep)
			}
		})
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestTreeTop(t *testing.T) {
	cases := []struct{ name, ct, data, want string }{
		{"object: its keys", "", `{"a":1,"b":{"c":2}}`, "a b"},
		{"array: its items", "", `[1,2]`, "[0] [1]"},
		{"scalar: itself", "application/json", `7`, ""},
		{"xml: the root element", "", `<a><b/></a>`, "/a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := ParseTree(c.ct, []byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, i := range tr.Top() {
				got = append(got, tr.Path(i))
			}
			if s := strings.Join(got, " "); s != c.want {
				t.Fatalf("top %q, want %q", s, c.want)
			}
		})
	}
}

func TestTreeErrors(t *testing.T) {
	cases := []struct {
		name, ct, data string
		line           int // >0: a *SyntaxError at this line; 0: ErrNoTree
	}{
		{"malformed json", "application/json", "{\n  \"a\": 1,\n  \"b\": x\n}", 3},
		{"malformed xml", "application/xml", "<a>\n<b>\n</c>\n</a>", 3},
		{"unclosed xml", "text/xml", "<a>\n<b>", 2},
		{"xml with no element", "application/xml", "<!-- only -->", 1},
		{"plain text", "text/plain", "hello", 0},
		{"form", "application/x-www-form-urlencoded", "a=1", 0},
		{"empty", "application/json", "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTree(c.ct, []byte(c.data))
			var se *SyntaxError
			switch {
			case c.line == 0 && !errors.Is(err, ErrNoTree):
				t.Fatalf("err %v, want ErrNoTree", err)
			case c.line > 0 && (!errors.As(err, &se) || se.Line != c.line):
				t.Fatalf("err %v, want a syntax error at line %d", err, c.line)
			}
		})
	}
}

func TestTreeBounds(t *testing.T) {
	big := []byte("[" + strings.Repeat("1,", MaxTreeNodes+99) + "1]")
	deepMixed := []byte(strings.Repeat(`{"k":[`, 200) + `1,2` + strings.Repeat(`]}`, 200)) // 400 levels
	cases := []struct {
		name, ct string
		data     []byte
		check    func(t *testing.T, tr *Tree)
	}{
		{"past MaxTreeNodes: counted, not built", "application/json", big, func(t *testing.T, tr *Tree) {
			if len(tr.Nodes) != MaxTreeNodes || !tr.Cut {
				t.Fatalf("%d nodes, cut %v", len(tr.Nodes), tr.Cut)
			}
			if p := tr.Preview(0); p != "[200,100 items]" {
				t.Fatalf("preview %s", p)
			}
			if h := tr.Hidden(0); h != 101 {
				t.Fatalf("hidden %d, want 101", h)
			}
		}},
		{"json past MaxDepth", "application/json", deepJSON(9000), func(t *testing.T, tr *Tree) {
			if !tr.Deep || len(tr.Nodes) > 4*MaxDepth+1 {
				t.Fatalf("deep %v, %d nodes", tr.Deep, len(tr.Nodes))
			}
		}},
		{"json mixed past MaxDepth: the deep node counts its children", "application/json", deepMixed, func(t *testing.T, tr *Tree) {
			last := len(tr.Nodes) - 1
			n := tr.Nodes[last]
			if !tr.Deep || !n.Deep || n.Count != 1 || tr.Hidden(last) != 1 {
				t.Fatalf("deep %v; last node %+v, hidden %d", tr.Deep, n, tr.Hidden(last))
			}
			if strings.Count(tr.Path(last), "[0]") != MaxDepth/2 {
				t.Fatalf("path %s", tr.Path(last))
			}
		}},
		{"json at MaxDepth: whole", "application/json", wideDeepJSON(), func(t *testing.T, tr *Tree) {
			if tr.Deep || tr.Cut {
				t.Fatalf("deep %v, cut %v", tr.Deep, tr.Cut)
			}
		}},
		{"xml past MaxDepth", "application/xml", deepXML(9999), func(t *testing.T, tr *Tree) {
			last := len(tr.Nodes) - 1
			if !tr.Deep || len(tr.Nodes) != MaxDepth || !tr.Nodes[last].Deep || tr.Hidden(last) != 1 {
				t.Fatalf("deep %v, %d nodes, last %+v", tr.Deep, len(tr.Nodes), tr.Nodes[last])
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := ParseTree(c.ct, c.data)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, tr)
			if len(tr.Notes) == 0 && (tr.Deep || tr.Cut) {
				t.Fatal("a bound was reached without a note")
			}
		})
	}
}

func TestTreeOfDecodes(t *testing.T) {
	r := &capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"},
		{Name: "Content-Encoding", Value: "gzip"}}, Body: gz(t, []byte(`{"a":{"b":1}}`))}
	tr, err := TreeOf(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Notes) == 0 || !strings.Contains(tr.Notes[0], "decoded from gzip") || tr.Path(2) != "a.b" {
		t.Fatalf("notes %v, path %q", tr.Notes, tr.Path(2))
	}
}

// crmJSON is a CRM-like payload of about size bytes.
func crmJSON(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"event":"deal.updated","data":{"deals":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"title":"Deal %d – S\u00e3o Paulo","amount":%d.50,"stage":{"from":"new","to":"won"},"tags":["vip","b2b"],"client":{"name":"Cliente %d","email":"c%d@example.com.br","phone":null,"active":true}}`, i, i, i*10, i, i)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

func TestTreeCRM(t *testing.T) {
	data := crmJSON(1 << 20)
	tr, err := ParseTree("application/json", data)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Cut || tr.Deep || len(tr.Nodes) < 50_000 {
		t.Fatalf("%d nodes, cut %v", len(tr.Nodes), tr.Cut)
	}
	idx := byPath(t, tr)
	i, ok := idx["data.deals[1234].client.email"]
	if !ok || tr.Value(i) != "c1234@example.com.br" {
		t.Fatalf("data.deals[1234].client.email: %v %q", ok, tr.Value(i))
	}
	var v any
	if err := json.Unmarshal([]byte(tr.Value(idx["data.deals[7]"])), &v); err != nil {
		t.Fatalf("copied object is not JSON: %v", err)
	}
}

// BenchmarkTree1MiB builds the tree of a 1 MiB CRM payload, as the Tree
// mode does off the UI goroutine.
func BenchmarkTree1MiB(b *testing.B) {
	data := crmJSON(1 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var nodes int
	for b.Loop() {
		tr, err := ParseTree("application/json", data)
		if err != nil {
			b.Fatal(err)
		}
		nodes = len(tr.Nodes)
	}
	b.ReportMetric(float64(nodes), "nodes")
}

// FuzzTree: any body parses or fails cleanly, within the bounds, and every
// node's path, preview and value can be asked for.
func FuzzTree(f *testing.F) {
	f.Add("application/json", []byte(treeJSON))
	f.Add("application/xml", []byte(treeXML))
	f.Add("", []byte(xmlDoc))
	for _, c := range bytesCases {
		f.Add(c.ct, c.data)
	}
	f.Add("application/json", deepJSON(300))
	f.Add("application/xml", deepXML(300))
	f.Fuzz(func(t *testing.T, ct string, data []byte) {
		tr, err := ParseTree(ct, data)
		if err != nil {
			return
		}
		if len(tr.Nodes) == 0 || len(tr.Nodes) > MaxTreeNodes {
			t.Fatalf("%d nodes", len(tr.Nodes))
		}
		for i, n := range tr.Nodes {
			if int(n.End) <= i || int(n.End) > len(tr.Nodes) || int(n.Parent) >= i {
				t.Fatalf("node %d: %+v", i, n)
			}
			_, _, _ = tr.Path(i), tr.Preview(i), tr.Hidden(i)
			v := tr.Value(i)
			if tr.Lang == "json" && (n.Type == NodeObject || n.Type == NodeArray) && !json.Valid([]byte(v)) {
				t.Fatalf("node %d copies %q, not JSON", i, v)
			}
		}
		_ = tr.Top()
	})
}
