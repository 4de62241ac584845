package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/version"
)

func TestVersionCommand(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"version", []string{"version"}, []string{"Gancho " + version.Version + "\n", "  commit  ", "  built   ", "  go      go1."}},
		{"--version", []string{"--version"}, []string{"Gancho " + version.Version + "\n"}},
		{"in Portuguese", []string{"version", "--lang", "pt-BR"}, []string{"Gancho " + version.Version + "\n", "  build   "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%q lacks %q", out, w)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		out, errOut, code := runCmd(t, "version", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var v struct{ Version, Go, Platform string }
		if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version != version.Version || !strings.HasPrefix(v.Go, "go1.") || v.Platform == "" {
			t.Errorf("%q: %v %+v", out, err, v)
		}
	})
	t.Run("an argument", func(t *testing.T) {
		if _, _, code := runCmd(t, "version", "extra"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
}

// TestNewerDatabaseRefused: a command meeting a database that a newer
// Gancho upgraded says which two versions met, and changes nothing.
func TestNewerDatabaseRefused(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := runCmd(t, "list", "--data", dir); code != 0 {
		t.Fatalf("list: %d %s", code, errOut)
	}
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.Exec(`UPDATE schema_migrations SET version = version + 1, gancho = '9.9.0' WHERE owner = 'capture'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	path := filepath.Join(dir, database.FileName)
	before, _ := os.ReadFile(path)
	_, errOut, code := runCmd(t, "list", "--data", dir)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, w := range []string{"Gancho 9.9.0", "this is Gancho " + version.Version, "another --data directory"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("%q lacks %q", errOut, w)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the refused database changed")
	}
}
