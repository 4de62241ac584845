package database

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"
)

// ErrWriterClosed is what Writer.Do returns after Close unless
// WriterConfig.Closed names another error.
var ErrWriterClosed = errors.New("writer closed")

// WriterConfig tells a Writer how to commit its items.
type WriterConfig[T any] struct {
	// Commit writes items (one or more, in submission order) and returns
	// nil when every one was committed, or one error per item. It runs on
	// the writer goroutine only, so it may use state no one else touches.
	// Whatever it publishes is published before the submitters are
	// answered.
	Commit func(items []T) []error
	// Solo, if set, reports items that never share a commit: a batch
	// ends before one, and it is committed alone (Commit gets just it).
	Solo func(T) bool
	// MaxBatch caps how many items share one Commit (0 means 512).
	MaxBatch int
	// Queue is how many items may wait before Do blocks (0 means 4096).
	Queue int
	// Idle, if set, is called on the writer goroutine each time it is about
	// to wait for an item. It may do deferred work and returns a channel to
	// wait on beside the queue (nil: none); when that fires first, Wake is
	// called and the writer waits again.
	Idle func() <-chan time.Time
	Wake func()
	// Every runs work on the writer goroutine at fixed intervals while it
	// waits for items (between commits, never during one).
	Every []Periodic
	// Drain, if set, runs on the writer goroutine once Close has let every
	// queued item commit, before Close returns.
	Drain func()
	// Closed is returned by Do after Close (nil means ErrWriterClosed).
	Closed error
}

// Periodic is work a Writer runs every Interval (which must be positive).
type Periodic struct {
	Interval time.Duration
	Run      func()
}

// Writer is a group-commit writer: one goroutine commits every item
// submitted with Do, merging the items queued at the moment into one
// Commit (one transaction), so concurrent writers share the cost of a
// commit. Do returns only once its item's commit is over, with that item's
// own error. Do and Close are safe for concurrent use; Commit, Idle, Wake,
// the Every work and Drain all run on the writer goroutine, one at a time.
type Writer[T any] struct {
	cfg    WriterConfig[T]
	ops    chan *job[T]
	mu     sync.RWMutex // guards closed against sends on ops
	closed bool
	done   chan struct{}
}

type job[T any] struct {
	item T
	done chan error
}

// NewWriter starts the writer goroutine; Close stops it.
func NewWriter[T any](cfg WriterConfig[T]) *Writer[T] {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 512
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if cfg.Closed == nil {
		cfg.Closed = ErrWriterClosed
	}
	if (cfg.Idle == nil) != (cfg.Wake == nil) {
		panic("database: Writer Idle and Wake go together")
	}
	for _, p := range cfg.Every {
		if p.Interval <= 0 {
			panic("database: Writer Every interval must be positive")
		}
	}
	w := &Writer[T]{cfg: cfg, ops: make(chan *job[T], cfg.Queue), done: make(chan struct{})}
	go w.run()
	return w
}

// Do queues item and waits for its commit. If ctx ends before the item is
// queued, Do returns ctx's error and the item never runs; once queued, Do
// waits for the commit even if ctx ends, so a caller never answers before
// the commit it asked for. After Close it returns WriterConfig.Closed.
func (w *Writer[T]) Do(ctx context.Context, item T) error {
	j := &job[T]{item: item, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return w.cfg.Closed
	}
	select {
	case w.ops <- j:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	return <-j.done
}

// Close stops accepting items, commits everything queued, runs Drain and
// stops the writer goroutine. Every call, including a concurrent or
// repeated one, returns only once the writer has finished, so closing the
// database after it is safe.
func (w *Writer[T]) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ops)
	}
	w.mu.Unlock()
	<-w.done
}

// Done is closed once the writer goroutine has finished (after Close).
func (w *Writer[T]) Done() <-chan struct{} { return w.done }

func (w *Writer[T]) solo(j *job[T]) bool { return w.cfg.Solo != nil && w.cfg.Solo(j.item) }

func (w *Writer[T]) run() {
	defer close(w.done)
	// Periodic work shares one timer, set for the earliest deadline.
	next := make([]time.Time, len(w.cfg.Every))
	for i, p := range w.cfg.Every {
		next[i] = time.Now().Add(p.Interval)
	}
	var tick *time.Timer
	if len(next) > 0 {
		tick = time.NewTimer(time.Hour)
		defer tick.Stop()
	}
	var pending *job[T] // a solo item that ended the last batch
	for {
		var first *job[T]
		if pending != nil {
			first, pending = pending, nil
		} else {
			var idle, periodic <-chan time.Time
			if w.cfg.Idle != nil {
				idle = w.cfg.Idle()
			}
			if tick != nil {
				soonest := next[0]
				for _, t := range next[1:] {
					if t.Before(soonest) {
						soonest = t
					}
				}
				tick.Reset(time.Until(soonest))
				periodic = tick.C
			}
			select {
			case j, ok := <-w.ops:
				if !ok {
					if w.cfg.Drain != nil {
						w.cfg.Drain()
					}
					return
				}
				first = j
			case <-idle:
				w.cfg.Wake()
				continue
			case now := <-periodic:
				for i, p := range w.cfg.Every {
					if !now.Before(next[i]) {
						p.Run()
						next[i] = time.Now().Add(p.Interval)
					}
				}
				continue
			}
		}
		if w.solo(first) {
			w.commit([]*job[T]{first})
			continue
		}
		batch := []*job[T]{first}
		// The submitters this writer just answered sit in its own P's run
		// queue and would not run (and queue their next item) until the
		// writer blocks; yielding lets them, so batches grow under load.
		runtime.Gosched()
	fill:
		for len(batch) < w.cfg.MaxBatch {
			select {
			case j, ok := <-w.ops:
				if !ok {
					break fill
				}
				if w.solo(j) {
					pending = j
					break fill
				}
				batch = append(batch, j)
			default:
				break fill
			}
		}
		w.commit(batch)
	}
}

func (w *Writer[T]) commit(batch []*job[T]) {
	items := make([]T, len(batch))
	for i, j := range batch {
		items[i] = j.item
	}
	errs := w.cfg.Commit(items)
	for i, j := range batch {
		var err error
		if errs != nil {
			err = errs[i]
		}
		j.done <- err
	}
}

// Each returns errs with err for each of n items, or nil when err is nil:
// the answer of a Commit whose items succeed or fail together.
func Each(n int, err error) []error {
	if err == nil {
		return nil
	}
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}
