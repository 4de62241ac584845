package exchange

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

func TestHARRoundTripStable(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    ExportOptions
	}{
		{"redacted", ExportOptions{Version: "0.1.0"}},
		{"with secrets", ExportOptions{IncludeSecrets: true, Version: "0.1.0"}},
		{"base URL with path", ExportOptions{IncludeSecrets: true, BaseURL: "https://staging.example.com/hooks/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := sampleCaptures()
			first := export(t, HAR, orig, tc.o)
			res, err := Import(bytes.NewReader(first), "captures.har")
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if res.Source != HAR || len(res.Requests) != len(orig) || len(res.Warnings) != 0 {
				t.Fatalf("Import: source %q, %d requests (want %d), warnings %q", res.Source, len(res.Requests), len(orig), res.Warnings)
			}
			second := export(t, HAR, res.Requests, tc.o)
			if !bytes.Equal(first, second) {
				t.Fatalf("second export differs:\n%s", firstDiff(first, second))
			}
			for i, got := range res.Requests {
				want := Redact(orig[i], tc.o)
				if d := diffRequest(want, got, true); len(d) > 0 {
					t.Errorf("request %d (%s):\n  %s", i, want.Target, strings.Join(d, "\n  "))
				}
				if got.Origin != "import:har" {
					t.Errorf("request %d: Origin %q", i, got.Origin)
				}
			}
		})
	}
}

// firstDiff shows where two exports part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-200, 0)
	return "first: …" + string(a[from:min(i+200, len(a))]) + "\nsecond: …" + string(b[from:min(i+200, len(b))])
}

// TestHARRequiredFields checks what HAR 1.2 requires, so Chrome DevTools,
// Postman and Insomnia accept the file.
func TestHARRequiredFields(t *testing.T) {
	out := export(t, HAR, sampleCaptures(), ExportOptions{})
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	need := func(obj any, where string, keys ...string) map[string]any {
		m, ok := obj.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object", where)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: %q missing", where, k)
			}
		}
		return m
	}
	log := need(doc["log"], "log", "version", "creator", "entries")
	if log["version"] != "1.2" {
		t.Errorf("log.version %v", log["version"])
	}
	creator := need(log["creator"], "creator", "name", "version")
	if creator["name"] != "Gancho" {
		t.Errorf("creator.name %v", creator["name"])
	}
	for _, e := range log["entries"].([]any) {
		entry := need(e, "entry", "startedDateTime", "time", "request", "response", "cache", "timings", "_gancho_id")
		if _, err := time.Parse(time.RFC3339, entry["startedDateTime"].(string)); err != nil {
			t.Errorf("startedDateTime: %v", err)
		}
		req := need(entry["request"], "request", "method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize")
		if !strings.HasPrefix(req["url"].(string), "http") {
			t.Errorf("request.url %v", req["url"])
		}
		for _, h := range req["headers"].([]any) {
			need(h, "header", "name", "value")
		}
		if pd, ok := req["postData"]; ok {
			need(pd, "postData", "mimeType", "text")
		}
		resp := need(entry["response"], "response", "status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize")
		need(resp["content"], "content", "size", "mimeType")
		need(entry["timings"], "timings", "send", "wait", "receive")
	}
}

func TestHARBinaryBodies(t *testing.T) {
	r := capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "POST", "/b", []byte{0, 0xff, 'a'}, "Content-Type", "application/octet-stream")
	r.Response.Body = []byte{0xfe, 0}
	var doc struct {
		Log struct {
			Entries []struct {
				Request struct {
					PostData map[string]string `json:"postData"`
				} `json:"request"`
				Response struct {
					Content map[string]any `json:"content"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(export(t, HAR, []*capture.Request{r}, ExportOptions{}), &doc); err != nil {
		t.Fatal(err)
	}
	e := doc.Log.Entries[0]
	if pd := e.Request.PostData; pd["text"] != "AP9h" || pd["_encoding"] != "base64" || pd["comment"] == "" {
		t.Errorf("postData %v: want base64 text with _encoding and a comment", pd)
	}
	if c := e.Response.Content; c["text"] != "/gA=" || c["encoding"] != "base64" {
		t.Errorf("content %v: want base64 text with encoding", c)
	}
}

func TestHARImportChrome(t *testing.T) {
	f, err := os.Open("testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Import(f, "chrome.har")
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.Source != HAR {
		t.Fatalf("Source %q", res.Source)
	}
	type want struct {
		method, target, host, proto string
		firstHeaders                capture.Headers
		body                        string
		declared                    int64
		status                      int
		respBody                    string
		at                          string
		headerCount                 int
	}
	wants := []want{
		{"POST", "/v1/webhooks/test?source=dashboard&verbose=1", "api.example.com", "HTTP/2.0",
			hdrs("Host", "api.example.com", "accept", "application/json"),
			`{"event":"invoice.paid","customer":"Zoë Ñúñez","amount":4200}`, 60, 200, `{"delivered":true,"id":42}`,
			"2024-03-12T09:14:05.118Z", 13},
		{"GET", "/v1/events?type=invoice.paid&type=charge.failed&limit=2", "api.example.com", "HTTP/2.0",
			hdrs("Host", "api.example.com", "accept", "*/*", "x-api-key", "sk_live_51Hx"),
			"", -1, 304, "", "2024-03-12T09:14:05.410Z", 3},
		{"POST", "/hooks/form", "localhost:4665", "HTTP/1.1",
			hdrs("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
			"name=Ada+Lovelace&lang=en", 25, 302, "", "2024-03-12T09:14:07.002Z", 8},
		{"PUT", "/v1/avatar?sig=9f8e7d&expires=1710236045", "uploads.example.com", "HTTP/1.1",
			hdrs("Host", "uploads.example.com", "Content-Type", "application/x-www-form-urlencoded", "X-Request-Id", "a1", "X-Request-Id", "a2"),
			"file+name=me.png&crop=1%3A1", -1, 201, "\x89PNG\r\n\x1a\n", "2024-03-12T09:14:08.250Z", 4},
	}
	if len(res.Requests) != len(wants) {
		t.Fatalf("%d requests, want %d (the data: URL skipped)", len(res.Requests), len(wants))
	}
	for i, w := range wants {
		t.Run(w.target, func(t *testing.T) {
			r := res.Requests[i]
			at, _ := time.Parse(time.RFC3339Nano, w.at)
			if r.Method != w.method || r.Target != w.target || r.Host != w.host || r.Proto != w.proto {
				t.Errorf("got %s %s host %q %s", r.Method, r.Target, r.Host, r.Proto)
			}
			if !slices.Equal(r.Headers[:len(w.firstHeaders)], w.firstHeaders) || len(r.Headers) != w.headerCount {
				t.Errorf("headers %q", r.Headers)
			}
			for _, h := range r.Headers {
				if strings.HasPrefix(h.Name, ":") {
					t.Errorf("pseudo-header %s kept", h.Name)
				}
			}
			if string(r.Body) != w.body || r.BodySize != int64(len(w.body)) || r.DeclaredSize != w.declared {
				t.Errorf("body %q size %d declared %d", r.Body, r.BodySize, r.DeclaredSize)
			}
			if r.Response.Status != w.status || string(r.Response.Body) != w.respBody {
				t.Errorf("response %d %q", r.Response.Status, r.Response.Body)
			}
			if !r.ReceivedAt.Equal(at) {
				t.Errorf("ReceivedAt %v, want %v", r.ReceivedAt, at)
			}
			if !validULID(r.ID) || r.RemoteAddr != "imported" || r.Origin != "import:har" || !r.HeadersFromWire {
				t.Errorf("id %q remote %q origin %q fromWire %v", r.ID, r.RemoteAddr, r.Origin, r.HeadersFromWire)
			}
		})
	}
	for _, w := range []string{
		"entries 1, 2: HTTP/2 pseudo-headers dropped; :authority became the Host header",
		"entry 4: skipped: not an HTTP request",
		"entry 5: request body rebuilt from form params",
	} {
		if !hasWarning(res.Warnings, w) {
			t.Errorf("warning %q missing from %q", w, res.Warnings)
		}
	}
	// The ids are fresh, and ordered as the entries are.
	if !slices.IsSortedFunc(res.Requests[:2], func(a, b *capture.Request) int { return strings.Compare(a.ID, b.ID) }) {
		t.Errorf("ids out of order")
	}
}

func TestHARImportProblems(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		err      string // "" for success
		warn     string
		n        int
	}{
		{"not JSON", `{"log": {"entries": [}`, "HAR: line 1, column 22", "", 0},
		{"no log", `{"entries": []}`, `no "log" object`, "", 0},
		{"empty", `{"log": {"version": "1.2", "entries": []}}`, "", "no requests found", 0},
		{"entry without method", `{"log": {"entries": [{"request": {"url": "http://x/"}}]}}`, "", "entry 1: skipped: no request method", 0},
		{"entry of wrong type", `{"log": {"entries": [{"request": "GET /"}]}}`, "", "entry 1: skipped:", 0},
		{"odd gancho field", `{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/"}, "_error": {"code": 1}, "startedDateTime": "2024-01-01T00:00:00Z"}]}}`, "", "fields starting with _ not understood", 1},
		{"bad time", `{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/a"}, "startedDateTime": "yesterday"}]}}`, "", "no valid startedDateTime", 1},
		{"base64 postData", `{"log": {"entries": [{"request": {"method": "POST", "url": "http://x/a", "postData": {"mimeType": "", "text": "AAE=", "encoding": "base64"}}, "startedDateTime": "2024-01-01T00:00:00Z"}]}}`, "", "", 1},
		{"bad base64", `{"log": {"entries": [{"request": {"method": "POST", "url": "http://x/a", "postData": {"mimeType": "", "text": "@@", "_encoding": "base64"}}, "startedDateTime": "2024-01-01T00:00:00Z"}]}}`, "", "postData says base64 but is not", 1},
		{"multipart params only", `{"log": {"entries": [{"request": {"method": "POST", "url": "http://x/a", "postData": {"mimeType": "multipart/form-data", "params": [{"name": "f", "fileName": "a.png"}]}}, "startedDateTime": "2024-01-01T00:00:00Z"}]}}`, "", "body left empty", 1},
		{"pseudo without authority", `{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/a", "headers": [{"name": ":path", "value": "/a"}]}, "startedDateTime": "2024-01-01T00:00:00Z"}]}}`, "", "pseudo-headers (:method, :path, …) dropped", 1},
		{"repeated gancho id", `{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/a"}, "_gancho_id": "01HWZ5R6Q8A2C3D4E5F6G7H8J9", "startedDateTime": "2024-01-01T00:00:00Z"}, {"request": {"method": "GET", "url": "http://x/b"}, "_gancho_id": "01HWZ5R6Q8A2C3D4E5F6G7H8J9", "startedDateTime": "2024-01-01T00:00:00Z"}]}}`, "", "request 2: id 01HWZ5R6Q8A2C3D4E5F6G7H8J9 repeats an earlier one", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ImportFormat(strings.NewReader(tc.in), HAR)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if len(res.Requests) != tc.n {
				t.Errorf("%d requests, want %d", len(res.Requests), tc.n)
			}
			if tc.warn != "" && !hasWarning(res.Warnings, tc.warn) {
				t.Errorf("warnings %q, want one containing %q", res.Warnings, tc.warn)
			}
			if tc.name == "base64 postData" && string(res.Requests[0].Body) != "\x00\x01" {
				t.Errorf("body %q", res.Requests[0].Body)
			}
		})
	}
}

// TestHAREntryIsExportsEntry: one entry alone is the same JSON value as
// that capture's entry in a whole export, redaction included.
func TestHAREntryIsExportsEntry(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    ExportOptions
	}{
		{"redacted", ExportOptions{}},
		{"with secrets", ExportOptions{IncludeSecrets: true}},
		{"secret prefix", ExportOptions{SecretPrefixes: []string{"s3cr3t"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range sampleCaptures() {
				var doc struct {
					Log struct {
						Entries []json.RawMessage `json:"entries"`
					} `json:"log"`
				}
				if err := json.Unmarshal(export(t, HAR, []*capture.Request{r}, tc.o), &doc); err != nil || len(doc.Log.Entries) != 1 {
					t.Fatalf("export: %v, %d entries", err, len(doc.Log.Entries))
				}
				var one bytes.Buffer
				if err := HAREntry(&one, r, tc.o); err != nil {
					t.Fatal(err)
				}
				var a, b any
				if err := json.Unmarshal(doc.Log.Entries[0], &a); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(one.Bytes(), &b); err != nil {
					t.Fatalf("HAREntry wrote invalid JSON: %v\n%s", err, one.Bytes())
				}
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("%s: entry differs from the export's:\n%s\n---\n%s", r.Target, doc.Log.Entries[0], one.Bytes())
				}
			}
		})
	}
}
