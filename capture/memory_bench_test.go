package capture_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/loadgen"
)

// BenchmarkCaptureMemory shows that what capture holds grows with the
// captures kept, not with the requests served: against a store capped at
// 1,000 captures it posts N requests, then 9N more, and prints the Go
// heap in use (after a GC) and the process RSS at each point. Run once
// with every request the same 1 KiB body (what wrk sends: each one a
// duplicate of the first) and once with every request a new delivery.
// GANCHO_MEM_REQUESTS sets N (default 3000).
// Run: go test -run '^$' -bench BenchmarkCaptureMemory -benchtime 1x ./capture/
func BenchmarkCaptureMemory(b *testing.B) {
	n := 3000
	if v, err := strconv.Atoi(os.Getenv("GANCHO_MEM_REQUESTS")); err == nil && v > 0 {
		n = v
	}
	body := sampleJSON(1024)
	for i := 0; i < b.N; i++ {
		fmt.Printf("\nGancho capture memory: store capped at 1,000 captures, 1 KiB JSON, 16 keep-alive clients\n")
		fmt.Printf("  %-24s %12s %12s %12s %12s %8s\n", "bodies", "heap N", "heap 10N", "RSS N", "RSS 10N", "heap×")
		for _, unique := range []bool{false, true} {
			name := "one body (duplicates)"
			if unique {
				name = "distinct deliveries"
			}
			// A sub-benchmark each, so the first's server and store are
			// closed before the second starts.
			b.Run(strings.Fields(name)[0], func(b *testing.B) {
				st := newStore(b, capture.StoreConfig{MaxCaptures: 1000})
				srv := newServer(b, st, capture.Config{})
				cfg := loadgen.Config{URL: srv.URL() + "/mem", Body: body, Conns: 16, Duration: 1 << 40, Unique: unique}
				warm := cfg
				warm.Requests = n / 10
				loadgen.Run(context.Background(), warm) // pools, caches and connections in place
				cfg.Requests = n
				loadgen.Run(context.Background(), cfg)
				h1, r1 := memNow()
				cfg.Requests = 9 * n
				res := loadgen.Run(context.Background(), cfg)
				h10, r10 := memNow()
				if res.Errors > 0 {
					b.Fatalf("%d errors", res.Errors)
				}
				fmt.Printf("  %-24s %10.1fMB %10.1fMB %10.1fMB %10.1fMB %8.2f\n", name,
					mb(h1), mb(h10), mb(r1), mb(r10), float64(h10)/float64(h1))
				b.ReportMetric(float64(h10)/float64(h1), "heap10N/N")
			})
		}
		fmt.Println()
	}
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// memNow returns the Go heap in use after a collection, and the RSS (0
// where /proc is missing).
func memNow() (heap, rss uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			rss = pages * uint64(os.Getpagesize())
		}
	}
	return ms.HeapInuse, rss
}
