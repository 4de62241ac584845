package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
)

// Subscriber is what Local streams from; capture.Store implements it. The
// subscription must be bounded and report lag with a capture.Dropped event
// (as capture.Store's does): that bound is the connection's send queue.
type Subscriber interface {
	Subscribe(ctx context.Context) (<-chan capture.Event, func())
}

// Local serves the live stream of new captures on a loopback listener
// (see the package documentation for the guard and message format). Mount
// it on any path; `gancho tail` reads it with Tail. Safe for concurrent
// use; Close ends every stream.
type Local struct {
	// Timings; zero values mean DefaultPingInterval, DefaultPongWait and
	// DefaultWriteWait. Set them before serving.
	PingInterval, PongWait, WriteWait time.Duration

	src      Subscriber
	token    string
	upgrader websocket.Upgrader

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc

	onSubscribe func() // tests: called once a stream is subscribed
}

// NewLocal returns the live-stream handler over src, guarded by token
// (use NewToken for a per-run one; an empty token refuses everyone).
func NewLocal(src Subscriber, token string) *Local {
	ctx, cancel := context.WithCancel(context.Background())
	return &Local{src: src, token: token, ctx: ctx, cancel: cancel,
		upgrader: websocket.Upgrader{HandshakeTimeout: 10 * time.Second}}
}

// ServeHTTP implements http.Handler: 403 for a non-loopback Host, 401
// without the token, then a WebSocket of capture.Record messages.
func (l *Local) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopbackHost(r.Host) {
		plain(w, http.StatusForbidden, "The live stream answers only to localhost, 127.0.0.1 or [::1]: connect by one of those names.\n")
		return
	}
	tok := r.URL.Query().Get("token")
	if tok == "" {
		tok = bearer(r)
	}
	if !tokenEqual(tok, l.token) {
		plain(w, http.StatusUnauthorized, "The live stream needs this run's token (in live.json in the data directory; gancho tail reads it): pass it as ?token= or Authorization: Bearer.\n")
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		plain(w, http.StatusBadRequest, "This is a WebSocket endpoint: connect with a WebSocket client such as \"gancho tail\".\n")
		return
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		plain(w, http.StatusServiceUnavailable, "Gancho is shutting down.\n")
		return
	}
	l.wg.Add(1)
	l.mu.Unlock()
	defer l.wg.Done()

	conn, err := l.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered the error
	}
	defer conn.Close()
	ping, pong, wait := durations(l.PingInterval, l.PongWait, l.WriteWait)

	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	events, unsub := l.src.Subscribe(ctx)
	defer unsub()
	if l.onSubscribe != nil {
		l.onSubscribe()
	}

	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer cancel()
		discardReads(conn, 512, pong)
	}()
	defer func() { <-readerDone }()
	defer conn.Close() // runs before the wait above: ends the reader

	t := time.NewTicker(ping)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				closeWith(conn, websocket.CloseGoingAway, "gancho is shutting down", wait)
				return
			}
			switch ev.Kind {
			case capture.Added:
				b, err := json.Marshal(ev.Request.ToRecord())
				if err != nil {
					continue
				}
				_ = conn.SetWriteDeadline(time.Now().Add(wait))
				if conn.WriteMessage(websocket.TextMessage, b) != nil {
					return
				}
			case capture.Dropped:
				closeWith(conn, CloseTooSlow, fmt.Sprintf("client too slow: %s missed; run gancho list", text.N(ev.Count, "capture", "captures")), wait)
				return
			}
		case <-t.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wait)) != nil {
				return
			}
		case <-ctx.Done():
			if l.ctx.Err() != nil {
				closeWith(conn, websocket.CloseGoingAway, "gancho is shutting down", wait)
			}
			return
		}
	}
}

// Close ends every stream (close code 1001) and waits for their
// goroutines. Later connections are refused. Safe to call more than once.
func (l *Local) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	l.wg.Wait()
	return nil
}

// Tail reads the live stream at url (ws://, or http:// which is turned
// into ws://) with token, calling fn for each capture on the calling
// goroutine, until ctx ends (it then returns nil) or the stream fails.
// A refused token yields an error wrapping ErrUnauthorized.
func Tail(ctx context.Context, url, token string, fn func(capture.Record)) error {
	u, err := wsURL(url)
	if err != nil {
		return fmt.Errorf("live stream %s: %w", url, err)
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: nil}
	conn, resp, err := d.DialContext(ctx, u.String(), h)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("live stream %s: %w: use this run's token from live.json in the data directory", u.Redacted(), ErrUnauthorized)
		}
		if resp != nil {
			return fmt.Errorf("live stream %s: HTTP %s", u.Redacted(), resp.Status)
		}
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("live stream %s: %w: is Gancho running?", u.Redacted(), err)
	}
	stop := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case <-ctx.Done():
			_ = conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			_ = conn.Close()
		case <-stop:
		}
	}()
	defer func() {
		close(stop)
		<-watcher
		_ = conn.Close()
	}()
	idle := DefaultPongWait + DefaultPingInterval
	keepAlive(conn, idle)
	for {
		_, msg, err := conn.ReadMessage()
		if err == nil {
			_ = conn.SetReadDeadline(time.Now().Add(idle))
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return fmt.Errorf("live stream closed by Gancho (%d): %s", ce.Code, ce.Text)
			}
			return fmt.Errorf("live stream: %w", err)
		}
		var rec capture.Record
		if err := json.Unmarshal(msg, &rec); err != nil {
			return fmt.Errorf("live stream: bad message: %w", err)
		}
		fn(rec)
	}
}

// durations fills the zero timings with the defaults.
func durations(ping, pong, write time.Duration) (time.Duration, time.Duration, time.Duration) {
	if ping <= 0 {
		ping = DefaultPingInterval
	}
	if pong <= 0 {
		pong = DefaultPongWait
	}
	if write <= 0 {
		write = DefaultWriteWait
	}
	return ping, pong, write
}

// discardReads reads (and drops) client messages so control frames are
// processed, with a read limit and a deadline renewed by every pong or
// message; it returns when the connection fails or closes.
func discardReads(conn *websocket.Conn, limit int64, pong time.Duration) {
	conn.SetReadLimit(limit)
	_ = conn.SetReadDeadline(time.Now().Add(pong))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pong)) })
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(pong))
	}
}

// keepAlive makes a client's reads fail when the server has been silent
// (no message and no ping) for longer than idle: a dead network or a
// laptop that slept is noticed then.
func keepAlive(conn *websocket.Conn, idle time.Duration) {
	_ = conn.SetReadDeadline(time.Now().Add(idle))
	conn.SetPingHandler(func(data string) error {
		_ = conn.SetReadDeadline(time.Now().Add(idle))
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(DefaultWriteWait))
		if err == websocket.ErrCloseSent {
			return nil
		}
		return err
	})
}

// closeWith sends a close frame (best effort, bounded by wait).
func closeWith(conn *websocket.Conn, code int, reason string, wait time.Duration) {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(wait))
}
