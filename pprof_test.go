package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func TestStartProfiling(t *testing.T) {
	cases := []struct {
		name, addr, wantOut string
		serves              bool
	}{
		{"unset", "", "", false},
		{"loopback", "127.0.0.1:0", "Profiles at http://127.0.0.1:", true},
		{"not loopback", "0.0.0.0:0", "ignored", false},
		{"not an address", "6060", "ignored", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GANCHO_PPROF", tc.addr)
			var out bytes.Buffer
			startProfiling(&out)
			if !strings.Contains(out.String(), tc.wantOut) || (tc.wantOut == "" && out.Len() > 0) {
				t.Fatalf("said %q, want %q", out.String(), tc.wantOut)
			}
			if !tc.serves {
				return
			}
			url := strings.TrimSpace(strings.TrimPrefix(out.String(), "Profiles at "))
			resp, err := http.Get(url + "goroutine?debug=1")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
}
