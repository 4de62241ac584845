package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestLayoutGoldens pins the main layout as Fyne markup: the first-run
// screen, and the detail of a JSON capture.
func TestLayoutGoldens(t *testing.T) {
	h := newHarness(t)
	var w fyne.Window
	h.do(func() {
		w = test.NewWindow(h.m.Content())
		w.Resize(fyne.NewSize(1000, 600))
	})
	defer h.do(w.Close)
	h.do(func() { test.AssertRendersToMarkup(t, "empty_state.xml", w.Canvas()) })

	h.add(t, "POST", "/hooks/crm?source=demo", "application/json", []byte(`{"event":"client.created","id":7}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "body", func() bool { return len(h.m.detail.grid.Rows) > 3 })
	// The detail alone: the list rows carry relative times that vary.
	h.do(func() {
		d := test.NewWindow(h.m.detail.root)
		d.Resize(fyne.NewSize(700, 400))
		test.AssertRendersToMarkup(t, "detail_json.xml", d.Canvas())
		d.Close()
	})
}
