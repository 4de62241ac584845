package capture_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/exchange"
)

// seedStore appends n captures with increasing ids, in a shuffled order
// (so seq order differs from id order, as after an import), from several
// goroutines so the store's group commit batches them. Every body holds
// "common"; even rows also hold "even". It returns the ids oldest first.
func seedStore(tb testing.TB, st *capture.Store, n int) []string {
	tb.Helper()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var gen capture.IDGen
	rs := make([]*capture.Request, n)
	ids := make([]string, n)
	for i := range rs {
		body := fmt.Sprintf(`{"n":%d,"word":"common"}`, i)
		if i%2 == 0 {
			body = fmt.Sprintf(`{"n":%d,"word":"common even"}`, i)
		}
		r := req(fmt.Sprintf("/r/%d", i), "application/json", body)
		r.ReceivedAt = base.Add(time.Duration(i) * time.Millisecond)
		r.ID = gen.New(r.ReceivedAt)
		rs[i], ids[i] = r, r.ID
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	const workers = 32
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := st.Append(context.Background(), rs[i]); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatal(err)
	default:
	}
	return ids
}

func TestEachPagesEveryRowOnce(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	const n = 1234
	ids := seedStore(t, st, n)
	var even []string
	for i := 0; i < n; i += 2 {
		even = append(even, ids[i])
	}
	reverse := func(s []string) []string {
		out := make([]string, len(s))
		for i, v := range s {
			out[len(s)-1-i] = v
		}
		return out
	}
	cases := []struct {
		name   string
		q      capture.Query
		oldest []string // expected, oldest first
	}{
		{"all", capture.Query{Summary: true}, ids},
		{"search every row", capture.Query{Search: "common", Summary: true}, ids},
		{"search half", capture.Query{Search: "even", Summary: true}, even},
		{"limit", capture.Query{Search: "even", Limit: 501, Summary: true}, even[len(even)-501:]},
	}
	for _, c := range cases {
		for _, oldest := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/oldest=%v", c.name, oldest), func(t *testing.T) {
				q := c.q
				q.Oldest = oldest
				want := reverse(c.oldest)
				if oldest {
					want = c.oldest
					if q.Limit > 0 {
						want = ids[:0]
						for i := 0; i < q.Limit && i < len(even); i++ {
							want = append(want, even[i])
						}
					}
				}
				var got []string
				if err := st.Each(context.Background(), q, func(r *capture.Request) error {
					got = append(got, r.ID)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("got %d rows, want %d", len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("row %d: got %s, want %s", i, got[i], want[i])
					}
				}
			})
		}
	}
}

// BenchmarkListAll streams every capture matching a word present in every
// row (what list --limit 0 --search and export do) from stores of 20k and
// 100k captures. Linear paging shows the same rows/s at both sizes.
func BenchmarkListAll(b *testing.B) {
	for _, n := range []int{20_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			st := newStore(b, capture.StoreConfig{MaxCaptures: -1})
			seedStore(b, st, n)
			b.ResetTimer()
			for b.Loop() {
				rows := 0
				if err := st.Each(context.Background(), capture.Query{Search: "common", Summary: true}, func(*capture.Request) error {
					rows++
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if rows != n {
					b.Fatalf("streamed %d rows, want %d", rows, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkExportStream streams every capture, bodies included, through
// the export writer (what gancho export does) from stores of 20k and 100k
// captures, and reports rows/s and the Go heap in use at its highest
// (sampled every 1,000 rows): the goal is ≥ 20,000 rows/s and the same
// heap at both sizes.
func BenchmarkExportStream(b *testing.B) {
	for _, n := range []int{20_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			st := newStore(b, capture.StoreConfig{MaxCaptures: -1})
			fill(b, st, n)
			runtime.GC()
			b.ResetTimer()
			var peak uint64
			for b.Loop() {
				w, err := exchange.NewWriter(io.Discard, exchange.JSONL, exchange.ExportOptions{})
				if err != nil {
					b.Fatal(err)
				}
				var ms runtime.MemStats
				err = st.Each(context.Background(), capture.Query{Oldest: true}, func(r *capture.Request) error {
					if w.Count()%1000 == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
					return w.Write(r)
				})
				if err == nil {
					err = w.Close()
				}
				if err != nil || w.Count() != n {
					b.Fatalf("exported %d of %d: %v", w.Count(), n, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
