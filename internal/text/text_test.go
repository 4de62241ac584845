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
