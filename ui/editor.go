package ui

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/pretty"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
)

// Signature choices in the editor.
const (
	signKeep   = "Keep the captured signature (tests replay protection)"
	signResign = "Re-sign with a fresh id and timestamp"
)

// editor is "Edit and send": method, URL, a header table, the body with a
// highlighted view and a Format button, re-signing, Send, and the response.
type editor struct {
	m       *Main
	c       *capture.Request // nil: a new request
	orig    replay.Request   // the unedited replay of c
	signer  *verify.Config   // the verifier to re-sign with, nil for none
	method  *widget.SelectEntry
	url     *widget.Entry
	hdrs    *headerTable
	hdrView *container.Scroll // the header table's viewport
	sized   bool              // the header pane was fitted to the rows
	body    *widget.Entry
	bodyBox *fyne.Container // the Edit tab: the text entry, the binary notice or the hex entry
	bodyBin fyne.CanvasObject
	binNote *widget.Label
	binHex  *fitGrid      // the read-only hex dump of a binary body
	hexEdit *widget.Entry // the body as hex pairs, after "Edit as hex"
	hexBtn  *widget.Button
	hexPane fyne.CanvasObject // hexEdit under a line saying how to type it
	// raw is what the body pane stands for, byte for byte: the capture's
	// body, or a file's. shown is what the text (or hex) entry was given;
	// while the entry still says that, raw is sent, so a body the user did
	// not touch goes out exactly as received (an Entry turns invalid UTF-8
	// into U+FFFD).
	raw      []byte
	shown    string
	bodyMode int
	view     *fitGrid // the body highlighted, wrapped at the pane's width
	tabs     *container.AppTabs
	sign     *widget.RadioGroup // nil without a signer
	send     *widget.Button
	format   *widget.Button
	file     *widget.Button
	msg      *widget.Label
	out      *fitGrid
	content  fyne.CanvasObject
	last     *replay.Attempt // the latest result, for tests
}

// headerRow is one editable header line.
type headerRow struct {
	name, value *widget.Entry
	obj         fyne.CanvasObject
}

func (r *headerRow) object() fyne.CanvasObject { return r.obj }

// rowSet is the rows of an editable table, their widgets stacked in box in
// order: the header table here, the suite editor's checks (UI goroutine).
type rowSet[R interface {
	comparable
	object() fyne.CanvasObject
}] struct {
	rows []R
	box  *fyne.Container
	// changed, if set, runs when a row is edited, added or removed (a form
	// validating as the user types).
	changed func()
}

func newRowSet[R interface {
	comparable
	object() fyne.CanvasObject
}]() rowSet[R] {
	return rowSet[R]{box: container.NewVBox()}
}

func (t *rowSet[R]) notify() {
	if t.changed != nil {
		t.changed()
	}
}

// append shows r after the other rows.
func (t *rowSet[R]) append(r R) {
	t.rows = append(t.rows, r)
	t.box.Add(r.object())
}

// remove takes r away, and says so.
func (t *rowSet[R]) remove(r R) {
	t.rows = slices.DeleteFunc(t.rows, func(x R) bool { return x == r })
	t.box.Remove(r.object())
	t.notify()
}

// clear takes every row away, quietly (a form refilled).
func (t *rowSet[R]) clear() {
	t.rows = nil
	t.box.RemoveAll()
}

// headerTable edits a list of name/value lines: add, remove, edit.
type headerTable struct {
	rowSet[*headerRow]
	// namePH and valuePH are the empty rows' placeholders.
	namePH, valuePH string
}

func newHeaderTable(namePH, valuePH string) *headerTable {
	return &headerTable{rowSet: newRowSet[*headerRow](), namePH: namePH, valuePH: valuePH}
}

// add appends a row (UI goroutine).
func (t *headerTable) add(name, value string) *headerRow {
	r := &headerRow{name: widget.NewEntry(), value: widget.NewEntry()}
	r.name.SetPlaceHolder(t.namePH)
	r.value.SetPlaceHolder(t.valuePH)
	r.name.SetText(name)
	r.value.SetText(value)
	r.name.OnChanged = func(string) { t.notify() }
	r.value.OnChanged = func(string) { t.notify() }
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { t.remove(r) })
	split := container.NewHSplit(r.name, r.value)
	split.Offset = 0.3
	r.obj = container.NewBorder(nil, nil, nil, remove, split)
	t.append(r)
	return r
}

// headers are the rows as headers, or a sentence saying what to fix.
// Empty rows are skipped.
func (t *headerTable) headers() ([]capture.Header, error) {
	var out []capture.Header
	for i, r := range t.rows {
		name, value := strings.TrimSpace(r.name.Text), r.value.Text
		if name == "" && strings.TrimSpace(value) == "" {
			continue // an empty row is no header
		}
		if name == "" || strings.ContainsAny(name, " \t:\r\n") {
			return nil, errors.New(lang.L("header {{.N}}: {{.Name}} is not a header name (letters, digits and -, no spaces or colons)", map[string]any{"N": i + 1, "Name": strconv.Quote(name)}))
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, errors.New(lang.L("header {{.Name}}: a value cannot hold a line break", map[string]any{"Name": name}))
		}
		out = append(out, capture.Header{Name: name, Value: value})
	}
	return out, nil
}

// newEditor builds the editor for c (nil: an empty request) sent to target.
func newEditor(m *Main, c *capture.Request, target string) *editor {
	e := &editor{m: m, c: c}
	e.method = widget.NewSelectEntry([]string{"POST", "PUT", "PATCH", "GET", "DELETE"})
	e.url = widget.NewEntry()
	e.url.SetPlaceHolder(exampleTarget)
	e.hdrs = newHeaderTable(lang.L("Name"), lang.L("value"))
	e.body = widget.NewMultiLineEntry()
	e.body.TextStyle = fyne.TextStyle{Monospace: true}
	e.body.Wrapping = fyne.TextWrapOff
	e.body.SetMinRowsVisible(5)
	e.view = newFitGrid()
	e.binNote = widget.NewLabel("")
	e.binNote.Wrapping = fyne.TextWrapWord
	e.binHex = newFitGrid()
	e.hexEdit = widget.NewMultiLineEntry()
	e.hexEdit.TextStyle = fyne.TextStyle{Monospace: true}
	e.hexEdit.Wrapping = fyne.TextWrapOff
	e.hexBtn = widget.NewButton(lang.L("Edit as hex"), e.editAsHex)
	e.hexPane = container.NewBorder(widget.NewLabel(lang.L("Hex, two digits a byte; spaces and line breaks are ignored.")), nil, nil, nil, e.hexEdit)
	e.bodyBin = container.NewBorder(container.NewVBox(e.binNote, container.NewHBox(e.hexBtn)), nil, nil, nil, e.binHex.box)
	e.bodyBox = container.NewStack(e.body)
	e.out = newFitGrid() // the timing line and long headers wrap at the pane's width
	e.msg = widget.NewLabel("")
	e.msg.Wrapping = fyne.TextWrapWord
	e.msg.SetText(lang.L("Send, and the answer shows here: status, timings, headers and the body."))

	if c != nil {
		r, err := replay.FromCapture(c, target, false)
		if err != nil {
			// No usable target yet: the same request, the URL left for the
			// user to type.
			r, err = replay.FromCapture(c, "http://target.invalid/", false)
			if err != nil {
				r = replay.Request{Method: c.Method, Headers: c.Headers, Body: c.Body}
			}
			r.URL = target
		}
		e.orig = r
		e.method.SetText(r.Method)
		e.url.SetText(r.URL)
		for _, h := range r.Headers {
			e.addHeader(h.Name, h.Value)
		}
		e.setBody(r.Body)
		if m.opts.Settings != nil {
			st := m.opts.Settings.Get()
			prefixes, _ := m.secretPrefixes() // unread ones only mean a verifier may not match
			if cfg, ok := replay.SignerFor(st.Verifiers, c, prefixes...); ok {
				e.signer = &cfg
			}
		}
	} else {
		e.method.SetText("POST")
		e.url.SetText(target)
		e.addHeader("Content-Type", "application/json")
	}

	add := widget.NewButtonWithIcon(lang.L("Add header"), theme.ContentAddIcon(), func() {
		r := e.addHeader("", "")
		if e.m.win != nil {
			e.m.win.Canvas().Focus(r.name)
		}
	})
	e.format = widget.NewButton(lang.X("editor.format", "Format"), func() {
		if e.bodyMode != bodyText {
			return
		}
		if v := prettyText(e.body.Text); v != "" {
			e.body.SetText(v)
		}
		e.highlight()
	})
	e.file = widget.NewButtonWithIcon(lang.L("From file…"), theme.FolderOpenIcon(), e.chooseFile)
	e.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Edit"), e.bodyBox),
		container.NewTabItem(lang.L("Highlighted"), e.view.box))
	e.tabs.OnSelected = func(t *container.TabItem) {
		if t.Content == e.view.box {
			e.highlight()
		}
	}
	e.syncBodyButtons()
	e.send = widget.NewButtonWithIcon(lang.L("Send"), theme.MailSendIcon(), e.sendNow)
	e.send.Importance = widget.HighImportance

	// The signature choice sits above the response, by Send: under the
	// body it took the room the header rows need in a small window.
	respTop := container.NewVBox(widget.NewLabelWithStyle(lang.L("Response"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), e.msg)
	if e.signer != nil {
		e.sign = widget.NewRadioGroup([]string{lang.L(signKeep), lang.L(signResign)}, nil)
		e.sign.SetSelected(lang.L(signKeep))
		respTop.Objects = append([]fyne.CanvasObject{widget.NewLabel(lang.L("Signature ({{.Scheme}})", map[string]any{"Scheme": e.signer.String()})), e.sign}, respTop.Objects...)
	}
	e.hdrView = container.NewVScroll(e.hdrs.box)
	e.hdrView.SetMinSize(fyne.NewSize(0, 90))
	hdrBar := container.NewHBox(widget.NewLabelWithStyle(lang.L("Headers"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), layout.NewSpacer(), add)
	headers := container.NewBorder(hdrBar, nil, nil, nil, e.hdrView)
	bodyPane := container.NewBorder(
		container.NewHBox(widget.NewLabelWithStyle(lang.L("Body"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), layout.NewSpacer(), e.file, e.format),
		nil, nil, nil, e.tabs)
	top := container.NewVSplit(headers, bodyPane)
	top.Offset = 0.3
	fitted := container.New(&headerFit{e: e, split: top, bar: hdrBar}, top)
	all := container.NewHSplit(fitted, container.NewBorder(respTop, nil, nil, nil, e.out.box))
	all.Offset = 0.56
	// A select entry is as narrow as its text; methods need room.
	methodBox := container.NewGridWrap(fyne.NewSize(130, e.method.MinSize().Height), e.method)
	e.content = container.NewBorder(
		container.NewBorder(nil, nil, methodBox, e.send, e.url), nil, nil, nil, all)
	return e
}

// headerFit gives the header pane, on first layout, the height its rows
// need (up to 65%): at a fixed 30% a small window showed 3 of 6 headers.
// The split stays the user's to drag afterwards.
type headerFit struct {
	e     *editor
	split *container.Split
	bar   fyne.CanvasObject // the Headers title row
}

func (l *headerFit) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if !l.e.sized && size.Height > 0 {
		l.e.sized = true
		pad := theme.Padding()
		need := l.bar.MinSize().Height + l.e.hdrs.box.MinSize().Height + 4*pad
		l.split.Offset = min(max(float64(need/size.Height), 0.3), 0.65)
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l *headerFit) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

// addHeader appends an editable header row (UI goroutine).
func (e *editor) addHeader(name, value string) *headerRow { return e.hdrs.add(name, value) }

func (e *editor) removeHeader(r *headerRow) { e.hdrs.remove(r) }

// request is what the form says, or a sentence saying what to fix.
func (e *editor) request() (replay.Request, error) {
	req := replay.Request{Method: strings.ToUpper(strings.TrimSpace(e.method.Text)),
		URL: strings.TrimSpace(e.url.Text)}
	if req.Method == "" || req.URL == "" {
		return req, errors.New(lang.L("give a method and a URL"))
	}
	body, err := e.bodyBytes()
	if err != nil {
		return req, err
	}
	req.Body = body
	h, err := e.hdrs.headers()
	if err != nil {
		return req, err
	}
	req.Headers = h
	return req, nil
}

// Body pane modes.
const (
	bodyText   = iota // the text entry
	bodyBinary        // a read-only notice and hex dump; raw is sent
	bodyHex           // the hex entry
)

// hexEditLimit bounds "Edit as hex": an Entry holding megabytes of hex
// pairs is too slow to use; a larger body is replaced from a file.
const hexEditLimit = 64 << 10

// editableText reports whether b survives a text Entry: valid UTF-8
// (the Entry keeps runes, so invalid bytes become U+FFFD), no NUL, and
// text by capture.IsText's measure. Other bodies are shown as binary.
func editableText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 && capture.IsText(b)
}

// setBody makes b the body: text goes in the entry, anything else is
// shown as binary and sent unchanged (UI goroutine).
func (e *editor) setBody(b []byte) {
	e.raw = b
	if editableText(b) {
		e.bodyMode = bodyText
		e.shown = string(b)
		e.body.SetText(e.shown)
		e.bodyBox.Objects = []fyne.CanvasObject{e.body}
	} else {
		e.bodyMode = bodyBinary
		e.shown = ""
		size := lang.N("{{.Count}} bytes", len(b), map[string]any{"Count": loc.Int(int64(len(b)))})
		if len(b) >= 1024 {
			size = loc.Size(int64(len(b))) + " (" + size + ")"
		}
		note := lang.L("Binary body, {{.Size}}: sent unchanged. Change it with Edit as hex, or replace it with From file…", map[string]any{"Size": size})
		if len(b) > hexEditLimit {
			note = lang.L("Binary body, {{.Size}}: sent unchanged. It is too large to edit as hex here; replace it with From file…", map[string]any{"Size": size})
		}
		e.binNote.SetText(note)
		e.binHex.setRows(nil)
		st := e.m.styles
		go func() {
			dump := pretty.Hex(b, hexViewLimit)
			if len(b) > hexViewLimit {
				dump += lang.L("… the first {{.Shown}} of {{.Size}} shown; all of it is sent", map[string]any{"Shown": loc.Size(hexViewLimit), "Size": loc.Size(int64(len(b)))}) + "\n"
			}
			rows := keepWhole(highlightWrapped(dump, "plaintext", st, noWrap)) // dump lines scroll, never wrap
			e.m.post(func() {
				if e.bodyMode == bodyBinary && bytes.Equal(e.raw, b) {
					e.binHex.setRows(rows)
				}
			})
		}()
		e.bodyBox.Objects = []fyne.CanvasObject{e.bodyBin}
	}
	e.bodyBox.Refresh()
	e.syncBodyButtons()
}

// syncBodyButtons enables what applies to the body pane's mode.
func (e *editor) syncBodyButtons() {
	if e.format != nil {
		if e.bodyMode == bodyText {
			e.format.Enable()
		} else {
			e.format.Disable()
		}
	}
	if len(e.raw) > hexEditLimit {
		e.hexBtn.Disable()
	} else {
		e.hexBtn.Enable()
	}
}

// editAsHex swaps the binary notice for an entry holding the body as hex
// pairs, 16 a line (UI goroutine).
func (e *editor) editAsHex() {
	if e.bodyMode != bodyBinary || len(e.raw) > hexEditLimit {
		return
	}
	var b strings.Builder
	for i, c := range e.raw {
		switch {
		case i == 0:
		case i%16 == 0:
			b.WriteByte('\n')
		default:
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02x", c)
	}
	e.bodyMode = bodyHex
	e.shown = b.String()
	e.hexEdit.SetText(e.shown)
	e.bodyBox.Objects = []fyne.CanvasObject{e.hexPane}
	e.bodyBox.Refresh()
	if e.m.win != nil {
		e.m.win.Canvas().Focus(e.hexEdit)
	}
}

// parseHex reads hex pairs; whitespace between them is ignored.
func parseHex(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if len(clean)%2 != 0 {
		return nil, errors.New(lang.L("the body's hex has an odd number of digits ({{.Count}}): each byte is two digits", map[string]any{"Count": loc.Int(int64(len(clean)))}))
	}
	out, err := hex.DecodeString(clean)
	if err != nil {
		return nil, wrapL("the body's hex: {{.Err}}; use only 0-9, a-f and spaces", err, nil)
	}
	return out, nil
}

// bodyBytes is the body to send: the original bytes while the user has
// not changed the entry, else what the entry says.
func (e *editor) bodyBytes() ([]byte, error) {
	switch e.bodyMode {
	case bodyBinary:
		return e.raw, nil
	case bodyHex:
		if e.hexEdit.Text == e.shown {
			return e.raw, nil
		}
		return parseHex(e.hexEdit.Text)
	default:
		if e.body.Text == e.shown {
			return e.raw, nil
		}
		return []byte(e.body.Text), nil
	}
}

// fileBodyLimit bounds a body read from a file: the editor holds it in
// memory and may show it.
const fileBodyLimit = 64 << 20

// chooseFile replaces the body with a file's bytes (UI goroutine).
func (e *editor) chooseFile() {
	if e.m.win == nil {
		return
	}
	showFileOpen(e.m.win, bodyChoice, func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			e.fail(wrapL("open the body file: {{.Err}}", err, nil))
			return
		}
		if rc == nil {
			return // cancelled
		}
		go func() {
			defer rc.Close()
			b, err := io.ReadAll(io.LimitReader(rc, fileBodyLimit+1))
			e.m.post(func() {
				switch {
				case err != nil:
					e.fail(wrapL("read {{.File}}: {{.Err}}", err, map[string]any{"File": rc.URI().Name()}))
				case len(b) > fileBodyLimit:
					e.fail(errors.New(lang.L("{{.File}} is larger than {{.Size}}; send it with curl --data-binary instead", map[string]any{"File": rc.URI().Name(), "Size": loc.Size(fileBodyLimit)})))
				default:
					e.replaceBody(rc.URI().Name(), b)
				}
			})
		}()
	})
}

// replaceBody makes a file's bytes the body (UI goroutine).
func (e *editor) replaceBody(name string, b []byte) {
	e.setBody(b)
	e.highlight()
	e.msg.Importance = widget.MediumImportance
	e.msg.SetText(lang.L("The body is now {{.File}} ({{.Size}}); Send sends it byte for byte.", map[string]any{"File": name, "Size": loc.Size(int64(len(b)))}))
}

// sendNow sends the form (UI goroutine); the answer shows below.
func (e *editor) sendNow() {
	req, err := e.request()
	if err != nil {
		e.fail(err)
		return
	}
	a := &replay.Attempt{Kind: replay.KindEdit, Request: req}
	if e.c != nil {
		a.CaptureID = e.c.ID
		a.Modified = !sameRequest(e.orig, req)
	}
	if e.sign != nil && e.sign.Selected == lang.L(signResign) {
		if err := replay.Resign(&a.Request, *e.signer, time.Now()); err != nil {
			e.fail(err)
			return
		}
		a.Modified = true
	}
	e.send.Disable()
	e.msg.Importance = widget.MediumImportance
	e.msg.SetText(lang.L("Sending to {{.URL}}…", map[string]any{"URL": req.URL}))
	st := e.m.styles
	e.m.sendAttempt(a, func(a *replay.Attempt) {
		e.send.Enable()
		e.last = a
		e.msg.Importance = attemptImportance(a)
		e.msg.SetText(attemptLine(a))
		e.out.setRows(nil)
		go func() {
			rows := attemptRowsWrapped(a, st, true, noWrap)
			e.m.post(func() {
				if e.last == a {
					e.out.setRows(rows)
				}
			})
		}()
		if p := e.m.replays; p != nil && e.c != nil && p.cur != nil && p.cur.ID == e.c.ID {
			p.reload()
		}
	})
}

func (e *editor) fail(err error) {
	e.msg.Importance = widget.DangerImportance
	e.msg.SetText(capitalise(err.Error()) + ".")
}

// highlight renders the body, as the headers say it is, off the UI
// goroutine (UI goroutine).
func (e *editor) highlight() {
	hdrs, _ := e.hdrs.headers() // also when the URL is still empty
	body, _ := e.bodyBytes()
	r := &capture.Request{Headers: hdrs, Body: body}
	st := e.m.styles
	go func() {
		v, lang := prepareBody(r, modePretty)
		rows := bodyRows(v, lang, st)
		if v.banner != "" {
			rows = append(highlightWrapped("("+v.banner+")\n", "plaintext", st, noWrap), rows...)
		}
		e.m.post(func() {
			e.view.setRows(rows)
		})
	}()
}

// showEditor opens "Edit and send" for c (or an empty request when c is
// nil) in a dialog; it returns the editor (nil without a window).
func (m *Main) showEditor(c *capture.Request, target string) *editor {
	if m.win == nil {
		return nil
	}
	e := newEditor(m, c, target)
	title := lang.L("New request")
	if c != nil {
		title = lang.L("Edit and send {{.ID}}", map[string]any{"ID": c.ID})
	}
	d := dialog.NewCustom(title, lang.L("Close"), e.content, m.win)
	d.Resize(fyne.NewSize(1160, 730)) // the window's size bounds it
	d.Show()
	return e
}

// attemptRowsWrapped is attemptText with the response body pretty-printed
// and highlighted as its Content-Type says, lines wrapped at width runes or
// left whole (noWrap) for a fitGrid; responseOnly leaves out the request
// (the editor shows it already). Safe off the UI goroutine.
func attemptRowsWrapped(a *replay.Attempt, st *styles, responseOnly bool, width int) []widget.TextGridRow {
	highlightRows := func(text, lang string, st *styles) []widget.TextGridRow {
		return highlightWrapped(text, lang, st, width)
	}
	res := a.Result
	head := responseHead(res)
	if !responseOnly {
		head = attemptHead(a)
	}
	if res.Class != "" || len(res.Body) == 0 {
		return highlightRows(text.Block(strings.TrimSuffix(head, "\n")), "plaintext", st)
	}
	rows := highlightRows(text.Block(strings.TrimSuffix(head, "\n")), "plaintext", st)
	v, syntax := prepareBody(&capture.Request{Headers: res.Headers, Body: res.Body}, modePretty)
	if v.banner != "" {
		rows = append(rows, highlightRows("("+v.banner+")", "plaintext", st)...)
	}
	rows = append(rows, rowsWrapped(v, syntax, st, width)...)
	if res.Truncated {
		rows = append(rows, highlightRows(lang.L("… cut at {{.Kept}} of {{.Size}}", map[string]any{"Kept": loc.Size(int64(len(res.Body))), "Size": loc.Size(res.BodySize)}), "plaintext", st)...)
	}
	return rows
}
