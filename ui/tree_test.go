package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/gancho-app/gancho/capture"
)

// walkShown calls f for each visible object under o, with its position
// in o, through the renderers already made (test.LaidOutObjects would make
// new ones, with rows of their own).
func walkShown(o fyne.CanvasObject, at fyne.Position, f func(fyne.CanvasObject, fyne.Position)) {
	if o == nil || !o.Visible() {
		return
	}
	at = at.Add(o.Position())
	f(o, at)
	switch c := o.(type) {
	case *fyne.Container:
		for _, k := range c.Objects {
			walkShown(k, at, f)
		}
	case fyne.Widget:
		for _, k := range test.WidgetRenderer(c).Objects() {
			walkShown(k, at, f)
		}
	}
}

// shownRow is a tree row on screen and where it is on the canvas.
type shownRow struct {
	*treeRow
	at fyne.Position
}

// treeRows are the tree rows on c, by key text.
func treeRows(c fyne.Canvas) map[string]shownRow {
	out := map[string]shownRow{}
	walkShown(c.Content(), fyne.Position{}, func(o fyne.CanvasObject, at fyne.Position) {
		if r, ok := o.(*treeRow); ok && r.uid != "" {
			out[r.key.Text] = shownRow{r, at}
		}
	})
	return out
}

// tapBranchIcon clicks the open/close arrow at the left of row r.
func tapBranchIcon(c fyne.Canvas, r shownRow) {
	test.TapCanvas(c, r.at.Add(fyne.NewPos(-theme.IconInlineSize()/2-theme.Padding(), r.Size().Height/2)))
}

const crmPayload = `{"event":"client.updated","data":{"client":{"email":"ana@example.com.br","city":"S\u00e3o Paulo"},
"items":[{"sku":"A-1"},{"sku":"B-2"},{"sku":"C-3"},{"sku":"D-4"}],"odd key":{"x":1}}}`

// TestTreeModeClickThrough: switch to Tree, open a branch with its arrow,
// select a row with a click, Copy path and Copy value through the buttons
// and through the right-click menu; Expand all and Collapse all.
func TestTreeModeClickThrough(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/crm", "application/json", []byte(crmPayload))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	d := h.m.detail
	h.do(func() {
		h.m.win = h.win // the clipboard is written only with a window
		h.m.list.Select(0)
		d.modes.SetSelected(modeTree)
	})
	h.waitFor(t, "the tree", func() bool { return d.tree.t != nil && d.tree.root.Visible() && !d.fitted.box.Visible() })

	var keys []string
	h.do(func() {
		for k := range treeRows(h.win.Canvas()) {
			keys = append(keys, k)
		}
	})
	if strings.Join(slices.Sorted(slices.Values(keys)), " ") != "data event" {
		t.Fatalf("top rows %v, want data and event", keys)
	}
	// Open data, then data.items, with their arrows; select items[3] by a click.
	var got []string
	h.do(func() {
		c := h.win.Canvas()
		tapBranchIcon(c, treeRows(c)["data"])
		tapBranchIcon(c, treeRows(c)["items"])
		rows := treeRows(c)
		test.Tap(rows["[3]"].treeRow) // the desktop driver gives a click to the row: the top-most object taking taps
		test.Tap(d.tree.copyPath)
		got = append(got, clipboard())
		test.Tap(d.tree.copyValue)
		got = append(got, clipboard(), rows["[3]"].typ.String(), rows["[3]"].value.Text, rows["items"].value.Text, rows["odd key"].key.Text)
	})
	want := []string{"data.items[3]", `{"sku":"D-4"}`, "object", "{1 key}", "[4 items]", "odd key"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q, want %q", got, want)
	}

	// Right-click "odd key": its menu copies the quoted path and the value.
	h.do(func() {
		c := h.win.Canvas()
		got = nil
		row := treeRows(c)["odd key"]
		for _, label := range []string{"Copy path", "Copy value"} {
			test.TapSecondary(row.treeRow)
			items := menuItems(c)
			if len(items) != 2 {
				got = append(got, fmt.Sprintf("%d menu items", len(items)))
				return
			}
			if label == "Copy path" {
				test.Tap(items[0])
			} else {
				test.Tap(items[1])
			}
			got = append(got, clipboard())
		}
		got = append(got, d.tree.path.Text)
	})
	want = []string{`data["odd key"]`, `{"x":1}`, `data["odd key"]`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("right-click: got %q, want %q", got, want)
	}

	// Expand all shows the deepest rows; Collapse all hides them again.
	var deep, after bool
	h.do(func() {
		test.Tap(d.tree.expand)
		_, deep = treeRows(h.win.Canvas())["email"]
		test.Tap(d.tree.collapse)
		_, after = treeRows(h.win.Canvas())["email"]
	})
	if !deep || after {
		t.Fatalf("email row after Expand all %v, after Collapse all %v", deep, after)
	}
}

// menuItems are the items of the pop-up menu on c, in order.
func menuItems(c fyne.Canvas) []fyne.Tappable {
	var out []fyne.Tappable
	top := c.Overlays().Top()
	if top == nil {
		return nil
	}
	walkShown(top, fyne.Position{}, func(o fyne.CanvasObject, _ fyne.Position) {
		if tp, ok := o.(fyne.Tappable); ok && fmt.Sprintf("%T", o) == "*widget.menuItem" {
			out = append(out, tp)
		}
	})
	return out
}

// TestTreeXML: an XML body's tree opens at its root element; attribute
// paths are copied as /lead/stage/@from.
func TestTreeXML(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/x", "application/xml", []byte(`<lead id="7"><name>Ana</name><stage from="new" to="qualified"/></lead>`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	d := h.m.detail
	h.do(func() {
		h.m.win = h.win
		h.m.list.Select(0)
		d.modes.SetSelected(modeTree)
	})
	h.waitFor(t, "the tree", func() bool { return d.tree.t != nil })
	var got []string
	h.do(func() {
		c := h.win.Canvas()
		rows := treeRows(c)
		got = append(got, rows["lead"].value.Text, rows["name"].value.Text)
		tapBranchIcon(c, rows["stage"])
		test.TapSecondary(treeRows(c)["@from"].treeRow)
		if items := menuItems(c); len(items) == 2 {
			test.Tap(items[0])
			got = append(got, clipboard())
			test.TapSecondary(treeRows(c)["stage"].treeRow)
			test.Tap(menuItems(c)[1])
			got = append(got, clipboard())
		}
	})
	want := []string{"<3 children>", `"Ana"`, "/lead/stage/@from", `<stage from="new" to="qualified"/>`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestTreeNoTree: a body that is neither JSON nor XML says so, and a
// malformed one shows its error; the copy buttons stay disabled.
func TestTreeNoTree(t *testing.T) {
	cases := []struct{ name, ctype, body, banner string }{
		{"text", "text/plain", "hello", "the tree view is for JSON and XML bodies"},
		{"malformed json", "application/json", "{\n\"a\": x}", "malformed JSON at line 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.add(t, "POST", "/n", c.ctype, []byte(c.body))
			h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
			d := h.m.detail
			h.do(func() {
				h.m.list.Select(0)
				d.modes.SetSelected(modeTree)
			})
			h.waitFor(t, "the note", func() bool { return d.tree.empty.Visible() })
			var banner string
			var disabled bool
			h.do(func() {
				banner = d.banner.Text
				disabled = d.tree.copyPath.Disabled() && d.tree.expand.Disabled() && !d.tree.w.Visible()
			})
			if !strings.Contains(banner, c.banner) || !disabled {
				t.Fatalf("banner %q (want %q), buttons disabled %v", banner, c.banner, disabled)
			}
		})
	}
}

// bigCRM is a pretty-printed CRM payload of about lines lines.
func bigCRM(lines int) []byte {
	type client struct {
		Name, Email, City string
		Tags              []string
		Score             float64
	}
	var cs []client
	for i := 0; len(cs)*10 < lines; i++ {
		cs = append(cs, client{fmt.Sprintf("Cliente %d", i), fmt.Sprintf("c%d@example.com.br", i), "São Paulo", []string{"vip", "b2b"}, float64(i) / 3})
	}
	b, _ := json.MarshalIndent(map[string]any{"event": "client.bulk", "data": map[string]any{"clients": cs}}, "", "  ")
	return b
}

// TestTreeBigPayload: a 5,000-line payload is parsed by the render hook
// (off the UI goroutine in the app), not when the mode is picked; once
// there, Expand all creates rows only for what is on screen.
func TestTreeBigPayload(t *testing.T) {
	body := bigCRM(5000)
	if n := bytes.Count(body, []byte("\n")); n < 5000 {
		t.Fatalf("%d lines", n)
	}
	test.NewTempApp(t)
	r := &capture.Request{ID: "big", Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: body, BodySize: int64(len(body))}
	type ask struct {
		mode  string
		apply func(rendered)
	}
	asks := make(chan ask, 4)
	d := newDetail(func(string) {}, func(_ *capture.Request, mode string, apply func(rendered)) { asks <- ask{mode, apply} })
	w := test.NewWindow(d.root)
	defer w.Close()
	w.Resize(fyne.NewSize(900, 700))
	d.Show(r)
	<-asks // the Pretty view
	d.modes.SetSelected(modeTree)
	a := <-asks
	if a.mode != modeTree || d.tree.t != nil {
		t.Fatalf("mode %q asked; tree built on the UI goroutine: %v", a.mode, d.tree.t != nil)
	}
	v, _ := prepareBody(r, a.mode) // what renderAsync does on its goroutine
	a.apply(v)
	if d.tree.t == nil || len(d.tree.t.Nodes) < 4000 {
		t.Fatalf("tree after apply: %v (banner %q)", d.tree.t != nil, d.banner.Text)
	}
	test.Tap(d.tree.expand)
	rows := 0
	walkShown(w.Canvas().Content(), fyne.Position{}, func(o fyne.CanvasObject, _ fyne.Position) {
		if _, ok := o.(*treeRow); ok {
			rows++
		}
	})
	// Every branch is open, yet rows exist for one screen only.
	if n := len(d.tree.kids); n < 500 || rows > 100 {
		t.Fatalf("%d branches listed, %d rows built", n, rows)
	}
	if p := d.tree.path.Text; strings.Contains(p, "Opened the first") {
		t.Fatalf("a 5,000-line payload hit the Expand all bound: %q", p)
	}
}

// TestTreeExpandAllBounded: past expandAllRows, Expand all opens the
// first rows only and says so.
func TestTreeExpandAllBounded(t *testing.T) {
	test.NewTempApp(t)
	body := []byte("[" + strings.Repeat(`{"a":{"b":1}},`, expandAllRows) + "1]")
	v, _ := prepareBody(&capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: body}, modeTree)
	tv := newTreeView(func(string) {})
	w := test.NewWindow(tv.root)
	defer w.Close()
	w.Resize(fyne.NewSize(600, 400))
	tv.show(v.tree, "")
	test.Tap(tv.expand)
	open := 0
	for _, id := range tv.childIDs("") {
		if tv.w.IsBranchOpen(id) {
			open++
		}
	}
	if open == 0 || open >= expandAllRows || !strings.Contains(tv.path.Text, "Opened the first 20,000 rows") {
		t.Fatalf("%d of %d items open; %q", open, expandAllRows, tv.path.Text)
	}
}

// TestUnescapeToggle: the Pretty view shows the wire text until Unescape
// is ticked, then the characters; the toggle is off outside Pretty.
func TestUnescapeToggle(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/u", "application/json", []byte(`{"city":"S\u00e3o Paulo","q":"\"x\""}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	d := h.m.detail
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "the wire text", func() bool { return strings.Contains(h.gridText(), `"S\u00e3o Paulo"`) })
	h.do(func() { test.Tap(d.unesc) })
	h.waitFor(t, "the characters", func() bool {
		return strings.Contains(h.gridText(), `"city": "São Paulo"`) && strings.Contains(h.gridText(), `"\"x\""`)
	})
	h.do(func() { test.Tap(d.unesc) })
	h.waitFor(t, "the wire text again", func() bool { return strings.Contains(h.gridText(), `"S\u00e3o Paulo"`) })
	var disabled bool
	h.do(func() {
		d.modes.SetSelected(modeRaw)
		disabled = d.unesc.Disabled()
		d.modes.SetSelected(modePretty)
		disabled = disabled && !d.unesc.Disabled()
	})
	if !disabled {
		t.Fatal("Unescape is not disabled in Raw, enabled in Pretty")
	}
}

// TestXMLSelfClosingInWindow: the pretty view keeps <stage …/> as sent.
func TestXMLSelfClosingInWindow(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/x", "application/xml", []byte(`<lead><stage from="new" to="qualified"/><n></n></lead>`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "pretty xml", func() bool { return strings.Contains(h.gridText(), "<n></n>") })
	var text string
	h.do(func() { text = h.gridText() })
	if !strings.Contains(text, `<stage from="new" to="qualified"/>`) {
		t.Fatalf("self-closing element not kept:\n%s", text)
	}
}

// BenchmarkTreeMode1MiB: what Tree mode costs on a 1 MiB payload: the
// tree parsed (off the UI goroutine in the app), then shown and expanded
// (on it, bounded by expandAllRows).
func BenchmarkTreeMode1MiB(b *testing.B) {
	test.NewTempApp(b)
	body := bigCRM(45000)
	r := &capture.Request{Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: body, BodySize: int64(len(body))}
	tv := newTreeView(func(string) {})
	w := test.NewWindow(tv.root)
	defer w.Close()
	w.Resize(fyne.NewSize(900, 700))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		v, _ := prepareBody(r, modeTree)
		tv.show(v.tree, "")
		tv.expandAll()
	}
}
