package capture

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A capture's seq (its rowid, and the rowid of its full-text entry) is the
// millisecond it arrived, shifted left seqShift bits, plus its place among
// the captures of that millisecond. Ordering by seq is therefore ordering
// by arrival time whatever order the commits came in (a slow body, an
// import of older captures), and the index can answer "the newest 100
// matches" by walking its rowids backwards.
const seqShift = 16

// seqBase is the first seq of millisecond ms (before 1970 counts as 1970).
func seqBase(ms int64) int64 { return max(ms, 0) << seqShift }

// seqFor picks the seq of a capture received at t. Called on the writer
// only (maxSeq and slotTop are its state; slotTop holds the highest seq
// given out in each recent millisecond). In live capture t is at or after the newest
// capture's millisecond and no query is needed; an older t (an import, a
// body that took long to arrive) looks for the next free seq of its
// millisecond.
func (s *Store) seqFor(tx *sql.Tx, t time.Time) (int64, error) {
	base := seqBase(t.UnixMilli())
	next := base
	switch {
	case base > s.maxSeq:
	case s.maxSeq < base+1<<seqShift-1:
		next = s.maxSeq + 1 // the newest millisecond again
	case s.slotTop[base] != 0:
		// A recent millisecond this writer already placed a capture in
		// (concurrent senders commit a little out of order).
		next = s.slotTop[base] + 1
	default:
		var top sql.NullInt64
		if err := tx.QueryRow(`SELECT max(seq) FROM captures WHERE seq >= ? AND seq < ?`,
			base, base+1<<seqShift).Scan(&top); err != nil {
			return 0, fmt.Errorf("place capture: %w", err)
		}
		if top.Valid {
			next = top.Int64 + 1
		}
		// More than 65,536 captures in one millisecond spill into the
		// next one's seqs: step to a free one.
		for {
			var one int
			err := tx.QueryRow(`SELECT 1 FROM captures WHERE seq = ?`, next).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			if err != nil {
				return 0, fmt.Errorf("place capture: %w", err)
			}
			next++
		}
	}
	s.maxSeq = max(s.maxSeq, next)
	if len(s.slotTop) >= 4096 {
		clear(s.slotTop) // a hint only: a missing slot is looked up
	}
	s.slotTop[base] = max(s.slotTop[base], next)
	return next, nil
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
