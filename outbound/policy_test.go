package outbound

import (
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	sec  = time.Second
	mins = time.Minute
	hour = time.Hour
)

func TestSchedule(t *testing.T) {
	tests := []struct {
		name string
		p    RetryPolicy
		want []time.Duration
	}{
		{"zero is standard", RetryPolicy{}, []time.Duration{5 * sec, 5 * mins, 30 * mins, 2 * hour, 5 * hour, 10 * hour, 14 * hour, 20 * hour, 24 * hour}},
		{"standard", RetryPolicy{Kind: RetryStandard}, []time.Duration{5 * sec, 5 * mins, 30 * mins, 2 * hour, 5 * hour, 10 * hour, 14 * hour, 20 * hour, 24 * hour}},
		{"svix", RetryPolicy{Kind: RetrySvix}, []time.Duration{5 * sec, 5 * mins, 30 * mins, 2 * hour, 5 * hour, 10 * hour, 10 * hour}},
		{"linear", RetryPolicy{Kind: RetryLinear, Count: 3, Every: 30 * sec}, []time.Duration{30 * sec, 30 * sec, 30 * sec}},
		{"custom", RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{0, sec, mins}}, []time.Duration{0, sec, mins}},
		{"none", RetryPolicy{Kind: RetryNone}, nil},
		{"compression does not change the nominal schedule", RetryPolicy{Kind: RetrySvix, Compress: 60}, []time.Duration{5 * sec, 5 * mins, 30 * mins, 2 * hour, 5 * hour, 10 * hour, 10 * hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Schedule()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Schedule() = %v, want %v", got, tt.want)
			}
			if got != nil {
				got[0] = -1 // a fresh slice every call
				if tt.p.Schedule()[0] == -1 {
					t.Error("Schedule shares its slice")
				}
			}
		})
	}
}

func TestDelay(t *testing.T) {
	lo, mid, hi := func() float64 { return 0 }, func() float64 { return 0.5 }, func() float64 { return math.Nextafter(1, 0) }
	tests := []struct {
		name string
		p    RetryPolicy
		n    int
		rnd  func() float64
		want time.Duration // when ok
		ok   bool
	}{
		{"standard retry 1 at the middle", RetryPolicy{}, 1, mid, 5 * sec, true},
		{"default jitter low end", RetryPolicy{}, 2, lo, 4 * mins, true},
		{"default jitter high end", RetryPolicy{}, 2, hi, 6 * mins, true},
		{"custom jitter", RetryPolicy{Kind: RetryLinear, Count: 2, Every: 10 * sec, Jitter: 0.5}, 2, lo, 5 * sec, true},
		{"jitter off", RetryPolicy{Kind: RetryLinear, Count: 2, Every: 10 * sec, Jitter: -1}, 1, lo, 10 * sec, true},
		{"zero delay is not jittered", RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{0}}, 1, hi, 0, true},
		{"compressed: 5 min at 300 is 1 s", RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{5 * mins}, Jitter: -1, Compress: 300}, 1, nil, sec, true},
		{"compressed an hour into a minute", RetryPolicy{Kind: RetryStandard, Compress: 60}, 4, mid, 2 * mins, true},
		{"compress 1 is real time", RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{sec}, Compress: 1}, 1, mid, sec, true},
		{"past the schedule", RetryPolicy{Kind: RetrySvix}, 8, mid, 0, false},
		{"last svix retry", RetryPolicy{Kind: RetrySvix}, 7, mid, 10 * hour, true},
		{"none", RetryPolicy{Kind: RetryNone}, 1, mid, 0, false},
		{"retry 0", RetryPolicy{}, 0, mid, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.p.Delay(tt.n, tt.rnd)
			if ok != tt.ok || (ok && absDur(got-tt.want) > time.Microsecond) {
				t.Errorf("Delay(%d) = %v, %v; want %v, %v", tt.n, got, ok, tt.want, tt.ok)
			}
		})
	}
	// The real random source stays within ±20 %.
	for range 1000 {
		d, _ := RetryPolicy{}.Delay(1, nil)
		if d < 4*sec || d > 6*sec {
			t.Fatalf("Delay(1) = %v, outside 5s ± 20%%", d)
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// retryCases are ParseRetry's table; FuzzParseRetry is seeded from it.
var retryCases = []struct {
	spec string
	want RetryPolicy
	str  string // String() of the result
	err  string // in the error, when the spec is invalid
}{
	{spec: "standard", want: RetryPolicy{Kind: RetryStandard}, str: "standard"},
	{spec: " Svix ", want: RetryPolicy{Kind: RetrySvix}, str: "svix"},
	{spec: "none", want: RetryPolicy{Kind: RetryNone}, str: "none"},
	{spec: "linear:5x30s", want: RetryPolicy{Kind: RetryLinear, Count: 5, Every: 30 * sec}, str: "linear:5x30s"},
	{spec: "linear:3x1h30m,compress=60", want: RetryPolicy{Kind: RetryLinear, Count: 3, Every: 90 * mins, Compress: 60}, str: "linear:3x1h30m,compress=60"},
	{spec: "custom:1s,10s,1m", want: RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{sec, 10 * sec, mins}}, str: "custom:1s,10s,1m"},
	{spec: "custom:0s,1.5s,90m", want: RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{0, 1500 * time.Millisecond, 90 * mins}}, str: "custom:0s,1.5s,1h30m"},
	{spec: "standard,compress=60", want: RetryPolicy{Kind: RetryStandard, Compress: 60}, str: "standard,compress=60"},
	{spec: "svix, compress = 3600 , jitter=0", want: RetryPolicy{Kind: RetrySvix, Compress: 3600, Jitter: -1}, str: "svix,compress=3600,jitter=0"},
	{spec: "standard,jitter=10%", want: RetryPolicy{Kind: RetryStandard, Jitter: 0.1}, str: "standard,jitter=0.1"},
	{spec: "standard,compress=1", want: RetryPolicy{Kind: RetryStandard}, str: "standard"},
	{spec: "custom:5m,compress=300,jitter=0.5", want: RetryPolicy{Kind: RetryCustom, Delays: []time.Duration{5 * mins}, Compress: 300, Jitter: 0.5}, str: "custom:5m,compress=300,jitter=0.5"},
	{spec: "", err: "no policy named"},
	{spec: "exponential", err: `unknown policy "exponential"`},
	{spec: "standard:3", err: "standard takes no argument"},
	{spec: "linear:5", err: "linear needs COUNTxEVERY"},
	{spec: "linear:fivex30s", err: "is not a whole number"},
	{spec: "linear:0x30s", err: "needs 1 to 100 retries"},
	{spec: "linear:5x0s", err: "interval must be more than 0"},
	{spec: "linear:5xsoon", err: "not a duration"},
	{spec: "custom:", err: "custom needs at least one delay"},
	{spec: "custom:1s,-5s", err: "custom delay 2"},
	{spec: "custom:1s,compress=2,5s", err: `"5s" is not an option`},
	{spec: "custom:200h", err: "between 0 and 7 days"},
	{spec: "standard,compress=0.5", err: "cannot slow time down"},
	{spec: "standard,compress=NaN", err: "is not a number"},
	{spec: "standard,compress=2e6", err: "more than 1000000"},
	{spec: "standard,jitter=2", err: "more than 1"},
	{spec: "standard,jitter=-1", err: "is not a fraction"},
	{spec: "standard,speed=2", err: `unknown option "speed"`},
	{spec: "standard,compress=2,compress=3", err: "given twice"},
}

func TestParseRetry(t *testing.T) {
	for _, tt := range retryCases {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseRetry(tt.spec)
			if tt.err != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseRetry(%q) = %+v, %v; want an ErrInvalid with %q", tt.spec, got, err, tt.err)
				}
				if !strings.Contains(err.Error(), "want standard, svix, none") {
					t.Errorf("error %q does not say what a valid spec looks like", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRetry(%q): %v", tt.spec, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseRetry(%q) = %+v, want %+v", tt.spec, got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
		})
	}
}

func FuzzParseRetry(f *testing.F) {
	for _, tt := range retryCases {
		f.Add(tt.spec)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := ParseRetry(spec)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseRetry(%q) error %v does not wrap ErrInvalid", spec, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParseRetry(%q) = %+v, which does not validate: %v", spec, p, err)
		}
		again, err := ParseRetry(p.String())
		if err != nil {
			t.Fatalf("ParseRetry(%q).String() = %q does not parse: %v", spec, p.String(), err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("round trip of %q: %+v then %q then %+v", spec, p, p.String(), again)
		}
		for n := 1; n <= len(p.Schedule())+1; n++ {
			d, ok := p.Delay(n, nil)
			if ok != (n <= len(p.Schedule())) || d < 0 {
				t.Fatalf("%q: Delay(%d) = %v, %v", spec, n, d, ok)
			}
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := t0
	tests := []struct {
		name string
		v    string
		want time.Duration
		ok   bool
	}{
		{"seconds", "2", 2 * sec, true},
		{"zero is clamped to 1 s", "0", sec, true},
		{"a day is clamped to 1 h", "86400", hour, true},
		{"huge", "99999999999999999", hour, true},
		{"HTTP-date", now.Add(30 * sec).Format(http.TimeFormat), 30 * sec, true},
		{"HTTP-date in the past", now.Add(-time.Minute).Format(http.TimeFormat), sec, true},
		{"absent", "", 0, false},
		{"negative", "-3", 0, false},
		{"garbage", "soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retryAfter(tt.v, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
			}
		})
	}
}
