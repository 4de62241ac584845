package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// infoIDRow finds, as drawn, the Info tab's ID label and its copy button.
func infoIDRow(d *Detail) (id string, copyBtn *widget.Button) {
	var texts []string
	walk(d.infoBox, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			texts = append(texts, w.Text)
		case *canvas.Text: // the form's own labels
			texts = append(texts, w.Text)
		case *widget.Button:
			if copyBtn == nil {
				copyBtn = w
			}
		}
	})
	for i, s := range texts {
		if s == "ID" && i+1 < len(texts) {
			return texts[i+1], copyBtn
		}
	}
	return "", copyBtn
}

// TestInfoShowsSelectedID: the Info tab follows the selection; it used to
// keep the first capture's ID while every other field changed.
func TestInfoShowsSelectedID(t *testing.T) {
	h := newHarness(t)
	a := h.add(t, "POST", "/a", "text/plain", []byte("a"))
	b := h.add(t, "PUT", "/b", "text/plain", []byte("b"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	var copied string
	h.do(func() { h.m.detail.copyFn = func(s string) { copied = s } })
	for _, want := range []string{a.ID, b.ID, a.ID} {
		h.do(func() {
			for i, r := range h.m.items {
				if r.ID == want {
					h.m.list.Select(i)
				}
			}
		})
		h.waitFor(t, "detail of "+want, func() bool { return h.m.detail.req != nil && h.m.detail.req.ID == want })
		var shown string
		h.do(func() {
			var btn *widget.Button
			shown, btn = infoIDRow(h.m.detail)
			if btn != nil {
				test.Tap(btn)
			}
		})
		if shown != want {
			t.Fatalf("Info shows ID %q, want %q", shown, want)
		}
		if copied != want {
			t.Fatalf("Info's copy copied %q, want %q", copied, want)
		}
	}
}
