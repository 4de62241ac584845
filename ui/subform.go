package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/verify"
)

// subForm edits one subscription; build validates it.
type subForm struct {
	orig     outbound.Subscription
	name     *widget.Entry
	events   *widget.CheckGroup
	eventOf  map[string]string // check label → machine name
	url      *widget.Entry
	method   *widget.RadioGroup
	format   *widget.Select
	hdrs     *headerTable
	rename   *widget.Entry
	exclude  *widget.Entry
	add      *widget.Entry
	signing  *widget.Select
	signQ    *widget.Check
	secret   string // the secret to save
	secretL  *widget.Label
	newSec   *widget.Button
	copySec  *widget.Button
	timeout  *widget.Entry
	retry    *widget.Select
	retryArg *widget.Entry
	compress *widget.Entry
	enabled  *widget.Check
	msg      *widget.Label
	content  fyne.CanvasObject
	copy     func(string)
}

// eventLabel is an event as the form lists it.
func eventLabel(e events.Event) string {
	return fmt.Sprintf("%d. %s — %s / %s", e.Number, e.Name, e.Label, e.LabelPT)
}

func newSubForm(s outbound.Subscription, isNew bool, copyFn func(string)) *subForm {
	f := &subForm{orig: s, eventOf: map[string]string{}, copy: copyFn}
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder("e.g. ERP – new sales")
	f.name.SetText(s.Name)
	var labels, checked []string
	for _, e := range events.All() {
		l := eventLabel(e)
		labels = append(labels, l)
		f.eventOf[l] = e.Name
		for _, n := range s.Events {
			if n == e.Name {
				checked = append(checked, l)
			}
		}
	}
	f.events = widget.NewCheckGroup(labels, nil)
	f.events.SetSelected(checked)
	f.url = widget.NewEntry()
	f.url.SetPlaceHolder("https://erp.example.com/webhooks/crm")
	f.url.SetText(s.URL)
	f.method = widget.NewRadioGroup([]string{"POST", "GET"}, nil)
	f.method.Horizontal = true
	f.format = widget.NewSelect([]string{string(outbound.FormatJSON), string(outbound.FormatXML), string(outbound.FormatForm)}, nil)
	f.method.OnChanged = func(m string) {
		if m == "GET" {
			f.format.Disable() // GET sends the fields as query parameters
		} else {
			f.format.Enable()
		}
	}
	f.method.SetSelected(s.Method)
	f.format.SetSelected(string(s.Format))
	f.hdrs = newHeaderTable("Name", "value")
	for _, h := range s.Headers {
		f.hdrs.add(h.Name, h.Value)
	}
	addHdr := widget.NewButtonWithIcon("Add header", theme.ContentAddIcon(), func() { f.hdrs.add("", "") })

	f.rename = multiLine("client.name -> nome_cliente (one per line)", mapLines(s.Mapping.Rename))
	f.exclude = multiLine("client.cnpj (one field per line)", strings.Join(s.Mapping.Exclude, "\n"))
	f.add = multiLine("origem=crm (one per line; dotted names nest)", constLines(s.Mapping.Add))

	f.secret = s.Secret
	f.secretL = widget.NewLabel("")
	f.secretL.Wrapping = fyne.TextWrapBreak
	f.secretL.TextStyle = fyne.TextStyle{Monospace: true}
	f.copySec = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() { f.copy(f.secret) })
	f.newSec = widget.NewButton("New secret", func() { f.generateSecret(f.signing.Selected) })
	f.signing = widget.NewSelect([]string{string(outbound.SignStandard), string(outbound.SignStripe), string(outbound.SignGitHub), string(outbound.SignNone)},
		func(v string) { f.signingChanged(v) })
	f.signing.SetSelected(string(s.Signing))
	f.signQ = widget.NewCheck("GET: sign the query string too (the receiver verifies it as the body)", nil)
	f.signQ.SetChecked(s.SignQuery)
	if isNew {
		f.showSecretOnce()
	} else {
		f.hideSecret()
	}

	f.timeout = widget.NewEntry()
	f.timeout.SetText(durationOr(s.Timeout, 30*time.Second).String())
	f.retry = widget.NewSelect([]string{"standard", "svix", "linear", "custom", "none"}, nil)
	f.retryArg = widget.NewEntry()
	f.retryArg.SetPlaceHolder("linear: 5x30s · custom: 1s,10s,1m")
	f.retry.OnChanged = func(k string) {
		if k == "linear" || k == "custom" {
			f.retryArg.Enable()
		} else {
			f.retryArg.Disable()
		}
	}
	f.retry.SetSelected(s.Retry.Kind)
	f.retryArg.SetText(retryArg(s.Retry))
	f.compress = widget.NewEntry()
	f.compress.SetText("1")
	if s.Retry.Compress > 1 {
		f.compress.SetText(fmt.Sprint(s.Retry.Compress))
	}
	f.enabled = widget.NewCheck("Enabled", nil)
	f.enabled.SetChecked(s.Enabled)
	f.msg = widget.NewLabel("")
	f.msg.Wrapping = fyne.TextWrapWord
	f.msg.Importance = widget.DangerImportance

	eventsScroll := container.NewVScroll(f.events)
	eventsScroll.SetMinSize(fyne.NewSize(0, 220))
	hdrScroll := container.NewVScroll(f.hdrs.box)
	hdrScroll.SetMinSize(fyne.NewSize(0, 90))
	general := widget.NewForm(
		widget.NewFormItem("Name", f.name),
		widget.NewFormItem("URL", f.url),
		widget.NewFormItem("Method", container.NewHBox(f.method, widget.NewLabel("Body"), f.format)),
		widget.NewFormItem("", f.enabled),
	)
	secretRow := container.NewBorder(nil, nil, nil, container.NewHBox(f.copySec, f.newSec), f.secretL)
	delivery := widget.NewForm(
		widget.NewFormItem("Signing", f.signing),
		widget.NewFormItem("Secret", secretRow),
		widget.NewFormItem("", f.signQ),
		widget.NewFormItem("Timeout", f.timeout),
		widget.NewFormItem("Retries", container.NewBorder(nil, nil, f.retry, nil, f.retryArg)),
		widget.NewFormItem("Time compression", container.NewBorder(nil, nil, nil,
			widget.NewLabel("× (60: an hour of retries in a minute)"), f.compress)),
	)
	mapping := widget.NewForm(
		widget.NewFormItem("Rename", f.rename),
		widget.NewFormItem("Exclude", f.exclude),
		widget.NewFormItem("Add", f.add),
	)
	tabs := container.NewAppTabs(
		container.NewTabItem("General", container.NewBorder(general, nil, nil, nil,
			container.NewBorder(widget.NewLabelWithStyle("Events", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, eventsScroll))),
		container.NewTabItem("Headers", container.NewBorder(container.NewHBox(
			widget.NewLabel("Sent with every delivery, beside the signature headers."), layout.NewSpacer(), addHdr), nil, nil, nil, hdrScroll)),
		container.NewTabItem("Field mapping", container.NewVBox(
			widget.NewLabel("Paths are under data, e.g. client.name; lists by index: tags.0."), mapping)),
		container.NewTabItem("Signing and retries", delivery),
	)
	f.content = container.NewBorder(nil, f.msg, nil, nil, tabs)
	return f
}

func multiLine(placeholder, text string) *widget.Entry {
	e := widget.NewMultiLineEntry()
	e.SetPlaceHolder(placeholder)
	e.SetText(text)
	e.SetMinRowsVisible(3)
	e.TextStyle = fyne.TextStyle{Monospace: true}
	return e
}

func mapLines(rs []outbound.Rename) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s -> %s\n", r.From, r.To)
	}
	return b.String()
}

func constLines(cs []outbound.Constant) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s=%s\n", c.Name, c.Value)
	}
	return b.String()
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// retryArg is the parameter text of a linear or custom policy.
func retryArg(p outbound.RetryPolicy) string {
	switch p.Kind {
	case "linear":
		return fmt.Sprintf("%dx%s", p.Count, p.Every)
	case "custom":
		var ds []string
		for _, d := range p.Delays {
			ds = append(ds, d.String())
		}
		return strings.Join(ds, ",")
	}
	return ""
}

// signingChanged offers a secret that fits the scheme.
func (f *subForm) signingChanged(v string) {
	if f.secretL == nil {
		return
	}
	switch outbound.Signing(v) {
	case outbound.SignNone:
		f.secretL.SetText("(no signature)")
		f.copySec.Disable()
		f.newSec.Disable()
		return
	case outbound.SignStandard:
		if !strings.HasPrefix(f.secret, "whsec_") {
			f.generateSecret(v)
			return
		}
	default: // a whsec_ key is Standard Webhooks' format: make a plain one
		if f.secret == "" || strings.HasPrefix(f.secret, "whsec_") {
			f.generateSecret(v)
			return
		}
	}
	f.newSec.Enable()
	f.copySec.Enable()
}

// generateSecret makes a fresh secret and shows it, once.
func (f *subForm) generateSecret(scheme string) {
	f.secret = verify.NewSecret()
	if outbound.Signing(scheme) != outbound.SignStandard {
		f.secret = strings.TrimPrefix(f.secret, "whsec_")
	}
	f.showSecretOnce()
}

func (f *subForm) showSecretOnce() {
	if outbound.Signing(f.signing.Selected) == outbound.SignNone {
		f.signingChanged(string(outbound.SignNone))
		return
	}
	f.secretL.SetText(f.secret + "\nShown this once: copy it now and give it to the receiver.")
	f.copySec.Enable()
	f.newSec.Enable()
}

func (f *subForm) hideSecret() {
	if outbound.Signing(f.signing.Selected) == outbound.SignNone {
		return
	}
	prefix := ""
	if strings.HasPrefix(f.secret, "whsec_") {
		prefix = "whsec_"
	}
	f.secretL.SetText(prefix + tunnel.Redact(strings.TrimPrefix(f.secret, "whsec_")) + " (hidden; New secret replaces it)")
	f.copySec.Disable() // shown once means once
}

// build is the subscription the form describes, validated.
func (f *subForm) build() (outbound.Subscription, error) {
	s := f.orig
	s.Name = strings.TrimSpace(f.name.Text)
	s.URL = strings.TrimSpace(f.url.Text)
	s.Method = f.method.Selected
	s.Format = outbound.Format(f.format.Selected)
	s.Events = nil
	for _, l := range f.events.Selected {
		s.Events = append(s.Events, f.eventOf[l])
	}
	h, err := f.hdrs.headers()
	if err != nil {
		return s, err
	}
	s.Headers = h
	s.Mapping = outbound.Mapping{}
	for i, line := range lines(f.rename.Text) {
		from, to, ok := strings.Cut(line, "->")
		if !ok || strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
			return s, fmt.Errorf("rename line %d: write it as field -> new_name, e.g. client.name -> nome", i+1)
		}
		s.Mapping.Rename = append(s.Mapping.Rename, outbound.Rename{From: strings.TrimSpace(from), To: strings.TrimSpace(to)})
	}
	s.Mapping.Exclude = lines(f.exclude.Text)
	for i, line := range lines(f.add.Text) {
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return s, fmt.Errorf("add line %d: write it as name=value, e.g. origem=crm", i+1)
		}
		s.Mapping.Add = append(s.Mapping.Add, outbound.Constant{Name: strings.TrimSpace(name), Value: value})
	}
	s.Signing = outbound.Signing(f.signing.Selected)
	s.Secret = f.secret
	if s.Signing == outbound.SignNone {
		s.Secret = ""
	}
	// The box only means something for a signed GET; elsewhere it is ignored
	// rather than refused, so switching the method keeps the form valid.
	s.SignQuery = f.signQ.Checked && s.Method == "GET" && s.Signing != outbound.SignNone
	d, err := time.ParseDuration(strings.TrimSpace(f.timeout.Text))
	if err != nil {
		return s, fmt.Errorf("timeout %q: write a duration such as 30s or 1m", f.timeout.Text)
	}
	s.Timeout = d
	spec := f.retry.Selected
	if arg := strings.TrimSpace(f.retryArg.Text); arg != "" && (spec == "linear" || spec == "custom") {
		spec += ":" + arg
	}
	if c := strings.TrimSpace(f.compress.Text); c != "" && c != "1" {
		spec += ",compress=" + c
	}
	rp, err := outbound.ParseRetry(spec)
	if err != nil {
		return s, err
	}
	s.Retry = rp
	s.Enabled = f.enabled.Checked
	if s.Enabled {
		s.DisabledReason = ""
	}
	return s, s.Validate()
}

// showForm opens the subscription form; Save validates and stores.
func (p *outboundPanel) showForm(s *outbound.Subscription, isNew bool) {
	if p.m.win == nil {
		return
	}
	f := newSubForm(*s, isNew, p.m.copy)
	title := "New subscription"
	if !isNew {
		title = "Subscription " + subLabel(*s)
	}
	d := dialog.NewCustomWithoutButtons(title, f.content, p.m.win)
	var save *widget.Button
	save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() {
		sub, err := f.build()
		if err != nil {
			f.msg.SetText(sentence(err))
			return
		}
		save.Disable()
		go func() {
			err := p.o.Store.Save(context.Background(), &sub)
			p.m.post(func() {
				save.Enable()
				if err != nil {
					f.msg.SetText(sentence(err))
					return
				}
				d.Hide()
				p.reload()
			})
		}()
	})
	save.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", d.Hide), save})
	d.Resize(fyne.NewSize(900, 660))
	d.Show()
}

// sentence is err as a message: capitalised, without the package prefix.
func sentence(err error) string {
	var inv *outbound.InvalidError
	if errors.As(err, &inv) && len(inv.Problems) > 0 {
		var ms []string
		for _, p := range inv.Problems {
			ms = append(ms, p.Message)
		}
		return strings.Join(ms, "\n")
	}
	s := strings.TrimPrefix(err.Error(), "relay: ")
	if s == "" {
		return s
	}
	s = capitalise(s)
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// capitalise upper-cases the first letter of s, whatever its encoding.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
