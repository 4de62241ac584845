package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/load"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/verify"
)

// maxLoadCaptures bounds how many captures a --captures query loads.
const maxLoadCaptures = 1000

// cmdLoad sends events or captures to --to URL at a rate or a
// concurrency, with faults, and prints the report.
func cmdLoad(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("load", stderr, &c)
	to := fs.String("to", "", tr.T("the receiver's URL, e.g. http://localhost:3000/webhooks"))
	rate := fs.Float64("rate", 0, tr.T("requests per second, sent on schedule whatever the answers (open model)"))
	conc := fs.Int("concurrency", 0, tr.T("parallel senders, each waiting for its answer (closed model)"))
	dur := fs.Duration("duration", 0, tr.T("stop after this long, e.g. 30s (with neither --duration nor --count: until Ctrl+C)"))
	count := fs.Int("count", 0, tr.T("stop after this many requests"))
	evs := fs.String("events", "", tr.T("send samples of these events, comma-separated (default: all 30 in turn)"))
	journey := fs.String("journey", "", tr.T("send this journey's events, again and again with a new entity"))
	query := fs.String("captures", "", tr.T("send the captures this search finds (\"*\" for the newest), at most 1000"))
	ids := fs.String("ids", "", tr.T("send these captures, comma-separated ids"))
	sign := fs.String("sign", "", tr.T("sign with a verifier spec, e.g. standard:whsec_… (captures are re-signed)"))
	subName := fs.String("subscription", "", tr.T("build and sign as this saved subscription (name or id)"))
	dups := fs.Float64("duplicates", 0, tr.T("percent of sends that deliver the previous request again (same webhook-id)"))
	ooo := fs.Float64("out-of-order", 0, tr.T("percent of deliveries held back and sent after later ones"))
	burst := fs.String("burst", "", tr.T("N/EVERY: N extra requests at once every EVERY, e.g. 50/5s"))
	seed := fs.Uint64("seed", 1, tr.T("seed of the samples and the faults (same seed, same run)"))
	maxIn := fs.Int("max-in-flight", load.DefaultMaxInFlight, tr.T("at most this many requests in flight; further due ones are counted as not sent"))
	timeout := fs.Duration("timeout", load.DefaultTimeout, tr.T("per-request timeout"))
	insecure := fs.Bool("insecure", false, tr.T("do not verify the target's TLS certificate"))
	asJSON := fs.Bool("json", false, tr.T("also print the report as one JSON object on the last line"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("load", pos); err != nil {
		return err
	}
	if *to == "" && *subName == "" {
		return usageError{errors.New("load: " + tr.T("give the receiver's URL: gancho load --to http://localhost:3000/webhooks --rate 100 --duration 10s"))}
	}
	if (*rate > 0) == (*conc > 0) {
		return usageError{errors.New("load: " + tr.T("give --rate N (requests per second) or --concurrency N (parallel senders), one of the two"))}
	}
	sources := 0
	for _, s := range []string{*evs, *journey, *query, *ids} {
		if s != "" {
			sources++
		}
	}
	if sources > 1 {
		return usageError{errors.New("load: " + tr.T("pick one of --events, --journey, --captures and --ids"))}
	}
	if *sign != "" && *subName != "" {
		return usageError{errors.New("load: " + tr.T("pick one of --sign and --subscription"))}
	}
	cfg := load.Config{Target: *to, Rate: *rate, Concurrency: *conc, Duration: *dur, Count: *count, Seed: *seed,
		MaxInFlight: *maxIn, Timeout: *timeout, Insecure: *insecure,
		Faults: load.Faults{Duplicates: *dups, OutOfOrder: *ooo}}
	if *burst != "" {
		if cfg.Faults.BurstSize, cfg.Faults.BurstEvery, err = load.ParseBurst(*burst); err != nil {
			return usageError{fmt.Errorf("load: --burst %q: %s", *burst, tr.T("write it as N/EVERY, e.g. 50/5s: 50 extra requests every 5 seconds"))}
		}
	}
	if *sign != "" {
		spec, err := verify.Parse(*sign)
		if err != nil {
			return usageError{fmt.Errorf("load: --sign: %w", err)}
		}
		cfg.Signing.Spec = &spec
	}
	needStore := *query != "" || *ids != "" || *subName != ""
	var data *app.Data
	if needStore {
		if data, err = app.OpenData(c.data); err != nil {
			return err
		}
		defer data.Close()
	}
	ctx, stop := signalContext()
	defer stop()
	if *subName != "" {
		s, err := findSubscription(ctx, data, *subName)
		if err != nil {
			return err
		}
		cfg.Signing.Subscription = &s
	}
	switch {
	case *query != "" || *ids != "":
		cs, err := loadCaptures(ctx, data.Captures, *query, *ids)
		if err != nil {
			return err
		}
		cfg.Source, err = load.Captures(cs)
		if err != nil {
			return err
		}
	case *journey != "":
		if cfg.Source, err = load.Journey(*journey, *seed); err != nil {
			return usageError{err}
		}
	default:
		var names []string
		if *evs != "" {
			names = strings.Split(*evs, ",")
		}
		if cfg.Source, err = load.Events(names, *seed); err != nil {
			return err
		}
	}
	r, err := load.New(cfg)
	if err != nil {
		return usageError{err}
	}
	done := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		showProgress(r, stderr, done)
	}()
	rep, runErr := r.Run(ctx)
	close(done)
	<-progressDone
	fmt.Fprint(stdout, rep.Text(tr))
	if *asJSON {
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	if runErr != nil {
		return fmt.Errorf("load: %w", runErr)
	}
	if rep.Sent > 0 && rep.Answered == 0 && rep.Errors > 0 {
		return errors.New("load: " + tr.T("no request was answered; check that the receiver runs at {{.URL}}", vars("URL", r.Config().Target)))
	}
	return nil
}

// findSubscription is the saved subscription named (or with the id) name.
func findSubscription(ctx context.Context, data *app.Data, name string) (outbound.Subscription, error) {
	store, err := outbound.NewStore(ctx, data.DB, outbound.StoreConfig{})
	if err != nil {
		return outbound.Subscription{}, err
	}
	subs, err := store.Subscriptions(ctx)
	if err != nil {
		return outbound.Subscription{}, err
	}
	for _, s := range subs {
		if s.ID == name || strings.EqualFold(s.Name, name) {
			return s, nil
		}
	}
	return outbound.Subscription{}, errors.New("load: " + tr.T(`no subscription is named "{{.Name}}" ("gancho subscriptions list" shows them)`, vars("Name", name)))
}

// loadCaptures reads the captures of --ids, or those --captures finds.
func loadCaptures(ctx context.Context, store *capture.Store, query, ids string) ([]*capture.Request, error) {
	if ids != "" {
		var out []*capture.Request
		for id := range strings.SplitSeq(ids, ",") {
			cr, err := store.Get(ctx, strings.TrimSpace(id))
			if err != nil {
				return nil, err
			}
			out = append(out, cr)
		}
		return out, nil
	}
	q := capture.Query{Limit: maxLoadCaptures, Oldest: false}
	if strings.TrimSpace(query) != "*" {
		q.Search = query
	}
	cs, err := store.List(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, errors.New("load: " + tr.T(`no capture matches "{{.Query}}"; "gancho list" shows what is stored`, vars("Query", query)))
	}
	return cs, nil
}

// showProgress prints the live figures on w until done: rewritten in
// place four times a second on a terminal, one line a second otherwise.
func showProgress(r *load.Runner, w io.Writer, done <-chan struct{}) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd())
	}
	every := time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			if tty {
				fmt.Fprint(w, "\r\033[K")
			}
			return
		case <-t.C:
		}
		line := loadProgressLine(r.Snapshot())
		if tty {
			fmt.Fprint(w, "\r\033[K"+line)
		} else {
			fmt.Fprintln(w, line)
		}
	}
}

// loadProgressLine is one line of a load run's live figures.
func loadProgressLine(s load.Snapshot) string {
	pct := ""
	if s.Progress >= 0 {
		pct = fmt.Sprintf("%3.0f%%  ", s.Progress*100)
	}
	msf := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }
	return pct + tr.T("{{.Elapsed}}  sent {{.Sent}}  answered {{.Answered}}  errors {{.Errors}}  {{.Rate}}/s  p50 {{.P50}} p99 {{.P99}} max {{.Max}} ms",
		vars("Elapsed", s.Elapsed.Round(time.Second).String(), "Sent", tr.Int(s.Sent), "Answered", tr.Int(s.Answered),
			"Errors", tr.Int(s.Errors), "Rate", strconv.FormatFloat(s.RateLastSecond, 'f', 0, 64),
			"P50", msf(s.P50), "P99", msf(s.P99), "Max", msf(s.Max)))
}
