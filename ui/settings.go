package ui

import (
	"errors"
	"image/color"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/rules"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/verify"
)

// settingsForm is the Settings dialog: tunnel, inbound protection,
// signature verifiers and response rules. It edits a copy; Save applies it
// through Settings.Update and keeps the dialog open if that refuses.
type settingsForm struct {
	cur settings.Settings

	token, domain        *widget.Entry
	edgeAuth, allowCIDRs *widget.Entry
	forgetToken          bool
	forget               *widget.Button // disabled while no token is saved

	relayURL, relayChannel, relayToken *widget.Entry

	prefix, basicAuth, rate *widget.Entry
	recordRefused           *widget.Check

	verifiers []verify.Config
	verList   *widget.List
	verEmpty  func() // shows or hides the "no verifiers" note
	scheme    *widget.Select
	secret    *widget.Entry
	vpath     *widget.Entry
	hHeader   *widget.Entry
	hAlgo     *widget.Select
	hEnc      *widget.Select
	hPrefix   *widget.Entry
	hTS       *widget.Entry
	addErr    *widget.Label
	hmacRows  []fyne.CanvasObject // the generic HMAC fields, shown for that scheme only

	rules    *widget.Entry
	rulesMsg *sevText

	keep, keepBytes *widget.Entry

	notify   *widget.Check
	language *widget.Select // languageChoices' names; saved as their setting values

	tabs *container.AppTabs
}

func newSettingsForm(cur settings.Settings, copyFn func(string)) *settingsForm {
	f := &settingsForm{cur: cur, verifiers: slices.Clone(cur.Verifiers)}

	// Tunnel.
	f.token = widget.NewPasswordEntry()
	f.forget = widget.NewButton(lang.L("Forget saved token"), func() {
		f.forgetToken = true
		f.token.SetText("")
		f.showToken("")
	})
	f.showToken(cur.Tunnel.Authtoken)
	tokenNote := lang.L("Stored in the data directory with mode 0600; never shown in full.")
	if os.Getenv("NGROK_AUTHTOKEN") != "" {
		tokenNote = lang.L("NGROK_AUTHTOKEN is set in the environment and is used instead of this one.")
	}
	f.domain = widget.NewEntry()
	f.domain.SetPlaceHolder(lang.L("optional fixed domain, e.g. team.ngrok.app"))
	f.domain.SetText(cur.Tunnel.Domain)
	f.edgeAuth = growingEntry(lang.L("user:password, one per line (checked at ngrok's edge)"))
	f.edgeAuth.SetText(strings.Join(cur.Tunnel.BasicAuth, "\n"))
	f.allowCIDRs = growingEntry(lang.L("203.0.113.0/24, one per line: only these reach the URL"))
	f.allowCIDRs.SetText(strings.Join(cur.Tunnel.AllowCIDRs, "\n"))
	ngrokForm := alignedForm(
		row(lang.L("Authtoken"), container.NewBorder(nil, nil, nil, f.forget, f.token)),
		row("", note(tokenNote)),
		row(lang.L("Domain"), f.domain),
		row(lang.L("Basic auth"), f.edgeAuth),
		row(lang.L("Allowed IPs"), f.allowCIDRs),
		row("", note(lang.L("Changes apply the next time the public URL is turned on."))),
	)
	f.relayURL = widget.NewEntry()
	f.relayURL.SetPlaceHolder(lang.L("https://hooks.example.com (empty: use ngrok)"))
	f.relayURL.SetText(cur.Relay.URL)
	f.relayChannel = widget.NewEntry()
	f.relayChannel.SetPlaceHolder(lang.L("e.g. qa-team"))
	f.relayChannel.SetText(cur.Relay.Channel)
	f.relayToken = widget.NewPasswordEntry()
	f.relayToken.SetPlaceHolder(relayTokenHint(cur.Relay.Token))
	relayForm := alignedForm(
		row(lang.L("Relay URL"), f.relayURL),
		row(lang.L("Channel"), f.relayChannel),
		row(lang.L("Token"), f.relayToken),
		row("", note(lang.L("A team relay (gancho relay serve) gives one stable public URL on a server you control; "+
			"hooks reach every desktop on the channel, including those that were offline. With a relay URL, "+
			"the public URL switch uses the relay instead of ngrok."))),
	)
	tunnelTab := container.NewVBox(ngrokForm, widget.NewSeparator(),
		alignedForm(row("", widget.NewLabelWithStyle(lang.L("Team relay (instead of ngrok)"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))),
		relayForm)

	// Protection.
	f.prefix = widget.NewEntry()
	f.prefix.SetPlaceHolder(lang.L("none: any path is accepted"))
	f.prefix.SetText(cur.Inbound.SecretPrefix)
	gen := widget.NewButton(lang.L("Generate"), func() { f.prefix.SetText(settings.NewSecretPrefix()) })
	f.basicAuth = widget.NewPasswordEntry()
	f.basicAuth.SetPlaceHolder(lang.L("user:password, or empty for none"))
	f.basicAuth.SetText(cur.Inbound.BasicAuth)
	f.rate = widget.NewEntry()
	f.rate.SetPlaceHolder(lang.L("0: no limit"))
	if cur.Inbound.RateLimit > 0 {
		f.rate.SetText(strconv.Itoa(cur.Inbound.RateLimit))
	}
	f.recordRefused = widget.NewCheck(lang.L("List refused requests (marked, with the reason)"), nil)
	f.recordRefused.SetChecked(!cur.Inbound.DropRefused)
	protTab := alignedForm(
		row(lang.L("Secret path"), container.NewBorder(nil, nil, nil, gen, f.prefix)),
		row("", note(lang.L("Senders must put it first in the path: /SECRET/anything. Others get 404."))),
		row(lang.L("Basic auth"), f.basicAuth),
		row(lang.L("Rate limit"), container.NewBorder(nil, nil, nil, widget.NewLabel(lang.L("requests per minute per IP")), f.rate)),
		row("", f.recordRefused),
	)

	// Signatures.
	f.verList = widget.NewList(
		func() int { return len(f.verifiers) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon("", theme.DeleteIcon(), nil), l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			v := f.verifiers[i]
			txt := v.String()
			if v.Path == "" {
				txt += "   " + lang.L("(every path)")
			}
			c.Objects[0].(*widget.Label).SetText(txt)
			c.Objects[1].(*widget.Button).OnTapped = func() {
				f.verifiers = slices.Delete(f.verifiers, i, i+1)
				f.refreshVerifiers()
			}
		},
	)
	f.scheme = widget.NewSelect(verifySchemes, nil)
	f.scheme.SetSelected("standard")
	f.secret = widget.NewPasswordEntry()
	f.secret.SetPlaceHolder(lang.L("the sender's signing secret (whsec_… for standard, svix, stripe)"))
	newSecret := widget.NewButton(lang.L("Generate"), func() {
		s := verify.NewSecret()
		f.secret.SetText(s)
		copyFn(s)
		f.addErr.Importance = widget.SuccessImportance
		f.addErr.SetText(lang.L("A new secret was copied to the clipboard: give it to the sender."))
	})
	f.vpath = widget.NewEntry()
	f.vpath.SetPlaceHolder(lang.L("path prefix, e.g. /stripe (empty: every path)"))
	f.hHeader = widget.NewEntry()
	f.hHeader.SetPlaceHolder(hmacHeaderExample)
	f.hAlgo = widget.NewSelect(hmacAlgos, nil)
	f.hAlgo.SetSelected("sha256")
	f.hEnc = widget.NewSelect(hmacEncodings, nil)
	f.hEnc.SetSelected("hex")
	f.hPrefix = widget.NewEntry()
	f.hPrefix.SetPlaceHolder(lang.L("value prefix, e.g. sha256="))
	f.hTS = widget.NewEntry()
	f.hTS.SetPlaceHolder(lang.L("timestamp header (signs \"ts.body\")"))
	f.addErr = widget.NewLabel("")
	f.addErr.Wrapping = fyne.TextWrapWord
	add := widget.NewButtonWithIcon(lang.L("Add verifier"), theme.ContentAddIcon(), f.addVerifier)
	f.hmacRows = []fyne.CanvasObject{
		row(lang.L("Header"), container.NewGridWithColumns(2, f.hHeader, f.hTS)),
		row(lang.L("Digest"), container.NewGridWithColumns(3, f.hAlgo, f.hEnc, f.hPrefix)),
	}
	addForm := alignedForm(append([]fyne.CanvasObject{
		row(lang.L("Scheme"), f.scheme),
		row(lang.L("Secret"), container.NewBorder(nil, nil, nil, newSecret, f.secret)),
		row(lang.L("Path"), f.vpath)},
		append(f.hmacRows, row("", container.NewHBox(add, layout.NewSpacer())), row("", f.addErr))...)...)
	// The generic HMAC fields only mean something for that scheme.
	f.scheme.OnChanged = func(sc string) {
		for _, r := range f.hmacRows {
			r.(*fyne.Container).Hidden = sc != "hmac"
		}
		addForm.Refresh()
	}
	f.scheme.OnChanged(f.scheme.Selected)
	noVer := container.NewVBox(note(lang.L("No verifiers: signatures are not checked. Add one below for each sender that signs.")))
	showNone := func() { noVer.Hidden = len(f.verifiers) > 0 }
	f.verEmpty = showNone
	showNone()
	sigTab := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), addForm), nil, nil, container.NewStack(f.verList, noVer))

	// Responses.
	f.rules = widget.NewMultiLineEntry()
	f.rules.TextStyle = fyne.TextStyle{Monospace: true}
	f.rules.SetText(cur.Rules)
	// No example in the field itself: grey rules there read as rules in
	// force. The examples sit below, labelled as such.
	f.rules.SetPlaceHolder(lang.L("Type rules here, one per line."))
	f.rules.SetMinRowsVisible(8)
	f.rulesMsg = newSevText()
	f.rules.OnChanged = func(string) { f.checkRules() }
	f.checkRules()
	help := note(lang.L("One rule per line, first match wins: METHOD PATH -> STEP then STEP …  "+
		"A step is a status with optional xN, delay=2s, retry-after=5, header='Name: value', body='…' ({{.ID}} is the capture id); "+
		"or hang 30s; or close. The last step repeats; end with loop to start over. * matches within a path segment, ** across segments.",
		map[string]any{"ID": "{{id}}"}))
	examples := widget.NewRichText()
	for _, l := range strings.Split(rulesExample, "\n") {
		examples.Segments = append(examples.Segments, &widget.TextSegment{Text: l, Style: widget.RichTextStyle{
			ColorName: theme.ColorNamePlaceHolder, TextStyle: fyne.TextStyle{Monospace: true}}})
	}
	exampleBox := container.NewVBox(note(lang.L("Examples (not in force; copy a line into the field above to use it):")), examples)
	respTab := container.NewBorder(help, container.NewVBox(f.rulesMsg, widget.NewSeparator(), exampleBox), nil, nil, f.rules)

	// Storage.
	f.keep = widget.NewEntry()
	f.keep.SetPlaceHolder(lang.L("{{.Count}} (the default); 0: no limit", map[string]any{"Count": strconv.Itoa(capture.DefaultMaxCaptures)}))
	if c := cur.Retention.Captures; c != nil {
		f.keep.SetText(strconv.Itoa(*c))
	}
	f.keepBytes = widget.NewEntry()
	f.keepBytes.SetPlaceHolder(lang.L("{{.Count}} (the default); 0: no limit", map[string]any{"Count": loc.Size(capture.DefaultMaxBodyBytes)}))
	if b := cur.Retention.Bytes; b != nil {
		// Rounded forms ("4.7 GiB") only where they read back exactly, so
		// saving the dialog unchanged keeps the setting.
		text := strconv.FormatInt(*b, 10)
		if back, err := capture.ParseSize(capture.FormatSize(*b)); err == nil && back == *b && *b > 0 {
			text = capture.FormatSize(*b)
		}
		f.keepBytes.SetText(text)
	}
	storageTab := alignedForm(
		row(lang.L("Captures"), container.NewBorder(nil, nil, nil, units(lang.L("newest kept"), lang.L("at most, as stored")), f.keep)),
		row(lang.L("Bodies"), container.NewBorder(nil, nil, nil, units(lang.L("at most, as stored"), lang.L("newest kept")), f.keepBytes)),
		row("", note(lang.L("The oldest captures are evicted first. A change applies at once, and to every "+
			"gancho command on this data directory (same as --keep and --keep-bytes)."))),
	)

	f.notify = widget.NewCheck(lang.L("Notify me when a hook arrives while Gancho is in the background"), nil)
	f.notify.SetChecked(!cur.NoNotifications)
	f.language = widget.NewSelect(languageNames(), nil)
	f.language.SetSelected(languageName(cur.Language))
	windowTab := alignedForm(
		// Labelled in the field's column: the bilingual label would widen
		// every tab's label column.
		row("", container.NewHBox(widget.NewLabelWithStyle(languageLabel, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			container.NewStack(selectStrut(f.language.Options), f.language))),
		row("", note(lang.L("Applies the next time Gancho opens."))),
		row("", f.notify),
		row("", note(lang.L("One notification at once, then at most one every few seconds that counts the rest."))),
	)

	f.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Tunnel"), formScroll(tunnelTab)),
		container.NewTabItem(lang.L("Protection"), formScroll(protTab)),
		container.NewTabItem(lang.L("Signatures"), sigTab),
		container.NewTabItem(lang.L("Responses"), respTab),
		container.NewTabItem(lang.L("Storage"), formScroll(storageTab)),
		container.NewTabItem(lang.L("Window"), formScroll(windowTab)),
	)
	return f
}

// languageLabel names the language setting in both languages, so whoever
// finds the window in a language they do not read still finds it.
const languageLabel = "Language / Idioma"

// languageChoices are the language setting's values (i18n.Choose) and their
// names, each in its own language, as language pickers show them; only
// System is translated.
var languageChoices = []struct{ setting, name string }{
	{i18n.System, ""}, {i18n.Portuguese, "Português (Brasil)"}, {i18n.English, "English"},
}

// languageNames are the language select's options (UI goroutine: System
// is in the window's language).
func languageNames() []string {
	names := make([]string, len(languageChoices))
	for i, c := range languageChoices {
		names[i] = languageName(c.setting)
	}
	return names
}

// languageName is the option shown for a saved setting; an unknown value
// (a hand-edited file) shows as what i18n.Choose makes of it.
func languageName(setting string) string {
	if setting == i18n.System || strings.EqualFold(setting, "system") {
		return lang.L("System")
	}
	n := i18n.Normalize(setting)
	for _, c := range languageChoices[1:] {
		if c.setting == n {
			return c.name
		}
	}
	return lang.L("System")
}

// languageSetting is the setting value for the option shown.
func languageSetting(name string) string {
	for _, c := range languageChoices[1:] {
		if c.name == name {
			return c.setting
		}
	}
	return i18n.System
}

// The verifier schemes, digests and encodings are the values typed on the
// command line (--verify stripe:…), the same in every language.
var (
	verifySchemes = []string{"standard", "svix", "stripe", "github", "hmac"}
	hmacAlgos     = []string{"sha256", "sha1", "sha512"}
	hmacEncodings = []string{"hex", "base64"}
)

// hmacHeaderExample is a header name: the same in every language.
const hmacHeaderExample = "X-Signature"

// selectStrut keeps a select as wide as its widest option (a Select sizes
// itself to its placeholder, and cut "Português (Brasil)" short).
func selectStrut(options []string) fyne.CanvasObject {
	w := float32(0)
	for _, o := range options {
		w = max(w, fyne.MeasureText(o, theme.TextSize(), fyne.TextStyle{}).Width)
	}
	strut := canvas.NewRectangle(color.Transparent)
	strut.SetMinSize(fyne.NewSize(w+4*theme.InnerPadding()+theme.IconInlineSize(), 0))
	return strut
}

// redactToken is tunnel.Redact in the window's language.
func redactToken(token string) string {
	if strings.TrimSpace(token) == "" {
		return lang.L("(not set)")
	}
	return tunnel.Redact(token)
}

// relayTokenHint is the relay token field's placeholder.
func relayTokenHint(saved string) string {
	return lang.L("the relay's token (current: {{.Token}})", map[string]any{"Token": redactToken(saved)})
}

// rulesExample is shown under the rules field, never in it.
const rulesExample = "POST /stripe/** -> 503 x3 then 200\n* /slow -> hang 30s\n* ** -> 200"

// note is a wrapping line of help in the secondary text colour (the
// neutral severity: LowImportance is the disabled colour, too faint to
// read in the dark theme).
func note(s string) fyne.CanvasObject {
	t := newSevText()
	t.set(sevNote{s, sevNeutral})
	return t
}

// showToken says which ngrok token is saved, and offers to forget it only
// when there is one (UI goroutine).
func (f *settingsForm) showToken(saved string) {
	f.token.SetPlaceHolder(lang.L("paste your ngrok authtoken (current: {{.Token}})", map[string]any{"Token": redactToken(saved)}))
	if saved == "" {
		f.forget.Disable()
	} else {
		f.forget.Enable()
	}
}

// growingEntry is a multi-line entry without a scroller of its own: it
// grows a line at a time, so the wheel over it scrolls the form around
// it instead of being swallowed by a field that has nothing to scroll.
func growingEntry(placeholder string) *widget.Entry {
	e := widget.NewMultiLineEntry()
	e.Wrapping = fyne.TextWrapOff
	e.Scroll = fyne.ScrollNone
	e.SetPlaceHolder(placeholder)
	return e
}

// formLabelWidth is the label column of every Settings form, so fields
// start at the same x on every tab (widget.Form sizes its column to its
// own labels).
func formLabelWidth() float32 {
	w := float32(0)
	for _, l := range []string{"Authtoken", "Domain", "Basic auth", "Allowed IPs", "Relay URL", "Channel", "Token",
		"Secret path", "Rate limit", "Scheme", "Secret", "Path", "Header", "Digest", "Captures", "Bodies"} {
		w = max(w, fyne.MeasureText(lang.L(l), theme.TextSize(), fyne.TextStyle{Bold: true}).Width)
	}
	return w + 2*theme.InnerPadding()
}

// row is one line of an aligned form: a bold label in the label column
// ("" for none) and its field filling the rest.
func row(label string, field fyne.CanvasObject) fyne.CanvasObject {
	strut := canvas.NewRectangle(color.Transparent)
	strut.SetMinSize(fyne.NewSize(formLabelWidth(), 0))
	l := widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	return container.NewBorder(nil, nil, container.NewStack(strut, container.NewVBox(l)), nil, field)
}

// units is a unit label after a field, as wide as the widest of all, so
// the fields above one another end at the same x.
func units(s string, others ...string) fyne.CanvasObject {
	w := float32(0)
	for _, o := range append(others, s) {
		w = max(w, fyne.MeasureText(o, theme.TextSize(), fyne.TextStyle{}).Width+2*theme.InnerPadding())
	}
	strut := canvas.NewRectangle(color.Transparent)
	strut.SetMinSize(fyne.NewSize(w, 0))
	return container.NewStack(strut, widget.NewLabel(s))
}

// formScroll scrolls a form vertically, keeping the scroll bar's width
// free on the right so the bar never covers a field's end or a button.
func formScroll(form fyne.CanvasObject) *container.Scroll {
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(fyne.NewSize(theme.Size(theme.SizeNameScrollBar)+theme.Padding(), 0))
	return container.NewVScroll(container.NewBorder(nil, nil, nil, room, form))
}

// alignedForm stacks rows made by row.
func alignedForm(rows ...fyne.CanvasObject) *fyne.Container { return container.NewVBox(rows...) }

// refreshVerifiers redraws the verifier list and its empty note (UI goroutine).
func (f *settingsForm) refreshVerifiers() {
	f.verList.Refresh()
	f.verEmpty()
}

// addVerifier validates the add form and appends its verifier.
func (f *settingsForm) addVerifier() {
	c := verify.Config{Scheme: f.scheme.Selected, Secret: strings.TrimSpace(f.secret.Text), Path: strings.TrimSpace(f.vpath.Text)}
	if c.Scheme == "hmac" {
		c.Header, c.Algo, c.Encoding = strings.TrimSpace(f.hHeader.Text), f.hAlgo.Selected, f.hEnc.Selected
		c.Prefix, c.TimestampHeader = f.hPrefix.Text, strings.TrimSpace(f.hTS.Text)
	}
	if err := c.ValidateNew(); err != nil { // strict: the user is typing this secret
		f.addErr.Importance = widget.DangerImportance
		f.addErr.SetText(verifierErrText(err))
		return
	}
	f.verifiers = slices.DeleteFunc(f.verifiers, func(v verify.Config) bool { return v.Scheme == c.Scheme && v.Path == c.Path })
	f.verifiers = append(f.verifiers, c)
	f.refreshVerifiers()
	f.secret.SetText("")
	f.addErr.Importance = widget.SuccessImportance
	f.addErr.SetText(lang.L("Added {{.Verifier}}. Save to apply.", map[string]any{"Verifier": c.String()}))
}

// checkRules says whether the rules text parses, as the user types.
func (f *settingsForm) checkRules() {
	rs, err := rules.Parse(f.rules.Text)
	switch {
	case err != nil:
		f.rulesMsg.set(sevNote{ruleErrText(err), sevError})
	case len(rs) == 0:
		f.rulesMsg.set(sevNote{lang.L("No rules: every capture is answered 200 {\"ok\":true,\"id\":…}."), sevNeutral})
	default:
		f.rulesMsg.set(sevNote{plural("{{.Count}} rules. Requests matching none get the default 200.", len(rs)), sevSuccess})
	}
}

// ruleErrText is a rules parse error in the window's language: its place,
// and its message by the parser's key (English when a key is unknown).
func ruleErrText(err error) string {
	var se *rules.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	msg := se.Msg
	if se.Key != "" {
		msg = lang.X(se.Key, se.Msg, se.Data)
	}
	if se.Line > 0 {
		return lang.L("line {{.Line}}, column {{.Col}}: {{.Msg}}", map[string]any{"Line": se.Line, "Col": se.Col, "Msg": msg})
	}
	return lang.L("column {{.Col}}: {{.Msg}}", map[string]any{"Col": se.Col, "Msg": msg})
}

// verifierErrText is why a verifier cannot be added, in the window's
// language (English when its key is unknown).
func verifierErrText(err error) string {
	var ce *verify.ConfigError
	if !errors.As(err, &ce) || ce.Key == "" {
		return err.Error()
	}
	return lang.X(ce.Key, ce.Msg, ce.Data)
}

// checkRelay says what is missing or wrong in relay settings (none when
// the relay is off).
func checkRelay(r settings.Relay) error {
	if !r.On() {
		return nil
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New(lang.L("relay URL {{.URL}}: write it as https://host (the address of gancho relay serve)", map[string]any{"URL": strconv.Quote(r.URL)}))
	}
	if !relayChannelRE.MatchString(r.Channel) || r.Channel == "_gancho" {
		return errors.New(lang.L("relay channel {{.Channel}}: 1 to 64 characters of a-z, 0-9, _ and - (and not _gancho, which the relay keeps for itself)", map[string]any{"Channel": strconv.Quote(r.Channel)}))
	}
	if r.Token == "" {
		return errors.New(lang.L("relay token: paste the token the relay was started with"))
	}
	return nil
}

var relayChannelRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// result builds the edited settings, or says which field is wrong.
func (f *settingsForm) result() (settings.Settings, error) {
	s := f.cur
	if t := strings.TrimSpace(f.token.Text); t != "" {
		s.Tunnel.Authtoken = t
	} else if f.forgetToken {
		s.Tunnel.Authtoken = ""
	}
	s.Tunnel.Domain = strings.TrimSpace(f.domain.Text)
	s.Relay.URL = strings.TrimRight(strings.TrimSpace(f.relayURL.Text), "/")
	s.Relay.Channel = strings.TrimSpace(f.relayChannel.Text)
	if t := strings.TrimSpace(f.relayToken.Text); t != "" {
		s.Relay.Token = t
	}
	if err := checkRelay(s.Relay); err != nil {
		return s, err
	}
	s.Tunnel.BasicAuth = lines(f.edgeAuth.Text)
	s.Tunnel.AllowCIDRs = lines(f.allowCIDRs.Text)
	if _, err := tunnel.BuildPolicy(s.Tunnel.BasicAuth, s.Tunnel.AllowCIDRs); err != nil {
		return s, err // it says "invalid tunnel settings: …" itself
	}
	s.Inbound.SecretPrefix = strings.Trim(strings.TrimSpace(f.prefix.Text), "/")
	s.Inbound.BasicAuth = strings.TrimSpace(f.basicAuth.Text)
	s.Inbound.RateLimit = 0
	if t := strings.TrimSpace(f.rate.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return s, errors.New(lang.L("rate limit: enter a whole number of requests per minute (0 for none)"))
		}
		s.Inbound.RateLimit = n
	}
	s.Inbound.DropRefused = !f.recordRefused.Checked
	s.Verifiers = f.verifiers
	s.Rules = f.rules.Text
	s.NoNotifications = !f.notify.Checked
	s.Language = languageSetting(f.language.Selected)
	s.Retention = settings.Retention{}
	if t := strings.ReplaceAll(strings.TrimSpace(f.keep.Text), "_", ""); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return s, errors.New(lang.L("captures kept: enter a whole number (0 for no limit)"))
		}
		s.Retention.Captures = &n
	}
	if t := strings.TrimSpace(f.keepBytes.Text); t != "" {
		b, err := capture.ParseSize(t)
		if err != nil {
			return s, errors.New(lang.L("bodies kept: enter a size such as 5GiB (0 for no limit)"))
		}
		s.Retention.Bytes = &b
	}
	return s, nil
}

// lines splits a multi-line entry into its non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// savedFor is how long the Settings dialog says "Saved" after a save.
const savedFor = 3 * time.Second

// showSettings opens the Settings dialog (UI goroutine). Save applies and
// keeps the dialog open, saying so for a few seconds; Close leaves it.
func (m *Main) showSettings() {
	if m.opts.Settings == nil || m.win == nil {
		return
	}
	d, _ := m.newSettingsDialog()
	d.Show()
}

// settingsDialog is the dialog's parts a test taps and reads.
type settingsDialog struct {
	form        *settingsForm
	save, close *widget.Button
	errLbl      *widget.Label
	saved       *widget.Label // "Saved", shown for savedFor after a save
}

func (m *Main) newSettingsDialog() (dialog.Dialog, *settingsDialog) {
	f := newSettingsForm(m.opts.Settings.Saved(), m.copy)
	sd := &settingsDialog{form: f}
	var d dialog.Dialog
	sd.errLbl = widget.NewLabel("")
	sd.errLbl.Importance = widget.DangerImportance
	sd.errLbl.Wrapping = fyne.TextWrapWord
	sd.errLbl.Hide() // no empty line above the buttons
	sd.saved = widget.NewLabelWithStyle(lang.L("✓ Saved"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	sd.saved.Importance = widget.SuccessImportance
	sd.saved.Hide()
	var stopFade func() bool
	sd.save = widget.NewButtonWithIcon(lang.L("Save"), theme.ConfirmIcon(), func() {
		sd.saved.Hide()
		if _, err := rules.Parse(f.rules.Text); err != nil {
			// The Responses tab already says what is wrong, under the
			// field: show it there, not a second time here.
			sd.showErr("")
			f.selectTab(lang.L("Responses"))
			return
		}
		next, err := f.result()
		if err == nil {
			err = m.opts.Settings.Update(next)
		}
		if err != nil {
			sd.showErr(byShape(err.Error(), saveErrTexts))
			return
		}
		sd.showErr("")
		f.saved(m.opts.Settings.Saved())
		m.settingsChanged()
		sd.saved.Show()
		if stopFade != nil {
			stopFade()
		}
		shown := sd.saved
		stopFade = m.after(savedFor, func() { m.post(shown.Hide) })
	})
	sd.save.Importance = widget.HighImportance
	sd.close = widget.NewButton(lang.L("Close"), func() { d.Hide() })
	var top fyne.CanvasObject
	if eff, saved := m.opts.Settings.Get(), m.opts.Settings.Saved(); eff.Inbound != saved.Inbound ||
		eff.Rules != saved.Rules || eff.Tunnel.Domain != saved.Tunnel.Domain {
		// Command-line flags win for this run; say so, or the dialog
		// would seem to contradict the URL in the top bar.
		warn := widget.NewLabel(lang.L("This run's command-line flags (--secret-prefix, --basic-auth, --rate-limit, --respond, --domain…) " +
			"override some of these saved settings until Gancho restarts."))
		warn.Wrapping = fyne.TextWrapWord
		warn.Importance = widget.WarningImportance
		top = warn
	}
	buttons := container.NewBorder(nil, nil, nil, container.NewHBox(sd.saved, sd.close, sd.save))
	content := container.NewBorder(top, container.NewVBox(sd.errLbl, buttons), nil, nil, f.tabs)
	d = dialog.NewCustomWithoutButtons(lang.L("Settings"), content, m.win)
	d.SetOnClosed(func() {
		if stopFade != nil {
			stopFade()
		}
	})
	d.Resize(fyne.NewSize(760, 560))
	return d, sd
}

// showErr shows why Save refused, or nothing (UI goroutine).
func (sd *settingsDialog) showErr(s string) {
	sd.errLbl.SetText(s)
	sd.errLbl.Hidden = s == ""
	sd.errLbl.Refresh()
}

// selectTab shows the tab called name (UI goroutine).
func (f *settingsForm) selectTab(name string) {
	for _, it := range f.tabs.Items {
		if it.Text == name {
			f.tabs.Select(it)
		}
	}
}

// saved takes s as the new starting point after a save: later saves
// compare with it, and the token fields say what is now saved (UI
// goroutine).
func (f *settingsForm) saved(s settings.Settings) {
	f.cur = s
	f.forgetToken = false
	f.token.SetText("")
	f.showToken(s.Tunnel.Authtoken)
	f.relayToken.SetText("")
	f.relayToken.SetPlaceHolder(relayTokenHint(s.Relay.Token))
	f.verifiers = slices.Clone(s.Verifiers)
	f.refreshVerifiers()
}
