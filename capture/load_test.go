package capture_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/loadgen"
)

func sampleJSON(size int) []byte { return loadgen.SampleJSON(size) }

// benchSeconds is each load phase's length: GANCHO_BENCH_SECONDS, else def.
func benchSeconds(def time.Duration) time.Duration {
	if v := os.Getenv("GANCHO_BENCH_SECONDS"); v != "" {
		if d, err := time.ParseDuration(v + "s"); err == nil && d > 0 {
			return d
		}
	}
	return def
}

// BenchmarkLoad is the capture throughput benchmark `make bench` runs:
// keep-alive clients post 1 KiB JSON over loopback to (a) the capture
// server with its durable SQLite store and (b) a no-op net/http handler,
// one after the other in one process. It prints req/s, p50/p99 and the
// ratio a/b for 32 clients as fast as answers come, then p99 at a fixed
// 2,000 req/s (open loop) over 4 and 32 connections. GANCHO_BENCH_SECONDS
// sets each phase's length (default 4).
//
// The capture phases run under the pprof labels phase=capture and
// side=server|client, so a CPU profile of this benchmark can be narrowed to
// the server: go tool pprof -tagfocus side=server -top capture.test cpu.prof
func BenchmarkLoad(b *testing.B) {
	secs := benchSeconds(4 * time.Second)
	body := sampleJSON(1024)
	ctx := context.Background()
	type phase struct {
		name  string
		conns int
		rate  float64
	}
	phases := []phase{
		{"32 clients, closed loop", 32, 0},
		{"2,000 req/s over 4 connections", 4, 2000},
		{"2,000 req/s over 32 connections", 32, 2000},
	}
	for i := 0; i < b.N; i++ {
		var st *capture.Store
		var srv *capture.Server
		pprof.Do(ctx, pprof.Labels("phase", "capture", "side", "server"), func(context.Context) {
			st = newStore(b, capture.StoreConfig{})
			srv = newServer(b, st, capture.Config{})
		})
		noopURL, stopNoop, err := loadgen.ServeNoop()
		if err != nil {
			b.Fatal(err)
		}
		capt := make([]loadgen.Result, len(phases))
		base := make([]loadgen.Result, len(phases))
		for p, ph := range phases {
			cfg := loadgen.Config{URL: srv.URL() + "/bench", Body: body, Conns: ph.conns, Duration: secs, Rate: ph.rate}
			pprof.Do(ctx, pprof.Labels("phase", "capture", "side", "client"), func(ctx context.Context) {
				capt[p] = loadgen.Run(ctx, cfg)
			})
			cfg.URL = noopURL + "/bench"
			base[p] = loadgen.Run(ctx, cfg)
		}
		stopNoop()

		n, _ := st.Stats()
		fmt.Printf("\nGancho capture benchmark: %d-byte JSON POST over loopback, %s per phase, GOMAXPROCS=%d\n",
			len(body), secs, runtime.GOMAXPROCS(0))
		acked := 0
		for p, ph := range phases {
			fmt.Printf(" %s\n%s\n", ph.name, loadgen.Header())
			fmt.Println(capt[p].Row("(a) capture + durable SQLite store"))
			fmt.Println(base[p].Row("(b) no-op net/http handler"))
			if ph.rate == 0 {
				fmt.Printf("  ratio a/b: %.2f\n", capt[p].PerSecond()/base[p].PerSecond())
			} else {
				fmt.Printf("  p99 a: %s (goal ≤ 10ms)   b: %s\n", capt[p].P99.Round(time.Microsecond), base[p].P99.Round(time.Microsecond))
			}
			acked += capt[p].Requests
		}
		fmt.Printf(" captures committed: %d (acknowledged: %d)\n\n", n, acked)
		if n < acked {
			b.Fatalf("only %d of %d acknowledged captures are stored", n, acked)
		}
		b.ReportMetric(capt[0].PerSecond(), "capture-req/s")
		b.ReportMetric(base[0].PerSecond(), "noop-req/s")
		b.ReportMetric(capt[0].PerSecond()/base[0].PerSecond(), "ratio")
		b.ReportMetric(float64(capt[1].P99.Microseconds()), "p99-2k-4c-µs")
		b.ReportMetric(float64(capt[2].P99.Microseconds()), "p99-2k-32c-µs")
	}
}
