package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
)

// sourceSample is the fire form's "a fresh generated sample" choice.
func sourceSample() string { return lang.L("Generated sample") }

// allSubscribed is the fire form's "every enabled subscription" choice.
func allSubscribed() string { return lang.L("Every enabled subscription for the event") }

// eventChoice is an event as the event pickers list it: its number and
// name for people in the window's language, then its machine name.
func eventChoice(e events.Event) string {
	return fmt.Sprintf("%d. %s — %s", e.Number, eventTitle(e), e.Name)
}

// fireForm picks an event, shows a fresh sample (highlighted, editable)
// and fires it.
type fireForm struct {
	p         *outboundPanel
	event     *escSelect
	eventOf   map[string]string // label → machine name
	source    *escSelect
	templates []outbound.Template
	body      *widget.Entry
	view      *fitGrid // the payload highlighted, wrapped at the pane's width
	tabs      *container.AppTabs
	to        *escSelect
	toIDs     map[string]string // label → subscription id
	send      *widget.Button
	msg       *widget.Label
	content   fyne.CanvasObject
	gen       *events.Generator
	fired     []outbound.Delivery // the last fire, for tests
	onEsc     func()              // closes the dialog (Esc in a Select)
}

func newFireForm(p *outboundPanel, event, only string) *fireForm {
	f := &fireForm{p: p, eventOf: map[string]string{}, toIDs: map[string]string{}, gen: events.NewRandomGenerator()}
	var labels []string
	sel := ""
	for _, e := range events.All() {
		l := eventChoice(e)
		labels = append(labels, l)
		f.eventOf[l] = e.Name
		if e.Name == event {
			sel = l
		}
	}
	f.body = widget.NewMultiLineEntry()
	f.body.TextStyle = fyne.TextStyle{Monospace: true}
	f.body.Wrapping = fyne.TextWrapOff
	f.view = newFitGrid()
	f.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Highlighted"), f.view.box),
		container.NewTabItem(lang.L("Edit"), f.body))
	f.tabs.OnSelected = func(t *container.TabItem) {
		if t.Content == f.view.box {
			f.highlight()
		}
	}
	f.source = newEscSelect(&f.onEsc, []string{sourceSample()}, func(string) { f.fill() })
	f.event = newEscSelect(&f.onEsc, labels, func(string) { f.eventChanged() })
	var to []string
	to = append(to, allSubscribed())
	toSel := allSubscribed()
	for _, s := range p.subs {
		l := subLabel(s) + " — " + s.URL
		f.toIDs[l] = s.ID
		to = append(to, l)
		if s.ID == only {
			toSel = l
		}
	}
	f.to = newEscSelect(&f.onEsc, to, nil)
	f.to.SetSelected(toSel)
	f.msg = widget.NewLabel("")
	f.msg.Wrapping = fyne.TextWrapWord
	again := widget.NewButtonWithIcon(lang.L("New sample"), theme.ViewRefreshIcon(), func() {
		f.source.SetSelected(sourceSample())
		f.fill()
	})
	f.send = widget.NewButtonWithIcon(lang.L("Send"), theme.MailSendIcon(), f.fire)
	f.send.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Event"), f.event),
		widget.NewFormItem(lang.L("Payload"), container.NewBorder(nil, nil, nil, again, f.source)),
		widget.NewFormItem(lang.L("Send to"), f.to),
	)
	f.content = container.NewBorder(form, container.NewVBox(f.msg, container.NewHBox(layout.NewSpacer(), f.send)), nil, nil, f.tabs)
	if sel == "" {
		sel = labels[0]
	}
	f.event.SetSelected(sel)
	return f
}

// eventChanged loads the event's saved templates and shows a fresh sample.
func (f *fireForm) eventChanged() {
	name := f.eventOf[f.event.Selected]
	f.source.Options = []string{sourceSample()}
	f.source.SetSelected(sourceSample())
	f.fill()
	go func() {
		ts, err := f.p.o.Store.Templates(context.Background(), name)
		f.p.m.post(func() {
			if err != nil || f.eventOf[f.event.Selected] != name {
				return
			}
			f.templates = ts
			opts := []string{sourceSample()}
			for i := range ts {
				opts = append(opts, templateLabel(ts[i], i))
			}
			f.source.Options = opts
			f.source.Refresh()
		})
	}()
}

func templateLabel(t outbound.Template, i int) string {
	if t.Name != "" {
		return lang.L("Template: {{.Name}}", map[string]any{"Name": t.Name})
	}
	return lang.L("Template {{.N}}", map[string]any{"N": i + 1})
}

// fill puts the chosen payload in the editor and the highlighted view.
func (f *fireForm) fill() {
	name := f.eventOf[f.event.Selected]
	if name == "" {
		return
	}
	text := ""
	if f.source.Selected == sourceSample() || f.source.Selected == "" {
		p, err := f.gen.Sample(name)
		if err == nil {
			var b []byte
			b, err = p.JSON()
			text = string(b)
		}
		if err != nil {
			f.msg.SetText(lang.L("Could not make a sample: {{.Err}}", map[string]any{"Err": err.Error()}))
			return
		}
	} else {
		for i, t := range f.templates {
			if templateLabel(t, i) == f.source.Selected {
				text = string(t.Body)
			}
		}
	}
	f.body.SetText(text)
	f.highlight()
}

func (f *fireForm) highlight() {
	text, st := f.body.Text, f.p.m.styles
	go func() {
		rows := highlightWrapped(text, "json", st, noWrap)
		f.p.m.post(func() { f.view.setRows(rows) })
	}()
}

// fire sends the payload to the chosen subscriptions.
func (f *fireForm) fire() {
	name := f.eventOf[f.event.Selected]
	payload, err := events.ParseJSON([]byte(f.body.Text))
	if err != nil {
		f.msg.Importance = widget.DangerImportance
		f.msg.SetText(lang.L("The payload is not valid JSON: {{.Err}}. Fix it in Edit, or take a New sample.", map[string]any{"Err": err.Error()}))
		return
	}
	only := f.toIDs[f.to.Selected]
	f.send.Disable()
	f.msg.Importance = widget.MediumImportance
	f.msg.SetText(lang.L("Sending…"))
	go func() {
		ds, err := f.p.o.Dispatch.Fire(context.Background(), name, payload, only)
		f.p.m.post(func() {
			f.send.Enable()
			f.fired = ds
			switch {
			case errors.Is(err, outbound.ErrNoSubscribers) && only != "":
				f.msg.Importance = widget.WarningImportance
				// The one subscription picked is disabled.
				f.msg.SetText(lang.L("The subscription {{.Name}} is disabled: enable it (right-click it in the list) to send to it.", map[string]any{"Name": f.subName(only)}))
			case errors.Is(err, outbound.ErrNoSubscribers):
				f.msg.Importance = widget.WarningImportance
				f.msg.SetText(lang.L("No enabled subscription listens to {{.Event}}. Add it to a subscription's events, or pick one in Send to.", map[string]any{"Event": name}))
			case err != nil:
				f.msg.Importance = widget.DangerImportance
				f.msg.SetText(lang.L("Not sent: {{.Err}}", map[string]any{"Err": err.Error()}))
			default:
				f.msg.Importance = widget.SuccessImportance
				f.msg.SetText(lang.N("Fired {{.Event}} to {{.Count}} subscriptions (webhook-id {{.ID}}…). The delivery log shows each attempt.", len(ds),
					map[string]any{"Event": name, "Count": len(ds), "ID": ds[0].ID}))
				f.p.reload()
			}
		})
	}()
}

// subName is the name of the subscription with id, as the list shows it.
func (f *fireForm) subName(id string) string {
	for _, s := range f.p.subs {
		if s.ID == id {
			return subLabel(s)
		}
	}
	return id
}

// showFire opens the fire dialog for event (or the first), to every
// subscribed subscription or only one.
func (p *outboundPanel) showFire(event, only string) {
	if p.m.win == nil {
		return
	}
	f := newFireForm(p, event, only)
	d := dialog.NewCustom(lang.L("Fire an event"), lang.L("Close"), f.content, p.m.win)
	f.onEsc = d.Hide
	closeOnEsc(d, p.m.win.Canvas())
	d.Resize(fyne.NewSize(860, 660))
	d.Show()
}

// showSaveTemplate saves a capture's body as a custom template for an
// event (from the capture list's menu).
func (m *Main) showSaveTemplate(c *capture.Request) {
	if m.win == nil || m.outbound == nil {
		return
	}
	var labels []string
	byLabel := map[string]string{}
	guess := ""
	for _, e := range events.All() {
		l := eventChoice(e)
		labels = append(labels, l)
		byLabel[l] = e.Name
		if strings.Contains(string(c.Body), `"`+e.Name+`"`) {
			guess = l
		}
	}
	event := widget.NewSelect(labels, nil)
	if guess != "" {
		event.SetSelected(guess)
	}
	name := widget.NewEntry()
	name.SetText(strings.TrimPrefix(c.Target, "/"))
	dialog.ShowForm(lang.L("Save as event template"), lang.L("Save"), lang.L("Cancel"), []*widget.FormItem{
		widget.NewFormItem(lang.L("Event"), event),
		widget.NewFormItem(lang.L("Name"), name),
	}, func(ok bool) {
		if !ok || event.Selected == "" {
			return
		}
		if _, err := events.ParseJSON(c.Body); err != nil {
			dialog.ShowError(errors.New(lang.L("Only a JSON body can be a template: {{.Err}}", map[string]any{"Err": err.Error()})), m.win)
			return
		}
		t := outbound.Template{Event: byLabel[event.Selected], Name: strings.TrimSpace(name.Text), Body: c.Body}
		go func() {
			err := m.outbound.o.Store.SaveTemplate(context.Background(), t)
			m.post(func() {
				if err != nil {
					dialog.ShowError(errors.New(sentence(err)), m.win) // an invalid template's problems, translated
					return
				}
				m.count.SetText(lang.L("Saved as a template for {{.Event}}", map[string]any{"Event": t.Event}))
			})
		}()
	}, m.win)
}
