package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// TestLimitFlags: the limit flags of listen, the window and relay serve map
// onto capture.Limits: absent or 0 is the default (0), -1 no limit
// (negative), sizes as --max-body reads them.
func TestLimitFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want capture.Limits
		err  string
	}{
		{"absent", nil, capture.Limits{}, ""},
		{"zero", []string{"--max-conns", "0", "--max-inflight", "0"}, capture.Limits{}, ""},
		{"set", []string{"--max-conns", "5000", "--max-conns-per-addr", "2000", "--max-inflight", "1GiB", "--max-inflight-per-addr", "512MiB"},
			capture.Limits{MaxConns: 5000, MaxConnsPerAddr: 2000, MaxBodyInFlight: 1 << 30, MaxBodyInFlightPerAddr: 512 << 20}, ""},
		{"no limit behind a proxy", []string{"--max-conns-per-addr", "-1", "--max-inflight-per-addr=-1"},
			capture.Limits{MaxConnsPerAddr: -1, MaxBodyInFlightPerAddr: -1}, ""},
		{"no limit at all", []string{"--max-conns=-1", "--max-inflight", "-1"}, capture.Limits{MaxConns: -1, MaxBodyInFlight: -1}, ""},
		{"below -1", []string{"--max-conns-per-addr", "-2"}, capture.Limits{}, "--max-conns-per-addr -2"},
		{"bad size", []string{"--max-inflight", "lots"}, capture.Limits{}, `--max-inflight "lots"`},
		{"negative size", []string{"--max-inflight-per-addr", "-5MiB"}, capture.Limits{}, "--max-inflight-per-addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lf listenFlags // the window and listen share these flags
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			lf.register(fs)
			if _, err := parseInterspersed(fs, tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := lf.limits.limits()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %+v, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestLimitFlagErrors: a bad limit is a usage error (exit 2) naming the
// flag, in listen and relay serve alike.
func TestLimitFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"listen", "--data", dir, "--addr", "127.0.0.1:0", "--max-conns", "-3"},
		{"listen", "--data", dir, "--addr", "127.0.0.1:0", "--max-inflight-per-addr", "lots"},
		{"relay", "serve", "--data", dir, "--addr", "127.0.0.1:0", "--token", "team-token-0123456789", "--max-conns-per-addr", "-3"},
		{"relay", "serve", "--data", dir, "--addr", "127.0.0.1:0", "--token", "team-token-0123456789", "--max-inflight", "lots"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			_, errOut, code := runCmd(t, args...)
			if code != 2 || !strings.Contains(errOut, args[len(args)-2]) {
				t.Fatalf("exit %d, stderr %q; want 2 naming %s", code, errOut, args[len(args)-2])
			}
		})
	}
}

// TestDurationFlag: --retention-age takes a bare -1 (no limit), as the
// README says, besides durations; a number without a unit says so.
func TestDurationFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"-1", -1, ""},
		{"72h", 72 * time.Hour, ""},
		{"0", 0, ""},
		{"-1ns", -1, ""},
		{"5", 0, "needs a unit"},
		{"soon", 0, "want a duration"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			d := time.Hour
			err := durationFlag{&d}.Set(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Set(%q): %v; want an error with %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || d != tc.want {
				t.Fatalf("Set(%q) = %v, %v; want %v", tc.in, d, err, tc.want)
			}
		})
	}
	_, errOut, code := runCmd(t, "relay", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0",
		"--token", "team-token-0123456789", "--retention-age", "5")
	if code != 2 || !strings.Contains(errOut, "-retention-age") || !strings.Contains(errOut, "needs a unit") {
		t.Fatalf("--retention-age 5: exit %d, stderr %q", code, errOut)
	}
}
