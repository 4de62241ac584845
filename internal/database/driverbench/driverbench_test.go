//go:build driverbench

// Package driverbench compares the two SQLite drivers Gancho could use,
// modernc.org/sqlite (pure Go, today's) and github.com/mattn/go-sqlite3
// (the C amalgamation through cgo), on the capture store's workload: group
// commits, deferred FTS5 indexing, first-page full-text search, eviction
// and streaming reads. It is its own module so the project's go.mod never
// requires mattn, and the build tag keeps it out of every ordinary run.
//
// Both drivers run side by side in one process, alternating round by
// round (the machine is shared, so only the ratios mean anything). The
// schema, pragmas and statements copy capture/store.go, index.go, evict.go,
// query.go and internal/database/database.go as of this commit.
//
//	cd internal/database/driverbench
//	CGO_ENABLED=1 go test -tags 'driverbench sqlite_fts5' -run '^$' -bench Drivers -benchtime 1x -timeout 3h [-rows 100000]
package driverbench

import (
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
	_ "modernc.org/sqlite"
)

var (
	flagRows   = flag.Int("rows", 100_000, "captures stored for the search, stream and eviction workloads")
	flagRounds = flag.Int("rounds", 5, "alternating rounds per workload")
	flagDir    = flag.String("dir", "", "directory for the two databases (default: a temporary one)")
	flagOut    = flag.String("out", "", "also write the results as a markdown table to this file")
)

// The pragmas of internal/database.Open.
var (
	writePragmas = []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)",
		"foreign_keys(ON)", "wal_autocheckpoint(0)"}
	readPragmas = []string{"busy_timeout(10000)", "query_only(1)"}
	ckptPragmas = []string{"busy_timeout(10000)"}
)

func init() {
	// mattn has DSN keys for some pragmas but not wal_autocheckpoint or
	// query_only-at-open; a connect hook runs the same list on every
	// connection, as modernc's _pragma does.
	for name, list := range map[string][]string{"mattn-w": writePragmas, "mattn-r": readPragmas, "mattn-c": ckptPragmas} {
		sql.Register(name, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, p := range list {
				if _, err := c.Exec("PRAGMA "+strings.Replace(strings.TrimSuffix(p, ")"), "(", "=", 1), nil); err != nil {
					return fmt.Errorf("PRAGMA %s: %w", p, err)
				}
			}
			return nil
		}})
	}
}

// drv opens the three handles internal/database keeps: a one-connection
// writer (BEGIN IMMEDIATE), a read pool and a checkpoint connection.
type drv struct {
	name string
	open func(path string) (w, r, c *sql.DB, err error)
}

var drivers = []drv{
	{"modernc", func(path string) (w, r, c *sql.DB, err error) {
		q := url.Values{}
		for _, p := range writePragmas {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		rq := url.Values{}
		for _, p := range readPragmas {
			rq.Add("_pragma", p)
		}
		if w, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode()); err != nil {
			return
		}
		if r, err = sql.Open("sqlite", "file:"+path+"?"+rq.Encode()); err != nil {
			return
		}
		c, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		return
	}},
	{"mattn", func(path string) (w, r, c *sql.DB, err error) {
		if w, err = sql.Open("mattn-w", "file:"+path+"?_txlock=immediate"); err != nil {
			return
		}
		if r, err = sql.Open("mattn-r", "file:"+path); err != nil {
			return
		}
		c, err = sql.Open("mattn-c", "file:"+path)
		return
	}},
}

// The capture migrations (capture/store.go) that shape the tables.
var migrations = []string{
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
	`CREATE TABLE capture_fts_state (seq INTEGER NOT NULL);
	INSERT INTO capture_fts_state(seq) SELECT coalesce(max(seq), 0) FROM captures;`,
	`INSERT INTO captures_fts(captures_fts, rank) VALUES('automerge', 16);
	INSERT INTO captures_fts(captures_fts, rank) VALUES('crisismerge', 64);`,
	`ALTER TABLE captures ADD COLUMN verification TEXT NOT NULL DEFAULT '';
	ALTER TABLE captures ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT '';
	ALTER TABLE captures ADD COLUMN refused TEXT NOT NULL DEFAULT '';
	ALTER TABLE captures ADD COLUMN rule TEXT NOT NULL DEFAULT '';
	ALTER TABLE captures ADD COLUMN dedupe_key TEXT NOT NULL DEFAULT '';`,
	`ALTER TABLE captures ADD COLUMN origin TEXT NOT NULL DEFAULT '';`,
}

const insertSQL = `INSERT INTO captures(id, received_at, method, target, proto, host,
	remote_addr, headers, content_type, body, body_size, truncated, declared_size,
	headers_from_wire, error, resp_status, resp_headers, resp_body,
	verification, duplicate_of, refused, rule, dedupe_key, origin)
	VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// selectCols are query.go's summary columns (List with Summary set).
const selectCols = `id, received_at, method, target, proto, host, remote_addr, headers,
	body_size, truncated, declared_size, headers_from_wire, error, resp_status, resp_headers,
	verification, duplicate_of, refused, rule, origin, NULL, NULL`

// store is one driver's database plus what the capture store's writer keeps.
type store struct {
	drv       string
	w, r, c   *sql.DB
	stop      chan struct{}
	done      chan struct{}
	gen       *gen
	unindexed []entry
	count     int
}

type entry struct {
	seq                           int64
	id                            string
	method, target, headers, body string
}

func openStore(d drv, dir string) (*store, error) {
	path := filepath.Join(dir, d.name+".db")
	w, r, c, err := d.open(path)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r.SetMaxOpenConns(4)
	c.SetMaxOpenConns(1)
	for _, m := range migrations {
		if _, err := w.Exec(m); err != nil {
			return nil, fmt.Errorf("%s: migrate: %w", d.name, err)
		}
	}
	s := &store{drv: d.name, w: w, r: r, c: c, stop: make(chan struct{}), done: make(chan struct{}), gen: newGen()}
	go s.checkpointer()
	return s, nil
}

// checkpointer is database.DB's: PASSIVE every 250 ms on its own connection.
func (s *store) checkpointer() {
	defer close(s.done)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_, _ = s.c.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

func (s *store) close() error {
	close(s.stop)
	<-s.done
	_, _ = s.c.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return errors.Join(s.r.Close(), s.c.Close(), s.w.Close())
}

func (s *store) inTx(fn func(tx *sql.Tx) error) error {
	tx, err := s.w.Begin()
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// insert commits rows in one transaction, as Store.insert does (a fresh
// prepared statement per commit), and queues their search text.
func (s *store) insert(rows []row) error {
	var queued []entry
	err := s.inTx(func(tx *sql.Tx) error {
		ins, err := tx.Prepare(insertSQL)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, r := range rows {
			res, err := ins.Exec(r.args...)
			if err != nil {
				return err
			}
			seq, _ := res.LastInsertId()
			queued = append(queued, entry{seq: seq, id: r.id, method: r.method, target: r.target,
				headers: r.ftsHeaders, body: r.ftsBody})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: insert: %w", s.drv, err)
	}
	s.unindexed = append(s.unindexed, queued...)
	s.count += len(rows)
	return nil
}

// indexChunk indexes up to 512 waiting rows in one transaction (index.go's
// flushIndex and indexRows).
func (s *store) indexChunk() (int, error) {
	n := min(len(s.unindexed), 512)
	if n == 0 {
		return 0, nil
	}
	entries := s.unindexed[:n]
	err := s.inTx(func(tx *sql.Tx) error {
		lo, hi := entries[0].seq, entries[0].seq
		for _, e := range entries {
			lo, hi = min(lo, e.seq), max(hi, e.seq)
		}
		rows, err := tx.Query(`SELECT seq, id FROM captures WHERE seq BETWEEN ? AND ?`, lo, hi)
		if err != nil {
			return err
		}
		live := make(map[int64]string, len(entries))
		for rows.Next() {
			var seq int64
			var id string
			if err := rows.Scan(&seq, &id); err != nil {
				rows.Close()
				return err
			}
			live[seq] = id
		}
		rows.Close()
		st, err := tx.Prepare(`INSERT INTO captures_fts(rowid, method, target, headers, body) VALUES(?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		var mark int64
		for _, e := range entries {
			if live[e.seq] != e.id {
				continue
			}
			if _, err := st.Exec(e.seq, e.method, e.target, e.headers, e.body); err != nil {
				return err
			}
			mark = max(mark, e.seq)
		}
		_, err = tx.Exec(`UPDATE capture_fts_state SET seq = max(seq, ?)`, mark)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: index: %w", s.drv, err)
	}
	s.unindexed = s.unindexed[n:]
	return n, nil
}

// evict deletes the oldest n captures and their index rows in one
// transaction (evict.go, with the two deletes prepared once per commit).
// It returns how long the captures deletes and the index deletes took.
func (s *store) evict(n int) (rowsT, ftsT time.Duration, err error) {
	err = s.inTx(func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT seq, id, length(body) FROM captures ORDER BY id LIMIT ?`, n)
		if err != nil {
			return err
		}
		var seqs []int64
		for rows.Next() {
			var seq, size int64
			var id string
			if err := rows.Scan(&seq, &id, &size); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, seq)
		}
		rows.Close()
		delRow, err := tx.Prepare(`DELETE FROM captures WHERE seq = ?`)
		if err != nil {
			return err
		}
		defer delRow.Close()
		delFTS, err := tx.Prepare(`DELETE FROM captures_fts WHERE rowid = ?`)
		if err != nil {
			return err
		}
		defer delFTS.Close()
		for _, seq := range seqs {
			t := time.Now()
			if _, err := delRow.Exec(seq); err != nil {
				return err
			}
			t2 := time.Now()
			if _, err := delFTS.Exec(seq); err != nil {
				return err
			}
			rowsT += t2.Sub(t)
			ftsT += time.Since(t2)
		}
		_, err = tx.Exec(`UPDATE capture_fts_state SET seq = min(seq, (SELECT coalesce(max(seq), 0) FROM captures))`)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("%s: evict: %w", s.drv, err)
	}
	s.count -= n
	return rowsT, ftsT, nil
}

// scanAll reads every row of a summary query, scanning every column as
// scanRequest does, and returns how many there were.
func (s *store) scanAll(q string, args ...any) (int, error) {
	rows, err := s.r.Query(q, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", s.drv, err)
	}
	defer rows.Close()
	n := 0
	var (
		id, method, target, proto, host, remote, errs, ver, dup, refused, rule, origin string
		ns, bodySize, declared, status                                                 int64
		truncated, fromWire                                                            bool
		hdr, respHdr, body, respBody                                                   []byte
	)
	for rows.Next() {
		if err := rows.Scan(&id, &ns, &method, &target, &proto, &host, &remote, &hdr,
			&bodySize, &truncated, &declared, &fromWire, &errs, &status, &respHdr,
			&ver, &dup, &refused, &rule, &origin, &body, &respBody); err != nil {
			return n, fmt.Errorf("%s: %w", s.drv, err)
		}
		n++
	}
	return n, rows.Err()
}

// Search terms, in ftsQuery's form.
var searches = []struct{ label, match string }{
	{"common word (silva)", `"silva"`},
	{"rare word (chargeback)", `"chargeback"`},
	{"prefix (souz*)", `"souz"*`},
}

// The two first-page forms: query.go's today, and newest-first inside the index.
var searchForms = []struct{ label, sql string }{
	{"IN (MATCH) ORDER BY id", `SELECT ` + selectCols + ` FROM captures
		WHERE seq IN (SELECT rowid FROM captures_fts WHERE captures_fts MATCH ?) ORDER BY id DESC LIMIT 100`},
	{"MATCH ORDER BY rowid, join", `SELECT ` + selectCols + ` FROM (SELECT rowid AS r FROM captures_fts
		WHERE captures_fts MATCH ? ORDER BY rowid DESC LIMIT 100) f JOIN captures ON captures.seq = f.r ORDER BY captures.seq DESC`},
}

// result is one line of the table: a median time per operation for each
// driver, and rows per operation for a throughput figure.
type result struct {
	label   string
	rows    int // rows per operation (0: report time only)
	samples map[string][]time.Duration
	note    string
}

func (r *result) add(drv string, d time.Duration) {
	if r.samples == nil {
		r.samples = map[string][]time.Duration{}
	}
	r.samples[drv] = append(r.samples[drv], d)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// each runs fn for both stores, alternating which goes first each round.
func each(stores []*store, round int, fn func(s *store) error) error {
	order := []int{0, 1}
	if round%2 == 1 {
		order = []int{1, 0}
	}
	for _, i := range order {
		if err := fn(stores[i]); err != nil {
			return err
		}
	}
	return nil
}

func BenchmarkDrivers(b *testing.B) {
	dir := *flagDir
	if dir == "" {
		dir = b.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	var stores []*store
	for _, d := range drivers {
		os.Remove(filepath.Join(dir, d.name+".db"))
		os.Remove(filepath.Join(dir, d.name+".db-wal"))
		os.Remove(filepath.Join(dir, d.name+".db-shm"))
		s, err := openStore(d, dir)
		if err != nil {
			b.Fatal(err)
		}
		stores = append(stores, s)
	}
	defer func() {
		for _, s := range stores {
			s.close()
		}
	}()
	rounds := *flagRounds
	var results []*result
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}

	// a. Group commits into an empty store (durable as configured:
	// synchronous=NORMAL in WAL), then c. the index chunks they queued.
	for _, batch := range []int{1, 64, 512} {
		r := &result{label: fmt.Sprintf("a. commit %d rows (1 tx)", batch), rows: batch}
		results = append(results, r)
		perRound := max(1, 4096/batch/rounds)
		for round := range rounds {
			must(each(stores, round, func(s *store) error {
				for range perRound {
					rows := s.gen.rows(batch)
					t := time.Now()
					if err := s.insert(rows); err != nil {
						return err
					}
					r.add(s.drv, time.Since(t))
				}
				return nil
			}))
		}
	}
	{
		r := &result{label: "a. commit 64 rows, synchronous=FULL", rows: 64}
		results = append(results, r)
		for _, s := range stores {
			_, err := s.w.Exec(`PRAGMA synchronous=FULL`)
			must(err)
		}
		for round := range rounds {
			must(each(stores, round, func(s *store) error {
				for range 10 {
					rows := s.gen.rows(64)
					t := time.Now()
					if err := s.insert(rows); err != nil {
						return err
					}
					r.add(s.drv, time.Since(t))
				}
				return nil
			}))
		}
		for _, s := range stores {
			_, err := s.w.Exec(`PRAGMA synchronous=NORMAL`)
			must(err)
		}
	}
	{
		r := &result{label: "b. index 512 rows (1 tx)", rows: 512}
		results = append(results, r)
		for round := 0; ; round++ {
			left := false
			must(each(stores, round, func(s *store) error {
				if len(s.unindexed) < 512 {
					return nil
				}
				left = true
				t := time.Now()
				_, err := s.indexChunk()
				r.add(s.drv, time.Since(t))
				return err
			}))
			if !left {
				break
			}
		}
		for _, s := range stores {
			for len(s.unindexed) > 0 {
				_, err := s.indexChunk()
				must(err)
			}
		}
	}

	// Fill to -rows: commit 512, index 512, alternating drivers every 8 steps.
	fill := &result{label: fmt.Sprintf("fill to %d: commit 512 + index 512", *flagRows), rows: 512}
	results = append(results, fill)
	for round := 0; stores[0].count < *flagRows || stores[1].count < *flagRows; round++ {
		must(each(stores, round, func(s *store) error {
			for range 8 {
				if s.count >= *flagRows {
					return nil
				}
				rows := s.gen.rows(min(512, *flagRows-s.count))
				t := time.Now()
				if err := s.insert(rows); err != nil {
					return err
				}
				for len(s.unindexed) > 0 {
					if _, err := s.indexChunk(); err != nil {
						return err
					}
				}
				fill.add(s.drv, time.Since(t))
			}
			return nil
		}))
		if round%40 == 0 {
			fmt.Fprintf(os.Stderr, "fill: %d / %d rows\n", stores[0].count, *flagRows)
		}
	}
	for _, s := range stores {
		_, err := s.c.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		must(err)
	}

	// c. First page of a full-text search at the full store.
	for _, q := range searches {
		var matches int
		must(stores[0].r.QueryRow(`SELECT count(*) FROM captures_fts WHERE captures_fts MATCH ?`, q.match).Scan(&matches))
		for _, f := range searchForms {
			r := &result{label: fmt.Sprintf("c. %s: %s", q.label, f.label),
				note: fmt.Sprintf("%d matches", matches)}
			results = append(results, r)
			for _, s := range stores { // warm the page cache
				_, err := s.scanAll(f.sql, q.match)
				must(err)
			}
			for round := range rounds * 2 {
				must(each(stores, round, func(s *store) error {
					t := time.Now()
					n, err := s.scanAll(f.sql, q.match)
					r.add(s.drv, time.Since(t))
					if err == nil && n != min(100, matches) {
						err = fmt.Errorf("%s: %q gave %d rows, want %d", s.drv, q.match, n, min(100, matches))
					}
					return err
				}))
			}
		}
	}

	// e. Streaming every row's summary columns, newest first.
	{
		r := &result{label: "e. stream all rows (summary columns)", rows: stores[0].count}
		results = append(results, r)
		for round := range rounds {
			must(each(stores, round, func(s *store) error {
				t := time.Now()
				n, err := s.scanAll(`SELECT ` + selectCols + ` FROM captures ORDER BY id DESC`)
				r.add(s.drv, time.Since(t))
				if err == nil && n != s.count {
					err = fmt.Errorf("%s: streamed %d rows of %d", s.drv, n, s.count)
				}
				return err
			}))
		}
	}

	// d. Eviction at the full store: the oldest 512 and their index rows in
	// one transaction; then 512 new ones committed and indexed (timed too:
	// commits into a full store) to stay full.
	{
		ev := &result{label: "d. evict oldest 512 + FTS rows (1 tx)", rows: 512}
		evRows := &result{label: "d. … of which 512 DELETE FROM captures", rows: 512}
		evFTS := &result{label: "d. … of which 512 DELETE FROM captures_fts", rows: 512}
		full := &result{label: "d. commit 512 rows into the full store", rows: 512}
		idx := &result{label: "d. index 512 rows in the full store", rows: 512}
		results = append(results, ev, evRows, evFTS, full, idx)
		for round := range rounds * 2 {
			must(each(stores, round, func(s *store) error {
				t := time.Now()
				rowsT, ftsT, err := s.evict(512)
				if err != nil {
					return err
				}
				ev.add(s.drv, time.Since(t))
				evRows.add(s.drv, rowsT)
				evFTS.add(s.drv, ftsT)
				rows := s.gen.rows(512)
				t = time.Now()
				if err := s.insert(rows); err != nil {
					return err
				}
				full.add(s.drv, time.Since(t))
				t = time.Now()
				if _, err := s.indexChunk(); err != nil {
					return err
				}
				idx.add(s.drv, time.Since(t))
				return nil
			}))
		}
	}

	table := report(results)
	var avgBody, avgHdr float64
	must(stores[0].r.QueryRow(`SELECT avg(length(body)), avg(length(headers)) FROM captures`).Scan(&avgBody, &avgHdr))
	var sizes []string
	for _, s := range stores {
		var pages, size int64
		must(s.r.QueryRow(`PRAGMA page_count`).Scan(&pages))
		must(s.r.QueryRow(`PRAGMA page_size`).Scan(&size))
		sizes = append(sizes, fmt.Sprintf("%s %.0f MiB", s.drv, float64(pages*size)/(1<<20)))
	}
	table += fmt.Sprintf("\nStore: %d captures, bodies %.0f B and headers %.0f B on average; database file %s.\n",
		stores[0].count, avgBody, avgHdr, strings.Join(sizes, ", "))
	fmt.Println()
	fmt.Print(table)
	if *flagOut != "" {
		must(os.WriteFile(*flagOut, []byte(table), 0o644))
	}
}

func report(results []*result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| workload | modernc (median) | mattn/C (median) | C/modernc time | C speedup | note (max modernc / C) |\n")
	fmt.Fprintf(&b, "| --- | ---: | ---: | ---: | ---: | --- |\n")
	for _, r := range results {
		m, c := median(r.samples["modernc"]), median(r.samples["mattn"])
		cell := func(d time.Duration) string {
			s := fmtDur(d)
			if r.rows > 0 && d > 0 {
				s += fmt.Sprintf(" (%s rows/s)", fmtRate(float64(r.rows)/d.Seconds()))
			}
			return s
		}
		ratio, speed := "-", "-"
		if m > 0 && c > 0 {
			ratio = fmt.Sprintf("%.2f", float64(c)/float64(m))
			speed = fmt.Sprintf("%.2f×", float64(m)/float64(c))
		}
		note := fmt.Sprintf("n=%d, max %s / %s", len(r.samples["modernc"]),
			fmtDur(slices.Max(append([]time.Duration{0}, r.samples["modernc"]...))),
			fmtDur(slices.Max(append([]time.Duration{0}, r.samples["mattn"]...))))
		if r.note != "" {
			note = r.note + ", " + note
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.label, cell(m), cell(c), ratio, speed, note)
	}
	return b.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	}
}

func fmtRate(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.1fk", v/1000)
	}
	return fmt.Sprintf("%.0f", v)
}

// row is one capture's insert arguments and its search text.
type row struct {
	id, method, target, ftsHeaders, ftsBody string
	args                                    []any
}

// gen makes deterministic CRM-like webhook captures (~1 KiB JSON bodies):
// both drivers store the same rows.
type gen struct {
	rnd *rand.Rand
	n   int64
	t0  time.Time
}

func newGen() *gen {
	return &gen{rnd: rand.New(rand.NewPCG(13, 42)), t0: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

var (
	firstNames = []string{"João", "Maria", "Ana", "José", "Pedro", "Luíza", "Carlos", "Fernanda",
		"Lucas", "Beatriz", "Rafael", "Juliana", "Marcos", "Camila", "Gabriel", "Larissa", "Thiago", "Patrícia"}
	// Silva is the common surname; Souza (the prefix search) a frequent one.
	lastNames = []string{"Silva", "Silva", "Silva", "Souza", "Santos", "Oliveira", "Pereira", "Lima",
		"Carvalho", "Ferreira", "Rodrigues", "Almeida", "Costa", "Gomes", "Martins", "Araújo", "Ribeiro", "Conceição"}
	cities  = []string{"São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Porto Alegre", "Recife", "Florianópolis", "Salvador"}
	streets = []string{"Rua Augusta", "Avenida Paulista", "Rua das Flores", "Avenida Atlântica", "Rua XV de Novembro", "Rua da Consolação"}
	events  = []string{"contact.created", "contact.updated", "deal.stage_changed", "deal.won", "invoice.paid", "ticket.opened"}
	stages  = []string{"lead", "qualified", "proposal", "negotiation", "won", "lost"}
	agents  = []string{"HubSpot Webhooks", "Pipedrive-Webhooks/2.0", "RD Station Hooks", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
	paths   = []string{"/hooks/crm", "/hooks/crm/contacts", "/hooks/billing", "/webhooks/pipedrive", "/in/rdstation"}
)

func (g *gen) pick(s []string) string { return s[g.rnd.IntN(len(s))] }

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rnd.IntN(16)]
	}
	return string(b)
}

func (g *gen) phone() string {
	return fmt.Sprintf("+55 %d 9%04d-%04d", 11+g.rnd.IntN(88), g.rnd.IntN(10000), g.rnd.IntN(10000))
}

func ascii(s string) string {
	return strings.NewReplacer("ã", "a", "á", "a", "í", "i", "é", "e", "ç", "c", "ú", "u", "ó", "o", "ô", "o", " ", "").Replace(strings.ToLower(s))
}

func (g *gen) rows(n int) []row {
	out := make([]row, n)
	for i := range out {
		out[i] = g.row()
	}
	return out
}

func (g *gen) row() row {
	g.n++
	at := g.t0.Add(time.Duration(g.n) * 7 * time.Millisecond)
	id := fmt.Sprintf("01K%011X%012X", at.UnixMilli(), g.n) // ULID-shaped, in arrival order
	first, last := g.pick(firstNames), g.pick(lastNames)
	ownerFirst, ownerLast := g.pick(firstNames), g.pick(lastNames)
	stage := g.pick(stages)
	if g.rnd.IntN(1000) == 0 {
		stage = "chargeback" // the rare word: ~0.1% of rows
	}
	email := ascii(first) + "." + ascii(last) + "@example.com.br"
	body := map[string]any{
		"event":      g.pick(events),
		"id":         "evt_" + g.hex(24),
		"created_at": at.Format(time.RFC3339Nano),
		"attempt":    1 + g.rnd.IntN(3),
		"data": map[string]any{
			"contact": map[string]any{
				"id": "ct_" + g.hex(16), "first_name": first, "last_name": last,
				"full_name": first + " " + last, "email": email,
				"phones": []map[string]string{{"type": "mobile", "number": g.phone()}, {"type": "work", "number": g.phone()}},
				"address": map[string]string{"street": g.pick(streets), "number": fmt.Sprint(1 + g.rnd.IntN(3000)),
					"city": g.pick(cities), "state": "SP", "postal_code": fmt.Sprintf("%05d-%03d", g.rnd.IntN(100000), g.rnd.IntN(1000)), "country": "BR"},
				"company": map[string]string{"name": g.pick(lastNames) + " & " + g.pick(lastNames) + " Ltda", "cnpj": fmt.Sprintf("%08d/0001-%02d", g.rnd.IntN(1e8), g.rnd.IntN(100))},
				"tags":    []string{g.pick(stages), "newsletter", "origem-site"},
			},
			"deal": map[string]any{"id": "dl_" + g.hex(12), "stage": stage, "amount": float64(g.rnd.IntN(10_000_000)) / 100, "currency": "BRL",
				"pipeline": "Vendas B2B", "owner": map[string]string{"name": ownerFirst + " " + ownerLast, "email": ascii(ownerFirst) + "@vendas.example.com"}},
			"notes": "Cliente pediu retorno por telefone após as 14h; confirmar endereço de cobrança e dados do boleto.",
		},
	}
	bj, _ := json.Marshal(body)
	target := g.pick(paths) + "?source=crm&attempt=1"
	hdr := [][2]string{
		{"Host", "hooks.example.com"}, {"User-Agent", g.pick(agents)}, {"Content-Type", "application/json"},
		{"Content-Length", fmt.Sprint(len(bj))}, {"Accept-Encoding", "gzip"},
		{"X-Request-Id", g.hex(8) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(12)},
		{"X-Signature-256", "sha256=" + g.hex(64)},
	}
	var enc, fts strings.Builder
	for _, kv := range hdr {
		enc.WriteString(kv[0] + ":" + kv[1] + "\n")
		fts.WriteString(kv[0] + ": " + kv[1] + "\n")
	}
	respHdr := "Content-Type:text/plain; charset=utf-8\nContent-Length:2\n"
	r := row{id: id, method: "POST", target: target, ftsHeaders: fts.String(), ftsBody: string(bj)}
	r.args = []any{id, at.UnixNano(), "POST", target, "HTTP/1.1", "hooks.example.com",
		fmt.Sprintf("203.0.113.%d:%d", g.rnd.IntN(255), 1024+g.rnd.IntN(60000)), []byte(enc.String()),
		"application/json", bj, int64(len(bj)), false, int64(len(bj)), true, "", 200,
		[]byte(respHdr), []byte("ok"), "", "", "", "", "", ""}
	return r
}
