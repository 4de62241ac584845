package outbound

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/replay"
)

// Outcome is where a delivery stands.
type Outcome string

// The delivery outcomes.
const (
	OutcomePending   Outcome = "pending"   // fired, not attempted yet
	OutcomeRetrying  Outcome = "retrying"  // attempted and failed; another attempt is scheduled
	OutcomeSucceeded Outcome = "succeeded" // an attempt got a 2xx
	OutcomeFailed    Outcome = "failed"    // no attempt succeeded and none is scheduled
)

// Delivery is one event sent to one subscription, across all its attempts.
type Delivery struct {
	// ID is "msg_" followed by a ULID, so ids sort by creation time. It is
	// also the webhook-id of every attempt, as Standard Webhooks requires,
	// so receivers can drop duplicates.
	ID               string
	SubscriptionID   string
	SubscriptionName string // as it was when the event fired
	Event            string
	// Payload is the event as fired (the envelope, before the
	// subscription's Mapping), as compact JSON.
	Payload   []byte
	CreatedAt time.Time
	Outcome   Outcome
	// Attempts is how many attempts were made.
	Attempts int
	// NextAt is when the next attempt is due; zero when none is scheduled.
	NextAt     time.Time
	LastStatus int // the last attempt's response status; 0 for none
	LastError  string
	LastClass  replay.Class
}

// Attempt is one try at a delivery: what was sent where and what came back.
type Attempt struct {
	DeliveryID string
	N          int // 1-based
	At         time.Time
	URL        string // as requested, with a GET's query
	// RequestHeaders are the headers sent, signature included.
	RequestHeaders capture.Headers
	// RequestBody is the first MaxRequestExcerpt bytes of the body sent
	// (none for a GET, and none recorded for attempts stored by a Gancho
	// older than this field); RequestBodySize is the whole body's size.
	RequestBody     []byte
	RequestBodySize int64
	Status          int // 0: no response
	Latency         time.Duration
	Headers         capture.Headers // the response's
	Body            []byte          // the first MaxBodyExcerpt bytes of the response body
	BodySize        int64           // the whole response body's size
	Class           replay.Class    // "" when a response arrived
	// Err says what went wrong, in one sentence: the failure, or for a
	// non-2xx response what the receiver answered. "" for a success.
	Err string
	// NextAt is when the next attempt was scheduled; zero: no more.
	NextAt time.Time
}

// Succeeded reports whether the attempt got a 2xx response.
func (a Attempt) Succeeded() bool { return a.Class == "" && a.Status >= 200 && a.Status < 300 }

// MaxBodyExcerpt is how much of a response body an Attempt keeps.
const MaxBodyExcerpt = 4 << 10

// MaxRequestExcerpt is how much of the body it sent an Attempt keeps: a
// whole CRM payload in practice, bounded so that a retried huge event
// does not grow the log by its size at every attempt.
const MaxRequestExcerpt = 64 << 10

// DeliveryQuery filters Store.Deliveries; zero fields match everything.
type DeliveryQuery struct {
	SubscriptionID string
	Event          string
	Outcome        Outcome
	// Limit is the most deliveries returned: 0 means 100, at most 1000.
	Limit int
	// Before is a delivery id: only older deliveries are returned, for
	// paging.
	Before string
}

// Bucket counts the deliveries created in [Start, Start+step) by their
// current outcome.
type Bucket struct {
	Start     time.Time
	Pending   int
	Succeeded int
	Retrying  int
	Failed    int
}

const deliveryCols = `id, subscription_id, subscription_name, event, payload, created_at, outcome, attempts,
	next_at, last_status, last_error, last_class`

func scanDelivery(sc interface{ Scan(...any) error }, extra ...any) (Delivery, error) {
	var (
		d              Delivery
		created, next  int64
		outcome, class string
	)
	dest := append([]any{&d.ID, &d.SubscriptionID, &d.SubscriptionName, &d.Event, &d.Payload, &created,
		&outcome, &d.Attempts, &next, &d.LastStatus, &d.LastError, &class}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return Delivery{}, err
	}
	d.CreatedAt, d.NextAt = fromNanos(created), fromNanos(next)
	d.Outcome, d.LastClass = Outcome(outcome), replay.Class(class)
	return d, nil
}

// Deliveries returns the deliveries q selects, newest first.
func (s *Store) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var (
		where []string
		args  []any
	)
	if q.SubscriptionID != "" {
		where, args = append(where, "subscription_id = ?"), append(args, q.SubscriptionID)
	}
	if q.Event != "" {
		where, args = append(where, "event = ?"), append(args, q.Event)
	}
	if q.Outcome != "" {
		where, args = append(where, "outcome = ?"), append(args, string(q.Outcome))
	}
	if q.Before != "" {
		where, args = append(where, "id < ?"), append(args, q.Before)
	}
	query := `SELECT ` + deliveryCols + ` FROM relay_deliveries`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	rows, err := s.db.Read.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("relay: deliveries: %w", err)
	}
	out, err := database.Collect(rows, func(sc database.Scanner) (Delivery, error) { return scanDelivery(sc) })
	if err != nil {
		return nil, fmt.Errorf("relay: deliveries: %w", err)
	}
	return out, nil
}

// Delivery returns one delivery; the error wraps ErrNotFound when there is
// none with that id.
func (s *Store) Delivery(ctx context.Context, id string) (Delivery, error) {
	d, err := scanDelivery(s.db.Read.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM relay_deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("relay: delivery %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("relay: delivery %s: %w", id, err)
	}
	return d, nil
}

// Attempts returns a delivery's attempts, first to last (none for an
// unknown id).
func (s *Store) Attempts(ctx context.Context, deliveryID string) ([]Attempt, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT delivery_id, n, at, url, request_headers, status, latency,
		headers, body, body_size, class, err, next_at, request_body, request_body_size FROM relay_attempts
		WHERE delivery_id = ? ORDER BY n`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("relay: attempts of %s: %w", deliveryID, err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var (
			a                  Attempt
			at, latency, next  int64
			reqHdr, hdr, class string
		)
		if err := rows.Scan(&a.DeliveryID, &a.N, &at, &a.URL, &reqHdr, &a.Status, &latency, &hdr, &a.Body,
			&a.BodySize, &class, &a.Err, &next, &a.RequestBody, &a.RequestBodySize); err != nil {
			return nil, fmt.Errorf("relay: attempts of %s: %w", deliveryID, err)
		}
		a.At, a.NextAt, a.Latency, a.Class = fromNanos(at), fromNanos(next), time.Duration(latency), replay.Class(class)
		if err := json.Unmarshal([]byte(reqHdr), &a.RequestHeaders); err != nil {
			return nil, fmt.Errorf("relay: attempt %d of %s: request headers: %w", a.N, deliveryID, err)
		}
		if err := json.Unmarshal([]byte(hdr), &a.Headers); err != nil {
			return nil, fmt.Errorf("relay: attempt %d of %s: headers: %w", a.N, deliveryID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relay: attempts of %s: %w", deliveryID, err)
	}
	return out, nil
}

// maxBuckets bounds Outcomes' result.
const maxBuckets = 10_000

// Outcomes counts the deliveries created since since, by their current
// outcome, in buckets of step from since to the Store's now (or to the newest delivery,
// if later). Errors wrap ErrInvalid when step is not positive or would give
// more than 10,000 buckets.
func (s *Store) Outcomes(ctx context.Context, since time.Time, step time.Duration) ([]Bucket, error) {
	if step <= 0 {
		return nil, fmt.Errorf("relay: outcomes: %w: step %s must be positive", ErrInvalid, step)
	}
	from := since.UnixNano()
	// Ids start with the ULID of their creation time: a range on the
	// primary key instead of an index on created_at.
	lo := "msg_"
	if since.UnixMilli() > 0 {
		lo += (&capture.IDGen{}).New(since)[:10]
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT (created_at - ?) / ?, outcome, count(*) FROM relay_deliveries
		WHERE id >= ? AND created_at >= ? GROUP BY 1, 2 ORDER BY 1`, from, int64(step), lo, from)
	if err != nil {
		return nil, fmt.Errorf("relay: outcomes: %w", err)
	}
	defer rows.Close()
	type count struct {
		bucket  int64
		outcome string
		n       int
	}
	var counts []count
	last := int64(s.now().Sub(since) / step)
	for rows.Next() {
		var c count
		if err := rows.Scan(&c.bucket, &c.outcome, &c.n); err != nil {
			return nil, fmt.Errorf("relay: outcomes: %w", err)
		}
		counts = append(counts, c)
		last = max(last, c.bucket)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relay: outcomes: %w", err)
	}
	if last+1 > maxBuckets {
		return nil, fmt.Errorf("relay: outcomes: %w: %d buckets of %s since %s is too many; use a larger step", ErrInvalid, last+1, step, since.Format(time.DateTime))
	}
	out := make([]Bucket, max(last+1, 0))
	for i := range out {
		out[i].Start = since.Add(time.Duration(i) * step)
	}
	for _, c := range counts {
		if c.bucket < 0 || c.bucket >= int64(len(out)) {
			continue
		}
		b := &out[c.bucket]
		switch Outcome(c.outcome) {
		case OutcomePending:
			b.Pending += c.n
		case OutcomeSucceeded:
			b.Succeeded += c.n
		case OutcomeRetrying:
			b.Retrying += c.n
		case OutcomeFailed:
			b.Failed += c.n
		}
	}
	return out, nil
}

// Prune deletes the oldest finished (succeeded or failed) deliveries with
// their attempts, keeping the newest keep deliveries of any outcome, and
// returns how many it deleted. Pending and retrying deliveries are never
// deleted.
func (s *Store) Prune(ctx context.Context, keep int) (int, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var cut string
		err := tx.QueryRowContext(ctx, `SELECT id FROM relay_deliveries ORDER BY id DESC LIMIT 1 OFFSET ?`, max(keep, 0)).Scan(&cut)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM relay_attempts WHERE delivery_id IN (SELECT id FROM relay_deliveries
			WHERE id <= ? AND outcome IN ('succeeded', 'failed'))`, cut); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM relay_deliveries WHERE id <= ? AND outcome IN ('succeeded', 'failed')`, cut)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("relay: prune deliveries: %w", err)
	}
	return int(n), nil
}

// --- used by the Dispatcher ---
