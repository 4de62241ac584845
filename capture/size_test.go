package capture

import "testing"

func TestParseSizeNaN(t *testing.T) {
	for _, s := range []string{"nan", "NaN MiB", "inf", "-1"} {
		if n, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", s, n)
		}
	}
}
