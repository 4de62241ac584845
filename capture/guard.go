package capture

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gancho-app/gancho/rules"
	"github.com/gancho-app/gancho/verify"
)

// Checker verifies a request's signature; nil result means no verifier
// applies to path. verify.Set implements it. Called on any goroutine.
type Checker interface {
	Check(path string, h verify.Headers, body []byte, now time.Time) *verify.Result
}

// Responder picks the response rule for a request and advances its
// sequence. rules.Set implements it. Called on any goroutine.
type Responder interface {
	Match(method, path string) (rules.Action, bool)
}

// Policy is what the handler applies to every request besides recording
// it: inbound protection, signature checks and response rules. The zero
// value accepts everything and answers 200.
type Policy struct {
	// SecretPrefix, when set, must be the first path segment
	// (/SECRET/…): an unguessable token that keeps scanners out of a public
	// URL. Rules and verifiers see the path without it.
	SecretPrefix string
	// BasicAuth, when set ("user:password"), is required with HTTP basic auth.
	BasicAuth string
	// RateLimit caps requests per minute from one client IP (0 = no cap);
	// RateBurst is how many may arrive at once (0 = RateLimit: a minute's
	// worth).
	RateLimit, RateBurst int
	// DropRefused stops refused requests from being recorded. By default
	// they are kept, marked, so a misconfigured sender is visible.
	DropRefused bool
	Verify      Checker   // nil: no signature checks
	Respond     Responder // nil: always the default 200
}

// ErrBadPolicy is wrapped by Policy.Validate.
var ErrBadPolicy = errors.New("invalid inbound settings")

// Validate reports settings that cannot work, with what to change.
func (p Policy) Validate() error {
	if p.SecretPrefix != "" {
		for _, c := range p.SecretPrefix {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%w: the secret path prefix may hold only letters, digits, '-' and '_'", ErrBadPolicy)
			}
		}
	}
	if p.BasicAuth != "" && !strings.Contains(p.BasicAuth, ":") {
		return fmt.Errorf("%w: basic auth must be user:password", ErrBadPolicy)
	}
	if p.RateLimit < 0 || p.RateBurst < 0 {
		return fmt.Errorf("%w: the rate limit must be 0 (off) or a positive number per minute", ErrBadPolicy)
	}
	return nil
}

// policyState is a Policy with its compiled parts; replaced whole.
type policyState struct {
	Policy
	limiter *limiter
	// refusedLog throttles the recording of refused requests per client:
	// a flood of refusals must not become a flood of writes.
	refusedLog *limiter
}

func newPolicyState(p Policy) *policyState {
	burst := p.RateBurst
	if burst <= 0 {
		// N per minute lets N quick requests through, then one every 60/N s:
		// what "60 per minute" promises to a sender that sends in batches.
		burst = p.RateLimit
	}
	st := &policyState{Policy: p, limiter: newLimiter(float64(p.RateLimit)/60, burst)}
	// Three at once, then one every 10 s per client.
	st.refusedLog = newLimiter(0.1, 3)
	return st
}

// refusal is why a request was turned away and how it was answered.
type refusal struct {
	reason string
	resp   Response
}

// guard applies inbound protection to r, returning the path the rest of
// the pipeline sees (secret prefix removed) or a refusal. The secret prefix
// is checked first, so nothing but a bare 404 reaches whoever lacks it.
func (p *policyState) guard(r *http.Request, now time.Time) (string, *refusal) {
	path := r.URL.Path
	if p.SecretPrefix != "" {
		rest, ok := strings.CutPrefix(path, "/"+p.SecretPrefix)
		if !ok || (rest != "" && rest[0] != '/') {
			// 404, not 401: the prefix exists to make the URL unguessable,
			// so do not confirm there is something here.
			return path, &refusal{reason: "secret path prefix missing or wrong",
				resp: textResponse(http.StatusNotFound, "", "Not found.\n")}
		}
		if rest == "" {
			rest = "/"
		}
		path = rest
	}
	if p.BasicAuth != "" {
		user, pass, ok := r.BasicAuth()
		reason := "basic auth missing"
		if ok {
			reason = "basic auth wrong"
			if subtle.ConstantTimeCompare([]byte(user+":"+pass), []byte(p.BasicAuth)) == 1 {
				reason = ""
			}
		}
		if reason != "" {
			resp := textResponse(http.StatusUnauthorized, "", "This URL needs HTTP basic auth: send the user and password set in Gancho's Settings.\n")
			resp.Headers = append(resp.Headers, Header{Name: "WWW-Authenticate", Value: `Basic realm="gancho", charset="UTF-8"`})
			return path, &refusal{reason: reason, resp: resp}
		}
	}
	if p.limiter != nil {
		ip := clientKey(r)
		if wait, ok := p.limiter.allow(ip, now); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			resp := textResponse(http.StatusTooManyRequests, "", fmt.Sprintf(
				"Too many requests from your address: at most %d per minute are accepted. Retry after %d s.\n", p.RateLimit, secs))
			resp.Headers = append(resp.Headers, Header{Name: "Retry-After", Value: strconv.Itoa(secs)})
			return path, &refusal{reason: fmt.Sprintf("rate limited: over %d/min from %s", p.RateLimit, ip), resp: resp}
		}
	}
	return path, nil
}

// clientKey names the sender for rate limiting: its IP address, or for
// IPv6 its /64, which one host can fill with addresses at will. Tunnel
// connections carry the client's real address too (the tunnel sets it from
// its edge); X-Forwarded-For is never trusted, since the sender writes it.
func clientKey(r *http.Request) string { return AddrKey(r.RemoteAddr) }

// redactAuth hides the password of an Authorization: Basic header, so
// Gancho's own credentials (or a sender's wrong guess at them) do not end
// up in captures, exports and screenshots. The user name stays visible.
func redactAuth(h Headers) {
	for i, kv := range h {
		if !strings.EqualFold(kv.Name, "Authorization") {
			continue
		}
		scheme, cred, ok := strings.Cut(kv.Value, " ")
		if !ok || !strings.EqualFold(scheme, "Basic") {
			continue
		}
		user := "?"
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
			u, _, _ := strings.Cut(string(b), ":")
			user = u
		}
		h[i].Value = scheme + " (password hidden by Gancho; user " + strconv.Quote(user) + ")"
	}
}

// limiter is a token bucket per client. Its memory is bounded: past
// maxBuckets clients, idle ones are forgotten (at most once a second) and
// new ones share one overflow bucket until room frees up. Safe for
// concurrent use.
type limiter struct {
	mu        sync.Mutex
	rate      float64 // tokens per second
	burst     float64
	buckets   map[string]*bucket
	overflow  bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the limiter's memory under a flood of addresses.
const maxBuckets = 10_000

func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = 1
	}
	return &limiter{rate: perSecond, burst: float64(burst), buckets: make(map[string]*bucket),
		overflow: bucket{tokens: float64(burst)}}
}

// allow takes a token for key, or says how long until one is free.
func (l *limiter) allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets && now.Sub(l.lastSweep) >= time.Second {
			l.sweep(now)
		}
		if len(l.buckets) >= maxBuckets {
			b = &l.overflow
		} else {
			b = &bucket{tokens: l.burst, last: now}
			l.buckets[key] = b
		}
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

// sweep forgets clients whose buckets have refilled: they are idle.
func (l *limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}
