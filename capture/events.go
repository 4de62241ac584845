package capture

import (
	"context"
	"sync"
)

// EventKind says what changed in the store.
type EventKind int

const (
	// Added: Request was committed.
	Added EventKind = iota + 1
	// Deleted: the captures in IDs were deleted by a user.
	Deleted
	// Evicted: the captures in IDs were removed by retention.
	Evicted
	// Cleared: every capture was removed.
	Cleared
	// Dropped: this subscriber was too slow and missed Count events; reload
	// from the store to catch up.
	Dropped
)

// Event is one change published to subscribers.
type Event struct {
	Kind    EventKind
	Request *Request // Added; shared, read-only
	IDs     []string // Deleted, Evicted
	Count   int      // Dropped
}

// subBuffer is how many events a subscriber may lag behind before it is
// told to reload instead.
const subBuffer = 1024

// broker fans events out without ever blocking the publisher: each
// subscriber has a bounded queue drained by its own goroutine.
type broker struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool // after close, new subscriptions end at once
	wg     sync.WaitGroup
}

type subscriber struct {
	mu      sync.Mutex
	queue   []Event
	dropped int
	wake    chan struct{} // cap 1: "the queue changed"
	out     chan Event
	stop    chan struct{}
	once    sync.Once
}

func (b *broker) subscribe(ctx context.Context) (<-chan Event, func()) {
	s := &subscriber{
		wake: make(chan struct{}, 1),
		out:  make(chan Event),
		stop: make(chan struct{}),
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		close(s.out)
		return s.out, func() {}
	}
	if b.subs == nil {
		b.subs = map[*subscriber]struct{}{}
	}
	b.subs[s] = struct{}{}
	// Add under mu, so close (which sets closed under mu) waits for it.
	b.wg.Add(1)
	b.mu.Unlock()
	cancel := func() {
		s.once.Do(func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
			close(s.stop)
		})
	}
	go func() {
		defer b.wg.Done()
		defer close(s.out)
		s.run(ctx)
	}()
	go func() {
		select {
		case <-ctx.Done():
			cancel()
		case <-s.stop:
		}
	}()
	return s.out, cancel
}

func (s *subscriber) run(ctx context.Context) {
	for {
		s.mu.Lock()
		var ev Event
		have := false
		if len(s.queue) > 0 {
			ev, have = s.queue[0], true
		} else if s.dropped > 0 {
			// Tell the lag only once the backlog before it is delivered,
			// so "reload" comes after everything the listener did get.
			ev, have = Event{Kind: Dropped, Count: s.dropped}, true
		}
		s.mu.Unlock()
		if !have {
			select {
			case <-s.wake:
				continue
			case <-s.stop:
				return
			case <-ctx.Done():
				return
			}
		}
		select {
		case s.out <- ev:
			s.mu.Lock()
			if ev.Kind == Dropped {
				s.dropped -= ev.Count
			} else {
				s.queue[0] = Event{}
				s.queue = s.queue[1:]
			}
			s.mu.Unlock()
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		}
	}
}

func (s *subscriber) push(ev Event) {
	s.mu.Lock()
	if len(s.queue) >= subBuffer || s.dropped > 0 {
		// Once behind, drop until the reload signal has gone out, so the
		// listener never sees a gap it was not told about.
		s.dropped++
	} else {
		s.queue = append(s.queue, ev)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (b *broker) publish(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, ev := range evs {
			s.push(ev)
		}
	}
}

// close ends every subscription and waits for their goroutines.
func (b *broker) close() {
	b.mu.Lock()
	subs := make([]*subscriber, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.subs = nil
	b.closed = true
	b.mu.Unlock()
	for _, s := range subs {
		s.once.Do(func() { close(s.stop) })
	}
	b.wg.Wait()
}
