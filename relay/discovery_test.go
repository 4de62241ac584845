package relay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestRunning: live.json names a running Gancho only when its process is
// another one that still exists.
func TestRunning(t *testing.T) {
	for _, tc := range []struct {
		name string
		pid  int // 0: no file
		want bool
	}{
		{"no file", 0, false},
		{"this process", os.Getpid(), false},
		{"the parent process", os.Getppid(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.pid != 0 {
				b, _ := json.Marshal(LiveInfo{URL: "ws://127.0.0.1:1/live", Token: "t", PID: tc.pid})
				if err := os.WriteFile(filepath.Join(dir, LiveFile), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			pid, ok := Running(dir)
			if ok != tc.want || (ok && pid != tc.pid) {
				t.Errorf("Running = %d, %v; want %v", pid, ok, tc.want)
			}
		})
	}
}
