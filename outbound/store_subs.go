package outbound

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/verify"
)

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
	out, err := database.Collect(rows, scanSub)
	if err != nil {
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
