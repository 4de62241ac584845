package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

// curlCases are commands as browsers copy them and people type them, with
// the request curl sends. FuzzParseCurl starts from them too.
var curlCases = []struct {
	name, cmd            string
	method, target, host string
	headers              capture.Headers
	body                 string
	warn                 string
}{
	{name: "bare URL", cmd: `curl http://127.0.0.1:4665/hook`,
		method: "GET", target: "/hook", host: "127.0.0.1:4665", headers: hdrs("Host", "127.0.0.1:4665")},
	{name: "no scheme, empty path", cmd: `curl localhost:4665?y=1`,
		method: "GET", target: "/?y=1", host: "localhost:4665", headers: hdrs("Host", "localhost:4665")},
	{name: "Chrome POST JSON", cmd: "curl 'https://api.example.com/v1/webhooks/test?source=dashboard' \\\n" +
		"  -H 'accept: application/json' \\\n" +
		"  -H 'content-type: application/json' \\\n" +
		"  -H 'cookie: session=4f1c2a; theme=dark' \\\n" +
		"  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64)' \\\n" +
		"  --data-raw '{\"event\":\"invoice.paid\",\"note\":\"it'\\''s paid\"}' \\\n" +
		"  --compressed",
		method: "POST", target: "/v1/webhooks/test?source=dashboard", host: "api.example.com",
		headers: hdrs("Host", "api.example.com", "Accept-Encoding", "deflate, gzip, br, zstd", "accept", "application/json", "content-type", "application/json",
			"cookie", "session=4f1c2a; theme=dark", "user-agent", "Mozilla/5.0 (X11; Linux x86_64)", "Content-Length", "43"),
		body: `{"event":"invoice.paid","note":"it's paid"}`},
	{name: "Chrome multipart with ANSI-C quotes", cmd: `curl 'http://localhost:4665/hooks/form' -H 'Content-Type: multipart/form-data; boundary=----B' --data-raw $'------B\r\nContent-Disposition: form-data; name="a"\r\n\r\nZo\u00eb \\o/ \'x\'\r\n------B--\r\n'`,
		method: "POST", target: "/hooks/form", host: "localhost:4665",
		headers: hdrs("Host", "localhost:4665", "Content-Type", "multipart/form-data; boundary=----B", "Content-Length", "78"),
		body:    "------B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nZoë \\o/ 'x'\r\n------B--\r\n"},
	{name: "data pieces joined with &", cmd: `curl -X PUT -d a=1 -d 'b=2 3' --data-urlencode 'c=x y&z' --data-urlencode '=é' --data-ascii d http://h.test/p`,
		method: "PUT", target: "/p", host: "h.test",
		headers: hdrs("Host", "h.test", "Content-Length", "28", "Content-Type", "application/x-www-form-urlencoded"),
		body:    "a=1&b=2 3&c=x+y%26z&%C3%A9&d"},
	{name: "basic auth", cmd: `curl -u 'user:p@ss' https://h.test/`,
		method: "GET", target: "/", host: "h.test",
		headers: hdrs("Host", "h.test", "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("user:p@ss")))},
	{name: "json", cmd: `curl --json '{"a":1}' --json '{"b":2}' h.test/j`,
		method: "POST", target: "/j", host: "h.test",
		headers: hdrs("Host", "h.test", "Content-Type", "application/json", "Accept", "application/json", "Content-Length", "14"),
		body:    `{"a":1}{"b":2}`},
	{name: "get moves data to the query", cmd: `curl -G -d q=1 --data-urlencode 'name=a b' 'https://h.test/search?x=0'`,
		method: "GET", target: "/search?x=0&q=1&name=a+b", host: "h.test", headers: hdrs("Host", "h.test")},
	{name: "head", cmd: `curl -I http://h.test/`, method: "HEAD", target: "/", host: "h.test", headers: hdrs("Host", "h.test")},
	{name: "continuations and double quotes", cmd: "curl \"http://h.test/p\" \\\n   -H \"X-Quote: say \\\"hi\\\" \\$5\" \\\n   -H X-Bare:\\ value \\\n   -d \"li\\\nne\"",
		method: "POST", target: "/p", host: "h.test",
		headers: hdrs("Host", "h.test", "X-Quote", `say "hi" $5`, "X-Bare", "value", "Content-Length", "4", "Content-Type", "application/x-www-form-urlencoded"),
		body:    "line"},
	{name: "CRLF line ends", cmd: "curl http://h.test/ \\\r\n  -H 'A: 1'\r\n",
		method: "GET", target: "/", host: "h.test", headers: hdrs("Host", "h.test", "A", "1")},
	{name: "-H wins over -A", cmd: `curl -A ua/1 -H 'User-Agent: custom' -e 'https://ref.test/;auto' -b 'a=1' http://h.test/`,
		method: "GET", target: "/", host: "h.test",
		headers: hdrs("Host", "h.test", "Referer", "https://ref.test/", "Cookie", "a=1", "User-Agent", "custom")},
	{name: "removed, empty and own Host", cmd: `curl -H 'Accept:' -H 'X-Empty;' -H 'Host: other.test' -d x http://h.test/`,
		method: "POST", target: "/", host: "other.test",
		headers: hdrs("X-Empty", "", "Host", "other.test", "Content-Length", "1", "Content-Type", "application/x-www-form-urlencoded"),
		body:    "x"},
	{name: "clustered short options", cmd: `curl -sSLXPOST -HX-A:1 http://h.test/`,
		method: "POST", target: "/", host: "h.test", headers: hdrs("Host", "h.test", "X-A", "1"), warn: "-L, -S, -s"},
	{name: "user info in the URL", cmd: `curl http://u%40x:pw@h.test:8080/`,
		method: "GET", target: "/", host: "h.test:8080",
		headers: hdrs("Host", "h.test:8080", "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("u@x:pw")))},
	{name: "request target", cmd: `curl --request-target '*' -X OPTIONS --url http://h.test/`,
		method: "OPTIONS", target: "*", host: "h.test", headers: hdrs("Host", "h.test")},
	{name: "dot segments", cmd: `curl 'http://h.test/a/./b/../c?x=/../'`,
		method: "GET", target: "/a/c?x=/../", host: "h.test", headers: hdrs("Host", "h.test")},
	{name: "path as is", cmd: `curl --path-as-is http://h.test/a/./b/../c`,
		method: "GET", target: "/a/./b/../c", host: "h.test", headers: hdrs("Host", "h.test")},
	{name: "printf pipe", cmd: `printf 'a\000b%%\n\047' | curl --data-binary @- -H 'Content-Type: application/octet-stream' http://h.test/`,
		method: "POST", target: "/", host: "h.test",
		headers: hdrs("Host", "h.test", "Content-Type", "application/octet-stream", "Content-Length", "6"), body: "a\x00b%\n'"},
	{name: "printf %s", cmd: `printf '%s' '{"a": 1}' | curl -H 'Content-Type: application/json' --data-binary @- http://h.test/`,
		method: "POST", target: "/", host: "h.test",
		headers: hdrs("Host", "h.test", "Content-Type", "application/json", "Content-Length", "8"), body: `{"a": 1}`},
	{name: "echo pipe and -d strips newlines", cmd: `echo '{"a":1}' | curl -H 'Content-Type: application/json' -d @- http://h.test/`,
		method: "POST", target: "/", host: "h.test",
		headers: hdrs("Host", "h.test", "Content-Type", "application/json", "Content-Length", "7"), body: `{"a":1}`},
	{name: "unknown option", cmd: `curl --frobnicate http://h.test/`,
		method: "GET", target: "/", host: "h.test", headers: hdrs("Host", "h.test"), warn: "unknown option --frobnicate at line 1, column 6"},
	{name: "variables stay", cmd: `curl -H "Authorization: Bearer $TOKEN" http://h.test/`,
		method: "GET", target: "/", host: "h.test", headers: hdrs("Host", "h.test", "Authorization", "Bearer $TOKEN"),
		warn: "shell variable $TOKEN is not expanded"},
	{name: "ANSI-C escapes", cmd: `curl http://h.test/ --data-raw $'{"n":"Zo\u00eb","t":"\\t","x":"\x41\101\e"}'`,
		method: "POST", target: "/", host: "h.test",
		headers: hdrs("Host", "h.test", "Content-Length", "31", "Content-Type", "application/x-www-form-urlencoded"),
		body:    "{\"n\":\"Zoë\",\"t\":\"\\t\",\"x\":\"AA\x1b\"}"},
	{name: "prompt, bearer, url-query", cmd: `$ curl --oauth2-bearer tok --url-query 'a=b c' --url-query +raw=%20 http://h.test/p`,
		method: "GET", target: "/p?a=b+c&raw=%20", host: "h.test", headers: hdrs("Host", "h.test", "Authorization", "Bearer tok")},
	{name: "two URLs", cmd: `curl http://a.test/1 http://b.test/2`,
		method: "GET", target: "/1", host: "a.test", headers: hdrs("Host", "a.test"), warn: "2 URLs given"},
	{name: "comment, separator, redirection", cmd: "# replay it\ncurl http://h.test/ -o /dev/null > out.txt 2>&1 ;\n",
		method: "GET", target: "/", host: "h.test", headers: hdrs("Host", "h.test"), warn: "ignored, as they do not change the request: -o, >"},
	{name: "empty data", cmd: `curl -d '' http://h.test/`,
		method: "POST", target: "/", host: "h.test",
		headers: hdrs("Host", "h.test", "Content-Length", "0", "Content-Type", "application/x-www-form-urlencoded")},
	{name: "range and http1.0", cmd: `curl -r 0-99 --http1.0 http://h.test/f`,
		method: "GET", target: "/f", host: "h.test", headers: hdrs("Host", "h.test", "Range", "bytes=0-99")},
}

func TestParseCurl(t *testing.T) {
	for _, tc := range curlCases {
		t.Run(tc.name, func(t *testing.T) {
			r, warns, err := ParseCurl(tc.cmd)
			if err != nil {
				t.Fatalf("ParseCurl: %v", err)
			}
			if r.Method != tc.method || r.Target != tc.target || r.Host != tc.host {
				t.Errorf("got %s %s host %q, want %s %s host %q", r.Method, r.Target, r.Host, tc.method, tc.target, tc.host)
			}
			if !slices.Equal(r.Headers, tc.headers) {
				t.Errorf("headers\n got %q\nwant %q", r.Headers, tc.headers)
			}
			if string(r.Body) != tc.body || r.BodySize != int64(len(tc.body)) {
				t.Errorf("body %q (size %d), want %q", r.Body, r.BodySize, tc.body)
			}
			if tc.warn != "" && !hasWarning(warns, tc.warn) {
				t.Errorf("warnings %q, want one containing %q", warns, tc.warn)
			}
			if tc.warn == "" && len(warns) > 0 {
				t.Errorf("unexpected warnings %q", warns)
			}
			if !validULID(r.ID) || r.RemoteAddr != "imported" || r.Origin != "import:curl" || !r.HeadersFromWire || r.Proto == "" {
				t.Errorf("id %q remote %q origin %q proto %q", r.ID, r.RemoteAddr, r.Origin, r.Proto)
			}
		})
	}
}

func TestParseCurlErrors(t *testing.T) {
	for _, tc := range []struct{ name, cmd, err string }{
		{"unterminated single quote", "curl -H 'A: 1' \\\n  'http://h.test/", "line 2, column 3: unterminated single quote"},
		{"unterminated double quote", `curl "http://h.test/`, "line 1, column 6: unterminated double quote"},
		{"unterminated ANSI-C quote", `curl http://h.test/ --data-raw $'abc\'`, "line 1, column 32: unterminated $'...' quote"},
		{"file body", `curl -d @body.json http://h.test/`, "line 1, column 6: -d @body.json: file bodies are not supported: paste the body"},
		{"file body binary", `curl --data-binary @img.png http://h.test/`, "file bodies are not supported: paste the body"},
		{"urlencoded file", `curl --data-urlencode name@file.txt http://h.test/`, "file bodies are not supported"},
		{"stdin without pipe", `curl --data-binary @- http://h.test/`, "reads the body from standard input"},
		{"no URL", `curl -H 'Content-Type: a'`, "no URL: add the address"},
		{"multipart", `curl -F a=1 http://h.test/`, "multipart form"},
		{"upload", `curl -T f.bin http://h.test/`, "uploads a file"},
		{"config", `curl -K cfg http://h.test/`, "reads options from a file"},
		{"header file", `curl -H @headers.txt http://h.test/`, "headers from a file"},
		{"space in URL", `curl 'http://h.test/a b'`, "line 1, column 6: the URL holds a space or control character at byte 16"},
		{"scheme", `curl ftp://h.test/`, `URL scheme "ftp"`},
		{"no host", `curl http:///x`, "has no host"},
		{"header name", `curl -H 'Bad Name: x' http://h.test/`, `header name "Bad Name" is not valid`},
		{"header line break", `curl -H $'X: a\nb' http://h.test/`, "line break"},
		{"not curl", `wget http://h.test/`, `not a curl command (it starts with "wget")`},
		{"two commands", "curl http://a.test/\ncurl http://b.test/", "2 commands found (the second at line 2, column 1)"},
		{"empty", " \n ", "nothing to read"},
		{"method", `curl -X 'BAD METHOD' http://h.test/`, "is not a valid HTTP method"},
		{"head with body", `curl -I -d x http://h.test/`, "-I/--head with a body"},
		{"missing value", `curl http://h.test/ -H`, "option -H needs a value"},
		{"missing long value", `curl http://h.test/ --data`, "option --data needs a value"},
		{"cat pipe", `cat body | curl -d @- http://h.test/`, "only printf or echo"},
		{"input redirection", `curl -d @- http://h.test/ < body.json`, "input redirection"},
		{"printf %d", `printf '%d' 5 | curl -d @- http://h.test/`, "printf %d is not supported"},
		{"long pipeline", `printf a | tr a b | curl -d @- http://h.test/`, "a pipeline of 3 commands"},
		{"space in -G data", `curl -G -d 'q=a b' http://h.test/`, "use --data-urlencode"},
		{"Windows cmd", "curl ^\"https://h.test/^\" ^\n  -H ^\"accept: */*^\"", "Copy as cURL (cmd)"},
		{"bad request target", `curl --request-target 'a b' http://h.test/`, "a target has no spaces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, err := ParseCurl(tc.cmd)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ParseCurl = %v, %v; want an error containing %q", r, err, tc.err)
			}
		})
	}
}

// TestCurlExport pins the command's shape.
func TestCurlExport(t *testing.T) {
	r := capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "POST", "/hook?a=1", []byte(`{"msg":"it's"}`),
		"User-Agent", "Go-http-client/1.1", "Content-Type", "application/json", "X-Empty", "")
	got := string(export(t, Curl, []*capture.Request{r, r}, ExportOptions{}))
	one := "curl -X POST 'http://127.0.0.1:4665/hook?a=1' \\\n" +
		"  -H 'User-Agent: Go-http-client/1.1' \\\n" +
		"  -H 'Content-Type: application/json' \\\n" +
		"  -H 'X-Empty;' \\\n" +
		"  --data-raw '{\"msg\":\"it'\\''s\"}'\n"
	if want := one + "\n" + one; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	bin := capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "HEAD", "/x", nil)
	bin.Headers[0].Value = "tunnel.example"
	if got, want := string(export(t, Curl, []*capture.Request{bin}, ExportOptions{})),
		"curl --head 'http://tunnel.example/x'\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	bin = capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "POST", "/x", []byte("caf\xe9\r\n"), "Content-Type", "text/plain")
	if got := string(export(t, Curl, []*capture.Request{bin}, ExportOptions{})); !strings.HasPrefix(got, `printf 'caf\351\015\n' | curl -X POST`) {
		t.Errorf("non-UTF-8 body not piped from printf: %s", got)
	}
	bin.Body = []byte("--b\r\n\x00")
	if got := string(export(t, Curl, []*capture.Request{bin}, ExportOptions{})); !strings.HasPrefix(got, `printf '\055-b\015\n\000' | curl -X POST`) {
		t.Errorf("leading '-' not escaped, printf would read an option: %s", got)
	}
	bin.Body = []byte("\x00'%\\\xff")
	if got := string(export(t, Curl, []*capture.Request{bin}, ExportOptions{})); !strings.HasPrefix(got, `printf '\000\047%%\\\377' | curl -X POST`) ||
		!strings.HasSuffix(got, "--data-binary @-\n") {
		t.Errorf("NUL body not piped: %s", got)
	}
}

func TestCurlRoundTrip(t *testing.T) {
	reqs := sampleCaptures()
	extra := []*capture.Request{
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K0", "POST", "/q'uote", []byte("multi\nline\n\nbody with a blank line\n"), "Content-Type", "text/plain"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K1", "GET", "/", nil, "X-Latin", "caf\xe9", "X-Tab", "a\tb"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K2", "A'B|C", "/m", []byte("-d --data"), "Content-Type", "text/plain"),
		capt("01HWZ5R6Q8A2C3D4E5F6G7H8K3", "POST", "/only-nul", []byte{0}, "Content-Type", "application/octet-stream"),
	}
	reqs = append(reqs, extra...)
	check := func(t *testing.T, want, got *capture.Request) {
		t.Helper()
		if got.Method != want.Method || got.Target != want.Target {
			t.Errorf("got %s %s, want %s %s", got.Method, got.Target, want.Method, want.Target)
		}
		if w, g := withoutContentLength(want.Headers), withoutContentLength(got.Headers); !slices.Equal(w, g) {
			t.Errorf("headers\n got %q\nwant %q", g, w)
		}
		if !bytes.Equal(got.Body, want.Body) {
			t.Errorf("body %q, want %q", got.Body, want.Body)
		}
	}
	for _, r := range reqs {
		t.Run(r.Target, func(t *testing.T) {
			cmd := string(export(t, Curl, []*capture.Request{r}, ExportOptions{IncludeSecrets: true}))
			got, warns, err := ParseCurl(cmd)
			if err != nil {
				t.Fatalf("ParseCurl(%s): %v", cmd, err)
			}
			if len(warns) > 0 {
				t.Errorf("warnings %q for\n%s", warns, cmd)
			}
			check(t, r, got)
		})
	}
	// Several commands in one file, read back by Import.
	out := export(t, Curl, reqs, ExportOptions{IncludeSecrets: true})
	res, err := Import(bytes.NewReader(out), "replay.sh")
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != Curl || len(res.Requests) != len(reqs) || len(res.Warnings) != 0 {
		t.Fatalf("source %q, %d requests (want %d), warnings %q", res.Source, len(res.Requests), len(reqs), res.Warnings)
	}
	for i, r := range reqs {
		check(t, r, res.Requests[i])
	}
}

func TestImportCurlFile(t *testing.T) {
	in := "#!/bin/bash\nset -e\nexport BASE=http://127.0.0.1:4665\n\ncurl http://h.test/a\ncurl -d @missing.json http://h.test/b && curl -X DELETE http://h.test/c\n"
	res, err := Import(strings.NewReader(in), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Requests {
		got = append(got, r.Method+" "+r.Target)
	}
	if want := []string{"GET /a", "DELETE /c"}; !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	for _, w := range []string{`commands 1, 2: skipped: not a curl command`, `command 4: skipped: line 6, column 6: -d @missing.json: file bodies`} {
		if !hasWarning(res.Warnings, w) {
			t.Errorf("warnings %q, want %q", res.Warnings, w)
		}
	}
	if _, err := ImportFormat(strings.NewReader("curl 'x"), Curl); err == nil || !strings.Contains(err.Error(), "unterminated") {
		t.Errorf("unterminated quote: %v", err)
	}
	if _, err := ImportFormat(strings.NewReader("echo hi"), Curl); err == nil || !strings.Contains(err.Error(), "not a curl command") {
		t.Errorf("no curl: %v", err)
	}
}

// TestExportAddress: without a base URL, HAR and cURL use the scheme and
// host each capture came to; with one, the cURL command drops a captured
// Host that would contradict the URL.
func TestExportAddress(t *testing.T) {
	ngrok := capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "POST", "/hook?a=1", []byte("{}"), "X-Forwarded-Proto", "https", "Content-Type", "application/json")
	ngrok.Headers[0].Value, ngrok.Host = "abc.ngrok.app", "abc.ngrok.app"
	fwd := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JA", "GET", "/f", nil, "Forwarded", "for=1.2.3.4;proto=https")
	fwd.Headers[0].Value = "hooks.example.com:8443"
	local := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JB", "GET", "/l", nil)
	local.Headers[0].Value = "localhost:4665"
	odd := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JC", "GET", "/o", nil)
	odd.Headers[0].Value, odd.Host = "evil.example/@x", "" // not a host: the default
	for _, tc := range []struct {
		r        *capture.Request
		base     string
		url      string
		wantHost bool
	}{
		{ngrok, "", "https://abc.ngrok.app/hook?a=1", false},
		{fwd, "", "https://hooks.example.com:8443/f", false},
		{local, "", "http://localhost:4665/l", false},
		{odd, "", "http://127.0.0.1:4665/o", false},
		{ngrok, "http://localhost:3000", "http://localhost:3000/hook?a=1", false},
		{ngrok, "https://ABC.ngrok.app", "https://ABC.ngrok.app/hook?a=1", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			o := ExportOptions{BaseURL: tc.base}
			cmd := string(export(t, Curl, []*capture.Request{tc.r}, o))
			if !strings.Contains(cmd, shellQuote(tc.url)) {
				t.Errorf("curl URL is not %s:\n%s", tc.url, cmd)
			}
			if strings.Contains(cmd, "Host: ") {
				t.Errorf("curl sends a Host beside the URL's:\n%s", cmd)
			}
			var doc struct {
				Log struct {
					Entries []struct {
						Request struct{ URL string }
					}
				}
			}
			if err := json.Unmarshal(export(t, HAR, []*capture.Request{tc.r}, o), &doc); err != nil || doc.Log.Entries[0].Request.URL != tc.url {
				t.Errorf("HAR URL %+v, want %s (%v)", doc.Log.Entries, tc.url, err)
			}
		})
	}
}
