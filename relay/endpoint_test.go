package relay

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/tunnel/tunneltest"
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

// TestEndpointContract runs the tunnel.Opener contract against the relay
// endpoint: online on a test relay, failed on a refused token, pending
// while the relay's address never answers, and Stopped after Close.
func TestEndpointContract(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{})
	endpoint := func(t *testing.T, url, token string) tunnel.Opener {
		return &Endpoint{Client: Client{URL: url, Channel: "qa", Token: token, Store: newLocal(t).store}}
	}
	tunneltest.Run(t, tunneltest.Harness{
		Leaks:   serverConsumerLeaks,
		Online:  func(t *testing.T) tunnel.Opener { return endpoint(t, r.url, testToken) },
		Failing: func(t *testing.T) tunnel.Opener { return endpoint(t, r.url, "wrong-token") },
		Pending: func(t *testing.T) (tunnel.Opener, <-chan struct{}) {
			addr, accepted := silentServer(t)
			return endpoint(t, "http://"+addr, testToken), accepted
		},
	})
}

// silentServer accepts connections and never answers, like a relay behind a
// black hole. accepted receives once per connection.
func silentServer(t *testing.T) (addr string, accepted <-chan struct{}) {
	ln := listen(t)
	ch := make(chan struct{}, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String(), ch
}

// serverConsumerLeaks are the goroutines of the embedded NATS server's
// consumers, which the server ends a moment after a desktop's stream (its
// consumer) is gone: the relay is still running during these checks.
var serverConsumerLeaks = []goleak.Option{
	goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*consumer).processInboundNextMsgReqs"),
	goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*consumer).processInboundAcks"),
	goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*consumer).loopAndGatherMsgs"),
	goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*consumer).deleteNotActive"),
}
