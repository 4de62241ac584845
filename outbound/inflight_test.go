package outbound

import (
	"context"
	"testing"
	"time"
)

// TestFailedWhileInFlight: a delivery failed while its attempt was in
// flight (its subscription disabled) stays failed when the attempt's
// result comes back, unless that attempt succeeded.
func TestFailedWhileInFlight(t *testing.T) {
	tests := []struct {
		name    string
		result  Outcome
		want    Outcome
		wantDue bool
	}{
		{"a failed attempt does not revive it", OutcomeRetrying, OutcomeFailed, false},
		{"a success is still a success", OutcomeSucceeded, OutcomeSucceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t)
			s := saveSub(t, st, testSub("http://127.0.0.1:1/in"))
			d := &Dispatcher{Store: st}
			ds, err := d.Fire(ctx, "client.created", testPayload(), "")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetEnabled(ctx, s.ID, false, "disabled by the user"); err != nil {
				t.Fatal(err)
			}
			next := time.Now().Add(time.Hour)
			dl := ds[0]
			dl.Outcome, dl.Attempts, dl.NextAt, dl.LastStatus = tt.result, 1, next, 500
			a := &Attempt{DeliveryID: dl.ID, N: 1, At: time.Now(), Status: 500, NextAt: next}
			if _, err := st.commitChanges(ctx, []update{{d: dl, attempt: a}}); err != nil {
				t.Fatal(err)
			}
			got, err := st.Delivery(ctx, dl.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Outcome != tt.want || got.Attempts != 1 || !got.NextAt.IsZero() && !tt.wantDue && tt.want == OutcomeFailed {
				t.Errorf("outcome %s, attempts %d, next %v; want %s", got.Outcome, got.Attempts, got.NextAt, tt.want)
			}
			as, err := st.Attempts(ctx, dl.ID)
			if err != nil || len(as) != 1 {
				t.Fatalf("attempts %v %v", as, err)
			}
			if tt.want == OutcomeFailed && !as[0].NextAt.IsZero() {
				t.Errorf("the attempt promises a retry at %v", as[0].NextAt)
			}
		})
	}
}
