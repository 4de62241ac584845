package tunneltest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gancho-app/gancho/tunnel"
)

// Loopback is a fake tunnel.Opener for tests: it listens on 127.0.0.1:0 and
// reports "http://127.0.0.1:PORT" as its public URL.
//
// Fail, if set, makes Open report Connecting then Failed and return it. Hold
// keeps Open pending like a slow network. Drop simulates a reconnect. Set
// the fields before use; the methods are safe for concurrent use. Reports
// are made synchronously from the calling goroutine (Open, Drop, Close),
// which keeps tests deterministic.
type Loopback struct {
	// Fail, when non-nil, is returned by Open instead of listening.
	Fail error
	// Hold, when non-nil, keeps Open pending after Connecting until Hold is
	// closed or ctx ends.
	Hold <-chan struct{}
	// Holding, when non-nil, receives once per Open that waits on Hold, so
	// a test knows the Open is under way.
	Holding chan<- struct{}

	mu   sync.Mutex
	open []*loopbackListener
}

// Open listens on a fresh loopback port and reports Connecting then Online.
func (l *Loopback) Open(ctx context.Context, report func(tunnel.Status)) (tunnel.Listener, error) {
	if report == nil {
		report = func(tunnel.Status) {}
	}
	report(tunnel.Status{State: tunnel.Connecting, At: time.Now()})
	if l.Hold != nil {
		if l.Holding != nil {
			select {
			case l.Holding <- struct{}{}:
			case <-ctx.Done():
			}
		}
		select {
		case <-l.Hold:
		case <-ctx.Done():
		}
	}
	if err := ctx.Err(); err != nil {
		report(tunnel.Status{State: tunnel.Stopped, At: time.Now()})
		return nil, fmt.Errorf("open loopback endpoint: %w", err)
	}
	if l.Fail != nil {
		report(tunnel.Status{State: tunnel.Failed, Reason: l.Fail.Error(), At: time.Now()})
		return nil, l.Fail
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		err = fmt.Errorf("loopback: %w: %v", tunnel.ErrUnreachable, err)
		report(tunnel.Status{State: tunnel.Failed, Reason: err.Error(), At: time.Now()})
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
	ll.emit(tunnel.Online, "")
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
	report func(tunnel.Status)
	closed bool
}

// URL returns "http://127.0.0.1:PORT".
func (ll *loopbackListener) URL() string { return ll.url }

func (ll *loopbackListener) emit(s tunnel.State, reason string) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if !ll.closed {
		ll.report(tunnel.Status{State: s, URL: ll.url, Reason: reason, At: time.Now()})
	}
}

func (ll *loopbackListener) drop(reason string) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if ll.closed {
		return
	}
	ll.report(tunnel.Status{State: tunnel.Reconnecting, URL: ll.url, Reason: reason, At: time.Now()})
	ll.report(tunnel.Status{State: tunnel.Online, URL: ll.url, At: time.Now()})
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
	ll.report(tunnel.Status{State: tunnel.Stopped, URL: ll.url, At: time.Now()})
	ll.owner.forget(ll)
	return err
}
