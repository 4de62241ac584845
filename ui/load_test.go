package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/load"
)

// openLoad taps the Outbound section's "Load run…" button.
func openLoad(t *testing.T, oh *outboundHarness) {
	t.Helper()
	tapped := false
	oh.do(func() {
		oh.m.win = oh.win
		for _, o := range test.LaidOutObjects(oh.p.root) {
			if b, ok := o.(*widget.Button); ok && b.Text == "Load run…" && !tapped {
				test.Tap(b)
				tapped = true
			}
		}
	})
	if !tapped {
		t.Fatal(`no "Load run…" button in the Outbound section`)
	}
	if !oh.eval(func() bool { return oh.p.load != nil && overlayButtons(oh.win)["Start"] != nil }) {
		t.Fatal("the Load panel did not open")
	}
}

// TestLoadPanelRunAndStop: a run against a loopback receiver shows its
// figures while it runs; Stop ends it with a report to copy and charts.
func TestLoadPanelRunAndStop(t *testing.T) {
	oh := newOutboundHarness(t)
	var got atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(recv.Close)
	openLoad(t, oh)
	oh.do(func() {
		lp := oh.p.load
		lp.target.SetText(recv.URL)
		lp.amount.SetText("200")
		lp.duration.SetText("") // until Stop
		lp.dups.SetText("10")
		test.Tap(overlayButtons(oh.win)["Start"])
	})
	oh.waitFor(t, "live figures", func() bool {
		lp := oh.p.load
		return lp.cancel != nil && strings.Contains(lp.statusRow.Text, "202: ") && lp.answered.Text != "0"
	})
	if oh.eval(func() bool { return oh.p.load.stop.Disabled() || !oh.p.load.start.Disabled() }) {
		t.Fatal("while running, Stop should be enabled and Start disabled")
	}
	oh.do(func() { test.Tap(overlayButtons(oh.win)["Stop"]) })
	oh.waitFor(t, "the report", func() bool { return oh.p.load.report != nil })
	var (
		rep      load.Report
		copyOn   bool
		bars     int
		msgShown bool
	)
	oh.do(func() {
		lp := oh.p.load
		rep, copyOn = *lp.report, !lp.copyJSON.Disabled()
		msgShown = lp.msg.Visible() && strings.Contains(lp.msg.Text, "Stopped before the end") && lp.msg.Importance == widget.WarningImportance
		for _, bar := range lp.rateChart.data.vals {
			if bar[0] > 0 {
				bars++
			}
		}
	})
	if rep.Stopped != load.StoppedCanceled || rep.Answered == 0 || rep.Status["202"] != rep.Answered || rep.DuplicatesSent == 0 {
		t.Errorf("report: stopped %q, answered %d, status %v, duplicates %d", rep.Stopped, rep.Answered, rep.Status, rep.DuplicatesSent)
	}
	if !copyOn || bars == 0 || !msgShown {
		t.Errorf("copy enabled %v, rate bars %d, stop notice shown %v", copyOn, bars, msgShown)
	}
	var clip string
	oh.do(func() {
		test.Tap(overlayButtons(oh.win)["Copy report (JSON)"])
		clip = fyne.CurrentApp().Clipboard().Content()
	})
	if !strings.Contains(clip, `"p99"`) || !strings.Contains(clip, `"sent"`) {
		t.Errorf("clipboard after Copy report (JSON): %.200q", clip)
	}
}

// TestLoadPanelErrors: a form that cannot run, and a receiver that is
// down, are each told in a sentence.
func TestLoadPanelErrors(t *testing.T) {
	oh := newOutboundHarness(t)
	recv := httptest.NewServer(http.NotFoundHandler())
	down := recv.URL
	recv.Close()
	openLoad(t, oh)
	tests := []struct {
		name string
		set  func(lp *loadPanel)
		want string
	}{
		{"no URL", func(lp *loadPanel) { lp.target.SetText("") }, "Enter the receiver's URL"},
		{"bad rate", func(lp *loadPanel) { lp.target.SetText(down); lp.amount.SetText("fast") }, "Enter the rate"},
		{"bad burst", func(lp *loadPanel) { lp.amount.SetText("10"); lp.burst.SetText("5") }, "N/EVERY"},
		{"receiver down", func(lp *loadPanel) {
			lp.burst.SetText("")
			lp.model.SetSelected(concurrencyChoice())
			lp.amount.SetText("1")
			lp.count.SetText("3")
		}, "No request was answered: connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oh.do(func() {
				tc.set(oh.p.load)
				test.Tap(overlayButtons(oh.win)["Start"])
			})
			oh.waitFor(t, "the message", func() bool {
				lp := oh.p.load
				return lp.cancel == nil && lp.msg.Visible() && strings.Contains(lp.msg.Text, tc.want)
			})
		})
	}
}
