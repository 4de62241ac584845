package tunneltest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/tunnel"
)

// Loopback must satisfy the same contract as Ngrok.
var _ tunnel.Opener = (*Loopback)(nil)

// TestLoopbackContract runs the Opener contract against Loopback.
func TestLoopbackContract(t *testing.T) {
	Run(t, Harness{
		Online:  func(*testing.T) tunnel.Opener { return &Loopback{} },
		Failing: func(*testing.T) tunnel.Opener { return &Loopback{Fail: tunnel.ErrRejected} },
		Pending: func(t *testing.T) (tunnel.Opener, <-chan struct{}) {
			hold, holding := make(chan struct{}), make(chan struct{}, 1)
			t.Cleanup(func() { close(hold) })
			return &Loopback{Hold: hold, Holding: holding}, holding
		},
	})
}

func TestLoopback(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"serves real HTTP", func(t *testing.T) {
			rec := NewRecorder()
			var lb Loopback
			ln, err := lb.Open(context.Background(), rec.Report)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ln.URL(), "http://127.0.0.1:") || ln.URL() != "http://"+ln.Addr().String() {
				t.Errorf("URL() = %q, Addr() = %v", ln.URL(), ln.Addr())
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "got "+r.Method+" "+r.URL.Path)
			})}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()

			resp, err := http.Post(ln.URL()+"/hook", "text/plain", strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if string(body) != "got POST /hook" {
				t.Errorf("body = %q", body)
			}
			if err := ln.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
			if err := <-served; !errors.Is(err, net.ErrClosed) {
				t.Errorf("Serve() = %v, want net.ErrClosed", err)
			}
			_ = srv.Close()
			got := rec.WaitStates(t, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
			for _, s := range got[1:] {
				if s.URL != ln.URL() || s.At.IsZero() {
					t.Errorf("status %+v lacks URL or time", s)
				}
			}
		}},
		{"drop reports reconnecting then online", func(t *testing.T) {
			rec := NewRecorder()
			var lb Loopback
			if err := lb.Drop("nothing open"); err == nil {
				t.Error("Drop with nothing open: want error")
			}
			ln, err := lb.Open(context.Background(), rec.Report)
			if err != nil {
				t.Fatal(err)
			}
			if err := lb.Drop("wifi went away"); err != nil {
				t.Fatal(err)
			}
			got := rec.WaitStates(t, tunnel.Connecting, tunnel.Online, tunnel.Reconnecting, tunnel.Online)
			if got[2].Reason != "wifi went away" || got[3].Reason != "" {
				t.Errorf("reasons = %q, %q", got[2].Reason, got[3].Reason)
			}
			_ = ln.Close()
			if err := lb.Drop("after close"); err == nil {
				t.Error("Drop after Close: want error")
			}
			rec.WaitStates(t, tunnel.Connecting, tunnel.Online, tunnel.Reconnecting, tunnel.Online, tunnel.Stopped)
		}},
		{"close reports stopped once", func(t *testing.T) {
			rec := NewRecorder()
			var lb Loopback
			ln, err := lb.Open(context.Background(), rec.Report)
			if err != nil {
				t.Fatal(err)
			}
			_ = ln.Close()
			_ = ln.Close()
			got := rec.WaitStates(t, tunnel.Connecting, tunnel.Online, tunnel.Stopped)
			if got[2].Reason != "" {
				t.Errorf("tunnel.Stopped reason = %q, want none", got[2].Reason)
			}
			if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
			}
		}},
		{"fail returns the error", func(t *testing.T) {
			rec := NewRecorder()
			lb := Loopback{Fail: tunnel.ErrRejected}
			ln, err := lb.Open(context.Background(), rec.Report)
			if ln != nil || !errors.Is(err, tunnel.ErrRejected) {
				t.Fatalf("Open() = %v, %v; want ErrRejected", ln, err)
			}
			got := rec.WaitStates(t, tunnel.Connecting, tunnel.Failed)
			if got[1].Reason != tunnel.ErrRejected.Error() {
				t.Errorf("tunnel.Failed reason = %q", got[1].Reason)
			}
		}},
		{"cancelled context", func(t *testing.T) {
			rec := NewRecorder()
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var lb Loopback
			if _, err := lb.Open(ctx, rec.Report); !errors.Is(err, context.Canceled) {
				t.Fatalf("Open() error = %v, want context.Canceled", err)
			}
			rec.WaitStates(t, tunnel.Connecting, tunnel.Stopped)
		}},
		{"nil report", func(t *testing.T) {
			var lb Loopback
			ln, err := lb.Open(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			_ = lb.Drop("x")
			_ = ln.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}
