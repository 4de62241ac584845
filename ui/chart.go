package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// This file holds a small stacked bar chart drawn with Fyne's canvas
// primitives (rectangles, lines, text), with a time axis, a count axis
// and a legend, and the pure functions that lay time out in bars. It
// knows nothing of deliveries: the Outbound section feeds it counts.

// chartWindow is a span of time a chart shows, cut in bars of step, with
// a time label every tick.
type chartWindow struct {
	label string // as the window picker shows it
	span  time.Duration
	step  time.Duration
	tick  time.Duration
}

// chartWindows are the spans a user can pick, shortest first.
var chartWindows = []chartWindow{
	{"15 min", 15 * time.Minute, time.Minute, 5 * time.Minute},
	{"1 h", time.Hour, 5 * time.Minute, 15 * time.Minute},
	{"24 h", 24 * time.Hour, time.Hour, 6 * time.Hour},
}

// chartGrid is where a window's bars fall: n bars of step from start, the
// last one holding the instant the grid was made for.
type chartGrid struct {
	start time.Time
	step  time.Duration
	n     int
}

// gridAt is w's grid at now. Bars start on round times of the clock's
// location (a 1-minute bar at hh:mm:00, a 1-hour one at hh:00), so the
// time labels fall on bar edges; the newest bar is the one now is in,
// still filling.
func gridAt(w chartWindow, now time.Time) chartGrid {
	n := max(int(w.span/w.step), 1)
	end := alignDown(now, w.step).Add(w.step)
	return chartGrid{start: end.Add(-time.Duration(n) * w.step), step: w.step, n: n}
}

// alignDown is t rounded down to a multiple of step since t's local
// midnight: for steps that divide a day, that is a round wall-clock time
// whatever the time zone's offset.
func alignDown(t time.Time, step time.Duration) time.Time {
	if step <= 0 {
		return t
	}
	y, m, d := t.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	return midnight.Add(t.Sub(midnight) / step * step)
}

// end is when the grid's last bar ends.
func (g chartGrid) end() time.Time { return g.start.Add(time.Duration(g.n) * g.step) }

// index is the bar t falls in; ok is false outside the grid.
func (g chartGrid) index(t time.Time) (i int, ok bool) {
	if t.Before(g.start) || !t.Before(g.end()) {
		return 0, false
	}
	return int(t.Sub(g.start) / g.step), true
}

// timeTicks are the round times (multiples of tick in the grid's
// location) from the grid's start to its end, both included.
func timeTicks(g chartGrid, tick time.Duration) []time.Time {
	if tick <= 0 {
		return nil
	}
	var out []time.Time
	t := alignDown(g.start, tick)
	if t.Before(g.start) {
		t = t.Add(tick)
	}
	for end := g.end(); !t.After(end) && len(out) < 64; t = t.Add(tick) {
		out = append(out, t)
	}
	return out
}

// countTicks are the count axis's labels for a tallest bar of most: 0 and
// up to three round steps (1, 2, 5, 10, 20, 50…) that reach most, few
// enough to read in a short plot.
func countTicks(most int) []int {
	step := 1
steps:
	for mult := 1; ; mult *= 10 {
		for _, s := range []int{1, 2, 5} {
			if step = s * mult; (most+step-1)/step <= 3 {
				break steps
			}
		}
	}
	top := max((most+step-1)/step, 1)
	out := make([]int, 0, top+1)
	for i := 0; i <= top; i++ {
		out = append(out, i*step)
	}
	return out
}

// chartSeries is one stacked layer: its name in the legend and its
// colour, a theme colour so the chart follows light and dark.
type chartSeries struct {
	name  string
	color fyne.ThemeColorName
}

// chartData is what a stackChart draws: one value per series per bar.
type chartData struct {
	grid  chartGrid
	tick  time.Duration
	vals  [][]int // [bar][series]
	empty string  // shown over the plot when every value is 0
	// label writes a time axis label; nil means the wall clock's "15:04".
	label func(time.Time) string
}

// stackChart is the plot: stacked bars, the count axis on the left with
// grid lines, the time axis below. Set data, then Refresh (UI goroutine).
type stackChart struct {
	widget.BaseWidget
	series []chartSeries
	data   chartData
}

func newStackChart(series []chartSeries) *stackChart {
	c := &stackChart{series: series}
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *stackChart) CreateRenderer() fyne.WidgetRenderer {
	r := &stackRenderer{c: c}
	r.rebuild()
	return r
}

type stackRenderer struct {
	c       *stackChart
	objs    []fyne.CanvasObject
	grid    []*canvas.Line
	counts  []*canvas.Text
	times   []*canvas.Text
	tickAt  []time.Time
	bars    [][]*canvas.Rectangle
	base    *canvas.Line
	empty   *canvas.Text
	tickVal []int
}

// chartTextSize is the axes' text: the caption size.
func chartTextSize() float32 { return theme.CaptionTextSize() }

// rebuild makes the canvas objects for the current data; Layout places
// them.
func (r *stackRenderer) rebuild() {
	d := r.c.data
	most := 0
	for _, bar := range d.vals {
		sum := 0
		for _, v := range bar {
			sum += v
		}
		most = max(most, sum)
	}
	r.tickVal = countTicks(most)
	r.objs = r.objs[:0]
	r.grid, r.counts, r.times, r.bars = nil, nil, nil, nil
	// The labels in the text colour: the placeholder grey is too faint to
	// read on the light theme at caption size.
	sep, dim := theme.Color(theme.ColorNameSeparator), theme.Color(theme.ColorNameForeground)
	for _, v := range r.tickVal {
		l := canvas.NewLine(sep)
		l.StrokeWidth = 1
		r.grid = append(r.grid, l)
		t := canvas.NewText(loc.Int(int64(v)), dim) // 1,000 or 1.000
		t.TextSize = chartTextSize()
		t.Alignment = fyne.TextAlignTrailing
		r.counts = append(r.counts, t)
		r.objs = append(r.objs, l, t)
	}
	for _, bar := range d.vals {
		var segs []*canvas.Rectangle
		for s, v := range bar {
			if s >= len(r.c.series) || v <= 0 {
				segs = append(segs, nil)
				continue
			}
			rect := canvas.NewRectangle(theme.Color(r.c.series[s].color))
			segs = append(segs, rect)
			r.objs = append(r.objs, rect)
		}
		r.bars = append(r.bars, segs)
	}
	r.base = canvas.NewLine(theme.Color(theme.ColorNameForeground))
	r.base.StrokeWidth = 1
	r.objs = append(r.objs, r.base)
	r.tickAt = timeTicks(d.grid, d.tick)
	label := d.label
	if label == nil {
		label = func(at time.Time) string { return at.Format("15:04") }
	}
	for _, at := range r.tickAt {
		t := canvas.NewText(label(at), dim)
		t.TextSize = chartTextSize()
		r.times = append(r.times, t)
		r.objs = append(r.objs, t)
	}
	r.empty = nil
	if most == 0 && d.empty != "" {
		r.empty = canvas.NewText(d.empty, theme.Color(theme.ColorNamePlaceHolder)) // a neutral note
		r.empty.TextSize = theme.TextSize()
		r.objs = append(r.objs, r.empty)
	}
}

// chartPad is the room between the plot and its labels.
const chartPad = 4

func (r *stackRenderer) Layout(size fyne.Size) {
	ts := chartTextSize()
	textH := fyne.MeasureText("0", ts, fyne.TextStyle{}).Height
	left := float32(0)
	for _, t := range r.counts {
		left = max(left, fyne.MeasureText(t.Text, ts, fyne.TextStyle{}).Width)
	}
	half := fyne.MeasureText("00:00", ts, fyne.TextStyle{}).Width / 2
	x0 := max(left+chartPad, half)
	x1 := size.Width - half
	y0 := textH / 2 // the top label's upper half
	y1 := size.Height - textH - chartPad
	if x1 <= x0 || y1 <= y0 {
		return
	}
	top := float32(r.tickVal[len(r.tickVal)-1])
	yOf := func(v float32) float32 { return y1 - v/top*(y1-y0) }
	for i, v := range r.tickVal {
		y := yOf(float32(v))
		r.grid[i].Position1, r.grid[i].Position2 = fyne.NewPos(x0, y), fyne.NewPos(x1, y)
		r.counts[i].Move(fyne.NewPos(0, y-textH/2))
		r.counts[i].Resize(fyne.NewSize(left, textH))
	}
	r.base.Position1, r.base.Position2 = fyne.NewPos(x0, y1), fyne.NewPos(x1, y1)
	g := r.c.data.grid
	if g.n > 0 {
		colW := (x1 - x0) / float32(g.n)
		barW := max(colW*0.7, 1)
		for i, bar := range r.bars {
			x := x0 + float32(i)*colW + (colW-barW)/2
			var sum float32
			for s, rect := range bar {
				v := float32(r.c.data.vals[i][s])
				if rect == nil {
					continue
				}
				yTop := yOf(sum + v)
				rect.Move(fyne.NewPos(x, yTop))
				rect.Resize(fyne.NewSize(barW, yOf(sum)-yTop))
				sum += v
			}
		}
		span := float32(g.end().Sub(g.start))
		for i, at := range r.tickAt {
			x := x0 + float32(at.Sub(g.start))/span*(x1-x0)
			w := fyne.MeasureText(r.times[i].Text, ts, fyne.TextStyle{}).Width
			r.times[i].Move(fyne.NewPos(x-w/2, y1+chartPad))
			r.times[i].Resize(fyne.NewSize(w, textH))
		}
	}
	if r.empty != nil {
		s := fyne.MeasureText(r.empty.Text, r.empty.TextSize, fyne.TextStyle{})
		r.empty.Move(fyne.NewPos(x0+(x1-x0-s.Width)/2, y0+(y1-y0-s.Height)/2))
		r.empty.Resize(s)
	}
}

// MinSize leaves room for the labels and a readable plot.
func (r *stackRenderer) MinSize() fyne.Size {
	textH := fyne.MeasureText("0", chartTextSize(), fyne.TextStyle{}).Height
	return fyne.NewSize(160, 2*textH+chartPad+80)
}

func (r *stackRenderer) Refresh() {
	r.rebuild()
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

func (r *stackRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *stackRenderer) Destroy()                     {}

// legendItem is a series' swatch and its label ("delivered 4").
type legendItem struct {
	swatch *canvas.Rectangle
	label  *widget.Label
	box    *fyne.Container
}

func newLegendItem(s chartSeries) *legendItem {
	it := &legendItem{swatch: canvas.NewRectangle(theme.Color(s.color)), label: widget.NewLabel(s.name)}
	it.swatch.SetMinSize(fyne.NewSize(10, 10))
	it.swatch.CornerRadius = 2
	it.box = container.NewHBox(container.NewCenter(it.swatch), it.label)
	return it
}

// segmented is a row of buttons of which one is chosen: a small
// segmented control. onPick runs on the UI goroutine with the index.
type segmented struct {
	buttons []*widget.Button
	box     *fyne.Container
	sel     int
	onPick  func(int)
}

func newSegmented(labels []string, sel int, onPick func(int)) *segmented {
	s := &segmented{sel: sel, onPick: onPick}
	for i, l := range labels {
		b := widget.NewButton(l, func() { s.pick(i) })
		s.buttons = append(s.buttons, b)
	}
	s.box = container.New(layout.NewCustomPaddedHBoxLayout(0), toObjects(s.buttons)...)
	s.show()
	return s
}

func toObjects(bs []*widget.Button) []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, len(bs))
	for i, b := range bs {
		out[i] = b
	}
	return out
}

func (s *segmented) pick(i int) {
	if i == s.sel {
		return
	}
	s.sel = i
	s.show()
	if s.onPick != nil {
		s.onPick(i)
	}
}

// show marks the chosen button as the primary one, the others as plain.
func (s *segmented) show() {
	for i, b := range s.buttons {
		imp := widget.LowImportance
		if i == s.sel {
			imp = widget.HighImportance
		}
		if b.Importance != imp {
			b.Importance = imp
			b.Refresh()
		}
	}
}
