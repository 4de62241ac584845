package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2/widget"
	"github.com/alecthomas/chroma/v2"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/pretty"
)

// chromaHighlight is highlightWrapped as it was before the JSON scanner,
// every language through chroma: the reference the scanner must match
// cell for cell, and the baseline of BenchmarkOpen1MiBJSON.
func chromaHighlight(text, lang string, st *styles, width int) []widget.TextGridRow {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if width != noWrap {
		text = wrapLines(text, width)
	}
	rows := make([]widget.TextGridRow, 0, strings.Count(text, "\n")+1)
	// The cells of all rows share one slab sized by the rune count: 24
	// bytes a character, with no regrowth of a long row.
	slab := make([]widget.TextGridCell, 0, utf8.RuneCountInString(text)+16)
	start := 0 // where the open row begins in slab
	push := func(c widget.TextGridCell) {
		if len(slab) == cap(slab) {
			// More cells than runes (a lexer added a newline): a new
			// slab, carrying the open row over.
			n := make([]widget.TextGridCell, len(slab)-start, 2*(len(slab)-start)+1024)
			copy(n, slab[start:])
			slab, start = n, 0
		}
		slab = append(slab, c)
	}
	endRow := func() {
		var r widget.TextGridRow
		if len(slab) > start {
			r.Cells = slab[start:len(slab):len(slab)]
		}
		rows = append(rows, r)
		start = len(slab)
	}
	emit := func(s string, style widget.TextGridStyle) {
		for _, r := range s {
			if r == '\n' {
				endRow()
				continue
			}
			if r == '\t' {
				r = ' '
			}
			if r == '_' {
				push(st.underscore(style))
				continue
			}
			push(widget.TextGridCell{Rune: r, Style: style})
		}
	}
	if lang == "" || lang == "plaintext" || len(text) > pretty.HighlightLimit {
		emit(text, st.plain)
	} else if it, err := pretty.Lexer(lang).Tokenise(nil, text); err != nil {
		emit(text, st.plain)
	} else {
		for tok := it(); tok != chroma.EOF; tok = it() {
			emit(tok.Value, st.forToken(tok.Type))
		}
	}
	endRow()
	return rows
}

// jsonCases are JSON texts, valid and not, for the scanner's equality
// with chroma: every token class, the indenter's output cut anywhere,
// and inputs where the scanner must hand over to chroma.
var jsonCases = []string{
	``,
	`{}`, `[]`, `{"a":1}`, `[1,2,3]`, `"top"`, `42`, `-0.5e+10`, `true`, `null`,
	`{"id":"ord_000001","n":-12.5,"e":1E5,"f":0.25e-3,"ok":true,"no":false,"x":null,"tags":["crm","web"],"o":{}}`,
	"{\n  \"a\": [\n    1,\n    {\"b\": \"c\\\"d\\\\\"}\n  ]\n}\n",
	`{"snake_key":"under_score","é":"ção 😀","esc":"\u00e9\n\t"}`,
	"{\"tab\":\t1,\r\n\"cr\":2}", "\r", "{\"a\":\r1}", "[\"a\rb\"]\r\r\n",
	`{"a":01}`, `{"a":1.}`, `{"a":1e}`, `{"a":-}`, `{"a":.5}`, `{"a":1.5e}`, `{"a":1.5E+}`,
	`{"a":truex}`, `{"a":tru}`, `{"a":true_}`, `{"a":nullé}`, `[true,false,null]`,
	`{"a" "b" "c"}`, `{"a":"b" "c"}`, `{1:2}`, `}`, `]`, `{"a":1}}`, `[1]]`, `{"a":[}]}`,
	`{"a":"unclosed`, `{"a":"esc\"`, `{"a":"esc\\"`, `{"a":"x\"y", "b":"z`, `"\`,
	"{\"a\":1 // comment\n}", `{"a":/1}`,
	"{\"a\":\u00a01}", "{\"a\":\v1}", "{\"a\":\f1}", "{\"a\":1\u00a0}", "{\"a\":1\u0663}", "{\"a\":1.\u0663}",
	"{\"a\":\x01}", "{\"a\":\"\xff\xfe\"}", "\xff", "{\"a\":\n\"b\n}", "[1,\n2\n",
	`[{"a":[{"b":[{"c":{}}]}]},[[[]]]]`,
}

func TestJSONScannerMatchesChroma(t *testing.T) {
	cases := append([]string(nil), jsonCases...)
	// The indenter's output of a real body, cut at every line and inside lines.
	v := pretty.Body(&capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: bigJSON(3000)})
	for i := 0; i < len(v.Text); i += 37 {
		cases = append(cases, v.Text[:i])
	}
	for _, pal := range []palette{darkPalette, lightPalette} {
		st := newStyles(pal)
		for i, text := range cases {
			for _, width := range []int{noWrap, 7, wrapAt} {
				got := highlightWrapped(text, "json", st, width)
				want := chromaHighlight(text, "json", st, width)
				if msg := sameCells(got, want); msg != "" {
					t.Errorf("case %d %q width %d: %s", i, short(text), width, msg)
				}
			}
		}
	}
}

// TestJSONScannerCoversValidJSON checks that valid JSON and its indented
// view never fall back to chroma (which would be correct but slow).
func TestJSONScannerCoversValidJSON(t *testing.T) {
	st := newStyles(darkPalette)
	big := bigJSON(20000)
	v := pretty.Body(&capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: big})
	for _, text := range []string{string(big), v.Text, `{"é":["ção",1.5e-3,true,null,{}]}`, "[\n  1,\n  -2\n]\n"} {
		t.Run(short(text[:min(len(text), 20)]), func(t *testing.T) {
			if !newRowBuilder(text, st).json(text) {
				t.Errorf("the scanner handed %q over to chroma", short(text))
			}
		})
	}
}

// sameCells compares two grids cell by cell: same rune, same style value
// (the styles are shared, one per token class), so the same colour.
func sameCells(got, want []widget.TextGridRow) string {
	if len(got) != len(want) {
		return "rows: got " + itoa(len(got)) + ", want " + itoa(len(want))
	}
	for r := range got {
		g, w := got[r].Cells, want[r].Cells
		if len(g) != len(w) {
			return "row " + itoa(r) + ": got " + itoa(len(g)) + " cells, want " + itoa(len(w))
		}
		for c := range g {
			if g[c].Rune != w[c].Rune || g[c].Style != w[c].Style {
				return "row " + itoa(r) + " cell " + itoa(c) + ": got " + string(g[c].Rune) + " in another style than " + string(w[c].Rune)
			}
		}
	}
	return ""
}

func itoa(n int) string { return loc.Int(int64(n)) }

// FuzzJSONScanner checks the scanner against chroma on any text.
func FuzzJSONScanner(f *testing.F) {
	for _, c := range jsonCases {
		f.Add(c)
	}
	st := newStyles(darkPalette)
	f.Fuzz(func(t *testing.T, text string) {
		if msg := sameCells(highlightWrapped(text, "json", st, noWrap), chromaHighlight(text, "json", st, noWrap)); msg != "" {
			t.Errorf("%q: %s", text, msg)
		}
	})
}

// TestHighlightStopsWhenCancelled checks that a body view nobody waits
// for any more stops being computed: the scanners look at the context as
// they go, not only at the end.
func TestHighlightStopsWhenCancelled(t *testing.T) {
	st := newStyles(darkPalette)
	big := string(bigJSON(1 << 20))
	xml := "<a>" + strings.Repeat(`<order id="ord_1"><name>Cliente</name></order>`, 20000) + "</a>"
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name, text, lang string
		scan             func(b *rowBuilder, text string)
	}{
		{"json scanner", big, "json", func(b *rowBuilder, text string) { b.json(text) }},
		{"chroma", xml, "xml", func(b *rowBuilder, text string) { chromaEmit(b, text, "xml") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newRowBuilder(c.text, st)
			b.ctx = cancelled
			c.scan(b, c.text)
			if len(b.slab) > 4*checkEvery {
				t.Errorf("built %d cells of %d after the context was cancelled", len(b.slab), len(c.text))
			}
			rows, err := highlightCtx(cancelled, c.text, c.lang, st, noWrap)
			if !errors.Is(err, context.Canceled) || rows != nil {
				t.Errorf("highlightCtx = %d rows, %v; want none, context.Canceled", len(rows), err)
			}
			rows, err = rowsCtx(cancelled, rendered{text: c.text}, c.lang, st, noWrap)
			if !errors.Is(err, context.Canceled) || rows != nil {
				t.Errorf("rowsCtx = %d rows, %v; want none, context.Canceled", len(rows), err)
			}
		})
	}
}

// TestRenderSupersededIsCancelled checks that asking for another body
// view (another capture, or another mode) cancels the one in flight.
func TestRenderSupersededIsCancelled(t *testing.T) {
	h := newHarness(t)
	a := h.add(t, "POST", "/a", "application/json", bigJSON(1<<20))
	b := h.add(t, "POST", "/b", "application/json", []byte(`{"b":1}`))
	var first context.Context
	got := make(chan string, 8)
	h.do(func() {
		h.m.renderAsync(a, modePretty, func(rendered) { got <- "a" })
		first = h.m.renderCtx
		h.m.renderAsync(b, modePretty, func(v rendered) {
			if len(v.rows) > 0 {
				got <- "b"
			}
		})
	})
	if first.Err() == nil {
		t.Fatal("the first body view is still being computed after another was asked for")
	}
	for s := range got {
		if s == "b" {
			break
		}
	}
	h.do(func() {
		if _, ok := h.m.cache[a.ID+"/"+modePretty]; ok {
			t.Error("the superseded view was finished and cached")
		}
	})
}
