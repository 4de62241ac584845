package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Loopback is a fake Opener for tests and offline demos: it listens on
// 127.0.0.1:0 and reports "http://127.0.0.1:PORT" as its public URL.
//
// Fail, if set, makes Open report Connecting then Failed and return it. Drop
// simulates a reconnect. Set Fail before use; the methods are safe for
// concurrent use. Reports are made synchronously from the calling goroutine
// (Open, Drop, Close), which keeps tests deterministic.
type Loopback struct {
	// Fail, when non-nil, is returned by Open instead of listening.
	Fail error

	mu   sync.Mutex
	open []*loopbackListener
}

// Open listens on a fresh loopback port and reports Connecting then Online.
func (l *Loopback) Open(ctx context.Context, report func(Status)) (Listener, error) {
	if report == nil {
		report = func(Status) {}
	}
	report(Status{State: Connecting, At: time.Now()})
	if err := ctx.Err(); err != nil {
		report(Status{State: Stopped, At: time.Now()})
		return nil, fmt.Errorf("open loopback endpoint: %w", err)
	}
	if l.Fail != nil {
		report(Status{State: Failed, Reason: l.Fail.Error(), At: time.Now()})
		return nil, l.Fail
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		err = &failure{kind: ErrUnreachable, msg: "loopback: " + err.Error()}
		report(Status{State: Failed, Reason: err.Error(), At: time.Now()})
		return nil, err
	}
	ll := &loopbackListener{
		Listener: ln,
		url:      "http://" + ln.Addr().String(),
		report:   report,
		owner:    l,
	}
	l.mu.Lock()
	l.open = append(l.open, ll)
	l.mu.Unlock()
	ll.emit(Online, "")
	return ll, nil
}

// Drop simulates a lost and recovered connection on every open listener:
// each reports Reconnecting with reason, then Online. Connections are not
// touched. It returns an error if no listener is open.
func (l *Loopback) Drop(reason string) error {
	l.mu.Lock()
	open := append([]*loopbackListener(nil), l.open...)
	l.mu.Unlock()
	if len(open) == 0 {
		return errors.New("loopback: no open listener to drop")
	}
	for _, ll := range open {
		ll.drop(reason)
	}
	return nil
}

func (l *Loopback) forget(ll *loopbackListener) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, o := range l.open {
		if o == ll {
			l.open = append(l.open[:i], l.open[i+1:]...)
			return
		}
	}
}

// loopbackListener is a Loopback's Listener.
type loopbackListener struct {
	net.Listener
	url   string
	owner *Loopback

	mu     sync.Mutex // orders reports; guards closed
	report func(Status)
	closed bool
}

// URL returns "http://127.0.0.1:PORT".
func (ll *loopbackListener) URL() string { return ll.url }

func (ll *loopbackListener) emit(s State, reason string) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if !ll.closed {
		ll.report(Status{State: s, URL: ll.url, Reason: reason, At: time.Now()})
	}
}

func (ll *loopbackListener) drop(reason string) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if ll.closed {
		return
	}
	ll.report(Status{State: Reconnecting, URL: ll.url, Reason: reason, At: time.Now()})
	ll.report(Status{State: Online, URL: ll.url, At: time.Now()})
}

// Close stops listening and reports Stopped once.
func (ll *loopbackListener) Close() error {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if ll.closed {
		return nil
	}
	ll.closed = true
	err := ll.Listener.Close()
	ll.report(Status{State: Stopped, URL: ll.url, At: time.Now()})
	ll.owner.forget(ll)
	return err
}
