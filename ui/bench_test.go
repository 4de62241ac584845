package ui

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/alecthomas/chroma/v2"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/pretty"
	"github.com/gancho-app/gancho/internal/database"
)

// bigJSON returns about size bytes of minified JSON order events.
func bigJSON(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"orders":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"ord_%06d","customer":{"name":"Cliente %d","email":"c%d@example.com.br","phone":"+55 11 9%04d-%04d"},"amount":%d.90,"paid":%v,"tags":["crm","web"]}`, i, i, i, i%10000, i%7919, i*3, i%2 == 0)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkOpen1MiBJSON times what a click on a 1 MiB JSON capture costs
// off the UI goroutine: to the first highlighted screen, and to the whole
// body highlighted (targets: 100 ms and 1 s). Each iteration also runs
// the path before the JSON scanner (chroma for JSON too, chromaHighlight),
// so the ratio is measured side by side under the same load.
func BenchmarkOpen1MiBJSON(b *testing.B) {
	r := &capture.Request{ID: "01BIG", Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: bigJSON(1 << 20)}
	st := newStyles(darkPalette)
	var first, full, before time.Duration
	for i := 0; i < b.N; i++ {
		runtime.GC() // neither path pays for the other's garbage
		t0 := time.Now()
		v, lang := prepareBody(r, modePretty)
		if _, ok := firstScreen(v, lang, st); !ok {
			b.Fatal("no first screen for a 1 MiB body")
		}
		first += time.Since(t0)
		v.rows = bodyRows(v, lang, st)
		full += time.Since(t0)

		runtime.GC()
		t0 = time.Now()
		v, lang = prepareBody(r, modePretty)
		_ = chromaHighlight(v.text[:firstScreenEnd(v.text)], lang, st, noWrap)
		v.rows = chromaHighlight(v.text, lang, st, noWrap)
		before += time.Since(t0)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(first), "ms-first-screen")
	b.ReportMetric(ms(full), "ms-whole-body")
	b.ReportMetric(ms(before), "ms-whole-body-chroma")
	b.ReportMetric(float64(before)/float64(full), "x-faster")
	b.ReportMetric(ms(full)/1000, "x-of-1s-goal")
}

// firstScreenEnd is where firstScreen cuts text.
func firstScreenEnd(text string) int {
	idx := 0
	for n := 0; n < firstScreenLines; n++ {
		i := strings.IndexByte(text[idx:], '\n')
		if i < 0 {
			return len(text)
		}
		idx += i + 1
	}
	return idx
}

// BenchmarkFirstPaint100k seeds a store with 100,000 captures, then times
// building the window and its first render (target 1.5 s) and reports the
// heap in use afterwards (resident memory target 300 MiB).
func BenchmarkFirstPaint100k(b *testing.B) {
	test.NewTempApp(b)
	db, err := database.Open(b.TempDir(), database.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const n, workers = 100_000, 32
	body := bigJSON(600)
	var gen capture.IDGen
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				now := time.Now()
				r := &capture.Request{ID: gen.New(now), ReceivedAt: now, Method: "POST", Target: fmt.Sprintf("/seed/%d", i),
					Proto: "HTTP/1.1", Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}},
					Body: body, BodySize: int64(len(body)), Response: capture.Response{Status: 200}}
				if err := st.Append(context.Background(), r); err != nil {
					b.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	b.ResetTimer()
	var paint time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		m := NewMain(Options{URL: "http://127.0.0.1:4665", Captures: st}, nil)
		w := test.NewWindow(m.Content())
		w.Resize(fyne.NewSize(1200, 760))
		_ = w.Canvas().Capture()
		paint += time.Since(t0)
		w.Close()
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(paint.Milliseconds())/float64(b.N), "ms-first-paint")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap-in-use")
}

// BenchmarkHighlightSteps splits the whole-body time of a 1 MiB JSON
// capture into its steps, for the JSON scanner and for chroma side by
// side: indenting, tokenising (chroma only: the scanner builds the rows
// as it scans), mapping tokens to styles and building the grid rows,
// setting them on a grid (the UI goroutine's share) and drawing one
// screen with the test driver's software painter.
func BenchmarkHighlightSteps(b *testing.B) {
	test.NewTempApp(b).Settings().SetTheme(theme.DefaultTheme()) // the test theme has no underlined monospace font
	r := &capture.Request{ID: "01BIG", Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: bigJSON(1 << 20)}
	st := newStyles(darkPalette)
	f := newFitGrid()
	w := test.NewWindow(f.box)
	defer w.Close()
	w.Resize(fyne.NewSize(1200, 760))
	var indent, tokenise, chromaRows, scanRows, set, draw time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		v, lang := prepareBody(r, modePretty)
		t1 := time.Now()
		it, err := pretty.Lexer(lang).Tokenise(nil, v.text)
		if err != nil {
			b.Fatal(err)
		}
		var toks []chroma.Token
		for tok := it(); tok != chroma.EOF; tok = it() {
			toks = append(toks, tok)
		}
		t2 := time.Now()
		rb := newRowBuilder(v.text, st)
		for _, tok := range toks {
			rb.emit(tok.Value, st.forToken(tok.Type))
		}
		_ = rb.finish()
		t3 := time.Now()
		rows := bodyRows(v, lang, st)
		t4 := time.Now()
		f.setRows(rows)
		t5 := time.Now()
		_ = w.Canvas().Capture()
		t6 := time.Now()
		f.setRows(nil)
		indent += t1.Sub(t0)
		tokenise += t2.Sub(t1)
		chromaRows += t3.Sub(t2)
		scanRows += t4.Sub(t3)
		set += t5.Sub(t4)
		draw += t6.Sub(t5)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(indent), "ms-indent")
	b.ReportMetric(ms(tokenise), "ms-chroma-tokenise")
	b.ReportMetric(ms(chromaRows), "ms-chroma-style+rows")
	b.ReportMetric(ms(scanRows), "ms-scan+style+rows")
	b.ReportMetric(ms(set), "ms-set-grid")
	b.ReportMetric(ms(draw), "ms-draw-screen")
}
