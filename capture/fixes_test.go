package capture

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/database"
)

// Regression tests for review findings; internal to reach the index mark.

func openTestStore(t *testing.T, dir string, cfg StoreConfig) (*Store, *database.DB) {
	t.Helper()
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStore(context.Background(), db, cfg)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return st, db
}

var testIDs IDGen

func textReq(target, body string) *Request {
	now := time.Now()
	return &Request{ID: testIDs.New(now), ReceivedAt: now, Method: "POST", Target: target,
		Proto: "HTTP/1.1", Headers: Headers{{Name: "Content-Type", Value: "text/plain"}},
		Body: []byte(body), BodySize: int64(len(body)), DeclaredSize: int64(len(body))}
}

func mustAppend(t *testing.T, st *Store, rs ...*Request) {
	t.Helper()
	for _, r := range rs {
		if err := st.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// A capture evicted before its text was indexed must not lend that text to
// a later capture that reuses its rowid.
func TestEvictedTextNotIndexedUnderReusedSeq(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{MaxBodyBytes: 20})
	defer db.Close()
	defer st.Close()
	ctx := context.Background()
	// The second body alone is over the limit: both rows go, and the third
	// capture gets rowid 1 again while the first's text is still queued.
	mustAppend(t, st, textReq("/a", "alpaca"), textReq("/big", "zebracorn is far over the limit"),
		textReq("/b", "tapir"))
	for _, w := range []string{"alpaca", "zebracorn"} {
		if got, err := st.List(ctx, Query{Search: w}); err != nil || len(got) != 0 {
			t.Errorf("search %q: %d hits (%v), want none", w, len(got), err)
		}
	}
	if n, err := st.Count(ctx, Query{Search: "tapir"}); err != nil || n != 1 {
		t.Errorf("search tapir: %d, %v", n, err)
	}
}

// After Clear, rowids restart at 1: a capture committed then but not yet
// indexed when the process stops must still be indexed at the next open.
func TestIndexRecoveryAfterClear(t *testing.T) {
	dir := t.TempDir()
	st, db := openTestStore(t, dir, StoreConfig{})
	mustAppend(t, st, textReq("/1", "one"), textReq("/2", "two"), textReq("/3", "three"))
	if _, err := st.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// A capture that committed, then the process died before indexing it.
	r := textReq("/late", "capybara")
	if _, err := db.Write.Exec(`INSERT INTO captures(id, received_at, method, target, proto, host,
		remote_addr, headers, content_type, body, body_size, truncated, declared_size,
		headers_from_wire, error, resp_status, resp_headers, resp_body)
		VALUES(?, 0, 'POST', '/late', 'HTTP/1.1', '', '', '[]', '', ?, 8, 0, 8, 0, '', 200, '[]', x'')`,
		r.ID, r.Body); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, db = openTestStore(t, dir, StoreConfig{})
	defer db.Close()
	defer st.Close()
	if n, err := st.Count(context.Background(), Query{Search: "capybara"}); err != nil || n != 1 {
		t.Fatalf("after reopen: %d, %v", n, err)
	}
}

// Deleting the newest capture lowers the mark, so its reused rowid is
// above it.
func TestIndexMarkAfterDeleteNewest(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	defer st.Close()
	a, b := textReq("/a", "a"), textReq("/b", "b")
	mustAppend(t, st, a, b)
	if err := st.Delete(context.Background(), b.ID); err != nil {
		t.Fatal(err)
	}
	var mark, top int64
	if err := db.Read.QueryRow(`SELECT (SELECT seq FROM capture_fts_state), (SELECT max(seq) FROM captures)`).Scan(&mark, &top); err != nil {
		t.Fatal(err)
	}
	if mark > top {
		t.Fatalf("index mark %d above the newest capture %d", mark, top)
	}
}

// Every Close call returns only after the writer finished, so a caller may
// close the database right after it.
func TestConcurrentCloseWaitsForWriter(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = st.Append(context.Background(), textReq("/x", "x"))
		}()
	}
	var closers sync.WaitGroup
	for i := 0; i < 3; i++ {
		closers.Add(1)
		go func() {
			defer closers.Done()
			st.Close()
			select {
			case <-st.done:
			default:
				t.Error("Close returned before the writer finished")
			}
		}()
	}
	closers.Wait()
	wg.Wait()
}

func TestSubscribeAfterCloseEnds(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	st.Close()
	ch, cancel := st.Subscribe(context.Background())
	defer cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("event after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a subscription made after Close is never closed")
	}
}

func TestShutdownTwice(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	defer st.Close()
	srv := NewServer(st, Config{Addr: "127.0.0.1:0"})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second Shutdown hangs")
	}
}

func TestSearchWithNUL(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	defer st.Close()
	mustAppend(t, st, textReq("/a", "hello world"))
	if got := ftsQuery("hello\x00wor"); got != `"hello" "wor"*` {
		t.Errorf("ftsQuery = %q", got)
	}
	if n, err := st.Count(context.Background(), Query{Search: "hello\x00wor"}); err != nil || n != 1 {
		t.Fatalf("search with NUL: %d, %v", n, err)
	}
}

func TestParseSizeNaN(t *testing.T) {
	for _, s := range []string{"nan", "NaN MiB", "inf", "-1"} {
		if n, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", s, n)
		}
	}
}
