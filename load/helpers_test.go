package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/replay"
)

// receiver is a loopback receiver that records the webhook-id of every
// request in arrival order, and optionally holds each answer.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	ids  []string
	hold func(r *http.Request) // called before answering; may block
	// check, when set, is called with every request and its body.
	check func(r *http.Request, body []byte)
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.ids = append(rc.ids, r.Header.Get("webhook-id"))
		check, hold := rc.check, rc.hold
		rc.mu.Unlock()
		if check != nil {
			check(r, body)
		}
		if hold != nil {
			hold(r)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) received() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.ids...)
}

// repeats counts the requests whose webhook-id arrived before.
func repeats(ids []string) int {
	seen := map[string]bool{}
	n := 0
	for _, id := range ids {
		if seen[id] {
			n++
		}
		seen[id] = true
	}
	return n
}

// overtaken counts the first arrivals of ids that arrive after a later
// delivery (ids end in the delivery's number, zero-padded, so they sort
// in source order).
func overtaken(ids []string) int {
	seen := map[string]bool{}
	var firsts []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			firsts = append(firsts, id)
		}
	}
	n := 0
	highest := ""
	for _, id := range firsts {
		if id < highest {
			n++
		}
		highest = max(highest, id)
	}
	return n
}

func eventsSource(t *testing.T, names ...string) Source {
	t.Helper()
	src, err := Events(names, 1)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// fakeClock is a manual clock: time moves only when the test's driver
// moves it to the next timer.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	armed  chan struct{}
}

type fakeTimer struct {
	c   chan time.Time
	at  time.Time
	clk *fakeClock
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), armed: make(chan struct{}, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: make(chan time.Time, 1), at: c.now.Add(d), clk: c}
	if d <= 0 {
		t.c <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	select {
	case c.armed <- struct{}{}:
	default:
	}
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }
func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	for i, x := range t.clk.timers {
		if x == t {
			t.clk.timers = append(t.clk.timers[:i], t.clk.timers[i+1:]...)
			return true
		}
	}
	return false
}

// fireNext moves the clock to the earliest timer and fires it.
func (c *fakeClock) fireNext() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return
	}
	i := 0
	for j, t := range c.timers {
		if t.at.Before(c.timers[i].at) {
			i = j
		}
	}
	t := c.timers[i]
	c.timers = append(c.timers[:i], c.timers[i+1:]...)
	if t.at.After(c.now) {
		c.now = t.at
	}
	t.c <- c.now
}

// drive runs r on clk, firing each timer as soon as the run waits on it,
// and returns the report.
func drive(t *testing.T, r *Runner, clk *fakeClock) Report {
	t.Helper()
	type out struct {
		rep Report
		err error
	}
	done := make(chan out, 1)
	go func() {
		rep, err := r.Run(context.Background())
		done <- out{rep, err}
	}()
	for {
		select {
		case o := <-done:
			if o.err != nil {
				t.Fatal(o.err)
			}
			return o.rep
		case <-clk.armed:
			clk.fireNext()
		case <-time.After(10 * time.Second):
			t.Fatal("the run neither finished nor waited on its clock")
		}
	}
}

// instant is a Sender that answers 200 at once; block, when set, is
// received from before answering.
type instant struct {
	mu    sync.Mutex
	ids   []string
	block chan struct{}
}

func (s *instant) Send(ctx context.Context, r replay.Request, _ replay.Options) replay.Result {
	s.mu.Lock()
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, IDHeader) {
			s.ids = append(s.ids, h.Value)
		}
	}
	s.mu.Unlock()
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return replay.Result{Class: replay.ClassCanceled, Err: "canceled"}
		}
	}
	return replay.Result{Status: 200}
}

type (
	replayRequest = replay.Request
	replayOptions = replay.Options
	replayResult  = replay.Result
)
