package tunnel_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/leaktest"
	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/tunnel/tunneltest"
	"go.uber.org/goleak"
)

// blockingOpener reports tunnel.Connecting and waits for its context, like an
// ngrok connect that never completes.
type blockingOpener struct{ started chan struct{} }

func (b *blockingOpener) Open(ctx context.Context, report func(tunnel.Status)) (tunnel.Listener, error) {
	report(tunnel.Status{State: tunnel.Connecting, At: time.Now()})
	close(b.started)
	<-ctx.Done()
	report(tunnel.Status{State: tunnel.Stopped, At: time.Now()})
	return nil, ctx.Err()
}

func TestSwitch(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"on serves, off stops", func(t *testing.T) {
			defer leaktest.VerifyNone(t, goleak.IgnoreCurrent())
			var opens atomic.Int32
			lb := &tunneltest.Loopback{}
			served := make(chan net.Listener, 1)
			sw := tunnel.NewSwitch(func() tunnel.Opener { opens.Add(1); return lb }, func(ln net.Listener) { served <- ln })
			rec := tunneltest.NewRecorder()
			stop := sw.Watch(rec.Report)
			defer stop()
			rec.WaitStates(t, tunnel.Stopped)

			sw.On()
			sw.On() // already on: no second endpoint
			rec.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Online)
			ln := <-served
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ln) }()
			st := sw.Status()
			if st.State != tunnel.Online || st.URL == "" {
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
			rec.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
			_ = srv.Close()
		}},
		{"failure, then a fresh opener", func(t *testing.T) {
			var opens atomic.Int32
			sw := tunnel.NewSwitch(func() tunnel.Opener {
				if opens.Add(1) == 1 {
					return &tunneltest.Loopback{Fail: tunnel.ErrNoAuthtoken}
				}
				return &tunneltest.Loopback{}
			}, func(net.Listener) {})
			rec := tunneltest.NewRecorder()
			defer sw.Watch(rec.Report)()
			sw.On()
			got := rec.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Failed)
			if got[2].Reason != tunnel.ErrNoAuthtoken.Error() || sw.Status().Reason != tunnel.ErrNoAuthtoken.Error() {
				t.Errorf("tunnel.Failed reason = %q", got[2].Reason)
			}
			sw.On() // tunnel.Failed turned the switch off, so this retries
			rec.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Failed, tunnel.Connecting, tunnel.Online)
			sw.Off()
			rec.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Failed, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
		}},
		{"off while connecting", func(t *testing.T) {
			bo := &blockingOpener{started: make(chan struct{})}
			sw := tunnel.NewSwitch(func() tunnel.Opener { return bo }, func(net.Listener) { t.Error("served a listener") })
			rec := tunneltest.NewRecorder()
			defer sw.Watch(rec.Report)()
			sw.On()
			<-bo.started
			sw.Off()
			rec.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Stopped)
		}},
		{"stopped by its server turns it off", func(t *testing.T) {
			sw := tunnel.NewSwitch(func() tunnel.Opener { return &tunneltest.Loopback{} }, func(ln net.Listener) { _ = ln.Close() })
			rec := tunneltest.NewRecorder()
			defer sw.Watch(rec.Report)()
			sw.On()
			rec.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
			sw.On()
			rec.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Online, tunnel.Stopped, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
		}},
		{"cancelled watcher hears nothing more", func(t *testing.T) {
			sw := tunnel.NewSwitch(func() tunnel.Opener { return &tunneltest.Loopback{} }, func(net.Listener) {})
			gone, kept := tunneltest.NewRecorder(), tunneltest.NewRecorder()
			sw.Watch(gone.Report)()
			defer sw.Watch(kept.Report)()
			sw.On()
			kept.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Online)
			sw.Off()
			kept.WaitStates(t, tunnel.Stopped, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
			gone.WaitStates(t, tunnel.Stopped)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}
