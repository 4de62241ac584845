package relay

// Benchmarks of the relay on loopback, each on every setup of benchSetups
// (one instance on the embedded JetStream; two instances sharing a
// three-node loopback cluster with R3), side by side in one run:
//
//	go test -run '^$' -bench BenchmarkRelayAccept -benchtime 20000x ./relay/
//	go test -run '^$' -bench BenchmarkRelayLatency -benchtime 5000x ./relay/
//	go test -run '^$' -bench BenchmarkRelayCatchUp -benchtime 1x ./relay/
//
// Targets: p99 capture-to-desktop ≤ 10 ms embedded and ≤ 25 ms on the
// cluster at 500 hooks/s; a 100,000-hook backlog caught up in ≤ 10 s.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/relay/jstream"
	"github.com/gancho-app/gancho/relay/jstream/jstreamtest"
)

// hookBody is a typical CRM webhook (~600 bytes).
func hookBody(i int) []byte {
	return fmt.Appendf(nil, `{"i":%d,"event":"client.phase_changed","occurred_at":"2025-06-01T12:00:00Z",`+
		`"data":{"client":{"id":%d,"name":"Ana Souza","email":"ana.souza@example.com","phone":"+55 11 91234-5678",`+
		`"owner":{"id":42,"name":"Bruno Lima","email":"bruno@example.com"},"tags":["vip","sp","inbound"]},`+
		`"from_phase":{"id":3,"name":"Negotiation"},"to_phase":{"id":4,"name":"Closed won"},`+
		`"amount":"12500.00","currency":"BRL","notes":"Follow-up scheduled for next week with the purchasing team."}}`, i, 100000+i)
}

// benchSetups are the relays the benchmarks compare. start returns the
// instances senders post to, round robin; a desktop connects to the last.
var benchSetups = []struct {
	name  string
	start func(b *testing.B, cfg ServerConfig) []*relay
}{
	{"embedded", func(b *testing.B, cfg ServerConfig) []*relay {
		cfg.Channels = []string{"bench"}
		return []*relay{startRelay(b, b.TempDir(), cfg)}
	}},
	{"cluster-3-nodes-2-relays", func(b *testing.B, cfg ServerConfig) []*relay {
		cl := jstreamtest.Start(b, 3)
		cfg.NATS = jstream.Config{URLs: cl.URLs(), Replicas: 3, ConnectTimeout: 10 * time.Second}
		cfg.Channels = []string{"bench"} // each channel reserves its bytes on the 4 GiB nodes
		return []*relay{startRelay(b, b.TempDir(), cfg), startRelay(b, b.TempDir(), cfg)}
	}},
}

// BenchmarkRelayAccept measures hooks/s the relay accepts: 64 senders post
// b.N hooks as fast as they are answered, spread over the instances.
func BenchmarkRelayAccept(b *testing.B) {
	for _, st := range benchSetups {
		b.Run(st.name, func(b *testing.B) {
			rs := st.start(b, ServerConfig{Retention: Retention{MaxCount: -1, MaxAge: -1}})
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			t0 := time.Now()
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1) - 1)
						if i >= b.N {
							return
						}
						rs[i%len(rs)].post(b, "/bench/hook", hookBody(i))
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "hooks/s")
		})
	}
}

// BenchmarkRelayLatency measures capture-to-desktop latency: from the
// moment a sender starts its POST to the relay until the hook is committed
// in the desktop's store (its Added event), at 500 hooks/s. b.N hooks are
// sent to the first instance; the desktop is on the last.
func BenchmarkRelayLatency(b *testing.B) {
	for _, st := range benchSetups {
		b.Run(st.name, func(b *testing.B) {
			rs := st.start(b, ServerConfig{})
			benchLatency(b, rs[0], rs[len(rs)-1])
		})
	}
}

// benchLatency is BenchmarkRelayLatency on r; the desktop connects to
// desk if given (another instance sharing r's store), else to r.
func benchLatency(b *testing.B, r, desk *relay) {
	if desk == nil {
		desk = r
	}
	ls := newLocal(b)
	events, unsub := ls.store.Subscribe(context.Background())
	defer unsub()
	online := make(chan struct{})
	var once sync.Once
	stop := runClient(context.Background(), &Client{URL: desk.url, Channel: "bench", Token: testToken, Store: ls.store, DB: ls.db,
		State: func(s ClientState) {
			if s.Kind == Online {
				once.Do(func() { close(online) })
			}
		}})
	defer stop()
	waitFor(b, online, 30*time.Second, "the client")
	r.post(b, "/bench/warm", hookBody(-1)) // warm the connections up
	if ev := <-events; ev.Kind != capture.Added {
		b.Fatalf("event %v", ev.Kind)
	}

	n := b.N
	start := make([]atomic.Int64, n)
	lat := make([]time.Duration, 0, n)
	work := make(chan int, n)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				start[i].Store(time.Now().UnixNano())
				r.post(b, "/bench/hook", hookBody(i))
			}
		}()
	}
	b.ResetTimer()
	go func() {
		t := time.NewTicker(2 * time.Millisecond) // 500 hooks/s
		defer t.Stop()
		for i := range n {
			<-t.C
			work <- i
		}
		close(work)
	}()
	deadline := time.After(time.Duration(n)*2*time.Millisecond + 60*time.Second)
	for len(lat) < n {
		select {
		case ev := <-events:
			switch ev.Kind {
			case capture.Added:
				now := time.Now().UnixNano()
				var body struct{ I int }
				if err := json.Unmarshal(ev.Request.Body, &body); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Duration(now-start[body.I].Load()))
			case capture.Dropped:
				b.Fatalf("the store subscription dropped %d events", ev.Count)
			}
		case <-deadline:
			b.Fatalf("only %d of %d hooks arrived", len(lat), n)
		}
	}
	b.StopTimer()
	wg.Wait()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/1e6, "max-ms")
}

// BenchmarkRelayCatchUp measures a desktop catching up a 100,000-hook
// backlog: from Run until the last hook is committed in its store.
func BenchmarkRelayCatchUp(b *testing.B) {
	for _, st := range benchSetups {
		b.Run(st.name, func(b *testing.B) {
			rs := st.start(b, ServerConfig{Retention: Retention{MaxCount: -1, MaxAge: -1}})
			benchCatchUp(b, rs[0], rs[len(rs)-1])
		})
	}
}

// benchCatchUp stores the backlog through r and catches it up from desk.
func benchCatchUp(b *testing.B, r, desk *relay) {
	const backlog = 100_000
	t0 := time.Now()
	var ids capture.IDGen
	app := channelAppender{s: r.srv, ch: "bench"}
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= backlog {
					return
				}
				body := hookBody(i)
				now := time.Now()
				req := &capture.Request{ID: ids.New(now), ReceivedAt: now, Method: "POST", Target: "/crm/webhook",
					Proto: "HTTP/1.1", Host: "hooks.example.com", RemoteAddr: "203.0.113.7:51234",
					Headers: capture.Headers{{Name: "Host", Value: "hooks.example.com"},
						{Name: "Content-Type", Value: "application/json"}, {Name: "User-Agent", Value: "CRM-Webhooks/2.1"},
						{Name: "X-Signature", Value: "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
					Body: body, BodySize: int64(len(body)), DeclaredSize: int64(len(body)),
					HeadersFromWire: true, Response: capture.Response{Status: 200}}
				if err := app.Append(context.Background(), req); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.Logf("backlog of %d stored in %v", backlog, time.Since(t0))
	// The relay's part alone: a raw stream reader that only counts hooks.
	rs := time.Now()
	conn, _, err := dialStream(desk.url, "bench", testToken, "")
	if err != nil {
		b.Fatal(err)
	}
	for got := 0; got < backlog; {
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, msg, err := conn.ReadMessage()
		if err != nil {
			b.Fatalf("raw read after %d hooks: %v", got, err)
		}
		got += bytes.Count(msg, []byte(`{"seq":`))
	}
	_ = conn.Close()
	relaySide := time.Since(rs)
	b.ResetTimer()
	var total, searchable time.Duration
	for range b.N {
		b.StopTimer()
		ls := newLocal(b)
		done := make(chan struct{})
		c := &Client{URL: desk.url, Channel: "bench", Token: testToken, Store: ls.store, DB: ls.db,
			onApplied: func(s []int64) {
				if s[len(s)-1] == backlog {
					close(done)
				}
			}}
		b.StartTimer()
		start := time.Now()
		stop := runClient(context.Background(), c)
		waitFor(b, done, 120*time.Second, "the backlog")
		total += time.Since(start)
		// The search index follows the captures (capture.Store indexes in
		// the background): until when is every hook searchable too?
		if err := ls.store.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		searchable += time.Since(start)
		b.StopTimer()
		_ = stop()
		if n, err := ls.store.Count(context.Background(), capture.Query{}); err != nil || n != backlog {
			b.Fatalf("local store has %d (%v)", n, err)
		}
		ls.close()
	}
	b.ReportMetric(searchable.Seconds()/float64(b.N), "s/searchable")
	sec := total.Seconds() / float64(b.N)
	b.ReportMetric(sec, "s/catchup")
	b.ReportMetric(relaySide.Seconds(), "s/relay-side")
	b.ReportMetric(backlog/sec, "hooks/s")
}
