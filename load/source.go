package load

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
)

// Message is one thing a Source yields: an event (Event and Payload) or a
// captured request (Capture).
type Message struct {
	Event   string
	Payload events.Payload
	Capture *capture.Request
}

// Source yields a run's messages in order, for as long as the run asks.
// A run calls Next from one goroutine at a time; at is the run's clock
// when the message is drawn (samples are dated with it).
type Source interface {
	Next(at time.Time) (Message, error)
}

// cycle is a Source that repeats rounds of messages: each round's
// messages come from fill, called with the round number (0, 1, …) when
// the previous round is used up. Sources that replay a fixed list, or
// draw a fresh sequence per round (a journey about a new entity), are
// both cycles.
type cycle struct {
	fill  func(round int, at time.Time) ([]Message, error)
	round int
	queue []Message
}

func (c *cycle) Next(at time.Time) (Message, error) {
	for len(c.queue) == 0 {
		ms, err := c.fill(c.round, at)
		if err != nil {
			return Message{}, err
		}
		if len(ms) == 0 {
			return Message{}, errors.New("load: the source has nothing to send")
		}
		c.round++
		c.queue = ms
	}
	m := c.queue[0]
	c.queue = c.queue[1:]
	return m, nil
}

// Events returns a Source of event samples: the named events (machine
// names, numbers or labels, as events.Lookup takes them) in turn, or all
// 30 events when names is empty, each a fresh sample from
// events.NewGenerator(seed) dated at the run's clock. The same seed gives
// the same sequence of payloads for the same times.
func Events(names []string, seed uint64) (Source, error) {
	var list []string
	if len(names) == 0 {
		for _, e := range events.All() {
			list = append(list, e.Name)
		}
	}
	for _, n := range names {
		e, ok := events.Lookup(n)
		if !ok {
			return nil, fmt.Errorf("load: event %q: %w (\"gancho events\" lists them)", n, events.ErrUnknown)
		}
		list = append(list, e.Name)
	}
	g := events.NewGenerator(seed)
	return &cycle{fill: func(_ int, at time.Time) ([]Message, error) {
		ms := make([]Message, len(list))
		for i, n := range list {
			p, err := g.SampleAt(n, at)
			if err != nil {
				return nil, err
			}
			ms[i] = Message{Event: n, Payload: p}
		}
		return ms, nil
	}}, nil
}

// Captures returns a Source that sends the given captured requests in
// turn, over and over. They are read, never modified.
func Captures(cs []*capture.Request) (Source, error) {
	if len(cs) == 0 {
		return nil, errors.New("load: no captures to send; check the query or the ids")
	}
	ms := make([]Message, len(cs))
	for i, c := range cs {
		ms[i] = Message{Capture: c}
	}
	return &cycle{fill: func(int, time.Time) ([]Message, error) { return ms, nil }}, nil
}

// Journey returns a Source that plays the named journey (see
// events.Journeys) over and over, each time about a new entity: round k
// is the journey played with seed+k, dated from the run's clock, its
// events in the CRM's order. The run's pace, not the journey's timing,
// decides when each is sent.
func Journey(name string, seed uint64) (Source, error) {
	j, ok := events.LookupJourney(name)
	if !ok {
		var names []string
		for _, j := range events.Journeys() {
			names = append(names, j.Name)
		}
		return nil, fmt.Errorf("load: journey %q: %w; use one of %s", name, events.ErrUnknown, strings.Join(names, ", "))
	}
	return &cycle{fill: func(round int, at time.Time) ([]Message, error) {
		evs, err := j.Play(seed+uint64(round), at, events.Timing{Mode: events.TimingCompressed})
		if err != nil {
			return nil, err
		}
		ms := make([]Message, len(evs))
		for i, e := range evs {
			ms[i] = Message{Event: e.Event, Payload: e.Payload}
		}
		return ms, nil
	}}, nil
}
