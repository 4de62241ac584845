// Package verify checks and makes webhook signatures: Standard Webhooks,
// Svix, Stripe, GitHub and generic HMAC.
//
// A Config names a scheme and its secret (Parse reads the CLI form), New
// turns it into a Verifier, and a Set picks the verifier configured for a
// capture's path. Sign makes the headers a sender would add, so replays and
// deliveries can be re-signed.
//
// Every check runs in the order header presence, header format, timestamp
// tolerance, signature, so a Result's Reason names the first thing wrong and
// says what it was. MAC comparisons are constant-time. A bad secret is
// reported when the Config is validated, never at Verify time.
//
// It never imports Fyne and uses only the standard library. Everything in it
// is safe for concurrent use.
package verify

import (
	"fmt"
	"strings"
	"time"
)

// Scheme names, as used in Config.Scheme, specs and Result.Scheme.
const (
	SchemeStandard = "standard" // Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
	SchemeSvix     = "svix"     // Svix: the Standard Webhooks algorithm under svix-* headers
	SchemeStripe   = "stripe"   // Stripe: Stripe-Signature: t=…,v1=…
	SchemeGitHub   = "github"   // GitHub: X-Hub-Signature-256: sha256=…
	SchemeHMAC     = "hmac"     // generic HMAC over the body, described by Config
)

// Schemes returns the known scheme names in display order. The slice is
// fresh on every call, so callers may modify it.
func Schemes() []string {
	return []string{SchemeStandard, SchemeSvix, SchemeStripe, SchemeGitHub, SchemeHMAC}
}

// Headers is what a verifier reads. capture.Headers satisfies it.
// Implementations must be safe for concurrent reads if a Verifier is shared.
type Headers interface {
	Get(name string) string      // first value, case-insensitive, "" if absent
	Values(name string) []string // all values in order
}

// Result is the outcome of verifying one capture. It is exported as JSON in
// the export record: {"scheme": "stripe", "ok": false, "reason": "..."}.
// Reason is short, user-facing text: which signature matched, or the first
// thing wrong.
type Result struct {
	Scheme string `json:"scheme"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
}

// String renders the result for logs and the CLI, e.g.
// "stripe: ok (signature v1 matches)".
func (r Result) String() string {
	verdict := "FAILED"
	if r.OK {
		verdict = "ok"
	}
	if r.Reason == "" {
		return r.Scheme + ": " + verdict
	}
	return r.Scheme + ": " + verdict + " (" + r.Reason + ")"
}

// Verifier checks one scheme's signature with one secret. Implementations
// returned by New are immutable and safe for concurrent use.
type Verifier interface {
	// Scheme returns the scheme name, e.g. "stripe".
	Scheme() string
	// Present reports whether the request carries any of this scheme's
	// signature headers at all (even empty or malformed ones), so a Set can
	// tell "signed some other way" from "signed this way, badly".
	Present(h Headers) bool
	// Verify checks the request signed at a time close to now. h must not be
	// nil.
	Verify(h Headers, body []byte, now time.Time) Result
}

// New validates c and returns its Verifier. Errors wrap ErrBadConfig.
func New(c Config) (Verifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return newVerifier(c), nil
}

// newVerifier builds the verifier for a validated config.
func newVerifier(c Config) Verifier {
	tol := c.tolerance()
	switch c.Scheme {
	case SchemeStandard:
		return &standardVerifier{scheme: c.Scheme, idH: "webhook-id", tsH: "webhook-timestamp", sigH: "webhook-signature", key: standardKey(c.Secret), tol: tol}
	case SchemeSvix:
		return &standardVerifier{scheme: c.Scheme, idH: "svix-id", tsH: "svix-timestamp", sigH: "svix-signature", key: standardKey(c.Secret), tol: tol}
	case SchemeStripe:
		return &stripeVerifier{key: []byte(c.Secret), tol: tol}
	case SchemeGitHub:
		return &githubVerifier{key: []byte(c.Secret)}
	default: // SchemeHMAC; Validate rejected everything else
		return &hmacVerifier{
			header:   c.Header,
			tsHeader: c.TimestampHeader,
			algo:     c.algo(),
			base64:   c.encoding() == "base64",
			prefix:   c.Prefix,
			key:      []byte(c.Secret),
			tol:      tol,
		}
	}
}

// Set holds the configured verifiers in order. It is immutable after NewSet
// and safe for concurrent use; a nil *Set has no verifiers.
type Set struct {
	entries []setEntry
}

type setEntry struct {
	cfg Config
	v   Verifier
}

// NewSet validates every config and builds the Set, keeping their order
// (which breaks ties in Check). Errors name the offending config by position
// and redacted spec, and wrap ErrBadConfig.
func NewSet(cfgs []Config) (*Set, error) {
	s := &Set{entries: make([]setEntry, 0, len(cfgs))}
	for i, c := range cfgs {
		v, err := New(c)
		if err != nil {
			return nil, fmt.Errorf("verifier %d (%s): %w", i+1, c, err)
		}
		s.entries = append(s.entries, setEntry{cfg: c, v: v})
	}
	return s, nil
}

// Len returns the number of configured verifiers.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.entries)
}

// Configs returns a copy of the configs, in order.
func (s *Set) Configs() []Config {
	if s == nil {
		return nil
	}
	out := make([]Config, len(s.entries))
	for i, e := range s.entries {
		out[i] = e.cfg
	}
	return out
}

// Check verifies a capture received on path (no query string) with the
// verifier Pick chooses. If no verifier applies it returns nil: not
// configured, nothing to show.
func (s *Set) Check(path string, h Headers, body []byte, now time.Time) *Result {
	i := s.pick(path, h)
	if i < 0 {
		return nil
	}
	r := s.entries[i].v.Verify(h, body, now)
	return &r
}

// Pick returns the config of the verifier that judges a request to path
// (no query string) carrying headers h, and false when none applies. The
// most specific path wins: only the verifiers whose Path is the longest
// one that covers path are candidates, so a global verifier never judges a
// request to a path that has its own ("stripe,path=/stripe" judges
// /stripe/evt even beside a global "standard"). Among the candidates, the
// first (in configuration order) whose headers are Present judges; if none
// is present, the first candidate does, and reports its headers missing,
// since an unsigned request to a path that expects signatures is worth
// flagging. Replay's re-signing picks with the same rule.
func (s *Set) Pick(path string, h Headers) (Config, bool) {
	i := s.pick(path, h)
	if i < 0 {
		return Config{}, false
	}
	return s.entries[i].cfg, true
}

func (s *Set) pick(path string, h Headers) int {
	if s == nil {
		return -1
	}
	best := -1 // length of the most specific applicable Path
	for _, e := range s.entries {
		if pathApplies(e.cfg.Path, path) {
			best = max(best, specificity(e.cfg.Path))
		}
	}
	if best < 0 {
		return -1
	}
	first := -1
	for i, e := range s.entries {
		if !pathApplies(e.cfg.Path, path) || specificity(e.cfg.Path) != best {
			continue
		}
		if e.v.Present(h) {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// specificity ranks a verifier's Path: "" and "/" (every path) lowest, then
// by length, so the longest matching prefix wins.
func specificity(prefix string) int {
	if prefix == "/" {
		return 0
	}
	return len(prefix)
}

// pathApplies reports whether a verifier configured for prefix covers path.
// Matching is by whole segments, so "/shop" covers "/shop" and "/shop/orders"
// but not "/shopping"; a prefix ending in "/" is a plain string prefix.
func pathApplies(prefix, path string) bool {
	if prefix == "" || prefix == "/" {
		return true
	}
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	return len(path) == len(prefix) || strings.HasSuffix(prefix, "/") || path[len(prefix)] == '/'
}
