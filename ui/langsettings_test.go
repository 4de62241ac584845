package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strconv"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/assets"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/settings"
)

// TestLanguageSetting: Settings → Window shows the saved language (each
// name in its own language) and saves the one picked from the select, as
// a user picks it.
func TestLanguageSetting(t *testing.T) {
	for _, c := range []struct {
		saved, shown string
		pick, want   string
	}{
		{"", "System", "Português (Brasil)", i18n.Portuguese},
		{"pt-BR", "Português (Brasil)", "English", i18n.English},
		{"en", "English", "System", i18n.System},
		{"system", "System", "English", i18n.English},
		{"pt_BR", "Português (Brasil)", "System", i18n.System},
	} {
		t.Run(c.saved+"→"+c.pick, func(t *testing.T) {
			ss := &fixedSettings{s: settings.Settings{Language: c.saved}}
			h := newHarnessWith(t, func(o *Options) { o.Settings = ss })
			var shown string
			var opened, picked bool
			h.do(func() {
				h.m.win = h.win
				d, sd := h.m.newSettingsDialog()
				d.Show()
				sd.form.selectTab("Window")
				shown = sd.form.language.Selected
				test.Tap(sd.form.language)
				opened = h.win.Canvas().Overlays().Top() != nil
				picked = tapMenuItem(h.win.Canvas(), c.pick)
				test.Tap(sd.save)
			})
			if shown != c.shown {
				t.Errorf("saved %q shows %q, want %q", c.saved, shown, c.shown)
			}
			if !opened || !picked {
				t.Fatalf("the select's menu: opened %v, %q tapped %v", opened, c.pick, picked)
			}
			if got := ss.Get().Language; got != c.want {
				t.Errorf("picked %q: saved Language %q, want %q", c.pick, got, c.want)
			}
		})
	}
}

// TestRuleMessagesTranslated: every message of the rules parser, read
// from its source, has a Portuguese text, so a new one cannot slip by.
func TestRuleMessagesTranslated(t *testing.T) {
	pt := map[string]any{}
	files, _ := fs.Glob(assets.Lang, assets.LangDir+"/*.pt_BR.json")
	for _, name := range files {
		b, err := assets.Lang.ReadFile(name)
		if err == nil {
			err = json.Unmarshal(b, &pt)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "../rules/parse.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(nd ast.Node) bool {
		c, ok := nd.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := c.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "errAt" || len(c.Args) < 2 {
			return true
		}
		lit, ok := c.Args[1].(*ast.BasicLit) // not "header %s "+msg
		if !ok {
			return true
		}
		format, _ := strconv.Unquote(lit.Value)
		key, _ := text.Keyed(format, make([]any, len(c.Args)-2)...)
		n++
		if _, ok := pt[key]; !ok {
			t.Errorf("no Portuguese text for the rules parser's %q", key)
		}
		return true
	})
	if n < 40 {
		t.Errorf("found %d parser messages: the scan is broken", n)
	}
}

// TestLanguageSettingPortuguese: in the Portuguese window, System reads
// "Sistema" while the languages keep their own names.
func TestLanguageSettingPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	newHarness(t)
	f := newSettingsForm(settings.Settings{}, func(string) {})
	want := []string{"Sistema", "Português (Brasil)", "English"}
	if got := f.language.Options; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("options %q, want %q", got, want)
	}
	if f.language.Selected != "Sistema" {
		t.Errorf("selected %q", f.language.Selected)
	}
}

// TestSettingsGoldenPortuguese pins the Settings dialog in Portuguese at
// the smallest window (1024×700), on its own window so the main panels'
// texts do not churn it: the Tunnel tab, the longest labels, and the
// Window tab with the language select.
func TestSettingsGoldenPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	ss := &fixedSettings{s: settings.Settings{Tunnel: settings.Tunnel{Domain: "a.ngrok.app"}}}
	h := newHarnessWith(t, func(o *Options) { o.Settings = ss })
	h.do(func() {
		w := test.NewWindow(nil)
		defer w.Close()
		w.Resize(fyne.NewSize(1024, 700))
		h.m.win = w
		d, sd := h.m.newSettingsDialog()
		d.Show()
		test.AssertRendersToMarkup(t, "settings_pt.xml", w.Canvas())
		sd.form.selectTab("Janela")
		test.AssertRendersToMarkup(t, "settings_pt_window.xml", w.Canvas())
	})
}

// TestTunnelReasonPortuguese: the tunnel's English reasons are shown in
// Portuguese by their shape, details kept; unknown ones as they came.
func TestTunnelReasonPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	for _, c := range []struct{ in, want string }{
		{"no authtoken: set NGROK_AUTHTOKEN or paste it in Settings", "sem authtoken: defina NGROK_AUTHTOKEN ou cole-o em Configurações"},
		{"cannot reach ngrok: check your network (dial tcp: i/o timeout)", "não foi possível alcançar o ngrok: verifique sua rede (dial tcp: i/o timeout)"},
		{"rejected by ngrok: ERR_NGROK_105 bad token", "recusado pelo ngrok: ERR_NGROK_105 bad token"},
		{"something new", "something new"},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got := tunnelReason(c.in); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestRuleErrorsPortuguese: a rule that does not parse is explained in
// Portuguese under the rules field, with its place and the parser's
// values.
func TestRuleErrorsPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	newHarness(t)
	for _, c := range []struct{ rules, want string }{
		{"POST /x -> banana", "linha 1, coluna 12: esperava um status (200–599), hang ou close depois de '->'"},
		{"* /a\nGET /b -> 700", "linha 1, coluna 5: esperava '->' e uma resposta depois do caminho, como * /a -> 503"},
		{"GET /b -> 200 x0", "linha 1, coluna 15: a repetição tem de ser pelo menos 1, como x3"},
	} {
		t.Run(c.rules, func(t *testing.T) {
			f := newSettingsForm(settings.Settings{}, func(string) {})
			f.rules.SetText(c.rules)
			if got := f.rulesMsg.Text; got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestVerifierErrorPortuguese: Add verifier, tapped with a form the
// verifier package refuses, says why in Portuguese.
func TestVerifierErrorPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	newHarness(t)
	f := newSettingsForm(settings.Settings{}, func(string) {})
	f.scheme.SetSelected("hmac")
	f.secret.SetText("s3cret")
	var add *widget.Button
	walk(f.tabs.Items[2].Content, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Adicionar verificador" {
			add = b
		}
	})
	if add == nil {
		t.Fatal("no Adicionar verificador button")
	}
	test.Tap(add)
	if want := "o hmac precisa do nome do cabeçalho da assinatura, p. ex. header=X-Signature"; f.addErr.Text != want {
		t.Errorf("got %q, want %q", f.addErr.Text, want)
	}
}
