package ui

import (
	"regexp"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
)

// Tunnel is the public endpoint switch the window drives. Methods are safe
// for concurrent use; On and Off return at once and progress arrives
// through Watch, whose callback runs on any goroutine and must not block.
type Tunnel interface {
	On()
	Off()
	Status() tunnel.Status
	Watch(func(tunnel.Status)) (cancel func())
}

// Settings reads and changes the persisted settings. Get is what is in
// force (with command-line overrides), Saved what an editor starts from;
// Update validates, applies and saves, or changes nothing and says why.
// Safe for concurrent use.
type Settings interface {
	Get() settings.Settings
	Saved() settings.Settings
	Update(settings.Settings) error
}

// tunnelBar is the top bar's second row: the public URL switch, its state
// with the reason, and the URL to copy once online.
type tunnelBar struct {
	t       Tunnel
	m       *Main
	toggle  *widget.Check
	state   *widget.Label
	url     *widget.Label
	copyBtn *widget.Button
	root    *fyne.Container
	quiet   bool // set while the bar moves the switch itself
	last    tunnel.Status
}

func newTunnelBar(m *Main, t Tunnel) *tunnelBar {
	b := &tunnelBar{t: t, m: m}
	b.toggle = widget.NewCheck(b.label(), func(on bool) {
		if b.quiet {
			return
		}
		if on {
			b.t.On()
		} else {
			b.t.Off()
		}
	})
	b.state = widget.NewLabel("")
	b.state.Truncation = fyne.TextTruncateEllipsis
	b.url = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	b.copyBtn = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { m.copy(b.publicURL()) })
	b.root = container.NewBorder(nil, nil, container.NewHBox(b.toggle, b.url, b.copyBtn), nil, b.state)
	b.show(t.Status())
	return b
}

// relayOn reports whether the public URL comes from a team relay.
func (b *tunnelBar) relayOn() bool {
	if p := b.last.Provider; p != "" && b.last.State != tunnel.Stopped {
		return p == "relay" // what is open, whatever Settings say now
	}
	return b.m.opts.Settings != nil && b.m.opts.Settings.Get().Relay.On()
}

func (b *tunnelBar) label() string {
	if b.relayOn() {
		return lang.L("Public URL (relay)")
	}
	return lang.L("Public URL (ngrok)")
}

// publicURL is the online URL with the secret path prefix senders need.
func (b *tunnelBar) publicURL() string {
	if b.relayOn() { // the relay's own URL: the local prefix does not apply there
		return b.last.URL
	}
	return withPrefix(b.last.URL, b.m.prefix())
}

// show renders st (UI goroutine).
func (b *tunnelBar) show(st tunnel.Status) {
	b.last = st
	on := st.State == tunnel.Connecting || st.State == tunnel.Online || st.State == tunnel.Reconnecting
	if b.toggle.Checked != on {
		b.quiet = true
		b.toggle.SetChecked(on)
		b.quiet = false
	}
	b.url.Hidden, b.copyBtn.Hidden = true, true
	b.toggle.Text = b.label()
	b.toggle.Refresh()
	switch st.State {
	case tunnel.Connecting:
		b.state.Importance = widget.MediumImportance
		if b.relayOn() {
			b.state.SetText(lang.L("connecting to the relay…"))
		} else {
			b.state.SetText(lang.L("connecting to ngrok…"))
		}
	case tunnel.Online:
		b.url.SetText(b.publicURL())
		b.url.Hidden, b.copyBtn.Hidden = false, false
		b.state.Importance = widget.SuccessImportance
		if b.relayOn() {
			b.state.SetText(lang.L("online: hooks sent to the relay arrive here, the missed ones first"))
		} else {
			b.state.SetText(lang.L("online: senders on the internet reach this machine"))
		}
	case tunnel.Reconnecting:
		b.url.SetText(b.publicURL())
		b.url.Hidden, b.copyBtn.Hidden = false, false
		b.state.Importance = widget.WarningImportance
		b.state.SetText(lang.L("reconnecting: {{.Reason}}", map[string]any{"Reason": tunnelReason(st.Reason)}))
	case tunnel.Failed:
		b.state.Importance = widget.DangerImportance
		b.state.SetText(lang.L("failed: {{.Reason}}", map[string]any{"Reason": tunnelReason(st.Reason)}))
	default:
		b.state.Importance = widget.LowImportance
		msg := lang.L("off: turn on for a public https URL (needs an ngrok authtoken: Settings)")
		if b.relayOn() {
			msg = lang.L("off: turn on to receive the team relay's hooks (channel {{.Channel}})", map[string]any{"Channel": b.m.opts.Settings.Get().Relay.Channel})
		}
		if st.Reason != "" {
			msg = lang.L("stopped: {{.Reason}}", map[string]any{"Reason": tunnelReason(st.Reason)})
		}
		b.state.SetText(msg)
	}
	b.url.Refresh()
	b.copyBtn.Refresh()
	b.state.Refresh()
	b.root.Refresh()
}

// reasonTexts translate the tunnel's and the relay's reasons (user-facing
// English sentences from engine packages, which know no language) by
// their shape; a detail they quote (a network error, ngrok's own message)
// stays as it came. An unknown reason is shown as it is.
var reasonTexts = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^no authtoken: set NGROK_AUTHTOKEN or paste it in Settings$`), "no authtoken: set NGROK_AUTHTOKEN or paste it in Settings"},
	{regexp.MustCompile(`^the ngrok session ended$`), "the ngrok session ended"},
	{regexp.MustCompile(`^cannot reach ngrok: check your network \((?P<Detail>.*)\)$`), "cannot reach ngrok: check your network ({{.Detail}})"},
	{regexp.MustCompile(`^connection to ngrok lost \((?P<Detail>.*)\)$`), "connection to ngrok lost ({{.Detail}})"},
	{regexp.MustCompile(`^rejected by ngrok: (?P<Detail>.*)$`), "rejected by ngrok: {{.Detail}}"},
	{regexp.MustCompile(`^ngrok did not come online within (?P<Timeout>\S+): check your network and authtoken$`), "ngrok did not come online within {{.Timeout}}: check your network and authtoken"},
	{regexp.MustCompile(`^invalid tunnel settings: (?P<Detail>.*)$`), "invalid tunnel settings: {{.Detail}}"},
	{regexp.MustCompile(`^the relay dropped this client as too slow; catching up$`), "the relay dropped this client as too slow; catching up"},
	{regexp.MustCompile(`^the relay is restarting$`), "the relay is restarting"},
	{regexp.MustCompile(`^the connection closed$`), "the connection closed"},
	{regexp.MustCompile(`^lost the connection to the relay: (?P<Detail>.*)$`), "lost the connection to the relay: {{.Detail}}"},
	{regexp.MustCompile(`^(?P<Detail>.*): check the relay URL, and that the relay is running and reachable from here$`), "{{.Detail}}: check the relay URL, and that the relay is running and reachable from here"},
}

// saveErrTexts translate, the same way, the engine's refusals of a Save.
var saveErrTexts = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^invalid tunnel settings: (?P<Detail>.*)$`), "invalid tunnel settings: {{.Detail}}"},
	{regexp.MustCompile(`^invalid settings: signature verifiers: (?P<Detail>.*)$`), "invalid settings: signature verifiers: {{.Detail}}"},
	{regexp.MustCompile(`^invalid settings: response rules: (?P<Detail>.*)$`), "invalid settings: response rules: {{.Detail}}"},
	{regexp.MustCompile(`^invalid settings: (?P<Detail>.*)$`), "invalid settings: {{.Detail}}"},
	{regexp.MustCompile(`^save settings: (?P<Detail>.*)$`), "save settings: {{.Detail}}"},
}

// tunnelReason is reason in the window's language (see reasonTexts).
func tunnelReason(reason string) string { return byShape(reason, reasonTexts) }

// byShape translates s by the first of texts whose pattern matches it,
// its named groups filling the key's placeholders; s as it is otherwise.
func byShape(s string, texts []struct {
	re  *regexp.Regexp
	key string
}) string {
	reason := s
	for _, t := range texts {
		m := t.re.FindStringSubmatch(reason)
		if m == nil {
			continue
		}
		data := map[string]any{}
		for i, name := range t.re.SubexpNames() {
			if name != "" {
				data[name] = m[i]
			}
		}
		return lang.L(t.key, data)
	}
	return reason
}
