package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/pretty"
	"github.com/gancho-app/gancho/internal/text"
)

// Body view modes.
const (
	modePretty = "Pretty"
	modeRaw    = "Raw"
	modeHex    = "Hex"
	// modePrettyUnescaped is Pretty with the Unescape toggle on: a view of
	// its own, so it is rendered and cached apart from the wire text.
	modePrettyUnescaped = "Pretty, unescaped"
)

// rendered is a body view ready for the grid, computed off the UI goroutine.
type rendered struct {
	rows    []widget.TextGridRow
	parts   []pretty.Part // multipart bodies: each part highlighted on its own
	text    string        // what is shown, and what Copy copies unless copyAll is set
	copyAll string        // the whole body when text was cut
	banner  string        // notes and errors, "" for none
	notes   noteList      // the same, each with its severity (colour)
	isErr   bool
	hex     bool         // text is a hex dump: its lines are never wrapped
	tree    *pretty.Tree // modeTree: the parsed body, nil when there is none
}

// bodyRows highlights a prepared view with lines left whole, for a
// fitGrid, which wraps them at its own width; multipart parts each get a
// header block and their own language.
func bodyRows(v rendered, lang string, st *styles) []widget.TextGridRow {
	rows, _ := rowsCtx(context.Background(), v, lang, st, noWrap)
	return rows
}

// rowsWrapped is bodyRows with lines wrapped at width runes (or noWrap).
func rowsWrapped(v rendered, lang string, st *styles, width int) []widget.TextGridRow {
	rows, _ := rowsCtx(context.Background(), v, lang, st, width)
	return rows
}

// rowsCtx is rowsWrapped that gives up with ctx's error once ctx is done.
func rowsCtx(ctx context.Context, v rendered, lang string, st *styles, width int) ([]widget.TextGridRow, error) {
	highlightRows := func(text, lang string, st *styles) []widget.TextGridRow {
		rows, _ := highlightCtx(ctx, text, lang, st, width)
		return rows
	}
	if v.parts == nil {
		rows, err := highlightCtx(ctx, v.text, lang, st, width)
		if v.hex {
			keepWhole(rows)
		}
		return rows, err
	}
	var rows []widget.TextGridRow
	for i, p := range v.parts {
		title := partTitle(i+1, len(v.parts))
		rows = append(rows, highlightRows(title, "plaintext", &styles{plain: st.comment})...)
		for _, h := range p.Headers {
			rows = append(rows, highlightRows(h.Name+": "+h.Value, "plaintext", &styles{plain: st.key})...)
		}
		rows = append(rows, widget.TextGridRow{})
		for _, n := range p.View.Notes {
			rows = append(rows, highlightRows("# "+trNote(n), "plaintext", &styles{plain: st.comment})...)
		}
		l := p.View.Lang
		if p.View.Err != nil {
			rows = append(rows, highlightRows("# "+trErr(p.View.Err), "plaintext", &styles{plain: st.errc})...)
			l = "plaintext"
		}
		view := highlightRows(p.View.Text, l, st)
		if p.View.Kind == pretty.Binary {
			keepWhole(view) // a binary part is a hex dump
		}
		rows = append(rows, view...)
		rows = append(rows, widget.TextGridRow{})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// partTitle heads part n of a multipart body's view.
func partTitle(n, total int) string {
	return "── " + lang.L("part {{.N}} of {{.Total}}", map[string]any{"N": loc.Int(int64(n)), "Total": loc.Int(int64(total))}) + " ──"
}

// firstScreenLines is how much is highlighted first, so a big body shows
// its top at once while the rest is tokenised.
const firstScreenLines = 200

// firstScreen highlights only the first lines of a prepared view, lines
// left whole as bodyRows leaves them.
func firstScreen(v rendered, lang string, st *styles) (rendered, bool) {
	if v.parts != nil {
		return v, false
	}
	idx, n := 0, 0
	for n < firstScreenLines {
		i := strings.IndexByte(v.text[idx:], '\n')
		if i < 0 {
			return v, false // short: no need for a first pass
		}
		idx += i + 1
		n++
	}
	v.rows = highlightWrapped(v.text[:idx], lang, st, noWrap)
	return v, true
}

// Caps on what reaches the grid: each character becomes a grid cell, so an
// uncapped 50 MiB decoded body would cost gigabytes. Copy body still copies
// the whole body.
const (
	hexViewLimit  = 256 << 10
	textViewLimit = 2 << 20
)

// capText cuts the text of a view to textViewLimit bytes, at a line end
// when one is near, and says exactly what was cut: the lines and bytes of
// the view that are shown, which is not the size of the body (a pretty
// view is longer than its body; a decoded body is longer than on the wire).
// viewCut tells that the view itself already stopped at pretty.MaxOutput.
func capText(s, what string, viewCut bool, body int64) (string, string) {
	if len(s) <= textViewLimit {
		return s, ""
	}
	cut := textViewLimit
	if nl := strings.LastIndexByte(s[:cut], '\n'); nl >= textViewLimit-4096 {
		cut = nl + 1
	} else {
		cut = text.RuneCut(s, cut)
	}
	lines := func(t string) int {
		n := strings.Count(t, "\n")
		if !strings.HasSuffix(t, "\n") {
			n++
		}
		return n
	}
	data := map[string]any{
		"Shown": loc.Size(int64(cut)), "View": what, "Lines": loc.Int(int64(lines(s[:cut]))), "Bytes": loc.Int(int64(cut)),
		"Of": loc.Int(int64(lines(s))), "OfBytes": loc.Int(int64(len(s))), "Body": loc.Size(body), "BodyBytes": loc.Int(body),
	}
	if viewCut {
		return s[:cut], lang.L("the window shows the first {{.Shown}} of the {{.View}} view: lines 1–{{.Lines}} ({{.Bytes}} bytes) of the first {{.Of}} lines ({{.OfBytes}} bytes) the view was cut to; the body is {{.Body}} ({{.BodyBytes}} bytes) and Copy body copies all of it", data)
	}
	return s[:cut], lang.L("the window shows the first {{.Shown}} of the {{.View}} view: lines 1–{{.Lines}} ({{.Bytes}} bytes) of {{.Of}} lines ({{.OfBytes}} bytes); the body is {{.Body}} ({{.BodyBytes}} bytes) and Copy body copies all of it", data)
}

// capParts keeps the parts of a multipart view under textViewLimit all
// together, saying where it stopped.
func capParts(parts []pretty.Part) ([]pretty.Part, string) {
	total := 0
	for i, p := range parts {
		room := textViewLimit - total
		if len(p.View.Text) <= room {
			total += len(p.View.Text)
			continue
		}
		p.View.Text = p.View.Text[:text.RuneCut(p.View.Text, room)]
		out := append(parts[:i:i], p)
		after := len(parts) - i - 1
		return out, lang.N("the window shows the first {{.Shown}} of the parts: part {{.N}} of {{.Total}} is cut and {{.Count}} parts after it are not shown; Copy body copies the whole body",
			after, map[string]any{"Shown": loc.Size(textViewLimit), "N": loc.Int(int64(i + 1)), "Total": loc.Int(int64(len(parts))), "Count": loc.Int(int64(after))})
	}
	return parts, ""
}

// short cuts a one-line value for a label: wrapping a huge label freezes layout.
func short(s string) string {
	const n = 2048
	if len(s) <= n {
		return text.Line(s)
	}
	return text.Line(s[:text.RuneCut(s, n)]) + "… " + lang.L("({{.N}} bytes)", map[string]any{"N": loc.Int(int64(len(s)))})
}

// prepareBody works out the text, language and banner of a body view.
func prepareBody(r *capture.Request, mode string) (out rendered, lexer string) {
	var notes noteList
	lexer = "plaintext"
	viewCut := false // the view itself stopped at pretty.MaxOutput
	switch mode {
	case modeTree:
		t, err := pretty.TreeOf(r)
		out.tree = t
		out.copyAll = string(r.Body) // Copy body copies the body as received
		switch {
		case errors.Is(err, pretty.ErrNoTree):
			notes = append(notes, sevNote{trErr(err), sevNeutral}) // a fact about the body, not a fault
		case err != nil:
			notes.err(trErr(err))
			out.isErr = true
		default:
			notes.add(t.Notes...)
		}
	case modeHex:
		out.hex = true
		out.text = pretty.Hex(r.Body, hexViewLimit)
		if len(r.Body) > hexViewLimit {
			notes.put("hex dump of the first {{.Size}}", map[string]any{"Size": loc.Size(hexViewLimit)})
		}
	case modeRaw:
		d, err := capture.Decode(r.Headers, r.Body, pretty.DecodeLimit)
		if err != nil {
			notes.err(trErr(err))
		} else if d.Encoding != "" {
			notes.put("decoded from {{.Enc}} (as received it is compressed)", map[string]any{"Enc": d.Encoding})
		}
		if !capture.IsText(d.Data) {
			out.hex = true
			out.text = pretty.Hex(d.Data, hexViewLimit)
			if len(d.Data) > hexViewLimit {
				notes.put("binary: hex dump of the first {{.Size}}", map[string]any{"Size": loc.Size(hexViewLimit)})
			} else {
				notes.put("binary: shown as a hex dump", nil)
			}
		} else {
			out.text = strings.ToValidUTF8(string(d.Data), "\uFFFD")
		}
	default:
		pv, ok := pretty.Parts(r)
		if ok {
			parts, cut := capParts(pv.Parts)
			out.parts = parts
			out.text = string(r.Body) // Copy body copies the body as received
			notes.add(pv.Notes...)    // the count of every part, shown or not
			if cut != "" {
				notes.addTr(cut)
			}
			if pv.Err != nil {
				notes.err(trErr(pv.Err))
				out.isErr = true
			}
			break
		}
		notes.add(pv.Notes...) // why the parts are not shown
		v := pretty.BodyWith(r, pretty.Options{Unescape: mode == modePrettyUnescaped})
		out.text = v.Text
		out.hex = v.Kind == pretty.Binary
		viewCut = v.Cut
		notes.add(v.Notes...)
		if v.Err != nil {
			notes.err(trErr(v.Err))
			out.isErr = true
		}
		if v.Kind == pretty.Empty {
			out.text = ""
			notes.put("empty body", nil)
		}
		if len(v.Text) > pretty.HighlightLimit {
			notes.put("larger than {{.Size}}: shown without highlighting", map[string]any{"Size": loc.Size(pretty.HighlightLimit)})
		}
		lexer = v.Lang
		if v.Err != nil {
			lexer = "plaintext"
		}
	}
	if out.parts == nil {
		shown, cut := capText(out.text, viewName(mode), viewCut, r.BodySize)
		if cut != "" {
			notes.addTr(cut)
			out.copyAll = string(r.Body)
		}
		out.text = shown
	}
	out.notes = notes
	out.banner = notes.String()
	return out, lexer
}

// viewName is a body view's name inside a sentence ("the pretty view").
func viewName(mode string) string {
	switch mode {
	case modePretty:
		return lang.L("pretty")
	case modePrettyUnescaped:
		return lang.L("pretty, unescaped")
	case modeRaw:
		return lang.L("raw")
	case modeHex:
		return lang.L("hex")
	}
	return strings.ToLower(mode)
}

// modeLabel is the label of a body mode's radio option.
func modeLabel(mode string) string {
	switch mode {
	case modePretty:
		return lang.L("Pretty")
	case modeTree:
		return lang.L("Tree")
	}
	return mode // Raw and Hex are the same words in every language
}

// noteList is a body view's notes in order, each with its severity.
type noteList []sevNote

// add appends engine notes (English) whose severity is read from their
// words (noteSeverity), each shown translated (trNote).
func (l *noteList) add(notes ...string) {
	for _, n := range notes {
		*l = append(*l, sevNote{trNote(n), noteSeverity(n)})
	}
}

// put appends the note key translated with data, its severity read from
// the English key.
func (l *noteList) put(key string, data map[string]any) {
	*l = append(*l, sevNote{lang.L(key, data), noteSeverity(key)})
}

// addTr appends a note already translated, as a warning: the notes built
// here that way say the window cut the view.
func (l *noteList) addTr(n string) { *l = append(*l, sevNote{n, sevWarning}) }

// err appends an error.
func (l *noteList) err(n string) { *l = append(*l, sevNote{n, sevError}) }

func (l noteList) String() string {
	s := make([]string, len(l))
	for i, n := range l {
		s[i] = n.text
	}
	return strings.Join(s, " · ")
}

// Detail shows one capture: Body, Headers, Query and Info tabs.
type Detail struct {
	req     *capture.Request
	mode    string
	grid    *widget.TextGrid // fitted's grid
	fitted  *fitGrid         // the body, wrapped at the pane's width
	find    *finder          // the body's find bar (find.go)
	banner  *sevText
	modes   *modeRadio
	unesc   *widget.Check   // Pretty shows \u00e3 as ã
	bodyBar *fyne.Container // modes, Unescape, Copy body, Find
	// copyBody copies the whole body as received (or the view's text).
	copyBody *widget.Button
	tree     *treeView // the body in modeTree, in place of fitted
	body     string
	headers  *widget.List
	query    *widget.List
	rawQ     *widget.Label
	info     *widget.Form
	infoBox  *container.Scroll // holds info; a new form per capture
	infoID   string            // the ID the Info tab shows, what its Copy copies
	tabs     *container.AppTabs
	checks   *fyne.Container // signature, duplicate, refusal, rule lines
	params   [][2]string
	nameW    float32 // width of the longest header name
	root     fyne.CanvasObject
	copyFn   func(string)
	// render asks for a body view off the UI goroutine; apply runs on it.
	render func(r *capture.Request, mode string, apply func(rendered))

	// received is the Info tab's "Received … (42 s ago)" label; ageAt, when
	// set, is the clock reading its age is told from: the list's, so the
	// Info tab and the list row always show the same age.
	received *widget.Label
	ageAt    func() time.Time

	// head is the request line above everything; menu, when set, gives
	// its Copy ▾ items for the capture shown.
	head *reqHeader
	menu func(*capture.Request) []*fyne.MenuItem
}

func newDetail(copyFn func(string), render func(*capture.Request, string, func(rendered))) *Detail {
	d := &Detail{mode: modePretty, copyFn: copyFn, render: render}
	d.fitted = newFitGrid()
	d.grid = d.fitted.TextGrid
	d.banner = newSevText()
	d.banner.Hide()
	d.unesc = widget.NewCheck(lang.L("Unescape"), func(bool) { d.refreshBody() })
	labels := map[string]string{} // radio label → mode
	var opts []string
	for _, m := range []string{modePretty, modeRaw, modeHex, modeTree} {
		labels[modeLabel(m)] = m
		opts = append(opts, modeLabel(m))
	}
	d.modes = newModeRadio(opts, func(l string) {
		m := labels[l]
		if m == "" || m == d.mode {
			return
		}
		d.mode = m
		if m == modePretty {
			d.unesc.Enable()
		} else {
			d.unesc.Disable() // it changes only the Pretty view
		}
		d.refreshBody()
	})
	d.modes.SetSelected(modeLabel(modePretty))
	d.tree = newTreeView(copyFn)
	d.tree.root.Hide()
	// Copy body and Find are icons (their tooltips say what they do, see
	// useTips): with their words the row did not fit a 1024 px window in
	// Portuguese.
	d.copyBody = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { d.copyFn(d.body) })
	d.find = newFinder(d.fitted)
	d.bodyBar = container.NewHBox(d.modes.Container, d.unesc, d.copyBody, d.find.button)
	bodyTab := container.NewBorder(container.NewVBox(d.bodyBar, d.banner), d.find.bar, nil, nil,
		container.NewStack(d.fitted.box, d.tree.root))
	d.find.box = bodyTab

	var hdrs capture.Headers
	d.headers = widget.NewList(
		func() int {
			if d.req == nil {
				return 0
			}
			hdrs = d.req.Headers
			return len(hdrs)
		},
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.TextStyle = fyne.TextStyle{Bold: true}
			// The strut gives every name the width of the longest, so values line up.
			strut := canvas.NewRectangle(color.Transparent)
			val := widget.NewLabel("")
			val.Truncation = fyne.TextTruncateEllipsis
			btn := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), nil)
			return container.NewBorder(nil, nil, container.NewStack(strut, name), btn, val)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			h := hdrs[i]
			col := c.Objects[1].(*fyne.Container)
			col.Objects[0].(*canvas.Rectangle).SetMinSize(fyne.NewSize(d.nameW, 0))
			col.Objects[1].(*widget.Label).SetText(h.Name)
			c.Objects[0].(*widget.Label).SetText(short(h.Value))
			c.Objects[2].(*widget.Button).OnTapped = func() { d.copyFn(h.Value) }
		},
	)
	d.query = widget.NewList(
		func() int { return len(d.params) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.TextStyle = fyne.TextStyle{Bold: true}
			val := widget.NewLabel("")
			val.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, name, nil, val)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			c.Objects[1].(*widget.Label).SetText(short(d.params[i][0]))
			c.Objects[0].(*widget.Label).SetText(short(d.params[i][1]))
		},
	)
	d.rawQ = widget.NewLabel("")
	d.rawQ.TextStyle = fyne.TextStyle{Monospace: true}
	d.rawQ.Wrapping = fyne.TextWrapBreak
	d.info = widget.NewForm()
	d.infoBox = container.NewVScroll(d.info)
	d.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Body"), bodyTab),
		container.NewTabItem(lang.L("Headers"), d.headers),
		container.NewTabItem(lang.L("Query"), container.NewBorder(d.rawQ, nil, nil, nil, d.query)),
		container.NewTabItem(lang.L("Info"), d.infoBox),
	)
	d.checks = container.NewVBox()
	d.checks.Hide()
	d.head = newReqHeader(func() []*fyne.MenuItem {
		if d.menu == nil || d.req == nil {
			return nil
		}
		return d.menu(d.req)
	})
	d.root = container.NewBorder(container.NewVBox(d.head.root, d.checks), nil, nil, nil, d.tabs)
	return d
}

// useTips gives the body row's icon buttons their tooltips.
func (d *Detail) useTips(t *tips) {
	d.bodyBar.Objects = []fyne.CanvasObject{d.modes.Container, d.unesc, t.wrap(d.copyBody, lang.L("Copy body")),
		t.wrap(d.find.button, withKey(lang.L("Find in body"), findShortcut))}
	d.bodyBar.Refresh()
}

// modeRadio is a row of radio buttons each as wide as its own label: a
// horizontal widget.RadioGroup gives every option the width of the widest,
// and "Formatado" made the body's mode row too wide for a 1024 px window.
type modeRadio struct {
	*fyne.Container
	groups   []*widget.RadioGroup // one option each
	selected string
	changed  func(string)
}

func newModeRadio(opts []string, changed func(string)) *modeRadio {
	m := &modeRadio{Container: container.NewHBox(), changed: changed}
	for _, o := range opts {
		g := widget.NewRadioGroup([]string{o}, nil)
		g.Required = true // tapping the chosen one keeps it chosen
		g.OnChanged = func(s string) {
			if s != "" {
				m.SetSelected(s)
			}
		}
		m.groups = append(m.groups, g)
		m.Add(g)
	}
	return m
}

// SetSelected chooses option o (UI goroutine), as RadioGroup.SetSelected.
func (m *modeRadio) SetSelected(o string) {
	if o == m.selected {
		return
	}
	m.selected = o
	for _, g := range m.groups {
		want := ""
		if g.Options[0] == o {
			want = o
		}
		if g.Selected != want {
			g.SetSelected(want)
		}
	}
	m.changed(o)
}

// addReplay puts the replay bar above the checks and its tab last.
func (d *Detail) addReplay(actions fyne.CanvasObject, tab *container.TabItem) {
	d.tabs.Append(tab)
	d.root = container.NewBorder(container.NewVBox(d.head.root, actions, d.checks), nil, nil, nil, d.tabs)
}

// Show displays r (with its body) on the UI goroutine.
func (d *Detail) Show(r *capture.Request) {
	d.req = r
	d.head.show(r)
	d.params = queryParams(r.Target)
	d.nameW = 0
	for _, h := range r.Headers {
		w := fyne.MeasureText(h.Name, theme.TextSize(), fyne.TextStyle{Bold: true}).Width + 2*theme.InnerPadding()
		d.nameW = min(max(d.nameW, w), 320)
	}
	_, rawQuery, _ := strings.Cut(r.Target, "?")
	if rawQuery == "" {
		d.rawQ.SetText(lang.L("No query string."))
	} else {
		d.rawQ.SetText(short("?" + rawQuery))
	}
	d.headers.Refresh()
	d.query.Refresh()
	d.fillChecks()
	d.fillInfo()
	d.refreshBody()
}

func (d *Detail) refreshBody() {
	r := d.req
	if r == nil {
		return
	}
	mode := d.viewMode()
	d.render(r, mode, func(v rendered) {
		if d.req != r || d.viewMode() != mode {
			return // the user moved on while it was computed
		}
		d.body = v.text
		if v.copyAll != "" {
			d.body = v.copyAll
		}
		if mode == modeTree {
			d.tree.show(v.tree, lang.L("No tree for this body: see the note above."))
			d.fitted.box.Hide()
			d.tree.root.Show()
		} else {
			d.tree.root.Hide()
			d.fitted.box.Show()
		}
		d.fitted.setRows(v.rows)
		d.grid.ScrollToTop()
		d.find.enable(mode != modeTree) // it finds in the text views
		d.find.bodyShown(v.rows)
		if len(v.notes) == 0 {
			d.banner.Hide()
		} else {
			d.banner.set(v.notes...) // each note in its severity's colour
			d.banner.Show()
		}
	})
}

// viewMode is the view the body pane shows: the mode, with Pretty split
// by the Unescape toggle.
func (d *Detail) viewMode() string {
	if d.mode == modePretty && d.unesc.Checked {
		return modePrettyUnescaped
	}
	return d.mode
}

// fillChecks shows what Gancho concluded about the capture above the tabs,
// where a failed signature or a refusal cannot be missed.
func (d *Detail) fillChecks() {
	d.checks.Objects = nil
	for _, c := range checksOf(d.req) {
		l := newSevText()
		l.bold = c.sev != sevNeutral
		l.set(sevNote{short(c.long), c.sev})
		d.checks.Add(l)
	}
	d.checks.Hidden = len(d.checks.Objects) == 0 // no gap above the tabs
	d.checks.Refresh()
}

// fillInfo builds a new Info form for d.req. A widget.Form cannot be
// emptied and refilled: its renderer keeps the first rows it built, which
// left the first capture's ID on screen.
func (d *Detail) fillInfo() {
	r := d.req
	d.info = widget.NewForm()
	add := func(k, v string) {
		l := widget.NewLabel(v)
		l.Wrapping = fyne.TextWrapBreak
		d.info.Append(k, l)
	}
	d.infoID = r.ID
	idLbl := widget.NewLabelWithStyle(r.ID, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	copyID := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { d.copyFn(d.infoID) })
	d.info.Append("ID", container.NewBorder(nil, nil, nil, copyID, idLbl))
	d.received = widget.NewLabel(d.receivedText())
	d.received.Wrapping = fyne.TextWrapBreak
	d.info.Append(lang.L("Received"), d.received)
	add(lang.L("Remote address"), r.RemoteAddr)
	add("Host", r.Host)
	add(lang.L("Protocol"), r.Proto)
	add(lang.L("Body size"), loc.Size(r.BodySize)+" "+lang.L("({{.N}} bytes)", map[string]any{"N": loc.Int(r.BodySize)}))
	trunc := lang.L("no")
	if r.Truncated {
		data := map[string]any{"Kept": loc.Size(int64(len(r.Body))), "Declared": loc.Size(r.DeclaredSize)}
		if r.DeclaredSize >= 0 {
			trunc = lang.L("yes — only the first {{.Kept}} of {{.Declared}} declared were kept", data)
		} else {
			trunc = lang.L("yes — only the first {{.Kept}} were kept", data)
		}
	}
	add(lang.L("Truncated"), trunc)
	if r.Error != "" {
		add(lang.L("Error"), r.Error)
	}
	sig := lang.L("Signature")
	switch v := r.Verification; {
	case v == nil && r.Refused != "":
		add(sig, lang.L("not checked: the request was refused"))
	case v == nil && (r.Truncated || r.Error != ""):
		add(sig, lang.L("not checked: the body is incomplete"))
	case v == nil:
		add(sig, lang.L("not checked: no verifier applies to this path (Settings → Signatures)"))
	case v.OK:
		add(sig, lang.L("verified, {{.Scheme}}: {{.Reason}}", map[string]any{"Scheme": v.Scheme, "Reason": v.Reason}))
	default:
		add(sig, lang.L("FAILED, {{.Scheme}}: {{.Reason}}", map[string]any{"Scheme": v.Scheme, "Reason": v.Reason}))
	}
	if r.DuplicateOf != "" {
		add(lang.L("Duplicate of"), r.DuplicateOf)
	}
	if r.Refused != "" {
		add(lang.L("Refused"), r.Refused)
	}
	if r.Rule != "" {
		add(lang.L("Response rule"), r.Rule)
	}
	resp := fmt.Sprintf("%d", r.Response.Status)
	for _, h := range r.Response.Headers {
		resp += "\n" + h.Name + ": " + h.Value
	}
	if len(r.Response.Body) > 0 {
		resp += "\n\n" + strings.ToValidUTF8(string(r.Response.Body), "\uFFFD")
	}
	add(lang.L("Response sent"), resp)
	d.infoBox.Content = d.info
	d.infoBox.Refresh()
	d.infoBox.ScrollToTop()
}

// receivedText is the Info tab's "Received" line for d.req.
func (d *Detail) receivedText() string {
	now := time.Now()
	if d.ageAt != nil {
		now = d.ageAt()
	}
	at := d.req.ReceivedAt
	return fmt.Sprintf("%s (%s)", loc.Date(at.Local())+at.Local().Format(":05.000 MST"), loc.Ago(now.Sub(at)))
}

// refreshAge moves the Info tab's age on; it touches that one label, and
// only when its text changes, so the list's periodic refresh can call it.
func (d *Detail) refreshAge() {
	if d.req == nil || d.received == nil {
		return
	}
	if s := d.receivedText(); s != d.received.Text {
		d.received.SetText(s)
	}
}

// queryParams splits the raw query in order, keeping repeated keys.
func queryParams(target string) [][2]string {
	_, q, ok := strings.Cut(target, "?")
	if !ok {
		return nil
	}
	var out [][2]string
	for _, f := range pretty.FormFields(q) {
		out = append(out, [2]string{f.Name, f.Value})
	}
	return out
}
