package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/replay"
)

// fireSaved fires to the saved subscriptions and reports the first attempt
// of each delivery (or, with wait, the final outcome).
func fireSaved(ctx context.Context, c common, sender *replay.Sender, event string, p events.Payload, wait bool, stdout io.Writer) error {
	f, err := openFirer(ctx, c, sender)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.fire(ctx, event, p, wait, stdout)
}

// savedFirer fires events into the subscriptions saved in a data
// directory, with a dispatcher of its own unless a Gancho already runs
// there. One goroutine uses it; Close stops the dispatcher and closes the
// data.
type savedFirer struct {
	e       *app.Data
	store   *outbound.Store
	d       *outbound.Dispatcher
	changed chan string
	other   int  // the pid of the Gancho running on the directory
	running bool // one is: it delivers what is fired
	stop    func()
}

func openFirer(ctx context.Context, c common, sender *replay.Sender) (*savedFirer, error) {
	e, err := app.OpenData(c.data)
	if err != nil {
		return nil, err
	}
	store, err := outbound.NewStore(ctx, e.DB, outbound.StoreConfig{})
	if err != nil {
		e.Close()
		return nil, err
	}
	f := &savedFirer{e: e, store: store, changed: make(chan string, 1024), stop: func() {}}
	f.d = &outbound.Dispatcher{Store: store, Sender: sender, OnChange: func(id string) {
		select {
		case f.changed <- id:
		default: // the loop in fire re-reads everything it waits for
		}
	}}
	// A Gancho already running on this directory delivers what is fired
	// (its dispatcher looks at least every 30 s); a second dispatcher here
	// would claim the same due deliveries and send them twice.
	f.other, f.running = relay.Running(e.DB.Dir)
	if !f.running {
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan error, 1)
		go func() { done <- f.d.Run(runCtx) }()
		f.stop = func() { cancel(); <-done }
	}
	return f, nil
}

func (f *savedFirer) Close() {
	f.stop()
	f.e.Close()
}

// fire fires event with p and reports the first attempt of each delivery
// (or, with wait, the final outcome).
func (f *savedFirer) fire(ctx context.Context, event string, p events.Payload, wait bool, stdout io.Writer) error {
	e, store, d, changed, other, running := f.e, f.store, f.d, f.changed, f.other, f.running
	ds, err := d.Fire(ctx, event, p, "")
	if errors.Is(err, outbound.ErrNoSubscribers) {
		return errors.New("send: " + tr.T("no enabled subscription listens to {{.Event}}; add one with gancho subscriptions add or in the window's Outbound section, or use --to URL", vars("Event", event)))
	}
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	fmt.Fprintln(stdout, tr.N("Fired {{.Event}} to {{.Count}} subscriptions.", len(ds), vars("Event", event, "Count", len(ds))))
	if running {
		fmt.Fprintln(stdout, tr.T("Gancho (pid {{.PID}}) is running on {{.Dir}}: it delivers them within 30 s (see its Outbound tab).", vars("PID", other, "Dir", e.DB.Dir)))
		if !wait {
			return nil
		}
	}
	pending := map[string]bool{}
	for _, dl := range ds {
		pending[dl.ID] = true
	}
	tick := time.NewTicker(time.Second) // a change may have been folded away
	defer tick.Stop()
	failed := 0
	for len(pending) > 0 {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, tr.N("Stopped: {{.Count}} deliveries are still pending; they continue the next time Gancho runs.", len(pending), vars("Count", len(pending))))
			return ctx.Err()
		case <-changed:
		case <-tick.C:
		}
		for id := range pending {
			dl, err := store.Delivery(ctx, id)
			if err != nil || dl.Attempts == 0 {
				continue
			}
			final := dl.Outcome == outbound.OutcomeSucceeded || dl.Outcome == outbound.OutcomeFailed
			if !final && wait {
				continue
			}
			delete(pending, id)
			line := fmt.Sprintf("  %s → %s: %s after %s", dl.ID, dl.SubscriptionName, dl.Outcome, text.N(dl.Attempts, "attempt", "attempts"))
			if dl.LastStatus != 0 {
				line += fmt.Sprintf(", last %d", dl.LastStatus)
			} else if dl.LastError != "" {
				line += ", " + text.Line(dl.LastError)
			}
			if !final {
				line += ", next attempt " + dl.NextAt.Local().Format("15:04:05") + " (kept: it continues the next time Gancho runs)"
			}
			fmt.Fprintln(stdout, line)
			if dl.Outcome != outbound.OutcomeSucceeded {
				failed++
			}
		}
	}
	if failed > 0 {
		return errors.New("send: " + tr.N("{{.Failed}} of {{.Count}} deliveries did not succeed", len(ds), vars("Failed", failed, "Count", len(ds))))
	}
	return nil
}

func printDelivery(w io.Writer, event string, req replay.Request, a outbound.Attempt) {
	if a.Class != "" {
		fmt.Fprintf(w, "%s %s %s: FAILED (%s): %s\n", event, req.Method, req.URL, a.Class, text.Line(a.Err))
		return
	}
	fmt.Fprintf(w, "%s %s %s: %d in %s (webhook-id %s)\n", event, req.Method, req.URL, a.Status, round(a.Latency), a.DeliveryID)
	if len(a.Body) > 0 {
		fmt.Fprintf(w, "%s\n", text.Block(string(a.Body)))
	}
}
