// Package replay sends requests for Gancho: replays of captures, edited
// requests, live forwarding and bulk replays, with timings and classified
// failures.
//
// FromCapture turns a capture into a Request aimed at another URL, keeping
// the body and the end-to-end headers byte-identical so a receiver that
// checks a signature still accepts it; Resign refreshes the signature when
// the receiver's replay protection would reject the old timestamp. A Sender
// sends Requests over pooled HTTP/1.1 connections and reports every outcome
// as a Result: a response of any status, or a failure with a Class and a
// one-sentence message saying what to do next.
//
// Requests go out over HTTP/1.1 only, so header names keep their case (HTTP/2
// would lower-case them). Go's HTTP client decides the order of header lines
// on the wire: Host, User-Agent and Content-Length first, then the other
// names sorted by byte value, each name's values in their original order.
//
// It never imports Fyne and uses only the standard library.
package replay

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/verify"
)

// Request is one request to send. A Request is a plain value: a Sender
// never modifies it, so one Request may be sent many times, concurrently.
type Request struct {
	Method string // any token; "" means GET
	// URL is absolute, http:// or https://. Its path and query go on the
	// request line exactly as written, even where Go would escape them
	// differently.
	URL string
	// Headers are sent with their names' case kept and each name's values in
	// order (see the package doc for the order across names); lines whose
	// names differ only in case go out under the first spelling, which keeps
	// their values' order. Host, Content-Length, Transfer-Encoding and
	// Trailer entries are not sent as written: net/http frames the body
	// itself, and a Host entry only supplies the Host when the Host field is
	// empty. A missing User-Agent stays missing (Go's default is not added);
	// a User-Agent name is sent as "User-Agent", the one spelling net/http
	// recognises.
	Headers capture.Headers
	Body    []byte
	// Host overrides the Host header; "" means a Host entry in Headers, or
	// else the URL's host. FromCapture sets it to keep the captured Host.
	Host string
}

// ErrIncompleteBody is returned by FromCapture, wrapped, for a capture whose
// body was cut short (over the capture cap, or the sender disconnected).
// The Request is still returned: sending it sends the partial body, which is
// the caller's call to make.
var ErrIncompleteBody = errors.New("capture body is incomplete")

// hopByHop are the headers that describe one connection rather than the
// message (RFC 9110 §7.6.1): a replay opens its own connection, so they go.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade"}

// FromCapture builds the replay of c to target.
//
// target is a URL such as "http://localhost:3000" or
// "https://example.com/webhooks?token=x"; without "://" it is taken as
// "http://"+target, so "localhost:3000" works. The URL sent is:
//
//   - the target's path if it has one other than "/", else the capture's
//     path; so target "http://h:3000" with capture "/hooks/a?x=1" gives
//     "http://h:3000/hooks/a?x=1", and target "http://h:3000/webhooks" gives
//     exactly "http://h:3000/webhooks?x=1";
//   - the target's query if it has a "?" (even an empty one: "…/webhooks?"
//     sends no query), else the capture's query, byte for byte.
//
// Hop-by-hop headers are dropped (Connection, Keep-Alive, Proxy-Connection,
// TE, Trailer, Transfer-Encoding, Upgrade and any named in Connection), as are
// Content-Length (net/http recomputes it from the body, which a capture keeps
// de-chunked) and Host (carried by the Host field instead). Host is the
// target's unless keepHost, which keeps the captured Host. The method, the
// body and every other header are copied unchanged and in order, so a
// receiver that verifies a signature accepts the replay while its timestamp is
// fresh (see Resign).
//
// Errors say which input is wrong. A capture with a cut-short body gives a
// usable Request and an error wrapping ErrIncompleteBody. FromCapture does not
// modify c.
func FromCapture(c *capture.Request, target string, keepHost bool) (Request, error) {
	if c == nil {
		return Request{}, errors.New("replay: no capture to replay")
	}
	u, err := replayURL(c.Target, target)
	if err != nil {
		return Request{}, err
	}
	r := Request{
		Method:  c.Method,
		URL:     u,
		Headers: endToEnd(c.Headers),
		// A copy: captures are shared read-only, and an edit-and-send caller
		// may change the body in place.
		Body: slices.Clone(c.Body),
	}
	if keepHost {
		r.Host = c.Host
		if r.Host == "" {
			r.Host = c.Headers.Get("Host")
		}
	}
	if c.Truncated || c.Error != "" {
		why := c.Error
		if why == "" {
			why = fmt.Sprintf("kept %d of %d bytes", len(c.Body), c.BodySize)
		}
		return r, fmt.Errorf("replay of %s: %w (%s): the replay would send only the part that was kept", c.ID, ErrIncompleteBody, why)
	}
	return r, nil
}

// CheckTarget reports whether target is a URL captures can be sent to
// (replay, forward live, bulk replay), with the reason FromCapture would
// give when it is not. It is the one check of a typed target.
func CheckTarget(target string) error {
	_, err := replayURL("/", target)
	return err
}

// endToEnd returns h without hop-by-hop headers, those named in Connection,
// Content-Length and Host.
func endToEnd(h capture.Headers) capture.Headers {
	drop := map[string]bool{"content-length": true, "host": true}
	for _, n := range hopByHop {
		drop[strings.ToLower(n)] = true
	}
	for _, v := range h.Values("Connection") {
		for tok := range strings.SplitSeq(v, ",") {
			if tok = strings.TrimSpace(tok); tok != "" {
				drop[strings.ToLower(tok)] = true
			}
		}
	}
	out := make(capture.Headers, 0, len(h))
	for _, kv := range h {
		if !drop[strings.ToLower(kv.Name)] {
			out = append(out, kv)
		}
	}
	return out
}

// replayURL applies FromCapture's target rule to the capture's raw request
// target. It works on strings so the capture's path and query keep their
// exact bytes (no re-escaping).
func replayURL(captured, target string) (string, error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return "", errors.New("replay: no target URL; give one such as http://localhost:3000")
	}
	full := target
	if !strings.Contains(full, "://") {
		full = "http://" + full
	}
	base, tPath, tQuery, tHasQuery, err := splitURL(full)
	if err != nil {
		return "", fmt.Errorf("replay target %q: %w", target, err)
	}
	cPath, cQuery, cHasQuery, err := splitTarget(captured)
	if err != nil {
		return "", err
	}
	path, query, hasQuery := cPath, cQuery, cHasQuery
	if tPath != "" && tPath != "/" {
		path = tPath
	}
	if tHasQuery {
		// An empty target query means "no query", so no bare "?" either.
		query, hasQuery = tQuery, tQuery != ""
	}
	if hasQuery { // a captured bare "?" is kept: byte for byte
		return base + path + "?" + query, nil
	}
	return base + path, nil
}

// splitTarget splits a captured request target into path and query. It
// takes origin-form ("/a?b") and absolute-form ("http://h/a?b"); the
// asterisk and authority forms (OPTIONS *, CONNECT) name no resource to
// replay.
func splitTarget(t string) (path, query string, hasQuery bool, err error) {
	switch {
	case t == "":
		return "/", "", false, nil
	case strings.HasPrefix(t, "/"):
		path, query, hasQuery = strings.Cut(t, "?")
		return path, query, hasQuery, nil
	case strings.Contains(t, "://"):
		_, path, query, hasQuery, err = splitURL(t)
		if err != nil {
			return "", "", false, fmt.Errorf("replay: captured target %q: %w", t, err)
		}
		if path == "" {
			path = "/"
		}
		return path, query, hasQuery, nil
	}
	return "", "", false, fmt.Errorf("replay: captured target %q is not a path, so it cannot be sent to another URL", t)
}

// splitURL splits an absolute http(s) URL into its base
// ("scheme://userinfo@host:port", scheme lower-cased), raw path ("" when
// absent) and raw query. A fragment is dropped: it is never sent.
func splitURL(raw string) (base, path, query string, hasQuery bool, err error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", "", "", false, errors.New("not an absolute URL; start it with http:// or https://")
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return "", "", "", false, fmt.Errorf("scheme %q is not supported; use http:// or https://", scheme)
	}
	rest, _, _ = strings.Cut(rest, "#")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	u, err := url.Parse(scheme + "://" + authority)
	if err != nil {
		return "", "", "", false, fmt.Errorf("bad host: %w", err)
	}
	if u.Host == "" {
		return "", "", "", false, errors.New("no host; give one such as http://localhost:3000")
	}
	path, query, hasQuery = strings.Cut(rest[end:], "?")
	return scheme + "://" + authority, path, query, hasQuery, nil
}

// Resign replaces the signature headers of r for the scheme of cfg with a
// fresh signature of r.Body made at now: standard and svix get a fresh
// delivery id ("msg_" and 26 random base32 characters) and timestamp, stripe a
// fresh t=, github and hmac a recomputed MAC (and timestamp header, if cfg
// names one). A header already present keeps its position and name spelling
// (any further lines of the same name are removed); a missing one is appended,
// except GitHub's legacy X-Hub-Signature, which is only added when the request
// carried no X-Hub-Signature-256, so a replay never gains a weaker signature.
// Other headers are kept. r.Headers gets a new slice, so copies of r (one
// being sent, say) are unaffected; r itself must not be read concurrently.
// On error r is unchanged; errors wrap verify's (verify.ErrBadConfig for an
// invalid cfg).
func Resign(r *Request, cfg verify.Config, now time.Time) error {
	if r == nil {
		return errors.New("replay: re-sign: no request")
	}
	id := ""
	if cfg.Scheme == verify.SchemeStandard || cfg.Scheme == verify.SchemeSvix {
		// A fresh id as well as a fresh timestamp: receivers deduplicate on
		// the id, so reusing it would have the replay dropped as a repeat.
		id = "msg_" + rand.Text()
	}
	pairs, err := verify.Sign(cfg, id, now, r.Body)
	if err != nil {
		return fmt.Errorf("replay: re-sign for %s: %w", cfg.Scheme, err)
	}
	had256 := slices.ContainsFunc(r.Headers, func(kv capture.Header) bool {
		return strings.EqualFold(kv.Name, "X-Hub-Signature-256")
	})
	h := slices.Clone(r.Headers)
	for _, p := range pairs {
		name, value := p[0], p[1]
		i := slices.IndexFunc(h, func(kv capture.Header) bool { return strings.EqualFold(kv.Name, name) })
		if i < 0 {
			if cfg.Scheme == verify.SchemeGitHub && strings.EqualFold(name, "X-Hub-Signature") && had256 {
				continue
			}
			h = append(h, capture.Header{Name: name, Value: value})
			continue
		}
		h[i].Value = value
		// Drop later lines of the name: a stale signature left beside the
		// fresh one would only confuse whoever reads the request.
		tail := slices.DeleteFunc(h[i+1:], func(kv capture.Header) bool { return strings.EqualFold(kv.Name, name) })
		h = h[:i+1+len(tail)]
	}
	r.Headers = h
	return nil
}

// SignerFor picks, among cfgs (the saved verifiers), the one to re-sign c
// with: the one verify.Set.Pick chooses to check it, so the most specific
// path wins for re-signing as for checks. secretPrefixes are the secret
// path prefixes captures may have come in under (the saved one, and those
// capture.Store.SecretPrefixes remembers): the captured target still holds
// its prefix, which checks never see. Invalid configs are skipped. False
// when none applies.
func SignerFor(cfgs []verify.Config, c *capture.Request, secretPrefixes ...string) (verify.Config, bool) {
	valid := make([]verify.Config, 0, len(cfgs))
	for _, cfg := range cfgs {
		if cfg.Validate() == nil {
			valid = append(valid, cfg)
		}
	}
	set, err := verify.NewSet(valid)
	if err != nil {
		return verify.Config{}, false
	}
	return set.Pick(CheckedPath(c.Target, secretPrefixes...), c.Headers)
}

// CheckedPath is the path a signature check saw for a request with target:
// the path without its query, percent-decoded as net/http does, and without
// the secret prefix (the guard removes it before checks run). Of
// secretPrefixes, the one the path starts with is removed (the longest, if
// several do): a capture came in under one prefix only.
func CheckedPath(target string, secretPrefixes ...string) string {
	path, _, _ := strings.Cut(target, "?")
	if i := strings.Index(path, "://"); i > 0 { // absolute-form
		rest := path[i+3:]
		path = "/"
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			path = rest[j:]
		}
	}
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	best := ""
	for _, p := range secretPrefixes {
		p = strings.Trim(p, "/")
		if p == "" || len(p) <= len(best) {
			continue
		}
		if rest, ok := strings.CutPrefix(path, "/"+p); ok && (rest == "" || rest[0] == '/') {
			best = p
		}
	}
	if best != "" {
		path = strings.TrimPrefix(path, "/"+best)
		if path == "" {
			path = "/"
		}
	}
	return path
}
