package capture

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Limits bounds what senders can make a server hold: open connections and
// buffered body bytes, in all and per client address (an IPv4 address, or
// an IPv6 /64), and how long a body may stall. Past a bound the sender gets
// 503 with Retry-After and nothing is recorded. Zero fields mean the
// defaults below; a negative field means no limit. The capture server
// (Config.Limits) and the team relay share it.
type Limits struct {
	// MaxConns caps open connections (0 means DefaultMaxConns).
	MaxConns int
	// MaxConnsPerAddr caps open connections from one client address (0
	// means DefaultMaxConnsPerAddr).
	MaxConnsPerAddr int
	// MaxBodyInFlight caps body bytes buffered at once across requests (0
	// means DefaultBodyInFlight, or twice the body cap when that is more).
	MaxBodyInFlight int64
	// MaxBodyInFlightPerAddr caps body bytes buffered at once for one
	// client address (0 means DefaultBodyInFlightPerAddr, or the body cap
	// when that is more).
	MaxBodyInFlightPerAddr int64
	// BodyIdleTimeout ends a body when no byte came for this long (0 means
	// DefaultBodyIdleTimeout): a sender that announces a body and sends
	// nothing holds its slot only this long.
	BodyIdleTimeout time.Duration
	// BodyTimeout bounds reading one whole body (0 means
	// DefaultBodyTimeout; the capture server uses Config.ReadTimeout).
	BodyTimeout time.Duration
	// RetryAfter is what the 503 asks senders to wait (0 means
	// DefaultRetryAfter).
	RetryAfter time.Duration
}

// Limits defaults. A connection that only sent a head costs a few KiB,
// so these keep a flood of them far below a few hundred MB while leaving
// room for other senders.
const (
	DefaultMaxConns            = 1024
	DefaultMaxConnsPerAddr     = 128
	DefaultBodyInFlight        = 256 << 20
	DefaultBodyInFlightPerAddr = 64 << 20
	DefaultBodyIdleTimeout     = 30 * time.Second
	DefaultBodyTimeout         = 5 * time.Minute
	DefaultRetryAfter          = 10 * time.Second
)

// bodyChunk is the first buffer a body gets, whatever it announces; the
// buffer then doubles as bytes actually arrive.
const bodyChunk = 16 << 10

// maxRejecting bounds the goroutines answering refused connections; past
// it a refused connection is closed without an answer.
const maxRejecting = 256

// Limiter enforces Limits for one server: its Listener counts connections
// and its handlers charge body buffers to it. Safe for concurrent use.
type Limiter struct {
	lim Limits

	mu        sync.Mutex
	conns     int
	addrConns map[string]int
	bytes     int64
	addrBytes map[string]int64

	rejecting chan struct{}

	// bodyStarted, when set (tests), is called as each body read begins.
	bodyStarted func()
}

// NewLimiter returns a Limiter for lim, for bodies capped at maxBody bytes
// (0 means DefaultMaxBody).
func NewLimiter(lim Limits, maxBody int64) *Limiter {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	defInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defInt(&lim.MaxConns, DefaultMaxConns)
	defInt(&lim.MaxConnsPerAddr, DefaultMaxConnsPerAddr)
	// One body at the cap must always fit, or it could never be received.
	if lim.MaxBodyInFlight == 0 {
		lim.MaxBodyInFlight = max(DefaultBodyInFlight, 2*(maxBody+1))
	}
	if lim.MaxBodyInFlightPerAddr == 0 {
		lim.MaxBodyInFlightPerAddr = max(DefaultBodyInFlightPerAddr, maxBody+1)
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	defDur(&lim.BodyIdleTimeout, DefaultBodyIdleTimeout)
	defDur(&lim.BodyTimeout, DefaultBodyTimeout)
	defDur(&lim.RetryAfter, DefaultRetryAfter)
	return &Limiter{lim: lim, addrConns: map[string]int{}, addrBytes: map[string]int64{},
		rejecting: make(chan struct{}, maxRejecting)}
}

// Limits returns the limits in force, defaults filled in.
func (l *Limiter) Limits() Limits { return l.lim }

// AddrKey is the client a limit counts against: the IP of a host:port, an
// IPv6 address by its /64 (one host usually owns a whole /64).
func AddrKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if a.Is6() && !a.Is4In6() {
		return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
	}
	return a.Unmap().String()
}

// retryAfter is the Retry-After value in whole seconds.
func (l *Limiter) retryAfter() string {
	return strconv.Itoa(max(1, int((l.lim.RetryAfter+time.Second-1)/time.Second)))
}

// admitConn counts a new connection from key, or says why it is refused.
func (l *Limiter) admitConn(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.lim.MaxConnsPerAddr > 0 && l.addrConns[key] >= l.lim.MaxConnsPerAddr:
		return fmt.Sprintf("Gancho already has %d open connections from your address, its limit", l.lim.MaxConnsPerAddr)
	case l.lim.MaxConns > 0 && l.conns >= l.lim.MaxConns:
		return fmt.Sprintf("Gancho already has %d open connections, its limit", l.lim.MaxConns)
	}
	l.conns++
	l.addrConns[key]++
	return ""
}

func (l *Limiter) releaseConn(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conns--
	if l.addrConns[key]--; l.addrConns[key] <= 0 {
		delete(l.addrConns, key)
	}
}

// reserve charges n more bytes of body buffer to key, or says why not.
func (l *Limiter) reserve(key string, n int64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.lim.MaxBodyInFlightPerAddr > 0 && l.addrBytes[key]+n > l.lim.MaxBodyInFlightPerAddr:
		return fmt.Sprintf("Gancho is already receiving %s of request bodies from your address, its limit",
			FormatSize(l.lim.MaxBodyInFlightPerAddr))
	case l.lim.MaxBodyInFlight > 0 && l.bytes+n > l.lim.MaxBodyInFlight:
		return fmt.Sprintf("Gancho is already receiving %s of request bodies, its limit", FormatSize(l.lim.MaxBodyInFlight))
	}
	l.bytes += n
	l.addrBytes[key] += n
	return ""
}

func (l *Limiter) release(key string, n int64) {
	if n == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bytes -= n
	if l.addrBytes[key] -= n; l.addrBytes[key] <= 0 {
		delete(l.addrBytes, key)
	}
}

// busyText is the 503 body: what happened and when to retry.
func (l *Limiter) busyText(why string) string {
	return why + ": this request was not recorded. Send it again after " + l.retryAfter() + " seconds.\n"
}

// BusyError is returned by a body read refused for want of room (see
// Limits): the handler answers 503 with Retry-After and records nothing.
type BusyError struct{ Reason string }

func (e *BusyError) Error() string { return e.Reason }

// readBody reads r's body into a buffer that grows as bytes arrive,
// charging it to l under r's client address, with the idle and whole-body
// deadlines. It returns what was read, a release for the charge (call it
// once the body is no longer needed) and the read error: *http.MaxBytesError
// past maxBody, *BusyError when l has no room.
func (l *Limiter) readBody(w http.ResponseWriter, r *http.Request, maxBody int64) ([]byte, func(), error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, func() {}, nil
	}
	key := AddrKey(r.RemoteAddr)
	var charged int64
	release := func() { l.release(key, charged); charged = 0 }
	if l.bodyStarted != nil {
		l.bodyStarted()
	}
	rc := http.NewResponseController(w)
	end := time.Now().Add(l.lim.BodyTimeout)
	// Leave the connection with the whole-request deadline net/http would
	// have set: a short idle deadline left behind would cut a rule's delay.
	defer func() { _ = rc.SetReadDeadline(end) }()
	rd := http.MaxBytesReader(w, r.Body, maxBody)
	limit := maxBody + 1 // MaxBytesReader reads at most this much
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			size := int64(bodyChunk)
			if cap(buf) == 0 && r.ContentLength >= 0 && r.ContentLength < bodyChunk {
				size = r.ContentLength + 1 // room for EOF: no second buffer
			} else if cap(buf) > 0 {
				size = 2 * int64(cap(buf))
			}
			size = min(size, limit)
			if why := l.reserve(key, size-int64(cap(buf))); why != "" {
				return buf, release, &BusyError{Reason: why}
			}
			charged += size - int64(cap(buf))
			nb := make([]byte, len(buf), size)
			copy(nb, buf)
			buf = nb
		}
		_ = rc.SetReadDeadline(minTime(time.Now().Add(l.lim.BodyIdleTimeout), end))
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, release, nil
		}
		if err != nil {
			return buf, release, err
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Listener wraps ln so that connections past the limits are answered 503
// with Retry-After and closed, and the rest are counted until closed.
// Wrap it with WireListener, not the other way round; over TLS, put it
// above the TLS listener so the answer is encrypted.
func (l *Limiter) Listener(ln net.Listener) net.Listener { return limitListener{Listener: ln, l: l} }

type limitListener struct {
	net.Listener
	l *Limiter
}

func (ll limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := AddrKey(c.RemoteAddr().String())
		if why := ll.l.admitConn(key); why != "" {
			ll.l.reject(c, why)
			continue
		}
		return &limitConn{Conn: c, l: ll.l, key: key}, nil
	}
}

// reject answers a refused connection 503 in the background, without
// reading its request, then closes it the way net/http does: FIN, a
// brief drain, close, so the sender reads the answer rather than a reset.
func (l *Limiter) reject(c net.Conn, why string) {
	select {
	case l.rejecting <- struct{}{}:
	default:
		_ = c.Close() // already answering many: a refusal must stay cheap
		return
	}
	go func() {
		defer func() { <-l.rejecting }()
		defer c.Close()
		body := l.busyText(why)
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		_, err := io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\n"+
			"Retry-After: "+l.retryAfter()+"\r\n"+
			"Connection: close\r\n"+
			"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		if err != nil {
			return
		}
		_ = closeWrite(c)
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = io.CopyN(io.Discard, c, 64<<10)
	}()
}

// limitConn counts against its Limiter until closed.
type limitConn struct {
	net.Conn
	l    *Limiter
	key  string
	once sync.Once
}

func (c *limitConn) Close() error {
	c.once.Do(func() { c.l.releaseConn(c.key) })
	return c.Conn.Close()
}

// CloseWrite half-closes the connection when the one below can (see
// closeWrite).
func (c *limitConn) CloseWrite() error { return closeWrite(c.Conn) }

// closeWriter is what net/http looks for to send FIN before closing a
// connection whose request it did not read to the end (after a 413): the
// sender then reads the answer and EOF instead of a reset.
type closeWriter interface{ CloseWrite() error }

// closeWrite half-closes c if it (a *net.TCPConn, a *tls.Conn, or a
// wrapper passing it on) can.
func closeWrite(c net.Conn) error {
	if cw, ok := c.(closeWriter); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("%T cannot half-close", c)
}

// CloseWrite exposes the half-close of a wrapped connection: a wrapper
// that embeds net.Conn hides it, and net/http then resets instead of
// ending a refused request cleanly. For wrappers outside this package.
func CloseWrite(c net.Conn) error { return closeWrite(c) }
