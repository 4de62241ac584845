// Package version says which Gancho this is: its release version, the
// commit and date it was built from, and the Go that built it. The build
// sets Version, Commit and Date with -ldflags -X (make build, make dist);
// a plain `go build` or `go run` still knows the commit and its date from
// the Go toolchain's VCS stamp (runtime/debug.ReadBuildInfo).
//
// The variables are written only by the linker; everything here is safe
// for concurrent use.
package version

import (
	"runtime"
	"runtime/debug"
)

// Version is this release, kept equal to FyneApp.toml's (a test checks);
// the build may set it to something longer, such as 0.1.0-3-gabc1234.
var Version = "0.1.0"

// Commit and Date are set by the build: the full commit hash and the build
// time in RFC 3339, UTC.
var (
	Commit = ""
	Date   = ""
)

// Info is one build's identity.
type Info struct {
	Version  string // e.g. 0.1.0
	Commit   string // full hash; "" when unknown
	Modified bool   // built from a tree with uncommitted changes
	Date     string // RFC 3339; the build's time, else the commit's
	Go       string // e.g. go1.27.3
	Platform string // GOOS/GOARCH
}

// Get is this binary's Info.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	return from(bi, ok)
}

// from fills Info from the linker's values, then the VCS stamp.
func from(bi *debug.BuildInfo, ok bool) Info {
	in := Info{Version: Version, Commit: Commit, Date: Date, Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if !ok || bi == nil {
		return in
	}
	if bi.GoVersion != "" {
		in.Go = bi.GoVersion
	}
	var rev, at string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	if in.Commit == "" {
		in.Commit = rev
	}
	if in.Date == "" {
		in.Date = at
	}
	return in
}

// Short is the first 12 characters of the commit.
func (in Info) Short() string {
	return in.Commit[:min(12, len(in.Commit))]
}
