package capture

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// DedupeWindow is how long a delivery id or body is remembered: a sender
// retrying within it is shown as repeating the earlier capture.
const DedupeWindow = 10 * time.Minute

// deliveryHeaders carry a sender's own delivery id, stable across retries.
var deliveryHeaders = []string{"webhook-id", "svix-id", "X-GitHub-Delivery"}

// dedupeKey says what identifies r's delivery at path: the sender's
// delivery id when it sends one (a retry of the same event keeps it), else
// method, target and body. The same event sent to two endpoints is two
// deliveries, so the path is part of every key. Empty bodies without an id
// are not compared: two bare GETs are not the same delivery. Keys are
// hashed: ids are sender-controlled and may be huge.
func dedupeKey(r *Request, path string) string {
	kind, id := "id", ""
	for _, h := range deliveryHeaders {
		if v := r.Headers.Get(h); v != "" {
			id = v
			break
		}
	}
	if id == "" {
		id = stripeEventID(r)
	}
	sum := sha256.New()
	if id != "" {
		fmt.Fprintf(sum, "%s\n%s", path, id)
	} else {
		if len(r.Body) == 0 {
			return ""
		}
		kind = "body"
		fmt.Fprintf(sum, "%s %s\n", r.Method, r.Target)
		sum.Write(r.Body)
	}
	return kind + ":" + hex.EncodeToString(sum.Sum(nil)[:16])
}

// stripeEventID returns the event id ("evt_…") of a Stripe delivery, whose
// retries repeat it in the body rather than in a header.
func stripeEventID(r *Request) string {
	if r.Headers.Get("Stripe-Signature") == "" && !bytes.Contains(r.Body, []byte(`"evt_`)) {
		return ""
	}
	if len(r.Body) > 1<<20 {
		return ""
	}
	var ev struct {
		ID     string `json:"id"`
		Object string `json:"object"`
	}
	if json.Unmarshal(r.Body, &ev) != nil || len(ev.ID) < 5 || ev.ID[:4] != "evt_" {
		return ""
	}
	return ev.ID
}

// dedupe remembers recent delivery keys. Safe for concurrent use.
type dedupe struct {
	mu    sync.Mutex
	seen  map[string]seenEntry
	order []orderEntry // sightings in arrival order, for expiry…
	head  int          // …of which order[:head] are already expired
}

type seenEntry struct {
	id string
	at time.Time
}

type orderEntry struct {
	key string
	at  time.Time
}

// check returns the id of an earlier capture with key within the window,
// and remembers this one (id at now) as the newest holder of key.
func (d *dedupe) check(key, id string, now time.Time) string {
	if key == "" {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(now)
	if d.seen == nil {
		d.seen = make(map[string]seenEntry)
	}
	var prev string
	if e, ok := d.seen[key]; ok && now.Sub(e.at) <= DedupeWindow {
		prev = e.id
	}
	// Keep pointing at the first delivery, not at the latest retry, so
	// every retry names the same original; but each sighting restarts the
	// window, since the id "has been seen" again.
	orig := prev
	if orig == "" {
		orig = id
	}
	d.seen[key] = seenEntry{id: orig, at: now}
	d.order = append(d.order, orderEntry{key: key, at: now})
	return prev
}

func (d *dedupe) expire(now time.Time) {
	for d.head < len(d.order) && now.Sub(d.order[d.head].at) > DedupeWindow {
		o := d.order[d.head]
		// A key seen again since keeps its entry: only its last
		// sighting expires it.
		if e, ok := d.seen[o.key]; ok && !e.at.After(o.at) {
			delete(d.seen, o.key)
		}
		d.order[d.head] = orderEntry{}
		d.head++
	}
	// Compact once half is dead: amortised O(1) per sighting.
	if d.head > 0 && d.head >= len(d.order)/2 {
		d.order = append(d.order[:0], d.order[d.head:]...)
		d.head = 0
	}
}

// restart makes id the first delivery of key.
func (d *dedupe) restart(key, id string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen[key] = seenEntry{id: id, at: now}
}

// forget undoes check for a capture that was never stored, so a retry is
// not called a duplicate of nothing.
func (d *dedupe) forget(key, id string) {
	if key == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.seen[key]; ok && e.id == id {
		delete(d.seen, key)
	}
}

// DedupeEntry is a stored capture's delivery key, to restore the window:
// ID is the first delivery's id, At when the key was last seen.
type DedupeEntry struct {
	ID, Key string
	At      time.Time
}

// RecentDeliveries returns the delivery keys of the captures received since
// since, oldest first, so duplicate detection survives a restart.
func (s *Store) RecentDeliveries(ctx context.Context, since time.Time) ([]DedupeEntry, error) {
	// ULIDs sort by time: a bound id uses the primary index, no scan.
	lo := encodeULID(uint64(since.UnixMilli()), 0, 0)
	rows, err := s.db.Read.QueryContext(ctx,
		`SELECT id, dedupe_key, received_at, duplicate_of FROM captures WHERE id >= ? AND dedupe_key != '' ORDER BY id`, lo)
	if err != nil {
		return nil, fmt.Errorf("recent deliveries: %w", err)
	}
	defer rows.Close()
	var out []DedupeEntry
	for rows.Next() {
		var e DedupeEntry
		var ns int64
		var orig string
		if err := rows.Scan(&e.ID, &e.Key, &ns, &orig); err != nil {
			return nil, fmt.Errorf("recent deliveries: %w", err)
		}
		if orig != "" {
			e.ID = orig // a retry: the window keeps naming the first delivery
		}
		e.At = time.Unix(0, ns)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent deliveries: %w", err)
	}
	return out, nil
}

// seed loads entries (oldest first) into the window.
func (d *dedupe) seed(entries []DedupeEntry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = make(map[string]seenEntry)
	}
	for _, e := range entries {
		d.seen[e.Key] = seenEntry{id: e.ID, at: e.At}
		d.order = append(d.order, orderEntry{key: e.Key, at: e.At})
	}
}
