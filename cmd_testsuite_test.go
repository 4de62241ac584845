package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/sigcheck"
	"github.com/gancho-app/gancho/outbound"
)

// orderReceiver creates order ord_1 on POST /orders and answers GET
// /orders/ord_1; /broken answers 500.
func orderReceiver(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/orders":
			w.WriteHeader(201)
			_, _ = io.WriteString(w, `{"id":"ord_1"}`)
		case r.URL.Path == "/orders/ord_1":
			_, _ = io.WriteString(w, `{"id":"ord_1","status":"open"}`)
		case r.URL.Path == "/broken":
			w.WriteHeader(500)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeSuite(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "orders.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const greenSuite = `name: orders
steps:
  - name: create
    request: {method: POST, path: /orders, body: '{"a":1}'}
    expect: {status: "201"}
  - name: read
    template: true
    request: {method: GET, path: "/orders/{{.steps.create.body.id}}"}
    expect:
      status: 2xx
      json: [{path: status, equals: open}]
`

const redSuite = `steps:
  - name: create
    request: {method: POST, path: /orders}
    expect: {status: 2xx}
  - name: update
    request: {method: PUT, path: /broken}
    expect: {status: 2xx}
`

var stepLine = regexp.MustCompile(`^([✓✗]) (\S+) +(\d{3}|---)  (<1 ms|\d+ ms|-)(: .*)?$`)

func TestTestCommandGreen(t *testing.T) {
	srv := orderReceiver(t)
	file := writeSuite(t, greenSuite)
	junit := filepath.Join(t.TempDir(), "report.xml")
	out, errOut, code := runCmd(t, "test", file, "--to", srv.URL, "--junit", junit, "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 2 step lines, a summary and the JSON line, got:\n%s", out)
	}
	for i, want := range []string{"create", "read"} {
		m := stepLine.FindStringSubmatch(lines[i])
		if m == nil || m[1] != "✓" || m[2] != want {
			t.Errorf("line %d %q, want a passed %s line", i, lines[i], want)
		}
	}
	if !strings.HasPrefix(lines[1], "✓ read    200  ") {
		t.Errorf("names not padded: %q", lines[1])
	}
	if !regexp.MustCompile(`^2 steps: 2 passed, 0 failed \(.+\)\.$`).MatchString(lines[2]) {
		t.Errorf("summary %q", lines[2])
	}
	var rep struct {
		Suite  string `json:"suite"`
		OK     bool   `json:"ok"`
		Passed int    `json:"passed"`
		Steps  []struct {
			Name   string `json:"name"`
			Status int    `json:"status"`
			URL    string `json:"url"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(lines[3]), &rep); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, lines[3])
	}
	if rep.Suite != "orders" || !rep.OK || rep.Passed != 2 || rep.Steps[1].URL != srv.URL+"/orders/ord_1" {
		t.Errorf("JSON report %+v", rep)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil || len(doc.Suites) != 1 || doc.Suites[0].Tests != 2 {
		t.Errorf("JUnit file %v:\n%s", err, b)
	}
}

func TestTestCommandRed(t *testing.T) {
	srv := orderReceiver(t)
	file := writeSuite(t, redSuite)
	junit := filepath.Join(t.TempDir(), "report.xml")
	out, errOut, code := runCmd(t, "test", file, "--to", srv.URL, "--junit", junit)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	m := stepLine.FindStringSubmatch(lines[1])
	if m == nil || m[1] != "✗" || m[2] != "update" || m[3] != "500" || m[5] != ": expected status 2xx, got 500" {
		t.Errorf("failed step line %q", lines[1])
	}
	if !strings.HasPrefix(lines[2], "2 steps: 1 passed, 1 failed") {
		t.Errorf("summary %q", lines[2])
	}
	if !strings.Contains(errOut, "1 of 2 steps failed") {
		t.Errorf("stderr %q", errOut)
	}
	if b, _ := os.ReadFile(junit); !strings.Contains(string(b), `<failure message="expected status 2xx, got 500" type="status">`) {
		t.Errorf("JUnit file:\n%s", b)
	}
}

func TestTestCommandUsage(t *testing.T) {
	srv := orderReceiver(t)
	good := writeSuite(t, greenSuite)
	bad := writeSuite(t, "steps:\n  - name: a\n    capture: x\n    event: {name: client.created}\n")
	unknown := writeSuite(t, "steps: []\nnope: 1\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no suite", []string{"test"}, "name one suite file"},
		{"two suites", []string{"test", good, good, "--to", srv.URL}, "name one suite file"},
		{"missing file", []string{"test", "/nonexistent/s.yaml", "--to", srv.URL}, "check the path to the suite file"},
		{"invalid file", []string{"test", bad, "--to", srv.URL}, "give exactly one of request, capture and event; fix the file"},
		{"unknown field", []string{"test", unknown, "--to", srv.URL}, "field nope not found"},
		{"no target", []string{"test", good}, "has no target: pass --to URL"},
		{"bad target", []string{"test", good, "--to", "ftp://x"}, `scheme "ftp" is not supported`},
		{"bad flag", []string{"test", good, "--nope"}, "flag provided but not defined"},
		{"unwritable junit", []string{"test", good, "--to", srv.URL, "--junit", "/nonexistent/dir/r.xml"}, "--junit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCmd(t, tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}

// TestTestCommandData resolves a capture step and a subscription's secret
// from --data.
func TestTestCommandData(t *testing.T) {
	var ids capture.IDGen
	c := sample(&ids, "/hooks/crm?x=1", `{"event":"sale.created"}`)
	dir := seed(t, c)
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := outbound.NewStore(context.Background(), db, outbound.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	sub := outbound.NewSubscription()
	sub.Name, sub.URL, sub.Events = "CRM", "http://127.0.0.1:1/", []string{"client.created"}
	if err := st.Save(context.Background(), &sub); err != nil {
		t.Fatal(err)
	}
	db.Close()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.RequestURI != "/hooks/crm?x=1" || string(body) != `{"event":"sale.created"}` || !sigcheck.StandardOK(r.Header.Get, "webhook-", sub.Secret, body) {
			w.WriteHeader(401)
			return
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(srv.Close)
	file := writeSuite(t, "steps:\n  - name: replayed\n    capture: "+c.ID+"\n    sign: {mode: subscription, subscription: CRM}\n    expect: {status: \"204\"}\n")
	out, errOut, code := runCmd(t, "test", file, "--to", srv.URL, "--data", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	// Without --data the step says what to pass.
	t.Setenv("GANCHO_DATA", "")
	out, _, code = runCmd(t, "test", file, "--to", srv.URL)
	if code != 1 || !strings.Contains(out, "needs the data directory holding it: pass --data DIR") {
		t.Errorf("exit %d, out %q", code, out)
	}
}
