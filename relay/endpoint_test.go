package relay

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/tunnel"
)

func TestEndpoint(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{})
	defer r.close(t)
	tests := []struct {
		name    string
		token   string
		wantErr string
	}{
		{"online", testToken, ""},
		{"refused token", "wrong-token", "refused the token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local := newLocal(t)
			var mu sync.Mutex
			var states []tunnel.State
			e := &Endpoint{Client: Client{URL: r.url, Channel: "qa", Token: tt.token, Store: local.store}}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ln, err := e.Open(ctx, func(s tunnel.Status) {
				mu.Lock()
				states = append(states, s.State)
				mu.Unlock()
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ln.URL() != r.url+"/qa" {
				t.Errorf("URL %q", ln.URL())
			}
			// Hooks arrive through the store, never through Accept.
			accepted := make(chan error, 1)
			go func() {
				_, err := ln.Accept()
				accepted <- err
			}()
			if err := ln.Close(); err != nil {
				t.Fatal(err)
			}
			if err := <-accepted; !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept after Close: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(states) < 2 || states[0] != tunnel.Connecting || states[1] != tunnel.Online {
				t.Errorf("states %v", states)
			}
		})
	}
}
