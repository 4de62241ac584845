package exchange

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
		ok   bool
	}{
		{"har", HAR, true}, {" HAR ", HAR, true}, {"jsonl", JSONL, true}, {"ndjson", JSONL, true},
		{"curl", Curl, true}, {"raw", Raw, true}, {"http", Raw, true}, {"json", "", false}, {"", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseFormat(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("ParseFormat(%q) = %q, %v", tc.in, got, err)
			}
			if err != nil && !strings.Contains(err.Error(), "want har, jsonl, curl or raw") {
				t.Errorf("error %v does not list the formats", err)
			}
		})
	}
	for _, f := range Formats() {
		if g, ok := FormatForName("x" + f.Ext()); !ok || g != f {
			t.Errorf("FormatForName(x%s) = %q", f.Ext(), g)
		}
	}
}

func TestExportOptions(t *testing.T) {
	r := capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "GET", "/x", nil)
	for _, tc := range []struct {
		base, want, err string
	}{
		{"", "'http://127.0.0.1:4665/x'", ""},
		{"https://app.test:8443/", "'https://app.test:8443/x'", ""},
		{"http://localhost:3000/api/v1", "'http://localhost:3000/api/v1/x'", ""},
		{"localhost:3000", "", "want http://host"},
		{"ftp://x", "", "want http or https"},
		{"http://x/?a=1", "", "no query"},
		{"http:///p", "", "has no host"},
	} {
		t.Run(tc.base, func(t *testing.T) {
			var b bytes.Buffer
			err := Export(&b, Curl, []*capture.Request{r}, ExportOptions{BaseURL: tc.base})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !strings.Contains(b.String(), tc.want) {
				t.Errorf("got %q, %v; want %s", b.String(), err, tc.want)
			}
		})
	}
	if err := Export(&bytes.Buffer{}, "xml", nil, ExportOptions{}); err == nil {
		t.Error("unknown format accepted")
	}
	if err := Export(&bytes.Buffer{}, HAR, []*capture.Request{nil}, ExportOptions{}); err == nil {
		t.Error("nil capture accepted")
	}
}
