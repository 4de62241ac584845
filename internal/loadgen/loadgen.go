// Package loadgen is the HTTP load driver of Gancho's capture benchmarks:
// `make bench` (capture's BenchmarkLoad) and `make bench-peer`
// (tools/benchpeer) drive servers with it, so their figures compare. It
// posts one body over keep-alive connections, either as fast as the
// server answers (closed loop) or at a fixed rate (open loop, latency
// counted from when each request was due, so a stall is not hidden).
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one load run.
type Config struct {
	URL         string
	Body        []byte
	ContentType string        // "" means application/json
	Conns       int           // concurrent keep-alive connections (0 means 32)
	Duration    time.Duration // how long to send (0 means 5 s)
	// Rate, when positive, sends that many requests per second in all,
	// spread over Conns (open loop); 0 sends as fast as answers come.
	Rate float64
	// Requests, when positive, ends the run once that many requests were
	// sent (Duration still bounds it).
	Requests int
	// Unique adds a query parameter counting the requests (?n=1, ?n=2…),
	// so no two are the same delivery to a duplicate check.
	Unique bool
}

// Result is what a run measured. Only 2xx answers count as requests;
// anything else (a transport error, another status) is an error.
type Result struct {
	Requests, Errors int
	Elapsed          time.Duration
	P50, P99, Max    time.Duration
}

// PerSecond is the rate of answered requests.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Row formats r as a table row under name (see Header).
func (r Result) Row(name string) string {
	return fmt.Sprintf("  %-36s %9.0f %10s %10s %7d", name, r.PerSecond(),
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Errors)
}

// Header is the header line of Row's table.
func Header() string {
	return fmt.Sprintf("  %-36s %9s %10s %10s %7s", "server", "req/s", "p50", "p99", "errors")
}

// Run drives c.URL with POSTs of c.Body until c.Duration has passed or
// ctx ends.
func Run(ctx context.Context, c Config) Result {
	if c.Conns <= 0 {
		c.Conns = 32
	}
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
	}
	if c.ContentType == "" {
		c.ContentType = "application/json"
	}
	tr := &http.Transport{
		MaxIdleConns: c.Conns, MaxIdleConnsPerHost: c.Conns, MaxConnsPerHost: c.Conns,
		DisableCompression: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()

	lat := make([][]time.Duration, c.Conns)
	errs := make([]int, c.Conns)
	start := time.Now()
	deadline := start.Add(c.Duration)
	var sent, seq atomic.Int64
	var wg sync.WaitGroup
	for w := range c.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var interval time.Duration
			due := start
			if c.Rate > 0 {
				// Worker w sends requests w, w+Conns, w+2·Conns… of one
				// schedule at c.Rate in all.
				interval = time.Duration(float64(c.Conns) / c.Rate * float64(time.Second))
				due = start.Add(time.Duration(float64(w) / c.Rate * float64(time.Second)))
			}
			for {
				if c.Rate > 0 {
					if !due.Before(deadline) {
						return
					}
					if d := time.Until(due); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							return
						}
					}
				} else {
					if ctx.Err() != nil {
						return
					}
					due = time.Now()
				}
				if c.Requests > 0 && sent.Add(1) > int64(c.Requests) {
					return
				}
				url := c.URL
				if c.Unique {
					sep := "?"
					if strings.Contains(url, "?") {
						sep = "&"
					}
					url += sep + "n=" + strconv.FormatInt(seq.Add(1), 10)
				}
				ok := post(ctx, client, url, c.ContentType, c.Body)
				if ctx.Err() != nil && !ok {
					return // cut off by the end of the run, not the server's fault
				}
				if ok {
					lat[w] = append(lat[w], time.Since(due))
				} else {
					errs[w]++
				}
				due = due.Add(interval)
			}
		}()
	}
	wg.Wait()
	res := Result{Elapsed: time.Since(start)}
	var all []time.Duration
	for w := range lat {
		all = append(all, lat[w]...)
		res.Errors += errs[w]
	}
	res.Requests = len(all)
	if len(all) > 0 {
		slices.Sort(all)
		res.P50 = all[len(all)/2]
		res.P99 = all[len(all)*99/100]
		res.Max = all[len(all)-1]
	}
	return res
}

func post(ctx context.Context, client *http.Client, url, ctype string, body []byte) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// SampleJSON returns a webhook-like JSON body of about size bytes.
func SampleJSON(size int) []byte {
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

// NoopHandler reads the body and answers a small JSON: the floor every
// capture figure is compared with.
func NoopHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
}

// ServeNoop serves NoopHandler on a loopback port; stop shuts it down.
func ServeNoop() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("no-op server: %w", err)
	}
	srv := &http.Server{Handler: NoopHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Shutdown(context.Background()) }, nil
}
