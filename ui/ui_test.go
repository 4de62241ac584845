package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/gancho-app/gancho/capture"
)

// fakeCaptures is a store stand-in whose event stream the test drives.
type fakeCaptures struct {
	events chan capture.Event
	list   []*capture.Request
	count  int
}

func (f *fakeCaptures) Subscribe(context.Context) (<-chan capture.Event, func()) {
	return f.events, func() {}
}

func (f *fakeCaptures) List(context.Context, capture.Query) ([]*capture.Request, error) {
	return f.list, nil
}

func (f *fakeCaptures) Stats() (int, int64) { return f.count, 0 }

func TestPumpShowsNewCaptures(t *testing.T) {
	test.NewTempApp(t)
	old := &capture.Request{ID: "01OLD", ReceivedAt: time.Now(), Method: "GET", Target: "/old"}
	f := &fakeCaptures{events: make(chan capture.Event, 4), list: []*capture.Request{old}, count: 1}
	events, _ := f.Subscribe(context.Background())
	m := NewMain(Options{URL: "http://127.0.0.1:4665", Captures: f})
	w := test.NewWindow(m.Content())
	defer w.Close()
	if got := m.Lines(); len(got) != 1 || !strings.Contains(got[0], "/old") {
		t.Fatalf("initial lines %q", got)
	}

	f.count = 2
	f.events <- capture.Event{Kind: capture.Added, Request: old} // seen in the first load: not doubled
	f.events <- capture.Event{Kind: capture.Added, Request: &capture.Request{
		ID: "01NEW", ReceivedAt: time.Now(), Method: "POST", Target: "/hooks/crm",
		Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}}}
	close(f.events)
	m.Pump(context.Background(), events) // returns when the stream ends

	got := m.Lines()
	if len(got) != 2 || !strings.Contains(got[0], "POST") || !strings.Contains(got[0], "/hooks/crm") {
		t.Fatalf("lines after event %q", got)
	}
	if !strings.HasPrefix(m.Count(), "2 captures") {
		t.Fatalf("count %q", m.Count())
	}
}
