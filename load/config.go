package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
)

// Defaults for the zero Config fields.
const (
	// DefaultMaxInFlight caps the open model's in-flight requests.
	DefaultMaxInFlight = 1000
	// DefaultMaxConns bounds the connections to the receiver.
	DefaultMaxConns = 64
	// DefaultTimeout bounds each request.
	DefaultTimeout = 10 * time.Second
	// DefaultWindow is how many later deliveries overtake one held back
	// by the out-of-order fault.
	DefaultWindow = 5
	// MaxRate and MaxConcurrency bound what a run may ask for: beyond
	// them the sender, not the receiver, is what gets measured.
	MaxRate        = 100_000
	MaxConcurrency = 10_000
)

// ErrConfig is wrapped by every error New returns for an invalid Config.
var ErrConfig = errors.New("load: invalid run")

// Sender sends one request; *replay.Sender is the one runs use. It must be
// safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, r replay.Request, o replay.Options) replay.Result
}

// Config describes one run. Exactly one of Rate and Concurrency is set; a
// run without Duration or Count goes on until its context is canceled.
type Config struct {
	// Target is the receiver's URL (http:// or https://). With a
	// subscription's signing and no Target, the subscription's URL is used.
	Target string
	// Rate is requests per second (open model).
	Rate float64
	// Concurrency is the number of workers (closed model).
	Concurrency int
	// Duration stops scheduling after this long; Count after this many
	// requests (sent or not sent because of the in-flight cap). Requests
	// in flight then still get their answer (within Timeout).
	Duration time.Duration
	Count    int
	// Source yields what to send. Required.
	Source Source
	// Signing is how each request is signed; the zero value sends it as
	// the source made it.
	Signing Signing
	// Faults to inject.
	Faults Faults
	// Seed drives the faults' random choices (and nothing else: sources
	// take their own seed), so a run's fault pattern can be reproduced.
	Seed uint64
	// MaxInFlight caps the requests in flight (open model); ≤ 0 means
	// DefaultMaxInFlight.
	MaxInFlight int
	// MaxConns bounds the connections to the receiver (the default
	// Sender's pool); ≤ 0 means DefaultMaxConns. A request finding them
	// all busy waits for one, and that wait counts in its latency.
	MaxConns int
	// Timeout bounds each request; ≤ 0 means DefaultTimeout.
	Timeout time.Duration
	// Insecure skips TLS verification; EnvProxy sends through the
	// environment's proxy (see replay.Options).
	Insecure, EnvProxy bool
	// Clock is where time is read; nil means SystemClock.
	Clock Clock
	// Sender sends the requests; nil means a fresh *replay.Sender, closed
	// when the run ends.
	Sender Sender
}

// Signing is how a run signs its requests. At most one of Spec and
// Subscription is set; neither means unsigned (events) or as captured
// (captures).
type Signing struct {
	// Spec signs with a verifier's scheme and secret, as
	// "gancho listen --verify SPEC" takes it: events get its headers,
	// captures are re-signed (replay.Resign: a fresh id and timestamp).
	Spec *verify.Config
	// Subscription builds events as this outbound subscription does
	// (method, format, mapping, headers, signature: outbound.Build);
	// captures are re-signed with its scheme and secret.
	Subscription *outbound.Subscription
}

// Faults are the CRM's delivery faults a run injects.
type Faults struct {
	// Duplicates is the percentage (0–100) of sends that deliver again
	// the previous delivery: the same request, same webhook-id and
	// signature.
	Duplicates float64
	// OutOfOrder is the percentage (0–100) of deliveries held back and
	// sent after the Window deliveries that follow them.
	OutOfOrder float64
	// Window is how many deliveries overtake a held-back one; ≤ 0 means
	// DefaultWindow.
	Window int
	// BurstSize requests are sent at once every BurstEvery, on top of the
	// rate (or of the workers' pace).
	BurstSize  int
	BurstEvery time.Duration
}

// check validates c and fills in its defaults.
func (c *Config) check() error {
	var bad []string
	if c.Source == nil {
		bad = append(bad, "nothing to send: choose events, a journey or captures")
	}
	switch {
	case c.Rate > 0 && c.Concurrency > 0:
		bad = append(bad, "give a rate or a concurrency, not both")
	case c.Rate <= 0 && c.Concurrency <= 0:
		bad = append(bad, "give a rate (requests per second) or a concurrency (parallel senders)")
	case math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || c.Rate > MaxRate:
		bad = append(bad, fmt.Sprintf("the rate must be at most %d requests per second", MaxRate))
	case c.Concurrency > MaxConcurrency:
		bad = append(bad, fmt.Sprintf("the concurrency must be at most %d", MaxConcurrency))
	}
	if c.Duration < 0 || c.Count < 0 {
		bad = append(bad, "the duration and count cannot be negative")
	}
	f := c.Faults
	if f.Duplicates < 0 || f.Duplicates > 100 || math.IsNaN(f.Duplicates) {
		bad = append(bad, "duplicates is a percentage from 0 to 100")
	}
	if f.OutOfOrder < 0 || f.OutOfOrder > 100 || math.IsNaN(f.OutOfOrder) {
		bad = append(bad, "out-of-order is a percentage from 0 to 100")
	}
	if f.BurstSize < 0 || (f.BurstSize > 0) != (f.BurstEvery > 0) {
		bad = append(bad, "a burst needs a size and an interval, e.g. 50 requests every 5 s")
	} else if f.BurstSize > 0 && f.BurstEvery < 10*time.Millisecond {
		bad = append(bad, "bursts can come at most every 10 ms")
	}
	if c.Signing.Spec != nil && c.Signing.Subscription != nil {
		bad = append(bad, "sign with a verifier spec or a subscription, not both")
	}
	if c.Signing.Spec != nil {
		if err := c.Signing.Spec.Validate(); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if c.Target == "" && c.Signing.Subscription != nil {
		c.Target = c.Signing.Subscription.URL
	}
	if err := replay.CheckTarget(c.Target); err != nil {
		bad = append(bad, strings.TrimPrefix(err.Error(), "replay: "))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(bad, "; "))
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	// A worker always has its place: the cap only bounds what bursts add.
	c.MaxInFlight = max(c.MaxInFlight, c.Concurrency+c.Faults.BurstSize)
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Faults.Window <= 0 {
		c.Faults.Window = DefaultWindow
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	return nil
}

// ParseBurst reads a burst written N/EVERY, as "50/5s" (50 extra requests
// every 5 seconds): the CLI's --burst and the window's field. A pure
// function, safe for concurrent use.
func ParseBurst(s string) (size int, every time.Duration, err error) {
	n, e, ok := strings.Cut(s, "/")
	size, err1 := strconv.Atoi(strings.TrimSpace(n))
	every, err2 := time.ParseDuration(strings.TrimSpace(e))
	if !ok || err1 != nil || err2 != nil || size <= 0 || every <= 0 {
		return 0, 0, fmt.Errorf("%w: burst %q: write it as N/EVERY, e.g. 50/5s", ErrConfig, s)
	}
	return size, every, nil
}
