package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne 2.7 has no tooltips. A pop-up would not do: while an overlay shows,
// the window sends every click to it, so the button under the pointer
// would lose the click that dismisses the tip. The tip is drawn instead
// in a layer stacked above the window's content that takes no events.

// tipDelay is how long the pointer rests on a control before its tip shows.
const tipDelay = 600 * time.Millisecond

// tips shows one tooltip at a time in its layer. UI goroutine only; the
// delay's timer hands back through post.
type tips struct {
	layer *fyne.Container // no layout: the tip is placed by hand
	box   *fyne.Container
	bg    *canvas.Rectangle
	txt   *canvas.Text
	after afterFunc
	post  func(func()) bool
	stop  func() bool // the pending delay, if any
	gen   int         // bumped by every schedule and hide: a late timer is ignored
	text  string      // what is shown, "" for nothing
}

func newTips(post func(func()) bool) *tips {
	t := &tips{after: realAfter, post: post}
	t.bg = canvas.NewRectangle(color.Transparent)
	t.bg.CornerRadius = theme.InputRadiusSize()
	t.bg.StrokeWidth = 1
	t.txt = canvas.NewText("", color.Transparent)
	t.txt.TextSize = theme.CaptionTextSize()
	t.box = container.NewStack(t.bg, container.NewPadded(t.txt))
	t.box.Hide()
	t.layer = container.NewWithoutLayout(t.box)
	return t
}

// schedule shows text next to o once the pointer has rested there.
func (t *tips) schedule(o fyne.CanvasObject, text string) {
	t.cancel()
	gen := t.gen
	t.stop = t.after(tipDelay, func() {
		t.post(func() {
			if t.gen == gen {
				t.show(o, text)
			}
		})
	})
}

func (t *tips) cancel() {
	t.gen++
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
}

// hide takes the tip away, and any tip still waiting for its delay.
func (t *tips) hide() {
	t.cancel()
	t.text = ""
	t.box.Hide()
}

// show draws text under o, kept inside the layer (over o when there is
// no room below).
func (t *tips) show(o fyne.CanvasObject, text string) {
	if fyne.CurrentApp() == nil || t.layer.Size().IsZero() {
		return
	}
	v := fyne.CurrentApp().Settings().ThemeVariant()
	th := fyne.CurrentApp().Settings().Theme()
	t.bg.FillColor = th.Color(theme.ColorNameOverlayBackground, v)
	t.bg.StrokeColor = th.Color(theme.ColorNameSeparator, v)
	t.txt.Color = th.Color(theme.ColorNameForeground, v)
	t.txt.Text = text
	t.text = text
	d := fyne.CurrentApp().Driver()
	at := d.AbsolutePositionForObject(o).Subtract(d.AbsolutePositionForObject(t.layer))
	size := t.box.MinSize()
	room := t.layer.Size()
	pos := fyne.NewPos(at.X, at.Y+o.Size().Height+theme.Padding())
	if pos.Y+size.Height > room.Height {
		pos.Y = at.Y - size.Height - theme.Padding()
	}
	pos.X = max(0, min(pos.X, room.Width-size.Width))
	pos.Y = max(0, pos.Y)
	t.box.Move(pos)
	t.box.Resize(size)
	t.box.Show()
	t.box.Refresh()
}

// wrap gives b a tooltip: b sits under a hover area that forwards the
// pointer to it (keeping its hover highlight) and takes no clicks.
func (t *tips) wrap(b *widget.Button, text string) fyne.CanvasObject {
	tapped := b.OnTapped
	b.OnTapped = func() {
		t.hide()
		if tapped != nil {
			tapped()
		}
	}
	a := &tipArea{t: t, b: b, text: text}
	a.ExtendBaseWidget(a)
	return container.NewStack(b, a)
}

// tipArea is the hover area over a button with a tooltip. It is only
// desktop.Hoverable: taps, focus and scrolling find the button under it.
type tipArea struct {
	widget.BaseWidget
	t    *tips
	b    *widget.Button
	text string
}

// MouseIn forwards to the button and starts the tip's delay.
func (a *tipArea) MouseIn(e *desktop.MouseEvent) {
	if !a.b.Visible() {
		return // a hidden button has nothing to explain
	}
	a.b.MouseIn(e)
	a.t.schedule(a.b, a.text)
}

// MouseMoved forwards to the button.
func (a *tipArea) MouseMoved(e *desktop.MouseEvent) { a.b.MouseMoved(e) }

// MouseOut forwards to the button and hides the tip.
func (a *tipArea) MouseOut() {
	a.b.MouseOut()
	a.t.hide()
}

// CreateRenderer draws nothing (fyne.Widget).
func (a *tipArea) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
