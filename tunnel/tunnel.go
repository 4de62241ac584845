// Package tunnel opens public endpoints (ngrok) that forward to Gancho's
// capture server.
//
// An Opener yields a Listener: a plain net.Listener whose connections carry
// the HTTP/1.x bytes a client on the internet sent, so the capture server can
// serve it like its local listener and still see raw header order. Alongside,
// the Opener reports every state change (connecting, online, reconnecting,
// stopped, failed) with a user-facing reason, because the ngrok SDK retries
// silently forever and a desktop user needs to know why nothing arrives.
//
// Failure reasons never contain the authtoken. The package never imports Fyne.
package tunnel

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// State is where a tunnel is in its life.
type State int

// The states a tunnel goes through. Connecting leads to Online or Failed;
// Online and Reconnecting alternate while the network comes and goes; Stopped
// ends it (Close, a cancelled Open, or the endpoint ended by the server).
const (
	Connecting State = iota
	Online
	Reconnecting
	Stopped
	Failed
)

// String returns the lower-case name of s ("online"), or "state(N)" for an
// unknown value.
func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Online:
		return "online"
	case Reconnecting:
		return "reconnecting"
	case Stopped:
		return "stopped"
	case Failed:
		return "failed"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// Status is one state change. URL is the public URL once known (Online,
// Reconnecting, Stopped). Reason says why, for Reconnecting and Failed, and
// for Stopped when the stop was not asked for; it is user-facing and never
// contains the authtoken. At is when the change happened.
type Status struct {
	State  State
	URL    string
	Reason string
	At     time.Time
	// Provider names what reports it ("ngrok", "relay"); "" when unknown.
	Provider string
}

// Listener is a net.Listener for a public endpoint. Accept returns
// connections carrying the client's bytes; their RemoteAddr is the client's
// address on the internet (as the tunnel provider saw it). After Close,
// Accept returns an error wrapping net.ErrClosed. Methods are safe for
// concurrent use.
type Listener interface {
	net.Listener
	// URL is the public base URL, e.g. "https://abc.ngrok.app".
	URL() string
}

// Opener opens a public endpoint.
//
// Open blocks until the endpoint is online (and returns its Listener) or has
// failed. report receives every state change, in order, before and after
// Open returns: Connecting, then Online or Failed; later Reconnecting (with a
// reason) and Online again as the network comes and goes; Stopped when the
// Listener is closed. report is called from the tunnel's goroutines, one call
// at a time; it must not block and must not call the Listener's Close (hand
// the status to another goroutine instead). A nil report is allowed.
// Cancelling ctx abandons an Open in progress; it does not affect a Listener
// already returned.
type Opener interface {
	Open(ctx context.Context, report func(Status)) (Listener, error)
}

// Sentinel errors, for errors.Is. Errors from Open carry a full user-facing
// message; these name the kind.
var (
	// ErrNoAuthtoken means no ngrok authtoken was configured. Open returns it
	// before touching the network.
	ErrNoAuthtoken = errors.New("no authtoken: set NGROK_AUTHTOKEN or paste it in Settings")
	// ErrUnreachable means ngrok's servers could not be reached or the
	// connection broke before ngrok answered (DNS, refused, unreachable
	// network, timeouts, TLS interception).
	ErrUnreachable = errors.New("cannot reach ngrok")
	// ErrRejected means ngrok answered and refused: bad authtoken, domain not
	// reserved, plan limits, endpoint stopped... The message is ngrok's own,
	// with its ERR_NGROK_ code.
	ErrRejected = errors.New("rejected by ngrok")
	// ErrTimeout means the endpoint did not come online before the connect
	// deadline and the SDK reported no reason.
	ErrTimeout = errors.New("ngrok did not come online in time")
	// ErrInvalidSettings means the tunnel settings (URL, basic auth, IP allow
	// list) are malformed; nothing was sent to ngrok.
	ErrInvalidSettings = errors.New("invalid tunnel settings")
)

// failure is an error with a user-facing message that errors.Is-matches one
// sentinel. It deliberately does not wrap the SDK error: those may quote
// server text that echoes the authtoken.
type failure struct {
	kind error
	msg  string
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.kind }

// Redact shows which authtoken is set without revealing it: "••••1a2b" for a
// long token. It reveals at most the last 4 characters and at most a quarter
// of the token, so short tokens show only dots. "" gives "(not set)". Safe
// for concurrent use.
func Redact(token string) string {
	token = strings.TrimSpace(token)
	if token == "" {
		return "(not set)"
	}
	n := utf8.RuneCountInString(token)
	show := min(4, n/4)
	r := []rune(token)
	return "••••" + string(r[n-show:])
}
