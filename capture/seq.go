package capture

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A capture's seq (its rowid, and the rowid of its full-text entry) is the
// microsecond it arrived (Unix time; before 1970 counts as 1970), or the
// next free one. Ordering by seq is therefore ordering by arrival time
// whatever order the commits came in (a slow body, an import of older
// captures), and the index can answer "the newest 100 matches" by walking
// its rowids backwards. Microseconds keep the gaps between neighbours
// small: the index stores each rowid as a varint delta from the previous.

// seqAt is the first candidate seq for time t.
func seqAt(t time.Time) int64 { return max(t.UnixMicro(), 0) }

// seqFor picks the seq of a capture received at t. Called on the writer
// only (maxSeq, recent and recentFloor are its state). In live capture t
// is after the newest capture and no query is needed; an older t (a
// concurrent sender that committed later, an import) takes the first free
// seq from its microsecond on.
func (s *Store) seqFor(tx *sql.Tx, t time.Time) (int64, error) {
	next := seqAt(t)
	if next <= s.maxSeq {
		for {
			taken, err := s.seqTaken(tx, next)
			if err != nil {
				return 0, fmt.Errorf("place capture: %w", err)
			}
			if !taken {
				break
			}
			next++
		}
	}
	s.maxSeq = max(s.maxSeq, next)
	if len(s.recent) >= 8192 {
		clear(s.recent)
		s.recentFloor = s.maxSeq
	}
	s.recent[next] = struct{}{}
	return next, nil
}

// seqTaken reports whether a capture has seq. Above recentFloor every
// capture was placed by this writer since the floor was set, so recent
// answers without a query (a capture deleted since only makes it skip a
// free seq).
func (s *Store) seqTaken(tx *sql.Tx, seq int64) (bool, error) {
	if seq > s.recentFloor {
		_, ok := s.recent[seq]
		return ok, nil
	}
	var one int
	err := tx.QueryRow(`SELECT 1 FROM captures WHERE seq = ?`, seq).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ulidTime returns the millisecond a ULID names.
func ulidTime(id string) (int64, bool) {
	if len(id) != 26 {
		return 0, false
	}
	var ms int64
	for _, c := range strings.ToUpper(id[:10]) {
		d := strings.IndexRune(crockford, c)
		if d < 0 {
			return 0, false
		}
		ms = ms<<5 | int64(d)
	}
	return ms, true
}
