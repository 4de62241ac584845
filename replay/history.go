package replay

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

// Kinds of attempt, for the history and its filters.
const (
	KindReplay  = "replay"  // a capture sent again unchanged
	KindEdit    = "edit"    // edited (or written from scratch) and sent
	KindForward = "forward" // sent as it arrived, by live forwarding
	KindBulk    = "bulk"    // one of a bulk replay
)

// Attempt is one stored send: what was sent, from which capture, and what
// came back.
type Attempt struct {
	ID        string // ULID, sorts by time
	CaptureID string // source capture; "" for a request written from scratch
	Kind      string
	Modified  bool // the request differs from the capture it came from
	Request   Request
	Result    Result
}

// ErrNotFound is returned (wrapped) by History.Get for an unknown id.
var ErrNotFound = errors.New("replay attempt not found")

var historyMigrations = []string{
	`CREATE TABLE replays (
		id          TEXT PRIMARY KEY,
		capture_id  TEXT NOT NULL,
		kind        TEXT NOT NULL,
		modified    INTEGER NOT NULL,
		method      TEXT NOT NULL,
		url         TEXT NOT NULL,
		host        TEXT NOT NULL,
		headers     TEXT NOT NULL,
		body        BLOB NOT NULL,
		sent_at     INTEGER NOT NULL,
		status      INTEGER NOT NULL,
		resp_headers TEXT NOT NULL,
		resp_body   BLOB NOT NULL,
		resp_size   INTEGER NOT NULL,
		truncated   INTEGER NOT NULL,
		timings     TEXT NOT NULL,
		err         TEXT NOT NULL,
		class       TEXT NOT NULL
	);
	CREATE INDEX replays_capture ON replays(capture_id, id);`,
}

// History stores every send with its result, linked to its capture.
// Safe for concurrent use.
type History struct {
	db  *database.DB
	ids capture.IDGen
}

// NewHistory migrates the history tables in db.
func NewHistory(ctx context.Context, db *database.DB) (*History, error) {
	if err := db.Migrate(ctx, "replay", historyMigrations); err != nil {
		return nil, err
	}
	return &History{db: db}, nil
}

// Add stores a (filling its ID when empty) and returns once committed.
func (h *History) Add(ctx context.Context, a *Attempt) error {
	if a.ID == "" {
		a.ID = h.ids.New(a.Result.SentAt)
	}
	hdr, err := json.Marshal(a.Request.Headers)
	if err != nil {
		return fmt.Errorf("store attempt: %w", err)
	}
	rh, err := json.Marshal(a.Result.Headers)
	if err != nil {
		return fmt.Errorf("store attempt: %w", err)
	}
	tm, err := json.Marshal(a.Result.Timings)
	if err != nil {
		return fmt.Errorf("store attempt: %w", err)
	}
	body, respBody := a.Request.Body, a.Result.Body
	if body == nil {
		body = []byte{}
	}
	if respBody == nil {
		respBody = []byte{}
	}
	_, err = h.db.Write.ExecContext(ctx, `INSERT INTO replays(id, capture_id, kind, modified, method, url, host,
		headers, body, sent_at, status, resp_headers, resp_body, resp_size, truncated, timings, err, class)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.ID, a.CaptureID, a.Kind, a.Modified, a.Request.Method, a.Request.URL, a.Request.Host,
		string(hdr), body, a.Result.SentAt.UnixNano(), a.Result.Status, string(rh), respBody,
		a.Result.BodySize, a.Result.Truncated, string(tm), a.Result.Err, string(a.Result.Class))
	if err != nil {
		return fmt.Errorf("store attempt %s: %w", a.ID, err)
	}
	return nil
}

const attemptCols = `id, capture_id, kind, modified, method, url, host, headers, body, sent_at,
	status, resp_headers, resp_body, resp_size, truncated, timings, err, class`

func scanAttempt(sc interface{ Scan(...any) error }) (*Attempt, error) {
	var (
		a              Attempt
		hdr, rh, tm    string
		sent           int64
		class          string
		body, respBody []byte
	)
	if err := sc.Scan(&a.ID, &a.CaptureID, &a.Kind, &a.Modified, &a.Request.Method, &a.Request.URL,
		&a.Request.Host, &hdr, &body, &sent, &a.Result.Status, &rh, &respBody, &a.Result.BodySize,
		&a.Result.Truncated, &tm, &a.Result.Err, &class); err != nil {
		return nil, err
	}
	a.Request.Body, a.Result.Body = body, respBody
	a.Result.SentAt = time.Unix(0, sent)
	a.Result.Class = Class(class)
	if err := json.Unmarshal([]byte(hdr), &a.Request.Headers); err != nil {
		return nil, fmt.Errorf("attempt %s headers: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(rh), &a.Result.Headers); err != nil {
		return nil, fmt.Errorf("attempt %s response headers: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(tm), &a.Result.Timings); err != nil {
		return nil, fmt.Errorf("attempt %s timings: %w", a.ID, err)
	}
	return &a, nil
}

// ForCapture returns the attempts made from captureID, newest first.
func (h *History) ForCapture(ctx context.Context, captureID string, limit int) ([]*Attempt, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := h.db.Read.QueryContext(ctx, `SELECT `+attemptCols+` FROM replays
		WHERE capture_id = ? ORDER BY id DESC LIMIT ?`, captureID, limit)
	if err != nil {
		return nil, fmt.Errorf("replays of %s: %w", captureID, err)
	}
	defer rows.Close()
	var out []*Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("replays of %s: %w", captureID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("replays of %s: %w", captureID, err)
	}
	return out, nil
}

// Get returns one attempt; ErrNotFound if absent.
func (h *History) Get(ctx context.Context, id string) (*Attempt, error) {
	a, err := scanAttempt(h.db.Read.QueryRowContext(ctx, `SELECT `+attemptCols+` FROM replays WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("attempt %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("attempt %s: %w", id, err)
	}
	return a, nil
}
