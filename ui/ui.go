// Package ui holds every Fyne widget, window and dialog of Gancho. Engine
// packages publish events on any goroutine; ui crosses to the Fyne thread
// once per stream, in a single pump goroutine, with fyne.Do.
package ui

import (
	"context"
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
)

// AppID is Gancho's application ID (preferences and storage are keyed on it).
const AppID = "io.github.gancho_app.gancho"

// Captures is what the window needs from the capture store.
type Captures interface {
	Subscribe(ctx context.Context) (<-chan capture.Event, func())
	List(ctx context.Context, q capture.Query) ([]*capture.Request, error)
	Stats() (count int, bodyBytes int64)
}

// Options wires the window to the engine.
type Options struct {
	URL      string // where capture listens, shown to the user
	DataDir  string
	Captures Captures
}

// Run opens the main window and blocks until it is closed.
func Run(opts Options) {
	a := app.NewWithID(AppID)
	w := a.NewWindow("Gancho")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Subscribe before the first load so nothing committed in between is missed.
	events, unsubscribe := opts.Captures.Subscribe(ctx)
	defer unsubscribe()
	m := NewMain(opts)
	w.SetContent(m.Content())
	w.Resize(fyne.NewSize(1100, 700))
	go m.Pump(ctx, events)
	w.ShowAndRun()
}

// Main is the minimal main window: the capture URL, a live count and the
// latest captures, one line each.
type Main struct {
	opts  Options
	count *widget.Label
	lines []string
	ids   []string // ids[i] is the capture shown on lines[i]
	list  *widget.List
	root  fyne.CanvasObject
}

// maxLines bounds the in-memory list of recent lines.
const maxLines = 500

// NewMain builds the window content; call Pump to make it live.
func NewMain(opts Options) *Main {
	m := &Main{opts: opts, count: widget.NewLabel("")}
	m.list = widget.NewList(
		func() int { return len(m.lines) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle = fyne.TextStyle{Monospace: true} // columns line up
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(m.lines[i]) },
	)
	url := widget.NewLabel("Send webhooks to " + opts.URL)
	url.TextStyle = fyne.TextStyle{Bold: true}
	hint := widget.NewLabel(fmt.Sprintf("Try: curl -d '{\"hello\":\"world\"}' -H 'Content-Type: application/json' %s/hook", opts.URL))
	m.root = container.NewBorder(container.NewVBox(url, hint, m.count), nil, nil, nil, m.list)
	m.reload(context.Background())
	return m
}

// Content returns the root object.
func (m *Main) Content() fyne.CanvasObject { return m.root }

// Count returns the text of the capture counter (for tests).
func (m *Main) Count() string { return m.count.Text }

// Lines returns the lines shown, newest first (for tests).
func (m *Main) Lines() []string { return append([]string(nil), m.lines...) }

// reload rebuilds the list from the store; call on the UI goroutine.
func (m *Main) reload(ctx context.Context) {
	reqs, err := m.opts.Captures.List(ctx, capture.Query{Limit: maxLines, Summary: true})
	m.lines, m.ids = m.lines[:0], m.ids[:0]
	if err != nil {
		m.lines = append(m.lines, "Could not read captures: "+err.Error())
		m.ids = append(m.ids, "")
	}
	for _, r := range reqs {
		m.lines = append(m.lines, capture.Line(r))
		m.ids = append(m.ids, r.ID)
	}
	m.updateCount()
	m.list.Refresh()
}

func (m *Main) updateCount() {
	n, b := m.opts.Captures.Stats()
	m.count.SetText(fmt.Sprintf("%d captures, %s of bodies — data in %s", n, capture.FormatSize(b), m.opts.DataDir))
}

// Pump applies store events to the widgets until the stream ends. It is the
// only goroutine that crosses to the UI thread for this stream; subscribe
// before NewMain so no capture falls between the first load and the stream.
func (m *Main) Pump(ctx context.Context, events <-chan capture.Event) {
	for ev := range events {
		fyne.Do(func() { m.apply(ctx, ev) })
	}
}

func (m *Main) apply(ctx context.Context, ev capture.Event) {
	switch ev.Kind {
	case capture.Added:
		if slices.Contains(m.ids, ev.Request.ID) {
			return // already there from the first load
		}
		m.lines = append([]string{capture.Line(ev.Request)}, m.lines...)
		m.ids = append([]string{ev.Request.ID}, m.ids...)
		if len(m.lines) > maxLines {
			m.lines, m.ids = m.lines[:maxLines], m.ids[:maxLines]
		}
		m.updateCount()
		m.list.Refresh()
	default:
		m.reload(ctx)
	}
}
