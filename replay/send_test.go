package replay

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// blockingServer starts a server whose handler calls before (if any) and then
// blocks until the client goes away or the test ends.
func blockingServer(t *testing.T, before func(http.ResponseWriter)) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if before != nil {
			before(w)
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: Close waits for handlers
	return srv
}

// closingListener accepts connections and closes them, after reading the
// request head when readFirst is set.
func closingListener(t *testing.T, readFirst bool) string {
	return cuttingListener(t, readFirst, "")
}

// cuttingListener is closingListener that writes answer before closing.
func cuttingListener(t *testing.T, readFirst bool, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if readFirst {
				buf := make([]byte, 4096)
				for !bytes.Contains(buf, []byte("\r\n\r\n")) {
					n, err := c.Read(buf)
					if err != nil || n == 0 {
						break
					}
					if bytes.Contains(buf[:n], []byte("\r\n\r\n")) {
						break
					}
				}
			}
			if answer != "" {
				_, _ = io.WriteString(c, answer)
			}
			c.Close()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// redirectServer serves /loop/a ↔ /loop/b and a chain /r/N → /r/N+1 that ends
// with 200 at /r/<end>, where end is the query parameter.
func redirectServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/loop/a":
			http.Redirect(w, r, "/loop/b", http.StatusFound)
		case r.URL.Path == "/loop/b":
			http.Redirect(w, r, "/loop/a", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/r/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
			end, _ := strconv.Atoi(r.URL.Query().Get("end"))
			if n >= end {
				_, _ = fmt.Fprintf(w, "arrived at %d", n)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/r/%d?end=%d", n+1, end), http.StatusTemporaryRedirect)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFailureClasses(t *testing.T) {
	s := NewSender()
	t.Cleanup(s.Close)
	short := Options{Timeout: 200 * time.Millisecond}

	tests := []struct {
		name      string
		setup     func(t *testing.T) (url string, o Options)
		wantClass Class
		wantErr   string // substring of Err
		check     func(t *testing.T, res Result)
	}{
		{
			name:      "refused",
			setup:     func(t *testing.T) (string, Options) { return "http://" + freePort(t) + "/", Options{} },
			wantClass: ClassRefused, wantErr: "connection refused",
		},
		{
			name:      "reset: accepted and closed",
			setup:     func(t *testing.T) (string, Options) { return closingListener(t, false), Options{} },
			wantClass: ClassReset, wantErr: "closed the connection without answering",
		},
		{
			name:      "reset: request read, no answer",
			setup:     func(t *testing.T) (string, Options) { return closingListener(t, true), Options{} },
			wantClass: ClassReset, wantErr: "closed the connection without answering",
		},
		{
			name: "reset: body cut short",
			setup: func(t *testing.T) (string, Options) {
				return cuttingListener(t, true, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"), Options{}
			},
			wantClass: ClassReset, wantErr: "response body incomplete: 127.0.0.1:",
			check: func(t *testing.T, res Result) {
				if res.Status != 200 || string(res.Body) != "0123456789" || res.BodySize != 10 {
					t.Errorf("cut body result: %d %q %d", res.Status, res.Body, res.BodySize)
				}
			},
		},
		{
			name:      "timeout waiting for the response",
			setup:     func(t *testing.T) (string, Options) { return blockingServer(t, nil).URL, short },
			wantClass: ClassTimeout, wantErr: "within 200ms",
		},
		{
			name: "timeout in a slow body",
			setup: func(t *testing.T) (string, Options) {
				return blockingServer(t, func(w http.ResponseWriter) {
					w.Header().Set("X-Kind", "slow")
					w.WriteHeader(http.StatusAccepted)
					_, _ = io.WriteString(w, "partial")
					w.(http.Flusher).Flush()
				}).URL, short
			},
			wantClass: ClassTimeout, wantErr: "response body incomplete: timed out after 200ms",
			check: func(t *testing.T, res Result) {
				if res.Status != http.StatusAccepted || res.Headers.Get("X-Kind") != "slow" || string(res.Body) != "partial" || res.BodySize != 7 {
					t.Errorf("slow body result lost the head or partial body: %d %v %q %d", res.Status, res.Headers, res.Body, res.BodySize)
				}
			},
		},
		{
			name: "redirect loop followed",
			setup: func(t *testing.T) (string, Options) {
				return redirectServer(t).URL + "/loop/a", Options{FollowRedirects: true}
			},
			wantClass: ClassRedirects, wantErr: "redirect loop",
			check: func(t *testing.T, res Result) {
				if res.Status != http.StatusFound {
					t.Errorf("status %d, want the last 302", res.Status)
				}
			},
		},
		{
			name: "redirect loop not followed",
			setup: func(t *testing.T) (string, Options) {
				return redirectServer(t).URL + "/loop/a", Options{}
			},
			wantClass: ClassNone,
			check: func(t *testing.T, res Result) {
				if res.Status != http.StatusFound || res.Headers.Get("Location") != "/loop/b" {
					t.Errorf("got %d Location %q, want 302 to /loop/b", res.Status, res.Headers.Get("Location"))
				}
			},
		},
		{
			name: "10 redirects are followed",
			setup: func(t *testing.T) (string, Options) {
				return redirectServer(t).URL + "/r/0?end=10", Options{FollowRedirects: true}
			},
			wantClass: ClassNone,
			check: func(t *testing.T, res Result) {
				if res.Status != 200 || string(res.Body) != "arrived at 10" {
					t.Errorf("got %d %q", res.Status, res.Body)
				}
			},
		},
		{
			name: "the 11th redirect is not",
			setup: func(t *testing.T) (string, Options) {
				return redirectServer(t).URL + "/r/0?end=11", Options{FollowRedirects: true}
			},
			wantClass: ClassRedirects, wantErr: "stopped after 10 redirects",
		},
		{
			name: "TLS self-signed",
			setup: func(t *testing.T) (string, Options) {
				srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
				t.Cleanup(srv.Close)
				return srv.URL, Options{}
			},
			wantClass: ClassTLS, wantErr: "tls: certificate signed by unknown authority: tick Insecure for this target to skip verification",
		},
		{
			name: "TLS self-signed, Insecure",
			setup: func(t *testing.T) (string, Options) {
				srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
				t.Cleanup(srv.Close)
				return srv.URL, Options{Insecure: true}
			},
			wantClass: ClassNone,
			check: func(t *testing.T, res Result) {
				if res.Status != 200 || res.Timings.TLS <= 0 {
					t.Errorf("status %d, TLS time %v", res.Status, res.Timings.TLS)
				}
			},
		},
		{
			name: "https to a plain HTTP server",
			setup: func(t *testing.T) (string, Options) {
				srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
				t.Cleanup(srv.Close)
				return strings.Replace(srv.URL, "http://", "https://", 1), Options{}
			},
			wantClass: ClassTLS, wantErr: "use http://",
		},
		{
			name:      "dns",
			setup:     func(t *testing.T) (string, Options) { return "http://gancho-test.invalid/hook", Options{} },
			wantClass: ClassDNS, wantErr: "cannot resolve gancho-test.invalid",
		},
		{
			name: "invalid header name",
			setup: func(t *testing.T) (string, Options) {
				return "http://" + freePort(t), Options{}
			},
			wantClass: ClassOther, wantErr: "invalid request",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, o := tc.setup(t)
			r := Request{Method: "POST", URL: u, Body: []byte(`{"a":1}`)}
			if tc.name == "invalid header name" {
				r.Headers = capture.Headers{{Name: "X Bad", Value: "1"}}
			}
			res := s.Send(context.Background(), r, o)
			t.Logf("%d %q %s", res.Status, res.Class, res.Err)
			if res.Class != tc.wantClass || !strings.Contains(res.Err, tc.wantErr) {
				t.Fatalf("got class %q err %q (status %d), want class %q err containing %q", res.Class, res.Err, res.Status, tc.wantClass, tc.wantErr)
			}
			if (res.Class == ClassNone) != (res.Err == "") {
				t.Errorf("class %q with err %q", res.Class, res.Err)
			}
			if res.SentAt.IsZero() || res.Timings.Total <= 0 {
				t.Errorf("SentAt %v, Total %v", res.SentAt, res.Timings.Total)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	s := NewSender()
	t.Cleanup(s.Close)

	t.Run("while waiting", func(t *testing.T) {
		arrived := make(chan struct{})
		srv := blockingServer(t, func(http.ResponseWriter) { close(arrived) })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan Result, 1)
		go func() { done <- s.Send(ctx, Request{URL: srv.URL}, Options{}) }()
		<-arrived
		cancel()
		res := <-done
		if res.Class != ClassCanceled || res.Err == "" {
			t.Fatalf("got %q %q, want canceled", res.Class, res.Err)
		}
	})
	t.Run("before sending", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := s.Send(ctx, Request{URL: "http://" + freePort(t)}, Options{})
		if res.Class != ClassCanceled {
			t.Fatalf("got %q %q, want canceled", res.Class, res.Err)
		}
	})
	t.Run("caller's deadline is a timeout", func(t *testing.T) {
		srv := blockingServer(t, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		res := s.Send(ctx, Request{URL: srv.URL}, Options{})
		if res.Class != ClassTimeout || !strings.Contains(res.Err, "deadline") {
			t.Fatalf("got %q %q, want timeout", res.Class, res.Err)
		}
	})
}

func TestInvalidRequests(t *testing.T) {
	s := NewSender()
	tests := []struct {
		name string
		r    Request
	}{
		{"no URL", Request{}},
		{"relative URL", Request{URL: "/hooks"}},
		{"ftp URL", Request{URL: "ftp://h/x"}},
		{"method with a space", Request{Method: "BAD METHOD", URL: "http://127.0.0.1:1/"}},
		{"header value with a line break", Request{URL: "http://127.0.0.1:1/", Headers: capture.Headers{{Name: "X-A", Value: "a\r\nX-Injected: 1"}}}},
		{"empty header name", Request{URL: "http://127.0.0.1:1/", Headers: capture.Headers{{Name: "", Value: "x"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Send(context.Background(), tc.r, Options{})
			if res.Class != ClassOther || !strings.HasPrefix(res.Err, "invalid request: ") {
				t.Fatalf("got %q %q, want an invalid-request failure", res.Class, res.Err)
			}
		})
	}
	t.Run("nil context", func(t *testing.T) {
		var ctx context.Context // a caller's mistake must not panic
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer srv.Close()
		if res := s.Send(ctx, Request{URL: srv.URL}, Options{}); res.Status != 200 {
			t.Fatalf("got %d %q", res.Status, res.Err)
		}
	})
}

func TestTimings(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	t.Cleanup(srv.Close)
	s := NewSender()
	t.Cleanup(s.Close)
	o := Options{Insecure: true}
	u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) // a name, so DNS happens

	first := s.Send(context.Background(), Request{URL: u}, o)
	if first.Err != "" {
		t.Fatal(first.Err)
	}
	tm := first.Timings
	if first.Reused || tm.DNS <= 0 || tm.Connect <= 0 || tm.TLS <= 0 || tm.FirstByte <= 0 || tm.Total <= 0 {
		t.Errorf("fresh connection: reused %v, timings %+v; want every phase > 0", first.Reused, tm)
	}
	if tm.Total < tm.DNS+tm.Connect+tm.TLS+tm.FirstByte {
		t.Errorf("Total %v is less than its phases: %+v", tm.Total, tm)
	}

	second := s.Send(context.Background(), Request{URL: u}, o)
	tm = second.Timings
	if !second.Reused || tm.DNS != 0 || tm.Connect != 0 || tm.TLS != 0 || tm.FirstByte <= 0 || tm.Total <= 0 {
		t.Errorf("reused connection: reused %v, timings %+v; want only FirstByte and Total", second.Reused, tm)
	}

	s.Close() // closes the idle connection: the next Send dials again
	third := s.Send(context.Background(), Request{URL: u}, o)
	if third.Reused || third.Timings.Connect <= 0 {
		t.Errorf("after Close: reused %v, connect %v", third.Reused, third.Timings.Connect)
	}
}

func TestBodyCap(t *testing.T) {
	const mib = 1 << 20
	big := bytes.Repeat([]byte("0123456789abcdef"), 3*mib/16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		_, _ = w.Write(big[:n])
	}))
	t.Cleanup(srv.Close)
	s := NewSender()
	t.Cleanup(s.Close)
	tests := []struct {
		name    string
		n       int
		maxBody int64
		keep    int
		trunc   bool
	}{
		{"3 MiB capped at 1 MiB", 3 * mib, mib, mib, true},
		{"3 MiB with the default cap", 3 * mib, 0, DefaultMaxBody, true},
		{"exactly the cap", mib, mib, mib, false},
		{"small", 10, mib, 10, false},
		{"empty", 0, mib, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Send(context.Background(), Request{URL: srv.URL + "/?n=" + strconv.Itoa(tc.n)}, Options{MaxBody: tc.maxBody})
			if res.Err != "" {
				t.Fatal(res.Err)
			}
			if len(res.Body) != tc.keep || res.BodySize != int64(tc.n) || res.Truncated != tc.trunc {
				t.Fatalf("body %d bytes, size %d, truncated %v; want %d, %d, %v", len(res.Body), res.BodySize, res.Truncated, tc.keep, tc.n, tc.trunc)
			}
			if !bytes.Equal(res.Body, big[:tc.keep]) {
				t.Error("kept body is not the response's first bytes")
			}
		})
	}
}

// TestConcurrentSends sends 200 requests from 16 goroutines through one
// Sender and checks each got its own answer over pooled connections.
func TestConcurrentSends(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-N", r.Header.Get("x-n"))
		_, _ = w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	s := NewSender()
	t.Cleanup(s.Close)

	const total, workers = 200, 16
	jobs := make(chan int)
	var (
		wg     sync.WaitGroup
		reused atomic.Int64
	)
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				n := strconv.Itoa(i)
				res := s.Send(context.Background(), Request{
					Method: "POST", URL: srv.URL + "/n/" + n,
					Headers: capture.Headers{{Name: "x-n", Value: n}}, Body: []byte("body " + n),
				}, Options{})
				if res.Err != "" || res.Status != 200 || res.Headers.Get("X-N") != n || string(res.Body) != "body "+n {
					t.Errorf("request %d: %d %q %q %s", i, res.Status, res.Headers.Get("X-N"), res.Body, res.Err)
				}
				if res.Reused {
					reused.Add(1)
				}
			}
		})
	}
	for i := range total {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	// A dial may finish after another connection freed up, so allow some
	// slack over the worker count; without pooling it would be 200.
	if c := conns.Load(); c > 2*workers {
		t.Errorf("%d connections for %d requests from %d workers: connections are not reused", c, total, workers)
	}
	if reused.Load() == 0 {
		t.Error("no request reported a reused connection")
	}
}

// TestEnvProxy checks EnvProxy routes through the proxy and that without it
// no proxy is used. Go reads HTTP_PROXY once per process and never proxies
// loopback, so the test swaps in a fixed proxy function.
func TestEnvProxy(t *testing.T) {
	var seen atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.RequestURI)
		_, _ = io.WriteString(w, "via proxy")
	}))
	t.Cleanup(proxy.Close)
	pu, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	s := &Sender{proxy: http.ProxyURL(pu)}
	t.Cleanup(s.Close)

	tests := []struct {
		name, url, wantURI string
	}{
		{"plain path", "http://gancho-test.invalid/hook?q=1", "http://gancho-test.invalid/hook?q=1"},
		{"verbatim path goes absolute", "http://gancho-test.invalid/a|b?q=%zz", "http://gancho-test.invalid/a|b?q=%zz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Send(context.Background(), Request{URL: tc.url}, Options{EnvProxy: true})
			if res.Err != "" || string(res.Body) != "via proxy" {
				t.Fatalf("through the proxy: %d %q %s", res.Status, res.Body, res.Err)
			}
			if got := seen.Load(); got != tc.wantURI {
				t.Errorf("proxy saw %q, want %q", got, tc.wantURI)
			}
		})
	}
	t.Run("no proxy without EnvProxy", func(t *testing.T) {
		res := s.Send(context.Background(), Request{URL: "http://gancho-test.invalid/hook"}, Options{})
		if res.Class != ClassDNS {
			t.Fatalf("got %q %q, want a direct attempt failing DNS", res.Class, res.Err)
		}
	})
}

// TestRedirectResendsBody checks a 307 repeats the method, body and
// headers, names' case included.
func TestRedirectResendsBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
			return
		}
		body, _ := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "%s %s %s %s", r.Method, r.URL.Path, body, r.Header.Get("X-CuStOm"))
	}))
	t.Cleanup(srv.Close)
	res := NewSender().Send(context.Background(), Request{
		Method: "POST", URL: srv.URL + "/old", Body: []byte("payload"),
		Headers: capture.Headers{{Name: "X-CuStOm", Value: "v"}},
	}, Options{FollowRedirects: true})
	if want := "POST /new payload v"; string(res.Body) != want {
		t.Fatalf("got %q (%s), want %q", res.Body, res.Err, want)
	}
}
