package ui

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/diff"
	"github.com/gancho-app/gancho/i18n"
)

// dialogButtons are the texts of the buttons of the dialog on top ("" if
// none is shown). UI goroutine.
func dialogButtons(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var texts []string
	walk(top, func(o fyne.CanvasObject) {
		if b, ok := o.(*dialogButton); ok {
			texts = append(texts, b.Text)
		}
	})
	return strings.Join(texts, " | ")
}

// TestMainWindowInPortuguese: in Portuguese the list's count line, a
// row's age and size, and the Clear all confirmation read as a Brazilian
// developer writes them, singular and plural right ("1 captura", "2
// capturas"), and zero has its own words ("Nenhuma captura", never "0
// captura"). Clear all is tapped through the window.
func TestMainWindowInPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	h := newHarness(t)
	t0 := time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)
	clock := t0.Add(2*time.Minute + 5*time.Second)
	h.do(func() {
		h.m.now = func() time.Time { return clock }
		h.m.win = h.win
	})
	rnd := rand.New(rand.NewPCG(1, 2))
	add := func(target string) *capture.Request {
		body := make([]byte, 1468006) // 1,4 MiB, random: the store's count is of stored (compressed) bytes
		for i := range body {
			body[i] = byte(rnd.Uint32())
		}
		r := &capture.Request{ID: h.ids.New(t0), ReceivedAt: t0, Method: "POST", Target: target, Proto: "HTTP/1.1",
			Host: "h", RemoteAddr: "127.0.0.1:9", Headers: capture.Headers{{Name: "Host", Value: "h"}},
			Body: body, BodySize: int64(len(body)), DeclaredSize: int64(len(body)), Response: capture.Response{Status: 200}}
		if err := h.store.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	type look struct{ count, meta, buttons, msg, pause string }
	read := func(id string) look {
		var l look
		h.do(func() {
			l.count = h.m.count.Text
			if id != "" {
				l.meta = rowMeta(h.m, id)
			}
			l.buttons = dialogButtons(h.win)
			if top := h.win.Canvas().Overlays().Top(); top != nil {
				walk(top, func(o fyne.CanvasObject) {
					if lb, ok := o.(*widget.Label); ok && strings.Contains(lb.Text, "/tmp/x") {
						l.msg = lb.Text
					}
				})
			}
			l.pause = h.m.pause.Text
		})
		return l
	}
	clearAll := func() {
		found := h.eval(func() bool {
			var b *widget.Button
			walk(h.m.Content(), func(o fyne.CanvasObject) {
				if w, ok := o.(*widget.Button); ok && w.Text == "Limpar" {
					b = w
				}
			})
			if b != nil {
				test.Tap(b)
			}
			return b != nil
		})
		if !found {
			t.Fatal(`no "Limpar" button`)
		}
	}

	if l := read(""); l.count != "Nenhuma captura" || l.pause != "Pausar" {
		t.Errorf("empty store: count %q, pause button %q; want \"Nenhuma captura\", \"Pausar\"", l.count, l.pause)
	}

	one := add("/hooks/crm")
	h.waitFor(t, "the first row", func() bool { return len(h.m.items) == 1 })
	h.do(h.m.refreshList)
	l := read(one.ID)
	if l.count != "1 captura · 1,4 MiB" {
		t.Errorf("count line %q, want %q", l.count, "1 captura · 1,4 MiB")
	}
	if !strings.HasPrefix(l.meta, "há 2 min · 1,4 MiB") {
		t.Errorf("row meta %q, want it to start with %q", l.meta, "há 2 min · 1,4 MiB")
	}
	// At the smallest window (1000×640 on a 1024×700 screen) the count
	// line is drawn whole beside the list's buttons.
	var need, has float32
	h.do(func() {
		h.win.Resize(fyne.NewSize(1000, 640))
		need = fyne.MeasureText(h.m.count.Text, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
		has = h.m.count.Size().Width
	})
	if need > has+0.5 {
		t.Errorf("count line %q cut at 1000×640: needs %.0f px, has %.0f", l.count, need, has)
	}
	clearAll()
	if l := read(""); l.buttons != "Cancelar | Excluir 1 captura" || l.msg != "Isso exclui 1 captura de /tmp/x.\nNão é possível desfazer." {
		t.Errorf("Clear all with one capture: buttons %q, message %q", l.buttons, l.msg)
	}
	tapDialogButton(h, "Cancelar")

	add("/hooks/erp")
	h.waitFor(t, "the second row", func() bool { return len(h.m.items) == 2 })
	if l := read(""); l.count != "2 capturas · 2,8 MiB" {
		t.Errorf("count line %q, want %q", l.count, "2 capturas · 2,8 MiB")
	}
	clearAll()
	if l := read(""); l.buttons != "Cancelar | Excluir 2 capturas" || l.msg != "Isso exclui todas as 2 capturas de /tmp/x.\nNão é possível desfazer." {
		t.Errorf("Clear all with two captures: buttons %q, message %q", l.buttons, l.msg)
	}
	if !tapDialogButton(h, "Excluir 2 capturas") {
		t.Fatal("no Excluir 2 capturas button")
	}
	h.waitFor(t, "the list cleared", func() bool { return len(h.m.items) == 0 && h.m.count.Text == "Nenhuma captura" })
}

// TestCompareTextInLanguages: the comparison's headings follow the
// language, singular, plural and zero right in both; the changes
// themselves stay as they are.
func TestCompareTextInLanguages(t *testing.T) {
	one := []diff.Change{{Kind: diff.Changed, Path: "X-A", Old: "1", New: "2"}}
	two := []diff.Change{{Kind: diff.Added, Path: "data.tags[1]", New: `"sp"`}, {Kind: diff.Removed, Path: "old", Old: "true"}}
	for _, c := range []struct {
		lang string
		r    diff.Result
		want string
	}{
		{i18n.English, diff.Result{Mode: "json"}, "No differences.\n"},
		{i18n.Portuguese, diff.Result{Mode: "json"}, "Nenhuma diferença.\n"},
		{i18n.Portuguese, diff.Result{Mode: "text", Note: "not valid JSON on both sides: compared as text"},
			"Nenhuma diferença (JSON inválido em um dos lados: comparado como texto).\n"},
		{i18n.English, diff.Result{Headers: one, Mode: "json", Body: two},
			"Headers: 1 difference\n  ~ X-A: 1 → 2\n\nBody (json): 2 differences\n  + data.tags[1]: \"sp\"\n  - old: true\n"},
		{i18n.Portuguese, diff.Result{Headers: one, Mode: "json", Body: two},
			"Cabeçalhos: 1 diferença\n  ~ X-A: 1 → 2\n\nCorpo (JSON): 2 diferenças\n  + data.tags[1]: \"sp\"\n  - old: true\n"},
		{i18n.Portuguese, diff.Result{Mode: "text", Body: one},
			"Cabeçalhos: nenhuma diferença\n\nCorpo (texto): 1 diferença\n  ~ X-A: 1 → 2\n"},
	} {
		t.Run(c.lang+"/"+strings.SplitN(c.want, "\n", 2)[0], func(t *testing.T) {
			inLanguage(t, c.lang)
			if got := compareText(c.r); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}
