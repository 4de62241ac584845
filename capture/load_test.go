package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// loadResult is what one load run measured.
type loadResult struct {
	reqs     int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r loadResult) rate() float64 { return float64(r.reqs) / r.elapsed.Seconds() }

// load drives url with clients concurrent keep-alive clients posting body
// for d, and returns throughput and latency percentiles.
func load(url string, clients int, d time.Duration, body []byte) loadResult {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lat := make([][]time.Duration, clients)
	errs := make([]int, clients)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					errs[c]++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs[c]++
					continue
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	res := loadResult{elapsed: time.Since(start)}
	var all []time.Duration
	for c := range lat {
		all = append(all, lat[c]...)
		res.errors += errs[c]
	}
	res.reqs = len(all)
	if len(all) > 0 {
		slices.Sort(all)
		res.p50 = all[len(all)/2]
		res.p99 = all[len(all)*99/100]
	}
	return res
}

func sampleJSON(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"sale.created","timestamp":"2026-11-23T10:00:00Z","data":{"customer":"Ana Souza","email":"ana.souza@example.com.br","phone":"+55 11 91234-5678","items":[`)
	for i := 0; b.Len() < size-40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%04d","qty":%d}`, i, i%7+1)
	}
	b.WriteString(`],"amount":1500.00}}`)
	return []byte(b.String())
}

// BenchmarkLoad is the capture throughput benchmark `make bench` runs: 32
// keep-alive clients post 1 KiB JSON over loopback to (a) the capture server
// with its durable SQLite store and (b) a no-op net/http handler, one after
// the other in one process, and it prints req/s, p50/p99 and the ratio a/b.
// GANCHO_BENCH_SECONDS sets each phase's length (default 5).
func BenchmarkLoad(b *testing.B) {
	secs := 5 * time.Second
	if v := os.Getenv("GANCHO_BENCH_SECONDS"); v != "" {
		if d, err := time.ParseDuration(v + "s"); err == nil {
			secs = d
		}
	}
	body := sampleJSON(1024)
	for i := 0; i < b.N; i++ {
		st := newStore(b, capture.StoreConfig{})
		srv := newServer(b, st, capture.Config{})
		capt := load(srv.URL()+"/bench", 32, secs, body)

		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		noop := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Write([]byte(`{"ok":true}`))
		})}
		go noop.Serve(ln)
		base := load("http://"+ln.Addr().String()+"/bench", 32, secs, body)
		noop.Shutdown(context.Background())

		n, _ := st.Stats()
		fmt.Printf("\nGancho capture benchmark: 32 keep-alive clients, %d-byte JSON POST, %s per phase, GOMAXPROCS=%d\n",
			len(body), secs, runtimeProcs())
		fmt.Printf("  %-34s %10s %10s %10s %8s\n", "server", "req/s", "p50", "p99", "errors")
		fmt.Printf("  %-34s %10.0f %10s %10s %8d\n", "(a) capture + durable SQLite store", capt.rate(), capt.p50.Round(time.Microsecond), capt.p99.Round(time.Microsecond), capt.errors)
		fmt.Printf("  %-34s %10.0f %10s %10s %8d\n", "(b) no-op net/http handler", base.rate(), base.p50.Round(time.Microsecond), base.p99.Round(time.Microsecond), base.errors)
		fmt.Printf("  ratio a/b: %.2f   (captures committed: %d)\n\n", capt.rate()/base.rate(), n)
		if n < capt.reqs {
			b.Fatalf("only %d of %d acknowledged captures are stored", n, capt.reqs)
		}
		b.ReportMetric(capt.rate(), "capture-req/s")
		b.ReportMetric(base.rate(), "noop-req/s")
		b.ReportMetric(capt.rate()/base.rate(), "ratio")
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
