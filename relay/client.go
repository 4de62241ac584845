package relay

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/text"
)

// Importer stores captures that were not received live, skipping ids
// already stored; capture.Store implements it. Import may be called from
// several goroutines at once (see Client.ImportWorkers).
//
// When the Importer also has capture.Store's Append and Exists methods
// (appendExister), the client appends directly, which saves an existence
// query per hook, and asks Exists only when an append fails: an id that
// is already stored (the desktop stopped between an import and saving its
// position) then counts as skipped, exactly as Import would.
type Importer interface {
	Import(ctx context.Context, rs []*capture.Request) (added, skipped int, err error)
}

// appendExister is the fast path of an Importer (capture.Store has it).
type appendExister interface {
	Append(ctx context.Context, r *capture.Request) error
	Exists(ctx context.Context, id string) (bool, error)
}

// StateKind is the phase a Client is in.
type StateKind int

// Client phases, reported through Client.State.
const (
	// Connecting: the first connection attempt of Run is under way.
	Connecting StateKind = iota + 1
	// Online: connected; hooks sent to HookURL arrive in the local store.
	Online
	// Reconnecting: the connection failed or dropped (Reason); the next
	// attempt starts at Retry.
	Reconnecting
	// Stopped: Run's context ended; Run returns nil.
	Stopped
	// Failed: Run gave up for a reason retrying cannot fix (Reason): a
	// refused token, a bad channel or URL, the local store closed.
	Failed
)

// String names the phase, e.g. "reconnecting".
func (k StateKind) String() string {
	switch k {
	case Connecting:
		return "connecting"
	case Online:
		return "online"
	case Reconnecting:
		return "reconnecting"
	case Stopped:
		return "stopped"
	case Failed:
		return "failed"
	}
	return "StateKind(" + strconv.Itoa(int(k)) + ")"
}

// ClientState is one state change of a Client.
type ClientState struct {
	Kind StateKind
	// HookURL is the public URL senders post to: URL + "/" + Channel
	// (set in every state).
	HookURL string
	// Reason says why, in a sentence, for Reconnecting and Failed.
	Reason string
	// Err is the underlying error for Reconnecting and Failed.
	Err error
	// Retry is when the next attempt starts (Reconnecting).
	Retry time.Time
	// LastSeq is the last hook applied to the local store.
	LastSeq int64
	// Backlog is how many hooks the relay held beyond LastSeq when the
	// connection came up (Online).
	Backlog int64
}

// Client brings a relay channel's hooks into the local store: Run connects,
// replays what was missed since the last acknowledged seq, then streams
// live, reconnecting with backoff. Each hook is imported exactly once
// (by channel and seq; ids are preserved, so Import's skip-existing also
// protects) with Origin "relay:{channel}#{seq}", through the store's
// normal path: it appears live in the window and live forwarding sees it.
//
// Fields are read when Run starts; do not change them while it runs. One
// Run per Client at a time.
type Client struct {
	// URL is the relay's base URL, e.g. "https://hooks.example.com".
	URL string
	// Channel is the channel name ([a-z0-9_-]{1,64}).
	Channel string
	// Token is the relay's token (sent as Authorization: Bearer).
	Token string
	// Store receives the captures.
	Store Importer
	// DB persists the last applied seq per relay URL and channel (table
	// relayws_client, owner "relayws"), so a restart resumes where it
	// stopped. Nil keeps it in memory for this Run only: a new Run then
	// starts from 0 and Import's skip-existing drops what is already there.
	DB *database.DB
	// ClientID names this desktop to the relay for acknowledgements; ""
	// means a random id, persisted in DB when there is one.
	ClientID string
	// State, if set, is told every state change. Called on any goroutine;
	// it must not block for long.
	State func(ClientState)
	// ImportWorkers is how many imports run at once within one received
	// batch (0 means 32). The store's group commit then shares commits,
	// which makes a large backlog catch up an order of magnitude faster.
	// Within a batch the store's commit order (and so the order of its
	// Added events) may then differ from seq order by a few places;
	// capture ids, by which the store lists, keep arrival order. 1
	// imports strictly in seq order.
	ImportWorkers int
	// MinBackoff and MaxBackoff bound the wait between attempts (0 means
	// 500 ms and 30 s); each wait doubles, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// IdleTimeout drops a connection on which nothing (not even the
	// relay's ping) arrived for this long, e.g. after the laptop slept
	// (0 means 60 s; the relay pings every 20 s by default).
	IdleTimeout time.Duration
	// TLSConfig, if set, is used for wss:// (e.g. a private CA).
	TLSConfig *tls.Config
	// Logf reports hooks that could not be decoded (nil: not reported).
	Logf func(format string, args ...any)
	// FailFast makes Run give up (Failed) when its first connection
	// attempt fails, rather than retrying: for the command line, where a
	// wrong address should end the command at once. Once online, losses
	// are retried as usual.
	FailFast bool

	// Test hooks: onConn sees each new connection, onApplied each batch
	// of seqs as applied.
	onConn    func(*websocket.Conn)
	onApplied func(seqs []int64)
}

// ErrTokenRefusedMessage is the Failed reason for a refused token.
const ErrTokenRefusedMessage = "the relay refused the token: check it in Settings"

// DialError is a connection attempt that never reached the relay (DNS,
// refused, unreachable, TLS): Reconnecting and Failed states carry it as
// Err, and their reason says "could not connect", not "lost".
type DialError struct {
	Addr string // the relay's base URL
	Err  error
}

func (e *DialError) Error() string {
	return "could not connect to the relay at " + e.Addr + ": " + e.Err.Error()
}

func (e *DialError) Unwrap() error { return e.Err }

// refusedError is an answer of the relay to the stream request that
// retrying will not change, with the relay's own sentence.
type refusedError struct {
	kind error // ErrChannelLimit
	msg  string
}

func (e *refusedError) Error() string { return e.msg }
func (e *refusedError) Unwrap() error { return e.kind }

// Run connects and imports until ctx ends (then it returns nil, after the
// Stopped state) or a failure retrying cannot fix (it returns the error,
// after the Failed state). A refused token (401) is such a failure: Run
// stops rather than hammering the relay with a token that will not
// change; the returned error wraps ErrUnauthorized. Network loss, relay
// restarts, 5xx answers and stalls are retried with exponential backoff
// and jitter, catching up from the last applied seq.
func (c *Client) Run(ctx context.Context) error {
	base := strings.TrimRight(c.URL, "/")
	hookURL := base + "/" + c.Channel
	st := clientState{c: c, hookURL: hookURL}
	fail := func(reason string, err error) error {
		st.set(ClientState{Kind: Failed, Reason: reason, Err: err})
		return fmt.Errorf("relay client: %s: %w", reason, err)
	}
	u, err := wsURL(base)
	if err != nil {
		return fail("the relay URL is not usable: check it in Settings", err)
	}
	if !validChannel(c.Channel) {
		return fail("the channel name must be 1 to 64 characters of a-z, 0-9, _ and -", ErrBadChannel)
	}
	if c.Token == "" {
		return fail("no relay token: set it in Settings", ErrUnauthorized)
	}
	if c.Store == nil {
		return errors.New("relay client: Store is nil")
	}
	u.Path = strings.TrimRight(u.Path, "/") + StreamPath + c.Channel
	sess := &session{c: c, st: &st, base: base}
	if err := sess.load(ctx); err != nil {
		if ctx.Err() != nil {
			st.set(ClientState{Kind: Stopped})
			return nil
		}
		return fail("cannot read the relay state from the data directory", err)
	}
	minB, maxB := c.MinBackoff, c.MaxBackoff
	if minB <= 0 {
		minB = 500 * time.Millisecond
	}
	if maxB <= 0 {
		maxB = 30 * time.Second
	}
	maxB = max(maxB, minB)
	st.set(ClientState{Kind: Connecting})
	attempt := 0
	everOnline := false
	for {
		online, err := sess.run(ctx, *u)
		if ctx.Err() != nil {
			st.set(ClientState{Kind: Stopped})
			return nil
		}
		switch {
		case errors.Is(err, ErrUnauthorized):
			return fail(ErrTokenRefusedMessage, err)
		case errors.Is(err, ErrBadChannel):
			return fail("the relay does not accept this channel name", err)
		case errors.Is(err, ErrChannelLimit):
			return fail("the relay cannot open this channel: "+err.Error(), err)
		case errors.Is(err, capture.ErrClosed):
			return fail("the local capture store is closed", err)
		}
		if online {
			attempt = 0
			everOnline = true
		}
		if c.FailFast && !everOnline {
			return fail(reconnectReason(err), err)
		}
		d := backoff(minB, maxB, attempt)
		attempt++
		retry := time.Now().Add(d)
		st.set(ClientState{Kind: Reconnecting, Reason: reconnectReason(err), Err: err, Retry: retry})
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			st.set(ClientState{Kind: Stopped})
			return nil
		case <-t.C:
		}
	}
}

// backoff is the wait before attempt n (from 0): min·2ⁿ capped at max,
// with "equal jitter" (between half and all of it).
func backoff(minB, maxB time.Duration, n int) time.Duration {
	d := minB
	for i := 0; i < n && d < maxB; i++ {
		d *= 2
	}
	d = min(d, maxB)
	return d/2 + rand.N(d/2+1)
}

func reconnectReason(err error) string {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code == CloseTooSlow:
		return "the relay dropped this client as too slow; catching up"
	case errors.As(err, &ce) && ce.Code == websocket.CloseGoingAway:
		return "the relay is restarting"
	case err == nil:
		return "the connection closed"
	}
	var de *DialError
	if errors.As(err, &de) {
		return de.Error() + ": check the relay URL, and that the relay is running and reachable from here"
	}
	return "lost the connection to the relay: " + err.Error()
}

// clientState reports state changes with the fields every state carries.
type clientState struct {
	c       *Client
	hookURL string
	last    atomic.Int64
}

func (s *clientState) set(cs ClientState) {
	if s.c.State == nil {
		return
	}
	cs.HookURL = s.hookURL
	cs.LastSeq = s.last.Load()
	s.c.State(cs)
}

// session holds what survives reconnections within one Run.
type session struct {
	c        *Client
	st       *clientState
	base     string
	clientID string
	last     int64 // last applied seq (owned by the Run goroutine)
	epoch    int64 // the channel's epoch on the relay, 0 before the first hello
}

// load reads (or creates) the persisted last seq and client id.
func (s *session) load(ctx context.Context) error {
	s.clientID = s.c.ClientID
	if s.clientID == "" {
		s.clientID = "gancho-" + NewToken()[:16]
	}
	if !validClientID(s.clientID) {
		return fmt.Errorf("client id %q: want 1 to 64 letters, digits, '.', '_' or '-'", s.clientID)
	}
	db := s.c.DB
	if db == nil {
		return nil
	}
	if err := db.Migrate(ctx, migrationOwner, migrations); err != nil {
		return err
	}
	var id string
	err := db.Write.QueryRowContext(ctx, `SELECT last_seq, client_id, epoch FROM relayws_client WHERE relay = ? AND channel = ?`,
		s.base, s.c.Channel).Scan(&s.last, &id, &s.epoch)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = db.Write.ExecContext(ctx, `INSERT INTO relayws_client(relay, channel, last_seq, client_id) VALUES(?, ?, 0, ?)`,
			s.base, s.c.Channel, s.clientID)
		return err
	case err != nil:
		return err
	}
	if s.c.ClientID == "" {
		s.clientID = id
	}
	s.st.last.Store(s.last)
	return nil
}

// save persists the last applied seq.
func (s *session) save(ctx context.Context) error {
	s.st.last.Store(s.last)
	if s.c.DB == nil {
		return nil
	}
	_, err := s.c.DB.Write.ExecContext(ctx, `UPDATE relayws_client SET last_seq = ? WHERE relay = ? AND channel = ? AND last_seq < ?`,
		s.last, s.base, s.c.Channel, s.last)
	if err != nil {
		return fmt.Errorf("relay client: save position: %w", err)
	}
	return nil
}

// saveEpoch remembers the channel's epoch on the relay.
func (s *session) saveEpoch(ctx context.Context, e int64) error {
	s.epoch = e
	if s.c.DB == nil {
		return nil
	}
	if _, err := s.c.DB.Write.ExecContext(ctx, `UPDATE relayws_client SET epoch = ? WHERE relay = ? AND channel = ?`,
		e, s.base, s.c.Channel); err != nil {
		return fmt.Errorf("relay client: save epoch: %w", err)
	}
	return nil
}

// reset persists a position that went back (the relay was reset).
func (s *session) reset(ctx context.Context) error {
	s.st.last.Store(s.last)
	if s.c.DB == nil {
		return nil
	}
	_, err := s.c.DB.Write.ExecContext(ctx, `UPDATE relayws_client SET last_seq = ? WHERE relay = ? AND channel = ?`,
		s.last, s.base, s.c.Channel)
	if err != nil {
		return fmt.Errorf("relay client: save position: %w", err)
	}
	return nil
}

// wireMsg is one object of a server frame.
type wireMsg struct {
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

// maxFrame bounds one server frame: a full replay page, or one hook with
// the largest body (25 MiB, base64) plus its headers.
const maxFrame = 64 << 20

// run is one connection: it returns whether it got online, and why it ended.
func (s *session) run(ctx context.Context, u url.URL) (online bool, err error) {
	c := s.c
	q := u.Query()
	q.Set("after", strconv.FormatInt(s.last, 10))
	q.Set("client", s.clientID)
	u.RawQuery = q.Encode()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.Token)
	// gorilla's DialContext honours only ctx's deadline during the TLS and
	// HTTP handshake, not its cancellation: without this, cancelling a Run
	// (or an Endpoint's Open) against a relay that never answers waited for
	// the whole HandshakeTimeout.
	var stopWatch func() bool
	d := websocket.Dialer{HandshakeTimeout: 15 * time.Second, TLSClientConfig: c.TLSConfig,
		Proxy: http.ProxyFromEnvironment, ReadBufferSize: 64 << 10,
		NetDialContext: func(dctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(dctx, network, addr)
			if err == nil {
				stopWatch = context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Now()) })
			}
			return nc, err
		}}
	conn, resp, err := d.DialContext(ctx, u.String(), h)
	if stopWatch != nil {
		stopWatch()
	}
	if err != nil {
		if resp != nil {
			switch resp.StatusCode {
			case http.StatusUnauthorized:
				return false, ErrUnauthorized
			case http.StatusNotFound:
				return false, fmt.Errorf("%w (HTTP 404 at %s)", ErrBadChannel, u.Redacted())
			case http.StatusInsufficientStorage:
				return false, &refusedError{ErrChannelLimit, answerText(resp)}
			}
			return false, fmt.Errorf("the relay answered %s", resp.Status)
		}
		return false, &DialError{Addr: s.base, Err: err}
	}
	if c.onConn != nil {
		c.onConn(conn)
	}
	idle := c.IdleTimeout
	if idle <= 0 {
		idle = 60 * time.Second
	}
	sctx, cancel := context.WithCancel(ctx)
	frames := make(chan []wireMsg, 8)
	var readErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // reader
		defer wg.Done()
		defer close(frames)
		readErr = readFrames(sctx, conn, idle, frames)
	}()
	go func() { // ends the reader when the session ends
		defer wg.Done()
		<-sctx.Done()
		_ = conn.Close()
	}()
	defer func() {
		cancel()
		for range frames { // let the reader finish
		}
		wg.Wait()
		if err == nil {
			err = readErr
		}
	}()
	for msgs := range frames {
		// Take whatever else already arrived, so a backlog imports in big
		// batches.
	more:
		for len(msgs) < 4096 {
			select {
			case m, ok := <-frames:
				if !ok {
					break more
				}
				msgs = append(msgs, m...)
			default:
				break more
			}
		}
		if err := s.apply(sctx, conn, msgs, &online); err != nil {
			if ctx.Err() != nil {
				return online, nil
			}
			return online, err
		}
	}
	return online, nil
}

// answerText is the start of a refused handshake's body (gorilla keeps up
// to 1 KiB of it), on one line; the status when there is none.
func answerText(resp *http.Response) string {
	var b []byte
	if resp.Body != nil {
		b, _ = io.ReadAll(io.LimitReader(resp.Body, 1024))
	}
	// One line of printable text: it ends up in a terminal or the window.
	t := strings.Map(func(r rune) rune {
		if text.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), "?"))
	t = strings.Join(strings.Fields(t), " ")
	if t == "" {
		return "the relay answered " + resp.Status
	}
	return t
}

// readFrames reads server frames and hands their objects over until the
// connection fails or ctx ends.
func readFrames(ctx context.Context, conn *websocket.Conn, idle time.Duration, out chan<- []wireMsg) error {
	conn.SetReadLimit(maxFrame)
	keepAlive(conn, idle)
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return err
		}
		// A big hook on a slow link is one long frame: the connection is
		// idle only when no byte arrives, not when a frame takes long.
		dec := json.NewDecoder(progressReader{r: r, conn: conn, idle: idle})
		var msgs []wireMsg
		for {
			var m wireMsg
			if err := dec.Decode(&m); err == io.EOF {
				break
			} else if err != nil {
				return fmt.Errorf("bad frame from the relay: %w", err)
			}
			msgs = append(msgs, m)
		}
		_ = conn.SetReadDeadline(time.Now().Add(idle))
		select {
		case out <- msgs:
		case <-ctx.Done():
			return nil
		}
	}
}

// apply imports a run of messages, persists the position and acks it.
func (s *session) apply(ctx context.Context, conn *websocket.Conn, msgs []wireMsg, online *bool) error {
	c := s.c
	var batch []*capture.Request
	var seqs []int64
	last := s.last
	for _, m := range msgs {
		switch {
		case m.Hello != nil:
			if e := m.Hello.Epoch; e != 0 && s.epoch != 0 && e != s.epoch && s.last > 0 {
				// Same URL, another channel history (the relay's data was
				// wiped): its seqs start over whatever the head says.
				s.last = 0
				if err := s.reset(ctx); err != nil {
					return err
				}
				if err := s.saveEpoch(ctx, e); err != nil {
					return err
				}
				return errors.New("the relay's channel was recreated (its data was reset): fetching it from the start")
			}
			if e := m.Hello.Epoch; e != 0 && e != s.epoch {
				if err := s.saveEpoch(ctx, e); err != nil {
					return err
				}
			}
			if m.Hello.Head < m.Hello.After {
				// The relay is behind this client: its data was reset (or the
				// URL now names another relay). Start its channel over;
				// Import's skip-existing keeps known ids out.
				s.last = 0
				if err := s.reset(ctx); err != nil {
					return err
				}
				return fmt.Errorf("the relay's channel restarted at %d (its data was reset): fetching it from the start", m.Hello.Head)
			}
			*online = true
			s.st.set(ClientState{Kind: Online, Backlog: max(0, m.Hello.Head-m.Hello.After)})
		case m.Gap != nil:
			if m.Gap.Next-1 > last && m.Gap.After <= last {
				if c.Logf != nil {
					c.Logf("relay: hooks %d to %d of channel %s were evicted by the relay's retention before they could be fetched",
						last+1, m.Gap.Next-1, c.Channel)
				}
				last = m.Gap.Next - 1
			}
		case m.Seq > 0:
			if m.Seq <= last {
				continue // already applied
			}
			if m.Seq != last+1 {
				return fmt.Errorf("relay sent hook %d after %d: reconnecting to resume", m.Seq, last)
			}
			last = m.Seq
			if m.Capture == nil {
				continue
			}
			r, err := capture.FromRecord(*m.Capture)
			if err != nil {
				if c.Logf != nil {
					c.Logf("relay: hook %d of channel %s skipped: %v", m.Seq, c.Channel, err)
				}
				continue
			}
			r.Origin = "relay:" + c.Channel + "#" + strconv.FormatInt(m.Seq, 10)
			batch = append(batch, r)
			seqs = append(seqs, m.Seq)
		}
	}
	if last == s.last {
		return nil
	}
	if err := s.importAll(ctx, batch); err != nil {
		return err
	}
	s.last = last
	if err := s.save(ctx); err != nil {
		return err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(DefaultWriteWait))
	ack := append(append([]byte(`{"ack":`), strconv.FormatInt(last, 10)...), '}')
	err := conn.WriteMessage(websocket.TextMessage, ack)
	if c.onApplied != nil && len(seqs) > 0 {
		c.onApplied(seqs)
	}
	if err != nil {
		return fmt.Errorf("acknowledge: %w", err)
	}
	return nil
}

// importAll imports rs, with up to ImportWorkers imports at once.
func (s *session) importAll(ctx context.Context, rs []*capture.Request) error {
	if len(rs) == 0 {
		return nil
	}
	workers := s.c.ImportWorkers
	if workers <= 0 {
		workers = 32
	}
	workers = min(workers, len(rs))
	importOne := func(r *capture.Request) error {
		_, _, err := s.c.Store.Import(ctx, []*capture.Request{r})
		return err
	}
	if ae, ok := s.c.Store.(appendExister); ok {
		importOne = func(r *capture.Request) error {
			err := ae.Append(ctx, r)
			if err == nil {
				return nil
			}
			if yes, xerr := ae.Exists(ctx, r.ID); xerr == nil && yes {
				return nil // imported before: skipped
			}
			return fmt.Errorf("import %s: %w", r.ID, err)
		}
	}
	if workers == 1 {
		for _, r := range rs {
			if err := importOne(r); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(rs) {
					return
				}
				if err := importOne(rs[i]); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					next.Store(int64(len(rs))) // stop the others
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// progressReader pushes the read deadline forward with every read that
// brings bytes.
type progressReader struct {
	r    io.Reader
	conn *websocket.Conn
	idle time.Duration
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		_ = p.conn.SetReadDeadline(time.Now().Add(p.idle))
	}
	return n, err
}
