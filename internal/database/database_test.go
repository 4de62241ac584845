package database

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/internal/version"
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
	if !errors.Is(err, ErrNewerDatabase) || !strings.Contains(err.Error(), "another --data directory") {
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

// TestMigrateLogsUpgradesOnce: a new database is created quietly; an
// existing one logs each step it is upgraded by, once.
func TestMigrateLogsUpgradesOnce(t *testing.T) {
	dir := t.TempDir()
	var said []string
	logf := func(f string, a ...any) { said = append(said, fmt.Sprintf(f, a...)) }
	steps := []string{`CREATE TABLE a (x INTEGER)`, `ALTER TABLE a ADD COLUMN y TEXT`, `CREATE INDEX a_y ON a(y)`}
	for _, run := range []struct {
		steps int
		want  []string
	}{
		{1, nil},
		{3, []string{"test tables from version 1 to 2 (Gancho " + version.Version + ")", "test tables from version 2 to 3"}},
		{3, nil},
	} {
		said = nil
		db, err := Open(dir, Options{Logf: logf})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(context.Background(), "test", steps[:run.steps]); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if len(said) != len(run.want) {
			t.Fatalf("to %d steps: logged %q, want %d lines", run.steps, said, len(run.want))
		}
		for i, w := range run.want {
			if !strings.Contains(said[i], w) || !strings.Contains(said[i], db.Path) {
				t.Errorf("line %d %q, want %q and the file", i, said[i], w)
			}
		}
	}
}

// TestNewerDatabaseRefused: an older Gancho meeting tables a newer one
// upgraded names both versions and leaves the file as it was.
func TestNewerDatabaseRefused(t *testing.T) {
	dir := t.TempDir()
	steps := []string{`CREATE TABLE a (x INTEGER)`, `ALTER TABLE a ADD COLUMN y TEXT`}
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background(), "test", steps); err != nil {
		t.Fatal(err)
	}
	// As Gancho 9.9.0 would leave it: a third step of its own.
	if _, err := db.Write.Exec(`UPDATE schema_migrations SET version = 3, gancho = '9.9.0' WHERE owner = 'test'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{Logf: func(f string, a ...any) { t.Errorf("logged "+f, a...) }})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Migrate(context.Background(), "test", steps)
	db.Close()
	if !errors.Is(err, ErrNewerDatabase) {
		t.Fatalf("got %v, want ErrNewerDatabase", err)
	}
	for _, w := range []string{"Gancho 9.9.0", "this is Gancho " + version.Version, "version 3", "knows version 2", "run Gancho 9.9.0 or later"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q lacks %q", err, w)
		}
	}
	after, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the refused database file changed")
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
