// Package tunneltest checks that a tunnel.Opener keeps the promises of its
// doc comment, and holds the test fakes every Opener's tests share: Loopback
// (an Opener on 127.0.0.1) and Recorder (collects reported statuses).
//
// Run is the contract suite; call it from the tests of each implementation
// (ngrok through its fake ingress, Loopback, the relay endpoint). It never
// imports Fyne.
package tunneltest

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/leaktest"
	"github.com/gancho-app/gancho/tunnel"
	"go.uber.org/goleak"
)

// Harness builds the Openers the contract suite runs. Each func is called
// once per subtest, inside it, so servers it starts can use t.Cleanup.
type Harness struct {
	// Online returns an Opener whose Open comes online.
	Online func(t *testing.T) tunnel.Opener
	// Failing returns an Opener whose Open fails with a reason (a refused
	// token, a rejected bind). Nil skips the failure subtest.
	Failing func(t *testing.T) tunnel.Opener
	// Pending returns an Opener whose Open stays pending until its context
	// ends, and a channel that receives once the Open is under way. Nil
	// skips the mid-open cancellation subtest.
	Pending func(t *testing.T) (tunnel.Opener, <-chan struct{})
	// Leaks are extra goleak options for goroutines the implementation
	// owns beyond one Open (none today).
	Leaks []goleak.Option
}

// Timeout bounds every wait in the suite: Open, Close and state reports.
// It is a deadline for hangs, not a speed target.
const Timeout = 10 * time.Second

// Run runs the contract of tunnel.Opener against h, one subtest per promise.
func Run(t *testing.T, h Harness) {
	t.Helper()
	t.Run("online then stopped after close", func(t *testing.T) {
		o := h.Online(t)
		defer leaktest.VerifyNone(t, append(h.Leaks, goleak.IgnoreCurrent())...)
		rec := NewRecorder()
		ln := open(t, o, rec.Report)
		if ln.URL() == "" {
			t.Error("URL() is empty once online")
		}
		got := rec.WaitStates(t, tunnel.Connecting, tunnel.Online)
		if got[1].URL != ln.URL() || got[1].At.IsZero() {
			t.Errorf("Online status %+v: want URL %q and a time", got[1], ln.URL())
		}
		closePromptly(t, ln)
		got = rec.WaitStates(t, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
		if got[2].Reason != "" {
			t.Errorf("Stopped after Close has reason %q, want none (the stop was asked for)", got[2].Reason)
		}
	})
	t.Run("close is idempotent and ends accept", func(t *testing.T) {
		o := h.Online(t)
		defer leaktest.VerifyNone(t, append(h.Leaks, goleak.IgnoreCurrent())...)
		rec := NewRecorder()
		ln := open(t, o, rec.Report)
		accepted := make(chan error, 1)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					accepted <- err
					return
				}
				_ = c.Close()
			}
		}()
		closePromptly(t, ln)
		closePromptly(t, ln)
		select {
		case err := <-accepted:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
			}
		case <-time.After(Timeout):
			t.Fatal("Accept still blocked after Close")
		}
		// Exactly one Stopped: a second Close reports nothing.
		rec.WaitStates(t, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
	})
	t.Run("nil report", func(t *testing.T) {
		o := h.Online(t)
		defer leaktest.VerifyNone(t, append(h.Leaks, goleak.IgnoreCurrent())...)
		ln := open(t, o, nil)
		closePromptly(t, ln)
	})
	t.Run("cancelled before open", func(t *testing.T) {
		o := h.Online(t)
		defer leaktest.VerifyNone(t, append(h.Leaks, goleak.IgnoreCurrent())...)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := NewRecorder()
		ln, err := openWithin(t, o, ctx, rec.Report)
		if ln != nil {
			_ = ln.Close()
		}
		if ln != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("Open(cancelled) = %v, %v; want context.Canceled", ln, err)
		}
		checkAbandoned(t, rec)
	})
	if h.Pending != nil {
		t.Run("cancel abandons a pending open", func(t *testing.T) {
			o, started := h.Pending(t)
			defer leaktest.VerifyNone(t, append(h.Leaks, goleak.IgnoreCurrent())...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				select {
				case <-started:
					cancel()
				case <-ctx.Done():
				}
			}()
			rec := NewRecorder()
			ln, err := openWithin(t, o, ctx, rec.Report)
			if ln != nil {
				_ = ln.Close()
			}
			if ln != nil || !errors.Is(err, context.Canceled) {
				t.Fatalf("Open() = %v, %v; want context.Canceled", ln, err)
			}
			checkAbandoned(t, rec)
		})
	}
	if h.Failing != nil {
		t.Run("failed with a reason", func(t *testing.T) {
			o := h.Failing(t)
			defer leaktest.VerifyNone(t, append(h.Leaks, goleak.IgnoreCurrent())...)
			rec := NewRecorder()
			ln, err := openWithin(t, o, context.Background(), rec.Report)
			if ln != nil {
				_ = ln.Close()
			}
			if ln != nil || err == nil {
				t.Fatalf("Open() = %v, %v; want an error", ln, err)
			}
			got := rec.Statuses()
			if len(got) == 0 || got[len(got)-1].State != tunnel.Failed {
				t.Fatalf("states %v, want them to end with failed", StatesOf(got))
			}
			if r := got[len(got)-1].Reason; r == "" || r != err.Error() {
				t.Errorf("Failed reason %q, want the error %q", r, err)
			}
			for _, s := range got[:len(got)-1] {
				if s.State == tunnel.Online {
					t.Errorf("states %v: online before failing", StatesOf(got))
				}
			}
		})
	}
}

// checkAbandoned checks the states of an Open abandoned by its context: if
// any were reported, they end with Stopped and never went online.
func checkAbandoned(t *testing.T, rec *Recorder) {
	t.Helper()
	got := rec.Statuses()
	if len(got) == 0 {
		return
	}
	if got[len(got)-1].State != tunnel.Stopped {
		t.Errorf("states %v, want them to end with stopped", StatesOf(got))
	}
	for _, s := range got {
		if s.State == tunnel.Online || s.State == tunnel.Failed {
			t.Errorf("states %v: a cancelled Open reported %v", StatesOf(got), s.State)
		}
	}
}

// open opens o within Timeout and fails the test on error.
func open(t *testing.T, o tunnel.Opener, report func(tunnel.Status)) tunnel.Listener {
	t.Helper()
	ln, err := openWithin(t, o, context.Background(), report)
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	if ln == nil {
		t.Fatal("Open() returned no Listener and no error")
	}
	return ln
}

// openWithin runs Open and fails the test if it does not return within
// Timeout.
func openWithin(t *testing.T, o tunnel.Opener, ctx context.Context, report func(tunnel.Status)) (tunnel.Listener, error) {
	t.Helper()
	type result struct {
		ln  tunnel.Listener
		err error
	}
	done := make(chan result, 1)
	go func() {
		ln, err := o.Open(ctx, report)
		done <- result{ln, err}
	}()
	select {
	case r := <-done:
		return r.ln, r.err
	case <-time.After(Timeout):
		t.Fatalf("Open did not return within %v", Timeout)
		return nil, nil
	}
}

// closePromptly closes ln and fails the test if Close errs or does not
// return within Timeout.
func closePromptly(t *testing.T, ln tunnel.Listener) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- ln.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close() = %v", err)
		}
	case <-time.After(Timeout):
		t.Fatalf("Close did not return within %v", Timeout)
	}
}

// Recorder collects reported statuses and lets tests wait for them without
// sleeping: every report wakes the waiters. Report is safe for concurrent
// use and never blocks, as tunnel.Opener asks of report funcs.
type Recorder struct {
	mu      sync.Mutex
	got     []tunnel.Status
	changed chan struct{}
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{changed: make(chan struct{})} }

// Report records s; pass it as an Opener's report func.
func (r *Recorder) Report(s tunnel.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, s)
	close(r.changed)
	r.changed = make(chan struct{})
}

// Statuses returns a copy of what was reported so far.
func (r *Recorder) Statuses() []tunnel.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]tunnel.Status(nil), r.got...)
}

// WaitStates waits up to Timeout until the reported states are exactly want,
// and fails the test at once if more were reported.
func (r *Recorder) WaitStates(t testing.TB, want ...tunnel.State) []tunnel.Status {
	t.Helper()
	deadline := time.After(Timeout)
	for {
		r.mu.Lock()
		got, ch := append([]tunnel.Status(nil), r.got...), r.changed
		r.mu.Unlock()
		if sameStates(got, want) {
			return got
		}
		if len(got) > len(want) {
			t.Fatalf("states = %v, want %v", StatesOf(got), want)
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for states %v; have %v", want, StatesOf(got))
		}
	}
}

// StatesOf lists the states of ss.
func StatesOf(ss []tunnel.Status) []tunnel.State {
	out := make([]tunnel.State, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.State)
	}
	return out
}

func sameStates(got []tunnel.Status, want []tunnel.State) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].State != want[i] {
			return false
		}
	}
	return true
}
