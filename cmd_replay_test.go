package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/verify"
)

// seed stores captures in a fresh data dir for the CLI to read.
func seed(t *testing.T, rs ...*capture.Request) string {
	t.Helper()
	dir := t.TempDir()
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := st.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	db.Close()
	return dir
}

func sample(ids *capture.IDGen, target, body string) *capture.Request {
	now := time.Now()
	return &capture.Request{ID: ids.New(now), ReceivedAt: now, Method: "POST", Target: target, Proto: "HTTP/1.1",
		Host: "127.0.0.1:4665", RemoteAddr: "127.0.0.1:5", DeclaredSize: int64(len(body)),
		Headers: capture.Headers{{Name: "Host", Value: "127.0.0.1:4665"}, {Name: "Content-Type", Value: "application/json"},
			{Name: "X-Trace", Value: "a"}, {Name: "X-Trace", Value: "b"}, {Name: "Authorization", Value: "Bearer s3cr3t"}},
		Body: []byte(body), BodySize: int64(len(body)), HeadersFromWire: true, Response: capture.Response{Status: 200}}
}

func TestReplayCommand(t *testing.T) {
	var ids capture.IDGen
	c := sample(&ids, "/hooks/crm?x=1", `{"event":"sale.created"}`)
	dir := seed(t, c)
	got := make(chan *http.Request, 1)
	var body []byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		got <- r
		w.WriteHeader(202)
		io.WriteString(w, `{"received":true}`)
	}))
	defer recv.Close()
	out, stderr, code := runCmd(t, "replay", c.ID, "--to", recv.URL+"/webhooks", "--data", dir)
	if code != 0 {
		t.Fatalf("code %d: %s %s", code, out, stderr)
	}
	r := <-got
	if string(body) != string(c.Body) || r.URL.Path != "/webhooks" || r.URL.RawQuery != "x=1" ||
		strings.Join(r.Header.Values("X-Trace"), ",") != "a,b" {
		t.Fatalf("receiver got %s %s %q headers %v", r.Method, r.URL, body, r.Header)
	}
	if !strings.Contains(out, "202 in") || !strings.Contains(out, `{"received":true}`) {
		t.Fatalf("output %q", out)
	}
	// The attempt is stored with the capture.
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h, err := replay.NewHistory(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	as, err := h.ForCapture(context.Background(), c.ID, 10)
	if err != nil || len(as) != 1 || as[0].Result.Status != 202 || as[0].Kind != replay.KindReplay {
		t.Fatalf("history %v %v", as, err)
	}

	// A refused target: non-zero exit, the class named.
	recv.Close()
	out, _, code = runCmd(t, "replay", c.ID, "--to", recv.URL, "--data", dir)
	if code == 0 || !strings.Contains(out, "FAILED (refused)") {
		t.Fatalf("code %d out %q", code, out)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	var ids capture.IDGen
	a := sample(&ids, "/a?token=abc&k=1", `{"n":1}`)
	b := sample(&ids, "/b", "binary\x00\xff")
	dir := seed(t, a, b)
	for _, format := range []string{"har", "jsonl", "curl", "raw"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "out."+format)
			if _, stderr, code := runCmd(t, "export", "--format", format, "--out", file, "--data", dir); code != 0 {
				t.Fatalf("export: %s", stderr)
			}
			data, _ := os.ReadFile(file)
			if strings.Contains(string(data), "s3cr3t") {
				t.Errorf("%s export leaks the Authorization header", format)
			}
			dir2 := t.TempDir()
			out, stderr, code := runCmd(t, "import", file, "--data", dir2)
			if code != 0 || !strings.Contains(out, "Imported 2 captures") {
				t.Fatalf("import: %d %q %q", code, out, stderr)
			}
			lst, _, _ := runCmd(t, "list", "--data", dir2)
			if !strings.Contains(lst, "import:") || !strings.Contains(lst, "/b") {
				t.Errorf("list after import: %q", lst)
			}
			// Importing the same jsonl twice adds nothing: ids are kept.
			if format == "jsonl" {
				out, _, _ = runCmd(t, "import", file, "--data", dir2)
				if !strings.Contains(out, "Imported 0 captures") || !strings.Contains(out, "2 were already there") {
					t.Errorf("second import: %q", out)
				}
			}
		})
	}
}

// TestExportRedactsSavedSecrets: the saved secret path prefix, a prefix
// named with --secret-prefix, ?code= and signature headers (custom, and a
// configured hmac verifier's) stay out of every export format by default.
func TestExportRedactsSavedSecrets(t *testing.T) {
	var ids capture.IDGen
	a := sample(&ids, "/pfxSECRET42/hooks?code=oauth777", `{"n":1}`)
	a.Headers = append(a.Headers, capture.Header{Name: "X-Custom-Sig", Value: "customsig888"},
		capture.Header{Name: "X-Vendor-Mac", Value: "vendormac999"})
	b := sample(&ids, "/oldPFX/b", `{}`)
	dir := seed(t, a, b)
	var s settings.Settings
	s.Inbound.SecretPrefix = "pfxSECRET42"
	s.Verifiers = []verify.Config{{Scheme: "hmac", Secret: "k", Header: "X-Vendor-Mac"}}
	if err := settings.Save(dir, s); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"har", "jsonl", "curl", "raw"} {
		t.Run(format, func(t *testing.T) {
			out, stderr, code := runCmd(t, "export", "--format", format, "--secret-prefix", "/oldPFX/", "--data", dir)
			if code != 0 {
				t.Fatalf("export: %s", stderr)
			}
			for _, secret := range []string{"pfxSECRET42", "oldPFX", "oauth777", "customsig888", "vendormac999", "s3cr3t"} {
				if strings.Contains(out, secret) {
					t.Errorf("%s export leaks %q", format, secret)
				}
			}
			all, _, _ := runCmd(t, "export", "--format", format, "--include-secrets", "--data", dir)
			if format != "jsonl" && !strings.Contains(all, "/pfxSECRET42/hooks?code=oauth777") {
				t.Errorf("--include-secrets lost the target:\n%s", all)
			}
		})
	}
}

// TestExportBaseURL: URLs default to where the capture came, and
// --base-url replaces them without a contradicting Host header.
func TestExportBaseURL(t *testing.T) {
	var ids capture.IDGen
	a := sample(&ids, "/hooks/a?x=1", `{}`)
	a.Host, a.Headers[0].Value = "abc.ngrok.app", "abc.ngrok.app"
	a.Headers = append(a.Headers, capture.Header{Name: "X-Forwarded-Proto", Value: "https"})
	dir := seed(t, a)
	out, stderr, code := runCmd(t, "export", "--format", "curl", "--data", dir)
	if code != 0 || !strings.Contains(out, "'https://abc.ngrok.app/hooks/a?x=1'") || strings.Contains(out, "Host:") {
		t.Fatalf("default base: %d %s\n%s", code, stderr, out)
	}
	out, _, _ = runCmd(t, "export", "--format", "curl", "--base-url", "http://localhost:3000", "--data", dir)
	if !strings.Contains(out, "'http://localhost:3000/hooks/a?x=1'") || strings.Contains(out, "Host:") {
		t.Fatalf("--base-url:\n%s", out)
	}
}

// TestReplayExitFollowsStatus: replay, like send --to, fails unless the
// target answers 2xx (a 3xx too, unlike curl --fail); both use accepted.
func TestReplayExitFollowsStatus(t *testing.T) {
	var ids capture.IDGen
	c := sample(&ids, "/hooks/crm", `{}`)
	dir := seed(t, c)
	for _, tc := range []struct {
		status, code int
	}{{200, 0}, {204, 0}, {302, 1}, {404, 1}, {500, 1}} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
			}))
			defer recv.Close()
			out, errOut, code := runCmd(t, "replay", c.ID, "--to", recv.URL, "--data", dir)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out, errOut)
			}
			// send --to judges its answer by the same rule (accepted).
			out, errOut, code = runCmd(t, "send", "client.created", "--to", recv.URL)
			if code != tc.code {
				t.Errorf("send: exit %d, want %d; stdout %q stderr %q", code, tc.code, out, errOut)
			}
		})
	}
}

// TestCountsAgree: one of something is singular ("1 capture", "1 was").
func TestCountsAgree(t *testing.T) {
	var ids capture.IDGen
	dir := seed(t, sample(&ids, "/one", `{}`))
	file := filepath.Join(t.TempDir(), "one.jsonl")
	if _, errOut, code := runCmd(t, "export", "--out", file, "--data", dir); code != 0 || !strings.Contains(errOut, "Exported 1 capture to") {
		t.Fatalf("export: %d %q", code, errOut)
	}
	dir2 := t.TempDir()
	for _, want := range []string{"Imported 1 capture from", "Imported 0 captures from"} {
		out, errOut, code := runCmd(t, "import", file, "--data", dir2)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("import: %d %q %q, want %q", code, out, errOut, want)
		}
		if want == "Imported 0 captures from" && !strings.Contains(out, "1 was already there") {
			t.Errorf("second import: %q", out)
		}
	}
}

// TestExportLimitStreamsNewestOldestFirst: export streams the newest
// --limit captures (of a search too), oldest first, and every one with
// --limit 0.
func TestExportLimitStreamsNewestOldestFirst(t *testing.T) {
	var ids capture.IDGen
	var rs []*capture.Request
	for i := range 6 {
		r := sample(&ids, fmt.Sprintf("/n%d", i), fmt.Sprintf(`{"n":%d,"kind":"%s"}`, i, []string{"odd", "even"}[(i+1)%2]))
		r.ReceivedAt = time.Date(2026, 2, 3, 4, 5, i, 0, time.UTC)
		r.ID = ids.New(r.ReceivedAt)
		rs = append(rs, r)
	}
	dir := seed(t, rs...)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--limit", "0"}, "/n0 /n1 /n2 /n3 /n4 /n5"},
		{[]string{"--limit", "2"}, "/n4 /n5"},
		{[]string{"--limit", "2", "--search", "even"}, "/n2 /n4"},
		{[]string{"--limit", "9"}, "/n0 /n1 /n2 /n3 /n4 /n5"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			out, stderr, code := runCmd(t, append([]string{"export", "--format", "jsonl", "--data", dir}, c.args...)...)
			if code != 0 {
				t.Fatal(stderr)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var rec struct {
					Target string `json:"target"`
				}
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatal(err)
				}
				got = append(got, rec.Target)
			}
			if strings.Join(got, " ") != c.want {
				t.Fatalf("exported %v, want %s", got, c.want)
			}
		})
	}
}
