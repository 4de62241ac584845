package replay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

// countingSender answers 200 and tracks how many produced captures are
// not yet answered.
type countingSender struct {
	produced, answered atomic.Int64
	mu                 sync.Mutex
	maxOut             int64
}

func (c *countingSender) Send(context.Context, Request, Options) Result {
	out := c.produced.Load() - c.answered.Load()
	c.mu.Lock()
	c.maxOut = max(c.maxOut, out)
	c.mu.Unlock()
	c.answered.Add(1)
	return Result{Status: 200}
}

// TestBulkEachBoundedMemory: a streamed bulk replay sends every capture
// once, while holding no more than Concurrency+2 of them at a time (the
// workers', the one in the hand-over, the one being produced).
func TestBulkEachBoundedMemory(t *testing.T) {
	for _, conc := range []int{1, 4, 16} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			s := &countingSender{}
			const n = 2000
			sum, err := BulkEach(context.Background(), s, nil, func(fn func(*capture.Request) error) error {
				for i := range n {
					s.produced.Add(1)
					r := &capture.Request{ID: fmt.Sprint(i), Method: "POST", Target: "/x", Proto: "HTTP/1.1"}
					if err := fn(r); err != nil {
						return err
					}
				}
				return nil
			}, n, BulkOptions{Target: "http://127.0.0.1:1", Concurrency: conc})
			if err != nil || sum.Sent != n || sum.OK != n {
				t.Fatalf("summary %+v, %v", sum, err)
			}
			if s.maxOut > int64(conc)+2 {
				t.Fatalf("%d captures held at once with concurrency %d", s.maxOut, conc)
			}
		})
	}
}

// TestBulkEachSourceError: the source failing ends the run with its error
// and a summary of what was sent; canceling ctx is not a failure.
func TestBulkEachSourceError(t *testing.T) {
	boom := errors.New("disk on fire")
	sum, err := BulkEach(context.Background(), &countingSender{}, nil, func(fn func(*capture.Request) error) error {
		for i := range 3 {
			if err := fn(&capture.Request{ID: fmt.Sprint(i), Method: "GET", Target: "/", Proto: "HTTP/1.1"}); err != nil {
				return err
			}
		}
		return boom
	}, 0, BulkOptions{Target: "http://127.0.0.1:1"})
	if !errors.Is(err, boom) || sum.Sent != 3 {
		t.Fatalf("sent %d, err %v", sum.Sent, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err = BulkEach(ctx, &countingSender{}, nil, func(fn func(*capture.Request) error) error {
		for {
			if err := fn(&capture.Request{Method: "GET", Target: "/", Proto: "HTTP/1.1"}); err != nil {
				return fmt.Errorf("list captures: %w", err)
			}
		}
	}, 0, BulkOptions{Target: "http://127.0.0.1:1"})
	if err != nil || sum.Sent != 0 {
		t.Fatalf("canceled: sent %d, err %v", sum.Sent, err)
	}
}
