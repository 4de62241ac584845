package outbound

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gancho-app/gancho/internal/database"
)

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
	return database.Collect(rows, database.String)
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
					request_headers, status, latency, headers, body, body_size, class, err, next_at, request_body,
					request_body_size) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`); err != nil {
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
			reqBody := a.RequestBody
			if reqBody == nil {
				reqBody = []byte{}
			}
			if _, err := ins.ExecContext(ctx, a.DeliveryID, a.N, nanos(a.At), a.URL, string(reqHdr), a.Status,
				int64(a.Latency), string(hdr), body, a.BodySize, string(a.Class), a.Err, nanos(a.NextAt), reqBody,
				a.RequestBodySize); err != nil {
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
