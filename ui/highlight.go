package ui

import (
	"context"
	"image/color"
	"math"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/alecthomas/chroma/v2"

	"github.com/gancho-app/gancho/capture/pretty"
)

// wrapAt hard-wraps longer lines before they reach a TextGrid: one very long
// line (minified JSON) is slow to lay out anywhere.
const wrapAt = 240

// palette maps chroma token categories to colours for one theme variant.
type palette struct {
	plain, key, str, num, keyword, punct, comment, tag, attr, errc color.Color
}

var (
	darkPalette = palette{
		plain:   color.NRGBA{0xd8, 0xde, 0xe9, 0xff},
		key:     color.NRGBA{0x81, 0xa1, 0xc1, 0xff},
		str:     color.NRGBA{0xa3, 0xbe, 0x8c, 0xff},
		num:     color.NRGBA{0xd0, 0x87, 0x70, 0xff},
		keyword: color.NRGBA{0xb4, 0x8e, 0xad, 0xff},
		punct:   color.NRGBA{0x9a, 0xa3, 0xb5, 0xff},
		comment: color.NRGBA{0x7b, 0x88, 0xa1, 0xff},
		tag:     color.NRGBA{0x88, 0xc0, 0xd0, 0xff},
		attr:    color.NRGBA{0xeb, 0xcb, 0x8b, 0xff},
		errc:    color.NRGBA{0xbf, 0x61, 0x6a, 0xff},
	}
	lightPalette = palette{
		plain:   color.NRGBA{0x24, 0x29, 0x2e, 0xff},
		key:     color.NRGBA{0x00, 0x5c, 0xc5, 0xff},
		str:     color.NRGBA{0x22, 0x86, 0x3a, 0xff},
		num:     color.NRGBA{0xb3, 0x3d, 0x00, 0xff},
		keyword: color.NRGBA{0x8a, 0x3f, 0xb0, 0xff},
		punct:   color.NRGBA{0x58, 0x60, 0x69, 0xff},
		comment: color.NRGBA{0x6a, 0x73, 0x7d, 0xff},
		tag:     color.NRGBA{0x11, 0x63, 0x29, 0xff},
		attr:    color.NRGBA{0x6f, 0x42, 0xc1, 0xff},
		errc:    color.NRGBA{0xcb, 0x24, 0x31, 0xff},
	}
)

// styles holds one shared style per category, so a 1 MiB body does not
// allocate a style per cell.
type styles struct {
	plain, key, str, num, keyword, punct, comment, tag, attr, errc widget.TextGridStyle
	// under maps each style to its underlined twin, read-only once built.
	under map[widget.TextGridStyle]widget.TextGridStyle
}

func newStyles(p palette) *styles {
	s := func(c color.Color) widget.TextGridStyle { return &widget.CustomTextGridStyle{FGColor: c} }
	st := &styles{s(p.plain), s(p.key), s(p.str), s(p.num), s(p.keyword), s(p.punct), s(p.comment), s(p.tag), s(p.attr), s(p.errc), nil}
	st.under = map[widget.TextGridStyle]widget.TextGridStyle{}
	for _, x := range []widget.TextGridStyle{st.plain, st.key, st.str, st.num, st.keyword, st.punct, st.comment, st.tag, st.attr, st.errc} {
		st.under[x] = underlined(x)
	}
	return st
}

func underlined(x widget.TextGridStyle) widget.TextGridStyle {
	return &widget.CustomTextGridStyle{FGColor: x.TextColor(), TextStyle: fyne.TextStyle{Underline: true}}
}

// underscore is how a '_' is drawn: Fyne's TextGrid clips the glyph below
// its cell (fyne-io/fyne#6006), so "sale_8812" would read "sale 8812".
// The cell's underline is drawn instead. Copy works on the text, not on
// the grid, so what is copied keeps its '_'.
func (s *styles) underscore(style widget.TextGridStyle) widget.TextGridCell {
	u, ok := s.under[style]
	if !ok {
		u = underlined(style)
	}
	return widget.TextGridCell{Rune: ' ', Style: u}
}

func (s *styles) forToken(t chroma.TokenType) widget.TextGridStyle {
	switch {
	case t == chroma.NameTag:
		return s.tag
	case t == chroma.NameAttribute:
		return s.attr
	case t == chroma.LiteralStringSymbol || t == chroma.NameVariable || t == chroma.NameProperty:
		return s.key
	case t.InCategory(chroma.Keyword):
		return s.keyword
	case t.InSubCategory(chroma.LiteralString):
		return s.str
	case t.InSubCategory(chroma.LiteralNumber):
		return s.num
	case t.InCategory(chroma.Comment):
		return s.comment
	case t == chroma.Error:
		return s.errc
	case t.InCategory(chroma.Punctuation) || t.InCategory(chroma.Operator):
		return s.punct
	}
	return s.plain
}

// wrapLines hard-wraps lines longer than width runes.
func wrapLines(text string, width int) string {
	lines := strings.Split(text, "\n")
	long := false
	for _, l := range lines {
		if len(l) > width {
			long = true
			break
		}
	}
	if !long {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/width)
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		r := []rune(l)
		for len(r) > width {
			b.WriteString(string(r[:width]))
			b.WriteByte('\n')
			r = r[width:]
		}
		b.WriteString(string(r))
	}
	return b.String()
}

// highlightRows builds TextGrid rows from text: tokenised with chroma when
// lang is known and the text is under the highlight cap, plain otherwise.
// Safe to call off the UI goroutine: it touches no widget.
func highlightRows(text, lang string, st *styles) []widget.TextGridRow {
	return highlightWrapped(text, lang, st, wrapAt)
}

// noWrap leaves lines whole: for grids that wrap at their own width
// (wrapRows), as the body view does.
const noWrap = 0

// highlightWrapped is highlightRows with lines wrapped at width runes, or
// left whole with noWrap.
func highlightWrapped(text, lang string, st *styles, width int) []widget.TextGridRow {
	rows, _ := highlightCtx(context.Background(), text, lang, st, width)
	return rows
}

// highlightCtx is highlightWrapped that stops, returning ctx's error, once
// ctx is done: a body view superseded by another click costs no more.
func highlightCtx(ctx context.Context, text, lang string, st *styles, width int) ([]widget.TextGridRow, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if width != noWrap {
		text = wrapLines(text, width)
	}
	plain := lang == "" || lang == "plaintext" || len(text) > pretty.HighlightLimit
	if !plain && strings.IndexByte(text, '\r') >= 0 {
		// As chroma's EnsureLF does before lexing (to the text folded
		// above: "\r\r\n" is "\r\n" now): CR LF is LF, a lone CR is LF.
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	}
	b := newRowBuilder(text, st)
	b.ctx = ctx
	switch {
	case plain:
		b.emit(text, st.plain)
	case lang == "json" && b.json(text):
		// Our own scanner gave the token classes chroma's JSON lexer would.
	default:
		if err := ctx.Err(); err != nil {
			return nil, err // the scanner stopped for this, not for chroma
		}
		b.reset()
		chromaEmit(b, text, lang)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return b.finish(), nil
}

// How much is scanned between looks at the context: bytes for the JSON
// scanner, tokens for chroma.
const (
	checkEvery       = 1 << 14
	checkEveryTokens = 1 << 10
)

// chromaEmit tokenises text with chroma's lexer for lang into b, plain
// when the lexer fails.
func chromaEmit(b *rowBuilder, text, lang string) {
	it, err := pretty.Lexer(lang).Tokenise(nil, text)
	if err != nil {
		b.emit(text, b.st.plain)
		return
	}
	for n := 1; ; n++ {
		tok := it()
		if tok == chroma.EOF || n%checkEveryTokens == 0 && b.ctx.Err() != nil {
			return
		}
		b.emit(tok.Value, b.st.forToken(tok.Type))
	}
}

// rowBuilder collects TextGrid rows whose cells share one slab sized by
// the rune count: 24 bytes a character, with no regrowth of a long row.
type rowBuilder struct {
	ctx   context.Context // the scanners stop early once it is done
	st    *styles
	rows  []widget.TextGridRow
	slab  []widget.TextGridCell
	start int // where the open row begins in slab
}

func newRowBuilder(text string, st *styles) *rowBuilder {
	return &rowBuilder{
		ctx:  context.Background(),
		st:   st,
		rows: make([]widget.TextGridRow, 0, strings.Count(text, "\n")+1),
		slab: make([]widget.TextGridCell, 0, utf8.RuneCountInString(text)+16),
	}
}

// reset drops what was built, keeping the memory.
func (b *rowBuilder) reset() {
	clear(b.rows)
	b.rows, b.slab, b.start = b.rows[:0], b.slab[:0], 0
}

func (b *rowBuilder) push(c widget.TextGridCell) {
	if len(b.slab) == cap(b.slab) {
		// More cells than runes (a lexer added a newline): a new slab,
		// carrying the open row over.
		n := make([]widget.TextGridCell, len(b.slab)-b.start, 2*(len(b.slab)-b.start)+1024)
		copy(n, b.slab[b.start:])
		b.slab, b.start = n, 0
	}
	b.slab = append(b.slab, c)
}

func (b *rowBuilder) endRow() {
	var r widget.TextGridRow
	if len(b.slab) > b.start {
		r.Cells = b.slab[b.start:len(b.slab):len(b.slab)]
	}
	b.rows = append(b.rows, r)
	b.start = len(b.slab)
}

// emit adds s in one style: a newline ends the row, a tab is a space and
// an underscore is drawn as styles.underscore says.
func (b *rowBuilder) emit(s string, style widget.TextGridStyle) {
	var under widget.TextGridCell // style's underscore, looked up once
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		switch r {
		case '\n':
			b.endRow()
			continue
		case '\t':
			r = ' '
		case '_':
			if under.Style == nil {
				under = b.st.underscore(style)
			}
			b.push(under)
			continue
		}
		b.push(widget.TextGridCell{Rune: r, Style: style})
	}
}

// finish closes the last row and returns the rows.
func (b *rowBuilder) finish() []widget.TextGridRow {
	b.endRow()
	return b.rows
}

// wholeLine marks a row that wrapRows leaves whole, the grid scrolling
// sideways for it instead: a hex dump line cut in two no longer lines up
// its offset, bytes and text. It draws as an unstyled row.
type wholeLine struct{}

func (wholeLine) Style() fyne.TextStyle        { return fyne.TextStyle{} }
func (wholeLine) TextColor() color.Color       { return nil }
func (wholeLine) BackgroundColor() color.Color { return nil }

// keepWhole marks rows (without a style of their own) as whole lines.
func keepWhole(rows []widget.TextGridRow) []widget.TextGridRow {
	for i := range rows {
		if rows[i].Style == nil {
			rows[i].Style = wholeLine{}
		}
	}
	return rows
}

func isWhole(r widget.TextGridRow) bool { _, ok := r.Style.(wholeLine); return ok }

// wrapRows cuts rows longer than cols cells into rows of cols cells, except
// whole lines (keepWhole). The cells are shared, not copied, so re-wrapping
// on a resize is cheap.
func wrapRows(rows []widget.TextGridRow, cols int) []widget.TextGridRow {
	long := 0
	for _, r := range rows {
		if len(r.Cells) > cols && !isWhole(r) {
			long += (len(r.Cells) - 1) / cols
		}
	}
	if long == 0 {
		return rows
	}
	out := make([]widget.TextGridRow, 0, len(rows)+long)
	for _, r := range rows {
		for len(r.Cells) > cols && !isWhole(r) {
			out = append(out, widget.TextGridRow{Cells: r.Cells[:cols:cols], Style: r.Style})
			r.Cells = r.Cells[cols:]
		}
		out = append(out, r)
	}
	return out
}

// fitGrid is a TextGrid that wraps its rows at its own width, re-wrapping
// when that changes, so no line runs past the right edge of its pane. Put
// box in the layout; give it whole lines with setRows or setText.
type fitGrid struct {
	*widget.TextGrid
	box   *fyne.Container
	lines []widget.TextGridRow // as given, before wrapping
	cols  int                  // the width they are wrapped at; 0: not yet
}

func newFitGrid() *fitGrid {
	f := &fitGrid{TextGrid: widget.NewTextGrid()}
	f.Scroll = fyne.ScrollBoth // before first render: ScrollNone lays out every row
	f.box = container.New(fitLayout{f}, f.TextGrid)
	return f
}

// setRows shows rows, wrapped at the grid's width (UI goroutine).
func (f *fitGrid) setRows(rows []widget.TextGridRow) {
	f.lines = rows
	f.cols = 0
	f.fit(f.Size().Width)
}

// setText shows plain text with underscores drawn (see styles.underscore).
func (f *fitGrid) setText(text string, st *styles) {
	f.setRows(highlightWrapped(text, "plaintext", st, noWrap))
}

// fit wraps the lines at width, once per width.
func (f *fitGrid) fit(width float32) {
	cols := gridCols(f.TextGrid, width)
	if cols == f.cols {
		return
	}
	f.cols = cols
	f.Rows = wrapRows(f.lines, cols)
	f.Refresh()
}

// fitLayout gives the grid its space and re-fits it to the new width. The
// text starts one inner padding in from the pane's edge, where a label's
// text starts, so a body lines up with the tabs and notes above it; the
// right side already keeps the scroll bar's width free (gridCols).
type fitLayout struct{ f *fitGrid }

func (l fitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	inset := l.f.Theme().Size(theme.SizeNameInnerPadding)
	objs[0].Move(fyne.NewPos(inset, 0))
	objs[0].Resize(size.SubtractWidthHeight(inset, 0))
	l.f.fit(size.Width - inset)
}

func (l fitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return objs[0].MinSize().AddWidthHeight(l.f.Theme().Size(theme.SizeNameInnerPadding), 0)
}

// gridCols is how many cells of g fit across width: the TextGrid's cell is
// the rounded width of "M" in its monospace text size; the vertical scroll
// bar, drawn over the content, takes its share.
func gridCols(g *widget.TextGrid, width float32) int {
	if width <= 0 {
		return wrapAt // not laid out yet
	}
	th := g.Theme()
	cell := fyne.MeasureText("M", th.Size(theme.SizeNameText), fyne.TextStyle{Monospace: true}).Width
	cell = float32(math.Round(float64(cell)))
	if cell <= 0 {
		return wrapAt
	}
	return max(int((width-th.Size(theme.SizeNameScrollBar))/cell), 16)
}
