// Command distcheck checks what make dist built (make dist-check runs it):
//
//		go run ./tools/distcheck -dist dist -version 0.1.0 [-shot docs/windows.png]
//
//	  - SHA256SUMS covers every artefact and every sum matches;
//	  - every binary was built for its platform, with the version stamped
//	    (debug/buildinfo reads any platform's binary);
//	  - the Linux bundle holds the binary, the .desktop file and the icon;
//	  - the Windows window build carries its icon and version resources;
//	  - under Wine, the Windows headless .exe prints its version, captures a
//	    POST from curl on loopback, lists it byte-exact with list --json and
//	    replays it to a loopback receiver;
//	  - under Wine and Xvfb, the Windows window build opens and is
//	    photographed (-shot), if Wine's OpenGL allows.
//
// It prints one line per check and exits 1 if any failed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	dist := flag.String("dist", "dist", "the directory make dist filled")
	ver := flag.String("version", "", "the version every binary must report")
	commit := flag.String("commit", "", "the commit every binary must have stamped")
	date := flag.String("date", "", "the build date every binary must have stamped")
	shot := flag.String("shot", "", "PNG to photograph the Windows window build into (empty: skip)")
	noWine := flag.Bool("no-wine", false, "skip the checks that run under Wine")
	flag.Parse()
	c := &checker{dist: *dist, version: *ver, stamps: []string{*commit, *date}}
	c.sums()
	c.binaries()
	c.bundle()
	c.resources()
	if !*noWine {
		c.wineHeadless()
		if *shot != "" {
			c.wineWindow(*shot)
		}
	}
	fmt.Printf("\n%d checks, %d failed\n", c.n, len(c.failed))
	if len(c.failed) > 0 {
		for _, f := range c.failed {
			fmt.Println("  FAIL", f)
		}
		os.Exit(1)
	}
}

type checker struct {
	dist, version string
	stamps        []string // the commit and date -ldflags -X set
	n             int
	failed        []string
}

func (c *checker) check(what string, err error) bool {
	c.n++
	if err != nil {
		c.failed = append(c.failed, what+": "+err.Error())
		fmt.Printf("FAIL %s: %v\n", what, err)
		return false
	}
	fmt.Printf("ok   %s\n", what)
	return true
}

func (c *checker) path(name string) string { return filepath.Join(c.dist, name) }

// artefacts are the files make dist makes, by platform.
func (c *checker) artefacts() []string {
	v := c.version
	return []string{
		"gancho-headless-" + v + "-linux-amd64", "gancho-headless-" + v + "-linux-arm64",
		"gancho-headless-" + v + "-darwin-amd64", "gancho-headless-" + v + "-darwin-arm64",
		"gancho-headless-" + v + "-windows-amd64.exe", "gancho-headless-" + v + "-windows-arm64.exe",
		"gancho-" + v + "-linux-amd64", "gancho-" + v + "-linux-amd64.tar.xz", "gancho-" + v + "-windows-amd64.exe",
	}
}

// sums: SHA256SUMS lists exactly the artefacts, each with its sum.
func (c *checker) sums() {
	b, err := os.ReadFile(c.path("SHA256SUMS"))
	if !c.check("SHA256SUMS is there", err) {
		return
	}
	listed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			c.check("SHA256SUMS line "+line, errors.New("not SUM  NAME"))
			continue
		}
		listed[strings.TrimPrefix(name, "*")] = sum
	}
	for _, a := range c.artefacts() {
		want, ok := listed[a]
		if !ok {
			c.check("SHA256SUMS lists "+a, errors.New("missing"))
			continue
		}
		delete(listed, a)
		got, err := fileSum(c.path(a))
		if err == nil && got != want {
			err = fmt.Errorf("sum %s, SHA256SUMS says %s", got, want)
		}
		c.check("checksum of "+a, err)
	}
	for name := range listed {
		c.check("SHA256SUMS entry "+name, errors.New("not an artefact make dist makes"))
	}
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// binaries: each was built for its platform, headless or not as named,
// with the version, a commit and a date stamped.
func (c *checker) binaries() {
	v := c.version
	for _, a := range c.artefacts() {
		if strings.HasSuffix(a, ".tar.xz") {
			continue
		}
		bi, err := buildinfo.ReadFile(c.path(a))
		if err != nil {
			c.check("build information of "+a, err)
			continue
		}
		set := map[string]string{}
		for _, s := range bi.Settings {
			set[s.Key] = s.Value
		}
		plat := strings.TrimSuffix(a[strings.Index(a, v+"-")+len(v)+1:], ".exe")
		goos, goarch, _ := strings.Cut(plat, "-")
		headless := strings.HasPrefix(a, "gancho-headless-")
		var problems []string
		if set["GOOS"] != goos || set["GOARCH"] != goarch {
			problems = append(problems, fmt.Sprintf("built for %s/%s", set["GOOS"], set["GOARCH"]))
		}
		if hasTag := slices.Contains(strings.Split(set["-tags"], ","), "headless"); hasTag != headless {
			problems = append(problems, fmt.Sprintf("tags %q", set["-tags"]))
		}
		if want := map[bool]string{true: "0", false: "1"}[headless]; set["CGO_ENABLED"] != want {
			problems = append(problems, "CGO_ENABLED="+set["CGO_ENABLED"])
		}
		// -trimpath keeps -ldflags out of the build information, so the
		// stamps are looked for in the binary's data.
		if b, err := os.ReadFile(c.path(a)); err != nil {
			problems = append(problems, err.Error())
		} else {
			for _, x := range append([]string{v}, c.stamps...) {
				if x != "" && !bytes.Contains(b, []byte(x)) {
					problems = append(problems, "not stamped with "+x)
				}
			}
			if bytes.Contains(b, []byte(".debug_info")) {
				problems = append(problems, "not stripped (-s -w)")
			}
		}
		var err2 error
		if len(problems) > 0 {
			err2 = errors.New(strings.Join(problems, "; "))
		}
		c.check(fmt.Sprintf("%s is %s/%s, version %s (%s)", a, goos, goarch, v, bi.GoVersion), err2)
	}
}

// bundle: fyne package's tarball holds the binary (the same bytes as the
// window build), the .desktop file naming it and the icon.
func (c *checker) bundle() {
	v := c.version
	tarball := c.path("gancho-" + v + "-linux-amd64.tar.xz")
	tmp, err := os.MkdirTemp("", "gancho-bundle-")
	if !c.check("a temporary directory", err) {
		return
	}
	defer os.RemoveAll(tmp)
	out, err := exec.Command("tar", "-xJf", tarball, "-C", tmp).CombinedOutput()
	if !c.check("unpack "+filepath.Base(tarball), cmdErr(out, err)) {
		return
	}
	const id = "io.github.gancho_app.gancho"
	want := []string{"gancho/Makefile", "gancho/usr/local/bin/gancho", "gancho/usr/local/share/applications/" + id + ".desktop",
		"gancho/usr/local/share/pixmaps/" + id + ".png"}
	var got []string
	_ = filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(tmp, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(got)
	slices.Sort(want)
	var e error
	if !slices.Equal(got, want) {
		e = fmt.Errorf("holds %q, want %q", got, want)
	}
	c.check("the bundle holds the binary, the .desktop file, the icon and a Makefile", e)
	a, _ := os.ReadFile(filepath.Join(tmp, "gancho/usr/local/bin/gancho"))
	b, _ := os.ReadFile(c.path("gancho-" + v + "-linux-amd64"))
	e = nil
	if len(a) == 0 || !bytes.Equal(a, b) {
		e = errors.New("the bundle's binary differs from the window build")
	}
	c.check("the bundle's binary is the window build", e)
	desk, _ := os.ReadFile(filepath.Join(tmp, "gancho/usr/local/share/applications/"+id+".desktop"))
	e = nil
	for _, line := range []string{"Name=Gancho", "Exec=gancho", "Icon=" + id, "Categories=Development;WebDevelopment;"} {
		if !strings.Contains(string(desk), line) {
			e = fmt.Errorf("the .desktop file lacks %q:\n%s", line, desk)
		}
	}
	c.check("the .desktop file names the binary, the icon and the menu", e)
	out, err = exec.Command("desktop-file-validate", filepath.Join(tmp, "gancho/usr/local/share/applications/"+id+".desktop")).CombinedOutput()
	if e = cmdErr(out, err); e == nil && len(bytes.TrimSpace(out)) > 0 {
		e = fmt.Errorf("desktop-file-validate: %s", out)
	}
	c.check("desktop-file-validate accepts the .desktop file", e)
	icon, _ := os.ReadFile(filepath.Join(tmp, "gancho/usr/local/share/pixmaps/"+id+".png"))
	e = nil
	if !bytes.HasPrefix(icon, []byte("\x89PNG")) {
		e = errors.New("not a PNG")
	}
	c.check("the icon is a PNG", e)
}

// resources: the Windows window build has a resource section with an
// icon and the version in its VERSIONINFO (UTF-16 strings).
func (c *checker) resources() {
	exe := c.path("gancho-" + c.version + "-windows-amd64.exe")
	b, err := os.ReadFile(exe)
	if !c.check("read "+filepath.Base(exe), err) {
		return
	}
	utf16 := func(s string) []byte {
		var out []byte
		for _, r := range s {
			out = append(out, byte(r), 0)
		}
		return out
	}
	var e error
	for _, s := range []string{"VS_VERSION_INFO", "ProductVersion", "ProductName", "Gancho", c.version} {
		if !bytes.Contains(b, utf16(s)) {
			e = fmt.Errorf("no %q in its version resource", s)
		}
	}
	c.check("the Windows window build carries its version resource", e)
	out, err := exec.Command("x86_64-w64-mingw32-objdump", "-h", exe).CombinedOutput()
	e = cmdErr(out, err)
	if e == nil && !bytes.Contains(out, []byte(".rsrc")) {
		e = errors.New("no .rsrc section")
	}
	c.check("the Windows window build has a resource section (its icon)", e)
	e = nil
	// An icon directory entry group: RT_GROUP_ICON data starts 0,0,1,0.
	if !bytes.Contains(b, []byte{0, 0, 1, 0, 1, 0}) && !bytes.Contains(b, []byte{0, 0, 1, 0, 2, 0}) {
		e = errors.New("no icon group found")
	}
	c.check("the Windows window build has an icon", e)
}

// winePrefix is the Wine prefix the checks use: their own, not the user's.
var winePrefix = filepath.Join(os.TempDir(), "gancho-distcheck-wine")

// wine runs a Windows program; Wine's own chatter is silenced.
func wine(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "wine", args...)
	cmd.Env = append(os.Environ(), "WINEPREFIX="+winePrefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
	return cmd
}

// prepareWine makes the prefix (slow, once), gives it a font with the
// symbols Windows' own fonts have, and the bcryptprimitives.dll stand-in
// Go's runtime needs under Wine 8 (see winshim/bcryptprimitives.c).
func prepareWine(ctx context.Context) error {
	if out, err := wine(ctx, "wineboot", "--init").CombinedOutput(); err != nil {
		return fmt.Errorf("wineboot: %w: %s", err, lastLines(string(out), 5))
	}
	// A Wine prefix's Fonts folder starts empty, where Windows has Segoe
	// UI Symbol and Arial: Fyne finds the glyphs its own font lacks (→, ▾)
	// among the system's fonts, so the picture would show boxes. DejaVu
	// Sans stands in for them.
	fonts := filepath.Join(winePrefix, "drive_c", "windows", "Fonts")
	if err := os.MkdirAll(fonts, 0o755); err != nil {
		return err
	}
	if b, err := os.ReadFile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"); err == nil {
		if err := os.WriteFile(filepath.Join(fonts, "DejaVuSans.ttf"), b, 0o644); err != nil {
			return err
		}
	}
	dst := filepath.Join(winePrefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	if _, err := os.Stat(dst); err == nil {
		return nil // Wine's own (Wine 9 and later), or ours from an earlier run
	}
	src, err := filepath.Abs("tools/distcheck/winshim")
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "x86_64-w64-mingw32-gcc", "-O2", "-shared", "-o", dst,
		filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def"), "-lbcrypt").CombinedOutput()
	return cmdErr(out, err)
}

// wineTool runs one of Wine's own Unix tools on the checks' prefix.
func wineTool(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "WINEPREFIX="+winePrefix)
	return cmd
}

// onDisplay runs an X11 tool on the Xvfb display.
func onDisplay(display, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	return cmd
}

// stopWine ends every program left in the prefix.
func stopWine() { _ = wineTool("wineserver", "-k").Run() }

// winPath is a Unix path as the Windows program sees it under Wine.
func winPath(p string) string {
	out, err := wineTool("winepath", "-w", p).Output()
	if err != nil {
		return p
	}
	return strings.TrimSpace(string(out))
}

func (c *checker) wineHeadless() {
	exe := c.path("gancho-headless-" + c.version + "-windows-amd64.exe")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if !c.check("a Wine prefix in "+winePrefix+", with bcryptprimitives.dll", prepareWine(ctx)) {
		return
	}

	out, err := wine(ctx, exe, "version").CombinedOutput()
	e := cmdErr(out, err)
	if e == nil && !bytes.Contains(out, []byte("Gancho "+c.version)) {
		e = fmt.Errorf("printed %q", out)
	}
	c.check("wine gancho.exe version says Gancho "+c.version, e)

	data, err := os.MkdirTemp("", "gancho-wine-data-")
	if !c.check("a data directory", err) {
		return
	}
	defer os.RemoveAll(data)
	wdata := winPath(data)
	port := freePort()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	listen := wine(ctx, exe, "listen", "--addr", addr, "--data", wdata)
	var logBuf bytes.Buffer
	listen.Stdout, listen.Stderr = &logBuf, &logBuf
	if !c.check("wine gancho.exe listen starts", listen.Start()) {
		return
	}
	defer func() {
		_ = listen.Process.Kill()
		_ = listen.Wait()
		stopWine()
	}()
	e = waitTCP(addr, 90*time.Second)
	if !c.check("listen answers on "+addr, e) {
		fmt.Println(logBuf.String())
		return
	}

	// The body: UTF-8, a CRLF, a NUL and trailing spaces: byte-exact or not.
	body := []byte("{\"event\":\"client.created\",\"name\":\"João Conceição\",\"note\":\"a\\r\\nb\"}\r\n\x00 trailing  ")
	bodyFile := filepath.Join(data, "body.bin")
	_ = os.WriteFile(bodyFile, body, 0o600)
	out, err = exec.CommandContext(ctx, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
		"-H", "Content-Type: application/json", "-H", "X-Crm-Event: client.created",
		"--data-binary", "@"+bodyFile, "http://"+addr+"/hooks/crm?src=wine").CombinedOutput()
	e = cmdErr(out, err)
	if e == nil && strings.TrimSpace(string(out)) != "200" {
		e = fmt.Errorf("answered %s", out)
	}
	c.check("curl POSTs a hook to the Windows build", e)

	var rec struct {
		ID         string      `json:"id"`
		Method     string      `json:"method"`
		Target     string      `json:"target"`
		BodyBase64 string      `json:"body_base64"`
		Headers    [][2]string `json:"headers"`
	}
	e = nil
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err = wine(ctx, exe, "list", "--json", "--data", wdata).Output()
		if err == nil {
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<20)
			if sc.Scan() {
				e = json.Unmarshal(sc.Bytes(), &rec)
				break
			}
		}
		if time.Now().After(deadline) {
			e = fmt.Errorf("no capture listed: %v %s", err, out)
			break
		}
	}
	if e == nil {
		got, _ := base64.StdEncoding.DecodeString(rec.BodyBase64)
		switch {
		case rec.Method != "POST" || rec.Target != "/hooks/crm?src=wine":
			e = fmt.Errorf("listed %s %s", rec.Method, rec.Target)
		case !bytes.Equal(got, body):
			e = fmt.Errorf("body %q, sent %q", got, body)
		case !slices.Contains(rec.Headers, [2]string{"X-Crm-Event", "client.created"}):
			e = fmt.Errorf("headers %v lack X-Crm-Event", rec.Headers)
		}
	}
	c.check("wine gancho.exe list --json shows it byte-exact", e)

	// The receiver a replay goes to: it keeps what it got.
	got := make(chan []byte, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if !c.check("a loopback receiver", err) {
		return
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case got <- b:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	out, err = wine(ctx, exe, "replay", rec.ID, "--to", "http://"+ln.Addr().String()+"/receiver", "--data", wdata).CombinedOutput()
	e = cmdErr(out, err)
	if e == nil {
		select {
		case b := <-got:
			if !bytes.Equal(b, body) {
				e = fmt.Errorf("the receiver got %q, want %q", b, body)
			} else if !bytes.Contains(out, []byte("202")) {
				e = fmt.Errorf("replay printed %q, want the receiver's 202", out)
			}
		case <-time.After(10 * time.Second):
			e = errors.New("the receiver got nothing")
		}
	}
	c.check("wine gancho.exe replay sends it to a loopback receiver, byte-exact", e)
}

// wineWindow starts the Windows window build under Wine on an Xvfb
// display and photographs the screen into shot.
func (c *checker) wineWindow(shot string) {
	exe := c.path("gancho-" + c.version + "-windows-amd64.exe")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const display = ":97"
	xvfb := exec.CommandContext(ctx, "Xvfb", display, "-screen", "0", "1440x900x24", "-nolisten", "tcp")
	if !c.check("Xvfb starts", xvfb.Start()) {
		return
	}
	defer func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() }()
	data, err := os.MkdirTemp("", "gancho-wine-window-")
	if !c.check("a data directory", err) {
		return
	}
	defer os.RemoveAll(data)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort())
	app := wine(ctx, exe, "--data", winPath(data), "--addr", addr)
	app.Env = append(app.Env, "DISPLAY="+display)
	var logBuf bytes.Buffer
	app.Stdout, app.Stderr = &logBuf, &logBuf
	if !c.check("wine Gancho.exe (the window) starts", app.Start()) {
		return
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	defer func() {
		_ = app.Process.Kill()
		stopWine()
	}()
	// The window is up once xwininfo finds it by its title.
	var e error
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(time.Second) {
		select {
		case err := <-exited:
			e = fmt.Errorf("it exited (%v): %s", err, lastLines(logBuf.String(), 15))
		default:
		}
		if e != nil {
			break
		}
		if out, _ := onDisplay(display, "xwininfo", "-root", "-tree").Output(); bytes.Contains(out, []byte("\"Gancho")) {
			// A hook for the picture: the list and the inspector show it.
			resp, err := http.Post("http://"+addr+"/hooks/crm?source=wine", "application/json",
				strings.NewReader(`{"event":"client.created","client":{"id":42,"name":"Ana Souza","email":"ana.souza@example.com.br","phone":"+55 11 91234-5678"}}`))
			if err == nil {
				resp.Body.Close()
			}
			time.Sleep(4 * time.Second) // let it list the hook
			// Select it, so the picture shows the inspector (Wine puts the
			// undecorated window at 108,67; the first row is 250 px lower).
			_ = onDisplay(display, "xdotool", "mousemove", "330", "330", "click", "1").Run()
			time.Sleep(3 * time.Second)
			break
		}
		if time.Now().After(deadline) {
			e = fmt.Errorf("no Gancho window after 90 s: %s", lastLines(logBuf.String(), 15))
			break
		}
	}
	if !c.check("the Windows window build opens a window under Wine", e) {
		return
	}
	c.check("photographed into "+shot, cmdErr(onDisplay(display, "import", "-window", "root", shot).CombinedOutput()))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func cmdErr(out []byte, err error) error {
	if err != nil {
		return fmt.Errorf("%w: %s", err, lastLines(string(out), 10))
	}
	return nil
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitTCP waits until addr accepts connections (a request would be
// captured and listed).
func waitTCP(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer after %v: %w", limit, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
