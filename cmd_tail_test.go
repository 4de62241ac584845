package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/relay"
)

func TestLiveStreamDiscovery(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := runCmd(t, "tail", "--data", dir)
	if code != 1 || !strings.Contains(errOut, "no Gancho is capturing with data directory") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stop, err := relay.ServeLive(dir, st)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, relay.LiveFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("live.json: %v %v", fi, err)
	}
	info, err := relay.ReadLive(dir)
	if err != nil || !strings.HasPrefix(info.URL, "ws://127.0.0.1:") || info.Token == "" {
		t.Fatalf("%+v %v", info, err)
	}
	t.Run("wrong token", func(t *testing.T) {
		err := relay.Tail(context.Background(), info.URL, "nope", func(capture.Record) {})
		if !errors.Is(err, relay.ErrUnauthorized) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("captures arrive", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan capture.Record, 1)
		done := make(chan error, 1)
		go func() { done <- relay.Tail(ctx, info.URL, info.Token, func(r capture.Record) { got <- r }) }()
		// Append until the stream (connecting concurrently) has shown one.
		var ids capture.IDGen
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(10 * time.Second)
		for {
			now := time.Now()
			r := &capture.Request{ID: ids.New(now), ReceivedAt: now, Method: "POST", Target: "/tail", Proto: "HTTP/1.1",
				Host: "h", RemoteAddr: "127.0.0.1:9", Body: []byte(`{}`), BodySize: 2, Response: capture.Response{Status: 200}}
			if err := st.Append(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			select {
			case rec := <-got:
				if rec.Target != "/tail" {
					t.Errorf("record %+v", rec)
				}
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Tail returned %v after cancel", err)
				}
				return
			case <-tick.C:
			case <-deadline:
				t.Fatal("nothing streamed")
			}
		}
	})
	stop()
	if _, err := os.Stat(filepath.Join(dir, relay.LiveFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("live.json left behind: %v", err)
	}
}
