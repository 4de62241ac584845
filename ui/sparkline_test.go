package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/gancho-app/gancho/capture"
)

func TestRateSeries(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // a minute's start
	at := func(d string) time.Time {
		v, err := time.ParseDuration(d)
		if err != nil {
			t.Fatal(err)
		}
		return t0.Add(v)
	}
	type arrival struct{ at, now string }
	cases := []struct {
		name     string
		arrivals []arrival
		now      string
		last     []int // the newest bars, oldest first
		rate     int
	}{
		{"empty", nil, "0s", []int{0, 0, 0}, 0},
		{"three in the current minute", []arrival{{"1s", "1s"}, {"20s", "20s"}, {"59s", "59s"}}, "59s", []int{0, 0, 3}, 3},
		{"per minute, aligned to the clock", []arrival{{"-61s", "-61s"}, {"-1s", "-1s"}, {"0s", "0s"}, {"10s", "10s"}}, "30s", []int{1, 1, 2}, 3},
		{"the rate is the last minute, not the bar", []arrival{{"50s", "50s"}, {"55s", "55s"}, {"65s", "65s"}}, "70s", []int{0, 2, 1}, 3},
		{"older than the last minute leaves the rate", []arrival{{"0s", "0s"}}, "2m", []int{1, 0, 0}, 0},
		{"a quiet hour empties it", []arrival{{"0s", "0s"}, {"1s", "1s"}}, "61m", []int{0, 0, 0}, 0},
		{"31 minutes on, the oldest minute has gone", []arrival{{"0s", "0s"}, {"1m", "1m"}}, "30m", nil, 0},
		{"received ahead of the clock counts now", []arrival{{"5m", "0s"}}, "0s", []int{0, 0, 1}, 1},
		{"received before the window is not drawn", []arrival{{"-40m", "0s"}}, "0s", []int{0, 0, 0}, 0},
		{"received late, drawn in its minute", []arrival{{"-90s", "0s"}}, "0s", []int{1, 0, 0}, 0},
		{"a clock that steps back keeps the counts", []arrival{{"30s", "30s"}, {"20s", "20s"}}, "30s", []int{0, 0, 2}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s rateSeries
			for _, a := range c.arrivals {
				s.add(at(a.at), at(a.now))
			}
			bars := s.bars(at(c.now))
			if len(bars) != sparkBars {
				t.Fatalf("%d bars, want %d", len(bars), sparkBars)
			}
			if c.last != nil {
				if got := bars[len(bars)-len(c.last):]; !slices.Equal(got, c.last) {
					t.Errorf("newest bars %v, want %v", got, c.last)
				}
			}
			if c.name == "31 minutes on, the oldest minute has gone" {
				if bars[0] != 1 || bars[len(bars)-1] != 0 {
					t.Errorf("bars %v: want the 1-minute arrival first and the 0-minute one gone", bars)
				}
			}
			if got := s.perMinute(at(c.now)); got != c.rate {
				t.Errorf("rate %d/min, want %d", got, c.rate)
			}
		})
	}
}

func TestSparklineWidget(t *testing.T) {
	test.NewTempApp(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := newSparkline(func() time.Time { return now }, nil)
	timers := &fakeTimers{}
	s.after, s.post = timers.after, func(f func()) bool { f(); return true }
	w := test.NewWindow(s)
	defer w.Close()
	for range 12 {
		s.arrived(&capture.Request{ReceivedAt: now})
		now = now.Add(time.Second)
	}
	s.arrived(&capture.Request{ReceivedAt: now, Origin: "import:har"})
	if s.rateText() != "12/min" {
		t.Errorf("label %q, want 12/min (imports not counted)", s.rateText())
	}
	// A flood redraws once a second: what came in between is drawn when
	// the second is up.
	s.arrived(&capture.Request{ReceivedAt: now})
	s.arrived(&capture.Request{ReceivedAt: now})
	s.arrived(&capture.Request{ReceivedAt: now})
	if s.rateText() != "13/min" || !s.dirty || len(timers.due) != 1 {
		t.Errorf("after three arrivals in one second: %q, dirty %v, %d timers; want 13/min and one redraw due",
			s.rateText(), s.dirty, len(timers.due))
	}
	now = now.Add(time.Second)
	timers.fire()
	if s.rateText() != "15/min" || s.dirty {
		t.Errorf("when the second is up: %q, dirty %v; want 15/min", s.rateText(), s.dirty)
	}
	now = now.Add(3 * time.Minute)
	s.tick()
	if s.rateText() != "0/min" || s.shown[sparkBars-4] != 15 || s.dirty {
		t.Errorf("after 3 quiet minutes: %q, bars %v", s.rateText(), s.shown)
	}
	if s.MinSize().Width > 240 || s.MinSize().Height > 40 {
		t.Errorf("the sparkline asks for %v: too big for the top bar", s.MinSize())
	}
}

// TestSparklineFedByPump: the top bar's sparkline counts captures as the
// pump applies them, on the window's clock, and seeds from the first page.
func TestSparklineFedByPump(t *testing.T) {
	h := newHarness(t)
	now := time.Now()
	h.do(func() { h.m.now = func() time.Time { return now } })
	for range 3 {
		h.add(t, "POST", "/s", "text/plain", []byte("x"))
	}
	h.waitFor(t, "the rate", func() bool { h.m.spark.tick(); return h.m.spark.rateText() == "3/min" })
	h.do(func() { now = now.Add(2 * time.Minute); h.m.tickAges() })
	if got := h.eval(func() bool { return h.m.spark.rateText() == "0/min" }); !got {
		t.Error("the rate did not fall after two quiet minutes")
	}

	// A window opened on a store that holds them counts them too.
	m := NewMain(h.m.opts, nil)
	if m.spark.rate != 3 {
		t.Errorf("seeded rate %d, want 3", m.spark.rate)
	}
}

// TestSparklineBesideTheTabs: at 1024×700 the sparkline is drawn whole at
// the right end of the tabs' row, clear of the tabs.
func TestSparklineBesideTheTabs(t *testing.T) {
	h := fullHarness(t)
	h.do(func() { h.win.Resize(fyne.NewSize(1024, 700)) })
	var tabEnd float32
	var err error
	h.do(func() {
		err = inside(h.win, h.m.spark)
		walk(h.m.sections, func(o fyne.CanvasObject) {
			if tx, ok := o.(*canvas.Text); ok && strings.HasPrefix(tx.Text, "Outbound") {
				tabEnd = fyne.CurrentApp().Driver().AbsolutePositionForObject(tx).X + tx.Size().Width
			}
		})
	})
	if err != nil {
		t.Fatalf("sparkline: %v", err)
	}
	x := h.eval(func() bool {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(h.m.spark).X > tabEnd && tabEnd > 0
	})
	if !x {
		t.Errorf("the sparkline overlaps the tabs (which end at %v)", tabEnd)
	}
}
