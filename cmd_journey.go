package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/suite"
)

// cmdJourney lists the built-in CRM journeys, or plays one: printed as
// JSON lines, sent to a URL, fired into the saved subscriptions, or saved
// as a suite.
//
//	gancho events journey [--json]
//	gancho events journey NAME [--seed N] [--timing compressed|real] [--speed F] [--start TIME]
//	    [--to URL [--format json|xml|form] [--sign SPEC] | --fire] [--save-suite FILE] [--json]
func cmdJourney(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("events journey", stderr, &c)
	seed := fs.Uint64("seed", 0, tr.T("a seed for a repeatable journey (0: random, printed so the run can be repeated)"))
	timing := fs.String("timing", "compressed", tr.T("compressed (events 200 ms apart) or real (the CRM's gaps: minutes to days)"))
	speed := fs.Float64("speed", 1, tr.T("divide every wait by this factor (2: twice as fast)"))
	start := fs.String("start", "", tr.T("the first event's time (RFC 3339); default: now with real timing, or so that a compressed journey ends now"))
	to := fs.String("to", "", tr.T("send each event to this URL and print the answer"))
	fire := fs.Bool("fire", false, tr.T("fire each event into the saved subscriptions that listen to it"))
	saveSuite := fs.String("save-suite", "", tr.T("write the journey as a suite file (YAML) for gancho test"))
	format := fs.String("format", "json", tr.T("with --to or --save-suite: json, xml or form"))
	sign := fs.String("sign", "", tr.T("with --to or --save-suite: sign as SCHEME:SECRET (standard, stripe or github); default unsigned"))
	timeout := fs.Duration("timeout", 30*time.Second, tr.T("per-event timeout"))
	asJSON := fs.Bool("json", false, tr.T("machine output: the journeys, or one JSON line per event sent"))
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return listJourneys(stdout, *asJSON)
	}
	if len(rest) > 1 {
		return usageError{errors.New("events journey: " + tr.T(`name one journey, e.g. "gancho events journey prospect-to-sale" ("gancho events journey" lists them)`))}
	}
	j, ok := events.LookupJourney(rest[0])
	if !ok {
		return fmt.Errorf("events journey: %q: %w", rest[0], events.ErrUnknownJourney)
	}
	mode, err := events.ParseTimingMode(*timing)
	if err != nil {
		return usageError{fmt.Errorf("events journey: --%w", err)}
	}
	if *speed <= 0 {
		return usageError{errors.New("events journey: " + tr.T("--speed must be above 0, e.g. 2 for twice as fast"))}
	}
	if *fire && *to != "" {
		return usageError{errors.New("events journey: " + tr.T("pick one of --to and --fire"))}
	}
	shaping := []string{}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "format" || f.Name == "sign" || f.Name == "timeout" {
			shaping = append(shaping, "--"+f.Name)
		}
	})
	if *to == "" && *saveSuite == "" && len(shaping) > 0 {
		return usageError{errors.New("events journey: " + tr.T("{{.Flags}} only apply with --to URL or --save-suite; saved subscriptions use their own settings", vars("Flags", strings.Join(shaping, ", "))))}
	}
	if *seed == 0 {
		*seed = rand.Uint64N(1<<53) + 1 // printable and exact as a JSON number
		fmt.Fprintln(stderr, tr.T("Seed {{.Seed}}: add --seed {{.Seed}} to play the same journey again.", vars("Seed", fmt.Sprint(*seed))))
	}
	tm := events.Timing{Mode: mode, Speed: *speed}
	first := time.Now()
	if mode == events.TimingCompressed {
		first = first.Add(-j.Span(*seed)) // the story ends now, not days ahead
	}
	if *start != "" {
		if first, err = time.Parse(time.RFC3339, *start); err != nil {
			return usageError{errors.New("events journey: " + tr.T(`--start wants an RFC 3339 time such as 2025-03-14T10:30:00-03:00`))}
		}
	}
	evs, err := j.Play(*seed, first, tm)
	if err != nil {
		return fmt.Errorf("events journey: %w", err)
	}
	if *saveSuite != "" {
		s, err := suite.FromJourney(evs, suite.JourneyOptions{Name: j.Name + " (seed " + fmt.Sprint(*seed) + ")", To: *to, Format: outbound.Format(*format), Sign: *sign})
		if err != nil {
			return fmt.Errorf("events journey: --save-suite: %w", err)
		}
		b, err := suite.Marshal(s)
		if err == nil {
			err = os.WriteFile(*saveSuite, b, 0o644)
		}
		if err != nil {
			return fmt.Errorf("events journey: --save-suite: %w", err)
		}
		fmt.Fprintln(stderr, tr.N("Saved {{.Count}} steps to {{.File}}; run it with gancho test {{.File}} --to URL.", len(s.Steps), vars("Count", len(s.Steps), "File", *saveSuite)))
		if *to == "" && !*fire {
			return nil
		}
	}
	if *to == "" && !*fire {
		return printJourney(stdout, evs)
	}
	ctx, stop := signalContext()
	defer stop()
	sender := replay.NewSender()
	defer sender.Close()
	var each func(e events.JourneyEvent) (bool, error)
	if *fire {
		f, err := openFirer(ctx, c, sender)
		if err != nil {
			return err
		}
		defer f.Close()
		subs, err := f.store.Subscriptions(ctx)
		if err != nil {
			return fmt.Errorf("events journey: %w", err)
		}
		listened := map[string]bool{}
		for _, s := range subs {
			for _, e := range evs {
				listened[e.Event] = listened[e.Event] || s.Enabled && s.Subscribes(e.Event)
			}
		}
		n := 0
		for _, ok := range listened {
			if ok {
				n++
			}
		}
		if n == 0 {
			return errors.New("events journey: " + tr.T("no enabled subscription listens to any event of {{.Journey}}; add one with gancho subscriptions add or in the window's Outbound section, or use --to URL", vars("Journey", j.Name)))
		}
		each = func(e events.JourneyEvent) (bool, error) {
			if !listened[e.Event] {
				fmt.Fprintln(stdout, tr.T("{{.Step}}: no enabled subscription listens to {{.Event}}; skipped.", vars("Step", e.StepName(), "Event", e.Event)))
				return true, nil
			}
			fmt.Fprint(stdout, e.StepName()+": ")
			err := f.fire(ctx, e.Event, e.Payload, false, stdout)
			return err == nil, err
		}
	} else {
		sub, err := outbound.Direct("gancho events journey", *to, outbound.Format(*format), *sign)
		if err != nil {
			return fmt.Errorf("events journey: %w", err)
		}
		sub.Timeout = *timeout
		each = func(e events.JourneyEvent) (bool, error) {
			var ids capture.IDGen
			now := time.Now()
			a, req, err := outbound.Deliver(ctx, sender, sub, "msg_"+ids.New(now), e.Event, e.Payload, now)
			if err != nil {
				return false, err
			}
			if *asJSON {
				return a.Succeeded(), json.NewEncoder(stdout).Encode(journeyResult{
					Step: e.StepName(), Event: e.Event, DeliveryID: a.DeliveryID, Status: a.Status,
					LatencyMS: float64(a.Latency.Microseconds()) / 1000, Error: string(a.Class),
				})
			}
			printDelivery(stdout, e.StepName(), req, a)
			return a.Succeeded(), nil
		}
	}
	failed := 0
	for i, e := range evs {
		if err := wait(ctx, e.Delay); err != nil {
			return errors.New("events journey: " + tr.N("stopped after {{.Done}} of {{.Count}} events", len(evs), vars("Done", i, "Count", len(evs))))
		}
		ok, err := each(e)
		if err != nil && ctx.Err() != nil {
			return errors.New("events journey: " + tr.N("stopped after {{.Done}} of {{.Count}} events", len(evs), vars("Done", i, "Count", len(evs))))
		}
		if err != nil {
			return fmt.Errorf("events journey: %s: %w", e.StepName(), err)
		}
		if !ok {
			failed++
		}
	}
	if failed > 0 {
		return errors.New("events journey: " + tr.N("{{.Failed}} of {{.Count}} events were not accepted (see above)", len(evs), vars("Failed", failed, "Count", len(evs))))
	}
	return nil
}

// journeyResult is a --to --json line.
type journeyResult struct {
	Step       string  `json:"step"`
	Event      string  `json:"event"`
	DeliveryID string  `json:"webhook_id"`
	Status     int     `json:"status"`
	LatencyMS  float64 `json:"latency_ms"`
	Error      string  `json:"error,omitempty"`
}

// wait sleeps d, or less if ctx ends first (its error then).
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// printJourney writes one JSON line per event: its step name, event, time,
// wait and payload (compact, member order kept).
func printJourney(w io.Writer, evs []events.JourneyEvent) error {
	for _, e := range evs {
		p, err := e.Payload.CompactJSON()
		if err != nil {
			return fmt.Errorf("events journey: %w", err)
		}
		line, err := json.Marshal(struct {
			Step    string          `json:"step"`
			Event   string          `json:"event"`
			At      string          `json:"at"`
			DelayMS int64           `json:"delay_ms"`
			Payload json.RawMessage `json:"payload"`
		}{e.StepName(), e.Event, e.At.Format(time.RFC3339), e.Delay.Milliseconds(), p})
		if err != nil {
			return fmt.Errorf("events journey: %w", err)
		}
		if _, err := fmt.Fprintf(w, "%s\n", line); err != nil {
			return err
		}
	}
	return nil
}

func listJourneys(w io.Writer, asJSON bool) error {
	js := events.Journeys()
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(js)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, j := range js {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", i+1, j.Name, journeyText(j.Title))
		fmt.Fprintf(tw, "\t\t%s\n", journeyText(j.Description))
		var steps []string
		for _, s := range j.Steps {
			st := s.Event
			if s.From != "" {
				st += " (" + s.From + " → " + s.To + ")"
			}
			steps = append(steps, st)
		}
		fmt.Fprintf(tw, "\t\t%s\n", strings.Join(steps, " → "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\n"+tr.T(`Play one with "gancho events journey NAME" (--to URL, --fire or --save-suite FILE; -h lists the flags).`))
	return err
}

// journeyText is a journey's title or description in the chosen language:
// the English text events holds is the catalogue key.
func journeyText(english string) string { return tr.T(english) }
