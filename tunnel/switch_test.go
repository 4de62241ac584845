package tunnel

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// blockingOpener reports Connecting and waits for its context, like an
// ngrok connect that never completes.
type blockingOpener struct{ started chan struct{} }

func (b *blockingOpener) Open(ctx context.Context, report func(Status)) (Listener, error) {
	report(Status{State: Connecting, At: time.Now()})
	close(b.started)
	<-ctx.Done()
	report(Status{State: Stopped, At: time.Now()})
	return nil, ctx.Err()
}

func TestSwitch(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"on serves, off stops", func(t *testing.T) {
			base := runtime.NumGoroutine()
			var opens atomic.Int32
			lb := &Loopback{}
			served := make(chan net.Listener, 1)
			sw := NewSwitch(func() Opener { opens.Add(1); return lb }, func(ln net.Listener) { served <- ln })
			rec := newRecorder()
			stop := sw.Watch(rec.report)
			defer stop()
			rec.waitStates(t, Stopped)

			sw.On()
			sw.On() // already on: no second endpoint
			rec.waitStates(t, Stopped, Connecting, Online)
			ln := <-served
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ln) }()
			st := sw.Status()
			if st.State != Online || st.URL == "" {
				t.Fatalf("Status() = %+v", st)
			}
			resp, err := http.Get(st.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if string(body) != "ok" {
				t.Errorf("body = %q", body)
			}
			if n := opens.Load(); n != 1 {
				t.Errorf("opened %d times, want 1", n)
			}

			sw.Off()
			sw.Off()
			// Wait returns once the endpoint is closed: Serve has ended.
			if err := sw.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Serve() = %v, want net.ErrClosed", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Serve still running after Wait")
			}
			rec.waitStates(t, Stopped, Connecting, Online, Stopped)
			_ = srv.Close()
			waitGoroutines(t, base)
		}},
		{"failure, then a fresh opener", func(t *testing.T) {
			var opens atomic.Int32
			sw := NewSwitch(func() Opener {
				if opens.Add(1) == 1 {
					return &Loopback{Fail: ErrNoAuthtoken}
				}
				return &Loopback{}
			}, func(net.Listener) {})
			rec := newRecorder()
			defer sw.Watch(rec.report)()
			sw.On()
			got := rec.waitStates(t, Stopped, Connecting, Failed)
			if got[2].Reason != ErrNoAuthtoken.Error() || sw.Status().Reason != ErrNoAuthtoken.Error() {
				t.Errorf("Failed reason = %q", got[2].Reason)
			}
			sw.On() // Failed turned the switch off, so this retries
			rec.waitStates(t, Stopped, Connecting, Failed, Connecting, Online)
			sw.Off()
			rec.waitStates(t, Stopped, Connecting, Failed, Connecting, Online, Stopped)
		}},
		{"off while connecting", func(t *testing.T) {
			bo := &blockingOpener{started: make(chan struct{})}
			sw := NewSwitch(func() Opener { return bo }, func(net.Listener) { t.Error("served a listener") })
			rec := newRecorder()
			defer sw.Watch(rec.report)()
			sw.On()
			<-bo.started
			sw.Off()
			rec.waitStates(t, Stopped, Connecting, Stopped)
		}},
		{"stopped by its server turns it off", func(t *testing.T) {
			sw := NewSwitch(func() Opener { return &Loopback{} }, func(ln net.Listener) { _ = ln.Close() })
			rec := newRecorder()
			defer sw.Watch(rec.report)()
			sw.On()
			rec.waitStates(t, Stopped, Connecting, Online, Stopped)
			sw.On()
			rec.waitStates(t, Stopped, Connecting, Online, Stopped, Connecting, Online, Stopped)
		}},
		{"cancelled watcher hears nothing more", func(t *testing.T) {
			sw := NewSwitch(func() Opener { return &Loopback{} }, func(net.Listener) {})
			gone, kept := newRecorder(), newRecorder()
			sw.Watch(gone.report)()
			defer sw.Watch(kept.report)()
			sw.On()
			kept.waitStates(t, Stopped, Connecting, Online)
			sw.Off()
			kept.waitStates(t, Stopped, Connecting, Online, Stopped)
			gone.waitStates(t, Stopped)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}
