package capture_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// appendRate appends n 1 KiB JSON captures from 32 goroutines, each waiting
// for its commit, and returns captures per second (search index included:
// the store is synced before the clock stops).
func appendRate(tb testing.TB, st *capture.Store, n int) float64 {
	tb.Helper()
	body := string(sampleJSON(1024))
	var gen capture.IDGen
	start := time.Now()
	appendParallel(tb, st, 32, n, func(_, i int) *capture.Request {
		r := req("/bench", "application/json", body)
		r.ReceivedAt = time.Now()
		r.ID = gen.New(r.ReceivedAt)
		return r
	})
	return float64(n) / time.Since(start).Seconds()
}

// appendParallel appends next(w, i) for i in [0, n) from workers
// goroutines (worker w takes i = w, w+workers, …), each waiting for its
// commit so the store's group commit batches them, then syncs the store.
func appendParallel(tb testing.TB, st *capture.Store, workers, n int, next func(w, i int) *capture.Request) {
	tb.Helper()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := st.Append(context.Background(), next(w, i)); err != nil {
					tb.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := st.Sync(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkFullStore compares capture into an empty store with capture into
// one at its retention limit (every write then also evicts the oldest), in
// one run: the goal is a ratio full/empty of at least 0.9.
func BenchmarkFullStore(b *testing.B) {
	const limit, n = 50_000, 20_000
	for b.Loop() {
		empty := newStore(b, capture.StoreConfig{MaxCaptures: limit})
		full := newStore(b, capture.StoreConfig{MaxCaptures: limit})
		seedStore(b, full, limit)
		// Alternate, so load from elsewhere on the machine hits both alike;
		// the empty store stays under its limit (2n < limit).
		var e, f float64
		for range 2 {
			e += appendRate(b, empty, n) / 2
			f += appendRate(b, full, n) / 2
		}
		if c, _ := full.Stats(); c > limit {
			b.Fatalf("full store holds %d captures, limit %d", c, limit)
		}
		fmt.Printf("\nGancho full-store benchmark: 2×%d appends of 1 KiB JSON, 32 clients, retention %d captures\n", n, limit)
		fmt.Printf("  empty store         %8.0f captures/s\n", e)
		fmt.Printf("  full store (evicts) %8.0f captures/s   ratio full/empty: %.2f\n\n", f, f/e)
		b.ReportMetric(f/e, "full/empty")
	}
}
