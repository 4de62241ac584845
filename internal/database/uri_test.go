package database

import (
	"os"
	"path/filepath"
	"testing"
)

// A data directory whose name has URI syntax in it opens the database
// inside it, with the pragmas applied.
func TestOpenDirWithURICharacters(t *testing.T) {
	for _, name := range []string{"a?b", "a#b", "a%20b", "a b"} {
		dir := filepath.Join(t.TempDir(), name)
		db, err := Open(dir, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var mode string
		if err := db.Write.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("%s: journal_mode %q, %v", name, mode, err)
		}
		if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
			t.Errorf("%s: database not in the directory: %v", name, err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("%s: close: %v", name, err)
		}
	}
}
