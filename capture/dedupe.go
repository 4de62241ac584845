package capture

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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
	id := ""
	for _, h := range deliveryHeaders {
		if v := r.Headers.Get(h); v != "" {
			id = v
			break
		}
	}
	if id == "" {
		id = stripeEventID(r)
	}
	// Written straight into the hash: this runs on every capture.
	sum := sha256.New()
	var kind string
	if id != "" {
		kind = "id:"
		io.WriteString(sum, path)
		io.WriteString(sum, "\n")
		io.WriteString(sum, id)
	} else {
		if len(r.Body) == 0 {
			return ""
		}
		kind = "body:"
		io.WriteString(sum, r.Method)
		io.WriteString(sum, " ")
		io.WriteString(sum, r.Target)
		io.WriteString(sum, "\n")
		sum.Write(r.Body)
	}
	var d [sha256.Size]byte
	var out [len("body:") + 32]byte
	n := copy(out[:], kind)
	n += hex.Encode(out[n:], sum.Sum(d[:0])[:16])
	return string(out[:n])
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

// maxDedupeKeys bounds the duplicate window's memory (about 200 bytes a
// key): past it the oldest deliveries are forgotten before their window
// ends. Retries come within minutes; a sender of more than 80 distinct
// deliveries a second for 10 minutes gets a shorter window, not a
// growing process.
const maxDedupeKeys = 50_000

// dedupe remembers recent delivery keys. Safe for concurrent use. Its
// memory is one map entry and at most one queue entry per key, whatever
// the number of sightings: a sender retrying the same delivery (or a load
// test posting one body) must not grow it.
type dedupe struct {
	mu    sync.Mutex
	seen  map[string]seenEntry
	order []orderEntry // keys by when they were queued, for expiry…
	head  int          // …of which order[:head] are already consumed
}

type seenEntry struct {
	id     string    // the first delivery
	at     time.Time // the last sighting
	queued time.Time // at of this key's live order entry
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
	e, ok := d.seen[key]
	var prev string
	if ok && now.Sub(e.at) <= DedupeWindow {
		prev = e.id
	}
	// Keep pointing at the first delivery, not at the latest retry, so
	// every retry names the same original; but each sighting restarts the
	// window, since the id "has been seen" again.
	orig := prev
	if orig == "" {
		orig = id
	}
	d.put(key, orig, now)
	return prev
}

// put sets key's entry, queueing the key for expiry if it is new. Called
// with mu held.
func (d *dedupe) put(key, id string, now time.Time) {
	if d.seen == nil {
		d.seen = make(map[string]seenEntry)
	}
	e, ok := d.seen[key]
	if !ok {
		for len(d.seen) >= maxDedupeKeys && d.pop(now, true) {
		}
		e.queued = now
		d.order = append(d.order, orderEntry{key: key, at: now})
	}
	e.id, e.at = id, now
	d.seen[key] = e
}

// pop consumes the oldest order entry. A stale one (its key forgotten or
// queued again since) is just dropped. A live one is dropped with its key
// when force is set or the key was last seen more than DedupeWindow before
// now; otherwise the key is queued again at its last sighting. It reports
// false once the queue is empty.
func (d *dedupe) pop(now time.Time, force bool) bool {
	if d.head >= len(d.order) {
		return false
	}
	o := d.order[d.head]
	d.order[d.head] = orderEntry{}
	d.head++
	if e, ok := d.seen[o.key]; ok && e.queued.Equal(o.at) {
		if force || now.Sub(e.at) > DedupeWindow {
			delete(d.seen, o.key)
		} else {
			e.queued = e.at
			d.seen[o.key] = e
			d.order = append(d.order, orderEntry{key: o.key, at: e.at})
		}
	}
	// Compact once half is consumed: amortised O(1) per entry.
	if d.head > 0 && d.head >= len(d.order)/2 {
		d.order = append(d.order[:0], d.order[d.head:]...)
		d.head = 0
	}
	return true
}

// expire forgets the keys last seen more than DedupeWindow before now. A
// key seen again since it was queued is queued again at its last
// sighting, so a key behind it in the queue may be forgotten up to one
// window late: that costs memory only, since check compares the sighting
// times itself.
func (d *dedupe) expire(now time.Time) {
	for d.head < len(d.order) && now.Sub(d.order[d.head].at) > DedupeWindow {
		d.pop(now, false)
	}
}

// restart makes id the first delivery of key.
func (d *dedupe) restart(key, id string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.put(key, id, now)
}

// forget undoes check for a capture that was never stored, so a retry is
// not called a duplicate of nothing. Its queue entry goes stale and is
// dropped when reached.
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
	for _, e := range entries {
		d.put(e.Key, e.ID, e.At)
	}
}
