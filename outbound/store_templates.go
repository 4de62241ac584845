package outbound

import (
	"context"
	"fmt"
	"strings"

	"github.com/gancho-app/gancho/events"
)

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
