package capture

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/fanout"
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
	// 7: seq becomes the arrival microsecond, or the next free one (see
	// seqFor), so list order is rowid order and a search's newest page
	// walks the index instead of building its match set. Every capture is
	// renumbered in (received_at, id) order: seq_i = i + max over j <= i of
	// (us_j - j) is at least its own microsecond and above its
	// predecessor's seq. Old seqs are negated first so old and new values
	// never collide, and every capture is re-indexed at the next open.
	// Captures waiting for the index are listed in capture_unindexed: with
	// seqs no longer rising, one mark cannot say which are missing.
	// capture_stats keeps the count and the body bytes as stored, so
	// opening does not scan every row. Bodies may be stored deflated (body_codec, see packBody). deletemerge 100: a
	// segment of the index is rewritten for its deleted rows only once all
	// of them are deleted (then it is dropped, not rewritten); at the
	// default 10%, retention deleting the oldest rows kept rewriting the
	// biggest segments and a full store captured at 0.6x an empty one.
	// automerge 0: segments are merged a slice per index transaction
	// instead (flushIndex), which bounds the writer's stalls (p99).
	`CREATE TEMP TABLE capture_renumber AS
		SELECT old, i + max(us - i) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS new FROM (
			SELECT seq AS old, max(received_at / 1000, 0) AS us,
				row_number() OVER (ORDER BY received_at, id) AS i
			FROM captures);
	CREATE UNIQUE INDEX temp.capture_renumber_old ON capture_renumber(old);
	UPDATE captures SET seq = -seq;
	UPDATE captures SET seq = (SELECT new FROM capture_renumber WHERE old = -captures.seq);
	DROP TABLE capture_renumber;
	DROP INDEX captures_method;
	CREATE INDEX captures_method ON captures(method);
	INSERT INTO captures_fts(captures_fts) VALUES('delete-all');
	DROP TABLE capture_fts_state;
	CREATE TABLE capture_unindexed (seq INTEGER PRIMARY KEY);
	INSERT INTO capture_unindexed SELECT seq FROM captures;
	ALTER TABLE captures ADD COLUMN body_codec INTEGER NOT NULL DEFAULT 0;
	CREATE TABLE capture_stats (count INTEGER NOT NULL, bytes INTEGER NOT NULL);
	INSERT INTO capture_stats SELECT count(*), coalesce(sum(length(body)), 0) FROM captures;
	INSERT INTO captures_fts(captures_fts, rank) VALUES('deletemerge', 100);
	INSERT INTO captures_fts(captures_fts, rank) VALUES('automerge', 0);`,
}

// Store keeps captures in SQLite. Appends from many goroutines are grouped
// into shared commits by one writer goroutine; every method is safe for
// concurrent use. Close flushes pending appends.
type Store struct {
	db     *database.DB
	cfg    StoreConfig
	w      *database.Writer[*op]
	done   <-chan struct{} // closed once the writer has finished
	events *fanout.Broker[Event]

	statMu sync.Mutex // guards count, bytes and cfg's retention limits
	count  int
	bytes  int64

	indexErr atomic.Value // string

	// Owned by the writer goroutine.
	maxSeq      int64              // no capture has a higher seq (see seqFor)
	recent      map[int64]struct{} // seqs placed above recentFloor
	recentFloor int64
	unindexed   []indexEntry
	timer       *time.Timer // indexDelay after the oldest unindexed entry
	timerOn     bool
}

// op is one unit of work for the writer: an append (req set) or another write.
type op struct {
	req                  *Request
	headersJSON, respHdr []byte
	body                 []byte // as stored (see packBody)
	codec                int
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
	cfg.MaxCaptures, cfg.MaxBodyBytes = retentionDefaults(cfg.MaxCaptures, cfg.MaxBodyBytes)
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 512
	}
	if err := db.Migrate(ctx, "capture", migrations); err != nil {
		return nil, err
	}
	s := &Store{db: db, cfg: cfg, events: fanout.New(0, dropped), recent: map[int64]struct{}{}}
	if err := db.Read.QueryRowContext(ctx, `SELECT count, bytes, (SELECT coalesce(max(seq), 0) FROM captures)
		FROM capture_stats`).Scan(&s.count, &s.bytes, &s.maxSeq); err != nil {
		return nil, fmt.Errorf("open capture store: %w", err)
	}
	s.recentFloor = s.maxSeq
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
	body, codec := packBody(r.Body)
	if body == nil {
		body = []byte{}
	}
	o := &op{
		req: r, headersJSON: hj, respHdr: rh, verification: ver, body: body, codec: codec,
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

// commit runs on the writer: a batch of appends, or one other op alone.
func (s *Store) commit(batch []*op) []error {
	if first := batch[0]; first.req == nil {
		// Deletes, clears and searches see a complete index, and a
		// barrier (Sync) a store within its limits.
		s.drainIndex()
		if first.write == nil {
			s.retain()
			return nil
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
		if res, err = fn(tx); err != nil {
			return err
		}
		if res.countDelta != 0 || res.bytesDelta != 0 {
			if _, err := tx.Exec(`UPDATE capture_stats SET count = count + ?, bytes = bytes + ?`,
				res.countDelta, res.bytesDelta); err != nil {
				return fmt.Errorf("capture totals: %w", err)
			}
		}
		return nil
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

func (s *Store) insert(tx *sql.Tx, batch []*op) (writeResult, error) {
	ins, err := tx.Prepare(`INSERT INTO captures(seq, id, received_at, method, target, proto, host,
		remote_addr, headers, content_type, body, body_size, truncated, declared_size,
		headers_from_wire, error, resp_status, resp_headers, resp_body,
		verification, duplicate_of, refused, rule, dedupe_key, origin, body_codec)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return writeResult{}, fmt.Errorf("insert capture: %w", err)
	}
	defer ins.Close()
	waiting, err := tx.Prepare(`INSERT INTO capture_unindexed(seq) VALUES(?)`)
	if err != nil {
		return writeResult{}, fmt.Errorf("insert capture: %w", err)
	}
	defer waiting.Close()
	var dup *sql.Stmt // prepared when a batch holds a duplicate
	var res writeResult
	for _, o := range batch {
		r := o.req
		if r.DuplicateOf != "" && r.dedupeKey != "" {
			// A live capture's duplicate check (imports and relayed
			// captures keep what their record says). Checked here, in the commit that stores r, rather than by the
			// handler beforehand: no query per duplicate on the request's
			// path, and no delete can slip in between.
			if dup == nil {
				if dup, err = tx.Prepare(`SELECT 1 FROM captures WHERE id = ?`); err != nil {
					return writeResult{}, fmt.Errorf("insert capture: %w", err)
				}
				defer dup.Close()
			}
			var one int
			switch err := dup.QueryRow(r.DuplicateOf).Scan(&one); {
			case errors.Is(err, sql.ErrNoRows):
				r.DuplicateOf = "" // the original is gone: r is the first now
			case err != nil:
				return writeResult{}, fmt.Errorf("insert capture %s: %w", r.ID, err)
			}
		}
		respBody := r.Response.Body
		if respBody == nil {
			respBody = []byte{}
		}
		seq, err := s.seqFor(tx, r.ReceivedAt)
		if err != nil {
			return writeResult{}, err
		}
		if _, err := ins.Exec(seq, r.ID, r.ReceivedAt.UnixNano(), r.Method, r.Target, r.Proto, r.Host,
			r.RemoteAddr, o.headersJSON, r.ContentType(), o.body, r.BodySize, r.Truncated,
			r.DeclaredSize, r.HeadersFromWire, r.Error, r.Response.Status, o.respHdr, respBody,
			o.verification, r.DuplicateOf, r.Refused, r.Rule, r.dedupeKey, r.Origin, o.codec); err != nil {
			return writeResult{}, fmt.Errorf("insert capture %s: %w", r.ID, err)
		}
		if _, err := waiting.Exec(seq); err != nil {
			return writeResult{}, fmt.Errorf("insert capture %s: %w", r.ID, err)
		}
		res.index = append(res.index, indexEntry{seq: seq, id: r.ID, method: r.Method, target: r.Target,
			headers: o.ftsHeaders, body: o.ftsBody})
		res.countDelta++
		res.bytesDelta += int64(len(o.body))
		res.events = append(res.events, Event{Kind: Added, Request: r})
	}
	return res, nil
}
