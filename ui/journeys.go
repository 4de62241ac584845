package ui

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/suite"
)

// The journey dialog's speed choices: a real-time journey takes days, so
// the larger factors turn hours into seconds.
var journeySpeeds = []string{"×1", "×10", "×60", "×600", "×3600"}

// journeyRow is one step of the chosen journey as the list shows it: the
// event (its number, its name for people and its machine name), then,
// once the step has run, what became of it and, for a send, how long the
// answer took.
type journeyRow struct {
	label, status, latency string
	imp                    widget.Importance
}

// journeyForm is the Journeys dialog: pick a built-in CRM journey, a seed
// (random, shown and editable, so a run can be reproduced) and a timing,
// then fire it into the subscriptions, send it to a URL, or save it as a
// suite. A run happens off the UI goroutine; Cancel stops it between
// events. Every method is for the UI goroutine.
type journeyForm struct {
	p        *outboundPanel
	journeys []events.Journey
	pick     *escSelect
	byLabel  map[string]int // pick's label → index in journeys
	desc     *widget.Label
	seed     *widget.Entry
	timing   *widget.RadioGroup
	speed    *escSelect
	url      *widget.Entry
	sign     *widget.Entry
	format   *escSelect
	fire     *widget.Button
	send     *widget.Button
	save     *widget.Button
	cancel   *widget.Button
	progress *widget.ProgressBar
	msg      *widget.Label
	rows     []journeyRow // one per step of the chosen journey
	list     *widget.List
	content  fyne.CanvasObject
	onEsc    func() // closes the dialog (Esc in a Select)

	// stop cancels the run in progress; nil when none is.
	stop context.CancelFunc
	// ended is called when a run has ended (tests).
	ended func()
}

func compressedChoice() string { return lang.L("Compressed (200 ms apart)") }
func realChoice() string       { return lang.L("Real (minutes to days)") }

// journeyTitle is a journey's title in the window's language (the English
// text is the catalogue key); journeyDesc its description.
func journeyTitle(j events.Journey) string { return lang.L(j.Title) }
func journeyDesc(j events.Journey) string  { return lang.L(j.Description) }

// journeyFormats are the body formats a sent or saved journey can take.
func journeyFormats() []string {
	return []string{"JSON", "XML", lang.L("Form (x-www-form-urlencoded)")}
}

func newJourneyForm(p *outboundPanel) *journeyForm {
	f := &journeyForm{p: p, journeys: events.Journeys(), byLabel: map[string]int{}}
	var labels []string
	for i, j := range f.journeys {
		l := journeyTitle(j) + " — " + j.Name
		labels = append(labels, l)
		f.byLabel[l] = i
	}
	f.desc = widget.NewLabel("")
	f.desc.Wrapping = fyne.TextWrapWord
	f.pick = newEscSelect(&f.onEsc, labels, func(string) { f.showJourney() })
	f.seed = widget.NewEntry()
	f.seed.SetText(strconv.FormatUint(newSeed(), 10))
	again := widget.NewButtonWithIcon(lang.L("New seed"), theme.ViewRefreshIcon(), func() {
		f.seed.SetText(strconv.FormatUint(newSeed(), 10))
	})
	f.timing = widget.NewRadioGroup([]string{compressedChoice(), realChoice()}, nil)
	f.timing.Horizontal = true
	f.timing.Required = true
	f.timing.SetSelected(compressedChoice())
	f.speed = newEscSelect(&f.onEsc, journeySpeeds, nil)
	f.speed.SetSelected(journeySpeeds[0])
	f.url = widget.NewEntry()
	f.url.SetPlaceHolder(exampleTarget)
	f.sign = widget.NewEntry()
	f.sign.SetPlaceHolder(lang.L("standard:whsec_… (empty: unsigned)"))
	f.format = newEscSelect(&f.onEsc, journeyFormats(), nil)
	f.format.SetSelected(journeyFormats()[0])

	f.fire = widget.NewButtonWithIcon(lang.L("Fire into subscriptions"), theme.MailSendIcon(), func() { f.run(f.fireEach, true) })
	f.fire.Importance = widget.HighImportance
	f.send = widget.NewButtonWithIcon(lang.L("Send to URL"), theme.MailForwardIcon(), func() {
		if each := f.sendEach(); each != nil {
			f.run(each, false)
		}
	})
	f.save = widget.NewButtonWithIcon(lang.L("Save as suite…"), theme.DocumentSaveIcon(), f.saveSuite)
	f.cancel = widget.NewButtonWithIcon(lang.L("Cancel run"), theme.CancelIcon(), f.stopRun)
	f.cancel.Disable()
	f.progress = widget.NewProgressBar()
	f.msg = widget.NewLabel("")
	f.msg.Wrapping = fyne.TextWrapWord
	f.list = widget.NewList(
		func() int { return len(f.rows) },
		func() fyne.CanvasObject {
			step, status, lat := widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
			step.Truncation, status.Truncation = fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, lat, container.New(splitCols{0.66}, step, status))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(f.rows) {
				return
			}
			r, c := f.rows[i], o.(*fyne.Container)
			cols, lat := c.Objects[0].(*fyne.Container), c.Objects[1].(*widget.Label)
			step, status := cols.Objects[0].(*widget.Label), cols.Objects[1].(*widget.Label)
			step.SetText(r.label)
			status.Importance = r.imp
			status.SetText(r.status)
			status.Hidden = r.status == "" // the step's name takes the whole row
			lat.SetText(r.latency)
		})

	// One form, so the labels line up; the speed beside the timing and
	// the format beside the signature keep it short for a small window.
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Journey"), f.pick),
		widget.NewFormItem("", f.desc),
		widget.NewFormItem(lang.L("Seed"), container.NewBorder(nil, nil, nil, again, f.seed)),
		widget.NewFormItem(lang.L("Timing"), container.NewHBox(f.timing, widget.NewLabel(lang.L("Speed")), f.speed)),
		widget.NewFormItem(lang.L("URL"), f.url),
		widget.NewFormItem(lang.L("Signature"), container.NewBorder(nil, nil, nil,
			container.NewHBox(widget.NewLabel(lang.L("Format")), f.format), f.sign)),
	)
	f.progress.Hide() // until a run starts
	f.say(widget.MediumImportance, lang.L("The events go one by one, each about the same client; their answers are listed here."))
	actions := container.NewHBox(f.fire, f.send, f.save, layout.NewSpacer(), f.cancel)
	// The steps fill the rest: each gets its answer as the run goes.
	f.content = container.NewBorder(container.NewVBox(form, actions, f.progress, f.msg), nil, nil, nil, f.list)
	f.pick.SetSelected(labels[0])
	return f
}

// newSeed is a random seed that prints and types back exactly.
func newSeed() uint64 { return 1 + rand.Uint64N(1<<40) }

// journey is the chosen journey.
func (f *journeyForm) journey() events.Journey { return f.journeys[f.byLabel[f.pick.Selected]] }

// showJourney shows the chosen journey's description and steps, not yet
// run.
func (f *journeyForm) showJourney() {
	j := f.journey()
	f.desc.SetText(journeyDesc(j))
	f.rows = f.rows[:0]
	for i, st := range j.Steps {
		label := fmt.Sprintf("%d. %s", i+1, st.Event)
		if e, ok := events.Lookup(st.Event); ok {
			label = fmt.Sprintf("%d. %s — %s", i+1, eventTitle(e), st.Event)
		}
		if st.From != "" {
			label += " (" + st.From + " → " + st.To + ")"
		}
		f.rows = append(f.rows, journeyRow{label: label})
	}
	f.list.Refresh()
}

// play renders the chosen journey with the seed and timing in the form;
// false (with the reason shown) when the seed is not a number.
func (f *journeyForm) play() ([]events.JourneyEvent, uint64, bool) {
	seed, err := strconv.ParseUint(strings.TrimSpace(f.seed.Text), 10, 64)
	if err != nil {
		f.say(widget.DangerImportance, lang.L("The seed must be a whole number such as 42; New seed draws one."))
		return nil, 0, false
	}
	j := f.journey()
	t := events.Timing{Mode: events.TimingCompressed}
	if f.timing.Selected == realChoice() {
		t.Mode = events.TimingReal
	}
	t.Speed, _ = strconv.ParseFloat(strings.TrimPrefix(f.speed.Selected, "×"), 64)
	start := f.p.m.now()
	if t.Mode == events.TimingCompressed {
		start = start.Add(-j.Span(seed)) // the story ends now, not days ahead
	}
	evs, err := j.Play(seed, start, t)
	if err != nil {
		f.say(widget.DangerImportance, lang.L("Could not play the journey: {{.Err}}", map[string]any{"Err": err.Error()}))
		return nil, 0, false
	}
	return evs, seed, true
}

func (f *journeyForm) say(imp widget.Importance, text string) {
	f.msg.Importance = imp
	f.msg.SetText(text)
}

// format is the chosen body format.
func (f *journeyForm) bodyFormat() outbound.Format {
	switch f.format.Selected {
	case "XML":
		return outbound.FormatXML
	case journeyFormats()[2]:
		return outbound.FormatForm
	}
	return outbound.FormatJSON
}

// fireEach fires one event into the subscriptions that listen to it (any
// goroutine).
func (f *journeyForm) fireEach(ctx context.Context, e events.JourneyEvent) journeyRow {
	var row journeyRow
	ds, err := f.p.o.Dispatch.Fire(ctx, e.Event, e.Payload, "")
	switch {
	case errors.Is(err, outbound.ErrNoSubscribers):
		row.status, row.imp = lang.L("skipped: no subscription for it"), widget.WarningImportance
	case err != nil:
		row.status, row.imp = lang.L("Not sent: {{.Err}}", map[string]any{"Err": err.Error()}), widget.DangerImportance
	default:
		row.status, row.imp = lang.N("fired to {{.Count}} subscriptions", len(ds), map[string]any{"Count": len(ds)}), widget.SuccessImportance
	}
	return row
}

// sendEach returns what sends one event to the URL in the form, signed as
// it says; nil (with the reason shown) when the URL or signature cannot be
// used.
func (f *journeyForm) sendEach() func(ctx context.Context, e events.JourneyEvent) journeyRow {
	sub, err := outbound.Direct("Gancho journey", strings.TrimSpace(f.url.Text), f.bodyFormat(), strings.TrimSpace(f.sign.Text))
	if err != nil {
		f.say(widget.DangerImportance, lang.L("Cannot send: {{.Err}}", map[string]any{"Err": sentence(err)}))
		return nil
	}
	var ids capture.IDGen
	return func(ctx context.Context, e events.JourneyEvent) journeyRow {
		var row journeyRow
		now := time.Now()
		a, _, err := outbound.Deliver(ctx, f.p.m.opts.Sender, sub, "msg_"+ids.New(now), e.Event, e.Payload, now)
		switch {
		case err != nil:
			row.status, row.imp = lang.L("Not sent: {{.Err}}", map[string]any{"Err": err.Error()}), widget.DangerImportance
		case a.Class != "":
			row.status, row.imp = lang.L("failed: {{.Class}}", map[string]any{"Class": classWord(a.Class)}), widget.DangerImportance
		default:
			row.status, row.imp = "HTTP "+strconv.Itoa(a.Status), widget.SuccessImportance
			if !a.Succeeded() {
				row.imp = widget.WarningImportance
			}
			row.latency = formatLatency(a.Latency) // as the Suites table says it
		}
		return row
	}
}

// run plays the chosen journey and hands each event to each, waiting
// each event's delay first, off the UI goroutine; the results fill the
// list as they come.
func (f *journeyForm) run(each func(ctx context.Context, e events.JourneyEvent) journeyRow, fired bool) {
	if f.stop != nil {
		return
	}
	evs, _, ok := f.play()
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.stop = cancel
	f.showJourney() // the answers of an earlier run cleared
	f.progress.Max, f.progress.Value = float64(len(evs)), 0
	f.progress.Show()
	f.progress.Refresh()
	f.setRunning(true)
	f.say(widget.MediumImportance, lang.L("Sending…"))
	m := f.p.m
	go func() {
		defer cancel()
		done, ok := 0, 0
		for _, e := range evs {
			if e.Delay > 0 {
				wait := e.Delay.Round(time.Second)
				if e.Delay < time.Second {
					wait = e.Delay.Round(time.Millisecond)
				}
				m.post(func() {
					f.say(widget.MediumImportance, lang.L("Waiting {{.Wait}} before {{.Step}}…", map[string]any{"Wait": wait.String(), "Step": e.StepName()}))
				})
				t := time.NewTimer(e.Delay)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
			if ctx.Err() != nil {
				break
			}
			row := each(ctx, e)
			if ctx.Err() != nil {
				break
			}
			done++
			if row.imp == widget.SuccessImportance {
				ok++
			}
			n := done
			m.post(func() {
				if i := e.Index; i < len(f.rows) {
					row.label = f.rows[i].label
					f.rows[i] = row
				}
				f.list.Refresh()
				f.list.ScrollTo(e.Index)
				f.progress.SetValue(float64(n))
				f.say(widget.MediumImportance, lang.L("Sent {{.Done}} of {{.Count}}", map[string]any{"Done": n, "Count": len(evs)}))
			})
		}
		stopped := ctx.Err() != nil
		m.post(func() {
			f.stop = nil
			f.setRunning(false)
			imp := widget.SuccessImportance
			if ok < len(evs) {
				imp = widget.WarningImportance
			}
			switch {
			case stopped:
				f.say(widget.WarningImportance, lang.L("Stopped after {{.Done}} of {{.Count}} events.", map[string]any{"Done": done, "Count": len(evs)}))
			case fired:
				f.say(imp, lang.L("Fired {{.OK}} of {{.Count}} events; the delivery log shows each delivery.", map[string]any{"OK": ok, "Count": len(evs)}))
			default:
				f.say(imp, lang.L("{{.OK}} of {{.Count}} events answered 2xx.", map[string]any{"OK": ok, "Count": len(evs)}))
			}
			f.p.reload()
			if f.ended != nil {
				f.ended()
			}
		})
	}()
}

// setRunning switches the actions off and Cancel on while a run goes.
func (f *journeyForm) setRunning(on bool) {
	for _, b := range []*widget.Button{f.fire, f.send, f.save} {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if on {
		f.cancel.Enable()
		f.pick.Disable() // the rows are the running journey's
	} else {
		f.cancel.Disable()
		f.pick.Enable()
	}
}

// stopRun cancels the run in progress, if any.
func (f *journeyForm) stopRun() {
	if f.stop != nil {
		f.stop()
	}
}

// saveSuite writes the journey, as the form renders and signs it, to a
// suite file the user picks.
func (f *journeyForm) saveSuite() {
	evs, seed, ok := f.play()
	if !ok {
		return
	}
	j := f.journey()
	s, err := suite.FromJourney(evs, suite.JourneyOptions{
		Name: fmt.Sprintf("%s (seed %d)", j.Name, seed), To: strings.TrimSpace(f.url.Text),
		Format: f.bodyFormat(), Sign: strings.TrimSpace(f.sign.Text),
	})
	var b []byte
	if err == nil {
		b, err = suite.Marshal(s)
	}
	if err != nil {
		f.say(widget.DangerImportance, lang.L("Cannot save the suite: {{.Err}}", map[string]any{"Err": sentence(err)}))
		return
	}
	if f.p.m.saver == nil {
		return
	}
	f.p.m.saver.Save(fmt.Sprintf("%s-%d.yaml", j.Name, seed), b, func(where string, err error) {
		if err != nil {
			f.say(widget.DangerImportance, lang.L("Cannot save the suite: {{.Err}}", map[string]any{"Err": err.Error()}))
			return
		}
		f.say(widget.SuccessImportance, lang.N("Saved {{.Count}} steps to {{.File}}.", len(s.Steps), map[string]any{"Count": len(s.Steps), "File": where}))
	})
}

// showJourneys opens the Journeys dialog. Closing it stops a run.
func (p *outboundPanel) showJourneys() *journeyForm {
	if p.m.win == nil {
		return nil
	}
	f := newJourneyForm(p)
	d := dialog.NewCustom(lang.L("CRM journeys"), lang.L("Close"), f.content, p.m.win)
	f.onEsc = d.Hide
	c := p.m.win.Canvas()
	prev := c.OnTypedKey()
	closeOnEsc(d, c)
	d.SetOnClosed(func() {
		c.SetOnTypedKey(prev) // what closeOnEsc's own handler does
		f.stopRun()
	})
	size := c.Size()
	d.Resize(fyne.NewSize(min(900, size.Width*0.95), min(840, size.Height*0.95)))
	d.Show()
	p.journeys = f
	return f
}

// splitCols lays out two objects side by side, the first taking frac of
// the width (all of it while the second is hidden): the step's name gets
// the room, its answer the rest.
type splitCols struct{ frac float32 }

func (l splitCols) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := size.Width * l.frac
	if !objs[1].Visible() {
		w = size.Width
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(w, size.Height))
	objs[1].Move(fyne.NewPos(w, 0))
	objs[1].Resize(fyne.NewSize(size.Width-w, size.Height))
}

func (l splitCols) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(a.Width+b.Width, max(a.Height, b.Height))
}
