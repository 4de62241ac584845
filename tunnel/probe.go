package tunnel

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
)

// probeDialer dials like net.Dialer and remembers how the server's side of
// the latest connection began. The SDK runs TLS and muxado over the
// connection; when the server hangs up or answers in plain text, muxado
// reports only "session closed" and the real cause is lost. The first bytes
// read and the first read error give it back.
//
// probeDialer is safe for concurrent use.
type probeDialer struct {
	net.Dialer

	mu      sync.Mutex
	gen     int    // the latest connection's number: older ones record nothing
	first   []byte // up to the first byte read on the latest connection
	readErr error  // the first read error on the latest connection
}

// Dial implements ngrok.Dialer.
func (d *probeDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext implements ngrok.Dialer.
func (d *probeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.gen++
	gen := d.gen
	d.first, d.readErr = nil, nil
	d.mu.Unlock()
	return &probeConn{Conn: c, d: d, gen: gen}, nil
}

// explain returns err, or when err only says the session closed, the
// transport's own reason wrapped so classify can name it.
func (d *probeDialer) explain(err error) error {
	if d == nil || !peerClosed(err) {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.first) > 0 && !tlsRecordType(d.first[0]) {
		return tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}
	}
	if d.readErr != nil {
		return d.readErr
	}
	return err
}

// tlsRecordType reports whether b can start a TLS record: change cipher
// spec, alert, handshake or application data.
func tlsRecordType(b byte) bool { return b >= 20 && b <= 23 }

type probeConn struct {
	net.Conn
	d   *probeDialer
	gen int
}

func (c *probeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if c.gen != c.d.gen {
		return n, err // a connection since replaced: its end explains nothing now
	}
	if n > 0 && c.d.first == nil {
		c.d.first = append([]byte(nil), p[0])
	}
	if err != nil && c.d.readErr == nil {
		c.d.readErr = err
	}
	return n, err
}
