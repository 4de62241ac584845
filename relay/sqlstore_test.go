package relay

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestSQLStoreSharesCommits: concurrent appends share commits (one
// onCommit per channel per commit), and each commit's hooks reach onCommit
// in seq order, 1, 2, 3, … without a hole or a repeat.
func TestSQLStoreSharesCommits(t *testing.T) {
	const senders, each = 64, 20
	db := openDB(t, t.TempDir())
	defer db.Close()
	var mu sync.Mutex
	var calls int
	var seen []int64
	cfg := ServerConfig{Channels: []string{"ch"}, Retention: Retention{}.withDefaults(), MaxBatch: 512,
		AckFlushInterval: time.Second, SweepInterval: time.Minute, Logf: t.Logf, clock: time.Now}
	st, err := openSQLStore(context.Background(), db, cfg, func(ch string, hooks []storedHook) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		for _, h := range hooks {
			seen = append(seen, h.seq)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := st.Append(context.Background(), "ch", fmt.Sprintf("id-%d-%d", g, i), time.Now(), []byte(`{}`)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, s := range seen {
		if s != int64(i+1) {
			t.Fatalf("onCommit saw seq %d at position %d", s, i)
		}
	}
	if len(seen) != senders*each || mustHead(st.Head(context.Background(), "ch")) != senders*each {
		t.Fatalf("%d hooks committed, head %d, want %d", len(seen), mustHead(st.Head(context.Background(), "ch")), senders*each)
	}
	t.Logf("%d appends in %d commits", len(seen), calls)
	if calls >= senders*each {
		t.Fatalf("%d commits for %d appends: appends do not share commits", calls, senders*each)
	}
}

func mustHead(n int64, _ error) int64 { return n }
