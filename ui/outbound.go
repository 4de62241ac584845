package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/tunnel"
)

// Subscriptions stores outbound subscriptions and their delivery log;
// outbound.Store implements it. Safe for concurrent use.
type Subscriptions interface {
	Subscriptions(ctx context.Context) ([]outbound.Subscription, error)
	Save(ctx context.Context, s *outbound.Subscription) error
	Delete(ctx context.Context, id string) error
	SetEnabled(ctx context.Context, id string, on bool, reason string) error
	Deliveries(ctx context.Context, q outbound.DeliveryQuery) ([]outbound.Delivery, error)
	Attempts(ctx context.Context, deliveryID string) ([]outbound.Attempt, error)
	Outcomes(ctx context.Context, since time.Time, step time.Duration) ([]outbound.Bucket, error)
	SaveTemplate(ctx context.Context, t outbound.Template) error
	Templates(ctx context.Context, event string) ([]outbound.Template, error)
}

// Dispatch fires events to subscriptions and retries deliveries;
// outbound.Dispatcher implements it. Safe for concurrent use.
type Dispatch interface {
	Fire(ctx context.Context, event string, p events.Payload, only string) ([]outbound.Delivery, error)
	RetryNow(ctx context.Context, deliveryID string) error
}

// Outbound wires the "Outbound" section: Changed receives a value (any
// goroutine, never blocking: a 1-slot channel is enough) whenever a
// delivery or subscription changed, so the section re-reads the store.
type Outbound struct {
	Store    Subscriptions
	Dispatch Dispatch
	Changed  <-chan struct{}
}

// The delivery log filters' "no filter" choices, in the window's
// language. They name what they filter, so the filters need no labels
// beside them and fit a small window.
func anySub() string     { return lang.L("All subscriptions") }
func anyEvent() string   { return lang.L("All events") }
func anyOutcome() string { return lang.L("All outcomes") }

// eventTitle is an event's name for people in the window's language: in
// Portuguese the CRM's Portuguese menu label, in English its English one.
// The machine name (client.phase_changed) is shown beside it as it is.
func eventTitle(e events.Event) string {
	if loc.Lang() == i18n.Portuguese && e.LabelPT != "" {
		return e.LabelPT
	}
	return e.Label
}

// problemText is a validation problem from the outbound package in the
// window's language: its Key translated and filled with its Data (the
// package itself stays free of the translation layer).
func problemText(p outbound.Problem) string {
	if p.Key == "" {
		return p.Message
	}
	return lang.X(p.Key, p.Message, p.Data)
}

// outboundPanel is the Outbound section: subscriptions on the left, the
// delivery log (with its chart) on the right.
type outboundPanel struct {
	m    *Main
	o    Outbound
	root fyne.CanvasObject

	subs    []outbound.Subscription
	subList *widget.List
	subSel  int
	subMsg  *widget.Label

	// lastDel is each subscription's newest delivery (by id), whose state
	// its row shows; totals is how many attempts its retry policy allows.
	lastDel map[string]outbound.Delivery
	totals  map[string]int

	// Delivery log.
	fSub, fEvent, fOutcome *widget.Select
	subIDs                 map[string]string // filter label → subscription id
	dels                   []outbound.Delivery
	delList                *widget.List
	delSel                 string // selected delivery id
	attempts               *fitGrid
	retry                  *widget.Button
	chart                  *outcomeChart
	// logMsg says what went wrong reading the log or retrying (red); hidden
	// when nothing did.
	logMsg         *widget.Label
	loading, dirty bool
	// ticking is set while a timer will redraw the countdowns ("in 30 s")
	// of retrying deliveries.
	ticking bool
	// detail is the delivery in the attempts pane; nil when none is.
	detail *shownDetail
	// stateW is the width of the log's state column: its widest state, so
	// the names after it line up.
	stateW float32
	// journeys is the Journeys dialog last opened (journeys.go).
	journeys *journeyForm
	// load is the Load panel (ui/load.go), made when first opened.
	load *loadPanel
}

func newOutboundPanel(m *Main, o Outbound) *outboundPanel {
	p := &outboundPanel{m: m, o: o, subSel: -1, subIDs: map[string]string{}, lastDel: map[string]outbound.Delivery{}, totals: map[string]int{}}
	p.subMsg = widget.NewLabel("")
	p.subMsg.Wrapping = fyne.TextWrapWord
	p.subMsg.Hide()
	p.subList = widget.NewList(
		func() int { return len(p.subs) },
		func() fyne.CanvasObject { return newSubRow(p) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.subs) {
				o.(*subRow).set(i, p.subs[i])
			}
		})
	p.subList.OnSelected = func(i widget.ListItemID) { p.subSel = i }
	newSub := widget.NewButtonWithIcon(lang.L("New subscription"), theme.ContentAddIcon(), func() {
		s := outbound.NewSubscription()
		p.showForm(&s, true)
	})
	fire := widget.NewButtonWithIcon(lang.L("Fire event…"), theme.MailSendIcon(), func() { p.showFire("", "") })
	fire.Importance = widget.HighImportance
	// Journeys… (journeys.go) beside the title, where there is room.
	journeys := widget.NewButtonWithIcon(lang.L("Journeys…"), theme.MediaPlayIcon(), func() { p.showJourneys() })
	loadRun := widget.NewButtonWithIcon(lang.L("Load run…"), theme.MediaFastForwardIcon(), p.showLoad)
	// The buttons under the title, not beside it: the pane can then give
	// the delivery log the width its rows need in a small window.
	left := container.NewBorder(
		container.NewVBox(
			container.NewBorder(nil, nil, widget.NewLabelWithStyle(lang.L("Subscriptions"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), journeys),
			container.NewHBox(newSub, fire), container.NewHBox(loadRun), p.subMsg),
		nil, nil, nil, p.subList)

	p.fSub = widget.NewSelect([]string{anySub()}, func(string) { p.reload() })
	p.fSub.SetSelected(anySub())
	names := []string{anyEvent()}
	for _, e := range events.All() {
		names = append(names, e.Name)
	}
	p.fEvent = widget.NewSelect(names, func(string) { p.reload() })
	p.fEvent.SetSelected(anyEvent())
	outcomes := []string{anyOutcome()}
	for _, o := range outcomeOrder {
		outcomes = append(outcomes, stateWord(o))
	}
	p.fOutcome = widget.NewSelect(outcomes, func(string) { p.reload() })
	p.fOutcome.SetSelected(anyOutcome())
	p.delList = widget.NewList(
		func() int { return len(p.dels) },
		func() fyne.CanvasObject { return newDelRow(&p.stateW) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.dels) {
				o.(*delRow).set(p.dels[i], p.totals[p.dels[i].SubscriptionID], p.m.now())
			}
		})
	p.delList.OnSelected = func(i widget.ListItemID) {
		if i < len(p.dels) {
			p.delSel = p.dels[i].ID
			p.showAttempts(p.dels[i])
		}
	}
	p.attempts = newFitGrid() // errors wrap at the pane's width
	p.retry = widget.NewButtonWithIcon(lang.L("Retry now"), theme.ViewRefreshIcon(), p.retryNow)
	p.retry.Disable()
	p.chart = newOutcomeChart(func() { p.reload() })
	p.logMsg = widget.NewLabel("")
	p.logMsg.Wrapping = fyne.TextWrapWord // "Retry failed: <error>" is read whole
	p.logMsg.Importance = widget.DangerImportance
	p.logMsg.Hide()
	// Three equal columns that shrink with the window: in a scrolled row
	// the last filter was cut off in a small window.
	filters := container.NewGridWithColumns(3, p.fSub, p.fEvent, p.fOutcome)
	logTop := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabelWithStyle(lang.L("Delivery log"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			p.chart.picker.box, p.chart.legend),
		p.chart.plot, p.logMsg, filters)
	detail := container.NewBorder(container.NewHBox(p.retry), nil, nil, nil, p.attempts.box)
	logSplit := container.NewVSplit(p.delList, detail)
	logSplit.Offset = 0.5
	right := container.NewBorder(logTop, nil, nil, nil, logSplit)
	split := container.NewHSplit(left, right)
	split.Offset = 0.34 // the log's rows are the longer
	p.root = split
	return p
}

// reload re-reads subscriptions, the log and the chart (UI goroutine; the
// reading happens off it). One read is in flight at a time: changes that
// arrive meanwhile fold into one more read, so a busy fan-out does not
// flood the store or the UI.
func (p *outboundPanel) reload() {
	if p.fSub == nil || p.fEvent == nil || p.fOutcome == nil || p.delList == nil {
		return // still being built: SetSelected calls back
	}
	if p.loading {
		p.dirty = true
		return
	}
	p.loading = true
	q := p.query()
	win := p.chart.window()
	g := gridAt(win, p.m.now())
	go func() {
		ctx := context.Background()
		subs, serr := p.o.Store.Subscriptions(ctx)
		last := p.lastDeliveries(ctx, subs)
		dels, derr := p.o.Store.Deliveries(ctx, q)
		buckets, berr := p.o.Store.Outcomes(ctx, g.start, g.step)
		p.m.post(func() {
			p.loading = false
			p.applySubs(subs, last, serr)
			p.applyLog(dels, derr, win, g, buckets, berr)
			if p.dirty {
				p.dirty = false
				p.reload()
			}
		})
	}()
}

// maxRowStates bounds the per-subscription reads of lastDeliveries.
const maxRowStates = 200

// lastDeliveries reads each subscription's newest delivery, whose state
// its row shows (off the UI goroutine; one indexed read each, for the
// first maxRowStates subscriptions).
func (p *outboundPanel) lastDeliveries(ctx context.Context, subs []outbound.Subscription) map[string]outbound.Delivery {
	out := map[string]outbound.Delivery{}
	for _, s := range subs[:min(len(subs), maxRowStates)] {
		if s.LastAt.IsZero() {
			continue // never executed
		}
		ds, err := p.o.Store.Deliveries(ctx, outbound.DeliveryQuery{SubscriptionID: s.ID, Limit: 1})
		if err == nil && len(ds) == 1 {
			out[s.ID] = ds[0]
		}
	}
	return out
}

func (p *outboundPanel) applySubs(subs []outbound.Subscription, last map[string]outbound.Delivery, err error) {
	if err != nil {
		p.showSubMsg(widget.DangerImportance, lang.L("Could not read the subscriptions: {{.Err}}", map[string]any{"Err": err.Error()}))
		return
	}
	p.subs, p.lastDel = subs, last
	p.totals = make(map[string]int, len(subs))
	for _, s := range subs {
		p.totals[s.ID] = 1 + len(s.Retry.Schedule())
	}
	p.subList.Refresh()
	opts := []string{anySub()}
	p.subIDs = map[string]string{}
	for _, s := range subs {
		label := subLabel(s)
		if _, taken := p.subIDs[label]; taken { // two with one name: tell them apart
			label += " (" + s.ID[max(0, len(s.ID)-6):] + ")"
		}
		p.subIDs[label] = s.ID
		opts = append(opts, label)
	}
	p.fSub.Options = opts
	p.fSub.Refresh()
	if len(subs) == 0 {
		p.showSubMsg(widget.MediumImportance, lang.L("No subscriptions yet. A subscription is what a CRM's webhook menu offers: "+
			"a name, the events, a URL, GET or POST, headers, field mapping, a signing secret and a retry policy. "+
			"Add one with New subscription, or Fire event… to try a sample."))
	} else {
		p.subMsg.Hide()
	}
}

func subLabel(s outbound.Subscription) string {
	if s.Name != "" {
		return s.Name
	}
	return s.URL
}

func (p *outboundPanel) showSubMsg(imp widget.Importance, text string) {
	p.subMsg.Importance = imp
	p.subMsg.SetText(text)
	p.subMsg.Show()
}

// query is the log's filter.
func (p *outboundPanel) query() outbound.DeliveryQuery {
	q := outbound.DeliveryQuery{Limit: 500}
	if v := p.fSub.Selected; v != anySub() && v != "" {
		q.SubscriptionID = p.subIDs[v]
	}
	if v := p.fEvent.Selected; v != anyEvent() && v != "" {
		q.Event = v
	}
	if v := p.fOutcome.Selected; v != anyOutcome() && v != "" {
		q.Outcome = outcomeOf(v)
	}
	return q
}

func (p *outboundPanel) applyLog(dels []outbound.Delivery, err error, win chartWindow, g chartGrid, buckets []outbound.Bucket, berr error) {
	switch {
	case err != nil:
		p.showLogMsg(lang.L("Could not read the log: {{.Err}}. Reopen the window; if it persists, check the data directory's disk.", map[string]any{"Err": err.Error()}))
		return
	case berr != nil:
		p.showLogMsg(lang.L("Could not count the deliveries for the chart: {{.Err}}.", map[string]any{"Err": berr.Error()}))
	default:
		p.logMsg.Hide()
		p.chart.set(win, g, buckets)
	}
	p.dels = dels
	p.measureStates()
	p.delList.Refresh()
	p.tick()
	for i, d := range dels {
		if d.ID == p.delSel {
			p.showAttempts(d)
			p.delList.Select(i)
			return
		}
	}
	p.detail = nil
	if len(dels) == 0 {
		p.attempts.setText(lang.L("No deliveries match. Fire event… sends a sample to the subscriptions."), p.m.styles)
	} else {
		p.attempts.setText(lang.L("Select a delivery to see its attempts."), p.m.styles)
	}
	p.retry.Disable()
}

func (p *outboundPanel) showLogMsg(text string) {
	p.logMsg.SetText(text)
	p.logMsg.Show()
}

// tick keeps the countdowns of waiting deliveries ("in 30 s") current:
// while the log or the subscriptions show one, their rows are redrawn
// each second from the clock (UI goroutine). It stops by itself when no
// delivery waits.
func (p *outboundPanel) tick() {
	if p.ticking || !p.waiting() {
		return
	}
	p.ticking = true
	time.AfterFunc(time.Second, func() {
		p.m.post(func() {
			p.ticking = false
			p.measureStates()
			p.delList.Refresh()
			p.subList.Refresh()
			if p.detail != nil && p.detail.d.ID == p.delSel && waits(p.detail.d) {
				p.showDetail()
			}
			p.tick()
		})
	})
}

// waiting reports whether a shown delivery has an attempt scheduled.
func (p *outboundPanel) waiting() bool {
	for _, d := range p.dels {
		if waits(d) {
			return true
		}
	}
	for _, d := range p.lastDel {
		if waits(d) {
			return true
		}
	}
	return p.detail != nil && waits(p.detail.d)
}

func waits(d outbound.Delivery) bool {
	return !d.NextAt.IsZero() && (d.Outcome == outbound.OutcomeRetrying || d.Outcome == outbound.OutcomePending)
}

// showAttempts loads and shows one delivery's attempts (UI goroutine).
func (p *outboundPanel) showAttempts(d outbound.Delivery) {
	p.retry.Enable()
	total, now := p.totals[d.SubscriptionID], p.m.now()
	if d.Outcome == outbound.OutcomeSucceeded {
		p.retry.SetText(lang.L("Send again"))
	} else {
		p.retry.SetText(lang.L("Retry now"))
	}
	st := p.m.styles
	go func() {
		as, err := p.o.Store.Attempts(context.Background(), d.ID)
		var rest []widget.TextGridRow
		if err == nil {
			for _, c := range attemptsText(d, as, total, now)[1:] { // the head is drawn by showDetail
				// A chunk's last line end would be an empty row of its own.
				rest = append(rest, highlightWrapped(strings.TrimSuffix(c.text, "\n"), c.lang, st, noWrap)...)
			}
		}
		p.m.post(func() {
			if p.delSel != d.ID {
				return
			}
			if err != nil {
				p.detail = nil
				p.attempts.setText(lang.L("Could not read the attempts: {{.Err}}", map[string]any{"Err": err.Error()}), p.m.styles)
				return
			}
			p.detail = &shownDetail{d: d, rest: rest}
			p.showDetail()
		})
	}()
}

// shownDetail is the delivery whose attempts are shown, and their rows
// after the head.
type shownDetail struct {
	d    outbound.Delivery
	rest []widget.TextGridRow
}

// showDetail draws the shown delivery's head, told from the clock now,
// above its attempts (UI goroutine).
func (p *outboundPanel) showDetail() {
	if p.detail == nil {
		return
	}
	d := p.detail.d
	head := highlightWrapped(strings.TrimSuffix(text.Block(deliveryHead(d, p.totals[d.SubscriptionID], p.m.now())), "\n"), "plaintext", p.m.styles, noWrap)
	p.attempts.setRows(append(head[:len(head):len(head)], p.detail.rest...))
}

func (p *outboundPanel) retryNow() {
	id := p.delSel
	if id == "" {
		return
	}
	go func() {
		err := p.o.Dispatch.RetryNow(context.Background(), id)
		p.m.post(func() {
			if err != nil {
				p.showLogMsg(lang.L("Retry failed: {{.Err}}", map[string]any{"Err": sentence(err)}))
			}
		})
	}()
}

// outcomeOrder is the order outcomes are offered and stacked in.
var outcomeOrder = []outbound.Outcome{outbound.OutcomeSucceeded, outbound.OutcomeRetrying, outbound.OutcomeFailed, outbound.OutcomePending}

// stateWord is an outcome's one name in the window: the log, the filter,
// the chart's legend, the attempt detail and the subscriptions list all
// say it so.
func stateWord(o outbound.Outcome) string {
	switch o {
	case outbound.OutcomeSucceeded:
		return lang.L("delivered")
	case outbound.OutcomeRetrying:
		return lang.L("retrying")
	case outbound.OutcomeFailed:
		return lang.L("failed")
	case outbound.OutcomePending:
		return lang.L("pending")
	}
	return string(o)
}

// outcomeOf is the outcome stateWord names.
func outcomeOf(word string) outbound.Outcome {
	for _, o := range outcomeOrder {
		if stateWord(o) == word {
			return o
		}
	}
	return outbound.Outcome(word)
}

// stateImportance is an outcome's colour: one meaning per colour, so a
// failed attempt with a retry to come is orange (a warning), and only
// a delivery whose retries are exhausted is red.
func stateImportance(o outbound.Outcome) widget.Importance {
	switch o {
	case outbound.OutcomeSucceeded:
		return widget.SuccessImportance
	case outbound.OutcomeFailed:
		return widget.DangerImportance
	case outbound.OutcomeRetrying:
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

// deliveryState is where d stands, in the words every view uses:
// "delivered", "retrying (attempt 2 of 5 in 30 s)", "failed after 5
// attempts", "pending (attempt 1 due now)". total is how many attempts
// the subscription's policy allows (0: unknown); now is the clock's
// reading the countdown is told from.
func deliveryState(d outbound.Delivery, total int, now time.Time) string {
	word := stateWord(d.Outcome)
	switch d.Outcome {
	case outbound.OutcomeSucceeded:
		if d.Attempts > 1 {
			return lang.L("delivered on attempt {{.N}}", map[string]any{"N": d.Attempts})
		}
		return word
	case outbound.OutcomeFailed:
		if d.Attempts > 0 {
			return lang.N("failed after {{.Count}} attempts", d.Attempts, map[string]any{"Count": d.Attempts})
		}
		return word
	case outbound.OutcomeRetrying, outbound.OutcomePending:
		if d.NextAt.IsZero() {
			return word
		}
		data := map[string]any{"State": word, "N": d.Attempts + 1, "Total": total, "Due": dueIn(d.NextAt.Sub(now))}
		if total > d.Attempts {
			return lang.L("{{.State}} (attempt {{.N}} of {{.Total}} {{.Due}})", data)
		}
		return lang.L("{{.State}} (attempt {{.N}} {{.Due}})", data)
	}
	return word
}

// dueIn words the wait before a scheduled attempt: "in 30 s", "in 4 min",
// "in 2 h 5 min", or "due now" once it has come.
func dueIn(d time.Duration) string {
	if d < time.Second {
		return lang.L("due now")
	}
	s := int((d + time.Second/2) / time.Second)
	switch {
	case s < 60:
		return lang.L("in {{.S}} s", map[string]any{"S": s})
	case s < 3600 && s%60 == 0:
		return lang.L("in {{.M}} min", map[string]any{"M": s / 60})
	case s < 3600:
		return lang.L("in {{.M}} min {{.S}} s", map[string]any{"M": s / 60, "S": s % 60})
	case s%3600 < 60:
		return lang.L("in {{.H}} h", map[string]any{"H": s / 3600})
	}
	return lang.L("in {{.H}} h {{.M}} min", map[string]any{"H": s / 3600, "M": s % 3600 / 60})
}

// deliveryLine is one row of the log, as its three columns read: when
// it fired, where it stands (with the last answer) and what went where.
func deliveryLine(d outbound.Delivery, total int, now time.Time) string {
	when, state, names := deliveryCols(d, total, now)
	return when + "  " + state + "  " + names
}

func deliveryCols(d outbound.Delivery, total int, now time.Time) (when, state, names string) {
	// Today's deliveries by time alone: the row's room goes to the state
	// and the names.
	at := d.CreatedAt.In(now.Location())
	when = at.Format(lang.L("Jan 2 15:04")) // a Go layout: "02/01 15:04" in Portuguese
	if y, m, dd := at.Date(); y == now.Year() && m == now.Month() && dd == now.Day() {
		when = at.Format("15:04:05")
	}
	state = deliveryState(d, total, now)
	switch {
	case d.LastStatus != 0:
		state += " · " + lang.L("last {{.Status}}", map[string]any{"Status": d.LastStatus})
	case d.LastError != "":
		state += " · " + lastProblem(d)
	}
	return when, state, d.Event + " → " + d.SubscriptionName
}

// delRow is one delivery in the log: its time, its state in the state's
// colour (never cut), and the event and subscription, which give way
// with an ellipsis only in a very narrow window.
type delRow struct {
	widget.BaseWidget
	when, state, names *widget.Label
	content            fyne.CanvasObject
}

func newDelRow(stateW *float32) *delRow {
	r := &delRow{when: widget.NewLabel(""), state: widget.NewLabel(""), names: widget.NewLabel("")}
	r.when.TextStyle = fyne.TextStyle{Monospace: true} // times line up
	r.names.Truncation = fyne.TextTruncateEllipsis
	r.content = container.NewBorder(nil, nil, container.New(layout.NewCustomPaddedHBoxLayout(0), r.when,
		container.New(minWidth{stateW}, r.state)), nil, r.names)
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer implements fyne.Widget.
func (r *delRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// minWidth lays out one object at least *w wide: a column whose width
// the panel sets.
type minWidth struct{ w *float32 }

func (l minWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

func (l minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := objs[0].MinSize()
	return fyne.NewSize(max(m.Width, *l.w), m.Height)
}

// measureStates sets the state column's width to fit every shown state.
func (p *outboundPanel) measureStates() {
	w := float32(0)
	now, pad := p.m.now(), 2*theme.InnerPadding()
	for _, d := range p.dels {
		_, state, _ := deliveryCols(d, p.totals[d.SubscriptionID], now)
		w = max(w, fyne.MeasureText(state, theme.TextSize(), fyne.TextStyle{}).Width+pad)
	}
	p.stateW = w
}

func (r *delRow) set(d outbound.Delivery, total int, now time.Time) {
	when, state, names := deliveryCols(d, total, now)
	r.when.SetText(when)
	r.state.Importance = stateImportance(d.Outcome)
	r.state.SetText(state)
	r.names.SetText(names)
}

// lastProblem is what stopped d's last attempt short of a response: the
// failure's class, or the reason no attempt was made.
func lastProblem(d outbound.Delivery) string {
	if d.LastClass != "" {
		return classWord(d.LastClass)
	}
	return d.LastError
}

// classWord names a failure class (replay.Class: refused, timeout…) in
// the window's language; an unknown class is shown as it is.
func classWord(c replay.Class) string {
	switch c {
	case replay.ClassRefused:
		return lang.L("refused")
	case replay.ClassReset:
		return lang.L("reset")
	case replay.ClassTimeout:
		return lang.L("timeout")
	case replay.ClassDNS:
		return lang.L("dns")
	case replay.ClassTLS:
		return lang.L("tls")
	case replay.ClassRedirects:
		return lang.L("redirects")
	case replay.ClassCanceled:
		return lang.L("canceled")
	case replay.ClassOther:
		return lang.L("other error") // "other" alone is a reserved catalogue key
	}
	return string(c)
}

// chunk is a run of the attempt detail in one language.
type chunk struct{ text, lang string }

// attemptsText is a delivery and each of its attempts, in order: what was
// sent (headers and body) and what came back. Each attempt's outcome is
// told in the delivery's words: an attempt that failed with a retry to
// come says "retrying", not "failed".
func attemptsText(d outbound.Delivery, as []outbound.Attempt, total int, now time.Time) []chunk {
	var out []chunk
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, chunk{text.Block(b.String()), "plaintext"})
			b.Reset()
		}
	}
	zone := now.Location()
	b.WriteString(deliveryHead(d, total, now))
	flush() // the head is redrawn alone as its countdown runs
	if len(as) == 0 {
		b.WriteString("\n" + lang.L("No attempt yet.") + "\n")
		if d.LastError != "" {
			b.WriteString(lang.L("No attempt was made: {{.Err}}.", map[string]any{"Err": d.LastError}) + "\n")
		}
	}
	for _, a := range as {
		fmt.Fprintf(&b, "\n#%d  %s  %s\n", a.N, a.At.In(zone).Format("15:04:05.000"), a.URL)
		for _, h := range a.RequestHeaders {
			fmt.Fprintf(&b, "  > %s: %s\n", h.Name, maskCredential(h.Name, h.Value))
		}
		switch {
		case len(a.RequestBody) > 0:
			b.WriteString(lang.L("Body sent ({{.Size}}):", map[string]any{"Size": loc.Size(a.RequestBodySize)}) + "\n")
			flush()
			out = append(out, chunk{strings.ToValidUTF8(string(a.RequestBody), "\uFFFD"), bodyLang(a.RequestHeaders.Get("Content-Type"))})
			if a.RequestBodySize > int64(len(a.RequestBody)) {
				b.WriteString(lang.L("… (the first {{.Shown}} of {{.Size}})", map[string]any{"Shown": loc.Size(int64(len(a.RequestBody))), "Size": loc.Size(a.RequestBodySize)}))
			}
			b.WriteString("\n")
		case a.RequestHeaders.Get("Content-Type") == "":
			b.WriteString(lang.L("No body: a GET sends the fields in the URL's query.") + "\n")
		default:
			b.WriteString(lang.L("Body sent: not recorded (the attempt was made by an older Gancho).") + "\n")
		}
		next := stateWord(outbound.OutcomeFailed)
		if !a.NextAt.IsZero() {
			next = stateWord(outbound.OutcomeRetrying)
		}
		if a.Class != "" {
			b.WriteString(lang.L("No response, {{.State}} ({{.Class}}): {{.Err}}", map[string]any{"State": next, "Class": classWord(a.Class), "Err": a.Err}) + "\n")
		} else {
			b.WriteString(lang.L("HTTP {{.Status}} in {{.Latency}}", map[string]any{"Status": a.Status, "Latency": a.Latency.Round(10 * time.Microsecond).String()}))
			if a.Err != "" {
				fmt.Fprintf(&b, ", %s (%s)", next, a.Err)
			}
			b.WriteString("\n")
			for _, h := range a.Headers {
				fmt.Fprintf(&b, "  < %s: %s\n", h.Name, h.Value)
			}
			if len(a.Body) > 0 {
				b.WriteString("\n")
				b.WriteString(strings.ToValidUTF8(string(a.Body), "\uFFFD"))
				if a.BodySize > int64(len(a.Body)) {
					b.WriteString(lang.L("… ({{.Shown}} of {{.Size}} bytes)", map[string]any{"Shown": loc.Int(int64(len(a.Body))), "Size": loc.Int(a.BodySize)}))
				}
				b.WriteString("\n")
			}
		}
		if !a.NextAt.IsZero() {
			b.WriteString(lang.L("→ attempt {{.N}} at {{.At}}", map[string]any{"N": a.N + 1, "At": a.NextAt.In(zone).Format("15:04:05")}) + "\n")
		}
	}
	flush()
	return out
}

// deliveryHead is the first lines of a delivery's detail: which it is,
// and where it stands.
func deliveryHead(d outbound.Delivery, total int, now time.Time) string {
	return fmt.Sprintf("%s → %s: %s\nwebhook-id %s\n", d.Event, d.SubscriptionName, deliveryState(d, total, now), d.ID)
}

// bodyLang is the highlighter's language for a body of content type ct.
func bodyLang(ct string) string {
	ct = strings.ToLower(ct)
	switch {
	case strings.Contains(ct, "json"):
		return "json"
	case strings.Contains(ct, "xml"):
		return "xml"
	}
	return "plaintext"
}

// subRow is one subscription in the list, with its context menu.
type subRow struct {
	widget.BaseWidget
	p       *outboundPanel
	i       int
	s       outbound.Subscription
	title   *widget.Label
	detail  *widget.Label
	status  *canvas.Text
	content fyne.CanvasObject
}

func newSubRow(p *outboundPanel) *subRow {
	r := &subRow{p: p}
	r.title = widget.NewLabel("")
	r.title.TextStyle = fyne.TextStyle{Bold: true}
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.detail = widget.NewLabel("")
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.detail.SizeName = theme.SizeNameCaptionText
	r.status = canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))
	r.status.TextSize = theme.TextSize() - 2
	r.content = container.New(layout.NewCustomPaddedVBoxLayout(0),
		container.NewBorder(nil, nil, nil,
			// An inner padding's margin: the state must not touch the split's divider.
			container.New(layout.NewCustomPaddedLayout(0, 0, 0, theme.InnerPadding()), container.NewCenter(r.status)),
			r.title), r.detail)
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer implements fyne.Widget.
func (r *subRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (r *subRow) set(i int, s outbound.Subscription) {
	r.i, r.s = i, s
	title := s.Name
	if !s.Enabled {
		title += "  " + lang.L("(disabled)")
	}
	r.title.SetText(title)
	events := strings.Join(s.Events, ", ")
	if len(s.Events) > 2 {
		events = fmt.Sprintf("%s, %s +%d", s.Events[0], s.Events[1], len(s.Events)-2)
	}
	now := r.p.m.now()
	detail := fmt.Sprintf("%s %s · %s", s.Method, s.URL, events)
	if !s.LastAt.IsZero() {
		// The age leads the second line, so the state beside the name
		// has the room to be read whole.
		detail = lang.L("ran {{.Ago}}", map[string]any{"Ago": loc.Ago(now.Sub(s.LastAt))}) + " · " + detail
	}
	r.detail.SetText(detail)
	r.status.Text, r.status.Color = subStatus(s, r.p.lastDel[s.ID], r.p.totals[s.ID], now)
	r.status.Refresh()
}

// subStatus is a subscription row's status: the state of its newest
// delivery, in the log's words and colours.
func subStatus(s outbound.Subscription, last outbound.Delivery, total int, now time.Time) (string, color.Color) {
	switch {
	case s.LastAt.IsZero():
		return lang.L("never executed"), theme.Color(theme.ColorNamePlaceHolder)
	case last.ID != "":
		return deliveryState(last, total, now), importanceColor(stateImportance(last.Outcome))
	case s.LastStatus == 0: // not read (past maxRowStates, or deleted meanwhile): the last answer
		return lang.L("no response"), theme.Color(theme.ColorNamePlaceHolder)
	}
	return lang.L("last answer {{.Status}}", map[string]any{"Status": s.LastStatus}), theme.Color(theme.ColorNamePlaceHolder)
}

// Tapped selects the row (a row with a context menu must handle the tap).
func (r *subRow) Tapped(*fyne.PointEvent) { r.p.subList.Select(r.i) }

// TappedSecondary opens the subscription's actions.
func (r *subRow) TappedSecondary(ev *fyne.PointEvent) {
	if r.p.m.win == nil {
		return
	}
	widget.ShowPopUpMenuAtPosition(r.p.subMenu(r.s), r.p.m.win.Canvas(), ev.AbsolutePosition)
}

// subMenu is what the CRM's menu offers for a subscription, and more.
func (p *outboundPanel) subMenu(s outbound.Subscription) *fyne.Menu {
	toggle := lang.L("Disable")
	if !s.Enabled {
		toggle = lang.L("Enable")
	}
	return fyne.NewMenu("",
		fyne.NewMenuItem(lang.L("Last execution"), func() { p.showHistory(s, true) }),
		fyne.NewMenuItem(lang.L("History"), func() { p.showHistory(s, false) }),
		fyne.NewMenuItem(lang.L("Configuration…"), func() { c := s; p.showForm(&c, false) }),
		fyne.NewMenuItem(toggle, func() { p.setEnabled(s, !s.Enabled) }),
		fyne.NewMenuItem(lang.L("Send test event…"), func() { p.showFire(firstEvent(s), s.ID) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Delete…"), func() { p.confirmDelete(s) }),
	)
}

func firstEvent(s outbound.Subscription) string {
	if len(s.Events) > 0 {
		return s.Events[0]
	}
	return ""
}

// showHistory filters the log to s; last selects its newest delivery.
func (p *outboundPanel) showHistory(s outbound.Subscription, last bool) {
	p.delSel = ""
	p.fEvent.SetSelected(anyEvent())
	p.fOutcome.SetSelected(anyOutcome())
	for label, id := range p.subIDs {
		if id == s.ID {
			p.fSub.SetSelected(label)
		}
	}
	if last {
		go func() {
			ds, err := p.o.Store.Deliveries(context.Background(), outbound.DeliveryQuery{SubscriptionID: s.ID, Limit: 1})
			p.m.post(func() {
				if err != nil || len(ds) == 0 {
					p.detail = nil
					p.attempts.setText(lang.L("{{.Name}} has not been executed yet.", map[string]any{"Name": subLabel(s)}), p.m.styles)
					return
				}
				p.delSel = ds[0].ID
				p.showAttempts(ds[0])
				for i, d := range p.dels {
					if d.ID == ds[0].ID {
						p.delList.Select(i)
					}
				}
			})
		}()
	}
}

func (p *outboundPanel) setEnabled(s outbound.Subscription, on bool) {
	go func() {
		reason := ""
		if !on {
			reason = "disabled by the user"
		}
		err := p.o.Store.SetEnabled(context.Background(), s.ID, on, reason)
		p.m.post(func() {
			if err != nil {
				p.showSubMsg(widget.DangerImportance, err.Error())
			}
			p.reload()
		})
	}()
}

func (p *outboundPanel) confirmDelete(s outbound.Subscription) {
	confirmDanger(p.m.win, lang.L("Delete this subscription?"),
		lang.L("This deletes the subscription {{.Name}} and its delivery log; pending retries stop.\nIt cannot be undone.", map[string]any{"Name": subLabel(s)}),
		lang.L("Delete subscription “{{.Name}}”", map[string]any{"Name": elideMiddle(text.Line(subLabel(s)), 40)}),
		func() {
			go func() {
				err := p.o.Store.Delete(context.Background(), s.ID)
				p.m.post(func() {
					if err != nil {
						p.showSubMsg(widget.DangerImportance, lang.L("Delete failed: {{.Err}}", map[string]any{"Err": err.Error()}))
					}
					p.reload()
				})
			}()
		})
}

// outcomeSeries are the chart's layers, bottom up, in the log's words
// and colours.
func outcomeSeries() []chartSeries {
	colors := map[outbound.Outcome]fyne.ThemeColorName{
		outbound.OutcomeSucceeded: theme.ColorNameSuccess, outbound.OutcomeRetrying: theme.ColorNameWarning,
		outbound.OutcomeFailed: theme.ColorNameError, outbound.OutcomePending: theme.ColorNamePlaceHolder,
	}
	var out []chartSeries
	for _, o := range outcomeOrder {
		out = append(out, chartSeries{name: stateWord(o), color: colors[o]})
	}
	return out
}

// outcomeChart is the delivery log's chart: deliveries by when they
// fired, stacked by where they stand now, over the window the user picks.
type outcomeChart struct {
	plot   *stackChart
	items  []*legendItem
	legend *fyne.Container
	picker *segmented
}

// defaultWindow is the chart's window at start: the last hour.
const defaultWindow = 1

func newOutcomeChart(onPick func()) *outcomeChart {
	c := &outcomeChart{plot: newStackChart(outcomeSeries())}
	c.legend = container.NewHBox()
	for _, s := range outcomeSeries() {
		it := newLegendItem(s)
		c.items = append(c.items, it)
		c.legend.Add(it.box)
	}
	labels := make([]string, len(chartWindows))
	for i, w := range chartWindows {
		labels[i] = w.label
	}
	c.picker = newSegmented(labels, defaultWindow, func(int) { onPick() })
	c.set(chartWindows[defaultWindow], gridAt(chartWindows[defaultWindow], time.Time{}), nil)
	return c
}

// window is the span picked.
func (c *outcomeChart) window() chartWindow { return chartWindows[c.picker.sel] }

// set draws the store's buckets (Outcomes from g.start by g.step) on g.
func (c *outcomeChart) set(w chartWindow, g chartGrid, buckets []outbound.Bucket) {
	vals := outcomeColumns(g, buckets)
	totals := make([]int, len(outcomeOrder))
	for _, bar := range vals {
		for s, v := range bar {
			totals[s] += v
		}
	}
	for i, it := range c.items {
		it.label.SetText(stateWord(outcomeOrder[i]) + " " + loc.Int(int64(totals[i])))
		if outcomeOrder[i] == outbound.OutcomePending && totals[i] == 0 {
			it.box.Hide() // a passing state: named only while some wait
		} else {
			it.box.Show()
		}
	}
	c.plot.data = chartData{grid: g, tick: w.tick, vals: vals, empty: lang.L("No deliveries in the last {{.Window}}", map[string]any{"Window": w.label})}
	c.plot.Refresh()
}

// outcomeColumns places the store's buckets on g's bars, by their start
// (one value per outcomeOrder entry per bar); buckets off the grid are
// left out, bars without a bucket are 0.
func outcomeColumns(g chartGrid, buckets []outbound.Bucket) [][]int {
	vals := make([][]int, g.n)
	for i := range vals {
		vals[i] = make([]int, len(outcomeOrder))
	}
	for _, b := range buckets {
		i, ok := g.index(b.Start)
		if !ok {
			continue
		}
		for s, o := range outcomeOrder {
			switch o {
			case outbound.OutcomeSucceeded:
				vals[i][s] += b.Succeeded
			case outbound.OutcomeRetrying:
				vals[i][s] += b.Retrying
			case outbound.OutcomeFailed:
				vals[i][s] += b.Failed
			case outbound.OutcomePending:
				vals[i][s] += b.Pending
			}
		}
	}
	return vals
}

// maskCredential hides the value of a header that carries a credential
// (Authorization, an API key or token configured on the subscription). A
// signature stays visible: it is derived from the secret, not the secret,
// and comparing it is how a receiver's rejection gets debugged.
func maskCredential(name, value string) string {
	if exchange.SecretHeader(name) && !strings.Contains(strings.ToLower(name), "signature") {
		return tunnel.Redact(value)
	}
	return value
}
