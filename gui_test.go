//go:build !headless

package main

import (
	"bytes"
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
