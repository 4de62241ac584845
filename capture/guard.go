package capture

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
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
	// RateBurst is how many may arrive at once (0 = a tenth of RateLimit, at
	// least 1).
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
}

// refusal is why a request was turned away and how it was answered.
type refusal struct {
	reason string
	resp   Response
}

// guard applies inbound protection to r, returning the path the rest of
// the pipeline sees (secret prefix removed) or a refusal.
func (p *policyState) guard(r *http.Request, now time.Time) (string, *refusal) {
	path := r.URL.Path
	if p.limiter != nil {
		ip := clientIP(r)
		if wait, ok := p.limiter.allow(ip, now); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			resp := textResponse(http.StatusTooManyRequests, "", fmt.Sprintf(
				"Too many requests from %s: Gancho accepts %d per minute from one address. Retry after %d s.\n", ip, p.RateLimit, secs))
			resp.Headers = append(resp.Headers, Header{Name: "Retry-After", Value: fmt.Sprint(secs)})
			return path, &refusal{reason: fmt.Sprintf("rate limited: over %d/min from %s", p.RateLimit, ip), resp: resp}
		}
	}
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
			want := []byte(p.BasicAuth)
			got := []byte(user + ":" + pass)
			if subtle.ConstantTimeCompare(got, want) == 1 {
				ok, reason = true, ""
			} else {
				ok = false
			}
		}
		if !ok {
			resp := textResponse(http.StatusUnauthorized, "", "Gancho needs HTTP basic auth for this URL: send the user and password set in its Settings.\n")
			resp.Headers = append(resp.Headers, Header{Name: "WWW-Authenticate", Value: `Basic realm="gancho", charset="UTF-8"`})
			return path, &refusal{reason: reason, resp: resp}
		}
	}
	return path, nil
}

// clientIP is the sender's address: the peer, or for connections from a
// tunnel's edge the first X-Forwarded-For entry (the edge sets it).
func clientIP(r *http.Request) string {
	if wc := wireFrom(r.Context()); wc != nil && wc.proxied {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := strings.TrimSpace(first); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter is a token bucket per client IP. Safe for concurrent use.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the limiter's memory under a flood of distinct
// addresses; past it, full buckets (idle clients) are forgotten.
const maxBuckets = 10_000

func newLimiter(perMinute, burst int) *limiter {
	if perMinute <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = max(1, perMinute/10)
	}
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), buckets: make(map[string]*bucket)}
}

// allow takes a token for ip, or says how long until one is free.
func (l *limiter) allow(ip string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[ip]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[ip] = b
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

func (l *limiter) sweep(now time.Time) {
	for ip, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, ip)
		}
	}
}
