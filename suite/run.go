package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/diff"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
)

// Sender sends one request; *replay.Sender is one. Run calls it from one
// goroutine at a time.
type Sender interface {
	Send(ctx context.Context, r replay.Request, o replay.Options) replay.Result
}

// Captures looks captures up by id for capture steps; *capture.Store is
// one. Run calls it from one goroutine at a time.
type Captures interface {
	Get(ctx context.Context, id string) (*capture.Request, error)
}

// Subscriptions lists the saved outbound subscriptions, for steps signed
// with a subscription's secret (looked up by name, then by id);
// *outbound.Store is one. Run calls it from one goroutine at a time.
type Subscriptions interface {
	Subscriptions(ctx context.Context) ([]outbound.Subscription, error)
}

// RunOptions tune one Run. The zero value runs against Suite.Target with a
// fresh sender, the real clock and crypto/rand.
type RunOptions struct {
	// Target is the base URL ("http://localhost:3000", "http://h/base");
	// "" means Suite.Target. A step's path (and query) is appended to it.
	Target string
	// Sender sends the requests; nil means a replay.Sender made for the run
	// and closed at its end.
	Sender Sender
	// Captures resolves capture steps; nil fails them with a sentence
	// saying to pass --data (the data directory holding the captures).
	Captures Captures
	// Subscriptions resolves sign mode "subscription"; nil fails those
	// steps with a sentence saying to pass --data.
	Subscriptions Subscriptions
	// Now is the clock for {{now}}, signature timestamps and the report's
	// start; nil means time.Now. Latency is measured by the Sender.
	Now func() time.Time
	// Rand feeds {{uuid}} and {{webhookID}}; nil means crypto/rand. Tests
	// pass a seeded reader (math/rand/v2's ChaCha8) to get fixed values.
	Rand io.Reader
	// LookupEnv reads environment variables for {{env "NAME"}}; nil means
	// os.LookupEnv.
	LookupEnv func(name string) (string, bool)
	// Progress, when set, is called after each step with its result, on
	// the goroutine running Run (so a UI must hop to its own thread), in
	// step order. The StepResult shares its slices with the report: read
	// them, do not modify them.
	Progress func(StepResult)
	// Starting, when set, is called before each step is built and sent, on
	// the goroutine running Run: index is the step's position (0-based).
	Starting func(index int, name string)
	// Insecure skips TLS certificate verification.
	Insecure bool
	// Timeout bounds each step's exchange; 0 means Suite.Timeout, and
	// when that is empty replay.DefaultTimeout.
	Timeout time.Duration
	// MaxBody is how much of each response body is kept (and checked);
	// 0 means replay.DefaultMaxBody (1 MiB).
	MaxBody int64
}

// FailureKind says which check failed.
type FailureKind string

// The failure kinds. Transport, template, edit, sign and source failures
// mean the step never got (or never sent) a request; the others are
// expectations on the answer.
const (
	FailStatus    FailureKind = "status"
	FailHeader    FailureKind = "header"
	FailJSON      FailureKind = "json"
	FailLatency   FailureKind = "latency"
	FailSame      FailureKind = "same"      // the answer differs from Step.Recorded
	FailTransport FailureKind = "transport" // no (whole) answer: refused, reset, timeout…
	FailTemplate  FailureKind = "template"
	FailEdit      FailureKind = "edit"
	FailSign      FailureKind = "sign"
	FailSource    FailureKind = "source" // the capture, event or inline request could not be built
)

// Failure is one failed check.
type Failure struct {
	Kind FailureKind
	// Message is one sentence a QA person understands: "expected status
	// 2xx, got 500".
	Message string
	// Expected and Got are the two sides, as text, when the check has them.
	Expected, Got string
	// Key is Message's English source with {{.A1}}, {{.A2}}… where the
	// values go, and Data those values (text.Keyed): a window or the CLI
	// translates Key and fills it with Data.
	Key  string
	Data map[string]any
	// Changes are the differences, for same-as-recorded and JSON equals
	// checks of objects and arrays (diff's form, for the UI's diff view).
	Changes []diff.Change
}

func (f Failure) String() string { return f.Message }

// StepResult is what one step did: a plain value (RunOptions.Progress
// receives a copy sharing its slices with the report's).
type StepResult struct {
	Index  int // position in Suite.Steps, 0-based
	Name   string
	Passed bool
	// Failures are every failed check, in the order checked; empty when
	// Passed.
	Failures []Failure
	Status   int           // the answer's status; 0 without one
	Latency  time.Duration // the whole exchange (replay.Timings.Total)
	// Request is what was sent (after templating, edits and signing);
	// its URL is "" when the step failed before sending.
	Request replay.Request
	// Response is the receiver's answer, or the transport failure.
	Response replay.Result
	// Err is the transport failure's sentence ("" when an answer came).
	Err string
}

// Sent reports whether the step's request went out.
func (r StepResult) Sent() bool { return r.Request.URL != "" && r.Response.SentAt != (time.Time{}) }

// Errored reports whether the step failed for another reason than an
// expectation: no answer, or no request (JUnit's <error> against
// <failure>).
func (r StepResult) Errored() bool {
	for _, f := range r.Failures {
		switch f.Kind {
		case FailTransport, FailTemplate, FailEdit, FailSign, FailSource:
			return true
		}
	}
	return false
}

// Summary is the first failure's message, or "" for a passed step.
func (r StepResult) Summary() string {
	if len(r.Failures) == 0 {
		return ""
	}
	s := r.Failures[0].Message
	if n := len(r.Failures) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

// Report is a whole run. Run returns it complete; it is a plain value,
// safe to read from several goroutines once Run has returned.
type Report struct {
	Suite    string // Suite.Name
	Target   string // the base URL used
	Started  time.Time
	Duration time.Duration
	Steps    []StepResult // the steps run, in order; fewer than the suite's when canceled
	Passed   int
	Failed   int
	// Canceled says the run was stopped before its end.
	Canceled bool
}

// OK reports whether every step ran and passed.
func (r *Report) OK() bool { return r != nil && !r.Canceled && r.Failed == 0 }

// Errors counts failed steps that got no answer or sent nothing
// (StepResult.Errored).
func (r *Report) Errors() int {
	n := 0
	for _, s := range r.Steps {
		if !s.Passed && s.Errored() {
			n++
		}
	}
	return n
}

// ErrNoTarget is returned by Run when neither RunOptions.Target nor
// Suite.Target names where to send.
var ErrNoTarget = errors.New("no target URL: pass --to URL (or set target: in the suite)")

// Run sends s's steps in order to the target and checks each answer. A
// failing step does not stop the run: later steps still run (a template
// reading a failed step's answer fails with its own message).
//
// It returns an error, and no report, when the run cannot start: a nil or
// invalid suite, no target or a bad one. Cancelling ctx stops the run
// between steps or during a send: the report holds the steps finished
// before (the interrupted one is left out), Canceled is set, and the error
// wraps ctx's. Run is safe to call from several goroutines at once with
// distinct options; each call uses its options' Sender, Captures and
// Subscriptions from its own goroutine only.
func Run(ctx context.Context, s *Suite, o RunOptions) (*Report, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no suite", ErrInvalid)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	target := strings.TrimSpace(o.Target)
	if target == "" {
		target = strings.TrimSpace(s.Target)
	}
	if target == "" {
		return nil, ErrNoTarget
	}
	if err := replay.CheckTarget(target); err != nil {
		return nil, fmt.Errorf("target %q: %w", target, err)
	}
	timeout := o.Timeout
	if timeout <= 0 && s.Timeout != "" {
		timeout, _ = time.ParseDuration(s.Timeout) // Validate checked it
	}
	r := &runner{s: s, o: o, target: target, sendOpts: replay.Options{Timeout: timeout, Insecure: o.Insecure, MaxBody: o.MaxBody}}
	if r.o.Now == nil {
		r.o.Now = time.Now
	}
	if r.o.Sender == nil {
		snd := replay.NewSender()
		defer snd.Close()
		r.o.Sender = snd
	}
	r.steps = map[string]any{}
	r.rx = compileMatches(s) // Validate checked they compile
	rep := &Report{Suite: s.Name, Target: target, Started: r.o.Now()}
	wall := time.Now()
	defer func() { rep.Duration = time.Since(wall) }()
	for i := range s.Steps {
		if err := ctx.Err(); err != nil {
			rep.Canceled = true
			return rep, fmt.Errorf("suite stopped before step %d: %w", i+1, context.Cause(ctx))
		}
		if o.Starting != nil {
			o.Starting(i, s.Steps[i].Name)
		}
		res := r.step(ctx, i)
		if ctx.Err() != nil {
			// The answer (if any) was cut short by the cancel: reporting it
			// as the receiver's failure would mislead.
			rep.Canceled = true
			return rep, fmt.Errorf("suite stopped during step %d (%s): %w", i+1, s.Steps[i].Name, context.Cause(ctx))
		}
		rep.Steps = append(rep.Steps, res)
		if res.Passed {
			rep.Passed++
		} else {
			rep.Failed++
		}
		if o.Progress != nil {
			o.Progress(res)
		}
	}
	return rep, nil
}

// runner is one Run's state; used by one goroutine.
type runner struct {
	s        *Suite
	o        RunOptions
	target   string
	sendOpts replay.Options
	// steps is the template data of the steps run so far: NAME → {status,
	// headers, body}.
	steps map[string]any
	// rx are the compiled "matches" regexps: step index → JSON
	// expectation index → regexp, compiled once per run.
	rx map[int]map[int]*regexp.Regexp
}

func (r *runner) step(ctx context.Context, i int) StepResult {
	st := &r.s.Steps[i]
	res := StepResult{Index: i, Name: st.Name}
	fail := func(f Failure) StepResult {
		res.Failures = append(res.Failures, f)
		return res
	}
	req, f := r.build(ctx, st)
	if f != nil {
		return fail(*f)
	}
	res.Request = req
	ans := r.o.Sender.Send(ctx, req, r.sendOpts)
	res.Response = ans
	res.Status = ans.Status
	res.Latency = ans.Timings.Total
	if ans.Class != replay.ClassNone {
		res.Err = ans.Err
		f := newFailure(FailTransport, "%s", ans.Err)
		f.Got = string(ans.Class)
		return fail(f)
	}
	r.steps[st.Name] = stepData(ans)
	res.Failures = check(st, ans, r.rx[i])
	res.Passed = len(res.Failures) == 0
	return res
}

func compileMatches(s *Suite) map[int]map[int]*regexp.Regexp {
	out := map[int]map[int]*regexp.Regexp{}
	for i, st := range s.Steps {
		if st.Expect == nil {
			continue
		}
		for j, x := range st.Expect.JSON {
			if x.Matches == nil {
				continue
			}
			if re, err := regexp.Compile(*x.Matches); err == nil {
				if out[i] == nil {
					out[i] = map[int]*regexp.Regexp{}
				}
				out[i][j] = re
			}
		}
	}
	return out
}

// RecordedFrom is an answer in the file's form, for Step.Recorded: run a
// step once, keep its answer, and later runs can expect the same
// (Expect.SameAsRecorded). It returns nil for a result without an answer.
// Safe for concurrent use.
func RecordedFrom(res replay.Result) *Response {
	if res.Class != replay.ClassNone || res.Status == 0 {
		return nil
	}
	r := &Response{Status: res.Status, Headers: FromCapture(res.Headers)}
	r.SetBody(res.Body)
	return r
}
