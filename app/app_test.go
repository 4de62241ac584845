package app

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/leaktest"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/verify"
	"go.uber.org/goleak"
)

// recorder collects what the App reports.
type recorder struct {
	mu        sync.Mutex
	captures  []string
	forwarded chan string
}

func (r *recorder) events() Events {
	return Events{
		Capture: func(ev capture.Event) {
			if ev.Kind == capture.Added {
				r.mu.Lock()
				r.captures = append(r.captures, ev.Request.Target)
				r.mu.Unlock()
			}
		},
		Forwarded: func(c *capture.Request, a *replay.Attempt) { r.forwarded <- c.Target + " " + a.Result.Err },
	}
}

// TestLifecycle runs every service Start starts, sends a capture through
// them, and checks Close stops them all: the capture was stored, reported
// and forwarded, live.json is gone, no goroutine is left, and Close can
// be called again.
func TestLifecycle(t *testing.T) {
	ignore := goleak.IgnoreCurrent() // the test's own goroutines are checked below
	dir := t.TempDir()
	func() {
		target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
		defer target.Close()
		rec := &recorder{forwarded: make(chan string, 4)}
		a, err := Open(Config{Dir: dir, Addr: "127.0.0.1:0", Forward: target.URL, Outbound: true, Events: rec.events()})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := a.Start(context.Background()); err == nil {
			t.Error("a second Start: want an error")
		}
		if _, err := relay.ReadLive(dir); err != nil {
			t.Fatalf("live.json after Start: %v", err)
		}
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Post(a.Server.URL()+"/hook", "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		select {
		case got := <-rec.forwarded:
			if got != "/hook " {
				t.Errorf("forwarded %q", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no forwarding attempt")
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		if len(rec.captures) != 1 || rec.captures[0] != "/hook" {
			t.Errorf("Events.Capture saw %q", rec.captures)
		}
		rec.mu.Unlock()
		if _, err := os.Stat(filepath.Join(dir, relay.LiveFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("live.json after Close: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if err := a.Start(context.Background()); err == nil {
			t.Error("Start after Close: want an error")
		}
	}()
	leaktest.VerifyNone(t, ignore)

	// The capture is in the database for the next run.
	a, err := Open(Config{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	page, err := a.Captures.List(context.Background(), capture.Query{Limit: 10})
	if err != nil || len(page) != 1 {
		t.Fatalf("%d captures after reopening, %v", len(page), err)
	}
}

// TestCloseWithoutStart: an opened App that never started closes cleanly.
func TestCloseWithoutStart(t *testing.T) {
	ignore := goleak.IgnoreCurrent() // the test's own goroutines are checked below
	a, err := Open(Config{Dir: t.TempDir(), Addr: "127.0.0.1:0", Outbound: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	leaktest.VerifyNone(t, ignore)
}

// TestRelayFailed: a relay client that cannot start reports why on
// RelayFailed, and Close still stops everything.
func TestRelayFailed(t *testing.T) {
	ignore := goleak.IgnoreCurrent() // the test's own goroutines are checked below
	func() {
		dead := httptest.NewServer(http.NotFoundHandler())
		url := dead.URL
		dead.Close() // nothing listens there now
		a, err := Open(Config{Dir: t.TempDir(), Addr: "127.0.0.1:0", Relay: RelayConfig{URL: url, Channel: "ch", Token: "t"}})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if err := a.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		a.StartRelay()
		select {
		case err := <-a.RelayFailed():
			var de *relay.DialError
			if !errors.As(err, &de) {
				t.Errorf("RelayFailed: %v, want a DialError", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the relay client did not give up")
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	leaktest.VerifyNone(t, ignore)
}

// TestOverrides: the run's overrides apply on top of the saved settings
// without being saved; verifiers are saved.
func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	v, err := verify.Parse("standard:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Dir: dir, Addr: "127.0.0.1:0", Respond: []string{"POST /x -> 503"}, SecretPrefix: "abc",
		BasicAuth: "u:p", RateLimit: 7, DropRefused: true, Domain: "team.ngrok.app", Verifiers: []verify.Config{v}}
	a, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, saved := a.Settings.Get(), a.Settings.Saved()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"rules first", strings.HasPrefix(got.Rules, "POST /x -> 503\n")},
		{"prefix", got.Inbound.SecretPrefix == "abc"},
		{"basic auth", got.Inbound.BasicAuth == "u:p"},
		{"rate limit", got.Inbound.RateLimit == 7},
		{"drop refused", got.Inbound.DropRefused},
		{"domain", got.Tunnel.Domain == "team.ngrok.app"},
		{"verifier in force", len(got.Verifiers) == 1},
		{"overrides not saved", saved.Inbound.SecretPrefix == "" && saved.Rules == "" && saved.Tunnel.Domain == ""},
		{"verifier saved", len(saved.Verifiers) == 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("got %+v, saved %+v", got, saved)
			}
		})
	}
	reloaded, err := settings.Load(dir)
	if err != nil || len(reloaded.Verifiers) != 1 || reloaded.Inbound.SecretPrefix != "" {
		t.Errorf("on disk: %+v, %v", reloaded, err)
	}
}
