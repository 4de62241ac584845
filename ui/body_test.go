package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/gancho-app/gancho/capture"
)

// visibleCols is how many grid cells fit across the body grid as laid out.
func visibleCols(d *Detail) int {
	cell := fyne.MeasureText("M", d.grid.Theme().Size("text"), fyne.TextStyle{Monospace: true}).Width
	return int(d.grid.Size().Width / float32(int(cell+0.5)))
}

// Long lines wrap at the pane's real width: no row is wider than the grid
// shows, and no character is lost, at 1024x700 and after a resize.
func TestBodyWrapsAtPaneWidth(t *testing.T) {
	token := strings.Repeat("abcdefghij", 300) + "Z" // a 3,001-character token
	raw := bytes.Repeat([]byte("0123456789"), 140<<10)  // a 1.4 MiB one-line body
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
			h.waitFor(t, "body", func() bool { return len(h.m.detail.lines) > 0 && h.m.detail.mode == c.mode })
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
	for _, c := range d.lines[len(d.lines)-1].Cells {
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
		fmt.Sprintf("lines 1–%s (%s bytes)", commas(shownLines), commas(len(v.text))),
		fmt.Sprintf("the body is %s (%s bytes)", capture.FormatSize(int64(len(body))), commas(len(body))),
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
