package ui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/settings"
)

// TestStorageSettings: the Storage tab shows the saved retention, saving
// it unchanged keeps it exactly, empty fields mean the defaults and bad
// input is refused with what to enter.
func TestStorageSettings(t *testing.T) {
	newHarness(t) // a test app for the widgets
	n := func(v int) *int { return &v }
	b := func(v int64) *int64 { return &v }
	cases := []struct {
		name            string
		saved           settings.Retention
		keep, keepBytes string // typed; "-" leaves the field as shown
		want            settings.Retention
		wantErr         string
	}{
		{"defaults stay defaults", settings.Retention{}, "-", "-", settings.Retention{}, ""},
		{"unchanged odd size kept exactly", settings.Retention{Captures: n(250_000), Bytes: b(5_000_000_123)}, "-", "-",
			settings.Retention{Captures: n(250_000), Bytes: b(5_000_000_123)}, ""},
		{"no limit", settings.Retention{}, "0", "0", settings.Retention{Captures: n(0), Bytes: b(0)}, ""},
		{"typed sizes", settings.Retention{}, "1_000_000", "5GiB", settings.Retention{Captures: n(1_000_000), Bytes: b(5 << 30)}, ""},
		{"cleared", settings.Retention{Captures: n(7)}, "", "", settings.Retention{}, ""},
		{"negative", settings.Retention{}, "-5", "", settings.Retention{}, "captures kept"},
		{"bad size", settings.Retention{}, "", "lots", settings.Retention{}, "bodies kept"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newSettingsForm(settings.Settings{Retention: c.saved}, func(string) {})
			if c.keep != "-" {
				f.keep.SetText(c.keep)
			}
			if c.keepBytes != "-" {
				f.keepBytes.SetText(c.keepBytes)
			}
			s, err := f.result()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sameRetention(s.Retention, c.want) {
				t.Fatalf("retention %s, want %s", showRetention(s.Retention), showRetention(c.want))
			}
		})
	}
}

func sameRetention(a, b settings.Retention) bool { return showRetention(a) == showRetention(b) }

func showRetention(r settings.Retention) string {
	s := "captures="
	if r.Captures != nil {
		s += strconv.Itoa(*r.Captures)
	} else {
		s += "default"
	}
	s += " bytes="
	if r.Bytes != nil {
		s += strconv.FormatInt(*r.Bytes, 10)
	} else {
		s += "default"
	}
	return s
}
