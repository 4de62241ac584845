package ui

import (
	"strings"
	"testing"

	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
)

func TestRelaySettings(t *testing.T) {
	tests := []struct {
		name    string
		r       settings.Relay
		wantErr string
	}{
		{"off", settings.Relay{}, ""},
		{"complete", settings.Relay{URL: "https://hooks.example.com", Channel: "qa-team", Token: "t0k3n"}, ""},
		{"no scheme", settings.Relay{URL: "hooks.example.com", Channel: "qa", Token: "t"}, "relay URL"},
		{"bad channel", settings.Relay{URL: "https://h", Channel: "QA Team", Token: "t"}, "relay channel"},
		{"no token", settings.Relay{URL: "https://h", Channel: "qa"}, "relay token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRelay(tt.r)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("checkRelay = %v, want %q", err, tt.wantErr)
			}
		})
	}
	t.Run("form keeps the saved token when left empty", func(t *testing.T) {
		newHarness(t) // a test app for the widgets
		cur := settings.Settings{Relay: settings.Relay{URL: "https://h", Channel: "qa", Token: "secret-token"}}
		f := newSettingsForm(cur, func(string) {})
		if strings.Contains(f.relayToken.PlaceHolder, "secret-token") {
			t.Errorf("token shown: %q", f.relayToken.PlaceHolder)
		}
		f.relayChannel.SetText("ops")
		s, err := f.result()
		if err != nil || s.Relay.Token != "secret-token" || s.Relay.Channel != "ops" {
			t.Errorf("%+v %v", s.Relay, err)
		}
	})
	t.Run("the bar names the relay", func(t *testing.T) {
		ft := &fakeTunnel{state: tunnel.Status{State: tunnel.Stopped}}
		ss := &fixedSettings{s: settings.Settings{Relay: settings.Relay{URL: "https://hooks.example.com", Channel: "qa", Token: "t"}}}
		h := newHarnessWith(t, func(o *Options) { o.Tunnel, o.Settings = ft, ss })
		b := h.m.tbar
		h.waitFor(t, "off, naming the relay", func() bool {
			return b.toggle.Text == "Public URL (relay)" && strings.Contains(b.state.Text, "channel qa")
		})
		ft.push(tunnel.Status{State: tunnel.Online, URL: "https://hooks.example.com/qa", Provider: "relay"})
		h.waitFor(t, "online with the relay's URL", func() bool {
			return b.publicURL() == "https://hooks.example.com/qa" && strings.Contains(b.state.Text, "relay") && !b.url.Hidden
		})
		// gancho --tunnel ngrok with a relay in Settings: the bar says what is open.
		ft.push(tunnel.Status{State: tunnel.Online, URL: "https://abc.ngrok.app", Provider: "ngrok"})
		h.waitFor(t, "ngrok named while it is open", func() bool {
			return b.toggle.Text == "Public URL (ngrok)" && strings.Contains(b.state.Text, "senders on the internet")
		})
	})
}
