package ui

import (
	"errors"
	"image/color"
	"net/url"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/assets"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/internal/version"
)

// repoURL is the project's home: the module path in go.mod (a test keeps
// them in step).
const repoURL = "https://github.com/gancho-app/gancho"

// helpLinks are the Help menu's pages: the README's sections on the
// project's home (a test checks each anchor is a README heading).
var helpLinks = []struct{ label, anchor string }{
	{"Documentation (README)", "#readme"},
	{"Using the window", "#the-window"},
	{"Response rules", "#response-rules"},
	{"Replay, import and export", "#replay-forward-import-and-export"},
	{"Command line", "#command-line"},
}

// Every shortcut that can fire from the menu carries Ctrl (⌘ on macOS):
// the window hands a modified key to the menu before the focused entry,
// and none of these edits text, so typing in a field never triggers an
// action by accident. Delete, which would, is only a key of the list
// (Main.typedKey), which the window never sees while a field has focus.
var (
	keyNewRequest = cmdKey(fyne.KeyN)
	keyReplay     = cmdKey(fyne.KeyR)
	keyEdit       = cmdKey(fyne.KeyE)
	keyCopyURL    = cmdShiftKey(fyne.KeyC)
	keySearch     = cmdKey(fyne.KeyK)
	keyClear      = cmdShiftKey(fyne.KeyDelete)
	keyInbound    = cmdKey(fyne.Key1)
	keyOutbound   = cmdKey(fyne.Key2)
	keySuites     = cmdKey(fyne.Key3)
	keyImport     = cmdKey(fyne.KeyO)
	keyExport     = cmdShiftKey(fyne.KeyE)
	keySaveBody   = cmdKey(fyne.KeyS)
	keySettings   = cmdKey(fyne.KeyComma)
	keyShortcuts  = cmdKey(fyne.KeySlash)
	keyQuit       = cmdKey(fyne.KeyQ)
)

func cmdKey(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

func cmdShiftKey(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
}

// deleteHint shows "Delete" beside Delete capture. It is never dispatched
// by the menu on Linux and Windows (the window only builds shortcuts of
// modified keys); macOS's native menu would bind it, and fire it in text
// fields, so there the item shows no key.
func deleteHint() fyne.Shortcut {
	if runtime.GOOS == "darwin" {
		return nil
	}
	return &desktop.CustomShortcut{KeyName: fyne.KeyDelete}
}

// keyLabel spells a shortcut for tooltips: "Ctrl+Shift+C", or "⌘⇧C" on
// macOS.
func keyLabel(sc fyne.Shortcut) string {
	ks, ok := sc.(fyne.KeyboardShortcut)
	if !ok {
		return ""
	}
	mac := runtime.GOOS == "darwin"
	var b strings.Builder
	for _, m := range []struct {
		mod       fyne.KeyModifier
		pc, apple string
	}{
		{fyne.KeyModifierControl, "Ctrl+", "⌃"}, {fyne.KeyModifierAlt, "Alt+", "⌥"},
		{fyne.KeyModifierShift, "Shift+", "⇧"}, {fyne.KeyModifierSuper, "Super+", "⌘"},
	} {
		if ks.Mod()&m.mod != 0 {
			if mac {
				b.WriteString(m.apple)
			} else {
				b.WriteString(m.pc)
			}
		}
	}
	b.WriteString(string(ks.Key()))
	return b.String()
}

// withKey is a tooltip: what a control does, and its shortcut.
func withKey(what string, sc fyne.Shortcut) string {
	return what + " (" + keyLabel(sc) + ")"
}

// menuState is the main menu and the items whose state follows the
// window (UI goroutine).
type menuState struct {
	main *fyne.MainMenu
	// needSel are enabled only while a capture is selected.
	needSel []*fyne.MenuItem
	pause   *fyne.MenuItem
	themes  map[string]*fyne.MenuItem
}

// MainMenu returns the window's menu bar, built on first use: File, Edit,
// View, Tools and Help, each item one of the window's actions with its
// shortcut (UI goroutine).
func (m *Main) MainMenu() *fyne.MainMenu {
	if m.menu.main != nil {
		return m.menu.main
	}
	item := func(label string, sc fyne.Shortcut, f func()) *fyne.MenuItem {
		it := fyne.NewMenuItem(lang.L(label), m.unlessDialog(f))
		it.Shortcut = sc
		return it
	}
	sep := fyne.NewMenuItemSeparator

	file := []*fyne.MenuItem{}
	if m.opts.Importer != nil {
		file = append(file, item("Import HAR, JSON lines, cURL or raw HTTP…", keyImport, m.showImport))
	}
	saveBody := item("Save body to file…", keySaveBody, func() { m.onSelected(m.saveBody) })
	file = append(file, saveBody, item("Export…", keyExport, m.showExport))
	if m.suites != nil {
		file = append(file, item("Save as suite…", nil, func() { m.saveAsSuite(m.suiteSource()) }),
			item("Open suite…", nil, func() { m.showSuites(); m.suites.openFile() }))
	}
	if m.opts.Settings != nil {
		file = append(file, sep(), item("Settings…", keySettings, m.showSettings))
	}
	// Quit closes the window like its close button, so the window's size
	// and split are saved; the driver fills in the action.
	quit := fyne.NewMenuItem(lang.L("Quit"), nil)
	quit.IsQuit, quit.Shortcut = true, keyQuit
	file = append(file, sep(), quit)

	del := item("Delete capture", deleteHint(), m.deleteSelected)
	copyAs := func(label string, f exchange.Format) *fyne.MenuItem {
		return item(label, nil, func() { m.onSelected(func(id string) { m.copyEncoded(id, f) }) })
	}
	asCurl, asHAR, asRaw := copyAs("Copy as cURL", exchange.Curl), copyAs("Copy as HAR entry", exchange.HAR), copyAs("Copy as raw HTTP", exchange.Raw)
	find := item("Find in body", findShortcut, func() { m.onSelected(func(string) { m.detail.OpenFind() }) })
	edit := []*fyne.MenuItem{
		item("Copy capture URL", keyCopyURL, m.copyURL),
		asCurl, asHAR, asRaw,
		sep(),
		item("Search captures", keySearch, m.focusSearch),
		find,
		sep(),
		del,
		item("Clear all…", keyClear, m.confirmClear),
	}
	m.menu.needSel = append(m.menu.needSel, saveBody, del, asCurl, asHAR, asRaw, find)

	var view []*fyne.MenuItem
	if m.sections != nil {
		view = append(view, item("Inbound: captures", keyInbound, func() { m.sections.SelectIndex(0) }))
		if m.outbound != nil {
			view = append(view, item("Outbound: events and subscriptions", keyOutbound, func() { m.sections.SelectIndex(1) }))
		}
		if m.suites != nil {
			view = append(view, item("Suites: regression tests", keySuites, m.showSuites))
		}
		view = append(view, sep())
	}
	m.menu.pause = item("Pause list", nil, m.togglePause)
	m.menu.themes = map[string]*fyne.MenuItem{}
	var themeItems []*fyne.MenuItem
	for _, t := range []struct{ name, label string }{{themeSystem, "As the system"}, {themeDark, "Dark"}, {themeLight, "Light"}} {
		it := item(t.label, nil, func() { m.setTheme(t.name) })
		m.menu.themes[t.name] = it
		themeItems = append(themeItems, it)
	}
	themes := fyne.NewMenuItem(lang.L("Theme"), nil)
	themes.ChildMenu = fyne.NewMenu("", themeItems...)
	view = append(view, m.menu.pause, themes)

	var tools []*fyne.MenuItem
	if m.opts.Sender != nil {
		replay := item("Replay", keyReplay, m.replaySelected)
		editSend := item("Edit and send…", keyEdit, m.editSelected)
		tools = append(tools, item("New request…", keyNewRequest, m.newRequest), replay, editSend, sep(),
			item("Replay listed or picked captures…", nil, m.showBulk))
		m.menu.needSel = append(m.menu.needSel, replay, editSend)
	}
	tools = append(tools, item("Unpick all", nil, m.clearPicks))

	help := []*fyne.MenuItem{}
	for _, l := range helpLinks {
		help = append(help, item(l.label, nil, func() { m.openLink(repoURL + "/" + l.anchor) }))
	}
	help = append(help, sep(), item("Keyboard shortcuts", keyShortcuts, m.showShortcuts), sep(),
		item("Report a problem", nil, func() { m.openLink(repoURL + "/issues") }),
		item("About Gancho", nil, m.showAbout))

	m.menu.main = fyne.NewMainMenu(
		fyne.NewMenu(lang.L("File"), file...),
		fyne.NewMenu(lang.L("Edit"), edit...),
		fyne.NewMenu(lang.L("View"), view...),
		fyne.NewMenu(lang.L("Tools"), tools...),
		fyne.NewMenu(lang.L("Help"), help...),
	)
	m.updateMenu()
	return m.menu.main
}

// unlessDialog runs f unless a dialog is open: the menu bar takes no
// clicks then, and its shortcuts wait the same way (Ctrl+E must not open
// a second editor over the first).
func (m *Main) unlessDialog(f func()) func() {
	return func() {
		if m.win != nil && m.win.Canvas().Overlays().Top() != nil {
			return
		}
		f()
	}
}

// installShortcuts binds the menu's shortcuts on c as well, so they also
// work where the window has no menu bar to dispatch them (and through
// the test driver). The menu's own dispatch runs first where it exists.
func (m *Main) installShortcuts(c fyne.Canvas) {
	var add func(items []*fyne.MenuItem)
	add = func(items []*fyne.MenuItem) {
		for _, it := range items {
			if it.ChildMenu != nil {
				add(it.ChildMenu.Items)
			}
			ks, ok := it.Shortcut.(*desktop.CustomShortcut)
			if !ok || ks.Modifier == 0 {
				continue // Delete is a key of the list, not a shortcut
			}
			c.AddShortcut(ks, func(fyne.Shortcut) {
				if it.Action != nil && !it.Disabled { // Quit's action is the driver's, set late
					it.Action()
				}
			})
		}
	}
	for _, menu := range m.MainMenu().Items {
		add(menu.Items)
	}
}

// updateMenu puts the items' states in step with the window, refreshing
// the menu bar only when one changed (UI goroutine).
func (m *Main) updateMenu() {
	if m.menu.main == nil {
		return
	}
	changed := false
	set := func(it *fyne.MenuItem, disabled, checked bool) {
		if it.Disabled != disabled || it.Checked != checked {
			it.Disabled, it.Checked, changed = disabled, checked, true
		}
	}
	noSel := m.selectedID() == ""
	for _, it := range m.menu.needSel {
		set(it, noSel, false)
	}
	set(m.menu.pause, false, m.paused)
	cur := m.themeName()
	for name, it := range m.menu.themes {
		set(it, false, name == cur)
	}
	if changed && m.win != nil && m.win.MainMenu() == m.menu.main {
		m.menu.main.Refresh()
	}
}

// onSelected calls f with the selected capture's id, if one is.
func (m *Main) onSelected(f func(id string)) {
	if id := m.selectedID(); id != "" {
		f(id)
	}
}

// copyURL copies the capture URL.
func (m *Main) copyURL() { m.copy(m.localURL()) }

// focusSearch puts the cursor in the list's search field, showing the
// Inbound section first if Outbound is in front.
func (m *Main) focusSearch() {
	if m.sections != nil {
		m.sections.SelectIndex(0)
	}
	if m.win != nil {
		m.win.Canvas().Focus(m.search)
	}
}

// newRequest opens the editor on an empty request to the replay target.
func (m *Main) newRequest() {
	if m.opts.Sender == nil {
		return
	}
	target := ""
	if m.replays != nil {
		target = m.replays.target.Text
	}
	m.showEditor(nil, target)
}

// replaySelected sends the selected capture again, unchanged.
func (m *Main) replaySelected() {
	if m.replays != nil && m.selectedID() != "" {
		m.replays.replay()
	}
}

// editSelected opens the selected capture in Edit and send.
func (m *Main) editSelected() {
	if m.replays != nil && m.replays.cur != nil && m.selectedID() != "" {
		m.showEditor(m.replays.cur, m.replays.target.Text)
	}
}

// openLink opens a web page in the browser, or says why it could not.
func (m *Main) openLink(s string) {
	u, err := url.Parse(s)
	if err == nil {
		if m.openURL != nil {
			err = m.openURL(u)
		} else if a := fyne.CurrentApp(); a != nil {
			err = a.OpenURL(u)
		}
	}
	if err != nil && m.win != nil {
		dialog.ShowError(errors.New(lang.L("could not open {{.URL}}: {{.Err}}; open it in a browser by hand", map[string]any{"URL": s, "Err": err.Error()})), m.win)
	}
}

// aboutVersion says which build this is: the release, the commit it was
// built from and when, the Go version and the platform.
func aboutVersion(in version.Info) string {
	v := in.Version
	var notes []string
	if in.Date != "" {
		notes = append(notes, strings.Replace(strings.TrimSuffix(in.Date, "Z"), "T", " ", 1)+" UTC")
	}
	if in.Modified {
		notes = append(notes, lang.L("with local changes"))
	}
	if c := in.Short(); c != "" {
		v += " · " + c
	} else {
		v += " · " + lang.L("no commit recorded")
	}
	if len(notes) > 0 {
		v += " (" + strings.Join(notes, ", ") + ")"
	}
	return v + " · " + in.Go + " " + in.Platform
}

// showAbout shows the version, with a button to copy it for a bug report.
func (m *Main) showAbout() {
	if m.win == nil {
		return
	}
	ver := aboutVersion(version.Get())
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("gancho.png", assets.IconPNG))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(72))
	name := widget.NewLabelWithStyle("Gancho", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	what := widget.NewLabelWithStyle(lang.L("Capture, inspect, replay and emit webhooks."), fyne.TextAlignCenter, fyne.TextStyle{})
	verLabel := widget.NewLabelWithStyle(ver, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	verLabel.Selectable = true
	home, _ := url.Parse(repoURL)
	link := widget.NewHyperlinkWithStyle(repoURL, home, fyne.TextAlignCenter, fyne.TextStyle{})
	link.OnTapped = func() { m.openLink(repoURL) }
	copyVer := widget.NewButtonWithIcon(lang.L("Copy version"), theme.ContentCopyIcon(), func() { m.copy("Gancho " + ver) })
	dialog.ShowCustom(lang.L("About Gancho"), lang.L("Close"), container.NewVBox(icon, name, what, verLabel, link,
		container.NewCenter(copyVer)), m.win)
}

// showShortcuts lists every shortcut: the menu's and the list's keys.
func (m *Main) showShortcuts() {
	if m.win == nil {
		return
	}
	form := widget.NewForm()
	var add func(items []*fyne.MenuItem)
	add = func(items []*fyne.MenuItem) {
		for _, it := range items {
			if it.ChildMenu != nil {
				add(it.ChildMenu.Items)
			}
			if it.Shortcut != nil {
				form.Append(keyLabel(it.Shortcut), widget.NewLabel(strings.TrimSuffix(it.Label, "…")))
			}
		}
	}
	for _, menu := range m.MainMenu().Items {
		add(menu.Items)
	}
	form.Append("↑ ↓", widget.NewLabel(lang.L("Move through the list")))
	form.Append(lang.L("Space"), widget.NewLabel(lang.L("Pick or unpick the capture (export, bulk replay)")))
	form.Append("F3, Enter", widget.NewLabel(lang.L("Next match in the body (Shift: previous)")))
	if deleteHint() == nil {
		form.Append("Delete", widget.NewLabel(lang.L("Delete capture")))
	}
	note := widget.NewLabel(lang.L("The list's keys work while no text field has the cursor."))
	note.Importance = widget.LowImportance
	d := dialog.NewCustom(lang.L("Keyboard shortcuts"), lang.L("Close"), container.NewBorder(nil, note, nil, nil, container.NewVScroll(form)), m.win)
	d.Resize(fyne.NewSize(520, 560))
	d.Show()
}

// The window's theme is a preference of this machine, not a setting of
// the data directory: "system" follows the desktop (and FYNE_THEME).
const (
	prefTheme   = "theme"
	themeSystem = "system"
	themeDark   = "dark"
	themeLight  = "light"
)

// fixedVariant is the app's theme held to one variant.
type fixedVariant struct {
	fyne.Theme
	v fyne.ThemeVariant
}

// Color ignores the variant asked for (fyne.Theme).
func (t fixedVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// themeName is the theme chosen in View > Theme.
func (m *Main) themeName() string {
	if a := fyne.CurrentApp(); a != nil {
		switch s := a.Preferences().String(prefTheme); s {
		case themeDark, themeLight:
			return s
		}
	}
	return themeSystem
}

// applyTheme puts the app on the theme named: themeSystem, themeDark or
// themeLight.
func applyTheme(a fyne.App, name string) {
	switch name {
	case themeDark, themeLight:
		a.Settings().SetTheme(fixedVariant{newAppTheme(), variantOf(a, name)})
	default:
		a.Settings().SetTheme(newAppTheme())
	}
}

// variantOf is the variant the theme named shows.
func variantOf(a fyne.App, name string) fyne.ThemeVariant {
	switch name {
	case themeDark:
		return theme.VariantDark
	case themeLight:
		return theme.VariantLight
	}
	return a.Settings().ThemeVariant()
}

// setTheme switches the theme, remembers it, and redraws the body and the
// delivery attempts in the matching syntax colours (UI goroutine).
func (m *Main) setTheme(name string) {
	a := fyne.CurrentApp()
	if a == nil {
		return
	}
	a.Preferences().SetString(prefTheme, name)
	applyTheme(a, name)
	m.styles = newStyles(paletteFor(variantOf(a, name)))
	clear(m.cache) // rendered in the old colours
	m.cacheQ = nil
	m.detail.refreshBody()
	if m.outbound != nil {
		m.outbound.reload() // its attempts pane too was rendered in the old colours
	}
	m.spark.Refresh()
	m.updateMenu()
}

func paletteFor(v fyne.ThemeVariant) palette {
	if v == theme.VariantLight {
		return lightPalette
	}
	return darkPalette
}
