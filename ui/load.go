package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/load"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
)

// This file is the Outbound section's Load panel: a form for a load run
// (package load), Start and Stop, the live figures while it runs, and at
// the end the rate and latency charts and the report to copy.

// loadEvery is how often the live figures are redrawn.
const loadEvery = 250 * time.Millisecond

// Examples and defaults in the form: a URL, a Go duration and a spec are
// written the same in every language.
const (
	loadTargetExample = "http://localhost:3000/webhooks"
	loadSpecExample   = "standard:whsec_…"
	loadDuration      = "10s"
)

// loadPanel is the Load panel. Its fields are touched on the UI goroutine
// only; the run and the live ticker post their updates through m.post.
type loadPanel struct {
	m    *Main
	subs Subscriptions // nil: no subscription to sign as
	caps Captures      // nil: no captures to send
	root fyne.CanvasObject

	target                   *widget.Entry
	model                    *widget.Select
	amount, duration, count  *widget.Entry
	source                   *widget.Select
	names                    *widget.Entry // event names or a capture search
	journey                  *widget.Select
	signing                  *widget.Select
	spec                     *widget.Entry
	dups, ooo, burst         *widget.Entry
	start, stop, copyJSON    *widget.Button
	progress                 *widget.ProgressBar
	sent, answered, errs     *widget.Label
	rate, latency, statusRow *widget.Label
	msg                      *widget.Label
	rateChart, latChart      *stackChart
	latLegend                *widget.Label
	subByLabel               map[string]outbound.Subscription

	cancel context.CancelFunc // set while a run runs
	report *load.Report       // the last run's, once over
}

// The choices of the model, source and signing selects.
func rateChoice() string        { return lang.L("Rate (req/s)") }
func concurrencyChoice() string { return lang.L("Concurrency") }
func samplesChoice() string     { return lang.L("Event samples") }
func journeyChoice() string     { return lang.L("Journey") }
func capturesChoice() string    { return lang.L("Captures") }
func unsignedChoice() string    { return lang.L("Unsigned") }
func specChoice() string        { return lang.L("Verifier spec") }

func newLoadPanel(m *Main, subs Subscriptions, caps Captures) *loadPanel {
	p := &loadPanel{m: m, subs: subs, caps: caps, subByLabel: map[string]outbound.Subscription{}}
	p.target = widget.NewEntry()
	p.target.SetPlaceHolder(loadTargetExample)
	p.amount = widget.NewEntry()
	p.amount.SetText("100")
	p.model = widget.NewSelect([]string{rateChoice(), concurrencyChoice()}, nil)
	p.model.SetSelected(rateChoice())
	p.duration = widget.NewEntry()
	p.duration.SetText(loadDuration)
	p.count = widget.NewEntry()
	p.count.SetPlaceHolder(lang.L("no limit"))
	p.names = widget.NewEntry()
	var journeys []string
	for _, j := range events.Journeys() {
		journeys = append(journeys, j.Name)
	}
	p.journey = widget.NewSelect(journeys, nil)
	if len(journeys) > 0 {
		p.journey.SetSelected(journeys[0])
	}
	p.source = widget.NewSelect([]string{samplesChoice(), journeyChoice(), capturesChoice()}, func(string) { p.showSource() })
	p.source.SetSelected(samplesChoice())
	p.spec = widget.NewEntry()
	p.spec.SetPlaceHolder(loadSpecExample)
	p.signing = widget.NewSelect([]string{unsignedChoice(), specChoice()}, func(string) { p.showSigning() })
	p.signing.SetSelected(unsignedChoice())
	p.dups, p.ooo, p.burst = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	p.dups.SetPlaceHolder("0")
	p.ooo.SetPlaceHolder("0")
	p.burst.SetPlaceHolder(lang.L("e.g. 50/5s"))

	p.start = widget.NewButtonWithIcon(lang.L("Start"), theme.MediaPlayIcon(), p.startRun)
	p.start.Importance = widget.HighImportance
	p.stop = widget.NewButtonWithIcon(lang.L("Stop"), theme.MediaStopIcon(), p.stopRun)
	p.stop.Disable()
	p.copyJSON = widget.NewButtonWithIcon(lang.L("Copy report (JSON)"), theme.ContentCopyIcon(), p.copyReport)
	p.copyJSON.Disable()

	form := widget.NewForm(
		widget.NewFormItem(lang.L("Target URL"), p.target),
		widget.NewFormItem(lang.L("Pace"), container.NewGridWithColumns(2, p.model, p.amount)),
		widget.NewFormItem(lang.L("Duration"), p.duration),
		widget.NewFormItem(lang.L("Count"), p.count),
		widget.NewFormItem(lang.L("Send"), container.NewVBox(p.source, p.names, p.journey)),
		widget.NewFormItem(lang.L("Signing"), container.NewVBox(p.signing, p.spec)),
		widget.NewFormItem(lang.L("Duplicates %"), p.dups),
		widget.NewFormItem(lang.L("Out of order %"), p.ooo),
		widget.NewFormItem(lang.L("Bursts"), p.burst),
	)
	left := container.NewBorder(nil, container.NewHBox(p.start, p.stop), nil, nil, container.NewVScroll(form))

	p.progress = widget.NewProgressBar()
	p.sent, p.answered, p.errs = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	p.rate, p.latency, p.statusRow = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	p.statusRow.Wrapping = fyne.TextWrapWord
	p.msg = widget.NewLabel("")
	p.msg.Wrapping = fyne.TextWrapWord
	p.msg.Importance = widget.DangerImportance
	p.msg.Hide()
	bold := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	figures := container.New(&loadFigures{},
		bold(lang.L("Sent")), p.sent, bold(lang.L("Answered")), p.answered,
		bold(lang.L("Errors")), p.errs, bold(lang.L("Rate")), p.rate,
		bold(lang.L("Latency")), p.latency, bold(lang.L("Status")), p.statusRow)

	p.rateChart = newStackChart(loadRateSeries())
	p.latChart = newStackChart(loadLatencySeries())
	rateLegend := container.NewHBox()
	for _, s := range loadRateSeries() {
		rateLegend.Add(newLegendItem(s).box)
	}
	latLegend := container.NewHBox()
	for _, s := range loadLatencySeries() {
		latLegend.Add(newLegendItem(s).box)
	}
	p.latLegend = bold(lang.L("Latency (ms)"))
	charts := container.NewGridWithRows(2,
		container.NewBorder(container.NewBorder(nil, nil, bold(lang.L("Answers per second")), rateLegend), nil, nil, nil, p.rateChart),
		container.NewBorder(container.NewBorder(nil, nil, p.latLegend, latLegend), nil, nil, nil, p.latChart))
	right := container.NewBorder(
		container.NewVBox(p.progress, figures, p.msg),
		container.NewHBox(p.copyJSON), nil, nil, charts)
	split := container.NewHSplit(left, right)
	split.Offset = 0.42
	p.root = split
	p.showSource()
	p.showSigning()
	p.clearFigures()
	return p
}

// loadFigures lays out label/value pairs in two columns of pairs, the
// labels as wide as the widest one, so the values line up.
type loadFigures struct{}

func (l *loadFigures) colW(objs []fyne.CanvasObject) float32 {
	w := float32(0)
	for i := 0; i < len(objs); i += 2 {
		w = max(w, objs[i].MinSize().Width)
	}
	return w
}

func (l *loadFigures) rowH(objs []fyne.CanvasObject, i int, valW float32) float32 {
	h := objs[i].MinSize().Height
	if v, ok := objs[i+1].(*widget.Label); ok && v.Wrapping != fyne.TextWrapOff && valW > 0 {
		h = max(h, fyne.MeasureText(v.Text, theme.TextSize(), v.TextStyle).Height) // one line at least
	}
	return max(h, objs[i+1].MinSize().Height)
}

// Layout places the pairs one per row; the values take the width left.
func (l *loadFigures) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lw := l.colW(objs)
	y := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		h := l.rowH(objs, i, size.Width-lw)
		objs[i].Move(fyne.NewPos(0, y))
		objs[i].Resize(fyne.NewSize(lw, h))
		objs[i+1].Move(fyne.NewPos(lw, y))
		objs[i+1].Resize(fyne.NewSize(size.Width-lw, h))
		y += h
	}
}

func (l *loadFigures) MinSize(objs []fyne.CanvasObject) fyne.Size {
	lw := l.colW(objs)
	h := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		h += l.rowH(objs, i, 0)
	}
	return fyne.NewSize(lw+120, h)
}

// showSource shows the field the chosen source needs.
func (p *loadPanel) showSource() {
	if p.names == nil || p.journey == nil {
		return
	}
	switch p.source.Selected {
	case journeyChoice():
		p.names.Hide()
		p.journey.Show()
	case capturesChoice():
		p.journey.Hide()
		p.names.SetPlaceHolder(lang.L("Search (empty: the newest)"))
		p.names.Show()
	default:
		p.journey.Hide()
		p.names.SetPlaceHolder(lang.L("Events (empty: all 30)"))
		p.names.Show()
	}
}

// showSigning shows the spec field when a spec signs.
func (p *loadPanel) showSigning() {
	if p.spec == nil {
		return
	}
	if p.signing.Selected == specChoice() {
		p.spec.Show()
	} else {
		p.spec.Hide()
	}
}

// refreshSubs lists the saved subscriptions among the signing choices
// (read off the UI goroutine).
func (p *loadPanel) refreshSubs() {
	if p.subs == nil {
		return
	}
	go func() {
		subs, err := p.subs.Subscriptions(context.Background())
		if err != nil {
			return // signing by spec and unsigned still work
		}
		p.m.post(func() {
			opts := []string{unsignedChoice(), specChoice()}
			p.subByLabel = map[string]outbound.Subscription{}
			for _, s := range subs {
				l := lang.L("As subscription “{{.Name}}”", map[string]any{"Name": s.Name})
				p.subByLabel[l] = s
				opts = append(opts, l)
			}
			p.signing.Options = opts
			if !slices.Contains(opts, p.signing.Selected) {
				p.signing.SetSelected(unsignedChoice())
			}
			p.signing.Refresh()
		})
	}()
}

// loadForm is what the form asks for, checked on the UI goroutine; the
// source is made off it (captures are read from the store).
type loadForm struct {
	cfg     load.Config
	source  string
	names   string
	journey string
}

// readForm checks the fields; the error is a sentence for the user.
func (p *loadPanel) readForm() (loadForm, error) {
	f := loadForm{source: p.source.Selected, names: strings.TrimSpace(p.names.Text), journey: p.journey.Selected}
	c := &f.cfg
	c.Target = strings.TrimSpace(p.target.Text)
	if c.Target == "" {
		return f, errors.New(lang.L("Enter the receiver's URL, e.g. http://localhost:3000/webhooks."))
	}
	if !strings.Contains(c.Target, "://") {
		c.Target = "http://" + c.Target
	}
	if err := replay.CheckTarget(c.Target); err != nil {
		return f, errors.New(lang.L("The target URL is not valid: write it as http://host:port/path."))
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(p.amount.Text), 64)
	if p.model.Selected == concurrencyChoice() {
		if err != nil || n < 1 || n > load.MaxConcurrency || n != float64(int(n)) {
			return f, errors.New(lang.L("Enter the concurrency: a whole number of parallel senders from 1 to {{.Max}}.", map[string]any{"Max": loc.Int(load.MaxConcurrency)}))
		}
		c.Concurrency = int(n)
	} else {
		if err != nil || n <= 0 || n > load.MaxRate {
			return f, errors.New(lang.L("Enter the rate: requests per second, more than 0 and at most {{.Max}}.", map[string]any{"Max": loc.Int(load.MaxRate)}))
		}
		c.Rate = n
	}
	if s := strings.TrimSpace(p.duration.Text); s != "" {
		d, err := time.ParseDuration(s)
		if secs, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			d, err = time.Duration(secs*float64(time.Second)), nil
		}
		if err != nil || d <= 0 {
			return f, errors.New(lang.L("Enter the duration as 30s, 5m or a number of seconds, or leave it empty."))
		}
		c.Duration = d
	}
	if s := strings.TrimSpace(p.count.Text); s != "" {
		k, err := strconv.Atoi(s)
		if err != nil || k <= 0 {
			return f, errors.New(lang.L("Enter the count as a whole number of requests, or leave it empty."))
		}
		c.Count = k
	}
	pct := func(e *widget.Entry) (float64, bool) {
		s := strings.TrimSuffix(strings.TrimSpace(e.Text), "%")
		if s == "" {
			return 0, true
		}
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil && v >= 0 && v <= 100
	}
	var ok bool
	if c.Faults.Duplicates, ok = pct(p.dups); !ok {
		return f, errors.New(lang.L("Duplicates is a percentage from 0 to 100."))
	}
	if c.Faults.OutOfOrder, ok = pct(p.ooo); !ok {
		return f, errors.New(lang.L("Out of order is a percentage from 0 to 100."))
	}
	if s := strings.TrimSpace(p.burst.Text); s != "" {
		if c.Faults.BurstSize, c.Faults.BurstEvery, err = load.ParseBurst(s); err != nil {
			return f, errors.New(lang.L("Write the burst as N/EVERY, e.g. 50/5s: 50 extra requests every 5 seconds."))
		}
	}
	switch sel := p.signing.Selected; sel {
	case unsignedChoice():
	case specChoice():
		spec, err := verify.Parse(strings.TrimSpace(p.spec.Text))
		if err != nil {
			return f, errors.New(lang.L("The verifier spec is not valid: write it as standard:whsec_…, stripe:SECRET or github:SECRET."))
		}
		c.Signing.Spec = &spec
	default:
		s, ok := p.subByLabel[sel]
		if !ok {
			return f, errors.New(lang.L("Choose how to sign the requests."))
		}
		c.Signing.Subscription = &s
	}
	return f, nil
}

// makeSource builds the run's source (off the UI goroutine: captures are
// read from the store).
func (p *loadPanel) makeSource(ctx context.Context, f loadForm) (load.Source, error) {
	switch f.source {
	case journeyChoice():
		return load.Journey(f.journey, f.cfg.Seed)
	case capturesChoice():
		if p.caps == nil {
			return nil, errors.New(lang.L("No captures to send."))
		}
		cs, err := p.caps.List(ctx, capture.Query{Search: f.names, Limit: 1000})
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return nil, errors.New(lang.L("No capture matches the search: clear it to send the newest ones."))
		}
		return load.Captures(cs)
	}
	var names []string
	for n := range strings.SplitSeq(f.names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	src, err := load.Events(names, f.cfg.Seed)
	if errors.Is(err, events.ErrUnknown) {
		return nil, errors.New(lang.L("Unknown event in the list: use machine names such as client.created, separated by commas."))
	}
	return src, err
}

// startRun checks the form and starts the run (UI goroutine).
func (p *loadPanel) startRun() {
	if p.cancel != nil {
		return
	}
	p.msg.Importance = widget.DangerImportance
	f, err := p.readForm()
	if err != nil {
		p.showMsg(err.Error())
		return
	}
	p.showMsg("")
	p.report = nil
	p.copyJSON.Disable()
	p.clearFigures()
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.start.Disable()
	p.stop.Enable()
	go p.run(ctx, f)
}

// run runs on its own goroutine: it makes the source, starts the run,
// and posts the figures every loadEvery until the run is over.
func (p *loadPanel) run(ctx context.Context, f loadForm) {
	cfg := f.cfg
	src, err := p.makeSource(ctx, f)
	var r *load.Runner
	if err == nil {
		cfg.Source = src
		r, err = load.New(cfg)
	}
	if err != nil {
		msg := err.Error()
		p.m.post(func() { p.finish(nil, msg) })
		return
	}
	done := make(chan struct{})
	var (
		rep    load.Report
		runErr error
	)
	go func() {
		defer close(done)
		rep, runErr = r.Run(ctx)
	}()
	t := time.NewTicker(loadEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			msg := ""
			if runErr != nil {
				msg = lang.L("The run stopped: {{.Error}}", map[string]any{"Error": runErr.Error()})
			}
			final := rep
			p.m.post(func() { p.finish(&final, msg) })
			return
		case <-t.C:
			sn := r.Snapshot()
			points, step := r.Timeline()
			if !p.m.post(func() { p.showFigures(sn, points, step) }) {
				<-done // the window is gone: the run was canceled with it
				return
			}
		}
	}
}

// stopRun cancels the run; its report still comes (UI goroutine).
func (p *loadPanel) stopRun() {
	if p.cancel != nil {
		p.cancel()
		p.stop.Disable()
	}
}

// finish shows the end of a run: the report, or msg when it could not
// start (rep nil) or stopped on an error (UI goroutine).
func (p *loadPanel) finish(rep *load.Report, msg string) {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.start.Enable()
	p.stop.Disable()
	imp := widget.DangerImportance
	if rep != nil {
		p.report = rep
		p.copyJSON.Enable()
		sn := reportSnapshot(rep)
		if rep.Stopped == load.StoppedCanceled {
			sn.Progress = -1 // the bar stays where Stop found it
		}
		p.showFigures(sn, rep.Timeline, rep.Step)
		switch {
		case msg == "" && rep.Sent > 0 && rep.Answered == 0 && rep.Errors > 0:
			msg = lang.L("No request was answered: {{.Error}}", map[string]any{"Error": firstError(rep.FirstErrors)})
		case msg == "" && rep.Stopped == load.StoppedCanceled:
			msg, imp = lang.L("Stopped before the end: the figures cover what was sent."), widget.WarningImportance
		}
	}
	p.msg.Importance = imp
	p.showMsg(msg)
}

// firstError is one of the errors' messages, in the window's language.
func firstError(m map[string]string) string {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		return loc.Note(m[k])
	}
	return ""
}

// reportSnapshot turns a final report back into the figures shown live.
func reportSnapshot(rep *load.Report) load.Snapshot {
	d := func(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
	sn := load.Snapshot{Progress: 1, Sent: rep.Sent, NotSent: rep.NotSent, Answered: rep.Answered, Errors: rep.Errors,
		Canceled: rep.Canceled, Status: map[int]int64{}, Classes: map[replay.Class]int64{}, Duplicates: rep.DuplicatesSent,
		Late: rep.OutOfOrderSent, Bursts: rep.BurstSent, Rate: rep.AchievedRate, RateLastSecond: -1,
		P50: d(rep.P50), P90: d(rep.P90), P99: d(rep.P99), Max: d(rep.Max), Done: true,
		Elapsed: time.Duration(rep.Elapsed * float64(time.Second))}
	for k, v := range rep.Status {
		if code, err := strconv.Atoi(k); err == nil {
			sn.Status[code] = v
		}
	}
	for k, v := range rep.ErrorsByClass {
		sn.Classes[replay.Class(k)] = v
	}
	return sn
}

func (p *loadPanel) showMsg(s string) {
	p.msg.SetText(s)
	if s == "" {
		p.msg.Hide()
	} else {
		p.msg.Show()
	}
}

func (p *loadPanel) clearFigures() {
	p.showFigures(load.Snapshot{Status: map[int]int64{}}, nil, time.Second)
	p.progress.SetValue(0)
}

// showFigures draws a snapshot and the timeline (UI goroutine).
func (p *loadPanel) showFigures(sn load.Snapshot, points []load.Point, step time.Duration) {
	if sn.Progress >= 0 {
		p.progress.SetValue(sn.Progress)
	}
	sent := loc.Int(sn.Sent)
	var extra []string
	if sn.NotSent > 0 {
		extra = append(extra, lang.L("{{.Count}} not sent: too many in flight", map[string]any{"Count": loc.Int(sn.NotSent)}))
	}
	if n := sn.Duplicates + sn.Late + sn.Bursts; n > 0 {
		extra = append(extra, lang.L("{{.Dups}} duplicates, {{.Late}} out of order, {{.Bursts}} in bursts",
			map[string]any{"Dups": loc.Int(sn.Duplicates), "Late": loc.Int(sn.Late), "Bursts": loc.Int(sn.Bursts)}))
	}
	if len(extra) > 0 {
		sent += " (" + strings.Join(extra, "; ") + ")"
	}
	p.sent.SetText(sent)
	answered := loc.Int(sn.Answered)
	if sn.Canceled > 0 {
		answered += " " + lang.L("({{.Count}} canceled by Stop)", map[string]any{"Count": loc.Int(sn.Canceled)})
	}
	p.answered.SetText(answered)
	errs := loc.Int(sn.Errors)
	if len(sn.Classes) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(sn.Classes)) {
			parts = append(parts, classWord(k)+" "+loc.Int(sn.Classes[k]))
		}
		errs += " (" + strings.Join(parts, ", ") + ")"
	}
	p.errs.SetText(errs)
	overall := strconv.FormatFloat(sn.Rate, 'f', 1, 64)
	if sn.RateLastSecond >= 0 && !sn.Done {
		p.rate.SetText(lang.L("{{.Last}}/s in the last second, {{.Overall}}/s overall", map[string]any{"Last": strconv.FormatFloat(sn.RateLastSecond, 'f', 0, 64), "Overall": overall}))
	} else {
		p.rate.SetText(lang.L("{{.Overall}}/s overall", map[string]any{"Overall": overall}))
	}
	p.latency.SetText(fmt.Sprintf("p50 %s · p90 %s · p99 %s · max %s", msText(sn.P50), msText(sn.P90), msText(sn.P99), msText(sn.Max)))
	if len(sn.Status) == 0 {
		p.statusRow.SetText("—")
	} else {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(sn.Status)) {
			parts = append(parts, strconv.Itoa(k)+": "+loc.Int(sn.Status[k]))
		}
		p.statusRow.SetText(strings.Join(parts, "  "))
	}
	p.drawCharts(points, step)
}

// msText is a latency in milliseconds with two decimals.
func msText(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

// loadRateSeries are the rate chart's layers: answers by outcome.
func loadRateSeries() []chartSeries {
	return []chartSeries{
		{name: "2xx", color: theme.ColorNameSuccess},
		{name: lang.L("other status"), color: theme.ColorNameWarning},
		{name: lang.L("no answer"), color: theme.ColorNameError},
	}
}

// loadLatencySeries are the latency chart's layers: p50 and the rest of
// the way to p99, so a bar's top is the step's p99.
func loadLatencySeries() []chartSeries {
	return []chartSeries{
		{name: "p50", color: theme.ColorNamePrimary},
		{name: "p99", color: theme.ColorNameWarning},
	}
}

// loadEpoch is where a run's time axis starts: a midnight, so the round
// offsets the ticks fall on are round times since it.
var loadEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// drawCharts draws the timeline (UI goroutine). The latency unit is ms,
// or µs when even the slowest step's p99 is under 10 ms, so the bars of
// a fast receiver do not all round to 0.
func (p *loadPanel) drawCharts(points []load.Point, step time.Duration) {
	step = max(step, time.Second)
	n := max(len(points), 1)
	g := chartGrid{start: loadEpoch, step: step, n: n}
	tick := loadTick(time.Duration(n) * step)
	label := func(at time.Time) string { return loadAxisLabel(at.Sub(loadEpoch)) }
	rates := make([][]int, n)
	lats := make([][]int, n)
	top := time.Duration(0)
	for _, pt := range points {
		top = max(top, pt.P99)
	}
	unit, unitName := time.Millisecond, lang.L("Latency (ms)")
	if top < 10*time.Millisecond {
		unit, unitName = time.Microsecond, lang.L("Latency (µs)")
	}
	for i := range n {
		rates[i], lats[i] = []int{0, 0, 0}, []int{0, 0}
		if i >= len(points) {
			continue
		}
		pt := points[i]
		per := step.Seconds()
		rates[i] = []int{int(float64(pt.OK) / per), int(float64(pt.Other) / per), int(float64(pt.Errors) / per)}
		lats[i] = []int{int(pt.P50 / unit), int((pt.P99 - pt.P50) / unit)}
	}
	p.latLegend.SetText(unitName)
	p.rateChart.data = chartData{grid: g, tick: tick, vals: rates, empty: lang.L("No answers yet"), label: label}
	p.rateChart.Refresh()
	p.latChart.data = chartData{grid: g, tick: tick, vals: lats, empty: lang.L("No answers yet"), label: label}
	p.latChart.Refresh()
}

// loadTick is a round tick for a time axis of span: at most about six
// labels.
func loadTick(span time.Duration) time.Duration {
	for _, t := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second,
		30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour} {
		if span/t <= 6 {
			return t
		}
	}
	return 2 * time.Hour
}

// loadAxisLabel is an offset on the time axis: "30 s", "2 min", "1 h".
func loadAxisLabel(d time.Duration) string {
	switch {
	case d < time.Minute || d%time.Minute != 0:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < time.Hour || d%time.Hour != 0:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return strconv.Itoa(int(d/time.Hour)) + " h"
}

// copyReport puts the last report's JSON on the clipboard.
func (p *loadPanel) copyReport() {
	if p.report == nil {
		return
	}
	b, err := json.MarshalIndent(p.report, "", "  ")
	if err != nil {
		p.showMsg(err.Error())
		return
	}
	p.m.copy(string(b))
}

// showLoad opens the Load panel in a dialog; a run goes on when the
// dialog is closed, and the panel shows it again when reopened.
func (p *outboundPanel) showLoad() {
	if p.m.win == nil {
		return
	}
	if p.load == nil {
		p.load = newLoadPanel(p.m, p.o.Store, p.m.opts.Captures)
	}
	p.load.refreshSubs()
	d := dialog.NewCustom(lang.L("Load run"), lang.L("Close"), p.load.root, p.m.win)
	closeOnEsc(d, p.m.win.Canvas())
	size := p.m.win.Canvas().Size()
	d.Resize(fyne.NewSize(min(size.Width-40, 1100), min(size.Height-40, 720)))
	d.Show()
}
