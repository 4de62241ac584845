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
	out, err := database.Collect(rows, scanRequest)
	if err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	return out, nil
}

// Each calls fn with every capture matching q, in List's order (newest
// first, or oldest first with q.Oldest), stopping after q.Limit of them
// when q.Limit > 0 (q.Offset is ignored). It runs one query and reads its
// rows as fn takes them: paging with a cursor would rebuild a search's
// match set for every page (quadratic in the matches), and probing the
// index row by row costs a prefix query's whole doclist per row. Time is
// linear in the rows; memory is one row plus the set of matching rowids.
// fn runs while the query is open (it holds one read connection; the
// store's other reads still work). An error from fn stops Each.
func (s *Store) Each(ctx context.Context, q Query, fn func(*Request) error) error {
	if err := s.syncIndex(ctx, q); err != nil {
		return fmt.Errorf("list captures: %w", err)
	}
	cols := "body, resp_body"
	if q.Summary {
		cols = "NULL, NULL"
	}
	where, args := q.where()
	limit := q.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	args = append(args, limit)
	order := "DESC"
	if q.Oldest {
		order = "ASC"
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+selectCols+`, `+cols+`
		FROM captures`+where+` ORDER BY id `+order+` LIMIT ?`, args...)
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
