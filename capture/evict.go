package capture

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// evict removes the oldest captures while either retention limit is exceeded
// (counting the rows this transaction adds).
//
// Rows of the batch being committed (seq >= keepFrom) are never evicted:
// their senders are about to be told they were stored. A capture bigger
// than the whole budget is therefore kept until the next commit.
func (s *Store) evict(tx *sql.Tx, addCount int, addBytes int64, keepFrom int64) (ids []string, n int, b int64, err error) {
	s.statMu.Lock()
	count, bytes := s.count+addCount, s.bytes+addBytes
	s.statMu.Unlock()
	over := func() bool {
		return (s.cfg.MaxCaptures > 0 && count > s.cfg.MaxCaptures) ||
			(s.cfg.MaxBodyBytes > 0 && bytes > s.cfg.MaxBodyBytes)
	}
	for over() {
		want := 64
		if s.cfg.MaxCaptures > 0 && count-s.cfg.MaxCaptures > want {
			want = count - s.cfg.MaxCaptures
		}
		rows, err := tx.Query(`SELECT seq, id, length(body) FROM captures WHERE seq < ? ORDER BY id LIMIT ?`, keepFrom, want)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("retention: %w", err)
		}
		type victim struct {
			seq  int64
			id   string
			size int64
		}
		var vs []victim
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.seq, &v.id, &v.size); err != nil {
				rows.Close()
				return nil, 0, 0, fmt.Errorf("retention: %w", err)
			}
			vs = append(vs, v)
		}
		rows.Close()
		if len(vs) == 0 {
			break
		}
		for _, v := range vs {
			if !over() {
				break
			}
			if err := deleteSeq(tx, v.seq); err != nil {
				return nil, 0, 0, fmt.Errorf("retention: %w", err)
			}
			ids = append(ids, v.id)
			count--
			bytes -= v.size
			n++
			b += v.size
		}
	}
	if n > 0 {
		if err := lowerIndexMark(tx); err != nil {
			return nil, 0, 0, fmt.Errorf("retention: %w", err)
		}
	}
	return ids, n, b, nil
}

func deleteSeq(tx *sql.Tx, seq int64) error {
	if _, err := tx.Exec(`DELETE FROM captures WHERE seq = ?`, seq); err != nil {
		return err
	}
	_, err := tx.Exec(`DELETE FROM captures_fts WHERE rowid = ?`, seq)
	return err
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
		if err := lowerIndexMark(tx); err != nil {
			return writeResult{}, fmt.Errorf("delete %s: %w", id, err)
		}
		return writeResult{countDelta: -1, bytesDelta: -size,
			events: []Event{{Kind: Deleted, IDs: []string{id}}}}, nil
	}})
}

// Clear removes every capture and returns how many there were.
func (s *Store) Clear(ctx context.Context) (int, error) {
	var n int
	err := s.submit(ctx, &op{write: func(tx *sql.Tx, st *Store) (writeResult, error) {
		if err := tx.QueryRow(`SELECT count(*) FROM captures`).Scan(&n); err != nil {
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
		if err := lowerIndexMark(tx); err != nil {
			return writeResult{}, fmt.Errorf("clear: %w", err)
		}
		st.statMu.Lock()
		c, b := st.count, st.bytes
		st.statMu.Unlock()
		return writeResult{countDelta: -c, bytesDelta: -b, events: []Event{{Kind: Cleared}}}, nil
	}})
	return n, err
}
