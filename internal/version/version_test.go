package version

import (
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestFyneAppInStep: FyneApp.toml's version (what fyne package stamps on
// the bundles) is the one the binary reports.
func TestFyneAppInStep(t *testing.T) {
	b, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Version\s*=\s*"([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("FyneApp.toml has no Version")
	}
	if string(m[1]) != Version {
		t.Fatalf("FyneApp.toml says %s, internal/version says %s: change both", m[1], Version)
	}
}

func TestFrom(t *testing.T) {
	stamp := &debug.BuildInfo{GoVersion: "go1.27.3", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-11-30T12:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	tests := []struct {
		name         string
		commit, date string
		bi           *debug.BuildInfo
		ok           bool
		want         Info
	}{
		{"no build information", "", "", nil, false, Info{Version: Version}},
		{"the VCS stamp of go build", "", "", stamp, true, Info{Version: Version,
			Commit: "0123456789abcdef0123456789abcdef01234567", Modified: true, Date: "2026-11-30T12:00:00Z", Go: "go1.27.3"}},
		{"the linker's values win", "fedcba9876543210", "2026-12-06T01:00:00Z", stamp, true, Info{Version: Version,
			Commit: "fedcba9876543210", Modified: true, Date: "2026-12-06T01:00:00Z", Go: "go1.27.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Commit, Date = tt.commit, tt.date
			t.Cleanup(func() { Commit, Date = "", "" })
			in := from(tt.bi, tt.ok)
			if tt.want.Go == "" {
				tt.want.Go = runtime.Version()
			}
			tt.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if in != tt.want {
				t.Errorf("got %+v, want %+v", in, tt.want)
			}
		})
	}
	if got := (Info{Commit: "0123456789abcdef"}).Short(); got != "0123456789ab" {
		t.Errorf("Short() = %q", got)
	}
}
