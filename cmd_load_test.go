package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLoadCommand(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name string
		args []string
		sent float64
	}{
		{"rate and count", []string{"load", "--to", srv.URL, "--rate", "200", "--count", "40", "--events", "client.created,sale.created", "--json"}, 40},
		{"concurrency with faults", []string{"load", "--to", srv.URL, "--concurrency", "2", "--count", "30", "--duplicates", "20", "--out-of-order", "10", "--burst", "5/1s", "--sign", "stripe:sk_x", "--json"}, 30},
		{"journey", []string{"load", "--to", srv.URL, "--concurrency", "1", "--count", "12", "--journey", "prospect-to-sale", "--json"}, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			var rep map[string]any
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
				t.Fatalf("last line is not JSON: %v\n%s", err, out.String())
			}
			for _, k := range []string{"sent", "p50", "p90", "p99", "max", "achieved_rate", "status"} {
				if _, ok := rep[k]; !ok {
					t.Errorf("no %q in %s", k, lines[len(lines)-1])
				}
			}
			if rep["sent"] != tc.sent || rep["answered"] != tc.sent {
				t.Errorf("sent %v answered %v, want %v", rep["sent"], rep["answered"], tc.sent)
			}
			if !strings.Contains(out.String(), "Latency:") {
				t.Errorf("no text report before the JSON:\n%s", out.String())
			}
		})
	}
}

func TestLoadCommandErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no target", []string{"load", "--rate", "10"}, 2, "give the receiver's URL"},
		{"no model", []string{"load", "--to", url}, 2, "--rate N"},
		{"two sources", []string{"load", "--to", url, "--rate", "1", "--events", "client.created", "--journey", "x"}, 2, "pick one of"},
		{"bad burst", []string{"load", "--to", url, "--rate", "1", "--burst", "5"}, 2, "N/EVERY"},
		{"bad spec", []string{"load", "--to", url, "--rate", "1", "--sign", "nope"}, 2, "--sign"},
		{"unknown journey", []string{"load", "--to", url, "--rate", "1", "--journey", "nope"}, 2, "use one of"},
		{"receiver down", []string{"load", "--to", url, "--concurrency", "1", "--count", "3"}, 1, "no request was answered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), tc.code, tc.want)
			}
		})
	}
}
