package capture

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/nettest"
)

// memAppender keeps captures in memory.
type memAppender struct {
	mu sync.Mutex
	rs []*Request
}

func (m *memAppender) Append(_ context.Context, r *Request) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rs = append(m.rs, r)
	return nil
}

func (m *memAppender) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rs)
}

// startLimited starts a capture server on loopback; hook, when set, is
// told as each body read begins.
func startLimited(t *testing.T, st Appender, cfg Config, hook func()) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	srv := NewServer(st, cfg)
	srv.limiter.bodyStarted = hook
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestReadBodyIgnoresAnnouncedLength: a sender announcing 25 MiB and
// sending 10 bytes costs one small buffer, not 4 MiB.
func TestReadBodyIgnoresAnnouncedLength(t *testing.T) {
	for _, tc := range []struct {
		name     string
		declared int64
		body     string
	}{
		{"lying length", 25 << 20, "0123456789"},
		{"honest length", 10, "0123456789"},
		{"unknown length", -1, "0123456789"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim := NewLimiter(Limits{}, DefaultMaxBody)
			r := httptest.NewRequest("POST", "/", nil)
			r.Body = io.NopCloser(strings.NewReader(tc.body))
			r.ContentLength = tc.declared
			body, release, err := lim.readBody(httptest.NewRecorder(), r, DefaultMaxBody)
			charged := lim.bytes
			release()
			if err != nil || string(body) != tc.body {
				t.Fatalf("read %q, %v", body, err)
			}
			// The buffer's capacity (and its charge) is what the body cost,
			// measured on this read alone: process-wide allocation counts
			// would see other goroutines too.
			if c := cap(body); c > bodyChunk || charged != int64(c) {
				t.Fatalf("reading a 10-byte body took a %d-byte buffer, charged %d", c, charged)
			}
			if lim.bytes != 0 {
				t.Fatalf("%d bytes still charged after release", lim.bytes)
			}
		})
	}
}

// TestHeadOnlyFlood: connections that send a head announcing 25 MiB and
// then nothing cost little memory; past the per-address cap they get 503
// with Retry-After; a client at another address is still served. Both
// answers end with EOF, not a reset.
func TestHeadOnlyFlood(t *testing.T) {
	const perAddr = 40
	started := make(chan struct{}, 4*perAddr)
	st := &memAppender{}
	srv := startLimited(t, st, Config{Limits: Limits{MaxConnsPerAddr: perAddr, MaxConns: 4 * perAddr,
		BodyIdleTimeout: time.Minute}}, func() { started <- struct{}{} })
	addr := srv.Addr().String()
	head := "POST /flood HTTP/1.1\r\nHost: x\r\nContent-Length: 26214400\r\n\r\n"

	before := heapInUse()
	for range perAddr {
		c := nettest.DialFrom(t, "127.0.0.1", addr)
		t.Cleanup(func() { c.Close() }) // before the server's Shutdown (LIFO)
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
	}
	for i := range perAddr {
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of %d bodies began", i, perAddr)
		}
	}
	// Before buffers grew with what arrived, each took 4 MiB: 160 MiB here.
	if grew := int64(heapInUse()) - int64(before); grew > 16<<20 {
		t.Fatalf("%d head-only connections grew the heap by %d MiB", perAddr, grew>>20)
	}

	t.Run("past the cap", func(t *testing.T) {
		c := nettest.DialFrom(t, "127.0.0.1", addr)
		defer c.Close()
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		resp, body := nettest.ReadAnswer(t, c)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "10" ||
			!strings.Contains(body, fmt.Sprintf("%d open connections from your address", perAddr)) ||
			!strings.Contains(body, "Send it again after 10 seconds") {
			t.Fatalf("got %d Retry-After %q: %q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	})

	t.Run("another address is served", func(t *testing.T) {
		c := nettest.DialFrom(t, "127.0.0.2", addr)
		defer c.Close()
		if _, err := io.WriteString(c, "POST /normal HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"); err != nil {
			t.Fatal(err)
		}
		if resp, body := nettest.ReadAnswer(t, c); resp.StatusCode != http.StatusOK {
			t.Fatalf("normal request during the flood: %d %q", resp.StatusCode, body)
		}
	})
}

// TestBodyBudget: a body that would take more than the in-flight budget
// is refused 503 with Retry-After, recorded nowhere, and the charge is
// returned so the next request fits.
func TestBodyBudget(t *testing.T) {
	for _, tc := range []struct {
		name string
		lim  Limits
		want string
	}{
		{"per address", Limits{MaxBodyInFlightPerAddr: 64 << 10}, "64 KiB of request bodies from your address"},
		{"in all", Limits{MaxBodyInFlight: 64 << 10}, "64 KiB of request bodies, its limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &memAppender{}
			srv := startLimited(t, st, Config{Limits: tc.lim}, nil)
			resp, err := http.Post(srv.URL()+"/big", "application/octet-stream", strings.NewReader(strings.Repeat("x", 200<<10)))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
				!strings.Contains(string(b), tc.want) || !strings.Contains(string(b), "not recorded") {
				t.Fatalf("got %d Retry-After %q: %q", resp.StatusCode, resp.Header.Get("Retry-After"), b)
			}
			if n := st.count(); n != 0 {
				t.Fatalf("%d captures recorded for a refused body", n)
			}
			resp, err = http.Post(srv.URL()+"/small", "text/plain", strings.NewReader(strings.Repeat("y", 30<<10)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || st.count() != 1 {
				t.Fatalf("next request: %d, %d recorded", resp.StatusCode, st.count())
			}
		})
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:443":                 "192.0.2.7",
		"[::ffff:192.0.2.7]:443":        "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:80":     "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::9%eth0]:1": "2001:db8:1:2::/64",
		"pipe":                          "pipe",
	} {
		if got := AddrKey(in); got != want {
			t.Errorf("AddrKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkHeadOnlyFlood reproduces the memory attack: 300 connections
// (from three loopback addresses, so the per-address cap lets all in)
// each send a head announcing 25 MiB and then nothing. It reports the heap
// they hold; before buffers grew with what arrived it was 4 MiB each.
func BenchmarkHeadOnlyFlood(b *testing.B) {
	const conns = 300
	head := "POST /flood HTTP/1.1\r\nHost: x\r\nContent-Length: 26214400\r\n\r\n"
	for range b.N {
		started := make(chan struct{}, conns)
		srv := NewServer(&memAppender{}, Config{Addr: "127.0.0.1:0"})
		srv.limiter.bodyStarted = func() { started <- struct{}{} }
		if err := srv.Start(); err != nil {
			b.Fatal(err)
		}
		before := heapInUse()
		var cs []net.Conn
		for i := range conns {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+i%3))}}
			c, err := d.Dial("tcp", srv.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			cs = append(cs, c)
			if _, err := io.WriteString(c, head); err != nil {
				b.Fatal(err)
			}
		}
		for i := range conns {
			select {
			case <-started:
			case <-time.After(30 * time.Second):
				b.Fatalf("only %d of %d bodies began", i, conns)
			}
		}
		grew := float64(int64(heapInUse()) - int64(before))
		b.ReportMetric(grew/(1<<20), "heap-MiB")
		b.ReportMetric(grew/conns, "heap-B/conn")
		for _, c := range cs {
			c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
	}
}
