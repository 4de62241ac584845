package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// Window geometry is remembered per screen, in Fyne's preferences rather
// than the settings file: it belongs to this machine and its monitors,
// not to a data directory (two --data folders share one screen), and a
// window being closed must not rewrite the settings the engine runs on.

// screen is the monitor a window opens on: key names it by its size in
// pixels ("1440x900"), area is its work area in Fyne units (zero when
// unknown).
type screen struct {
	key  string
	area fyne.Size
}

// layoutPrefs is what window geometry is kept in (fyne.Preferences).
type layoutPrefs interface {
	FloatWithFallback(key string, fallback float64) float64
	SetFloat(key string, value float64)
}

// splitDefaults are the named splits whose positions are remembered, with
// the position each starts at the first time.
var splitDefaults = map[string]float64{"inbound": 0.38, "outbound": 0.4}

// windowLayout is a window's size and its splits' positions.
type windowLayout struct {
	size   fyne.Size
	splits map[string]float64
}

func prefKey(sc screen, what string) string { return fmt.Sprintf("window.%s.%s", sc.key, what) }

// firstSize is the size of a window opening on a screen for the first
// time: most of a large screen, the whole of a small one (fitSize leaves
// room for the window's frame), never below defaultSize when it fits.
func firstSize(area fyne.Size) fyne.Size {
	if area.Width <= 0 || area.Height <= 0 {
		return defaultSize
	}
	want := fyne.NewSize(min(area.Width*0.85, 1600), min(area.Height*0.85, 1000))
	return want.Max(defaultSize)
}

// loadLayout reads what was saved for sc, or the first-run layout, and
// clamps it to sc's work area: a size saved before the screen's panel
// grew, or a hand-edited preference, never opens past it. least is the
// content's minimum size.
func loadLayout(p layoutPrefs, sc screen, least fyne.Size) windowLayout {
	first := firstSize(sc.area)
	w := p.FloatWithFallback(prefKey(sc, "width"), -1)
	h := p.FloatWithFallback(prefKey(sc, "height"), -1)
	size := first
	if w > 0 && h > 0 {
		size = fyne.NewSize(float32(w), float32(h))
	}
	out := windowLayout{size: fitSize(size, sc.area, least), splits: map[string]float64{}}
	for name, def := range splitDefaults {
		off := p.FloatWithFallback(prefKey(sc, "split."+name), def)
		if off < 0.1 || off > 0.9 { // a pane squeezed to nothing is lost to the user
			off = def
		}
		out.splits[name] = off
	}
	return out
}

// saveLayout keeps l for sc.
func saveLayout(p layoutPrefs, sc screen, l windowLayout) {
	if sc.key == "" || l.size.Width <= 0 || l.size.Height <= 0 {
		return
	}
	p.SetFloat(prefKey(sc, "width"), float64(l.size.Width))
	p.SetFloat(prefKey(sc, "height"), float64(l.size.Height))
	for name, off := range l.splits {
		p.SetFloat(prefKey(sc, "split."+name), off)
	}
}

// namedSplits are the window's splits whose positions are remembered.
func (m *Main) namedSplits() map[string]*container.Split {
	out := map[string]*container.Split{"inbound": m.split}
	if m.outbound != nil {
		if s, ok := m.outbound.root.(*container.Split); ok {
			out["outbound"] = s
		}
	}
	return out
}

// applyLayout sizes w for sc from p and places the splits (UI goroutine).
func (m *Main) applyLayout(w fyne.Window, p layoutPrefs, sc screen) {
	l := loadLayout(p, sc, w.Content().MinSize())
	for name, s := range m.namedSplits() {
		s.SetOffset(l.splits[name])
	}
	w.Resize(l.size)
	w.CenterOnScreen()
}

// keepLayout saves w's size and the splits for sc (UI goroutine).
func (m *Main) keepLayout(w fyne.Window, p layoutPrefs, sc screen) {
	l := windowLayout{size: w.Canvas().Size(), splits: map[string]float64{}}
	for name, s := range m.namedSplits() {
		l.splits[name] = s.Offset
	}
	saveLayout(p, sc, l)
}

// primaryScreen is the monitor windows open on. It asks GLFW, so it runs
// on the main thread once the driver has started; zero when unknown.
func primaryScreen(w fyne.Window) screen {
	mon := glfw.GetPrimaryMonitor()
	if mon == nil {
		return screen{}
	}
	var sc screen
	if mode := mon.GetVideoMode(); mode != nil {
		sc.key = fmt.Sprintf("%dx%d", mode.Width, mode.Height)
	}
	_, _, pw, ph := mon.GetWorkarea()
	if scale := w.Canvas().Scale(); pw > 0 && ph > 0 && scale > 0 {
		sc.area = fyne.NewSize(float32(pw)/scale, float32(ph)/scale)
	}
	return sc
}
