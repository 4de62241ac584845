package relay

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/gancho-app/gancho/internal/database"
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
