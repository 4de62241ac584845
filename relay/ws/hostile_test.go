package ws

import (
	"bufio"
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
)

// dialFrom connects to addr from the loopback address local.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, local, err)
	}
	return c
}

// answer reads one response from c and its body.
func answer(t *testing.T, c net.Conn) (*http.Response, string, *bufio.Reader) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("response body: %v", err)
	}
	return resp, string(b), br
}

// TestRelayHeadOnlyFlood: the relay shares the capture server's limits:
// head-only connections past the per-address cap get 503 with
// Retry-After and a clean end, and another address is still served.
func TestRelayHeadOnlyFlood(t *testing.T) {
	const perAddr = 10
	r := startRelay(t, t.TempDir(), ServerConfig{Limits: capture.Limits{MaxConnsPerAddr: perAddr}})
	addr := strings.TrimPrefix(r.url, "http://")
	head := "POST /ch/hook HTTP/1.1\r\nHost: x\r\nContent-Length: 26214400\r\n\r\n"
	for range perAddr {
		c := dialFrom(t, "127.0.0.1", addr)
		t.Cleanup(func() { c.Close() }) // before the relay closes (LIFO)
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
	}
	c := dialFrom(t, "127.0.0.1", addr)
	defer c.Close()
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	resp, body, br := answer(t, c)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "open connections from your address") {
		t.Fatalf("past the cap: %d Retry-After %q: %q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("after the 503: %d, %v; want EOF", n, err)
	}

	n := dialFrom(t, "127.0.0.2", addr)
	defer n.Close()
	if _, err := io.WriteString(n, "POST /ch/normal HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"); err != nil {
		t.Fatal(err)
	}
	if resp, body, _ := answer(t, n); resp.StatusCode != http.StatusOK {
		t.Fatalf("normal hook during the flood: %d %q", resp.StatusCode, body)
	}
}

// halfCloseSpy tells when CloseWrite reaches the TCP connection below the
// relay's wrappers.
type halfCloseSpy struct {
	net.Listener
	closedWrite chan struct{}
}

type spyConn struct {
	*net.TCPConn
	closedWrite chan struct{}
}

func (c spyConn) CloseWrite() error {
	select {
	case c.closedWrite <- struct{}{}:
	default:
	}
	return c.TCPConn.CloseWrite()
}

func (l halfCloseSpy) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return spyConn{c.(*net.TCPConn), l.closedWrite}, nil
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
			db := openDB(t, t.TempDir())
			defer db.Close()
			s, err := NewServer(context.Background(), db, ServerConfig{Token: testToken, MaxBody: 1 << 10, Channels: testChannels, Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			spy := halfCloseSpy{ln, make(chan struct{}, 1)}
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
			resp, body, br := answer(t, c)
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
				t.Fatalf("after the 413: %q, %v; want EOF", rest, err)
			}
			if tc.cert != "" {
				return // TLS ends with close_notify; TCP's own FIN comes at close
			}
			select {
			case <-spy.closedWrite:
			case <-time.After(10 * time.Second):
				t.Fatal("the connection was closed without a half-close (FIN) first")
			}
		})
	}
}
