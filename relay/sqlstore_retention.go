package relay

import (
	"context"
	"database/sql"
	"fmt"
)

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

// sweepAge evicts hooks older than their channel's MaxAge.
func (s *sqlStore) sweepAge() {
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
func (s *sqlStore) evictOld(tx *sql.Tx) error {
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
