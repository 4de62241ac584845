package outbound

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/replay"
)

func TestStoreSubscriptions(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	full := Subscription{
		Name: "Everything", Events: []string{"client.created", "sale.created"}, URL: "https://example.com/in?x=1",
		Method: "GET", Format: FormatForm,
		Headers: capture.Headers{{Name: "Authorization", Value: "Bearer 1"}, {Name: "X-A", Value: "a"}, {Name: "X-A", Value: "b"}},
		Mapping: Mapping{Rename: []Rename{{"client.name", "nome"}}, Exclude: []string{"tags"}, Add: []Constant{{"meta.src", "g"}}},
		Signing: SignGitHub, Secret: "s3cret", SignQuery: true, Timeout: 10 * time.Second,
		Retry:   RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{0, time.Second, time.Minute}, Jitter: 0.1, Compress: 60},
		Enabled: true,
	}
	tests := []struct {
		name string
		sub  Subscription
	}{
		{"every field", full},
		{"defaults", func() Subscription { s := testSub("http://localhost:3000/"); s.Secret = ""; return s }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.sub
			if err := st.Save(ctx, &s); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s.ID, "sub_") || s.CreatedAt.IsZero() || s.Secret == "" {
				t.Fatalf("Save did not fill ID, CreatedAt, Secret: %+v", s)
			}
			got, err := st.Subscription(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.CreatedAt = s.CreatedAt.Round(0) // drop the monotonic reading
			got.CreatedAt = got.CreatedAt.In(s.CreatedAt.Location())
			if !reflect.DeepEqual(got, s) {
				t.Errorf("stored\n%+v\nwant\n%+v", got, s)
			}
		})
	}
	all, err := st.Subscriptions(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "Everything" {
		t.Fatalf("Subscriptions = %d, %v", len(all), err)
	}

	t.Run("invalid", func(t *testing.T) {
		s := testSub("mailto:x")
		if err := st.Save(ctx, &s); !errors.Is(err, ErrInvalid) || s.ID != "" {
			t.Errorf("Save(invalid) = %v, ID %q", err, s.ID)
		}
	})
	t.Run("not found", func(t *testing.T) {
		for name, err := range map[string]error{
			"Subscription": func() error { _, err := st.Subscription(ctx, "sub_x"); return err }(),
			"Delete":       st.Delete(ctx, "sub_x"),
			"SetEnabled":   st.SetEnabled(ctx, "sub_x", true, ""),
			"Delivery":     func() error { _, err := st.Delivery(ctx, "msg_x"); return err }(),
		} {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s = %v, want ErrNotFound", name, err)
			}
		}
	})
	t.Run("Save keeps Last fields and clears DisabledReason", func(t *testing.T) {
		s := all[1]
		if _, err := st.db.Write.Exec(`UPDATE relay_subscriptions SET last_at = 5, last_status = 500, last_error = 'boom' WHERE id = ?`, s.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.SetEnabled(ctx, s.ID, false, "410 Gone"); err != nil {
			t.Fatal(err)
		}
		off, _ := st.Subscription(ctx, s.ID)
		if off.Enabled || off.DisabledReason != "410 Gone" {
			t.Errorf("after SetEnabled(false): %v %q", off.Enabled, off.DisabledReason)
		}
		off.Enabled, off.URL = true, "http://localhost:4000/"
		if err := st.Save(ctx, &off); err != nil {
			t.Fatal(err)
		}
		got, _ := st.Subscription(ctx, s.ID)
		if !got.Enabled || got.DisabledReason != "" || got.URL != "http://localhost:4000/" || got.LastStatus != 500 || got.LastError != "boom" || got.LastAt.UnixNano() != 5 {
			t.Errorf("after Save: %+v", got)
		}
	})
	t.Run("Delete takes deliveries and attempts along", func(t *testing.T) {
		s := all[1]
		h := newHarness(t, st, nil)
		ds := h.fire(s.ID)
		if _, err := st.commitChanges(ctx, []update{{d: Delivery{ID: ds[0].ID, SubscriptionID: s.ID, Outcome: OutcomeFailed, Attempts: 1},
			attempt: &Attempt{DeliveryID: ds[0].ID, N: 1, At: time.Now()}}}); err != nil {
			t.Fatal(err)
		}
		if as := h.attempts(ds[0].ID); len(as) != 1 {
			t.Fatalf("%d attempts", len(as))
		}
		if err := st.Delete(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Delivery(ctx, ds[0].ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("delivery after Delete: %v", err)
		}
		var n int
		st.db.Read.QueryRow(`SELECT count(*) FROM relay_attempts`).Scan(&n)
		if n != 0 {
			t.Errorf("%d attempts left", n)
		}
		// A result arriving for a deleted delivery is dropped.
		applied, err := st.commitChanges(ctx, []update{{d: Delivery{ID: ds[0].ID, SubscriptionID: s.ID, Outcome: OutcomeSucceeded},
			attempt: &Attempt{DeliveryID: ds[0].ID, N: 2, At: time.Now()}}})
		if err != nil || len(applied) != 0 {
			t.Errorf("commit after Delete: %v, %v", applied, err)
		}
		st.db.Read.QueryRow(`SELECT count(*) FROM relay_attempts`).Scan(&n)
		if n != 0 {
			t.Errorf("orphan attempt stored")
		}
	})
}

func TestStoreTemplates(t *testing.T) {
	c := newClock(t0)
	st := openStore(t, c.Now)
	ctx := context.Background()
	for _, tp := range []Template{
		{Event: "client.created", Name: "from capture", Body: []byte(`{"a":1}`)},
		{Event: "sale.created", Name: "big sale", Body: []byte(`{"amount":1e9}`)},
		{Event: "client.created", Name: "edited", Body: []byte(`{"b":2}`)},
		{Event: "client.created", Name: "from capture", Body: []byte(`{"a":3}`)}, // replaces the first
	} {
		c.Add(time.Second) // saved one after the other
		if err := st.SaveTemplate(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		event string
		want  []string
	}{
		{"client.created", []string{`from capture {"a":3}`, `edited {"b":2}`}},
		{"sale.created", []string{`big sale {"amount":1e9}`}},
		{"", []string{`from capture {"a":3}`, `big sale {"amount":1e9}`, `edited {"b":2}`}},
		{"quote.created", nil},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			ts, err := st.Templates(ctx, tt.event)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tp := range ts {
				got = append(got, tp.Name+" "+string(tp.Body))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Templates(%q) = %q, want %q", tt.event, got, tt.want)
			}
		})
	}
	if err := st.SaveTemplate(ctx, Template{Event: "client.created", Body: []byte(`{`)}); !errors.Is(err, ErrInvalid) ||
		!strings.Contains(err.Error(), "Give the template a name.") || !strings.Contains(err.Error(), "The body must be JSON") {
		t.Errorf("SaveTemplate(bad) = %v", err)
	}
	if err := st.DeleteTemplate(ctx, "client.created", "edited"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteTemplate(ctx, "client.created", "edited"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteTemplate = %v", err)
	}
}

func TestStoreDeliveriesAndOutcomes(t *testing.T) {
	c := newClock(t0)
	st := openStore(t, c.Now)
	ctx := context.Background()
	a := saveSub(t, st, testSub("http://localhost:1/a"))
	b := testSub("http://localhost:1/b")
	b.Name, b.Events = "B", []string{"client.created", "sale.created"}
	b = saveSub(t, st, b)
	h := newHarness(t, st, c.Now)
	var all []Delivery
	// Minute 0: two client.created; minute 1: one sale.created; minute 3:
	// two client.created.
	for _, step := range []struct {
		at    time.Duration
		event string
	}{{0, "client.created"}, {time.Minute, "sale.created"}, {2 * time.Minute, "client.created"}} {
		c.Add(step.at - c.Now().Sub(t0))
		ds, err := h.d.Fire(ctx, step.event, testPayload(), "")
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ds...)
	}
	c.Add(time.Minute)
	// Outcomes: a[0] succeeded, b[0] retrying, a[2] failed, the rest pending.
	var batch []update
	for i, o := range map[int]Outcome{0: OutcomeSucceeded, 1: OutcomeRetrying, 3: OutcomeFailed} {
		d := all[i]
		d.Outcome, d.Attempts = o, 1
		batch = append(batch, update{d: d, attempt: &Attempt{DeliveryID: d.ID, N: 1, At: c.Now(), Status: 500, Class: replay.ClassNone, Err: "x"}})
	}
	if _, err := st.commitChanges(ctx, batch); err != nil {
		t.Fatal(err)
	}

	ids := func(ds []Delivery) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	rev := func(ds ...Delivery) []string {
		var out []string
		for i := len(ds) - 1; i >= 0; i-- {
			out = append(out, ds[i].ID)
		}
		return out
	}
	tests := []struct {
		name string
		q    DeliveryQuery
		want []string
	}{
		{"all, newest first", DeliveryQuery{}, rev(all...)},
		{"by subscription", DeliveryQuery{SubscriptionID: a.ID}, rev(all[0], all[3])},
		{"by event", DeliveryQuery{Event: "sale.created"}, rev(all[2])},
		{"by outcome", DeliveryQuery{Outcome: OutcomePending}, rev(all[2], all[4])},
		{"limit", DeliveryQuery{Limit: 2}, rev(all[3], all[4])},
		{"page", DeliveryQuery{Limit: 2, Before: all[3].ID}, rev(all[1], all[2])},
		{"combined", DeliveryQuery{SubscriptionID: b.ID, Event: "client.created"}, rev(all[1], all[4])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := st.Deliveries(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(ds); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Deliveries(%+v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}

	buckets, err := st.Outcomes(ctx, t0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// The store's clock, not the machine's, ends the range: t0+3 min gives
	// buckets 0..3 whatever today's date is.
	if len(buckets) != 4 {
		t.Fatalf("%d buckets, want 4 (t0 to the injected clock's t0+3m)", len(buckets))
	}
	want := []Bucket{
		{Start: t0, Succeeded: 1, Retrying: 1},
		{Start: t0.Add(time.Minute), Pending: 1},
		{Start: t0.Add(2 * time.Minute), Failed: 1, Pending: 1},
	}
	for i, w := range want {
		if !buckets[i].Start.Equal(w.Start) {
			t.Errorf("bucket %d starts %v, want %v", i, buckets[i].Start, w.Start)
		}
		buckets[i].Start = w.Start
		if buckets[i] != w {
			t.Errorf("bucket %d = %+v, want %+v", i, buckets[i], w)
		}
	}
	if _, err := st.Outcomes(ctx, t0, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Outcomes(step 0) = %v", err)
	}
	if _, err := st.Outcomes(ctx, t0, time.Millisecond); !errors.Is(err, ErrInvalid) {
		t.Errorf("Outcomes with millions of buckets = %v", err)
	}

	n, err := st.Prune(ctx, 1)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want the 2 finished ones", n, err)
	}
	left, _ := st.Deliveries(ctx, DeliveryQuery{})
	if got := ids(left); !reflect.DeepEqual(got, rev(all[1], all[2], all[4])) {
		t.Errorf("after Prune: %v", got)
	}
}
