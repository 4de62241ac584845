package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/settings"
)

// TestRetentionKeep: --keep is saved, every later opener of the data
// directory (a one-shot command included) keeps the same captures, and a
// change in the settings applies to the running store at once.
func TestRetentionKeep(t *testing.T) {
	dir := t.TempDir()
	three := 3
	a, err := Open(Config{Dir: dir, Addr: "127.0.0.1:0", Keep: settings.Retention{Captures: &three}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var gen capture.IDGen
	for i := range 5 {
		at := time.Date(2026, 5, 6, 7, 8, i, 0, time.UTC)
		r := &capture.Request{ID: gen.New(at), ReceivedAt: at, Method: "POST", Target: fmt.Sprintf("/%d", i),
			Proto: "HTTP/1.1", Body: []byte("x"), BodySize: 1, DeclaredSize: 1}
		if err := a.Captures.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Captures.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.Captures.Stats(); n != 3 {
		t.Errorf("kept %d captures with --keep 3", n)
	}
	// Raising the limit to "none" in the settings applies live.
	none := 0
	next := a.Settings.Saved()
	next.Retention.Captures = &none
	if err := a.Settings.Update(next); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Captures.Retention(); c >= 0 {
		t.Errorf("after setting 0: limit %d, want none (negative)", c)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	saved, err := settings.Load(dir)
	if err != nil || saved.Retention.Captures == nil || *saved.Retention.Captures != 0 {
		t.Fatalf("saved retention %+v, %v", saved.Retention, err)
	}
	d, err := OpenData(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if c, b := d.Captures.Retention(); c >= 0 || b != capture.DefaultMaxBodyBytes {
		t.Errorf("one-shot opener: limits %d captures %d bytes, want none and the default", c, b)
	}
}

// TestRetentionSettingRefused: a negative retention in the settings file
// stops the opener with a sentence naming the file, and evicts nothing.
func TestRetentionSettingRefused(t *testing.T) {
	dir := t.TempDir()
	bad := -5
	if err := settings.Save(dir, settings.Settings{Retention: settings.Retention{Captures: &bad}}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenData(dir); err == nil {
		t.Fatal("opened with retention -5")
	} else if want := settings.Path(dir); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "use 0 for no limit") {
		t.Errorf("error %q does not name %s and the fix", err, want)
	}
}
