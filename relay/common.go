package relay

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gancho-app/gancho/relay/jstream"
)

// Sentinel errors; check with errors.Is.
var (
	// ErrUnauthorized: the server refused the token (HTTP 401).
	ErrUnauthorized = errors.New("token refused")
	// ErrClosed: the Server or Local was closed.
	ErrClosed = errors.New("relay closed")
	// ErrBadChannel: a channel name outside [a-z0-9_-]{1,64}, or refused
	// by the relay (HTTP 404).
	ErrBadChannel = errors.New("bad channel name")
)

// Close codes sent by this package besides the standard ones.
const (
	// CloseTooSlow: the client did not read fast enough and its bounded
	// queue filled; reconnect to catch up.
	CloseTooSlow = 4008
)

// Timing defaults shared by the stream endpoints.
const (
	DefaultPingInterval = 20 * time.Second
	DefaultPongWait     = 60 * time.Second
	DefaultWriteWait    = 10 * time.Second
)

// NewToken returns a fresh random token (32 bytes, hex): use one per run
// for the local stream.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tokenEqual compares in constant time. Hashing first makes the
// comparison independent of the lengths too.
func tokenEqual(got, want string) bool {
	if want == "" {
		return false
	}
	g := sha256.Sum256([]byte(got))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// bearer returns the token of an "Authorization: Bearer T" header, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// loopbackHost reports whether a Host header names this machine by a
// loopback name: localhost, 127.0.0.1 or [::1], with or without a port.
func loopbackHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	} else {
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// validChannel reports whether name is a channel: a name the store takes
// ([a-z0-9_-]{1,64}) other than "_gancho", which prefixes the relay's own
// paths.
func validChannel(name string) bool {
	return name != "_gancho" && jstream.ValidChannel(name)
}

// validClientID reports whether id is usable as a client identifier.
func validClientID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// wsURL turns an http(s) URL into its ws(s) form; ws(s) URLs pass through.
func wsURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return nil, errors.New("want an http, https, ws or wss URL")
	}
	if u.Host == "" {
		return nil, errors.New("the URL has no host")
	}
	return u, nil
}

func plain(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}
