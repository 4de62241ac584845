package relay

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/gancho-app/gancho/tunnel"
)

// Endpoint lets a relay Client stand where a tunnel would: it implements
// tunnel.Opener, so the window's public-URL switch can use a team relay
// instead of ngrok. Hooks do not come through the Listener (it accepts
// nothing): the Client imports them into the store. Its states are
// reported as tunnel states, with HookURL as the public URL.
type Endpoint struct {
	// Client is copied at each Open; its State field is replaced.
	Client Client
}

// Open starts the client and returns once it is online, or fails with the
// reason when the client gives up (a refused token, a bad channel). While
// the relay cannot be reached, it keeps trying and reports Reconnecting,
// until ctx ends.
func (e *Endpoint) Open(ctx context.Context, report func(tunnel.Status)) (tunnel.Listener, error) {
	if report == nil { // allowed by the tunnel.Opener contract
		report = func(tunnel.Status) {}
	}
	c := e.Client
	first := make(chan ClientState, 1)
	c.State = func(s ClientState) {
		report(statusOf(s))
		if s.Kind == Online || s.Kind == Failed {
			select {
			case first <- s:
			default:
			}
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.Run(runCtx)
	}()
	select {
	case s := <-first:
		if s.Kind == Failed {
			cancel()
			<-done
			return nil, errors.New(s.Reason)
		}
		return &endpointListener{url: s.HookURL, cancel: cancel, done: done, closed: make(chan struct{})}, nil
	case <-done:
		cancel()
		select {
		case s := <-first: // Failed raced Run's return
			if s.Kind == Failed {
				return nil, errors.New(s.Reason)
			}
		default:
		}
		return nil, errors.New("the relay client stopped: check the relay URL, channel and token in Settings")
	case <-ctx.Done():
		cancel()
		<-done
		return nil, ctx.Err()
	}
}

// statusOf maps a client state to the tunnel state the window shows.
func statusOf(s ClientState) tunnel.Status {
	st := tunnel.Status{URL: s.HookURL, Reason: s.Reason, At: time.Now(), Provider: "relay"}
	switch s.Kind {
	case Connecting:
		st.State = tunnel.Connecting
	case Online:
		st.State = tunnel.Online
	case Reconnecting:
		st.State = tunnel.Reconnecting
		if !s.Retry.IsZero() {
			st.Reason += "; next try at " + s.Retry.Local().Format("15:04:05")
		}
	case Failed:
		st.State = tunnel.Failed
	default:
		st.State = tunnel.Stopped
	}
	return st
}

// endpointListener is the Listener of an Endpoint: it accepts nothing and
// stops the client on Close.
type endpointListener struct {
	url    string
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	closed chan struct{}
}

func (l *endpointListener) Accept() (net.Conn, error) {
	<-l.closed
	return nil, net.ErrClosed
}

func (l *endpointListener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		l.cancel()
		<-l.done
	})
	return nil
}

func (l *endpointListener) Addr() net.Addr { return relayAddr(l.url) }
func (l *endpointListener) URL() string    { return l.url }

// relayAddr names the relay as a net.Addr.
type relayAddr string

func (a relayAddr) Network() string { return "relay" }
func (a relayAddr) String() string  { return string(a) }
