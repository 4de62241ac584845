package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
)

// Notifier shows desktop notifications; fyne.App implements it. Called on
// the UI goroutine.
type Notifier interface {
	SendNotification(*fyne.Notification)
}

// alertGap is the least time between two notifications: a flood is one
// notification now and then one "N new captures" at most every alertGap.
const alertGap = 5 * time.Second

// hookAlerts tells the user about captures that arrive while the window is
// in the background. UI goroutine only: the gap's timer hands back
// through post.
type hookAlerts struct {
	n       Notifier    // nil: no notifications
	enabled func() bool // the user's setting, read at each arrival
	now     func() time.Time
	after   afterFunc
	post    func(func()) bool
	// async runs the send; nil runs it inline (tests). The app sends off
	// the UI goroutine: on Linux Fyne sends with a blocking D-Bus call,
	// which waits for a notification daemon that may be slow or absent.
	async func(func())

	background bool
	last       time.Time   // when the last notification went out
	pending    int         // arrivals not told yet
	latest     string      // the newest of them, "POST /hooks/crm"
	stop       func() bool // the timer that tells them, if set
	gen        int         // bumped when pending is dropped: a late timer is ignored
}

// setBackground is called as the window loses (true) or gains focus.
// Coming back drops what was not told yet: the list shows it.
func (a *hookAlerts) setBackground(bg bool) {
	a.background = bg
	if !bg {
		a.drop()
	}
}

func (a *hookAlerts) drop() {
	a.pending, a.latest = 0, ""
	a.gen++
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
}

// arrived is called with every new capture (live ones; imports are not
// news).
func (a *hookAlerts) arrived(r *capture.Request) {
	if !a.background || a.n == nil || !counted(r) || (a.enabled != nil && !a.enabled()) {
		return
	}
	a.pending++
	a.latest = r.Method + " " + elideMiddle(text.Line(r.Target), 80)
	if a.stop != nil {
		return // already due: it will count this one too
	}
	wait := a.last.Add(alertGap).Sub(a.now())
	if a.last.IsZero() || wait <= 0 {
		a.tell()
		return
	}
	gen := a.gen
	a.stop = a.after(wait, func() {
		a.post(func() {
			if a.gen == gen {
				a.stop = nil
				a.tell()
			}
		})
	})
}

// tell sends what is pending as one notification.
func (a *hookAlerts) tell() {
	if a.pending == 0 || !a.background {
		return
	}
	title, body := lang.L("New capture"), a.latest
	if a.pending > 1 {
		title, body = plural("{{.Count}} new captures", a.pending), lang.L("Latest: {{.What}}", map[string]any{"What": a.latest})
	}
	n, note := a.n, fyne.NewNotification(title, body)
	if a.async != nil {
		a.async(func() { n.SendNotification(note) })
	} else {
		n.SendNotification(note)
	}
	a.last = a.now()
	a.pending, a.latest = 0, ""
}
