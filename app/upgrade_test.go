package app

import (
	"bytes"
	"context"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/outbound"
)

// TestOpensThePreviousSchema opens a data directory written by the Gancho
// before 0.1.0 (testdata/data-before-0.1.0: three hooks captured by
// listen, one replayed, one subscription, made with that build): it is
// upgraded, the upgrade is logged once, and everything in it reads back
// as it was written.
func TestOpensThePreviousSchema(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/data-before-0.1.0/" + database.FileName)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, database.FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	var said bytes.Buffer
	log.SetOutput(&said) // database.Open logs upgrades with log.Printf
	t.Cleanup(func() { log.SetOutput(os.Stderr) })

	open := func() *Data {
		t.Helper()
		d, err := OpenData(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := outbound.NewStore(context.Background(), d.DB, outbound.StoreConfig{}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := open()
	ctx := context.Background()
	rs, err := d.Captures.List(ctx, capture.Query{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"/hooks/crm?src=fixture": []byte(`{"event":"client.created","client":{"id":42,"name":"João Conceição","email":"joao@example.com.br"}}`),
		"/hooks/form":            []byte("event=sale.created&amount=1250.00&currency=BRL"),
		"/files/raw":             []byte("bin\x00\x01\x02\xff"),
	}
	var crm string
	for _, r := range rs {
		full, err := d.Captures.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[r.Target]; ok {
			if !bytes.Equal(full.Body, w) {
				t.Errorf("%s: body %q, want %q", r.Target, full.Body, w)
			}
			delete(want, r.Target)
		}
		if r.Target == "/hooks/crm?src=fixture" {
			crm = r.ID
		}
	}
	if len(want) > 0 {
		t.Errorf("captures missing after the upgrade: %v", want)
	}
	attempts, err := d.History.ForCapture(ctx, crm, 10)
	if err != nil || len(attempts) != 1 || attempts[0].Result.Status != 201 {
		t.Errorf("the replay of %s: %v, %+v", crm, err, attempts)
	}
	// A search finds what the old index held.
	if n, err := d.Captures.Count(ctx, capture.Query{Search: "Conceição"}); err != nil || n != 1 {
		t.Errorf("search after the upgrade: %d, %v", n, err)
	}
	st, err := outbound.NewStore(ctx, d.DB, outbound.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if subs, err := st.Subscriptions(ctx); err != nil || len(subs) != 1 || subs[0].Name != "crm-dev" {
		t.Errorf("subscriptions after the upgrade: %v, %+v", err, subs)
	}
	_ = d.Close()
	if n := strings.Count(said.String(), "upgraded the database"); n != 1 {
		t.Errorf("the first open logged %d upgrades, want 1:\n%s", n, said.String())
	}

	said.Reset()
	d = open()
	_ = d.Close()
	if said.Len() > 0 {
		t.Errorf("a second open logged:\n%s", said.String())
	}
}
