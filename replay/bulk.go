package replay

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// BulkOptions tunes a bulk replay.
type BulkOptions struct {
	Target      string
	KeepHost    bool
	Concurrency int     // requests in flight; 0 means 4
	RatePerSec  float64 // pacing across all workers; 0 means as fast as possible
	Send        Options
	// Progress, if set, is called after each request (from the workers,
	// serialised) with how many are done of the total.
	Progress func(done, total int)
}

// Summary counts a bulk replay's outcomes.
type Summary struct {
	Sent    int
	OK      int // 2xx
	Other   int // a response that was not 2xx
	Failed  map[Class]int
	Elapsed time.Duration
}

// Bulk replays reqs to the target in order of start (with Concurrency in
// flight, so completions may interleave), storing each attempt when
// history is set. Canceling ctx stops starting new requests; the summary
// counts what was sent.
//
// s is normally a *Sender and h a *History (nil: attempts not stored).
func Bulk(ctx context.Context, s sender, h history, reqs []*capture.Request, o BulkOptions) Summary {
	sum, _ := BulkEach(ctx, s, h, func(fn func(*capture.Request) error) error {
		for _, r := range reqs {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}, len(reqs), o)
	return sum
}

type sender interface {
	Send(context.Context, Request, Options) Result
}

type history interface {
	Add(context.Context, *Attempt) error
}

// BulkEach is Bulk over the captures each produces (normally a
// capture.Store.Each call, which streams them from the store), holding
// at most Concurrency+1 of them in memory whatever their number. total
// (0 if unknown) is what Progress is told. The error is each's, if it
// failed for another reason than ctx ending.
func BulkEach(ctx context.Context, s sender, h history, each func(func(*capture.Request) error) error, total int, o BulkOptions) (Summary, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	sum := Summary{Failed: map[Class]int{}}
	start := time.Now()
	in := make(chan *capture.Request)
	var srcErr error
	go func() {
		defer close(in)
		srcErr = each(func(r *capture.Request) error {
			select {
			case in <- r:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	var tick <-chan time.Time
	if o.RatePerSec > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / o.RatePerSec))
		defer t.Stop()
		tick = t.C
	}
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if tick != nil {
					select {
					case <-tick:
					case <-ctx.Done():
						return
					}
				}
				var c *capture.Request
				select {
				case r, ok := <-in:
					if !ok {
						return
					}
					c = r
				case <-ctx.Done():
					return
				}
				if ctx.Err() != nil {
					return
				}
				req, err := FromCapture(c, o.Target, o.KeepHost)
				a := &Attempt{CaptureID: c.ID, Kind: KindBulk, Request: req}
				if err != nil {
					a.Result = Result{Err: err.Error(), Class: ClassOther, SentAt: time.Now()}
				} else {
					a.Result = s.Send(ctx, req, o.Send)
				}
				if h != nil {
					_ = h.Add(context.WithoutCancel(ctx), a)
				}
				mu.Lock()
				sum.Sent++
				switch {
				case a.Result.Class != "":
					sum.Failed[a.Result.Class]++
				case a.Result.Status >= 200 && a.Result.Status < 300:
					sum.OK++
				default:
					sum.Other++
				}
				done := sum.Sent
				if o.Progress != nil {
					o.Progress(done, max(total, done))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	stop()
	for range in { // let the producer see ctx end and return
	}
	sum.Elapsed = time.Since(start)
	if errors.Is(srcErr, context.Canceled) {
		srcErr = nil // the caller's ctx or our stop: not the source failing
	}
	return sum, srcErr
}
