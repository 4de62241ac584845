package exchange

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

// TestCurlExportWithRealCurl runs exported commands in bash, dash and zsh
// with the real curl against a listener and checks the bytes that arrive:
// the quoting, the printf pipe, -H 'Name:' and --request-target must do
// what the package doc says in every shell, not just round-trip through
// ParseCurl.
func TestCurlExportWithRealCurl(t *testing.T) {
	ln, wires := realCurl(t)
	for _, sh := range []string{"bash", "dash", "zsh"} {
		t.Run(sh, func(t *testing.T) {
			if _, err := exec.LookPath(sh); err != nil {
				t.Skip("no " + sh + " on this machine (apt-get install -y " + sh + ")")
			}
			for _, r := range curlCorpus(t) {
				if r.Method == "HEAD" {
					continue // curl --head would wait for headers only: nothing new to learn
				}
				t.Run(r.Target, func(t *testing.T) { checkRealCurl(t, sh, ln, wires, r) })
			}
		})
	}
}

// curlCorpus is every body the fidelity tests know: the sample captures,
// the browser HAR in testdata, and the bodies shells get wrong (a multipart
// body with a binary part starts with "--" and holds NUL; a large one).
func curlCorpus(t *testing.T) []*capture.Request {
	multipart := []byte("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n\x00\x01\xff%s%%\\'\"\r\n--XyZ--\r\n")
	big := make([]byte, 200<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	reqs := append(sampleCaptures(),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K0", "POST", "/q'uote", []byte("multi\nline\n\nbody with a blank line\n"), "Content-Type", "text/plain"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K1", "GET", "/", nil, "X-Latin", "caf\xe9", "X-Tab", "a\tb"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K3", "POST", "/nul", []byte{0, 0, 'x', 0, '%', '\\'}, "Content-Type", "application/octet-stream"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K4", "POST", "/multipart", multipart, "Content-Type", "multipart/form-data; boundary=XyZ"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K5", "POST", "/dash-text", []byte("-d --data -n"), "Content-Type", "text/plain"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K6", "POST", "/dash-latin", []byte("-caf\xe9 \\n %d"), "Content-Type", "text/plain"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K7", "PUT", "/big-binary", big, "Content-Type", "application/octet-stream"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K8", "POST", "/big-text", bytes.Repeat([]byte("{\"a\":\"it's\"}\n"), 10<<10), "Content-Type", "application/json"),
	)
	har, err := os.ReadFile("testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(bytes.NewReader(har), "chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Requests {
		if r.Target != "" && r.Target[0] == '/' {
			reqs = append(reqs, r)
		}
	}
	return reqs
}

// checkRealCurl runs r's exported command in sh and compares what arrives.
func checkRealCurl(t *testing.T, sh string, ln net.Listener, wires <-chan []byte, r *capture.Request) {
	cmd := string(export(t, Curl, []*capture.Request{r}, ExportOptions{IncludeSecrets: true, BaseURL: "http://" + ln.Addr().String()}))
	run := strings.Replace(cmd, "curl ", "curl -sS --max-time 10 -o /dev/null ", 1)
	// The script is a file, as a user runs an export: "sh -c SCRIPT" would
	// meet the kernel's limit on one argument for the large bodies.
	script := filepath.Join(t.TempDir(), "export.sh")
	if err := os.WriteFile(script, []byte(run), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(sh, script).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s\n%s", err, out, clipCmd(cmd))
	}
	got, err := parseRaw(<-wires)
	if err != nil {
		t.Fatal(err)
	}
	// curl adds User-Agent and Accept when the capture had none, puts
	// Host first and computes Content-Length.
	var recv capture.Headers
	for _, h := range got.Headers {
		if (h.Name == "User-Agent" || h.Name == "Accept") && r.Headers.Get(h.Name) == "" {
			continue
		}
		if h.Name == "Host" && r.Headers.Get("Host") == "" && len(r.Headers.Values("Host")) == 0 {
			continue
		}
		recv = append(recv, h)
	}
	// The URL is the listener's, so a captured Host naming another host is
	// left out (it would contradict the URL) and curl sends the listener's.
	authority := ln.Addr().String()
	var want capture.Headers
	if len(r.Headers.Values("Host")) > 0 {
		want = capture.Headers{{Name: "Host", Value: authority}}
	}
	for _, h := range r.Headers {
		if h.Name != "Host" {
			want = append(want, h)
		}
	}
	if !chunked(r.Headers) {
		want, recv = withoutContentLength(want), withoutContentLength(recv)
	}
	if got.Method != r.Method || got.Target != r.Target || !slices.Equal(recv, want) || !bytes.Equal(got.Body, r.Body) {
		t.Errorf("curl sent something else\ncmd: %s\nwant %s %s %q %q\n got %s %s %q %q", clipCmd(cmd), r.Method, r.Target, want, clip(r.Body), got.Method, got.Target, recv, clip(got.Body))
	}
}

func clipCmd(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func clip(b []byte) []byte {
	if len(b) > 300 {
		return b[:300]
	}
	return b
}

// TestParseCurlMatchesRealCurl sends the table's commands with the real
// curl and checks ParseCurl predicted the bytes that arrive.
func TestParseCurlMatchesRealCurl(t *testing.T) {
	ln, wires := realCurl(t)
	port := ln.Addr().(*net.TCPAddr).Port
	for _, tc := range curlCases {
		switch {
		case strings.Contains(tc.cmd, "$TOKEN"): // bash expands it, ParseCurl keeps it
			continue
		case strings.Contains(tc.cmd, "\r"): // bash has no CRLF continuations; pastes do
			continue
		case strings.Contains(tc.cmd, "--json"), strings.Contains(tc.cmd, "--url-query"), strings.Contains(tc.cmd, "--compressed"):
			continue // newer than some curls, or build-dependent
		case strings.Contains(tc.cmd, "frobnicate"), strings.Contains(tc.cmd, "> out"), strings.Contains(tc.cmd, "http://a.test"):
			continue // curl fails, writes a file, or sends twice
		}
		t.Run(tc.name, func(t *testing.T) {
			cmd := strings.ReplaceAll(tc.cmd, "https://", "http://")
			want, _, err := ParseCurl(cmd)
			if err != nil {
				t.Fatal(err)
			}
			i := strings.Index(cmd, "curl ")
			run := cmd[:i] + fmt.Sprintf("curl -sS --max-time 10 -o /dev/null --connect-to ::127.0.0.1:%d ", port) + cmd[i+5:]
			if out, err := exec.Command("bash", "-c", run).CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			got, err := parseRaw(<-wires)
			if err != nil {
				t.Fatal(err)
			}
			var recv capture.Headers
			for _, h := range got.Headers {
				if (h.Name == "User-Agent" || h.Name == "Accept") && want.Headers.Get(h.Name) == "" {
					continue // curl's own
				}
				recv = append(recv, h)
			}
			wh := slices.Clone(want.Headers)
			if i := slices.IndexFunc(wh, func(h capture.Header) bool { return h.Name == "Host" }); i > 0 {
				host := wh[i] // curl sends Host first wherever -H puts it
				wh = append(capture.Headers{host}, slices.Delete(wh, i, i+1)...)
			}
			if got.Method != want.Method || got.Target != want.Target || !slices.Equal(recv, wh) || !bytes.Equal(got.Body, want.Body) {
				t.Errorf("ParseCurl predicted\n  %s %s %q %q\ncurl sent\n  %s %s %q %q", want.Method, want.Target, wh, want.Body, got.Method, got.Target, recv, got.Body)
			}
		})
	}
}

// realCurl skips unless curl and bash are here, and serves requests on a
// loopback listener, handing each one's bytes to the channel.
func realCurl(t *testing.T) (net.Listener, <-chan []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs curl")
	}
	for _, prog := range []string{"curl", "bash"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Skip("no " + prog)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	wires := make(chan []byte, 1)
	go serveOnce(ln, wires)
	return ln, wires
}

// serveOnce answers each connection's one request and hands its bytes on.
func serveOnce(ln net.Listener, wires chan<- []byte) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		var buf []byte
		tmp := make([]byte, 64<<10)
		for {
			n, err := c.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if end, _ := capture.HeadEnd(buf); end >= 0 {
				if r, perr := parseRaw(buf); perr == nil && !r.Truncated {
					break
				}
			}
			if err != nil {
				break
			}
		}
		_, _ = c.Write([]byte("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
		c.Close()
		wires <- buf
	}
}
