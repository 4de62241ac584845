// Package fanout hands each published value to every subscriber without
// ever blocking the publisher. Each subscriber has a bounded queue drained
// into its channel by its own goroutine; one that falls too far behind
// misses values and is told how many, instead of stalling the publisher.
package fanout

import (
	"context"
	"sync"
)

// DefaultLimit is how many values a subscriber may lag behind when
// New is given 0.
const DefaultLimit = 1024

// Broker fans values of type T out to subscribers. Its methods are safe
// for concurrent use. The slow-subscriber rule: a subscriber with Limit
// values waiting misses every later value until it has received, after
// the backlog it had, the value lag(n) saying it missed n; so it never
// sees a gap it was not told about.
type Broker[T any] struct {
	limit  int
	lag    func(missed int) T
	mu     sync.Mutex
	subs   map[*subscriber[T]]struct{}
	closed bool // after Close, new subscriptions end at once
	wg     sync.WaitGroup
}

// New returns a Broker whose subscribers may lag limit values behind
// (0 means DefaultLimit); lag makes the value that tells a subscriber it
// missed some.
func New[T any](limit int, lag func(missed int) T) *Broker[T] {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return &Broker[T]{limit: limit, lag: lag}
}

type subscriber[T any] struct {
	mu      sync.Mutex
	queue   []T
	dropped int
	wake    chan struct{} // cap 1: "the queue changed"
	out     chan T
	stop    chan struct{}
	once    sync.Once
}

// Subscribe delivers every value published after the call, in order,
// until ctx ends, cancel is called or the Broker is closed; the channel is
// then closed. After Close, the channel is closed at once.
func (b *Broker[T]) Subscribe(ctx context.Context) (<-chan T, func()) {
	s := &subscriber[T]{
		wake: make(chan struct{}, 1),
		out:  make(chan T),
		stop: make(chan struct{}),
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		close(s.out)
		return s.out, func() {}
	}
	if b.subs == nil {
		b.subs = map[*subscriber[T]]struct{}{}
	}
	b.subs[s] = struct{}{}
	// Add under mu, so Close (which sets closed under mu) waits for it.
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
		s.run(ctx, b.lag)
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

func (s *subscriber[T]) run(ctx context.Context, lag func(int) T) {
	for {
		s.mu.Lock()
		var v T
		have, missed := false, 0
		if len(s.queue) > 0 {
			v, have = s.queue[0], true
		} else if s.dropped > 0 {
			// Tell the lag only once the backlog before it is delivered,
			// so "reload" comes after everything the listener did get.
			missed = s.dropped
			v, have = lag(missed), true
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
		case s.out <- v:
			s.mu.Lock()
			if missed > 0 {
				s.dropped -= missed
			} else {
				var zero T
				s.queue[0] = zero
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

func (s *subscriber[T]) push(v T, limit int) {
	s.mu.Lock()
	if len(s.queue) >= limit || s.dropped > 0 {
		// Once behind, drop until the lag value has gone out, so the
		// listener never sees a gap it was not told about.
		s.dropped++
	} else {
		s.queue = append(s.queue, v)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Publish queues vs for every subscriber, in order. It never blocks on a
// subscriber.
func (b *Broker[T]) Publish(vs ...T) {
	if len(vs) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, v := range vs {
			s.push(v, b.limit)
		}
	}
}

// Close ends every subscription and waits for their goroutines.
func (b *Broker[T]) Close() {
	b.mu.Lock()
	subs := make([]*subscriber[T], 0, len(b.subs))
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
