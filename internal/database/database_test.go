package database

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	steps := []string{`CREATE TABLE a (x INTEGER)`, `ALTER TABLE a ADD COLUMN y TEXT`}
	ctx := context.Background()
	for i := 0; i < 2; i++ { // a second run is a no-op
		if err := db.Migrate(ctx, "test", steps); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Write.Exec(`INSERT INTO a(x, y) VALUES(1, 'y')`); err != nil {
		t.Fatal(err)
	}
	// A newer database than this binary knows is refused with advice.
	err = db.Migrate(ctx, "test", steps[:1])
	if err == nil || !strings.Contains(err.Error(), "newer Gancho") {
		t.Fatalf("downgrade: %v", err)
	}
	// A failing step leaves the version where it was.
	bad := append(steps, `NOT SQL`)
	if err := db.Migrate(ctx, "test", bad); err == nil {
		t.Fatal("bad step accepted")
	}
	var v int
	db.Read.QueryRow(`SELECT version FROM schema_migrations WHERE owner = 'test'`).Scan(&v)
	if v != 2 {
		t.Fatalf("version %d after failed step", v)
	}
	var mode string
	db.Write.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode %q", mode)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
}

func TestOpenUnusableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	_, err := Open(filepath.Join(file, "sub"), Options{})
	if !errors.Is(err, ErrDataDir) || !strings.Contains(err.Error(), file) {
		t.Fatalf("err = %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("GANCHO_DATA", "/custom/place")
	if d := DefaultDir(); d != "/custom/place" {
		t.Fatalf("GANCHO_DATA ignored: %s", d)
	}
	t.Setenv("GANCHO_DATA", "")
	if d := DefaultDir(); !strings.Contains(strings.ToLower(d), "gancho") {
		t.Fatalf("default %s", d)
	}
}
