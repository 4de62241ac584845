package fanout

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/leaktest"
	"go.uber.org/goleak"
)

// lagged marks the "you missed n" value in these tests.
func lag(n int) int { return -n }

func recv(t *testing.T, ch <-chan int) (int, bool) {
	t.Helper()
	select {
	case v, ok := <-ch:
		return v, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no value")
		return 0, false
	}
}

// The slow-subscriber rule: a subscriber limit values behind misses the
// later ones, gets the backlog it had, then one lag value counting what it
// missed, then values published after that.
func TestSlowSubscriber(t *testing.T) {
	for _, tc := range []struct {
		name      string
		limit     int
		published int
		want      []int // what the subscriber reads before the late value
	}{
		{"within the limit: everything", 3, 3, []int{1, 2, 3}},
		{"over the limit: backlog, then the count missed", 3, 5, []int{1, 2, 3, -2}},
		{"far over", 2, 10, []int{1, 2, -8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := New(tc.limit, lag)
			defer b.Close()
			ch, cancel := b.Subscribe(context.Background())
			defer cancel()
			// The subscriber reads nothing yet: the publisher must not block.
			for i := 1; i <= tc.published; i++ {
				b.Publish(i)
			}
			for i, want := range tc.want {
				if got, _ := recv(t, ch); got != want {
					t.Fatalf("value %d = %d, want %d", i, got, want)
				}
			}
			// Once told, the subscriber gets new values again. (A value
			// published while the subscriber's goroutine is still noting
			// that the lag value went out counts as missed too: wait.)
			settled(t, b)
			b.Publish(100)
			if got, _ := recv(t, ch); got != 100 {
				t.Fatalf("after the lag value: %d, want 100", got)
			}
		})
	}
}

// One slow subscriber costs the others nothing.
// settled waits until no subscriber of b has misses still to report.
func settled(t *testing.T, b *Broker[int]) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		busy := false
		b.mu.Lock()
		for s := range b.subs {
			s.mu.Lock()
			busy = busy || s.dropped > 0
			s.mu.Unlock()
		}
		b.mu.Unlock()
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the lag was never noted")
		}
		runtime.Gosched()
	}
}

func TestSlowSubscriberAlone(t *testing.T) {
	b := New(2, lag)
	defer b.Close()
	slow, cancelSlow := b.Subscribe(context.Background())
	defer cancelSlow()
	fast, cancelFast := b.Subscribe(context.Background())
	defer cancelFast()
	for i := 1; i <= 5; i++ {
		b.Publish(i)
		if got, _ := recv(t, fast); got != i {
			t.Fatalf("fast got %d, want %d", got, i)
		}
	}
	for _, want := range []int{1, 2, -3} {
		if got, _ := recv(t, slow); got != want {
			t.Fatalf("slow got %d, want %d", got, want)
		}
	}
}

func TestEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(b *Broker[int], cancelCtx, cancel func())
	}{
		{"cancel", func(_ *Broker[int], _, cancel func()) { cancel() }},
		{"ctx", func(_ *Broker[int], cancelCtx, _ func()) { cancelCtx() }},
		{"Close", func(b *Broker[int], _, _ func()) { b.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			b := New(0, lag)
			ctx, cancelCtx := context.WithCancel(context.Background())
			defer cancelCtx()
			ch, cancel := b.Subscribe(ctx)
			b.Publish(1) // queued, never read
			tc.end(b, cancelCtx, cancel)
			for {
				if _, ok := recv(t, ch); !ok {
					break
				}
			}
			cancel() // again: harmless
			b.Close()
			b.Close()
			// A subscription made after Close ends at once.
			late, lateCancel := b.Subscribe(context.Background())
			lateCancel()
			if _, ok := recv(t, late); ok {
				t.Fatal("value after Close")
			}
			// No goroutine outlives the subscription.
			leaktest.VerifyNone(t, ignore)
		})
	}
}
