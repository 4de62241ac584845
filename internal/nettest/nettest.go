// Package nettest holds the raw-connection helpers the capture server's and
// the team relay's tests share: dialling from a chosen loopback address
// (per-address limits), reading one answer and the clean end after it,
// and spying on half-closes. It is for tests only and imports no UI.
package nettest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// DialFrom connects to addr from the loopback address local (127.0.0.2 is
// another client to a per-address limit than 127.0.0.1).
func DialFrom(t testing.TB, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, local, err)
	}
	return c
}

// ReadAnswer reads one response from c and its body, then reads on until
// the server ends the connection and fails t unless it ended cleanly: EOF
// with nothing more, not a reset. The request must therefore be the
// connection's last (send "Connection: close", or be refused).
func ReadAnswer(t testing.TB, c net.Conn) (*http.Response, string) {
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
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("after the %d answer: %q, %v; want EOF", resp.StatusCode, rest, err)
	}
	return resp, string(b)
}

// HalfCloseSpy is a listener that tells, on ClosedWrite, when CloseWrite
// reaches a TCP connection it accepted: the server's wrappers above it
// passed the half-close on. Make it with NewHalfCloseSpy.
type HalfCloseSpy struct {
	net.Listener
	// ClosedWrite receives once per CloseWrite (dropped when full).
	ClosedWrite chan struct{}
}

// NewHalfCloseSpy wraps a TCP listener.
func NewHalfCloseSpy(ln net.Listener) HalfCloseSpy {
	return HalfCloseSpy{ln, make(chan struct{}, 1)}
}

// Accept returns the TCP connection with the spying CloseWrite.
func (l HalfCloseSpy) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return spyConn{c.(*net.TCPConn), l.ClosedWrite}, nil
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
