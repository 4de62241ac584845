package ui

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
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

	relayURL, relayChannel, relayToken *widget.Entry

	prefix, basicAuth, rate *widget.Entry
	recordRefused           *widget.Check

	verifiers []verify.Config
	verList   *widget.List
	scheme    *widget.Select
	secret    *widget.Entry
	vpath     *widget.Entry
	hHeader   *widget.Entry
	hAlgo     *widget.Select
	hEnc      *widget.Select
	hPrefix   *widget.Entry
	hTS       *widget.Entry
	addErr    *widget.Label

	rules    *widget.Entry
	rulesMsg *widget.Label

	keep, keepBytes *widget.Entry

	notify *widget.Check

	tabs *container.AppTabs
}

func newSettingsForm(cur settings.Settings, copyFn func(string)) *settingsForm {
	f := &settingsForm{cur: cur, verifiers: slices.Clone(cur.Verifiers)}

	// Tunnel.
	f.token = widget.NewPasswordEntry()
	f.token.SetPlaceHolder("paste your ngrok authtoken (current: " + tunnel.Redact(cur.Tunnel.Authtoken) + ")")
	forget := widget.NewButton("Forget saved token", func() {
		f.forgetToken = true
		f.token.SetText("")
		f.token.SetPlaceHolder("paste your ngrok authtoken (current: " + tunnel.Redact("") + ")")
	})
	tokenNote := "Stored in the data directory with mode 0600; never shown in full."
	if os.Getenv("NGROK_AUTHTOKEN") != "" {
		tokenNote = "NGROK_AUTHTOKEN is set in the environment and is used instead of this one."
	}
	f.domain = widget.NewEntry()
	f.domain.SetPlaceHolder("optional fixed domain, e.g. team.ngrok.app")
	f.domain.SetText(cur.Tunnel.Domain)
	f.edgeAuth = widget.NewMultiLineEntry()
	f.edgeAuth.SetPlaceHolder("user:password, one per line (checked at ngrok's edge)")
	f.edgeAuth.SetText(strings.Join(cur.Tunnel.BasicAuth, "\n"))
	f.edgeAuth.SetMinRowsVisible(2)
	f.allowCIDRs = widget.NewMultiLineEntry()
	f.allowCIDRs.SetPlaceHolder("203.0.113.0/24, one per line: only these reach the URL")
	f.allowCIDRs.SetText(strings.Join(cur.Tunnel.AllowCIDRs, "\n"))
	f.allowCIDRs.SetMinRowsVisible(2)
	ngrokForm := widget.NewForm(
		widget.NewFormItem("Authtoken", container.NewBorder(nil, nil, nil, forget, f.token)),
		widget.NewFormItem("", note(tokenNote)),
		widget.NewFormItem("Domain", f.domain),
		widget.NewFormItem("Basic auth", f.edgeAuth),
		widget.NewFormItem("Allowed IPs", f.allowCIDRs),
		widget.NewFormItem("", note("Changes apply the next time the public URL is turned on.")),
	)
	f.relayURL = widget.NewEntry()
	f.relayURL.SetPlaceHolder("https://hooks.example.com (empty: use ngrok)")
	f.relayURL.SetText(cur.Relay.URL)
	f.relayChannel = widget.NewEntry()
	f.relayChannel.SetPlaceHolder("e.g. qa-team")
	f.relayChannel.SetText(cur.Relay.Channel)
	f.relayToken = widget.NewPasswordEntry()
	f.relayToken.SetPlaceHolder("the relay's token (current: " + tunnel.Redact(cur.Relay.Token) + ")")
	relayForm := widget.NewForm(
		widget.NewFormItem("Relay URL", f.relayURL),
		widget.NewFormItem("Channel", f.relayChannel),
		widget.NewFormItem("Token", f.relayToken),
		widget.NewFormItem("", note("A team relay (gancho relay serve) gives one stable public URL on a server you control; "+
			"hooks reach every desktop on the channel, including those that were offline. With a relay URL, "+
			"the public URL switch uses the relay instead of ngrok.")),
	)
	tunnelTab := container.NewVBox(ngrokForm, widget.NewSeparator(),
		widget.NewLabelWithStyle("Team relay (instead of ngrok)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), relayForm)

	// Protection.
	f.prefix = widget.NewEntry()
	f.prefix.SetPlaceHolder("none: any path is accepted")
	f.prefix.SetText(cur.Inbound.SecretPrefix)
	gen := widget.NewButton("Generate", func() { f.prefix.SetText(settings.NewSecretPrefix()) })
	f.basicAuth = widget.NewPasswordEntry()
	f.basicAuth.SetPlaceHolder("user:password, or empty for none")
	f.basicAuth.SetText(cur.Inbound.BasicAuth)
	f.rate = widget.NewEntry()
	f.rate.SetPlaceHolder("0: no limit")
	if cur.Inbound.RateLimit > 0 {
		f.rate.SetText(strconv.Itoa(cur.Inbound.RateLimit))
	}
	f.recordRefused = widget.NewCheck("List refused requests (marked, with the reason)", nil)
	f.recordRefused.SetChecked(!cur.Inbound.DropRefused)
	protTab := widget.NewForm(
		widget.NewFormItem("Secret path", container.NewBorder(nil, nil, nil, gen, f.prefix)),
		widget.NewFormItem("", note("Senders must put it first in the path: /SECRET/anything. Others get 404.")),
		widget.NewFormItem("Basic auth", f.basicAuth),
		widget.NewFormItem("Rate limit", container.NewBorder(nil, nil, nil, widget.NewLabel("requests per minute per IP"), f.rate)),
		widget.NewFormItem("", f.recordRefused),
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
				txt += "   (every path)"
			}
			c.Objects[0].(*widget.Label).SetText(txt)
			c.Objects[1].(*widget.Button).OnTapped = func() {
				f.verifiers = slices.Delete(f.verifiers, i, i+1)
				f.verList.Refresh()
			}
		},
	)
	f.scheme = widget.NewSelect([]string{"standard", "svix", "stripe", "github", "hmac"}, nil)
	f.scheme.SetSelected("standard")
	f.secret = widget.NewPasswordEntry()
	f.secret.SetPlaceHolder("the sender's signing secret (whsec_… for standard, svix, stripe)")
	newSecret := widget.NewButton("Generate", func() {
		s := verify.NewSecret()
		f.secret.SetText(s)
		copyFn(s)
		f.addErr.Importance = widget.SuccessImportance
		f.addErr.SetText("A new secret was copied to the clipboard: give it to the sender.")
	})
	f.vpath = widget.NewEntry()
	f.vpath.SetPlaceHolder("path prefix, e.g. /stripe (empty: every path)")
	f.hHeader = widget.NewEntry()
	f.hHeader.SetPlaceHolder("X-Signature")
	f.hAlgo = widget.NewSelect([]string{"sha256", "sha1", "sha512"}, nil)
	f.hAlgo.SetSelected("sha256")
	f.hEnc = widget.NewSelect([]string{"hex", "base64"}, nil)
	f.hEnc.SetSelected("hex")
	f.hPrefix = widget.NewEntry()
	f.hPrefix.SetPlaceHolder("value prefix, e.g. sha256=")
	f.hTS = widget.NewEntry()
	f.hTS.SetPlaceHolder("timestamp header (signs \"ts.body\")")
	f.addErr = widget.NewLabel("")
	f.addErr.Wrapping = fyne.TextWrapWord
	add := widget.NewButtonWithIcon("Add verifier", theme.ContentAddIcon(), f.addVerifier)
	hmacHdr := widget.NewFormItem("Header", container.NewGridWithColumns(2, f.hHeader, f.hTS))
	hmacAlg := widget.NewFormItem("Digest", container.NewGridWithColumns(3, f.hAlgo, f.hEnc, f.hPrefix))
	addForm := widget.NewForm(
		widget.NewFormItem("Scheme", f.scheme),
		widget.NewFormItem("Secret", container.NewBorder(nil, nil, nil, newSecret, f.secret)),
		widget.NewFormItem("Path", f.vpath),
	)
	hmacForm := widget.NewForm(hmacHdr, hmacAlg)
	// The generic HMAC fields only mean something for that scheme.
	f.scheme.OnChanged = func(sc string) { hmacForm.Hidden = sc != "hmac"; hmacForm.Refresh() }
	f.scheme.OnChanged(f.scheme.Selected)
	sigTab := container.NewBorder(nil,
		container.NewVBox(widget.NewSeparator(), addForm, hmacForm, container.NewHBox(add, layout.NewSpacer()), f.addErr),
		nil, nil, f.verList)

	// Responses.
	f.rules = widget.NewMultiLineEntry()
	f.rules.TextStyle = fyne.TextStyle{Monospace: true}
	f.rules.SetText(cur.Rules)
	f.rules.SetPlaceHolder("POST /stripe/** -> 503 x3 then 200\n* /slow -> hang 30s\n* ** -> 200")
	f.rules.SetMinRowsVisible(8)
	f.rulesMsg = widget.NewLabel("")
	f.rulesMsg.Wrapping = fyne.TextWrapWord
	f.rules.OnChanged = func(string) { f.checkRules() }
	f.checkRules()
	help := note("One rule per line, first match wins: METHOD PATH -> STEP then STEP …  " +
		"A step is a status with optional xN, delay=2s, retry-after=5, header='Name: value', body='…' ({{id}} is the capture id); " +
		"or hang 30s; or close. The last step repeats; end with loop to start over. * matches within a path segment, ** across segments.")
	respTab := container.NewBorder(help, f.rulesMsg, nil, nil, f.rules)

	// Storage.
	f.keep = widget.NewEntry()
	f.keep.SetPlaceHolder(fmt.Sprintf("%d (the default); 0: no limit", capture.DefaultMaxCaptures))
	if c := cur.Retention.Captures; c != nil {
		f.keep.SetText(strconv.Itoa(*c))
	}
	f.keepBytes = widget.NewEntry()
	f.keepBytes.SetPlaceHolder(capture.FormatSize(capture.DefaultMaxBodyBytes) + " (the default); 0: no limit")
	if b := cur.Retention.Bytes; b != nil {
		// Rounded forms ("4.7 GiB") only where they read back exactly, so
		// saving the dialog unchanged keeps the setting.
		text := strconv.FormatInt(*b, 10)
		if back, err := capture.ParseSize(capture.FormatSize(*b)); err == nil && back == *b && *b > 0 {
			text = capture.FormatSize(*b)
		}
		f.keepBytes.SetText(text)
	}
	storageTab := widget.NewForm(
		widget.NewFormItem("Captures", container.NewBorder(nil, nil, nil, widget.NewLabel("newest kept"), f.keep)),
		widget.NewFormItem("Bodies", container.NewBorder(nil, nil, nil, widget.NewLabel("at most, as stored"), f.keepBytes)),
		widget.NewFormItem("", note("The oldest captures are evicted first. A change applies at once, and to every "+
			"gancho command on this data directory (same as --keep and --keep-bytes).")),
	)

	f.notify = widget.NewCheck("Notify me when a hook arrives while Gancho is in the background", nil)
	f.notify.SetChecked(!cur.NoNotifications)
	windowTab := widget.NewForm(widget.NewFormItem("", f.notify),
		widget.NewFormItem("", note("One notification at once, then at most one every few seconds that counts the rest.")))

	f.tabs = container.NewAppTabs(
		container.NewTabItem("Tunnel", container.NewVScroll(tunnelTab)),
		container.NewTabItem("Protection", container.NewVScroll(protTab)),
		container.NewTabItem("Signatures", sigTab),
		container.NewTabItem("Responses", respTab),
		container.NewTabItem("Storage", container.NewVScroll(storageTab)),
		container.NewTabItem("Window", container.NewVScroll(windowTab)),
	)
	return f
}

func note(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	return l
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
		f.addErr.SetText(err.Error())
		return
	}
	f.verifiers = slices.DeleteFunc(f.verifiers, func(v verify.Config) bool { return v.Scheme == c.Scheme && v.Path == c.Path })
	f.verifiers = append(f.verifiers, c)
	f.verList.Refresh()
	f.secret.SetText("")
	f.addErr.Importance = widget.SuccessImportance
	f.addErr.SetText("Added " + c.String() + ". Save to apply.")
}

// checkRules says whether the rules text parses, as the user types.
func (f *settingsForm) checkRules() {
	rs, err := rules.Parse(f.rules.Text)
	switch {
	case err != nil:
		f.rulesMsg.Importance = widget.DangerImportance
		f.rulesMsg.SetText(err.Error())
	case len(rs) == 0:
		f.rulesMsg.Importance = widget.LowImportance
		f.rulesMsg.SetText("No rules: every capture is answered 200 {\"ok\":true,\"id\":…}.")
	default:
		f.rulesMsg.Importance = widget.SuccessImportance
		f.rulesMsg.SetText(text.N(len(rs), "rule", "rules") + ". Requests matching none get the default 200.")
	}
}

// checkRelay says what is missing or wrong in relay settings (none when
// the relay is off).
func checkRelay(r settings.Relay) error {
	if !r.On() {
		return nil
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("relay URL %q: write it as https://host (the address of gancho relay serve)", r.URL)
	}
	if !relayChannelRE.MatchString(r.Channel) || r.Channel == "_gancho" {
		return fmt.Errorf("relay channel %q: 1 to 64 characters of a-z, 0-9, _ and - (and not _gancho, which the relay keeps for itself)", r.Channel)
	}
	if r.Token == "" {
		return errors.New("relay token: paste the token the relay was started with")
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
		return s, fmt.Errorf("tunnel settings: %w", err)
	}
	s.Inbound.SecretPrefix = strings.Trim(strings.TrimSpace(f.prefix.Text), "/")
	s.Inbound.BasicAuth = strings.TrimSpace(f.basicAuth.Text)
	s.Inbound.RateLimit = 0
	if t := strings.TrimSpace(f.rate.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return s, errors.New("rate limit: enter a whole number of requests per minute (0 for none)")
		}
		s.Inbound.RateLimit = n
	}
	s.Inbound.DropRefused = !f.recordRefused.Checked
	s.Verifiers = f.verifiers
	s.Rules = f.rules.Text
	s.NoNotifications = !f.notify.Checked
	s.Retention = settings.Retention{}
	if t := strings.ReplaceAll(strings.TrimSpace(f.keep.Text), "_", ""); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return s, errors.New("captures kept: enter a whole number (0 for no limit)")
		}
		s.Retention.Captures = &n
	}
	if t := strings.TrimSpace(f.keepBytes.Text); t != "" {
		b, err := capture.ParseSize(t)
		if err != nil {
			return s, errors.New("bodies kept: enter a size such as 5GiB (0 for no limit)")
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

// showSettings opens the Settings dialog (UI goroutine).
func (m *Main) showSettings() {
	if m.opts.Settings == nil || m.win == nil {
		return
	}
	f := newSettingsForm(m.opts.Settings.Saved(), m.copy)
	var d dialog.Dialog
	errLbl := widget.NewLabel("")
	errLbl.Importance = widget.DangerImportance
	errLbl.Wrapping = fyne.TextWrapWord
	save := widget.NewButtonWithIcon("Save", theme.ConfirmIcon(), func() {
		next, err := f.result()
		if err == nil {
			err = m.opts.Settings.Update(next)
		}
		if err != nil {
			errLbl.SetText(err.Error())
			return
		}
		d.Hide()
		m.settingsChanged()
	})
	save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	var top fyne.CanvasObject
	if eff, saved := m.opts.Settings.Get(), m.opts.Settings.Saved(); eff.Inbound != saved.Inbound ||
		eff.Rules != saved.Rules || eff.Tunnel.Domain != saved.Tunnel.Domain {
		// Command-line flags win for this run; say so, or the dialog
		// would seem to contradict the URL in the top bar.
		warn := widget.NewLabel("This run's command-line flags (--secret-prefix, --basic-auth, --rate-limit, --respond, --domain…) " +
			"override some of these saved settings until Gancho restarts.")
		warn.Wrapping = fyne.TextWrapWord
		warn.Importance = widget.WarningImportance
		top = warn
	}
	content := container.NewBorder(top, container.NewVBox(errLbl, container.NewHBox(layout.NewSpacer(), cancel, save)), nil, nil, f.tabs)
	d = dialog.NewCustomWithoutButtons("Settings", content, m.win)
	d.Resize(fyne.NewSize(760, 560))
	d.Show()
}
