package capture

import (
	"context"
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
