package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/relay/jstream"
	"github.com/gancho-app/gancho/relay/jstream/jstreamtest"
)

// TestRelayCluster sends 10,000 hooks through two relay instances sharing
// a three-node R3 JetStream cluster while the stream's leader node is
// stopped and restarted, one relay instance is killed and replaced, and
// the desktop moves from that instance to the other. Every hook
// acknowledged to its sender (HTTP 200) reaches the desktop exactly once;
// every sender's acknowledged hooks keep their order; hooks not
// acknowledged may be missing but are never there twice.
func TestRelayCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped with -short")
	}
	const (
		n       = 10_000
		workers = 16 // senders, half on each instance
	)
	cl := jstreamtest.Start(t, 3)
	newRelay := func() *relay {
		return startRelay(t, t.TempDir(), ServerConfig{Channels: []string{"team"},
			NATS: jstream.Config{URLs: cl.URLs(), Replicas: 3, ConnectTimeout: 10 * time.Second}})
	}
	// instances[k] is where the senders of slot k post.
	var instances [2]atomic.Pointer[relay]
	ra, rb := newRelay(), newRelay()
	instances[0].Store(ra)
	instances[1].Store(rb)

	// The desktop: one database across both of its runs.
	ls := newLocal(t)
	var (
		appliedMu sync.Mutex
		applied   []int64
		disorder  string
	)
	progress := make(chan struct{}, 1)
	newClient := func(url string) *Client {
		return &Client{URL: url, Channel: "team", Token: testToken, Store: ls.store, DB: ls.db, ClientID: "desk",
			MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond,
			onApplied: func(seqs []int64) {
				appliedMu.Lock()
				for _, s := range seqs {
					if len(applied) > 0 && s <= applied[len(applied)-1] && disorder == "" {
						disorder = fmt.Sprintf("seq %d applied after %d", s, applied[len(applied)-1])
					}
					applied = append(applied, s)
				}
				appliedMu.Unlock()
				select {
				case progress <- struct{}{}:
				default:
				}
			}}
	}
	lastApplied := func() int64 {
		appliedMu.Lock()
		defer appliedMu.Unlock()
		if len(applied) == 0 {
			return 0
		}
		return applied[len(applied)-1]
	}
	// stopClient stops the desktop's current run (once; again at cleanup,
	// before its database closes, should the test end early).
	var stopClient func() error
	runDesktop := func(url string) {
		stop, once := runClient(context.Background(), newClient(url)), sync.Once{}
		var err error
		stopClient = func() error {
			once.Do(func() { err = stop() })
			return err
		}
	}
	runDesktop(ra.url)
	t.Cleanup(func() { _ = stopClient() })
	start := time.Now()

	// The dispatcher hands out hook numbers; at given numbers it asks for
	// the next disruption (step), and later waits until it is done, so
	// that each happens while hooks are being sent.
	type step struct {
		ask, wait int // hook numbers
		name      string
		do        func()
	}
	var victim int
	steps := []step{
		{1500, 2500, "stop the stream leader node", func() {
			victim = cl.StreamLeader(jstream.StreamName("team"))
			if victim < 0 {
				t.Fatal("no stream leader")
			}
			cl.Stop(victim)
		}},
		{3500, 4500, "restart it", func() { cl.Restart(victim) }},
		{5500, 7000, "kill instance A, move the desktop to B, start A'", func() {
			ra.close(t)
			if err := stopClient(); err != nil {
				t.Errorf("desktop on A: %v", err)
			}
			// The desktop keeps its position (seqs are the cluster's, the
			// same on every instance) under the new URL.
			if _, err := ls.db.Write.Exec(`UPDATE relayws_client SET relay = ? WHERE channel = 'team'`, rb.url); err != nil {
				t.Fatal(err)
			}
			runDesktop(rb.url)
			instances[0].Store(newRelay())
		}},
	}
	asks := make([]chan struct{}, len(steps))
	dones := make([]chan struct{}, len(steps))
	for i := range steps {
		asks[i], dones[i] = make(chan struct{}), make(chan struct{})
	}
	abort := make(chan struct{})
	var abortOnce sync.Once
	t.Cleanup(func() { abortOnce.Do(func() { close(abort) }) })

	var (
		ackedMu sync.Mutex
		acked   = map[string]int{} // id → worker
		order   = make([][]string, workers)
		failed  atomic.Int64
		failMsg atomic.Value
	)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range next {
				id := fmt.Sprintf("h%05d", i)
				r := instances[w%2].Load()
				resp, err := r.client.Post(r.url+"/team/h/"+id, "application/json", bytes.NewReader(fmt.Appendf(nil, `{"id":%q}`, id)))
				if err != nil {
					failed.Add(1)
					failMsg.Store(err.Error())
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					failed.Add(1)
					failMsg.Store(resp.Status)
					continue
				}
				ackedMu.Lock()
				acked[id] = w
				order[w] = append(order[w], id)
				ackedMu.Unlock()
			}
		})
	}
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		defer close(next)
		for i := range n {
			for k, s := range steps {
				if i == s.ask {
					close(asks[k])
				}
				if i == s.wait {
					select {
					case <-dones[k]:
					case <-abort:
						return
					}
				}
			}
			select {
			case next <- i:
			case <-abort:
				return
			}
		}
	}()
	for k, s := range steps {
		waitFor(t, asks[k], 60*time.Second, "hook "+strconv.Itoa(s.ask))
		t0 := time.Now()
		s.do()
		close(dones[k])
		t.Logf("at %v: %s (%v)", t0.Sub(start).Round(time.Millisecond), s.name, time.Since(t0).Round(time.Millisecond))
	}
	waitFor(t, dispatched, 120*time.Second, "the senders")
	wg.Wait()
	t.Logf("%d hooks acknowledged, %d not (last: %v), sent in %v", len(acked), failed.Load(), failMsg.Load(), time.Since(start).Round(time.Millisecond))
	if len(acked) < n/2 {
		t.Fatalf("only %d of %d hooks acknowledged", len(acked), n)
	}

	// Every acknowledged hook is in the stream: the desktop catches up to
	// its head.
	cl.WaitReady()
	var head int64
	eventually(t, 30*time.Second, "the stream's head", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h, err := rb.srv.st.Head(ctx, "team")
		head = h
		return err == nil
	})
	for last := lastApplied(); last < head; last = lastApplied() {
		waitFor(t, progress, 60*time.Second, fmt.Sprintf("the desktop (at %d of %d)", last, head))
	}
	if err := stopClient(); err != nil {
		t.Errorf("desktop on B: %v", err)
	}
	t.Logf("desktop caught up after %v", time.Since(start).Round(time.Millisecond))

	// Seqs 1 to the head (or beyond: a hook whose sender gave up may be
	// stored late), each applied once, in order.
	appliedMu.Lock()
	if disorder != "" {
		t.Fatalf("desktop: %s", disorder)
	}
	for i, s := range applied {
		if s != int64(i+1) {
			t.Fatalf("applied[%d] = %d: seqs not applied once each in order", i, s)
		}
	}
	head = int64(len(applied))
	appliedMu.Unlock()

	// The local captures, by body id.
	list, err := ls.store.List(context.Background(), capture.Query{Limit: 2 * n, Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(list)) != head {
		t.Fatalf("%d local captures, %d hooks in the stream", len(list), head)
	}
	seqOf := map[string]int64{}
	for _, c := range list {
		var body struct{ ID string }
		if err := json.Unmarshal(c.Body, &body); err != nil || body.ID == "" {
			t.Fatalf("capture %s: body %q (%v)", c.ID, c.Body, err)
		}
		seq, err := strconv.ParseInt(strings.TrimPrefix(c.Origin, "relay:team#"), 10, 64)
		if err != nil {
			t.Fatalf("capture %s: origin %q", c.ID, c.Origin)
		}
		if prev, dup := seqOf[body.ID]; dup {
			t.Fatalf("hook %s arrived twice (seqs %d and %d)", body.ID, prev, seq)
		}
		seqOf[body.ID] = seq
	}
	for id := range acked {
		if _, ok := seqOf[id]; !ok {
			t.Fatalf("acknowledged hook %s never reached the desktop", id)
		}
	}
	// A sender's acknowledged hooks are in the order it sent them.
	for w, ids := range order {
		for i := 1; i < len(ids); i++ {
			if seqOf[ids[i]] <= seqOf[ids[i-1]] {
				t.Fatalf("sender %d: %s (seq %d) acknowledged after %s (seq %d)", w, ids[i], seqOf[ids[i]], ids[i-1], seqOf[ids[i-1]])
			}
		}
	}
	t.Logf("desktop applied %d hooks (%d acknowledged, %d stored though not acknowledged)", head, len(acked), int(head)-len(acked))
}
