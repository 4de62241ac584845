package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/exchange"
)

// store1 appends r as received, filling in what a test leaves out.
func (h *harness) store1(t *testing.T, r *capture.Request) *capture.Request {
	t.Helper()
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = time.Now()
	}
	r.ID = h.ids.New(r.ReceivedAt)
	if r.Proto == "" {
		r.Proto, r.Host, r.RemoteAddr = "HTTP/1.1", "h", "127.0.0.1:9"
	}
	r.BodySize, r.DeclaredSize = int64(len(r.Body)), int64(len(r.Body))
	if err := h.store.Append(context.Background(), r); err != nil {
		t.Error(err)
	}
	return r
}

// rowOf is the drawn row of capture id, or nil (UI goroutine).
func rowOf(m *Main, id string) *rowWidget {
	var row *rowWidget
	walk(m.list, func(o fyne.CanvasObject) {
		if rw, ok := o.(*rowWidget); ok && rw.id == id && rw.Visible() {
			row = rw
		}
	})
	return row
}

// tapMenuItem taps the item labelled label in the pop-up menu on top of
// c, as a user would; false when no such item is shown (UI goroutine).
func tapMenuItem(c fyne.Canvas, label string) bool {
	top := c.Overlays().Top()
	if top == nil {
		return false
	}
	var item fyne.Tappable
	walk(top, func(o fyne.CanvasObject) {
		tp, ok := o.(fyne.Tappable)
		if !ok || fmt.Sprintf("%T", o) != "*widget.menuItem" {
			return
		}
		walk(o, func(k fyne.CanvasObject) {
			if t, ok := k.(*canvas.Text); ok && t.Text == label {
				item = tp
			}
		})
	})
	if item == nil {
		return false
	}
	test.Tap(item)
	return true
}

// menuLabels lists the items of the pop-up menu on top of c.
func menuLabels(c fyne.Canvas) []string {
	var out []string
	if top := c.Overlays().Top(); top != nil {
		walk(top, func(o fyne.CanvasObject) {
			if fmt.Sprintf("%T", o) != "*widget.menuItem" {
				return
			}
			for _, k := range test.WidgetRenderer(o.(fyne.Widget)).Objects() {
				if t, ok := k.(*canvas.Text); ok && t.Text != "" {
					out = append(out, t.Text)
					break
				}
			}
		})
	}
	return out
}

// openMenu opens capture r's copy actions from where a user finds them:
// the detail's Copy ▾ button, or the row's right-click menu (UI goroutine).
func openMenu(h *harness, from string, r *capture.Request) bool {
	switch from {
	case "detail":
		if h.m.detail.req == nil || h.m.detail.req.ID != r.ID {
			return false
		}
		test.Tap(h.m.detail.head.copyBtn)
	case "row":
		row := rowOf(h.m, r.ID)
		if row == nil {
			return false
		}
		test.TapSecondary(row)
	}
	return h.win.Canvas().Overlays().Top() != nil
}

func clipboard() string { return fyne.CurrentApp().Clipboard().Content() }

// TestCopyActions taps each copy action in the detail's Copy ▾ menu and
// in the row's menu and checks the clipboard: the cURL and raw HTTP are
// what an export of that one capture writes (same encoders, same
// redaction), the HAR entry is one entry of a HAR log.
func TestCopyActions(t *testing.T) {
	h := newHarness(t)
	target := "/hooks/crm?source=demo&token=abc123"
	r := h.store1(t, &capture.Request{Method: "POST", Target: target,
		Headers: capture.Headers{{Name: "Host", Value: "hooks.example.com"}, {Name: "Content-Type", Value: "application/json"},
			{Name: "Authorization", Value: "Bearer s3cret"}},
		Body: []byte(`{"event":"client.created","id":7}`), Response: capture.Response{Status: 200}})
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() {
		h.m.win = h.win
		h.m.list.Select(0)
	})
	export := func(f exchange.Format) string {
		var b bytes.Buffer
		if err := exchange.Export(&b, f, []*capture.Request{r}, exchange.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	wantCurl, wantRaw := export(exchange.Curl), export(exchange.Raw)
	cases := []struct {
		label string
		check func(string) error
	}{
		{"Copy as cURL", func(s string) error {
			if !strings.HasPrefix(s, "curl") || s != wantCurl {
				return fmt.Errorf("not the export's cURL:\n%s\nwant\n%s", s, wantCurl)
			}
			if strings.Contains(s, "s3cret") || strings.Contains(s, "abc123") {
				return fmt.Errorf("a secret is not redacted: %s", s)
			}
			return nil
		}},
		{"Copy as HAR entry", func(s string) error {
			var e struct {
				Request struct {
					Method, URL string
				}
			}
			if err := json.Unmarshal([]byte(s), &e); err != nil {
				return fmt.Errorf("not JSON: %v\n%s", err, s)
			}
			if e.Request.Method != "POST" || !strings.HasPrefix(e.Request.URL, "http://hooks.example.com/hooks/crm?") {
				return fmt.Errorf("request %+v", e.Request)
			}
			if strings.Contains(s, "s3cret") {
				return fmt.Errorf("the Authorization header is not redacted: %s", s)
			}
			return nil
		}},
		{"Copy as raw HTTP", func(s string) error {
			if !strings.HasPrefix(s, "POST /hooks/crm?source=demo&token=REDACTED HTTP/1.1\r\nHost: hooks.example.com\r\n") || s != wantRaw {
				return fmt.Errorf("raw HTTP:\n%q\nwant\n%q", s, wantRaw)
			}
			return nil
		}},
		{"Copy target (path and query)", func(s string) error {
			if s != target {
				return fmt.Errorf("target %q, want %q", s, target)
			}
			return nil
		}},
	}
	for _, from := range []string{"detail", "row"} {
		for _, c := range cases {
			t.Run(from+"/"+c.label, func(t *testing.T) {
				h.waitFor(t, "the capture shown", func() bool { return h.m.detail.req != nil })
				var opened, tapped bool
				var labels []string
				h.do(func() {
					fyne.CurrentApp().Clipboard().SetContent("")
					opened = openMenu(h, from, r)
					labels = menuLabels(h.win.Canvas())
					tapped = tapMenuItem(h.win.Canvas(), c.label)
				})
				if !opened || !tapped {
					t.Fatalf("menu opened %v, item %q tapped %v; the menu holds %q", opened, c.label, tapped, labels)
				}
				h.waitFor(t, "the clipboard", func() bool { return clipboard() != "" })
				if err := c.check(clipboard()); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// fakeSaver catches what Save body would write, without a dialog.
type fakeSaver struct {
	name string
	data []byte
	n    int
}

func (f *fakeSaver) Save(name string, data []byte, done func(string, error)) {
	f.name, f.data = name, bytes.Clone(data)
	f.n++
	done("mem:"+name, nil)
}

// TestSaveBodyBinary saves a binary body from both menus: the bytes are
// the body as received, every byte value included, under a name with the
// extension its content type calls for.
func TestSaveBodyBinary(t *testing.T) {
	body := make([]byte, 0, 1024)
	for i := range 1024 {
		body = append(body, byte(i*7))
	}
	body = append(body, "\r\n\x00\xff"...)
	h := newHarness(t)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.Local)
	r := h.store1(t, &capture.Request{Method: "POST", Target: "/upload/photo.png?x=1", ReceivedAt: at,
		Headers: capture.Headers{{Name: "Content-Type", Value: "image/png"}}, Body: body, Response: capture.Response{Status: 200}})
	h.store1(t, &capture.Request{Method: "GET", Target: "/empty", Response: capture.Response{Status: 200}})
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	fs := &fakeSaver{}
	h.do(func() {
		h.m.win = h.win
		h.m.saver = fs
		h.m.list.Select(1)
	})
	for i, from := range []string{"detail", "row"} {
		t.Run(from, func(t *testing.T) {
			h.waitFor(t, "the capture shown", func() bool { return h.m.detail.req != nil && h.m.detail.req.ID == r.ID })
			ok := h.eval(func() bool { return openMenu(h, from, r) && tapMenuItem(h.win.Canvas(), "Save body to file…") })
			if !ok {
				t.Fatal("no Save body to file… item")
			}
			h.waitFor(t, "the save", func() bool { return fs.n == i+1 })
			if !bytes.Equal(fs.data, body) {
				t.Fatalf("saved %d bytes, not the %d received", len(fs.data), len(body))
			}
			if want := "photo-20260304-050607.png"; fs.name != want {
				t.Fatalf("suggested name %q, want %q", fs.name, want)
			}
			h.do(func() {
				for _, o := range h.win.Canvas().Overlays().List() {
					h.win.Canvas().Overlays().Remove(o)
				}
			})
		})
	}
	// A capture without a body offers no save.
	var labels []string
	h.do(func() {
		h.m.list.Select(0)
		test.TapSecondary(rowOf(h.m, h.m.items[0].ID))
		labels = menuLabels(h.win.Canvas())
		tapMenuItem(h.win.Canvas(), "Save body to file… (no body)")
	})
	if !strings.Contains(strings.Join(labels, "|"), "Save body to file… (no body)") {
		t.Fatalf("menu %q", labels)
	}
	if h.eval(func() bool { return fs.n != 2 }) {
		t.Fatal("an empty body was saved")
	}
}

func TestBodyFileName(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.Local)
	cases := []struct {
		target, ctype, enc, want string
	}{
		{"/hooks/crm?x=1", "application/json; charset=utf-8", "", "crm-20260304-050607.json"},
		{"/", "application/vnd.api+json", "", "body-20260304-050607.json"},
		{"/a/b.xml", "text/xml", "", "b-20260304-050607.xml"},
		{"/f", "application/x-www-form-urlencoded", "", "f-20260304-050607.txt"},
		{"/z", "application/json", "gzip", "z-20260304-050607.gz"},
		{"/q/../../etc/passwd", "", "", "passwd-20260304-050607.bin"},
		{"/weird name;$(rm)", "application/pdf", "", "weird-name---rm-20260304-050607.pdf"},
	}
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			r := &capture.Request{Target: c.target, ReceivedAt: at, Headers: capture.Headers{{Name: "Content-Type", Value: c.ctype}}}
			if c.enc != "" {
				r.Headers = append(r.Headers, capture.Header{Name: "Content-Encoding", Value: c.enc})
			}
			if got := bodyFileName(r); got != c.want {
				t.Fatalf("bodyFileName = %q, want %q", got, c.want)
			}
		})
	}
}

// TestRowStatusColumn: every row shows the status Gancho answered, in
// the colour of what it means.
func TestRowStatusColumn(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name   string
		r      *capture.Request
		want   string
		colour fyne.ThemeColorName
	}{
		{"ok", &capture.Request{Method: "POST", Target: "/ok", Response: capture.Response{Status: 200}}, "200", theme.ColorNameSuccess},
		{"too large", &capture.Request{Method: "POST", Target: "/big", Truncated: true, Response: capture.Response{Status: 413}}, "413", theme.ColorNameWarning},
		{"rule", &capture.Request{Method: "POST", Target: "/retry", Rule: "POST /retry -> 503", Response: capture.Response{Status: 503}}, "503", theme.ColorNameError},
		{"refused", &capture.Request{Method: "POST", Target: "/auth", Refused: "no basic auth", Response: capture.Response{Status: 401}}, "401", theme.ColorNameWarning},
		{"redirect", &capture.Request{Method: "GET", Target: "/old", Rule: "GET /old -> 302", Response: capture.Response{Status: 302}}, "302", theme.ColorNameForeground},
		{"dropped", &capture.Request{Method: "POST", Target: "/drop", Rule: "POST /drop -> drop"}, "drop", theme.ColorNameError},
	}
	for _, c := range cases {
		h.store1(t, c.r)
	}
	h.waitFor(t, "list", func() bool { return len(h.m.items) == len(cases) })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var text string
			var col color.Color
			h.do(func() {
				if row := rowOf(h.m, c.r.ID); row != nil {
					st := rowStatus(row.content.(*fyne.Container).Objects[2].(*fyne.Container))
					text, col = st.Text, st.Color
				}
			})
			if text != c.want || col != theme.Color(c.colour) {
				t.Fatalf("status %q in %v, want %q in %s (%v)", text, col, c.want, c.colour, theme.Color(c.colour))
			}
		})
	}
}

// TestDetailHeaderShowsWholeTarget: a 300-character target stands whole
// in the header, selectable, beside the method and the status.
func TestDetailHeaderShowsWholeTarget(t *testing.T) {
	h := newHarness(t)
	target := "/api/v2/customers/98231/subscriptions?" + strings.Repeat("expand=latest_invoice&", 10)
	target += strings.Repeat("z", 300-len(target))
	if len(target) != 300 {
		t.Fatalf("target of %d", len(target))
	}
	h.store1(t, &capture.Request{Method: "PATCH", Target: target, Response: capture.Response{Status: 503}, Rule: "r"})
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "the detail", func() bool { return h.m.detail.req != nil })
	var (
		shown, status, method string
		selectable, wraps     bool
		imp                   widget.Importance
		drawn                 string
	)
	h.do(func() {
		hd := h.m.detail.head
		shown, status, method, imp = hd.target.Text, hd.status.Text, hd.badgeTxt.Text, hd.status.Importance
		selectable = hd.target.Selectable && hd.status.Selectable
		wraps = hd.target.Wrapping == fyne.TextWrapBreak && hd.target.Truncation == fyne.TextTruncateOff
		// What is drawn: every wrapped line of the label, joined.
		walk(hd.target, func(o fyne.CanvasObject) {
			if t, ok := o.(*canvas.Text); ok {
				drawn += t.Text
			}
		})
	})
	if shown != target || drawn != target {
		t.Fatalf("header shows %q (drawn %q), want the whole target", shown, drawn)
	}
	if method != "PATCH" || status != "→ 503 Service Unavailable" || imp != widget.DangerImportance || !selectable || !wraps {
		t.Fatalf("method %q, status %q (importance %v), selectable %v, wraps %v", method, status, imp, selectable, wraps)
	}
}

// TestCompareMark: marking a row for comparison marks it visibly, and
// the other rows' menus name it by method, path and time, not by ID.
func TestCompareMark(t *testing.T) {
	h := newHarness(t)
	at := time.Date(2026, 3, 4, 10, 11, 12, 0, time.Local)
	a := h.store1(t, &capture.Request{Method: "POST", Target: "/hooks/a", ReceivedAt: at, Response: capture.Response{Status: 200}})
	b := h.store1(t, &capture.Request{Method: "PUT", Target: "/hooks/b", ReceivedAt: at.Add(time.Second), Response: capture.Response{Status: 200}})
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	h.do(func() {
		h.m.win = h.win
		h.m.now = func() time.Time { return at.Add(time.Minute) }
	})
	marked := func(id string) (bar color.Color, tag bool) {
		h.do(func() {
			row := rowOf(h.m, id)
			if row == nil {
				return
			}
			c := row.content.(*fyne.Container)
			bar = c.Objects[1].(*fyne.Container).Objects[0].(*canvas.Rectangle).FillColor
			tag = c.Objects[2].(*fyne.Container).Objects[1].(*fyne.Container).Objects[0].Visible()
		})
		return bar, tag
	}
	if bar, tag := marked(a.ID); bar == theme.Color(theme.ColorNamePrimary) || tag {
		t.Fatal("a row is marked before anything was marked")
	}
	if !h.eval(func() bool {
		test.TapSecondary(rowOf(h.m, a.ID))
		return tapMenuItem(h.win.Canvas(), "Mark for comparison")
	}) {
		t.Fatal("no Mark for comparison item")
	}
	if bar, tag := marked(a.ID); bar != theme.Color(theme.ColorNamePrimary) || !tag {
		t.Fatalf("the marked row: bar %v, compare label shown %v", bar, tag)
	}
	if bar, tag := marked(b.ID); bar == theme.Color(theme.ColorNamePrimary) || tag {
		t.Fatal("the other row is marked too")
	}
	want := "Compare with marked: POST /hooks/a · 10:11:12"
	var labels []string
	var tapped bool
	h.do(func() {
		for _, o := range h.win.Canvas().Overlays().List() {
			h.win.Canvas().Overlays().Remove(o)
		}
		test.TapSecondary(rowOf(h.m, b.ID))
		labels = menuLabels(h.win.Canvas())
		tapped = tapMenuItem(h.win.Canvas(), want)
	})
	if !tapped || strings.Contains(strings.Join(labels, "|"), a.ID) {
		t.Fatalf("menu %q: want %q, and no ID", labels, want)
	}
	var title string
	h.do(func() {
		walk(h.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "Compare ") {
				title = l.Text
			}
		})
	})
	if title != "Compare POST /hooks/a · 10:11:12 with PUT /hooks/b · 10:11:13" {
		t.Fatalf("dialog title %q", title)
	}
	// The mark goes with its capture.
	if err := h.store.Delete(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	h.waitFor(t, "the mark gone", func() bool { return len(h.m.items) == 1 && h.m.compareBase == "" })
}

// TestRowElidesTargetInTheMiddle: a target longer than the row keeps its
// start and its end (the resource, the query), losing the middle.
func TestRowElidesTargetInTheMiddle(t *testing.T) {
	h := newHarness(t)
	target := "/api/v2/organizations/" + strings.Repeat("segment/", 30) + "invoices/inv_42?expand=lines"
	r := h.store1(t, &capture.Request{Method: "GET", Target: target, Response: capture.Response{Status: 200}})
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	var shown string
	h.do(func() {
		h.win.Resize(fyne.NewSize(1200, 700)) // a list narrower than the target
		if row := rowOf(h.m, r.ID); row != nil {
			shown = row.content.(*fyne.Container).Objects[0].(*fyne.Container).Objects[0].(*midLabel).label.Text
		}
	})
	if !strings.HasPrefix(shown, "/api/v2/") || !strings.HasSuffix(shown, "?expand=lines") || !strings.Contains(shown, "…") || len(shown) >= len(target) {
		t.Fatalf("row shows %q", shown)
	}
}
