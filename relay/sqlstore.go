package relay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/text"
)

// sqlStore is the hookStore on one SQLite database (tables of owner
// "relayws"): one writer goroutine assigns seqs and commits appends in
// shared transactions (database.Writer), and applies retention.
type sqlStore struct {
	db       *database.DB
	now      func() time.Time
	logf     func(format string, args ...any)
	defRet   Retention  // for channels without their own (withDefaults applied)
	onCommit commitFunc // told of each commit's hooks, on the writer

	mu     sync.RWMutex
	heads  map[string]int64 // channel → newest committed seq (writer writes)
	bytes  map[string]int64 // channel → stored record bytes (writer writes)
	open   map[string]bool  // channels that take hooks (opened by a desktop or configured)
	ret    map[string]Retention
	openMu sync.Mutex // serialises the opening of new channels (the limit)

	ackMu    sync.Mutex
	acks     map[ackKey]int64
	ackDirty map[ackKey]bool

	w *database.Writer[*op]
}

// ackKey names one client of one channel.
type ackKey struct{ ch, client string }

// openSQLStore migrates the relay tables in db, opens cfg's configured
// channels, loads the channels' state and starts the writer. cfg has its
// defaults applied (newServer). db stays the caller's: Close leaves it open.
func openSQLStore(ctx context.Context, db *database.DB, cfg ServerConfig, onCommit commitFunc) (*sqlStore, error) {
	if err := db.Migrate(ctx, migrationOwner, migrations); err != nil {
		return nil, err
	}
	s := &sqlStore{
		db: db, now: cfg.clock, logf: cfg.Logf, defRet: cfg.Retention, onCommit: onCommit,
		heads: map[string]int64{}, bytes: map[string]int64{}, open: map[string]bool{}, ret: map[string]Retention{},
		acks: map[ackKey]int64{}, ackDirty: map[ackKey]bool{},
	}
	if err := s.load(ctx, cfg.configured()); err != nil {
		return nil, err
	}
	s.startWriter(cfg)
	return s, nil
}

// op is one unit of work for the writer goroutine: an append (ch set) or a
// maintenance function.
type op struct {
	ch  string
	id  string
	at  int64  // received_at, unix nanoseconds
	rec []byte // capture.Record JSON
	seq int64  // assigned by the commit (appends)
	fn  func(tx *sql.Tx) error
}

// submit queues o for the writer and waits for its commit. Once queued,
// it waits even if ctx ends: the sender is answered only after the commit.
func (s *sqlStore) submit(ctx context.Context, o *op) error {
	return s.w.Do(ctx, o)
}

// startWriter starts the one goroutine that writes the relay's tables:
// appends are grouped into shared commits (database.Writer); acks are
// flushed and age retention runs at their intervals, between commits.
func (s *sqlStore) startWriter(cfg ServerConfig) {
	s.w = database.NewWriter(database.WriterConfig[*op]{
		Commit:   s.commit,
		Solo:     func(o *op) bool { return o.fn != nil },
		MaxBatch: cfg.MaxBatch,
		Queue:    4096,
		Every: []database.Periodic{
			{Interval: cfg.AckFlushInterval, Run: s.flushAcks},
			{Interval: cfg.SweepInterval, Run: s.sweepAge},
		},
		Drain:  s.flushAcks,
		Closed: ErrClosed,
	})
}

// Close lets queued appends commit, flushes acknowledgements and stops
// the writer; the database stays open.
func (s *sqlStore) Close() error {
	s.w.Close()
	return nil
}

// Append implements hookStore: many senders' appends share one commit.
func (s *sqlStore) Append(ctx context.Context, ch, id string, at time.Time, rec []byte) (int64, error) {
	o := &op{ch: ch, id: id, at: at.UnixNano(), rec: rec}
	if err := s.submit(ctx, o); err != nil {
		return 0, err
	}
	return o.seq, nil
}

// commit runs on the writer: a batch of appends, or one maintenance op.
func (s *sqlStore) commit(batch []*op) []error {
	if fn := batch[0].fn; fn != nil {
		return database.Each(1, s.inTx(fn))
	}
	return database.Each(len(batch), s.commitAppends(batch))
}

// inTx runs fn in one write transaction; failures say they are the relay's.
func (s *sqlStore) inTx(fn func(tx *sql.Tx) error) error {
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
// next seq of its channel, then hands the hooks to onCommit and returns
// the commit's error for the writer to answer the senders with.
func (s *sqlStore) commitAppends(batch []*op) error {
	next := map[string]int64{}
	s.mu.RLock()
	for _, o := range batch {
		if _, ok := next[o.ch]; !ok {
			next[o.ch] = s.heads[o.ch]
		}
	}
	s.mu.RUnlock()
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
		for _, o := range batch {
			next[o.ch]++
			o.seq = next[o.ch]
			if _, err := ins.Exec(o.ch, o.seq, o.id, o.rec, o.at); err != nil {
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
		// Before the senders are answered, as the Writer promises: a
		// stream that went live sees the hooks no later than their senders.
		byCh := map[string][]storedHook{}
		for _, o := range batch {
			byCh[o.ch] = append(byCh[o.ch], storedHook{seq: o.seq, rec: o.rec})
		}
		for ch, hooks := range byCh {
			s.onCommit(ch, hooks)
		}
	}
	return err
}

// Head implements hookStore.
// Follow implements hookStore: every commit is already told.
func (s *sqlStore) Follow(context.Context, string) (func(), error) { return func() {}, nil }

// ChannelToken implements hookStore: tokens are the configuration's only.
func (s *sqlStore) ChannelToken(string) (string, bool) { return "", false }

func (s *sqlStore) Head(_ context.Context, ch string) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.heads[ch], nil
}

// IsOpen implements hookStore.
func (s *sqlStore) IsOpen(ch string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.open[ch]
}

// Epoch implements hookStore: when the channel's row was created here.
func (s *sqlStore) Epoch(ctx context.Context, ch string) (int64, error) {
	var epoch int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT created_at FROM relayws_channels WHERE channel = ?`, ch).Scan(&epoch)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("epoch: %w", err)
	}
	return epoch, nil
}

// OpenChannel implements hookStore: the channel's row is written through
// the writer, so the open survives restarts.
func (s *sqlStore) OpenChannel(ctx context.Context, ch string, maxChannels int) error {
	if s.IsOpen(ch) {
		return nil
	}
	s.openMu.Lock() // one new channel at a time: the count stays exact
	defer s.openMu.Unlock()
	s.mu.RLock()
	open, n := s.open[ch], len(s.open)
	s.mu.RUnlock()
	if open {
		return nil
	}
	if n >= maxChannels {
		return channelLimit(n)
	}
	var last int64
	err := s.submit(ctx, &op{fn: func(tx *sql.Tx) error {
		now := s.now().UnixNano()
		if err := tx.QueryRow(`INSERT INTO relayws_channels(channel, last_seq, created_at, opened_at) VALUES(?, 0, ?, ?)
			ON CONFLICT(channel) DO UPDATE SET opened_at = excluded.opened_at
			RETURNING last_seq`, ch, now, now).Scan(&last); err != nil {
			return fmt.Errorf("relay: open channel %s: %w", ch, err)
		}
		return nil
	}})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.open[ch] = true
	s.heads[ch] = max(s.heads[ch], last)
	s.mu.Unlock()
	return nil
}

// SetRetention implements hookStore; r has its defaults applied.
func (s *sqlStore) SetRetention(ch string, r Retention) {
	s.mu.Lock()
	s.ret[ch] = r
	s.mu.Unlock()
}

func (s *sqlStore) retention(ch string) Retention {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r, ok := s.ret[ch]; ok {
		return r
	}
	return s.defRet
}

// RecordAck implements hookStore: the ack is persisted by the writer
// within AckFlushInterval (and at Close).
func (s *sqlStore) RecordAck(ch, client string, seq int64) {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	k := ackKey{ch, client}
	if seq > s.acks[k] {
		s.acks[k] = seq
		s.ackDirty[k] = true
	}
}

func (s *sqlStore) flushAcks() {
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
func (s *sqlStore) load(ctx context.Context, configured []string) error {
	now := s.now().UnixNano()
	for _, ch := range configured {
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

// sqlLegacyShown is how many closed legacy channels warnLegacy names.
const sqlLegacyShown = 10

// warnLegacy logs, once at start, the channels that hooks created before
// hooks stopped creating channels and that no desktop ever acknowledged:
// they are closed, so their senders get 404 (which many treat as final)
// until a desktop connects. A real team channel whose desktop was offline
// through the upgrade is among them: the operator should configure it.
// Channels closed now can only be such legacy ones, as hooks no longer
// create channels and a closed channel is forgotten once its hooks go.
func (s *sqlStore) warnLegacy(ctx context.Context) error {
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
		if total++; total <= sqlLegacyShown {
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
	if total > sqlLegacyShown {
		more = ", …"
	}
	s.logf("upgrade: closed until a desktop connects to them (their senders get 404): %s with hooks from "+
		"before this version that no desktop ever opened. Pass --channel NAME (repeatable) for your real "+
		"team channels so they take hooks now. Most hooks: %s%s",
		text.N(total, "channel", "channels"), strings.Join(names, ", "), more)
	return nil
}

// loadBytes counts each channel's stored record bytes.
func (s *sqlStore) loadBytes(ctx context.Context) error {
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

// ReadAfter implements hookStore, reading the database's read pool (not
// the writer), so replays never delay commits.
func (s *sqlStore) ReadAfter(ctx context.Context, ch string, after int64, limit, maxBytes int) ([]storedHook, error) {
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

// Channels implements hookStore.
func (s *sqlStore) Channels(ctx context.Context) ([]ChannelInfo, error) {
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
