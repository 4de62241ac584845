package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	var mu sync.Mutex
	targets := map[string]int{}
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		targets[r.URL.RawQuery]++
		mu.Unlock()
		NoopHandler().ServeHTTP(w, r)
	}))
	defer ok.Close()
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer fail.Close()

	cases := []struct {
		name       string
		cfg        Config
		minReqs    int
		maxReqs    int
		wantErrors bool
	}{
		{"request count", Config{URL: ok.URL, Conns: 4, Duration: time.Minute, Requests: 50}, 50, 50, false},
		{"unique targets", Config{URL: ok.URL + "/u", Conns: 4, Duration: time.Minute, Requests: 20, Unique: true}, 20, 20, false},
		// Open loop: 200/s for 250 ms is 50 due times at most.
		{"fixed rate", Config{URL: ok.URL, Conns: 2, Duration: 250 * time.Millisecond, Rate: 200}, 1, 50, false},
		{"non-2xx is an error", Config{URL: fail.URL, Conns: 2, Duration: time.Minute, Requests: 10}, 0, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Body = SampleJSON(256)
			res := Run(context.Background(), tc.cfg)
			if res.Requests < tc.minReqs || res.Requests > tc.maxReqs {
				t.Errorf("%d requests, want %d to %d", res.Requests, tc.minReqs, tc.maxReqs)
			}
			if (res.Errors > 0) != tc.wantErrors {
				t.Errorf("%d errors, want errors: %v", res.Errors, tc.wantErrors)
			}
			if res.Requests > 0 && (res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99) {
				t.Errorf("percentiles out of order: p50 %s p99 %s max %s", res.P50, res.P99, res.Max)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	for q, n := range targets {
		if q != "" && n > 1 {
			t.Errorf("unique target %q sent %d times", q, n)
		}
	}
}
