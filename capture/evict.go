package capture

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Retention runs on the writer after commits, never inside one: a sender
// is answered as soon as its capture is durable, and the oldest captures go
// in batches of up to evictChunk rows, each one transaction. Under
// continuous load the writer never idles, so a store may run over its
// limit by evictSlack before a batch runs between two commits; once the
// writer idles it trims to the limit exactly.
const (
	evictChunk = 4096
	evictSlack = 2048
)

// SetRetention changes the limits (StoreConfig's terms: 0 is the default,
// negative is none) and, once the writer takes the change, evicts down to
// them. Safe for concurrent use; it does not wait for the eviction.
func (s *Store) SetRetention(captures int, bytes int64) {
	captures, bytes = retentionDefaults(captures, bytes)
	s.statMu.Lock()
	s.cfg.MaxCaptures, s.cfg.MaxBodyBytes = captures, bytes
	s.statMu.Unlock()
	// A barrier wakes an idle writer, which then trims (see commit).
	go func() { _ = s.submit(context.Background(), &op{}) }()
}

// Retention returns the limits in force (negative: none).
func (s *Store) Retention() (captures int, bytes int64) {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	return s.cfg.MaxCaptures, s.cfg.MaxBodyBytes
}

func retentionDefaults(captures int, bytes int64) (int, int64) {
	if captures == 0 {
		captures = DefaultMaxCaptures
	}
	if bytes == 0 {
		bytes = DefaultMaxBodyBytes
	}
	return captures, bytes
}

// overLimit reports how far the store is over its retention limits: in
// captures, and whether the byte limit is exceeded.
func (s *Store) overLimit() (captures int, bytes bool) {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	if s.cfg.MaxCaptures > 0 {
		captures = s.count - s.cfg.MaxCaptures
	}
	return captures, s.cfg.MaxBodyBytes > 0 && s.bytes > s.cfg.MaxBodyBytes
}

// retain evicts until the store is within its limits. It runs on the
// writer.
func (s *Store) retain() {
	for {
		n, overBytes := s.overLimit()
		if n <= 0 && !overBytes {
			return
		}
		res, err := s.inTx(func(tx *sql.Tx) (writeResult, error) { return s.evict(tx, max(n, 0), overBytes) })
		if err != nil {
			s.indexErr.Store("retention: " + err.Error())
			return
		}
		if res.countDelta == 0 {
			return // only the newest capture is left (see evict)
		}
		s.events.Publish(res.events...)
	}
}

// evict removes up to evictChunk of the oldest captures: n of them, or,
// when overBytes, as many as bring the body bytes under the limit. The
// newest capture is never evicted: a capture bigger than the whole byte
// budget stays until the next one arrives.
func (s *Store) evict(tx *sql.Tx, n int, overBytes bool) (writeResult, error) {
	s.statMu.Lock()
	bytes, maxBytes := s.bytes, s.cfg.MaxBodyBytes
	s.statMu.Unlock()
	want := evictChunk
	if !overBytes {
		want = min(n, evictChunk)
	}
	rows, err := tx.Query(`SELECT c.seq, c.id, length(c.body), u.seq IS NULL FROM captures c
		LEFT JOIN capture_unindexed u ON u.seq = c.seq
		WHERE c.seq < (SELECT max(seq) FROM captures) ORDER BY c.seq LIMIT ?`, want)
	if err != nil {
		return writeResult{}, fmt.Errorf("retention: %w", err)
	}
	var (
		res     writeResult
		ids     []string
		indexed []int64
		cut     int64
	)
	for rows.Next() {
		if -res.countDelta >= n && (!overBytes || bytes <= maxBytes) {
			break
		}
		var seq, size int64
		var id string
		var inIndex bool
		if err := rows.Scan(&seq, &id, &size, &inIndex); err != nil {
			rows.Close()
			return writeResult{}, fmt.Errorf("retention: %w", err)
		}
		ids = append(ids, id)
		if inIndex {
			indexed = append(indexed, seq)
		}
		cut = seq
		res.countDelta--
		res.bytesDelta -= size
		bytes -= size
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return writeResult{}, fmt.Errorf("retention: %w", err)
	}
	if len(ids) == 0 {
		return writeResult{}, nil
	}
	// The victims are every row up to cut: one range delete.
	if _, err := tx.Exec(`DELETE FROM captures WHERE seq <= ?`, cut); err != nil {
		return writeResult{}, fmt.Errorf("retention: %w", err)
	}
	if _, err := tx.Exec(`DELETE FROM capture_unindexed WHERE seq <= ?`, cut); err != nil {
		return writeResult{}, fmt.Errorf("retention: %w", err)
	}
	if err := unindex(tx, indexed...); err != nil {
		return writeResult{}, fmt.Errorf("retention: %w", err)
	}
	res.events = []Event{{Kind: Evicted, IDs: ids}}
	return res, nil
}

// unindex removes rows from the full-text index. Only rows that were
// indexed may be passed: a contentless index cannot tell, and would keep a
// tombstone for a rowid it never held.
func unindex(tx *sql.Tx, seqs ...int64) error {
	if len(seqs) == 0 {
		return nil
	}
	st, err := tx.Prepare(`DELETE FROM captures_fts WHERE rowid = ?`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, seq := range seqs {
		if _, err := st.Exec(seq); err != nil {
			return err
		}
	}
	return nil
}

// deleteSeq removes one capture and its index entry (or its place in the
// queue of captures waiting for the index).
func deleteSeq(tx *sql.Tx, seq int64) error {
	if _, err := tx.Exec(`DELETE FROM captures WHERE seq = ?`, seq); err != nil {
		return err
	}
	out, err := tx.Exec(`DELETE FROM capture_unindexed WHERE seq = ?`, seq)
	if err != nil {
		return err
	}
	if n, _ := out.RowsAffected(); n > 0 {
		return nil // never indexed
	}
	return unindex(tx, seq)
}

// Delete removes one capture; ErrNotFound if there is none with that id.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.submit(ctx, &op{write: func(tx *sql.Tx, _ *Store) (writeResult, error) {
		var seq, size int64
		err := tx.QueryRow(`SELECT seq, length(body) FROM captures WHERE id = ?`, id).Scan(&seq, &size)
		if errors.Is(err, sql.ErrNoRows) {
			return writeResult{}, fmt.Errorf("delete %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return writeResult{}, fmt.Errorf("delete %s: %w", id, err)
		}
		if err := deleteSeq(tx, seq); err != nil {
			return writeResult{}, fmt.Errorf("delete %s: %w", id, err)
		}
		return writeResult{countDelta: -1, bytesDelta: -size,
			events: []Event{{Kind: Deleted, IDs: []string{id}}}}, nil
	}})
}

// Clear removes every capture up to and including the one with id through
// (by arrival: every capture whose seq is not after that capture's), and
// returns how many it removed. Captures that arrived after it — while the
// user was reading the confirmation, say — are kept: a capture the user has
// not seen is never cleared. through "" removes every capture. An id no
// longer stored is placed by its ULID: captures with an id up to it go.
func (s *Store) Clear(ctx context.Context, through string) (int, error) {
	var n int
	err := s.submit(ctx, &op{write: func(tx *sql.Tx, st *Store) (writeResult, error) {
		var bound sql.NullInt64
		q, args := `SELECT max(seq) FROM captures`, []any{}
		if through != "" {
			q, args = `SELECT coalesce((SELECT seq FROM captures WHERE id = ?), (SELECT max(seq) FROM captures WHERE id <= ?))`, []any{through, through}
		}
		if err := tx.QueryRow(q, args...).Scan(&bound); err != nil {
			return writeResult{}, fmt.Errorf("clear: %w", err)
		}
		if !bound.Valid {
			return writeResult{}, nil // nothing that old
		}
		var later int
		if err := tx.QueryRow(`SELECT count(*) FROM captures WHERE seq > ?`, bound.Int64).Scan(&later); err != nil {
			return writeResult{}, fmt.Errorf("clear: %w", err)
		}
		if later == 0 {
			return st.clearAll(tx, &n)
		}
		// Newer captures stay: delete the range, and remove index rows
		// only for the captures that were indexed (see unindex).
		var bytes int64
		var throughID string
		if err := tx.QueryRow(`SELECT count(*), coalesce(sum(length(body)), 0), (SELECT id FROM captures WHERE seq = ?) FROM captures WHERE seq <= ?`,
			bound.Int64, bound.Int64).Scan(&n, &bytes, &throughID); err != nil {
			return writeResult{}, fmt.Errorf("clear: %w", err)
		}
		rows, err := tx.Query(`SELECT c.seq FROM captures c LEFT JOIN capture_unindexed u ON u.seq = c.seq
			WHERE c.seq <= ? AND u.seq IS NULL`, bound.Int64)
		if err != nil {
			return writeResult{}, fmt.Errorf("clear: %w", err)
		}
		var indexed []int64
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return writeResult{}, fmt.Errorf("clear: %w", err)
			}
			indexed = append(indexed, seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return writeResult{}, fmt.Errorf("clear: %w", err)
		}
		for _, q := range []string{`DELETE FROM captures WHERE seq <= ?`, `DELETE FROM capture_unindexed WHERE seq <= ?`} {
			if _, err := tx.Exec(q, bound.Int64); err != nil {
				return writeResult{}, fmt.Errorf("clear: %w", err)
			}
		}
		if err := unindex(tx, indexed...); err != nil {
			return writeResult{}, fmt.Errorf("clear: %w", err)
		}
		return writeResult{countDelta: -n, bytesDelta: -bytes, events: []Event{{Kind: Cleared, Kept: later, Through: throughID}}}, nil
	}})
	return n, err
}

// clearAll empties the store; it runs on the writer.
func (s *Store) clearAll(tx *sql.Tx, n *int) (writeResult, error) {
	if err := tx.QueryRow(`SELECT count(*) FROM captures`).Scan(n); err != nil {
		return writeResult{}, fmt.Errorf("clear: %w", err)
	}
	if _, err := tx.Exec(`DELETE FROM captures`); err != nil {
		return writeResult{}, fmt.Errorf("clear: %w", err)
	}
	// 'delete-all' drops the index in one step; row-by-row deletes of a
	// contentless table take seconds on a big store.
	if _, err := tx.Exec(`INSERT INTO captures_fts(captures_fts) VALUES('delete-all')`); err != nil {
		return writeResult{}, fmt.Errorf("clear: %w", err)
	}
	if _, err := tx.Exec(`DELETE FROM capture_unindexed`); err != nil {
		return writeResult{}, fmt.Errorf("clear: %w", err)
	}
	s.statMu.Lock()
	c, b := s.count, s.bytes
	s.statMu.Unlock()
	return writeResult{countDelta: -c, bytesDelta: -b, events: []Event{{Kind: Cleared}}}, nil
}
