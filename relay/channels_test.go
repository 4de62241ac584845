package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// status posts a hook and returns the status and body of the answer.
func (r *relay) status(tb testing.TB, path string, body []byte) (int, string) {
	tb.Helper()
	resp, err := r.client.Post(r.url+path, "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// count is what the relay lists: what == "channels" counts the channels
// (open, or with hooks), what == "hooks" the hooks stored, of ch ("" for
// all).
func (r *relay) count(tb testing.TB, what, ch string) int {
	tb.Helper()
	chans, err := r.srv.Channels(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, c := range chans {
		if ch != "" && c.Name != ch {
			continue
		}
		if what == "channels" {
			n++
		} else {
			n += c.Stored
		}
	}
	return n
}

// openStream opens ch's stream as a desktop and returns the status.
func openStream(tb testing.TB, base, ch, token string) (int, string) {
	tb.Helper()
	conn, resp, err := dialStream(base, ch, token, "")
	if conn != nil {
		conn.Close()
		return http.StatusSwitchingProtocols, ""
	}
	if resp == nil {
		tb.Fatalf("stream %s: no answer: %v", ch, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRelayUnknownChannel: a hook to a channel nobody opened is refused
// with 404 and stores nothing; once a desktop opens the channel, hooks are
// accepted, also while no desktop is connected, and after a restart.
func TestRelayUnknownChannel(t *testing.T) {
	dir := t.TempDir()
	r := startRelay(t, dir, ServerConfig{Channels: []string{}})
	code, body := r.status(t, "/nobody/x", []byte(`{"a":1}`))
	if code != http.StatusNotFound || !strings.Contains(body, `"nobody" is not open`) ||
		!strings.Contains(body, "--channel nobody") || !strings.Contains(body, "not stored") {
		t.Fatalf("hook to an unknown channel: %d %q", code, body)
	}
	if n, h := r.count(t, "channels", ""), r.count(t, "hooks", ""); n != 0 || h != 0 {
		t.Fatalf("%d channel rows and %d hook rows after a refused hook", n, h)
	}
	if code, _ := openStream(t, r.url, "team", testToken); code != http.StatusSwitchingProtocols {
		t.Fatalf("desktop open: %d", code)
	}
	// The desktop has gone again: the channel stays open.
	if code, body := r.status(t, "/team/x", []byte(`{"a":2}`)); code != http.StatusOK {
		t.Fatalf("hook to an opened channel: %d %q", code, body)
	}
	r.close(t)
	r2 := startRelay(t, dir, ServerConfig{Channels: []string{}})
	tests := []struct {
		path string
		want int
	}{
		{"/team/again", http.StatusOK},
		{"/nobody/x", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if code, body := r2.status(t, tc.path, []byte(`{}`)); code != tc.want {
				t.Fatalf("after restart: %d %q, want %d", code, body, tc.want)
			}
		})
	}
	if n := r2.count(t, "hooks", "team"); n != 2 {
		t.Fatalf("team has %d hooks, want 2", n)
	}
	if n := r2.count(t, "channels", ""); n != 1 {
		t.Fatalf("%d channel rows, want 1", n)
	}
}

// TestRelayChannelLimit: the limit counts open channels, anonymous hooks
// cannot use it up, and the 507 names the flag that raises it.
func TestRelayChannelLimit(t *testing.T) {
	dir := t.TempDir()
	r := startRelay(t, dir, ServerConfig{Channels: []string{"fixed"}, MaxChannels: 3})
	for i := range 50 { // an anonymous flood: all refused, nothing kept
		if code, _ := r.status(t, fmt.Sprintf("/anon%d/x", i), []byte(`{}`)); code != http.StatusNotFound {
			t.Fatalf("anonymous hook %d: %d", i, code)
		}
	}
	tests := []struct {
		ch       string
		want     int
		contains string
	}{
		{"a", http.StatusSwitchingProtocols, ""},
		{"b", http.StatusSwitchingProtocols, ""},
		{"c", http.StatusInsufficientStorage, "raise the limit with --max-channels N"},
		{"a", http.StatusSwitchingProtocols, ""},     // already open
		{"fixed", http.StatusSwitchingProtocols, ""}, // configured
	}
	for _, tc := range tests {
		t.Run(tc.ch, func(t *testing.T) {
			code, body := openStream(t, r.url, tc.ch, testToken)
			if code != tc.want || !strings.Contains(body, tc.contains) {
				t.Fatalf("open %s: %d %q, want %d containing %q", tc.ch, code, body, tc.want, tc.contains)
			}
		})
	}
	t.Run("client fails with the relay's reason", func(t *testing.T) {
		ls := newLocal(t)
		var reason atomic.Value
		c := &Client{URL: r.url, Channel: "c", Token: testToken, Store: ls.store,
			State: func(s ClientState) {
				if s.Kind == Failed {
					reason.Store(s.Reason)
				}
			}}
		err := c.Run(context.Background())
		if !errors.Is(err, ErrChannelLimit) {
			t.Fatalf("Run = %v, want ErrChannelLimit", err)
		}
		if got, _ := reason.Load().(string); !strings.Contains(got, "--max-channels") {
			t.Fatalf("Failed reason %q", got)
		}
	})
	r.close(t)
	t.Run("a higher limit after restart", func(t *testing.T) {
		r2 := startRelay(t, dir, ServerConfig{Channels: []string{"fixed"}, MaxChannels: 4})
		if code, body := openStream(t, r2.url, "c", testToken); code != http.StatusSwitchingProtocols {
			t.Fatalf("open c: %d %q", code, body)
		}
		if n := r2.count(t, "channels", ""); n != 4 {
			t.Fatalf("%d channel rows, want 4 (fixed, a, b, c)", n)
		}
	})
}

// TestRelayLegacyChannels: a relay upgraded from the version where hooks
// created channels is not locked out by the channels anonymous senders
// made: they are closed, do not count, keep their hooks until retention,
// and go once those are gone; a channel a desktop had acknowledged stays
// open.
func TestRelayLegacyChannels(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	if err := db.Migrate(context.Background(), migrationOwner, migrations[:2]); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 10 {
		ch := fmt.Sprintf("anon%d", i)
		if i == 0 {
			ch = "acked"
		}
		if _, err := db.Write.Exec(`INSERT INTO relayws_channels(channel, last_seq, created_at) VALUES(?, 1, ?)`, ch, start.UnixNano()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Write.Exec(`INSERT INTO relayws_hooks(channel, seq, id, record, received_at) VALUES(?, 1, ?, ?, ?)`,
			ch, fmt.Sprintf("id%d", i), []byte(`{"id":"x"}`), start.UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Write.Exec(`INSERT INTO relayws_acks(channel, client, seq, updated_at) VALUES('acked', 'laptop', 1, ?)`, start.UnixNano()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	r := startRelay(t, dir, ServerConfig{Channels: []string{}, MaxChannels: 2, Retention: Retention{MaxAge: -1}})
	tests := []struct {
		name, path string
		want       int
	}{
		{"acked legacy channel stays open", "/acked/x", http.StatusOK},
		{"anonymous legacy channel is closed", "/anon3/x", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := r.status(t, tc.path, []byte(`{}`)); code != tc.want {
				t.Fatalf("%d %q, want %d", code, body, tc.want)
			}
		})
	}
	// Nine closed legacy channels, a limit of 2: a desktop still opens one.
	if code, body := openStream(t, r.url, "team", testToken); code != http.StatusSwitchingProtocols {
		t.Fatalf("open a new channel: %d %q", code, body)
	}
	// The closed legacy channels are still listed, with their hooks.
	chans, err := r.srv.Channels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(chans) != 11 {
		t.Fatalf("%d channels listed, want 11", len(chans))
	}
	// Once their hooks age out (on JetStream's clock, which started at
	// the migration), the closed legacy channels are no longer listed.
	for i := 1; i < 10; i++ {
		r.srv.SetRetention(fmt.Sprintf("anon%d", i), Retention{MaxCount: -1, MaxAge: 300 * time.Millisecond})
	}
	eventually(t, 30*time.Second, "the legacy hooks to age out", func() bool {
		return r.count(t, "channels", "") == 2 // acked, team
	})
}

// TestRelayLegacyChannelOpened: a desktop that opens a closed legacy
// channel gets the hooks it holds.
func TestRelayLegacyChannelOpened(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	if err := db.Migrate(context.Background(), migrationOwner, migrations[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.Exec(`INSERT INTO relayws_channels(channel, last_seq, created_at) VALUES('early', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.Exec(`INSERT INTO relayws_hooks(channel, seq, id, record, received_at) VALUES('early', 1, 'id1', ?, 1)`,
		[]byte(`{"id":"01JDZZZZZZZZZZZZZZZZZZZZZZ"}`)); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	r := startRelay(t, dir, ServerConfig{Channels: []string{}, Retention: Retention{MaxAge: -1}})
	conn, _, err := dialStream(r.url, "early", testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	seqs, err := readStream(conn, func(m wireMsg) bool { return m.Seq == 1 })
	if err != nil || fmt.Sprint(seqs) != "[1]" {
		t.Fatalf("seqs %v (%v)", seqs, err)
	}
	if code, body := r.status(t, "/early/x", []byte(`{}`)); code != http.StatusOK {
		t.Fatalf("hook after opening: %d %q", code, body)
	}
	if n := r.count(t, "hooks", "early"); n != 2 {
		t.Fatalf("%d hooks, want 2", n)
	}
}

// TestRelayChannelTokens: a channel with its own token opens only with it,
// and takes hooks before any desktop opened it.
func TestRelayChannelTokens(t *testing.T) {
	const private = "private-channel-token"
	r := startRelay(t, t.TempDir(), ServerConfig{Token: testToken, Channels: []string{},
		ChannelTokens: map[string]string{"private": private}})
	if code, body := r.status(t, "/private/x", []byte(`{}`)); code != http.StatusOK {
		t.Fatalf("hook to a configured channel: %d %q", code, body)
	}
	tests := []struct {
		name, ch, token string
		want            int
	}{
		{"the team token does not open it", "private", testToken, http.StatusUnauthorized},
		{"its own token does", "private", private, http.StatusSwitchingProtocols},
		{"its token opens no other channel", "other", private, http.StatusUnauthorized},
		{"the team token opens the others", "other", testToken, http.StatusSwitchingProtocols},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := openStream(t, r.url, tc.ch, tc.token); code != tc.want {
				t.Fatalf("%d %q, want %d", code, body, tc.want)
			}
		})
	}
	t.Run("channel tokens only", func(t *testing.T) {
		r := startRelay(t, t.TempDir(), ServerConfig{Channels: []string{}, ChannelTokens: map[string]string{"private": private}})
		if code, _ := openStream(t, r.url, "private", private); code != http.StatusSwitchingProtocols {
			t.Fatalf("open private: %d", code)
		}
		if code, _ := openStream(t, r.url, "other", private); code != http.StatusUnauthorized {
			t.Fatalf("open other: %d", code)
		}
	})
}

// TestRelayRetentionBytes: the oldest hooks go once a channel's records
// exceed MaxBytes; the newest is kept whatever its size; the size survives
// a restart; a desktop reading from the start is told of the gap.
func TestRelayRetentionBytes(t *testing.T) {
	dir := t.TempDir()
	body := func(i int) []byte { return fmt.Appendf(nil, `{"i":%d,"pad":"%s"}`, i, strings.Repeat("x", 1000)) }
	// Learn one hook's record size on a throwaway relay.
	probe := startRelay(t, t.TempDir(), ServerConfig{})
	probe.post(t, "/orders/x", body(0))
	pc, err := probe.srv.Channels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var one int64
	for _, c := range pc {
		if c.Name == "orders" {
			one = c.Bytes
		}
	}
	if one < 1000 {
		t.Fatalf("record size %d", one)
	}
	limit := 3*one + one/2 // room for 3 hooks
	cfg := ServerConfig{Retention: Retention{MaxCount: -1, MaxAge: -1, MaxBytes: limit}}
	r := startRelay(t, dir, cfg)
	for i := 1; i <= 10; i++ {
		r.post(t, "/orders/x", body(i))
	}
	info := func(r *relay) ChannelInfo {
		t.Helper()
		cs, err := r.srv.Channels(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Name == "orders" {
				return c
			}
		}
		t.Fatal("no channel orders")
		return ChannelInfo{}
	}
	if c := info(r); c.Stored != 3 || c.Oldest != 8 || c.LastSeq != 10 || c.Bytes > limit {
		t.Fatalf("after 10 hooks: %+v (limit %d bytes)", c, limit)
	}
	r.close(t)

	r = startRelay(t, dir, cfg) // the size is counted again at start
	r.post(t, "/orders/x", body(11))
	if c := info(r); c.Stored != 3 || c.Oldest != 9 {
		t.Fatalf("after restart and one more: %+v", c)
	}
	// A hook bigger than the whole bound is kept, alone.
	big := fmt.Appendf(nil, `{"big":"%s"}`, strings.Repeat("y", int(limit)))
	r.post(t, "/orders/x", big)
	if c := info(r); c.Stored != 1 || c.Oldest != 12 {
		t.Fatalf("after a hook over the bound: %+v", c)
	}

	// The desktop reading from the start is told seqs 1-11 are gone.
	conn, _, err := dialStream(r.url, "orders", testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var gap string
	seqs, err := readStream(conn, func(m wireMsg) bool {
		if m.Gap != nil {
			b, _ := json.Marshal(m.Gap)
			gap = string(b)
		}
		return m.Seq == 12
	})
	if err != nil || gap != `{"after":0,"next":12}` || fmt.Sprint(seqs) != "[12]" {
		t.Fatalf("gap %s, seqs %v (%v)", gap, seqs, err)
	}
	// The client logs the eviction and carries on.
	ls := newLocal(t)
	var mu sync.Mutex
	var logged []string
	reached := make(chan struct{})
	stop := runClient(context.Background(), &Client{URL: r.url, Channel: "orders", Token: testToken, Store: ls.store,
		Logf: func(f string, a ...any) { mu.Lock(); logged = append(logged, fmt.Sprintf(f, a...)); mu.Unlock() },
		onApplied: func(s []int64) {
			if s[len(s)-1] == 12 {
				close(reached)
			}
		}})
	waitFor(t, reached, 30*time.Second, "the client")
	_ = stop()
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != 1 || !strings.Contains(logged[0], "hooks 1 to 11 of channel orders were evicted") {
		t.Fatalf("client logged %q", logged)
	}
}

// TestClientUnreachable: a relay never reached is "could not connect" at
// its address, not a lost connection; FailFast gives up at once.
func TestClientUnreachable(t *testing.T) {
	ln := listen(t)
	base := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name     string
		failFast bool
		want     StateKind
	}{
		{"fail fast", true, Failed},
		{"retrying", false, Reconnecting},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ls := newLocal(t)
			states := make(chan ClientState, 16)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			c := &Client{URL: base, Channel: "team", Token: testToken, Store: ls.store, FailFast: tc.failFast,
				MinBackoff: time.Hour, State: func(s ClientState) { states <- s }}
			go func() { done <- c.Run(ctx) }()
			var got ClientState
			for got.Kind != tc.want {
				got = waitFor(t, states, 30*time.Second, tc.want.String())
			}
			var de *DialError
			if !strings.HasPrefix(got.Reason, "could not connect to the relay at "+base+": ") || !errors.As(got.Err, &de) || de.Addr != base {
				t.Fatalf("%s: reason %q, err %v", got.Kind, got.Reason, got.Err)
			}
			cancel()
			err := waitFor(t, done, 30*time.Second, "Run")
			if tc.failFast && !errors.As(err, &de) {
				t.Fatalf("Run = %v, want a DialError", err)
			}
		})
	}
}

// TestRelayLegacyWarning: at start, a relay upgraded with channels that
// hooks created and no desktop opened logs once how many there are, that
// their senders get 404, and to pass --channel for the real ones, naming
// the ten with the most hooks; configured and acknowledged channels are
// not among them, and a relay without such channels says nothing.
func TestRelayLegacyWarning(t *testing.T) {
	// legacy is a data directory the SQLite relay left: the warning comes
	// with the migration, once.
	legacy := func(t *testing.T) string {
		dir := t.TempDir()
		db := openDB(t, dir)
		if err := db.Migrate(context.Background(), migrationOwner, migrations[:2]); err != nil {
			t.Fatal(err)
		}
		hooks := map[string]int{"team": 5, "ops": 3, "acked": 9, "fixed": 7}
		for i := range 11 {
			hooks[fmt.Sprintf("anon%02d", i)] = 1
		}
		for ch, n := range hooks {
			if _, err := db.Write.Exec(`INSERT INTO relayws_channels(channel, last_seq, created_at) VALUES(?, ?, 1)`, ch, n); err != nil {
				t.Fatal(err)
			}
			for seq := 1; seq <= n; seq++ {
				if _, err := db.Write.Exec(`INSERT INTO relayws_hooks(channel, seq, id, record, received_at) VALUES(?, ?, ?, '{}', 1)`,
					ch, seq, fmt.Sprintf("%s-%d", ch, seq)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := db.Write.Exec(`INSERT INTO relayws_acks(channel, client, seq, updated_at) VALUES('acked', 'laptop', 9, 1)`); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	// upgrades starts the relay on dir with channels configured and returns
	// the lines it logged about the upgrade.
	upgrades := func(t *testing.T, dir string, channels ...string) []string {
		var mu sync.Mutex
		var lines []string
		r := startRelay(t, dir, ServerConfig{Channels: channels, Retention: Retention{MaxAge: -1}, Logf: func(f string, a ...any) {
			mu.Lock()
			defer mu.Unlock()
			if l := fmt.Sprintf(f, a...); strings.HasPrefix(l, "upgrade: closed") {
				lines = append(lines, l)
			}
		}})
		r.close(t)
		mu.Lock()
		defer mu.Unlock()
		return lines
	}
	t.Run("names the closed channels with the most hooks", func(t *testing.T) {
		lines := upgrades(t, legacy(t), "fixed")
		if len(lines) != 1 {
			t.Fatalf("%d upgrade lines, want 1: %q", len(lines), lines)
		}
		l := lines[0]
		for _, want := range []string{"13 channels", "404", "--channel NAME",
			"Most hooks: team (5), ops (3), anon00 (1), anon01 (1)", "anon07 (1), …"} {
			if !strings.Contains(l, want) {
				t.Errorf("line lacks %q: %q", want, l)
			}
		}
		for _, not := range []string{"acked (", "fixed (", "anon08"} {
			if strings.Contains(l, not) {
				t.Errorf("line names %s: %q", not, l)
			}
		}
	})
	t.Run("configured channels leave the list", func(t *testing.T) {
		lines := upgrades(t, legacy(t), "fixed", "team", "ops")
		if len(lines) != 1 || !strings.Contains(lines[0], "11 channels") || strings.Contains(lines[0], "team (") ||
			!strings.Contains(lines[0], "anon08 (1), anon09 (1), …") {
			t.Fatalf("upgrade lines %q", lines)
		}
	})
	t.Run("a relay without legacy channels says nothing", func(t *testing.T) {
		if lines := upgrades(t, t.TempDir()); len(lines) != 0 {
			t.Fatalf("upgrade lines %q", lines)
		}
	})
}
