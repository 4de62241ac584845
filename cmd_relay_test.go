package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/relay/jstream"
)

// lineChild is a gancho process whose stdout lines the test reads.
type lineChild struct {
	cmd   *exec.Cmd
	lines chan string
}

func startLines(t *testing.T, args ...string) *lineChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GANCHO_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &lineChild{cmd: cmd, lines: make(chan string, 100)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	})
	return c
}

// next returns the next line containing want, failing after a deadline.
func (c *lineChild) next(t *testing.T, want string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("process ended before a line with %q", want)
			}
			if strings.Contains(l, want) {
				return l
			}
		case <-deadline:
			t.Fatalf("no line with %q", want)
		}
	}
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
}

func TestRelayServeAndListen(t *testing.T) {
	const token = "team-token-0123456789"
	relay := startLines(t, "relay", "serve", "--addr", "127.0.0.1:0", "--token", token, "--data", t.TempDir(),
		"--channel", "team", "--max-channels", "2", "--max-conns-per-addr", "-1", "--retention-age", "-1")
	f := strings.Fields(relay.next(t, "Relay listening on"))
	base := f[3]
	relay.next(t, "open from the start: team")
	for i := 1; i <= 3; i++ { // before any desktop: kept for it (configured)
		post(t, fmt.Sprintf("%s/team/hooks/%d", base, i), fmt.Sprintf(`{"n":%d}`, i))
	}
	t.Run("unknown channel", func(t *testing.T) {
		resp, err := http.Post(base+"/nobody/x", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), "not open") {
			t.Fatalf("%s %q", resp.Status, b)
		}
	})
	desk := startLines(t, "listen", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--relay", base, "--channel", "team", "--token", token,
		"--max-conns-per-addr", "-1", "--max-inflight-per-addr", "1GiB")
	desk.next(t, "Relay online: senders post to "+base+"/team")
	// The backlog is imported in parallel batches: lines may come in any
	// order (the store lists by id, which keeps arrival order).
	seen := map[string]bool{}
	for range 3 {
		l := desk.next(t, "[relay:team#")
		seen[l[strings.Index(l, "[relay:"):]] = true
	}
	for i := 1; i <= 3; i++ {
		if !seen[fmt.Sprintf("[relay:team#%d]", i)] {
			t.Errorf("hook %d missing: %v", i, seen)
		}
	}
	post(t, base+"/team/hooks/live", `{"n":4}`)
	if l := desk.next(t, "/hooks/live"); !strings.Contains(l, "[relay:team#4]") {
		t.Errorf("live line %q", l)
	}
}

// TestListenRelayFailures: listen --relay stops on its own, exits non-zero
// and names what to check when the relay refuses the token or cannot be
// reached at all.
func TestListenRelayFailures(t *testing.T) {
	const token = "team-token-0123456789"
	srv, err := relay.NewServer(context.Background(), relay.ServerConfig{Token: token, Channels: []string{"team"}, MaxChannels: 1,
		NATS: jstream.Config{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln, "", "") }()
	defer func() {
		_ = srv.Close()
		<-served
	}()
	relayURL := "http://" + ln.Addr().String()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	tests := []struct {
		name, url, channel, token string
		want                      []string
	}{
		{"wrong token", relayURL, "team", "wrong-token-000000000", []string{"refused the token", "check --token", "GANCHO_RELAY_TOKEN"}},
		{"closed port", closedURL, "team", token, []string{"could not connect to the relay at " + closedURL, "check --relay"}},
		{"channel limit", relayURL, "other", token, []string{"cannot open channel other", "--max-channels"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCmd(t, "listen", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
				"--relay", tc.url, "--channel", tc.channel, "--token", tc.token)
			if code == 0 {
				t.Fatalf("exit 0; stderr %q", stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if strings.Contains(stderr, "lost the connection") || strings.Contains(stderr, "Settings") {
				t.Errorf("stderr %q", stderr)
			}
		})
	}
}

func TestRelayServeFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad retention bytes", []string{"--retention-bytes", "lots"}, "--retention-bytes"},
		{"zero retention bytes", []string{"--retention-bytes", "0"}, "--retention-bytes"},
		{"bad channel", []string{"--channel", "Bad.Name"}, "--channel"},
		{"short channel token", []string{"--channel-token", "a=short"}, "too short"},
		{"channel token without name", []string{"--channel-token", "=0123456789abcdef"}, "NAME=TOKEN"},
		{"more channels than the limit", []string{"--max-channels", "1", "--channel", "a", "--channel", "b"}, "raise --max-channels"},
		{"zero channel limit", []string{"--max-channels", "0"}, "--max-channels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"relay", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--token", "team-token-0123456789"}, tc.args...)
			_, stderr, code := runCmd(t, args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q, want it to contain %q", code, stderr, tc.want)
			}
		})
	}
}
