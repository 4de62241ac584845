package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/settings"
)

// TestMain lets the test binary act as the gancho command: a child process
// started with GANCHO_TEST_MAIN=1 runs run() with its arguments.
func TestMain(m *testing.M) {
	if os.Getenv("GANCHO_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// The tests read the command line's English texts: the machine's
	// locale must not translate them (lang_test.go sets its own).
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANGUAGE"} {
		os.Unsetenv(k)
	}
	os.Setenv("LANG", "en_US.UTF-8")
	// Nor its time zone: goldens hold local times (layout_compat_test.go).
	// Set before any test runs, and passed on to the children.
	os.Setenv("TZ", "UTC")
	// time.Local reads TZ on its first use. If a package's init used it
	// already, the binary starts over with TZ set; time.Local is written
	// only where that cannot be done (Windows, which reads no TZ): the
	// write races with goroutines reading it, such as the CPU sampler
	// nats-server's pse package starts in its init, and the race detector
	// fails whichever test then runs.
	if name, off := time.Now().Zone(); name != "UTC" || off != 0 {
		if exe, err := os.Executable(); err == nil {
			_ = syscall.Exec(exe, os.Args, os.Environ())
		}
		time.Local = time.UTC
	}
	os.Exit(m.Run())
}

// child is a gancho process started from the test binary.
type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GANCHO_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		cmd.Wait()
		t.Fatalf("child printed nothing; stderr: %s", stderr.String())
	}
	first := sc.Text() // "Capturing at http://127.0.0.1:PORT (data in …)."
	f := strings.Fields(first)
	if len(f) < 3 || !strings.HasPrefix(f[2], "http://") {
		t.Fatalf("unexpected first line %q", first)
	}
	go io.Copy(io.Discard, out)
	return &child{cmd: cmd, url: f[2]}
}

func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestCrashKeepsAcknowledged kills `gancho listen` with SIGKILL while
// clients post, restarts it on the same data directory, and checks that
// every request answered 2xx is in the store.
func TestCrashKeepsAcknowledged(t *testing.T) {
	dir := t.TempDir()
	for round := 0; round < 3; round++ {
		c := startChild(t, "listen", "--addr", "127.0.0.1:0", "--data", dir)
		var (
			mu    sync.Mutex
			acked []string
			wg    sync.WaitGroup
		)
		client := &http.Client{Timeout: 5 * time.Second}
		stop := make(chan struct{})
		// Kill after a random number of acknowledgements.
		want := 20 + rand.IntN(300)
		reached := make(chan struct{})
		var once sync.Once
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"round":%d,"worker":%d,"n":%d}`, round, w, i)
					resp, err := client.Post(c.url+"/crash", "application/json", strings.NewReader(body))
					if err != nil {
						return // the server died: expected
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 == 2 {
						mu.Lock()
						acked = append(acked, resp.Header.Get("X-Gancho-Id"))
						if len(acked) >= want {
							once.Do(func() { close(reached) })
						}
						mu.Unlock()
					}
				}
			}(w)
		}
		<-reached
		if err := c.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		c.cmd.Wait()
		close(stop)
		wg.Wait()

		out, stderr, code := runCmd(t, "list", "--json", "--limit", "0", "--data", dir)
		if code != 0 {
			t.Fatalf("list: %s", stderr)
		}
		stored := map[string]bool{}
		dec := json.NewDecoder(strings.NewReader(out))
		for dec.More() {
			var rec capture.Record
			if err := dec.Decode(&rec); err != nil {
				t.Fatal(err)
			}
			stored[rec.ID] = true
		}
		for _, id := range acked {
			if !stored[id] {
				t.Fatalf("round %d: acknowledged capture %s lost after SIGKILL (%d acked, %d stored)", round, id, len(acked), len(stored))
			}
		}
		t.Logf("round %d: %d acknowledged, all among %d stored", round, len(acked), len(stored))
	}
}

func TestCLIErrors(t *testing.T) {
	file := t.TempDir() + "/not-a-dir"
	os.WriteFile(file, []byte("x"), 0o600)
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unusable data dir", []string{"list", "--data", file + "/sub"}, "choose another with --data DIR"},
		{"show without id", []string{"show", "--data", dir}, "show needs one capture id"},
		{"show missing id", []string{"show", "--data", dir, "01NOPE"}, `run "gancho list"`},
		{"bad max-body", []string{"listen", "--data", dir, "--max-body", "lots"}, "--max-body"},
		{"bad keep", []string{"listen", "--data", dir, "--keep", "-1"}, "--keep \"-1\": give a number of captures, or 0 for no limit"},
		{"bad keep-bytes", []string{"listen", "--data", dir, "--keep-bytes", "much"}, "--keep-bytes \"much\": give a size such as 5GiB"},
		{"bad verify spec", []string{"listen", "--data", dir, "--addr", "127.0.0.1:0", "--verify", "rot13:x"}, "--verify"},
		{"bad rule", []string{"listen", "--data", dir, "--addr", "127.0.0.1:0", "--respond", "* ** -> 999"}, "--respond: column"},
		{"unknown tunnel", []string{"listen", "--data", dir, "--tunnel", "carrier-pigeon"}, `the only tunnel is "ngrok"`},
		{"bad secret prefix", []string{"listen", "--data", dir, "--addr", "127.0.0.1:0", "--secret-prefix", "a/b"}, "secret path prefix"},
		{"no ngrok token", []string{"listen", "--data", dir, "--addr", "127.0.0.1:0", "--tunnel", "ngrok"}, "no authtoken: set NGROK_AUTHTOKEN or paste it in Settings"},
	}
	t.Setenv("NGROK_AUTHTOKEN", "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runCmd(t, c.args...)
			if code == 0 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Fatalf("code %d stderr %q, want one line containing %q", code, stderr, c.want)
			}
		})
	}
}

func TestPortInUse(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, "listen", "--addr", "127.0.0.1:0", "--data", dir)
	defer func() { c.cmd.Process.Kill(); c.cmd.Wait() }()
	addr := strings.TrimPrefix(c.url, "http://")
	_, stderr, code := runCmd(t, "listen", "--addr", addr, "--data", t.TempDir())
	if code == 0 || !strings.Contains(stderr, addr) || !strings.Contains(stderr, "--addr") {
		t.Fatalf("code %d stderr %q", code, stderr)
	}
}

func TestListenListShow(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, "listen", "--addr", "127.0.0.1:0", "--data", dir)
	resp, err := http.Post(c.url+"/hooks?src=crm", "application/json", strings.NewReader(`{"event":"sale.created","amount":99.9}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Gancho-Id")
	// Ctrl-C: a clean shutdown.
	c.cmd.Process.Signal(os.Interrupt)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() { <-ctx.Done(); c.cmd.Process.Kill() }()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("listen did not exit cleanly: %v", err)
	}

	out, _, code := runCmd(t, "list", "--json", "--data", dir, "--search", "sale.created")
	var rec capture.Record
	if code != 0 || json.Unmarshal([]byte(out), &rec) != nil || rec.ID != id || rec.Target != "/hooks?src=crm" {
		t.Fatalf("list --json: %q", out)
	}
	out, _, _ = runCmd(t, "list", "--data", dir)
	if !strings.Contains(out, id) || !strings.Contains(out, "application/json") {
		t.Fatalf("list: %q", out)
	}
	out, _, code = runCmd(t, "show", "--data", dir, id)
	if code != 0 || !strings.Contains(out, "POST /hooks?src=crm HTTP/1.1") ||
		!strings.Contains(out, "\"amount\": 99.9") || strings.Contains(out, "\x1b[") {
		t.Fatalf("show: %q", out)
	}
}

func TestShowHighlightsOnTerminal(t *testing.T) {
	r := &capture.Request{ID: "01X", Method: "POST", Target: "/x", Proto: "HTTP/1.1",
		Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}},
		Body:    []byte(`{"a":[1,2],"b":"c"}`), BodySize: 19}
	cases := []struct {
		name      string
		color     bool
		wantColor bool
	}{{"terminal", true, true}, {"pipe", false, false}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := showRequest(&buf, r, c.color); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if strings.Contains(out, "\x1b[") != c.wantColor {
				t.Fatalf("colour escapes present=%v, want %v: %q", !c.wantColor, c.wantColor, out)
			}
			if !c.color && !strings.Contains(out, "\"a\": [\n    1,") {
				t.Fatalf("not pretty-printed: %q", out)
			}
		})
	}
}

func TestShowNeutralisesEscapes(t *testing.T) {
	r := &capture.Request{ID: "01X", Method: "POST", Target: "/x\x1b[2J", Proto: "HTTP/1.1",
		Headers: capture.Headers{{Name: "Content-Type", Value: "text/plain"}, {Name: "X-Evil", Value: "\x1b]0;pwned\x07"}},
		Body:    []byte("before\x1b[31mred\x1b[0m after\r\nline2\n"), BodySize: 30}
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		if err := showRequest(&buf, r, color); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(buf.String(), "\x07\r") || strings.Contains(buf.String(), "\x1b[2J") ||
			strings.Contains(buf.String(), "\x1b[31m") || strings.Contains(buf.String(), "\x1b]0") {
			t.Fatalf("color=%v: raw control characters reached the terminal: %q", color, buf.String())
		}
	}
}

// A multipart body is shown part by part, as the window shows it: its
// CRLF line ends are line ends, not "\x0d" at the end of every line.
func TestShowMultipartParts(t *testing.T) {
	body := "--XyZ\r\nContent-Disposition: form-data; name=\"payload\"\r\nContent-Type: application/json\r\n\r\n" +
		`{"event":"sale.created"}` + "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n" +
		"line one\r\nline two\r\n--XyZ--\r\n"
	r := &capture.Request{ID: "01X", Method: "POST", Target: "/up", Proto: "HTTP/1.1",
		Headers: capture.Headers{{Name: "Content-Type", Value: "multipart/form-data; boundary=XyZ"}},
		Body:    []byte(body), BodySize: int64(len(body))}
	for _, color := range []bool{false, true} {
		t.Run(fmt.Sprintf("color=%v", color), func(t *testing.T) {
			var buf bytes.Buffer
			if err := showRequest(&buf, r, color); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if strings.Contains(out, `\x0d`) || strings.Contains(out, "\r") {
				t.Fatalf("CR shown at line ends: %q", out)
			}
			for _, want := range []string{"# multipart: 2 parts", "── part 1 of 2 ──", `Content-Disposition: form-data; name="payload"`,
				"\"event\": \"sale.created\"", "── part 2 of 2 ──", "line one\nline two\n"} {
				if !strings.Contains(out, want) {
					t.Errorf("missing %q in:\n%s", want, out)
				}
			}
		})
	}
}

// --verify is saved with the settings (mode 0600) and its result reaches
// the export record; flags such as --respond apply to one run only.
func TestVerifyPersistedAndExported(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, "listen", "--addr", "127.0.0.1:0", "--data", dir,
		"--verify", "github:It's a Secret to Everybody", "--respond", "* /gone -> 410")
	post := func(path, sig string) int {
		req, _ := http.NewRequest("POST", c.url+path, strings.NewReader("Hello, World!"))
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// GitHub's documented example signature.
	if code := post("/gh", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"); code != 200 {
		t.Fatalf("signed: %d", code)
	}
	if code := post("/gone", "sha256=00"); code != 410 {
		t.Fatalf("rule: %d", code)
	}
	c.cmd.Process.Signal(os.Interrupt)
	if err := c.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCmd(t, "list", "--json", "--data", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("list: %q", out)
	}
	var gone, signed capture.Record
	json.Unmarshal([]byte(lines[0]), &gone)
	json.Unmarshal([]byte(lines[1]), &signed)
	if v := signed.Verification; v == nil || !v.OK || v.Scheme != "github" {
		t.Errorf("signed verification %+v", v)
	}
	if v := gone.Verification; v == nil || v.OK || !strings.Contains(v.Reason, "malformed") && !strings.Contains(v.Reason, "no signature matches") {
		t.Errorf("bad signature verification %+v", v)
	}
	if gone.ResponseRule == "" || gone.ResponseStatus != 410 {
		t.Errorf("rule %q status %d", gone.ResponseRule, gone.ResponseStatus)
	}
	st, err := settings.Load(dir)
	if err != nil || len(st.Verifiers) != 1 || st.Rules != "" {
		t.Fatalf("saved settings %+v (%v): want the verifier and no run-only rule", st, err)
	}
	if fi, err := os.Stat(settings.Path(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("settings file mode: %v %v", fi.Mode(), err)
	}
}

// TestRunOnlySecretPrefixRedactedAndResigned: listen --secret-prefix is
// never saved in the settings, yet the store remembers it, so a later export
// redacts it in every format and replay --resign strips it to find the
// verifier for the path behind it.
func TestRunOnlySecretPrefixRedactedAndResigned(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, "listen", "--addr", "127.0.0.1:0", "--data", dir,
		"--secret-prefix", "pfxX", "--verify", "stripe:whsec_runonly,path=/stripe")
	if !strings.HasSuffix(c.url, "/pfxX") {
		t.Fatalf("capture URL %q lacks the prefix", c.url)
	}
	resp, err := http.Post(c.url+"/stripe/evt", "application/json", strings.NewReader(`{"type":"charge.succeeded"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Gancho-Id")
	c.cmd.Process.Signal(os.Interrupt)
	if err := c.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if st, err := settings.Load(dir); err != nil || st.Inbound.SecretPrefix != "" {
		t.Fatalf("saved settings %+v (%v): the run-only prefix was saved", st.Inbound, err)
	}
	for _, format := range []string{"har", "jsonl", "curl", "raw"} {
		t.Run(format, func(t *testing.T) {
			out, stderr, code := runCmd(t, "export", "--format", format, "--data", dir)
			if code != 0 || !strings.Contains(out, "stripe/evt") {
				t.Fatalf("export %d: %s %s", code, out, stderr)
			}
			if strings.Contains(out, "pfxX") {
				t.Errorf("%s export leaks the run-only secret prefix:\n%s", format, out)
			}
		})
	}
	got := make(chan string, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Stripe-Signature")
	}))
	defer recv.Close()
	out, stderr, code := runCmd(t, "replay", id, "--resign", "--to", recv.URL, "--data", dir)
	if code != 0 {
		t.Fatalf("replay --resign %d: %s %s", code, out, stderr)
	}
	if sig := <-got; !strings.Contains(sig, "v1=") {
		t.Fatalf("re-signed with %q, want a Stripe signature", sig)
	}
}
