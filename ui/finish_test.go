package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/settings"
)

// overlayButtons are the buttons of the window's top overlay (a dialog),
// by their text.
func overlayButtons(w fyne.Window) map[string]*widget.Button {
	out := map[string]*widget.Button{}
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return out
	}
	for _, o := range test.LaidOutObjects(top) {
		switch b := o.(type) {
		case *widget.Button:
			out[b.Text] = b
		case *dialogButton:
			out[b.Text] = &b.Button
		}
	}
	return out
}

// windowButton finds a visible button of the window's content by its text.
func windowButton(w fyne.Window, text string) *widget.Button {
	for _, o := range test.LaidOutObjects(w.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
	}
	return nil
}

// TestConfirmDanger: Clear all and Delete ask with a red button naming
// what goes; Cancel and Esc keep everything, the named button deletes.
func TestConfirmDanger(t *testing.T) {
	h := newHarness(t)
	h.do(func() { h.m.win = h.win })
	h.add(t, "POST", "/a", "application/json", []byte(`{}`))
	h.add(t, "POST", "/b", "application/json", []byte(`{}`))
	h.waitFor(t, "two rows", func() bool { return len(h.m.items) == 2 && h.m.total == 2 })

	type seen struct {
		danger, cancel bool
		dangerImp      widget.Importance
	}
	open := func(action string, how func()) seen {
		var s seen
		h.do(func() {
			how()
			bs := overlayButtons(h.win)
			d, ok := bs[action]
			_, s.cancel = bs["Cancel"]
			s.danger = ok
			if ok {
				s.dangerImp = d.Importance
			}
		})
		return s
	}
	tapOverlay := func(label string) {
		h.do(func() {
			if b := overlayButtons(h.win)[label]; b != nil {
				test.Tap(b)
			}
		})
	}
	overlayGone := func() bool { return h.eval(func() bool { return h.win.Canvas().Overlays().Top() == nil }) }
	clickClear := func() {
		if b := windowButton(h.win, "Clear all"); b != nil {
			test.Tap(b)
		}
	}

	t.Run("cancel keeps them", func(t *testing.T) {
		s := open("Delete 2 captures", clickClear)
		if !s.danger || !s.cancel || s.dangerImp != widget.DangerImportance {
			t.Fatalf("dialog buttons: %+v", s)
		}
		tapOverlay("Cancel")
		if !overlayGone() {
			t.Fatal("Cancel left the dialog up")
		}
		if n, _ := h.store.Count(context.Background(), capture.Query{}); n != 2 {
			t.Fatalf("%d captures after Cancel", n)
		}
	})
	t.Run("Esc cancels and the list keys are held meanwhile", func(t *testing.T) {
		open("Delete 2 captures", clickClear)
		h.do(func() {
			k := h.win.Canvas().OnTypedKey()
			k(&fyne.KeyEvent{Name: fyne.KeyDown}) // must not move the list behind the dialog
			k(&fyne.KeyEvent{Name: fyne.KeyEscape})
		})
		if !overlayGone() {
			t.Fatal("Esc left the dialog up")
		}
		if h.eval(func() bool { return h.m.sel != -1 }) {
			t.Fatal("a key reached the list behind the dialog")
		}
		if n, _ := h.store.Count(context.Background(), capture.Query{}); n != 2 {
			t.Fatalf("%d captures after Esc", n)
		}
	})
	t.Run("Delete capture deletes the selected one", func(t *testing.T) {
		h.do(func() { h.m.list.Select(0) })
		h.waitFor(t, "selected", func() bool { return h.m.sel == 0 })
		s := open("Delete capture", func() { h.m.typedKey(&fyne.KeyEvent{Name: fyne.KeyDelete}) })
		if !s.danger || s.dangerImp != widget.DangerImportance {
			t.Fatalf("dialog buttons: %+v", s)
		}
		tapOverlay("Delete capture")
		h.waitFor(t, "one left", func() bool { return len(h.m.items) == 1 })
	})
	t.Run("the row menu's Delete… asks too", func(t *testing.T) {
		var r *capture.Request
		h.do(func() { r = h.m.items[0] })
		s := open("Delete capture", func() {
			if openMenu(h, "row", r) {
				tapMenuItem(h.win.Canvas(), "Delete…")
			}
		})
		if !s.danger || !s.cancel {
			t.Fatalf("dialog buttons: %+v", s)
		}
		tapOverlay("Cancel")
		if n, _ := h.store.Count(context.Background(), capture.Query{}); n != 1 {
			t.Fatalf("%d captures after Cancel", n)
		}
	})
	t.Run("a hook arriving while Clear all is asked is kept", func(t *testing.T) {
		h.waitFor(t, "count", func() bool { return h.m.total == 1 })
		if s := open("Delete 1 capture", clickClear); !s.danger {
			t.Fatalf("dialog buttons: %+v", s)
		}
		h.add(t, "POST", "/late", "application/json", []byte(`{}`))
		h.waitFor(t, "the late one listed", func() bool { return h.m.total == 2 })
		tapOverlay("Delete 1 capture")
		h.waitFor(t, "only the late one left", func() bool {
			return len(h.m.items) == 1 && h.m.items[0].Target == "/late" && h.m.total == 1
		})
		if n, _ := h.store.Count(context.Background(), capture.Query{}); n != 1 {
			t.Fatalf("%d captures stored after Clear all, want the late one", n)
		}
	})
	t.Run("confirming Clear all deletes everything", func(t *testing.T) {
		h.waitFor(t, "count", func() bool { return h.m.total == 1 })
		if s := open("Delete 1 capture", clickClear); !s.danger {
			t.Fatalf("dialog buttons: %+v", s)
		}
		tapOverlay("Delete 1 capture")
		h.waitFor(t, "empty list", func() bool { return len(h.m.items) == 0 })
	})
}

// TestConfirmDeleteSubscription: the dialog names the subscription.
func TestConfirmDeleteSubscription(t *testing.T) {
	oh := newOutboundHarness(t)
	s := oh.addSub(t, func(s *outbound.Subscription) { s.Name = "CRM prod" })
	oh.do(func() { oh.m.win = oh.win })
	var labels []string
	oh.do(func() {
		oh.p.confirmDelete(s)
		for l := range overlayButtons(oh.win) {
			labels = append(labels, l)
		}
	})
	const want = "Delete subscription “CRM prod”"
	if !slices.Contains(labels, want) || !slices.Contains(labels, "Cancel") {
		t.Fatalf("buttons %q, want %q and Cancel", labels, want)
	}
	oh.do(func() { test.Tap(overlayButtons(oh.win)[want]) })
	oh.waitFor(t, "the subscription gone", func() bool { return len(oh.p.subs) == 0 })
}

// TestNoteSeverity: each note is information, a warning or an error,
// whatever the words around it; only incomplete views are warnings.
func TestNoteSeverity(t *testing.T) {
	cases := []struct {
		note string
		want severity
	}{
		{"empty body", sevNeutral},
		{"form: 5 fields, decoded", sevNeutral},
		{"decoded from gzip: 1 KiB on the wire, 4 KiB decoded", sevNeutral},
		{"multipart: 3 parts", sevNeutral},
		{"binary: shown as a hex dump", sevNeutral},
		{"nested deeper than 32 levels: indentation stops growing there", sevNeutral},
		{"larger than 1 MiB: shown without highlighting", sevNeutral},
		{"truncated: only the first 1 MiB of 3 MiB declared were kept", sevWarning},
		{"decoded body capped at 50 MiB", sevWarning},
		{"output truncated at 16 MiB: the rest of the pretty view is not shown (the body itself is intact)", sevWarning},
		{"the window shows the first 2 MiB of the pretty view: …", sevWarning},
		{"binary: hex dump of the first 1 MiB of 3 MiB", sevWarning},
		{"nested deeper than 256 levels: showing the raw text", sevWarning},
		{"could not decode the gzip body (unexpected EOF): showing it as received", sevWarning},
	}
	for _, c := range cases {
		t.Run(c.note, func(t *testing.T) {
			if got := noteSeverity(c.note); got != c.want {
				t.Fatalf("noteSeverity = %d, want %d", got, c.want)
			}
		})
	}
	t.Run("colours", func(t *testing.T) {
		test.NewTempApp(t)
		names := map[severity]fyne.ThemeColorName{sevNeutral: "placeholder", sevSuccess: "success", sevWarning: "warning", sevError: "error"}
		for s, want := range names {
			if s.colorName() != want {
				t.Errorf("severity %d drawn in %s, want %s", s, s.colorName(), want)
			}
		}
	})
	t.Run("a malformed body is an error, its empty neighbour information", func(t *testing.T) {
		r := &capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: []byte(`{"a":`), BodySize: 5}
		v, _ := prepareBody(r, modePretty)
		if len(v.notes) == 0 || v.notes[len(v.notes)-1].sev != sevError {
			t.Fatalf("notes %+v: the syntax error is not an error", v.notes)
		}
		r = &capture.Request{Headers: capture.Headers{}, Body: nil}
		v, _ = prepareBody(r, modePretty)
		if len(v.notes) != 1 || v.notes[0] != (sevNote{"empty body", sevNeutral}) {
			t.Fatalf("notes %+v", v.notes)
		}
	})
}

// fakeAfter is a clock for UI timers: nothing fires until the test says.
type fakeAfter struct {
	mu      sync.Mutex
	pending []func()
	waits   []time.Duration
}

func (f *fakeAfter) after(d time.Duration, fn func()) func() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, fn)
	f.waits = append(f.waits, d)
	return func() bool { return false }
}

// fire runs every pending timer, on the test goroutine as time.AfterFunc
// would on its own.
func (f *fakeAfter) fire() {
	f.mu.Lock()
	p := f.pending
	f.pending = nil
	f.mu.Unlock()
	for _, fn := range p {
		fn()
	}
}

func TestSettingsForgetToken(t *testing.T) {
	newHarness(t) // a test app for the widgets
	cases := []struct {
		name     string
		token    string
		disabled bool
	}{
		{"none saved", "", true},
		{"one saved", "2abcdefghijklmnop_qrstuvwxyz", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newSettingsForm(settings.Settings{Tunnel: settings.Tunnel{Authtoken: c.token}}, func(string) {})
			if f.forget.Disabled() != c.disabled {
				t.Fatalf("Forget disabled = %v, want %v", f.forget.Disabled(), c.disabled)
			}
			if c.disabled {
				return
			}
			test.Tap(f.forget)
			s, err := f.result()
			if err != nil || s.Tunnel.Authtoken != "" || !f.forget.Disabled() {
				t.Fatalf("after Forget: token %q, err %v, disabled %v", s.Tunnel.Authtoken, err, f.forget.Disabled())
			}
		})
	}
}

// TestSettingsSave: Save applies, keeps the dialog open and says so until
// the timer fades it; an invalid rule is shown once, on its tab.
func TestSettingsSave(t *testing.T) {
	ss := &fixedSettings{s: settings.Settings{Tunnel: settings.Tunnel{Domain: "a.ngrok.app"}}}
	h := newHarnessWith(t, func(o *Options) { o.Settings = ss })
	clock := &fakeAfter{}
	var sd *settingsDialog
	h.do(func() {
		h.m.win, h.m.after = h.win, clock.after
		var d interface{ Show() }
		d, sd = h.m.newSettingsDialog()
		d.Show()
	})
	shown := func() bool { return h.eval(func() bool { return sd.saved.Visible() }) }
	if shown() {
		t.Fatal(`"Saved" shown before any save`)
	}
	h.do(func() {
		sd.form.domain.SetText("b.ngrok.app")
		test.Tap(sd.save)
	})
	if ss.Get().Tunnel.Domain != "b.ngrok.app" {
		t.Fatalf("saved domain %q", ss.Get().Tunnel.Domain)
	}
	if !shown() || h.eval(func() bool { return h.win.Canvas().Overlays().Top() == nil }) {
		t.Fatal(`Save did not say "Saved", or closed the dialog`)
	}
	if len(clock.waits) != 1 || clock.waits[0] != savedFor {
		t.Fatalf("fade timers %v", clock.waits)
	}
	clock.fire()
	h.waitFor(t, `"Saved" gone`, func() bool { return !sd.saved.Visible() })

	t.Run("a rule error is shown once", func(t *testing.T) {
		var tab, errLbl, rulesMsg string
		h.do(func() {
			sd.form.tabs.SelectIndex(0)
			sd.form.rules.SetText("POST /x -> banana")
			test.Tap(sd.save)
			tab, errLbl, rulesMsg = sd.form.tabs.Selected().Text, sd.errLbl.Text, sd.form.rulesMsg.Text
		})
		if tab != "Responses" || errLbl != "" || rulesMsg == "" {
			t.Fatalf("tab %q, error under the buttons %q, under the rules %q", tab, errLbl, rulesMsg)
		}
		if ss.Get().Rules != "" {
			t.Fatalf("invalid rules saved: %q", ss.Get().Rules)
		}
	})
	t.Run("Close closes", func(t *testing.T) {
		h.do(func() { test.Tap(sd.close) })
		if !h.eval(func() bool { return h.win.Canvas().Overlays().Top() == nil }) {
			t.Fatal("dialog still up")
		}
	})
}

// TestSettingsFormsAligned: every field of every tab starts at the same x.
func TestSettingsFormsAligned(t *testing.T) {
	newHarness(t)
	f := newSettingsForm(settings.Settings{}, func(string) {})
	f.scheme.SetSelected("hmac") // its extra rows align too
	w := test.NewWindow(f.tabs)
	defer w.Close()
	w.Resize(fyne.NewSize(760, 900))
	xs := map[float32][]string{}
	for _, it := range f.tabs.Items {
		f.tabs.Select(it)
		for _, o := range test.LaidOutObjects(it.Content) {
			if e, ok := o.(*widget.Entry); ok && e.Visible() {
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(e)
				if e == f.rules || e == f.hTS || e == f.hPrefix { // the rules fill their tab; hTS and hPrefix share a row
					continue
				}
				xs[pos.X] = append(xs[pos.X], it.Text+":"+e.PlaceHolder)
			}
		}
	}
	if len(xs) != 1 {
		t.Fatalf("fields start at %d different x: %v", len(xs), xs)
	}
}

// TestSettingsWheelNotSwallowed: the multi-line fields of a scrolled
// form have no scroller of their own.
func TestSettingsWheelNotSwallowed(t *testing.T) {
	newHarness(t)
	f := newSettingsForm(settings.Settings{}, func(string) {})
	for _, e := range []*widget.Entry{f.edgeAuth, f.allowCIDRs} {
		w := test.NewWindow(e)
		for _, o := range test.LaidOutObjects(e) {
			if _, ok := o.(fyne.Scrollable); ok && o != fyne.CanvasObject(e) {
				if s, ok := o.(*container.Scroll); ok && s.Direction == container.ScrollNone {
					continue
				}
				t.Errorf("%q catches the wheel: %T", e.PlaceHolder, o)
			}
		}
		w.Close()
	}
	if strings.Contains(f.rules.PlaceHolder, "->") {
		t.Errorf("rules placeholder looks like a rule: %q", f.rules.PlaceHolder)
	}
}

// TestFileDialogs: import opens at most of the window's size, listing the
// formats it reads; the export name follows the format.
func TestFileDialogs(t *testing.T) {
	h := newHarnessWith(t, func(o *Options) { o.Importer = nopImporter{} })
	dir := t.TempDir()
	for _, n := range []string{"hooks.har", "hooks.jsonl", "replay.sh", "notes.txt", "photo.png"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var size, win fyne.Size
	var names []string
	h.do(func() {
		h.m.win = h.win
		c := importChoice
		c.dir = dir
		showFileOpen(h.win, c, func(fyne.URIReadCloser, error) {})
		top := h.win.Canvas().Overlays().Top()
		size, win = top.(*widget.PopUp).Content.Size(), h.win.Canvas().Size()
		for _, o := range test.LaidOutObjects(top) {
			if tx, ok := o.(*canvas.Text); ok {
				names = append(names, tx.Text)
			}
		}
	})
	if size.Width < win.Width*0.7 || size.Height < win.Height*0.7 {
		t.Errorf("file dialog %v in a %v window", size, win)
	}
	// The dialog shows names without their extension, which its icon shows.
	j := " " + strings.Join(names, " ") + " "
	for _, want := range []string{" .har hooks ", " hooks ", " .sh replay ", " .txt notes ", " Import captures "} {
		if !strings.Contains(j, want) {
			t.Errorf("%q not shown: %q", want, names)
		}
	}
	if strings.Count(j, " hooks ") != 2 || strings.Contains(j, "photo") {
		t.Errorf("want both hooks files and no PNG: %q", names)
	}
	t.Run("export names", func(t *testing.T) {
		at := time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)
		for f, want := range map[string]string{"har": "gancho-2026-03-04-0506.har", "curl": "gancho-2026-03-04-0506.sh", "raw": "gancho-2026-03-04-0506.http"} {
			if got := exportName(at, exchange.Format(f)); got != want {
				t.Errorf("%s: %s, want %s", f, got, want)
			}
		}
	})
}

type nopImporter struct{}

func (nopImporter) Import(context.Context, []*capture.Request) (int, int, error) {
	return 0, 0, errors.New("not in this test")
}

// memPrefs is layoutPrefs in memory.
type memPrefs map[string]float64

func (p memPrefs) FloatWithFallback(k string, fb float64) float64 {
	if v, ok := p[k]; ok {
		return v
	}
	return fb
}
func (p memPrefs) SetFloat(k string, v float64) { p[k] = v }

// TestWindowLayoutPerScreen: size and split come back per screen, the
// first run fits the screen, and a saved size is clamped to it.
func TestWindowLayoutPerScreen(t *testing.T) {
	least := fyne.NewSize(600, 400)
	big := screen{key: "1440x900", area: fyne.NewSize(1440, 870)}
	small := screen{key: "1024x700", area: fyne.NewSize(1024, 672)}
	p := memPrefs{}

	first := loadLayout(p, small, least)
	if first.size.Width > small.area.Width-decorations.Width || first.size.Height > small.area.Height-decorations.Height {
		t.Fatalf("first run %v does not fit %v", first.size, small.area)
	}
	if first.splits["inbound"] != splitDefaults["inbound"] {
		t.Fatalf("first split %v", first.splits)
	}
	if fb := loadLayout(p, big, least).size; fb.Width <= defaultSize.Width {
		t.Fatalf("first run on a big screen: %v", fb)
	}

	saveLayout(p, big, windowLayout{size: fyne.NewSize(1300, 800), splits: map[string]float64{"inbound": 0.3}})
	saveLayout(p, small, windowLayout{size: fyne.NewSize(900, 600), splits: map[string]float64{"inbound": 0.5}})
	cases := []struct {
		name  string
		sc    screen
		size  fyne.Size
		split float64
	}{
		{"big screen", big, fyne.NewSize(1300, 800), 0.3},
		{"small screen", small, fyne.NewSize(900, 600), 0.5},
		{"big screen, now with a taller panel", screen{key: "1440x900", area: fyne.NewSize(1440, 700)}, fyne.NewSize(1300, 700-decorations.Height), 0.3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := loadLayout(p, c.sc, least)
			if l.size != c.size || l.splits["inbound"] != c.split {
				t.Fatalf("layout %v %v, want %v %v", l.size, l.splits, c.size, c.split)
			}
		})
	}
	t.Run("a squeezed split is not restored", func(t *testing.T) {
		saveLayout(p, small, windowLayout{size: fyne.NewSize(900, 600), splits: map[string]float64{"inbound": 0.01}})
		if got := loadLayout(p, small, least).splits["inbound"]; got != splitDefaults["inbound"] {
			t.Fatalf("split %v", got)
		}
	})
	t.Run("the window applies and keeps it", func(t *testing.T) {
		h := newHarness(t)
		var got fyne.Size
		var off float64
		h.do(func() {
			h.m.applyLayout(h.win, p, big)
			got, off = h.win.Canvas().Size(), h.m.split.Offset
			h.m.split.SetOffset(0.42)
			h.m.keepLayout(h.win, p, big)
		})
		if got.Width != 1300 || off != 0.3 {
			t.Fatalf("applied %v split %v", got, off)
		}
		if p[prefKey(big, "split.inbound")] != 0.42 {
			t.Fatalf("kept %v", p)
		}
	})
}
