package capture

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/database"
)

// A store written before migration 7 (seq = insertion order, an import of
// older captures inserted last) opens with list order by arrival time,
// every capture searchable and the totals kept.
func TestMigrationRenumbersByArrival(t *testing.T) {
	dir := t.TempDir()
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.Migrate(ctx, "capture", migrations[:6]); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	var gen IDGen
	// Inserted newest first, two in the same millisecond.
	offsets := []time.Duration{5 * time.Second, 3 * time.Second, 3 * time.Second, time.Second, 0}
	var want []string // newest first
	for i, off := range offsets {
		at := base.Add(off)
		id := gen.New(at)
		want = append(want, id)
		if _, err := db.Write.Exec(`INSERT INTO captures(id, received_at, method, target, proto, host,
			remote_addr, headers, content_type, body, body_size, truncated, declared_size,
			headers_from_wire, error, resp_status, resp_headers, resp_body)
			VALUES(?, ?, 'POST', ?, 'HTTP/1.1', '', '', '', '', ?, 5, 0, 5, 0, '', 200, '', x'')`,
			id, at.UnixNano(), fmt.Sprintf("/%d", i), []byte("tatu"+fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	// Same millisecond: ids order them (the second one was made later).
	want[1], want[2] = want[2], want[1]
	db.Close()

	st, db := openTestStore(t, dir, StoreConfig{})
	defer db.Close()
	defer st.Close()
	for _, q := range []Query{{}, {Search: "tatu*", Prefix: true}, {Method: "POST"}} {
		got, err := st.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("%+v: order %v, want %v", q, ids, want)
		}
	}
	if n, b := st.Stats(); n != 5 || b != 25 {
		t.Errorf("stats %d captures %d bytes, want 5 and 25", n, b)
	}
}

// Cursor paging walks every capture once, in order, also when the capture
// under the cursor was deleted meanwhile (the window's "load more" after a
// delete), with and without a search.
func TestCursorPastDeletedCapture(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, search := range []string{"", "quati"} {
		for _, del := range []bool{false, true} {
			t.Run(fmt.Sprintf("search=%q/deleted=%v", search, del), func(t *testing.T) {
				st, db := openTestStore(t, t.TempDir(), StoreConfig{})
				defer db.Close()
				defer st.Close()
				var gen IDGen
				var ids []string // oldest first
				for i := range 12 {
					// Three captures per millisecond.
					at := base.Add(time.Duration(i/3) * time.Millisecond)
					r := textReq(fmt.Sprintf("/%d", i), "quati")
					r.ReceivedAt, r.ID = at, gen.New(at)
					mustAppend(t, st, r)
					ids = append(ids, r.ID)
				}
				var got []string
				q := Query{Limit: 4, Search: search, Summary: true}
				for {
					page, err := st.List(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) == 0 {
						break
					}
					for _, r := range page {
						got = append(got, r.ID)
					}
					q.Before = page[len(page)-1].ID
					if del {
						if err := st.Delete(ctx, q.Before); err != nil {
							t.Fatal(err)
						}
					}
				}
				if len(got) != len(ids) {
					t.Fatalf("walked %d captures, want %d", len(got), len(ids))
				}
				for i := range got {
					if want := ids[len(ids)-1-i]; got[i] != want {
						t.Fatalf("capture %d: %s, want %s", i, got[i], want)
					}
				}
			})
		}
	}
}

// Bodies come back byte for byte whether stored deflated or as they are,
// and are searchable either way (also after the index is rebuilt).
func TestBodyCodecRoundTrip(t *testing.T) {
	dir := t.TempDir()
	st, db := openTestStore(t, dir, StoreConfig{})
	ctx := context.Background()
	json := `{"cliente":"Joana Prado","itens":[` + strings.Repeat(`{"sku":"SKU-1","qtd":1},`, 40) + `{}]}`
	bodies := map[string]string{
		"small":          `{"a":1}`,
		"json":           json,
		"binary":         string([]byte{0, 0xff, 0xfe, 1, 2, 3}) + strings.Repeat("\x00\x01", 300),
		"incompressible": string(incompressibleBytes(600)),
		"empty":          "",
	}
	ids := map[string]string{}
	for name, body := range bodies {
		r := textReq("/"+name, body)
		mustAppend(t, st, r)
		ids[name] = r.ID
	}
	var deflated int
	if err := db.Read.QueryRow(`SELECT count(*) FROM captures WHERE body_codec = 1`).Scan(&deflated); err != nil {
		t.Fatal(err)
	}
	if deflated != 2 {
		t.Errorf("%d bodies stored deflated, want 2 (json, binary)", deflated)
	}
	check := func(when string) {
		for name, body := range bodies {
			got, err := st.Get(ctx, ids[name])
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Body) != body {
				t.Errorf("%s: %s body differs (%d bytes, want %d)", when, name, len(got.Body), len(body))
			}
		}
		if n, err := st.Count(ctx, Query{Search: "joana prado"}); err != nil || n != 1 {
			t.Errorf("%s: search in a deflated body: %d, %v", when, n, err)
		}
	}
	check("stored")
	st.Close()
	if _, err := db.Write.Exec(`INSERT INTO captures_fts(captures_fts) VALUES('delete-all');
		INSERT INTO capture_unindexed SELECT seq FROM captures`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, db = openTestStore(t, dir, StoreConfig{})
	defer db.Close()
	defer st.Close()
	check("index rebuilt")
}

func incompressibleBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7919 ^ i>>3*104729 ^ i*i)
	}
	return b
}
