package outbound

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// TestProblemKeys: a problem carries its sentence as a key with
// placeholders and the values to fill them with, so a window can
// translate it; the English sentence is unchanged.
func TestProblemKeys(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format string
		args   []any
		key    string
		data   map[string]any
	}{
		{"no verb", "Give the subscription a name.", nil, "Give the subscription a name.", nil},
		{"quoted", "Event %q is not a machine name; use %s.", []any{"Client created", "client.created"},
			"Event {{.A1}} is not a machine name; use {{.A2}}.", map[string]any{"A1": `"Client created"`, "A2": "client.created"}},
		{"percent and number", "Jitter %g is more than 1 (100 %%); use a fraction such as 0.2.", []any{1.5},
			"Jitter {{.A1}} is more than 1 (100 %); use a fraction such as 0.2.", map[string]any{"A1": "1.5"}},
		{"width", "Rename %3d: %v", []any{7, errors.New("bad")}, "Rename {{.A1}}: {{.A2}}", map[string]any{"A1": "  7", "A2": "bad"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProblem("F", tc.format, tc.args...)
			if p.Message != fmt.Sprintf(tc.format, tc.args...) || p.Key != tc.key || !reflect.DeepEqual(p.Data, tc.data) || p.Field != "F" {
				t.Errorf("%+v", p)
			}
		})
	}
}

// TestProblemsOf: ParseRetry's and Validate's errors list their problems,
// keyed; ParseRetry keeps its command-line text.
func TestProblemsOf(t *testing.T) {
	_, err := ParseRetry("linear:fivex30s")
	ps := ProblemsOf(err)
	if !errors.Is(err, ErrInvalid) || len(ps) != 1 || ps[0].Key != "linear count {{.A1}} is not a whole number" || ps[0].Data["A1"] != `"five"` {
		t.Errorf("ParseRetry: %v %+v", err, ps)
	}
	if want := `invalid: retry "linear:fivex30s": linear count "five" is not a whole number; want ` + RetryUsage; err.Error() != want {
		t.Errorf("text %q", err.Error())
	}
	_, err = ParseRetry("linear:5x200h")
	if ps := ProblemsOf(err); len(ps) != 1 || ps[0].Key != "A linear retry's interval must be more than 0 and at most 7 days, not {{.A1}}." {
		t.Errorf("ParseRetry validation: %v %+v", err, ps)
	}
	s := NewSubscription()
	if ps := ProblemsOf(s.Validate()); len(ps) == 0 || ps[0].Key == "" {
		t.Errorf("Validate: %+v", ps)
	}
	if ProblemsOf(errors.New("x")) != nil {
		t.Error("a plain error has problems")
	}
}
