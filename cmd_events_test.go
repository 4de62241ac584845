package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestEventsCommand(t *testing.T) {
	t.Run("list", func(t *testing.T) {
		out, errOut, code := runCmd(t, "events")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) != 31 || !strings.Contains(lines[1], "client.phase_changed") ||
			!strings.Contains(lines[30], "sale.created") || !strings.Contains(lines[30], "Nova venda") {
			t.Fatalf("exit %d, %d lines, stderr %q:\n%s", code, len(lines), errOut, out)
		}
	})
	t.Run("list json", func(t *testing.T) {
		out, _, code := runCmd(t, "events", "--json")
		var evs []struct {
			Number int
			Name   string
			Fields []struct{ Name string }
		}
		if err := json.Unmarshal([]byte(out), &evs); code != 0 || err != nil || len(evs) != 30 || len(evs[29].Fields) == 0 {
			t.Fatalf("exit %d, %v, %d events", code, err, len(evs))
		}
	})
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, out string)
	}{
		{"sample json by name", []string{"events", "sample", "client.created"}, func(t *testing.T, out string) {
			var env struct {
				Type string         `json:"type"`
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal([]byte(out), &env); err != nil || env.Type != "client.created" || env.Data["client"] == nil {
				t.Errorf("%v: %s", err, out)
			}
		}},
		{"sample xml by number", []string{"events", "sample", "30", "--xml"}, func(t *testing.T, out string) {
			d := xml.NewDecoder(strings.NewReader(out))
			for {
				_, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed: %v\n%s", err, out)
				}
			}
			if !strings.Contains(out, "<type>sale.created</type>") {
				t.Errorf("%s", out)
			}
		}},
		{"show fields", []string{"events", "show", "opportunity.phase_changed"}, func(t *testing.T, out string) {
			if !strings.Contains(out, "phase.previous") || !strings.Contains(out, "Mudança de fase das oportunidades") {
				t.Errorf("%s", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			tt.check(t, out)
		})
	}
	t.Run("same seed, same sample", func(t *testing.T) {
		// The sample's timestamp reads the clock: a second boundary between
		// the two runs made them differ.
		at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
		defer func(old func() time.Time) { now = old }(now)
		now = func() time.Time { return at }
		a, _, _ := runCmd(t, "events", "sample", "7", "--seed", "42")
		b, _, _ := runCmd(t, "events", "sample", "7", "--seed", "42")
		c, _, _ := runCmd(t, "events", "sample", "7")
		if a != b || bytes.Equal([]byte(a), []byte(c)) {
			t.Errorf("seeded samples differ or match a random one")
		}
	})
	t.Run("unknown", func(t *testing.T) {
		_, errOut, code := runCmd(t, "events", "sample", "nope")
		if code != 1 || !strings.Contains(errOut, `run "gancho events" to see the 30 names`) {
			t.Errorf("exit %d: %q", code, errOut)
		}
	})
}
