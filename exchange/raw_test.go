package exchange

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// rawCases are raw requests with what ParseRaw makes of them; FuzzParseRaw
// starts from them too.
var rawCases = []struct {
	name, in     string
	method       string
	target, host string
	headers      capture.Headers
	body         string
	declared     int64
	truncated    bool
	err          string // ParseRaw fails with this
}{
	{name: "GET no body", in: "GET /hook?a=1 HTTP/1.1\r\nHost: 127.0.0.1:4665\r\nUser-Agent: x\r\n\r\n",
		method: "GET", target: "/hook?a=1", host: "127.0.0.1:4665", headers: hdrs("Host", "127.0.0.1:4665", "User-Agent", "x"), declared: -1},
	{name: "POST with Content-Length", in: "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
		method: "POST", target: "/p", host: "h", headers: hdrs("Host", "h", "Content-Type", "application/json", "Content-Length", "7"),
		body: `{"a":1}`, declared: 7},
	{name: "LF only, trailing newline after the body", in: "\n\nPOST /p HTTP/1.1\nHost: h\nContent-Length: 2\n\nok\n",
		method: "POST", target: "/p", host: "h", headers: hdrs("Host", "h", "Content-Length", "2"), body: "ok", declared: 2},
	{name: "no blank line at the end", in: "GET / HTTP/1.0\nhost: h",
		method: "GET", target: "/", host: "h", headers: hdrs("host", "h"), declared: -1},
	{name: "chunked", in: "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
		method: "POST", target: "/c", host: "h", headers: hdrs("Host", "h", "Transfer-Encoding", "gzip, chunked"), body: "hello, world", declared: -1},
	{name: "chunked LF only", in: "POST /c HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\nA\n0123456789\n0\n",
		method: "POST", target: "/c", host: "h", headers: hdrs("Host", "h", "Transfer-Encoding", "chunked"), body: "0123456789", declared: -1},
	{name: "chunked without last chunk", in: "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
		method: "POST", target: "/c", headers: hdrs("Transfer-Encoding", "chunked"), body: "hel", declared: -1, truncated: true},
	{name: "absolute form", in: "GET http://user:pw@example.com:8080/x?y HTTP/1.1\r\nHost: ignored.test\r\n\r\n",
		method: "GET", target: "http://user:pw@example.com:8080/x?y", host: "example.com:8080", headers: hdrs("Host", "ignored.test"), declared: -1},
	{name: "CONNECT", in: "CONNECT example.com:443 HTTP/1.1\r\n\r\n",
		method: "CONNECT", target: "example.com:443", host: "example.com:443", headers: hdrs(), declared: -1},
	{name: "duplicates, case, folding", in: "PROPFIND /d HTTP/1.1\r\nX-A: 1\r\nx-a: 2\r\nX-Folded: one\r\n  two\r\nX-Empty:\r\nX-Latin: caf\xe9\r\n\r\n",
		method: "PROPFIND", target: "/d", headers: hdrs("X-A", "1", "x-a", "2", "X-Folded", "one two", "X-Empty", "", "X-Latin", "caf\xe9"), declared: -1},
	{name: "body without framing", in: "POST /p HTTP/1.1\nHost: h\n\nname=a&x=\r\n",
		method: "POST", target: "/p", host: "h", headers: hdrs("Host", "h"), body: "name=a&x=\r\n", declared: -1},
	{name: "only white space after the head", in: "GET / HTTP/1.1\r\n\r\n\r\n\r\n",
		method: "GET", target: "/", headers: hdrs(), declared: -1},
	{name: "Content-Length too big", in: "POST /p HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
		method: "POST", target: "/p", headers: hdrs("Content-Length", "10"), body: "abc", declared: 10, truncated: true},
	{name: "Content-Length too small", in: "POST /p HTTP/1.1\r\nContent-Length: 2\r\n\r\nabc",
		err: "1 bytes follow the 2-byte body Content-Length announces"},
	{name: "conflicting Content-Length", in: "POST /p HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
		err: "conflicting Content-Length"},
	{name: "bad Content-Length", in: "POST /p HTTP/1.1\r\nContent-Length: -1\r\n\r\n", err: `Content-Length "-1" is not a byte count`},
	{name: "not chunked at the end", in: "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", err: "does not end in chunked"},
	{name: "bad chunk size", in: "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: `"zz" at byte 0 of the body is not a hex chunk size`},
	{name: "chunk size wrong", in: "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", err: "no line break after the 2-byte chunk"},
	{name: "second request", in: "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n", err: "bytes follow the end of the chunked body"},
	{name: "empty", in: "\r\n\r\n", err: "empty: paste a request"},
	{name: "no version", in: "GET /\r\n\r\n", err: `line 1: "GET /": want METHOD TARGET HTTP/1.1`},
	{name: "double space", in: "GET  / HTTP/1.1\r\n\r\n", err: "separated by single spaces"},
	{name: "bad method", in: "G(T / HTTP/1.1\r\n\r\n", err: `method "G(T" is not a valid`},
	{name: "bad version", in: "GET / HTTP/x\r\n\r\n", err: `"HTTP/x" is not an HTTP version`},
	{name: "control in target", in: "GET /a\x01 HTTP/1.1\r\n\r\n", err: "holds a control character"},
	{name: "not a header", in: "GET / HTTP/1.1\r\nHost h\r\n\r\n", err: `line 2: "Host h" is not a header`},
	{name: "space before colon", in: "GET / HTTP/1.1\r\nHost : h\r\n\r\n", err: `line 2: header name "Host " is not valid`},
	{name: "fold first", in: "GET / HTTP/1.1\r\n  x\r\n\r\n", err: "line 2 starts with white space"},
	{name: "control in value", in: "GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", err: "line 2: the value of X holds a control character"},
}

func TestParseRaw(t *testing.T) {
	for _, tc := range rawCases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRaw([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseRaw = %v; want an error containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRaw: %v", err)
			}
			if r.Method != tc.method || r.Target != tc.target || r.Host != tc.host {
				t.Errorf("got %s %s host %q", r.Method, r.Target, r.Host)
			}
			if !slices.Equal(r.Headers, tc.headers) {
				t.Errorf("headers\n got %q\nwant %q", r.Headers, tc.headers)
			}
			if string(r.Body) != tc.body || r.BodySize != int64(len(tc.body)) || r.DeclaredSize != tc.declared || r.Truncated != tc.truncated {
				t.Errorf("body %q size %d declared %d truncated %v", r.Body, r.BodySize, r.DeclaredSize, r.Truncated)
			}
			if r.Truncated != (r.Error != "") {
				t.Errorf("Error %q with Truncated %v", r.Error, r.Truncated)
			}
			if !validULID(r.ID) || r.RemoteAddr != "imported" || r.Origin != "import:raw" || !r.HeadersFromWire {
				t.Errorf("id %q remote %q origin %q", r.ID, r.RemoteAddr, r.Origin)
			}
		})
	}
}

func TestRawExport(t *testing.T) {
	r := capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "POST", "/p?x=1", []byte("hi\x00"), "Content-Type", "text/plain")
	want := "POST /p?x=1 HTTP/1.1\r\nHost: 127.0.0.1:4665\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nhi\x00"
	if got := string(export(t, Raw, []*capture.Request{r}, ExportOptions{})); got != want {
		t.Errorf("single request: got %q, want exactly the request bytes %q", got, want)
	}
	c := capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "POST", "/c", []byte("hello"), "Transfer-Encoding", "chunked")
	want = "POST /c HTTP/1.1\r\nHost: 127.0.0.1:4665\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
	if got := string(export(t, Raw, []*capture.Request{c}, ExportOptions{})); got != want {
		t.Errorf("chunked: got %q, want %q", got, want)
	}
	c.Body = nil
	if got := string(export(t, Raw, []*capture.Request{c}, ExportOptions{})); !strings.HasSuffix(got, "\r\n\r\n0\r\n\r\n") {
		t.Errorf("empty chunked: got %q", got)
	}
	if got := export(t, Raw, nil, ExportOptions{}); len(got) != 0 {
		t.Errorf("no captures: got %q", got)
	}
}

func TestRawRoundTrip(t *testing.T) {
	reqs := sampleCaptures()
	out := export(t, Raw, reqs, ExportOptions{IncludeSecrets: true})
	if !bytes.HasPrefix(out, []byte("### gancho 01HWZ5R6Q8A2C3D4E5F6G7H8J9 received=2024-05-01T10:00:00.123456789Z length=")) {
		t.Fatalf("separator: %q", out[:min(len(out), 120)])
	}
	res, err := Import(bytes.NewReader(out), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != Raw || len(res.Requests) != len(reqs) {
		t.Fatalf("source %q, %d requests, warnings %q", res.Source, len(res.Requests), res.Warnings)
	}
	// The truncated capture says so again; nothing else warns.
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "request 6: body incomplete: Content-Length is 10485760") {
		t.Errorf("warnings %q", res.Warnings)
	}
	for i, got := range res.Requests {
		want := reqs[i]
		if got.ID != want.ID || !got.ReceivedAt.Equal(want.ReceivedAt) || got.Method != want.Method || got.Target != want.Target ||
			!slices.Equal(got.Headers, want.Headers) || !bytes.Equal(got.Body, want.Body) || got.Truncated != want.Truncated {
			t.Errorf("request %d: got %s %s %s %q %q", i, got.ID, got.Method, got.Target, got.Headers, got.Body)
		}
	}
	// Exporting again gives the same bytes (Proto aside: HTTP/2 has no raw form).
	if again := export(t, Raw, res.Requests, ExportOptions{IncludeSecrets: true}); !bytes.Equal(again, out) {
		t.Errorf("second export differs:\n%s", firstDiff(out, again))
	}
}

// TestRawImportHandWritten reads a .http file as editors' REST clients
// write them: ### separators with comments and no lengths.
func TestRawImportHandWritten(t *testing.T) {
	in := "### create user\r\n" +
		"POST /users HTTP/1.1\r\nHost: localhost:3000\r\nContent-Type: application/json\r\n\r\n{\"name\":\"Ada\"}\r\n" +
		"\r\n###\r\n" +
		"GET /users?limit=2 HTTP/1.1\r\nHost: localhost:3000\r\n\r\n" +
		"### gancho 01HWZ5R6Q8A2C3D4E5F6G7H8J9 length=9999\n" +
		"DELETE /users/1 HTTP/1.1\n\n" +
		"### broken\nnot a request\n" +
		"###\n\n"
	res, err := Import(strings.NewReader(in), "api.http")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Requests {
		got = append(got, r.Method+" "+r.Target+" "+string(r.Body))
	}
	if want := []string{"POST /users {\"name\":\"Ada\"}\r\n", "GET /users?limit=2 ", "DELETE /users/1 "}; !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	if id := res.Requests[2].ID; id != "01HWZ5R6Q8A2C3D4E5F6G7H8J9" || !res.Requests[2].ReceivedAt.Equal(ulidTime(id)) {
		t.Errorf("id %s at %v: want the separator's id and its time", id, res.Requests[2].ReceivedAt)
	}
	if ulidTime("01HWZ5R6Q8A2C3D4E5F6G7H8J9").Year() != 2024 {
		t.Errorf("ulidTime %v", ulidTime("01HWZ5R6Q8A2C3D4E5F6G7H8J9"))
	}
	for _, w := range []string{"request 3: the length in its ### line does not fit", `request 4: skipped: line 1: "not a request": "request" is not an HTTP version`, "request 5: empty: skipped"} {
		if !hasWarning(res.Warnings, w) {
			t.Errorf("warnings %q, want %q", res.Warnings, w)
		}
	}
	if _, err := ImportFormat(strings.NewReader("###\nnope\n"), Raw); err == nil || !strings.Contains(err.Error(), "request 1:") {
		t.Errorf("nothing readable: %v", err)
	}
	now := time.Now()
	single, err := ImportFormat(strings.NewReader("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), Raw)
	if err != nil || len(single.Requests) != 1 || single.Requests[0].ReceivedAt.Before(now) || !hasWarning(single.Warnings, "body incomplete") {
		t.Errorf("single truncated: %v %v", single, err)
	}
}
