package version

import (
	"os"
	"regexp"
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
		name           string
		commit, date   string
		bi             *debug.BuildInfo
		ok             bool
		want, wantLine string
	}{
		{"no build information", "", "", nil, false, "", `^Gancho 0\.1\.0 go\S+ \S+/\S+$`},
		{"the VCS stamp of go build", "", "", stamp, true, "0123456789abcdef0123456789abcdef01234567",
			`^Gancho 0\.1\.0 \(0123456789ab\+dirty, 2026-11-30T12:00:00Z\) go1\.27\.3 \S+/\S+$`},
		{"the linker's values win", "fedcba9876543210", "2026-12-06T01:00:00Z", stamp, true, "fedcba9876543210",
			`^Gancho 0\.1\.0 \(fedcba987654\+dirty, 2026-12-06T01:00:00Z\) go1\.27\.3 \S+/\S+$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Commit, Date = tt.commit, tt.date
			t.Cleanup(func() { Commit, Date = "", "" })
			in := from(tt.bi, tt.ok)
			if in.Commit != tt.want {
				t.Errorf("commit %q, want %q", in.Commit, tt.want)
			}
			if !regexp.MustCompile(tt.wantLine).MatchString(in.String()) {
				t.Errorf("String() = %q, want %s", in.String(), tt.wantLine)
			}
		})
	}
}
