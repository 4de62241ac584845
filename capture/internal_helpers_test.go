package capture

// Helpers of the tests that are internal to reach unexported state (the
// full-text index mark, ftsQuery).

import (
	"context"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/database"
)

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
