package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/suite"
	"github.com/gancho-app/gancho/verify"
)

// journeyReceiver is a loopback receiver that hands over each request it
// gets, with its headers and body.
type journeyHit struct {
	path    string
	headers capture.Headers
	body    []byte
}

func journeyReceiver(t *testing.T) (*httptest.Server, chan journeyHit) {
	t.Helper()
	hits := make(chan journeyHit, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var h capture.Headers
		for name, vs := range r.Header {
			for _, v := range vs {
				h = append(h, capture.Header{Name: name, Value: v})
			}
		}
		hits <- journeyHit{r.URL.Path, h, b}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

// openJourneys taps the Outbound section's Journeys… button and returns
// the dialog's form.
func openJourneys(t *testing.T, oh *outboundHarness) *journeyForm {
	t.Helper()
	tapped := oh.eval(func() bool {
		oh.m.win = oh.win
		var b *widget.Button
		walk(oh.p.root, func(o fyne.CanvasObject) {
			if x, ok := o.(*widget.Button); ok && x.Text == lang.L("Journeys…") {
				b = x
			}
		})
		if b == nil {
			return false
		}
		test.Tap(b)
		return oh.p.journeys != nil && oh.win.Canvas().Overlays().Top() != nil
	})
	if !tapped {
		t.Fatal("no Journeys… button, or it opened no dialog")
	}
	return oh.p.journeys
}

// rowLabels are the steps the list shows, one a line (UI goroutine).
func rowLabels(f *journeyForm) string {
	var ls []string
	for _, r := range f.rows {
		ls = append(ls, r.label)
	}
	return strings.Join(ls, "\n")
}

// answered is how many steps show an answer (UI goroutine).
func answered(f *journeyForm) int {
	n := 0
	for _, r := range f.rows {
		if r.status != "" {
			n++
		}
	}
	return n
}

// TestJourneysSendAndSave: Journeys… opens the dialog listing the chosen
// journey's steps; Send to URL sends each event, signed, to a loopback
// receiver and lists the answers; Save as suite… writes a suite holding
// the same events in order.
func TestJourneysSendAndSave(t *testing.T) {
	oh := newOutboundHarness(t)
	srv, hits := journeyReceiver(t)
	secret := verify.NewSecret()
	f := openJourneys(t, oh)
	var steps string
	oh.do(func() {
		steps = rowLabels(f)
		f.seed.SetText("42")
		f.url.SetText(srv.URL + "/crm")
		f.sign.SetText("standard:" + secret)
		f.speed.SetSelected("×3600")
		test.Tap(f.send)
	})
	if !strings.Contains(steps, "1. New prospect — prospect.created") || !strings.Contains(steps, "(Novo → Em contato)") ||
		!strings.Contains(steps, "6. New sale — sale.created") {
		t.Errorf("steps shown:\n%s", steps)
	}
	check, _ := verify.NewSet([]verify.Config{{Scheme: verify.SchemeStandard, Secret: secret}})
	j, _ := events.LookupJourney("prospect-to-sale")
	var client string
	for i, st := range j.Steps {
		h := <-hits
		if res := check.Check("/crm", h.headers, h.body, time.Now()); res == nil || !res.OK {
			t.Errorf("step %d: the receiver's check: %+v", i+1, res)
		}
		p, err := events.ParseJSON(h.body)
		if err != nil || p.Type() != st.Event {
			t.Fatalf("step %d: %v, %q, want %s", i+1, err, p.Type(), st.Event)
		}
		if v, ok := p.Get("data.prospect.name"); ok {
			client = v.Text
		} else if v, ok := p.Get("data.client.name"); ok && v.Text != client {
			t.Errorf("step %d: client %q, the prospect was %q", i+1, v.Text, client)
		}
	}
	oh.waitFor(t, "the answers listed", func() bool {
		return f.stop == nil && f.msg.Text == "6 of 6 events answered 2xx." && answered(f) == 6
	})
	var rows []journeyRow
	oh.do(func() { rows = append(rows, f.rows...) })
	if rows[0].label != "1. New prospect — prospect.created" || rows[3].status != "HTTP 200" || rows[3].latency == "" {
		t.Errorf("rows %+v", rows)
	}

	// Save as suite…: the same seed gives the same events.
	fs := &fakeSaver{}
	oh.do(func() {
		oh.m.saver = fs
		test.Tap(f.save)
	})
	oh.waitFor(t, "the suite saved", func() bool { return fs.n == 1 && strings.Contains(f.msg.Text, "Saved 6 steps to mem:") })
	if fs.name != "prospect-to-sale-42.yaml" {
		t.Errorf("proposed name %q", fs.name)
	}
	s, err := suite.Parse(fs.data, fs.name)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Steps) != 6 || s.Target != srv.URL || s.Name != "prospect-to-sale (seed 42)" {
		t.Fatalf("%d steps, target %q, name %q", len(s.Steps), s.Target, s.Name)
	}
	for i, st := range s.Steps {
		body, _ := st.Request.Bytes()
		p, err := events.ParseJSON(body)
		want := (events.JourneyEvent{Index: i, Event: j.Steps[i].Event}).StepName()
		if err != nil || p.Type() != j.Steps[i].Event || st.Name != want || st.Request.Path != "/crm" ||
			st.Sign.Mode != suite.SignSecret || st.Sign.Spec != "standard:"+secret {
			t.Errorf("step %d: %v %+v", i+1, err, st)
		}
	}
}

// TestJourneysFire: Fire into subscriptions fires each event the
// subscriptions listen to (the deliveries appear in the delivery log) and
// lists the others as skipped.
func TestJourneysFire(t *testing.T) {
	oh := newOutboundHarness(t)
	oh.addSub(t, func(s *outbound.Subscription) { s.Events = []string{"client.edited", "client.reassigned"} })
	f := openJourneys(t, oh)
	oh.do(func() {
		for _, o := range f.pick.Options {
			if strings.HasSuffix(o, "client-update") {
				f.pick.SetSelected(o)
			}
		}
		f.speed.SetSelected("×3600")
		test.Tap(f.fire)
	})
	ids := map[string]bool{}
	for range 2 {
		r := <-oh.got
		b, _ := io.ReadAll(r.Body)
		p, _ := events.ParseJSON(b)
		id, _ := p.Get("data.client.id")
		ids[id.Text] = true
	}
	if len(ids) != 1 {
		t.Errorf("the deliveries name %d clients: %v", len(ids), ids)
	}
	oh.waitFor(t, "the run listed and the deliveries logged", func() bool {
		return answered(f) == 3 && f.stop == nil && len(oh.p.dels) == 2 &&
			f.msg.Text == "Fired 2 of 3 events; the delivery log shows each delivery."
	})
	var rows []journeyRow
	oh.do(func() { rows = append(rows, f.rows...) })
	if rows[0].status != "fired to 1 subscription" || rows[1].status != "skipped: no subscription for it" {
		t.Errorf("rows %+v", rows)
	}
}

// TestJourneysCancel: under real timing the second event waits hours;
// Cancel run stops there, and nothing more is sent.
func TestJourneysCancel(t *testing.T) {
	oh := newOutboundHarness(t)
	srv, hits := journeyReceiver(t)
	f := openJourneys(t, oh)
	ended := make(chan struct{})
	oh.do(func() {
		f.ended = func() { close(ended) }
		f.url.SetText(srv.URL)
		f.timing.SetSelected(realChoice())
		test.Tap(f.send)
	})
	<-hits
	oh.waitFor(t, "the wait shown", func() bool {
		return answered(f) == 1 && strings.HasPrefix(f.msg.Text, "Waiting ") && !f.cancel.Disabled() && f.send.Disabled() && f.pick.Disabled()
	})
	oh.do(func() { test.Tap(f.cancel) })
	<-ended
	oh.waitFor(t, "the stop", func() bool {
		return f.msg.Text == "Stopped after 1 of 6 events." && f.cancel.Disabled() && !f.send.Disabled() && answered(f) == 1
	})
	select {
	case h := <-hits:
		t.Errorf("sent after Cancel: %s", h.body)
	default:
	}
	// Closing the dialog stops a run too.
	ended2 := make(chan struct{})
	oh.do(func() {
		f.ended = func() { close(ended2) }
		test.Tap(f.send)
	})
	<-hits
	oh.waitFor(t, "the second run waiting", func() bool { return answered(f) == 1 && strings.HasPrefix(f.msg.Text, "Waiting ") })
	closed := oh.eval(func() bool {
		var b *widget.Button
		walk(oh.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			if x, ok := o.(*widget.Button); ok && x.Text == "Close" {
				b = x
			}
		})
		if b != nil {
			test.Tap(b)
		}
		return b != nil
	})
	if !closed {
		t.Fatal("no Close button")
	}
	<-ended2
	select {
	case h := <-hits:
		t.Errorf("sent after Close: %s", h.body)
	default:
	}
	// A bad seed or URL says what to do.
	f = openJourneys(t, oh)
	oh.do(func() {
		f.url.SetText(srv.URL)
		f.seed.SetText("forty-two")
		test.Tap(f.send)
	})
	oh.waitFor(t, "the seed refused", func() bool { return strings.Contains(f.msg.Text, "whole number") && f.stop == nil })
	oh.do(func() {
		f.seed.SetText("7")
		f.url.SetText("localhost:3000")
		test.Tap(f.send)
	})
	oh.waitFor(t, "the URL refused", func() bool { return strings.HasPrefix(f.msg.Text, "Cannot send: ") && f.stop == nil })
}

// TestJourneysPortuguese: the dialog's titles, descriptions and step
// labels follow the window's language.
func TestJourneysPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	oh := newOutboundHarness(t)
	f := openJourneys(t, oh)
	var pick, desc, steps string
	oh.do(func() { pick, desc, steps = f.pick.Selected, f.desc.Text, rowLabels(f) })
	if pick != "Do prospecto à venda — prospect-to-sale" || !strings.HasPrefix(desc, "Um novo prospecto") ||
		!strings.Contains(steps, "1. Novo prospecto — prospect.created") {
		t.Errorf("pick %q, desc %q, steps:\n%s", pick, desc, steps)
	}
}

// TestJourneysCatalogue: every text journeys.go translates, and every
// journey's title and description, is in the journeys catalogue (English
// and, by i18n.TestCataloguesMatch, Portuguese).
func TestJourneysCatalogue(t *testing.T) {
	data, err := os.ReadFile("../assets/lang/journeys.en.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]any
	if err := json.Unmarshal(data, &cat); err != nil {
		t.Fatal(err)
	}
	keys := []string{"Journeys…", "Save as suite"} // outbound.go's button, copy.go's dialog title
	for _, j := range events.Journeys() {
		keys = append(keys, j.Title, j.Description)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "journeys.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || len(c.Args) == 0 {
			return true
		}
		if sel, ok := c.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "L" || sel.Sel.Name == "N") {
			if b, ok := c.Args[0].(*ast.BasicLit); ok && b.Kind == token.STRING {
				s, _ := strconv.Unquote(b.Value)
				keys = append(keys, s)
			}
		}
		return true
	})
	if len(keys) < 20 {
		t.Fatalf("only %d keys found", len(keys))
	}
	for _, k := range keys {
		if _, ok := cat[k]; !ok {
			t.Errorf("journeys.en.json lacks %q", k)
		}
	}
}
