package ui

import (
	"context"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/verify"
)

func TestSubFormBuild(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name    string
		edit    func(f *subForm)
		wantErr []string // each must appear in the message
		check   func(t *testing.T, s outbound.Subscription)
	}{
		{"empty", func(f *subForm) {}, []string{"URL", "event"}, nil},
		{"bad URL", func(f *subForm) {
			f.url.SetText("localhost:3000")
			f.events.SetSelected([]string{f.events.Options[9]})
		}, []string{"URL"}, nil},
		{"bad header", func(f *subForm) {
			f.url.SetText("http://127.0.0.1:3000/in")
			f.events.SetSelected([]string{f.events.Options[9]})
			f.hdrs.add("X Bad", "1")
		}, []string{"not a header name"}, nil},
		{"bad rename line", func(f *subForm) {
			f.url.SetText("http://127.0.0.1:3000/in")
			f.events.SetSelected([]string{f.events.Options[9]})
			f.rename.SetText("client.name nome")
		}, []string{"rename line 1"}, nil},
		{"bad retry", func(f *subForm) {
			f.url.SetText("http://127.0.0.1:3000/in")
			f.events.SetSelected([]string{f.events.Options[9]})
			f.retry.SetSelected("linear")
			f.retryArg.SetText("five")
		}, []string{"linear"}, nil},
		{"complete", func(f *subForm) {
			f.name.SetText("ERP")
			f.url.SetText("http://127.0.0.1:3000/in?k=1")
			f.events.SetSelected([]string{f.events.Options[9], f.events.Options[29]})
			f.method.SetSelected("GET")
			f.hdrs.add("X-Tenant", "acme")
			f.rename.SetText("client.name -> nome\n")
			f.exclude.SetText("client.cnpj\n\n")
			f.add.SetText("origem=crm\n")
			f.signing.SetSelected("github")
			f.timeout.SetText("10s")
			f.retry.SetSelected("custom")
			f.retryArg.SetText("1s,10s,1m")
			f.compress.SetText("60")
		}, nil, func(t *testing.T, s outbound.Subscription) {
			if s.Name != "ERP" || s.Method != "GET" || len(s.Events) != 2 || s.Events[0] != "client.created" || s.Events[1] != "sale.created" {
				t.Errorf("general: %+v", s)
			}
			if len(s.Headers) != 1 || s.Headers[0].Name != "X-Tenant" {
				t.Errorf("headers %v", s.Headers)
			}
			m := s.Mapping
			if len(m.Rename) != 1 || m.Rename[0] != (outbound.Rename{From: "client.name", To: "nome"}) ||
				len(m.Exclude) != 1 || len(m.Add) != 1 || m.Add[0] != (outbound.Constant{Name: "origem", Value: "crm"}) {
				t.Errorf("mapping %+v", m)
			}
			if s.Signing != outbound.SignGitHub || s.Secret == "" || strings.HasPrefix(s.Secret, "whsec_") {
				t.Errorf("signing %s secret %q", s.Signing, s.Secret)
			}
			if s.Timeout != 10*time.Second || s.Retry.Kind != outbound.RetryCustom || len(s.Retry.Delays) != 3 || s.Retry.Compress != 60 {
				t.Errorf("timeout %s retry %+v", s.Timeout, s.Retry)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSubForm(outbound.NewSubscription(), true, func(string) {})
			tt.edit(f)
			s, err := f.build()
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error; built %+v", s)
				}
				msg := sentence(err)
				for _, w := range tt.wantErr {
					if !strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
						t.Errorf("message %q lacks %q", msg, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(sentence(err))
			}
			tt.check(t, s)
		})
	}
	t.Run("GET disables the body format", func(t *testing.T) {
		f := newSubForm(outbound.NewSubscription(), true, func(string) {})
		f.method.SetSelected("GET")
		if !f.format.Disabled() {
			t.Error("format enabled for GET")
		}
	})
	t.Run("sign the query", func(t *testing.T) {
		s := outbound.NewSubscription()
		s.Name, s.Events, s.URL, s.Method, s.SignQuery = "q", []string{"client.created"}, "http://localhost:3000/h", "GET", true
		f := newSubForm(s, false, func(string) {})
		if !f.signQ.Checked {
			t.Fatal("saved SignQuery not shown")
		}
		if got, err := f.build(); err != nil || !got.SignQuery {
			t.Fatalf("GET: SignQuery %v, %v", got.SignQuery, err)
		}
		f.method.SetSelected("POST")
		if got, err := f.build(); err != nil || got.SignQuery {
			t.Errorf("POST: SignQuery %v, %v", got.SignQuery, err)
		}
	})
	t.Run("secret shown once", func(t *testing.T) {
		s := outbound.NewSubscription()
		f := newSubForm(s, true, func(string) {})
		if !strings.Contains(f.secretL.Text, s.Secret) || f.copySec.Disabled() {
			t.Errorf("new: %q", f.secretL.Text)
		}
		f = newSubForm(s, false, func(string) {})
		if strings.Contains(f.secretL.Text, s.Secret) || !f.copySec.Disabled() {
			t.Errorf("saved: %q shown again", f.secretL.Text)
		}
		test.Tap(f.newSec)
		if f.secret == s.Secret || !strings.Contains(f.secretL.Text, f.secret) || !strings.HasPrefix(f.secret, "whsec_") {
			t.Errorf("new secret %q: %q", f.secret, f.secretL.Text)
		}
	})
}

// outboundHarness is the window with a real outbound store and dispatcher,
// delivering to a loopback receiver.
type outboundHarness struct {
	*harness
	p     *outboundPanel
	store *outbound.Store
	recv  *httptest.Server
	got   chan *http.Request
	fail  atomic.Int32 // answer 500 this many times first
}

func newOutboundHarness(t *testing.T) *outboundHarness { return newOutboundHarnessAt(t, nil) }

// newOutboundHarnessAt is newOutboundHarness whose store, dispatcher and
// window read now (nil: the real clock).
func newOutboundHarnessAt(t *testing.T, now func() time.Time) *outboundHarness {
	t.Helper()
	db, err := database.Open(t.TempDir(), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := outbound.NewStore(context.Background(), db, outbound.StoreConfig{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	oh := &outboundHarness{store: rs, got: make(chan *http.Request, 16)}
	oh.recv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		oh.got <- r
		if oh.fail.Add(-1) >= 0 {
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	changed := make(chan struct{}, 1)
	d := &outbound.Dispatcher{Store: rs, Now: now, OnChange: func(string) {
		select {
		case changed <- struct{}{}:
		default:
		}
	}}
	oh.harness = newHarnessWith(t, func(o *Options) {
		o.Outbound = &Outbound{Store: rs, Dispatch: d, Changed: changed}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		oh.recv.Close()
		db.Close()
	})
	oh.p = oh.m.outbound
	if now != nil {
		oh.do(func() { oh.m.now = now })
	}
	return oh
}

func (oh *outboundHarness) addSub(t *testing.T, mod func(s *outbound.Subscription)) outbound.Subscription {
	t.Helper()
	s := outbound.NewSubscription()
	s.Name, s.URL, s.Events = "ERP", oh.recv.URL+"/in", []string{"client.created"}
	if mod != nil {
		mod(&s)
	}
	if err := oh.store.Save(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	oh.do(oh.p.reload)
	oh.waitFor(t, "the subscription listed", func() bool { return len(oh.p.subs) == 1 })
	return s
}

func TestOutboundFireAndLog(t *testing.T) {
	oh := newOutboundHarness(t)
	s := oh.addSub(t, func(s *outbound.Subscription) {
		s.Headers = capture.Headers{{Name: "Authorization", Value: "Bearer supersecretvalue99"}}
	})
	var f *fireForm
	oh.do(func() {
		f = newFireForm(oh.p, "client.created", "")
		test.Tap(f.send)
	})
	r := <-oh.got
	check, err := verify.NewSet([]verify.Config{{Scheme: verify.SchemeStandard, Secret: s.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	h := capture.Headers{}
	for name, vs := range r.Header {
		for _, v := range vs {
			h = append(h, capture.Header{Name: name, Value: v})
		}
	}
	if res := check.Check("/in", h, b, time.Now()); res == nil || !res.OK {
		t.Errorf("the receiver's verifier says %+v", res)
	}
	if !strings.Contains(string(b), `"type":"client.created"`) && !strings.Contains(string(b), `"type": "client.created"`) {
		t.Errorf("body %s", b)
	}
	oh.waitFor(t, "a succeeded delivery in the log", func() bool {
		return len(oh.p.dels) == 1 && oh.p.dels[0].Outcome == outbound.OutcomeSucceeded &&
			strings.Contains(f.msg.Text, "Fired client.created to 1 subscription") &&
			oh.p.chart.items[0].label.Text == "delivered 1"
	})
	oh.do(func() { oh.p.delList.Select(0) })
	oh.waitFor(t, "the attempt", func() bool { return strings.Contains(oh.p.attempts.Text(), "HTTP 204") })
	// The body sent is shown with the headers, highlighted as JSON. Read on
	// the pump: it may still be redrawing the grid.
	var txt string
	oh.do(func() { txt = oh.p.attempts.Text() })
	if !strings.Contains(txt, "Body sent (") || !strings.Contains(txt, `"type": "client.created"`) {
		t.Errorf("the attempt does not show the body sent:\n%s", txt)
	}
	if strings.Contains(txt, "supersecretvalue99") || !strings.Contains(txt, "webhook-signature: v1,") {
		t.Errorf("credential shown or signature hidden:\n%s", txt)
	}
	if r.Header.Get("Authorization") != "Bearer supersecretvalue99" {
		t.Errorf("custom header not sent: %q", r.Header.Get("Authorization"))
	}
	oh.waitFor(t, "the row's last status", func() bool { return oh.p.subs[0].LastStatus == 204 })

	// Filters: another event shows nothing.
	oh.do(func() { oh.p.fEvent.SetSelected("sale.created") })
	oh.waitFor(t, "the filtered log", func() bool { return len(oh.p.dels) == 0 })
	oh.do(func() { oh.p.fEvent.SetSelected(anyEvent()) })
	oh.waitFor(t, "the log again", func() bool { return len(oh.p.dels) == 1 })

	// Nobody listens to sale.created.
	oh.do(func() {
		f.event.SetSelected(f.event.Options[29])
		test.Tap(f.send)
	})
	oh.waitFor(t, "the no-subscriber message", func() bool { return strings.Contains(f.msg.Text, "No enabled subscription listens to sale.created") })
}

func TestOutboundRetryNowAndDisable(t *testing.T) {
	oh := newOutboundHarness(t)
	oh.fail.Store(1)
	oh.addSub(t, func(s *outbound.Subscription) {
		s.Retry = outbound.RetryPolicy{Kind: outbound.RetryLinear, Count: 3, Every: time.Hour}
	})
	oh.do(func() { test.Tap(newFireForm(oh.p, "client.created", "").send) })
	<-oh.got
	oh.waitFor(t, "a retrying delivery", func() bool {
		return len(oh.p.dels) == 1 && oh.p.dels[0].Outcome == outbound.OutcomeRetrying &&
			strings.Contains(deliveryLine(oh.p.dels[0], oh.p.totals[oh.p.dels[0].SubscriptionID], time.Now()), "retrying (attempt 2 of 4 in ")
	})
	oh.do(func() {
		oh.p.delList.Select(0)
		test.Tap(oh.p.retry)
	})
	<-oh.got
	oh.waitFor(t, "success after Retry now", func() bool {
		return len(oh.p.dels) == 1 && oh.p.dels[0].Outcome == outbound.OutcomeSucceeded && oh.p.dels[0].Attempts == 2 &&
			strings.Contains(oh.p.attempts.Text(), "#2")
	})
	oh.do(func() { oh.p.showHistory(oh.p.subs[0], true) })
	oh.waitFor(t, "History: the log filtered to the subscription, its last execution shown", func() bool {
		return oh.p.fSub.Selected == "ERP" && len(oh.p.dels) == 1 && strings.Contains(oh.p.attempts.Text(), "#2")
	})
	oh.do(func() { oh.p.setEnabled(oh.p.subs[0], false) })
	oh.waitFor(t, "disabled", func() bool { return !oh.p.subs[0].Enabled })
	var label string
	oh.do(func() { label = oh.p.subMenu(oh.p.subs[0]).Items[3].Label })
	if label != "Enable" {
		t.Errorf("menu offers %q for a disabled subscription", label)
	}
}

// TestSubFormFieldErrors: a field's problem shows under it once the
// field is changed, clears as soon as it is fixed, and leaves untouched
// fields alone; Save shows every problem and opens the tab of the first.
func TestSubFormFieldErrors(t *testing.T) {
	test.NewTempApp(t)
	f := newSubForm(outbound.NewSubscription(), true, func(string) {})
	shown := func() string {
		var keys []string
		for _, k := range []string{fName, fURL, fMethod, fEvents, fHeaders, fRename, fExclude, fAdd, fSigning, fSecret, fSignQuery, fTimeout, fRetry, fComp} {
			if f.errs[k].Visible() {
				keys = append(keys, k)
			}
		}
		return strings.Join(keys, " ")
	}
	if s := shown(); s != "" {
		t.Fatalf("a new form shows problems before any typing: %s", s)
	}
	steps := []struct {
		name  string
		edit  func()
		shown string
		field string // whose message must contain want
		want  string
	}{
		{"bad URL typed", func() { test.Type(f.url, "localhost:3000") }, "URL", fURL, "http://"},
		{"URL fixed", func() { f.url.SetText("http://127.0.0.1:3000/in") }, "", "", ""},
		{"event ticked then unticked", func() {
			f.events.SetSelected([]string{f.events.Options[9]})
			f.events.SetSelected(nil)
		}, "Events", fEvents, "Pick at least one event"},
		{"event ticked", func() { f.events.SetSelected([]string{f.events.Options[9]}) }, "", "", ""},
		{"bad rename line", func() { test.Type(f.rename, "client.name nome") }, "Rename", fRename, "Rename line 1"},
		{"bad timeout too", func() { f.timeout.SetText(""); test.Type(f.timeout, "soon") }, "Rename Timeout", fTimeout, "30s"},
		{"rename fixed", func() { f.rename.SetText("client.name -> nome") }, "Timeout", "", ""},
		{"timeout fixed", func() { f.timeout.SetText("10s") }, "", "", ""},
		{"bad header name", func() { f.hdrs.add("", "").name.SetText("X Bad") }, "Headers", fHeaders, "not a header name"},
		{"header fixed", func() { f.hdrs.rows[0].name.SetText("X-Ok") }, "", "", ""},
		{"bad compression", func() { f.compress.SetText("fast") }, "Compress", fComp, "not a number"},
		{"compression fixed", func() { f.compress.SetText("60") }, "", "", ""},
	}
	for _, st := range steps {
		st.edit()
		if got := shown(); got != st.shown {
			t.Errorf("%s: problems shown under %q, want %q", st.name, got, st.shown)
		}
		if st.field != "" && !strings.Contains(f.errs[st.field].Text, st.want) {
			t.Errorf("%s: %s says %q, want %q", st.name, st.field, f.errs[st.field].Text, st.want)
		}
	}
	if f.tabs.Items[1].Text != "Headers" {
		t.Errorf("tab title %q after the fix", f.tabs.Items[1].Text)
	}
}

// TestSubFormSaveShowsAll taps Save on an empty form: each problem shows
// under its field, the tab is marked, and nothing is saved.
func TestSubFormSaveShowsAll(t *testing.T) {
	oh := newOutboundHarness(t)
	var f *subForm
	var save *widget.Button
	oh.do(func() {
		oh.m.win = oh.win
		s := outbound.NewSubscription()
		f = oh.p.showForm(&s, true)
		f.tabs.SelectIndex(3)
		walk(oh.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && b.Text == "Save" {
				save = b
			}
		})
		test.Tap(save)
	})
	var urlErr, evErr, tab, title string
	oh.do(func() {
		urlErr, evErr = f.errs[fURL].Text, f.errs[fEvents].Text
		tab, title = f.tabs.Selected().Text, f.tabs.Items[0].Text
	})
	if !strings.Contains(urlErr, "URL") || !strings.Contains(evErr, "event") || tab != title || !strings.HasPrefix(title, "General · ") {
		t.Errorf("after Save: URL %q, events %q, tab %q (General's title %q)", urlErr, evErr, tab, title)
	}
	if subs, _ := oh.store.Subscriptions(context.Background()); len(subs) != 0 {
		t.Errorf("saved %d", len(subs))
	}
}

// TestSubFormEsc: Esc closes the New subscription dialog, with or without
// an entry focused, and gives the window its key handler back.
func TestSubFormEsc(t *testing.T) {
	oh := newOutboundHarness(t)
	esc := &fyne.KeyEvent{Name: fyne.KeyEscape}
	open := func() *subForm {
		var f *subForm
		oh.do(func() {
			oh.m.win = oh.win
			s := outbound.NewSubscription()
			f = oh.p.showForm(&s, true)
		})
		return f
	}
	shown := func() bool { return oh.eval(func() bool { return oh.win.Canvas().Overlays().Top() != nil }) }

	open()
	if !shown() {
		t.Fatal("the form did not open")
	}
	oh.do(func() { oh.win.Canvas().OnTypedKey()(esc) })
	if shown() {
		t.Error("Esc with nothing focused left the form open")
	}
	if oh.eval(func() bool { return oh.win.Canvas().OnTypedKey() != nil }) {
		t.Error("the window's key handler was not given back")
	}

	f := open()
	oh.do(func() {
		oh.win.Canvas().Focus(f.url)
		test.Type(f.url, "http://x")
		oh.win.Canvas().Focused().TypedKey(esc)
	})
	if shown() {
		t.Error("Esc in the URL entry left the form open")
	}

	f = open()
	oh.do(func() {
		f.tabs.SelectIndex(3)
		oh.win.Canvas().Focus(f.signing) // a tapped Select takes the focus
		oh.win.Canvas().Focused().TypedKey(esc)
	})
	if shown() {
		t.Error("Esc in the Signing select left the form open")
	}
}

// TestOutboundAttemptsFollowTheme: View → Theme redraws the attempts
// pane in the new theme's colours; rows rendered before the switch kept
// the old palette (light grey text on the light background).
func TestOutboundAttemptsFollowTheme(t *testing.T) {
	oh := newOutboundHarness(t)
	oh.addSub(t, nil)
	oh.do(func() { test.Tap(newFireForm(oh.p, "client.created", "").send) })
	<-oh.got
	oh.waitFor(t, "the delivery", func() bool { return len(oh.p.dels) == 1 })
	oh.do(func() { oh.p.delList.Select(0) })
	oh.waitFor(t, "the attempt", func() bool { return strings.Contains(oh.p.attempts.Text(), "HTTP 204") })
	// firstCell is the colour of the first cell of the row starting with
	// prefix, nil when there is none (on the pump: waitFor's condition).
	firstCell := func(prefix string) color.Color {
		for _, r := range oh.p.attempts.Rows {
			var b strings.Builder
			for _, cell := range r.Cells {
				b.WriteRune(cell.Rune)
			}
			if strings.HasPrefix(b.String(), prefix) && r.Cells[0].Style != nil {
				return r.Cells[0].Style.TextColor()
			}
		}
		return nil
	}
	for _, theme := range []struct {
		item string
		want color.Color
	}{{"Light", lightPalette.plain}, {"Dark", darkPalette.plain}} {
		t.Run(theme.item, func(t *testing.T) {
			oh.do(func() { menuItem(oh.m.MainMenu(), "View", theme.item).Action() })
			oh.waitFor(t, "the attempt's rows in the "+theme.item+" palette", func() bool {
				return firstCell("#1") == theme.want && firstCell("client.created") == theme.want
			})
		})
	}
	oh.do(func() { menuItem(oh.m.MainMenu(), "View", "As the system").Action() })
}
