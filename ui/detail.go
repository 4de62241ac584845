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
		title := fmt.Sprintf("── part %d of %d ──", i+1, len(v.parts))
		rows = append(rows, highlightRows(title, "plaintext", &styles{plain: st.comment})...)
		for _, h := range p.Headers {
			rows = append(rows, highlightRows(h.Name+": "+h.Value, "plaintext", &styles{plain: st.key})...)
		}
		rows = append(rows, widget.TextGridRow{})
		for _, n := range p.View.Notes {
			rows = append(rows, highlightRows("# "+n, "plaintext", &styles{plain: st.comment})...)
		}
		l := p.View.Lang
		if p.View.Err != nil {
			rows = append(rows, highlightRows("# "+p.View.Err.Error(), "plaintext", &styles{plain: st.errc})...)
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
	of := fmt.Sprintf("%s lines (%s bytes)", loc.Int(int64(lines(s))), loc.Int(int64(len(s))))
	if viewCut {
		of = "the first " + of + " the view was cut to"
	}
	return s[:cut], fmt.Sprintf("the window shows the first %s of the %s view: lines 1–%s (%s bytes) of %s; the body is %s (%s bytes) and Copy body copies all of it",
		loc.Size(int64(cut)), what, loc.Int(int64(lines(s[:cut]))), loc.Int(int64(cut)), of, loc.Size(body), loc.Int(int64(body)))
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
		return out, fmt.Sprintf("the window shows the first %s of the parts: part %d of %d is cut and %s not shown; Copy body copies the whole body",
			loc.Size(textViewLimit), i+1, len(parts), text.N(len(parts)-i-1, "part after it is", "parts after it are"))
	}
	return parts, ""
}

// short cuts a one-line value for a label: wrapping a huge label freezes layout.
func short(s string) string {
	const n = 2048
	if len(s) <= n {
		return text.Line(s)
	}
	return text.Line(s[:text.RuneCut(s, n)]) + fmt.Sprintf("… (%d bytes)", len(s))
}

// prepareBody works out the text, language and banner of a body view.
func prepareBody(r *capture.Request, mode string) (out rendered, lang string) {
	var notes noteList
	lang = "plaintext"
	viewCut := false // the view itself stopped at pretty.MaxOutput
	switch mode {
	case modeTree:
		t, err := pretty.TreeOf(r)
		out.tree = t
		out.copyAll = string(r.Body) // Copy body copies the body as received
		switch {
		case errors.Is(err, pretty.ErrNoTree):
			notes = append(notes, sevNote{err.Error(), sevNeutral}) // a fact about the body, not a fault
		case err != nil:
			notes.err(err.Error())
			out.isErr = true
		default:
			notes.add(t.Notes...)
		}
	case modeHex:
		out.hex = true
		out.text = pretty.Hex(r.Body, hexViewLimit)
		if len(r.Body) > hexViewLimit {
			notes.add("hex dump of the first " + loc.Size(hexViewLimit))
		}
	case modeRaw:
		d, err := capture.Decode(r.Headers, r.Body, pretty.DecodeLimit)
		if err != nil {
			notes.err(err.Error())
		} else if d.Encoding != "" {
			notes.add("decoded from " + d.Encoding + " (as received it is compressed)")
		}
		if !capture.IsText(d.Data) {
			out.hex = true
			out.text = pretty.Hex(d.Data, hexViewLimit)
			if len(d.Data) > hexViewLimit {
				notes.add("binary: hex dump of the first " + loc.Size(hexViewLimit))
			} else {
				notes.add("binary: shown as a hex dump")
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
				notes.add(cut)
			}
			if pv.Err != nil {
				notes.err(pv.Err.Error())
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
			notes.err(v.Err.Error())
			out.isErr = true
		}
		if v.Kind == pretty.Empty {
			out.text = ""
			notes.add("empty body")
		}
		if len(v.Text) > pretty.HighlightLimit {
			notes.add(fmt.Sprintf("larger than %s: shown without highlighting", loc.Size(pretty.HighlightLimit)))
		}
		lang = v.Lang
		if v.Err != nil {
			lang = "plaintext"
		}
	}
	if out.parts == nil {
		shown, cut := capText(out.text, strings.ToLower(mode), viewCut, r.BodySize)
		if cut != "" {
			notes.add(cut)
			out.copyAll = string(r.Body)
		}
		out.text = shown
	}
	out.notes = notes
	out.banner = notes.String()
	return out, lang
}

// noteList is a body view's notes in order, each with its severity.
type noteList []sevNote

// add appends notes whose severity is read from their words (noteSeverity).
func (l *noteList) add(notes ...string) {
	for _, n := range notes {
		*l = append(*l, sevNote{n, noteSeverity(n)})
	}
}

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
	modes   *widget.RadioGroup
	unesc   *widget.Check // Pretty shows \u00e3 as ã
	tree    *treeView     // the body in modeTree, in place of fitted
	body    string
	headers *widget.List
	query   *widget.List
	rawQ    *widget.Label
	info    *widget.Form
	infoBox *container.Scroll // holds info; a new form per capture
	infoID  string            // the ID the Info tab shows, what its Copy copies
	tabs    *container.AppTabs
	checks  *fyne.Container // signature, duplicate, refusal, rule lines
	params  [][2]string
	nameW   float32 // width of the longest header name
	root    fyne.CanvasObject
	copyFn  func(string)
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
	d.unesc = widget.NewCheck("Unescape", func(bool) { d.refreshBody() })
	d.modes = widget.NewRadioGroup([]string{modePretty, modeRaw, modeHex, modeTree}, func(m string) {
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
	d.modes.Horizontal = true
	d.modes.SetSelected(modePretty)
	d.tree = newTreeView(copyFn)
	d.tree.root.Hide()
	copyBody := widget.NewButtonWithIcon("Copy body", theme.ContentCopyIcon(), func() { d.copyFn(d.body) })
	d.find = newFinder(d.fitted)
	bodyTab := container.NewBorder(container.NewVBox(container.NewHBox(d.modes, d.unesc, copyBody, d.find.button), d.banner), d.find.bar, nil, nil,
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
		container.NewTabItem("Body", bodyTab),
		container.NewTabItem("Headers", d.headers),
		container.NewTabItem("Query", container.NewBorder(d.rawQ, nil, nil, nil, d.query)),
		container.NewTabItem("Info", d.infoBox),
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
		d.rawQ.SetText("No query string.")
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
			d.tree.show(v.tree, "No tree for this body: see the note above.")
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
	d.info.Append("Received", d.received)
	add("Remote address", r.RemoteAddr)
	add("Host", r.Host)
	add("Protocol", r.Proto)
	size := fmt.Sprintf("%s (%s bytes)", loc.Size(r.BodySize), loc.Int(r.BodySize))
	add("Body size", size)
	trunc := "no"
	if r.Truncated {
		trunc = "yes — only the first " + loc.Size(int64(len(r.Body))) + " were kept"
		if r.DeclaredSize >= 0 {
			trunc += fmt.Sprintf(" of %s declared", loc.Size(r.DeclaredSize))
		}
	}
	add("Truncated", trunc)
	if r.Error != "" {
		add("Error", r.Error)
	}
	switch v := r.Verification; {
	case v == nil && r.Refused != "":
		add("Signature", "not checked: the request was refused")
	case v == nil && (r.Truncated || r.Error != ""):
		add("Signature", "not checked: the body is incomplete")
	case v == nil:
		add("Signature", "not checked: no verifier applies to this path (Settings → Signatures)")
	case v.OK:
		add("Signature", "verified, "+v.Scheme+": "+v.Reason)
	default:
		add("Signature", "FAILED, "+v.Scheme+": "+v.Reason)
	}
	if r.DuplicateOf != "" {
		add("Duplicate of", r.DuplicateOf)
	}
	if r.Refused != "" {
		add("Refused", r.Refused)
	}
	if r.Rule != "" {
		add("Response rule", r.Rule)
	}
	resp := fmt.Sprintf("%d", r.Response.Status)
	for _, h := range r.Response.Headers {
		resp += "\n" + h.Name + ": " + h.Value
	}
	if len(r.Response.Body) > 0 {
		resp += "\n\n" + strings.ToValidUTF8(string(r.Response.Body), "\uFFFD")
	}
	add("Response sent", resp)
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
