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
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/outbound"
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

// The delivery log filters' "no filter" choices. They name what they
// filter, so the filters need no labels beside them and fit a small window.
const (
	anySub     = "All subscriptions"
	anyEvent   = "All events"
	anyOutcome = "All outcomes"
)

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

	// Delivery log.
	fSub, fEvent, fOutcome *widget.Select
	subIDs                 map[string]string // filter label → subscription id
	dels                   []outbound.Delivery
	delList                *widget.List
	delSel                 string // selected delivery id
	attempts               *fitGrid
	retry                  *widget.Button
	chart                  *outcomeChart
	chartLbl               *widget.Label
	loading, dirty         bool
}

func newOutboundPanel(m *Main, o Outbound) *outboundPanel {
	p := &outboundPanel{m: m, o: o, subSel: -1, subIDs: map[string]string{}}
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
	newSub := widget.NewButtonWithIcon("New subscription", theme.ContentAddIcon(), func() {
		s := outbound.NewSubscription()
		p.showForm(&s, true)
	})
	fire := widget.NewButtonWithIcon("Fire event…", theme.MailSendIcon(), func() { p.showFire("", "") })
	fire.Importance = widget.HighImportance
	left := container.NewBorder(
		container.NewVBox(container.NewHBox(
			widget.NewLabelWithStyle("Subscriptions", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			layout.NewSpacer(), newSub, fire), p.subMsg),
		nil, nil, nil, p.subList)

	p.fSub = widget.NewSelect([]string{anySub}, func(string) { p.reload() })
	p.fSub.SetSelected(anySub)
	names := []string{anyEvent}
	for _, e := range events.All() {
		names = append(names, e.Name)
	}
	p.fEvent = widget.NewSelect(names, func(string) { p.reload() })
	p.fEvent.SetSelected(anyEvent)
	p.fOutcome = widget.NewSelect([]string{anyOutcome, string(outbound.OutcomeSucceeded), string(outbound.OutcomeRetrying),
		string(outbound.OutcomeFailed), string(outbound.OutcomePending)}, func(string) { p.reload() })
	p.fOutcome.SetSelected(anyOutcome)
	p.delList = widget.NewList(
		func() int { return len(p.dels) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.dels) {
				l := o.(*widget.Label)
				l.SetText(deliveryLine(p.dels[i]))
				l.Importance = outcomeImportance(p.dels[i].Outcome)
				l.Refresh()
			}
		})
	p.delList.OnSelected = func(i widget.ListItemID) {
		if i < len(p.dels) {
			p.delSel = p.dels[i].ID
			p.showAttempts(p.dels[i])
		}
	}
	p.attempts = newFitGrid() // errors wrap at the pane's width
	p.retry = widget.NewButtonWithIcon("Retry now", theme.ViewRefreshIcon(), p.retryNow)
	p.retry.Disable()
	p.chart = newOutcomeChart()
	p.chartLbl = widget.NewLabel("")
	p.chartLbl.Wrapping = fyne.TextWrapWord // "Retry failed: <error>" is read whole
	// Three equal columns that shrink with the window: in a scrolled row
	// the last filter was cut off in a small window.
	filters := container.NewGridWithColumns(3, p.fSub, p.fEvent, p.fOutcome)
	logTop := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabelWithStyle("Delivery log", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, p.chartLbl),
		p.chart.root, filters)
	detail := container.NewBorder(container.NewHBox(p.retry), nil, nil, nil, p.attempts.box)
	logSplit := container.NewVSplit(p.delList, detail)
	logSplit.Offset = 0.5
	right := container.NewBorder(logTop, nil, nil, nil, logSplit)
	split := container.NewHSplit(left, right)
	split.Offset = 0.4
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
	go func() {
		ctx := context.Background()
		subs, serr := p.o.Store.Subscriptions(ctx)
		dels, derr := p.o.Store.Deliveries(ctx, q)
		now := time.Now()
		buckets, berr := p.o.Store.Outcomes(ctx, now.Add(-chartSpan), chartSpan/chartBars)
		p.m.post(func() {
			p.loading = false
			p.applySubs(subs, serr)
			p.applyLog(dels, derr, buckets, berr)
			if p.dirty {
				p.dirty = false
				p.reload()
			}
		})
	}()
}

func (p *outboundPanel) applySubs(subs []outbound.Subscription, err error) {
	if err != nil {
		p.showSubMsg(widget.DangerImportance, "Could not read the subscriptions: "+err.Error())
		return
	}
	p.subs = subs
	p.subList.Refresh()
	opts := []string{anySub}
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
		p.showSubMsg(widget.MediumImportance, "No subscriptions yet. A subscription is what a CRM's webhook menu offers: "+
			"a name, the events, a URL, GET or POST, headers, field mapping, a signing secret and a retry policy. "+
			"Add one with New subscription, or Fire event… to try a sample.")
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
	if v := p.fSub.Selected; v != anySub && v != "" {
		q.SubscriptionID = p.subIDs[v]
	}
	if v := p.fEvent.Selected; v != anyEvent && v != "" {
		q.Event = v
	}
	if v := p.fOutcome.Selected; v != anyOutcome && v != "" {
		q.Outcome = outbound.Outcome(v)
	}
	return q
}

func (p *outboundPanel) applyLog(dels []outbound.Delivery, err error, buckets []outbound.Bucket, berr error) {
	if err != nil {
		p.chartLbl.SetText("Could not read the log: " + err.Error())
		return
	}
	p.dels = dels
	p.delList.Refresh()
	if berr == nil {
		p.chart.set(buckets)
		p.chartLbl.SetText(chartSummary(buckets))
	}
	for i, d := range dels {
		if d.ID == p.delSel {
			p.showAttempts(d)
			p.delList.Select(i)
			return
		}
	}
	if len(dels) == 0 {
		p.attempts.setText("No deliveries match. Fire event… sends a sample to the subscriptions.", p.m.styles)
	} else {
		p.attempts.setText("Select a delivery to see its attempts.", p.m.styles)
	}
	p.retry.Disable()
}

// showAttempts loads and shows one delivery's attempts (UI goroutine).
func (p *outboundPanel) showAttempts(d outbound.Delivery) {
	p.retry.Enable()
	if d.Outcome == outbound.OutcomeSucceeded {
		p.retry.SetText("Send again")
	} else {
		p.retry.SetText("Retry now")
	}
	go func() {
		as, err := p.o.Store.Attempts(context.Background(), d.ID)
		p.m.post(func() {
			if p.delSel != d.ID {
				return
			}
			if err != nil {
				p.attempts.setText("Could not read the attempts: "+err.Error(), p.m.styles)
				return
			}
			p.attempts.setText(text.Block(attemptsText(d, as)), p.m.styles)
		})
	}()
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
				p.chartLbl.SetText("Retry failed: " + err.Error())
			}
		})
	}()
}

// deliveryLine is one row of the log.
func deliveryLine(d outbound.Delivery) string {
	when := d.CreatedAt.Local().Format("Jan 2 15:04:05")
	s := fmt.Sprintf("%s  %s → %s  %s", when, d.Event, d.SubscriptionName, d.Outcome)
	if d.Attempts > 0 {
		s += " · " + text.N(d.Attempts, "attempt", "attempts")
	}
	switch {
	case d.LastStatus != 0:
		s += fmt.Sprintf(" · last %d", d.LastStatus)
	case d.LastError != "":
		s += " · " + string(d.LastClass)
	}
	if !d.NextAt.IsZero() && d.Outcome != outbound.OutcomeSucceeded && d.Outcome != outbound.OutcomeFailed {
		s += " · next " + relFuture(time.Until(d.NextAt))
	}
	return s
}

func relFuture(d time.Duration) string {
	if d <= time.Second {
		return "now"
	}
	return "in " + d.Round(time.Second).String()
}

func outcomeImportance(o outbound.Outcome) widget.Importance {
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

// attemptsText is a delivery and each of its attempts, in order.
func attemptsText(d outbound.Delivery, as []outbound.Attempt) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Delivery %s (webhook-id)  %s → %s\n%s", d.ID, d.Event, d.SubscriptionName, d.Outcome)
	if !d.NextAt.IsZero() && d.Outcome != outbound.OutcomeSucceeded && d.Outcome != outbound.OutcomeFailed {
		fmt.Fprintf(&b, ", next attempt %s", d.NextAt.Local().Format("15:04:05"))
	}
	b.WriteString("\n")
	if len(as) == 0 {
		b.WriteString("\nNo attempt yet.\n")
	}
	for _, a := range as {
		fmt.Fprintf(&b, "\n#%d  %s  %s\n", a.N, a.At.Local().Format("15:04:05.000"), a.URL)
		for _, h := range a.RequestHeaders {
			fmt.Fprintf(&b, "  > %s: %s\n", h.Name, maskCredential(h.Name, h.Value))
		}
		if a.Class != "" {
			fmt.Fprintf(&b, "FAILED (%s): %s\n", a.Class, a.Err)
		} else {
			fmt.Fprintf(&b, "HTTP %d in %s", a.Status, a.Latency.Round(10*time.Microsecond))
			if a.Err != "" {
				fmt.Fprintf(&b, " (%s)", a.Err)
			}
			b.WriteString("\n")
			for _, h := range a.Headers {
				fmt.Fprintf(&b, "  < %s: %s\n", h.Name, h.Value)
			}
			if len(a.Body) > 0 {
				b.WriteString("\n")
				b.WriteString(strings.ToValidUTF8(string(a.Body), "\uFFFD"))
				if a.BodySize > int64(len(a.Body)) {
					fmt.Fprintf(&b, "… (%d of %d bytes)", len(a.Body), a.BodySize)
				}
				b.WriteString("\n")
			}
		}
		if !a.NextAt.IsZero() {
			fmt.Fprintf(&b, "→ next attempt at %s\n", a.NextAt.Local().Format("15:04:05"))
		}
	}
	return b.String()
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
		container.NewBorder(nil, nil, nil, container.NewCenter(r.status), r.title), r.detail)
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer implements fyne.Widget.
func (r *subRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (r *subRow) set(i int, s outbound.Subscription) {
	r.i, r.s = i, s
	title := s.Name
	if !s.Enabled {
		title += "  (disabled)"
	}
	r.title.SetText(title)
	events := strings.Join(s.Events, ", ")
	if len(s.Events) > 2 {
		events = fmt.Sprintf("%s, %s +%d", s.Events[0], s.Events[1], len(s.Events)-2)
	}
	r.detail.SetText(fmt.Sprintf("%s %s · %s", s.Method, s.URL, events))
	switch {
	case s.LastAt.IsZero():
		r.status.Text, r.status.Color = "never executed", theme.Color(theme.ColorNamePlaceHolder)
	case s.LastError != "" && s.LastStatus == 0:
		r.status.Text, r.status.Color = relTime(time.Since(s.LastAt))+" · failed", flagColor(widget.DangerImportance)
	default:
		imp := widget.SuccessImportance
		if s.LastStatus >= 300 {
			imp = widget.DangerImportance
		}
		r.status.Text, r.status.Color = fmt.Sprintf("%s · %d", relTime(time.Since(s.LastAt)), s.LastStatus), flagColor(imp)
	}
	r.status.Refresh()
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
	toggle := "Disable"
	if !s.Enabled {
		toggle = "Enable"
	}
	return fyne.NewMenu("",
		fyne.NewMenuItem("Last execution", func() { p.showHistory(s, true) }),
		fyne.NewMenuItem("History", func() { p.showHistory(s, false) }),
		fyne.NewMenuItem("Configuration…", func() { c := s; p.showForm(&c, false) }),
		fyne.NewMenuItem(toggle, func() { p.setEnabled(s, !s.Enabled) }),
		fyne.NewMenuItem("Send test event…", func() { p.showFire(firstEvent(s), s.ID) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Delete…", func() { p.confirmDelete(s) }),
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
	p.fEvent.SetSelected(anyEvent)
	p.fOutcome.SetSelected(anyOutcome)
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
					p.attempts.setText(s.Name+" has not been executed yet.", p.m.styles)
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
	confirmDanger(p.m.win, "Delete this subscription?",
		"This deletes the subscription "+subLabel(s)+" and its delivery log; pending retries stop.\nIt cannot be undone.",
		"Delete subscription “"+elideMiddle(text.Line(subLabel(s)), 40)+"”",
		func() {
			go func() {
				err := p.o.Store.Delete(context.Background(), s.ID)
				p.m.post(func() {
					if err != nil {
						p.showSubMsg(widget.DangerImportance, "Delete failed: "+err.Error())
					}
					p.reload()
				})
			}()
		})
}

// chartSpan and chartBars shape the outcome chart: the last hour in
// 5-minute bars.
const (
	chartSpan = time.Hour
	chartBars = 12
)

// outcomeChart is a small stacked bar chart: succeeded, retrying, failed.
type outcomeChart struct {
	bars []*fyne.Container
	root fyne.CanvasObject
}

var (
	colSucceeded = color.NRGBA{0x2e, 0x9d, 0x4f, 0xff}
	colRetrying  = color.NRGBA{0xd9, 0x8c, 0x00, 0xff}
	colFailed    = color.NRGBA{0xd3, 0x2f, 0x2f, 0xff}
)

func newOutcomeChart() *outcomeChart {
	c := &outcomeChart{}
	row := container.New(layout.NewGridLayoutWithColumns(chartBars))
	for range chartBars {
		b := container.New(&barLayout{})
		for _, col := range []color.Color{colFailed, colRetrying, colSucceeded} {
			b.Add(canvas.NewRectangle(col))
		}
		c.bars = append(c.bars, b)
		row.Add(b)
	}
	base := canvas.NewRectangle(theme.Color(theme.ColorNameSeparator))
	base.SetMinSize(fyne.NewSize(0, 1))
	c.root = container.NewBorder(nil, base, nil, nil, row)
	return c
}

// set draws buckets (oldest first), each bar scaled to the busiest one.
func (c *outcomeChart) set(buckets []outbound.Bucket) {
	most := 1
	for _, b := range buckets {
		most = max(most, b.Succeeded+b.Retrying+b.Failed)
	}
	off := chartBars - len(buckets) // the newest bucket is the right-most bar
	for i, bar := range c.bars {
		l := bar.Layout.(*barLayout)
		l.shares = [3]float32{}
		if j := i - off; j >= 0 && j < len(buckets) {
			b := buckets[j]
			l.shares = [3]float32{float32(b.Failed) / float32(most), float32(b.Retrying) / float32(most), float32(b.Succeeded) / float32(most)}
		}
		bar.Refresh()
	}
}

// barLayout stacks a bar's three rectangles from the bottom, each as tall
// as its share of the bar's height.
type barLayout struct{ shares [3]float32 }

func (*barLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(8, 40) }

func (l *barLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	const pad = 2
	y := size.Height
	for i, o := range objs {
		h := l.shares[i%3] * size.Height
		y -= h
		o.Move(fyne.NewPos(pad, y))
		o.Resize(fyne.NewSize(size.Width-2*pad, h))
		o.Show()
		if h == 0 {
			o.Hide()
		}
	}
}

func chartSummary(bs []outbound.Bucket) string {
	var s, r, f int
	for _, b := range bs {
		s, r, f = s+b.Succeeded, r+b.Retrying, f+b.Failed
	}
	return fmt.Sprintf("last hour: %d succeeded · %d retrying · %d failed", s, r, f)
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
