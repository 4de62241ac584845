package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/settings"
)

// fakeNotifier records notifications (any goroutine).
type fakeNotifier struct {
	mu   sync.Mutex
	sent []*fyne.Notification
}

func (f *fakeNotifier) SendNotification(n *fyne.Notification) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, n)
}

func (f *fakeNotifier) titles() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range f.sent {
		out = append(out, n.Title+": "+n.Content)
	}
	return strings.Join(out, " | ")
}

// fakeTimers is an afterFunc whose timers fire when the test says.
type fakeTimers struct {
	due []func()
}

func (f *fakeTimers) after(_ time.Duration, fn func()) func() bool {
	i := len(f.due)
	f.due = append(f.due, fn)
	return func() bool { stopped := f.due[i] != nil; f.due[i] = nil; return stopped }
}

// fire runs the timers still set.
func (f *fakeTimers) fire() {
	due := f.due
	f.due = nil
	for _, fn := range due {
		if fn != nil {
			fn()
		}
	}
}

func TestHookAlerts(t *testing.T) {
	req := func(target, origin string) *capture.Request {
		return &capture.Request{Method: "POST", Target: target, Origin: origin}
	}
	type step struct {
		do   string // "bg", "fg", "hook", "import", "wait" (advance the clock), "fire" (timers due), "off"
		arg  string
		want string // every notification so far
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"not while in the foreground", []step{
			{"hook", "/a", ""},
			{"fire", "", ""},
		}},
		{"one at once in the background", []step{
			{"bg", "", ""},
			{"hook", "/a", "New capture: POST /a"},
		}},
		{"a burst is one more, counted, after the gap", []step{
			{"bg", "", ""},
			{"hook", "/a", "New capture: POST /a"},
			{"wait", "1s", ""},
			{"hook", "/b", "New capture: POST /a"},
			{"hook", "/c", "New capture: POST /a"},
			{"hook", "/d", "New capture: POST /a"},
			{"hook", "/e", "New capture: POST /a"},
			{"hook", "/f", "New capture: POST /a"},
			{"wait", "4s", ""},
			{"fire", "", "New capture: POST /a | 5 new captures: Latest: POST /f"},
			{"fire", "", "New capture: POST /a | 5 new captures: Latest: POST /f"},
			{"wait", "6s", ""},
			{"hook", "/g", "New capture: POST /a | 5 new captures: Latest: POST /f | New capture: POST /g"},
		}},
		{"coming back drops what was not told", []step{
			{"bg", "", ""},
			{"hook", "/a", "New capture: POST /a"},
			{"hook", "/b", "New capture: POST /a"},
			{"fg", "", "New capture: POST /a"},
			{"fire", "", "New capture: POST /a"},
			{"bg", "", "New capture: POST /a"},
			{"wait", "10s", ""},
			{"hook", "/c", "New capture: POST /a | New capture: POST /c"},
		}},
		{"imports are not news", []step{
			{"bg", "", ""},
			{"import", "/i", ""},
		}},
		{"switched off in Settings", []step{
			{"off", "", ""},
			{"bg", "", ""},
			{"hook", "/a", ""},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := &fakeNotifier{}
			timers := &fakeTimers{}
			clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			on := true
			a := &hookAlerts{n: n, now: func() time.Time { return clock }, after: timers.after,
				post: func(f func()) bool { f(); return true }, enabled: func() bool { return on }}
			want := ""
			for i, s := range c.steps {
				switch s.do {
				case "bg":
					a.setBackground(true)
				case "fg":
					a.setBackground(false)
				case "hook":
					a.arrived(req(s.arg, ""))
				case "import":
					a.arrived(req(s.arg, "import:har"))
				case "wait":
					d, _ := time.ParseDuration(s.arg)
					clock = clock.Add(d)
				case "fire":
					timers.fire()
				case "off":
					on = false
				}
				if s.want != "" || s.do != "wait" {
					want = s.want
				}
				if got := n.titles(); got != want {
					t.Fatalf("step %d (%s %s): sent %q, want %q", i, s.do, s.arg, got, want)
				}
			}
		})
	}
}

// TestNotifyThroughTheWindow: a capture arriving in the background is
// announced through the pump; the Settings check switches it off and is
// saved with the settings.
func TestNotifyThroughTheWindow(t *testing.T) {
	ss := &fixedSettings{}
	h := newHarnessWith(t, func(o *Options) { o.Settings = ss })
	n := &fakeNotifier{}
	h.do(func() { h.m.alerts.n = n })
	h.add(t, "POST", "/fg", "text/plain", []byte("x"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 1 })
	if got := n.titles(); got != "" {
		t.Fatalf("notified in the foreground: %q", got)
	}
	h.do(func() { h.m.alerts.setBackground(true) })
	h.add(t, "PUT", "/bg?id=7", "text/plain", []byte("x"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 2 })
	if got := n.titles(); got != "New capture: PUT /bg?id=7" {
		t.Fatalf("sent %q", got)
	}

	// The Settings check, saved.
	f := newSettingsForm(ss.Saved(), func(string) {})
	if !f.notify.Checked {
		t.Fatal("notifications are off by default")
	}
	test.Tap(f.notify)
	next, err := f.result()
	if err != nil || !next.NoNotifications {
		t.Fatalf("unchecked, the settings say NoNotifications=%v (%v)", next.NoNotifications, err)
	}
	if err := ss.Update(next); err != nil {
		t.Fatal(err)
	}
	h.do(func() { h.m.alerts.last = time.Time{} }) // past the gap
	h.add(t, "POST", "/quiet", "text/plain", []byte("x"))
	h.waitFor(t, "list", func() bool { return len(h.m.items) == 3 })
	if got := n.titles(); got != "New capture: PUT /bg?id=7" {
		t.Fatalf("notified with notifications off: %q", got)
	}
	if back := newSettingsForm(settings.Settings{NoNotifications: true}, func(string) {}); back.notify.Checked {
		t.Error("the check does not show the saved setting")
	}
}
