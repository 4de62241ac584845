package ui

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TestNewPillCountsArrivalsSinceLeavingTop: at 1440×900 with 40 captures,
// scrolled to the middle, 3 arrivals make the pill say "3 new" and leave
// the rows being read where they were; back at the top the pill goes, and
// arrivals there bring no pill. A selected row used to drag the list to
// itself on every arrival: from the top it was carried away and every
// arrival after was counted ("21 new" for 3).
func TestNewPillCountsArrivalsSinceLeavingTop(t *testing.T) {
	for _, tc := range []struct {
		name string
		// sel picks the row to select before scrolling, from the number of
		// rows the view shows whole at the top; -1 selects none.
		sel func(visible int) int
	}{
		{"no selection", func(int) int { return -1 }},
		{"newest selected", func(int) int { return 0 }},
		// After the 3 arrivals it is the last row drawn whole at the top.
		{"selection low in the view", func(v int) int { return v - 4 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.do(func() { h.win.Resize(fyne.NewSize(1440, 900)) })
			for i := range 40 {
				h.add(t, "POST", fmt.Sprintf("/n/%d", i), "text/plain", []byte("x"))
			}
			h.waitFor(t, "the list", func() bool { return len(h.m.items) == 40 })
			var before float32
			var selID, firstID string
			h.do(func() {
				step := h.m.step()
				visible := int((h.m.list.Size().Height + h.m.list.Theme().Size(theme.SizeNamePadding)) / step)
				if i := tc.sel(visible); i >= 0 {
					h.m.list.Select(i)
					selID = h.m.items[i].ID
				}
				h.m.list.ScrollToOffset(15 * step)
				before = h.m.list.GetScrollOffset()
				firstID = h.m.items[int(before/step)].ID
			})
			if before <= 0 {
				t.Fatal("the list did not scroll")
			}
			for i := range 3 {
				h.add(t, "PURGE", fmt.Sprintf("/new/%d", i), "text/plain", []byte("y"))
			}
			h.waitFor(t, "3 new rows", func() bool { return len(h.m.items) == 43 })
			h.do(func() {
				if !h.m.newPill.Visible() || h.m.newPill.Text != "3 new" {
					t.Errorf("scrolled down: pill visible=%v %q, want \"3 new\"", h.m.newPill.Visible(), h.m.newPill.Text)
				}
				step := h.m.step()
				got := h.m.list.GetScrollOffset()
				if want := before + 3*step; math.Abs(float64(got-want)) > 0.5 {
					t.Errorf("offset %v, want %v: the rows being read moved", got, want)
				}
				if id := h.m.items[int((got+0.5)/step)].ID; id != firstID {
					t.Errorf("the first row drawn is %s, was %s", id, firstID)
				}
				if selID != "" && h.m.selectedID() != selID {
					t.Errorf("the selection moved to %q from %q", h.m.selectedID(), selID)
				}
				h.m.list.ScrollToOffset(0) // as the user does, with the wheel
				if h.m.newPill.Visible() {
					t.Errorf("back at the top, the pill still says %q", h.m.newPill.Text)
				}
			})
			for i := range 2 {
				h.add(t, "PURGE", fmt.Sprintf("/top/%d", i), "text/plain", []byte("z"))
			}
			h.waitFor(t, "2 more rows", func() bool { return len(h.m.items) == 45 })
			h.do(func() {
				if h.m.newPill.Visible() || h.m.unseen != 0 {
					t.Errorf("at the top: pill visible=%v %q (%d unseen), want none", h.m.newPill.Visible(), h.m.newPill.Text, h.m.unseen)
				}
				if off := h.m.list.GetScrollOffset(); off != 0 {
					t.Errorf("at the top, arrivals scrolled the list to %v", off)
				}
				if rowMeta(h.m, h.m.items[0].ID) == "" {
					t.Error("the newest row is not drawn")
				}
			})
		})
	}
}

// infoField is the value the Info tab draws next to name.
func infoField(d *Detail, name string) string {
	var texts []string
	walk(d.infoBox, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			texts = append(texts, w.Text)
		case *canvas.Text: // the form's own labels
			texts = append(texts, w.Text)
		}
	})
	for i, s := range texts {
		if s == name && i+1 < len(texts) {
			return texts[i+1]
		}
	}
	return ""
}

// TestInfoAgeFollowsListClock: the Info tab's "Received … (8 s ago)" is
// told from the list's clock and moves on with its periodic refresh, so it
// always says what the capture's row says. It used to be computed once,
// from the wall clock, when the capture was opened.
func TestInfoAgeFollowsListClock(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := t0.Add(8 * time.Second)
	h.do(func() { h.m.now = func() time.Time { return clock } })
	c := h.addAt(t, "/a", t0)
	h.waitFor(t, "the row", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "the detail", func() bool { return h.m.detail.req != nil && h.m.detail.req.ID == c.ID })
	for _, step := range []time.Duration{0, 42 * time.Second, time.Hour} {
		h.do(func() {
			clock = clock.Add(step)
			h.m.tickAges()
			row, _, _ := strings.Cut(rowMeta(h.m, c.ID), " · ")
			info := infoField(h.m.detail, "Received")
			want := loc.Ago(clock.Sub(t0))
			if row != want || !strings.HasSuffix(info, "("+want+")") {
				t.Errorf("at t0+%v: row says %q, Info says %q; want both %q", clock.Sub(t0), row, info, want)
			}
		})
	}
}

// TestDeleteKeepsRowsInPlace: scrolled down with a capture selected above
// the view, deleting a capture (eviction does the same as captures arrive)
// used to scroll the list back to the selection; now the rows being read
// stay where they are, moving up only for a row gone from above them.
func TestDeleteKeepsRowsInPlace(t *testing.T) {
	h := newHarness(t)
	h.do(func() { h.win.Resize(fyne.NewSize(1440, 900)) })
	for i := range 40 {
		h.add(t, "POST", fmt.Sprintf("/n/%d", i), "text/plain", []byte("x"))
	}
	h.waitFor(t, "the list", func() bool { return len(h.m.items) == 40 })
	var firstID string
	var above, below string
	h.do(func() {
		h.m.list.Select(1)
		h.m.list.ScrollToOffset(15 * h.m.step())
		first := int(h.m.list.GetScrollOffset() / h.m.step())
		firstID = h.m.items[first].ID
		above, below = h.m.items[5].ID, h.m.items[39].ID
	})
	for _, gone := range []string{below, above} {
		n := 0
		h.do(func() { n = len(h.m.items) })
		if err := h.store.Delete(t.Context(), gone); err != nil {
			t.Fatal(err)
		}
		h.waitFor(t, "the row gone", func() bool { return len(h.m.items) == n-1 })
		h.do(func() {
			step := h.m.step()
			if id := h.m.items[int((h.m.list.GetScrollOffset()+0.5)/step)].ID; id != firstID {
				t.Errorf("after deleting %s the first row drawn is %s, was %s", gone, id, firstID)
			}
		})
	}
}
