package ui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/pretty"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/replay"
)

// Sender sends one request and classifies what happened; replay.Sender
// implements it. Safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, r replay.Request, o replay.Options) replay.Result
}

// Replays stores and lists send attempts; replay.History implements it.
// Safe for concurrent use.
type Replays interface {
	Add(ctx context.Context, a *replay.Attempt) error
	ForCapture(ctx context.Context, captureID string, limit int) ([]*replay.Attempt, error)
}

// Forwarding sends each new capture to a target as it arrives;
// replay.Live implements it. Watch's function is called on any goroutine
// with the id of each capture after its attempt was stored. Safe for
// concurrent use.
type Forwarding interface {
	Start(target string) error
	Stop()
	Target() string
	Watch(onResult func(captureID string))
}

// prefTarget is where the last replay target is remembered.
const prefTarget = "replayTarget"

// replayPanel is the detail's replay bar (target, Replay, Edit and send)
// and its Replays tab (the capture's attempts and their responses).
type replayPanel struct {
	m        *Main
	target   *widget.Entry
	status   *widget.Label
	actions  fyne.CanvasObject
	list     *widget.List
	attempts []*replay.Attempt
	selected int
	resp     *fitGrid // wrapped at the pane's width
	tab      *container.TabItem
	cur      *capture.Request
	live     *widget.Check // nil without Forwarding
	liveLbl  *widget.Label // where captures are being forwarded
	fwdLine  *widget.Label // the selected capture's forwarded answer
	liveDone chan struct{} // closed when the last Start/Stop finished
	fwdMu    sync.Mutex
	fwdIDs   map[string]bool // forwarded since the pump last looked
}

func newReplayPanel(m *Main) *replayPanel {
	p := &replayPanel{m: m, fwdIDs: map[string]bool{}}
	p.target = widget.NewEntry()
	p.target.SetPlaceHolder(lang.L("e.g. http://localhost:3000/hooks"))
	if a := fyne.CurrentApp(); a != nil {
		p.target.SetText(a.Preferences().String(prefTarget))
	}
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord // a failure is read whole
	p.status.Hide()                       // shown with the outcome of a send
	send := widget.NewButtonWithIcon(lang.L("Replay"), theme.MediaPlayIcon(), func() { p.replay() })
	send.Importance = widget.HighImportance
	edit := widget.NewButtonWithIcon(lang.X("replay.edit", "Edit and send…"), theme.DocumentCreateIcon(), func() {
		if p.cur != nil {
			p.m.showEditor(p.cur, p.target.Text)
		}
	})
	buttons := container.NewHBox(m.tips.wrap(send, withKey(lang.L("Send this capture again, unchanged"), keyReplay)),
		m.tips.wrap(edit, withKey(lang.L("Change it, then send"), keyEdit)))
	p.liveLbl = widget.NewLabel("")
	p.liveLbl.Truncation = fyne.TextTruncateEllipsis
	p.liveLbl.Hide()
	p.fwdLine = widget.NewLabel("")
	p.fwdLine.Truncation = fyne.TextTruncateEllipsis
	p.fwdLine.Hide()
	if m.opts.Forwarding != nil {
		m.opts.Forwarding.Watch(p.forwarded)
		p.live = widget.NewCheck(lang.L("Forward live"), func(on bool) { p.setLive(on) })
		if t := m.opts.Forwarding.Target(); t != "" { // --forward on the command line
			p.target.SetText(t)
			p.live.Checked = true
			p.showLive(t)
		}
		buttons.Add(p.live)
		p.target.OnSubmitted = func(string) {
			if p.live.Checked {
				p.setLive(true)
			}
		}
	}
	p.actions = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("To")), buttons, p.target),
		p.liveLbl, p.fwdLine, p.status)
	p.resp = newFitGrid()
	p.list = widget.NewList(
		func() int { return len(p.attempts) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			a := p.attempts[i]
			l.SetText(attemptLine(a))
			l.Importance = attemptImportance(a)
			l.Refresh()
		},
	)
	p.selected = -1
	p.list.OnSelected = func(i widget.ListItemID) {
		p.selected = i
		if i < len(p.attempts) {
			a, st := p.attempts[i], p.m.styles
			p.resp.setText(attemptText(a), st)
			go func() { // highlighting a large body takes a moment
				rows := attemptRowsWrapped(a, st, false, noWrap)
				p.m.post(func() {
					if p.selected == i && i < len(p.attempts) && p.attempts[i] == a {
						p.resp.setRows(rows)
					}
				})
			}()
		}
	}
	compare := widget.NewButton(lang.L("Compare with the capture"), func() {
		if i := p.selected; p.cur != nil && i >= 0 && i < len(p.attempts) {
			p.m.showCompare(lang.L("Capture {{.ID}} vs what was sent", map[string]any{"ID": p.cur.ID}), p.cur, attemptAsCapture(p.attempts[i]))
		}
	})
	split := container.NewVSplit(p.list, container.NewBorder(container.NewHBox(compare), nil, nil, nil, p.resp.box))
	split.Offset = 0.35
	p.tab = container.NewTabItem(lang.L("Replays"), split)
	return p
}

// attemptLine is one attempt in the Replays list.
func attemptLine(a *replay.Attempt) string {
	when := a.Result.SentAt.Local().Format("15:04:05")
	kind := kindName(a.Kind)
	if a.Modified {
		kind += " " + lang.L("(modified)")
	}
	// The outcome before the URL: a long URL is what gets cut, never why.
	if a.Result.Class != "" {
		return when + "  " + kind + "  " + failedText(a.Result) + "  → " + a.Request.URL
	}
	return when + "  " + kind + "  " + lang.L("{{.Status}} in {{.Time}}", map[string]any{"Status": a.Result.Status, "Time": a.Result.Timings.Total.Round(10 * time.Microsecond)}) + "  → " + a.Request.URL
}

// kindName is an attempt's kind as the Replays list says it.
func kindName(k string) string {
	switch k {
	case replay.KindReplay:
		return lang.L("replay")
	case replay.KindEdit:
		return lang.L("edit")
	case replay.KindForward:
		return lang.L("forward")
	case replay.KindBulk:
		return lang.L("bulk")
	}
	return k
}

// failedText says a send failed, its class and error.
func failedText(res replay.Result) string {
	return lang.L("FAILED ({{.Class}}): {{.Err}}", map[string]any{"Class": classWord(res.Class), "Err": trNote(res.Err)})
}

func attemptImportance(a *replay.Attempt) widget.Importance {
	switch {
	case a.Result.Class != "" || a.Result.Status >= 500:
		return widget.DangerImportance
	case a.Result.Status >= 300:
		return widget.WarningImportance
	}
	return widget.SuccessImportance
}

// attemptText is the full view of an attempt: what was sent, timings, and
// the response with its headers and body.
func attemptText(a *replay.Attempt) string {
	var b strings.Builder
	b.WriteString(attemptHead(a))
	res := a.Result
	if res.Class != "" {
		return text.Block(b.String())
	}
	if capture.IsText(res.Body) {
		b.WriteString(strings.ToValidUTF8(string(res.Body), "\uFFFD"))
	} else {
		b.WriteString(lang.L("(binary body, {{.Size}})", map[string]any{"Size": loc.Size(res.BodySize)}))
	}
	if res.Truncated {
		b.WriteString("\n… " + lang.L("cut at {{.Kept}} of {{.Size}}", map[string]any{"Kept": loc.Size(int64(len(res.Body))), "Size": loc.Size(res.BodySize)}))
	}
	return text.Block(b.String())
}

// attemptHead is attemptText up to the response body: the request sent,
// then the failure, or the status, timings, headers and a blank line.
func attemptHead(a *replay.Attempt) string {
	var b strings.Builder
	r := a.Request
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
	}
	b.WriteString(lang.L("({{.Size}} body)", map[string]any{"Size": loc.Size(int64(len(r.Body)))}) + "\n\n")
	b.WriteString(responseHead(a.Result))
	return b.String()
}

// responseHead is the failure, or the status, timings, headers and a blank
// line.
func responseHead(res replay.Result) string {
	var b strings.Builder
	if res.Class != "" {
		b.WriteString(failedText(res) + "\n")
		return b.String()
	}
	t := res.Timings
	fmt.Fprintf(&b, "HTTP %d   %s\n", res.Status, lang.L("total {{.Total}} · dns {{.DNS}} · connect {{.Connect}} · tls {{.TLS}} · first byte {{.First}}", map[string]any{
		"Total": t.Total.Round(10 * time.Microsecond), "DNS": t.DNS.Round(time.Microsecond), "Connect": t.Connect.Round(time.Microsecond),
		"TLS": t.TLS.Round(time.Microsecond), "First": t.FirstByte.Round(10 * time.Microsecond)}))
	for _, h := range res.Headers {
		fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
	}
	b.WriteString("\n")
	return b.String()
}

// setLive turns live forwarding on (to the target) or off (UI goroutine).
// Start and Stop wait for the attempt in flight, so they run off the UI
// goroutine, one after the other in the order asked.
func (p *replayPanel) setLive(on bool) {
	f := p.m.opts.Forwarding
	if !on {
		p.liveLbl.Hide()
		p.liveOp(f.Stop)
		return
	}
	target := strings.TrimSpace(p.target.Text)
	if err := replay.CheckTarget(target); err != nil {
		p.live.SetChecked(false) // calls setLive(false)
		p.status.Importance = widget.DangerImportance
		p.status.SetText(lang.L("Cannot forward: {{.Err}}. Type a URL such as http://localhost:3000/webhooks in To.", map[string]any{"Err": trNote(err.Error())}))
		p.status.Show()
		return
	}
	if a := fyne.CurrentApp(); a != nil {
		a.Preferences().SetString(prefTarget, target)
	}
	p.showLive(target)
	p.liveOp(func() {
		if err := f.Start(target); err != nil {
			p.m.post(func() {
				p.live.SetChecked(false)
				p.status.Importance = widget.DangerImportance
				p.status.SetText(lang.L("Cannot forward: {{.Err}}", map[string]any{"Err": trNote(err.Error())}))
				p.status.Show()
			})
		}
	})
}

// liveOp runs op on a goroutine after the previous one finished (UI
// goroutine).
func (p *replayPanel) liveOp(op func()) {
	prev, done := p.liveDone, make(chan struct{})
	p.liveDone = done
	go func() {
		defer close(done)
		if prev != nil {
			<-prev
		}
		op()
	}()
}

// showLive shows where forwarding goes (UI goroutine).
func (p *replayPanel) showLive(target string) {
	p.liveLbl.Importance = widget.HighImportance
	p.liveLbl.SetText(lang.L("Forwarding each new capture to {{.URL}}", map[string]any{"URL": target}))
	p.liveLbl.Show()
}

// forwarded is Forwarding's onResult, called on the forwarding goroutine.
// It never waits for the UI (Stop, on the way, may be waiting for that
// goroutine): it notes the id and signals the pump.
func (p *replayPanel) forwarded(id string) {
	p.fwdMu.Lock()
	p.fwdIDs[id] = true
	p.fwdMu.Unlock()
	select {
	case p.m.fwdSig <- struct{}{}:
	default:
	}
}

// applyForwarded refreshes the detail if its capture was forwarded (UI
// goroutine, from the pump).
func (p *replayPanel) applyForwarded() {
	p.fwdMu.Lock()
	ids := p.fwdIDs
	p.fwdIDs = map[string]bool{}
	p.fwdMu.Unlock()
	if p.cur != nil && ids[p.cur.ID] {
		p.reload()
	}
}

// show loads c's attempts off the UI goroutine (UI goroutine).
func (p *replayPanel) show(c *capture.Request) {
	p.cur = c
	p.status.SetText("")
	p.status.Hide()
	p.fwdLine.Hide()
	p.reload()
}

func (p *replayPanel) reload() {
	c := p.cur
	if c == nil || p.m.opts.Replays == nil {
		return
	}
	go func() {
		as, err := p.m.opts.Replays.ForCapture(context.Background(), c.ID, 200)
		p.m.post(func() {
			if p.cur != c {
				return
			}
			if err != nil {
				p.status.SetText(lang.L("Could not read the replays: {{.Err}}", map[string]any{"Err": err.Error()}))
				p.status.Show()
				return
			}
			p.attempts = as
			p.selected = -1
			p.list.UnselectAll()
			p.list.Refresh()
			p.resp.setRows(nil)
			p.tab.Text = lang.L("Replays ({{.N}})", map[string]any{"N": loc.Int(int64(len(as)))})
			p.showForwarded(as)
			p.m.detail.tabs.Refresh()
		})
	}()
}

// showForwarded puts the live forward's answer beside the capture: the
// first thing a developer forwarding to a local app wants to see.
func (p *replayPanel) showForwarded(as []*replay.Attempt) {
	for _, a := range as { // newest first
		if a.Kind == replay.KindForward {
			p.fwdLine.Importance = attemptImportance(a)
			if a.Result.Class != "" {
				p.fwdLine.SetText(lang.L("Forwarding to {{.URL}} FAILED, {{.Class}}: {{.Err}}", map[string]any{"URL": a.Request.URL, "Class": classWord(a.Result.Class), "Err": trNote(a.Result.Err)}))
			} else {
				p.fwdLine.SetText(lang.L("Forwarded to {{.URL}}: {{.Status}} in {{.Time}}", map[string]any{"URL": a.Request.URL, "Status": a.Result.Status, "Time": a.Result.Timings.Total.Round(10 * time.Microsecond)}))
			}
			p.fwdLine.Show()
			return
		}
	}
	p.fwdLine.Hide()
}

// replay sends the capture unchanged to the target (UI goroutine).
func (p *replayPanel) replay() {
	c, target := p.cur, strings.TrimSpace(p.target.Text)
	if c == nil {
		return
	}
	req, err := replay.FromCapture(c, target, false)
	if err != nil {
		p.status.Importance = widget.DangerImportance
		p.status.SetText(trNote(err.Error()))
		p.status.Show()
		return
	}
	if a := fyne.CurrentApp(); a != nil {
		a.Preferences().SetString(prefTarget, target)
	}
	p.status.Importance = widget.MediumImportance
	p.status.SetText(lang.L("Sending to {{.URL}}…", map[string]any{"URL": req.URL}))
	p.status.Show()
	p.m.sendAttempt(&replay.Attempt{CaptureID: c.ID, Kind: replay.KindReplay, Request: req}, func(a *replay.Attempt) {
		if p.cur == c {
			p.status.Importance = attemptImportance(a)
			p.status.SetText(attemptLine(a))
			p.reload()
		}
	})
}

// sendAttempt sends a.Request off the UI goroutine, stores the attempt and
// calls done with it on the UI goroutine.
func (m *Main) sendAttempt(a *replay.Attempt, done func(*replay.Attempt)) {
	if m.opts.Sender == nil {
		return
	}
	go func() {
		a.Result = m.opts.Sender.Send(context.Background(), a.Request, replay.Options{Timeout: 30 * time.Second})
		if m.opts.Replays != nil {
			if err := m.opts.Replays.Add(context.Background(), a); err != nil {
				a.Result.Err += " " + lang.L("(attempt not stored: {{.Err}})", map[string]any{"Err": err.Error()})
			}
		}
		m.post(func() { done(a) })
	}()
}

// sameRequest reports whether an edited request is the replay unchanged:
// the same method, headers and body, byte for byte. The URL is where it
// goes, not a change to it, as with replay --to.
func sameRequest(a, b replay.Request) bool {
	if a.Method != b.Method || !bytes.Equal(a.Body, b.Body) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i] != b.Headers[i] {
			return false
		}
	}
	return true
}

// prettyText formats a JSON or XML body for editing; "" when it is
// neither or is malformed (the editor then leaves it alone).
func prettyText(s string) string {
	t := strings.TrimSpace(s)
	ct := "application/json"
	if strings.HasPrefix(t, "<") {
		ct = "application/xml"
	}
	v := pretty.Bytes(ct, []byte(t))
	if v.Err != nil || v.Text == "" {
		return ""
	}
	return v.Text
}
