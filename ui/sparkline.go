package ui

import (
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
)

// The sparkline counts arrivals in 10-second slots and draws them summed
// per minute: a minute is a bar, and "N/min" is the last six slots, so the
// figure moves as soon as a hook arrives instead of once a minute.
const (
	sparkSlot    = 10 * time.Second
	slotsPerBar  = 6
	sparkBars    = 30 // minutes shown
	sparkHistory = (sparkBars + 1) * slotsPerBar
)

// rateSeries is a ring of per-slot arrival counts covering the last
// sparkBars minutes and the current one: memory is fixed whatever the
// rate. The zero value is empty. Not safe for concurrent use (the UI
// goroutine owns it).
type rateSeries struct {
	slots [sparkHistory]int
	last  int64 // the newest slot (time / sparkSlot); 0 before the first reading
}

func slotOf(t time.Time) int64 { return t.UnixNano() / int64(sparkSlot) }

func ring(k int64) int { return int(((k % sparkHistory) + sparkHistory) % sparkHistory) }

// advance moves the ring on to now, emptying the slots it passes over.
func (s *rateSeries) advance(now time.Time) {
	n := slotOf(now)
	switch {
	case s.last == 0 || n-s.last >= sparkHistory:
		s.slots = [sparkHistory]int{}
	case n <= s.last:
		return // a clock that stepped back: keep counting in the newest slot
	default:
		for k := s.last + 1; k <= n; k++ {
			s.slots[ring(k)] = 0
		}
	}
	s.last = n
}

// add counts an arrival received at at, read at now. One received ahead
// of the clock (a relay's) counts as now; one older than the window is
// not drawn.
func (s *rateSeries) add(at, now time.Time) {
	s.advance(now)
	k := min(slotOf(at), s.last)
	if k <= s.last-sparkHistory {
		return
	}
	s.slots[ring(k)]++
}

// bars returns the arrivals of each of the last sparkBars minutes, oldest
// first, the current (partial) minute last.
func (s *rateSeries) bars(now time.Time) []int {
	s.advance(now)
	out := make([]int, sparkBars)
	cur := floorDiv(s.last, slotsPerBar)
	for j := range out {
		minute := cur - sparkBars + 1 + int64(j)
		for k := minute * slotsPerBar; k < (minute+1)*slotsPerBar; k++ {
			if k <= s.last && k > s.last-sparkHistory {
				out[j] += s.slots[ring(k)]
			}
		}
	}
	return out
}

// perMinute is the arrivals of the last minute (the last six slots).
func (s *rateSeries) perMinute(now time.Time) int {
	s.advance(now)
	n := 0
	for k := s.last - slotsPerBar + 1; k <= s.last; k++ {
		n += s.slots[ring(k)]
	}
	return n
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// sparkline is the top bar's requests-per-minute chart: the last 30
// minutes as bars and the current rate as "12/min". It reads time only
// from its clock. UI goroutine only.
type sparkline struct {
	widget.BaseWidget
	series rateSeries
	now    func() time.Time
	tips   *tips // nil: no tooltip
	// shown are the bars and rate last drawn; dirty says arrivals came
	// since: they are drawn by the timer set with after, which hands back
	// through post (nil post: at the next tick).
	shown   []int
	rate    int
	dirty   bool
	drawn   time.Time
	after   afterFunc
	post    func(func()) bool
	waiting bool // a redraw is due
	barW    float32
	height  float32 // of the whole widget; the chart is sparkChartH at most
}

// sparkChartH is the bars' height.
const sparkChartH = 22

// sparkRedraw is how often a flood of arrivals redraws the sparkline.
const sparkRedraw = time.Second

func newSparkline(now func() time.Time, t *tips) *sparkline {
	s := &sparkline{now: now, tips: t, barW: 4, height: sparkChartH}
	s.shown = s.series.bars(now())
	s.ExtendBaseWidget(s)
	return s
}

// seed counts the captures already listed at startup, newest first. When
// the list holds only the newest page (more is true), minutes older than
// the page's oldest are not known and stay empty rather than look quiet.
func (s *sparkline) seed(items []*capture.Request, more bool) {
	now := s.now()
	var from time.Time
	if more && len(items) > 0 {
		from = items[len(items)-1].ReceivedAt.Truncate(time.Minute).Add(time.Minute)
	}
	for _, r := range items {
		if counted(r) && !r.ReceivedAt.Before(from) {
			s.series.add(r.ReceivedAt, now)
		}
	}
	s.redraw(now)
}

// counted: imported captures did not arrive now and are not drawn.
func counted(r *capture.Request) bool { return !strings.HasPrefix(r.Origin, "import:") }

// arrived counts a capture; the chart is redrawn at most once a second.
func (s *sparkline) arrived(r *capture.Request) {
	if !counted(r) {
		return
	}
	now := s.now()
	s.series.add(r.ReceivedAt, now)
	s.dirty = true
	wait := sparkRedraw - now.Sub(s.drawn)
	switch {
	case wait <= 0 || wait > sparkRedraw: // due, or the clock stepped back
		s.redraw(now)
	case !s.waiting && s.post != nil:
		s.waiting = true
		s.after(wait, func() {
			s.post(func() {
				s.waiting = false
				if s.dirty {
					s.redraw(s.now())
				}
			})
		})
	}
}

// tick moves the chart on with the clock (the pump's periodic refresh).
func (s *sparkline) tick() { s.redraw(s.now()) }

func (s *sparkline) redraw(now time.Time) {
	s.shown, s.rate, s.dirty, s.drawn = s.series.bars(now), s.series.perMinute(now), false, now
	s.Refresh()
}

// rateText is the label beside the bars.
func (s *sparkline) rateText() string { return loc.Int(int64(s.rate)) + "/min" }

// tipText describes the chart for the tooltip.
func (s *sparkline) tipText() string {
	peak, total := 0, 0
	for _, n := range s.shown {
		peak, total = max(peak, n), total+n
	}
	return lang.L("Captures per minute, last 30 minutes: {{.Total}} in all, peak {{.Peak}}/min, now {{.Rate}}/min",
		map[string]any{"Total": loc.Int(int64(total)), "Peak": loc.Int(int64(peak)), "Rate": loc.Int(int64(s.rate))})
}

// MouseIn shows the tooltip (desktop.Hoverable).
func (s *sparkline) MouseIn(*desktop.MouseEvent) {
	if s.tips != nil {
		s.tips.schedule(s, s.tipText())
	}
}

// MouseMoved does nothing (desktop.Hoverable).
func (s *sparkline) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the tooltip (desktop.Hoverable).
func (s *sparkline) MouseOut() {
	if s.tips != nil {
		s.tips.hide()
	}
}

// CreateRenderer draws the bars with rectangles on a baseline (fyne.Widget).
func (s *sparkline) CreateRenderer() fyne.WidgetRenderer {
	r := &sparkRenderer{s: s, base: canvas.NewLine(color.Transparent), label: canvas.NewText("", color.Transparent)}
	for range sparkBars {
		r.bars = append(r.bars, canvas.NewRectangle(color.Transparent))
	}
	r.label.TextSize = theme.CaptionTextSize()
	r.label.TextStyle = fyne.TextStyle{Monospace: true}
	r.objs = append([]fyne.CanvasObject{r.base}, r.label)
	for _, b := range r.bars {
		r.objs = append(r.objs, b)
	}
	r.Refresh()
	return r
}

type sparkRenderer struct {
	s     *sparkline
	bars  []*canvas.Rectangle
	base  *canvas.Line
	label *canvas.Text
	objs  []fyne.CanvasObject
}

const sparkGap = 1 // between bars

func (r *sparkRenderer) chartWidth() float32 {
	return float32(sparkBars)*(r.s.barW+sparkGap) - sparkGap
}

// labelWidth fits "9999/min", so the bar never shifts as the rate changes.
func (r *sparkRenderer) labelWidth() float32 {
	return fyne.MeasureText("9999/min", r.label.TextSize, r.label.TextStyle).Width
}

func (r *sparkRenderer) Layout(size fyne.Size) {
	pad := theme.Padding()
	chartH := min(sparkChartH, size.Height)
	top := (size.Height - chartH) / 2
	bottom := top + chartH
	peak := 1
	for _, n := range r.s.shown {
		peak = max(peak, n)
	}
	for i, b := range r.bars {
		n := 0
		if i < len(r.s.shown) {
			n = r.s.shown[i]
		}
		h := float32(1) // an empty minute is a tick on the baseline
		if n > 0 {
			h = max(2, chartH*float32(n)/float32(peak))
		}
		b.Resize(fyne.NewSize(r.s.barW, h))
		b.Move(fyne.NewPos(float32(i)*(r.s.barW+sparkGap), bottom-h))
	}
	r.base.Position1 = fyne.NewPos(0, bottom)
	r.base.Position2 = fyne.NewPos(r.chartWidth(), bottom)
	ls := r.label.MinSize()
	r.label.Move(fyne.NewPos(r.chartWidth()+pad, (size.Height-ls.Height)/2))
	r.label.Resize(fyne.NewSize(r.labelWidth(), ls.Height))
}

func (r *sparkRenderer) MinSize() fyne.Size {
	return fyne.NewSize(r.chartWidth()+theme.Padding()+r.labelWidth(), r.s.height)
}

func (r *sparkRenderer) Refresh() {
	th := r.s.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	bar, empty := th.Color(theme.ColorNamePrimary, v), th.Color(theme.ColorNameDisabled, v)
	for i, b := range r.bars {
		b.FillColor = empty
		if i < len(r.s.shown) && r.s.shown[i] > 0 {
			b.FillColor = bar
		}
	}
	r.base.StrokeColor, r.base.StrokeWidth = th.Color(theme.ColorNameSeparator, v), 1
	r.label.Text, r.label.Color = r.s.rateText(), th.Color(theme.ColorNameForeground, v)
	r.Layout(r.s.Size())
	canvas.Refresh(r.s)
}

func (r *sparkRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *sparkRenderer) Destroy()                     {}
