package outbound

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/replay"
)

// t0 is the fake clock's start: whole seconds, so HTTP-dates are exact.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// clock is an injectable time source that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openDB opens a database in dir; it is closed when the test ends.
func openDB(t testing.TB, dir string) *database.DB {
	t.Helper()
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openStore opens a store in a fresh directory whose clock is now, or a
// clock fixed at t0 when none is given: no test depends on today's date.
func openStore(t testing.TB, now ...func() time.Time) *Store {
	t.Helper()
	clk := newClock(t0).Now
	if len(now) > 0 {
		clk = now[0]
	}
	st, err := NewStore(context.Background(), openDB(t, t.TempDir()), StoreConfig{Now: clk})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// testSub returns a valid, enabled subscription of client.created to url.
func testSub(url string) Subscription {
	s := NewSubscription()
	s.Name = "CRM"
	s.Events = []string{"client.created"}
	s.URL = url
	s.Retry = RetryPolicy{Kind: RetryNone}
	return s
}

func saveSub(t testing.TB, st *Store, s Subscription) Subscription {
	t.Helper()
	if err := st.Save(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// testPayload is a small hand-built envelope, the same every time.
func testPayload() events.Payload {
	return events.Envelope("client.created", "2026-11-23T07:00:00-03:00", events.Object(
		events.M("client", events.Object(
			events.M("id", events.String("cli_123456")),
			events.M("name", events.String("Ana Souza")),
			events.M("email", events.String("ana.souza@gmail.com")),
			events.M("phone", events.String("+55 11 98765-4321")),
		)),
		events.M("tags", events.Strings("vip", "novo")),
		events.M("amount", events.Amount(150050)),
	))
}

// hit is one request as a receiver saw it.
type hit struct {
	method string
	uri    string
	header http.Header
	body   []byte
}

// receiver is a loopback HTTP server that answers the n-th request (0-based)
// with answer(n, w, r) and records every request.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newReceiver(t testing.TB, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.hits)
		rc.hits = append(rc.hits, hit{r.Method, r.RequestURI, r.Header.Clone(), body})
		rc.mu.Unlock()
		answer(n, w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// statuses answers the n-th request with codes[n] (the last one repeats).
func statuses(codes ...int) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(codes[min(n, len(codes)-1)])
	}
}

func (rc *receiver) Hits() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

// harness runs a Dispatcher on a Store and lets a test wait for
// delivery states through OnChange.
type harness struct {
	t       testing.TB
	st      *Store
	d       *Dispatcher
	changes chan string
	sender  *replay.Sender
	stop    func()
}

// newHarness makes a Dispatcher over st; now may be nil (real time).
func newHarness(t testing.TB, st *Store, now func() time.Time) *harness {
	h := &harness{t: t, st: st, changes: make(chan string, 1<<16), sender: replay.NewSender()}
	h.d = &Dispatcher{Store: st, Sender: h.sender, Now: now, OnChange: func(id string) {
		select {
		case h.changes <- id:
		default: // waiters re-read the store anyway
		}
	}}
	t.Cleanup(h.sender.Close)
	return h
}

// start runs the Dispatcher until the returned stop (also run at cleanup).
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("Run: %v", err)
			}
		})
	}
	h.t.Cleanup(h.stop)
}

// waitDelivery waits until the delivery satisfies ok, re-reading it after
// every change the Dispatcher reports, and returns it.
func (h *harness) waitDelivery(id string, ok func(Delivery) bool) Delivery {
	h.t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		d, err := h.st.Delivery(context.Background(), id)
		if err != nil {
			h.t.Fatal(err)
		}
		if ok(d) {
			return d
		}
		select {
		case <-h.changes:
		case <-deadline.C:
			h.t.Fatalf("delivery %s stuck at %+v", id, d)
		}
	}
}

func outcomeIs(o Outcome) func(Delivery) bool {
	return func(d Delivery) bool { return d.Outcome == o }
}

func attemptsAre(n int) func(Delivery) bool {
	return func(d Delivery) bool { return d.Attempts >= n }
}

// fire fires testPayload to the subscriptions of client.created.
func (h *harness) fire(only string) []Delivery {
	h.t.Helper()
	ds, err := h.d.Fire(context.Background(), "client.created", testPayload(), only)
	if err != nil {
		h.t.Fatal(err)
	}
	return ds
}

func (h *harness) attempts(id string) []Attempt {
	h.t.Helper()
	as, err := h.st.Attempts(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return as
}
