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

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

// harness runs a Main on a real store with its pump; every look at or
// touch of a widget goes through the pump, as in the app.
type harness struct {
	m     *Main
	win   fyne.Window // the test window holding m's content
	store *capture.Store
	ids   capture.IDGen
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, nil) }

// newHarnessWith lets a test add to the window's Options (a tunnel, settings).
func newHarnessWith(t *testing.T, opt func(*Options)) *harness {
	t.Helper()
	test.NewTempApp(t)
	db, err := database.Open(t.TempDir(), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	events, unsub := st.Subscribe(ctx)
	opts := Options{URL: "http://127.0.0.1:4665", DataDir: "/tmp/x", Captures: st}
	if opt != nil {
		opt(&opts)
	}
	m := NewMain(opts, nil)
	m.applied = make(chan struct{}, 1)
	m.rl.after = noDelay // tests wait for results, never for a debounce
	w := test.NewWindow(m.Content())
	w.Resize(w.Canvas().Size().Max(m.Content().MinSize()).AddWidthHeight(600, 400))
	done := make(chan struct{})
	go func() { defer close(done); m.Pump(ctx, events) }()
	t.Cleanup(func() {
		cancel()
		unsub()
		<-done
		w.Close()
		st.Close()
		db.Close()
	})
	return &harness{m: m, store: st, win: w}
}

// eval runs f on the pump (the UI goroutine here) and returns its result.
func (h *harness) eval(f func() bool) bool {
	ch := make(chan bool, 1)
	h.m.results <- func() { ch <- f() }
	return <-ch
}

func (h *harness) do(f func()) { h.eval(func() bool { f(); return true }) }

// waitFor re-checks cond each time the pump applies something.
func (h *harness) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !h.eval(cond) {
		select {
		case <-h.m.applied:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (h *harness) add(t *testing.T, method, target, ctype string, body []byte) *capture.Request {
	t.Helper()
	now := time.Now()
	r := &capture.Request{ID: h.ids.New(now), ReceivedAt: now, Method: method, Target: target,
		Proto: "HTTP/1.1", Host: "h", RemoteAddr: "127.0.0.1:9", DeclaredSize: int64(len(body)),
		Headers: capture.Headers{{Name: "Host", Value: "h"}, {Name: "Content-Type", Value: ctype}},
		Body:    body, BodySize: int64(len(body)), Response: capture.Response{Status: 200}}
	if err := h.store.Append(context.Background(), r); err != nil {
		t.Error(err) // Error, not Fatal: add runs on worker goroutines too
	}
	return r
}

func (h *harness) gridText() string { return h.m.detail.grid.Text() }

func TestEmptyStateThenLiveCapture(t *testing.T) {
	h := newHarness(t)
	if !h.eval(func() bool { return h.m.right.Objects[0] == h.m.empty }) {
		t.Fatal("empty state not shown on a fresh store")
	}
	h.add(t, "POST", "/hooks/crm?x=1", "application/json", []byte(`{"a":1}`))
	h.waitFor(t, "the capture in the list", func() bool { return len(h.m.items) == 1 })
	if !h.eval(func() bool {
		return h.m.right.Objects[0] == h.m.noSel && strings.HasPrefix(h.m.count.Text, "1 capture ·")
	}) {
		t.Fatal("empty state still shown, or count wrong")
	}
}

func TestSelectShowsHighlightedBody(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/j", "application/json", []byte(`{"name":"Ana","amount":12.5,"tags":["vip"]}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	h.waitFor(t, "pretty body", func() bool { return strings.Contains(h.gridText(), `"name": "Ana"`) })
	// Keys, strings and numbers get different colours.
	colours := h.eval(func() bool {
		seen := map[widget.TextGridStyle]bool{}
		for _, row := range h.m.detail.grid.Rows {
			for _, c := range row.Cells {
				seen[c.Style] = true
			}
		}
		return len(seen) >= 3
	})
	if !colours {
		t.Fatal("body is not highlighted")
	}
	// Headers and Query tabs hold the capture's own data.
	if !h.eval(func() bool { return h.m.detail.headers.Length() == 2 && len(h.m.detail.params) == 0 }) {
		t.Fatal("headers/query tabs wrong")
	}
}

func TestBodyViews(t *testing.T) {
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	cases := []struct {
		name, ctype string
		body        []byte
		mode        string
		wantText    string
		wantBanner  string
	}{
		{"malformed JSON banner", "application/json", []byte("{\n  \"a\": 1,\n  \"b\": oops\n}"), modePretty, `"b": oops`, "line 3"},
		{"binary as hex", "application/octet-stream", bin, modePretty, "00000000  00 01 02 03", "hex"},
		{"hex mode of text", "text/plain", []byte("hi"), modeHex, "68 69", ""},
		{"xml pretty", "application/xml", []byte(`<a><b x="1">t</b></a>`), modePretty, "  <b x=\"1\">t</b>", ""},
		{"multipart parts", "multipart/form-data; boundary=XyZ", []byte("--XyZ\r\nContent-Disposition: form-data; name=\"j\"\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b.bin\"\r\n\r\n\x00\x01\xff\r\n--XyZ--\r\n"), modePretty, "── part 2 of 2 ──", "multipart: 2 parts"},
		{"form fields", "application/x-www-form-urlencoded", []byte("name=Jo%C3%A3o&tag=a&tag=b"), modePretty, "name = João", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.add(t, "POST", "/v", c.ctype, c.body)
			h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
			h.do(func() {
				h.m.list.Select(0)
				h.m.detail.modes.SetSelected(c.mode)
			})
			h.waitFor(t, c.wantText, func() bool { return strings.Contains(h.gridText(), c.wantText) })
			banner := ""
			h.do(func() {
				if h.m.detail.banner.Visible() {
					banner = h.m.detail.banner.Text
				}
			})
			if !strings.Contains(strings.ToLower(banner), strings.ToLower(c.wantBanner)) {
				t.Fatalf("banner %q, want %q", banner, c.wantBanner)
			}
		})
	}
}

func TestSearchAndMethodFilter(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/a", "application/json", []byte(`{"email":"ana@example.com.br"}`))
	h.add(t, "PUT", "/b", "application/json", []byte(`{"email":"bruno@example.com.br"}`))
	h.add(t, "POST", "/c", "text/plain", []byte("nothing"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 3 })
	h.do(func() { h.m.search.SetText("ana@example.com.br") })
	h.waitFor(t, "the search's one match", func() bool {
		return len(h.m.items) == 1 && h.m.items[0].Target == "/a" && h.m.count.Text == "1 of 3 captures"
	})
	h.do(func() { h.m.search.SetText(""); h.m.method.SetSelected("PUT") })
	h.waitFor(t, "the method filter's one match", func() bool { return len(h.m.items) == 1 && h.m.items[0].Target == "/b" })
}

func TestDeleteKeyRemovesSelected(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/keep", "text/plain", []byte("k"))
	h.add(t, "POST", "/drop", "text/plain", []byte("d"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	h.do(func() {
		h.m.typedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		h.m.typedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	})
	h.waitFor(t, "deletion", func() bool { return len(h.m.items) == 1 && h.m.items[0].Target == "/keep" })
}

// TestManyCapturesWhileBrowsing: 1,000 captures arrive from several
// goroutines while the user selects and searches; run with -race.
func TestManyCapturesWhileBrowsing(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				h.add(t, "POST", fmt.Sprintf("/load/%d/%d", g, i), "application/json", []byte(fmt.Sprintf(`{"g":%d,"i":%d}`, g, i)))
			}
		}(g)
	}
	for i := 0; i < 20; i++ {
		h.do(func() {
			if len(h.m.items) > 0 {
				h.m.list.Select(0)
			}
		})
	}
	wg.Wait()
	h.waitFor(t, "all 1000", func() bool { return strings.HasPrefix(h.m.count.Text, "1,000 captures") && len(h.m.items) >= pageSize })
}

func TestPauseFreezesList(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/one", "text/plain", []byte("1"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(h.m.togglePause)
	h.add(t, "POST", "/two", "text/plain", []byte("2"))
	h.waitFor(t, "waiting count", func() bool { return h.m.pause.Text == "Resume list (1 new)" })
	if !h.eval(func() bool { return len(h.m.items) == 1 }) {
		t.Fatal("list changed while paused")
	}
	h.do(h.m.togglePause)
	h.waitFor(t, "resume catching up", func() bool { return len(h.m.items) == 2 && h.m.pause.Text == "Pause list" })
}

// TestClickSelects taps a row as a user would (the row also has a
// right-click menu, which must not swallow the primary click).
func TestClickSelects(t *testing.T) {
	h := newHarness(t)
	h.add(t, "POST", "/first", "text/plain", []byte("1"))
	h.add(t, "POST", "/second", "text/plain", []byte("2"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	h.do(func() {
		var row *rowWidget
		for _, o := range test.WidgetRenderer(h.m.list).Objects() {
			walk(o, func(c fyne.CanvasObject) {
				if rw, ok := c.(*rowWidget); ok && rw.id == h.m.items[1].ID {
					row = rw
				}
			})
		}
		if row == nil {
			t.Error("row not rendered")
			return
		}
		test.Tap(row)
	})
	h.waitFor(t, "selection and body", func() bool {
		return h.m.sel == 1 && h.m.detail.req != nil && h.m.detail.req.Target == "/first"
	})
}

func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, k := range c.Objects {
			walk(k, f)
		}
	case fyne.Widget:
		for _, k := range test.WidgetRenderer(c).Objects() {
			walk(k, f)
		}
	}
}

// noDelay is an afterFunc that does not wait.
func noDelay(_ time.Duration, f func()) func() bool {
	go f()
	return func() bool { return false }
}

type fakeRecorder struct{ paused bool }

func (f *fakeRecorder) SetPaused(p bool) { f.paused = p }
func (f *fakeRecorder) Paused() bool     { return f.paused }

func TestCaptureSwitch(t *testing.T) {
	test.NewTempApp(t)
	rec := &fakeRecorder{}
	h := newHarness(t)
	m := NewMain(Options{URL: "http://x", Captures: h.store, Recorder: rec}, nil)
	if !m.capture.Checked {
		t.Fatal("capture switch off at start")
	}
	test.Tap(m.capture)
	if !rec.paused || !strings.Contains(m.capture.Text, "paused") {
		t.Fatalf("paused=%v text %q", rec.paused, m.capture.Text)
	}
	test.Tap(m.capture)
	if rec.paused {
		t.Fatal("not resumed")
	}
}
