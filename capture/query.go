package capture

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/verify"
)

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
	Search string // full-text: every word must appear
	// Prefix lets the last word of Search (three or more characters) match
	// longer words too, for search as you type. Its cost grows with the
	// words it begins; whole words stay fast at any store size.
	Prefix bool
	Method string // exact method
	// Summary leaves Body and Response.Body nil, for lists of many rows.
	Summary bool
}

// selectFrom builds the FROM, WHERE and ORDER BY of a List, Each or Count
// of q (cols are the selected columns; "" for count(*)). Rows are ordered
// by seq, which is the arrival microsecond (see seqFor): the list order. A search drives the query from the full-text
// index, whose rowids are those seqs, so the newest page of a search walks
// the index newest first and stops after LIMIT rows, however many match.
func (s *Store) selectFrom(ctx context.Context, q Query, cols string) (string, []any, error) {
	var conds []string
	var args []any
	key, from := "c.seq", " FROM captures c"
	if m := ftsQuery(q.Search, q.Prefix); m != "" {
		key, from = "f.rowid", " FROM captures_fts f JOIN captures c ON c.seq = f.rowid"
		conds = append(conds, "f.captures_fts MATCH ?")
		args = append(args, m)
	}
	for _, cur := range []struct {
		id     string
		before bool
	}{{q.Before, true}, {q.After, false}} {
		if cur.id == "" {
			continue
		}
		cond, cargs, err := s.cursor(ctx, key, cur.id, cur.before)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, cond)
		args = append(args, cargs...)
	}
	if q.Method != "" {
		conds = append(conds, "c.method = ?")
		args = append(args, q.Method)
	}
	sqlText := "SELECT " + cols + from
	if cols == "" {
		sqlText = "SELECT count(*)" + from
	}
	if len(conds) > 0 {
		sqlText += " WHERE " + strings.Join(conds, " AND ")
	}
	if cols != "" {
		order := " DESC"
		if q.Oldest {
			order = " ASC"
		}
		sqlText += " ORDER BY " + key + order
	}
	return sqlText, args, nil
}

// cursor is the condition "older than id" (before) or "newer than id" on
// the order key. A stored id gives its seq exactly. An id no longer stored
// (deleted or evicted since it was shown) is placed by the millisecond its
// ULID names, and by id within that millisecond, so paging on past it
// neither skips nor repeats a row.
func (s *Store) cursor(ctx context.Context, key, id string, before bool) (string, []any, error) {
	op := ">"
	if before {
		op = "<"
	}
	var seq int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT seq FROM captures WHERE id = ?`, id).Scan(&seq)
	switch {
	case err == nil:
		return key + " " + op + " ?", []any{seq}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", nil, fmt.Errorf("cursor %s: %w", id, err)
	}
	ms, ok := ulidTime(id)
	if !ok {
		return "c.id " + op + " ?", []any{id}, nil
	}
	lo, hi := ms*1000, (ms+1)*1000 // the millisecond's microseconds
	if before {
		return "(" + key + " < ? OR (" + key + " < ? AND c.id < ?))", []any{lo, hi, id}, nil
	}
	return "(" + key + " >= ? OR (" + key + " >= ? AND c.id > ?))", []any{hi, lo, id}, nil
}

// List returns captures newest first.
func (s *Store) List(ctx context.Context, q Query) ([]*Request, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	var out []*Request
	err := s.each(ctx, q, q.Limit, q.Offset, func(r *Request) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// Each calls fn with every capture matching q, in List's order (newest
// first, or oldest first with q.Oldest), stopping after q.Limit of them
// when q.Limit > 0 (q.Offset is ignored). It runs one query and reads its
// rows as fn takes them; with a search, the query walks the full-text index
// in list order, so no match set is built. Time is linear in the rows and
// memory is one row. fn runs while the query is open (it holds one read
// connection; the store's other reads still work). An error from fn stops
// Each.
func (s *Store) Each(ctx context.Context, q Query, fn func(*Request) error) error {
	return s.each(ctx, q, q.Limit, 0, fn)
}

func (s *Store) each(ctx context.Context, q Query, limit, offset int, fn func(*Request) error) error {
	if err := s.syncIndex(ctx, q); err != nil {
		return fmt.Errorf("list captures: %w", err)
	}
	cols := selectCols + ", c.body, c.resp_body"
	if q.Summary {
		cols = selectCols + ", NULL, NULL"
	}
	query, args, err := s.selectFrom(ctx, q, cols)
	if err != nil {
		return fmt.Errorf("list captures: %w", err)
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	query += " LIMIT ? OFFSET ?"
	args = append(args, limit, max(offset, 0))
	rows, err := s.db.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("list captures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return fmt.Errorf("list captures: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list captures: %w", err)
	}
	return nil
}

// Count returns how many captures match q (Limit and Offset ignored). With
// only a search it counts the index's matches without reading a capture;
// its cost grows with the matches (the first page's does not).
func (s *Store) Count(ctx context.Context, q Query) (int, error) {
	if err := s.syncIndex(ctx, q); err != nil {
		return 0, fmt.Errorf("count captures: %w", err)
	}
	var query string
	var args []any
	if m := ftsQuery(q.Search, q.Prefix); m != "" && q.Method == "" && q.Before == "" && q.After == "" {
		// Every row of the index is a stored capture: deletes remove theirs.
		query, args = `SELECT count(*) FROM captures_fts WHERE captures_fts MATCH ?`, []any{m}
	} else {
		var err error
		if query, args, err = s.selectFrom(ctx, q, ""); err != nil {
			return 0, fmt.Errorf("count captures: %w", err)
		}
	}
	var n int
	if err := s.db.Read.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
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
	out, err := database.Collect(rows, database.String)
	if err != nil {
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
	out, err := database.Collect(rows, database.String)
	if err != nil {
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
	row := s.db.Read.QueryRowContext(ctx, `SELECT `+selectCols+`, c.body, c.resp_body FROM captures c WHERE c.id = ?`, id)
	r, err := scanRequest(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("capture %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", id, err)
	}
	return r, nil
}

const selectCols = `c.id, c.received_at, c.method, c.target, c.proto, c.host, c.remote_addr,
	c.headers, c.body_size, c.truncated, c.declared_size, c.headers_from_wire, c.error,
	c.resp_status, c.resp_headers, c.verification, c.duplicate_of, c.refused, c.rule, c.origin,
	c.body_codec`

func scanRequest(sc interface{ Scan(...any) error }) (*Request, error) {
	var (
		r              Request
		ns             int64
		hdr, respHdr   []byte
		body, respBody []byte
		ver            string
		codec          int
	)
	err := sc.Scan(&r.ID, &ns, &r.Method, &r.Target, &r.Proto, &r.Host, &r.RemoteAddr, &hdr,
		&r.BodySize, &r.Truncated, &r.DeclaredSize, &r.HeadersFromWire, &r.Error,
		&r.Response.Status, &respHdr, &ver, &r.DuplicateOf, &r.Refused, &r.Rule, &r.Origin, &codec, &body, &respBody)
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
	if body != nil {
		if body, err = unpackBody(body, codec); err != nil {
			return nil, fmt.Errorf("capture %s: %w", r.ID, err)
		}
	}
	r.Body, r.Response.Body = body, respBody
	return &r, nil
}
