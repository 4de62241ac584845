package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

func openHistory(t testing.TB) (*History, *capture.Store) {
	t.Helper()
	db, err := database.Open(t.TempDir(), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHistory(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(); db.Close() })
	return h, st
}

func TestHistoryRoundTrip(t *testing.T) {
	h, _ := openHistory(t)
	ctx := context.Background()
	for i, kind := range []string{KindReplay, KindEdit} {
		a := &Attempt{CaptureID: "C1", Kind: kind, Modified: kind == KindEdit,
			Request: Request{Method: "POST", URL: "http://x/y", Headers: capture.Headers{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}}, Body: []byte{0, 1, 2}},
			Result: Result{Status: 200 + i, Headers: capture.Headers{{Name: "Content-Type", Value: "text/plain"}}, Body: []byte("ok"),
				BodySize: 2, SentAt: time.Now(), Timings: Timings{Total: time.Millisecond, FirstByte: 900 * time.Microsecond}}}
		if err := h.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Add(ctx, &Attempt{CaptureID: "C2", Kind: KindReplay, Result: Result{Err: "refused", Class: ClassRefused, SentAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	as, err := h.ForCapture(ctx, "C1", 10)
	if err != nil || len(as) != 2 {
		t.Fatalf("%d attempts, %v", len(as), err)
	}
	if as[0].Kind != KindEdit || !as[0].Modified || as[0].Result.Status != 201 {
		t.Errorf("newest first: %+v", as[0])
	}
	a := as[1]
	if string(a.Request.Body) != "\x00\x01\x02" || len(a.Request.Headers) != 2 || a.Request.Headers[1].Value != "2" ||
		string(a.Result.Body) != "ok" || a.Result.Timings.Total != time.Millisecond {
		t.Errorf("round trip: %+v", a)
	}
	got, err := h.Get(ctx, a.ID)
	if err != nil || got.ID != a.ID {
		t.Fatalf("get: %v", err)
	}
	if _, err := h.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
}

func appendN(t testing.TB, st *capture.Store, n int) []*capture.Request {
	t.Helper()
	var ids capture.IDGen
	var out []*capture.Request
	for i := range n {
		now := time.Now()
		body := fmt.Sprintf(`{"n":%d}`, i)
		r := &capture.Request{ID: ids.New(now), ReceivedAt: now, Method: "POST", Target: fmt.Sprintf("/h?n=%d", i),
			Proto: "HTTP/1.1", Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}},
			Body: []byte(body), BodySize: int64(len(body)), Response: capture.Response{Status: 200}}
		if err := st.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// Forwarding sends captures in arrival order, skips refused ones, and
// stores each attempt.
func TestForwarderInOrder(t *testing.T) {
	h, st := openHistory(t)
	got := make(chan string, 100)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	defer recv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	events, unsub := st.Subscribe(ctx)
	defer unsub()
	done := make(chan *Attempt, 100)
	fw := &Forwarder{Target: recv.URL + "/in", Sender: NewSender(), History: h,
		OnResult: func(c *capture.Request, a *Attempt) { done <- a }}
	stopped := make(chan error, 1)
	go func() { stopped <- fw.Run(ctx, events, st) }()
	rs := appendN(t, st, 20)
	refused := &capture.Request{ID: "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", ReceivedAt: time.Now(), Method: "POST", Target: "/r",
		Headers: capture.Headers{}, Body: []byte("no"), Refused: "basic auth wrong"}
	if err := st.Append(context.Background(), refused); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if b := <-got; b != string(rs[i].Body) {
			t.Fatalf("forward %d: %q, want %q", i, b, rs[i].Body)
		}
		if a := <-done; a.Result.Status != 200 || a.Kind != KindForward {
			t.Fatalf("attempt %+v", a)
		}
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		t.Fatalf("refused capture forwarded: %q", b)
	default:
	}
	as, _ := h.ForCapture(context.Background(), rs[3].ID, 5)
	if len(as) != 1 || as[0].Request.URL != recv.URL+"/in?n=3" {
		t.Fatalf("history of one capture: %+v", as)
	}
}

func TestBulk(t *testing.T) {
	h, st := openHistory(t)
	var n atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			w.WriteHeader(500)
		}
	}))
	defer recv.Close()
	rs := appendN(t, st, 100)
	var last int
	sum := Bulk(context.Background(), NewSender(), h, rs, BulkOptions{Target: recv.URL, Concurrency: 8,
		Progress: func(done, total int) {
			if done != last+1 || total != 100 {
				t.Errorf("progress %d/%d after %d", done, total, last)
			}
			last = done
		}})
	if sum.Sent != 100 || sum.OK != 90 || sum.Other != 10 || len(sum.Failed) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	recv.Close()
	sum = Bulk(context.Background(), NewSender(), nil, rs[:5], BulkOptions{Target: recv.URL})
	if sum.Failed[ClassRefused] != 5 {
		t.Fatalf("refused target: %+v", sum)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if sum := Bulk(ctx, NewSender(), nil, rs, BulkOptions{Target: recv.URL}); sum.Sent != 0 {
		t.Fatalf("canceled bulk sent %d", sum.Sent)
	}
}

// BenchmarkBulkReplay replays 10,000 stored captures, streamed from the
// store as the window's "replay all matching" does, to a local receiver at
// concurrency 16, storing every attempt, and reports requests/s.
// Run: go test -run '^$' -bench BenchmarkBulkReplay -benchtime 1x ./replay/
func BenchmarkBulkReplay(b *testing.B) {
	h, st := openHistory(b)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer recv.Close()
	rs := appendN(b, st, 10_000)
	s := NewSender()
	defer s.Close()
	for b.Loop() {
		each := func(fn func(*capture.Request) error) error {
			return st.Each(context.Background(), capture.Query{Oldest: true}, fn)
		}
		sum, err := BulkEach(context.Background(), s, h, each, len(rs), BulkOptions{Target: recv.URL, Concurrency: 16})
		if err != nil || sum.OK != len(rs) {
			b.Fatalf("summary %+v, %v", sum, err)
		}
		rate := float64(sum.Sent) / sum.Elapsed.Seconds()
		b.ReportMetric(rate, "req/s")
		fmt.Printf("\nbulk replay: %d captures, concurrency 16, attempts stored: %.0f req/s (%s)\n", sum.Sent, rate, sum.Elapsed.Round(time.Millisecond))
	}
}

func TestLiveStartStop(t *testing.T) {
	h, st := openHistory(t)
	got := make(chan string, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	defer recv.Close()
	l := &Live{Sender: NewSender(), History: h, Source: st}
	if err := l.Start("::bad"); err == nil {
		t.Fatal("bad target accepted")
	}
	appendN(t, st, 1) // before Start: not forwarded
	done := make(chan string, 10)
	l.Watch(func(id string) { done <- id })
	if err := l.Start(recv.URL); err != nil {
		t.Fatal(err)
	}
	rs := appendN(t, st, 2)
	for i := range 2 {
		if id := <-done; id != rs[i].ID {
			t.Fatalf("forwarded %s, want %s", id, rs[i].ID)
		}
	}
	if l.Target() != recv.URL || len(got) != 2 {
		t.Fatalf("target %q, %d received", l.Target(), len(got))
	}
	l.Stop()
	if l.Target() != "" {
		t.Error("still on after Stop")
	}
	appendN(t, st, 1)
	l.Stop() // twice is fine
	// Stop waited for the forwarding goroutine: nothing can arrive now.
	if len(got) != 2 {
		t.Fatalf("%d received after Stop, want 2", len(got))
	}
}
