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
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
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
	Status         int // 0: no response
	Latency        time.Duration
	Headers        capture.Headers // the response's
	Body           []byte          // the first MaxBodyExcerpt bytes of the response body
	BodySize       int64           // the whole response body's size
	Class          replay.Class    // "" when a response arrived
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

// storeMigrations are the outbound tables, named relay_* since before the
// package was outbound. Times are Unix nanoseconds, 0 for none; the
// subscription's settings are one JSON document (subRecord).
var storeMigrations = []string{
	`CREATE TABLE relay_subscriptions (
		id              TEXT PRIMARY KEY,
		name            TEXT NOT NULL,
		spec            TEXT NOT NULL,
		enabled         INTEGER NOT NULL,
		disabled_reason TEXT NOT NULL,
		created_at      INTEGER NOT NULL,
		last_at         INTEGER NOT NULL,
		last_status     INTEGER NOT NULL,
		last_error      TEXT NOT NULL
	);
	CREATE TABLE relay_deliveries (
		id                TEXT PRIMARY KEY,
		subscription_id   TEXT NOT NULL,
		subscription_name TEXT NOT NULL,
		event             TEXT NOT NULL,
		payload           BLOB NOT NULL,
		created_at        INTEGER NOT NULL,
		outcome           TEXT NOT NULL,
		attempts          INTEGER NOT NULL,
		next_at           INTEGER NOT NULL,
		last_status       INTEGER NOT NULL,
		last_error        TEXT NOT NULL,
		last_class        TEXT NOT NULL
	);
	CREATE INDEX relay_deliveries_due ON relay_deliveries(next_at, id) WHERE next_at > 0;
	CREATE INDEX relay_deliveries_sub ON relay_deliveries(subscription_id, id);
	CREATE TABLE relay_attempts (
		delivery_id     TEXT NOT NULL,
		n               INTEGER NOT NULL,
		at              INTEGER NOT NULL,
		url             TEXT NOT NULL,
		request_headers TEXT NOT NULL,
		status          INTEGER NOT NULL,
		latency         INTEGER NOT NULL,
		headers         TEXT NOT NULL,
		body            BLOB NOT NULL,
		body_size       INTEGER NOT NULL,
		class           TEXT NOT NULL,
		err             TEXT NOT NULL,
		next_at         INTEGER NOT NULL,
		PRIMARY KEY (delivery_id, n)
	) WITHOUT ROWID;
	CREATE TABLE relay_templates (
		event      TEXT NOT NULL,
		name       TEXT NOT NULL,
		body       BLOB NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (event, name)
	) WITHOUT ROWID;`,
}

// Store keeps subscriptions, deliveries with their attempts, and custom
// templates in the relay_* tables of Gancho's database. It holds no
// goroutines and needs no Close; every method is safe for concurrent use.
// Writes go through the database's single writer connection.
type Store struct {
	db  *database.DB
	ids capture.IDGen
	now func() time.Time
}

// StoreConfig configures a Store; the zero value is the default.
type StoreConfig struct {
	// Now tells the time; nil means time.Now. It dates subscriptions and
	// templates, ends Outcomes' range, and is the Dispatcher's clock when
	// that has none of its own. Tests inject a fixed clock so that nothing
	// depends on today's date.
	Now func() time.Time
}

// migrationNamespace names this store's migrations in the database. It
// stays "relay" (and the tables keep their relay_ prefix) although the
// package is now outbound: the string is stored in every existing database,
// and changing it would re-run the migrations and fail on tables that exist.
const migrationNamespace = "relay"

// NewStore migrates the outbound tables (relay_*) in db. The database stays
// main's to close.
func NewStore(ctx context.Context, db *database.DB, cfg StoreConfig) (*Store, error) {
	if err := db.Migrate(ctx, migrationNamespace, storeMigrations); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{db: db, now: cfg.Now}, nil
}

// subRecord is a subscription's settings as stored in the spec column.
type subRecord struct {
	Events  []string        `json:"events"`
	URL     string          `json:"url"`
	Method  string          `json:"method"`
	Format  Format          `json:"format"`
	Headers capture.Headers `json:"headers"`
	Mapping mappingRecord   `json:"mapping"`
	Signing Signing         `json:"signing"`
	Secret  string          `json:"secret"`
	// SignQuery is omitted when false, so older specs read the same.
	SignQuery bool        `json:"sign_query,omitempty"`
	Timeout   int64       `json:"timeout_ns"`
	Retry     retryRecord `json:"retry"`
}

type mappingRecord struct {
	Rename  [][2]string `json:"rename,omitempty"`
	Exclude []string    `json:"exclude,omitempty"`
	Add     [][2]string `json:"add,omitempty"`
}

type retryRecord struct {
	Kind     string  `json:"kind"`
	Count    int     `json:"count,omitempty"`
	Every    int64   `json:"every_ns,omitempty"`
	Delays   []int64 `json:"delays_ns,omitempty"`
	Jitter   float64 `json:"jitter,omitempty"`
	Compress float64 `json:"compress,omitempty"`
}

func encodeSub(s *Subscription) (string, error) {
	r := subRecord{
		Events: s.Events, URL: s.URL, Method: s.Method, Format: s.Format, Headers: s.Headers,
		Signing: s.Signing, Secret: s.Secret, SignQuery: s.SignQuery, Timeout: int64(s.Timeout),
		Retry: retryRecord{Kind: s.Retry.Kind, Count: s.Retry.Count, Every: int64(s.Retry.Every),
			Jitter: s.Retry.Jitter, Compress: s.Retry.Compress},
	}
	for _, d := range s.Retry.Delays {
		r.Retry.Delays = append(r.Retry.Delays, int64(d))
	}
	for _, x := range s.Mapping.Rename {
		r.Mapping.Rename = append(r.Mapping.Rename, [2]string{x.From, x.To})
	}
	r.Mapping.Exclude = s.Mapping.Exclude
	for _, x := range s.Mapping.Add {
		r.Mapping.Add = append(r.Mapping.Add, [2]string{x.Name, x.Value})
	}
	b, err := json.Marshal(r)
	return string(b), err
}

func decodeSub(spec string, s *Subscription) error {
	var r subRecord
	if err := json.Unmarshal([]byte(spec), &r); err != nil {
		return err
	}
	s.Events, s.URL, s.Method, s.Format, s.Headers = r.Events, r.URL, r.Method, r.Format, r.Headers
	if len(s.Headers) == 0 {
		s.Headers = nil
	}
	s.Signing, s.Secret, s.SignQuery, s.Timeout = r.Signing, r.Secret, r.SignQuery, time.Duration(r.Timeout)
	s.Retry = RetryPolicy{Kind: r.Retry.Kind, Count: r.Retry.Count, Every: time.Duration(r.Retry.Every),
		Jitter: r.Retry.Jitter, Compress: r.Retry.Compress}
	for _, d := range r.Retry.Delays {
		s.Retry.Delays = append(s.Retry.Delays, time.Duration(d))
	}
	s.Mapping = Mapping{Exclude: r.Mapping.Exclude}
	for _, x := range r.Mapping.Rename {
		s.Mapping.Rename = append(s.Mapping.Rename, Rename{From: x[0], To: x[1]})
	}
	for _, x := range r.Mapping.Add {
		s.Mapping.Add = append(s.Mapping.Add, Constant{Name: x[0], Value: x[1]})
	}
	return nil
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Save validates s and stores it, inserting or replacing the subscription
// with its ID. It fills in an empty ID ("sub_…"), a zero CreatedAt, an empty
// Signing (SignStandard) and, for Standard Webhooks signing, an empty Secret
// (a fresh "whsec_…"). Saving an
// enabled subscription clears DisabledReason; saving a disabled one fails
// its pending deliveries. LastAt, LastStatus and LastError are kept as
// stored. Pending retries use the saved settings from their next attempt.
// Errors wrap ErrInvalid for an invalid subscription.
func (s *Store) Save(ctx context.Context, sub *Subscription) error {
	now := s.now()
	if sub.Signing == "" {
		sub.Signing = SignStandard
	}
	if sub.Signing == SignStandard && sub.Secret == "" {
		sub.Secret = verify.NewSecret()
	}
	if err := sub.Validate(); err != nil {
		return fmt.Errorf("relay: save: %w", err)
	}
	if sub.ID == "" {
		sub.ID = "sub_" + s.ids.New(now)
	}
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = now
	}
	if sub.Enabled {
		sub.DisabledReason = ""
	}
	spec, err := encodeSub(sub)
	if err != nil {
		return fmt.Errorf("relay: save subscription %s: %w", sub.ID, err)
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO relay_subscriptions(id, name, spec, enabled, disabled_reason,
			created_at, last_at, last_status, last_error) VALUES(?,?,?,?,?,?,0,0,'')
			ON CONFLICT(id) DO UPDATE SET name = excluded.name, spec = excluded.spec, enabled = excluded.enabled,
			disabled_reason = excluded.disabled_reason, created_at = excluded.created_at`,
			sub.ID, sub.Name, spec, sub.Enabled, sub.DisabledReason, nanos(sub.CreatedAt)); err != nil {
			return err
		}
		if !sub.Enabled {
			return failPending(ctx, tx, sub.ID, sub.DisabledReason)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("relay: save subscription %s: %w", sub.ID, err)
	}
	return nil
}

// failPending fails the pending and retrying deliveries of a subscription
// that was disabled.
func failPending(ctx context.Context, tx *sql.Tx, subID, reason string) error {
	msg := "subscription disabled"
	if reason != "" {
		msg += ": " + reason
	}
	_, err := tx.ExecContext(ctx, `UPDATE relay_deliveries SET outcome = 'failed', next_at = 0, last_error = ?
		WHERE subscription_id = ? AND outcome IN ('pending', 'retrying')`, msg, subID)
	return err
}

const subCols = `id, name, spec, enabled, disabled_reason, created_at, last_at, last_status, last_error`

func scanSub(sc interface{ Scan(...any) error }) (Subscription, error) {
	var (
		sub             Subscription
		spec            string
		created, lastAt int64
		enabled         bool
	)
	if err := sc.Scan(&sub.ID, &sub.Name, &spec, &enabled, &sub.DisabledReason, &created, &lastAt,
		&sub.LastStatus, &sub.LastError); err != nil {
		return Subscription{}, err
	}
	sub.Enabled = enabled
	sub.CreatedAt, sub.LastAt = fromNanos(created), fromNanos(lastAt)
	if err := decodeSub(spec, &sub); err != nil {
		return Subscription{}, fmt.Errorf("subscription %s settings: %w", sub.ID, err)
	}
	return sub, nil
}

// Subscriptions returns every subscription, oldest first.
func (s *Store) Subscriptions(ctx context.Context) ([]Subscription, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+subCols+` FROM relay_subscriptions ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("relay: subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSub(rows)
		if err != nil {
			return nil, fmt.Errorf("relay: subscriptions: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relay: subscriptions: %w", err)
	}
	return out, nil
}

// Subscription returns one subscription; the error wraps ErrNotFound when
// there is none with that id.
func (s *Store) Subscription(ctx context.Context, id string) (Subscription, error) {
	sub, err := scanSub(s.db.Read.QueryRowContext(ctx, `SELECT `+subCols+` FROM relay_subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("relay: subscription %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("relay: subscription %s: %w", id, err)
	}
	return sub, nil
}

// Delete removes a subscription with its deliveries and their attempts.
// An attempt in flight at the time is not recorded. The error wraps
// ErrNotFound for an unknown id.
func (s *Store) Delete(ctx context.Context, id string) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM relay_subscriptions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM relay_attempts WHERE delivery_id IN
			(SELECT id FROM relay_deliveries WHERE subscription_id = ?)`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM relay_deliveries WHERE subscription_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("relay: delete subscription %s: %w", id, err)
	}
	return nil
}

// SetEnabled enables or disables a subscription. Disabling records reason
// as DisabledReason ("" for a user's choice) and fails its pending and
// retrying deliveries ("subscription disabled"); enabling clears the
// reason. Failed deliveries stay failed (Dispatcher.RetryNow revives one).
// The error wraps ErrNotFound for an unknown id.
func (s *Store) SetEnabled(ctx context.Context, id string, on bool, reason string) error {
	if on {
		reason = ""
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE relay_subscriptions SET enabled = ?, disabled_reason = ? WHERE id = ?`, on, reason, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if !on {
			return failPending(ctx, tx, id, reason)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("relay: enable subscription %s: %w", id, err)
	}
	return nil
}

// SaveTemplate stores t as a custom template of its event, replacing the
// template of the same event and name. t needs an Event, a Name and a body
// that is valid JSON; errors wrap ErrInvalid otherwise.
func (s *Store) SaveTemplate(ctx context.Context, t Template) error {
	var ps problems
	if strings.TrimSpace(t.Event) == "" {
		ps.add("Event", "Pick the event the template is for.")
	}
	if strings.TrimSpace(t.Name) == "" {
		ps.add("Name", "Give the template a name.")
	}
	if _, err := events.ParseJSON(t.Body); err != nil {
		ps.add("Body", "The body must be JSON (%v); fix it or capture a JSON request.", err)
	}
	if err := ps.err(fmt.Sprintf("template %q", t.Name)); err != nil {
		return fmt.Errorf("relay: save template: %w", err)
	}
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO relay_templates(event, name, body, created_at) VALUES(?,?,?,?)
		ON CONFLICT(event, name) DO UPDATE SET body = excluded.body`, t.Event, t.Name, t.Body, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("relay: save template %q: %w", t.Name, err)
	}
	return nil
}

// Templates returns the custom templates of event (every event when "") in
// the order they were first saved.
func (s *Store) Templates(ctx context.Context, event string) ([]Template, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT event, name, body FROM relay_templates
		WHERE ? = '' OR event = ? ORDER BY created_at, event, name`, event, event)
	if err != nil {
		return nil, fmt.Errorf("relay: templates: %w", err)
	}
	defer rows.Close()
	var out []Template
	for rows.Next() {
		var t Template
		if err := rows.Scan(&t.Event, &t.Name, &t.Body); err != nil {
			return nil, fmt.Errorf("relay: templates: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relay: templates: %w", err)
	}
	return out, nil
}

// DeleteTemplate removes a custom template; the error wraps ErrNotFound
// when there is none.
func (s *Store) DeleteTemplate(ctx context.Context, event, name string) error {
	res, err := s.db.Write.ExecContext(ctx, `DELETE FROM relay_templates WHERE event = ? AND name = ?`, event, name)
	if err == nil {
		if n, _ := res.RowsAffected(); n == 0 {
			err = ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("relay: delete template %q: %w", name, err)
	}
	return nil
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
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("relay: deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
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
		headers, body, body_size, class, err, next_at FROM relay_attempts WHERE delivery_id = ? ORDER BY n`, deliveryID)
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
			&a.BodySize, &class, &a.Err, &next); err != nil {
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

// insertDeliveries stores ds in one transaction.
func (s *Store) insertDeliveries(ctx context.Context, ds []Delivery) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO relay_deliveries(`+deliveryCols+`) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, d := range ds {
			if _, err := st.ExecContext(ctx, d.ID, d.SubscriptionID, d.SubscriptionName, d.Event, d.Payload,
				nanos(d.CreatedAt), string(d.Outcome), d.Attempts, nanos(d.NextAt), d.LastStatus, d.LastError,
				string(d.LastClass)); err != nil {
				return err
			}
		}
		return nil
	})
}

// dueIDs returns up to limit ids of deliveries due at now, earliest first.
func (s *Store) dueIDs(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id FROM relay_deliveries WHERE next_at > 0 AND next_at <= ?
		ORDER BY next_at, id LIMIT ?`, now.UnixNano(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// nextDue returns the earliest NextAt after now, if any.
func (s *Store) nextDue(ctx context.Context, now time.Time) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.db.Read.QueryRowContext(ctx, `SELECT min(next_at) FROM relay_deliveries WHERE next_at > 0 AND next_at > ?`,
		now.UnixNano()).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	return time.Unix(0, next.Int64), true, nil
}

// dueRow is a claimed delivery with its subscription's stored settings.
type dueRow struct {
	d       Delivery
	subSpec sql.NullString // NULL: the subscription is gone
	subName string
	enabled bool
	reason  string
}

// loadDue reads the deliveries ids with their subscriptions.
func (s *Store) loadDue(ctx context.Context, ids []string) ([]dueRow, error) {
	q := `SELECT d.id, d.subscription_id, d.subscription_name, d.event, d.payload, d.created_at, d.outcome,
		d.attempts, d.next_at, d.last_status, d.last_error, d.last_class,
		s.spec, coalesce(s.name, ''), coalesce(s.enabled, 0), coalesce(s.disabled_reason, '')
		FROM relay_deliveries d LEFT JOIN relay_subscriptions s ON s.id = d.subscription_id
		WHERE d.id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dueRow
	for rows.Next() {
		var r dueRow
		d, err := scanDelivery(rows, &r.subSpec, &r.subName, &r.enabled, &r.reason)
		if err != nil {
			return nil, err
		}
		r.d = d
		out = append(out, r)
	}
	return out, rows.Err()
}

// update is a delivery's new state after an attempt (or after finding it
// cannot be attempted), for commitChanges.
type update struct {
	d       Delivery
	attempt *Attempt // nil: nothing was sent
	// disable, when set, disables the subscription with this reason.
	disable string
}

// commitChanges records a batch of changes in one transaction and returns
// the ids of the deliveries that still existed.
func (s *Store) commitChanges(ctx context.Context, batch []update) ([]string, error) {
	var applied []string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		applied = applied[:0]
		upd, err := tx.PrepareContext(ctx, `UPDATE relay_deliveries SET attempts = ?,
			last_status = ?, last_error = ?, last_class = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		// The outcome only moves on from a live state: a delivery failed
		// while its attempt was in flight (its subscription disabled, a 410
		// on another delivery) stays failed, unless this attempt succeeded.
		out, err := tx.PrepareContext(ctx, `UPDATE relay_deliveries SET outcome = ?, next_at = ?
			WHERE id = ? AND (outcome IN ('pending', 'retrying') OR ? = 'succeeded')`)
		if err != nil {
			return err
		}
		defer out.Close()
		var ins *sql.Stmt
		type last struct {
			at     time.Time
			status int
			err    string
		}
		lasts := map[string]last{}
		for _, c := range batch {
			d := c.d
			res, err := upd.ExecContext(ctx, d.Attempts, d.LastStatus, d.LastError, string(d.LastClass), d.ID)
			if err != nil {
				return fmt.Errorf("delivery %s: %w", d.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // deleted with its subscription meanwhile
			}
			res, err = out.ExecContext(ctx, string(d.Outcome), nanos(d.NextAt), d.ID, string(d.Outcome))
			if err != nil {
				return fmt.Errorf("delivery %s: %w", d.ID, err)
			}
			stillLive := true
			if n, _ := res.RowsAffected(); n == 0 {
				stillLive = false // failed meanwhile: no retry is scheduled
			}
			applied = append(applied, d.ID)
			a := c.attempt
			if a != nil && !stillLive {
				a.NextAt = time.Time{}
			}
			if a == nil {
				continue
			}
			if ins == nil {
				if ins, err = tx.PrepareContext(ctx, `INSERT OR REPLACE INTO relay_attempts(delivery_id, n, at, url,
					request_headers, status, latency, headers, body, body_size, class, err, next_at)
					VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)`); err != nil {
					return err
				}
				defer ins.Close()
			}
			reqHdr, err := json.Marshal(a.RequestHeaders)
			if err != nil {
				return err
			}
			hdr, err := json.Marshal(a.Headers)
			if err != nil {
				return err
			}
			body := a.Body
			if body == nil {
				body = []byte{}
			}
			if _, err := ins.ExecContext(ctx, a.DeliveryID, a.N, nanos(a.At), a.URL, string(reqHdr), a.Status,
				int64(a.Latency), string(hdr), body, a.BodySize, string(a.Class), a.Err, nanos(a.NextAt)); err != nil {
				return fmt.Errorf("attempt %d of %s: %w", a.N, a.DeliveryID, err)
			}
			if l, ok := lasts[d.SubscriptionID]; !ok || !a.At.Before(l.at) {
				lasts[d.SubscriptionID] = last{a.At, a.Status, a.Err}
			}
		}
		for id, l := range lasts {
			if _, err := tx.ExecContext(ctx, `UPDATE relay_subscriptions SET last_at = ?, last_status = ?, last_error = ?
				WHERE id = ? AND last_at <= ?`, nanos(l.at), l.status, l.err, id, nanos(l.at)); err != nil {
				return fmt.Errorf("subscription %s: %w", id, err)
			}
		}
		for _, c := range batch {
			if c.disable == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE relay_subscriptions SET enabled = 0, disabled_reason = ? WHERE id = ?`,
				c.disable, c.d.SubscriptionID); err != nil {
				return fmt.Errorf("subscription %s: %w", c.d.SubscriptionID, err)
			}
			if err := failPending(ctx, tx, c.d.SubscriptionID, c.disable); err != nil {
				return fmt.Errorf("subscription %s: %w", c.d.SubscriptionID, err)
			}
		}
		return nil
	})
	return applied, err
}

// retryNow makes a delivery due at now. Succeeded and failed deliveries
// become retrying.
func (s *Store) retryNow(ctx context.Context, id string, now time.Time) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var (
			enabled      sql.NullBool
			reason, name sql.NullString
		)
		err := tx.QueryRowContext(ctx, `SELECT s.enabled, s.disabled_reason, s.name FROM relay_deliveries d
			LEFT JOIN relay_subscriptions s ON s.id = d.subscription_id WHERE d.id = ?`, id).Scan(&enabled, &reason, &name)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !enabled.Valid {
			return fmt.Errorf("%w: its subscription was deleted", ErrInvalid)
		}
		if !enabled.Bool {
			why := ""
			if reason.String != "" {
				why = " (" + reason.String + ")"
			}
			return fmt.Errorf("%w: subscription %q is disabled%s; enable it first", ErrInvalid, name.String, why)
		}
		_, err = tx.ExecContext(ctx, `UPDATE relay_deliveries SET next_at = ?,
			outcome = CASE outcome WHEN 'pending' THEN 'pending' ELSE 'retrying' END WHERE id = ?`, now.UnixNano(), id)
		return err
	})
}
