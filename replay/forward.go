package replay

import (
	"context"
	"fmt"

	"github.com/gancho-app/gancho/capture"
)

// Lister reads captures that arrived after a point, to catch up after
// dropped events; capture.Store implements it.
type Lister interface {
	List(ctx context.Context, q capture.Query) ([]*capture.Request, error)
}

// Forwarder sends each new capture to a target as it arrives, in arrival
// order, and records every attempt. It runs on its own goroutine: a slow
// or failing target never holds up capture (the store's subscription
// drops events rather than block, and the forwarder then catches up from
// the store, still in order).
type Forwarder struct {
	Target   string
	KeepHost bool
	Options  Options
	Sender   *Sender
	History  *History // nil: attempts are not stored
	// OnResult, if set, is called after each attempt, on the forwarder's
	// goroutine.
	OnResult func(c *capture.Request, a *Attempt)
}

// Run forwards the captures announced on events (a store subscription
// taken before capture starts, so none is missed) until ctx ends or events
// closes. Refused captures are not forwarded: they were not accepted from
// the sender either.
func (f *Forwarder) Run(ctx context.Context, events <-chan capture.Event, src Lister) error {
	if err := CheckTarget(f.Target); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	last := ""
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			switch ev.Kind {
			case capture.Added:
				if ev.Request.ID > last {
					f.forward(ctx, ev.Request)
					last = ev.Request.ID
				}
			case capture.Dropped:
				// Events were lost while the target was slow: read what
				// arrived since the last one forwarded, in order.
				if last == "" {
					continue // nothing forwarded yet: no point to resume from
				}
				for {
					page, err := src.List(ctx, capture.Query{After: last, Oldest: true, Limit: 200})
					if err != nil || len(page) == 0 {
						break
					}
					for _, r := range page {
						if ctx.Err() != nil {
							return nil // stopped: the rest is not ours to send
						}
						f.forward(ctx, r)
						last = r.ID
					}
				}
			}
		}
	}
}

func (f *Forwarder) forward(ctx context.Context, c *capture.Request) {
	if c.Refused != "" {
		return
	}
	req, err := FromCapture(c, f.Target, f.KeepHost)
	a := &Attempt{CaptureID: c.ID, Kind: KindForward, Request: req}
	if err != nil {
		a.Result = Result{Err: err.Error(), Class: ClassOther}
	} else {
		a.Result = f.Sender.Send(ctx, req, f.Options)
		if ctx.Err() != nil {
			// Stopped mid-send: not an answer from the target, so not an
			// attempt worth recording as failed.
			return
		}
	}
	if f.History != nil {
		if err := f.History.Add(context.WithoutCancel(ctx), a); err != nil {
			a.Result.Err += " (not stored: " + err.Error() + ")"
		}
	}
	if f.OnResult != nil {
		f.OnResult(c, a)
	}
}
