package text

import (
	"fmt"
	"testing"
)

func TestN(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 captures"}, {1, "1 capture"}, {2, "2 captures"}, {-1, "-1 capture"}, {1000, "1000 captures"}} {
		if got := N(tc.n, "capture", "captures"); got != tc.want {
			t.Errorf("N(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := N(1, "was", "were") + " already there"; got != "1 was already there" {
		t.Errorf("got %q", got)
	}
}

func TestRuneCut(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want int
	}{
		{"abc", 2, 2},
		{"abc", 9, 3},
		{"ação", 2, 1}, // 'ç' is two bytes: byte 2 is inside it
		{"ação", 3, 3},
		{"€", 1, 0},
		{"x", -1, 0},
	} {
		if got := RuneCut(tc.s, tc.n); got != tc.want {
			t.Errorf("RuneCut(%q, %d) = %d, want %d", tc.s, tc.n, got, tc.want)
		}
		if got := RuneCut([]byte(tc.s), tc.n); got != tc.want {
			t.Errorf("RuneCut([]byte(%q), %d) = %d, want %d", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestIsControl(t *testing.T) {
	for r, want := range map[rune]bool{'\x00': true, '\r': true, '\x7f': true, '\u0085': true, ' ': false, 'a': false, 'ç': false, '\u00a0': false} {
		if IsControl(r) != want {
			t.Errorf("IsControl(%q) = %v", r, !want)
		}
	}
}

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/hooks/crm?x=1", "/hooks/crm?x=1"},
		{`say "hi" \ there`, `say "hi" \ there`}, // nothing to escape: unchanged
		{"/x\x1b[2J", `/x\x1b[2J`},               // ESC cannot clear the screen
		{"a\tb\r\n", `a\tb\r\n`},                 // one line stays one line
		{"pay\u202eusd", `pay\u202eusd`},         // a bidi override cannot reverse the text
		{"zero\u200bwidth", `zero\u200bwidth`},   // nor a zero-width space hide in it
		{"bad \xff byte", `bad \xff byte`},       // invalid UTF-8 shows its bytes
		{`q"\` + "\x07", `q"\\\a`},               // once escaping, backslashes are doubled
		{"São Paulo – ação", "São Paulo – ação"}, // printable non-ASCII stays
	} {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBlock(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\n\tb\n", "a\n\tb\n"},
		{"line1\r\nline2\r\n", "line1\nline2\n"},  // CRLF is a line end
		{"red\x1b[31m\r\nok", "red\\x1b[31m\nok"}, // CRLF is a line end once escaping
		{"over\rwrite", `over\x0dwrite`},          // a lone CR would rewrite the line
		{"c1\u0085x", `c1\x85x`},
		{"ação\u202e", "ação\u202e"}, // bodies keep their text; only controls are escaped
	} {
		if got := Block(tc.in); got != tc.want {
			t.Errorf("Block(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestKeyed(t *testing.T) {
	for _, c := range []struct {
		format string
		args   []any
		key    string
		data   map[string]any
	}{
		{"no verbs", nil, "no verbs", nil},
		{"status %d is out of range: use 200–599", []any{700}, "status {{.A1}} is out of range: use 200–599", map[string]any{"A1": "700"}},
		{"unknown word %q: 100%% sure, %s", []any{"x", "y"}, "unknown word {{.A1}}: 100% sure, {{.A2}}", map[string]any{"A1": `"x"`, "A2": "y"}},
	} {
		t.Run(c.format, func(t *testing.T) {
			key, data := Keyed(c.format, c.args...)
			if key != c.key || fmt.Sprint(data) != fmt.Sprint(c.data) {
				t.Errorf("Keyed = %q, %v; want %q, %v", key, data, c.key, c.data)
			}
		})
	}
}
