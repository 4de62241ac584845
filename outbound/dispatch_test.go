package outbound

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/internal/leaktest"
	"github.com/gancho-app/gancho/replay"
	"go.uber.org/goleak"
)

func TestRetryRules(t *testing.T) {
	tests := []struct {
		name   string
		answer func(n int, w http.ResponseWriter, r *http.Request)
		edit   func(*Subscription)
		fake   bool // a frozen clock at t0 instead of real time
		run    func(t *testing.T, h *harness, c *clock, sub Subscription, rc *receiver, id string)
	}{
		{
			name:   "500 then 200: retried with a fresh signature, same webhook-id",
			answer: statuses(500, 200),
			edit: func(s *Subscription) {
				s.Retry = RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{5 * time.Second}, Jitter: -1}
			},
			fake: true,
			run: func(t *testing.T, h *harness, c *clock, sub Subscription, rc *receiver, id string) {
				d := h.waitDelivery(id, outcomeIs(OutcomeRetrying))
				if !d.NextAt.Equal(t0.Add(5*time.Second)) || d.Attempts != 1 || d.LastStatus != 500 || d.LastError != "the receiver answered 500 Internal Server Error" {
					t.Errorf("after 500: %+v", d)
				}
				c.Add(5 * time.Second)
				h.d.Kick()
				d = h.waitDelivery(id, outcomeIs(OutcomeSucceeded))
				if d.Attempts != 2 || !d.NextAt.IsZero() || d.LastStatus != 200 || d.LastError != "" {
					t.Errorf("after 200: %+v", d)
				}
				as := h.attempts(id)
				if len(as) != 2 || as[0].Status != 500 || !as[0].NextAt.Equal(t0.Add(5*time.Second)) || as[1].Status != 200 || !as[1].NextAt.IsZero() ||
					as[0].N != 1 || as[1].N != 2 || !as[1].At.Equal(t0.Add(5*time.Second)) || as[0].Latency <= 0 {
					t.Errorf("attempts: %+v", as)
				}
				hits := rc.Hits()
				if len(hits) != 2 {
					t.Fatalf("%d hits", len(hits))
				}
				if hits[0].header.Get("webhook-id") != id || hits[1].header.Get("webhook-id") != id {
					t.Errorf("webhook-id %q, %q; want %s twice", hits[0].header.Get("webhook-id"), hits[1].header.Get("webhook-id"), id)
				}
				if hits[0].header.Get("webhook-timestamp") == hits[1].header.Get("webhook-timestamp") ||
					hits[0].header.Get("webhook-signature") == hits[1].header.Get("webhook-signature") {
					t.Error("the retry reused the first attempt's timestamp and signature")
				}
				if as[1].RequestHeaders.Get("webhook-signature") != hits[1].header.Get("webhook-signature") {
					t.Error("the attempt does not record the signature sent")
				}
				if string(as[1].RequestBody) != string(hits[1].body) || as[1].RequestBodySize != int64(len(hits[1].body)) || len(hits[1].body) == 0 {
					t.Errorf("the attempt records body %q (%d bytes); the receiver got %q", as[1].RequestBody, as[1].RequestBodySize, hits[1].body)
				}
				s, err := h.st.Subscription(context.Background(), sub.ID)
				if err != nil || !s.LastAt.Equal(t0.Add(5*time.Second)) || s.LastStatus != 200 || s.LastError != "" {
					t.Errorf("subscription last: %v %d %q (%v)", s.LastAt, s.LastStatus, s.LastError, err)
				}
			},
		},
		{
			name:   "410 disables the subscription, no retry",
			answer: statuses(410),
			edit:   func(s *Subscription) { s.Retry = RetryPolicy{} },
			fake:   true,
			run: func(t *testing.T, h *harness, c *clock, sub Subscription, rc *receiver, id string) {
				d := h.waitDelivery(id, outcomeIs(OutcomeFailed))
				if d.Attempts != 1 || !d.NextAt.IsZero() || d.LastStatus != 410 || !strings.Contains(d.LastError, "subscription was disabled") {
					t.Errorf("delivery: %+v", d)
				}
				s, err := h.st.Subscription(context.Background(), sub.ID)
				want := "410 Gone from " + sub.URL + " at 2026-11-23 10:00:00"
				if err != nil || s.Enabled || s.DisabledReason != want || s.LastStatus != 410 {
					t.Errorf("subscription: enabled %v, reason %q (want %q), last %d, %v", s.Enabled, s.DisabledReason, want, s.LastStatus, err)
				}
				if _, err := h.d.Fire(context.Background(), "client.created", testPayload(), ""); !errors.Is(err, ErrNoSubscribers) {
					t.Errorf("Fire after 410 = %v, want ErrNoSubscribers", err)
				}
			},
		},
		{
			name: "timeout is retried",
			answer: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					<-r.Context().Done() // until the sender gives up
					return
				}
				w.WriteHeader(http.StatusNoContent)
			},
			edit: func(s *Subscription) {
				s.Timeout = time.Second
				s.Retry = RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{0}}
			},
			run: func(t *testing.T, h *harness, c *clock, sub Subscription, rc *receiver, id string) {
				d := h.waitDelivery(id, outcomeIs(OutcomeSucceeded))
				as := h.attempts(id)
				if d.Attempts != 2 || len(as) != 2 || as[0].Class != replay.ClassTimeout || as[0].Status != 0 ||
					!strings.Contains(as[0].Err, "within 1s") || as[0].NextAt.IsZero() || as[1].Status != 204 {
					t.Errorf("delivery %+v, attempts %+v", d, as)
				}
				if as[0].Latency < time.Second {
					t.Errorf("timed-out attempt latency %v", as[0].Latency)
				}
			},
		},
		{
			name: "3xx is a failure and is not followed",
			answer: func(n int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/moved" {
					w.WriteHeader(http.StatusOK)
					return
				}
				http.Redirect(w, r, "/moved", http.StatusFound)
			},
			run: func(t *testing.T, h *harness, c *clock, sub Subscription, rc *receiver, id string) {
				d := h.waitDelivery(id, outcomeIs(OutcomeFailed))
				as := h.attempts(id)
				if d.LastStatus != 302 || len(as) != 1 || as[0].Headers.Get("Location") != "/moved" ||
					!strings.Contains(as[0].Err, "302 Found to /moved; redirects are not followed") {
					t.Errorf("delivery %+v, attempts %+v", d, as)
				}
				for _, hit := range rc.Hits() {
					if hit.uri == "/moved" {
						t.Error("the redirect was followed")
					}
				}
			},
		},
		{
			name:   "schedule exhausted: failed",
			answer: statuses(500),
			edit:   func(s *Subscription) { s.Retry = RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{0, 0}} },
			run: func(t *testing.T, h *harness, c *clock, sub Subscription, rc *receiver, id string) {
				d := h.waitDelivery(id, outcomeIs(OutcomeFailed))
				as := h.attempts(id)
				if d.Attempts != 3 || len(as) != 3 || len(rc.Hits()) != 3 || as[2].NextAt.IsZero() == false || as[1].NextAt.IsZero() {
					t.Errorf("delivery %+v, attempts %+v", d, as)
				}
			},
		},
		{
			name:   "time compression: 5 min at 300 comes due in 1 s",
			answer: statuses(503, 200),
			edit: func(s *Subscription) {
				s.Retry = RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{5 * time.Minute}, Jitter: -1, Compress: 300}
			},
			fake: true,
			run: func(t *testing.T, h *harness, c *clock, sub Subscription, rc *receiver, id string) {
				d := h.waitDelivery(id, outcomeIs(OutcomeRetrying))
				if got := d.NextAt.Sub(t0); got != time.Second {
					t.Errorf("next attempt in %v, want 1s", got)
				}
				c.Add(time.Second)
				h.d.Kick()
				h.waitDelivery(id, outcomeIs(OutcomeSucceeded))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.answer)
			st := openStore(t)
			var c *clock
			var now func() time.Time
			if tt.fake {
				c = newClock(t0)
				now = c.Now
			}
			s := testSub(rc.URL + "/hook")
			if tt.edit != nil {
				tt.edit(&s)
			}
			s = saveSub(t, st, s)
			h := newHarness(t, st, now)
			h.start()
			ds := h.fire("")
			if len(ds) != 1 || !strings.HasPrefix(ds[0].ID, "msg_") || ds[0].Outcome != OutcomePending {
				t.Fatalf("Fire = %+v", ds)
			}
			tt.run(t, h, c, s, rc, ds[0].ID)
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		compress   float64
		want       time.Duration
	}{
		{"429 seconds", 429, "2", 0, 2 * time.Second},
		{"429 compressed", 429, "2", 10, 200 * time.Millisecond},
		{"503 HTTP-date", 503, t0.Add(30 * time.Second).Format(http.TimeFormat), 0, 30 * time.Second},
		{"502 clamped up to 1 s", 502, "0", 0, time.Second},
		{"504 clamped down to 1 h", 504, "7200", 0, time.Hour},
		{"500 ignores Retry-After", 500, "2", 0, time.Minute},
		{"429 unreadable: schedule", 429, "soon", 0, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", tt.retryAfter)
				w.WriteHeader(tt.status)
			})
			st := openStore(t)
			s := testSub(rc.URL)
			s.Retry = RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{time.Minute, time.Minute}, Compress: tt.compress}
			if tt.want == time.Minute {
				s.Retry.Jitter = -1 // the schedule's delay, exactly
			} // else the default jitter stays on: it must not apply to Retry-After
			saveSub(t, st, s)
			h := newHarness(t, st, newClock(t0).Now)
			h.start()
			id := h.fire("")[0].ID
			d := h.waitDelivery(id, outcomeIs(OutcomeRetrying))
			if got := d.NextAt.Sub(t0); got != tt.want {
				t.Errorf("next attempt after %v, want %v", got, tt.want)
			}
			if as := h.attempts(id); len(as) != 1 || !as[0].NextAt.Equal(d.NextAt) || as[0].Headers.Get("Retry-After") != tt.retryAfter {
				t.Errorf("attempts %+v", as)
			}
		})
	}
}

func TestConnectionFailureRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	st := openStore(t)
	s := testSub("http://" + addr + "/hook")
	s.Retry = RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{0}}
	s = saveSub(t, st, s)
	h := newHarness(t, st, nil)
	h.start()
	id := h.fire("")[0].ID
	d := h.waitDelivery(id, outcomeIs(OutcomeFailed))
	as := h.attempts(id)
	if d.Attempts != 2 || d.LastClass != replay.ClassRefused || len(as) != 2 || as[0].Class != replay.ClassRefused || as[0].NextAt.IsZero() {
		t.Errorf("delivery %+v, attempts %+v", d, as)
	}
	sub, err := h.st.Subscription(context.Background(), s.ID)
	if err != nil || sub.LastStatus != 0 || !strings.Contains(sub.LastError, "connection refused") {
		t.Errorf("subscription last: %d %q, %v", sub.LastStatus, sub.LastError, err)
	}
}

// TestPendingRetriesSurviveRestart stops a Dispatcher mid-schedule and
// opens a new Store and Dispatcher on the same directory: the retry is made.
func TestPendingRetriesSurviveRestart(t *testing.T) {
	rc := newReceiver(t, statuses(500, 200))
	dir := t.TempDir()
	db1 := openDB(t, dir)
	st1, err := NewStore(context.Background(), db1, StoreConfig{Now: newClock(t0).Now})
	if err != nil {
		t.Fatal(err)
	}
	s := testSub(rc.URL)
	s.Retry = RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{time.Hour}, Jitter: -1}
	saveSub(t, st1, s)
	h1 := newHarness(t, st1, newClock(t0).Now)
	h1.start()
	id := h1.fire("")[0].ID
	d := h1.waitDelivery(id, outcomeIs(OutcomeRetrying))
	if !d.NextAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("NextAt = %v", d.NextAt)
	}
	h1.stop()
	if err := db1.Close(); err != nil {
		t.Fatal(err)
	}

	// "Reopen the app" an hour later.
	st2, err := NewStore(context.Background(), openDB(t, dir), StoreConfig{Now: newClock(t0).Now})
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, st2, newClock(t0.Add(time.Hour)).Now)
	h2.start()
	d = h2.waitDelivery(id, outcomeIs(OutcomeSucceeded))
	as := h2.attempts(id)
	if d.Attempts != 2 || len(as) != 2 || !as[1].At.Equal(t0.Add(time.Hour)) || len(rc.Hits()) != 2 {
		t.Errorf("delivery %+v, attempts %+v", d, as)
	}
}

func TestFire(t *testing.T) {
	rc := newReceiver(t, statuses(204))
	st := openStore(t)
	a := testSub(rc.URL + "/a")
	a.Name = "A"
	a = saveSub(t, st, a)
	b := testSub(rc.URL + "/b")
	b.Name, b.Events = "B", []string{"client.created", "sale.created"}
	b = saveSub(t, st, b)
	off := testSub(rc.URL + "/off")
	off.Name, off.Enabled = "Off", false
	off = saveSub(t, st, off)
	other := testSub(rc.URL + "/other")
	other.Name, other.Events = "Other", []string{"quote.created"}
	other = saveSub(t, st, other)
	h := newHarness(t, st, nil)
	ctx := context.Background()

	tests := []struct {
		name  string
		event string
		only  string
		want  []string // subscription names
		err   error
	}{
		{"every enabled subscriber", "client.created", "", []string{"A", "B"}, nil},
		{"only subscriber", "sale.created", "", []string{"B"}, nil},
		{"no subscriber", "prospect.created", "", nil, ErrNoSubscribers},
		{"test send to one, any event", "prospect.created", other.ID, []string{"Other"}, nil},
		{"test send to a disabled one", "client.created", off.ID, nil, ErrNoSubscribers},
		{"test send to an unknown one", "client.created", "sub_nope", nil, ErrNotFound},
		{"no event", "", "", nil, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := h.d.Fire(ctx, tt.event, testPayload(), tt.only)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("Fire = %v, want %v", err, tt.err)
			}
			var names []string
			for _, d := range ds {
				names = append(names, d.SubscriptionName)
				stored, err := st.Delivery(ctx, d.ID)
				if err != nil || stored.Outcome != OutcomePending || stored.Event != tt.event || !stored.NextAt.Equal(stored.CreatedAt) {
					t.Errorf("stored %+v, %v", stored, err)
				}
				if p, err := events.ParseJSON(stored.Payload); err != nil || p.Type() != "client.created" {
					t.Errorf("stored payload %s", stored.Payload)
				}
			}
			if strings.Join(names, ",") != strings.Join(tt.want, ",") {
				t.Errorf("delivered to %v, want %v", names, tt.want)
			}
		})
	}
	// Fired while no Run was active: they all go out once one starts.
	h.start()
	pending, err := st.Deliveries(ctx, DeliveryQuery{})
	if err != nil || len(pending) != 4 {
		t.Fatalf("deliveries %d, %v", len(pending), err)
	}
	for _, d := range pending {
		h.waitDelivery(d.ID, outcomeIs(OutcomeSucceeded))
	}
}

func TestDisabledSubscriptionStopsDeliveries(t *testing.T) {
	rc := newReceiver(t, statuses(500))
	st := openStore(t)
	s := testSub(rc.URL)
	s.Retry = RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{time.Hour}, Jitter: -1}
	s = saveSub(t, st, s)
	ctx := context.Background()

	t.Run("SetEnabled fails pending deliveries", func(t *testing.T) {
		h := newHarness(t, st, nil)
		ds := h.fire("")
		if err := st.SetEnabled(ctx, s.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		d, _ := st.Delivery(ctx, ds[0].ID)
		if d.Outcome != OutcomeFailed || d.LastError != "subscription disabled" || !d.NextAt.IsZero() {
			t.Errorf("delivery %+v", d)
		}
		if err := h.d.RetryNow(ctx, ds[0].ID); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "enable it first") {
			t.Errorf("RetryNow on a disabled subscription = %v", err)
		}
		if err := st.SetEnabled(ctx, s.ID, true, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("disabled behind the Dispatcher's back", func(t *testing.T) {
		h := newHarness(t, st, nil)
		ds := h.fire("")
		if _, err := st.db.Write.Exec(`UPDATE relay_subscriptions SET enabled = 0, disabled_reason = 'by hand'`); err != nil {
			t.Fatal(err)
		}
		h.start()
		d := h.waitDelivery(ds[0].ID, outcomeIs(OutcomeFailed))
		if d.LastError != "subscription disabled: by hand" || d.Attempts != 0 || len(h.attempts(d.ID)) != 0 {
			t.Errorf("delivery %+v", d)
		}
	})
	if n := len(rc.Hits()); n != 0 {
		t.Errorf("receiver got %d requests from a disabled subscription", n)
	}
}

func TestRetryNow(t *testing.T) {
	rc := newReceiver(t, statuses(500, 500, 200))
	st := openStore(t)
	s := testSub(rc.URL) // no retries
	saveSub(t, st, s)
	h := newHarness(t, st, nil)
	h.start()
	id := h.fire("")[0].ID
	h.waitDelivery(id, outcomeIs(OutcomeFailed))
	ctx := context.Background()
	for i, want := range []Outcome{OutcomeFailed, OutcomeSucceeded} {
		if err := h.d.RetryNow(ctx, id); err != nil {
			t.Fatal(err)
		}
		d := h.waitDelivery(id, attemptsAre(i+2))
		d = h.waitDelivery(id, func(d Delivery) bool { return d.Outcome != OutcomeRetrying })
		if d.Outcome != want || d.Attempts != i+2 {
			t.Errorf("after RetryNow %d: %+v", i+1, d)
		}
	}
	if err := h.d.RetryNow(ctx, "msg_nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RetryNow(unknown) = %v", err)
	}
}

func TestDeliver(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Answer", "42")
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(strings.Repeat("x", 10000)))
	})
	s := testSub(rc.URL + "/in")
	a, req, err := Deliver(context.Background(), nil, s, "msg_cli", "client.created", testPayload(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !a.Succeeded() || a.N != 1 || a.Status != 202 || a.Headers.Get("X-Answer") != "42" || len(a.Body) != MaxBodyExcerpt ||
		a.BodySize != 10000 || a.URL != rc.URL+"/in" || a.Err != "" || !a.NextAt.IsZero() || req.Method != "POST" {
		t.Errorf("attempt %+v", a)
	}
	if _, _, err := Deliver(context.Background(), nil, testSub("nope"), "msg_cli", "client.created", testPayload(), time.Now()); !errors.Is(err, ErrInvalid) {
		t.Errorf("Deliver to a bad URL = %v", err)
	}
}

func TestRunLeavesNoGoroutines(t *testing.T) {
	rc := newReceiver(t, statuses(204))
	st := openStore(t)
	for i := range 5 {
		s := testSub(rc.URL)
		s.Name = "S" + string(rune('0'+i))
		saveSub(t, st, s)
	}
	defer leaktest.VerifyNone(t, goleak.IgnoreCurrent())
	d := &Dispatcher{Store: st} // its own replay.Sender, closed by Run
	changes := make(chan string, 1024)
	d.OnChange = func(id string) { changes <- id }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	ds, err := d.Fire(ctx, "client.created", testPayload(), "")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 * len(ds) { // fired, then attempted
		<-changes
	}
	if err := d.Run(ctx); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second Run = %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, dl := range ds {
		got, _ := st.Delivery(context.Background(), dl.ID)
		if got.Outcome != OutcomeSucceeded {
			t.Errorf("delivery %+v", got)
		}
	}
}

// TestStopMidAttempt stops Run while an attempt hangs: Run returns at once,
// nothing is recorded, and the delivery is still due for the next Run.
func TestStopMidAttempt(t *testing.T) {
	started := make(chan struct{}, 1)
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			started <- struct{}{}
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	st := openStore(t)
	saveSub(t, st, testSub(rc.URL))
	h := newHarness(t, st, nil)
	h.start()
	id := h.fire("")[0].ID
	<-started
	h.stop()
	d, _ := st.Delivery(context.Background(), id)
	if d.Outcome != OutcomePending || d.Attempts != 0 || d.NextAt.IsZero() {
		t.Errorf("after stopping mid-attempt: %+v", d)
	}
	h2 := newHarness(t, st, nil)
	h2.start()
	if d := h2.waitDelivery(id, outcomeIs(OutcomeSucceeded)); d.Attempts != 1 {
		t.Errorf("delivery %+v", d)
	}
}
