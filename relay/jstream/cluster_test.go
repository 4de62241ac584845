package jstream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gancho-app/gancho/relay/jstream/jstreamtest"
)

// testCluster is a jstreamtest.Cluster whose Stores close at cleanup.
type testCluster struct {
	*jstreamtest.Cluster
	t testing.TB
}

func startCluster(t testing.TB, n int) *testCluster {
	t.Helper()
	return &testCluster{Cluster: jstreamtest.Start(t, n), t: t}
}

// openAt opens a Store connected to node i first (it learns the others).
func (c *testCluster) openAt(i int) *Store {
	c.t.Helper()
	s, err := Open(testCtx(c.t), Config{URLs: []string{c.URL(i)}, Replicas: 3, ConnectTimeout: 10 * time.Second})
	if err != nil {
		c.t.Fatalf("Open at node %d: %v", i, err)
	}
	c.t.Cleanup(func() { s.Close() })
	return s
}

// appendRetrying appends until acknowledged, retrying with the same id
// after an error, and gives up at deadline (the hook is then
// unacknowledged: it may be stored or not, but never twice).
func appendRetrying(s *Store, ch, id string, rec []byte, deadline time.Time) (int64, bool) {
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		seq, err := s.Append(ctx, ch, id, time.Now(), rec)
		cancel()
		if err == nil {
			return seq, true
		}
		if errors.Is(err, ErrClosed) {
			return 0, false
		}
	}
	return 0, false
}

// TestClusterNodeRestart sends hooks through two Stores on different nodes
// of a three-node R3 cluster while one node is shut down and restarted,
// and checks from a third connection (live and read back) that every
// acknowledged hook is there exactly once, in order.
func TestClusterNodeRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped with -short")
	}
	noLeaks(t)
	c := startCluster(t, 3)
	a, b := c.openAt(0), c.openAt(1)
	if _, err := a.EnsureChannel(testCtx(t), "team", Retention{}); err != nil {
		t.Fatal(err)
	}
	reader := c.openAt(2)

	var watchMu sync.Mutex
	var watched []Hook
	stop, err := reader.Watch(testCtx(t), "team", 0, func(h Hook) {
		watchMu.Lock()
		watched = append(watched, h)
		watchMu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	const perSender = 1000
	var acked atomic.Int64
	type result struct {
		id  string
		seq int64
	}
	results := make(chan result, 2*perSender)
	var unacked atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(40 * time.Second)
	for si, s := range []*Store{a, b} {
		wg.Go(func() {
			for i := range perSender {
				id := fmt.Sprintf("s%d-%04d", si, i)
				seq, ok := appendRetrying(s, "team", id, []byte(id), deadline)
				if !ok {
					unacked.Add(1)
					continue
				}
				acked.Add(1)
				results <- result{id, seq}
			}
		})
	}
	eventually(t, 30*time.Second, "a third of the hooks acknowledged", func() bool { return acked.Load() >= 2*perSender/3 })
	c.Stop(0)
	eventually(t, 30*time.Second, "hooks acknowledged with node 0 down", func() bool { return acked.Load() >= 2*2*perSender/3 })
	c.Restart(0)
	wg.Wait()
	close(results)
	c.WaitReady()

	want := map[string]int64{}
	for r := range results {
		if prev, dup := want[r.id]; dup {
			t.Fatalf("%s acknowledged twice (seqs %d and %d)", r.id, prev, r.seq)
		}
		want[r.id] = r.seq
	}
	t.Logf("%d acknowledged, %d given up", len(want), unacked.Load())
	if len(want) < perSender {
		t.Fatalf("only %d of %d hooks acknowledged", len(want), 2*perSender)
	}

	// Read everything back from the third connection, in pages.
	var read []Hook
	for after := int64(0); ; {
		page, err := reader.ReadAfter(testCtx(t), "team", after, 500, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		read = append(read, page...)
		after = page[len(page)-1].Seq
	}
	check := func(name string, hooks []Hook) {
		t.Helper()
		seen := map[string]int64{}
		var prev int64
		for _, h := range hooks {
			if h.Seq <= prev {
				t.Fatalf("%s: seq %d after %d: out of order", name, h.Seq, prev)
			}
			prev = h.Seq
			id := string(h.Rec)
			if s, dup := seen[id]; dup {
				t.Fatalf("%s: %s stored twice (seqs %d and %d)", name, id, s, h.Seq)
			}
			seen[id] = h.Seq
		}
		for id, seq := range want {
			if got, ok := seen[id]; !ok || got != seq {
				t.Fatalf("%s: acknowledged %s at seq %d, found at %d (present %v)", name, id, seq, got, ok)
			}
		}
	}
	check("read back", read)
	last, _, err := reader.Head(testCtx(t), "team")
	if err != nil || last != read[len(read)-1].Seq || last != int64(len(read)) {
		t.Fatalf("head %d (%v), read %d hooks up to seq %d: want contiguous seqs", last, err, len(read), read[len(read)-1].Seq)
	}
	eventually(t, 30*time.Second, "the watch delivers every hook", func() bool {
		watchMu.Lock()
		defer watchMu.Unlock()
		return len(watched) >= len(read)
	})
	stop()
	watchMu.Lock()
	check("watched", watched)
	if len(watched) != len(read) {
		t.Fatalf("watched %d hooks, read %d", len(watched), len(read))
	}
	watchMu.Unlock()

	// The restarted node caught up: its own replica holds every hook.
	eventually(t, 30*time.Second, "restarted node's replica has every hook", func() bool {
		return c.LastSeq(0, StreamName("team")) == uint64(last)
	})
}

// TestClusterStorageReserved: JetStream reserves each channel's byte limit
// on every replica, so a channel that does not fit the servers' file store
// is refused with what to change (each test node has 4 GiB).
func TestClusterStorageReserved(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped with -short")
	}
	c := startCluster(t, 3)
	s := c.openAt(0)
	_, err := s.EnsureChannel(testCtx(t), "big", Retention{MaxBytes: 5 << 30})
	if err == nil || !strings.Contains(err.Error(), "max_file_store") || !strings.Contains(err.Error(), "--retention-bytes") {
		t.Fatalf("a 5 GiB channel: %v, want the storage hint", err)
	}
	if _, err := s.EnsureChannel(testCtx(t), "big", Retention{MaxBytes: 1 << 30}); err != nil {
		t.Fatalf("a 1 GiB channel fits: %v", err)
	}
}
