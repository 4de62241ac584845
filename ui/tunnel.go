package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
		return "Public URL (relay)"
	}
	return "Public URL (ngrok)"
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
			b.state.SetText("connecting to the relay…")
		} else {
			b.state.SetText("connecting to ngrok…")
		}
	case tunnel.Online:
		b.url.SetText(b.publicURL())
		b.url.Hidden, b.copyBtn.Hidden = false, false
		b.state.Importance = widget.SuccessImportance
		if b.relayOn() {
			b.state.SetText("online: hooks sent to the relay arrive here, the missed ones first")
		} else {
			b.state.SetText("online: senders on the internet reach this machine")
		}
	case tunnel.Reconnecting:
		b.url.SetText(b.publicURL())
		b.url.Hidden, b.copyBtn.Hidden = false, false
		b.state.Importance = widget.WarningImportance
		b.state.SetText("reconnecting: " + st.Reason)
	case tunnel.Failed:
		b.state.Importance = widget.DangerImportance
		b.state.SetText("failed: " + st.Reason)
	default:
		b.state.Importance = widget.LowImportance
		msg := "off: turn on for a public https URL (needs an ngrok authtoken: Settings)"
		if b.relayOn() {
			msg = "off: turn on to receive the team relay's hooks (channel " + b.m.opts.Settings.Get().Relay.Channel + ")"
		}
		if st.Reason != "" {
			msg = "stopped: " + st.Reason
		}
		b.state.SetText(msg)
	}
	b.url.Refresh()
	b.copyBtn.Refresh()
	b.state.Refresh()
	b.root.Refresh()
}
