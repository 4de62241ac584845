package jstream

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gancho-app/gancho/internal/leaktest"
)

// noLeaks checks, after every other cleanup of t (Stores closed), that
// t left no goroutine running.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { leaktest.VerifyNone(t, ignore) })
}

// testCtx is a context bounded for one test step.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openEmbedded opens an embedded Store in dir (closed at cleanup if the
// test did not).
func openEmbedded(t testing.TB, dir string, mod ...func(*Config)) *Store {
	t.Helper()
	cfg := Config{Dir: dir}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := Open(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ensure makes channel ch with retention r.
func ensure(t testing.TB, s *Store, ch string, r Retention) int64 {
	t.Helper()
	epoch, err := s.EnsureChannel(testCtx(t), ch, r)
	if err != nil {
		t.Fatalf("EnsureChannel(%s): %v", ch, err)
	}
	return epoch
}

// appendN appends n hooks "<prefix>i" and returns their seqs.
func appendN(t testing.TB, s *Store, ch, prefix string, n int) []int64 {
	t.Helper()
	seqs := make([]int64, n)
	for i := range n {
		rec := fmt.Sprintf("%s%d", prefix, i)
		seq, err := s.Append(testCtx(t), ch, rec, time.Now(), []byte(rec))
		if err != nil {
			t.Fatalf("Append %s: %v", rec, err)
		}
		seqs[i] = seq
	}
	return seqs
}

// seqsOf lists hooks' seqs.
func seqsOf(hs []Hook) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.Seq
	}
	return out
}

// span is lo..hi.
func span(lo, hi int64) []int64 {
	var out []int64
	for s := lo; s <= hi; s++ {
		out = append(out, s)
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		<-tick.C
	}
}
