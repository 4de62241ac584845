package capture

// The full-text index stays consistent through eviction, clearing and
// deletion, and search takes any input.

import (
	"context"
	"testing"
)

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
	if _, err := st.Clear(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// A capture that committed, then the process died before indexing it.
	r := textReq("/late", "capybara")
	if _, err := db.Write.Exec(`INSERT INTO captures(id, received_at, method, target, proto, host,
		remote_addr, headers, content_type, body, body_size, truncated, declared_size,
		headers_from_wire, error, resp_status, resp_headers, resp_body)
		VALUES(?, 0, 'POST', '/late', 'HTTP/1.1', '', '', '[]', '', ?, 8, 0, 8, 0, '', 200, '[]', x'');
		INSERT INTO capture_unindexed(seq) SELECT seq FROM captures WHERE id = ?`,
		r.ID, r.Body, r.ID); err != nil {
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

// Deleting, evicting and clearing leave no capture waiting for the index
// that is not stored, and no stored capture both indexed and waiting.
func TestUnindexedQueueInStep(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{MaxCaptures: 3})
	defer db.Close()
	defer st.Close()
	ctx := context.Background()
	check := func(step string) {
		t.Helper()
		if err := st.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		var orphans, waiting, stored, indexed int
		if err := db.Read.QueryRow(`SELECT
			(SELECT count(*) FROM capture_unindexed WHERE seq NOT IN (SELECT seq FROM captures)),
			(SELECT count(*) FROM capture_unindexed),
			(SELECT count(*) FROM captures),
			(SELECT count(*) FROM captures_fts WHERE captures_fts MATCH 'post')`).Scan(&orphans, &waiting, &stored, &indexed); err != nil {
			t.Fatal(err)
		}
		if orphans != 0 || waiting != 0 || indexed != stored {
			t.Fatalf("%s: %d orphans, %d waiting, %d stored, %d indexed", step, orphans, waiting, stored, indexed)
		}
	}
	a, b := textReq("/a", "a"), textReq("/b", "b")
	mustAppend(t, st, a, b)
	check("append")
	if err := st.Delete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	check("delete newest")
	mustAppend(t, st, textReq("/c", "c"), textReq("/d", "d"), textReq("/e", "e"), textReq("/f", "f"))
	check("evict")
	if _, err := st.Clear(ctx, ""); err != nil {
		t.Fatal(err)
	}
	check("clear")
}

func TestSearchWithNUL(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	defer st.Close()
	mustAppend(t, st, textReq("/a", "hello world"))
	if got := ftsQuery("hello\x00wor", true); got != `"hello" "wor"*` {
		t.Errorf("ftsQuery = %q", got)
	}
	if n, err := st.Count(context.Background(), Query{Search: "hello\x00wor", Prefix: true}); err != nil || n != 1 {
		t.Fatalf("search with NUL: %d, %v", n, err)
	}
}
