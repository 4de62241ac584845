package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gancho-app/gancho/internal/database"
)

// TestDatabaseFromBeforeLayoutOpens opens a database written by the build
// before the packages were moved (capture/database, relay, relay/ws became
// internal/database, outbound+events, relay): captures (one through the team
// relay), a subscription and two deliveries. The migration namespaces are
// stored in it, so a renamed namespace would fail here. The golden files are
// that build's own output for the same commands.
func TestDatabaseFromBeforeLayoutOpens(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "predates-layout", database.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"list.json", []string{"list", "--json"}},
		{"subscriptions.json", []string{"subscriptions", "list", "--json"}},
		{"history.json", []string{"subscriptions", "history", "--json"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, database.FileName), src, 0o600); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "predates-layout", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runCmd(t, append(tc.args, "--data", dir)...)
			if code != 0 {
				t.Fatalf("%v: exit %d, stderr %s", tc.args, code, errOut)
			}
			if out != string(want) {
				t.Errorf("%v output differs from the build before the move:\ngot  %s\nwant %s", tc.args, out, want)
			}
		})
	}
}
