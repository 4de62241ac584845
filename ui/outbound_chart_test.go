package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
)

// chartNow is the fake clock's reading in these tests: never today's date.
var chartNow = time.Date(2026, 3, 2, 10, 7, 30, 0, time.UTC)

func hm(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func clockTimes(ts []time.Time) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Format("15:04"))
	}
	return strings.Join(out, " ")
}

// TestChartGrid: where each window's bars fall for a clock reading, which
// bar an instant lands in (edges included) and where the time labels go.
func TestChartGrid(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name      string
		win       int
		now       time.Time
		start     time.Time
		n         int
		ticks     string
		in        map[time.Time]int // instant → bar
		out       []time.Time       // off the grid
		wantLabel string
	}{
		{"15 min mid-minute", 0, chartNow, hm("2026-03-02 09:53:00"), 15, "09:55 10:00 10:05",
			map[time.Time]int{hm("2026-03-02 09:53:00"): 0, hm("2026-03-02 09:59:59"): 6, chartNow: 14, hm("2026-03-02 10:07:59"): 14},
			[]time.Time{hm("2026-03-02 09:52:59"), hm("2026-03-02 10:08:00")}, "15 min"},
		{"15 min on the minute", 0, hm("2026-03-02 10:00:00"), hm("2026-03-02 09:46:00"), 15, "09:50 09:55 10:00",
			map[time.Time]int{hm("2026-03-02 10:00:00"): 14, hm("2026-03-02 09:46:00"): 0},
			[]time.Time{hm("2026-03-02 09:45:59"), hm("2026-03-02 10:01:00")}, "15 min"},
		{"1 h", 1, chartNow, hm("2026-03-02 09:10:00"), 12, "09:15 09:30 09:45 10:00",
			map[time.Time]int{hm("2026-03-02 09:10:00"): 0, hm("2026-03-02 09:14:59"): 0, hm("2026-03-02 09:15:00"): 1, chartNow: 11},
			[]time.Time{hm("2026-03-02 09:09:59"), hm("2026-03-02 10:10:00")}, "1 h"},
		{"24 h across midnight", 2, chartNow, hm("2026-03-01 11:00:00"), 24, "12:00 18:00 00:00 06:00",
			map[time.Time]int{hm("2026-03-01 11:00:00"): 0, hm("2026-03-01 23:59:59"): 12, hm("2026-03-02 00:00:00"): 13, chartNow: 23},
			[]time.Time{hm("2026-03-01 10:59:59"), hm("2026-03-02 11:00:00")}, "24 h"},
		{"24 h in a half-hour zone: bars on the local hour", 2, chartNow.In(ist), time.Date(2026, 3, 1, 16, 0, 0, 0, ist), 24, "18:00 00:00 06:00 12:00",
			map[time.Time]int{time.Date(2026, 3, 2, 15, 37, 30, 0, ist): 23},
			[]time.Time{time.Date(2026, 3, 1, 15, 59, 0, 0, ist)}, "24 h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := chartWindows[tt.win]
			if w.label != tt.wantLabel {
				t.Fatalf("window %d is %q", tt.win, w.label)
			}
			g := gridAt(w, tt.now)
			if !g.start.Equal(tt.start) || g.n != tt.n || g.step != w.step {
				t.Fatalf("grid from %s, %d bars of %s; want from %s, %d bars", g.start, g.n, g.step, tt.start, tt.n)
			}
			if got := clockTimes(timeTicks(g, w.tick)); got != tt.ticks {
				t.Errorf("time labels %q, want %q", got, tt.ticks)
			}
			for at, want := range tt.in {
				if i, ok := g.index(at); !ok || i != want {
					t.Errorf("%s: bar %d (on grid %v), want %d", at.Format(time.TimeOnly), i, ok, want)
				}
			}
			for _, at := range tt.out {
				if i, ok := g.index(at); ok {
					t.Errorf("%s: on bar %d, want off the grid", at.Format(time.TimeOnly), i)
				}
			}
		})
	}
}

// TestChartBucketsFromStore: deliveries fired at the edges of a window
// (by a fake clock) land on the right bars through the store's counts.
func TestChartBucketsFromStore(t *testing.T) {
	now := chartNow
	clock := func() time.Time { return now }
	db, err := database.Open(t.TempDir(), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := outbound.NewStore(context.Background(), db, outbound.StoreConfig{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	sub := outbound.NewSubscription()
	sub.Name, sub.URL, sub.Events = "s", "http://127.0.0.1:9/in", []string{"client.created"}
	if err := st.Save(context.Background(), &sub); err != nil {
		t.Fatal(err)
	}
	d := &outbound.Dispatcher{Store: st, Now: clock} // never Run: deliveries stay pending
	gen := events.NewRandomGenerator()
	fire := func(at time.Time) {
		now = at
		p, err := gen.Sample("client.created")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Fire(context.Background(), "client.created", p, ""); err != nil {
			t.Fatal(err)
		}
	}
	w := chartWindows[0] // 15 min
	g := gridAt(w, chartNow)
	for _, at := range []string{"09:52:59", "09:53:00", "09:53:00", "09:59:59", "10:00:00", "10:07:30"} {
		fire(hm("2026-03-02 " + at))
	}
	now = chartNow
	bs, err := st.Outcomes(context.Background(), g.start, g.step)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, bar := range outcomeColumns(g, bs) {
		if n := bar[3]; n > 0 { // pending
			got = append(got, fmt.Sprintf("%d:%d", i, n))
		}
	}
	if want := "0:2 6:1 7:1 14:1"; strings.Join(got, " ") != want {
		t.Errorf("bars %q, want %q (09:52:59 is before the window)", strings.Join(got, " "), want)
	}
}

func TestCountTicks(t *testing.T) {
	for most, want := range map[int]string{0: "[0 1]", 1: "[0 1]", 3: "[0 1 2 3]", 4: "[0 2 4]", 7: "[0 5 10]", 10: "[0 5 10]", 11: "[0 5 10 15]", 250: "[0 100 200 300]"} {
		if got := fmt.Sprint(countTicks(most)); got != want {
			t.Errorf("countTicks(%d) = %s, want %s", most, got, want)
		}
	}
}

// TestOutboundChartGolden pins the chart: bars stacked by outcome, the
// count axis, the time axis, the legend and the window picker.
func TestOutboundChartGolden(t *testing.T) {
	test.NewTempApp(t)
	c := newOutcomeChart(func() {})
	w := chartWindows[1]
	g := gridAt(w, chartNow)
	bs := []outbound.Bucket{
		{Start: g.start.Add(2 * g.step), Succeeded: 3},
		{Start: g.start.Add(5 * g.step), Succeeded: 2, Failed: 1},
		{Start: g.start.Add(11 * g.step), Succeeded: 4, Retrying: 2, Failed: 1},
	}
	c.set(w, g, bs)
	root := container.NewBorder(container.NewBorder(nil, nil, nil, c.picker.box, c.legend), nil, nil, nil, c.plot)
	win := test.NewWindow(root)
	defer win.Close()
	win.Resize(fyne.NewSize(640, 200))
	test.AssertRendersToMarkup(t, "outbound_chart.xml", win.Canvas())

	// The words and labels a reader needs, whatever the markup's details.
	var texts []string
	walk(root, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			texts = append(texts, x.Text)
		case *widget.Button:
			texts = append(texts, x.Text)
		}
	})
	for _, o := range test.WidgetRenderer(c.plot).Objects() {
		texts = append(texts, textOf(o))
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"delivered 9", "retrying 2", "failed 2", "15 min", "1 h", "24 h", "09:15", "10:00", "0", "5", "10"} {
		if !strings.Contains(all, want) {
			t.Errorf("chart lacks %q: %s", want, all)
		}
	}
	if c.items[3].box.Visible() {
		t.Errorf("pending named with none pending: %s", c.items[3].label.Text)
	}
}

// TestOutboundChartEmpty says so over an empty plot.
func TestOutboundChartEmpty(t *testing.T) {
	test.NewTempApp(t)
	c := newOutcomeChart(func() {})
	c.set(chartWindows[0], gridAt(chartWindows[0], chartNow), nil)
	var found bool
	for _, o := range test.WidgetRenderer(c.plot).Objects() {
		if textOf(o) == "No deliveries in the last 15 min" {
			found = true
		}
	}
	if !found {
		t.Error("an empty chart does not say so")
	}
}

func textOf(o fyne.CanvasObject) string {
	if ct, ok := o.(*canvas.Text); ok {
		return ct.Text
	}
	return ""
}

// TestDeliveryStateConsistent: one delivery is named the same, in one
// colour, in the log, its subscription's row, the attempt detail and the
// chart's legend: "retrying (attempt 2 of 5 in 1 h)" while a retry is
// scheduled, "failed" only once retries are exhausted.
func TestDeliveryStateConsistent(t *testing.T) {
	oh := newOutboundHarnessAt(t, func() time.Time { return chartNow })
	oh.fail.Store(100) // the receiver always answers 500
	a := oh.addSub(t, func(s *outbound.Subscription) {
		s.Name = "Retries"
		s.Retry = outbound.RetryPolicy{Kind: outbound.RetryLinear, Count: 4, Every: time.Hour, Jitter: -1}
	})
	b := outbound.NewSubscription()
	b.Name, b.URL, b.Events, b.Retry = "Once", oh.recv.URL+"/once", []string{"client.created"}, outbound.RetryPolicy{Kind: outbound.RetryNone}
	if err := oh.store.Save(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	oh.do(func() { test.Tap(newFireForm(oh.p, "client.created", "").send) })
	<-oh.got
	<-oh.got
	const retrying, failed = "retrying (attempt 2 of 5 in 1 h)", "failed after 1 attempt"
	oh.waitFor(t, "both attempts in the log", func() bool {
		n := 0
		for _, d := range oh.p.dels {
			if d.Attempts == 1 && d.Outcome != outbound.OutcomePending {
				n++
			}
		}
		return n == 2 && len(oh.p.subs) == 2 && len(oh.p.lastDel) == 2
	})
	type shown struct {
		text string
		imp  widget.Importance
	}
	var logRows []shown
	subRows := map[string]string{}
	subColours := map[string]bool{} // row's colour is the state's colour
	var legend []string
	oh.do(func() {
		// The rows as the lists draw them.
		for i := range oh.p.dels {
			o := oh.p.delList.CreateItem()
			oh.p.delList.UpdateItem(i, o)
			r := o.(*delRow)
			logRows = append(logRows, shown{r.state.Text + " " + r.names.Text, r.state.Importance})
		}
		for i := range oh.p.subs {
			o := oh.p.subList.CreateItem()
			oh.p.subList.UpdateItem(i, o)
			r := o.(*subRow)
			subRows[r.s.Name] = r.status.Text
			want := importanceColor(widget.WarningImportance)
			if r.s.Name == "Once" {
				want = importanceColor(widget.DangerImportance)
			}
			subColours[r.s.Name] = r.status.Color == want
		}
		for _, it := range oh.p.chart.items {
			if it.box.Visible() {
				legend = append(legend, it.label.Text)
			}
		}
	})
	var gotRetry, gotFail bool
	for _, r := range logRows {
		switch {
		case strings.Contains(r.text, "Retries") && strings.Contains(r.text, retrying) && r.imp == widget.WarningImportance:
			gotRetry = true
		case strings.Contains(r.text, "Once") && strings.Contains(r.text, failed) && r.imp == widget.DangerImportance:
			gotFail = true
		}
	}
	if !gotRetry || !gotFail {
		t.Errorf("log rows %+v; want %q in orange and %q in red", logRows, retrying, failed)
	}
	if !strings.HasSuffix(subRows["Retries"], retrying) || !strings.HasSuffix(subRows["Once"], failed) ||
		!subColours["Retries"] || !subColours["Once"] {
		t.Errorf("subscription rows %q (colours right: %v)", subRows, subColours)
	}
	if strings.Join(legend, "|") != "delivered 0|retrying 1|failed 1" {
		t.Errorf("legend %q", legend)
	}
	if stateWord(outbound.OutcomeRetrying) != "retrying" || outcomeSeries()[1].color != theme.ColorNameWarning || outcomeSeries()[2].color != theme.ColorNameError {
		t.Error("the chart's retrying/failed are not the log's words and colours")
	}
	// The attempt detail: the attempt that failed with a retry to come says
	// retrying, never failed.
	oh.do(func() {
		for i, d := range oh.p.dels {
			if d.SubscriptionID == a.ID {
				oh.p.delList.Select(i)
			}
		}
	})
	oh.waitFor(t, "the attempt detail", func() bool { return strings.Contains(oh.p.attempts.Text(), "HTTP 500") })
	var txt string
	oh.do(func() { txt = oh.p.attempts.Text() })
	if !strings.Contains(txt, retrying) || strings.Contains(txt, "failed") ||
		!strings.Contains(txt, "→ attempt 2 at 11:07:30") {
		t.Errorf("attempt detail:\n%s", txt)
	}
}

// TestChartWindowPick taps "24 h": the chart re-reads the store in hourly
// bars.
func TestChartWindowPick(t *testing.T) {
	oh := newOutboundHarnessAt(t, func() time.Time { return chartNow })
	oh.addSub(t, nil)
	oh.do(func() { test.Tap(newFireForm(oh.p, "client.created", "").send) })
	<-oh.got
	oh.waitFor(t, "the delivery in the 1 h chart", func() bool {
		g := oh.p.chart.plot.data.grid
		return g.step == 5*time.Minute && oh.p.chart.items[0].label.Text == "delivered 1"
	})
	oh.do(func() { test.Tap(oh.p.chart.picker.buttons[2]) })
	oh.waitFor(t, "the 24 h chart", func() bool {
		d := oh.p.chart.plot.data
		sum := 0
		for _, bar := range d.vals {
			for _, v := range bar {
				sum += v
			}
		}
		return d.grid.step == time.Hour && d.grid.n == 24 && sum == 1 && d.vals[23][0] == 1 &&
			oh.p.chart.picker.buttons[2].Importance == widget.HighImportance && oh.p.chart.picker.buttons[1].Importance == widget.LowImportance
	})
}

// TestAttemptDetailShowsBody: what was sent (headers and body) and what
// came back, for a POST, a GET and an attempt stored before bodies were.
func TestAttemptDetailShowsBody(t *testing.T) {
	d := outbound.Delivery{ID: "msg_1", Event: "client.created", SubscriptionName: "ERP", Outcome: outbound.OutcomeSucceeded, Attempts: 1}
	body := "{\n  \"type\": \"client.created\"\n}"
	post := outbound.Attempt{N: 1, At: chartNow, URL: "http://h/in", Status: 204,
		RequestHeaders: capture.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "Authorization", Value: "Bearer supersecret123"}},
		RequestBody:    []byte(body), RequestBodySize: int64(len(body))}
	get := outbound.Attempt{N: 1, At: chartNow, URL: "http://h/in?type=client.created", Status: 200}
	old := outbound.Attempt{N: 1, At: chartNow, URL: "http://h/in", Status: 200,
		RequestHeaders: capture.Headers{{Name: "Content-Type", Value: "application/json"}}}
	cut := post
	cut.RequestBodySize = 100 << 10
	conn := outbound.Attempt{N: 1, At: chartNow, URL: "http://h/in", Class: replay.ClassRefused, Err: "connection refused",
		RequestHeaders: post.RequestHeaders, RequestBody: post.RequestBody, RequestBodySize: post.RequestBodySize}
	tests := []struct {
		name  string
		a     outbound.Attempt
		d     outbound.Delivery
		want  []string
		avoid []string
	}{
		{"POST", post, d, []string{"Body sent (", `"type": "client.created"`, "> Content-Type: application/json", "HTTP 204"}, []string{"supersecret123"}},
		{"GET", get, d, []string{"No body: a GET sends the fields in the URL's query."}, nil},
		{"before bodies were kept", old, d, []string{"Body sent: not recorded"}, nil},
		{"cut", cut, d, []string{"(the first 30 B of 100 KiB)"}, nil},
		{"no response, failed", conn, outbound.Delivery{ID: "msg_1", Outcome: outbound.OutcomeFailed, Attempts: 1},
			[]string{"failed after 1 attempt", "No response, failed (refused): connection refused", `"type": "client.created"`}, []string{"retrying"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			var langs []string
			for _, c := range attemptsText(tt.d, []outbound.Attempt{tt.a}, 5, chartNow) {
				b.WriteString(c.text)
				langs = append(langs, c.lang)
			}
			txt := b.String()
			for _, w := range tt.want {
				if !strings.Contains(txt, w) {
					t.Errorf("lacks %q:\n%s", w, txt)
				}
			}
			for _, w := range tt.avoid {
				if strings.Contains(txt, w) {
					t.Errorf("shows %q:\n%s", w, txt)
				}
			}
			if tt.a.RequestBody != nil && !strings.Contains(strings.Join(langs, " "), "json") {
				t.Errorf("the JSON body is not highlighted as JSON: %v", langs)
			}
		})
	}
}
