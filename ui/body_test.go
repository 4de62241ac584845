package ui

import (
	"bytes"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/replay"
)

// visibleCols is how many grid cells fit across the body grid as laid out.
func visibleCols(d *Detail) int {
	cell := fyne.MeasureText("M", d.grid.Theme().Size("text"), fyne.TextStyle{Monospace: true}).Width
	return int(d.grid.Size().Width / float32(int(cell+0.5)))
}

// Long lines wrap at the pane's real width: no row is wider than the grid
// shows, and no character is lost, at 1024x700 and after a resize.
func TestBodyWrapsAtPaneWidth(t *testing.T) {
	token := strings.Repeat("abcdefghij", 300) + "Z"   // a 3,001-character token
	raw := bytes.Repeat([]byte("0123456789"), 140<<10) // a 1.4 MiB one-line body
	cases := []struct {
		name, ct string
		body     []byte
		mode     string
		want     string // must appear whole when rows are joined
	}{
		{"pretty json with a long token", "application/json", []byte(`{"token":"` + token + `"}`), modePretty, token},
		{"raw json with a long token", "application/json", []byte(`{"token":"` + token + `"}`), modeRaw, token},
		{"raw 1.4 MiB line", "text/plain", raw, modeRaw, string(raw[:1<<20])},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			var w fyne.Window
			h.do(func() {
				w = test.NewWindow(h.m.Content())
				w.Resize(fyne.NewSize(1024, 700))
			})
			defer h.do(w.Close)
			h.add(t, "POST", "/x", c.ct, c.body)
			h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
			h.do(func() {
				h.m.list.Select(0)
				h.m.detail.modes.SetSelected(c.mode)
			})
			h.waitFor(t, "body", func() bool { return len(h.m.detail.fitted.lines) > 0 && h.m.detail.mode == c.mode })
			for _, size := range []fyne.Size{{Width: 1024, Height: 700}, {Width: 1440, Height: 900}, {Width: 800, Height: 600}} {
				h.do(func() { w.Resize(size) })
				h.eval(func() bool {
					d := h.m.detail
					cols := visibleCols(d)
					if cols < 20 {
						t.Fatalf("%v: grid only %d columns wide (%v)", size, cols, d.grid.Size())
					}
					var joined strings.Builder
					for i, r := range d.grid.Rows {
						if len(r.Cells) > cols {
							t.Fatalf("%v: row %d has %d cells, the grid shows %d", size, i, len(r.Cells), cols)
						}
						for _, c := range r.Cells {
							joined.WriteRune(c.Rune)
						}
					}
					if !strings.Contains(joined.String(), c.want[:min(len(c.want), 4096)]) || !strings.HasSuffix(strings.TrimSpace(joined.String()), strings.TrimSpace(lastLine(d))) {
						t.Fatalf("%v: characters lost in wrapping", size)
					}
					return true
				})
			}
		})
	}
}

// lastLine is the end of the unwrapped body, which must end the grid too.
func lastLine(d *Detail) string {
	var b strings.Builder
	for _, c := range d.fitted.lines[len(d.fitted.lines)-1].Cells {
		b.WriteRune(c.Rune)
	}
	return b.String()
}

// The banner says what was cut, in lines and bytes of the view, and the
// size of the body: "showing the first 2 MiB of 2 MiB" hid that a pretty
// view of 9,000 items stopped at item 8,833.
func TestBodyBannerSaysWhatWasCut(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 9000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item-%05d","tags":["a","b","c"],"price":{"amount":%d,"currency":"EUR"},"note":"%s"}`, i, i, i*7, strings.Repeat("n", 80))
	}
	b.WriteString("]")
	body := []byte(b.String())
	r := &capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: body, BodySize: int64(len(body))}

	v, _ := prepareBody(r, modePretty)
	if len(v.text) > textViewLimit {
		t.Fatalf("view of %d bytes", len(v.text))
	}
	shownLines := strings.Count(v.text, "\n")
	if !strings.HasSuffix(v.text, "\n") {
		t.Errorf("cut in the middle of a line: %q", v.text[len(v.text)-40:])
	}
	lastItem := strings.Count(v.text, `"id": `)
	if lastItem >= 9000 {
		t.Fatalf("nothing was cut (%d items shown)", lastItem)
	}
	for _, want := range []string{
		"of the pretty view",
		fmt.Sprintf("lines 1–%s (%s bytes)", loc.Int(int64(shownLines)), loc.Int(int64(len(v.text)))),
		fmt.Sprintf("the body is %s (%s bytes)", loc.Size(int64(len(body))), loc.Int(int64(len(body)))),
	} {
		if !strings.Contains(v.banner, want) {
			t.Errorf("banner %q lacks %q", v.banner, want)
		}
	}
	t.Logf("%d of 9000 items shown; banner: %s", lastItem, v.banner)
	if strings.Contains(v.banner, "of 2 MiB") {
		t.Errorf("banner gives the same rounded size for the part and the whole: %q", v.banner)
	}
	if v.copyAll != string(body) {
		t.Error("Copy body does not copy the whole body")
	}
}

// fitsAndKeeps checks that no row of g is wider than its pane and that
// want reads whole once the wrapped rows are joined again.
func fitsAndKeeps(t *testing.T, g *fitGrid, want string) {
	// Errorf, not Fatalf: this runs on the pump, which must keep running.
	t.Helper()
	if g.Size().Width <= 0 || !g.Visible() {
		t.Errorf("the pane is not laid out: %v", g.Size())
		return
	}
	cols := gridCols(g.TextGrid, g.Size().Width)
	t.Logf("pane %v: %d columns", g.Size(), cols)
	var joined strings.Builder
	for i, r := range g.Rows {
		if len(r.Cells) > cols {
			t.Errorf("row %d has %d cells, the pane shows %d", i, len(r.Cells), cols)
			return
		}
		for _, c := range r.Cells {
			if c.Rune == ' ' && c.Style != nil && c.Style.Style().Underline {
				joined.WriteRune('_')
				continue
			}
			joined.WriteRune(c.Rune)
		}
	}
	if !strings.Contains(joined.String(), want) {
		t.Errorf("%q is not shown whole", want)
	}
}

// Edit and send: the timing line and a long failure wrap in the response
// pane at 1024x700 instead of running past its edge.
func TestEditorResponseWraps(t *testing.T) {
	longURL := "http://127.0.0.1:3000/" + strings.Repeat("segment/", 40)
	for _, c := range []struct {
		name string
		res  replay.Result
		want string
	}{
		{"timings", replay.Result{Status: 200, Timings: replay.Timings{Total: 1234567 * time.Microsecond, DNS: 2 * time.Millisecond,
			Connect: 3 * time.Millisecond, TLS: 4 * time.Millisecond, FirstByte: 5 * time.Millisecond}},
			"HTTP 200   total 1.23457s · dns 2ms · connect 3ms · tls 4ms · first byte 5ms"},
		{"failure", replay.Result{Class: "connect", Err: "dial tcp " + longURL + ": connect: connection refused"},
			"FAILED (connect): dial tcp " + longURL + ": connect: connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarnessWith(t, func(o *Options) { o.Sender = &fakeSender{res: c.res} })
			var e *editor
			var w fyne.Window
			h.do(func() {
				e = newEditor(h.m, nil, longURL)
				w = test.NewWindow(e.content)
				w.Resize(fyne.NewSize(1024, 700))
				test.Tap(e.send)
			})
			defer h.do(w.Close)
			h.waitFor(t, "the response", func() bool { return len(e.out.Rows) > 0 })
			h.do(func() { fitsAndKeeps(t, e.out, c.want) })
		})
	}
}

// The delivery log's attempts pane wraps a long error at its width.
func TestOutboundAttemptsWrap(t *testing.T) {
	oh := newOutboundHarness(t)
	var w fyne.Window
	oh.do(func() {
		w = test.NewWindow(oh.p.root)
		w.Resize(fyne.NewSize(1024, 700))
	})
	defer oh.do(w.Close)
	long := "Could not read the attempts: " + strings.Repeat("a very long error, ", 30) + "END"
	oh.do(func() {
		oh.p.attempts.setText(long, oh.m.styles)
		fitsAndKeeps(t, oh.p.attempts, long)
	})
}

// The deep documents of issue 11 cost the window about their size in
// every mode, and what reaches the grid stays under textViewLimit.
func TestHostileBodiesBoundedInWindow(t *testing.T) {
	deepXML := func(n int) []byte { return []byte(strings.Repeat("<a>", n) + strings.Repeat("</a>", n)) }
	one := strings.Repeat("[", 9000) + strings.Repeat("]", 9000)
	docs := []struct {
		name, ct string
		body     []byte
	}{
		{"xml 9,999 deep", "application/xml", deepXML(9999)},
		{"json four arrays 9,000 deep", "application/json", []byte("[" + strings.Join([]string{one, one, one, one}, ",") + "]")},
		{"xml 100k deep", "application/xml", deepXML(100000)},
	}
	st := newStyles(darkPalette)
	for _, doc := range docs {
		for _, mode := range []string{modePretty, modeRaw, modeHex} {
			t.Run(doc.name+"/"+mode, func(t *testing.T) {
				r := &capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: doc.ct}}, Body: doc.body, BodySize: int64(len(doc.body))}
				var v rendered
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				v, lang := prepareBody(r, mode)
				v.rows = bodyRows(v, lang, st)
				wrapRows(v.rows, 80)
				runtime.ReadMemStats(&after)
				alloc := after.TotalAlloc - before.TotalAlloc
				if len(v.text) > textViewLimit {
					t.Errorf("%d bytes reach the grid", len(v.text))
				}
				if mode == modePretty && !strings.Contains(v.banner, "nested deeper than 256 levels: showing the raw text") {
					t.Errorf("banner %q", v.banner)
				}
				// A grid cell is 24 bytes: one per character, plus the text a few times.
				if limit := uint64(32*len(v.text) + 8<<20); alloc > limit {
					t.Errorf("allocated %d MiB for a %d KiB body, over %d MiB", alloc>>20, len(doc.body)>>10, limit>>20)
				}
				t.Logf("%d KiB allocated", alloc>>10)
			})
		}
	}
}

// The Replays tab's response pane wraps a long line at its width too.
func TestReplaysResponseWraps(t *testing.T) {
	token := strings.Repeat("tok3n", 600) + "END"
	fs := &fakeSender{res: replay.Result{Status: 200, Body: []byte(`{"token":"` + token + `"}`), BodySize: int64(len(token) + 12)}}
	h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays = fs, &memReplays{} })
	h.add(t, "POST", "/hooks/crm", "application/json", []byte(`{"a":1}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	p := h.m.replays
	h.do(func() {
		h.win.Resize(fyne.NewSize(1024, 700))
		h.m.list.Select(0)
		p.target.SetText("http://localhost:3000/webhooks")
		test.Tap(findButton(t, p.actions, "Replay"))
	})
	h.waitFor(t, "the attempt", func() bool { return len(p.attempts) == 1 })
	h.do(func() {
		h.m.detail.tabs.Select(p.tab)
		p.list.Select(0)
	})
	h.waitFor(t, "the highlighted response", func() bool {
		for _, r := range p.resp.Rows {
			for _, c := range r.Cells {
				if c.Style != nil { // highlighting has run
					return true
				}
			}
		}
		return false
	})
	h.do(func() { fitsAndKeeps(t, p.resp, token) })
}

// A hex dump's lines stay whole (the grid scrolls sideways): cut in two,
// a line's offset, bytes and text no longer line up. So in Hex mode, for
// a binary body in Pretty, and for a multipart body's binary part.
func TestHexLinesStayWhole(t *testing.T) {
	bin := make([]byte, 100)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	mp := append(append([]byte("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b.bin\"\r\n\r\n"), bin...), "\r\n--XyZ--\r\n"...)
	dumpLine := regexp.MustCompile(`^[0-9a-f]{8}  `)
	for _, tc := range []struct {
		name, ct, mode string
		body           []byte
	}{
		{"hex mode", "application/octet-stream", modeHex, bin},
		{"binary body in pretty", "application/octet-stream", modePretty, bin},
		{"multipart binary part", "multipart/form-data; boundary=XyZ", modePretty, mp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.add(t, "POST", "/bin", tc.ct, tc.body)
			h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
			d := h.m.detail
			h.do(func() {
				h.win.Resize(fyne.NewSize(1024, 700))
				h.m.list.Select(0)
				d.modes.SetSelected(tc.mode)
			})
			h.waitFor(t, "the dump", func() bool { return d.mode == tc.mode && len(d.fitted.Rows) > 0 })
			// Read on the pump, judge here: t.Fatal must not stop the pump.
			var cols, longest, dumps int
			var pieces []string
			h.do(func() {
				cols = gridCols(d.grid, d.grid.Size().Width)
				for _, r := range d.fitted.Rows {
					var b strings.Builder
					for _, c := range r.Cells {
						b.WriteRune(c.Rune)
					}
					line := strings.TrimRight(b.String(), " ")
					if dumpLine.MatchString(line) {
						dumps++
						longest = max(longest, len(r.Cells))
						if !strings.HasSuffix(line, "|") {
							pieces = append(pieces, line)
						}
					}
				}
			})
			if dumps < 7 {
				t.Fatalf("%d dump lines, want 7", dumps)
			}
			if len(pieces) > 0 {
				t.Errorf("%d dump lines are cut, e.g. %q", len(pieces), pieces[0])
			}
			if longest <= cols {
				t.Fatalf("the pane shows %d columns and the longest dump line has %d: the test needs a narrower pane", cols, longest)
			}
		})
	}
}
