package ui

import (
	"fmt"
	"image/color"
	"net/http"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
)

// headerTargetLimit bounds the target the detail header lays out: a label
// wraps every rune it holds, and a hostile sender can send a 1 MiB target.
// Real targets are far shorter; a longer one says so, and Copy target
// copies it whole.
const headerTargetLimit = 16 << 10

// headerTargetLines is how many wrapped lines of target the header shows
// before it scrolls, so a long query string does not push the body away.
const headerTargetLines = 3

// reqHeader is the request line at the top of the detail: the method as
// the list colours it, the whole target (wrapped, never elided) and the
// status Gancho answered, target and status selectable, and the Copy menu.
// UI goroutine only.
type reqHeader struct {
	root     fyne.CanvasObject
	badgeBg  *canvas.Rectangle
	badgeTxt *canvas.Text
	target   *widget.Label
	scroll   *container.Scroll
	status   *widget.Label
	copyBtn  *widget.Button
}

// newReqHeader builds the header; menu, when it is set, gives the Copy
// button's items for the capture shown.
func newReqHeader(menu func() []*fyne.MenuItem) *reqHeader {
	h := &reqHeader{}
	h.badgeBg = canvas.NewRectangle(color.Black)
	h.badgeBg.CornerRadius = 4
	h.badgeTxt = canvas.NewText("", color.White)
	h.badgeTxt.TextStyle = fyne.TextStyle{Bold: true}
	h.badgeTxt.Alignment = fyne.TextAlignCenter
	h.badgeTxt.TextSize = theme.TextSize() - 2
	h.badgeBg.SetMinSize(fyne.NewSize(64, 0))
	// The badge sits on the first line of the target, as in a list row.
	badge := container.New(layout.NewCustomPaddedLayout(theme.InnerPadding()/2, 0, theme.Padding(), 0),
		container.NewStack(h.badgeBg, container.NewPadded(h.badgeTxt)))
	h.target = widget.NewLabel("")
	h.target.TextStyle = fyne.TextStyle{Monospace: true}
	h.target.Wrapping = fyne.TextWrapBreak
	h.target.Selectable = true
	h.scroll = container.NewVScroll(h.target)
	h.status = widget.NewLabel("")
	h.status.TextStyle = fyne.TextStyle{Bold: true}
	h.status.Selectable = true
	h.copyBtn = widget.NewButtonWithIcon(lang.L("Copy ▾"), theme.ContentCopyIcon(), nil)
	h.copyBtn.OnTapped = func() {
		if menu == nil {
			return
		}
		c := fyne.CurrentApp().Driver().CanvasForObject(h.copyBtn)
		if c == nil {
			return
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(h.copyBtn).AddXY(0, h.copyBtn.Size().Height)
		widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", menu()...), c, pos)
	}
	capped := container.New(&cappedLayout{content: h.target, lines: headerTargetLines}, h.scroll)
	h.root = container.NewBorder(nil, nil, container.NewVBox(badge), container.NewVBox(container.NewHBox(h.status, h.copyBtn)), capped)
	return h
}

// show fills the header for r.
func (h *reqHeader) show(r *capture.Request) {
	method := r.Method
	if len(method) > 12 {
		method = method[:11] + "…"
	}
	h.badgeTxt.Text = method
	h.badgeBg.FillColor = methodColor(r.Method)
	h.badgeTxt.Refresh()
	h.badgeBg.Refresh()
	t := r.Target
	if len(t) > headerTargetLimit {
		t = t[:text.RuneCut(t, headerTargetLimit)]
		t = text.Line(t) + " " + lang.L("… ({{.Bytes}} bytes in all: Copy ▾ → Copy target copies it whole)", map[string]any{"Bytes": loc.Int(int64(len(r.Target)))})
	} else {
		t = text.Line(t)
	}
	h.target.SetText(t)
	h.scroll.ScrollToTop()
	h.status.SetText(statusLong(r))
	h.status.Importance = statusImportance(r)
	h.status.Refresh()
}

// cappedLayout gives its one object (a scroll of content) content's height
// up to lines lines of monospace text; past that the scroll scrolls.
type cappedLayout struct {
	content fyne.CanvasObject
	lines   int
	// most is the height of lines lines and the label's top padding,
	// measured on a label (wrapped lines sit closer than MeasureText and
	// LineSpacing tell), for the text size it was measured at.
	most, at float32
}

func (l *cappedLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	if ts := theme.TextSize(); l.at != ts {
		probe := widget.NewLabel(strings.TrimSuffix(strings.Repeat("M\n", l.lines), "\n"))
		probe.TextStyle = fyne.TextStyle{Monospace: true}
		// Top padding and the gap under the last line only: the next line
		// starts past the edge, never half shown, and descenders stay whole.
		l.most, l.at = probe.MinSize().Height-theme.InnerPadding()+theme.LineSpacing()/2, ts
	}
	return fyne.NewSize(0, min(l.content.MinSize().Height, l.most))
}

func (l *cappedLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

var _ fyne.Layout = (*cappedLayout)(nil)

// statusShort is the status column of a list row: the status Gancho
// answered, "drop" when a rule dropped the connection, "—" when there was
// no answer to show (an imported capture without one).
func statusShort(r *capture.Request) string {
	switch {
	case r.Response.Status > 0:
		return fmt.Sprint(r.Response.Status)
	case r.Rule != "":
		return lang.L("drop")
	}
	return "—"
}

// statusLong is the detail header's status: code and reason phrase.
func statusLong(r *capture.Request) string {
	switch st := r.Response.Status; {
	case st > 0 && http.StatusText(st) != "":
		return fmt.Sprintf("→ %d %s", st, http.StatusText(st))
	case st > 0:
		return fmt.Sprintf("→ %d", st)
	case r.Rule != "":
		return lang.L("→ connection dropped")
	}
	return lang.L("→ no response recorded")
}

// statusImportance is what a status means, as one colour everywhere:
// 2xx success, 4xx warning, 5xx and a dropped connection error, the rest
// (1xx, 3xx, none) neutral.
func statusImportance(r *capture.Request) widget.Importance {
	switch st := r.Response.Status; {
	case st >= 200 && st < 300:
		return widget.SuccessImportance
	case st >= 400 && st < 500:
		return widget.WarningImportance
	case st >= 500, st == 0 && r.Rule != "":
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// importanceColor is the theme colour a label of that importance takes,
// for canvas text that has no importance of its own (list rows).
func importanceColor(imp widget.Importance) color.Color {
	if sev := severityOf(imp); sev != sevNeutral {
		return sev.color() // the one mapping of meaning to colour (severity.go)
	}
	return theme.Color(theme.ColorNameForeground) // a status is data, not a note
}

// compareMark is the colour of the marked-for-comparison row's side bar
// and label.
func compareMark() color.Color { return theme.Color(theme.ColorNamePrimary) }
