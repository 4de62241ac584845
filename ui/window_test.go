package ui

import (
	"context"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
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
	rs, err := outbound.NewStore(context.Background(), db, outbound.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ss := &fixedSettings{s: settings.Settings{Inbound: settings.Inbound{SecretPrefix: "k3yabcdefghijklmnopqrstuvw"}}}
	return newHarnessWith(t, func(o *Options) {
		o.Recorder, o.Settings = &fakeRecorder{}, ss
		o.Tunnel = &fakeTunnel{state: tunnel.Status{State: tunnel.Stopped}}
		o.Sender, o.Replays = &fakeSender{}, &memReplays{}
		o.Outbound = &Outbound{Store: rs, Dispatch: &outbound.Dispatcher{Store: rs}, Changed: make(chan struct{})}
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
				// On the pump, as every touch of the UI: the theme change relayouts.
				h.do(func() { fyne.CurrentApp().Settings().SetTheme(themeVariant{theme.DefaultTheme(), variant}) })
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

// addAt stores a capture received at a given time.
func (h *harness) addAt(t *testing.T, target string, at time.Time) *capture.Request {
	t.Helper()
	r := &capture.Request{ID: h.ids.New(at), ReceivedAt: at, Method: "POST", Target: target, Proto: "HTTP/1.1",
		Host: "h", RemoteAddr: "127.0.0.1:9", Headers: capture.Headers{{Name: "Host", Value: "h"}}, Response: capture.Response{Status: 200}}
	if err := h.store.Append(context.Background(), r); err != nil {
		t.Error(err)
	}
	return r
}

// rowMeta is the age line the list draws for capture id ("" when not drawn).
func rowMeta(m *Main, id string) string {
	meta := ""
	walk(m.list, func(o fyne.CanvasObject) {
		if rw, ok := o.(*rowWidget); ok && rw.id == id && rw.Visible() {
			lines := rw.content.(*fyne.Container).Objects[0].(*fyne.Container)
			meta = lines.Objects[1].(*fyne.Container).Objects[2].(*canvas.Text).Text
		}
	})
	return meta
}

// TestRowAgesShareOneClock: every row's age is read from one clock at the
// refresh, and the periodic refresh moves them all on.
func TestRowAgesShareOneClock(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := t0.Add(8 * time.Second)
	h.do(func() { h.m.now = func() time.Time { return clock } })
	old := h.addAt(t, "/old", t0)
	h.waitFor(t, "the first row", func() bool { return len(h.m.items) == 1 })
	newer := h.addAt(t, "/newer", t0.Add(6*time.Second))
	h.waitFor(t, "the second row", func() bool { return len(h.m.items) == 2 })
	h.do(func() {
		if a, b := rowMeta(h.m, newer.ID), rowMeta(h.m, old.ID); !strings.HasPrefix(a, "2 s ago") || !strings.HasPrefix(b, "8 s ago") {
			t.Errorf("newer row %q, older row %q; want 2 s and 8 s ago", a, b)
		}
		clock = clock.Add(time.Minute)
		h.m.tickAges()
		if a, b := rowMeta(h.m, newer.ID), rowMeta(h.m, old.ID); !strings.HasPrefix(a, "1 min ago") || !strings.HasPrefix(b, "1 min ago") {
			t.Errorf("after a minute: newer row %q, older row %q", a, b)
		}
	})
}

// TestNewCaptureAboveScrolledList: scrolled down, the rows being read stay
// put, a pill counts what arrived above, and tapping it shows the newest.
func TestNewCaptureAboveScrolledList(t *testing.T) {
	h := newHarness(t)
	for i := range 40 {
		h.add(t, "POST", fmt.Sprintf("/n/%d", i), "text/plain", []byte("x"))
	}
	h.waitFor(t, "the list", func() bool { return len(h.m.items) == 40 })
	var before float32
	h.do(func() {
		h.m.list.ScrollToOffset(10 * h.m.step())
		before = h.m.list.GetScrollOffset()
	})
	if before <= 0 {
		t.Fatal("the list did not scroll")
	}
	h.add(t, "PURGE", "/newest", "text/plain", []byte("y"))
	h.waitFor(t, "the new row", func() bool { return len(h.m.items) == 41 })
	h.do(func() {
		if !h.m.newPill.Visible() || h.m.newPill.Text != "1 new" {
			t.Errorf("pill visible=%v %q, want \"1 new\"", h.m.newPill.Visible(), h.m.newPill.Text)
		}
		if got := h.m.list.GetScrollOffset(); got != before+h.m.step() {
			t.Errorf("offset %v, want %v: the rows being read moved", got, before+h.m.step())
		}
		test.Tap(h.m.newPill)
		if h.m.list.GetScrollOffset() != 0 || h.m.newPill.Visible() {
			t.Error("the pill did not scroll to the newest")
		}
		if rowMeta(h.m, h.m.items[0].ID) == "" {
			t.Error("the newest row is not drawn")
		}
	})
}

// TestBulkReplayUpdatesReplaysTab: after a bulk replay the open capture's
// Replays tab counts the new attempt.
func TestBulkReplayUpdatesReplaysTab(t *testing.T) {
	fs := &fakeSender{res: replay.Result{Status: 204}}
	mr := &memReplays{}
	h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays = fs, mr })
	h.add(t, "POST", "/hooks/a", "application/json", []byte(`{}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	p := h.m.replays
	h.do(func() {
		h.m.win = h.win
		h.m.list.Select(0)
		p.target.SetText("http://localhost:3000/in")
	})
	h.waitFor(t, "Replays (0)", func() bool { return p.tab.Text == "Replays (0)" })
	h.do(func() {
		h.m.showBulk()
		var start *widget.Button
		walk(h.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, "Replay 1 capture ") {
				start = b
			}
		})
		if start == nil {
			t.Error("no \"Replay 1 capture to …\" button")
			return
		}
		test.Tap(start)
	})
	h.waitFor(t, "Replays (1)", func() bool { return p.tab.Text == "Replays (1)" })
}

// TestExportToPath: a typed path is written as typed (~ and relative paths
// start at home); a missing folder, a folder, or nothing at all gives an
// error saying what to do, and writes nothing.
func TestExportToPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	h := newHarness(t)
	h.add(t, "POST", "/hooks/a", "application/json", []byte(`{"a":1}`))
	h.add(t, "POST", "/hooks/b", "application/json", []byte(`{"b":2}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	var sc scope
	h.do(func() { sc = h.m.scope() })
	dir := t.TempDir()
	cases := []struct {
		name, path, wantFile, wantErr string
	}{
		{"full path", filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "out.jsonl"), ""},
		{"home", "~/mine.jsonl", filepath.Join(home, "mine.jsonl"), ""},
		{"relative", "rel.jsonl", filepath.Join(home, "rel.jsonl"), ""},
		{"missing folder", filepath.Join(dir, "nope", "out.jsonl"), "", "does not exist: create it"},
		{"a folder", dir, "", "is a folder: add a file name"},
		{"empty", "  ", "", "type the file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, where, err := h.m.exportTo(c.path, exchange.Format("jsonl"), exchange.ExportOptions{}, sc)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || n != 2 || where != c.wantFile {
				t.Fatalf("exportTo = %d, %q, %v", n, where, err)
			}
			b, err := os.ReadFile(c.wantFile)
			if err != nil || strings.Count(string(b), "\n") != 2 {
				t.Fatalf("file %q: %v", b, err)
			}
		})
	}
}

// TestExportDialogSaysCountAndWrites drives the Export dialog: its button
// names the count, and a full path typed in it is where the file goes.
func TestExportDialogSaysCountAndWrites(t *testing.T) {
	h := newHarness(t)
	for i := range 3 {
		h.add(t, "POST", fmt.Sprintf("/e/%d", i), "application/json", []byte(`{}`))
	}
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 3 })
	out := filepath.Join(t.TempDir(), "typed.har")
	h.do(func() {
		h.m.win = h.win
		if menu := h.m.toolsMenu(); menu.Items[0].Label != "Export 3 listed captures…" {
			t.Errorf("menu says %q", menu.Items[0].Label)
		}
		h.m.showExport()
		var export *widget.Button
		walk(h.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			switch w := o.(type) {
			case *widget.Button:
				if w.Text == "Export 3 captures" {
					export = w
				}
			case *widget.Entry:
				w.SetText(out)
			}
		})
		if export == nil {
			t.Error(`no "Export 3 captures" button`)
			return
		}
		test.Tap(export)
	})
	h.waitFor(t, "the file", func() bool {
		b, err := os.ReadFile(out)
		return err == nil && strings.Contains(string(b), "/e/2")
	})
}

// TestMethodFilterListsStoredMethods: the method filter offers what the
// store holds, custom methods included, and follows arrivals and deletions.
func TestMethodFilterListsStoredMethods(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/p", "text/plain", []byte("1"))
	h.add(t, "PROPFIND", "/dav", "text/plain", nil)
	custom := h.add(t, "X-SYNC", "/sync", "text/plain", nil)
	h.waitFor(t, "the methods", func() bool {
		return fmt.Sprint(h.m.method.Options) == "[All methods POST PROPFIND X-SYNC]"
	})
	h.do(func() { h.m.method.SetSelected("PROPFIND") })
	h.waitFor(t, "PROPFIND filtering", func() bool { return len(h.m.items) == 1 && h.m.items[0].Target == "/dav" })
	h.do(func() { h.m.method.SetSelected(allMethods()) })
	if err := h.store.Delete(context.Background(), custom.ID); err != nil {
		t.Fatal(err)
	}
	h.waitFor(t, "X-SYNC gone", func() bool { return fmt.Sprint(h.m.method.Options) == "[All methods POST PROPFIND]" })
	// A window opened on a store that already holds them offers them at once.
	m := NewMain(Options{URL: "http://x", Captures: h.store}, nil)
	if got := fmt.Sprint(m.method.Options); got != "[All methods POST PROPFIND]" {
		t.Fatalf("a new window offers %s", got)
	}
}

// TestPlaceholdersFit: at the smallest window (the 1000×640 a 1024×700
// screen opens at) every single-line field's placeholder is drawn whole,
// in the Inbound and the Outbound section. A cut hint reads like a bug.
func TestPlaceholdersFit(t *testing.T) {
	for _, l := range []string{i18n.English, i18n.Portuguese} {
		t.Run(l, func(t *testing.T) {
			inLanguage(t, l)
			placeholdersFit(t)
		})
	}
}

func placeholdersFit(t *testing.T) {
	h := fullHarness(t)
	h.add(t, "POST", "/hooks/a", "application/json", []byte(`{"a":1}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	var cut []string
	check := func() {
		walk(h.m.root, func(o fyne.CanvasObject) {
			e, ok := o.(*widget.Entry)
			if !ok || e.PlaceHolder == "" || e.MultiLine || !e.Visible() || e.Size().Width == 0 {
				return
			}
			need := fyne.MeasureText(e.PlaceHolder, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
			if need > e.Size().Width+0.5 {
				cut = append(cut, fmt.Sprintf("%q needs %.0f px, has %.0f", e.PlaceHolder, need, e.Size().Width))
			}
		})
	}
	h.do(func() {
		h.win.Resize(fyne.NewSize(1000, 640))
		h.m.list.Select(0)
	})
	h.waitFor(t, "the detail", func() bool { return h.m.selectedID() != "" })
	h.do(check)
	h.do(func() { h.m.sections.SelectIndex(1) })
	h.do(check)
	for _, c := range cut {
		t.Errorf("placeholder cut: %s", c)
	}
}
