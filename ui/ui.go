// Package ui holds every Fyne widget, window and dialog of Gancho. Engine
// packages publish events on any goroutine; ui crosses to the Fyne thread
// in exactly one place, the pump goroutine, with fyne.Do.
package ui

import (
	"context"
	"fmt"
	"image/color"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/assets"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/tunnel"
)

// AppID is Gancho's application ID (preferences and storage are keyed on it).
const AppID = "io.github.gancho_app.gancho"

// Captures is what the window needs from the capture store. Subscribe's
// channel is fed from any goroutine; the other methods are safe for
// concurrent use.
type Captures interface {
	Subscribe(ctx context.Context) (<-chan capture.Event, func())
	List(ctx context.Context, q capture.Query) ([]*capture.Request, error)
	// Each streams every capture matching q in one read (bulk actions).
	Each(ctx context.Context, q capture.Query, fn func(*capture.Request) error) error
	Count(ctx context.Context, q capture.Query) (int, error)
	Get(ctx context.Context, id string) (*capture.Request, error)
	Methods(ctx context.Context) ([]string, error)
	Delete(ctx context.Context, id string) error
	// Clear removes the captures up to and including through ("" = all),
	// keeping any that arrived after it.
	Clear(ctx context.Context, through string) (int, error)
	Stats() (count int, bodyBytes int64)
}

// Recorder switches capture on and off; safe for concurrent use.
type Recorder interface {
	SetPaused(bool)
	Paused() bool
}

// Options wires the window to the engine.
type Options struct {
	URL      string // where capture listens, shown to the user
	DataDir  string
	Captures Captures
	Recorder Recorder // nil: no capture switch
	Settings Settings // nil: no Settings dialog
	Tunnel   Tunnel   // nil: no public URL switch
	Sender   Sender   // nil: no replay
	Replays  Replays  // nil: attempts are not stored or listed
	Importer Importer // nil: no import
	// Forwarding, if set, adds the "Forward live" switch; a target it
	// already has (--forward) shows as on.
	Forwarding Forwarding
	// Outbound, if set, adds the Outbound section: subscriptions, firing
	// events and the delivery log.
	Outbound *Outbound
	// RunSuite, if set, adds the Suites section (suites.go): suites saved
	// from captures, edited, and run against a receiver.
	RunSuite SuiteRunner
}

// Run opens the main window and blocks until it is closed.
func Run(opts Options) {
	a := app.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("gancho.png", assets.IconPNG))
	applyTheme(a, a.Preferences().String(prefTheme)) // newAppTheme, in the variant chosen in View > Theme
	w := a.NewWindow("Gancho")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Subscribe before the first load so nothing committed in between is missed.
	events, unsubscribe := opts.Captures.Subscribe(ctx)
	defer unsubscribe()
	m := NewMain(opts, w)
	m.alerts.async = func(f func()) { go f() }
	w.SetContent(m.Content())
	prefs := a.Preferences()
	w.Resize(defaultSize)
	// Size and splits are remembered per screen (winlayout.go); the screen
	// is known once the driver runs.
	var sc screen
	a.Lifecycle().SetOnStarted(func() {
		sc = primaryScreen(w)
		m.applyLayout(w, prefs, sc)
	})
	w.Canvas().SetOnTypedKey(m.typedKey)
	w.SetMainMenu(m.MainMenu())
	m.installShortcuts(w.Canvas())
	// Hooks that arrive while another window has the focus are announced.
	a.Lifecycle().SetOnExitedForeground(func() { m.alerts.setBackground(true) })
	a.Lifecycle().SetOnEnteredForeground(func() { m.alerts.setBackground(false) })
	w.SetOnClosed(func() {
		cancel() // stop the pump before the UI loop ends
		m.keepLayout(w, prefs, sc)
	})
	go m.Pump(ctx, events)
	w.ShowAndRun()
}

// pageSize is how many list rows are fetched at a time.
const pageSize = 300

// Main is the inspector window: top bar, the capture list with search,
// and the detail of the selected capture.
type Main struct {
	opts   Options
	win    fyne.Window
	items  []*capture.Request // summaries, newest first
	more   bool               // the store may hold rows past items
	total  int
	sel    int // index in items, -1 for none
	list   *widget.List
	search *widget.Entry
	method *widget.Select
	count  *widget.Label
	detail *Detail
	split  *container.Split
	empty  fyne.CanvasObject
	noSel  fyne.CanvasObject
	right  *fyne.Container
	root   *fyne.Container
	styles *styles
	cache  map[string]rendered
	// renderCtx is the body view being computed; cancelled when another
	// is asked for, so a superseded 1 MiB view stops costing CPU.
	renderCtx    context.Context
	renderCancel context.CancelFunc
	cacheQ       []string
	results      chan func()   // UI updates computed off the UI goroutine
	quit         chan struct{} // closed when Pump returns: nothing applies results any more
	paused       bool          // the list is frozen while the user reads
	waiting      int           // captures that arrived while paused
	pause        *widget.Button
	capture      *widget.Check // nil without a Recorder
	urlLbl       *midLabel
	tbar         *tunnelBar   // nil without a Tunnel
	replays      *replayPanel // nil without a Sender
	// outbound is the Outbound section, nil without Options.Outbound.
	outbound *outboundPanel
	// suites is the Suites section, nil without Options.RunSuite.
	suites   *suitesPanel
	sections *container.AppTabs
	// compareBase is the capture marked as the left side of a comparison;
	// compareName names it in menus (method, path, time), never by ID.
	compareBase string
	compareName string
	// saver asks where to save a body and writes it (copy.go); tests
	// replace it to catch the bytes without a dialog.
	saver fileSaver
	// picked are the captures picked for export and bulk replay (by id).
	picked  map[string]bool
	tunSig  chan struct{} // a new tunnel status is waiting in tunLast
	fwdSig  chan struct{} // captures were forwarded live (replayPanel.fwdIDs)
	tunLast atomic.Pointer[tunnel.Status]
	// applied, if set (tests), receives after each update the pump applied.
	applied chan struct{}
	// now is the clock rows' ages are computed from (tests inject one);
	// ageAt is its reading at the last list refresh: every row shows its
	// age at that one instant, so a newer row never looks older.
	now   func() time.Time
	ageAt time.Time
	// after runs short UI timers (the Settings "Saved" note fading); tests
	// inject one.
	after afterFunc
	// newPill, shown while the list is scrolled down, counts the captures
	// that arrived since the user left the top (unseen); it goes when they
	// are back there, and tapping it takes them there.
	newPill *widget.Button
	unseen  int
	rowStep float32 // a row's height plus the gap between rows
	// settling is set while apply moves the list itself, so the row
	// updates that causes are not taken for the user scrolling to the top.
	settling bool
	// rl runs the list's queries off the UI goroutine (search.go).
	rl reloadState
	// content is root with the tooltips' layer over it (tooltip.go).
	content fyne.CanvasObject
	tips    *tips
	// spark is the top bar's requests per minute (sparkline.go).
	spark *sparkline
	// alerts notify of captures arriving in the background (notify.go).
	alerts *hookAlerts
	// menu is the main menu (menu.go); openURL, if set (tests), opens its links.
	menu    menuState
	openURL func(*url.URL) error
}

// NewMain builds the window's content; call Pump to make it live. w may be
// nil (tests): dialogs and the clipboard then do nothing.
func NewMain(opts Options, w fyne.Window) *Main {
	m := &Main{opts: opts, win: w, sel: -1, cache: map[string]rendered{}, picked: map[string]bool{}, results: make(chan func(), 16),
		quit: make(chan struct{}), tunSig: make(chan struct{}, 1), fwdSig: make(chan struct{}, 1), now: time.Now, after: realAfter,
		rl: reloadState{after: realAfter, matched: -1}}
	m.ageAt = m.now()
	m.styles = newStyles(darkPalette)
	if a := fyne.CurrentApp(); a != nil {
		m.styles = newStyles(paletteFor(variantOf(a, m.themeName())))
	}
	m.tips = newTips(m.post)
	clock := func() time.Time { return m.now() } // tests set m.now after NewMain
	m.spark = newSparkline(clock, m.tips)
	m.spark.after, m.spark.post = realAfter, m.post
	m.alerts = &hookAlerts{now: clock, after: realAfter, post: m.post, enabled: func() bool {
		return m.opts.Settings == nil || !m.opts.Settings.Get().NoNotifications
	}}
	if a := fyne.CurrentApp(); a != nil {
		m.alerts.n = a
	}
	m.detail = newDetail(m.copy, m.renderAsync)
	m.detail.useTips(m.tips)
	m.detail.ageAt = func() time.Time { return m.ageAt }
	m.detail.menu = m.copyItems
	m.saver = dialogSaver{m}
	m.detail.find.post = m.post
	if opts.Sender != nil {
		m.replays = newReplayPanel(m)
		m.detail.addReplay(m.replays.actions, m.replays.tab)
	}
	m.count = widget.NewLabel("")

	m.list = widget.NewList(
		func() int { return len(m.items) },
		func() fyne.CanvasObject { return newRowWidget(m) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(m.items)-20 && m.more {
				m.loadMore()
			}
			if i == 0 && m.unseen > 0 && !m.settling && m.list.GetScrollOffset() <= 0 {
				m.hidePill() // the user is back at the top: the newest are in view
			}
			if i < len(m.items) {
				rw := o.(*rowWidget)
				rw.id, rw.index = m.items[i].ID, i
				updateRow(rw.content, m.items[i], rowMarks{picked: m.picked[m.items[i].ID], compare: m.compareBase == m.items[i].ID}, m.ageAt)
			}
		},
	)
	m.list.OnSelected = func(i widget.ListItemID) { m.selectIndex(i) }

	m.search = widget.NewEntry()
	m.search.SetPlaceHolder(lang.L("Search e-mail, phone, id, path…"))
	m.search.OnChanged = func(string) { m.searchChanged() }
	// The methods offered are those stored (PROPFIND, PURGE and custom
	// ones too), kept current as captures arrive and go.
	m.method = widget.NewSelect([]string{allMethods()}, func(string) { m.methodChanged() })
	m.method.SetSelected(allMethods())
	m.refreshMethods()

	// The URL takes the room left and, when short of it, loses the middle
	// of its secret prefix, never the scheme and host; Copy copies it whole.
	m.urlLbl = newMidLabel(m.localURL(), 16)
	copyURL := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), m.copyURL)
	// The list bar's buttons say it in one word where a language needs the
	// room (Portuguese): with the count beside them they share a third of
	// a 1024 px window. The menu keeps the longer names.
	clear := widget.NewButtonWithIcon(lang.X("list.clear", "Clear all"), theme.DeleteIcon(), m.confirmClear)
	// Capture itself never pauses (a sender must not see errors); the
	// list does, so a flood does not scroll what you are reading away.
	m.pause = widget.NewButtonWithIcon(lang.X("list.pause", "Pause list"), theme.MediaPauseIcon(), m.togglePause)
	top := container.NewHBox()
	if opts.Recorder != nil {
		m.capture = widget.NewCheck(lang.L("Capture on"), func(on bool) {
			opts.Recorder.SetPaused(!on)
			if on {
				m.capture.SetText(lang.L("Capture on"))
			} else {
				m.capture.SetText(lang.L("Capture paused: senders get 503"))
			}
		})
		m.capture.SetChecked(!opts.Recorder.Paused())
		top.Add(m.capture)
	}
	if opts.Sender != nil {
		top.Add(m.tips.wrap(widget.NewButtonWithIcon(lang.L("New request"), theme.ContentAddIcon(), m.newRequest),
			withKey(lang.L("Compose a request and send it"), keyNewRequest)))
	}
	var tools *widget.Button
	tools = widget.NewButtonWithIcon(lang.L("Tools"), theme.MenuIcon(), func() {
		if m.win != nil {
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(tools).AddXY(0, tools.Size().Height)
			widget.ShowPopUpMenuAtPosition(m.toolsMenu(), m.win.Canvas(), pos)
		}
	})
	top.Add(m.tips.wrap(tools, lang.L("Export, import and bulk replay of the listed or picked captures")))
	if opts.Settings != nil {
		top.Add(m.tips.wrap(widget.NewButtonWithIcon(lang.L("Settings"), theme.SettingsIcon(), m.showSettings),
			withKey(lang.L("Settings"), keySettings)))
	}
	bars := container.NewVBox(container.NewBorder(nil, nil,
		container.NewHBox(widget.NewLabel(lang.L("Capture URL")), m.tips.wrap(copyURL, withKey(lang.L("Copy the capture URL"), keyCopyURL))), top, m.urlLbl))
	if opts.Tunnel != nil {
		m.tbar = newTunnelBar(m, opts.Tunnel)
		bars.Add(m.tbar.root)
	}
	bars.Add(widget.NewSeparator())

	// What acts on the list sits above it, which leaves the top bar's room
	// to the URL.
	m.count.Truncation = fyne.TextTruncateEllipsis
	listBar := container.NewBorder(nil, nil, nil, container.NewHBox(m.tips.wrap(m.pause, lang.L("Freeze the list while you read; capture goes on")),
		m.tips.wrap(clear, withKey(lang.L("Delete every capture, after asking"), keyClear))), m.count)
	filters := container.NewVBox(listBar, container.NewBorder(nil, nil, nil, m.method, m.search))
	m.newPill = widget.NewButtonWithIcon("", theme.MoveUpIcon(), m.showNewest)
	m.newPill.Importance = widget.HighImportance
	m.newPill.Hide()
	left := container.NewBorder(filters, nil, nil, nil,
		container.NewStack(m.list, container.NewVBox(container.NewHBox(layout.NewSpacer(), m.newPill, layout.NewSpacer()))))

	m.noSel = container.NewCenter(widget.NewLabel(lang.L("Select a capture to see its body, headers and query.")))
	m.empty = emptyState(m.localURL(), m.copy)
	m.right = container.NewStack(m.empty)
	m.split = container.NewHSplit(left, m.right)
	m.split.Offset = 0.38
	var body fyne.CanvasObject = m.split
	if opts.Outbound != nil || opts.RunSuite != nil {
		m.sections = container.NewAppTabs(container.NewTabItemWithIcon(lang.L("Inbound: captures"), theme.DownloadIcon(), m.split))
		if opts.Outbound != nil {
			m.outbound = newOutboundPanel(m, *opts.Outbound)
			m.sections.Append(container.NewTabItemWithIcon(lang.L("Outbound: events and subscriptions"), theme.UploadIcon(), m.outbound.root))
		}
		if opts.RunSuite != nil {
			m.suites = newSuitesPanel(m, opts.RunSuite)
			m.sections.Append(m.suites.tab)
		}
		// The sparkline sits at the right end of the tabs' row, which is
		// empty there: in the top row it took the room the capture URL
		// needs at 1024 px.
		m.spark.height = theme.IconInlineSize() + 2*theme.InnerPadding() // a tab's height
		body = container.NewStack(m.sections, container.NewVBox(container.NewHBox(layout.NewSpacer(), m.spark)))
		if m.outbound != nil {
			m.outbound.reload()
		}
	} else {
		top.Objects = append([]fyne.CanvasObject{m.spark}, top.Objects...)
	}
	m.root = container.NewBorder(bars, nil, nil, nil, body)
	// The first page is read here, before the window shows: newest first by
	// the store's order key, it costs the same at any store size.
	q := m.query()
	items, err := opts.Captures.List(context.Background(), q)
	m.rl.gen = 1
	m.showPage(1, q, items, err)
	m.spark.seed(m.items, m.more)
	m.content = container.NewStack(m.root, m.tips.layer)
	return m
}

// Content returns the root object.
func (m *Main) Content() fyne.CanvasObject { return m.content }

// prefix is the secret path prefix senders must use, or "".
func (m *Main) prefix() string {
	if m.opts.Settings == nil {
		return ""
	}
	return m.opts.Settings.Get().Inbound.SecretPrefix
}

// secretPrefixes are the secret path prefixes captures may hold in their
// targets: the saved one and, when the capture store remembers them
// (capture.Store.SecretPrefixes), every one a capture server used, since
// a run's --secret-prefix is never saved in the settings.
func (m *Main) secretPrefixes() ([]string, error) {
	var out []string
	if m.opts.Settings != nil {
		out, _ = m.opts.Settings.Get().ExportRedactions()
	}
	pr, ok := m.opts.Captures.(interface {
		SecretPrefixes(ctx context.Context) ([]string, error)
	})
	if !ok {
		return out, nil
	}
	used, err := pr.SecretPrefixes(context.Background())
	if err != nil {
		return out, err
	}
	for _, p := range used {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// localURL is the capture URL a sender on this machine uses.
func (m *Main) localURL() string { return withPrefix(m.opts.URL, m.prefix()) }

// withPrefix appends the secret path prefix to a base URL.
func withPrefix(base, prefix string) string {
	if base == "" || prefix == "" {
		return base
	}
	return strings.TrimSuffix(base, "/") + "/" + prefix
}

// settingsChanged refreshes what shows the settings (UI goroutine).
func (m *Main) settingsChanged() {
	m.urlLbl.SetText(m.localURL())
	m.empty = emptyState(m.localURL(), m.copy)
	if m.tbar != nil {
		m.tbar.show(m.tbar.last)
	}
	m.updateRight()
}

// watchTunnel forwards tunnel states to the pump without ever blocking
// the tunnel: only the latest state matters.
func (m *Main) watchTunnel() (cancel func()) {
	if m.opts.Tunnel == nil {
		return func() {}
	}
	return m.opts.Tunnel.Watch(func(st tunnel.Status) {
		m.tunLast.Store(&st)
		select {
		case m.tunSig <- struct{}{}:
		default:
		}
	})
}

func emptyState(url string, copyFn func(string)) fyne.CanvasObject {
	curl := fmt.Sprintf("curl -X POST %s/hooks/test \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"event\":\"client.created\",\"name\":\"Ana Souza\"}'", url)
	title := widget.NewLabelWithStyle(lang.L("No captures yet"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	howto := widget.NewLabelWithStyle(lang.L("Point your webhook at this URL — any method, any path:"), fyne.TextAlignCenter, fyne.TextStyle{})
	u := widget.NewLabelWithStyle(url, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	example := widget.NewLabelWithStyle(curl, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	copyCurl := widget.NewButtonWithIcon(lang.L("Copy curl example"), theme.ContentCopyIcon(), func() { copyFn(curl) })
	copyURL := widget.NewButtonWithIcon(lang.L("Copy URL"), theme.ContentCopyIcon(), func() { copyFn(url) })
	return container.NewCenter(container.NewVBox(title, howto, u,
		container.NewCenter(container.NewHBox(copyURL, copyCurl)), example))
}

// methodColor gives each method family its badge colour.
func methodColor(method string) color.Color {
	switch method {
	case "GET":
		return color.NRGBA{0x2e, 0x7d, 0x32, 0xff}
	case "POST":
		return color.NRGBA{0x15, 0x65, 0xc0, 0xff}
	case "PUT", "PATCH":
		return color.NRGBA{0xb2, 0x6a, 0x00, 0xff}
	case "DELETE":
		return color.NRGBA{0xc6, 0x28, 0x28, 0xff}
	}
	return color.NRGBA{0x6a, 0x1b, 0x9a, 0xff}
}

// widestMethod sizes a row's method badge: the widest common method, a
// protocol name shown as it is in every language.
const widestMethod = "PROPFIND"

// rowWidget is one list row; a right-click opens its context menu.
type rowWidget struct {
	widget.BaseWidget
	m       *Main
	id      string
	index   widget.ListItemID
	content fyne.CanvasObject
}

// Tapped selects the row. Fyne routes a click to the deepest object that
// takes either kind of tap, so a row that has a context menu must also
// handle the primary tap itself.
func (r *rowWidget) Tapped(*fyne.PointEvent) {
	if r.id != "" {
		if r.m.win != nil {
			r.m.win.Canvas().Unfocus() // keys go to the list, not the search box
		}
		r.m.list.Select(r.index)
	}
}

func newRowWidget(m *Main) *rowWidget {
	r := &rowWidget{m: m, content: newRow()}
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer implements fyne.Widget.
func (r *rowWidget) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// TappedSecondary opens the row's context menu.
func (r *rowWidget) TappedSecondary(ev *fyne.PointEvent) {
	id := r.id
	if id == "" || r.m.win == nil {
		return
	}
	var items []*fyne.MenuItem
	if r.index < len(r.m.items) && r.m.items[r.index].ID == id {
		items = append(items, r.m.copyItems(r.m.items[r.index])...)
		items = append(items, fyne.NewMenuItemSeparator())
	}
	items = append(items, fyne.NewMenuItem(lang.L("Copy id"), func() { r.m.copy(id) }))
	items = append(items, r.m.compareItems(id)...)
	pick := lang.L("Pick for export or bulk replay (Space)")
	if r.m.picked[id] {
		pick = lang.L("Unpick (Space)")
	}
	items = append(items, fyne.NewMenuItem(pick, func() { r.m.togglePick(id) }))
	if r.m.outbound != nil {
		items = append(items, fyne.NewMenuItem(lang.L("Save as event template…"), func() { r.m.saveTemplateFor(id) }))
	}
	if r.m.suites != nil {
		items = append(items, fyne.NewMenuItem(r.m.suiteRowLabel(id), func() { r.m.saveAsSuite(r.m.suiteSourceFor(id)) }))
	}
	items = append(items, fyne.NewMenuItem(lang.L("Delete…"), func() { r.m.deleteID(id) })) // asks first
	menu := fyne.NewMenu("", items...)
	widget.ShowPopUpMenuAtPosition(menu, r.m.win.Canvas(), ev.AbsolutePosition)
}

// newRow builds a list row: the method badge (after the comparison
// mark's side bar), the target elided in the middle over its meta line,
// and the status column with the "compare" label under it. updateRow and
// the tests find the parts by position: content's Objects are lines,
// left, right.
func newRow() fyne.CanvasObject {
	bg := canvas.NewRectangle(color.Black)
	bg.CornerRadius = 4
	txt := canvas.NewText(widestMethod, color.White)
	txt.TextStyle = fyne.TextStyle{Bold: true}
	txt.TextSize = theme.TextSize() - 2
	txt.Alignment = fyne.TextAlignCenter
	badge := container.NewStack(bg, container.NewPadded(txt))
	// The middle goes when short of room: a path's end (the resource, the
	// query) is what tells two hooks apart; the detail shows it whole.
	target := newMidLabel("", 8)
	bg.SetMinSize(fyne.NewSize(84, 0)) // every badge as wide: targets line up
	meta := canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))
	meta.TextSize = theme.TextSize() - 2
	flags := container.NewHBox()
	lines := container.New(layout.NewCustomPaddedVBoxLayout(0), target, container.NewHBox(flags, layout.NewSpacer(), meta))
	bar := canvas.NewRectangle(color.Transparent)
	bar.SetMinSize(fyne.NewSize(4, 0))
	left := container.New(layout.NewCustomPaddedHBoxLayout(theme.Padding()), bar, container.NewCenter(badge))
	status := canvas.NewText("", theme.Color(theme.ColorNameForeground))
	status.TextStyle = fyne.TextStyle{Bold: true}
	status.Alignment = fyne.TextAlignTrailing
	strut := canvas.NewRectangle(color.Transparent)
	strut.SetMinSize(fyne.NewSize(fyne.MeasureText("5000", theme.TextSize(), status.TextStyle).Width, 0))
	tag := canvas.NewText(lang.L("compare"), compareMark())
	tag.TextSize = theme.TextSize() - 2
	tag.TextStyle = fyne.TextStyle{Bold: true}
	tag.Alignment = fyne.TextAlignTrailing
	tag.Hide()
	right := container.New(layout.NewCustomPaddedVBoxLayout(0),
		container.New(layout.NewCustomPaddedLayout(theme.InnerPadding(), 0, 0, theme.InnerPadding()), container.NewStack(strut, status)),
		container.New(layout.NewCustomPaddedLayout(0, 0, 0, theme.InnerPadding()), tag))
	return container.NewBorder(nil, nil, left, right, lines)
}

// maxFlags is how many check flags a row shows (refused, signature, duplicate, rule, imported).
const maxFlags = 5

// setFlags shows r's checks as small coloured words, reusing the texts.
func setFlags(box *fyne.Container, r *capture.Request) {
	for len(box.Objects) < maxFlags {
		t := canvas.NewText("", color.White)
		t.TextSize = theme.TextSize() - 2
		t.TextStyle = fyne.TextStyle{Bold: true}
		box.Objects = append(box.Objects, t)
	}
	n := 0
	for _, c := range checksOf(r) {
		if c.short == "" || n == maxFlags {
			continue
		}
		t := box.Objects[n].(*canvas.Text)
		t.Text, t.Color = c.short, c.sev.color()
		t.Show()
		t.Refresh()
		n++
	}
	for ; n < maxFlags; n++ {
		box.Objects[n].Hide()
	}
}

// rowMarks are a row's marks that are the user's, not the capture's.
type rowMarks struct {
	picked  bool // picked for export or bulk replay
	compare bool // marked as the left side of a comparison
}

// rowTargetRunes bounds what a row hands its label: a row never shows
// more, and a hostile 1 MiB target must not be measured on every layout.
const rowTargetRunes = 300

func updateRow(o fyne.CanvasObject, r *capture.Request, marks rowMarks, now time.Time) {
	c := o.(*fyne.Container)
	lines := c.Objects[0].(*fyne.Container)
	target := lines.Objects[0].(*midLabel)
	metaLine := lines.Objects[1].(*fyne.Container)
	meta := metaLine.Objects[2].(*canvas.Text)
	setFlags(metaLine.Objects[0].(*fyne.Container), r)
	left := c.Objects[1].(*fyne.Container)
	bar := left.Objects[0].(*canvas.Rectangle)
	badge := left.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container)
	bg := badge.Objects[0].(*canvas.Rectangle)
	txt := badge.Objects[1].(*fyne.Container).Objects[0].(*canvas.Text)
	method := r.Method
	if len(method) > 8 {
		method = method[:7] + "…"
	}
	txt.Text = method
	bg.FillColor = methodColor(r.Method)
	txt.Refresh()
	bg.Refresh()
	shown := elideMiddle(text.Line(r.Target), rowTargetRunes)
	if marks.picked {
		shown = "✔ " + shown
	}
	target.SetText(shown)
	right := c.Objects[2].(*fyne.Container)
	status := rowStatus(right)
	status.Text = statusShort(r)
	status.Color = importanceColor(statusImportance(r))
	status.Refresh()
	tag := right.Objects[1].(*fyne.Container).Objects[0].(*canvas.Text)
	if marks.compare {
		bar.FillColor = compareMark()
		tag.Color = compareMark()
		tag.Show()
	} else {
		bar.FillColor = color.Transparent
		tag.Hide()
	}
	bar.Refresh()
	tag.Refresh()
	ct := shortType(r.ContentType())
	size := loc.Size(r.BodySize)
	if r.Truncated {
		size += " ✂"
	}
	parts := []string{loc.Ago(now.Sub(r.ReceivedAt)), size}
	if ct != "" {
		parts = append(parts, ct)
	}
	meta.Text = strings.Join(parts, " · ")
	meta.Color = theme.Color(theme.ColorNamePlaceHolder)
	meta.Refresh()
}

// shortType is a content type as a row's meta line names it: without
// parameters and the "application/" every other type starts with, so the
// line fits beside the row's flags in a narrow list.
func shortType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	switch ct {
	case "application/x-www-form-urlencoded":
		return "form"
	case "multipart/form-data":
		return "multipart"
	case "application/octet-stream":
		return lang.L("binary")
	}
	return elideMiddle(text.Line(strings.TrimPrefix(ct, "application/")), 24)
}

// rowStatus is the status text of a row's right column.
func rowStatus(right *fyne.Container) *canvas.Text {
	return right.Objects[0].(*fyne.Container).Objects[0].(*fyne.Container).Objects[1].(*canvas.Text)
}

// elideMiddle keeps the start and the end of s, which is where paths and
// query strings differ.
func elideMiddle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	half := (n - 1) / 2
	return string(r[:half]) + "…" + string(r[len(r)-(n-1-half):])
}

// allMethods is the method filter's "no filter" choice, in the window's
// language (fixed while the window lives).
func allMethods() string { return lang.L("All methods") }

// refreshMethods re-reads the stored methods into the filter, keeping the
// one selected even when its last capture is gone (UI goroutine).
func (m *Main) refreshMethods() {
	ms, err := m.opts.Captures.Methods(context.Background())
	if err != nil {
		return // the filter keeps what it offered
	}
	m.setMethods(ms)
}

func (m *Main) setMethods(ms []string) {
	opts := append([]string{allMethods()}, ms...)
	if sel := m.method.Selected; sel != "" && !slices.Contains(opts, sel) {
		opts = append(opts, sel)
	}
	m.method.Options = opts
	m.method.Refresh()
}

// addMethod offers a method that just arrived, if new (UI goroutine).
func (m *Main) addMethod(method string) {
	if method == "" || slices.Contains(m.method.Options, method) {
		return
	}
	ms := append(slices.Clone(m.method.Options[1:]), method)
	slices.Sort(ms)
	m.setMethods(slices.Compact(ms))
}

func (m *Main) query() capture.Query {
	q := capture.Query{Search: m.search.Text, Prefix: true, Summary: true, Limit: pageSize}
	if m.method.Selected != "" && m.method.Selected != allMethods() {
		q.Method = m.method.Selected
	}
	return q
}

// filtered reports whether the search field or the method filter narrows
// the list (what the user asked for, even while its rows are coming).
func (m *Main) filtered() bool { return isFiltered(m.query()) }

func (m *Main) updateCount() {
	n, b := m.opts.Captures.Stats()
	m.total = n
	if n == 0 {
		// Portuguese puts 0 in the singular ("0 captura"): zero has its own text.
		m.count.SetText(lang.L("No captures"))
		return
	}
	if isFiltered(m.rl.listQ) {
		shown := loc.Int(int64(m.rl.matched))
		if m.rl.matched < 0 {
			shown = loc.Int(int64(len(m.items))) + "+" // counting: more than a page match
		}
		m.count.SetText(plural("{{.Shown}} of {{.Count}} captures", n, map[string]any{"Shown": shown}))
		return
	}
	line := plural("{{.Count}} captures", n) + " · " + loc.Size(b)
	if len(m.picked) > 0 {
		line = plural("{{.Count}} picked", len(m.picked)) + " · " + line
	}
	m.count.SetText(line)
}

// refreshList redraws the visible rows, their ages read from one clock
// reading, and moves the Info tab's age on to the same reading (UI
// goroutine).
func (m *Main) refreshList() {
	m.ageAt = m.now()
	m.list.Refresh()
	m.detail.refreshAge()
}

// tickAges is the periodic refresh: ages move on, and the new-captures
// pill goes once the user is back at the top by themselves.
func (m *Main) tickAges() {
	if m.unseen > 0 && m.list.GetScrollOffset() <= 0 {
		m.hidePill()
	}
	m.refreshList()
	m.spark.tick()
}

// showNewest scrolls to the newest capture (the pill's action).
func (m *Main) showNewest() {
	m.list.ScrollToTop()
	m.hidePill()
}

func (m *Main) hidePill() {
	m.unseen = 0
	m.newPill.Hide()
}

// step is the distance between two rows' tops in the list.
func (m *Main) step() float32 {
	if m.rowStep == 0 {
		m.rowStep = newRowWidget(m).MinSize().Height + m.list.Theme().Size(theme.SizeNamePadding)
	}
	return m.rowStep
}

// togglePick picks id for export and bulk replay, or unpicks it (UI
// goroutine).
func (m *Main) togglePick(id string) {
	if id == "" {
		return
	}
	if m.picked[id] {
		delete(m.picked, id)
	} else {
		m.picked[id] = true
	}
	m.refreshList()
	m.updateCount()
}

// clearPicks unpicks everything (UI goroutine).
func (m *Main) clearPicks() {
	clear(m.picked)
	m.refreshList()
	m.updateCount()
}

func (m *Main) updateRight() {
	var want fyne.CanvasObject
	switch {
	case m.sel >= 0:
		want = m.detail.root
	case m.total == 0 && !m.filtered():
		want = m.empty
	default:
		want = m.noSel
	}
	if len(m.right.Objects) != 1 || m.right.Objects[0] != want {
		m.right.Objects = []fyne.CanvasObject{want}
		m.right.Refresh()
	}
	m.updateMenu()
}

func (m *Main) selectedID() string {
	if m.sel >= 0 && m.sel < len(m.items) {
		return m.items[m.sel].ID
	}
	return ""
}

// selectQuietly moves the list's selection to row i, where the capture
// already shown now sits, without reopening it.
func (m *Main) selectQuietly(i int) {
	m.sel = i
	cb := m.list.OnSelected
	m.list.OnSelected = nil
	m.list.Select(i)
	m.list.OnSelected = cb
}

func (m *Main) selectIndex(i int) {
	if i < 0 || i >= len(m.items) {
		return
	}
	full, err := m.opts.Captures.Get(context.Background(), m.items[i].ID)
	if err != nil {
		m.count.SetText(lang.L("Could not open capture: {{.Err}}", map[string]any{"Err": err.Error()}))
		return
	}
	m.sel = i
	m.detail.Show(full)
	if m.replays != nil {
		m.replays.show(full)
	}
	m.updateRight()
}

// typedKey: up/down move the selection, Delete removes the selected
// capture, Space picks it, F3 steps the find bar.
func (m *Main) typedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyDown:
		if m.sel+1 < len(m.items) {
			m.list.Select(m.sel + 1)
		}
	case fyne.KeyUp:
		if m.sel > 0 {
			m.list.Select(m.sel - 1)
		} else if m.sel < 0 && len(m.items) > 0 {
			m.list.Select(0)
		}
	case fyne.KeyDelete:
		m.deleteSelected()
	case fyne.KeySpace:
		m.togglePick(m.selectedID())
	case fyne.KeyF3: // the find bar's next match (find.go)
		if m.sel >= 0 {
			m.detail.find.step(1)
		}
	}
}

func (m *Main) deleteSelected() { m.deleteID(m.selectedID()) }

func (m *Main) deleteID(id string) {
	if id == "" {
		return
	}
	del := func() {
		if err := m.opts.Captures.Delete(context.Background(), id); err != nil {
			m.count.SetText(lang.L("Delete failed: {{.Err}}", map[string]any{"Err": err.Error()}))
		}
		// The Deleted event from the store updates the list.
	}
	if m.win == nil {
		del()
		return
	}
	confirmDanger(m.win, lang.L("Delete this capture?"), m.captureLine(id)+"\n"+lang.L("It cannot be undone."), lang.L("Delete capture"), del)
}

func (m *Main) togglePause() {
	m.paused = !m.paused
	defer m.updateMenu()
	if m.paused {
		m.pause.SetText(lang.X("list.resume", "Resume list"))
		m.pause.SetIcon(theme.MediaPlayIcon())
		return
	}
	m.waiting = 0
	m.pause.SetText(lang.X("list.pause", "Pause list"))
	m.pause.SetIcon(theme.MediaPauseIcon())
	m.reload()
}

func (m *Main) confirmClear() {
	// What is cleared is what the store held when the user was asked:
	// a hook arriving while the confirmation is open is kept.
	through := m.newestStored()
	do := func() {
		// Off the UI goroutine: clearing a big store takes a while. The
		// Cleared event from the store re-reads the list.
		m.count.SetText(lang.L("Clearing…"))
		go func() {
			if through == "" {
				m.post(m.updateCount)
				return // nothing stored when asked
			}
			if _, err := m.opts.Captures.Clear(context.Background(), through); err != nil {
				m.post(func() { m.count.SetText(lang.L("Clear failed: {{.Err}}", map[string]any{"Err": err.Error()})) })
			}
		}()
	}
	if m.win == nil {
		do()
		return
	}
	dir := map[string]any{"Dir": m.opts.DataDir}
	msg, action := lang.L("There are no captures in {{.Dir}}.", dir), lang.L("Clear all")
	if m.total > 0 {
		msg, action = plural("This deletes all {{.Count}} captures from {{.Dir}}.", m.total, dir), plural("Delete {{.Count}} captures", m.total)
	}
	confirmDanger(m.win, lang.L("Clear all captures?"), msg+"\n"+lang.L("It cannot be undone."), action, do)
}

// newestStored is the id of the newest capture in the store ("" when it
// is empty): one indexed row, read on the UI goroutine.
func (m *Main) newestStored() string {
	rs, err := m.opts.Captures.List(context.Background(), capture.Query{Limit: 1, Summary: true})
	if err != nil || len(rs) == 0 {
		return ""
	}
	return rs[0].ID
}

func (m *Main) copy(s string) {
	if m.win != nil {
		fyne.CurrentApp().Clipboard().SetContent(s)
	}
}

// renderAsync computes a body view off the UI goroutine (cached per capture
// and mode) and applies it through the pump.
func (m *Main) renderAsync(r *capture.Request, mode string, apply func(rendered)) {
	if m.renderCancel != nil {
		m.renderCancel() // the view asked for before is superseded
	}
	m.renderCtx, m.renderCancel = context.WithCancel(context.Background())
	key := r.ID + "/" + mode
	if v, ok := m.cache[key]; ok {
		apply(v)
		return
	}
	st, ctx := m.styles, m.renderCtx
	go func() {
		v, lang := prepareBody(r, mode)
		if ctx.Err() != nil {
			return
		}
		if first, ok := firstScreen(v, lang, st); ok {
			if ctx.Err() != nil || !m.post(func() {
				if ctx.Err() == nil {
					apply(first)
				}
			}) {
				return
			}
		}
		rows, err := rowsCtx(ctx, v, lang, st, noWrap) // whole lines: the grid wraps them at its width
		if err != nil {
			return
		}
		v.rows = rows
		m.post(func() {
			if ctx.Err() != nil {
				return // superseded while it waited for the pump
			}
			m.remember(key, v)
			apply(v)
		})
	}()
}

// outboundChanged is the Outbound section's change signal, or nil (a nil
// channel never fires in a select).
func (m *Main) outboundChanged() <-chan struct{} {
	if m.opts.Outbound == nil {
		return nil
	}
	return m.opts.Outbound.Changed
}

// saveTemplateFor loads capture id and offers to save it as a template.
func (m *Main) saveTemplateFor(id string) {
	go func() {
		c, err := m.opts.Captures.Get(context.Background(), id)
		m.post(func() {
			if err != nil {
				m.count.SetText(lang.L("Could not open {{.ID}}: {{.Err}}", map[string]any{"ID": id, "Err": err.Error()}))
				return
			}
			m.showSaveTemplate(c)
		})
	}()
}

// post hands f to the pump; false when the window is gone.
func (m *Main) post(f func()) bool {
	select {
	case m.results <- f:
		return true
	case <-m.quit:
		return false
	}
}

// remember keeps the last few rendered bodies (UI goroutine).
func (m *Main) remember(key string, v rendered) {
	const keep = 12
	if _, ok := m.cache[key]; ok {
		return
	}
	m.cache[key] = v
	m.cacheQ = append(m.cacheQ, key)
	if len(m.cacheQ) > keep {
		delete(m.cache, m.cacheQ[0])
		m.cacheQ = m.cacheQ[1:]
	}
}

// Pump applies store events and finished background work to the widgets
// until events closes or ctx ends. It is the only goroutine that calls
// fyne.Do; subscribe before NewMain so no capture falls between the first
// load and the stream.
func (m *Main) Pump(ctx context.Context, events <-chan capture.Event) {
	defer close(m.quit)
	defer m.watchTunnel()()
	tick := time.NewTicker(5 * time.Second) // relative times age
	defer tick.Stop()
	for {
		var apply func()
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			apply = func() { m.apply(ev) }
		case f := <-m.results:
			apply = f
		case <-tick.C:
			apply = m.tickAges
		case <-m.outboundChanged():
			apply = m.outbound.reload
		case <-m.fwdSig:
			apply = m.replays.applyForwarded
		case <-m.tunSig:
			st := m.tunLast.Load()
			apply = func() {
				if m.tbar != nil && st != nil {
					m.tbar.show(*st)
				}
			}
		}
		// Wait for the UI: fyne.Do only queues, and an unbounded queue would
		// hide a slow UI from the store, whose Dropped event is the remedy.
		fyne.DoAndWait(apply)
		if m.applied != nil {
			select { // a "something changed" signal; never blocks the pump
			case m.applied <- struct{}{}:
			default:
			}
		}
	}
}

func (m *Main) apply(ev capture.Event) {
	switch ev.Kind {
	case capture.Added:
		m.spark.arrived(ev.Request) // counted and told even while the list is paused
		m.alerts.arrived(ev.Request)
		m.addMethod(ev.Request.Method) // filterable even while the list is paused
		if m.paused {
			m.waiting++
			m.pause.SetText(lang.XN("list.resume.new", "Resume list ({{.Count}} new)", m.waiting, map[string]any{"Count": loc.Int(int64(m.waiting))}))
			return
		}
		if m.filtered() {
			m.refresh() // the store decides what matches
			return
		}
		// Only the newest rows can hold it already (from the first load).
		if slices.ContainsFunc(m.items[:min(len(m.items), pageSize)], func(r *capture.Request) bool { return r.ID == ev.Request.ID }) {
			return
		}
		// The list keeps summaries only; the detail loads the body on demand.
		row := *ev.Request
		row.Body, row.Response.Body = nil, nil
		m.rl.noteArrived(&row)
		// Where the user is is read before anything moves the list: moving
		// the selection down scrolls to it, which used to carry a list at
		// the top away from it and count every arrival after.
		off := m.list.GetScrollOffset()
		m.settling = true
		m.items = slices.Insert(m.items, 0, &row)
		if m.sel >= 0 {
			m.sel++
			m.selectQuietly(m.sel)
		}
		m.refreshList()
		if off > 0 {
			// Scrolled down: the rows being read stay put and a pill says
			// how many arrived above them since the user left the top.
			m.list.ScrollToOffset(off + m.step())
			m.unseen++
			m.newPill.SetText(plural("{{.Count}} new", m.unseen))
			m.newPill.Show()
		} else {
			m.list.ScrollToOffset(0) // at the top it stays there, the newest in view
			m.hidePill()
		}
		m.settling = false
		m.updateCount()
		m.updateRight()
	case capture.Deleted, capture.Evicted:
		m.refreshMethods()
		gone := map[string]bool{}
		for _, id := range ev.IDs {
			gone[id] = true
			delete(m.picked, id)
			m.rl.noteGone(id)
		}
		m.forgetCompare(func(id string) bool { return gone[id] })
		selID := m.selectedID()
		// The rows being read stay put (eviction runs as captures arrive):
		// only rows gone from above them move them up.
		top := m.list.GetScrollOffset()
		off := top
		for i, r := range m.items {
			if gone[r.ID] && float32(i)*m.step() < top {
				off -= m.step()
			}
		}
		m.settling = true
		before := len(m.items)
		m.items = slices.DeleteFunc(m.items, func(r *capture.Request) bool { return gone[r.ID] })
		if m.rl.matched > 0 {
			// Matches gone past the rows read are not known: the count
			// is corrected at the next reload.
			m.rl.matched = max(len(m.items), m.rl.matched-(before-len(m.items)))
		}
		m.sel = -1
		m.list.UnselectAll()
		if selID != "" && !gone[selID] {
			for i, r := range m.items {
				if r.ID == selID {
					m.selectQuietly(i)
				}
			}
		}
		m.refreshList()
		m.list.ScrollToOffset(off)
		m.settling = false
		m.updateCount()
		m.updateRight()
	default: // Cleared, Dropped: re-read
		if ev.Kind == capture.Cleared {
			// Picks and the compare mark go with their captures; the
			// list is re-read, so those kept (ev.Kept) come back.
			gone := func(id string) bool { return ev.Kept == 0 || id <= ev.Through }
			maps.DeleteFunc(m.picked, func(id string, _ bool) bool { return gone(id) })
			m.forgetCompare(gone)
		}
		m.refreshMethods()
		m.reload()
	}
}
