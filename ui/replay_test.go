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
	"github.com/gancho-app/gancho/replay"
)

// memReplays is an in-memory Replays; fakeSender answers every send.
type memReplays struct {
	mu sync.Mutex
	as []*replay.Attempt
}

func (m *memReplays) Add(_ context.Context, a *replay.Attempt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.as = append([]*replay.Attempt{a}, m.as...)
	return nil
}

func (m *memReplays) ForCapture(_ context.Context, id string, _ int) ([]*replay.Attempt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*replay.Attempt
	for _, a := range m.as {
		if a.CaptureID == id {
			out = append(out, a)
		}
	}
	return out, nil
}

type fakeSender struct {
	mu   sync.Mutex
	sent []replay.Request
	res  replay.Result
}

func (f *fakeSender) Send(_ context.Context, r replay.Request, _ replay.Options) replay.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, r)
	res := f.res
	res.SentAt = time.Now()
	return res
}

func TestReplayFromDetail(t *testing.T) {
	fs := &fakeSender{res: replay.Result{Status: 202, Body: []byte(`{"ok":1}`), BodySize: 8,
		Timings: replay.Timings{Total: 3 * time.Millisecond}}}
	mr := &memReplays{}
	h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays = fs, mr })
	c := h.add(t, "POST", "/hooks/crm?x=1", "application/json", []byte(`{"a":1}`))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	h.do(func() { h.m.list.Select(0) })
	p := h.m.replays
	h.do(func() {
		p.target.SetText("not a url at all ::")
		test.Tap(findButton(t, p.actions, "Replay"))
	})
	h.waitFor(t, "an error for a bad target", func() bool { return p.status.Text != "" && !strings.HasPrefix(p.status.Text, "Sending") })
	fs.mu.Lock()
	if len(fs.sent) != 0 {
		t.Fatalf("sent to a bad target: %+v", fs.sent)
	}
	fs.mu.Unlock()
	h.do(func() {
		p.target.SetText("http://localhost:3000/webhooks")
		test.Tap(findButton(t, p.actions, "Replay"))
	})
	h.waitFor(t, "the result", func() bool { return strings.Contains(p.status.Text, "202 in") })
	h.waitFor(t, "the Replays tab", func() bool { return p.tab.Text == "Replays (1)" && len(p.attempts) == 1 })
	fs.mu.Lock()
	sent := fs.sent[0]
	fs.mu.Unlock()
	if sent.URL != "http://localhost:3000/webhooks?x=1" || string(sent.Body) != string(c.Body) {
		t.Errorf("sent %s %q", sent.URL, sent.Body)
	}
	h.do(func() { p.list.Select(0) })
	h.waitFor(t, "the response, highlighted", func() bool {
		return strings.Contains(p.resp.Text(), "HTTP 202") && strings.Contains(p.resp.Text(), `"ok": 1`)
	})
}

// findButton finds the button labelled text under o.
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Button:
			if v.Text == text {
				found = v
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	if found == nil {
		t.Fatalf("no %q button", text)
	}
	return found
}

func TestDiffRowsColours(t *testing.T) {
	rows := diffRows("Headers: 1 differences\n  ~ X-A: 1 → 2\n  + data.tags[1]: \"sp\"\n  - old: true")
	if len(rows) != 4 || rows[0].Style != nil || rows[1].Style == nil || rows[2].Style == nil || rows[3].Style == nil {
		t.Fatalf("styles %v", rows)
	}
	if rows[2].Style.TextColor() == rows[3].Style.TextColor() {
		t.Error("additions and removals share a colour")
	}
}

func TestBulkSummary(t *testing.T) {
	s := replay.Summary{Sent: 10, OK: 7, Other: 1, Failed: map[replay.Class]int{replay.ClassRefused: 2}, Elapsed: 1500 * time.Millisecond}
	if got := bulkSummary(s, 12); got != "Sent 10 of 12 in 1.5s: 7 answered 2xx, 1 answered otherwise, failed: 2 refused." {
		t.Errorf("%q", got)
	}
}

// fakeForwarding records what the switch asks for.
type fakeForwarding struct {
	mu     sync.Mutex
	target string
	starts []string
	watch  func(string)
}

func (f *fakeForwarding) Start(target string) error {
	if _, err := replay.FromCapture(&capture.Request{Method: "GET", Target: "/"}, target, false); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.target = target
	f.starts = append(f.starts, target)
	return nil
}

func (f *fakeForwarding) Stop() {
	f.mu.Lock()
	f.target = ""
	f.mu.Unlock()
}

func (f *fakeForwarding) Target() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.target
}

func (f *fakeForwarding) Watch(fn func(string)) {
	f.mu.Lock()
	f.watch = fn
	f.mu.Unlock()
}

func TestForwardLiveSwitch(t *testing.T) {
	tests := []struct {
		name    string
		initial string // a --forward target
	}{
		{"switched on in the window", ""},
		{"started by --forward", "http://localhost:3000/from-flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fw := &fakeForwarding{target: tt.initial}
			mr := &memReplays{}
			h := newHarnessWith(t, func(o *Options) { o.Sender, o.Replays, o.Forwarding = &fakeSender{}, mr, fw })
			p := h.m.replays
			if tt.initial != "" {
				if !h.eval(func() bool { return p.live.Checked && p.target.Text == tt.initial && p.liveLbl.Visible() }) {
					t.Fatal("a --forward target does not show as on")
				}
			} else {
				h.do(func() {
					p.target.SetText("::not a url")
					p.live.SetChecked(true)
				})
				if !h.eval(func() bool {
					return !p.live.Checked && strings.HasPrefix(p.status.Text, "Cannot forward") && fw.Target() == ""
				}) {
					t.Fatalf("bad target: checked %v, status %q", p.live.Checked, p.status.Text)
				}
				h.do(func() {
					p.target.SetText("http://localhost:3000/webhooks")
					p.live.SetChecked(true)
				})
				h.waitFor(t, "forwarding on", func() bool {
					return fw.Target() == "http://localhost:3000/webhooks" &&
						strings.Contains(p.liveLbl.Text, "localhost:3000/webhooks") && p.liveLbl.Visible()
				})
			}
			c := h.add(t, "POST", "/hooks", "application/json", []byte(`{"a":1}`))
			h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
			h.do(func() { h.m.list.Select(0) })
			if h.eval(func() bool { return p.fwdLine.Visible() }) {
				t.Fatal("forward line shown before any forward")
			}
			// The forwarder stores its attempt, then reports the capture.
			_ = mr.Add(context.Background(), &replay.Attempt{CaptureID: c.ID, Kind: replay.KindForward,
				Request: replay.Request{Method: "POST", URL: fw.Target()},
				Result:  replay.Result{Status: 201, SentAt: time.Now(), Timings: replay.Timings{Total: 4 * time.Millisecond}}})
			fw.mu.Lock()
			watch := fw.watch
			fw.mu.Unlock()
			// The forwarder must never wait for the UI (Stop may be waiting
			// for the forwarder): many reports in a row return at once.
			for range 1000 {
				watch("01OTHER")
			}
			go watch(c.ID) // any goroutine
			h.waitFor(t, "the forwarded answer beside the capture", func() bool {
				return p.fwdLine.Visible() && strings.Contains(p.fwdLine.Text, "201 in 4ms") && p.tab.Text == "Replays (1)"
			})
			h.do(func() { p.live.SetChecked(false) })
			h.waitFor(t, "forwarding off", func() bool { return fw.Target() == "" && !p.liveLbl.Visible() })
		})
	}
}

func TestPickForExportAndBulk(t *testing.T) {
	h := newHarness(t)
	var cs []*capture.Request
	for i := range 3 {
		cs = append(cs, h.add(t, "POST", fmt.Sprintf("/hooks/%d", i), "application/json", []byte(`{}`)))
	}
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 3 })
	space := &fyne.KeyEvent{Name: fyne.KeySpace}
	h.do(func() {
		h.m.list.Select(2) // the oldest (newest first)
		h.m.typedKey(space)
		h.m.list.Select(0)
		h.m.typedKey(space)
	})
	var sc scope
	h.do(func() { sc = h.m.scope() })
	if len(sc.picked) != 2 || sc.picked[0] != cs[0].ID || sc.picked[1] != cs[2].ID {
		t.Fatalf("picked %v, want the oldest and the newest, oldest first", sc.picked)
	}
	if !h.eval(func() bool {
		return strings.HasPrefix(h.m.count.Text, "2 picked") && strings.Contains(h.m.scopeNote("Exports", sc, h.m.scopeCount(sc)), "2 picked")
	}) {
		t.Errorf("count %q", h.m.count.Text)
	}
	var rs []*capture.Request
	err := h.m.eachIn(context.Background(), sc, true, func(r *capture.Request) error { rs = append(rs, r); return nil })
	if err != nil || len(rs) != 2 || string(rs[1].Body) != "{}" {
		t.Fatalf("load: %d, %v", len(rs), err)
	}
	if err := h.store.Delete(context.Background(), cs[2].ID); err != nil {
		t.Fatal(err)
	}
	h.waitFor(t, "a deleted capture unpicked", func() bool { return len(h.m.picked) == 1 })
	h.do(func() {
		h.m.list.Select(h.m.sel) // still the oldest
		h.m.togglePick(cs[0].ID)
	})
	h.do(func() { sc = h.m.scope() })
	if sc.picked != nil || h.eval(func() bool { return strings.Contains(h.m.count.Text, "picked") }) {
		t.Errorf("after unpicking: scope %v, count %q", sc.picked, h.m.count.Text)
	}
}
