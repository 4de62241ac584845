package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

const testToken = "s3cret-relay-token"

func openDB(tb testing.TB, dir string) *database.DB {
	tb.Helper()
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// localStore is a desktop: a database with a capture store.
type localStore struct {
	db    *database.DB
	store *capture.Store
}

func newLocal(tb testing.TB) *localStore {
	tb.Helper()
	db := openDB(tb, tb.TempDir())
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{MaxCaptures: -1, MaxBodyBytes: -1})
	if err != nil {
		tb.Fatal(err)
	}
	l := &localStore{db: db, store: st}
	tb.Cleanup(l.close)
	return l
}

func (l *localStore) close() {
	_ = l.store.Close()
	_ = l.db.Close()
}

// relay is a Server listening on loopback.
type relay struct {
	srv    *Server
	db     *database.DB
	url    string
	served chan error
	client *http.Client
	once   sync.Once
}

// testChannels are open on a test relay unless its config names its own
// (an empty, non-nil list: none), so tests may post before a desktop
// connects, as with `relay serve --channel`.
var testChannels = []string{"orders", "ch", "counted", "aged", "qa", "secure", "bench", strings.Repeat("a", 64)}

func startRelay(tb testing.TB, dir string, cfg ServerConfig) *relay {
	tb.Helper()
	if len(cfg.NATS.URLs) == 0 && cfg.NATS.Dir == "" {
		cfg.NATS.Dir = filepath.Join(dir, "nats")
	}
	var db *database.DB
	// As relay serve does: a database the SQLite relay left is migrated.
	if _, err := os.Stat(filepath.Join(dir, database.FileName)); err == nil {
		db = openDB(tb, dir)
		cfg.Legacy = db
	}
	return startRelayWith(tb, db, cfg, func(cfg ServerConfig) (*Server, error) {
		return NewServer(context.Background(), cfg)
	})
}

// startRelayWith is startRelay with the Server newSrv makes (on a store
// other than db's, say); db, closed with the relay, may be nil.
func startRelayWith(tb testing.TB, db *database.DB, cfg ServerConfig, newSrv func(ServerConfig) (*Server, error)) *relay {
	tb.Helper()
	if cfg.Token == "" && cfg.ChannelTokens == nil {
		cfg.Token = testToken
	}
	if cfg.Channels == nil {
		cfg.Channels = testChannels
	}
	if cfg.Logf == nil {
		cfg.Logf = tb.Logf
	}
	s, err := newSrv(cfg)
	if err != nil {
		if db != nil {
			_ = db.Close()
		}
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r := &relay{srv: s, db: db, url: "http://" + ln.Addr().String(), served: make(chan error, 1),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}}
	go func() { r.served <- s.Serve(ln, "", "") }()
	tb.Cleanup(func() { r.close(tb) })
	return r
}

func (r *relay) close(tb testing.TB) {
	r.once.Do(func() {
		// Idle client connections the server never saw a request on
		// would hold its Shutdown for 5 s.
		r.client.CloseIdleConnections()
		if err := r.srv.Close(); err != nil {
			tb.Errorf("relay close: %v", err)
		}
		if err := <-r.served; err != nil {
			tb.Errorf("relay serve: %v", err)
		}
		r.client.CloseIdleConnections()
		if r.db != nil {
			_ = r.db.Close()
		}
	})
}

// post sends one hook and checks it was accepted.
func (r *relay) post(tb testing.TB, path string, body []byte) string {
	tb.Helper()
	resp, err := r.client.Post(r.url+path, "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Error(err)
		return ""
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Errorf("POST %s: %s", path, resp.Status)
	}
	return resp.Header.Get("X-Gancho-Id")
}

// postMany sends n hooks to path with `workers` senders, bodies {"i":k}.
func (r *relay) postMany(tb testing.TB, path string, n, workers int) {
	tb.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r.post(tb, path, fmt.Appendf(nil, `{"i":%d}`, i))
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// dialStream opens a raw stream connection.
func dialStream(base, ch, token, query string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	u := strings.Replace(base, "http://", "ws://", 1) + StreamPath + ch
	if query != "" {
		u += "?" + query
	}
	return websocket.DefaultDialer.Dial(u, h)
}

// readStream reads stream objects until stop says so or the connection
// ends; it returns the hook seqs seen and the error that ended it.
func readStream(conn *websocket.Conn, stop func(m wireMsg) bool) ([]int64, error) {
	var seqs []int64
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return seqs, err
		}
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var m wireMsg
			if err := json.Unmarshal(line, &m); err != nil {
				return seqs, err
			}
			if m.Seq > 0 {
				seqs = append(seqs, m.Seq)
			}
			if stop(m) {
				return seqs, nil
			}
		}
	}
}

// waitFor waits on ch with a deadline.
func waitFor[T any](tb testing.TB, ch <-chan T, d time.Duration, what string) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		tb.Fatalf("timed out after %v waiting for %s", d, what)
	}
	var zero T
	return zero
}

// runClient runs c in the background; the returned func stops it and
// returns Run's error.
func runClient(ctx context.Context, c *Client) (stop func() error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

func listen(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

// sql is the relay's SQLite store, for tests that reach into it.
// eventually waits until cond holds, checking every 20 ms, for at most d:
// for states the relay reaches on its own clock (JetStream's age
// retention), not for events a test could be told of.
func eventually(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", d, what)
		}
		<-tick.C
	}
}

// testStores are the stores the server's store-agnostic tests run on: the
// SQLite one it ships with, and memStore, which proves the server needs
// nothing of the store beyond hookStore.
var testStores = []struct {
	name  string
	start func(tb testing.TB, cfg ServerConfig) *relay
}{
	{"jetstream", func(tb testing.TB, cfg ServerConfig) *relay { return startRelay(tb, tb.TempDir(), cfg) }},
	{"memory", startMemRelay},
}

// startMemRelay is a relay on a memStore.
func startMemRelay(tb testing.TB, cfg ServerConfig) *relay {
	tb.Helper()
	return startRelayWith(tb, nil, cfg, func(cfg ServerConfig) (*Server, error) { return newServer(cfg, openMemStore) })
}
