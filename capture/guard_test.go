package capture

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimiterMemoryBounded(t *testing.T) {
	l := newLimiter(1, 1)
	now := time.Unix(1e9, 0)
	for i := range maxBuckets * 3 {
		l.allow(fmt.Sprintf("2001:db8:%x::1", i), now)
	}
	if len(l.buckets) > maxBuckets {
		t.Fatalf("%d buckets, want at most %d", len(l.buckets), maxBuckets)
	}
	// Newcomers past the cap share the overflow bucket: one token.
	if _, ok := l.allow("new-a", now); ok {
		t.Error("overflow bucket should be empty by now")
	}
	// Once idle clients refill, a sweep makes room again.
	later := now.Add(time.Hour)
	if _, ok := l.allow("new-b", later); !ok {
		t.Error("after the idle buckets refilled, a newcomer should get its own bucket")
	}
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets after the sweep, want 1", len(l.buckets))
	}
}

func TestClientKey(t *testing.T) {
	cases := []struct{ remote, want string }{
		{"198.51.100.7:5000", "198.51.100.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[::ffff:198.51.100.7]:1", "198.51.100.7"},
		{"not-an-address", "not-an-address"},
	}
	for _, tc := range cases {
		t.Run(tc.remote, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if got := clientKey(r); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDedupeWindow(t *testing.T) {
	var d dedupe
	t0 := time.Unix(1e9, 0)
	if d.check("k", "A", t0) != "" {
		t.Fatal("first sighting is a duplicate")
	}
	if got := d.check("k", "B", t0.Add(9*time.Minute)); got != "A" {
		t.Fatalf("retry at 9 min repeats %q, want A", got)
	}
	// Seen again at 9 min: still a duplicate of A at 18 min.
	if got := d.check("k", "C", t0.Add(18*time.Minute)); got != "A" {
		t.Fatalf("retry at 18 min repeats %q, want A", got)
	}
	if got := d.check("k", "D", t0.Add(29*time.Minute)); got != "" {
		t.Fatalf("after 11 quiet minutes: duplicate of %q, want a new delivery", got)
	}
	// Expiry keeps the bookkeeping small.
	for i := range 10000 {
		d.check(fmt.Sprint(i), "x", t0.Add(time.Hour+time.Duration(i)*time.Second))
	}
	if len(d.seen) > 700 || len(d.order)-d.head > 700 {
		t.Errorf("%d keys, %d live sightings: expired entries kept", len(d.seen), len(d.order)-d.head)
	}
	d.forget("9999", "x")
	if got := d.check("9999", "y", t0.Add(time.Hour+9999*time.Second)); got != "" {
		t.Errorf("forgotten key still seen as %q", got)
	}
}

// The window's memory must not grow with sightings: retries of one
// delivery (or a load test posting one body) keep one entry, and more
// distinct deliveries than maxDedupeKeys within the window forget the
// oldest instead of growing without end.
func TestDedupeMemoryBounded(t *testing.T) {
	t0 := time.Unix(1e9, 0)
	cases := []struct {
		name      string
		sightings int
		key       func(i int) string
		maxKeys   int
		maxQueued int
	}{
		{"one key seen 100k times", 100_000, func(int) string { return "same" }, 1, 2},
		{"more distinct keys than the cap", maxDedupeKeys + 20_000, func(i int) string { return fmt.Sprint(i) }, maxDedupeKeys, maxDedupeKeys * 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d dedupe
			for i := range tc.sightings {
				// 1 ms apart: all within one window.
				d.check(tc.key(i), fmt.Sprint("id", i), t0.Add(time.Duration(i)*time.Millisecond))
			}
			if len(d.seen) > tc.maxKeys || len(d.order)-d.head > tc.maxQueued {
				t.Errorf("%d keys, %d queued after %d sightings; want at most %d and %d",
					len(d.seen), len(d.order)-d.head, tc.sightings, tc.maxKeys, tc.maxQueued)
			}
			// The newest delivery is still recognised.
			last := tc.sightings - 1
			if got := d.check(tc.key(last), "again", t0.Add(time.Duration(last+1)*time.Millisecond)); got == "" {
				t.Error("the newest delivery was forgotten")
			}
		})
	}
	// A key re-queued at its last sighting still expires once quiet.
	var d dedupe
	d.check("k", "A", t0)
	d.check("k", "B", t0.Add(9*time.Minute))
	d.check("other", "C", t0.Add(11*time.Minute)) // k re-queued at 9 min
	d.check("other", "C", t0.Add(30*time.Minute))
	if _, ok := d.seen["k"]; ok {
		t.Error("a key quiet for 21 minutes is still kept")
	}
}

// Keys are stored with each capture and seed the window after a restart:
// their form must not change between versions.
func TestDedupeKeyStable(t *testing.T) {
	old := func(kind, text string) string {
		sum := sha256.Sum256([]byte(text))
		return kind + ":" + hex.EncodeToString(sum[:16])
	}
	withID := &Request{Method: "POST", Target: "/k3y/hooks?x=1", Headers: Headers{{Name: "Webhook-Id", Value: "msg_1"}}, Body: []byte("{}")}
	byBody := &Request{Method: "POST", Target: "/hooks?x=1", Body: []byte(`{"a":1}`)}
	cases := []struct {
		name string
		r    *Request
		path string
		want string
	}{
		{"delivery id", withID, "/hooks", old("id", "/hooks\nmsg_1")},
		{"body", byBody, "/hooks", old("body", "POST /hooks?x=1\n{\"a\":1}")},
		{"empty body", &Request{Method: "GET", Target: "/"}, "/", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := dedupeKey(tc.r, tc.path); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

type failingStore struct{}

func (failingStore) Append(context.Context, *Request) error { return errors.New("disk full") }

// A capture that could not be stored must not become the original of its
// sender's retry.
func TestFailedAppendForgetsDelivery(t *testing.T) {
	h := NewHandler(failingStore{}, 0)
	r := httptest.NewRequest("POST", "/x", nil)
	r.Header.Set("webhook-id", "msg_1")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 503 {
		t.Fatalf("status %d", w.Code)
	}
	if len(h.dedupe.seen) != 0 {
		t.Errorf("a failed capture stays in the duplicate window: %v", h.dedupe.seen)
	}
}
