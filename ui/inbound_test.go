package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/verify"
)

func TestChecksInListAndDetail(t *testing.T) {
	h := newHarness(t)
	now := time.Now()
	r := &capture.Request{ID: h.ids.New(now), ReceivedAt: now, Method: "POST", Target: "/s",
		Proto: "HTTP/1.1", Headers: capture.Headers{}, Body: []byte("{}"), BodySize: 2,
		Verification: &verify.Result{Scheme: "stripe", OK: false, Reason: "timestamp 301 s old, tolerance 300 s"},
		DuplicateOf:  "01ORIGINAL", Refused: "basic auth wrong", Response: capture.Response{Status: 401}}
	if err := h.store.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "detail", func() bool { return len(h.m.detail.checks.Objects) == 3 })
	var texts []string
	var sevs []severity
	h.do(func() {
		for _, o := range h.m.detail.checks.Objects {
			l := o.(*sevText)
			texts = append(texts, l.Text)
			sevs = append(sevs, l.notes[0].sev)
		}
	})
	want := []string{
		"Refused (answered 401): basic auth wrong",
		"Signature failed (stripe): timestamp 301 s old, tolerance 300 s",
		"Duplicate delivery: repeats capture 01ORIGINAL",
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("check %d: %q, want %q", i, texts[i], want[i])
		}
	}
	// A duplicate is information (a sender retrying), not a warning.
	if sevs[0] != sevError || sevs[1] != sevError || sevs[2] != sevNeutral {
		t.Errorf("severities %v", sevs)
	}
	// The row carries the same news in short.
	flags := h.eval(func() bool {
		var got []string
		for _, o := range test.LaidOutObjects(h.m.list) {
			if tx, ok := o.(*canvas.Text); ok && tx.Visible() {
				got = append(got, tx.Text)
			}
		}
		j := strings.Join(got, "|")
		return strings.Contains(j, "refused") && strings.Contains(j, "stripe ✗") && strings.Contains(j, "duplicate")
	})
	if !flags {
		t.Error("row flags missing")
	}
}

// fakeTunnel records On/Off and lets the test push states.
type fakeTunnel struct {
	mu    sync.Mutex
	on    int
	off   int
	fn    func(tunnel.Status)
	state tunnel.Status
}

func (f *fakeTunnel) On()  { f.mu.Lock(); f.on++; f.mu.Unlock() }
func (f *fakeTunnel) Off() { f.mu.Lock(); f.off++; f.mu.Unlock() }
func (f *fakeTunnel) Status() tunnel.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}
func (f *fakeTunnel) Watch(fn func(tunnel.Status)) func() {
	f.mu.Lock()
	f.fn = fn
	st := f.state
	f.mu.Unlock()
	fn(st)
	return func() {}
}
func (f *fakeTunnel) push(st tunnel.Status) {
	f.mu.Lock()
	f.state = st
	fn := f.fn
	f.mu.Unlock()
	fn(st)
}

// fixedSettings is a Settings that keeps what it is given.
type fixedSettings struct {
	mu sync.Mutex
	s  settings.Settings
}

func (f *fixedSettings) Get() settings.Settings   { f.mu.Lock(); defer f.mu.Unlock(); return f.s }
func (f *fixedSettings) Saved() settings.Settings { return f.Get() }
func (f *fixedSettings) Update(s settings.Settings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s = s
	return nil
}

func TestTunnelBarStates(t *testing.T) {
	ft := &fakeTunnel{state: tunnel.Status{State: tunnel.Stopped}}
	ss := &fixedSettings{s: settings.Settings{Inbound: settings.Inbound{SecretPrefix: "k3y"}}}
	h := newHarnessWith(t, func(o *Options) { o.Tunnel, o.Settings = ft, ss })
	bar := h.m.tbar
	h.waitFor(t, "off state", func() bool { return strings.HasPrefix(bar.state.Text, "off") })
	if h.eval(func() bool { return h.m.urlLbl.Text != "http://127.0.0.1:4665/k3y" }) {
		t.Error("local URL lacks the secret prefix")
	}
	h.do(func() { test.Tap(bar.toggle) })
	ft.mu.Lock()
	on := ft.on
	ft.mu.Unlock()
	if on != 1 {
		t.Fatalf("On called %d times", on)
	}
	steps := []struct {
		st        tunnel.Status
		wantText  string
		wantURL   bool
		wantCheck bool
		imp       widget.Importance
	}{
		{tunnel.Status{State: tunnel.Connecting}, "connecting", false, true, widget.MediumImportance},
		{tunnel.Status{State: tunnel.Online, URL: "https://ab.ngrok.app"}, "online", true, true, widget.SuccessImportance},
		{tunnel.Status{State: tunnel.Reconnecting, URL: "https://ab.ngrok.app", Reason: "network down"}, "reconnecting: network down", true, true, widget.WarningImportance},
		{tunnel.Status{State: tunnel.Failed, Reason: "no authtoken: set NGROK_AUTHTOKEN or paste it in Settings"}, "failed: no authtoken", false, false, widget.DangerImportance},
	}
	for _, s := range steps {
		t.Run(s.st.State.String(), func(t *testing.T) {
			ft.push(s.st)
			h.waitFor(t, s.wantText, func() bool { return strings.HasPrefix(bar.state.Text, s.wantText) })
			h.do(func() {
				if bar.url.Visible() != s.wantURL {
					t.Errorf("url visible %v", bar.url.Visible())
				}
				if s.wantURL && bar.url.Text != "https://ab.ngrok.app/k3y" {
					t.Errorf("public url %q, want the prefix added", bar.url.Text)
				}
				if bar.toggle.Checked != s.wantCheck {
					t.Errorf("switch %v", bar.toggle.Checked)
				}
				if bar.state.Importance != s.imp {
					t.Errorf("importance %v", bar.state.Importance)
				}
			})
		})
	}
	// The bar moving the switch itself must not call On or Off.
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.on != 1 || ft.off != 0 {
		t.Errorf("On %d Off %d after state changes, want 1 and 0", ft.on, ft.off)
	}
}

func TestSettingsForm(t *testing.T) {
	test.NewTempApp(t)
	cur := settings.Settings{Tunnel: settings.Tunnel{Authtoken: "tok_secret_1234"}}
	cases := []struct {
		name    string
		edit    func(f *settingsForm)
		check   func(t *testing.T, s settings.Settings)
		wantErr string
	}{
		{"empty token keeps the saved one", func(f *settingsForm) {}, func(t *testing.T, s settings.Settings) {
			if s.Tunnel.Authtoken != "tok_secret_1234" {
				t.Errorf("token %q", s.Tunnel.Authtoken)
			}
		}, ""},
		{"forget token", func(f *settingsForm) { f.forgetToken = true }, func(t *testing.T, s settings.Settings) {
			if s.Tunnel.Authtoken != "" {
				t.Errorf("token %q", s.Tunnel.Authtoken)
			}
		}, ""},
		{"protection", func(f *settingsForm) {
			f.prefix.SetText("/abc/")
			f.basicAuth.SetText("u:p")
			f.rate.SetText("120")
			f.recordRefused.SetChecked(false)
		}, func(t *testing.T, s settings.Settings) {
			in := s.Inbound
			if in.SecretPrefix != "abc" || in.BasicAuth != "u:p" || in.RateLimit != 120 || !in.DropRefused {
				t.Errorf("inbound %+v", in)
			}
		}, ""},
		{"bad rate", func(f *settingsForm) { f.rate.SetText("lots") }, nil, "rate limit"},
		{"edge lists", func(f *settingsForm) {
			f.edgeAuth.SetText("ana:password1\n\n caio:password2 ")
			f.allowCIDRs.SetText("10.0.0.0/8")
		}, func(t *testing.T, s settings.Settings) {
			if len(s.Tunnel.BasicAuth) != 2 || s.Tunnel.BasicAuth[1] != "caio:password2" || s.Tunnel.AllowCIDRs[0] != "10.0.0.0/8" {
				t.Errorf("tunnel %+v", s.Tunnel)
			}
		}, ""},
		{"bad CIDR", func(f *settingsForm) { f.allowCIDRs.SetText("not-an-ip") }, nil, "tunnel settings"},
		{"add verifier", func(f *settingsForm) {
			f.scheme.SetSelected("github")
			f.secret.SetText("It's a Secret to Everybody")
			f.vpath.SetText("/gh")
			f.addVerifier()
		}, func(t *testing.T, s settings.Settings) {
			if len(s.Verifiers) != 1 || s.Verifiers[0].Scheme != "github" || s.Verifiers[0].Path != "/gh" {
				t.Errorf("verifiers %+v", s.Verifiers)
			}
		}, ""},
		{"rules kept as typed", func(f *settingsForm) { f.rules.SetText("# mine\n* ** -> 202\n") },
			func(t *testing.T, s settings.Settings) {
				if s.Rules != "# mine\n* ** -> 202\n" {
					t.Errorf("rules %q", s.Rules)
				}
			}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newSettingsForm(cur, func(string) {})
			tc.edit(f)
			s, err := f.result()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want ~%q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

func TestSettingsFormRejectsBadInput(t *testing.T) {
	test.NewTempApp(t)
	f := newSettingsForm(settings.Settings{}, func(string) {})
	f.scheme.SetSelected("hmac")
	f.secret.SetText("s")
	f.addVerifier() // hmac without a header name
	if len(f.verifiers) != 0 || f.addErr.Importance != widget.DangerImportance || f.addErr.Text == "" {
		t.Errorf("bad verifier accepted: %v %q", f.verifiers, f.addErr.Text)
	}
	// A typed bare standard secret is held to a real key's length, though
	// a saved one loads.
	f.scheme.SetSelected("standard")
	f.secret.SetText("notwhsec")
	f.addVerifier()
	if len(f.verifiers) != 0 || !strings.Contains(f.addErr.Text, "whsec_") {
		t.Errorf("short bare standard key accepted: %v %q", f.verifiers, f.addErr.Text)
	}
	f.rules.SetText("* ** -> 200\nPOST nope -> 200")
	if f.rulesMsg.notes[0].sev != sevError || !strings.Contains(f.rulesMsg.Text, "line 2") {
		t.Errorf("rules message %q", f.rulesMsg.Text)
	}
	f.rules.SetText("* ** -> 200")
	if f.rulesMsg.notes[0].sev != sevSuccess {
		t.Errorf("rules message %q", f.rulesMsg.Text)
	}
}
