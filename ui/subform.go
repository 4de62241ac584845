package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/verify"
)

// subForm edits one subscription; build validates it. Each field's
// problem is shown under it once the field has been changed (or Save
// pressed), and goes as soon as the field is fixed.
type subForm struct {
	orig     outbound.Subscription
	name     *escEntry
	events   *widget.CheckGroup
	eventOf  map[string]string // check label → machine name
	url      *escEntry
	method   *widget.RadioGroup
	format   *escSelect
	hdrs     *headerTable
	rename   *escEntry
	exclude  *escEntry
	add      *escEntry
	signing  *escSelect
	signQ    *widget.Check
	secret   string // the secret to save
	secretL  *widget.Label
	newSec   *widget.Button
	copySec  *widget.Button
	timeout  *escEntry
	retry    *escSelect
	retryArg *escEntry
	compress *escEntry
	enabled  *widget.Check
	// msg says what went wrong saving, or a problem that belongs to no
	// field; the fields' own problems sit under them (errs).
	msg     *widget.Label
	content fyne.CanvasObject
	copy    func(string)

	tabs      *container.AppTabs
	tabTitles []string
	errs      map[string]*widget.Label // field key → its problem, under it
	tabOf     map[string]int           // field key → the tab it is on
	touched   map[string]bool          // fields the user changed
	showAll   bool                     // Save was pressed: every problem shows
	// onEsc closes the form's dialog; a focused entry hands Esc to it.
	onEsc func()
}

// The form's field keys: outbound.Problem's Field names, with the mapping
// split by line kind and the retry's compression on its own.
const (
	fName, fURL, fEvents, fMethod, fFormat, fHeaders       = "Name", "URL", "Events", "Method", "Format", "Headers"
	fRename, fExclude, fAdd                                = "Rename", "Exclude", "Add"
	fSigning, fSecret, fSignQuery, fTimeout, fRetry, fComp = "Signing", "Secret", "SignQuery", "Timeout", "Retry", "Compress"
)

// escEntry is an Entry that hands Esc to its form, which closes the
// dialog: a focused Entry would otherwise swallow the key.
type escEntry struct {
	widget.Entry
	form *subForm
}

func newEscEntry(f *subForm, multi bool) *escEntry {
	e := &escEntry{form: f}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.MultiLine = multi
	e.ExtendBaseWidget(e)
	return e
}

// escSelect is a Select that hands Esc to its dialog: a Select takes the
// focus when tapped, and would otherwise swallow the key.
type escSelect struct {
	widget.Select
	esc *func() // the dialog's closer, set once the dialog exists
}

func newEscSelect(esc *func(), options []string, changed func(string)) *escSelect {
	s := &escSelect{esc: esc}
	s.Options, s.OnChanged, s.PlaceHolder = options, changed, lang.L("(Select one)")
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey closes the dialog on Esc; other keys work the Select.
func (s *escSelect) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && s.esc != nil && *s.esc != nil {
		(*s.esc)()
		return
	}
	s.Select.TypedKey(ev)
}

// TypedKey closes the form on Esc; other keys edit as usual.
func (e *escEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.form != nil && e.form.onEsc != nil {
		e.form.onEsc()
		return
	}
	e.Entry.TypedKey(ev)
}

func newSubForm(s outbound.Subscription, isNew bool, copyFn func(string)) *subForm {
	f := &subForm{orig: s, eventOf: map[string]string{}, copy: copyFn,
		errs: map[string]*widget.Label{}, tabOf: map[string]int{}, touched: map[string]bool{}}
	f.name = newEscEntry(f, false)
	f.name.SetPlaceHolder(lang.L("e.g. ERP – new sales"))
	f.name.SetText(s.Name)
	var labels, checked []string
	for _, e := range events.All() {
		l := eventChoice(e)
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
	f.url = newEscEntry(f, false)
	f.url.SetPlaceHolder(lang.L("https://erp.example.com/webhooks/crm"))
	f.url.SetText(s.URL)
	f.method = widget.NewRadioGroup([]string{"POST", "GET"}, nil)
	f.method.Horizontal = true
	f.format = newEscSelect(&f.onEsc, []string{string(outbound.FormatJSON), string(outbound.FormatXML), string(outbound.FormatForm)}, nil)
	f.method.OnChanged = func(m string) {
		if m == "GET" {
			f.format.Disable() // GET sends the fields as query parameters
		} else {
			f.format.Enable()
		}
	}
	f.method.SetSelected(s.Method)
	f.format.SetSelected(string(s.Format))
	f.hdrs = newHeaderTable(lang.L("Name"), lang.L("value"))
	for _, h := range s.Headers {
		f.hdrs.add(h.Name, h.Value)
	}
	addHdr := widget.NewButtonWithIcon(lang.L("Add header"), theme.ContentAddIcon(), func() { f.hdrs.add("", "") })

	f.rename = f.multiLine(lang.L("client.name -> nome_cliente (one per line)"), mapLines(s.Mapping.Rename))
	f.exclude = f.multiLine(lang.L("client.cnpj (one field per line)"), strings.Join(s.Mapping.Exclude, "\n"))
	f.add = f.multiLine(lang.L("origem=crm (one per line; dotted names nest)"), constLines(s.Mapping.Add))

	f.secret = s.Secret
	f.secretL = widget.NewLabel("")
	f.secretL.Wrapping = fyne.TextWrapBreak
	f.secretL.TextStyle = fyne.TextStyle{Monospace: true}
	f.copySec = widget.NewButtonWithIcon(lang.L("Copy"), theme.ContentCopyIcon(), func() { f.copy(f.secret) })
	f.newSec = widget.NewButton(lang.L("New secret"), func() { f.generateSecret(f.signing.Selected) })
	f.signing = newEscSelect(&f.onEsc, []string{string(outbound.SignStandard), string(outbound.SignStripe), string(outbound.SignGitHub), string(outbound.SignNone)},
		func(v string) { f.signingChanged(v) })
	f.signing.SetSelected(string(s.Signing))
	f.signQ = widget.NewCheck(lang.L("GET: sign the query string too (the receiver verifies it as the body)"), nil)
	f.signQ.SetChecked(s.SignQuery)
	if isNew {
		f.showSecretOnce()
	} else {
		f.hideSecret()
	}

	f.timeout = newEscEntry(f, false)
	f.timeout.SetText(durationOr(s.Timeout, 30*time.Second).String())
	f.retry = newEscSelect(&f.onEsc, []string{"standard", "svix", "linear", "custom", "none"}, nil)
	f.retryArg = newEscEntry(f, false)
	f.retryArg.SetPlaceHolder(lang.L("linear: 5x30s · custom: 1s,10s,1m"))
	f.retry.OnChanged = func(k string) {
		if k == "linear" || k == "custom" {
			f.retryArg.Enable()
		} else {
			f.retryArg.Disable()
		}
	}
	f.retry.SetSelected(s.Retry.Kind)
	f.retryArg.SetText(retryArg(s.Retry))
	f.compress = newEscEntry(f, false)
	f.compress.SetText("1")
	if s.Retry.Compress > 1 {
		f.compress.SetText(fmt.Sprint(s.Retry.Compress))
	}
	f.enabled = widget.NewCheck(lang.L("Enabled"), nil)
	f.enabled.SetChecked(s.Enabled)
	f.msg = widget.NewLabel("")
	f.msg.Wrapping = fyne.TextWrapWord
	f.msg.Importance = widget.DangerImportance

	eventsScroll := container.NewVScroll(f.events)
	eventsScroll.SetMinSize(fyne.NewSize(0, 220))
	hdrScroll := container.NewVScroll(f.hdrs.box)
	hdrScroll.SetMinSize(fyne.NewSize(0, 90))
	const tGeneral, tHeaders, tMapping, tDelivery = 0, 1, 2, 3
	general := widget.NewForm(
		widget.NewFormItem(lang.L("Name"), f.field(fName, tGeneral, f.name)),
		widget.NewFormItem(lang.L("URL"), f.field(fURL, tGeneral, f.url)),
		widget.NewFormItem(lang.L("Method"), f.field(fMethod, tGeneral, container.NewHBox(f.method, widget.NewLabel(lang.L("Body")), f.format))),
		widget.NewFormItem("", f.enabled),
	)
	f.field(fFormat, tGeneral, nil) // shown with the method's
	f.errs[fFormat] = f.errs[fMethod]
	secretRow := container.NewBorder(nil, nil, nil, container.NewHBox(f.copySec, f.newSec), f.secretL)
	delivery := widget.NewForm(
		widget.NewFormItem(lang.L("Signing"), f.field(fSigning, tDelivery, f.signing)),
		widget.NewFormItem(lang.L("Secret"), f.field(fSecret, tDelivery, secretRow)),
		widget.NewFormItem("", f.field(fSignQuery, tDelivery, f.signQ)),
		widget.NewFormItem(lang.L("Timeout"), f.field(fTimeout, tDelivery, f.timeout)),
		widget.NewFormItem(lang.L("Retries"), f.field(fRetry, tDelivery, container.NewBorder(nil, nil, f.retry, nil, f.retryArg))),
		widget.NewFormItem(lang.L("Time compression"), f.field(fComp, tDelivery, container.NewBorder(nil, nil, nil,
			widget.NewLabel(lang.L("× (60: an hour of retries in a minute)")), f.compress))),
	)
	mapping := widget.NewForm(
		widget.NewFormItem(lang.L("Rename"), f.field(fRename, tMapping, f.rename)),
		widget.NewFormItem(lang.L("Exclude"), f.field(fExclude, tMapping, f.exclude)),
		widget.NewFormItem(lang.L("Add"), f.field(fAdd, tMapping, f.add)),
	)
	eventsHead := container.NewVBox(widget.NewLabelWithStyle(lang.L("Events"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.field(fEvents, tGeneral, nil))
	hdrHead := container.NewVBox(container.NewHBox(
		widget.NewLabel(lang.L("Sent with every delivery, beside the signature headers.")), layout.NewSpacer(), addHdr),
		f.field(fHeaders, tHeaders, nil))
	f.tabTitles = []string{lang.L("General"), lang.L("Headers"), lang.L("Field mapping"), lang.L("Signing and retries")}
	f.tabs = container.NewAppTabs(
		container.NewTabItem(f.tabTitles[tGeneral], container.NewBorder(general, nil, nil, nil,
			container.NewBorder(eventsHead, nil, nil, nil, eventsScroll))),
		container.NewTabItem(f.tabTitles[tHeaders], container.NewBorder(hdrHead, nil, nil, nil, hdrScroll)),
		container.NewTabItem(f.tabTitles[tMapping], container.NewVBox(
			widget.NewLabel(lang.L("Paths are under data, e.g. client.name; lists by index: tags.0.")), mapping)),
		container.NewTabItem(f.tabTitles[tDelivery], delivery),
	)
	f.content = container.NewBorder(nil, f.msg, nil, nil, f.tabs)
	f.watch()
	return f
}

// field puts key's problem label under w (or alone, for w nil) and
// remembers the tab it is on.
func (f *subForm) field(key string, tab int, w fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	l.Hide()
	f.errs[key], f.tabOf[key] = l, tab
	if w == nil {
		return l
	}
	return container.New(layout.NewCustomPaddedVBoxLayout(0), w, l)
}

// watch re-validates as the user edits: the field changed shows its
// problem, and every shown problem that is fixed goes.
func (f *subForm) watch() {
	on := func(key string) func() {
		return func() {
			f.touched[key] = true
			f.validate()
		}
	}
	for key, e := range map[string]*escEntry{fName: f.name, fURL: f.url, fRename: f.rename, fExclude: f.exclude,
		fAdd: f.add, fTimeout: f.timeout, fRetry: f.retryArg, fComp: f.compress} {
		changed := on(key)
		e.OnChanged = func(string) { changed() }
	}
	events := on(fEvents)
	f.events.OnChanged = func([]string) { events() }
	chain := func(prev func(string), key string) func(string) {
		changed := on(key)
		return func(v string) {
			if prev != nil {
				prev(v)
			}
			changed()
		}
	}
	f.method.OnChanged = chain(f.method.OnChanged, fMethod)
	f.format.OnChanged = chain(f.format.OnChanged, fFormat)
	f.signing.OnChanged = chain(f.signing.OnChanged, fSigning)
	f.retry.OnChanged = chain(f.retry.OnChanged, fRetry)
	signQ := on(fSignQuery)
	f.signQ.OnChanged = func(bool) { signQ() }
	f.hdrs.changed = on(fHeaders)
}

// validate shows each field's problem, for the fields changed (all after
// Save), and marks the tabs that hold one.
func (f *subForm) validate() {
	_, probs := f.collect()
	perTab := make([]int, len(f.tabTitles))
	for key, l := range f.errs {
		if key == fFormat {
			continue // shares the method's label
		}
		msgs := probs[key]
		if key == fMethod {
			msgs = append(msgs, probs[fFormat]...)
		}
		if len(msgs) == 0 || !(f.showAll || f.touched[key] || (key == fMethod && f.touched[fFormat])) {
			l.Hide()
			continue
		}
		l.SetText(strings.Join(msgs, "\n"))
		l.Show()
		perTab[f.tabOf[key]]++
	}
	if f.tabs == nil {
		return
	}
	for i, it := range f.tabs.Items {
		title := f.tabTitles[i]
		if perTab[i] > 0 {
			title += " · " + lang.N("{{.Count}} problems", perTab[i], map[string]any{"Count": perTab[i]})
		}
		if it.Text != title {
			it.Text = title
			f.tabs.Refresh()
		}
	}
	if len(probs[""]) > 0 && f.showAll {
		f.msg.SetText(strings.Join(probs[""], "\n"))
	} else {
		f.msg.SetText("")
	}
}

// firstProblemTab is the first tab with a problem shown, or -1.
func (f *subForm) firstProblemTab() int {
	first := -1
	for key, l := range f.errs {
		if l.Visible() && (first < 0 || f.tabOf[key] < first) {
			first = f.tabOf[key]
		}
	}
	return first
}

func (f *subForm) multiLine(placeholder, text string) *escEntry {
	e := newEscEntry(f, true)
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
		f.secretL.SetText(lang.L("(no signature)"))
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
	f.secretL.SetText(f.secret + "\n" + lang.L("Shown this once: copy it now and give it to the receiver."))
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
	f.secretL.SetText(prefix + tunnel.Redact(strings.TrimPrefix(f.secret, "whsec_")) + " " + lang.L("(hidden; New secret replaces it)"))
	f.copySec.Disable() // shown once means once
}

// build is the subscription the form describes, validated: the error
// lists every problem (an *outbound.InvalidError).
func (f *subForm) build() (outbound.Subscription, error) {
	s, probs := f.collect()
	var all []outbound.Problem
	for _, key := range []string{fName, fURL, fMethod, fFormat, fEvents, fHeaders, fRename, fExclude, fAdd,
		fSigning, fSecret, fSignQuery, fTimeout, fRetry, fComp, ""} {
		for _, m := range probs[key] {
			all = append(all, outbound.Problem{Field: key, Message: m})
		}
	}
	if len(all) > 0 {
		return s, &outbound.InvalidError{What: "subscription", Problems: all}
	}
	return s, nil
}

// collect reads the form into a subscription and every problem with it,
// by field key ("" for one that belongs to no field). Cheap enough to run
// at each keystroke: the form's text is what the user typed.
func (f *subForm) collect() (outbound.Subscription, map[string][]string) {
	probs := map[string][]string{}
	add := func(key, msg string) { probs[key] = append(probs[key], msg) }
	s := f.orig
	s.Name = strings.TrimSpace(f.name.Text)
	s.URL = strings.TrimSpace(f.url.Text)
	s.Method = f.method.Selected
	s.Format = outbound.Format(f.format.Selected)
	s.Events = nil
	for _, l := range f.events.Selected {
		s.Events = append(s.Events, f.eventOf[l])
	}
	if h, err := f.hdrs.headers(); err != nil {
		add(fHeaders, sentence(err))
	} else {
		s.Headers = h
	}
	s.Mapping = outbound.Mapping{}
	for i, line := range lines(f.rename.Text) {
		from, to, ok := strings.Cut(line, "->")
		if !ok || strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
			add(fRename, lang.L("Rename line {{.N}}: write it as field -> new_name, e.g. client.name -> nome.", map[string]any{"N": i + 1}))
			continue
		}
		s.Mapping.Rename = append(s.Mapping.Rename, outbound.Rename{From: strings.TrimSpace(from), To: strings.TrimSpace(to)})
	}
	s.Mapping.Exclude = lines(f.exclude.Text)
	for i, line := range lines(f.add.Text) {
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(name) == "" {
			add(fAdd, lang.L("Add line {{.N}}: write it as name=value, e.g. origem=crm.", map[string]any{"N": i + 1}))
			continue
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
	if d, err := time.ParseDuration(strings.TrimSpace(f.timeout.Text)); err != nil {
		add(fTimeout, lang.L("Timeout {{.Value}}: write a duration such as 30s or 1m.", map[string]any{"Value": strconv.Quote(f.timeout.Text)}))
	} else {
		s.Timeout = d
	}
	spec := f.retry.Selected
	if arg := strings.TrimSpace(f.retryArg.Text); arg != "" && (spec == "linear" || spec == "custom") {
		spec += ":" + arg
	}
	c := strings.TrimSpace(f.compress.Text)
	if _, err := strconv.ParseFloat(c, 64); c != "" && err != nil {
		add(fComp, lang.L("Compression {{.Value}} is not a number; write 1 for real time, or 60 to make an hour last a minute.", map[string]any{"Value": strconv.Quote(c)}))
	} else if c != "" && c != "1" {
		spec += ",compress=" + c
	}
	if rp, err := outbound.ParseRetry(spec); err != nil {
		if len(probs[fComp]) == 0 {
			add(fRetry, retryProblem(err))
		}
	} else {
		s.Retry = rp
	}
	s.Enabled = f.enabled.Checked
	if s.Enabled {
		s.DisabledReason = ""
	}
	var inv *outbound.InvalidError
	if err := s.Validate(); errors.As(err, &inv) {
		for _, p := range inv.Problems {
			key := p.Field
			switch {
			case key == "Mapping" && strings.HasPrefix(p.Message, "Rename"):
				key = fRename
			case key == "Mapping" && strings.HasPrefix(p.Message, "Exclude"):
				key = fExclude
			case key == "Mapping":
				key = fAdd
			case key == "Retry" && strings.HasPrefix(p.Message, "Compression"):
				key = fComp
			case key == fHeaders && len(probs[fHeaders]) > 0, key == fRetry && len(probs[fRetry]) > 0,
				key == fTimeout && len(probs[fTimeout]) > 0:
				continue // the form's own reading already said it
			}
			if _, known := f.errs[key]; !known {
				key = ""
			}
			add(key, problemText(p))
		}
	} else if err != nil {
		add("", sentence(err))
	}
	return s, probs
}

// retryProblem words a ParseRetry error for the form: the problem alone,
// without the command line's usage, in the window's language.
func retryProblem(err error) string {
	if ps := outbound.ProblemsOf(err); len(ps) > 0 {
		var ms []string
		for _, p := range ps {
			ms = append(ms, sentence(errors.New(problemText(p))))
		}
		return strings.Join(ms, "\n")
	}
	msg, _, _ := strings.Cut(err.Error(), "; want ")
	if i := strings.Index(msg, "\": "); i >= 0 {
		msg = msg[i+3:]
	}
	return sentence(errors.New(msg))
}

// showForm opens the subscription form; Save validates and stores. It
// returns the form (nil without a window), for tests.
func (p *outboundPanel) showForm(s *outbound.Subscription, isNew bool) *subForm {
	if p.m.win == nil {
		return nil
	}
	f := newSubForm(*s, isNew, p.m.copy)
	title := lang.L("New subscription")
	if !isNew {
		title = lang.L("Subscription {{.Name}}", map[string]any{"Name": subLabel(*s)})
	}
	d := dialog.NewCustomWithoutButtons(title, f.content, p.m.win)
	f.onEsc = d.Hide
	closeOnEsc(d, p.m.win.Canvas())
	var save *widget.Button
	save = widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), func() {
		sub, err := f.build()
		if err != nil {
			f.showAll = true
			f.validate()
			if i := f.firstProblemTab(); i >= 0 {
				f.tabs.SelectIndex(i)
			}
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
	d.SetButtons([]fyne.CanvasObject{widget.NewButton(lang.L("Cancel"), d.Hide), save})
	d.Resize(fyne.NewSize(900, 660))
	d.Show()
	return f
}

// closeOnEsc makes Esc close d while it is shown on c (when no entry
// has the focus; the form's entries pass Esc on themselves), and gives
// the window its own key handler back when d closes.
func closeOnEsc(d dialog.Dialog, c fyne.Canvas) {
	prev := c.OnTypedKey()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			d.Hide()
			return
		}
		if prev != nil {
			prev(ev)
		}
	})
	d.SetOnClosed(func() { c.SetOnTypedKey(prev) })
}

// sentence is err as a message: capitalised, without the package prefix.
func sentence(err error) string {
	var inv *outbound.InvalidError
	if errors.As(err, &inv) && len(inv.Problems) > 0 {
		var ms []string
		for _, p := range inv.Problems {
			ms = append(ms, problemText(p))
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
