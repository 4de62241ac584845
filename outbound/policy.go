package outbound

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Retry policy kinds, for RetryPolicy.Kind.
const (
	// RetryStandard retries 9 times, after 5 s, 5 min, 30 min, 2 h, 5 h,
	// 10 h, 14 h, 20 h and 24 h: ten attempts over about three days. The
	// default.
	RetryStandard = "standard"
	// RetrySvix is Svix's schedule: 7 retries after 5 s, 5 min, 30 min, 2 h,
	// 5 h, 10 h and 10 h.
	RetrySvix = "svix"
	// RetryLinear retries Count times, Every apart.
	RetryLinear = "linear"
	// RetryCustom retries once per entry of Delays.
	RetryCustom = "custom"
	// RetryNone makes one attempt only.
	RetryNone = "none"
)

// DefaultJitter is the jitter of a RetryPolicy whose Jitter is 0: ±20 %.
const DefaultJitter = 0.2

// Limits of a RetryPolicy.
const (
	MaxRetries    = 100                   // retries of a linear or custom policy
	MaxRetryDelay = 7 * 24 * time.Hour    // one nominal delay
	MaxCompress   = 1_000_000             // time compression factor
	minRetryAfter = time.Second           // Retry-After is clamped to…
	maxRetryAfter = time.Hour             // …this range
	retryAfterMax = 100 * 365 * 24 * 3600 // seconds; beyond this the header is nonsense
)

var (
	standardSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
		2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour}
	svixSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
		2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
)

// RetryPolicy says when a failed delivery is tried again. The zero value is
// the standard schedule with ±20 % jitter in real time.
//
// The first attempt is made when the event fires ("immediately"); the
// schedule lists the delays before each retry, counted from the end of the
// attempt before it. Each delay is varied by ±Jitter at random, so that
// receivers coming back up are not hit by every retry at once, then divided
// by Compress. Fields that do not apply to Kind are ignored.
type RetryPolicy struct {
	// Kind is RetryStandard ("" too), RetrySvix, RetryLinear, RetryCustom or
	// RetryNone.
	Kind string
	// Count and Every describe a linear policy: Count retries, Every apart.
	Count int
	Every time.Duration
	// Delays are a custom policy's delays, one per retry; 0 retries at once.
	Delays []time.Duration
	// Jitter is the random variation of each delay as a fraction: 0 means
	// DefaultJitter, a negative value none, at most 1.
	Jitter float64
	// Compress divides every delay (Retry-After included, the attempt's
	// Timeout not), for trying a schedule out: at 60 an hour passes in a
	// minute. 0 or 1 is real time; otherwise 1 to MaxCompress.
	Compress float64
}

func (p RetryPolicy) kind() string {
	if p.Kind == "" {
		return RetryStandard
	}
	return p.Kind
}

// Schedule returns the nominal delays before retry 1, 2, … n (before jitter
// and compression); nil for RetryNone or an unknown kind. The slice is
// fresh on every call.
func (p RetryPolicy) Schedule() []time.Duration {
	switch p.kind() {
	case RetryStandard:
		return slices.Clone(standardSchedule)
	case RetrySvix:
		return slices.Clone(svixSchedule)
	case RetryLinear:
		if p.Count <= 0 || p.Count > MaxRetries {
			return nil
		}
		out := make([]time.Duration, p.Count)
		for i := range out {
			out[i] = p.Every
		}
		return out
	case RetryCustom:
		return slices.Clone(p.Delays)
	}
	return nil
}

// retries returns how many retries the policy allows.
func (p RetryPolicy) retries() int {
	switch p.kind() {
	case RetryStandard:
		return len(standardSchedule)
	case RetrySvix:
		return len(svixSchedule)
	case RetryLinear:
		if p.Count <= 0 || p.Count > MaxRetries {
			return 0
		}
		return p.Count
	case RetryCustom:
		return len(p.Delays)
	}
	return 0
}

// nominal returns the delay before retry n (1-based).
func (p RetryPolicy) nominal(n int) time.Duration {
	switch p.kind() {
	case RetryStandard:
		return standardSchedule[n-1]
	case RetrySvix:
		return svixSchedule[n-1]
	case RetryLinear:
		return p.Every
	}
	return p.Delays[n-1]
}

func (p RetryPolicy) jitter() float64 {
	switch {
	case p.Jitter < 0 || math.IsNaN(p.Jitter):
		return 0
	case p.Jitter == 0:
		return DefaultJitter
	}
	return min(p.Jitter, 1)
}

// compress divides d by the policy's Compress factor.
func (p RetryPolicy) compress(d time.Duration) time.Duration {
	if p.Compress <= 1 || math.IsNaN(p.Compress) || math.IsInf(p.Compress, 0) {
		return d
	}
	return time.Duration(float64(d) / p.Compress)
}

// Delay returns the actual wait before retry n (1-based), jittered and
// compressed, and false when the policy allows no retry n. rnd returns a
// number in [0, 1); nil means math/rand/v2.Float64.
func (p RetryPolicy) Delay(n int, rnd func() float64) (time.Duration, bool) {
	if n < 1 || n > p.retries() {
		return 0, false
	}
	d := p.nominal(n)
	if j := p.jitter(); j > 0 && d > 0 {
		if rnd == nil {
			rnd = rand.Float64
		}
		d = time.Duration(float64(d) * (1 + j*(2*rnd()-1)))
	}
	return p.compress(d), true
}

// Validate reports what is wrong with p, one sentence per problem, as an
// *InvalidError wrapping ErrInvalid.
func (p RetryPolicy) Validate() error {
	var ps problems
	switch p.kind() {
	case RetryStandard, RetrySvix, RetryNone:
	case RetryLinear:
		if p.Count < 1 || p.Count > MaxRetries {
			ps.add("Retry", "A linear retry needs 1 to %d retries, not %d.", MaxRetries, p.Count)
		}
		if p.Every <= 0 || p.Every > MaxRetryDelay {
			ps.add("Retry", "A linear retry's interval must be more than 0 and at most 7 days, not %s.", p.Every)
		}
	case RetryCustom:
		if len(p.Delays) == 0 || len(p.Delays) > MaxRetries {
			ps.add("Retry", "A custom retry needs 1 to %d delays, not %d; use none for no retries.", MaxRetries, len(p.Delays))
		}
		for i, d := range p.Delays {
			if d < 0 || d > MaxRetryDelay {
				ps.add("Retry", "Custom delay %d (%s) must be between 0 and 7 days.", i+1, d)
			}
		}
	default:
		ps.add("Retry", "Retry kind %q is not known; use standard, svix, linear, custom or none.", clip(p.Kind))
	}
	switch {
	case math.IsNaN(p.Jitter):
		ps.add("Retry", "Jitter is not a number; use a fraction such as 0.2, or 0 for the default.")
	case p.Jitter > 1:
		ps.add("Retry", "Jitter %g is more than 1 (100 %%); use a fraction such as 0.2.", p.Jitter)
	}
	switch c := p.Compress; {
	case math.IsNaN(c) || math.IsInf(c, 0):
		ps.add("Retry", "Compression is not a number; use 60 to make an hour last a minute, or 0 for real time.")
	case c < 0 || (c > 0 && c < 1):
		ps.add("Retry", "Compression %g cannot slow time down; use 1 or more, or 0 for real time.", c)
	case c > MaxCompress:
		ps.add("Retry", "Compression %g is more than %d; use a smaller factor.", c, MaxCompress)
	}
	return ps.err("retry policy")
}

// RetryUsage describes the form ParseRetry reads, for CLI help and errors.
const RetryUsage = "standard, svix, none, linear:COUNTxEVERY (e.g. linear:5x30s) or custom:DELAY,DELAY,… (e.g. custom:1s,10s,1m), " +
	"optionally followed by ,compress=FACTOR (60 makes an hour last a minute) and ,jitter=FRACTION (0 for none, default 0.2)"

// SpecError is ParseRetry's error. Its text is for the command line: the
// spec, the problem and what a valid spec looks like; Problems are the
// problems alone, for a form (see Problem.Key). It wraps ErrInvalid.
type SpecError struct {
	text     string
	Problems []Problem
}

// Error returns the command line's sentence.
func (e *SpecError) Error() string { return e.text }

// Unwrap returns ErrInvalid.
func (e *SpecError) Unwrap() error { return ErrInvalid }

// ParseRetry reads the command-line form of a policy: "standard", "svix",
// "none", "linear:5x30s", "custom:1s,10s,1m", each optionally followed by
// ",compress=60" and ",jitter=0.1" (or "jitter=10%"; "jitter=0" means no
// jitter). Durations are Go durations ("90s", "1h30m"). The result is
// validated; errors wrap ErrInvalid and say what a valid spec looks like.
// String gives the same form back.
func ParseRetry(spec string) (RetryPolicy, error) {
	bad := func(format string, a ...any) (RetryPolicy, error) {
		return RetryPolicy{}, &SpecError{
			text:     fmt.Sprintf("%s: retry %s: %s; want %s", ErrInvalid, strconv.Quote(clip(spec)), fmt.Sprintf(format, a...), RetryUsage),
			Problems: []Problem{newProblem("Retry", format, a...)},
		}
	}
	segs := strings.Split(strings.TrimSpace(spec), ",")
	head, arg, hasArg := strings.Cut(segs[0], ":")
	var p RetryPolicy
	p.Kind = strings.ToLower(strings.TrimSpace(head))
	rest := segs[1:]
	switch p.Kind {
	case RetryStandard, RetrySvix, RetryNone:
		if hasArg {
			return bad("%s takes no argument after ':'", p.Kind)
		}
	case RetryLinear:
		n, every, ok := strings.Cut(strings.TrimSpace(arg), "x")
		if !ok {
			return bad("linear needs COUNTxEVERY, e.g. linear:5x30s")
		}
		c, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return bad("linear count %q is not a whole number", clip(n))
		}
		d, err := parseDelay(every)
		if err != nil {
			return bad("linear interval: %v", err)
		}
		p.Count, p.Every = c, d
	case RetryCustom:
		if strings.TrimSpace(arg) == "" {
			return bad("custom needs at least one delay, e.g. custom:1s,10s")
		}
		d, err := parseDelay(arg)
		if err != nil {
			return bad("custom delay 1: %v", err)
		}
		p.Delays = []time.Duration{d}
		for len(rest) > 0 && !strings.Contains(rest[0], "=") {
			if len(p.Delays) >= MaxRetries {
				return bad("more than %d delays", MaxRetries)
			}
			d, err := parseDelay(rest[0])
			if err != nil {
				return bad("custom delay %d: %v", len(p.Delays)+1, err)
			}
			p.Delays = append(p.Delays, d)
			rest = rest[1:]
		}
	case "":
		return bad("no policy named")
	default:
		return bad("unknown policy %q", clip(p.Kind))
	}
	seen := map[string]bool{}
	for _, o := range rest {
		k, v, ok := strings.Cut(o, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if !ok {
			return bad("%q is not an option; options are compress=FACTOR and jitter=FRACTION", clip(o))
		}
		if seen[k] {
			return bad("option %s given twice", k)
		}
		seen[k] = true
		switch k {
		case "compress":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return bad("compress %q is not a number", clip(v))
			}
			if f == 1 {
				f = 0
			}
			p.Compress = f
		case "jitter":
			pct := strings.HasSuffix(v, "%")
			f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return bad("jitter %q is not a fraction such as 0.2 or a percentage such as 20%%", clip(v))
			}
			if pct {
				f /= 100
			}
			if f == 0 {
				f = -1
			}
			p.Jitter = f
		default:
			return bad("unknown option %q", clip(k))
		}
	}
	if err := p.Validate(); err != nil {
		_, e := bad("%s", strings.TrimPrefix(err.Error(), "retry policy is invalid: "))
		e.(*SpecError).Problems = ProblemsOf(err)
		return RetryPolicy{}, e
	}
	return p, nil
}

// parseDelay reads a non-negative Go duration; a bare "0" is allowed.
func parseDelay(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 30s, 5m or 1h30m", clip(s))
	}
	if d < 0 {
		return 0, fmt.Errorf("%s is negative", s)
	}
	return d, nil
}

// String returns p in ParseRetry's form, e.g. "linear:5x30s,compress=60".
// Options appear only when they differ from the defaults.
func (p RetryPolicy) String() string {
	var b strings.Builder
	b.WriteString(p.kind())
	switch p.kind() {
	case RetryLinear:
		b.WriteString(":" + strconv.Itoa(p.Count) + "x" + formatDelay(p.Every))
	case RetryCustom:
		for i, d := range p.Delays {
			if i == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(formatDelay(d))
		}
	}
	if p.Compress > 1 || p.Compress < 0 || (p.Compress > 0 && p.Compress < 1) || math.IsNaN(p.Compress) {
		b.WriteString(",compress=" + strconv.FormatFloat(p.Compress, 'g', -1, 64))
	}
	switch {
	case p.Jitter < 0:
		b.WriteString(",jitter=0")
	case p.Jitter > 0 || math.IsNaN(p.Jitter):
		b.WriteString(",jitter=" + strconv.FormatFloat(p.Jitter, 'g', -1, 64))
	}
	return b.String()
}

// formatDelay writes d as a Go duration without zero units: "5m", "1h30m",
// "1.5s".
func formatDelay(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d < 0 || d%time.Second != 0 {
		return d.String()
	}
	var b strings.Builder
	if h := d / time.Hour; h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "h")
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "m")
		d -= m * time.Minute
	}
	if d > 0 {
		b.WriteString(strconv.FormatInt(int64(d/time.Second), 10) + "s")
	}
	return b.String()
}

// retryAfter reads a Retry-After value, in seconds or as an HTTP-date
// relative to now, clamped to [1 s, 1 h]. ok is false when the header is
// absent or unreadable.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		d = time.Duration(min(n, retryAfterMax)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	return min(max(d, minRetryAfter), maxRetryAfter), true
}
