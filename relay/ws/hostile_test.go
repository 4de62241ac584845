package ws

import (
	"bufio"
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
