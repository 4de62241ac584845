package ui

import (
	"bufio"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/internal/version"
	"github.com/gancho-app/gancho/replay"
)

// menuHarness is the full window with an importer, the window set (so
// dialogs and the clipboard work) and the menu installed on the test
// window with its shortcuts.
func menuHarness(t *testing.T) (*harness, *fakeSender) {
	t.Helper()
	h := fullHarness(t)
	fs := &fakeSender{res: replay.Result{Status: 202}}
	h.do(func() {
		h.m.opts.Importer = nopImporter{}
		h.m.opts.Sender = fs
		h.m.win = h.win
		h.win.SetMainMenu(h.m.MainMenu())
		h.m.installShortcuts(h.win.Canvas())
	})
	return h, fs
}

// menuItem finds an item by its menu's label and its own.
func menuItem(mm *fyne.MainMenu, menu, label string) *fyne.MenuItem {
	var find func(items []*fyne.MenuItem) *fyne.MenuItem
	find = func(items []*fyne.MenuItem) *fyne.MenuItem {
		for _, it := range items {
			if it.Label == label {
				return it
			}
			if it.ChildMenu != nil {
				if f := find(it.ChildMenu.Items); f != nil {
					return f
				}
			}
		}
		return nil
	}
	for _, m := range mm.Items {
		if m.Label == menu {
			return find(m.Items)
		}
	}
	return nil
}

func TestMainMenuStructure(t *testing.T) {
	h, _ := menuHarness(t)
	var mm *fyne.MainMenu
	h.do(func() { mm = h.m.MainMenu() })
	var menus []string
	for _, m := range mm.Items {
		menus = append(menus, m.Label)
	}
	if got := strings.Join(menus, " "); got != "File Edit View Tools Help" {
		t.Fatalf("menus %q", got)
	}
	cases := []struct {
		menu, label string
		key         fyne.Shortcut // nil: none
	}{
		{"File", "Import HAR, JSON lines, cURL or raw HTTP…", keyImport},
		{"File", "Save body to file…", keySaveBody},
		{"File", "Export…", keyExport},
		{"File", "Settings…", keySettings},
		{"File", "Quit", keyQuit},
		{"Edit", "Copy capture URL", keyCopyURL},
		{"Edit", "Copy as cURL", nil},
		{"Edit", "Copy as HAR entry", nil},
		{"Edit", "Copy as raw HTTP", nil},
		{"Edit", "Search captures", keySearch},
		{"Edit", "Delete capture", deleteHint()},
		{"Edit", "Clear all…", keyClear},
		{"View", "Inbound: captures", keyInbound},
		{"View", "Outbound: events and subscriptions", keyOutbound},
		{"View", "Pause list", nil},
		{"View", "Dark", nil},
		{"View", "Light", nil},
		{"View", "As the system", nil},
		{"Tools", "New request…", keyNewRequest},
		{"Tools", "Replay", keyReplay},
		{"Tools", "Edit and send…", keyEdit},
		{"Tools", "Replay listed or picked captures…", nil},
		{"Tools", "Unpick all", nil},
		{"Help", "Documentation (README)", nil},
		{"Help", "Keyboard shortcuts", keyShortcuts},
		{"Help", "Report a problem", nil},
		{"Help", "About Gancho", nil},
	}
	for _, c := range cases {
		t.Run(c.menu+"/"+c.label, func(t *testing.T) {
			it := menuItem(mm, c.menu, c.label)
			if it == nil {
				t.Fatal("missing")
			}
			if it.Action == nil && !it.IsQuit {
				t.Error("no action")
			}
			switch {
			case c.key == nil && it.Shortcut != nil:
				t.Errorf("shortcut %s, want none", keyLabel(it.Shortcut))
			case c.key != nil && (it.Shortcut == nil || it.Shortcut.ShortcutName() != c.key.ShortcutName()):
				t.Errorf("shortcut %v, want %s", it.Shortcut, keyLabel(c.key))
			}
		})
	}
}

// TestMenuShortcutsNeedAModifier: the window hands a modified key to the
// menu before the focused text field, so a shortcut without Ctrl (⌘)
// would fire while the user types; and no two items share a shortcut.
func TestMenuShortcutsNeedAModifier(t *testing.T) {
	h, _ := menuHarness(t)
	var mm *fyne.MainMenu
	h.do(func() { mm = h.m.MainMenu() })
	seen := map[string]string{}
	var check func(items []*fyne.MenuItem)
	check = func(items []*fyne.MenuItem) {
		for _, it := range items {
			if it.ChildMenu != nil {
				check(it.ChildMenu.Items)
			}
			ks, ok := it.Shortcut.(*desktop.CustomShortcut)
			if it.Shortcut == nil || (ok && ks.KeyName == fyne.KeyDelete && ks.Modifier == 0) {
				continue // the list's Delete key, shown only
			}
			if !ok || ks.Modifier&fyne.KeyModifierShortcutDefault == 0 {
				t.Errorf("%q: shortcut %v lacks %s", it.Label, it.Shortcut, keyLabel(cmdKey("")))
				continue
			}
			if other, dup := seen[ks.ShortcutName()]; dup {
				t.Errorf("%q and %q share %s", other, it.Label, keyLabel(ks))
			}
			seen[ks.ShortcutName()] = it.Label
		}
	}
	for _, m := range mm.Items {
		check(m.Items)
	}
}

// TestMenuClickThrough triggers menu items as a click does and checks
// each one's effect.
func TestMenuClickThrough(t *testing.T) {
	h, fs := menuHarness(t)
	h.add(t, "POST", "/hooks/menu?x=1", "application/json", []byte(`{"a":1}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	click := func(menu, label string) {
		t.Helper()
		var it *fyne.MenuItem
		h.do(func() {
			if it = menuItem(h.m.MainMenu(), menu, label); it != nil && !it.Disabled {
				it.Action()
			}
		})
		if it == nil {
			t.Fatalf("no %s > %s", menu, label)
		}
	}
	closeDialogs := func() {
		h.do(func() {
			for h.win.Canvas().Overlays().Top() != nil {
				h.win.Canvas().Overlays().Remove(h.win.Canvas().Overlays().Top())
			}
		})
	}
	overlayText := func() string {
		var b strings.Builder
		h.do(func() {
			if top := h.win.Canvas().Overlays().Top(); top != nil {
				walk(top, func(o fyne.CanvasObject) {
					if l, ok := o.(*widget.Label); ok {
						b.WriteString(l.Text + "\n")
					}
				})
			}
		})
		return b.String()
	}

	// With nothing selected, the items that act on a capture are off.
	if !h.eval(func() bool { return menuItem(h.m.MainMenu(), "Tools", "Replay").Disabled }) {
		t.Error("Replay is enabled with no capture selected")
	}
	h.do(func() { h.m.list.Select(0) })
	if h.eval(func() bool { return menuItem(h.m.MainMenu(), "Tools", "Replay").Disabled }) {
		t.Error("Replay is still disabled with a capture selected")
	}

	click("Edit", "Copy capture URL")
	if got := h.eval(func() bool { return fyne.CurrentApp().Clipboard().Content() == h.m.localURL() }); !got {
		t.Error("Copy capture URL did not copy the URL")
	}

	click("Edit", "Copy as cURL")
	h.waitFor(t, "the cURL command", func() bool {
		return strings.HasPrefix(fyne.CurrentApp().Clipboard().Content(), "curl ") &&
			strings.Contains(fyne.CurrentApp().Clipboard().Content(), "/hooks/menu?x=1")
	})
	saver := &fakeSaver{}
	h.do(func() { h.m.saver = saver })
	click("File", "Save body to file…")
	h.waitFor(t, "the body saved", func() bool { return saver.n == 1 && string(saver.data) == `{"a":1}` })
	closeDialogs()

	h.do(func() { h.m.sections.SelectIndex(1) })
	click("Edit", "Search captures")
	if !h.eval(func() bool { return h.win.Canvas().Focused() == h.m.search && h.m.sections.SelectedIndex() == 0 }) {
		t.Error("Search captures did not bring the Inbound section and focus its search field")
	}
	h.do(func() { h.win.Canvas().Unfocus() })

	click("View", "Outbound: events and subscriptions")
	if !h.eval(func() bool { return h.m.sections.SelectedIndex() == 1 }) {
		t.Error("View > Outbound did not show the Outbound section")
	}
	click("View", "Inbound: captures")
	if !h.eval(func() bool { return h.m.sections.SelectedIndex() == 0 }) {
		t.Error("View > Inbound did not come back")
	}

	click("View", "Pause list")
	if !h.eval(func() bool { return h.m.paused && menuItem(h.m.MainMenu(), "View", "Pause list").Checked }) {
		t.Error("Pause list did not pause, or is not checked")
	}
	click("View", "Pause list")

	click("View", "Light")
	if !h.eval(func() bool {
		bg := fyne.CurrentApp().Settings().Theme().Color(theme.ColorNameBackground, theme.VariantDark)
		light := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantLight)
		return bg == light && h.m.styles.key.TextColor() == lightPalette.key &&
			fyne.CurrentApp().Preferences().String(prefTheme) == themeLight && menuItem(h.m.MainMenu(), "View", "Light").Checked
	}) {
		t.Error("View > Theme > Light did not switch the theme, the body colours or the saved choice")
	}
	click("View", "As the system")

	h.do(func() { h.m.replays.target.SetText("http://localhost:3000/in") })
	click("Tools", "Replay")
	h.waitFor(t, "the replay", func() bool {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		return len(fs.sent) == 1 && fs.sent[0].URL == "http://localhost:3000/in?x=1"
	})

	click("Tools", "Edit and send…")
	if !h.eval(func() bool { return h.win.Canvas().Overlays().Top() != nil }) {
		t.Error("Edit and send did not open the editor")
	}
	closeDialogs()

	click("Help", "About Gancho")
	if txt := overlayText(); !strings.Contains(txt, "Gancho") || !strings.Contains(txt, "go1.") || !strings.Contains(txt, version.Version) {
		t.Errorf("About shows %q, want the name, the version and the Go version", txt)
	}
	closeDialogs()

	click("Help", "Keyboard shortcuts")
	if txt := overlayText(); !strings.Contains(txt, "Replay") || !strings.Contains(txt, "Move through the list") {
		t.Errorf("Keyboard shortcuts shows %q", txt)
	}
	closeDialogs()

	var opened []string
	h.do(func() { h.m.openURL = func(u *url.URL) error { opened = append(opened, u.String()); return nil } })
	click("Help", "Documentation (README)")
	click("Help", "Report a problem")
	if got := h.eval(func() bool {
		return strings.Join(opened, " ") == repoURL+"/#readme "+repoURL+"/issues"
	}); !got {
		t.Errorf("opened %q", opened)
	}

	click("Edit", "Clear all…")
	if !h.eval(func() bool { return h.win.Canvas().Overlays().Top() != nil }) {
		t.Error("Clear all did not ask first")
	}
	tapDialogButton(h, "Cancel")

	click("Edit", "Delete capture")
	if !tapDialogButton(h, "Delete capture") {
		t.Fatal("Delete capture did not ask first")
	}
	h.waitFor(t, "the capture deleted", func() bool { return len(h.m.items) == 0 })
	if !h.eval(func() bool { return menuItem(h.m.MainMenu(), "Edit", "Delete capture").Disabled }) {
		t.Error("Delete capture stays enabled with nothing selected")
	}
}

// tapDialogButton taps the button labelled label in the dialog on top.
func tapDialogButton(h *harness, label string) bool {
	return h.eval(func() bool {
		top := h.win.Canvas().Overlays().Top()
		if top == nil {
			return false
		}
		var b *dialogButton
		walk(top, func(o fyne.CanvasObject) {
			if d, ok := o.(*dialogButton); ok && d.Text == label {
				b = d
			}
		})
		if b != nil {
			test.Tap(b)
		}
		return b != nil
	})
}

// typeShortcut sends a shortcut to the canvas as the window's driver
// builds it from a key press (a new value: matching is by name).
func typeShortcut(c fyne.Canvas, key fyne.KeyName, mod fyne.KeyModifier) {
	c.(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: mod})
}

// typeKey sends a key as the window's driver does: to the focused field
// if there is one, else to the window (Main.typedKey).
func typeKey(c fyne.Canvas, key fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: key}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	c.OnTypedKey()(ev)
}

func TestShortcutsThroughCanvas(t *testing.T) {
	h, fs := menuHarness(t)
	h.do(func() { h.win.Canvas().SetOnTypedKey(h.m.typedKey) })
	h.add(t, "POST", "/hooks/keys", "application/json", []byte(`{"a":1}`))
	h.add(t, "POST", "/hooks/keys2", "application/json", []byte(`{"a":2}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	h.do(func() { h.m.list.Select(0) })
	c := h.win.Canvas()
	ctrl, ctrlShift := fyne.KeyModifierShortcutDefault, fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift

	h.do(func() { typeShortcut(c, fyne.Key2, ctrl) })
	if !h.eval(func() bool { return h.m.sections.SelectedIndex() == 1 }) {
		t.Error("Ctrl+2 did not switch to Outbound")
	}
	h.do(func() { typeShortcut(c, fyne.Key1, ctrl) })
	if !h.eval(func() bool { return h.m.sections.SelectedIndex() == 0 }) {
		t.Error("Ctrl+1 did not switch back to Inbound")
	}

	h.do(func() {
		fyne.CurrentApp().Clipboard().SetContent("")
		typeShortcut(c, fyne.KeyC, ctrlShift)
	})
	if !h.eval(func() bool { return fyne.CurrentApp().Clipboard().Content() == h.m.localURL() }) {
		t.Error("Ctrl+Shift+C did not copy the capture URL")
	}

	h.do(func() {
		h.m.replays.target.SetText("http://localhost:3000/k")
		typeShortcut(c, fyne.KeyR, ctrl)
	})
	h.waitFor(t, "the replay", func() bool {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		return len(fs.sent) == 1
	})

	// Ctrl+E opens the editor; a second Ctrl+E while it is open does not
	// stack another over it.
	overlays := func() int {
		n := 0
		h.do(func() { n = len(c.Overlays().List()) })
		return n
	}
	h.do(func() { typeShortcut(c, fyne.KeyE, ctrl) })
	if overlays() != 1 {
		t.Fatalf("Ctrl+E: %d dialogs, want the editor", overlays())
	}
	h.do(func() { typeShortcut(c, fyne.KeyE, ctrl) })
	if n := overlays(); n != 1 {
		t.Errorf("Ctrl+E over the editor: %d dialogs, want 1", n)
	}
	h.do(func() { c.Overlays().Remove(c.Overlays().Top()) })

	h.do(func() { typeShortcut(c, fyne.KeyDelete, ctrlShift) })
	if overlays() != 1 {
		t.Error("Ctrl+Shift+Delete did not ask to clear")
	}
	tapDialogButton(h, "Cancel")

	// Ctrl+K puts the cursor in the search field; Delete typed there edits
	// the search and deletes no capture.
	h.do(func() { typeShortcut(c, fyne.KeyK, ctrl) })
	h.do(func() {
		test.Type(h.m.search, "ab")
		h.m.search.CursorColumn = 0
		typeKey(c, fyne.KeyDelete)
	})
	if got := h.eval(func() bool { return h.m.search.Text == "b" }); !got {
		t.Errorf("Delete in the search field: search %q, want \"b\"", h.m.search.Text)
	}
	h.do(func() { h.m.search.SetText(""); c.Unfocus() })
	h.waitFor(t, "the list back", func() bool { return len(h.m.items) == 2 })
	n, _ := h.store.Stats()
	if n != 2 {
		t.Fatalf("a capture was deleted while typing in the search: %d left", n)
	}
	// Out of the field, Delete deletes the selected capture.
	h.do(func() { h.m.list.Select(0); typeKey(c, fyne.KeyDelete) })
	if !tapDialogButton(h, "Delete capture") {
		t.Fatal("Delete did not ask first")
	}
	h.waitFor(t, "the capture deleted", func() bool { return len(h.m.items) == 1 })
}

func TestTooltips(t *testing.T) {
	h, _ := menuHarness(t)
	h.do(func() {
		h.m.tips.after = func(_ time.Duration, f func()) func() bool { f(); return func() bool { return false } }
		h.m.tips.post = func(f func()) bool { f(); return true }
	})
	var area *tipArea
	h.do(func() {
		walk(h.m.root, func(o fyne.CanvasObject) {
			if a, ok := o.(*tipArea); ok && a.b.Text == "Clear all" {
				area = a
			}
		})
	})
	if area == nil {
		t.Fatal("Clear all has no tooltip")
	}
	h.do(func() { area.MouseIn(&desktop.MouseEvent{}) })
	shown := ""
	h.do(func() {
		if h.m.tips.box.Visible() {
			shown = h.m.tips.txt.Text
		}
	})
	if !strings.Contains(shown, keyLabel(keyClear)) {
		t.Errorf("tooltip %q, want the shortcut %s", shown, keyLabel(keyClear))
	}
	if err := h.eval(func() bool { return inside(h.win, h.m.tips.box) == nil }); !err {
		t.Errorf("the tooltip is drawn outside the window")
	}
	// A click goes to the button (and takes the tip away).
	h.do(func() { test.Tap(area.b) })
	if !h.eval(func() bool { return h.win.Canvas().Overlays().Top() != nil && !h.m.tips.box.Visible() }) {
		t.Error("tapping Clear all under its tooltip did not ask to clear, or left the tip")
	}
	h.do(func() { h.win.Canvas().Overlays().Remove(h.win.Canvas().Overlays().Top()) })
	h.do(func() { area.MouseIn(&desktop.MouseEvent{}); area.MouseOut() })
	if h.eval(func() bool { return h.m.tips.box.Visible() }) {
		t.Error("the tooltip stays after the pointer left")
	}
}

// TestHelpLinksAreReadmeHeadings: each Help link lands on a README section.
func TestHelpLinksAreReadmeHeadings(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{"#readme": true}
	strip := regexp.MustCompile(`[^a-z0-9 _-]`)
	inCode := false
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		anchors["#"+strings.ReplaceAll(strip.ReplaceAllString(h, ""), " ", "-")] = true
	}
	for _, l := range helpLinks {
		if !anchors[l.anchor] {
			t.Errorf("Help > %s links to %s, which is no README heading", l.label, l.anchor)
		}
	}
}

func TestRepoURLMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if mod := strings.TrimPrefix(first, "module "); "https://"+mod != repoURL {
		t.Errorf("go.mod's module is %s, the Help menu links to %s", mod, repoURL)
	}
}

func TestAboutVersion(t *testing.T) {
	cases := []struct {
		name string
		in   version.Info
		want string
	}{
		{"a release build", version.Info{Version: "0.1.0", Commit: "77eb94b2c1d3e4f5a6b7", Date: "2026-12-05T06:12:00Z",
			Go: "go1.27.3", Platform: "linux/amd64"}, "0.1.0 · 77eb94b2c1d3 (2026-12-05 06:12:00 UTC) · go1.27.3 linux/amd64"},
		{"with local changes", version.Info{Version: "0.1.0", Commit: "abc", Modified: true, Go: "go1.27.3", Platform: "windows/amd64"},
			"0.1.0 · abc (with local changes) · go1.27.3 windows/amd64"},
		{"no commit", version.Info{Version: "0.1.0", Go: "go1.27.3", Platform: "darwin/arm64"},
			"0.1.0 · no commit recorded · go1.27.3 darwin/arm64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := aboutVersion(c.in); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
