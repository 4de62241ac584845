package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestFindSpans(t *testing.T) {
	st := newStyles(darkPalette)
	cases := []struct {
		name  string
		text  string
		terms []string
		limit int
		want  []span
		more  bool
	}{
		{"case ignored", "Ana ana ANA aNa", []string{"ana"}, 0, []span{{0, 0, 3}, {0, 4, 7}, {0, 8, 11}, {0, 12, 15}}, false},
		{"upper term", "ana", []string{"ANA"}, 0, []span{{0, 0, 3}}, false},
		{"overlapping: left to right, no overlap", "aaaaa", []string{"aa"}, 0, []span{{0, 0, 2}, {0, 2, 4}}, false},
		{"unicode and accents", "São SÃO sao Sáo", []string{"são"}, 0, []span{{0, 0, 3}, {0, 4, 7}, {0, 8, 11}, {0, 12, 15}}, false},
		{"accentless term finds accented", "João", []string{"joao"}, 0, []span{{0, 0, 4}}, false},
		{"cells after a wide rune", "日本 São", []string{"sao"}, 0, []span{{0, 3, 6}}, false},
		{"escaped text as shown", `"city": "S\u00e3o Paulo", "q": "say \"hi\""`, []string{`\u00e3`, `\"hi\"`}, 0, []span{{0, 10, 16}, {0, 36, 42}}, false},
		{"escaped text is not unescaped", `"S\u00e3o"`, []string{"são"}, 0, nil, false},
		{"underscore drawn as underline", `"id": "ord_000512"`, []string{"ord_0005"}, 0, []span{{0, 7, 15}}, false},
		{"lines", "one\ntwo one\n\none", []string{"one"}, 0, []span{{0, 0, 3}, {1, 4, 7}, {3, 0, 3}}, false},
		{"never across lines", "ab\ncd", []string{"bc"}, 0, nil, false},
		{"longest term wins", "ana@example.com", []string{"ana", "ana@example"}, 0, []span{{0, 0, 11}}, false},
		{"tab is a space", "a\tb", []string{"a b"}, 0, []span{{0, 0, 3}}, false},
		{"no match", "hello", []string{"x"}, 0, nil, false},
		{"capped", strings.Repeat("ab", 50), []string{"b"}, 10, []span{{0, 1, 2}, {0, 3, 4}, {0, 5, 6}, {0, 7, 8}, {0, 9, 10}, {0, 11, 12}, {0, 13, 14}, {0, 15, 16}, {0, 17, 18}, {0, 19, 20}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := newFindSource(highlightWrapped(c.text, "plaintext", st, noWrap))
			limit := c.limit
			if limit == 0 {
				limit = maxMatches
			}
			got, more, err := findSpans(context.Background(), src, foldTerms(c.terms), limit)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) || more != c.more {
				t.Fatalf("findSpans(%q, %q) = %v more=%v, want %v more=%v", c.text, c.terms, got, more, c.want, c.more)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		src := newFindSource(highlightWrapped("abc", "plaintext", st, noWrap))
		if _, _, err := findSpans(ctx, src, foldTerms([]string{"b"}), maxMatches); err == nil {
			t.Fatal("a cancelled search went on")
		}
	})
}

// highlights counts the grid's highlighted cells and the current ones,
// and returns the text of the current match.
func highlights(g *widget.TextGrid) (all, current int, cur string) {
	for _, r := range g.Rows {
		for _, c := range r.Cells {
			if c.Style == nil {
				continue
			}
			switch c.Style.BackgroundColor() {
			case matchBG:
				all++
			case currentBG:
				all++
				current++
				cur += string(c.Rune)
			}
		}
	}
	return all, current, cur
}

// findState is what the find bar and the grid show.
type findState struct {
	open          bool
	count         string
	cells, curCel int
	cur           string
}

func (h *harness) findState() findState {
	var s findState
	h.do(func() {
		f := h.m.detail.find
		s.open, s.count = f.bar.Visible(), f.count.Text
		s.cells, s.curCel, s.cur = highlights(h.m.detail.grid)
	})
	return s
}

// openBody adds a capture, selects it and waits for its body.
func (h *harness) openBody(t *testing.T, ctype, body, want string) {
	t.Helper()
	h.add(t, "POST", "/f", ctype, []byte(body))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "body", func() bool { return strings.Contains(h.gridText(), want) })
}

func TestFindSteppingWrapsAndEscClears(t *testing.T) {
	h := newHarness(t)
	h.openBody(t, "application/json", `{"name":"Ana","email":"ana@example.com","note":"ANA again"}`, "again")
	if s := h.findState(); s.open || s.cells != 0 {
		t.Fatalf("before Ctrl+F: %+v", s)
	}
	h.do(func() {
		h.m.detail.OpenFind()
		h.m.detail.find.entry.SetText("ana")
	})
	s := h.findState()
	if !s.open || s.count != "1 of 3" || s.cells != 9 || s.curCel != 3 || s.cur != "Ana" {
		t.Fatalf("after typing: %+v", s)
	}
	key := func(name fyne.KeyName, shift bool) {
		h.do(func() {
			e := h.m.detail.find.entry
			if shift {
				e.KeyDown(&fyne.KeyEvent{Name: "LeftShift"})
			}
			e.TypedKey(&fyne.KeyEvent{Name: name})
			if shift {
				e.KeyUp(&fyne.KeyEvent{Name: "LeftShift"})
			}
		})
	}
	for _, step := range []struct {
		key   fyne.KeyName
		shift bool
		count string
		cur   string
	}{
		{fyne.KeyReturn, false, "2 of 3", "ana"},
		{fyne.KeyF3, false, "3 of 3", "ANA"},
		{fyne.KeyReturn, false, "1 of 3", "Ana"}, // wraps around
		{fyne.KeyReturn, true, "3 of 3", "ANA"},  // Shift+Enter: back, wrapping
		{fyne.KeyUp, false, "2 of 3", "ana"},
	} {
		key(step.key, step.shift)
		if s := h.findState(); s.count != step.count || s.cur != step.cur || s.cells != 9 || s.curCel != 3 {
			t.Fatalf("after %s (shift %v): %+v, want %q on %q", step.key, step.shift, s, step.count, step.cur)
		}
	}
	h.do(func() { h.m.detail.find.entry.SetText("zzz") })
	if s := h.findState(); s.count != "No matches" || s.cells != 0 {
		t.Fatalf("no match: %+v", s)
	}
	h.do(func() { h.m.detail.find.entry.SetText("ANA") })
	key(fyne.KeyEscape, false)
	if s := h.findState(); s.open || s.cells != 0 {
		t.Fatalf("after Esc: %+v", s)
	}
	// F3 on the window (focus elsewhere) opens the bar, its term gone.
	h.do(func() { h.m.typedKey(&fyne.KeyEvent{Name: fyne.KeyF3}) })
	if s := h.findState(); !s.open || s.cells != 0 || s.count != "" {
		t.Fatalf("F3 on the window: %+v", s)
	}
	h.do(func() { h.m.detail.find.entry.SetText("ana") })
	if s := h.findState(); s.count != "2 of 3" { // the match nearest the last one
		t.Fatalf("F3 on the window: %+v", s)
	}
}

func TestFindInEveryMode(t *testing.T) {
	for _, c := range []struct {
		mode, term string
		want       int // matches
	}{
		{modePretty, "são", 1},   // the other is written S\u00e3o
		{modeRaw, `\u00e3`, 1},   // raw shows the escape as received
		{modeHex, "50 61 75", 1}, // "Pau" in the bytes column
		{modeHex, "lo", 1},       // "Paulo" in the text column
	} {
		t.Run(c.mode+" "+c.term, func(t *testing.T) {
			h := newHarness(t)
			h.openBody(t, "application/json", `{"city":"S\u00e3o Paulo","to":"São"}`, "Paulo")
			h.do(func() { h.m.detail.modes.SetSelected(c.mode) })
			h.waitFor(t, c.mode, func() bool { return h.m.detail.mode == c.mode && len(h.m.detail.fitted.lines) > 0 })
			h.do(func() {
				h.m.detail.OpenFind()
				h.m.detail.find.entry.SetText(c.term)
			})
			want := fmt.Sprintf("1 of %d", c.want)
			h.waitFor(t, want, func() bool { return h.m.detail.find.count.Text == want })
			if s := h.findState(); s.curCel == 0 {
				t.Fatalf("no current match highlighted: %+v", s)
			}
		})
	}
}

// Switching mode with the bar open finds the term in the new view.
func TestFindFollowsMode(t *testing.T) {
	h := newHarness(t)
	h.openBody(t, "application/json", `{"a":"xyz"}`, "xyz")
	h.do(func() {
		h.m.detail.OpenFind()
		h.m.detail.find.entry.SetText("7a") // only in the hex dump
	})
	if s := h.findState(); s.count != "No matches" {
		t.Fatalf("pretty: %+v", s)
	}
	h.do(func() { h.m.detail.modes.SetSelected(modeHex) })
	h.waitFor(t, "hex match", func() bool { return h.m.detail.find.count.Text == "1 of 1" })
}

func TestListSearchHighlightedInBody(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/a", "application/json", []byte(`{"email":"ana@example.com.br","name":"Ana Souza"}`))
	h.add(t, "POST", "/b", "application/json", []byte(`{"email":"bruno@example.com.br"}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	h.do(func() { h.m.search.SetText("ana@example.com.br") })
	h.waitFor(t, "the search's match", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "body", func() bool { return strings.Contains(h.gridText(), "Souza") })
	s := h.findState()
	if s.open || s.cells != len("ana@example.com.br") || s.curCel != 0 {
		t.Fatalf("list term in the body: %+v", s)
	}
	// Ctrl+F with nothing typed steps through the list's matches.
	h.do(func() { h.m.installShortcuts(h.win.Canvas()) })
	h.do(func() { h.win.Canvas().(fyne.Shortcutable).TypedShortcut(findShortcut) })
	if s := h.findState(); !s.open || s.count != "1 of 1 (list search)" || s.cur != "ana@example.com.br" {
		t.Fatalf("Ctrl+F after a list search: %+v", s)
	}
	// A term typed replaces the list's; Esc brings the list's back.
	h.do(func() { h.m.detail.find.entry.SetText("souza") })
	if s := h.findState(); s.count != "1 of 1" || s.cells != 5 {
		t.Fatalf("own term: %+v", s)
	}
	h.do(func() { h.m.detail.find.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape}) })
	if s := h.findState(); s.open || s.cells != len("ana@example.com.br") {
		t.Fatalf("after Esc: %+v", s)
	}
	h.do(h.m.detail.OpenFind)
	if s := h.findState(); s.count != "1 of 1 (list search)" {
		t.Fatalf("reopened after Esc: %+v", s)
	}
	h.do(h.m.detail.find.close)
	// A new list search re-highlights the body shown.
	h.do(func() { h.m.search.SetText("ana souza") })
	h.waitFor(t, "the new search", func() bool { return h.m.rl.listQ.Search == "ana souza" })
	if s := h.findState(); s.cells != len("Ana")+len("ana")+len("Souza") {
		t.Fatalf("words of the new search: %+v", s)
	}
}

// The find button, arrows and close button, tapped through the driver.
func TestFindButtonsClickThrough(t *testing.T) {
	h := newHarness(t)
	h.openBody(t, "text/plain", "one two one two one", "two")
	f := h.m.detail.find
	h.do(func() { test.Tap(f.button) })
	if s := h.findState(); !s.open {
		t.Fatal("the Find button did not open the bar")
	}
	h.do(func() { test.Type(f.entry, "one") })
	steps := []struct {
		b    *widget.Button
		want string
	}{{f.next, "2 of 3"}, {f.next, "3 of 3"}, {f.next, "1 of 3"}, {f.prev, "3 of 3"}}
	for _, st := range steps {
		h.do(func() { test.Tap(st.b) })
		if s := h.findState(); s.count != st.want || s.curCel != 3 {
			t.Fatalf("tapped: %+v, want %q", s, st.want)
		}
	}
	h.do(func() { test.Tap(f.closeBtn) })
	if s := h.findState(); s.open || s.cells != 0 {
		t.Fatalf("after close: %+v", s)
	}
}

// Stepping brings a match far down the body into view.
func TestFindScrollsMatchIntoView(t *testing.T) {
	h := newHarness(t)
	var b strings.Builder
	for i := range 600 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	b.WriteString("needle here\n")
	h.openBody(t, "text/plain", b.String(), "line 599")
	h.do(func() {
		h.m.detail.OpenFind()
		h.m.detail.find.entry.SetText("needle")
	})
	var y, height float32
	h.do(func() {
		g := h.m.detail.fitted
		y = g.PositionForCursorLocation(g.rowOf(600, 0), 0).Y
		height = g.Size().Height
	})
	if y < 0 || y >= height {
		t.Fatalf("the match is at y=%v, the grid shows 0..%v", y, height)
	}
	// And back to the top for a match there.
	h.do(func() { h.m.detail.find.entry.SetText("line 0") })
	h.do(func() { y = h.m.detail.fitted.PositionForCursorLocation(0, 0).Y })
	if y != 0 {
		t.Fatalf("first line at y=%v after finding it", y)
	}
}

// A 1 MiB body is searched off the UI goroutine: the window answers while
// the search is held, and the result arrives once it is let go.
func TestFind1MiBOffUIGoroutine(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/big", "application/json", bigJSON(1<<20))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "the whole body", func() bool { return len(h.m.detail.fitted.lines) > 10_000 })
	held, release := make(chan struct{}), make(chan struct{})
	go h.do(func() { // not waited for: a search on the UI goroutine would hold it
		var once sync.Once
		h.m.detail.find.hook = func() { once.Do(func() { held <- struct{}{}; <-release }) }
		h.m.detail.OpenFind()
		h.m.detail.find.entry.SetText("cliente 12")
	})
	select {
	case <-held:
	case <-time.After(20 * time.Second):
		t.Fatal("the search did not start")
	}
	// The pump is the UI goroutine: it answers only if the search is not on it.
	state := make(chan findState, 1)
	go func() { state <- h.findState() }()
	select {
	case s := <-state:
		if s.count != "Searching…" {
			t.Errorf("while searching: %+v", s)
		}
	case <-time.After(10 * time.Second):
		t.Error("the window did not answer while a 1 MiB body was searched")
	}
	close(release)
	h.waitFor(t, "the search", func() bool { return h.m.detail.find.count.Text == "1 of 111" })
	h.do(func() {
		h.m.detail.find.hook = nil
		h.m.detail.find.entry.SetText("e")
	})
	// The current match stays near the last one: the first "e" after it.
	h.waitFor(t, "the capped search", func() bool { return h.m.detail.find.count.Text == "124 of 10,000+" })
	if s := h.findState(); s.curCel != 1 || s.cells != maxMatches {
		t.Fatalf("capped: %+v", s)
	}
}

// TestFindGolden pins the detail with the find bar open on a match.
func TestFindGolden(t *testing.T) {
	h := newHarness(t)
	h.openBody(t, "application/json", `{"event":"client.created","client":{"name":"Ana","email":"ana@example.com"}}`, "client.created")
	h.do(func() {
		h.m.detail.OpenFind()
		h.m.detail.find.entry.SetText("ana")
		d := test.NewWindow(h.m.detail.root)
		d.Resize(fyne.NewSize(700, 400))
		test.AssertRendersToMarkup(t, "detail_find.xml", d.Canvas())
		d.Close()
	})
}

// Closing the bar gives its room back to the body.
func TestFindBarRoomGivenBack(t *testing.T) {
	h := newHarness(t)
	h.openBody(t, "text/plain", "one two", "two")
	var before, open, after float32
	h.do(func() { before = h.m.detail.grid.Size().Height })
	h.do(h.m.detail.OpenFind)
	h.do(func() { open = h.m.detail.grid.Size().Height })
	h.do(h.m.detail.find.close)
	h.do(func() { after = h.m.detail.grid.Size().Height })
	if open >= before || after != before {
		t.Fatalf("grid height %v, with the bar open %v, after closing it %v", before, open, after)
	}
}

// Edit → Find in body: disabled without a capture, opens the bar with one.
func TestFindMenuItem(t *testing.T) {
	h, _ := menuHarness(t)
	var it *fyne.MenuItem
	h.do(func() { it = menuItem(h.m.MainMenu(), "Edit", "Find in body") })
	if it == nil || it.Shortcut != findShortcut {
		t.Fatalf("no Edit → Find in body with Ctrl+F: %+v", it)
	}
	if !h.eval(func() bool { return it.Disabled }) {
		t.Fatal("Find in body enabled with no capture shown")
	}
	h.openBody(t, "text/plain", "one two one", "two")
	h.waitFor(t, "the item enabled", func() bool { return !it.Disabled })
	h.do(it.Action)
	h.do(func() { h.m.detail.find.entry.SetText("one") })
	if s := h.findState(); !s.open || s.count != "1 of 2" {
		t.Fatalf("after the menu item: %+v", s)
	}
}

// The Tree view has no text to find in: the bar closes, Find is disabled
// until a text view is back.
func TestFindOffInTreeView(t *testing.T) {
	h := newHarness(t)
	h.openBody(t, "application/json", `{"a":"xyz"}`, "xyz")
	h.do(func() {
		h.m.detail.OpenFind()
		h.m.detail.find.entry.SetText("xyz")
		h.m.detail.modes.SetSelected(modeTree)
	})
	h.waitFor(t, "the tree", func() bool { return h.m.detail.mode == modeTree && h.m.detail.find.button.Disabled() })
	h.do(h.m.detail.OpenFind)
	if s := h.findState(); s.open || s.cells != 0 {
		t.Fatalf("find in the tree view: %+v", s)
	}
	h.do(func() { h.m.detail.modes.SetSelected(modePretty) })
	h.waitFor(t, "pretty", func() bool { return !h.m.detail.find.button.Disabled() })
	h.do(h.m.detail.OpenFind)
	if s := h.findState(); !s.open {
		t.Fatalf("find back in pretty: %+v", s)
	}
}
