package outbound

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/replay"
)

// BenchmarkFanOut fires one event to 100 subscriptions on a loopback
// receiver answering 204, b.N times, and reports deliveries per second from
// the first Fire until every attempt is committed:
//
//	go test -run '^$' -bench BenchmarkFanOut -benchtime 3x ./outbound/
func BenchmarkFanOut(b *testing.B) {
	const subs = 100
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	st := openStore(b)
	for i := range subs {
		s := testSub(fmt.Sprintf("%s/hook/%d", srv.URL, i))
		s.Name = fmt.Sprintf("sub %d", i)
		saveSub(b, st, s)
	}
	p, err := events.NewGenerator(1).SampleAt("client.created", t0)
	if err != nil {
		b.Fatal(err)
	}
	sender := replay.NewSender()
	defer sender.Close()

	var changes atomic.Int64
	var target atomic.Int64
	done := make(chan struct{}, 1)
	d := &Dispatcher{Store: st, Sender: sender, OnChange: func(string) {
		if changes.Add(1) == target.Load() {
			done <- struct{}{}
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			b.Error(err)
		}
	}()

	// Each delivery changes twice: fired, then attempted.
	target.Store(int64(2 * subs * b.N))
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		ds, err := d.Fire(ctx, "client.created", p, "")
		if err != nil || len(ds) != subs {
			b.Fatalf("Fire: %d deliveries, %v", len(ds), err)
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d changes", changes.Load(), target.Load())
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(subs*b.N)/elapsed.Seconds(), "deliveries/s")
	failed, err := st.Deliveries(context.Background(), DeliveryQuery{Outcome: OutcomeFailed, Limit: 1})
	if err != nil || len(failed) > 0 {
		b.Fatalf("failed deliveries: %+v, %v", failed, err)
	}
}
