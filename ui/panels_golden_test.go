package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/settings"
)

// goldenAt is the instant the panel goldens are drawn at: ages and the
// sparkline read it, never the real clock.
var goldenAt = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// addGolden stores a capture received ago before goldenAt with a fixed
// answer, so the list row and the detail header draw the same every run.
func (h *harness) addGolden(t *testing.T, method, target, ctype string, body []byte, status int, ago time.Duration) {
	t.Helper()
	at := goldenAt.Add(-ago)
	r := &capture.Request{ID: h.ids.New(at), ReceivedAt: at, Method: method, Target: target,
		Proto: "HTTP/1.1", Host: "h", RemoteAddr: "127.0.0.1:9", DeclaredSize: int64(len(body)),
		Headers: capture.Headers{{Name: "Host", Value: "h"}, {Name: "Content-Type", Value: ctype}},
		Body:    body, BodySize: int64(len(body)), Response: capture.Response{Status: status}}
	if err := h.store.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

// TestPanelGoldens pins each panel of the window as Fyne markup in its main
// states: the inbound list and detail loaded (wide and narrow), a body that
// does not parse, the Outbound section empty, Settings showing a rule error
// and the subscription form with its field errors. Regenerate a golden by
// deleting it and running the test (Fyne writes it), then read the diff.
func TestPanelGoldens(t *testing.T) {
	loaded := func(t *testing.T) *harness {
		h := newHarness(t)
		h.do(func() { h.m.now = func() time.Time { return goldenAt } })
		h.addGolden(t, "POST", "/hooks/crm?source=demo", "application/json",
			[]byte(`{"type":"client.created","data":{"id":"cli_4821","name":"Ana Souza","city":"S\u00e3o Paulo"}}`), 200, 3*time.Minute)
		h.addGolden(t, "PUT", "/api/v2/organizations/4f1c2a/customers/98231/subscriptions/sub_1NvQx2LkdIwHu7ix/items?expand=latest_invoice",
			"application/x-www-form-urlencoded", []byte("name=Jo%C3%A3o&tag=vip"), 413, 2*time.Minute)
		h.addGolden(t, "POST", "/retry/orders", "application/json", []byte(`{"order":77}`), 503, time.Minute)
		h.waitFor(t, "three rows", func() bool { return len(h.m.items) == 3 })
		h.do(func() { h.m.refreshList(); h.m.list.Select(2) })
		h.waitFor(t, "the JSON body", func() bool { return len(h.m.detail.grid.Rows) > 3 })
		return h
	}
	for _, size := range []struct {
		name string
		w, h float32
	}{{"wide", 1200, 760}, {"narrow", 1000, 640}} {
		t.Run("inbound "+size.name, func(t *testing.T) {
			h := loaded(t)
			h.do(func() { h.win.Resize(fyne.NewSize(size.w, size.h)) })
			var ok bool
			h.do(func() { ok = test.AssertRendersToMarkup(t, "inbound_"+size.name+".xml", h.win.Canvas()) })
			if !ok {
				t.Log("see ui/testdata/failed")
			}
		})
	}
	t.Run("detail error", func(t *testing.T) {
		h := newHarness(t)
		h.do(func() { h.m.now = func() time.Time { return goldenAt } })
		h.addGolden(t, "POST", "/hooks/broken", "application/json", []byte(`{"type":"client.updated", "data": {"name": "Ana" "email": "x"}}`), 200, time.Minute)
		h.waitFor(t, "the row", func() bool { return len(h.m.items) == 1 })
		h.do(func() { h.m.list.Select(0) })
		h.waitFor(t, "the body", func() bool { return len(h.m.detail.grid.Rows) > 0 })
		h.do(func() {
			d := test.NewWindow(h.m.detail.root)
			d.Resize(fyne.NewSize(700, 400))
			test.AssertRendersToMarkup(t, "detail_error.xml", d.Canvas())
			d.Close()
		})
	})
	t.Run("outbound empty", func(t *testing.T) {
		// The subscriptions side: the log's chart has its own golden
		// (TestOutboundChartGolden), and its time labels are local times.
		oh := newOutboundHarnessAt(t, func() time.Time { return goldenAt })
		// The subscriptions are read off the UI goroutine: the empty
		// state's sentence comes once they are (CI drew it without).
		oh.waitFor(t, "the empty subscriptions sentence", func() bool { return oh.p.subMsg.Visible() && oh.p.subMsg.Text != "" })
		oh.do(func() {
			d := test.NewWindow(oh.p.root.(*container.Split).Leading)
			d.Resize(fyne.NewSize(420, 500))
			test.AssertRendersToMarkup(t, "outbound_empty.xml", d.Canvas())
			d.Close()
		})
	})
	t.Run("subscription form errors", func(t *testing.T) {
		oh := newOutboundHarnessAt(t, func() time.Time { return goldenAt })
		oh.do(func() {
			oh.m.win = oh.win
			oh.win.Resize(fyne.NewSize(1200, 760))
			s := outbound.NewSubscription()
			oh.p.showForm(&s, true)
			walk(oh.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
				if b, ok := o.(*widget.Button); ok && b.Text == "Save" {
					test.Tap(b)
				}
			})
			test.AssertRendersToMarkup(t, "subform_errors.xml", oh.win.Canvas())
		})
	})
	t.Run("settings", func(t *testing.T) {
		ss := &fixedSettings{s: settings.Settings{Tunnel: settings.Tunnel{Domain: "a.ngrok.app"}}}
		h := newHarnessWith(t, func(o *Options) { o.Settings = ss })
		h.do(func() {
			h.m.win = h.win
			h.win.Resize(fyne.NewSize(1000, 640))
			d, sd := h.m.newSettingsDialog()
			d.Show()
			test.AssertRendersToMarkup(t, "settings_tunnel.xml", h.win.Canvas())
			// A rule that does not parse: Save takes the user to it.
			sd.form.rules.SetText("POST /x -> banana")
			test.Tap(sd.save)
			test.AssertRendersToMarkup(t, "settings_rule_error.xml", h.win.Canvas())
		})
	})
}
