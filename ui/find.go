package ui

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/text/unicode/norm"
)

// Find in the body: a find bar under the body grid (Ctrl+F, the Find
// button) highlights every match of its term in the rows the grid shows
// and steps through them; while it is closed, or open with nothing typed,
// the words of the list's search are highlighted instead, so the body
// shows why it matched.
//
// What is matched is the text as shown, cell by cell: the pretty view in
// Pretty (escapes such as \u00e3 as they are written), the decoded text
// in Raw, and in Hex the whole dump line (offsets, bytes and the text
// column), as a browser's find would. Matching ignores case and the
// accents of Latin and Greek letters ("sao" finds "São"), as the list's
// search index does; matches do not overlap and never span lines.

// findShortcut opens the find bar: the Edit menu's Find in body, which
// installShortcuts also binds on the window canvas.
var findShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}

const (
	// maxMatches bounds what one search highlights (and counts).
	maxMatches = 10_000
	// findInline is the body size, in cells, up to which a search runs on
	// the UI goroutine: bigger ones run on their own, cancelled when a
	// newer search supersedes them, so typing never waits for them.
	findInline = 64 << 10
	// maxListWords bounds the list search words highlighted.
	maxListWords = 16
)

// Highlight colours: translucent amber over the cell's own colours for
// every match, solid orange under dark text for the current one; both
// read on the dark and the light theme.
var (
	matchBG   = color.NRGBA{0xff, 0xc8, 0x3d, 0x66}
	currentBG = color.NRGBA{0xff, 0x96, 0x32, 0xff}
	currentFG = color.NRGBA{0x1a, 0x1a, 0x1a, 0xff}
)

// span is a match: cells [from, to) of line (a row as the grid was given
// it, before wrapping).
type span struct{ line, from, to int }

// findSource is the text of a body's rows for finding, folded, built once
// per body. Its rows are the rows the body grid was given, which nothing
// writes to after (highlighting copies the lines it paints), so searches
// on other goroutines may read them. Safe for concurrent use.
type findSource struct {
	rows   []widget.TextGridRow
	cells  int
	once   sync.Once
	text   []rune // every cell folded, lines ended by '\n'
	starts []int  // where each line begins in text
}

func newFindSource(rows []widget.TextGridRow) *findSource {
	s := &findSource{rows: rows}
	for _, r := range rows {
		s.cells += len(r.Cells)
	}
	return s
}

// build folds the rows into text, once.
func (s *findSource) build() {
	s.once.Do(func() {
		s.text = make([]rune, 0, s.cells+len(s.rows))
		s.starts = make([]int, len(s.rows))
		for i, r := range s.rows {
			s.starts[i] = len(s.text)
			for _, c := range r.Cells {
				ch := c.Rune
				if ch == ' ' && c.Style != nil && c.Style.Style().Underline {
					ch = '_' // drawn as an underlined space (styles.underscore)
				}
				s.text = append(s.text, fold(ch))
			}
			s.text = append(s.text, '\n')
		}
	})
}

// accentless maps the accented Latin and Greek letters to their base
// letter (the first rune of their canonical decomposition).
var accentless = func() map[rune]rune {
	m := map[rune]rune{}
	for _, rg := range [][2]rune{{0xc0, 0x250}, {0x370, 0x400}, {0x1e00, 0x2000}} {
		for r := rg[0]; r < rg[1]; r++ {
			d := []rune(norm.NFD.String(string(r)))
			if len(d) > 1 && !slices.ContainsFunc(d[1:], func(c rune) bool { return !unicode.Is(unicode.Mn, c) }) {
				m[r] = d[0]
			}
		}
	}
	return m
}()

// fold is what a rune is compared as: lower case, without its accent; a
// tab is the space the grid shows.
func fold(r rune) rune {
	if r < 0x80 {
		switch {
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		case r == '\t':
			return ' '
		}
		return r
	}
	if b, ok := accentless[r]; ok {
		r = b
	}
	return unicode.ToLower(r)
}

// foldTerms prepares terms for findSpans: folded, empty ones dropped,
// longest first (at one place the longest term wins).
func foldTerms(terms []string) [][]rune {
	var out [][]rune
	for _, t := range terms {
		var f []rune
		for _, r := range t {
			if r == '\n' || r == '\r' {
				r = ' ' // a line never holds one: a pasted one stands for the break
			}
			f = append(f, fold(r))
		}
		if len(f) > 0 {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b []rune) int { return len(b) - len(a) })
	return out
}

// findSpans finds terms (from foldTerms) in src, in order, at most limit
// of them; more says it stopped there. It gives up with ctx's error once
// ctx is done. Safe off the UI goroutine.
func findSpans(ctx context.Context, src *findSource, terms [][]rune, limit int) (spans []span, more bool, err error) {
	src.build()
	text := src.text
	line := 0
	for i, n := 0, 0; i < len(text); n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		c := text[i]
		if c == '\n' {
			line++
			i++
			continue
		}
		hit := 0
		for _, t := range terms {
			if t[0] == c && len(t) <= len(text)-i && slices.Equal(text[i:i+len(t)], t) {
				hit = len(t)
				break
			}
		}
		if hit == 0 {
			i++
			continue
		}
		if len(spans) == limit {
			return spans, true, nil
		}
		from := i - src.starts[line]
		spans = append(spans, span{line, from, from + hit})
		i += hit
	}
	return spans, false, nil
}

// findStyles hands out the highlighted twin of each cell style, one per
// style and kind, so a highlight allocates no style per cell. Safe for
// concurrent use.
type findStyles struct {
	mu sync.Mutex
	m  map[findKey]widget.TextGridStyle
}

type findKey struct {
	base    widget.TextGridStyle
	current bool
}

func (s *findStyles) get(base widget.TextGridStyle, current bool) widget.TextGridStyle {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := findKey{base, current}
	if st, ok := s.m[k]; ok {
		return st
	}
	st := &widget.CustomTextGridStyle{BGColor: matchBG}
	if base != nil {
		st.TextStyle, st.FGColor = base.Style(), base.TextColor() // an underscore stays underlined
	}
	if current {
		st.FGColor, st.BGColor = currentFG, currentBG
	}
	if s.m == nil {
		s.m = map[findKey]widget.TextGridStyle{}
	}
	s.m[k] = st
	return st
}

// paint returns rows with every span highlighted: the lines holding one
// are copies, the others rows' own, so rows is left as it was.
func paint(rows []widget.TextGridRow, spans []span, hl *findStyles) []widget.TextGridRow {
	shown := slices.Clone(rows)
	last := -1
	for _, s := range spans {
		if s.line != last {
			shown[s.line].Cells = slices.Clone(rows[s.line].Cells)
			last = s.line
		}
		cells := shown[s.line].Cells
		for c := s.from; c < s.to; c++ {
			cells[c].Style = hl.get(rows[s.line].Cells[c].Style, false)
		}
	}
	return shown
}

// findResult is a search's outcome, ready for the grid.
type findResult struct {
	spans []span
	more  bool
	shown []widget.TextGridRow
}

// finder is the body's find bar and what it highlights. The UI goroutine
// owns it; a big body's search runs on its own goroutine over the
// findSource, and its result crosses back through post.
type finder struct {
	grid *fitGrid
	// post hands f to the UI goroutine (Main.post); nil runs every
	// search inline.
	post func(f func()) bool
	// hook, when set (tests), runs at the start of each search.
	hook func()

	bar      *fyne.Container // under the body; hidden until opened
	box      *fyne.Container // what holds the bar, re-laid out when it hides
	button   *widget.Button  // the body bar's Find button
	entry    *findEntry
	count    *widget.Label
	prev     *widget.Button
	next     *widget.Button
	closeBtn *widget.Button

	src       *findSource // the body shown; nil for none
	listWords []string    // the list search's words
	spans     []span      // the matches highlighted
	more      bool        // there are more than maxMatches
	shown     []widget.TextGridRow
	painted   bool // the grid shows shown, not the body's own rows
	cur       int  // the current match in spans; -1 for none
	anchor    span // where the current match was: a refined term stays near it
	busy      bool // a search is running off the UI goroutine
	follow    bool // the body just opened: bring the first list match into view
	cancel    context.CancelFunc
	gen       uint64 // counts searches; only the newest one's result applies
	hl        findStyles
}

func newFinder(grid *fitGrid) *finder {
	f := &finder{grid: grid, cur: -1}
	f.entry = newFindEntry(f)
	f.entry.SetPlaceHolder("Find in body")
	f.entry.OnChanged = f.typed
	f.count = widget.NewLabel("")
	f.prev = widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { f.step(-1) })
	f.next = widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { f.step(1) })
	f.closeBtn = widget.NewButtonWithIcon("", theme.CancelIcon(), f.close)
	for _, b := range []*widget.Button{f.prev, f.next, f.closeBtn} {
		b.Importance = widget.LowImportance
	}
	f.bar = container.NewBorder(nil, nil, nil, container.NewHBox(f.count, f.prev, f.next, f.closeBtn), f.entry)
	f.bar.Hide()
	f.button = widget.NewButtonWithIcon("Find", theme.SearchIcon(), f.open)
	f.updateControls()
	return f
}

// enable lets the bar be used, or closes it and disables its button (the
// Tree view has no grid to find in).
func (f *finder) enable(on bool) {
	if on {
		f.button.Enable()
		return
	}
	f.close()
	f.button.Disable()
}

// OpenFind shows the body and opens its find bar, the term selected; the
// Ctrl+F shortcut and menus call it (UI goroutine).
func (d *Detail) OpenFind() {
	if d.req == nil {
		return
	}
	d.tabs.SelectIndex(0) // Body
	if !d.find.button.Disabled() {
		d.find.open()
	}
}

// bodyShown is told the rows the grid now shows for a new body or mode;
// it highlights the terms in force in them.
func (f *finder) bodyShown(rows []widget.TextGridRow) {
	f.src = newFindSource(rows)
	f.painted = false // the grid was just given rows
	f.anchor = span{}
	f.follow = true
	f.refind()
}

// setListTerm is told the list's search text; its words are highlighted
// while the bar has no term of its own.
func (f *finder) setListTerm(q string) {
	var words []string
	for _, w := range strings.Fields(q) {
		// As the list's search reads words: one without a letter or digit
		// is not searched for.
		if strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) && len(words) < maxListWords {
			words = append(words, w)
		}
	}
	if slices.Equal(words, f.listWords) {
		return
	}
	f.listWords = words
	if !f.ownTerm() {
		f.refind()
	}
}

// ownTerm reports whether the bar is open with a term typed.
func (f *finder) ownTerm() bool { return f.bar.Visible() && f.entry.Text != "" }

func (f *finder) terms() []string {
	if f.ownTerm() {
		return []string{f.entry.Text}
	}
	return f.listWords
}

func (f *finder) open() {
	if !f.bar.Visible() {
		f.bar.Show()
		if f.box != nil {
			f.box.Refresh() // room for the bar
		}
		f.refind() // the list search's matches get a current one
	}
	if c := f.canvas(); c != nil {
		c.Focus(f.entry)
	}
	f.entry.TypedShortcut(&fyne.ShortcutSelectAll{}) // typing replaces the term
}

// canvas is the window's canvas, or nil. It is looked up from the grid:
// the entry of a bar just shown is not known to the driver until drawn.
func (f *finder) canvas() fyne.Canvas {
	return fyne.CurrentApp().Driver().CanvasForObject(f.grid.TextGrid)
}

func (f *finder) typed(string) { f.refind() }

// close hides the bar, forgets its term and takes its highlight off; the
// list search's words, if any, are highlighted again (and are what the
// bar steps through when opened again).
func (f *finder) close() {
	if !f.bar.Visible() {
		return
	}
	if c := f.canvas(); c != nil && c.Focused() == f.entry {
		c.Unfocus()
	}
	f.bar.Hide()
	if f.box != nil {
		f.box.Refresh() // a hidden bar's room goes back to the body only on a re-layout
	}
	f.entry.OnChanged = nil // one search below, not one for the emptying too
	f.entry.SetText("")
	f.entry.OnChanged = f.typed
	f.refind()
}

// refind searches the body for the terms in force, inline for a small
// body, on its own goroutine for a big one (UI goroutine).
func (f *finder) refind() {
	if f.cancel != nil {
		f.cancel() // superseded
		f.cancel = nil
	}
	f.gen++
	f.busy = false
	terms := foldTerms(f.terms())
	if f.src == nil || len(terms) == 0 {
		f.apply(findResult{})
		return
	}
	src, hook := f.src, f.hook
	run := func(ctx context.Context) (findResult, error) {
		if hook != nil {
			hook()
		}
		spans, more, err := findSpans(ctx, src, terms, maxMatches)
		if err != nil {
			return findResult{}, err
		}
		r := findResult{spans: spans, more: more}
		if len(spans) > 0 {
			r.shown = paint(src.rows, spans, &f.hl)
		}
		return r, nil
	}
	if f.post == nil || src.cells <= findInline {
		r, _ := run(context.Background())
		f.apply(r)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.busy = true
	f.updateControls()
	gen := f.gen
	go func() {
		r, err := run(ctx)
		if err != nil {
			return
		}
		f.post(func() {
			if gen == f.gen {
				f.cancel, f.busy = nil, false
				cancel()
				f.apply(r)
			}
		})
	}()
}

// apply shows a search's result: the highlighted rows and, with the bar
// open, the current match (the first at or after the last one).
func (f *finder) apply(r findResult) {
	f.spans, f.more, f.cur = r.spans, r.more, -1
	if r.shown == nil && !f.painted {
		f.updateControls() // nothing to find, nothing to take off: no refresh
		return
	}
	f.shown, f.painted = r.shown, r.shown != nil
	if f.shown == nil && f.src != nil {
		f.shown = f.src.rows
	}
	if f.src != nil {
		f.grid.restyle(f.shown)
	}
	// One refresh at the end: each costs a walk over every row per row on
	// screen (Fyne's TextGrid), 5 ms for a 1 MiB body.
	switch {
	case f.src == nil:
	case len(f.spans) == 0:
		f.grid.Refresh()
	case f.bar.Visible():
		i, _ := slices.BinarySearchFunc(f.spans, f.anchor, func(s, a span) int {
			if s.line != a.line {
				return s.line - a.line
			}
			return s.from - a.from
		})
		f.setCurrent(i % len(f.spans))
	case !f.follow || !f.grid.reveal(f.spans[0], true):
		f.grid.Refresh()
	}
	f.follow = false
	f.updateControls()
}

// step moves the current match by delta, wrapping around.
func (f *finder) step(delta int) {
	if !f.bar.Visible() {
		f.open() // F3 with the bar closed: the list search's matches, if any
		return
	}
	n := len(f.spans)
	if n == 0 || f.busy {
		return
	}
	i := f.cur
	if i < 0 {
		i = 0
	} else {
		i = ((i+delta)%n + n) % n
	}
	f.setCurrent(i)
	f.updateControls()
	if c := f.canvas(); c != nil {
		c.Focus(f.entry) // Enter steps on after a click on the arrows
	}
}

// setCurrent makes spans[i] the current match and brings it into view.
func (f *finder) setCurrent(i int) {
	if f.cur >= 0 {
		f.paintSpan(f.spans[f.cur], false)
	}
	f.cur = i
	f.paintSpan(f.spans[i], true)
	f.anchor = f.spans[i]
	if !f.grid.reveal(f.spans[i], false) {
		f.grid.Refresh()
	}
}

// paintSpan restyles a match in the copies paint made of its line.
func (f *finder) paintSpan(s span, current bool) {
	base, cells := f.src.rows[s.line].Cells, f.shown[s.line].Cells
	for c := s.from; c < s.to; c++ {
		cells[c].Style = f.hl.get(base[c].Style, current)
	}
}

// updateControls writes the counter and enables the arrows.
func (f *finder) updateControls() {
	n := len(f.spans)
	total := loc.Int(int64(n))
	if f.more {
		total += "+"
	}
	var s string
	switch {
	case f.busy:
		s = "Searching…"
	case len(f.terms()) == 0:
		s = ""
	case n == 0:
		s = "No matches"
	case f.cur < 0:
		s = text0(n, total)
	default:
		s = fmt.Sprintf("%s of %s", loc.Int(int64(f.cur+1)), total)
	}
	if s != "" && !f.ownTerm() {
		s += " (list search)"
	}
	f.count.SetText(s)
	if n == 0 || f.busy {
		f.prev.Disable()
		f.next.Disable()
	} else {
		f.prev.Enable()
		f.next.Enable()
	}
}

// text0 is a match count with no current match.
func text0(n int, total string) string {
	if n == 1 {
		return "1 match"
	}
	return total + " matches"
}

// restyle puts lines, the same text as the grid's lines with other
// styles, in the grid, keeping the wrap width and the scroll position;
// the caller refreshes it (UI goroutine).
func (f *fitGrid) restyle(lines []widget.TextGridRow) {
	f.lines = lines
	if f.cols > 0 {
		f.Rows = wrapRows(lines, f.cols)
	}
}

// rowOf is the grid row (after wrapping) that shows cell col of line.
func (f *fitGrid) rowOf(line, col int) int {
	row := 0
	for _, l := range f.lines[:line] {
		if n := len(l.Cells); n > f.cols && !isWhole(l) {
			row += (n-1)/f.cols + 1
		} else {
			row++
		}
	}
	if !isWhole(f.lines[line]) {
		row += col / f.cols
	}
	return row
}

// reveal scrolls the grid so the match s is in view, a third of the way
// down; onlyFromTop leaves a grid the user has scrolled alone. It
// reports whether it refreshed the grid.
//
// TextGrid scrolls only to its top or bottom (Fyne 2.7 exports no offset),
// so the rows after the target's screen are left out for the moment of a
// ScrollToBottom, which leaves the target where wanted, and then put back:
// the offset stays.
func (f *fitGrid) reveal(s span, onlyFromTop bool) bool {
	if f.cols == 0 || s.line >= len(f.lines) || f.Size().Height <= 0 {
		return false // not laid out yet
	}
	cell := fyne.MeasureText("M", f.Theme().Size(theme.SizeNameText), fyne.TextStyle{Monospace: true}).Height
	cell = float32(math.Round(float64(cell)))
	if cell <= 0 {
		return false
	}
	off := -f.PositionForCursorLocation(0, 0).Y
	if onlyFromTop && off > 0 {
		return false
	}
	row := f.rowOf(s.line, s.from)
	height := f.Size().Height - f.Theme().Size(theme.SizeNameScrollBar) // a sideways bar may cover the last row
	vis := max(int(height/cell), 1)
	if y := float32(row) * cell; y >= off && y+cell <= off+height {
		return false // in view already
	}
	want := row - vis/3
	if want <= 0 {
		f.ScrollToTop()
		return true
	}
	all := f.Rows
	f.Rows = all[:min(len(all), want+vis)]
	f.ScrollToBottom()
	f.Rows = all
	f.Refresh()
	return true
}

// findEntry is the find bar's field: Enter and F3 step to the next match,
// with Shift to the previous, Up and Down too; Esc closes the bar.
type findEntry struct {
	widget.Entry
	f     *finder
	shift bool
}

func newFindEntry(f *finder) *findEntry {
	e := &findEntry{f: f}
	e.ExtendBaseWidget(e)
	return e
}

func (e *findEntry) KeyDown(ev *fyne.KeyEvent) {
	if ev.Name == desktop.KeyShiftLeft || ev.Name == desktop.KeyShiftRight {
		e.shift = true
	}
	e.Entry.KeyDown(ev)
}

func (e *findEntry) KeyUp(ev *fyne.KeyEvent) {
	if ev.Name == desktop.KeyShiftLeft || ev.Name == desktop.KeyShiftRight {
		e.shift = false
	}
	e.Entry.KeyUp(ev)
}

func (e *findEntry) FocusLost() {
	e.shift = false // its key up went elsewhere
	e.Entry.FocusLost()
}

func (e *findEntry) TypedKey(ev *fyne.KeyEvent) {
	back := -1
	if !e.shift {
		back = 1
	}
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyF3:
		e.f.step(back)
	case fyne.KeyDown:
		e.f.step(1)
	case fyne.KeyUp:
		e.f.step(-1)
	case fyne.KeyEscape:
		e.f.close()
	default:
		e.Entry.TypedKey(ev)
	}
}

// TypedShortcut: Ctrl+F again selects the term, as a browser's does.
func (e *findEntry) TypedShortcut(s fyne.Shortcut) {
	if s.ShortcutName() == findShortcut.ShortcutName() {
		e.f.open()
		return
	}
	e.Entry.TypedShortcut(s)
}
