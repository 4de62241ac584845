package capture

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/fanout"
	"github.com/gancho-app/gancho/verify"
)

// Sentinel errors of the store; check with errors.Is.
var (
	ErrNotFound = errors.New("capture not found")
	ErrClosed   = errors.New("store closed")
)

// Retention defaults: the newest 100,000 captures and 2 GiB of bodies.
const (
	DefaultMaxCaptures  = 100_000
	DefaultMaxBodyBytes = 2 << 30
)

// StoreConfig tunes a Store; zero values mean the defaults. A negative limit
// means no limit.
type StoreConfig struct {
	MaxCaptures  int   // keep at most this many captures; oldest evicted first
	MaxBodyBytes int64 // keep at most this many stored body bytes
	// MaxBatch caps how many appends share one commit (0 means 512).
	MaxBatch int
}

var migrations = []string{
	// 1: captures and their full-text index. seq is the rowid the index
	// points at; id (ULID) gives arrival order.
	`CREATE TABLE captures (
		seq               INTEGER PRIMARY KEY,
		id                TEXT NOT NULL UNIQUE,
		received_at       INTEGER NOT NULL,
		method            TEXT NOT NULL,
		target            TEXT NOT NULL,
		proto             TEXT NOT NULL,
		host              TEXT NOT NULL,
		remote_addr       TEXT NOT NULL,
		headers           TEXT NOT NULL,
		content_type      TEXT NOT NULL,
		body              BLOB NOT NULL,
		body_size         INTEGER NOT NULL,
		truncated         INTEGER NOT NULL,
		declared_size     INTEGER NOT NULL,
		headers_from_wire INTEGER NOT NULL,
		error             TEXT NOT NULL,
		resp_status       INTEGER NOT NULL,
		resp_headers      TEXT NOT NULL,
		resp_body         BLOB NOT NULL
	);
	CREATE INDEX captures_method ON captures(method, id);
	CREATE VIRTUAL TABLE captures_fts USING fts5(
		method, target, headers, body,
		content='', contentless_delete=1,
		tokenize='unicode61 remove_diacritics 2'
	);`,
	// 2: the highest seq whose text is in captures_fts. Indexing runs in
	// its own, larger transactions after the capture commits (see indexer),
	// so a crash can leave rows above the mark: they are indexed on open.
	`CREATE TABLE capture_fts_state (seq INTEGER NOT NULL);
	INSERT INTO capture_fts_state(seq) SELECT coalesce(max(seq), 0) FROM captures;`,
	// 3: merge index segments less eagerly: capture writes far more often
	// than people search, and a query over a few more segments is still fast.
	`INSERT INTO captures_fts(captures_fts, rank) VALUES('automerge', 16);
	INSERT INTO captures_fts(captures_fts, rank) VALUES('crisismerge', 64);`,
	// 4: what inbound checks concluded. verification is the JSON of
	// verify.Result ('' when none applied); dedupe_key lets the duplicate
	// window survive a restart.
	`ALTER TABLE captures ADD COLUMN verification TEXT NOT NULL DEFAULT '';
	ALTER TABLE captures ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT '';
	ALTER TABLE captures ADD COLUMN refused TEXT NOT NULL DEFAULT '';
	ALTER TABLE captures ADD COLUMN rule TEXT NOT NULL DEFAULT '';
	ALTER TABLE captures ADD COLUMN dedupe_key TEXT NOT NULL DEFAULT '';`,
	// 5: where a capture came from when it was imported rather than received.
	`ALTER TABLE captures ADD COLUMN origin TEXT NOT NULL DEFAULT '';`,
	// 6: every secret path prefix a capture server has used. A run-only
	// prefix (listen --secret-prefix) is never saved in the settings, yet
	// the captures keep it in their targets: export must still redact it
	// and re-signing must still strip it.
	`CREATE TABLE capture_secret_prefixes (
		prefix     TEXT PRIMARY KEY,
		first_used INTEGER NOT NULL
	);`,
}

// Indexing is deferred: a capture commits (and is answered) first, and its
// search text joins the FTS index in a later transaction shared by many
// captures, which keeps FTS5 segment merges off the acknowledgement path.
const (
	indexBatch = 2048                   // index when this many are waiting…
	indexDelay = 100 * time.Millisecond // …or when the oldest waited this long
	indexChunk = 512                    // rows per index transaction
)

// Store keeps captures in SQLite. Appends from many goroutines are grouped
// into shared commits by one writer goroutine; every method is safe for
// concurrent use. Close flushes pending appends.
type Store struct {
	db     *database.DB
	cfg    StoreConfig
	w      *database.Writer[*op]
	done   <-chan struct{} // closed once the writer has finished
	events *fanout.Broker[Event]

	statMu sync.Mutex
	count  int
	bytes  int64

	indexErr atomic.Value // string

	// Owned by the writer goroutine.
	unindexed []indexEntry
	timer     *time.Timer // indexDelay after the oldest unindexed entry
	timerOn   bool
}

// indexEntry is a committed capture whose text is not yet in the FTS index.
// seq alone does not identify it: seq is a plain rowid, reused once the
// newest rows are deleted (Delete, Clear, or retention evicting a capture
// before its text was indexed), so id is checked too.
type indexEntry struct {
	seq                           int64
	id                            string
	method, target, headers, body string
}

// op is one unit of work for the writer: an append (req set) or another write.
type op struct {
	req                  *Request
	headersJSON, respHdr []byte
	verification         string
	ftsHeaders, ftsBody  string
	write                func(tx *sql.Tx, st *Store) (writeResult, error)
}

type writeResult struct {
	events     []Event
	index      []indexEntry
	countDelta int
	bytesDelta int64
}

// NewStore migrates the capture tables in db and starts the writer.
func NewStore(ctx context.Context, db *database.DB, cfg StoreConfig) (*Store, error) {
	if cfg.MaxCaptures == 0 {
		cfg.MaxCaptures = DefaultMaxCaptures
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 512
	}
	if err := db.Migrate(ctx, "capture", migrations); err != nil {
		return nil, err
	}
	s := &Store{db: db, cfg: cfg, events: fanout.New(0, dropped)}
	if err := db.Read.QueryRowContext(ctx,
		`SELECT count(*), coalesce(sum(length(body)), 0) FROM captures`).Scan(&s.count, &s.bytes); err != nil {
		return nil, fmt.Errorf("open capture store: %w", err)
	}
	if err := s.recoverIndex(ctx); err != nil {
		return nil, fmt.Errorf("open capture store: %w", err)
	}
	s.timer = time.NewTimer(time.Hour)
	s.timer.Stop()
	s.w = database.NewWriter(database.WriterConfig[*op]{
		Commit:   s.commit,
		Solo:     func(o *op) bool { return o.req == nil },
		MaxBatch: cfg.MaxBatch,
		Queue:    4096,
		Idle:     s.idle,
		Wake:     s.wake,
		Drain:    s.drainIndex,
		Closed:   ErrClosed,
	})
	s.done = s.w.Done()
	return s, nil
}

// Subscribe delivers every change committed after the call, in commit order,
// until ctx ends or cancel is called (the channel is then closed). A
// subscriber that falls behind gets a Dropped event instead of stalling
// capture. The channel is fed from any goroutine.
func (s *Store) Subscribe(ctx context.Context) (<-chan Event, func()) {
	return s.events.Subscribe(ctx)
}

// Stats returns how many captures are stored and their body bytes.
func (s *Store) Stats() (count int, bodyBytes int64) {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	return s.count, s.bytes
}

// Append commits r and returns once it is durable (or failed). Concurrent
// calls share commits.
func (s *Store) Append(ctx context.Context, r *Request) error {
	hj := encodeHeaders(r.Headers)
	rh := encodeHeaders(r.Response.Headers)
	var ver string
	if r.Verification != nil {
		b, err := json.Marshal(r.Verification)
		if err != nil {
			return fmt.Errorf("append %s: verification: %w", r.ID, err)
		}
		ver = string(b)
	}
	o := &op{
		req: r, headersJSON: hj, respHdr: rh, verification: ver,
		ftsHeaders: headerText(r.Headers),
		ftsBody:    searchText(r.Headers, r.Body),
	}
	return s.submit(ctx, o)
}

// submit runs o on the writer and waits for its commit (see
// database.Writer.Do: once queued, it waits even if ctx ends).
func (s *Store) submit(ctx context.Context, o *op) error {
	return s.w.Do(ctx, o)
}

// Close stops accepting writes, commits everything queued and stops the
// subscriptions. It does not close the database handle, which main owns.
// Every call, including a concurrent or repeated one, returns only once the
// writer has finished, so closing the database after it is safe.
func (s *Store) Close() error {
	s.w.Close()
	s.events.Close()
	return nil
}

// idle runs on the writer before it waits: a full index batch is written
// now, and the first unindexed entry starts the indexDelay timer.
func (s *Store) idle() <-chan time.Time {
	if len(s.unindexed) >= indexBatch {
		s.flushIndex()
	}
	if len(s.unindexed) > 0 && !s.timerOn {
		s.timer.Reset(indexDelay)
		s.timerOn = true
	}
	if !s.timerOn {
		return nil
	}
	return s.timer.C
}

// wake runs on the writer when the index timer fires.
func (s *Store) wake() {
	s.timerOn = false
	s.flushIndex()
}

// drainIndex indexes everything waiting, when the writer stops.
func (s *Store) drainIndex() {
	for len(s.unindexed) > 0 {
		s.flushIndex()
	}
}

// commit runs on the writer: a batch of appends, or one other op alone.
func (s *Store) commit(batch []*op) []error {
	if first := batch[0]; first.req == nil {
		// Deletes, clears and searches see a complete index.
		s.drainIndex()
		if first.write == nil {
			return nil // a barrier (Sync)
		}
		return database.Each(1, s.runWrite(first))
	}
	return s.commitAppends(batch)
}

func (s *Store) runWrite(o *op) error {
	res, err := s.inTx(func(tx *sql.Tx) (writeResult, error) { return o.write(tx, s) })
	// Publish before answering: a subscriber that subscribes once the write
	// returned must not be sent it (Subscribe promises later changes only).
	if err == nil {
		s.events.Publish(res.events...)
	}
	return err
}

func (s *Store) inTx(fn func(tx *sql.Tx) (writeResult, error)) (writeResult, error) {
	var res writeResult
	err := s.db.InTx(context.Background(), func(tx *sql.Tx) error {
		var err error
		res, err = fn(tx)
		return err
	})
	if err != nil {
		return writeResult{}, err
	}
	s.statMu.Lock()
	s.count += res.countDelta
	s.bytes += res.bytesDelta
	s.statMu.Unlock()
	return res, nil
}

// commitAppends inserts a batch in one transaction and returns each op's
// error. If the batch fails as a whole, each op is retried alone so one bad
// row cannot fail its neighbours.
func (s *Store) commitAppends(batch []*op) []error {
	res, err := s.inTx(func(tx *sql.Tx) (writeResult, error) { return s.insert(tx, batch) })
	if err != nil && len(batch) > 1 {
		errs := make([]error, len(batch))
		for i, o := range batch {
			if e := s.commitAppends([]*op{o}); e != nil {
				errs[i] = e[0]
			}
		}
		return errs
	}
	if err != nil {
		return database.Each(len(batch), err)
	}
	// Publishing never blocks (bounded queues), so doing it before
	// answering costs the senders nothing and keeps Subscribe's promise.
	s.unindexed = append(s.unindexed, res.index...)
	s.events.Publish(res.events...)
	return nil
}

// flushIndex writes the waiting search text in one transaction. Rows
// deleted meanwhile are skipped. On failure the entries are dropped and
// rebuilt at the next open (the watermark did not move).
func (s *Store) flushIndex() {
	if len(s.unindexed) == 0 {
		return
	}
	// A bounded chunk per transaction: captures wait while it runs.
	n := min(len(s.unindexed), indexChunk)
	entries := s.unindexed[:n:n]
	s.unindexed = s.unindexed[n:]
	if len(s.unindexed) == 0 {
		s.unindexed = nil
	}
	_, err := s.inTx(func(tx *sql.Tx) (writeResult, error) { return writeResult{}, indexRows(tx, entries) })
	if err != nil {
		// Search misses these until restart; capture itself is unaffected.
		s.indexErr.Store(err.Error())
	}
}

func indexRows(tx *sql.Tx, entries []indexEntry) error {
	// Skip rows deleted since they committed. The check is a separate query,
	// not INSERT … SELECT … WHERE EXISTS: that form opens a statement
	// savepoint, and FTS5 flushes a segment to disk at every savepoint,
	// which made indexing ten times slower.
	lo, hi := entries[0].seq, entries[0].seq
	for _, e := range entries {
		lo, hi = min(lo, e.seq), max(hi, e.seq)
	}
	rows, err := tx.Query(`SELECT seq, id FROM captures WHERE seq BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	live := make(map[int64]string, len(entries))
	for rows.Next() {
		var seq int64
		var id string
		if err := rows.Scan(&seq, &id); err != nil {
			rows.Close()
			return fmt.Errorf("index: %w", err)
		}
		live[seq] = id
	}
	rows.Close()
	st, err := tx.Prepare(`INSERT INTO captures_fts(rowid, method, target, headers, body) VALUES(?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer st.Close()
	// The mark moves to the highest live row indexed here, not to hi: a
	// deleted entry's seq may exceed that of a live row still waiting in a
	// later chunk (seq reuse), and the mark must not pass that row.
	var mark int64
	for _, e := range entries {
		if live[e.seq] != e.id {
			continue // deleted since it committed (its seq may be reused)
		}
		if _, err := st.Exec(e.seq, e.method, e.target, e.headers, e.body); err != nil {
			return fmt.Errorf("index capture %d: %w", e.seq, err)
		}
		mark = max(mark, e.seq)
	}
	if _, err := tx.Exec(`UPDATE capture_fts_state SET seq = max(seq, ?)`, mark); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// lowerIndexMark keeps the index mark at or below the newest remaining
// capture after deletions. Rowids are reused once the newest rows are gone;
// a mark left above them would make recoverIndex skip the new captures that
// reuse them if the process stopped before they were indexed.
func lowerIndexMark(tx *sql.Tx) error {
	_, err := tx.Exec(`UPDATE capture_fts_state SET seq = min(seq, (SELECT coalesce(max(seq), 0) FROM captures))`)
	return err
}

// recoverIndex indexes captures committed after the watermark (the process
// stopped before their index transaction).
func (s *Store) recoverIndex(ctx context.Context) error {
	for {
		rows, err := s.db.Read.QueryContext(ctx, `SELECT seq, id, method, target, headers, body FROM captures
			WHERE seq > (SELECT seq FROM capture_fts_state) ORDER BY seq LIMIT 1000`)
		if err != nil {
			return fmt.Errorf("rebuild search index: %w", err)
		}
		var entries []indexEntry
		for rows.Next() {
			var e indexEntry
			var hdr, body []byte
			if err := rows.Scan(&e.seq, &e.id, &e.method, &e.target, &hdr, &body); err != nil {
				rows.Close()
				return fmt.Errorf("rebuild search index: %w", err)
			}
			h, _ := decodeHeaders(hdr)
			e.headers, e.body = headerText(h), searchText(h, body)
			entries = append(entries, e)
		}
		rows.Close()
		if len(entries) == 0 {
			return nil
		}
		if _, err := s.inTx(func(tx *sql.Tx) (writeResult, error) { return writeResult{}, indexRows(tx, entries) }); err != nil {
			return fmt.Errorf("rebuild search index: %w", err)
		}
	}
}

func (s *Store) insert(tx *sql.Tx, batch []*op) (writeResult, error) {
	ins, err := tx.Prepare(`INSERT INTO captures(id, received_at, method, target, proto, host,
		remote_addr, headers, content_type, body, body_size, truncated, declared_size,
		headers_from_wire, error, resp_status, resp_headers, resp_body,
		verification, duplicate_of, refused, rule, dedupe_key, origin)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return writeResult{}, fmt.Errorf("insert capture: %w", err)
	}
	defer ins.Close()
	var res writeResult
	firstSeq := int64(-1)
	for _, o := range batch {
		r := o.req
		body := r.Body
		if body == nil {
			body = []byte{}
		}
		respBody := r.Response.Body
		if respBody == nil {
			respBody = []byte{}
		}
		out, err := ins.Exec(r.ID, r.ReceivedAt.UnixNano(), r.Method, r.Target, r.Proto, r.Host,
			r.RemoteAddr, o.headersJSON, r.ContentType(), body, r.BodySize, r.Truncated,
			r.DeclaredSize, r.HeadersFromWire, r.Error, r.Response.Status, o.respHdr, respBody,
			o.verification, r.DuplicateOf, r.Refused, r.Rule, r.dedupeKey, r.Origin)
		if err != nil {
			return writeResult{}, fmt.Errorf("insert capture %s: %w", r.ID, err)
		}
		seq, _ := out.LastInsertId()
		if firstSeq < 0 {
			firstSeq = seq
		}
		res.index = append(res.index, indexEntry{seq: seq, id: r.ID, method: r.Method, target: r.Target,
			headers: o.ftsHeaders, body: o.ftsBody})
		res.countDelta++
		res.bytesDelta += int64(len(body))
		res.events = append(res.events, Event{Kind: Added, Request: r})
	}
	evicted, n, b, err := s.evict(tx, res.countDelta, res.bytesDelta, firstSeq)
	if err != nil {
		return writeResult{}, err
	}
	res.countDelta -= n
	res.bytesDelta -= b
	if len(evicted) > 0 {
		res.events = append(res.events, Event{Kind: Evicted, IDs: evicted})
	}
	return res, nil
}

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

// Query selects captures for List and Count. The zero value lists the
// newest 100 with their bodies.
type Query struct {
	Limit  int    // at most this many (0 means 100)
	Offset int    // skip this many of the newest first
	Before string // only captures older than this id (cursor paging)
	After  string // only captures newer than this id
	// Oldest lists oldest first (with After: what arrived since a point,
	// in arrival order).
	Oldest bool
	Search string // full-text: every word must appear (last word as a prefix)
	Method string // exact method
	// Summary leaves Body and Response.Body nil, for lists of many rows.
	Summary bool
}

func (q Query) where() (string, []any) {
	var conds []string
	var args []any
	if q.Before != "" {
		conds = append(conds, "id < ?")
		args = append(args, q.Before)
	}
	if q.After != "" {
		conds = append(conds, "id > ?")
		args = append(args, q.After)
	}
	if q.Method != "" {
		conds = append(conds, "method = ?")
		args = append(args, q.Method)
	}
	if m := ftsQuery(q.Search); m != "" {
		conds = append(conds, "seq IN (SELECT rowid FROM captures_fts WHERE captures_fts MATCH ?)")
		args = append(args, m)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// syncIndex waits until every capture committed so far is searchable.
func (s *Store) syncIndex(ctx context.Context, q Query) error {
	if ftsQuery(q.Search) == "" {
		return nil
	}
	err := s.submit(ctx, &op{})
	if errors.Is(err, ErrClosed) {
		return nil // read what is there
	}
	return err
}

// IndexError reports the last failure to update the search index, or "".
func (s *Store) IndexError() string {
	v, _ := s.indexErr.Load().(string)
	return v
}

// List returns captures newest first.
func (s *Store) List(ctx context.Context, q Query) ([]*Request, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	if err := s.syncIndex(ctx, q); err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	cols := "body, resp_body"
	if q.Summary {
		cols = "NULL, NULL"
	}
	where, args := q.where()
	args = append(args, q.Limit, q.Offset)
	order := "DESC"
	if q.Oldest {
		order = "ASC"
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+selectCols+`, `+cols+`
		FROM captures`+where+` ORDER BY id `+order+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	defer rows.Close()
	var out []*Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("list captures: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	return out, nil
}

// Count returns how many captures match q (Limit and Offset ignored).
func (s *Store) Count(ctx context.Context, q Query) (int, error) {
	if err := s.syncIndex(ctx, q); err != nil {
		return 0, fmt.Errorf("count captures: %w", err)
	}
	where, args := q.where()
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM captures`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count captures: %w", err)
	}
	return n, nil
}

// Methods returns the distinct methods stored, sorted, for a method
// filter that offers PROPFIND, PURGE and custom methods too. It hops from
// one method to the next along the captures_method index, so its cost
// grows with the number of methods, not of captures.
func (s *Store) Methods(ctx context.Context) ([]string, error) {
	rows, err := s.db.Read.QueryContext(ctx, `WITH RECURSIVE m(method) AS (
		SELECT min(method) FROM captures
		UNION ALL
		SELECT (SELECT min(method) FROM captures WHERE method > m.method) FROM m WHERE m.method IS NOT NULL
	) SELECT method FROM m WHERE method IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("list methods: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, fmt.Errorf("list methods: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list methods: %w", err)
	}
	return out, nil
}

// RememberSecretPrefix records that captures may arrive under the secret
// path prefix p (see SecretPrefixes). Recording the same prefix again keeps
// its first use. An empty p records nothing.
func (s *Store) RememberSecretPrefix(ctx context.Context, p string) error {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	now := time.Now().UnixMilli()
	return s.submit(ctx, &op{write: func(tx *sql.Tx, _ *Store) (writeResult, error) {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO capture_secret_prefixes(prefix, first_used) VALUES(?, ?)`, p, now); err != nil {
			return writeResult{}, fmt.Errorf("remember the secret prefix: %w", err)
		}
		return writeResult{}, nil
	}})
}

// SecretPrefixes returns every secret path prefix a capture server on this
// store has used, oldest first, for redaction and re-signing.
func (s *Store) SecretPrefixes(ctx context.Context) ([]string, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT prefix FROM capture_secret_prefixes ORDER BY first_used, prefix`)
	if err != nil {
		return nil, fmt.Errorf("list secret prefixes: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("list secret prefixes: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list secret prefixes: %w", err)
	}
	return out, nil
}

// Import stores captures that were not received live (their Origin set by
// the caller), skipping ids already stored so importing the same file
// twice adds nothing twice. It returns how many were added and skipped.
func (s *Store) Import(ctx context.Context, rs []*Request) (added, skipped int, err error) {
	for _, r := range rs {
		if ok, err := s.Exists(ctx, r.ID); err != nil {
			return added, skipped, fmt.Errorf("import: %w", err)
		} else if ok {
			skipped++
			continue
		}
		if err := s.Append(ctx, r); err != nil {
			return added, skipped, fmt.Errorf("import %s: %w", r.ID, err)
		}
		added++
	}
	return added, skipped, nil
}

// Exists reports whether capture id is stored.
func (s *Store) Exists(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.db.Read.QueryRowContext(ctx, `SELECT 1 FROM captures WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("capture %s: %w", id, err)
	}
	return true, nil
}

// Get returns one capture with its body; ErrNotFound if absent.
func (s *Store) Get(ctx context.Context, id string) (*Request, error) {
	row := s.db.Read.QueryRowContext(ctx, `SELECT `+selectCols+`, body, resp_body FROM captures WHERE id = ?`, id)
	r, err := scanRequest(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("capture %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", id, err)
	}
	return r, nil
}

const selectCols = `id, received_at, method, target, proto, host, remote_addr, headers,
	body_size, truncated, declared_size, headers_from_wire, error, resp_status, resp_headers,
	verification, duplicate_of, refused, rule, origin`

func scanRequest(sc interface{ Scan(...any) error }) (*Request, error) {
	var (
		r              Request
		ns             int64
		hdr, respHdr   []byte
		body, respBody []byte
		ver            string
	)
	err := sc.Scan(&r.ID, &ns, &r.Method, &r.Target, &r.Proto, &r.Host, &r.RemoteAddr, &hdr,
		&r.BodySize, &r.Truncated, &r.DeclaredSize, &r.HeadersFromWire, &r.Error,
		&r.Response.Status, &respHdr, &ver, &r.DuplicateOf, &r.Refused, &r.Rule, &r.Origin, &body, &respBody)
	if err != nil {
		return nil, err
	}
	if ver != "" {
		r.Verification = new(verify.Result)
		if err := json.Unmarshal([]byte(ver), r.Verification); err != nil {
			return nil, fmt.Errorf("capture %s verification: %w", r.ID, err)
		}
	}
	r.ReceivedAt = time.Unix(0, ns)
	if r.Headers, err = decodeHeaders(hdr); err != nil {
		return nil, fmt.Errorf("capture %s headers: %w", r.ID, err)
	}
	if r.Response.Headers, err = decodeHeaders(respHdr); err != nil {
		return nil, fmt.Errorf("capture %s response headers: %w", r.ID, err)
	}
	r.Body, r.Response.Body = body, respBody
	return &r, nil
}

// encodeHeaders stores a header block as "name:value\n" lines, byte for
// byte: JSON would replace invalid UTF-8 (a Latin-1 header value) with
// U+FFFD. Names never hold ':' and no part holds '\n' (HTTP forbids both;
// folded lines were joined when parsed).
func encodeHeaders(h Headers) []byte {
	n := 0
	for _, kv := range h {
		n += len(kv.Name) + len(kv.Value) + 2
	}
	b := make([]byte, 0, n)
	for _, kv := range h {
		b = append(b, kv.Name...)
		b = append(b, ':')
		b = append(b, kv.Value...)
		b = append(b, '\n')
	}
	return b
}

// decodeHeaders reverses encodeHeaders.
func decodeHeaders(b []byte) (Headers, error) {
	out := Headers{}
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return out, errors.New("header block: missing line end")
		}
		line := b[:nl]
		b = b[nl+1:]
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return out, errors.New("header block: line without ':'")
		}
		out = append(out, Header{Name: string(line[:colon]), Value: string(line[colon+1:])})
	}
	return out, nil
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
// FTS syntax characters are inert); the last word matches as a prefix, so
// results narrow while typing. Words without letters or digits are ignored.
func ftsQuery(q string) string {
	var parts []string
	// NUL splits words too: FTS5 reads a query string only up to a NUL,
	// so one inside a quoted word left it unterminated (a syntax error).
	words := strings.FieldsFunc(q, func(r rune) bool { return unicode.IsSpace(r) || r == 0 })
	for _, w := range words {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		parts = append(parts, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	if len(parts) == 0 {
		return ""
	}
	parts[len(parts)-1] += "*"
	return strings.Join(parts, " ")
}
