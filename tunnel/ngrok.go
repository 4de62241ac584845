package tunnel

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// DefaultConnectTimeout bounds the first connect when Ngrok.ConnectTimeout is 0.
const DefaultConnectTimeout = 10 * time.Second

// Ngrok opens endpoints with ngrok's Go SDK (golang.ngrok.com/ngrok/v2).
//
// The endpoint is an HTTP(S) agent endpoint whose connections are handed to
// the caller raw (no agent-side TLS, no upstream forwarding): ngrok's edge
// terminates TLS and sends each request as HTTP/1.1, with its usual
// X-Forwarded-* headers added. The connection's RemoteAddr is the client's
// public address from ngrok's proxy header.
//
// The fields are read by Open and must not change while an Open runs; one
// Ngrok value may Open several endpoints, concurrently or not.
type Ngrok struct {
	// Authtoken authenticates to ngrok. "" means the NGROK_AUTHTOKEN
	// environment variable; if that is empty too, Open fails with
	// ErrNoAuthtoken without touching the network.
	Authtoken string
	// URL is an optional fixed domain ("https://example.ngrok.app", or bare
	// "example.ngrok.app" meaning https). "" lets ngrok assign one.
	URL string
	// BasicAuth optionally requires one of these "user:password" pairs,
	// checked at ngrok's edge by a traffic policy (see BuildPolicy).
	BasicAuth []string
	// AllowCIDRs optionally restricts clients to these CIDRs or addresses at
	// ngrok's edge; everything else is denied (see BuildPolicy).
	AllowCIDRs []string
	// ConnectTimeout bounds the first connect (Open); 0 means
	// DefaultConnectTimeout. Later reconnects are the SDK's and unbounded.
	ConnectTimeout time.Duration
	// ServerAddr is the ngrok ingress to dial (host:port); "" means the SDK's
	// default, connect.ngrok-agent.com:443. For custom ingresses and tests.
	ServerAddr string
	// Logger receives the SDK's logs; nil keeps them off. The SDK never logs
	// the authtoken.
	Logger *slog.Logger

	// agentOptions are appended last, so tests can trust a fake server's CA.
	agentOptions []ngrok.AgentOption
}

// Open connects to ngrok and starts the endpoint; see Opener for the
// contract. It fails fast: the first disconnect reported by the SDK ends the
// attempt with that reason (the SDK itself would retry forever), and
// ConnectTimeout bounds the attempt when the SDK reports nothing. Errors
// match ErrNoAuthtoken, ErrInvalidSettings, ErrUnreachable, ErrRejected or
// ErrTimeout with errors.Is, or wrap ctx's error, and never contain the
// authtoken.
func (n *Ngrok) Open(ctx context.Context, report func(Status)) (Listener, error) {
	if report == nil {
		report = func(Status) {}
	}
	fail := func(err error) (Listener, error) {
		report(Status{State: Failed, Reason: err.Error(), At: time.Now(), Provider: "ngrok"})
		return nil, err
	}
	token := strings.TrimSpace(n.Authtoken)
	if token == "" {
		token = strings.TrimSpace(os.Getenv("NGROK_AUTHTOKEN"))
	}
	if token == "" {
		return fail(ErrNoAuthtoken)
	}
	epURL, err := endpointURL(n.URL)
	if err != nil {
		return fail(err)
	}
	policy, err := BuildPolicy(n.BasicAuth, n.AllowCIDRs)
	if err != nil {
		return fail(err)
	}
	timeout := n.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}

	t := &ngrokListener{
		token:    token,
		report:   report,
		firstErr: make(chan error, 1),
		probe:    &probeDialer{},
	}
	t.mu.Lock()
	t.emit(Connecting, "")
	t.mu.Unlock()

	opts := []ngrok.AgentOption{
		ngrok.WithAuthtoken(token),
		ngrok.WithEventHandler(t.onEvent),
		ngrok.WithDialer(t.probe),
	}
	if n.ServerAddr != "" {
		opts = append(opts, ngrok.WithAgentConnectURL(n.ServerAddr))
	}
	if n.Logger != nil {
		opts = append(opts, ngrok.WithLogger(n.Logger))
	}
	opts = append(opts, n.agentOptions...)
	agent, err := ngrok.NewAgent(opts...)
	if err != nil {
		return t.abort(classify(t.probe.explain(err), token))
	}
	t.agent = agent

	var epOpts []ngrok.EndpointOption
	if epURL != "" {
		epOpts = append(epOpts, ngrok.WithURL(epURL))
	}
	if policy != "" {
		epOpts = append(epOpts, ngrok.WithTrafficPolicy(policy))
	}

	// The SDK ties the whole session (dials, retries, heartbeats) to the
	// context given to Connect, so that context must live until Close, not
	// until ctx or the connect deadline ends.
	sessCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t.cancel = cancel

	type result struct {
		ln  ngrok.EndpointListener
		err error
	}
	done := make(chan result, 1)
	go func() {
		if err := agent.Connect(sessCtx); err != nil {
			done <- result{err: err}
			return
		}
		ln, err := agent.Listen(sessCtx, epOpts...)
		done <- result{ln: ln, err: err}
	}()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var cause error
	select {
	case r := <-done:
		if r.err == nil {
			t.mu.Lock()
			t.ln = r.ln
			t.url = r.ln.URL().String()
			t.emit(Online, "")
			t.mu.Unlock()
			return t, nil
		}
		t.stopSession(nil)
		return t.abort(classify(t.probe.explain(r.err), token))
	case err := <-t.firstErr:
		cause = classify(t.probe.explain(err), token)
	case <-timer.C:
		cause = &failure{kind: ErrTimeout, msg: fmt.Sprintf("ngrok did not come online within %s: check your network and authtoken", timeout)}
	case <-ctx.Done():
		cause = fmt.Errorf("open ngrok endpoint: %w", ctx.Err())
	}
	// Stop the SDK and wait for the attempt to return so nothing outlives Open.
	cancel()
	r := <-done
	t.stopSession(r.ln)
	return t.abort(cause)
}

// ngrokListener is the Listener for one ngrok endpoint. It also tracks the
// state, fed by SDK events (onEvent), Accept errors and Close.
type ngrokListener struct {
	token    string
	agent    ngrok.Agent
	cancel   context.CancelFunc
	firstErr chan error   // first SDK disconnect while connecting; buffered 1
	probe    *probeDialer // explains "session closed" by what the server sent

	// mu orders state changes and the report calls that announce them.
	mu         sync.Mutex
	report     func(Status)
	state      State
	lastReason string
	closing    bool
	ln         ngrok.EndpointListener
	url        string

	closeOnce sync.Once
}

// emit records and reports a state change; t.mu must be held.
func (t *ngrokListener) emit(s State, reason string) {
	t.state, t.lastReason = s, reason
	url := t.url
	if s == Connecting || s == Failed {
		url = ""
	}
	t.report(Status{State: s, URL: url, Reason: reason, At: time.Now(), Provider: "ngrok"})
}

// abort ends a failed Open: Failed with the reason, or Stopped when the
// caller cancelled.
func (t *ngrokListener) abort(err error) (Listener, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closing = true
	if _, ok := err.(*failure); ok {
		t.emit(Failed, err.Error())
	} else {
		t.emit(Stopped, "")
	}
	return nil, err
}

// stopSession cancels the session context, disconnects the agent and closes
// ln (if any). The session goes first so closing ln cannot hang on an unbind
// request over a dead connection. ln is drained while closing because the
// SDK's tunnel Close waits for any connection it is still handing to Accept.
// Errors are dropped; see Close.
func (t *ngrokListener) stopSession(ln ngrok.EndpointListener) {
	if t.cancel != nil {
		t.cancel()
	}
	if t.agent != nil {
		_ = t.agent.Disconnect()
	}
	if ln != nil {
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				_ = c.Close()
			}
		}()
		_ = ln.Close()
		<-drained
	}
}

// onEvent maps SDK events to states. The SDK calls it synchronously from its
// session goroutine (and from Connect's caller while connecting), so it only
// takes t.mu and never blocks otherwise.
func (t *ngrokListener) onEvent(ev ngrok.Event) {
	switch ev := ev.(type) {
	case *ngrok.EventAgentDisconnected:
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.closing {
			return
		}
		switch t.state {
		case Connecting:
			if ev.Error != nil {
				select {
				case t.firstErr <- ev.Error:
				default: // Open already has a reason
				}
			}
		case Online, Reconnecting:
			if ev.Error == nil {
				// The session ended without Close: the SDK gave up.
				t.emit(Stopped, "the ngrok session ended")
				return
			}
			f := classify(t.probe.explain(ev.Error), t.token)
			reason := f.msg
			if t.state == Online && f.kind == ErrUnreachable {
				// The first event after online is the loss itself; later
				// ones are failed redials and keep "cannot reach ngrok".
				reason = redactIn("connection to ngrok lost ("+networkDetail(ev.Error)+")", t.token)
			}
			if t.state == Reconnecting && reason == t.lastReason {
				return // the same failure again on the next retry
			}
			t.emit(Reconnecting, reason)
		}
	case *ngrok.EventAgentConnectSucceeded:
		t.mu.Lock()
		defer t.mu.Unlock()
		if !t.closing && t.state == Reconnecting {
			t.emit(Online, "")
		}
	}
}

// Accept waits for the next connection from the endpoint. If the endpoint
// ends without Close (ngrok stopped it), the state becomes Stopped with the
// reason and the error says why. After Close it returns an error wrapping
// net.ErrClosed.
func (t *ngrokListener) Accept() (net.Conn, error) {
	c, err := t.ln.Accept()
	if err == nil {
		return c, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return nil, fmt.Errorf("accept on %s: %w", t.url, net.ErrClosed)
	}
	f := classify(t.probe.explain(err), t.token)
	if t.state != Stopped {
		t.emit(Stopped, f.Error())
	}
	return nil, fmt.Errorf("accept on %s: %w", t.url, f)
}

// Close stops the endpoint and the ngrok session, reports Stopped, and
// returns once the SDK's session goroutines have been told to stop. Most exit
// at once; the SDK's heartbeat goroutines notice at their next tick (up to
// the 10 s heartbeat interval), and those of a connection lost earlier by up
// to interval+tolerance after the loss. It always returns nil: teardown errors (an unbind that
// fails because the session is already gone) are not actionable, since ngrok
// drops the endpoint with the session. It is safe to call more than once and
// concurrently with Accept.
func (t *ngrokListener) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closing = true
		t.mu.Unlock()
		t.stopSession(t.ln)
		t.mu.Lock()
		if t.state != Stopped {
			t.emit(Stopped, "")
		}
		t.mu.Unlock()
	})
	return nil
}

// Addr returns the endpoint's public host as a net.Addr.
func (t *ngrokListener) Addr() net.Addr { return t.ln.Addr() }

// URL returns the endpoint's public URL.
func (t *ngrokListener) URL() string { return t.url }
