package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/leaktest"
	"go.uber.org/goleak"
)

func TestTokenEqual(t *testing.T) {
	tests := []struct {
		got, want string
		ok        bool
	}{
		{"abc", "abc", true},
		{"abd", "abc", false},
		{"ab", "abc", false},
		{"abcd", "abc", false},
		{"", "abc", false},
		{"", "", false}, // an empty token never authorises
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q vs %q", tc.got, tc.want), func(t *testing.T) {
			if tokenEqual(tc.got, tc.want) != tc.ok {
				t.Fatalf("tokenEqual = %v", !tc.ok)
			}
		})
	}
}

func TestRelayRoutes(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{})
	tests := []struct {
		name, method, path string
		want               int
		body               string
	}{
		{"health", "GET", "/_gancho/health", 200, "ok"},
		{"root", "POST", "/", 404, "send webhooks to /{channel}/"},
		{"upper case channel", "POST", "/Orders/x", 404, "channel name is 1 to 64"},
		{"dot in channel", "POST", "/a.b/x", 404, "channel name"},
		{"channel too long", "POST", "/" + strings.Repeat("a", 65) + "/x", 404, "channel name"},
		{"unknown gancho path", "GET", "/_gancho/nope", 404, "No such Gancho endpoint"},
		{"reserved channel", "POST", "/_gancho", 404, "channel name"},
		{"hook", "POST", "/orders/webhooks/stripe?x=1", 200, `"ok":true`},
		{"hook at channel root", "PUT", "/orders", 200, `"ok":true`},
		{"64-char channel", "POST", "/" + strings.Repeat("a", 64), 200, `"ok":true`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, r.url+tc.path, strings.NewReader(`{"k":1}`))
			resp, err := r.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want || !strings.Contains(string(b), tc.body) {
				t.Fatalf("%s %s = %d %q, want %d containing %q", tc.method, tc.path, resp.StatusCode, b, tc.want, tc.body)
			}
		})
	}
	// The recorded target lost the channel prefix: the capture looks as if
	// it had reached the local server at the public hook URL.
	conn, _, err := dialStream(r.url, "orders", testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var targets []string
	_, err = readStream(conn, func(m wireMsg) bool {
		if m.Capture != nil {
			targets = append(targets, m.Capture.Target)
		}
		return m.Seq == 2
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/webhooks/stripe?x=1", "/"}; fmt.Sprint(targets) != fmt.Sprint(want) {
		t.Fatalf("targets %q, want %q", targets, want)
	}
}

func TestRelayAuth(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{})
	tests := []struct {
		name, ch, token string
		want            int
	}{
		{"missing token", "orders", "", http.StatusUnauthorized},
		{"wrong token", "orders", "s3cret-relay-tokeN", http.StatusUnauthorized},
		{"prefix of the token", "orders", testToken[:5], http.StatusUnauthorized},
		{"token plus more", "orders", testToken + "x", http.StatusUnauthorized},
		{"bad channel", "Orders", testToken, http.StatusNotFound},
		{"good", "orders", testToken, http.StatusSwitchingProtocols},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn, resp, err := dialStream(r.url, tc.ch, tc.token, "")
			if conn != nil {
				conn.Close()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tc.want, err)
			}
		})
	}
	t.Run("query token is not accepted", func(t *testing.T) {
		_, resp, _ := dialStream(r.url, "orders", "", "token="+testToken)
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("resp %v", resp)
		}
	})
	t.Run("client with wrong token fails without retrying", func(t *testing.T) {
		ls := newLocal(t)
		var mu sync.Mutex
		var states []ClientState
		c := &Client{URL: r.url, Channel: "orders", Token: "wrong", Store: ls.store, DB: ls.db,
			State: func(s ClientState) { mu.Lock(); states = append(states, s); mu.Unlock() }}
		err := c.Run(context.Background())
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("Run = %v, want ErrUnauthorized", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(states) != 2 || states[0].Kind != Connecting || states[1].Kind != Failed || states[1].Reason != ErrTokenRefusedMessage {
			t.Fatalf("states %+v", states)
		}
	})
}

// TestRelayExactlyOnce sends 10,000 hooks while the client's connection is
// cut at random points and the client itself is restarted once: every hook
// must reach the local store once, in seq order, with its relay id.
func TestRelayExactlyOnce(t *testing.T) {
	const n = 10_000
	r := startRelay(t, t.TempDir(), ServerConfig{})
	ls := newLocal(t)

	var mu sync.Mutex
	var applied []int64
	var conn atomic.Pointer[websocket.Conn]
	reached := make(chan struct{})
	half := make(chan struct{})
	var cuts atomic.Int32
	rng := rand.New(rand.NewPCG(1, 2))
	nextCut := int64(rng.IntN(500) + 1)
	newClient := func() *Client {
		return &Client{URL: r.url, Channel: "orders", Token: testToken, Store: ls.store, DB: ls.db,
			MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
			onConn: func(c *websocket.Conn) { conn.Store(c) },
			onApplied: func(seqs []int64) {
				mu.Lock()
				defer mu.Unlock()
				applied = append(applied, seqs...)
				last := seqs[len(seqs)-1]
				if last >= nextCut { // cut the network under the client
					if c := conn.Load(); c != nil {
						_ = c.NetConn().Close()
						cuts.Add(1)
					}
					nextCut = last + int64(rng.IntN(1000)) + 1
				}
				if len(applied) >= n/2 && len(applied)-len(seqs) < n/2 {
					close(half)
				}
				if last == n {
					close(reached)
				}
			}}
	}
	stop := runClient(context.Background(), newClient())
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		r.postMany(t, "/orders/hook", n, 8)
	}()
	waitFor(t, half, 60*time.Second, "half the hooks")
	if err := stop(); err != nil { // restart the client mid-stream
		t.Fatal(err)
	}
	stop = runClient(context.Background(), newClient())
	waitFor(t, sent, 120*time.Second, "the senders")
	waitFor(t, reached, 60*time.Second, "the last hook")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d connection cuts, 1 client restart", cuts.Load())
	if cuts.Load() < 3 {
		t.Fatalf("only %d cuts", cuts.Load())
	}

	mu.Lock()
	for i, s := range applied {
		if s != int64(i+1) {
			t.Fatalf("applied[%d] = %d: seqs not applied once each in order", i, s)
		}
	}
	if len(applied) != n {
		t.Fatalf("applied %d, want %d", len(applied), n)
	}
	mu.Unlock()

	// The relay's seq → id, against the local captures' origins and ids.
	relayIDs := map[int64]string{}
	for after := int64(0); ; {
		page, err := r.srv.st.ReadAfter(context.Background(), "orders", after, 512, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, h := range page {
			var rec struct{ ID string }
			if err := json.Unmarshal(h.rec, &rec); err != nil {
				t.Fatal(err)
			}
			relayIDs[h.seq] = rec.ID
		}
		after = page[len(page)-1].seq
	}
	list, err := ls.store.List(context.Background(), capture.Query{Limit: 2 * n, Summary: true, Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n || len(relayIDs) != n {
		t.Fatalf("local %d captures, relay %d hooks, want %d", len(list), len(relayIDs), n)
	}
	seen := map[int64]bool{}
	for _, c := range list {
		s, err := strconv.ParseInt(strings.TrimPrefix(c.Origin, "relay:orders#"), 10, 64)
		if err != nil {
			t.Fatalf("origin %q", c.Origin)
		}
		if seen[s] {
			t.Fatalf("seq %d twice", s)
		}
		seen[s] = true
		if relayIDs[s] != c.ID {
			t.Fatalf("seq %d: local id %s, relay id %s", s, c.ID, relayIDs[s])
		}
	}
	// Acknowledgements reach the relay.
	var last int64
	if err := ls.db.Read.QueryRow(`SELECT last_seq FROM relayws_client`).Scan(&last); err != nil || last != n {
		t.Fatalf("persisted last seq %d (%v), want %d", last, err, n)
	}
}

// TestRelaySlowClient: a client that never reads is disconnected while
// another client and capture carry on; it then catches up on reconnect.
func TestRelaySlowClient(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{SendQueue: 16, WriteWait: 300 * time.Millisecond})
	ended := make(chan string, 4)
	r.srv.onStreamEnd = func(ch, client, reason string) {
		if client == "slow" {
			ended <- reason
		}
	}
	slow, _, err := dialStream(r.url, "orders", testToken, "client=slow")
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()

	ls := newLocal(t)
	var last atomic.Int64
	progress := make(chan int64, 1)
	stop := runClient(context.Background(), &Client{URL: r.url, Channel: "orders", Token: testToken, Store: ls.store,
		onApplied: func(seqs []int64) {
			last.Store(seqs[len(seqs)-1])
			select {
			case progress <- seqs[len(seqs)-1]:
			default:
			}
		}})
	defer stop()

	body := bytes.Repeat([]byte("x"), 32<<10)
	var sent int64
	var slowest time.Duration
	deadline := time.Now().Add(60 * time.Second)
	gone := ""
	for gone == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the slow client was not disconnected after %d hooks", sent)
		}
		t0 := time.Now()
		r.post(t, "/orders/big", body)
		slowest = max(slowest, time.Since(t0))
		sent++
		select {
		case gone = <-ended:
		default:
		}
	}
	t.Logf("slow client dropped (%s) after %d hooks; slowest capture %v", gone, sent, slowest)
	if !strings.Contains(gone, "too slow") && !strings.Contains(gone, "write") {
		t.Fatalf("ended because %q", gone)
	}
	// Capture and the other client keep going.
	for range 20 {
		r.post(t, "/orders/after", []byte(`{}`))
		sent++
	}
	for last.Load() < sent {
		waitFor(t, progress, 30*time.Second, fmt.Sprintf("the good client (at %d of %d)", last.Load(), sent))
	}
	// The slow client reconnects and catches up, nothing lost.
	slow.Close()
	again, _, err := dialStream(r.url, "orders", testToken, "client=slow&after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	seqs, err := readStream(again, func(m wireMsg) bool { return m.Seq == sent })
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("catch-up seq %d at %d", s, i)
		}
	}
}

// TestRelayHandoff: a stream that joins with a backlog while hooks keep
// arriving sees every seq once, in order, across replay and live; with a
// tiny queue it is dropped as slow now and then and resumes from its last
// seq without a gap or a duplicate.
func TestRelayHandoff(t *testing.T) {
	tests := []struct {
		name      string
		queue     int
		after     int64
		reconnect bool
	}{
		{"default queue from 0", 0, 0, false},
		{"default queue after 1500", 0, 1500, false},
		{"tiny queue", 2, 0, true},
	}
	for _, store := range testStores {
		for _, tc := range tests {
			t.Run(store.name+"/"+tc.name, func(t *testing.T) {
				const backlog, live = 2000, 2000
				r := store.start(t, ServerConfig{SendQueue: tc.queue})
				r.postMany(t, "/ch/a", backlog, 16)
				sent := make(chan struct{})
				go func() {
					defer close(sent)
					r.postMany(t, "/ch/b", live, 4)
				}()
				var all []int64
				after := tc.after
				drops := 0
				for after < backlog+live {
					conn, _, err := dialStream(r.url, "ch", testToken, "after="+strconv.FormatInt(after, 10))
					if err != nil {
						t.Fatal(err)
					}
					seqs, err := readStream(conn, func(m wireMsg) bool { return m.Seq == backlog+live })
					conn.Close()
					all = append(all, seqs...)
					if len(seqs) > 0 {
						after = seqs[len(seqs)-1]
					}
					if err != nil {
						var ce *websocket.CloseError
						if !tc.reconnect || !errors.As(err, &ce) || ce.Code != CloseTooSlow {
							t.Fatalf("stream ended: %v", err)
						}
						drops++
					}
				}
				<-sent
				for i, s := range all {
					if s != tc.after+int64(i)+1 {
						t.Fatalf("seq %d at position %d (after %d)", s, i, tc.after)
					}
				}
				t.Logf("%d seqs, %d slow drops", len(all), drops)
			})
		}
	}
}

func TestRelayRetention(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{Retention: Retention{MaxCount: 5, MaxAge: -1}})
	for i := range 10 {
		r.post(t, "/counted/x", fmt.Appendf(nil, `{"i":%d}`, i))
	}
	// JetStream ages hooks out on the wall clock: a short MaxAge, then no
	// limit again so the next hook stays for the checks.
	r.srv.SetRetention("aged", Retention{MaxCount: -1, MaxAge: 300 * time.Millisecond})
	for i := range 3 {
		r.post(t, "/aged/x", fmt.Appendf(nil, `{"i":%d}`, i))
	}
	eventually(t, 30*time.Second, "the aged hooks to go", func() bool { return r.count(t, "hooks", "aged") == 0 })
	r.srv.SetRetention("aged", Retention{MaxCount: -1, MaxAge: -1})
	r.post(t, "/aged/x", []byte(`{"i":3}`)) // young: kept

	chans, err := r.srv.Channels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ChannelInfo{}
	for _, c := range chans {
		got[c.Name] = c
	}
	tests := []struct {
		ch                     string
		last, oldest           int64
		stored                 int
		wantGap                string
		wantFirst, wantLastSeq int64
	}{
		{"counted", 10, 6, 5, `{"after":0,"next":6}`, 6, 10},
		{"aged", 4, 4, 1, `{"after":0,"next":4}`, 4, 4},
	}
	for _, tc := range tests {
		t.Run(tc.ch, func(t *testing.T) {
			c := got[tc.ch]
			if c.LastSeq != tc.last || c.Oldest != tc.oldest || c.Stored != tc.stored {
				t.Fatalf("channel %+v", c)
			}
			conn, _, err := dialStream(r.url, tc.ch, testToken, "")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var gap string
			seqs, err := readStream(conn, func(m wireMsg) bool {
				if m.Gap != nil {
					b, _ := json.Marshal(m.Gap)
					gap = string(b)
				}
				return m.Seq == tc.wantLastSeq
			})
			if err != nil {
				t.Fatal(err)
			}
			if gap != tc.wantGap || seqs[0] != tc.wantFirst {
				t.Fatalf("gap %s, first %d", gap, seqs[0])
			}
			// The client skips the evicted range and carries on.
			ls := newLocal(t)
			reached := make(chan struct{})
			stop := runClient(context.Background(), &Client{URL: r.url, Channel: tc.ch, Token: testToken, Store: ls.store, DB: ls.db,
				onApplied: func(s []int64) {
					if s[len(s)-1] == tc.wantLastSeq {
						close(reached)
					}
				}})
			waitFor(t, reached, 30*time.Second, "the client")
			_ = stop()
			if n, _ := ls.store.Count(context.Background(), capture.Query{}); n != tc.stored {
				t.Fatalf("local store has %d, want %d", n, tc.stored)
			}
		})
	}
}

// TestRelayRestart: seqs and acknowledgements survive a relay restart.
func TestRelayRestart(t *testing.T) {
	dir := t.TempDir()
	r := startRelay(t, dir, ServerConfig{})
	acked := make(chan int64, 16)
	r.srv.onAck = func(ch, client string, seq int64) { acked <- seq }
	r.postMany(t, "/ch/x", 5, 1)
	ls := newLocal(t)
	reached := make(chan int64, 16)
	c := &Client{URL: r.url, Channel: "ch", Token: testToken, Store: ls.store, DB: ls.db, ClientID: "laptop",
		onApplied: func(s []int64) { reached <- s[len(s)-1] }}
	stop := runClient(context.Background(), c)
	for got := int64(0); got < 5; {
		got = waitFor(t, reached, 30*time.Second, "the first hooks")
	}
	for got := int64(0); got < 5; {
		got = waitFor(t, acked, 30*time.Second, "the acknowledgement")
	}
	_ = stop()
	r.close(t) // flushes acknowledgements

	r2 := startRelay(t, dir, ServerConfig{})
	r2.postMany(t, "/ch/x", 3, 1)
	chans, err := r2.srv.Channels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ch ChannelInfo
	for _, c := range chans {
		if c.Name == "ch" {
			ch = c
		}
	}
	if !ch.Open || ch.LastSeq != 8 || ch.Acks["laptop"] != 5 {
		t.Fatalf("channels %+v", chans)
	}
	conn, _, err := dialStream(r2.url, "ch", testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	seqs, err := readStream(conn, func(m wireMsg) bool { return m.Seq == 8 })
	if err != nil || fmt.Sprint(seqs) != "[1 2 3 4 5 6 7 8]" {
		t.Fatalf("seqs %v (%v)", seqs, err)
	}
	// The desktop resumes after 5 from its own table.
	c.URL = r2.url
	_, _ = ls.db.Write.Exec(`UPDATE relayws_client SET relay = ?`, r2.url)
	var first []int64
	got := make(chan struct{})
	c.onApplied = func(s []int64) {
		first = append(first, s...)
		if s[len(s)-1] == 8 {
			close(got)
		}
	}
	stop = runClient(context.Background(), c)
	waitFor(t, got, 30*time.Second, "the new hooks")
	_ = stop()
	if fmt.Sprint(first) != "[6 7 8]" {
		t.Fatalf("resumed with %v", first)
	}
}

func TestClientStates(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{})
	ls := newLocal(t)
	states := make(chan ClientState, 64)
	c := &Client{URL: r.url + "/", Channel: "ch", Token: testToken, Store: ls.store,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		State: func(s ClientState) { states <- s }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	want := func(k StateKind) ClientState {
		t.Helper()
		for {
			s := waitFor(t, states, 30*time.Second, k.String())
			if s.Kind == k {
				return s
			}
		}
	}
	want(Connecting)
	on := want(Online)
	if on.HookURL != r.url+"/ch" {
		t.Fatalf("hook URL %q", on.HookURL)
	}
	r.close(t) // the relay goes away: the client retries
	re := want(Reconnecting)
	if re.Reason == "" || re.Retry.IsZero() {
		t.Fatalf("reconnecting %+v", re)
	}
	cancel()
	want(Stopped)
	if err := waitFor(t, done, 10*time.Second, "Run"); err != nil {
		t.Fatal(err)
	}
}

func TestBackoff(t *testing.T) {
	for n := range 10 {
		d := backoff(500*time.Millisecond, 30*time.Second, n)
		top := min(500*time.Millisecond<<n, 30*time.Second)
		if d < top/2 || d > top {
			t.Fatalf("attempt %d: %v outside [%v, %v]", n, d, top/2, top)
		}
	}
}

// TestNoLeaks runs the local stream, the relay and a client, closes them,
// and checks every goroutine they started has ended.
func TestNoLeaks(t *testing.T) {
	ls := newLocal(t)
	defer leaktest.VerifyNone(t, goleak.IgnoreCurrent())
	func() {
		loc := NewLocal(ls.store, "t")
		subscribed := make(chan struct{}, 1)
		loc.onSubscribe = func() { subscribed <- struct{}{} }
		r := startRelay(t, t.TempDir(), ServerConfig{})
		mux := http.NewServeMux()
		mux.Handle("/live", loc)
		srv := &http.Server{Handler: mux}
		ln := listen(t)
		served := make(chan struct{})
		go func() { defer close(served); _ = srv.Serve(ln) }()

		tailed := make(chan capture.Record, 16)
		tctx, tcancel := context.WithCancel(context.Background())
		tdone := make(chan error, 1)
		go func() {
			tdone <- Tail(tctx, "http://"+ln.Addr().String()+"/live", "t", func(rec capture.Record) {
				select {
				case tailed <- rec:
				default:
				}
			})
		}()
		waitFor(t, subscribed, 10*time.Second, "tail")

		reached := make(chan struct{})
		stop := runClient(context.Background(), &Client{URL: r.url, Channel: "ch", Token: testToken, Store: ls.store, DB: ls.db,
			onApplied: func(s []int64) {
				if s[len(s)-1] == 20 {
					close(reached)
				}
			}})
		r.postMany(t, "/ch/x", 20, 4)
		waitFor(t, reached, 30*time.Second, "the client")
		waitFor(t, tailed, 10*time.Second, "a tailed capture")
		// A stream left open is closed by the server.
		conn, _, err := dialStream(r.url, "ch", testToken, "")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		r.close(t)
		loc.Close()
		if err := waitFor(t, tdone, 10*time.Second, "Tail"); err == nil {
			t.Fatal("Tail: want the shutdown reason")
		}
		tcancel()
		_ = srv.Close()
		<-served
	}()
}

// TestSubQueueBoundedByBytes: a stream's waiting hooks are bounded by size
// as well as by count.
func TestSubQueueBoundedByBytes(t *testing.T) {
	big := item{seq: 1, line: make([]byte, 20<<20)}
	tests := []struct {
		name     string
		live     bool
		wantSlow bool
	}{
		{"live: closed as too slow", true, true},
		{"replaying: reads the database again", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h hub
			sb := h.subscribe("c", 4096)
			defer h.unsubscribe("c", sb)
			if tt.live {
				if _, ok := sb.goLive(); !ok {
					t.Fatal("goLive")
				}
			}
			h.publish("c", []item{big}) // an empty queue takes any one commit
			second := big
			second.seq = 2
			h.publish("c", []item{second}) // 40 MiB waiting: over the bound
			sb.mu.Lock()
			slow, reset, n, bytes := sb.slow, sb.reset, len(sb.queue), sb.bytes
			sb.mu.Unlock()
			if slow != tt.wantSlow || (!tt.live && !reset) || n != 0 || bytes != 0 {
				t.Errorf("slow %v reset %v queued %d (%d bytes)", slow, reset, n, bytes)
			}
		})
	}
}
