package load

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gancho-app/gancho/replay"
)

// Runner runs one load run. New checks the Config; Run runs it once;
// Snapshot may be called from any goroutine at any time, before, during
// and after Run.
type Runner struct {
	cfg     Config
	seq     *sequence
	st      atomic.Pointer[stats]
	started atomic.Bool
	// issued counts the slots handed out (sent or not sent), against
	// Count; closed-model workers and bursts share it.
	issued atomic.Int64
}

// New checks cfg and returns its Runner. Errors wrap ErrConfig and say
// what to change.
func New(cfg Config) (*Runner, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	// Delivery ids unique to the run, so a receiver's dedupe sees only
	// the duplicates the run meant to send: "ld" + 8 random characters
	// + the delivery's number.
	prefix := "ld_" + rand.Text()[:8] + "_"
	return &Runner{cfg: cfg, seq: newSequence(cfg.Source, cfg.Faults, cfg.Seed, prefix)}, nil
}

// Config is the run's configuration, defaults filled in.
func (r *Runner) Config() Config { return r.cfg }

// Snapshot returns the run's figures now (all zero before Run starts).
// Safe for concurrent use.
func (r *Runner) Snapshot() Snapshot {
	st := r.st.Load()
	if st == nil {
		return Snapshot{Progress: 0, Classes: map[replay.Class]int64{}, Status: map[int]int64{}}
	}
	return st.snapshot()
}

// Timeline returns the run's timeline so far, one Point per step. Safe for
// concurrent use.
func (r *Runner) Timeline() ([]Point, time.Duration) {
	st := r.st.Load()
	if st == nil {
		return nil, time.Second
	}
	return st.timeline()
}

// Run sends until the Count or Duration is reached or ctx is canceled,
// waits for the requests in flight (canceled with ctx), and returns the
// Report. Canceling ctx is a normal way to stop: the Report then covers
// what was done and its Stopped says "canceled". The error is non-nil only
// when the run could not go on: the source or the signing failed (the
// Report still covers what was sent before). Run may be called once; no
// goroutine it started is left when it returns.
func (r *Runner) Run(ctx context.Context) (Report, error) {
	if !r.started.CompareAndSwap(false, true) {
		return Report{}, errors.New("load: a Runner runs once; make another with New")
	}
	c := &r.cfg
	sender := c.Sender
	if sender == nil {
		s := replay.NewPooledSender(c.MaxConns)
		defer s.Close()
		sender = s
	}
	t0 := c.Clock.Now()
	st := newStats(c.Clock, t0, c.Count, c.Duration)
	r.st.Store(st)

	// sendCtx is what requests are canceled with: the caller's, or a
	// failure of the run.
	sendCtx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	var wg sync.WaitGroup
	opts := replay.Options{Timeout: c.Timeout, Insecure: c.Insecure, EnvProxy: c.EnvProxy, MaxBody: 64 << 10}
	send := func(sl slot, due time.Time) {
		defer wg.Done()
		now := c.Clock.Now()
		req, err := sl.d.request(c, now)
		if err != nil {
			st.done(replay.Result{Class: replay.ClassCanceled}, due, now, now)
			fail(fmt.Errorf("load: build request: %w", err))
			return
		}
		res := sender.Send(sendCtx, req, opts)
		st.done(res, due, now, c.Clock.Now())
	}
	// start sends sl, in its own goroutine when async, if a place is
	// free under the in-flight cap; else it is counted as not sent. The
	// send is counted here, on the schedule's goroutine, so the rate
	// figures follow the schedule, not the goroutines' start-up.
	start := func(sl slot, due time.Time, async bool) {
		if !st.reserve(c.MaxInFlight) {
			return
		}
		st.sending(sl, c.Clock.Now())
		wg.Add(1)
		if async {
			go send(sl, due)
		} else {
			send(sl, due)
		}
	}

	var err error
	if c.Rate > 0 {
		err = r.open(sendCtx, t0, start)
	} else {
		err = r.closed(sendCtx, t0, start)
	}
	wg.Wait()
	if err == nil {
		err = context.Cause(sendCtx)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			err = nil // the caller stopped the run
		}
	}
	st.finish(c.Clock.Now())
	rep := r.report(st, ctx.Err() != nil, err)
	return rep, err
}

// next takes the next slot if the Count allows one more.
func (r *Runner) next(at time.Time) (slot, bool, error) {
	if n := r.issued.Add(1); r.cfg.Count > 0 && n > int64(r.cfg.Count) {
		return slot{}, false, nil
	}
	sl, err := r.seq.next(at)
	return sl, err == nil, err
}

// open is the open model's schedule: regular request i is due at
// t0 + i/Rate, burst k at t0 + k·BurstEvery; the schedule never waits
// for answers. When it falls behind (a busy machine) it sends what is due
// at once, so the rate holds on average.
func (r *Runner) open(ctx context.Context, t0 time.Time, start func(slot, time.Time, bool)) error {
	c := &r.cfg
	every, size := c.Faults.BurstEvery, c.Faults.BurstSize
	nextBurst := every
	for i := int64(0); ; {
		due := time.Duration(float64(i) * float64(time.Second) / c.Rate)
		burst := size > 0 && nextBurst <= due
		at := due
		if burst {
			at = nextBurst
		}
		if c.Duration > 0 && at >= c.Duration {
			return nil
		}
		if !r.waitUntil(ctx, t0.Add(at)) {
			return nil
		}
		n := 1
		if burst {
			n = size
			nextBurst += every
		} else {
			i++
		}
		for range n {
			sl, ok, err := r.next(c.Clock.Now())
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			sl.burst = burst
			start(sl, t0.Add(at), true)
		}
	}
}

// maxNap bounds one sleep of the schedule, so a cancel is seen promptly.
const maxNap = 5 * time.Millisecond

// waitUntil waits until due by the run's clock. With the system clock it
// sleeps with sleep (nanosleep on Linux, precise to tens of microseconds)
// in naps of at most maxNap; with another clock it waits on that clock's
// timer, as tests move it timer by timer. False when ctx ended first.
func (r *Runner) waitUntil(ctx context.Context, due time.Time) bool {
	c := &r.cfg
	if _, sys := c.Clock.(SystemClock); sys {
		for {
			if ctx.Err() != nil {
				return false
			}
			wait := time.Until(due)
			if wait <= 0 {
				return true
			}
			sleep(min(wait, maxNap))
		}
	}
	if wait := due.Sub(c.Clock.Now()); wait > 0 {
		t := c.Clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C():
		}
	}
	return ctx.Err() == nil
}

// closed is the closed model: Concurrency workers each send and wait,
// plus the bursts, sent from this goroutine on their schedule until the
// workers are done.
func (r *Runner) closed(ctx context.Context, t0 time.Time, start func(slot, time.Time, bool)) error {
	c := &r.cfg
	var (
		wg   sync.WaitGroup
		once sync.Once
		werr error
	)
	stop := make(chan struct{})
	halt := func(err error) {
		once.Do(func() { werr = err; close(stop) })
	}
	over := func() bool {
		select {
		case <-stop:
			return true
		case <-ctx.Done():
			return true
		default:
		}
		return c.Duration > 0 && c.Clock.Now().Sub(t0) >= c.Duration
	}
	for range c.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !over() {
				now := c.Clock.Now()
				sl, ok, err := r.next(now)
				if err != nil {
					halt(err)
				}
				if !ok {
					return
				}
				start(sl, now, false) // the worker waits for its answer
			}
		}()
	}
	workers := make(chan struct{})
	go func() { wg.Wait(); close(workers) }()
	if c.Faults.BurstSize > 0 {
	bursts:
		for k := int64(1); ; k++ {
			at := time.Duration(k) * c.Faults.BurstEvery
			if c.Duration > 0 && at >= c.Duration {
				break
			}
			t := c.Clock.NewTimer(t0.Add(at).Sub(c.Clock.Now()))
			select {
			case <-ctx.Done():
			case <-stop:
			case <-workers:
			case <-t.C():
			}
			t.Stop()
			select {
			case <-workers:
				break bursts
			default:
			}
			if over() {
				break
			}
			for range c.Faults.BurstSize {
				sl, ok, err := r.next(c.Clock.Now())
				if err != nil {
					halt(err)
				}
				if !ok {
					break bursts
				}
				sl.burst = true
				start(sl, t0.Add(at), true)
			}
		}
	}
	<-workers
	return werr
}
