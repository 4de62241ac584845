package relay

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// TestRelayKeepsWireHeaders: a hook's headers reach the desktop as sent —
// order, spelling and duplicates — as they would on the desktop's own
// capture server.
func TestRelayKeepsWireHeaders(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{})
	local := newLocal(t)
	events, unsub := local.store.Subscribe(context.Background())
	defer unsub()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&Client{URL: r.url, Channel: "qa", Token: testToken, Store: local.store, DB: local.db}).Run(ctx)
	}()
	defer func() { cancel(); <-done }()

	conn, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"a":1}`
	raw := "POST /qa/hooks/wire?x=1 HTTP/1.1\r\nHost: relay.example\r\nx-zeta: 1\r\nContent-Type: application/json\r\n" +
		"X-Alpha: first\r\nx-alpha: second\r\nContent-Length: 7\r\nConnection: close\r\n\r\n" + body
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("relay answered %v %v", resp, err)
	}
	resp.Body.Close()

	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Kind != capture.Added {
				continue
			}
			c := ev.Request
			want := capture.Headers{{Name: "Host", Value: "relay.example"}, {Name: "x-zeta", Value: "1"},
				{Name: "Content-Type", Value: "application/json"}, {Name: "X-Alpha", Value: "first"},
				{Name: "x-alpha", Value: "second"}, {Name: "Content-Length", Value: "7"}, {Name: "Connection", Value: "close"}}
			if len(c.Headers) != len(want) {
				t.Fatalf("headers %v, want %v", c.Headers, want)
			}
			for i := range want {
				if c.Headers[i] != want[i] {
					t.Errorf("header %d = %v, want %v", i, c.Headers[i], want[i])
				}
			}
			if c.Target != "/hooks/wire?x=1" || string(c.Body) != body {
				t.Errorf("target %q body %q", c.Target, c.Body)
			}
			return
		case <-deadline:
			t.Fatal("the hook never reached the desktop")
		}
	}
}
