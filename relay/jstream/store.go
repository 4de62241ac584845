package jstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Retention defaults, the same as the relay's: per channel, the newest
// 100,000 hooks, at most 1 GiB of them, of the last 7 days.
const (
	DefaultRetentionCount = 100_000
	DefaultRetentionBytes = 1 << 30
	DefaultRetentionAge   = 7 * 24 * time.Hour
)

// DefaultDuplicates is the duplicate window when Config.Duplicates is 0.
const DefaultDuplicates = 2 * time.Minute

// DefaultConnectTimeout bounds Open's first connection when
// Config.ConnectTimeout is 0.
const DefaultConnectTimeout = 10 * time.Second

// EmbeddedMaxPayload is the embedded server's max_payload: the largest hook
// record (with its headers) it takes. It is NATS's maximum, above the
// relay's body cap once encoded.
const EmbeddedMaxPayload = 64 << 20

// Errors. Each is returned wrapped with context; test with errors.Is.
var (
	// ErrNoChannel: the channel has no stream yet (EnsureChannel makes it).
	ErrNoChannel = errors.New("channel has no stream: open it first")
	// ErrBadChannel: a channel name outside [a-z0-9_-]{1,64}.
	ErrBadChannel = errors.New("bad channel name: use 1 to 64 characters of a-z, 0-9, '_' and '-'")
	// ErrTooManyChannels: OpenChannel is past its maxChannels limit.
	ErrTooManyChannels = errors.New("too many open channels: raise the relay's channel limit or forget unused channels")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("store closed")
)

// Config says where the JetStream lives and how to reach it. Zero values
// mean the defaults. A Config is read by Open only.
type Config struct {
	// Dir is the embedded server's JetStream store directory (used, and
	// required, when URLs is empty).
	Dir string
	// URLs of an external NATS cluster (nats://host:port each). Empty:
	// embedded.
	URLs []string
	// Credentials for an external cluster: at most one of Token,
	// User/Password, CredsFile (a .creds file) or NKeySeedFile.
	Token, User, Password, CredsFile, NKeySeedFile string
	// Replicas of every stream and bucket (1 when 0; the embedded server
	// allows only 1).
	Replicas int
	// Duplicates is the stream's duplicate window for Append's ids
	// (DefaultDuplicates when 0; never above a channel's MaxAge).
	Duplicates time.Duration
	// ConnectTimeout bounds the first connection (DefaultConnectTimeout
	// when 0).
	ConnectTimeout time.Duration
	// Logf receives the embedded server's warnings and errors and the
	// client's connection events (nil: discarded). Called on any goroutine.
	Logf func(format string, args ...any)
	// Listen makes the embedded server also listen on host:port (for other
	// instances or tools; port 0 picks a free one, see ClientURL). Empty:
	// no listener at all, in-process only.
	Listen string
}

// Store is the relay's storage on JetStream. All its methods are safe for
// concurrent use; Close ends it.
type Store struct {
	cfg  Config
	srv  *server.Server // embedded, or nil
	lock *dirLock       // embedded store's directory lock, or nil
	nc   *nats.Conn
	js   jetstream.JetStream

	chans, tokens, acks jetstream.KeyValue
	reg                 *registry

	mu      sync.Mutex
	closed  bool
	watches map[*watch]struct{}
}

// Open starts the embedded server (Config.URLs empty) or connects to the
// cluster, and opens the key-value buckets. It fails with a sentence
// saying what to check when the cluster cannot be reached within
// ConnectTimeout. Safe to call from any goroutine.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.Duplicates <= 0 {
		cfg.Duplicates = DefaultDuplicates
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	s := &Store{cfg: cfg, watches: map[*watch]struct{}{}}
	var err error
	if len(cfg.URLs) == 0 {
		err = s.startEmbedded()
	} else {
		err = s.connect(ctx)
	}
	if err != nil {
		s.shutdown()
		return nil, err
	}
	if err := s.openBuckets(ctx); err != nil {
		s.shutdown()
		return nil, err
	}
	return s, nil
}

func (s *Store) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// startEmbedded starts the in-process nats-server and connects to it.
func (s *Store) startEmbedded() error {
	if s.cfg.Dir == "" {
		return errors.New("jstream: open embedded JetStream: no data directory given")
	}
	if s.cfg.Replicas > 1 {
		return fmt.Errorf("jstream: open embedded JetStream: %d replicas need a cluster: connect to one with its URLs, or use 1 replica", s.cfg.Replicas)
	}
	if err := os.MkdirAll(s.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("jstream: open embedded JetStream: %w", err)
	}
	lock, err := lockDir(filepath.Join(s.cfg.Dir, "gancho.lock"))
	if err != nil {
		return fmt.Errorf("jstream: open embedded JetStream in %s: %w: another gancho relay is using this directory; stop it or choose another --data", s.cfg.Dir, err)
	}
	s.lock = lock
	opts := &server.Options{
		ServerName:         "gancho-relay",
		JetStream:          true,
		StoreDir:           s.cfg.Dir,
		NoSigs:             true,
		NoLog:              s.cfg.Logf == nil,
		MaxPayload:         EmbeddedMaxPayload,
		DontListen:         s.cfg.Listen == "",
		JetStreamMaxMemory: 256 << 20,
	}
	if s.cfg.Listen != "" {
		host, port, err := net.SplitHostPort(s.cfg.Listen)
		if err != nil {
			return fmt.Errorf("jstream: embedded JetStream listen address %q: %w (use host:port)", s.cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return fmt.Errorf("jstream: embedded JetStream listen port %q: %w", port, err)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, p
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("jstream: start embedded JetStream: %w", err)
	}
	if s.cfg.Logf != nil {
		srv.SetLoggerV2(serverLog{s.cfg.Logf}, false, false, false)
	}
	s.srv = srv
	srv.Start()
	if !srv.ReadyForConnections(s.cfg.ConnectTimeout) {
		return fmt.Errorf("jstream: embedded JetStream in %s did not start within %v: check the directory is writable and not full", s.cfg.Dir, s.cfg.ConnectTimeout)
	}
	if !srv.JetStreamEnabled() {
		return fmt.Errorf("jstream: embedded JetStream in %s could not enable its store: check the directory is writable and not full (Config.Logf shows the server's reason)", s.cfg.Dir)
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("gancho-relay"),
		nats.MaxReconnects(-1), s.connHandlers())
	if err != nil {
		return fmt.Errorf("jstream: connect to embedded JetStream: %w", err)
	}
	s.nc = nc
	return s.newJS()
}

// connect reaches the external cluster within ConnectTimeout.
func (s *Store) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	defer cancel()
	urls := strings.Join(s.cfg.URLs, ",")
	d := &dialer{first: ctx, timeout: s.cfg.ConnectTimeout}
	opts := []nats.Option{
		nats.Name("gancho-relay"), nats.Timeout(s.cfg.ConnectTimeout), nats.SetCustomDialer(d),
		nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond), s.connHandlers(),
	}
	switch {
	case s.cfg.Token != "":
		opts = append(opts, nats.Token(s.cfg.Token))
	case s.cfg.User != "":
		opts = append(opts, nats.UserInfo(s.cfg.User, s.cfg.Password))
	case s.cfg.CredsFile != "":
		opts = append(opts, nats.UserCredentials(s.cfg.CredsFile))
	case s.cfg.NKeySeedFile != "":
		o, err := nats.NkeyOptionFromSeed(s.cfg.NKeySeedFile)
		if err != nil {
			return fmt.Errorf("jstream: NATS nkey seed %s: %w", s.cfg.NKeySeedFile, err)
		}
		opts = append(opts, o)
	}
	nc, err := nats.Connect(urls, opts...)
	d.connected()
	if err != nil {
		return fmt.Errorf("jstream: connect to NATS at %s: %w: check that the servers are running and reachable from here, and the credentials", urls, err)
	}
	s.nc = nc
	if err := s.newJS(); err != nil {
		return err
	}
	if _, err := s.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jstream: NATS at %s: %w: check that JetStream is enabled on the servers and for this account", urls, err)
	}
	return nil
}

func (s *Store) newJS() error {
	js, err := jetstream.New(s.nc)
	if err != nil {
		return fmt.Errorf("jstream: %w", err)
	}
	s.js = js
	return nil
}

func (s *Store) connHandlers() nats.Option {
	return func(o *nats.Options) error {
		o.DisconnectedErrCB = func(_ *nats.Conn, err error) {
			if err != nil {
				s.logf("jstream: NATS connection lost: %v", err)
			}
		}
		o.ReconnectedCB = func(nc *nats.Conn) { s.logf("jstream: NATS reconnected to %s", nc.ConnectedUrlRedacted()) }
		o.AsyncErrorCB = func(_ *nats.Conn, _ *nats.Subscription, err error) { s.logf("jstream: NATS: %v", err) }
		return nil
	}
}

// ClientURL is the embedded server's nats:// URL when Config.Listen made
// it listen, for other instances' Config.URLs; empty otherwise. Safe for
// concurrent use.
func (s *Store) ClientURL() string {
	if s.srv == nil || s.cfg.Listen == "" {
		return ""
	}
	return s.srv.ClientURL()
}

// dialer bounds the first connection by the Open context, and later
// reconnections by the per-dial timeout only.
type dialer struct {
	mu      sync.Mutex
	first   context.Context
	timeout time.Duration
}

func (d *dialer) connected() {
	d.mu.Lock()
	d.first = nil
	d.mu.Unlock()
}

func (d *dialer) Dial(network, address string) (net.Conn, error) {
	d.mu.Lock()
	ctx := d.first
	d.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	var nd net.Dialer
	return nd.DialContext(ctx, network, address)
}

// Close stops every Watch, drains the connection, shuts the embedded
// server down and waits for it, and releases the data directory. Safe to
// call more than once, from any goroutine; methods called after it fail.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ws := make([]*watch, 0, len(s.watches))
	for w := range s.watches {
		ws = append(ws, w)
	}
	s.mu.Unlock()
	for _, w := range ws {
		w.stop()
	}
	return s.shutdown()
}

// shutdown ends what Open started, in reverse.
func (s *Store) shutdown() error {
	if s.reg != nil {
		s.reg.stop()
	}
	var err error
	if s.nc != nil {
		closed := make(chan struct{})
		s.nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
		if derr := s.nc.Drain(); derr != nil {
			s.nc.Close()
		}
		select {
		case <-closed:
		case <-time.After(30 * time.Second):
			s.nc.Close()
			err = errors.New("jstream: close: NATS connection did not drain within 30s")
		}
		if s.js != nil {
			s.js.CleanupPublisher()
		}
	}
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	}
	if s.lock != nil {
		if lerr := s.lock.unlock(); lerr != nil && err == nil {
			err = fmt.Errorf("jstream: close: %w", lerr)
		}
	}
	return err
}

// alive fails once the Store is closed.
func (s *Store) alive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// serverLog passes the embedded server's notices, warnings and errors to
// Config.Logf.
type serverLog struct{ logf func(string, ...any) }

func (l serverLog) Noticef(string, ...any)         {}
func (l serverLog) Warnf(format string, v ...any)  { l.logf("nats: warning: "+format, v...) }
func (l serverLog) Fatalf(format string, v ...any) { l.logf("nats: fatal: "+format, v...) }
func (l serverLog) Errorf(format string, v ...any) { l.logf("nats: error: "+format, v...) }
func (l serverLog) Debugf(string, ...any)          {}
func (l serverLog) Tracef(string, ...any)          {}

// ValidChannel reports whether name matches [a-z0-9_-]{1,64}, the channel
// names a Store takes. A pure function, safe from any goroutine.
func ValidChannel(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkChannel(ch string) error {
	if !ValidChannel(ch) {
		return fmt.Errorf("jstream: channel %q: %w", ch, ErrBadChannel)
	}
	return nil
}

// StreamName is the stream holding channel ch's hooks. A pure function,
// safe from any goroutine.
func StreamName(ch string) string { return "GANCHO_HOOKS_" + ch }

// Subject is the subject channel ch's hooks are published on. A pure
// function, safe from any goroutine.
func Subject(ch string) string { return "gancho.hook." + ch }
