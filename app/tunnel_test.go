package app

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/leaktest"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
	"go.uber.org/goleak"
)

// fakeOpener opens a loopback "public" endpoint and records its closing.
type fakeOpener struct {
	mu     sync.Mutex
	closed int
}

type fakeListener struct {
	net.Listener
	once   sync.Once
	report func(tunnel.Status)
	owner  *fakeOpener
}

func (l *fakeListener) URL() string { return "http://" + l.Addr().String() }

func (l *fakeListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() {
		l.owner.mu.Lock()
		l.owner.closed++
		l.owner.mu.Unlock()
		l.report(tunnel.Status{State: tunnel.Stopped, At: time.Now()})
	})
	return err
}

func (o *fakeOpener) Open(ctx context.Context, report func(tunnel.Status)) (tunnel.Listener, error) {
	report(tunnel.Status{State: tunnel.Connecting, At: time.Now()})
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	fl := &fakeListener{Listener: ln, report: report, owner: o}
	report(tunnel.Status{State: tunnel.Online, URL: fl.URL(), At: time.Now()})
	return fl, nil
}

func (o *fakeOpener) closedCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closed
}

// post sends one capture to base and waits for the answer.
func post(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post(base+"/public", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// TestTunnel: the public endpoint, opened by the window's switch or by
// listen's OpenTunnel, serves capture and is closed by Close.
func TestTunnel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		window bool
	}{
		{"switch", true},
		{"OpenTunnel", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent() // the test's own goroutines are checked below
			op := &fakeOpener{}
			func() {
				var mu sync.Mutex
				var states []tunnel.State
				cfg := Config{Dir: t.TempDir(), Addr: "127.0.0.1:0",
					opener: func(settings.Settings) tunnel.Opener { return op },
					Events: Events{Tunnel: func(st tunnel.Status) {
						mu.Lock()
						states = append(states, st.State)
						mu.Unlock()
					}}}
				a, err := Open(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				if err := a.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				var url string
				if tc.window {
					online := make(chan string, 1)
					cancel := a.Tunnel.Watch(func(st tunnel.Status) {
						if st.State == tunnel.Online {
							select {
							case online <- st.URL:
							default:
							}
						}
					})
					a.Tunnel.On()
					select {
					case url = <-online:
					case <-time.After(10 * time.Second):
						t.Fatal("the switch did not come online")
					}
					cancel()
				} else {
					if url, err = a.OpenTunnel(context.Background()); err != nil {
						t.Fatal(err)
					}
					mu.Lock()
					if len(states) != 2 || states[0] != tunnel.Connecting || states[1] != tunnel.Online {
						t.Errorf("Events.Tunnel saw %v", states)
					}
					mu.Unlock()
				}
				post(t, url)
				if err := a.Close(); err != nil {
					t.Fatal(err)
				}
				if n := op.closedCount(); n != 1 {
					t.Errorf("endpoint closed %d times, want 1", n)
				}
				if st := a.Tunnel.Status(); st.State != tunnel.Stopped {
					t.Errorf("switch %v after Close", st.State)
				}
				d, err := OpenData(a.DB.Dir)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				page, err := d.Captures.List(context.Background(), capture.Query{Limit: 10})
				if err != nil || len(page) != 1 || page[0].Target != "/public" {
					t.Fatalf("stored %v, %v", page, err)
				}
			}()
			leaktest.VerifyNone(t, ignore)
		})
	}
}
