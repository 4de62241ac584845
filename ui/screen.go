package ui

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// ErrNoDisplay is wrapped by OpenDisplay's error.
var ErrNoDisplay = errors.New("no display")

// OpenDisplay initialises the windowing system, so that a display that
// cannot be opened (a stale DISPLAY over ssh, a stopped X server) is an
// error instead of GLFW's panic inside Fyne. GLFW reports that failure
// only on its log and then panics at the first call, hence the recover.
// Call it on the main goroutine, before Run; Fyne's own initialisation
// then finds GLFW ready.
func OpenDisplay() (err error) {
	var said bytes.Buffer
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(&said)
	log.SetFlags(0)
	defer func() {
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
		if r := recover(); r != nil {
			why := strings.TrimSpace(said.String())
			if why == "" {
				why = fmt.Sprint(r)
			}
			err = fmt.Errorf("%w (%s)", ErrNoDisplay, strings.ReplaceAll(why, "\n", "; "))
		}
	}()
	if err := glfw.Init(); err != nil {
		return fmt.Errorf("%w (%v)", ErrNoDisplay, err)
	}
	glfw.GetPrimaryMonitor() // panics when Init could not open the display
	return nil
}

// defaultSize is the first window's size: it fits a 1024×700 screen with
// room left for a title bar and a panel.
var defaultSize = fyne.NewSize(1000, 640)

// decorations is what a window manager's frame and title bar may take
// around the content.
var decorations = fyne.NewSize(16, 56)

// fitSize is want shrunk to fit area (the screen's work area in Fyne
// units, zero when unknown) with room for decorations, but never below
// least (the content's minimum).
func fitSize(want, area, least fyne.Size) fyne.Size {
	if area.Width > 0 && area.Height > 0 {
		want = want.Min(area.Subtract(decorations))
	}
	return want.Max(least)
}

// midLabel is a one-line monospace label that, when short of room, cuts
// the middle of its text rather than the end: a URL keeps its scheme and
// host and the end of its path. Copy actions use the whole text.
type midLabel struct {
	widget.BaseWidget
	Text  string // the whole text, whatever is shown
	label *widget.Label
	min   int // characters always asked for
}

func newMidLabel(text string, minChars int) *midLabel {
	l := &midLabel{Text: text, min: minChars,
		label: widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})}
	l.ExtendBaseWidget(l)
	return l
}

// SetText changes the whole text (UI goroutine).
func (l *midLabel) SetText(s string) {
	l.Text = s
	l.fit(l.Size())
}

// fit shows what of Text fits in size.
func (l *midLabel) fit(size fyne.Size) {
	s := l.Text
	room := size.Width - 2*l.label.Theme().Size(theme.SizeNameInnerPadding)
	ts := l.label.Theme().Size(theme.SizeNameText)
	if size.Width > 0 && fyne.MeasureText(s, ts, l.label.TextStyle).Width > room {
		char := fyne.MeasureText("M", ts, l.label.TextStyle).Width
		n := max(int(room/char), 3)
		s = elideMiddle(s, n)
		for n > 3 && fyne.MeasureText(s, ts, l.label.TextStyle).Width > room {
			n-- // wide runes: a monospace font still draws some double
			s = elideMiddle(l.Text, n)
		}
	}
	if s != l.label.Text {
		l.label.SetText(s)
	}
}

// CreateRenderer implements fyne.Widget.
func (l *midLabel) CreateRenderer() fyne.WidgetRenderer { return &midRenderer{l: l} }

type midRenderer struct{ l *midLabel }

func (r *midRenderer) Layout(size fyne.Size) {
	r.l.fit(size)
	r.l.label.Resize(size)
	r.l.label.Move(fyne.NewPos(0, 0))
}

func (r *midRenderer) MinSize() fyne.Size {
	ts := r.l.label.Theme().Size(theme.SizeNameText)
	w := fyne.MeasureText("M", ts, r.l.label.TextStyle).Width*float32(r.l.min) + 2*r.l.label.Theme().Size(theme.SizeNameInnerPadding)
	return fyne.NewSize(w, r.l.label.MinSize().Height)
}

func (r *midRenderer) Refresh()                     { r.l.fit(r.l.Size()); r.l.label.Refresh() }
func (r *midRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.l.label} }
func (r *midRenderer) Destroy()                     {}
