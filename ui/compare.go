package ui

import (
	"context"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/diff"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/replay"
)

// diffRows colours a diff's text: additions green, removals red, changes
// amber, headings bold.
func diffRows(s string) []widget.TextGridRow {
	green := &widget.CustomTextGridStyle{FGColor: color.NRGBA{0x43, 0xa0, 0x47, 0xff}}
	red := &widget.CustomTextGridStyle{FGColor: color.NRGBA{0xe5, 0x39, 0x35, 0xff}}
	amber := &widget.CustomTextGridStyle{FGColor: color.NRGBA{0xf5, 0x9e, 0x0b, 0xff}}
	uline := &widget.CustomTextGridStyle{TextStyle: fyne.TextStyle{Underline: true}}
	var rows []widget.TextGridRow
	for _, line := range strings.Split(text.Block(s), "\n") {
		var st widget.TextGridStyle
		switch t := strings.TrimLeft(line, " "); {
		case strings.HasPrefix(t, "+ "):
			st = green
		case strings.HasPrefix(t, "- "):
			st = red
		case strings.HasPrefix(t, "~ "):
			st = amber
		}
		row := widget.TextGridRow{Style: st}
		for _, r := range line {
			if r == '_' { // see styles.underscore
				row.Cells = append(row.Cells, widget.TextGridCell{Rune: ' ', Style: uline})
				continue
			}
			row.Cells = append(row.Cells, widget.TextGridCell{Rune: r})
		}
		rows = append(rows, row)
	}
	return rows
}

// compareText is diff.Result.String in the window's language: the same
// lines, the changes themselves (+, -, ~ and the values) as they are.
func compareText(r diff.Result) string {
	var b strings.Builder
	note := ""
	if r.Note != "" {
		note = lang.L(r.Note) // diff's notes are in the catalogue
	}
	if r.Equal() {
		if note != "" {
			return lang.L("No differences ({{.Note}}).", map[string]any{"Note": note}) + "\n"
		}
		return lang.L("No differences.") + "\n"
	}
	mode := map[string]any{"Mode": lang.X("diff."+r.Mode, r.Mode)}
	count := func(none, some string, n int) string {
		if n == 0 { // Portuguese puts 0 in the singular: zero has its own text
			return lang.L(none, mode)
		}
		return plural(some, n, mode)
	}
	b.WriteString(count("Headers: no differences", "Headers: {{.Count}} differences", len(r.Headers)) + "\n")
	for _, c := range r.Headers {
		b.WriteString("  " + c.String() + "\n")
	}
	b.WriteString("\n" + count("Body ({{.Mode}}): no differences", "Body ({{.Mode}}): {{.Count}} differences", len(r.Body)) + "\n")
	if note != "" {
		b.WriteString("  # " + note + "\n")
	}
	for _, c := range r.Body {
		b.WriteString("  " + c.String() + "\n")
	}
	return b.String()
}

// showCompare opens a comparison of a (the original) with b, with a field
// to ignore headers and JSON fields such as timestamps.
func (m *Main) showCompare(title string, a, b *capture.Request) {
	if m.win == nil {
		return
	}
	grid := widget.NewTextGrid()
	grid.Scroll = fyne.ScrollBoth
	ignore := widget.NewEntry()
	ignore.SetPlaceHolder(lang.L("ignore: timestamp, webhook-id, webhook-signature, data.updated_at"))
	run := func() {
		r := diff.Compare(a, b, diff.Options{Ignore: strings.Split(ignore.Text, ",")})
		grid.Rows = diffRows(compareText(r))
		grid.Refresh()
	}
	ignore.OnChanged = func(string) { run() }
	run()
	d := dialog.NewCustom(title, lang.L("Close"), container.NewBorder(ignore, nil, nil, nil, grid), m.win)
	d.Resize(fyne.NewSize(860, 600))
	d.Show()
}

// attemptAsCapture views a sent request as a capture, to compare it.
func attemptAsCapture(a *replay.Attempt) *capture.Request {
	target := a.Request.URL
	if i := strings.Index(target, "://"); i >= 0 {
		if j := strings.IndexByte(target[i+3:], '/'); j >= 0 {
			target = target[i+3+j:]
		}
	}
	return &capture.Request{ID: a.ID, Method: a.Request.Method, Target: target, Headers: a.Request.Headers, Body: a.Request.Body}
}

// compareItems are a row's comparison actions: mark it (or unmark it),
// and compare it with the capture marked, named by method, path and time.
func (m *Main) compareItems(id string) []*fyne.MenuItem {
	if m.compareBase == id {
		return []*fyne.MenuItem{fyne.NewMenuItem(lang.L("Unmark for comparison"), func() { m.markCompare("") })}
	}
	items := []*fyne.MenuItem{fyne.NewMenuItem(lang.L("Mark for comparison"), func() { m.markCompare(id) })}
	if m.compareBase != "" {
		items = append(items, fyne.NewMenuItem(lang.L("Compare with marked: {{.Name}}", map[string]any{"Name": m.compareName}), func() { m.compareWithMarked(id) }))
	}
	return items
}

// captureName names a capture for people: method, path (elided in the
// middle) and the time it arrived, with the day when it is not today.
func captureName(r *capture.Request, now time.Time) string {
	at := r.ReceivedAt.Local()
	when := at.Format("15:04:05")
	if y, mo, d := now.Local().Date(); at.Year() != y || at.Month() != mo || at.Day() != d {
		when = loc.Date(at) + at.Format(":05")
	}
	return r.Method + " " + elideMiddle(text.Line(r.Target), 48) + " · " + when
}

// markCompare remembers id as the left side of the next comparison ("":
// none) and marks its row (UI goroutine).
func (m *Main) markCompare(id string) {
	m.compareBase, m.compareName = id, ""
	for _, r := range m.items {
		if r.ID == id {
			m.compareName = captureName(r, m.now())
		}
	}
	if id != "" && m.compareName == "" {
		m.compareName = id // not listed (filtered out meanwhile): the ID is all there is
	}
	m.refreshList()
}

// forgetCompare drops the mark when its capture is gone (UI goroutine).
func (m *Main) forgetCompare(gone func(id string) bool) {
	if m.compareBase != "" && gone(m.compareBase) {
		m.compareBase, m.compareName = "", ""
	}
}

// compareWithMarked compares the marked capture with id.
func (m *Main) compareWithMarked(id string) {
	if m.compareBase == "" || m.compareBase == id {
		return
	}
	ctx := context.Background()
	a, err := m.opts.Captures.Get(ctx, m.compareBase)
	if err != nil {
		m.count.SetText(lang.L("Could not open the marked capture: {{.Err}}", map[string]any{"Err": err.Error()}))
		return
	}
	b, err := m.opts.Captures.Get(ctx, id)
	if err != nil {
		m.count.SetText(lang.L("Could not open {{.ID}}: {{.Err}}", map[string]any{"ID": id, "Err": err.Error()}))
		return
	}
	now := m.now()
	m.showCompare(lang.L("Compare {{.A}} with {{.B}}", map[string]any{"A": captureName(a, now), "B": captureName(b, now)}), a, b)
}
