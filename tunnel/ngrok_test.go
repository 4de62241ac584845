package tunnel

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/leaktest"
	"go.uber.org/goleak"
)

// fakeToken has the shape of a real authtoken; tests check it never leaks.
const fakeToken = "2fAkEt0kEnSECRETvalue_5xQ9ZyWvUtSrQpOnMlKjIhG1a2b"

// quiet keeps the SDK's one-off warnings out of test output.
var quiet = slog.New(slog.DiscardHandler)

func TestNgrokNoAuthtoken(t *testing.T) {
	t.Setenv("NGROK_AUTHTOKEN", "")
	tests := []struct {
		name  string
		token string
	}{
		{"unset", ""},
		{"blank", "  \t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			// A server that would notice a connection attempt.
			dialled := make(chan struct{}, 1)
			addr := rawServer(t, func(c net.Conn) { dialled <- struct{}{}; _ = c.Close() })
			n := &Ngrok{Authtoken: tt.token, ServerAddr: addr, Logger: quiet}
			ln, err := n.Open(context.Background(), rec.report)
			if ln != nil || !errors.Is(err, ErrNoAuthtoken) {
				t.Fatalf("Open() = %v, %v; want ErrNoAuthtoken", ln, err)
			}
			if want := "no authtoken: set NGROK_AUTHTOKEN or paste it in Settings"; err.Error() != want {
				t.Errorf("message = %q, want %q", err, want)
			}
			got := rec.waitStates(t, Failed)
			if got[0].Reason != err.Error() {
				t.Errorf("Failed reason = %q", got[0].Reason)
			}
			select {
			case <-dialled:
				t.Error("Open dialled the server without a token")
			default:
			}
		})
	}
}

func TestNgrokInvalidSettings(t *testing.T) {
	tests := []struct {
		name string
		n    Ngrok
		want string
	}{
		{"url with path", Ngrok{URL: "https://x.ngrok.app/hooks"}, "bare domain"},
		{"basic auth", Ngrok{BasicAuth: []string{"alice:short"}}, "8 to 128"},
		{"cidr", Ngrok{AllowCIDRs: []string{"nope"}}, "not an IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			n := tt.n
			n.Authtoken, n.ServerAddr, n.Logger = fakeToken, "127.0.0.1:1", quiet
			_, err := n.Open(context.Background(), rec.report)
			if !errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open() error = %v, want ErrInvalidSettings containing %q", err, tt.want)
			}
			rec.waitStates(t, Failed)
		})
	}
}

// TestNgrokFailsFast drives the real SDK against servers that cannot work and
// checks Open returns the SDK's first reason, not the (long) deadline.
func TestNgrokFailsFast(t *testing.T) {
	authMsg := "The authtoken you specified does not look like a proper ngrok tunnel authtoken.\nYour authtoken: " + fakeToken +
		"\nInstructions to install your authtoken are on your ngrok dashboard:\nhttps://dashboard.ngrok.com/get-started/your-authtoken\n\nERR_NGROK_105\n"
	domainMsg := "The domain 'example.ngrok.app' is not reserved for your account.\n\nERR_NGROK_320\n"

	tests := []struct {
		name   string
		server func(t *testing.T) (addr string, f *fakeNgrok)
		kinds  []error // any of these
		want   string  // regexp the message must match
	}{
		{"connection refused",
			func(t *testing.T) (string, *fakeNgrok) { return "127.0.0.1:1", nil },
			[]error{ErrUnreachable}, `^cannot reach ngrok: check your network \(dial 127\.0\.0\.1:1: connection refused\)$`},
		{"default address",
			// No internet or DNS here: unreachable. With internet, ngrok
			// itself rejects the fake token; both are fast and clear.
			func(t *testing.T) (string, *fakeNgrok) { return "", nil },
			[]error{ErrUnreachable, ErrRejected}, `^(cannot reach ngrok: check your network \(.+\)|rejected by ngrok: .+)$`},
		{"closes at once",
			func(t *testing.T) (string, *fakeNgrok) { return rawServer(t, func(c net.Conn) { _ = c.Close() }), nil },
			// Closed before or after the client's first write: EOF or reset.
			[]error{ErrUnreachable}, `^cannot reach ngrok: check your network \(the (server closed the connection|connection was reset)\)$`},
		{"speaks garbage",
			func(t *testing.T) (string, *fakeNgrok) {
				return rawServer(t, func(c net.Conn) {
					_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\nnot ngrok\n")
					_ = c.Close()
				}), nil
			},
			[]error{ErrUnreachable}, `^cannot reach ngrok: check your network \(the server at that address does not speak TLS\)$`},
		{"authtoken rejected",
			func(t *testing.T) (string, *fakeNgrok) {
				f := newFakeNgrok(t, func(f *fakeNgrok) { f.authErr = authMsg })
				return f.addr(), f
			},
			[]error{ErrRejected}, `^rejected by ngrok: The authtoken you specified does not look like a proper ngrok tunnel authtoken\. Instructions .* https://dashboard\.ngrok\.com/get-started/your-authtoken \(ERR_NGROK_105\)$`},
		{"domain rejected",
			func(t *testing.T) (string, *fakeNgrok) {
				f := newFakeNgrok(t, func(f *fakeNgrok) { f.bindErr = domainMsg })
				return f.addr(), f
			},
			[]error{ErrRejected}, `^rejected by ngrok: The domain 'example\.ngrok\.app' is not reserved for your account\. \(ERR_NGROK_320\)$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, f := tt.server(t)
			rec := newRecorder()
			n := &Ngrok{Authtoken: fakeToken, ServerAddr: addr, URL: "example.ngrok.app", ConnectTimeout: 30 * time.Second, Logger: quiet}
			n.agentOptions = fastHeartbeat()
			if f != nil {
				n.agentOptions = f.agentOptions()
			}
			defer leaktest.VerifyNone(t, goleak.IgnoreCurrent())
			ln, err := n.Open(context.Background(), rec.report)
			if ln != nil || err == nil {
				t.Fatalf("Open() = %v, %v; want an error", ln, err)
			}
			if errors.Is(err, ErrTimeout) {
				t.Fatalf("Open() hit the deadline instead of failing on the SDK's first reason: %v", err)
			}
			matched := false
			for _, k := range tt.kinds {
				matched = matched || errors.Is(err, k)
			}
			if !matched {
				t.Errorf("error %q is none of %v", err, tt.kinds)
			}
			if !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Errorf("error %q does not match %s", err, tt.want)
			}
			assertNoSecret(t, "error", err.Error(), fakeToken)
			got := rec.waitStates(t, Connecting, Failed)
			if got[1].Reason != err.Error() {
				t.Errorf("Failed reason %q != error %q", got[1].Reason, err)
			}
			if f != nil {
				if tokens, _ := f.recorded(); len(tokens) == 0 || tokens[0] != fakeToken {
					t.Errorf("server saw tokens %d, want the configured one", len(tokens))
				}
			}
		})
	}
}

// silentServer accepts connections and never answers, like a black-holed
// network. accepted receives once per connection.
func silentServer(t *testing.T) (addr string, accepted <-chan struct{}) {
	ch := make(chan struct{}, 16)
	addr = rawServer(t, func(c net.Conn) {
		ch <- struct{}{}
		_, _ = io.Copy(io.Discard, c) // until the client or cleanup closes it
	})
	return addr, ch
}

func TestNgrokTimeout(t *testing.T) {
	addr, _ := silentServer(t)
	rec := newRecorder()
	n := &Ngrok{Authtoken: fakeToken, ServerAddr: addr, ConnectTimeout: 300 * time.Millisecond, Logger: quiet, agentOptions: fastHeartbeat()}
	defer leaktest.VerifyNone(t, goleak.IgnoreCurrent())
	_, err := n.Open(context.Background(), rec.report)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Open() error = %v, want ErrTimeout", err)
	}
	if want := "ngrok did not come online within 300ms: check your network and authtoken"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	rec.waitStates(t, Connecting, Failed)
}

func TestNgrokOpenCancelled(t *testing.T) {
	addr, accepted := silentServer(t)
	rec := newRecorder()
	n := &Ngrok{Authtoken: fakeToken, ServerAddr: addr, ConnectTimeout: 30 * time.Second, Logger: quiet, agentOptions: fastHeartbeat()}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-accepted // the SDK is mid-handshake
		cancel()
	}()
	defer leaktest.VerifyNone(t, goleak.IgnoreCurrent())
	_, err := n.Open(ctx, rec.report)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Open() error = %v, want context.Canceled", err)
	}
	rec.waitStates(t, Connecting, Stopped)
}

// TestNgrokOnline goes through the real SDK against the fake ingress: online,
// a proxied HTTP request served by net/http, a dropped connection the SDK
// recovers from, and Close, with no goroutines left behind.
func TestNgrokOnline(t *testing.T) {
	t.Setenv("NGROK_AUTHTOKEN", fakeToken) // Authtoken "" falls back to it
	f := newFakeNgrok(t, nil)
	rec := newRecorder()
	n := &Ngrok{
		ServerAddr:     f.addr(),
		URL:            "example.ngrok.app",
		BasicAuth:      []string{"alice:correct-horse"},
		AllowCIDRs:     []string{"203.0.113.0/24"},
		ConnectTimeout: 30 * time.Second,
		Logger:         quiet,
		agentOptions:   f.agentOptions(),
	}
	defer leaktest.VerifyNone(t, goleak.IgnoreCurrent())

	ln, err := n.Open(context.Background(), rec.report)
	if err != nil {
		t.Fatal(err)
	}
	if ln.URL() != f.url {
		t.Errorf("URL() = %q, want %q", ln.URL(), f.url)
	}
	if ln.Addr().String() != "fake-1234.ngrok.test" {
		t.Errorf("Addr() = %v", ln.Addr())
	}
	got := rec.waitStates(t, Connecting, Online)
	if got[1].URL != f.url {
		t.Errorf("Online status URL = %q", got[1].URL)
	}
	tokens, binds := f.recorded()
	if len(tokens) != 1 || tokens[0] != fakeToken {
		t.Errorf("server saw %d tokens, want the env one", len(tokens))
	}
	wantPolicy, _ := BuildPolicy(n.BasicAuth, n.AllowCIDRs)
	if len(binds) != 1 || binds[0].Opts.URL != "https://example.ngrok.app" || binds[0].Opts.TrafficPolicy != wantPolicy {
		t.Errorf("binds = %+v\nwant URL https://example.ngrok.app and policy %s", binds, wantPolicy)
	}

	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.RemoteAddr+" "+r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Hook"))
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	request := func(client string) string {
		t.Helper()
		c, err := f.proxy(client)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "POST /hook HTTP/1.1\r\nHost: example.ngrok.app\r\nX-Hook: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	if body := request("203.0.113.7:40001"); body != "203.0.113.7:40001 POST /hook yes" {
		t.Errorf("response = %q", body)
	}

	// Lose the connection: the SDK reconnects, rebinds, and we say so.
	f.drop()
	got = rec.waitStates(t, Connecting, Online, Reconnecting, Online)
	if !strings.HasPrefix(got[2].Reason, "connection to ngrok lost (") || got[2].URL != f.url || got[3].URL != f.url {
		t.Errorf("reconnect statuses = %+v", got[2:])
	}
	assertNoSecret(t, "reconnect reason", got[2].Reason, fakeToken)
	t.Logf("reconnect reason: %s", got[2].Reason)
	if body := request("198.51.100.2:5555"); body != "198.51.100.2:5555 POST /hook yes" {
		t.Errorf("response after reconnect = %q", body)
	}

	if err := ln.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := <-served; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve() = %v, want net.ErrClosed", err)
	}
	_ = srv.Close()
	_ = ln.Close()
	got = rec.waitStates(t, Connecting, Online, Reconnecting, Online, Stopped)
	if got[4].Reason != "" {
		t.Errorf("Stopped reason = %q, want none", got[4].Reason)
	}
}
