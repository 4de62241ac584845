package settings

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/verify"
)

func TestSaveLoadRoundTripAndMode(t *testing.T) {
	dir := t.TempDir()
	want := Settings{
		Tunnel:    Tunnel{Authtoken: "2abcSECRETtoken", Domain: "team.ngrok.app", BasicAuth: []string{"a:b"}, AllowCIDRs: []string{"10.0.0.0/8"}},
		Inbound:   Inbound{SecretPrefix: "k3y", BasicAuth: "u:p", RateLimit: 60, DropRefused: true},
		Verifiers: []verify.Config{{Scheme: "github", Secret: "s", Path: "/gh"}},
		Rules:     "# comment kept\n* ** -> 202\n",
	}
	if err := Save(dir, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Fatalf("settings file mode %o, want 600: it holds the authtoken", m)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tunnel.Authtoken != want.Tunnel.Authtoken || got.Rules != want.Rules || got.Inbound != want.Inbound ||
		len(got.Verifiers) != 1 || got.Verifiers[0] != want.Verifiers[0] || got.Tunnel.Domain != want.Tunnel.Domain {
		t.Fatalf("round trip: %+v, want %+v", got, want)
	}
	// No temp files left beside it.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("data dir holds %d entries, want only %s", len(ents), FileName)
	}
}

func TestLoad(t *testing.T) {
	cases := []struct {
		name    string
		content string // "" means no file
		wantErr bool
	}{
		{"missing file gives defaults", "", false},
		{"malformed", "{not json", true},
		{"empty object", "{}", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.content != "" {
				os.WriteFile(Path(dir), []byte(tc.content), 0o600)
			}
			s, err := Load(dir)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			if err != nil && !strings.Contains(err.Error(), "delete it") {
				t.Errorf("error %q does not say what to do", err)
			}
			if err == nil && (s.Tunnel.Authtoken != "" || len(s.Verifiers) != 0) {
				t.Errorf("defaults %+v", s)
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	cases := []struct {
		name    string
		s       Settings
		wantErr error
		check   func(t *testing.T, p capture.Policy)
	}{
		{"defaults", Settings{}, nil, func(t *testing.T, p capture.Policy) {
			if p.Verify != nil || p.Respond != nil || p.SecretPrefix != "" {
				t.Errorf("%+v", p)
			}
		}},
		{"everything", Settings{Inbound: Inbound{SecretPrefix: "abc", RateLimit: 5},
			Verifiers: []verify.Config{{Scheme: "github", Secret: "x"}}, Rules: "* ** -> 202"},
			nil, func(t *testing.T, p capture.Policy) {
				if p.Verify == nil || p.Respond == nil || p.RateLimit != 5 || p.SecretPrefix != "abc" {
					t.Errorf("%+v", p)
				}
				if a, ok := p.Respond.Match("GET", "/x"); !ok || a.Step.Status != 202 {
					t.Errorf("rule not compiled: %+v %v", a, ok)
				}
			}},
		{"only comments", Settings{Rules: "# nothing yet\n"}, nil, func(t *testing.T, p capture.Policy) {
			if p.Respond != nil {
				t.Error("a rule set from comments only")
			}
		}},
		{"bad rules", Settings{Rules: "* ** -> 999"}, ErrInvalid, nil},
		{"bad verifier", Settings{Verifiers: []verify.Config{{Scheme: "nope", Secret: "x"}}}, ErrInvalid, nil},
		{"bad prefix", Settings{Inbound: Inbound{SecretPrefix: "a/b"}}, capture.ErrBadPolicy, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.s.Policy()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
		})
	}
}

func TestStoreUpdateRefusesAndKeepsFile(t *testing.T) {
	dir := t.TempDir()
	var applied []capture.Policy
	st, err := Open(dir, func(p capture.Policy) error { applied = append(applied, p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	good := Settings{Inbound: Inbound{BasicAuth: "a:b"}}
	if err := st.Update(good); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(Settings{Rules: "GET nope -> 200"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad rules accepted: %v", err)
	}
	if st.Get().Inbound.BasicAuth != "a:b" {
		t.Error("a refused update changed the settings in force")
	}
	onDisk, _ := Load(dir)
	if onDisk.Inbound.BasicAuth != "a:b" || onDisk.Rules != "" {
		t.Errorf("file after a refused update: %+v", onDisk)
	}
	if len(applied) != 2 || applied[1].BasicAuth != "a:b" {
		t.Errorf("applied %d policies", len(applied))
	}
	// Override applies without saving, and stays on top of later saves
	// without leaking into the file.
	flags := func(s Settings) Settings {
		s.Inbound.RateLimit = 9
		s.Rules = "* /flag -> 410\n" + s.Rules
		return s
	}
	if err := st.Override(flags); err != nil {
		t.Fatal(err)
	}
	if st.Get().Inbound.RateLimit != 9 || applied[len(applied)-1].RateLimit != 9 {
		t.Error("override not in force")
	}
	edit := st.Saved()
	edit.Rules = "* ** -> 202\n"
	if err := st.Update(edit); err != nil {
		t.Fatal(err)
	}
	onDisk, _ = Load(dir)
	if onDisk.Inbound.RateLimit != 0 || onDisk.Rules != "* ** -> 202\n" {
		t.Errorf("file holds the run's flags: %+v", onDisk)
	}
	if g := st.Get(); g.Inbound.RateLimit != 9 || g.Rules != "* /flag -> 410\n* ** -> 202\n" {
		t.Errorf("in force after the save: %+v", g)
	}
	if err := st.Override(func(s Settings) Settings { s.Rules = "bad"; return s }); err == nil {
		t.Error("a bad override was accepted")
	}
	if st.Get().Inbound.RateLimit != 9 {
		t.Error("a refused override replaced the good one")
	}
}

func TestAuthtokenFromEnvironmentFirst(t *testing.T) {
	s := Settings{Tunnel: Tunnel{Authtoken: " saved "}}
	t.Setenv("NGROK_AUTHTOKEN", "")
	if got := s.Authtoken(); got != "saved" {
		t.Errorf("got %q", got)
	}
	t.Setenv("NGROK_AUTHTOKEN", "fromenv")
	if got := s.Authtoken(); got != "fromenv" {
		t.Errorf("got %q", got)
	}
}

func TestAddVerifierReplacesSameSchemeAndPath(t *testing.T) {
	var s Settings
	s.AddVerifier(verify.Config{Scheme: "github", Secret: "one"})
	s.AddVerifier(verify.Config{Scheme: "github", Secret: "two"})
	s.AddVerifier(verify.Config{Scheme: "github", Secret: "three", Path: "/b"})
	if len(s.Verifiers) != 2 || s.Verifiers[0].Secret != "two" {
		t.Fatalf("%+v", s.Verifiers)
	}
}

func TestNewSecretPrefix(t *testing.T) {
	a, b := NewSecretPrefix(), NewSecretPrefix()
	if a == b || len(a) < 20 {
		t.Fatalf("%q %q", a, b)
	}
	if err := (capture.Policy{SecretPrefix: a}).Validate(); err != nil {
		t.Fatalf("generated prefix invalid: %v", err)
	}
}

func TestExportRedactions(t *testing.T) {
	var s Settings
	s.Inbound.SecretPrefix = "pfx"
	s.Verifiers = []verify.Config{{Scheme: "standard"}, {Scheme: "hmac", Header: " X-Mac "}}
	p, h := s.ExportRedactions()
	if len(p) != 1 || p[0] != "pfx" || len(h) != 1 || h[0] != "X-Mac" {
		t.Fatalf("prefixes %q headers %q", p, h)
	}
	if p, h := (Settings{}).ExportRedactions(); p != nil || h != nil {
		t.Fatalf("empty settings: %q %q", p, h)
	}
}

func TestRetentionStore(t *testing.T) {
	n := func(v int) *int { return &v }
	b := func(v int64) *int64 { return &v }
	cases := []struct {
		name     string
		r        Retention
		captures int
		bytes    int64
		wantErr  bool
	}{
		{"defaults", Retention{}, 0, 0, false},
		{"set", Retention{Captures: n(500_000), Bytes: b(5 << 30)}, 500_000, 5 << 30, false},
		{"zero is no limit", Retention{Captures: n(0), Bytes: b(0)}, -1, -1, false},
		{"negative captures", Retention{Captures: n(-1)}, 0, 0, true},
		{"negative bytes", Retention{Bytes: b(-1)}, 0, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			captures, bytes, err := c.r.Store()
			if (err != nil) != c.wantErr || (!c.wantErr && (captures != c.captures || bytes != c.bytes)) {
				t.Fatalf("Store() = %d, %d, %v", captures, bytes, err)
			}
		})
	}
	over := Retention{Captures: n(10)}.Over(Retention{Bytes: b(7)})
	if *over.Captures != 10 || *over.Bytes != 7 {
		t.Errorf("Over kept %+v", over)
	}
}
