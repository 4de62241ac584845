package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/database"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
)

// infoIDRow finds, as drawn, the Info tab's ID label and its copy button.
func infoIDRow(d *Detail) (id string, copyBtn *widget.Button) {
	var texts []string
	walk(d.infoBox, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			texts = append(texts, w.Text)
		case *canvas.Text: // the form's own labels
			texts = append(texts, w.Text)
		case *widget.Button:
			if copyBtn == nil {
				copyBtn = w
			}
		}
	})
	for i, s := range texts {
		if s == "ID" && i+1 < len(texts) {
			return texts[i+1], copyBtn
		}
	}
	return "", copyBtn
}

// TestInfoShowsSelectedID: the Info tab follows the selection; it used to
// keep the first capture's ID while every other field changed.
func TestInfoShowsSelectedID(t *testing.T) {
	h := newHarness(t)
	a := h.add(t, "POST", "/a", "text/plain", []byte("a"))
	b := h.add(t, "PUT", "/b", "text/plain", []byte("b"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	var copied string
	h.do(func() { h.m.detail.copyFn = func(s string) { copied = s } })
	for _, want := range []string{a.ID, b.ID, a.ID} {
		h.do(func() {
			for i, r := range h.m.items {
				if r.ID == want {
					h.m.list.Select(i)
				}
			}
		})
		h.waitFor(t, "detail of "+want, func() bool { return h.m.detail.req != nil && h.m.detail.req.ID == want })
		var shown string
		h.do(func() {
			var btn *widget.Button
			shown, btn = infoIDRow(h.m.detail)
			if btn != nil {
				test.Tap(btn)
			}
		})
		if shown != want {
			t.Fatalf("Info shows ID %q, want %q", shown, want)
		}
		if copied != want {
			t.Fatalf("Info's copy copied %q, want %q", copied, want)
		}
	}
}

// fullHarness is the window with every section: capture switch, public
// URL bar, a long secret prefix, replay, settings and the Outbound section.
func fullHarness(t *testing.T) *harness {
	t.Helper()
	db, err := database.Open(t.TempDir(), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rs, err := relay.NewStore(context.Background(), db, relay.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ss := &fixedSettings{s: settings.Settings{Inbound: settings.Inbound{SecretPrefix: "k3yabcdefghijklmnopqrstuvw"}}}
	return newHarnessWith(t, func(o *Options) {
		o.Recorder, o.Settings = &fakeRecorder{}, ss
		o.Tunnel = &fakeTunnel{state: tunnel.Status{State: tunnel.Stopped}}
		o.Sender, o.Replays = &fakeSender{}, &memReplays{}
		o.Outbound = &Outbound{Store: rs, Dispatch: &relay.Dispatcher{Store: rs}, Changed: make(chan struct{})}
	})
}

// inside reports whether o is drawn whole within the window and no
// smaller than it asks to be.
func inside(w fyne.Window, o fyne.CanvasObject) error {
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	end := pos.Add(o.Size())
	win := w.Canvas().Size()
	if !o.Visible() || pos.X < 0 || pos.Y < 0 || end.X > win.Width+0.5 || end.Y > win.Height+0.5 {
		return fmt.Errorf("at %v size %v, outside the %v window", pos, o.Size(), win)
	}
	if o.Size().Width+0.5 < o.MinSize().Width || o.Size().Height+0.5 < o.MinSize().Height {
		return fmt.Errorf("size %v is below its minimum %v", o.Size(), o.MinSize())
	}
	return nil
}

// TestWindowFitsSmallScreens lays the window out at 1024×700 and 1440×900
// in both theme variants: the top bar keeps the URL's host, every button and
// the Outbound filters are drawn whole, and Edit and send shows all six
// headers of a capture.
func TestWindowFitsSmallScreens(t *testing.T) {
	for _, size := range []fyne.Size{{Width: 1024, Height: 700}, {Width: 1440, Height: 900}} {
		for _, variant := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
			t.Run(fmt.Sprintf("%vx%v-%d", size.Width, size.Height, variant), func(t *testing.T) {
				h := fullHarness(t)
				fyne.CurrentApp().Settings().SetTheme(themeVariant{theme.DefaultTheme(), variant})
				c := h.add(t, "POST", "/hooks/a", "application/json", []byte(`{"a":1}`))
				h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
				h.do(func() {
					if min := h.m.Content().MinSize(); min.Width > defaultSize.Width || min.Height > defaultSize.Height {
						t.Errorf("the window cannot shrink to its default %v: its minimum is %v", defaultSize, min)
					}
					h.win.Resize(size)
					h.m.list.Select(0)
					shown := h.m.urlLbl.label.Text
					if !strings.HasPrefix(shown, "http://127.0.0.1:4665/k3y") || !strings.HasSuffix(shown, "uvw") {
						t.Errorf("the capture URL shows as %q", shown)
					}
					var buttons []*widget.Button
					walk(h.m.root, func(o fyne.CanvasObject) {
						if b, ok := o.(*widget.Button); ok && b.Text != "" && o.Visible() {
							buttons = append(buttons, b)
						}
					})
					for _, b := range append(buttons[:0:0], buttons...) {
						if b.Text == "Settings" || b.Text == "Tools" || b.Text == "Clear all" || b.Text == "Pause list" {
							if err := inside(h.win, b); err != nil {
								t.Errorf("button %q: %v", b.Text, err)
							}
						}
					}
					h.m.sections.SelectIndex(1)
					for _, s := range []*widget.Select{h.m.outbound.fSub, h.m.outbound.fEvent, h.m.outbound.fOutcome} {
						if err := inside(h.win, s); err != nil {
							t.Errorf("filter %q: %v", s.Selected, err)
						}
					}
					h.m.sections.SelectIndex(0)
				})
				// Edit and send on a capture with six headers.
				c.Headers = append(c.Headers, capture.Header{Name: "X-A", Value: "1"}, capture.Header{Name: "X-B", Value: "2"},
					capture.Header{Name: "X-C", Value: "3"}, capture.Header{Name: "X-D", Value: "4"}, capture.Header{Name: "Authorization", Value: "Bearer t"})
				h.do(func() {
					h.m.win = h.win
					e := h.m.showEditor(c, "http://127.0.0.1:9/x")
					if n := len(e.hdrs.rows); n < 6 {
						t.Errorf("the editor has %d header rows, want 6 or more", n) // not Fatal: this is the pump
						return
					}
					view, rows := e.hdrView.Size().Height, e.hdrs.box.MinSize().Height
					if view+0.5 < rows {
						t.Errorf("the header table shows %.0f of the %.0f px its %d rows need", view, rows, len(e.hdrs.rows))
					}
					if err := inside(h.win, e.body); err != nil {
						t.Errorf("body entry: %v", err)
					}
					for _, o := range h.win.Canvas().Overlays().List() {
						h.win.Canvas().Overlays().Remove(o)
					}
				})
			})
		}
	}
}

// themeVariant forces one variant of a theme.
type themeVariant struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t themeVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// TestFitSize: a size saved on a bigger screen shrinks to the work area,
// never below the content's minimum; an unknown screen changes nothing.
func TestFitSize(t *testing.T) {
	least := fyne.NewSize(700, 500)
	cases := []struct {
		name            string
		want, area, got fyne.Size
	}{
		{"fits", fyne.NewSize(1000, 640), fyne.NewSize(1440, 900), fyne.NewSize(1000, 640)},
		{"too big for 1024x700", fyne.NewSize(1200, 760), fyne.NewSize(1024, 700), fyne.NewSize(1008, 644)},
		{"unknown screen", fyne.NewSize(1200, 760), fyne.Size{}, fyne.NewSize(1200, 760)},
		{"tiny screen", fyne.NewSize(1200, 760), fyne.NewSize(640, 480), least},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := fitSize(c.want, c.area, least); got != c.got {
				t.Fatalf("fitSize = %v, want %v", got, c.got)
			}
		})
	}
}
