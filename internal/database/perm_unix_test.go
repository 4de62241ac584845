//go:build unix

package database

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFilesArePrivate: in a pre-existing world-readable directory, with a
// permissive umask, the database and its -wal/-shm files end up 0600, and a
// database left 0644 by an older Gancho is tightened on open.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, pre := range []string{"", "0644"} {
		t.Run("existing="+pre, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, FileName)
			if pre != "" {
				for _, p := range []string{path, path + "-wal", path + "-shm"} {
					if err := os.WriteFile(p, nil, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			db, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(context.Background(), "test", []string{`CREATE TABLE a (x TEXT)`}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Write.Exec(`INSERT INTO a(x) VALUES('Authorization: Bearer secret')`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Read.Exec(`SELECT count(*) FROM a`); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if m := fi.Mode().Perm(); m != 0o600 {
					t.Errorf("%s has mode %o, want 600", filepath.Base(p), m)
				}
			}
		})
	}
}
