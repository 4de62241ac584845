package capture_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

var ids capture.IDGen

func req(target, ctype, body string) *capture.Request {
	now := time.Now()
	return &capture.Request{
		ID: ids.New(now), ReceivedAt: now, Method: "POST", Target: target, Proto: "HTTP/1.1",
		Host: "h", RemoteAddr: "127.0.0.1:1", DeclaredSize: int64(len(body)),
		Headers: capture.Headers{{Name: "Content-Type", Value: ctype}, {Name: "X-Trace", Value: "trace-" + target}},
		Body:    []byte(body), BodySize: int64(len(body)),
		Response: capture.Response{Status: 200},
	}
}

func appendAll(t *testing.T, st *capture.Store, rs ...*capture.Request) {
	t.Helper()
	for _, r := range rs {
		if err := st.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// incompressible returns n random bytes: stored as they are (see
// packBody), so byte budgets count them exactly.
func incompressible(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return string(b)
}

// syncStore waits for the store's deferred work: indexing and retention.
func syncStore(t *testing.T, st *capture.Store) {
	t.Helper()
	if err := st.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func targets(rs []*capture.Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Target)
	}
	return out
}

func TestSearch(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	appendAll(t, st,
		req("/a", "application/json", `{"email":"ana.souza@example.com.br","phone":"+55 11 91234-5678"}`),
		req("/b", "application/json", `{"name":"João Conceição","stage":"Negociação"}`),
		req("/c", "text/plain", "nothing to see"),
		req("/orders/ord_123", "application/xml", "<sale><amount>1500.00</amount></sale>"),
	)
	gz := req("/gz", "application/json", "")
	gz.Headers = append(gz.Headers, capture.Header{Name: "Content-Encoding", Value: "gzip"})
	gz.Body = gzipped(`{"hidden":"inside-gzip-token"}`)
	appendAll(t, st, gz)
	cases := []struct {
		q      string
		want   []string
		prefix bool
	}{
		{"ana.souza@example.com.br", []string{"/a"}, false},
		{"+55 11 91234-5678", []string{"/a"}, false},
		{"joao", []string{"/b"}, false}, // diacritics folded
		{"negociação", []string{"/b"}, false},
		{"ord_12", nil, false}, // whole words only…
		{"ord_12", nil, true},  // "12": too short to be a prefix
		{"ord_123", []string{"/orders/ord_123"}, false},
		{"ord_123", []string{"/orders/ord_123"}, true}, // a whole word still matches
		{"negocia", []string{"/b"}, true},              // as you type, a last word of three or more characters is a prefix
		{"negocia", nil, false},
		{"ana.so", nil, true}, // "so": too short a prefix to be one
		{"ana.sou", []string{"/a"}, true},
		{"1500.00", []string{"/orders/ord_123"}, false},
		{"trace-/c", []string{"/c"}, false},           // header values
		{"inside-gzip-token", []string{"/gz"}, false}, // decoded bodies
		{"POST nothing", []string{"/c"}, false},       // method column, words ANDed
		{`"quoted" AND NOT (`, nil, false},            // FTS syntax is inert
		{"absent", nil, false},
		{"   ", []string{"/gz", "/orders/ord_123", "/c", "/b", "/a"}, false}, // no words: everything
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/prefix=%v", c.q, c.prefix), func(t *testing.T) {
			got, err := st.List(context.Background(), capture.Query{Search: c.q, Prefix: c.prefix, Summary: true})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(targets(got)) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", targets(got), c.want)
			}
			n, err := st.Count(context.Background(), capture.Query{Search: c.q, Prefix: c.prefix})
			if err != nil || n != len(c.want) {
				t.Fatalf("count %d (%v), want %d", n, err, len(c.want))
			}
		})
	}
}

func TestPagingNewestFirst(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	for i := 0; i < 25; i++ {
		appendAll(t, st, req(fmt.Sprintf("/%02d", i), "text/plain", "x"))
	}
	var all []string
	q := capture.Query{Limit: 10, Summary: true}
	for {
		page, err := st.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, targets(page)...)
		if len(page) < q.Limit {
			break
		}
		q.Before = page[len(page)-1].ID
	}
	if len(all) != 25 || all[0] != "/24" || all[24] != "/00" {
		t.Fatalf("cursor pages: %v", all)
	}
	page, _ := st.List(context.Background(), capture.Query{Limit: 3, Offset: 5})
	if fmt.Sprint(targets(page)) != "[/19 /18 /17]" {
		t.Fatalf("offset page: %v", targets(page))
	}
	if page[0].Body == nil {
		t.Fatal("full list lost the body")
	}
}

func TestRetention(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		st := newStore(t, capture.StoreConfig{MaxCaptures: 5})
		events, cancel := st.Subscribe(context.Background())
		defer cancel()
		for i := 0; i < 8; i++ {
			appendAll(t, st, req(fmt.Sprintf("/%d", i), "text/plain", "x"))
		}
		syncStore(t, st)
		got, _ := st.List(context.Background(), capture.Query{Summary: true})
		if fmt.Sprint(targets(got)) != "[/7 /6 /5 /4 /3]" {
			t.Fatalf("kept %v", targets(got))
		}
		if n, _ := st.Stats(); n != 5 {
			t.Fatalf("stats count %d", n)
		}
		evicted := 0
		for evicted < 3 {
			ev := <-events
			if ev.Kind == capture.Evicted {
				evicted += len(ev.IDs)
			}
		}
		if hits, _ := st.Count(context.Background(), capture.Query{Search: "trace-/0"}); hits != 0 {
			t.Fatal("evicted capture still in the search index")
		}
	})
	t.Run("bytes", func(t *testing.T) {
		st := newStore(t, capture.StoreConfig{MaxBodyBytes: 1000})
		for i := 0; i < 5; i++ {
			appendAll(t, st, req(fmt.Sprintf("/%d", i), "text/plain", incompressible(300)))
		}
		syncStore(t, st)
		got, _ := st.List(context.Background(), capture.Query{Summary: true})
		if fmt.Sprint(targets(got)) != "[/4 /3 /2]" {
			t.Fatalf("kept %v", targets(got))
		}
		if _, b := st.Stats(); b != 900 {
			t.Fatalf("stats bytes %d", b)
		}
	})
}

// TestRetentionNeverEvictsTheAcknowledged: a capture larger than the whole
// budget is still there when its sender is answered.
func TestRetentionNeverEvictsTheAcknowledged(t *testing.T) {
	st := newStore(t, capture.StoreConfig{MaxBodyBytes: 100})
	big := req("/big", "text/plain", incompressible(500))
	appendAll(t, st, big)
	if _, err := st.Get(context.Background(), big.ID); err != nil {
		t.Fatalf("acknowledged capture gone: %v", err)
	}
	next := req("/next", "text/plain", "x")
	appendAll(t, st, next)
	syncStore(t, st)
	if _, err := st.Get(context.Background(), big.ID); err == nil {
		t.Fatal("over-budget capture never evicted")
	}
}

func TestDeleteAndClear(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	a, b := req("/a", "text/plain", "alpha"), req("/b", "text/plain", "beta")
	appendAll(t, st, a, b)
	if err := st.Delete(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(context.Background(), a.ID); !errors.Is(err, capture.ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if err := st.Delete(context.Background(), a.ID); !errors.Is(err, capture.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if n, _ := st.Count(context.Background(), capture.Query{Search: "alpha"}); n != 0 {
		t.Fatal("deleted capture still searchable")
	}
	n, err := st.Clear(context.Background(), "")
	if err != nil || n != 1 {
		t.Fatalf("clear = %d, %v", n, err)
	}
	if c, bytes := st.Stats(); c != 0 || bytes != 0 {
		t.Fatalf("stats after clear %d %d", c, bytes)
	}
}

func TestConcurrentAppend(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	events, cancel := st.Subscribe(context.Background())
	defer cancel()
	const writers, each = 8, 100
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := st.Append(context.Background(), req(fmt.Sprintf("/%d/%d", w, i), "text/plain", "x")); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	seen := map[string]bool{}
	for len(seen) < writers*each {
		ev := <-events
		if ev.Kind != capture.Added || seen[ev.Request.ID] {
			t.Fatalf("unexpected event %+v", ev)
		}
		seen[ev.Request.ID] = true
	}
	wg.Wait()
	if n, _ := st.Count(context.Background(), capture.Query{}); n != writers*each {
		t.Fatalf("stored %d", n)
	}
}

func TestSlowSubscriberGetsDropped(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	slow, cancelSlow := st.Subscribe(context.Background())
	defer cancelSlow()
	fast, cancelFast := st.Subscribe(context.Background())
	defer cancelFast()
	const n = 1500 // more than a subscriber may lag
	done := make(chan int)
	go func() {
		got := 0
		for got < n {
			if ev := <-fast; ev.Kind == capture.Added {
				got++
			}
		}
		done <- got
	}()
	for i := 0; i < n; i++ {
		appendAll(t, st, req(fmt.Sprintf("/%d", i), "text/plain", "x"))
	}
	<-done // capture was never blocked by the slow one
	added, dropped := 0, 0
	for added+dropped < n {
		ev := <-slow
		switch ev.Kind {
		case capture.Added:
			// (An Added may follow the reload signal: it is newer than it.)
			added++
		case capture.Dropped:
			dropped += ev.Count
		}
	}
	if dropped == 0 || added+dropped != n {
		t.Fatalf("added %d dropped %d", added, dropped)
	}
}

func TestCloseFlushesAndRefuses(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	events, _ := st.Subscribe(context.Background())
	appendAll(t, st, req("/a", "text/plain", "x"))
	st.Close()
	if err := st.Append(context.Background(), req("/b", "text/plain", "x")); !errors.Is(err, capture.ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	for range events { // the channel is closed by Close
	}
}

// TestIndexRecovery simulates a crash between a capture's commit and its
// (deferred) index transaction: reopening indexes what is missing.
func TestIndexRecovery(t *testing.T) {
	dir := t.TempDir()
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, st, req("/r", "application/json", `{"customer":"Beatriz Lima"}`))
	st.Close()
	// Undo the indexing as if the process had died before it ran.
	if _, err := db.Write.Exec(`INSERT INTO captures_fts(captures_fts) VALUES('delete-all'); INSERT INTO capture_unindexed SELECT seq FROM captures`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err = capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.Count(context.Background(), capture.Query{Search: "beatriz"}); err != nil || n != 1 {
		t.Fatalf("after recovery: %d, %v", n, err)
	}
}

// TestHeaderBytesKept: a header value that is not UTF-8 (Latin-1 from an
// old CRM) comes back byte for byte.
func TestHeaderBytesKept(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	r := req("/latin1", "text/plain", "x")
	r.Headers = append(r.Headers, capture.Header{Name: "X-Nome", Value: "Jos\xe9 Concei\xe7\xe3o"},
		capture.Header{Name: "x-empty", Value: ""}, capture.Header{Name: "X-Colon", Value: "a: b: c"})
	appendAll(t, st, r)
	got, err := st.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%q", got.Headers) != fmt.Sprintf("%q", r.Headers) {
		t.Fatalf("headers\n got %q\nwant %q", got.Headers, r.Headers)
	}
}

func TestListAfterOldestFirst(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	var rs []*capture.Request
	for i := range 5 {
		rs = append(rs, req(fmt.Sprintf("/%d", i), "text/plain", "x"))
	}
	appendAll(t, st, rs...)
	got, err := st.List(context.Background(), capture.Query{After: rs[1].ID, Oldest: true, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ts := targets(got); len(ts) != 2 || ts[0] != "/2" || ts[1] != "/3" {
		t.Fatalf("got %v, want [/2 /3]", ts)
	}
}

// TestMethods: the distinct stored methods, sorted, custom ones included;
// a method whose last capture is deleted is gone.
func TestMethods(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	ctx := context.Background()
	if got, err := st.Methods(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v", got, err)
	}
	var purge *capture.Request
	for _, m := range []string{"POST", "PROPFIND", "GET", "POST", "PURGE", "X-CUSTOM", "GET"} {
		r := req("/"+m, "text/plain", "x")
		r.Method = m
		if m == "PURGE" {
			purge = r
		}
		appendAll(t, st, r)
	}
	got, err := st.Methods(ctx)
	if want := "GET,POST,PROPFIND,PURGE,X-CUSTOM"; err != nil || fmt.Sprint(got) != fmt.Sprint([]string{"GET", "POST", "PROPFIND", "PURGE", "X-CUSTOM"}) {
		t.Fatalf("Methods = %v, %v; want %s", got, err, want)
	}
	if err := st.Delete(ctx, purge.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Methods(ctx); fmt.Sprint(got) != fmt.Sprint([]string{"GET", "POST", "PROPFIND", "X-CUSTOM"}) {
		t.Fatalf("after deleting the PURGE: %v", got)
	}
}

// TestSecretPrefixesRemembered: a server's secret prefix is recorded in the
// store when its policy is set (listen --secret-prefix is never saved in the
// settings), once each, and survives reopening, so export can redact it.
func TestSecretPrefixesRemembered(t *testing.T) {
	dir := t.TempDir()
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv := capture.NewServer(st, capture.Config{Addr: "127.0.0.1:0"})
	for _, p := range []capture.Policy{{SecretPrefix: "pfxA"}, {}, {SecretPrefix: "pfxB"}, {SecretPrefix: "pfxA"}} {
		if err := srv.SetPolicy(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.SetPolicy(capture.Policy{SecretPrefix: "bad/one"}); err == nil {
		t.Fatal("an invalid prefix was accepted")
	}
	st.Close()
	db.Close()

	db, err = database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err = capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.SecretPrefixes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Contains(got, "pfxA") || !slices.Contains(got, "pfxB") {
		t.Fatalf("SecretPrefixes = %q, want pfxA and pfxB once each", got)
	}
}

// TestClearThroughKeepsNewer: Clear up to the newest capture the user saw
// keeps what arrived after it (the confirmation was open meanwhile): its
// row, its place in the search index, and the totals.
func TestClearThroughKeepsNewer(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		through int  // index of the newest capture seen
		deleted bool // that capture was deleted meanwhile
		removed int
		last    int // index of the newest capture cleared
	}{
		{"through the newest seen", 2, false, 3, 2},
		{"through one deleted meanwhile", 2, true, 2, 1},
		{"through the first", 0, false, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t, capture.StoreConfig{})
			seen := []*capture.Request{req("/a", "text/plain", "alpha one"), req("/b", "text/plain", "beta one"), req("/c", "text/plain", "gamma one")}
			appendAll(t, st, seen...)
			through := seen[tc.through].ID
			if tc.deleted {
				if err := st.Delete(ctx, through); err != nil {
					t.Fatal(err)
				}
			}
			later := req("/late", "text/plain", "delta one")
			appendAll(t, st, later)
			events, cancel := st.Subscribe(ctx)
			defer cancel()
			n, err := st.Clear(ctx, through)
			if err != nil || n != tc.removed {
				t.Fatalf("clear = %d, %v; want %d", n, err, tc.removed)
			}
			ev := <-events
			if ev.Kind != capture.Cleared || ev.Kept == 0 || ev.Through != seen[tc.last].ID {
				t.Fatalf("event %+v, want Cleared with Kept through %s", ev, seen[tc.last].ID)
			}
			if _, err := st.Get(ctx, later.ID); err != nil {
				t.Fatalf("the capture that arrived later is gone: %v", err)
			}
			if n, _ := st.Count(ctx, capture.Query{Search: "one"}); n != ev.Kept {
				t.Fatalf("search finds %d, want %d kept", n, ev.Kept)
			}
			if n, _ := st.Count(ctx, capture.Query{Search: "delta"}); n != 1 {
				t.Fatalf("kept capture not searchable (%d)", n)
			}
			if c, bytes := st.Stats(); c != ev.Kept || bytes == 0 {
				t.Fatalf("stats after clear %d %d, want %d kept", c, bytes, ev.Kept)
			}
		})
	}
}
