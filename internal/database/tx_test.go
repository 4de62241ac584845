package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Write.Exec(`CREATE TABLE t (x INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func count(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInTx(t *testing.T) {
	boom := errors.New("boom")
	insert := func(tx *sql.Tx) error { _, err := tx.Exec(`INSERT INTO t(x) VALUES(1)`); return err }
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		fn      func(*sql.Tx) error
		wantErr error // nil: commits
		rows    int
	}{
		{"commit", context.Background(), insert, nil, 1},
		{"fn error rolls back and is returned as is", context.Background(),
			func(tx *sql.Tx) error { insert(tx); return boom }, boom, 0},
		{"cancelled ctx does not begin", cancelled, insert, context.Canceled, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			err := db.InTx(tc.ctx, tc.fn)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == boom && err != boom {
				t.Fatalf("fn's error wrapped: %v", err)
			}
			if got := count(t, db); got != tc.rows {
				t.Fatalf("rows = %d, want %d", got, tc.rows)
			}
			// The write connection is free again.
			if err := db.InTx(context.Background(), insert); err != nil {
				t.Fatalf("next transaction: %v", err)
			}
		})
	}
	t.Run("panic rolls back and frees the connection", func(t *testing.T) {
		db := openTest(t)
		func() {
			defer func() { recover() }()
			db.InTx(context.Background(), func(tx *sql.Tx) error { insert(tx); panic("x") })
		}()
		if got := count(t, db); got != 0 {
			t.Fatalf("rows = %d after panic", got)
		}
		if err := db.InTx(context.Background(), insert); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCollect(t *testing.T) {
	db := openTest(t)
	for _, tc := range []struct {
		name    string
		query   string
		want    []string
		wantErr bool
	}{
		{"no rows: nil", `SELECT 'x' WHERE 0`, nil, false},
		{"rows in order", `SELECT 'a' UNION ALL SELECT 'b'`, []string{"a", "b"}, false},
		{"scan error", `SELECT NULL`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.Read.Query(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Collect(rows, String)
			if (err != nil) != tc.wantErr || fmt.Sprint(got) != fmt.Sprint(tc.want) || (got == nil) != (tc.want == nil) {
				t.Fatalf("Collect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
