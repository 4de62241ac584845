package load

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/verify"
)

func TestRateAccuracy(t *testing.T) {
	// A loose bound on a shared machine; the benchmark measures the figure.
	rc := newReceiver(t)
	r, err := New(Config{Target: rc.srv.URL, Rate: 500, Duration: time.Second, Source: eventsSource(t)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(rep.Sent)-500)/500 > 0.15 {
		t.Errorf("sent %d in 1 s at 500/s, want 500 ± 15%%", rep.Sent)
	}
	if math.Abs(rep.AchievedRate-500)/500 > 0.15 {
		t.Errorf("achieved rate %.1f, want 500 ± 15%%", rep.AchievedRate)
	}
	if got := len(rc.received()); int64(got) != rep.Answered || rep.Errors != 0 {
		t.Errorf("receiver got %d, report says answered %d, errors %d (%v)", got, rep.Answered, rep.Errors, rep.FirstErrors)
	}
	if rep.Stopped != StoppedDuration || rep.Status["204"] != rep.Answered {
		t.Errorf("stopped %q, status %v", rep.Stopped, rep.Status)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name              string
		faults            Faults
		wantDup, wantLate float64 // shares of the sends
	}{
		{"none", Faults{}, 0, 0},
		{"duplicates 20%", Faults{Duplicates: 20}, 0.20, 0},
		{"out of order 10%", Faults{OutOfOrder: 10}, 0, 0.10},
		{"both", Faults{Duplicates: 10, OutOfOrder: 10, Window: 3}, 0.10, 0.09},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t)
			// One worker: the receiver sees the run's order exactly.
			r, err := New(Config{Target: rc.srv.URL, Concurrency: 1, Count: 1000, Source: eventsSource(t, "client.created"), Faults: tc.faults, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := r.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ids := rc.received()
			if len(ids) != 1000 || rep.Sent != 1000 || rep.Stopped != StoppedCount {
				t.Fatalf("receiver got %d, sent %d, stopped %q; want 1000 by count", len(ids), rep.Sent, rep.Stopped)
			}
			dups, late := repeats(ids), overtaken(ids)
			if int64(dups) != rep.DuplicatesSent {
				t.Errorf("receiver saw %d repeated webhook-ids, report says %d duplicates", dups, rep.DuplicatesSent)
			}
			if share := float64(dups) / 1000; math.Abs(share-tc.wantDup) > 0.03 {
				t.Errorf("duplicates are %.1f%% of deliveries, want %.0f%% ± 3", share*100, tc.wantDup*100)
			}
			if int64(late) != rep.OutOfOrderSent {
				t.Errorf("receiver saw %d deliveries overtaken, report says %d out of order", late, rep.OutOfOrderSent)
			}
			if share := float64(late) / 1000; math.Abs(share-tc.wantLate) > 0.03 {
				t.Errorf("out of order are %.1f%% of deliveries, want %.0f%% ± 3", share*100, tc.wantLate*100)
			}
		})
	}
}

func TestBurstsOnTopOfTheRate(t *testing.T) {
	clk := newFakeClock()
	s := &instant{}
	r, err := New(Config{Target: "http://127.0.0.1:1/", Rate: 10, Duration: 5 * time.Second, Source: eventsSource(t),
		Faults: Faults{BurstSize: 20, BurstEvery: 2 * time.Second}, Clock: clk, Sender: s})
	if err != nil {
		t.Fatal(err)
	}
	rep := drive(t, r, clk)
	var perSecond []int64
	for _, p := range rep.Timeline {
		perSecond = append(perSecond, p.Sent)
	}
	want := []int64{10, 10, 30, 10, 30}
	if !slices.Equal(perSecond, want) || rep.BurstSent != 40 || rep.Sent != 90 {
		t.Errorf("sent per second %v (bursts %d, total %d), want %v (40, 90)", perSecond, rep.BurstSent, rep.Sent, want)
	}
	if rep.AchievedRate <= 10 {
		t.Errorf("achieved rate %.1f should count the bursts", rep.AchievedRate)
	}
}

func TestStops(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		sent     int64
		stopped  string
		progress float64
	}{
		{"count", Config{Rate: 100, Count: 37}, 37, StoppedCount, 1},
		{"duration", Config{Rate: 100, Duration: 2 * time.Second}, 200, StoppedDuration, 1},
		{"count before duration", Config{Rate: 100, Count: 50, Duration: 2 * time.Second}, 50, StoppedCount, 1},
		{"closed by count", Config{Concurrency: 4, Count: 25}, 25, StoppedCount, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			cfg := tc.cfg
			cfg.Target, cfg.Source, cfg.Clock, cfg.Sender = "http://127.0.0.1:1/", eventsSource(t), clk, &instant{}
			r, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rep := drive(t, r, clk)
			if rep.Sent != tc.sent || rep.Stopped != tc.stopped || rep.Answered != tc.sent {
				t.Errorf("sent %d answered %d stopped %q, want %d %q", rep.Sent, rep.Answered, rep.Stopped, tc.sent, tc.stopped)
			}
			if sn := r.Snapshot(); sn.Progress != tc.progress || !sn.Done {
				t.Errorf("final snapshot progress %v done %v", sn.Progress, sn.Done)
			}
		})
	}
}

func TestInFlightCap(t *testing.T) {
	clk := newFakeClock()
	s := &instant{block: make(chan struct{})}
	r, err := New(Config{Target: "http://127.0.0.1:1/", Rate: 100, Count: 50, MaxInFlight: 10, Source: eventsSource(t), Clock: clk, Sender: s})
	if err != nil {
		t.Fatal(err)
	}
	// The answers come only once all 50 were due: 10 in flight, 40 not
	// sent. The schedule takes its in-flight place before it arms the
	// timer of the next request, so the count is settled at each timer.
	go func() {
		released := false
		for range clk.armed {
			if sn := r.Snapshot(); int64(sn.InFlight)+sn.NotSent >= 50 && !released {
				close(s.block)
				released = true
			}
			clk.fireNext()
		}
	}()
	rep, err := r.Run(context.Background())
	close(clk.armed)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 10 || rep.NotSent != 40 || rep.Answered != 10 {
		t.Errorf("sent %d, not sent %d, answered %d; want 10, 40, 10", rep.Sent, rep.NotSent, rep.Answered)
	}
	if txt := rep.Text(i18n.New(i18n.English)); !strings.Contains(txt, "40 (too many in flight)") {
		t.Errorf("the text report does not say why 40 were not sent:\n%s", txt)
	}
}

func TestLatencyFromTheDueTime(t *testing.T) {
	// One request due at t0 that the sender holds for 3 s of the run's
	// clock: latency counts from when it was due.
	clk := newFakeClock()
	s := &stallSender{clk: clk, stall: 3 * time.Second}
	r, err := New(Config{Target: "http://127.0.0.1:1/", Rate: 1, Count: 2, Source: eventsSource(t), Clock: clk, Sender: s})
	if err != nil {
		t.Fatal(err)
	}
	rep := drive(t, r, clk)
	if rep.Max < 3000 || rep.ServiceMax < 3000 {
		t.Errorf("max latency %v ms, service %v ms; want ≥ 3000", rep.Max, rep.ServiceMax)
	}
}

// stallSender moves the fake clock forward by stall during each send, as
// a slow receiver would take that long.
type stallSender struct {
	clk   *fakeClock
	stall time.Duration
}

func (s *stallSender) Send(context.Context, replayRequest, replayOptions) replayResult {
	s.clk.mu.Lock()
	s.clk.now = s.clk.now.Add(s.stall)
	s.clk.mu.Unlock()
	return replayResult{Status: 200}
}

func TestCancelMidRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	rc := newReceiver(t)
	release := make(chan struct{})
	var got atomic.Int64
	seen := make(chan struct{})
	rc.hold = func(r *http.Request) {
		if got.Add(1) == 20 {
			close(seen)
		}
		select { // the receiver is stuck: only the run's cancel frees it
		case <-release:
		case <-r.Context().Done():
		}
	}
	r, err := New(Config{Target: rc.srv.URL, Rate: 200, Source: eventsSource(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	type out struct {
		rep Report
		err error
	}
	done := make(chan out, 1)
	go func() {
		rep, err := r.Run(ctx)
		done <- out{rep, err}
	}()
	<-seen
	cancel()
	var o out
	select {
	case o = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5 s of the cancel")
	}
	close(release)
	rc.srv.Close()
	if o.err != nil {
		t.Fatal(o.err)
	}
	if o.rep.Stopped != StoppedCanceled || o.rep.Sent < 20 || o.rep.Canceled < 20 || o.rep.Errors != 0 {
		t.Errorf("stopped %q, sent %d, canceled %d, errors %d", o.rep.Stopped, o.rep.Sent, o.rep.Canceled, o.rep.Errors)
	}
}

func TestReceiverDown(t *testing.T) {
	rc := newReceiver(t)
	url := rc.srv.URL
	rc.srv.Close()
	r, err := New(Config{Target: url, Concurrency: 2, Count: 10, Source: eventsSource(t)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 10 || rep.ErrorsByClass["refused"] != 10 || !strings.Contains(rep.FirstErrors["refused"], "start the receiver") {
		t.Errorf("errors %d %v %v", rep.Errors, rep.ErrorsByClass, rep.FirstErrors)
	}
}

func TestSigning(t *testing.T) {
	spec, err := verify.Parse("standard:" + verify.NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	sub := outbound.NewSubscription()
	sub.Signing, sub.Secret = outbound.SignStripe, "sk_test"
	cap := &capture.Request{ID: "c1", Method: "POST", Target: "/hooks", Body: []byte(`{"a":1}`),
		Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}}
	caps, err := Captures([]*capture.Request{cap})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		src     Source
		signing Signing
		cfg     verify.Config
	}{
		{"events, spec", eventsSource(t), Signing{Spec: &spec}, spec},
		{"events, subscription", eventsSource(t), Signing{Subscription: &sub}, verify.Config{Scheme: "stripe", Secret: "sk_test"}},
		{"captures, spec", caps, Signing{Spec: &spec}, spec},
		{"captures, subscription", caps, Signing{Subscription: &sub}, verify.Config{Scheme: "stripe", Secret: "sk_test"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := verify.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			rc := newReceiver(t)
			var bad atomic.Int64
			rc.check = func(r *http.Request, body []byte) {
				var h capture.Headers
				for k, vs := range r.Header {
					for _, x := range vs {
						h = append(h, capture.Header{Name: k, Value: x})
					}
				}
				if res := v.Verify(h, body, time.Now()); !res.OK || r.Header.Get("webhook-id") == "" {
					bad.Add(1)
				}
			}
			r, err := New(Config{Target: rc.srv.URL, Concurrency: 2, Count: 20, Source: tc.src, Signing: tc.signing, Faults: Faults{Duplicates: 20}})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := r.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Answered != 20 || bad.Load() != 0 {
				t.Errorf("answered %d, %d failed verification or had no webhook-id", rep.Answered, bad.Load())
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	src := eventsSource(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no model", Config{Target: "http://h/", Source: src}, "give a rate"},
		{"both models", Config{Target: "http://h/", Source: src, Rate: 1, Concurrency: 1}, "not both"},
		{"no source", Config{Target: "http://h/", Rate: 1}, "nothing to send"},
		{"bad target", Config{Target: "ftp://h/", Source: src, Rate: 1}, "http://"},
		{"half a burst", Config{Target: "http://h/", Source: src, Rate: 1, Faults: Faults{BurstSize: 5}}, "a burst needs"},
		{"duplicates over 100", Config{Target: "http://h/", Source: src, Rate: 1, Faults: Faults{Duplicates: 101}}, "percentage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want ErrConfig saying %q", err, tc.want)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	clk := newFakeClock()
	r, err := New(Config{Target: "http://127.0.0.1:1/", Rate: 50, Count: 10, Source: eventsSource(t), Clock: clk, Sender: &instant{}})
	if err != nil {
		t.Fatal(err)
	}
	rep := drive(t, r, clk)
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"sent", "answered", "errors", "rate", "achieved_rate", "p50", "p90", "p99", "max", "status", "duplicates_sent", "not_sent"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON report has no %q: %s", k, b)
		}
	}
	if m["sent"] != 10.0 || m["achieved_rate"] != 50.0 {
		t.Errorf("sent %v, achieved_rate %v; want 10 and 50", m["sent"], m["achieved_rate"])
	}
}

func TestJourneySource(t *testing.T) {
	j := events.Journeys()[0]
	src, err := Journey(j.Name, 3)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// Two rounds: the journey's events in order, each round about its own entity.
	var got []string
	for range 2 * len(j.Steps) {
		m, err := src.Next(at)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Event)
	}
	for i, st := range j.Steps {
		if got[i] != st.Event || got[len(j.Steps)+i] != st.Event {
			t.Fatalf("events %v, want the journey's steps twice", got)
		}
	}
	if _, err := Journey("no-such-journey", 1); !errors.Is(err, events.ErrUnknown) {
		t.Errorf("unknown journey: %v", err)
	}
}
