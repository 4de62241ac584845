package replay

import (
	"context"
	"sync"
	"sync/atomic"
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
func Bulk(ctx context.Context, s interface {
	Send(context.Context, Request, Options) Result
}, h interface {
	Add(context.Context, *Attempt) error
}, reqs []*capture.Request, o BulkOptions) Summary {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	sum := Summary{Failed: map[Class]int{}}
	start := time.Now()
	var (
		mu   sync.Mutex
		next atomic.Int64
		wg   sync.WaitGroup
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
				if ctx.Err() != nil {
					return
				}
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				c := reqs[i]
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
					o.Progress(done, len(reqs))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sum.Elapsed = time.Since(start)
	return sum
}
