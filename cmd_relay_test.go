package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
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

// lockedBuffer is a bytes.Buffer safe for a child's stderr copier and the
// test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// relayChild is a `gancho relay serve` process and its base URL.
type relayChild struct {
	*lineChild
	url    string
	stderr *lockedBuffer
}

// startRelayChild runs `relay serve` with args and waits for its banner.
// Cleanup interrupts it (a no-op once the test killed it).
func startRelayChild(t *testing.T, args ...string) *relayChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"relay", "serve"}, args...)...)
	cmd.Env = append(os.Environ(), "GANCHO_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &relayChild{lineChild: &lineChild{cmd: cmd, lines: make(chan string, 100)}, stderr: stderr}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(c.stop)
	deadline := time.After(30 * time.Second)
	for c.url == "" {
		select {
		case l, ok := <-c.lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("relay serve ended before its banner; stderr:\n%s", stderr)
			}
			if f := strings.Fields(l); len(f) == 4 && strings.HasPrefix(l, "Relay listening on ") {
				c.url = f[3]
			}
		case <-deadline:
			t.Fatalf("relay serve printed no banner; stderr:\n%s", stderr)
		}
	}
	return c
}

// stop interrupts the relay and waits for it: after it, stderr is
// complete. Safe to call more than once.
func (c *relayChild) stop() {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	timer := time.AfterFunc(20*time.Second, func() { _ = c.cmd.Process.Kill() })
	defer timer.Stop()
	_ = c.cmd.Wait()
}

// kill ends the relay with SIGKILL, as a crash would.
func (c *relayChild) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

// streamItem is one object of a relay stream: a hook (Seq > 0) or a gap.
type streamItem struct {
	Seq     int64           `json:"seq"`
	Channel string          `json:"channel"`
	Capture *capture.Record `json:"capture"`
	Hello   *struct {
		Channel string `json:"channel"`
		After   int64  `json:"after"`
		Head    int64  `json:"head"`
		Epoch   int64  `json:"epoch"`
	} `json:"hello"`
	Gap *struct {
		After int64 `json:"after"`
		Next  int64 `json:"next"`
	} `json:"gap"`
}

// readRelayStream connects to channel ch's stream as a desktop that has
// seen nothing (after=0) and returns the hello and what follows it, up to
// the head the hello announced.
func readRelayStream(t *testing.T, base, ch, token string) (hello streamItem, items []streamItem) {
	t.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	u := strings.Replace(base, "http://", "ws://", 1) + relay.StreamPath + ch + "?after=0&client=cli-test"
	conn, resp, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		t.Fatalf("stream %s: %v (%v)", u, err, resp)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var last int64
	for hello.Hello == nil || last < hello.Hello.Head {
		_, b, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("stream: %v after seq %d (hello %+v)", err, last, hello.Hello)
		}
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var m streamItem
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatalf("stream line %q: %v", line, err)
			}
			switch {
			case m.Hello != nil:
				hello = m
			case m.Seq > 0:
				last = m.Seq
				items = append(items, m)
			case m.Gap != nil:
				items = append(items, m)
			}
		}
	}
	return hello, items
}

// TestRelayCrashKeepsAcknowledged kills `gancho relay serve` with SIGKILL
// while senders post, restarts it at once on the same data directory
// (the embedded JetStream's lock dies with the process), and checks that
// every hook answered 2xx is in the channel's stream exactly once.
func TestRelayCrashKeepsAcknowledged(t *testing.T) {
	const token = "team-token-0123456789"
	dir := t.TempDir()
	args := []string{"--addr", "127.0.0.1:0", "--data", dir, "--token", token, "--channel", "team",
		"--max-conns-per-addr", "-1", "--max-inflight-per-addr", "-1", "--retention-age", "-1"}
	var acked []string
	for round := range 3 {
		c := startRelayChild(t, args...)
		if s := c.stderr.String(); strings.Contains(s, "another gancho relay") || strings.Contains(s, "gancho.lock") {
			t.Fatalf("round %d: the restarted relay found the directory locked:\n%s", round, s)
		}
		var (
			mu   sync.Mutex
			wg   sync.WaitGroup
			once sync.Once
		)
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		stop := make(chan struct{})
		reached := make(chan struct{})
		want := len(acked) + 20 + rand.IntN(300) // kill after this many in all
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"round":%d,"worker":%d,"n":%d}`, round, w, i)
					resp, err := client.Post(fmt.Sprintf("%s/team/crash/%d", c.url, round), "application/json", strings.NewReader(body))
					if err != nil {
						return // the relay died: expected
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						continue
					}
					id := resp.Header.Get("X-Gancho-Id")
					mu.Lock()
					acked = append(acked, id)
					if len(acked) >= want {
						once.Do(func() { close(reached) })
					}
					mu.Unlock()
				}
			}()
		}
		select {
		case <-reached:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: %d hooks acknowledged, want %d; stderr:\n%s", round, len(acked), want, c.stderr)
		}
		c.kill(t)
		close(stop)
		wg.Wait()
		client.CloseIdleConnections()
		t.Logf("round %d: killed after %d acknowledged hooks in all", round, len(acked))
	}

	c := startRelayChild(t, args...)
	if s := c.stderr.String(); strings.Contains(s, "another gancho relay") || strings.Contains(s, "gancho.lock") {
		t.Fatalf("the restarted relay found the directory locked:\n%s", s)
	}
	hello, items := readRelayStream(t, c.url, "team", token)
	seen := map[string]int{}
	var prev int64
	for _, it := range items {
		if it.Seq == 0 {
			continue
		}
		if it.Seq <= prev {
			t.Fatalf("seq %d after %d", it.Seq, prev)
		}
		prev = it.Seq
		if it.Capture == nil || it.Capture.ID == "" {
			t.Fatalf("hook %d has no capture id: %+v", it.Seq, it)
		}
		seen[it.Capture.ID]++
	}
	for _, id := range acked {
		if id == "" {
			t.Fatal("a 2xx answer had no X-Gancho-Id")
		}
		if n := seen[id]; n != 1 {
			t.Errorf("acknowledged hook %s is in the stream %d times", id, n)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("hook %s is in the stream %d times", id, n)
		}
	}
	t.Logf("%d acknowledged, all among the %d hooks of the stream (head %d)", len(acked), len(seen), hello.Hello.Head)
}

// legacyRelaySteps are the relay's SQLite migrations (owner "relayws") as
// released before JetStream, written out here since the package keeps
// them unexported: an old data directory is at one of these versions.
var legacyRelaySteps = []string{
	`CREATE TABLE relayws_channels (channel TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, created_at INTEGER NOT NULL);
	CREATE TABLE relayws_hooks (channel TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, record BLOB NOT NULL,
		received_at INTEGER NOT NULL, PRIMARY KEY (channel, seq));
	CREATE INDEX relayws_hooks_age ON relayws_hooks(channel, received_at);
	CREATE TABLE relayws_acks (channel TEXT NOT NULL, client TEXT NOT NULL, seq INTEGER NOT NULL, updated_at INTEGER NOT NULL,
		PRIMARY KEY (channel, client));
	CREATE TABLE relayws_client (relay TEXT NOT NULL, channel TEXT NOT NULL, last_seq INTEGER NOT NULL, client_id TEXT NOT NULL,
		PRIMARY KEY (relay, channel));`,
	`ALTER TABLE relayws_client ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;`,
	`ALTER TABLE relayws_channels ADD COLUMN opened_at INTEGER NOT NULL DEFAULT 0;
	UPDATE relayws_channels SET opened_at = created_at WHERE channel IN (SELECT channel FROM relayws_acks);`,
}

// TestRelayServeUpgradesSQLite: relay serve on a data directory the SQLite
// relay used moves its channel into JetStream once, keeping the seqs with
// their holes, the epoch and the channel open; a second start moves
// nothing.
func TestRelayServeUpgradesSQLite(t *testing.T) {
	const token = "team-token-0123456789"
	const epoch = 1_600_000_000_123_456_789 // the channel's creation, as desktops know it
	tests := []struct {
		name    string
		version int  // legacy migrations applied
		opened  bool // opened_at set by hand (version 3); else by the upgrade, from the ack
	}{
		{"version 1, opened by its ack", 1, false},
		{"version 3, opened_at set", 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			db, err := database.Open(dir, database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx, "relayws", legacyRelaySteps[:tc.version]); err != nil {
				t.Fatal(err)
			}
			at := time.Now().Add(-time.Minute) // within any retention age
			ids := map[int64]string{}
			sqlExec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.Write.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			sqlExec(`INSERT INTO relayws_channels(channel, last_seq, created_at) VALUES('team', 6, ?)`, epoch)
			if tc.opened {
				sqlExec(`UPDATE relayws_channels SET opened_at = ? WHERE channel = 'team'`, epoch+1)
			}
			for _, seq := range []int64{3, 4, 6} {
				ids[seq] = fmt.Sprintf("01OLDHOOK%016d", seq)
				rec, err := json.Marshal(capture.Record{ID: ids[seq], ReceivedAt: at.UTC().Format(time.RFC3339Nano), Method: "POST",
					Target: fmt.Sprintf("/old/%d", seq), Proto: "HTTP/1.1", Host: "relay", ResponseStatus: 200})
				if err != nil {
					t.Fatal(err)
				}
				sqlExec(`INSERT INTO relayws_hooks(channel, seq, id, record, received_at) VALUES('team', ?, ?, ?, ?)`, seq, ids[seq], rec, at.UnixNano())
			}
			sqlExec(`INSERT INTO relayws_acks(channel, client, seq, updated_at) VALUES('team', 'desk-1', 4, ?)`, at.UnixNano())
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			args := []string{"--addr", "127.0.0.1:0", "--data", dir, "--token", token}
			r := startRelayChild(t, args...)
			// Open without --channel: the old channel was opened by a desktop.
			post(t, r.url+"/team/new", `{"new":true}`)
			hello, items := readRelayStream(t, r.url, "team", token)
			if hello.Hello.Epoch != epoch || hello.Hello.Head != 7 {
				t.Errorf("hello %+v, want epoch %d and head 7", *hello.Hello, int64(epoch))
			}
			var got []string
			for _, it := range items {
				if it.Gap != nil {
					got = append(got, fmt.Sprintf("gap %d-%d", it.Gap.After, it.Gap.Next))
					continue
				}
				got = append(got, fmt.Sprint(it.Seq))
				if id := ids[it.Seq]; id != "" && (it.Capture == nil || it.Capture.ID != id) {
					t.Errorf("hook %d: %+v, want id %s", it.Seq, it.Capture, id)
				}
			}
			if want := "gap 0-3 3 4 gap 4-6 6 7"; strings.Join(got, " ") != want {
				t.Errorf("stream %q, want %q", strings.Join(got, " "), want)
			}
			r.stop()
			if s := r.stderr.String(); !strings.Contains(s, "gancho relay: upgrade: moved 1 channel (3 hooks) from "+dir) {
				t.Errorf("first start's stderr lacks the upgrade line:\n%s", s)
			}

			r = startRelayChild(t, args...)
			if hello, _ := readRelayStream(t, r.url, "team", token); hello.Hello.Head != 7 || hello.Hello.Epoch != epoch {
				t.Errorf("second start: hello %+v", *hello.Hello)
			}
			r.stop()
			if s := r.stderr.String(); strings.Contains(s, "upgrade") {
				t.Errorf("second start upgraded again:\n%s", s)
			}
		})
	}
}

// TestRelayServeNATSFlags: the NATS flags refuse what cannot work, with a
// sentence, before anything starts.
func TestRelayServeNATSFlags(t *testing.T) {
	t.Setenv("GANCHO_NATS_TOKEN", "")
	t.Setenv("GANCHO_NATS_PASSWORD", "")
	const cluster = "nats://127.0.0.1:4222"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no replicas", []string{"--replicas", "0"}, "--replicas: want 1 to 5"},
		{"six replicas", []string{"--nats", cluster, "--replicas", "6"}, "--replicas: want 1 to 5"},
		{"replicas on the embedded server", []string{"--replicas", "3"}, "give --nats with a cluster"},
		{"token without a cluster", []string{"--nats-token", "secret"}, "NATS credentials are for --nats"},
		{"creds without a cluster", []string{"--nats-creds", "x.creds"}, "NATS credentials are for --nats"},
		{"http URL", []string{"--nats", "http://x"}, `--nats "http://x": want nats://host:port`},
		{"URL without host", []string{"--nats", "nats://"}, "want nats://host:port"},
		{"no URL in the list", []string{"--nats", " , "}, "give at least one nats://host:port"},
		{"token and creds", []string{"--nats", cluster, "--nats-token", "secret", "--nats-creds", "x.creds"}, "give one kind of NATS credentials"},
		{"user and nkey", []string{"--nats", cluster, "--nats-user", "u", "--nats-password", "p", "--nats-nkey", "x.nk"}, "give one kind of NATS credentials"},
		{"user without password", []string{"--nats", cluster, "--nats-user", "u"}, "give both --nats-user and --nats-password"},
		{"password without user", []string{"--nats", cluster, "--nats-password", "p"}, "give both --nats-user and --nats-password"},
		{"listen with a cluster", []string{"--nats", cluster, "--nats-listen", "127.0.0.1:0"}, "--nats-listen: only the embedded server listens"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"relay", "serve", "--addr", "127.0.0.1:0", "--data", dir, "--token", "team-token-0123456789"}, tc.args...)
			out, stderr, code := runCmd(t, args...)
			if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q, want one line containing %q", code, stderr, tc.want)
			}
			if out != "" {
				t.Errorf("stdout %q: nothing should have started", out)
			}
			if _, err := os.Stat(filepath.Join(dir, "nats")); err == nil {
				t.Error("the embedded JetStream was started")
			}
		})
	}
}

// TestRelayServeClusterOffline: with --nats at an address nobody listens
// on, relay serve fails within the connect deadline, naming the address.
func TestRelayServeClusterOffline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, stderr, code := runCmd(t, "relay", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--token", "team-token-0123456789", "--nats", "nats://"+addr)
	took := time.Since(start)
	if code == 0 || !strings.Contains(stderr, "nats://"+addr) || !strings.Contains(stderr, "check that the servers are running") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if took > 20*time.Second {
		t.Errorf("took %v to give up, want within the connect deadline (%v)", took, jstream.DefaultConnectTimeout)
	}
	t.Logf("failed after %v: %s", took.Round(time.Millisecond), strings.TrimSpace(stderr))
}

// TestNATSConfigEnvironment: $GANCHO_NATS_TOKEN and $GANCHO_NATS_PASSWORD
// fill in what the flags leave out, for --nats only, and never make a
// second kind of credentials.
func TestNATSConfigEnvironment(t *testing.T) {
	const cluster = "nats://127.0.0.1:4222"
	tests := []struct {
		name                  string
		envToken, envPassword string
		urls, token, user     string
		creds                 string
		wantToken, wantPass   string
	}{
		{"embedded ignores both", "env-token", "env-pass", "", "", "", "", "", ""},
		{"token from the environment", "env-token", "", cluster, "", "", "", "env-token", ""},
		{"the flag's token wins", "env-token", "", cluster, "flag-token", "", "", "flag-token", ""},
		{"password from the environment", "env-token", "env-pass", cluster, "", "u", "", "", "env-pass"},
		{"creds, environment ignored", "env-token", "env-pass", cluster, "", "", "x.creds", "", ""},
		{"no credentials, password ignored", "", "env-pass", cluster, "", "", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GANCHO_NATS_TOKEN", tc.envToken)
			t.Setenv("GANCHO_NATS_PASSWORD", tc.envPassword)
			cfg, err := natsConfig(t.TempDir(), tc.urls, tc.token, tc.user, "", tc.creds, "", "", 1)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Token != tc.wantToken || cfg.Password != tc.wantPass || cfg.User != tc.user || cfg.CredsFile != tc.creds {
				t.Fatalf("config %+v, want token %q password %q", cfg, tc.wantToken, tc.wantPass)
			}
		})
	}
}
