package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/i18n"
)

// TestMainMenuInPortuguese: in Portuguese the menu bar reads Arquivo …
// Ajuda, its items are translated and keep their shortcuts, and the
// Keyboard shortcuts item opens its dialog in Portuguese.
func TestMainMenuInPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	h, _ := menuHarness(t)
	var mm *fyne.MainMenu
	h.do(func() { mm = h.m.MainMenu() })
	var menus []string
	for _, m := range mm.Items {
		menus = append(menus, m.Label)
	}
	if got := strings.Join(menus, " "); got != "Arquivo Editar Exibir Ferramentas Ajuda" {
		t.Fatalf("menus %q", got)
	}
	cases := []struct {
		menu, label string
		key         fyne.Shortcut
	}{
		{"Arquivo", "Importar HAR, JSON lines, cURL ou HTTP bruto…", keyImport},
		{"Arquivo", "Exportar…", keyExport},
		{"Arquivo", "Sair", keyQuit},
		{"Editar", "Copiar como cURL", nil},
		{"Editar", "Excluir captura", deleteHint()},
		{"Exibir", "Escuro", nil},
		{"Ferramentas", "Nova requisição…", keyNewRequest},
		{"Ferramentas", "Editar e enviar…", keyEdit},
		{"Ferramentas", "Reenviar capturas listadas ou escolhidas…", nil},
		{"Ajuda", "Atalhos de teclado", keyShortcuts},
		{"Ajuda", "Sobre o Gancho", nil},
	}
	for _, c := range cases {
		t.Run(c.menu+"/"+c.label, func(t *testing.T) {
			var menu *fyne.Menu
			for _, m := range mm.Items {
				if m.Label == c.menu {
					menu = m
				}
			}
			it := menuItem(&fyne.MainMenu{Items: []*fyne.Menu{menu}}, c.menu, c.label)
			if it == nil {
				t.Fatal("missing")
			}
			switch {
			case c.key == nil && it.Shortcut != nil:
				t.Errorf("shortcut %s, want none", keyLabel(it.Shortcut))
			case c.key != nil && (it.Shortcut == nil || it.Shortcut.ShortcutName() != c.key.ShortcutName()):
				t.Errorf("shortcut %v, want %s", it.Shortcut, keyLabel(c.key))
			}
		})
	}
	// Click-through: the item opens the shortcuts dialog, in Portuguese.
	shortcuts := menuItem(mm, "Ajuda", "Atalhos de teclado")
	if shortcuts == nil {
		t.Fatal("no Atalhos de teclado")
	}
	var texts []string
	h.do(func() {
		shortcuts.Action()
		if top := h.win.Canvas().Overlays().Top(); top != nil {
			walk(top, func(o fyne.CanvasObject) {
				if l, ok := o.(*widget.Label); ok {
					texts = append(texts, l.Text)
				}
			})
		}
	})
	all := strings.Join(texts, "\n")
	for _, want := range []string{"Atalhos de teclado", "Percorrer a lista", "Editar e enviar", "Exportar"} {
		if !strings.Contains(all, want) {
			t.Errorf("the shortcuts dialog lacks %q:\n%s", want, all)
		}
	}
}

// TestExportCountInPortuguese: the Tools menu, the Export dialog's
// button and note, and the bulk replay button count the captures with
// the right plural in Portuguese ("1 captura", "12 capturas").
func TestExportCountInPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	cases := []struct {
		n                          int
		menu, button, note, replay string
	}{
		{1, "Exportar 1 captura listada…", "Exportar 1 captura", "Exporta a única captura (1).", "Reenviar 1 captura para "},
		{12, "Exportar 12 capturas listadas…", "Exportar 12 capturas", "Exporta todas as 12 capturas, da mais antiga para a mais nova.", "Reenviar 12 capturas para "},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.n), func(t *testing.T) {
			h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays = &fakeSender{}, &memReplays{} })
			for i := range c.n {
				h.add(t, "POST", fmt.Sprintf("/e/%d", i), "application/json", []byte(`{}`))
			}
			h.waitFor(t, "list", func() bool { return len(h.m.items) == c.n })
			var menu string
			var buttons, labels []string
			h.do(func() {
				h.m.win = h.win
				menu = h.m.toolsMenu().Items[0].Label
				h.m.showExport()
				walk(h.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
					switch w := o.(type) {
					case *widget.Button:
						buttons = append(buttons, w.Text)
					case *widget.Label:
						labels = append(labels, w.Text)
					}
				})
				h.win.Canvas().Overlays().Top().Hide()
				h.win.Canvas().Overlays().Remove(h.win.Canvas().Overlays().Top())
				h.m.showBulk()
				walk(h.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
					if b, ok := o.(*widget.Button); ok {
						buttons = append(buttons, b.Text)
					}
				})
			})
			if menu != c.menu {
				t.Errorf("menu %q, want %q", menu, c.menu)
			}
			all := strings.Join(buttons, "\n")
			if !strings.Contains(all, "\n"+c.button+"\n") && !strings.HasPrefix(all, c.button+"\n") {
				t.Errorf("no %q button in:\n%s", c.button, all)
			}
			if !strings.Contains(all, "\n"+c.replay) {
				t.Errorf("no %q… button in:\n%s", c.replay, all)
			}
			if !strings.Contains(strings.Join(labels, "\n"), c.note) {
				t.Errorf("no note %q in:\n%s", c.note, strings.Join(labels, "\n"))
			}
		})
	}
	// None: Portuguese's "one" form takes 0, so 0 has its own text.
	if got := countText("Export {{.Count}} captures", "No captures to replay", "", 0, nil); got != "Nenhuma captura para reenviar" {
		t.Errorf("zero: %q", got)
	}
	if got := countText("{{.Count}} captures written to {{.Path}}.", "", "", 1234, map[string]any{"Path": "/tmp/x.har"}); got != "1.234 capturas gravadas em /tmp/x.har." {
		t.Errorf("thousands: %q", got)
	}
}
