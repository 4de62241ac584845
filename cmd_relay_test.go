package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
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
	relay := startLines(t, "relay", "serve", "--addr", "127.0.0.1:0", "--token", token, "--data", t.TempDir())
	f := strings.Fields(relay.next(t, "Relay listening on"))
	base := f[3]
	for i := 1; i <= 3; i++ { // before any desktop: kept for it
		post(t, fmt.Sprintf("%s/team/hooks/%d", base, i), fmt.Sprintf(`{"n":%d}`, i))
	}
	t.Run("wrong token", func(t *testing.T) {
		bad := startLines(t, "listen", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--relay", base, "--channel", "team", "--token", "wrong-token-000000000")
		bad.next(t, "Relay failed: the relay refused the token")
	})
	desk := startLines(t, "listen", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--relay", base, "--channel", "team", "--token", token)
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
