package relay

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/relay/jstream"
)

// Paths the relay serves besides channels.
const (
	// HealthPath answers 200 "ok" (for load balancers and monitors).
	HealthPath = "/_gancho/health"
	// StreamPath is followed by a channel name: GET StreamPath+"{channel}"
	// is the desktop's WebSocket stream (see the package documentation).
	StreamPath = "/_gancho/stream/"
)

// Retention bounds what a channel keeps: the oldest hooks beyond MaxCount,
// beyond MaxBytes of stored records, or older than MaxAge, are evicted,
// acknowledged or not (see the package documentation). The newest hook is
// kept whatever its size. Zero values mean the defaults; a negative value
// means no limit.
type Retention struct {
	MaxCount int
	MaxBytes int64
	MaxAge   time.Duration
}

// Retention defaults: per channel, the newest 100,000 hooks, at most 1 GiB
// of them, of the last 7 days.
const (
	DefaultRetentionCount = 100_000
	DefaultRetentionBytes = 1 << 30
	DefaultRetentionAge   = 7 * 24 * time.Hour
)

// DefaultMaxChannels is how many channels may be open when
// ServerConfig.MaxChannels is 0.
const DefaultMaxChannels = 10_000

func (r Retention) withDefaults() Retention {
	if r.MaxCount == 0 {
		r.MaxCount = DefaultRetentionCount
	}
	if r.MaxBytes == 0 {
		r.MaxBytes = DefaultRetentionBytes
	}
	if r.MaxAge == 0 {
		r.MaxAge = DefaultRetentionAge
	}
	return r
}

// ServerConfig tunes a Server; zero values mean sensible defaults.
type ServerConfig struct {
	// Token authenticates desktop streams (Authorization: Bearer) of every
	// channel without a token of its own. Required unless ChannelTokens is
	// set; without it only the channels of ChannelTokens can be opened.
	Token string
	// Channels are open from the start (`relay serve --channel`): they take
	// hooks before any desktop has opened them.
	Channels []string
	// ChannelTokens gives channels their own token (`relay serve
	// --channel-token NAME=TOKEN`): a desktop opening such a channel must
	// present it (Token does not open it). These channels are open from the
	// start too.
	ChannelTokens map[string]string
	// MaxBody caps hook bodies (0 means capture.DefaultMaxBody).
	MaxBody int64
	// Limits bounds connections and buffered bodies, in all and per client
	// address, as on the capture server (zero fields: defaults).
	Limits capture.Limits
	// Retention applies to every channel without its own (SetRetention).
	Retention Retention
	// MaxChannels caps how many channels are open (0 means
	// DefaultMaxChannels): a desktop opening a new channel beyond it is
	// refused with 507. Hooks never open a channel: a hook to a channel
	// that is not open is refused with 404 and not stored.
	MaxChannels int
	// SendQueue is how many live hooks may wait for a stream's writer
	// before the client is closed as too slow (0 means 4096).
	SendQueue int
	// PingInterval, PongWait and WriteWait time the streams (0 means
	// DefaultPingInterval, DefaultPongWait, DefaultWriteWait).
	PingInterval, PongWait, WriteWait time.Duration
	// AckFlushInterval is how often acknowledgements are written (0 means
	// 1 s).
	AckFlushInterval time.Duration
	// Logf reports background errors (nil means log.Printf).
	Logf func(format string, args ...any)

	// NATS says where hooks, channels and acknowledgements are kept: an
	// embedded JetStream in NATS.Dir (required then) when NATS.URLs is
	// empty, else an existing NATS cluster that other instances may share.
	NATS jstream.Config
	// Legacy, when set, is a database written by the relay before it kept
	// hooks in JetStream (its relayws_ tables): its channels, hooks (with
	// their seqs and epochs) and acknowledgements are moved into JetStream
	// at start, then deleted from it, so this happens once. It stays the
	// caller's to close.
	Legacy *database.DB
}

// hookStore keeps hooks, channels, channel tokens and acknowledgements:
// everything the relay stores goes through it, so the HTTP and stream code
// does not know what is underneath (JetStream, jsStore; an in-memory store
// in tests). Per channel, seqs are 1, 2, 3, … with holes only where
// retention evicted hooks. Safe for concurrent use.
//
// A store is built with a commitFunc and tells it of every hook stored by
// any instance sharing the storage, in seq order, at least for the
// channels being followed (Follow): this is how live streams hear of new
// hooks. It may do so after Append has returned.
type hookStore interface {
	// Append stores rec (a capture.Record's JSON) as ch's next hook and
	// returns its seq once it is durable. A retry with the same id may
	// return the first seq. After Close it returns ErrClosed.
	Append(ctx context.Context, ch, id string, at time.Time, rec []byte) (seq int64, err error)
	// ReadAfter returns up to limit hooks of ch with seq > after, in
	// order, stopping once maxBytes of records are read (a hook bigger
	// than maxBytes still comes, alone: the replay must move on).
	ReadAfter(ctx context.Context, ch string, after int64, limit, maxBytes int) ([]storedHook, error)
	// Follow makes the store tell the commitFunc of ch's new hooks until
	// stop is called; calls nest (one stop per Follow).
	Follow(ctx context.Context, ch string) (stop func(), err error)
	// Head is ch's newest seq (0: none), as stored now.
	Head(ctx context.Context, ch string) (int64, error)
	// Epoch identifies ch's current incarnation: a relay whose data was
	// wiped numbers other hooks with the same seqs, and says so by it.
	Epoch(ctx context.Context, ch string) (int64, error)
	// OpenChannel opens ch for hooks, durably (it stays open across
	// restarts). A new channel beyond maxChannels open ones is refused
	// with an error matching ErrChannelLimit (channelLimit).
	OpenChannel(ctx context.Context, ch string, maxChannels int) error
	// IsOpen reports whether ch takes hooks.
	IsOpen(ch string) bool
	// ChannelToken is ch's own token, if it has one (ServerConfig's
	// ChannelTokens of this instance or of any other sharing the store).
	ChannelToken(ch string) (token string, ok bool)
	// SetRetention sets ch's retention (defaults applied), at once.
	SetRetention(ch string, r Retention)
	// RecordAck notes that client has applied ch up to seq; it may be
	// persisted later, but before Close returns.
	RecordAck(ch, client string, seq int64)
	// Channels lists every channel with its counters, sorted by name.
	Channels(ctx context.Context) ([]ChannelInfo, error)
	// Close lets appends in flight finish and releases the store; Append
	// fails after it.
	Close() error
}

// commitFunc is told of stored hooks of ch, in seq order. Calls for one
// channel come one at a time; it must not block (it runs on the store's
// delivery path).
type commitFunc func(ch string, hooks []storedHook)

// storedHook is one hook as stored: its seq and capture.Record JSON.
type storedHook struct {
	seq int64
	rec []byte
}

// ChannelInfo describes one channel (see Server.Channels).
type ChannelInfo struct {
	Name    string
	Open    bool             // takes hooks (a desktop opened it, or it is configured)
	LastSeq int64            // newest seq assigned (0: none yet)
	Stored  int              // hooks kept (after retention)
	Bytes   int64            // their records' size
	Oldest  int64            // oldest seq kept (0: none)
	Acks    map[string]int64 // highest acknowledged seq per client id
}

// Server is the self-hosted relay: it records webhooks at /{channel}/…
// through capture.Handler, stores them durably with a per-channel seq, and
// streams them to desktops. It is an http.Handler (mount it behind a
// proxy as plain HTTP) and can listen itself (ListenAndServe, with TLS when
// given a certificate). Methods are safe for concurrent use.
type Server struct {
	st  hookStore
	cfg ServerConfig
	hub hub
	lim *capture.Limiter // shared by every channel's handler and listener

	mu       sync.RWMutex
	handlers map[string]*capture.Handler // channel → its capture handler
	policy   *capture.Policy             // applied to new channel handlers

	connMu   sync.Mutex
	closing  bool
	conns    sync.WaitGroup
	stopConn chan struct{} // closed by Close: streams end with 1001
	srvs     []*http.Server

	upgrader  websocket.Upgrader
	closeOnce sync.Once

	// onStreamEnd, when set (tests), is told why each stream ended.
	onStreamEnd func(channel, client, reason string)
	// onAck, when set (tests), sees each acknowledgement received.
	onAck func(channel, client string, seq int64)
}

// NewServer opens the relay's storage, cfg.NATS: by default an embedded
// JetStream in cfg.NATS.Dir (in-process, no port), else the NATS cluster
// at cfg.NATS.URLs, shared with other instances. It first moves
// cfg.Legacy's hooks into it, if given. Close stops the embedded server
// and releases its directory.
func NewServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	if len(cfg.NATS.URLs) == 0 && cfg.NATS.Dir == "" {
		return nil, errors.New("relay: no storage: give a data directory (--data) or a NATS cluster (--nats)")
	}
	return newServer(cfg, func(cfg ServerConfig, onCommit commitFunc) (hookStore, error) {
		return openJSStore(ctx, cfg, onCommit)
	})
}

// newServer is NewServer on any store: open builds it from cfg (defaults
// applied, so store and server agree on them) and the function to tell of
// committed hooks. The store is created after the Server so that function
// can exist; the store then belongs to the Server (Close closes it).
func newServer(cfg ServerConfig, open func(cfg ServerConfig, onCommit commitFunc) (hookStore, error)) (*Server, error) {
	if cfg.Token == "" && len(cfg.ChannelTokens) == 0 {
		return nil, errors.New("relay: a token is required: pass --token with a long random value")
	}
	for _, ch := range cfg.Channels {
		if !validChannel(ch) {
			return nil, fmt.Errorf("relay: channel %q: %w: use 1 to 64 characters of a-z, 0-9, _ and -", ch, ErrBadChannel)
		}
	}
	for ch, tok := range cfg.ChannelTokens {
		if !validChannel(ch) {
			return nil, fmt.Errorf("relay: channel %q: %w: use 1 to 64 characters of a-z, 0-9, _ and -", ch, ErrBadChannel)
		}
		if tok == "" {
			return nil, fmt.Errorf("relay: channel %q has an empty token", ch)
		}
	}
	if cfg.MaxChannels <= 0 {
		cfg.MaxChannels = DefaultMaxChannels
	}
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = 4096
	}
	cfg.PingInterval, cfg.PongWait, cfg.WriteWait = durations(cfg.PingInterval, cfg.PongWait, cfg.WriteWait)
	if cfg.AckFlushInterval <= 0 {
		cfg.AckFlushInterval = time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	cfg.Retention = cfg.Retention.withDefaults()
	s := &Server{
		cfg: cfg, handlers: map[string]*capture.Handler{},
		stopConn: make(chan struct{}),
		upgrader: websocket.Upgrader{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 64 << 10},
		lim:      capture.NewLimiter(cfg.Limits, cfg.MaxBody),
	}
	st, err := open(cfg, s.publish)
	if err != nil {
		return nil, err
	}
	s.st = st
	return s, nil
}

// publish hands committed hooks to the channel's live streams, encoded
// once for all of them.
func (s *Server) publish(ch string, hooks []storedHook) {
	items := make([]item, len(hooks))
	for i, h := range hooks {
		items[i] = item{seq: h.seq, line: hookLine(ch, h.seq, h.rec)}
	}
	s.hub.publish(ch, items)
}

// hookLine is the wire object of one hook, newline-terminated.
func hookLine(ch string, seq int64, rec []byte) []byte {
	b := make([]byte, 0, len(rec)+len(ch)+48)
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, `,"channel":"`...)
	b = append(b, ch...) // [a-z0-9_-]: nothing to escape
	b = append(b, `","capture":`...)
	b = append(b, rec...)
	b = append(b, "}\n"...)
	return b
}

// configured lists the channels open by configuration.
func (c ServerConfig) configured() []string {
	out := append([]string(nil), c.Channels...)
	for ch := range c.ChannelTokens {
		out = append(out, ch)
	}
	return out
}

// NATSURL is where NATS clients reach the embedded server when
// ServerConfig.NATS.Listen asked for a port ("" otherwise).
func (s *Server) NATSURL() string {
	if js, ok := s.st.(*jsStore); ok && len(s.cfg.NATS.URLs) == 0 && s.cfg.NATS.Listen != "" {
		return js.js.ClientURL()
	}
	return ""
}

// Channels lists every channel with its counters, sorted by name.
func (s *Server) Channels(ctx context.Context) ([]ChannelInfo, error) {
	return s.st.Channels(ctx)
}

func (s *Server) logf(format string, args ...any) { s.cfg.Logf(format, args...) }

// SetPolicy sets the inbound policy (auth, allowlists, rate limits,
// signature checks, response rules) of every channel, present and future.
func (s *Server) SetPolicy(p capture.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = &p
	for _, h := range s.handlers {
		if err := h.SetPolicy(p); err != nil {
			return err
		}
	}
	return nil
}

// SetRetention sets channel's retention (zero fields mean the defaults),
// overriding ServerConfig.Retention on this instance. It applies at once:
// the channel's stream limits change and JetStream evicts what they
// exclude.
func (s *Server) SetRetention(channel string, r Retention) {
	s.st.SetRetention(channel, r.withDefaults())
}

// ServeHTTP implements http.Handler: HealthPath, StreamPath+channel, and
// hooks at /{channel}/….
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == HealthPath:
		plain(w, http.StatusOK, "ok\n")
		return
	case strings.HasPrefix(p, StreamPath):
		s.serveStream(w, r, strings.TrimPrefix(p, StreamPath))
		return
	case strings.HasPrefix(p, "/_gancho/"):
		plain(w, http.StatusNotFound, "No such Gancho endpoint. Streams are at "+StreamPath+"{channel}, health at "+HealthPath+".\n")
		return
	}
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") { // absolute-form, or called without a server
		target = r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
	}
	ch, rest := splitChannel(target)
	if !validChannel(ch) {
		plain(w, http.StatusNotFound, "No channel here: send webhooks to /{channel}/…, where the channel name is 1 to 64 characters of a-z, 0-9, _ and -.\n")
		return
	}
	h, err := s.handler(ch)
	if err != nil {
		status := http.StatusServiceUnavailable
		if errors.Is(err, ErrChannelNotOpen) {
			status = http.StatusNotFound
		}
		plain(w, status, err.Error()+"\n")
		return
	}
	// The capture is recorded as if it had reached the local capture
	// server at the public hook URL: without the channel prefix.
	r2 := r.Clone(capture.WithWireTarget(r.Context(), r.RequestURI))
	r2.RequestURI = rest
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/"+ch)
	if r2.URL.Path == "" {
		r2.URL.Path = "/"
	}
	r2.URL.RawPath = ""
	h.ServeHTTP(w, r2)
}

// splitChannel splits "/ch/rest?q" into "ch" and "/rest?q" ("/" when
// nothing follows the channel).
func splitChannel(target string) (ch, rest string) {
	t := strings.TrimPrefix(target, "/")
	i := strings.IndexAny(t, "/?")
	if i < 0 {
		return t, "/"
	}
	ch, rest = t[:i], t[i:]
	if rest[0] == '?' {
		rest = "/" + rest
	}
	return ch, rest
}

// ErrChannelNotOpen: a hook came for a channel no desktop has opened and
// the relay does not configure (HTTP 404; nothing is stored).
var ErrChannelNotOpen = errors.New("channel not open")

// ErrChannelLimit: a desktop asked to open a new channel while
// ServerConfig.MaxChannels channels are open (HTTP 507).
var ErrChannelLimit = errors.New("channel limit reached")

// channelLimit is the refusal of a new channel while n are open.
func channelLimit(n int) error {
	return &refusal{ErrChannelLimit, fmt.Sprintf("This relay already has %d open channels, its limit: use one of them, "+
		"or raise the limit with --max-channels N on gancho relay serve.", n)}
}

// refusal is an answer with its own sentence, matched by its sentinel.
type refusal struct {
	kind error
	msg  string
}

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return e.kind }

// notOpen is the answer to a hook for a channel that is not open.
func notOpen(ch string) error {
	return &refusal{ErrChannelNotOpen, fmt.Sprintf("Channel %q is not open on this relay, so this hook was not stored. "+
		"A desktop opens it by connecting to it (gancho listen --relay URL --channel %s --token T, or Settings → Tunnel → Team relay); "+
		"the relay can also keep it open with --channel %s.", ch, ch, ch)}
}

// handler returns ch's capture handler if the channel is open, creating
// the handler on first use.
func (s *Server) handler(ch string) (*capture.Handler, error) {
	s.mu.RLock()
	h := s.handlers[ch]
	s.mu.RUnlock()
	if h != nil {
		return h, nil
	}
	if !s.st.IsOpen(ch) {
		return nil, notOpen(ch)
	}
	s.connMu.Lock()
	closing := s.closing
	s.connMu.Unlock()
	if closing {
		return nil, fmt.Errorf("the relay is shutting down: send again later: %w", ErrClosed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.handlers[ch]; h != nil {
		return h, nil
	}
	// Again under s.mu: Shutdown sets closing, then closes the handlers
	// under s.mu, so a handler added now is either refused or closed.
	s.connMu.Lock()
	closing = s.closing
	s.connMu.Unlock()
	if closing {
		return nil, fmt.Errorf("the relay is shutting down: send again later: %w", ErrClosed)
	}
	h = capture.NewHandler(channelAppender{s: s, ch: ch}, s.cfg.MaxBody)
	h.SetLimiter(s.lim)
	if s.policy != nil {
		if err := h.SetPolicy(*s.policy); err != nil {
			return nil, err
		}
	}
	s.handlers[ch] = h
	return h, nil
}

// tokenFor is the token that opens ch's stream ("" when none does).
func (s *Server) tokenFor(ch string) string {
	if t, ok := s.cfg.ChannelTokens[ch]; ok {
		return t
	}
	if t, ok := s.st.ChannelToken(ch); ok {
		return t
	}
	return s.cfg.Token
}

// channelAppender stores one channel's captures in the store.
type channelAppender struct {
	s  *Server
	ch string
}

// Append implements capture.Appender: it returns once the hook and its
// seq are committed.
func (a channelAppender) Append(ctx context.Context, r *capture.Request) error {
	rec, err := json.Marshal(r.ToRecord())
	if err != nil {
		return fmt.Errorf("relay: encode %s: %w", r.ID, err)
	}
	_, err = a.s.st.Append(ctx, a.ch, r.ID, r.ReceivedAt, rec)
	return err
}

// ListenAndServe serves the relay on addr until Shutdown or Close: over
// TLS when certFile and keyFile are given, plain HTTP otherwise (behind a
// TLS-terminating proxy). It returns nil after Shutdown or Close.
func (s *Server) ListenAndServe(addr, certFile, keyFile string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("relay: listen on %s: %w", addr, err)
	}
	return s.Serve(ln, certFile, keyFile)
}

// Serve is ListenAndServe on an existing listener (closed on return).
func (s *Server) Serve(ln net.Listener, certFile, keyFile string) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		WriteTimeout:      5*time.Minute + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(logWriter{s.logf}, "", 0),
	}
	s.connMu.Lock()
	if s.closing {
		s.connMu.Unlock()
		_ = ln.Close()
		return nil
	}
	s.srvs = append(s.srvs, srv)
	s.connMu.Unlock()
	// Hooks keep their headers as sent (order, spelling, duplicates), as on
	// the desktop's own capture server: the wire framer sits above TLS.
	srv.ConnContext = capture.WireContext
	ln = progressListener{ln}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("relay: TLS certificate %s / key %s: %w", certFile, keyFile, err)
		}
		// HTTP/1.1 only: the framer reads HTTP/1.x, which senders speak.
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert},
			NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12})
	}
	// Counted above TLS, so a refusal's 503 is encrypted like any answer.
	if err := srv.Serve(capture.WireListener(s.lim.Listener(ln))); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("relay: serve: %w", err)
	}
	return nil
}

type logWriter struct{ logf func(string, ...any) }

func (l logWriter) Write(b []byte) (int, error) {
	l.logf("%s", bytes.TrimRight(b, "\n"))
	return len(b), nil
}

// Shutdown stops the listeners, lets hooks in flight commit (until ctx
// ends), closes the streams with 1001, then closes the store, which
// flushes acknowledgements and stops the writer. Every goroutine of the
// Server has ended when it returns, whoever calls it (sync.Once makes a
// concurrent call wait for the first). The database handle stays open
// (the caller owns it).
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		s.connMu.Lock()
		s.closing = true
		srvs := s.srvs
		s.connMu.Unlock()
		close(s.stopConn) // hijacked stream connections are not the http.Server's
		s.mu.RLock()
		for _, h := range s.handlers {
			h.Close() // end rule delays: answer now
		}
		s.mu.RUnlock()
		for _, srv := range srvs {
			if e := srv.Shutdown(ctx); e != nil {
				_ = srv.Close()
				err = errors.Join(err, e)
			}
		}
		s.conns.Wait()
		err = errors.Join(err, s.st.Close())
	})
	return err
}

// Close is Shutdown without waiting for hooks in flight beyond 5 s.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

// serveStream upgrades an authenticated request to the channel's stream.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, ch string) {
	if !tokenEqual(bearer(r), s.tokenFor(ch)) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gancho relay"`)
		plain(w, http.StatusUnauthorized, "The relay refused the token: send it as Authorization: Bearer and check it matches the relay's --token (or the channel's --channel-token).\n")
		return
	}
	if !validChannel(ch) {
		plain(w, http.StatusNotFound, "No such channel: a channel name is 1 to 64 characters of a-z, 0-9, _ and -.\n")
		return
	}
	if r.Method != http.MethodGet || !websocket.IsWebSocketUpgrade(r) {
		plain(w, http.StatusBadRequest, "This is a WebSocket endpoint: connect with Gancho's relay client.\n")
		return
	}
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			plain(w, http.StatusBadRequest, "after must be the last sequence number received (0 or more).\n")
			return
		}
		after = n
	}
	client := q.Get("client")
	if client == "" {
		client = "default"
	} else if !validClientID(client) {
		plain(w, http.StatusBadRequest, "client must be 1 to 64 characters of letters, digits, '.', '_' and '-'.\n")
		return
	}
	s.connMu.Lock()
	if s.closing {
		s.connMu.Unlock()
		plain(w, http.StatusServiceUnavailable, "The relay is shutting down: reconnect later.\n")
		return
	}
	s.conns.Add(1)
	s.connMu.Unlock()
	defer s.conns.Done()
	if err := s.st.OpenChannel(r.Context(), ch, s.cfg.MaxChannels); err != nil {
		status := http.StatusServiceUnavailable
		if errors.Is(err, ErrChannelLimit) {
			status = http.StatusInsufficientStorage
		}
		plain(w, status, err.Error()+"\n")
		return
	}

	capture.DetachWire(r.Context()) // from here on, frames, not requests
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	st := &stream{s: s, conn: conn, ch: ch, client: client, lastSent: after, done: make(chan struct{})}
	reason := st.run()
	if s.onStreamEnd != nil {
		s.onStreamEnd(ch, client, reason)
	}
}

// stream is one desktop connection: its writer goroutine is the one that
// calls run (the HTTP handler's); a reader goroutine takes acks.
type stream struct {
	s        *Server
	conn     *websocket.Conn
	ch       string
	client   string
	lastSent int64
	sent     atomic.Int64  // lastSent, for the reader (acks beyond it are clamped)
	done     chan struct{} // closed when the reader stops
	buf      bytes.Buffer
	err      string // why a write failed
}

// Replay frames hold at most this many hooks, or about this many bytes.
const (
	replayPage  = 512
	replayBytes = 1 << 20
)

// run streams until the connection fails, the client is too slow or the
// server closes; it returns why.
func (st *stream) run() (reason string) {
	s := st.s
	sb := s.hub.subscribe(st.ch, s.cfg.SendQueue) // before reading the backlog
	defer s.hub.unsubscribe(st.ch, sb)
	go st.read()
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-st.done:
		case <-s.stopConn:
		case <-ctx.Done():
		}
		cancel() // a replay read in progress ends with the connection
	}()
	defer func() {
		cancel()
		<-watched
		_ = st.conn.Close()
		<-st.done
	}()
	// Live hooks reach sb only while the store follows the channel: from
	// before the backlog is read, so none falls between the two.
	unfollow, err := s.st.Follow(ctx, st.ch)
	if err != nil {
		closeWith(st.conn, websocket.CloseInternalServerErr, "relay storage error", s.cfg.WriteWait)
		return err.Error()
	}
	defer unfollow()
	st.sent.Store(st.lastSent)
	head, err := s.st.Head(ctx, st.ch)
	if err != nil {
		closeWith(st.conn, websocket.CloseInternalServerErr, "relay storage error", s.cfg.WriteWait)
		return err.Error()
	}
	// A relay whose data was wiped has other seqs under the same numbers,
	// and says so by the epoch.
	epoch, err := s.st.Epoch(ctx, st.ch)
	if err != nil {
		return err.Error()
	}
	hello := fmt.Appendf(nil, `{"hello":{"channel":%q,"after":%d,"head":%d,"epoch":%d}}`+"\n", st.ch, st.lastSent, head, epoch)
	if err := st.write(hello); err != nil {
		return "write: " + err.Error()
	}
	ping := time.NewTicker(s.cfg.PingInterval)
	defer ping.Stop()
	live := false
	for {
		if !live {
			page, err := s.st.ReadAfter(ctx, st.ch, st.lastSent, replayPage, replayBytes)
			if err != nil {
				select {
				case <-s.stopConn:
					closeWith(st.conn, websocket.CloseGoingAway, "relay shutting down", s.cfg.WriteWait)
					return "server closed"
				default:
				}
				if ctx.Err() == nil {
					closeWith(st.conn, websocket.CloseInternalServerErr, "relay storage error", s.cfg.WriteWait)
				}
				return err.Error()
			}
			if len(page) > 0 {
				st.buf.Reset()
				prev := st.lastSent
				for _, h := range page {
					// Age retention may have removed hooks anywhere, even
					// between two kept ones: every hole is announced.
					if h.seq > prev+1 {
						fmt.Fprintf(&st.buf, `{"gap":{"after":%d,"next":%d}}`+"\n", prev, h.seq)
					}
					st.buf.Write(hookLine(st.ch, h.seq, h.rec))
					prev = h.seq
				}
				// Before the write: the desktop may ack before it returns.
				st.sent.Store(page[len(page)-1].seq)
				if err := st.write(st.buf.Bytes()); err != nil {
					return "write: " + err.Error()
				}
				st.lastSent = page[len(page)-1].seq
			} else if q, ok := sb.goLive(); ok {
				live = true
				if !st.sendLive(sb, q) {
					live = false
				}
				if st.err != "" {
					return st.err
				}
			}
			// Between pages: pings, shutdown and a vanished client.
			select {
			case <-ping.C:
				if err := st.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteWait)); err != nil {
					return "ping: " + err.Error()
				}
			case <-s.stopConn:
				closeWith(st.conn, websocket.CloseGoingAway, "relay shutting down", s.cfg.WriteWait)
				return "server closed"
			case <-st.done:
				return "client gone"
			default:
			}
			continue
		}
		select {
		case <-sb.wake:
			if !st.sendLive(sb, sb.take()) {
				live = false
			}
			if st.err != "" {
				return st.err
			}
		case <-sb.slowCh:
			closeWith(st.conn, CloseTooSlow, "client too slow: reconnect to catch up", s.cfg.WriteWait)
			return "too slow"
		case <-ping.C:
			if err := st.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteWait)); err != nil {
				return "ping: " + err.Error()
			}
		case <-s.stopConn:
			closeWith(st.conn, websocket.CloseGoingAway, "relay shutting down", s.cfg.WriteWait)
			return "server closed"
		case <-st.done:
			return "client gone"
		}
	}
}

// sendLive writes the queued hooks after lastSent as one frame. It
// returns false when they do not follow on from lastSent (the stream then
// reads the hole from the store); st.err is set when the write failed.
func (st *stream) sendLive(sb *sub, q []item) bool {
	st.buf.Reset()
	contiguous := true
	last := st.lastSent
	flush := func() bool {
		if st.buf.Len() == 0 {
			return true
		}
		st.sent.Store(last) // before the write: the desktop may ack before it returns
		if err := st.write(st.buf.Bytes()); err != nil {
			st.err = "write: " + err.Error()
			return false
		}
		st.lastSent = last
		st.buf.Reset()
		return true
	}
	for _, it := range q {
		if it.seq <= last {
			continue // already replayed from the store
		}
		if it.seq != last+1 {
			contiguous = false
			break
		}
		// Frames of about replayBytes, as the replay sends: a backlog
		// that built up during one write must not become one huge frame.
		if st.buf.Len() > 0 && st.buf.Len()+len(it.line) > replayBytes {
			if !flush() {
				return contiguous
			}
		}
		st.buf.Write(it.line)
		last = it.seq
	}
	if !contiguous {
		sb.fallBack()
	}
	flush()
	return contiguous
}

// writeChunk is how much of a frame is written under one deadline.
const writeChunk = 64 << 10

// write sends b as one message. The deadline moves with progress: a slow
// desktop receiving a 30 MiB hook is fine, one that stops reading is not.
func (st *stream) write(b []byte) error {
	wait := st.s.cfg.WriteWait
	_ = st.conn.SetWriteDeadline(time.Now().Add(wait))
	w, err := st.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	for len(b) > 0 {
		n := min(len(b), writeChunk)
		_ = st.conn.SetWriteDeadline(time.Now().Add(wait))
		if _, err := w.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	_ = st.conn.SetWriteDeadline(time.Now().Add(wait))
	return w.Close()
}

// read takes acknowledgements until the connection fails.
func (st *stream) read() {
	defer close(st.done)
	c := st.conn
	pong := st.s.cfg.PongWait
	c.SetReadLimit(4096)
	_ = c.SetReadDeadline(time.Now().Add(pong))
	c.SetPongHandler(func(string) error { return c.SetReadDeadline(time.Now().Add(pong)) })
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(pong))
		var m struct {
			Ack *int64 `json:"ack"`
		}
		if json.Unmarshal(msg, &m) == nil && m.Ack != nil && *m.Ack > 0 {
			seq := min(*m.Ack, st.sent.Load()) // nothing beyond what it was sent
			st.s.st.RecordAck(st.ch, st.client, seq)
			if st.s.onAck != nil {
				st.s.onAck(st.ch, st.client, seq)
			}
		}
	}
}

// progressListener wraps connections in progressConn.
type progressListener struct{ net.Listener }

func (l progressListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &progressConn{Conn: c}, nil
}

// progressConn turns write deadlines into progress deadlines: a deadline
// set d from now allows d per 64 KiB written, not d for the whole write. A
// desktop on a slow link receiving a 30 MiB hook keeps its stream; one that
// stops reading is still cut off after d. (The kernel's buffers can swallow
// megabytes, so the last small write of a big frame may be the one that
// waits: each piece gets the full budget.)
type progressConn struct {
	net.Conn
	mu     sync.Mutex
	budget time.Duration // 0: no deadline
}

func (c *progressConn) setBudget(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.IsZero() {
		c.budget = 0
		return
	}
	d := time.Until(t)
	if d <= 0 {
		d = -time.Nanosecond // passed already: fail at once (0 means none)
	}
	c.budget = d
}

func (c *progressConn) SetWriteDeadline(t time.Time) error {
	c.setBudget(t)
	return c.Conn.SetWriteDeadline(t)
}

func (c *progressConn) SetDeadline(t time.Time) error {
	c.setBudget(t)
	return c.Conn.SetDeadline(t)
}

// CloseWrite passes the half-close on, so net/http ends a refused
// request (413) with FIN rather than a reset.
func (c *progressConn) CloseWrite() error { return capture.CloseWrite(c.Conn) }

func (c *progressConn) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		n := min(len(b), writeChunk)
		c.mu.Lock()
		budget := c.budget
		c.mu.Unlock()
		if budget != 0 {
			_ = c.Conn.SetWriteDeadline(time.Now().Add(budget))
		}
		m, err := c.Conn.Write(b[:n])
		written += m
		if err != nil {
			return written, err
		}
		b = b[n:]
	}
	return written, nil
}
