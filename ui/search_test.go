package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/replay"
)

// fakeClock is an afterFunc whose timers fire only when the test says.
type fakeClock struct {
	mu     sync.Mutex
	timers []*fakeTimer
}

type fakeTimer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (c *fakeClock) after(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{d: d, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// fire runs timer i as time.AfterFunc would, on its own goroutine.
func (c *fakeClock) fire(t *testing.T, i int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if i >= len(c.timers) || c.timers[i].stopped {
		t.Fatalf("timer %d of %d is stopped or missing", i, len(c.timers))
	}
	c.timers[i].stopped = true
	go c.timers[i].f()
}

func (c *fakeClock) state() (n int, stopped []bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.timers {
		stopped = append(stopped, t.stopped)
	}
	return len(c.timers), stopped
}

// heldQuery is a List call the test releases when it chooses.
type heldQuery struct {
	ctx     context.Context
	q       capture.Query
	release chan struct{}
}

// slowStore answers the first, unfiltered page at once and holds every
// search until released; it ignores cancellation, as a query already
// running in SQLite may finish anyway.
type slowStore struct {
	calls chan *heldQuery
}

func (s *slowStore) Subscribe(ctx context.Context) (<-chan capture.Event, func()) {
	return make(chan capture.Event), func() {}
}

func (s *slowStore) List(ctx context.Context, q capture.Query) ([]*capture.Request, error) {
	if q.Search == "" {
		return []*capture.Request{{ID: "01ALL", Method: "POST", Target: "/all"}}, nil
	}
	h := &heldQuery{ctx: ctx, q: q, release: make(chan struct{})}
	s.calls <- h
	<-h.release
	return []*capture.Request{{ID: "01" + q.Search, Method: "POST", Target: "/" + q.Search}}, nil
}

func (s *slowStore) Each(ctx context.Context, q capture.Query, fn func(*capture.Request) error) error {
	return nil
}
func (s *slowStore) Count(context.Context, capture.Query) (int, error) { return 1, nil }
func (s *slowStore) Get(context.Context, string) (*capture.Request, error) {
	return nil, capture.ErrNotFound
}
func (s *slowStore) Methods(context.Context) ([]string, error)  { return []string{"POST"}, nil }
func (s *slowStore) Delete(context.Context, string) error       { return nil }
func (s *slowStore) Clear(context.Context, string) (int, error) { return 0, nil }
func (s *slowStore) Stats() (int, int64)                        { return 1, 0 }

// TestSearchAsYouType: keys typed in a burst run one query, after the
// debounce and off the UI goroutine; a newer query cancels the one it
// supersedes, and the older one's result, arriving last, never replaces
// the newer list.
func TestSearchAsYouType(t *testing.T) {
	test.NewTempApp(t)
	st := &slowStore{calls: make(chan *heldQuery, 8)}
	clock := &fakeClock{}
	m := NewMain(Options{URL: "http://127.0.0.1:4665", Captures: st}, nil)
	m.rl.after = clock.after
	m.applied = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Pump(ctx, make(chan capture.Event)) }()
	t.Cleanup(func() { cancel(); <-done })
	h := &harness{m: m}

	// The UI goroutine only schedules: a store that answers nothing does
	// not hold it up.
	h.do(func() {
		for _, s := range []string{"a", "an", "ana"} {
			m.search.SetText(s)
		}
	})
	n, stopped := clock.state()
	if n != 3 || !stopped[0] || !stopped[1] || stopped[2] {
		t.Fatalf("timers %d, stopped %v: want three, the first two stopped by the next key", n, stopped)
	}
	if d := clock.timers[2].d; d < 150*time.Millisecond || d > 250*time.Millisecond {
		t.Fatalf("debounce %s, want 150–250 ms", d)
	}
	select {
	case c := <-st.calls:
		t.Fatalf("queried %q before the debounce ran out", c.q.Search)
	default:
	}
	clock.fire(t, 2)
	older := <-st.calls
	if older.q.Search != "ana" {
		t.Fatalf("first query %q, want ana", older.q.Search)
	}
	h.do(func() { m.search.SetText("anab") })
	clock.fire(t, 3)
	newer := <-st.calls
	if newer.q.Search != "anab" {
		t.Fatalf("second query %q, want anab", newer.q.Search)
	}
	if older.ctx.Err() == nil {
		t.Fatal("the superseded query's context was not cancelled")
	}
	if h.eval(func() bool { return m.items[0].ID != "01ALL" || m.count.Text != "Searching…" }) {
		t.Fatalf("before any search answered: list %s, count %q (want the old rows, Searching…)", m.items[0].ID, m.count.Text)
	}
	close(newer.release)
	h.waitFor(t, "the newer result", func() bool { return m.items[0].ID == "01anab" })
	close(older.release)
	// Whatever the older query's goroutine does, the pump has applied it
	// by the time two more round trips are through (it posts at most twice).
	for range 2 {
		h.do(func() {})
	}
	// And the guard itself: a page of an older reload is dropped.
	h.do(func() {
		m.showPage(m.rl.gen-1, capture.Query{Search: "ana"}, []*capture.Request{{ID: "01ana", Target: "/ana"}}, nil)
		m.reloadDone(m.rl.gen-1, 99)
	})
	if !h.eval(func() bool { return len(m.items) == 1 && m.items[0].ID == "01anab" && m.count.Text == "1 of 1 capture" }) {
		t.Fatalf("a stale result replaced the newer list: %v, %q", m.items[0].ID, m.count.Text)
	}
}

// seedMatching stores match captures whose body holds "souza" and other
// that do not, from several goroutines (so they share commits).
func seedMatching(t *testing.T, h *harness, match, other int) map[string]bool {
	t.Helper()
	var mu sync.Mutex
	want := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < match+other; i += 8 {
				body := fmt.Sprintf(`{"i":%d,"name":"Ana Lima"}`, i)
				if i < match {
					body = fmt.Sprintf(`{"i":%d,"name":"Ana Souza"}`, i)
				}
				r := h.add(t, "POST", fmt.Sprintf("/s/%d", i), "application/json", []byte(body))
				if i < match {
					mu.Lock()
					want[r.ID] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return want
}

// TestLoadMoreAndBulkOverManyPages: with a search matching more rows
// than a page, scrolling loads every match once by cursor, and bulk
// replay and export touch each matching capture exactly once.
func TestLoadMoreAndBulkOverManyPages(t *testing.T) {
	fs := &fakeSender{res: replay.Result{Status: 200}}
	mr := &memReplays{}
	h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays = fs, mr })
	const match, other = 2*pageSize + 57, 150
	want := seedMatching(t, h, match, other)
	h.waitFor(t, "every capture stored", func() bool { n, _ := h.store.Stats(); return n == match+other })
	h.do(func() { h.m.search.SetText("souza") })
	h.waitFor(t, "the first page and the count", func() bool {
		return len(h.m.items) == pageSize && h.m.count.Text == fmt.Sprintf("%d of %d captures", match, match+other)
	})
	for h.eval(func() bool { return h.m.more }) {
		h.do(h.m.loadMore)
		h.waitFor(t, "the next page", func() bool { return !h.m.rl.loadingMore })
	}
	var ids []string
	h.do(func() {
		for _, r := range h.m.items {
			ids = append(ids, r.ID)
		}
	})
	checkOnce(t, "scrolling", ids, want)

	var sc scope
	h.do(func() { sc = h.m.scope() })
	var progressed int
	sum, total, err := h.m.replayScope(context.Background(), sc, replay.BulkOptions{Target: "http://127.0.0.1:9/x", Concurrency: 4},
		func(done, _ int) { progressed = max(progressed, done) })
	if err != nil || total != match || sum.Sent != match || sum.OK != match || progressed != match {
		t.Fatalf("bulk replay: %v, total %d, summary %+v, progress %d; want %d", err, total, sum, progressed, match)
	}
	ids = ids[:0]
	mr.mu.Lock()
	for _, a := range mr.as {
		ids = append(ids, a.CaptureID)
	}
	mr.mu.Unlock()
	checkOnce(t, "bulk replay", ids, want)

	path := filepath.Join(t.TempDir(), "out.jsonl")
	n, _, err := h.m.exportTo(path, exchange.JSONL, exchange.ExportOptions{}, sc)
	if err != nil || n != match {
		t.Fatalf("export: %d, %v", n, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids = ids[:0]
	sc2 := bufio.NewScanner(f)
	sc2.Buffer(nil, 1<<20)
	for sc2.Scan() {
		var rec struct{ ID string }
		if err := json.Unmarshal(sc2.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.ID)
	}
	checkOnce(t, "export", ids, want)
}

// checkOnce fails unless ids holds every id of want exactly once.
func checkOnce(t *testing.T, what string, ids []string, want map[string]bool) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
		if !want[id] {
			t.Fatalf("%s touched %s, which does not match", what, id)
		}
		if seen[id] > 1 {
			t.Fatalf("%s touched %s twice", what, id)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("%s touched %d of the %d matching captures", what, len(seen), len(want))
	}
}

// heldStore answers the first List (the window's first page) at once
// and holds every later one until released.
type heldStore struct {
	slowStore
	mu    sync.Mutex
	first bool
	page  []*capture.Request
}

func (s *heldStore) List(ctx context.Context, q capture.Query) ([]*capture.Request, error) {
	s.mu.Lock()
	first := !s.first
	s.first = true
	s.mu.Unlock()
	if first {
		return s.page, nil
	}
	h := &heldQuery{ctx: ctx, q: q, release: make(chan struct{})}
	s.calls <- h
	<-h.release
	return s.page, nil
}

// TestEventsDuringReload: a capture that arrives, and one deleted, while
// a page is being read are not lost or kept by that page when it lands
// (the page may have been read before either).
func TestEventsDuringReload(t *testing.T) {
	test.NewTempApp(t)
	old := &capture.Request{ID: "01OLD", Method: "POST", Target: "/old"}
	all := &capture.Request{ID: "01ALL", Method: "POST", Target: "/all"}
	st := &heldStore{slowStore: slowStore{calls: make(chan *heldQuery, 8)}, page: []*capture.Request{old, all}}
	m := NewMain(Options{URL: "http://127.0.0.1:4665", Captures: st}, nil)
	m.applied = make(chan struct{}, 1)
	events := make(chan capture.Event)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Pump(ctx, events) }()
	t.Cleanup(func() { cancel(); <-done })
	h := &harness{m: m}

	h.do(m.reload)
	held := <-st.calls
	events <- capture.Event{Kind: capture.Added, Request: &capture.Request{ID: "01ZZNEW", Method: "POST", Target: "/new"}}
	events <- capture.Event{Kind: capture.Deleted, IDs: []string{"01OLD"}}
	h.waitFor(t, "the events applied", func() bool { return len(m.items) == 2 && m.items[0].ID == "01ZZNEW" })
	close(held.release) // the page still holds 01OLD and lacks 01ZZNEW
	h.waitFor(t, "the page", func() bool { return !m.rl.running })
	var ids []string
	h.do(func() {
		for _, r := range m.items {
			ids = append(ids, r.ID)
		}
	})
	if fmt.Sprint(ids) != "[01ZZNEW 01ALL]" {
		t.Fatalf("list %v after the page landed, want [01ZZNEW 01ALL]", ids)
	}
}

// blockedClear holds Clear until released.
type blockedClear struct {
	slowStore
	started, release chan struct{}
}

func (s *blockedClear) Clear(context.Context, string) (int, error) {
	close(s.started)
	<-s.release
	return 0, fmt.Errorf("disk full")
}

// TestClearOffUIGoroutine: clearing a big store takes a while; the
// window stays live meanwhile and says how it went.
func TestClearOffUIGoroutine(t *testing.T) {
	test.NewTempApp(t)
	st := &blockedClear{slowStore: slowStore{calls: make(chan *heldQuery, 1)}, started: make(chan struct{}), release: make(chan struct{})}
	m := NewMain(Options{URL: "http://127.0.0.1:4665", Captures: st}, nil)
	m.applied = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Pump(ctx, make(chan capture.Event)) }()
	t.Cleanup(func() { cancel(); <-done })
	h := &harness{m: m}
	h.do(m.confirmClear) // returns while Clear is still running
	<-st.started
	if !h.eval(func() bool { return m.count.Text == "Clearing…" }) {
		t.Fatalf("count %q while clearing", m.count.Text)
	}
	close(st.release)
	h.waitFor(t, "the failure shown", func() bool { return m.count.Text == "Clear failed: disk full" })
}

// TestFloodUnderFilterCoalesced: captures arriving while a filtered list
// is being read cost one more read, refreshDelay after it, not one each.
func TestFloodUnderFilterCoalesced(t *testing.T) {
	test.NewTempApp(t)
	st := &heldStore{slowStore: slowStore{calls: make(chan *heldQuery, 8)}, page: []*capture.Request{{ID: "01A", Method: "POST", Target: "/a"}}}
	clock := &fakeClock{}
	m := NewMain(Options{URL: "http://127.0.0.1:4665", Captures: st}, nil)
	m.rl.after = clock.after
	m.applied = make(chan struct{}, 1)
	events := make(chan capture.Event)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Pump(ctx, events) }()
	t.Cleanup(func() { cancel(); <-done })
	h := &harness{m: m}

	h.do(func() { m.search.SetText("ana") })
	clock.fire(t, 0)
	held := <-st.calls
	for i := range 50 {
		events <- capture.Event{Kind: capture.Added, Request: &capture.Request{ID: fmt.Sprintf("01Z%02d", i), Method: "POST", Target: "/ana"}}
	}
	if n, _ := clock.state(); n != 1 {
		t.Fatalf("%d timers after 50 arrivals during a read, want the search's one", n)
	}
	close(held.release)
	h.waitFor(t, "one re-read scheduled", func() bool { n, _ := clock.state(); return n == 2 })
	if d := clock.timers[1].d; d != refreshDelay {
		t.Fatalf("re-read after %s, want %s", d, refreshDelay)
	}
	select {
	case c := <-st.calls:
		t.Fatalf("read %q before the delay ran out", c.q.Search)
	default:
	}
	clock.fire(t, 1)
	again := <-st.calls
	close(again.release)
	h.waitFor(t, "the re-read done", func() bool { return !m.rl.running })
	if n, _ := clock.state(); n != 2 {
		t.Fatalf("%d timers once the flood was read, want 2", n)
	}
}
