package relay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/text"
)

// migrations are the tables of owner "relayws": the relay server's
// (channels, hooks, acks) and the desktop client's (client), so one data
// directory can hold either or both.
var migrations = []string{
	`CREATE TABLE relayws_channels (
		channel    TEXT PRIMARY KEY,
		last_seq   INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE relayws_hooks (
		channel     TEXT NOT NULL,
		seq         INTEGER NOT NULL,
		id          TEXT NOT NULL,
		record      BLOB NOT NULL,
		received_at INTEGER NOT NULL,
		PRIMARY KEY (channel, seq)
	);
	CREATE INDEX relayws_hooks_age ON relayws_hooks(channel, received_at);
	CREATE TABLE relayws_acks (
		channel    TEXT NOT NULL,
		client     TEXT NOT NULL,
		seq        INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		PRIMARY KEY (channel, client)
	);
	CREATE TABLE relayws_client (
		relay     TEXT NOT NULL,
		channel   TEXT NOT NULL,
		last_seq  INTEGER NOT NULL,
		client_id TEXT NOT NULL,
		PRIMARY KEY (relay, channel)
	);`,
	// The channel's epoch as the client last saw it: a relay whose data was
	// wiped recreates the channel with another, and its seqs start over.
	`ALTER TABLE relayws_client ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;`,
	// When a desktop opened the channel (or the relay configured it); 0:
	// never. Hooks used to create channels, so anonymous senders could
	// fill the channel limit for good: a channel a desktop acknowledged
	// hooks on was opened by it; the others stay closed (their hooks are
	// kept until retention, and a desktop can still open them).
	`ALTER TABLE relayws_channels ADD COLUMN opened_at INTEGER NOT NULL DEFAULT 0;
	UPDATE relayws_channels SET opened_at = created_at WHERE channel IN (SELECT channel FROM relayws_acks);`,
}

// migrationOwner names this package's migrations in the database. It stays
// "relayws" (and the tables keep their relayws_ prefix) although the package
// is now relay, not relay/ws: the string is stored in every existing
// database, and changing it would re-run the migrations on tables that exist.
const migrationOwner = "relayws"

// op is one unit of work for the writer goroutine: an append (ch set) or a
// maintenance function.
type op struct {
	ch  string
	id  string
	at  int64  // received_at, unix nanoseconds
	rec []byte // capture.Record JSON
	fn  func(tx *sql.Tx) error
}

// submit queues o for the writer and waits for its commit. Once queued,
// it waits even if ctx ends: the sender is answered only after the commit.
func (s *Server) submit(ctx context.Context, o *op) error {
	return s.w.Do(ctx, o)
}

// startWriter starts the one goroutine that writes the relay's tables:
// appends are grouped into shared commits (database.Writer); acks are
// flushed and age retention runs at their intervals, between commits.
func (s *Server) startWriter() {
	s.w = database.NewWriter(database.WriterConfig[*op]{
		Commit:   s.commit,
		Solo:     func(o *op) bool { return o.fn != nil },
		MaxBatch: s.cfg.MaxBatch,
		Queue:    4096,
		Every: []database.Periodic{
			{Interval: s.cfg.AckFlushInterval, Run: s.flushAcks},
			{Interval: s.cfg.SweepInterval, Run: s.sweepAge},
		},
		Drain:  s.flushAcks,
		Closed: ErrClosed,
	})
}

// commit runs on the writer: a batch of appends, or one maintenance op.
func (s *Server) commit(batch []*op) []error {
	if fn := batch[0].fn; fn != nil {
		return database.Each(1, s.inTx(fn))
	}
	return database.Each(len(batch), s.commitAppends(batch))
}

// inTx runs fn in one write transaction; failures say they are the relay's.
func (s *Server) inTx(fn func(tx *sql.Tx) error) error {
	var fnErr error
	err := s.db.InTx(context.Background(), func(tx *sql.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if err != nil && err != fnErr {
		return fmt.Errorf("relay: %w", err) // begin or commit
	}
	return err
}

// commitAppends stores a batch in one transaction, assigning each hook the
// next seq of its channel, then publishes the hooks to the streams and
// returns the commit's error for the writer to answer the senders with.
func (s *Server) commitAppends(batch []*op) error {
	next := map[string]int64{}
	created := map[string]bool{}
	s.mu.RLock()
	for _, o := range batch {
		if _, ok := next[o.ch]; !ok {
			h, ok := s.heads[o.ch]
			next[o.ch] = h
			created[o.ch] = !ok
		}
	}
	s.mu.RUnlock()
	seqs := make([]int64, len(batch))
	now := s.now().UnixNano()
	added := map[string]int64{}
	for _, o := range batch {
		added[o.ch] += int64(len(o.rec))
	}
	size := map[string]int64{} // each channel's stored bytes after this commit
	err := s.inTx(func(tx *sql.Tx) error {
		ins, err := tx.Prepare(`INSERT INTO relayws_hooks(channel, seq, id, record, received_at) VALUES(?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("relay: store hook: %w", err)
		}
		defer ins.Close()
		for i, o := range batch {
			next[o.ch]++
			seqs[i] = next[o.ch]
			if _, err := ins.Exec(o.ch, seqs[i], o.id, o.rec, o.at); err != nil {
				return fmt.Errorf("relay: store hook %s: %w", o.id, err)
			}
		}
		s.mu.RLock()
		for ch := range next {
			size[ch] = s.bytes[ch] + added[ch]
		}
		s.mu.RUnlock()
		for ch, last := range next {
			if _, err := tx.Exec(`INSERT INTO relayws_channels(channel, last_seq, created_at) VALUES(?, ?, ?)
				ON CONFLICT(channel) DO UPDATE SET last_seq = excluded.last_seq`, ch, last, now); err != nil {
				return fmt.Errorf("relay: channel %s: %w", ch, err)
			}
			ret := s.retention(ch)
			if ret.MaxCount > 0 && last > int64(ret.MaxCount) {
				// Seqs have no holes but evicted ones, so keeping seqs above
				// last-MaxCount keeps at most MaxCount hooks.
				freed, err := deleteHooks(tx, `DELETE FROM relayws_hooks WHERE channel = ? AND seq <= ? RETURNING length(record)`,
					ch, last-int64(ret.MaxCount))
				if err != nil {
					return fmt.Errorf("relay: retention %s: %w", ch, err)
				}
				size[ch] -= freed
			}
			if ret.MaxBytes > 0 && size[ch] > ret.MaxBytes {
				freed, err := evictBytes(tx, ch, last, size[ch]-ret.MaxBytes)
				if err != nil {
					return fmt.Errorf("relay: retention %s: %w", ch, err)
				}
				size[ch] -= freed
			}
		}
		return nil
	})
	if err == nil {
		s.mu.Lock()
		for ch, last := range next {
			s.heads[ch] = last
			s.bytes[ch] = size[ch]
		}
		s.mu.Unlock()
		byCh := map[string][]item{}
		for i, o := range batch {
			byCh[o.ch] = append(byCh[o.ch], item{seq: seqs[i], line: hookLine(o.ch, seqs[i], o.rec)})
		}
		for ch, items := range byCh {
			s.hub.publish(ch, items)
		}
	}
	return err
}

// deleteHooks runs a DELETE … RETURNING length(record) and returns the
// bytes it freed.
func deleteHooks(tx *sql.Tx, query string, args ...any) (int64, error) {
	rows, err := tx.Query(query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var freed int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
		freed += n
	}
	return freed, rows.Err()
}

// evictBytes deletes ch's oldest hooks until at least excess bytes are
// freed, keeping the newest (last) whatever its size, and returns the
// bytes freed. The stream announces the evicted seqs as a gap.
func evictBytes(tx *sql.Tx, ch string, last, excess int64) (int64, error) {
	rows, err := tx.Query(`SELECT seq, length(record) FROM relayws_hooks WHERE channel = ? AND seq < ? ORDER BY seq`, ch, last)
	if err != nil {
		return 0, err
	}
	var cut, freed int64
	for freed < excess && rows.Next() {
		var seq, n int64
		if err := rows.Scan(&seq, &n); err != nil {
			rows.Close()
			return 0, err
		}
		cut, freed = seq, freed+n
	}
	err = rows.Err()
	rows.Close()
	if err != nil || cut == 0 {
		return 0, err
	}
	if _, err := tx.Exec(`DELETE FROM relayws_hooks WHERE channel = ? AND seq <= ?`, ch, cut); err != nil {
		return 0, err
	}
	return freed, nil
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

// sweepAge evicts hooks older than their channel's MaxAge.
func (s *Server) sweepAge() {
	if err := s.inTx(s.evictOld); err != nil {
		s.logf("relay: retention: %v", err)
		// evictOld counted bytes freed by a transaction that did not
		// commit: count again from the table.
		if err := s.loadBytes(context.Background()); err != nil {
			s.logf("relay: retention: %v", err)
		}
	}
}

// evictOld deletes, in tx, every hook older than its channel's MaxAge.
func (s *Server) evictOld(tx *sql.Tx) error {
	s.mu.RLock()
	chans := make([]string, 0, len(s.heads))
	for ch := range s.heads {
		chans = append(chans, ch)
	}
	s.mu.RUnlock()
	now := s.now()
	for _, ch := range chans {
		ret := s.retention(ch)
		if ret.MaxAge <= 0 {
			continue
		}
		cutoff := now.Add(-ret.MaxAge).UnixNano()
		freed, err := deleteHooks(tx, `DELETE FROM relayws_hooks WHERE channel = ? AND received_at < ? RETURNING length(record)`, ch, cutoff)
		if err != nil {
			return fmt.Errorf("channel %s: %w", ch, err)
		}
		s.mu.Lock()
		s.bytes[ch] -= freed
		left, open := s.bytes[ch], s.open[ch]
		s.mu.Unlock()
		if !open && left <= 0 {
			// A channel no desktop opened (made by a hook before channels
			// had to be opened) goes once its last hook has aged out.
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM relayws_hooks WHERE channel = ?`, ch).Scan(&n); err != nil {
				return fmt.Errorf("channel %s: %w", ch, err)
			}
			if n == 0 {
				if _, err := tx.Exec(`DELETE FROM relayws_channels WHERE channel = ? AND opened_at = 0`, ch); err != nil {
					return fmt.Errorf("channel %s: %w", ch, err)
				}
				s.mu.Lock()
				if !s.open[ch] {
					delete(s.heads, ch)
					delete(s.bytes, ch)
				}
				s.mu.Unlock()
			}
		}
		// A desktop silent for longer than the channel keeps hooks has
		// nothing left to acknowledge: forget it, so the acks stay bounded.
		gone, err := staleAcks(tx, ch, cutoff)
		if err != nil {
			return fmt.Errorf("channel %s: %w", ch, err)
		}
		s.ackMu.Lock()
		for _, client := range gone {
			if k := (ackKey{ch, client}); !s.ackDirty[k] {
				delete(s.acks, k)
			}
		}
		s.ackMu.Unlock()
	}
	return nil
}

// staleAcks deletes the channel's acknowledgements not renewed since
// cutoff and returns their clients.
func staleAcks(tx *sql.Tx, ch string, cutoff int64) ([]string, error) {
	rows, err := tx.Query(`DELETE FROM relayws_acks WHERE channel = ? AND updated_at < ? RETURNING client`, ch, cutoff)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ackKey names one client of one channel.
type ackKey struct{ ch, client string }

// recordAck notes that client acknowledged seq on ch; it is persisted by
// the writer within AckFlushInterval.
func (s *Server) recordAck(ch, client string, seq int64) {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	k := ackKey{ch, client}
	if seq > s.acks[k] {
		s.acks[k] = seq
		s.ackDirty[k] = true
	}
}

func (s *Server) flushAcks() {
	s.ackMu.Lock()
	if len(s.ackDirty) == 0 {
		s.ackMu.Unlock()
		return
	}
	dirty := make(map[ackKey]int64, len(s.ackDirty))
	for k := range s.ackDirty {
		dirty[k] = s.acks[k]
	}
	clear(s.ackDirty)
	s.ackMu.Unlock()
	now := s.now().UnixNano()
	err := s.inTx(func(tx *sql.Tx) error {
		for k, seq := range dirty {
			if _, err := tx.Exec(`INSERT INTO relayws_acks(channel, client, seq, updated_at) VALUES(?, ?, ?, ?)
				ON CONFLICT(channel, client) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at`,
				k.ch, k.client, seq, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.logf("relay: record acknowledgements: %v", err)
		s.ackMu.Lock()
		for k := range dirty {
			s.ackDirty[k] = true
		}
		s.ackMu.Unlock()
	}
}

// load opens the configured channels and reads the channels' heads, sizes
// and acks at start (before the writer runs).
func (s *Server) load(ctx context.Context) error {
	now := s.now().UnixNano()
	for _, ch := range s.configured() {
		if _, err := s.db.Write.ExecContext(ctx, `INSERT INTO relayws_channels(channel, last_seq, created_at, opened_at) VALUES(?, 0, ?, ?)
			ON CONFLICT(channel) DO UPDATE SET opened_at = CASE WHEN opened_at = 0 THEN excluded.opened_at ELSE opened_at END`,
			ch, now, now); err != nil {
			return fmt.Errorf("open relay: channel %s: %w", ch, err)
		}
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT channel, last_seq, opened_at FROM relayws_channels`)
	if err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	for rows.Next() {
		var ch string
		var seq, opened int64
		if err := rows.Scan(&ch, &seq, &opened); err != nil {
			rows.Close()
			return fmt.Errorf("open relay: %w", err)
		}
		s.heads[ch] = seq
		if opened != 0 {
			s.open[ch] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	if err := s.loadBytes(ctx); err != nil {
		return err
	}
	if err := s.warnLegacy(ctx); err != nil {
		return err
	}
	rows, err = s.db.Read.QueryContext(ctx, `SELECT channel, client, seq FROM relayws_acks`)
	if err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k ackKey
		var seq int64
		if err := rows.Scan(&k.ch, &k.client, &seq); err != nil {
			return fmt.Errorf("open relay: %w", err)
		}
		s.acks[k] = seq
	}
	return rows.Err()
}

// legacyShown is how many closed legacy channels warnLegacy names.
const legacyShown = 10

// warnLegacy logs, once at start, the channels that hooks created before
// hooks stopped creating channels and that no desktop ever acknowledged:
// they are closed, so their senders get 404 (which many treat as final)
// until a desktop connects. A real team channel whose desktop was offline
// through the upgrade is among them: the operator should configure it.
// Channels closed now can only be such legacy ones, as hooks no longer
// create channels and a closed channel is forgotten once its hooks go.
func (s *Server) warnLegacy(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT c.channel, count(*) AS n
		FROM relayws_channels c JOIN relayws_hooks h ON h.channel = c.channel
		WHERE c.opened_at = 0 GROUP BY c.channel ORDER BY n DESC, c.channel`)
	if err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	defer rows.Close()
	total := 0
	var names []string
	for rows.Next() {
		var ch string
		var n int64
		if err := rows.Scan(&ch, &n); err != nil {
			return fmt.Errorf("open relay: %w", err)
		}
		if total++; total <= legacyShown {
			names = append(names, fmt.Sprintf("%s (%d)", ch, n))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	if total == 0 {
		return nil
	}
	more := ""
	if total > legacyShown {
		more = ", …"
	}
	s.logf("upgrade: closed until a desktop connects to them (their senders get 404): %s with hooks from "+
		"before this version that no desktop ever opened. Pass --channel NAME (repeatable) for your real "+
		"team channels so they take hooks now. Most hooks: %s%s",
		text.N(total, "channel", "channels"), strings.Join(names, ", "), more)
	return nil
}

// configured lists the channels open by configuration.
func (s *Server) configured() []string {
	out := append([]string(nil), s.cfg.Channels...)
	for ch := range s.cfg.ChannelTokens {
		out = append(out, ch)
	}
	return out
}

// loadBytes counts each channel's stored record bytes.
func (s *Server) loadBytes(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT channel, sum(length(record)) FROM relayws_hooks GROUP BY channel`)
	if err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	defer rows.Close()
	sizes := map[string]int64{}
	for rows.Next() {
		var ch string
		var n int64
		if err := rows.Scan(&ch, &n); err != nil {
			return fmt.Errorf("open relay: %w", err)
		}
		sizes[ch] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	s.mu.Lock()
	s.bytes = sizes
	s.mu.Unlock()
	return nil
}

// storedHook is one row read back for a replay.
type storedHook struct {
	seq int64
	rec []byte
}

// readAfter returns up to limit hooks of ch with seq > after, in order,
// stopping early once maxBytes of records are read.
func (s *Server) readAfter(ctx context.Context, ch string, after int64, limit, maxBytes int) ([]storedHook, error) {
	rows, err := s.db.Read.QueryContext(ctx,
		`SELECT seq, record FROM relayws_hooks WHERE channel = ? AND seq > ? ORDER BY seq LIMIT ?`, ch, after, limit)
	if err != nil {
		return nil, fmt.Errorf("relay: read channel %s: %w", ch, err)
	}
	defer rows.Close()
	var out []storedHook
	n := 0
	for rows.Next() {
		var h storedHook
		if err := rows.Scan(&h.seq, &h.rec); err != nil {
			return nil, fmt.Errorf("relay: read channel %s: %w", ch, err)
		}
		out = append(out, h)
		if n += len(h.rec); n >= maxBytes {
			break
		}
	}
	if err := rows.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("relay: read channel %s: %w", ch, err)
	}
	return out, nil
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

// Channels lists every channel with its counters, sorted by name.
func (s *Server) Channels(ctx context.Context) ([]ChannelInfo, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT c.channel, c.opened_at != 0, c.last_seq,
		(SELECT count(*) FROM relayws_hooks h WHERE h.channel = c.channel),
		(SELECT coalesce(sum(length(record)), 0) FROM relayws_hooks h WHERE h.channel = c.channel),
		(SELECT coalesce(min(seq), 0) FROM relayws_hooks h WHERE h.channel = c.channel)
		FROM relayws_channels c ORDER BY c.channel`)
	if err != nil {
		return nil, fmt.Errorf("relay: list channels: %w", err)
	}
	defer rows.Close()
	var out []ChannelInfo
	for rows.Next() {
		var c ChannelInfo
		if err := rows.Scan(&c.Name, &c.Open, &c.LastSeq, &c.Stored, &c.Bytes, &c.Oldest); err != nil {
			return nil, fmt.Errorf("relay: list channels: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relay: list channels: %w", err)
	}
	s.ackMu.Lock()
	for i := range out {
		for k, seq := range s.acks {
			if k.ch == out[i].Name {
				if out[i].Acks == nil {
					out[i].Acks = map[string]int64{}
				}
				out[i].Acks[k.client] = seq
			}
		}
	}
	s.ackMu.Unlock()
	return out, nil
}

// hub fans committed hooks out to the streams of each channel without
// ever blocking the writer.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[*sub]struct{}
}

// item is one committed hook, already encoded.
type item struct {
	seq  int64
	line []byte
}

// sub is one stream's subscription: a bounded queue of live hooks.
// Before the stream goes live (while it replays the backlog from the
// database) an overflow just empties the queue and flags a reset: the
// replay then reads further. Once live, an overflow marks the stream slow.
type sub struct {
	mu     sync.Mutex
	limit  int
	live   bool
	reset  bool
	slow   bool
	queue  []item
	bytes  int           // the queued lines' size: bounded too, hooks can be 25 MiB
	wake   chan struct{} // cap 1
	slowCh chan struct{} // closed when slow is set
}

func (h *hub) subscribe(ch string, limit int) *sub {
	sb := &sub{limit: limit, wake: make(chan struct{}, 1), slowCh: make(chan struct{})}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[string]map[*sub]struct{}{}
	}
	if h.subs[ch] == nil {
		h.subs[ch] = map[*sub]struct{}{}
	}
	h.subs[ch][sb] = struct{}{}
	h.mu.Unlock()
	return sb
}

func (h *hub) unsubscribe(ch string, sb *sub) {
	h.mu.Lock()
	delete(h.subs[ch], sb)
	if len(h.subs[ch]) == 0 {
		delete(h.subs, ch)
	}
	h.mu.Unlock()
}

func (h *hub) publish(ch string, items []item) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sb := range h.subs[ch] {
		sb.push(items)
	}
}

// maxQueuedBytes bounds what one stream may have waiting for its writer,
// beside the count (ServerConfig.SendQueue): past it, the stream reads from
// the database again or, live, is closed as too slow.
const maxQueuedBytes = 32 << 20

func itemsSize(items []item) int {
	n := 0
	for _, it := range items {
		n += len(it.line)
	}
	return n
}

func (sb *sub) push(items []item) {
	sb.mu.Lock()
	switch {
	case sb.slow:
	case len(sb.queue) > 0 && (len(sb.queue)+len(items) > sb.limit || sb.bytes+itemsSize(items) > maxQueuedBytes):
		// (An empty queue takes any one commit's hooks, however many.)
		if sb.live {
			sb.slow = true
			sb.queue = nil
			close(sb.slowCh)
		} else {
			sb.queue = nil
			sb.reset = true
		}
	default:
		sb.queue = append(sb.queue, items...)
		sb.bytes += itemsSize(items)
	}
	if sb.queue == nil {
		sb.bytes = 0
	}
	sb.mu.Unlock()
	select {
	case sb.wake <- struct{}{}:
	default:
	}
}

// goLive switches to live mode and returns what is queued, unless the
// queue overflowed since the last call (then ok is false: read the
// database again).
func (sb *sub) goLive() (q []item, ok bool) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.reset {
		sb.reset = false
		return nil, false
	}
	sb.live = true
	q, sb.queue, sb.bytes = sb.queue, nil, 0
	return q, true
}

// take returns the queued hooks.
func (sb *sub) take() []item {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	q := sb.queue
	sb.queue, sb.bytes = nil, 0
	return q
}

// fallBack leaves live mode (the stream saw a hole it must fill from the
// database); what is queued is dropped and read again from there.
func (sb *sub) fallBack() {
	sb.mu.Lock()
	sb.live, sb.reset, sb.queue, sb.bytes = false, false, nil, 0
	sb.mu.Unlock()
}
