package relay

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/nettest"
	"github.com/gancho-app/gancho/relay/jstream"
)

// TestRelayHeadOnlyFlood: the relay shares the capture server's limits:
// head-only connections past the per-address cap get 503 with
// Retry-After and a clean end, and another address is still served.
func TestRelayHeadOnlyFlood(t *testing.T) {
	const perAddr = 10
	r := startRelay(t, t.TempDir(), ServerConfig{Limits: capture.Limits{MaxConnsPerAddr: perAddr}})
	addr := strings.TrimPrefix(r.url, "http://")
	head := "POST /ch/hook HTTP/1.1\r\nHost: x\r\nContent-Length: 26214400\r\n\r\n"
	for range perAddr {
		c := nettest.DialFrom(t, "127.0.0.1", addr)
		t.Cleanup(func() { c.Close() }) // before the relay closes (LIFO)
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
	}
	c := nettest.DialFrom(t, "127.0.0.1", addr)
	defer c.Close()
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	resp, body := nettest.ReadAnswer(t, c) // and EOF after it
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "open connections from your address") {
		t.Fatalf("past the cap: %d Retry-After %q: %q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}

	n := nettest.DialFrom(t, "127.0.0.2", addr)
	defer n.Close()
	if _, err := io.WriteString(n, "POST /ch/normal HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"); err != nil {
		t.Fatal(err)
	}
	if resp, body := nettest.ReadAnswer(t, n); resp.StatusCode != http.StatusOK {
		t.Fatalf("normal hook during the flood: %d %q", resp.StatusCode, body)
	}
}

// TestRelayOverLimitEndsWithFIN: a hook over the body cap gets its 413
// whole and then EOF, over plain HTTP and TLS: the relay's connection
// wrappers keep CloseWrite, so net/http half-closes (TLS: close_notify)
// before closing instead of resetting.
func TestRelayOverLimitEndsWithFIN(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	for _, tc := range []struct {
		name      string
		cert, key string
	}{
		{"plain", "", ""},
		{"tls", certFile, keyFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewServer(context.Background(), ServerConfig{Token: testToken, MaxBody: 1 << 10, Channels: testChannels, Logf: t.Logf,
				NATS: jstream.Config{Dir: t.TempDir()}})
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			spy := nettest.NewHalfCloseSpy(ln)
			served := make(chan error, 1)
			go func() { served <- s.Serve(spy, tc.cert, tc.key) }()
			defer func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
				<-served
			}()

			var c net.Conn
			if tc.cert != "" {
				c, err = tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool})
			} else {
				c, err = net.Dial("tcp", ln.Addr().String())
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			go func() {
				// The sender keeps sending after the relay stopped reading.
				_, _ = io.WriteString(c, "POST /ch/big HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n")
				chunk := bytes.Repeat([]byte("x"), 64<<10)
				for {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}()
			resp, body := nettest.ReadAnswer(t, c) // and EOF after it
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			if tc.cert != "" {
				return // TLS ends with close_notify; TCP's own FIN comes at close
			}
			select {
			case <-spy.ClosedWrite:
			case <-time.After(10 * time.Second):
				t.Fatal("the connection was closed without a half-close (FIN) first")
			}
		})
	}
}
