package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that errors point inside the
// text, and that whatever parses formats to text that parses back the same.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.line)
	}
	for _, tc := range errorCases {
		f.Add(tc.text)
	}
	f.Add("# c\n\nPOST /a -> 200\r\n* ** -> 503 x2 then 200 loop")
	f.Fuzz(func(t *testing.T, text string) {
		rs, err := Parse(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			lines := strings.Split(text, "\n")
			if se.Line < 1 || se.Line > len(lines) {
				t.Fatalf("error %v: line out of range", err)
			}
			line := strings.TrimSuffix(lines[se.Line-1], "\r")
			if se.Col < 1 || se.Col > utf8.RuneCountInString(line)+1 {
				t.Fatalf("error %v: column out of range for %q", err, line)
			}
			return
		}
		for _, r := range rs {
			one, err := ParseRule(r.String())
			if err != nil {
				t.Fatalf("String() %q does not parse: %v", r.String(), err)
			}
			if !reflect.DeepEqual(strip([]Rule{one}), strip([]Rule{r})) {
				t.Fatalf("ParseRule(String()) changed the rule\n got %#v\nwant %#v", one, r)
			}
		}
		formatted := Format(rs)
		back, err := Parse(formatted)
		if err != nil {
			t.Fatalf("Format output does not parse: %v\n%s", err, formatted)
		}
		if !reflect.DeepEqual(strip(back), strip(rs)) {
			t.Fatalf("round trip changed the rules\ntext: %q\n got %#v\nwant %#v", formatted, back, rs)
		}
		if again := Format(back); again != formatted {
			t.Fatalf("Format is not stable:\n%q\n%q", formatted, again)
		}
		s := NewSet(rs)
		for _, p := range []string{"/", "/a", "/a/b", ""} {
			if a, ok := s.Match("GET", p); ok {
				_ = a.Describe()
			}
		}
	})
}

// FuzzMatch checks the fast matcher against the reference on any pattern
// and path, and that a Set built from a valid pattern agrees.
func FuzzMatch(f *testing.F) {
	for _, tc := range pathCases {
		f.Add(tc.pattern, tc.path)
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		p := compile(pattern)
		got := p.match(path)
		// The reference is exponential in stars: keep it to small inputs.
		if len(pattern) <= 24 && len(path) <= 24 && strings.Count(pattern, "*") <= 6 {
			if want := refMatch(pattern, path); got != want {
				t.Fatalf("match(%q, %q) = %v; reference says %v", pattern, path, got, want)
			}
		}
		if r, err := ParseRule("* " + pattern + " -> 200"); err == nil {
			if r.Path != pattern {
				return // the pattern held spaces or an arrow and was cut short
			}
			if _, ok := NewSet([]Rule{r}).Match("GET", path); ok != got {
				t.Fatalf("Set.Match(%q) = %v with pattern %q; compile says %v", path, ok, pattern, got)
			}
		}
	})
}

// FuzzQuote checks that any body and header value Format writes reads back
// exactly, whichever quotes and escapes it needed.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "plain", `{"a":"b\n"}`, "it's", `'"\`, `\\'`, "a\r\nb\tc", "C:\\dir\\", "é\u00a0#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule("* /x -> 200 body=" + quote(s))
		if err != nil || r.Steps[0].Body != s {
			t.Fatalf("body %q written as %s read back as %+v, %v", s, quote(s), r, err)
		}
		v := strings.Trim(s, " \t")
		if badHeaderValue(v) != "" || strings.ContainsAny(v, "\r\n") {
			return
		}
		r, err = ParseRule("* /x -> 200 header=" + quote("X-A: "+v))
		if err != nil || r.Steps[0].Headers[0] != [2]string{"X-A", v} {
			t.Fatalf("header value %q written as %s read back as %+v, %v", v, quote("X-A: "+v), r, err)
		}
	})
}
