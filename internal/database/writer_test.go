package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a Commit that records each batch and can be held shut.
type recorder struct {
	mu      sync.Mutex
	batches [][]string
	gate    chan struct{} // while open (not closed), the first Commit waits on it
	entered chan struct{} // closed when the first Commit starts
	once    sync.Once
}

func newRecorder() *recorder {
	return &recorder{gate: make(chan struct{}), entered: make(chan struct{})}
}

func (r *recorder) commit(items []string) []error {
	r.once.Do(func() { close(r.entered); <-r.gate })
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(items))
	r.mu.Unlock()
	var errs []error
	for i, it := range items {
		if it == "bad" {
			if errs == nil {
				errs = make([]error, len(items))
			}
			errs[i] = fmt.Errorf("item %d: bad", i)
		}
	}
	return errs
}

// queued waits (without sleeping) until n jobs sit in w's queue.
func queued[T any](t *testing.T, w *Writer[T], n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(w.ops) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d items queued", len(w.ops), n)
		}
		runtime.Gosched()
	}
}

func TestWriterBatches(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxBatch int
		items    []string // queued, in order, behind a held first commit
		want     [][]string
		wantErr  map[string]bool
	}{
		{"concurrent submits share one commit", 0,
			[]string{"a", "b", "c", "d"}, [][]string{{"a", "b", "c", "d"}}, nil},
		{"MaxBatch caps a commit", 3,
			[]string{"a", "b", "c", "d", "e"}, [][]string{{"a", "b", "c"}, {"d", "e"}}, nil},
		{"a solo item ends the batch and commits alone", 0,
			[]string{"a", "b", "solo", "c"}, [][]string{{"a", "b"}, {"solo"}, {"c"}}, nil},
		{"a failing item's error reaches only its submitter", 0,
			[]string{"a", "bad", "c"}, [][]string{{"a", "bad", "c"}}, map[string]bool{"bad": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			w := NewWriter(WriterConfig[string]{
				Commit: r.commit, MaxBatch: tc.maxBatch,
				Solo: func(s string) bool { return s == "solo" },
			})
			defer w.Close()
			first := make(chan error, 1)
			go func() { first <- w.Do(context.Background(), "first") }()
			<-r.entered
			errs := make([]chan error, len(tc.items))
			for i, it := range tc.items {
				errs[i] = make(chan error, 1)
				go func() { errs[i] <- w.Do(context.Background(), it) }()
				queued(t, w, i+1) // keep submission order
			}
			close(r.gate)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			for i, it := range tc.items {
				err := <-errs[i]
				if (err != nil) != tc.wantErr[it] {
					t.Errorf("%s: err = %v", it, err)
				}
			}
			r.mu.Lock()
			got := r.batches[1:]
			r.mu.Unlock()
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("batches = %v, want %v", got, tc.want)
			}
		})
	}
}

// One bad row in a batch fails only its submitter, as capture.Store does
// it: the batch transaction fails, and each item is retried alone.
func TestWriterOneBadRow(t *testing.T) {
	db := openTest(t)
	var commit func(items []*int) []error
	commit = func(items []*int) []error {
		err := db.InTx(context.Background(), func(tx *sql.Tx) error {
			for _, x := range items {
				if _, err := tx.Exec(`INSERT INTO t(x) VALUES(?)`, x); err != nil { // nil: NOT NULL fails
					return err
				}
			}
			return nil
		})
		if err != nil && len(items) > 1 {
			errs := make([]error, len(items))
			for i, x := range items {
				if e := commit([]*int{x}); e != nil {
					errs[i] = e[0]
				}
			}
			return errs
		}
		return Each(len(items), err)
	}
	gate, entered := make(chan struct{}), make(chan struct{})
	var once sync.Once
	w := NewWriter(WriterConfig[*int]{Commit: func(items []*int) []error {
		once.Do(func() { close(entered); <-gate })
		return commit(items)
	}})
	defer w.Close()
	one, two := 1, 2
	items := []*int{&one, nil, &two}
	first := make(chan error, 1)
	go func() { first <- w.Do(context.Background(), &one) }()
	<-entered
	errs := make([]chan error, len(items))
	for i, x := range items {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- w.Do(context.Background(), x) }()
		queued(t, w, i+1)
	}
	close(gate)
	<-first
	for i, x := range items {
		if err := <-errs[i]; (err != nil) != (x == nil) {
			t.Errorf("item %d: err = %v", i, err)
		}
	}
	if n := count(t, db); n != 3 {
		t.Fatalf("rows = %d, want 3 (first, one, two)", n)
	}
}

func TestWriterClose(t *testing.T) {
	errStopped := errors.New("stopped")
	for _, tc := range []struct {
		name    string
		closed  error
		wantErr error
	}{
		{"default error", nil, ErrWriterClosed},
		{"the store's error", errStopped, errStopped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			drained := 0
			w := NewWriter(WriterConfig[string]{Commit: r.commit, Closed: tc.closed,
				Drain: func() {
					r.mu.Lock()
					defer r.mu.Unlock()
					if len(r.batches) != 2 {
						t.Errorf("Drain ran before the queue was committed: %v", r.batches)
					}
					drained++
				}})
			first := make(chan error, 1)
			go func() { first <- w.Do(context.Background(), "first") }()
			<-r.entered
			queuedErr := make(chan error, 1)
			go func() { queuedErr <- w.Do(context.Background(), "queued") }()
			queued(t, w, 1)
			// Close waits for the queued item, from any number of callers.
			var closers sync.WaitGroup
			for range 3 {
				closers.Add(1)
				go func() {
					defer closers.Done()
					w.Close()
					select {
					case <-w.Done():
					default:
						t.Error("Close returned before the writer finished")
					}
				}()
			}
			close(r.gate)
			closers.Wait()
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			if err := <-queuedErr; err != nil {
				t.Fatalf("an item queued before Close: %v", err)
			}
			if drained != 1 {
				t.Fatalf("Drain ran %d times", drained)
			}
			if err := w.Do(context.Background(), "late"); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Do after Close: %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// A submitter whose ctx ends before its item is queued gets ctx's error
// and the item never runs.
func TestWriterCtxBeforeQueued(t *testing.T) {
	r := newRecorder()
	w := NewWriter(WriterConfig[string]{Commit: r.commit, Queue: 1})
	first := make(chan error, 1)
	go func() { first <- w.Do(context.Background(), "first") }()
	<-r.entered
	second := make(chan error, 1)
	go func() { second <- w.Do(context.Background(), "queued") }()
	queued(t, w, 1) // the queue is full
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Do(ctx, "never"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	close(r.gate)
	<-first
	<-second
	w.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.batches {
		if slices.Contains(b, "never") {
			t.Fatal("a cancelled item ran")
		}
	}
}

// Idle, Wake and Every run on the writer goroutine, never beside Commit.
func TestWriterIdleAndEvery(t *testing.T) {
	var busy bool // touched by the writer goroutine only: -race checks it
	woke, ticked := make(chan struct{}), make(chan struct{})
	var wokeOnce, tickOnce sync.Once
	fire := make(chan time.Time, 1)
	fire <- time.Time{}
	w := NewWriter(WriterConfig[string]{
		Commit: func(items []string) []error { busy = true; busy = false; return nil },
		Idle:   func() <-chan time.Time { busy = busy || false; return fire },
		Wake:   func() { wokeOnce.Do(func() { close(woke) }) },
		Every: []Periodic{{Interval: time.Millisecond, Run: func() {
			if busy {
				t.Error("periodic work beside a commit")
			}
			tickOnce.Do(func() { close(ticked) })
		}}},
	})
	if err := w.Do(context.Background(), "x"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []chan struct{}{woke, ticked} {
		select {
		case <-c:
		case <-time.After(10 * time.Second):
			t.Fatal("Wake or Every never ran")
		}
	}
	w.Close()
}
