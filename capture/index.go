package capture

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Indexing is deferred: a capture commits (and is answered) first, and its
// search text joins the FTS index in a later transaction shared by many
// captures, which keeps FTS5 segment merges off the acknowledgement path.
const (
	indexBatch = 2048                  // index when this many are waiting…
	indexDelay = 25 * time.Millisecond // …or when the oldest waited this long
	indexChunk = 512                   // rows per index transaction, at most…
	// …and about this long: captures wait while an index transaction
	// runs, so it stops early on a slow or busy machine (p99 latency).
	indexBudget = 3 * time.Millisecond
)

// indexEntry is a committed capture whose text is not yet in the FTS index.
// seq alone does not identify it: seq is a plain rowid, reused once the
// newest rows are deleted (Delete, Clear, or retention evicting a capture
// before its text was indexed), so id is checked too.
type indexEntry struct {
	seq                           int64
	id                            string
	method, target, headers, body string
}

// idle runs on the writer after every commit, once its senders are
// answered, before it takes the next batch: retention past the slack and a
// full index batch are done now; a store just over its limit, or captures
// waiting for the index, start the indexDelay timer.
func (s *Store) idle() <-chan time.Time {
	over, overBytes := s.overLimit()
	if over > evictSlack || overBytes {
		s.retain()
		over = 0
	}
	if len(s.unindexed) >= indexBatch {
		s.flushIndex()
	}
	if (len(s.unindexed) > 0 || over > 0) && !s.timerOn {
		s.timer.Reset(indexDelay)
		s.timerOn = true
	}
	if !s.timerOn {
		return nil
	}
	return s.timer.C
}

// wake runs on the writer when the timer fires.
func (s *Store) wake() {
	s.timerOn = false
	s.retain()
	s.flushIndex()
}

// drainIndex indexes everything waiting (before a delete, a search or a
// barrier, and when the writer stops).
func (s *Store) drainIndex() {
	for len(s.unindexed) > 0 {
		s.flushIndex()
	}
}

// flushIndex writes waiting search text in one transaction of at most
// indexChunk rows and about indexBudget. Rows deleted meanwhile are
// skipped. On failure the entries are dropped here and indexed at the next
// open (they stay listed in capture_unindexed).
func (s *Store) flushIndex() {
	if len(s.unindexed) == 0 {
		return
	}
	n := min(len(s.unindexed), indexChunk)
	entries := s.unindexed[:n:n]
	done := n
	_, err := s.inTx(func(tx *sql.Tx) (writeResult, error) {
		var err error
		done, err = indexRows(tx, entries, indexBudget)
		if err == nil {
			// A slice of segment merging per index transaction (automerge
			// is off, see migration 7): merging at commit, in FTS5's own
			// amounts, stalled the writer up to ~50 ms.
			_, err = tx.Exec(`INSERT INTO captures_fts(captures_fts, rank) VALUES('merge', 16)`)
		}
		return writeResult{}, err
	})
	if err != nil {
		// Search misses these until restart; capture itself is unaffected.
		s.indexErr.Store(err.Error())
		done = n
	}
	s.unindexed = s.unindexed[done:]
	if len(s.unindexed) == 0 {
		s.unindexed = nil
	}
}

// indexRows indexes entries in order until budget has passed (checked
// every 16 rows; 0: no limit) and returns how many it took.
func indexRows(tx *sql.Tx, entries []indexEntry, budget time.Duration) (int, error) {
	start := time.Now()
	// Rows deleted since they committed are skipped: their seq may even
	// hold another capture now. The check is a query of its own, not
	// INSERT … SELECT … WHERE EXISTS: that form opens a statement savepoint,
	// and FTS5 flushes a segment to disk at every savepoint, which made
	// indexing ten times slower. One lookup per row, not one range query:
	// seqs are times, and an imported capture's is far from the others'.
	live, err := tx.Prepare(`SELECT id FROM captures WHERE seq = ?`)
	if err != nil {
		return 0, fmt.Errorf("index: %w", err)
	}
	defer live.Close()
	st, err := tx.Prepare(`INSERT INTO captures_fts(rowid, method, target, headers, body) VALUES(?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, fmt.Errorf("index: %w", err)
	}
	defer st.Close()
	done, err := tx.Prepare(`DELETE FROM capture_unindexed WHERE seq = ?`)
	if err != nil {
		return 0, fmt.Errorf("index: %w", err)
	}
	defer done.Close()
	for i, e := range entries {
		if budget > 0 && i > 0 && i%16 == 0 && time.Since(start) > budget {
			return i, nil
		}
		var id string
		switch err := live.QueryRow(e.seq).Scan(&id); {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return 0, fmt.Errorf("index capture %d: %w", e.seq, err)
		}
		if id != e.id {
			continue // deleted since it committed, its seq reused
		}
		if _, err := st.Exec(e.seq, e.method, e.target, e.headers, e.body); err != nil {
			return 0, fmt.Errorf("index capture %d: %w", e.seq, err)
		}
		if _, err := done.Exec(e.seq); err != nil {
			return 0, fmt.Errorf("index capture %d: %w", e.seq, err)
		}
	}
	return len(entries), nil
}

// recoverIndex indexes the captures still listed in capture_unindexed (the
// process stopped before their index transaction, or migration 7
// renumbered them).
func (s *Store) recoverIndex(ctx context.Context) error {
	for after := int64(-1); ; {
		rows, err := s.db.Read.QueryContext(ctx, `SELECT c.seq, c.id, c.method, c.target, c.headers, c.body, c.body_codec
			FROM capture_unindexed u JOIN captures c ON c.seq = u.seq
			WHERE u.seq > ? ORDER BY u.seq LIMIT 1000`, after)
		if err != nil {
			return fmt.Errorf("rebuild search index: %w", err)
		}
		var entries []indexEntry
		for rows.Next() {
			var e indexEntry
			var hdr, body []byte
			var codec int
			if err := rows.Scan(&e.seq, &e.id, &e.method, &e.target, &hdr, &body, &codec); err != nil {
				rows.Close()
				return fmt.Errorf("rebuild search index: %w", err)
			}
			if body, err = unpackBody(body, codec); err != nil {
				rows.Close()
				return fmt.Errorf("rebuild search index: capture %s: %w", e.id, err)
			}
			h, _ := decodeHeaders(hdr)
			e.headers, e.body = headerText(h), searchText(h, body)
			entries = append(entries, e)
			after = e.seq
		}
		rows.Close()
		if len(entries) == 0 {
			return nil
		}
		if _, err := s.inTx(func(tx *sql.Tx) (writeResult, error) {
			_, err := indexRows(tx, entries, 0)
			return writeResult{}, err
		}); err != nil {
			return fmt.Errorf("rebuild search index: %w", err)
		}
	}
}

// syncIndex waits until every capture committed so far is searchable.
func (s *Store) syncIndex(ctx context.Context, q Query) error {
	if ftsQuery(q.Search, false) == "" {
		return nil
	}
	err := s.submit(ctx, &op{})
	if errors.Is(err, ErrClosed) {
		return nil // read what is there
	}
	return err
}

// Sync returns once every capture committed before the call is searchable
// (and any pending retention work is done). Safe for concurrent use.
func (s *Store) Sync(ctx context.Context) error {
	err := s.submit(ctx, &op{})
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}

// IndexError reports the last failure to update the search index, or "".
func (s *Store) IndexError() string {
	v, _ := s.indexErr.Load().(string)
	return v
}

// headerText is the indexed form of a header block: "name: value" lines.
func headerText(h Headers) string {
	var b strings.Builder
	for _, kv := range h {
		b.WriteString(kv.Name)
		b.WriteString(": ")
		b.WriteString(kv.Value)
		b.WriteByte('\n')
	}
	return strings.ToValidUTF8(b.String(), " ")
}

// ftsQuery turns what a person types into an FTS5 query: each word becomes
// a quoted phrase (so "ana@example.com" or "+55 11" match as written, and
// FTS syntax characters are inert). Words without letters or digits are
// ignored. With prefix (search as you type), a last word of three or more
// characters also matches longer words, so results narrow while typing.
//
// Whole words are what keeps a search's first page fast at any size: the
// index walks a word's list of captures newest first and stops after the
// page. A prefix has no such list: FTS5 merges the lists of every word it
// begins, so its cost grows with its matches (at 1M captures, ~10 ms for
// "souz", ~0.5 s for "con", which begins a header name in every capture).
func ftsQuery(q string, prefix bool) string {
	var parts []string
	// NUL splits words too: FTS5 reads a query string only up to a NUL,
	// so one inside a quoted word left it unterminated (a syntax error).
	words := strings.FieldsFunc(q, func(r rune) bool { return unicode.IsSpace(r) || r == 0 })
	var last string
	for _, w := range words {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		parts = append(parts, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
		last = w
	}
	if len(parts) == 0 {
		return ""
	}
	if prefix && lastTokenLen(last) >= 3 {
		parts[len(parts)-1] += "*"
	}
	return strings.Join(parts, " ")
}

// lastTokenLen is the length in letters and digits of the word's last
// token (the part FTS5's prefix applies to: "/hooks/crm/7" ends in "7").
func lastTokenLen(w string) int {
	n := 0
	for _, r := range slices.Backward([]rune(w)) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if n > 0 {
				break
			}
			continue
		}
		n++
	}
	return n
}
