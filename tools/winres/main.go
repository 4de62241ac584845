// Command winres writes the Windows resources of the window build, as a
// .syso object the Go linker picks up for windows/amd64: the icon (from
// the PNG), the version information (what Explorer's Properties → Details
// shows) and an application manifest. make dist runs it before the
// Windows build and removes the object after:
//
//	go run ./tools/winres -version 0.1.0 -o rsrc_windows_amd64.syso
//
// fyne package does the same, but builds twice and drops the -ldflags
// (the version stamps) from the second build, so make dist builds itself.
package main

import (
	"flag"
	"fmt"
	"image"
	_ "image/png" // the icon's format
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fyne-io/image/ico"
	"github.com/josephspurrier/goversioninfo"
)

func main() {
	icon := flag.String("icon", "assets/icon.png", "PNG icon (256×256 or larger)")
	ver := flag.String("version", "", "the release, major.minor.patch")
	arch := flag.String("arch", "amd64", "GOARCH of the build")
	out := flag.String("o", "rsrc_windows_amd64.syso", "the .syso to write")
	flag.Parse()
	if err := write(*icon, *ver, *arch, *out); err != nil {
		fmt.Fprintln(os.Stderr, "winres:", err)
		os.Exit(1)
	}
}

func write(iconPNG, ver, arch, out string) error {
	fv, err := fileVersion(ver)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gancho-winres-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	f, err := os.Open(iconPNG)
	if err != nil {
		return fmt.Errorf("icon: %w", err)
	}
	img, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("icon %s: %w", iconPNG, err)
	}
	icoPath := filepath.Join(tmp, "gancho.ico")
	w, err := os.Create(icoPath)
	if err != nil {
		return err
	}
	if err := ico.Encode(w, img); err != nil {
		w.Close()
		return fmt.Errorf("icon: %w", err)
	}
	if err := w.Close(); err != nil {
		return err
	}

	// Per-monitor DPI awareness keeps Windows from blurring the window by
	// scaling its pixels; Fyne scales itself.
	manifest := filepath.Join(tmp, "gancho.manifest")
	if err := os.WriteFile(manifest, fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0" xmlns:asmv3="urn:schemas-microsoft-com:asm.v3">
  <assemblyIdentity version="%s" processorArchitecture="*" name="Gancho" type="win32"/>
  <asmv3:application>
    <asmv3:windowsSettings>
      <dpiAware xmlns="http://schemas.microsoft.com/SMI/2005/WindowsSettings">true/pm</dpiAware>
      <dpiAwareness xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">PerMonitorV2</dpiAwareness>
    </asmv3:windowsSettings>
  </asmv3:application>
</assembly>
`, fv.GetVersionString()), 0o644); err != nil {
		return err
	}

	vi := &goversioninfo.VersionInfo{IconPath: icoPath, ManifestPath: manifest}
	vi.FixedFileInfo.FileVersion = fv
	vi.FixedFileInfo.ProductVersion = fv
	vi.StringFileInfo = goversioninfo.StringFileInfo{
		ProductName:      "Gancho",
		FileDescription:  "Gancho: capture, inspect, replay and emit webhooks",
		CompanyName:      "The Gancho authors",
		LegalCopyright:   fmt.Sprintf("© %d The Gancho authors", time.Now().Year()),
		OriginalFilename: "gancho.exe",
		InternalName:     "gancho",
		ProductVersion:   ver,
		FileVersion:      fv.GetVersionString(),
	}
	vi.VarFileInfo.Translation = goversioninfo.Translation{LangID: goversioninfo.LngUSEnglish, CharsetID: goversioninfo.CsUnicode}
	vi.Build()
	vi.Walk()
	if err := vi.WriteSyso(out, arch); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

// fileVersion is ver ("0.1.0", "0.1.0-rc1") as the four numbers Windows
// keeps.
func fileVersion(ver string) (goversioninfo.FileVersion, error) {
	core, _, _ := strings.Cut(strings.TrimPrefix(ver, "v"), "-")
	parts := strings.Split(core, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return goversioninfo.FileVersion{}, fmt.Errorf("version %q: want major.minor.patch", ver)
	}
	var n [4]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 65535 {
			return goversioninfo.FileVersion{}, fmt.Errorf("version %q: %q is not a number from 0 to 65535", ver, p)
		}
		n[i] = v
	}
	return goversioninfo.FileVersion{Major: n[0], Minor: n[1], Patch: n[2], Build: n[3]}, nil
}
