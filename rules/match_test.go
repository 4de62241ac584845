package rules

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var pathCases = []struct {
	pattern, path string
	want          bool
}{
	// literal
	{"/gone", "/gone", true},
	{"/gone", "/gone/", false}, // trailing slash is literal
	{"/gone/", "/gone", false},
	{"/gone/", "/gone/", true},
	{"/gone", "/Gone", false},
	{"/gone", "/gone/x", false},
	{"/", "/", true},
	{"/", "", false},
	// dots and percent-encoding are literal
	{"/a.json", "/a.json", true},
	{"/a.json", "/aXjson", false},
	{"/a/../b", "/a/../b", true},
	{"/a/../b", "/b", false},
	{"/a%2Fb", "/a%2Fb", true},
	{"/a%2Fb", "/a/b", false},
	{"/a%20b", "/a b", false},
	{"/*", "/a%2Fb", true},
	// * within one segment
	{"/orders/*", "/orders/42", true},
	{"/orders/*", "/orders/", true}, // * may match nothing
	{"/orders/*", "/orders", false},
	{"/orders/*", "/orders/42/items", false},
	{"/orders/*/items", "/orders/42/items", true},
	{"/orders/*/items", "/orders/items", false},
	{"/*.json", "/a.json", true},
	{"/*.json", "/.json", true},
	{"/*.json", "/a/b.json", false},
	{"/v*/hooks", "/v2/hooks", true},
	{"/v*/hooks", "/hooks", false},
	{"/a*b*c", "/abxbxc", true},
	{"/a*b*c", "/abxbx", false},
	{"/*/*", "/a/b", true},
	{"/*/*", "/a", false},
	// ** spans segments, and may be empty
	{"**", "/", true},
	{"**", "/any/thing/at/all", true},
	{"**", "", true},
	{"/**", "/", true},
	{"/**", "/a/b", true},
	{"/stripe/**", "/stripe", true},
	{"/stripe/**", "/stripe/", true},
	{"/stripe/**", "/stripe/a/b", true},
	{"/stripe/**", "/stripes", false},
	{"/stripe/**", "/strip", false},
	{"/stripe/**", "/x/stripe/a", false},
	{"/a/**/b", "/a/b", true},
	{"/a/**/b", "/a/x/b", true},
	{"/a/**/b", "/a/x/y/b", true},
	{"/a/**/b", "/a/x/y/b/c", false},
	{"/a/**/b", "/a/xb", false},
	{"/a/**/b", "/ab", false},
	{"/**/*.json", "/x.json", true},
	{"/**/*.json", "/a/b/x.json", true},
	{"/**/*.json", "/a/b/x.xml", false},
	{"/a/**/b/**/c", "/a/b/b/c/c", true},
	{"/a/**/b/**/c", "/a/c/b", false},
	{"/*/**", "/x", true},
	{"/*/**/*", "/x", false},
	{"/*/**/*", "/x/y", true},
	{"/**/**", "/a/b/c", true},
	// bytes beyond ASCII are literal too
	{"/café/*", "/café/x", true},
	{"/*é", "/caf\xc3\xa9", true},
}

func TestPathMatch(t *testing.T) {
	for _, tc := range pathCases {
		t.Run(tc.pattern+" "+tc.path, func(t *testing.T) {
			p := compile(tc.pattern)
			if got := p.match(tc.path); got != tc.want {
				t.Fatalf("match(%q, %q) = %v; want %v", tc.pattern, tc.path, got, tc.want)
			}
			if ref := refMatch(tc.pattern, tc.path); ref != tc.want {
				t.Fatalf("reference match(%q, %q) = %v; the table is wrong", tc.pattern, tc.path, ref)
			}
			// The pattern is valid rule syntax, and the Set agrees.
			r, err := ParseRule("* " + tc.pattern + " -> 200")
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := NewSet([]Rule{r}).Match("GET", tc.path); ok != tc.want {
				t.Fatalf("Set.Match(%q) = %v with pattern %q", tc.path, ok, tc.pattern)
			}
		})
	}
}

// refMatch is an obviously correct, exponential matcher to check the fast one.
func refMatch(pattern, path string) bool {
	return refSegs(strings.Split(pattern, "/"), strings.Split(path, "/"))
}

func refSegs(p, s []string) bool {
	if len(p) == 0 {
		return len(s) == 0
	}
	if p[0] == "**" {
		for i := 0; i <= len(s); i++ {
			if refSegs(p[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return len(s) > 0 && refSeg(p[0], s[0]) && refSegs(p[1:], s[1:])
}

func refSeg(p, s string) bool {
	if p == "" {
		return s == ""
	}
	if p[0] == '*' {
		for i := 0; i <= len(s); i++ {
			if refSeg(p[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return s != "" && s[0] == p[0] && refSeg(p[1:], s[1:])
}

// statuses runs n requests through s and returns what each got, as the
// status, "hang" or "close".
func statuses(s *Set, method, path string, n int) []string {
	var out []string
	for range n {
		a, ok := s.Match(method, path)
		switch {
		case !ok:
			out = append(out, "-")
		case a.Step.Kind == Hang:
			out = append(out, "hang")
		case a.Step.Kind == Close:
			out = append(out, "close")
		default:
			out = append(out, fmt.Sprint(a.Step.Status))
		}
	}
	return out
}

func mustParse(t testing.TB, text string) []Rule {
	t.Helper()
	rs, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestSequence(t *testing.T) {
	cases := []struct {
		name   string
		rules  string
		method string
		path   string
		want   string
	}{
		{"repeat then last", "* /x -> 503 x3 then 200", "POST", "/x", "503 503 503 200 200 200"},
		{"loop", "* /x -> 503 x3 then 200 loop", "POST", "/x", "503 503 503 200 503 503 503 200 503"},
		{"single step", "* /x -> 410", "GET", "/x", "410 410 410"},
		{"kinds", "* /x -> 500 then hang 1s then close loop", "GET", "/x", "500 hang close 500 hang close"},
		{"no match", "* /x -> 500", "GET", "/y", "- -"},
		{"first match wins", "* /a/** -> 500\n* ** -> 202", "GET", "/a/b", "500 500"},
		{"falls through to later rule", "* /a/** -> 500\n* ** -> 202", "GET", "/b", "202 202"},
		{"method list", "PUT,PATCH /o -> 429\n* /o -> 200", "patch", "/o", "429 429"},
		{"method not listed", "PUT,PATCH /o -> 429\n* /o -> 200", "POST", "/o", "200 200"},
		{"method case", "post /o -> 201", "Post", "/o", "201"},
		{"custom method", "PROPFIND /o -> 207", "PROPFIND", "/o", "207"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSet(mustParse(t, tc.rules))
			n := len(strings.Fields(tc.want))
			if got := strings.Join(statuses(s, tc.method, tc.path, n), " "); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestSequencePerRule(t *testing.T) {
	s := NewSet(mustParse(t, "* /a -> 500 then 200\n* /b -> 503 then 201"))
	got := []string{}
	for _, p := range []string{"/a", "/b", "/b", "/a", "/a"} {
		got = append(got, statuses(s, "GET", p, 1)...)
	}
	if want := []string{"500", "503", "201", "200", "200"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("each rule has its own counter: got %v, want %v", got, want)
	}
}

func TestReset(t *testing.T) {
	s := NewSet(mustParse(t, "* /x -> 503 x2 then 200\n* /y -> 500 then 200 loop"))
	statuses(s, "GET", "/x", 5)
	statuses(s, "GET", "/y", 1)
	s.Reset()
	if got := strings.Join(statuses(s, "GET", "/x", 3), " "); got != "503 503 200" {
		t.Errorf("after Reset /x got %s", got)
	}
	if got := strings.Join(statuses(s, "GET", "/y", 2), " "); got != "500 200" {
		t.Errorf("after Reset /y got %s", got)
	}
}

func TestAction(t *testing.T) {
	s := NewSet(mustParse(t, `
POST /stripe/** -> 503 x3 then 200
* /slow -> hang 30s
* /gone -> close
* /d -> 200 delay=2s then 200 loop
`))
	cases := []struct {
		method, path string
		rule, n, of  int
		label, desc  string
	}{
		{"POST", "/stripe/a", 0, 1, 4, "rule 1 (POST /stripe/**): 503, 1 of 4", "rule 1 → 503 (1 of 4)"},
		{"POST", "/stripe", 0, 2, 4, "rule 1 (POST /stripe/**): 503, 2 of 4", "rule 1 → 503 (2 of 4)"},
		{"POST", "/stripe", 0, 3, 4, "rule 1 (POST /stripe/**): 503, 3 of 4", "rule 1 → 503 (3 of 4)"},
		{"POST", "/stripe", 0, 4, 4, "rule 1 (POST /stripe/**): 200, 4 of 4", "rule 1 → 200 (4 of 4)"},
		{"POST", "/stripe", 0, 4, 4, "rule 1 (POST /stripe/**): 200, 4 of 4", "rule 1 → 200 (4 of 4)"},
		{"GET", "/slow", 1, 1, 1, "rule 2 (* /slow): hang 30s", "rule 2 → hang 30s"},
		{"GET", "/gone", 2, 1, 1, "rule 3 (* /gone): closed connection", "rule 3 → closed connection"},
		{"GET", "/d", 3, 1, 2, "rule 4 (* /d): 200 after 2s, 1 of 2", "rule 4 → 200 after 2s (1 of 2)"},
		{"GET", "/d", 3, 2, 2, "rule 4 (* /d): 200, 2 of 2", "rule 4 → 200 (2 of 2)"},
		{"GET", "/d", 3, 1, 2, "rule 4 (* /d): 200 after 2s, 1 of 2", "rule 4 → 200 after 2s (1 of 2)"},
	}
	for i, tc := range cases {
		a, ok := s.Match(tc.method, tc.path)
		if !ok || a.Rule != tc.rule || a.N != tc.n || a.Of != tc.of || a.Label != tc.label || a.Describe() != tc.desc {
			t.Errorf("request %d (%s %s): got %v %+v %q\nwant rule %d, %d of %d, %q, %q",
				i, tc.method, tc.path, ok, a, a.Describe(), tc.rule, tc.n, tc.of, tc.label, tc.desc)
		}
	}
	if a, _ := s.Match("GET", "/slow"); a.Step.Kind != Hang || a.Step.Delay != 30*time.Second {
		t.Errorf("hang step = %+v", a.Step)
	}
}

func TestSetCopiesRules(t *testing.T) {
	rs := mustParse(t, "* /x -> 200 header='A: b'")
	s := NewSet(rs)
	rs[0].Path = "/changed"
	rs[0].Steps[0].Headers[0][1] = "changed"
	got := s.Rules()
	got[0].Steps[0].Status = 500
	a, ok := s.Match("GET", "/x")
	if !ok || a.Step.Status != 200 || a.Step.Headers[0][1] != "b" || s.Rules()[0].Steps[0].Status != 200 {
		t.Fatalf("the Set must not share rules with its callers: %v %+v", ok, a)
	}
}

func TestSetNormalizes(t *testing.T) {
	s := NewSet([]Rule{
		{Path: "/none"}, // no steps: never matches
		{Path: "/zero", Steps: []Step{{Status: 201}}},        // Times 0 counts as 1
		{Path: "**", Steps: []Step{{Status: 202, Times: 2}}}, // catch-all
	})
	if got := strings.Join(statuses(s, "GET", "/none", 1), " "); got != "202" {
		t.Errorf("a rule without steps should be skipped, got %s", got)
	}
	if got := strings.Join(statuses(s, "GET", "/zero", 2), " "); got != "201 201" {
		t.Errorf("Times 0 got %s", got)
	}
	if NewSet(nil).Rules() != nil {
		t.Error("empty set should have no rules")
	}
	if _, ok := NewSet(nil).Match("GET", "/"); ok {
		t.Error("empty set matched")
	}
}

// TestConcurrentMatch runs Match from many goroutines: every position of the
// sequence must be handed out exactly once.
func TestConcurrentMatch(t *testing.T) {
	cases := []struct {
		rules string
		calls int
		want  map[string]int
	}{
		{"* /x -> 500 x10 then 200", 100, map[string]int{"500": 10, "200": 90}},
		{"* /x -> 500 x10 then 200 loop", 110, map[string]int{"500": 100, "200": 10}},
		{"* /x -> 503 x3 then close x2 then 200", 1000, map[string]int{"503": 3, "close": 2, "200": 995}},
	}
	for _, tc := range cases {
		t.Run(tc.rules, func(t *testing.T) {
			s := NewSet(mustParse(t, "* /other -> 404\n"+tc.rules))
			var mu sync.Mutex
			got := map[string]int{}
			var wg sync.WaitGroup
			const workers = 20
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < tc.calls; i += workers {
						a, ok := s.Match("POST", "/x")
						if !ok {
							t.Error("no match")
							return
						}
						k := fmt.Sprint(a.Step.Status)
						if a.Step.Kind == Close {
							k = "close"
						}
						mu.Lock()
						got[k]++
						mu.Unlock()
						s.Match("GET", "/nothing") // no-match path in parallel too
					}
				}()
			}
			wg.Wait()
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConcurrentReset(t *testing.T) {
	s := NewSet(mustParse(t, "* /x -> 500 x3 then 200"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 200 {
				if a, ok := s.Match("GET", "/x"); !ok || a.N < 1 || a.N > 4 {
					t.Errorf("bad action %+v", a)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 20 {
				s.Reset()
				_ = s.Rules()
			}
		}()
	}
	wg.Wait()
}

func TestMatchAllocations(t *testing.T) {
	s := NewSet(mustParse(t, `
POST /stripe/** -> 503
* /orders/*/items -> 200
* /a/**/b/*.json -> 200
* /exact -> 200
`))
	for _, path := range []string{"/stripe/x", "/orders/1/items/2", "/a/x/y/c.xml", "/exactly"} {
		if n := testing.AllocsPerRun(100, func() { s.Match("GET", path) }); n != 0 {
			t.Errorf("Match(GET %s) without a match allocates %v times", path, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { s.Match("POST", "/stripe/x") }); n > 1 {
		t.Errorf("a match allocates %v times; want at most 1 (the label)", n)
	}
}

func BenchmarkMatch(b *testing.B) {
	rs, err := Parse(`
POST /stripe/** -> 503 x3 then 200
* /slow -> hang 30s
PUT,PATCH /orders/* -> 429 retry-after=5
* /a/**/b/*.json -> 200
`)
	if err != nil {
		b.Fatal(err)
	}
	s := NewSet(rs)
	b.Run("miss", func(b *testing.B) {
		for b.Loop() {
			s.Match("GET", "/github/push/event")
		}
	})
	b.Run("hit", func(b *testing.B) {
		for b.Loop() {
			s.Match("POST", "/stripe/events")
		}
	})
}
