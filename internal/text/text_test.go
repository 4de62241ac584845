package text

import "testing"

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
