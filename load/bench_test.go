package load

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkLoadRate holds 5,000 requests/s for 5 s against a no-op
// loopback receiver in the same process and reports the achieved rate and
// its error against the asked rate (goal: under 2%).
func BenchmarkLoadRate(b *testing.B) {
	const rate, dur = 5000, 5 * time.Second
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	src, err := Events([]string{"client.created"}, 1)
	if err != nil {
		b.Fatal(err)
	}
	var achieved, worst float64
	var p99 float64
	var errs, notSent int64
	for b.Loop() {
		r, err := New(Config{Target: srv.URL, Rate: rate, Duration: dur, Source: src})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := r.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		achieved = rep.AchievedRate
		// The rate over the whole run: what was sent in the run's time.
		overall := float64(rep.Sent) / dur.Seconds()
		worst = max(math.Abs(achieved-rate), math.Abs(overall-rate)) / rate * 100
		p99, errs, notSent = rep.P99, rep.Errors, rep.NotSent
		b.Logf("sent %d not sent %d errors %v %v, p50 %.2f service p50 %.2f", rep.Sent, rep.NotSent, rep.ErrorsByClass, rep.FirstErrors, rep.P50, rep.ServiceP50)
	}
	b.ReportMetric(achieved, "req/s")
	b.ReportMetric(worst, "rate-err-%")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(float64(errs+notSent), "failed")
}

// BenchmarkLoadLatencyTruth compares the latency load reports with the
// receiver's own measurement: the receiver holds each answer 8 ms and
// records, with its own clock, how long each request spent in it (from
// the handler's start to the answer written). Their p50 and p99 are
// reported side by side; the ratios should stay within 10% of 1.
func BenchmarkLoadLatencyTruth(b *testing.B) {
	const hold = 8 * time.Millisecond
	var (
		mu     sync.Mutex
		server []time.Duration
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(hold) // the receiver's work
		w.WriteHeader(http.StatusNoContent)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		d := time.Since(start)
		mu.Lock()
		server = append(server, d)
		mu.Unlock()
	}))
	defer srv.Close()
	src, err := Events([]string{"client.created"}, 1)
	if err != nil {
		b.Fatal(err)
	}
	var rep Report
	for b.Loop() {
		mu.Lock()
		server = server[:0]
		mu.Unlock()
		r, err := New(Config{Target: srv.URL, Rate: 500, Duration: 4 * time.Second, Source: src})
		if err != nil {
			b.Fatal(err)
		}
		if rep, err = r.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	mu.Lock()
	s := slices.Clone(server)
	mu.Unlock()
	slices.Sort(s)
	pct := func(q float64) float64 {
		if len(s) == 0 {
			return 0
		}
		i := min(int(math.Ceil(q/100*float64(len(s))))-1, len(s)-1)
		return float64(s[max(i, 0)]) / float64(time.Millisecond)
	}
	sp50, sp99 := pct(50), pct(99)
	b.ReportMetric(rep.P50, "load-p50-ms")
	b.ReportMetric(sp50, "recv-p50-ms")
	b.ReportMetric(rep.P99, "load-p99-ms")
	b.ReportMetric(sp99, "recv-p99-ms")
	b.ReportMetric(rep.P50/sp50, "p50-ratio")
	b.ReportMetric(rep.P99/sp99, "p99-ratio")
	b.ReportMetric(rep.ServiceP50/sp50, "service-p50-ratio")
	b.ReportMetric(rep.ServiceP99/sp99, "service-p99-ratio")
	b.ReportMetric(rep.AchievedRate, "req/s")
}
