package replay

import (
	"strings"
	"testing"
)

// TestCheckTarget: the one check of a typed target (replay, forward live,
// bulk replay) accepts what FromCapture sends to and explains the rest.
func TestCheckTarget(t *testing.T) {
	for _, tc := range []struct {
		target string
		ok     bool
		why    string
	}{
		{"http://localhost:3000/webhooks", true, ""},
		{"https://example.com", true, ""},
		{"localhost:3000", true, ""}, // http:// is implied
		{"", false, "no target URL"},
		{"   ", false, "no target URL"},
		{"not a url at all ::", false, "not a url at all"},
		{"ftp://example.com/x", false, "ftp"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			err := CheckTarget(tc.target)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckTarget(%q) = %v, want ok=%v", tc.target, err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), tc.why) {
				t.Errorf("CheckTarget(%q) = %q, want it to mention %q", tc.target, err, tc.why)
			}
		})
	}
}
