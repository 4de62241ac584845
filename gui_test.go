//go:build !headless

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// envWithout is the test's environment minus the named variables.
func envWithout(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			env = append(env, kv)
		}
	}
	return env
}

// TestNoFyneNoise runs a command of the window build under the C locales
// and checks nothing but the command's own output is printed.
func TestNoFyneNoise(t *testing.T) {
	for _, lang := range []string{"C", "C.UTF-8", "POSIX", "POSIX.UTF-8", ""} {
		t.Run("LANG="+lang, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "events")
			cmd.Env = append(envWithout("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"), "GANCHO_TEST_MAIN=1", "LANG="+lang)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
		})
	}
}

// TestNoDisplay runs the window with no display: one sentence naming the
// terminal commands and exit 1, no GLFW panic, nothing started.
func TestNoDisplay(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	cmd.Env = append(envWithout("DISPLAY", "WAYLAND_DISPLAY"), "GANCHO_TEST_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d (%v), want 1; stderr: %s", code, err, stderr.String())
	}
	got := stderr.String()
	if strings.Count(got, "\n") != 1 || !strings.Contains(got, "no display") || !strings.Contains(got, "gancho listen") {
		t.Errorf("stderr = %q, want one sentence about the display naming the commands", got)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout = %q", stdout.String())
	}
}

// TestDisplayCannotOpen: a DISPLAY naming no X server (a stale one over
// ssh) gets the same kind of sentence, not GLFW's panic.
func TestDisplayCannotOpen(t *testing.T) {
	display := ""
	for n := 917; n < 1000; n++ { // a display number no server listens on
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); os.IsNotExist(err) {
			display = fmt.Sprintf(":%d", n)
			break
		}
	}
	if display == "" {
		t.Skip("every display number from :917 is taken")
	}
	cmd := exec.Command(os.Args[0], "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	cmd.Env = append(envWithout("DISPLAY", "WAYLAND_DISPLAY"), "GANCHO_TEST_MAIN=1", "DISPLAY="+display)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d (%v), want 1; stderr: %s", code, err, stderr.String())
	}
	got := stderr.String()
	if strings.Count(got, "\n") != 1 || !strings.Contains(got, "cannot open the display \""+display+"\"") ||
		!strings.Contains(got, "gancho listen") || strings.Contains(got, "panic") {
		t.Errorf("stderr = %q, want one sentence naming the display and the terminal commands", got)
	}
}

func TestNeedDisplay(t *testing.T) {
	for _, tc := range []struct {
		goos string
		env  map[string]string
		ok   bool
	}{
		{"linux", nil, false},
		{"linux", map[string]string{"DISPLAY": ":0"}, true},
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
		{"freebsd", nil, false},
		{"darwin", nil, true},
		{"windows", nil, true},
	} {
		t.Run(fmt.Sprint(tc.goos, tc.env), func(t *testing.T) {
			err := needDisplay(tc.goos, func(k string) string { return tc.env[k] })
			if (err == nil) != tc.ok {
				t.Errorf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
