package exchange

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/verify"
)

// hdrs builds headers from name, value pairs.
func hdrs(kv ...string) capture.Headers {
	h := capture.Headers{}
	for i := 0; i+1 < len(kv); i += 2 {
		h = append(h, capture.Header{Name: kv[i], Value: kv[i+1]})
	}
	return h
}

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)

// capt is a captured request as capture.Handler records it: Host first,
// Content-Length matching the body.
func capt(id, method, target string, body []byte, extra ...string) *capture.Request {
	h := hdrs("Host", "127.0.0.1:4665")
	h = append(h, hdrs(extra...)...)
	declared := int64(-1)
	if len(body) > 0 && !chunked(h) {
		h = append(h, capture.Header{Name: "Content-Length", Value: fmt.Sprint(len(body))})
		declared = int64(len(body))
	}
	return &capture.Request{
		ID: id, ReceivedAt: t0, Method: method, Target: target, Proto: "HTTP/1.1",
		Host: "127.0.0.1:4665", RemoteAddr: "192.0.2.7:51234", Headers: h, Body: body,
		BodySize: int64(len(body)), DeclaredSize: declared, HeadersFromWire: true,
		Response: capture.Response{Status: 200, Headers: hdrs("Content-Type", "text/plain; charset=utf-8"), Body: []byte("ok\n")},
	}
}

// sampleCaptures covers what the formats must carry: binary bodies,
// duplicate headers, non-ASCII text, empty bodies, repeated query keys,
// odd targets and every Gancho field.
func sampleCaptures() []*capture.Request {
	json := capt("01HWZ5R6Q8A2C3D4E5F6G7H8J9", "POST", "/stripe/webhook?a=1&a=2&token=abc",
		[]byte(`{"id":"evt_1","name":"Zoë Ñúñez","emoji":"🎉","quote":"it's"}`),
		"User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
		"Content-Type", "application/json; charset=utf-8",
		"Stripe-Signature", "t=1714557600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
		"X-Dup", "one", "x-dup", "two", "X-Dup", "three",
		"Authorization", "Basic dXNlcjpwYXNz",
		"Cookie", "session=abc; theme=dark",
		"X-Empty", "")
	json.Verification = &verify.Result{Scheme: "stripe", OK: true, Reason: "signature v1 matches"}
	json.Rule = "POST /stripe/* → 200"

	bin := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JA", "PUT", "/upload/blob.bin",
		[]byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, '\'', '\\', '%', 0x7f, 0x80, '\n', '\r'},
		"Content-Type", "application/octet-stream", "Content-Encoding", "gzip")
	bin.Response = capture.Response{Status: 201, Headers: hdrs("Content-Type", "image/png", "Set-Cookie", "id=42; Path=/"), Body: []byte{0x89, 'P', 'N', 'G', 0, 1, 2}}
	bin.DuplicateOf = "01HWZ5R6Q8A2C3D4E5F6G7H8J9"

	invalidUTF8 := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JB", "POST", "/latin1", []byte("caf\xe9 cr\xe8me\r\n"),
		"Content-Type", "text/plain; charset=iso-8859-1")

	get := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JC", "GET", "/events?type=a&type=b&type=c&empty=&flag&q=%C3%A9+x&sig=s1", nil,
		"Accept", "*/*", "X-Api-Key", "sk_live_123")
	get.Response = capture.Response{}

	chunk := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JD", "POST", "/chunked", []byte("hello, chunked world"),
		"Transfer-Encoding", "chunked", "Content-Type", "text/plain")

	trunc := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JE", "POST", "/big", []byte("first bytes only"),
		"Content-Type", "text/plain")
	trunc.Headers[len(trunc.Headers)-1].Value = "10485760"
	trunc.DeclaredSize, trunc.BodySize, trunc.Truncated = 10485760, 10485760, true
	trunc.Error = "body over the 25 MiB limit"
	trunc.Refused = "too large"

	odd := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JF", "PROPFIND", "/a/./b/../c%20d?x=[1]&y={2}#frag", nil, "Depth", "1")
	odd.HeadersFromWire = false

	abs := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JG", "GET", "http://user:pw@proxy.example:8080/p?q=1", nil)
	abs.Headers = hdrs("Host", "other.example", "Accept", "text/html")
	abs.Host = "proxy.example:8080"
	abs.Proto = "HTTP/1.0"

	star := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JH", "OPTIONS", "*", nil)
	star.Headers = hdrs("User-Agent", "probe", "Host", "127.0.0.1:4665") // Host not first

	noHost := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JJ", "HEAD", "/health", nil)
	noHost.Headers = hdrs("Accept", "*/*")
	noHost.Proto = "HTTP/2.0"

	tunnel := capt("01HWZ5R6Q8A2C3D4E5F6G7H8JK", "POST", "/gh", []byte("@not-a-file"),
		"X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256=abc")
	tunnel.Headers[0].Value = "abc123.ngrok.app"
	tunnel.Host = "abc123.ngrok.app"
	tunnel.Headers = append(tunnel.Headers[:1], tunnel.Headers[2:]...) // no Content-Type: curl must not add one

	return []*capture.Request{json, bin, invalidUTF8, get, chunk, trunc, odd, abs, star, noHost, tunnel}
}

// diffRequest lists the fields that differ; origin and the response are
// compared only when asked (JSON lines do not carry the response).
func diffRequest(want, got *capture.Request, withResponse bool) []string {
	var d []string
	cmp := func(name string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			d = append(d, fmt.Sprintf("%s: want %#v, got %#v", name, a, b))
		}
	}
	cmp("ID", want.ID, got.ID)
	if !want.ReceivedAt.Equal(got.ReceivedAt) {
		d = append(d, fmt.Sprintf("ReceivedAt: want %v, got %v", want.ReceivedAt, got.ReceivedAt))
	}
	cmp("Method", want.Method, got.Method)
	cmp("Target", want.Target, got.Target)
	cmp("Proto", want.Proto, got.Proto)
	cmp("Host", want.Host, got.Host)
	cmp("RemoteAddr", want.RemoteAddr, got.RemoteAddr)
	if !slices.Equal(want.Headers, got.Headers) {
		d = append(d, fmt.Sprintf("Headers: want %q, got %q", want.Headers, got.Headers))
	}
	if !bytes.Equal(want.Body, got.Body) {
		d = append(d, fmt.Sprintf("Body: want %q, got %q", want.Body, got.Body))
	}
	cmp("BodySize", want.BodySize, got.BodySize)
	cmp("Truncated", want.Truncated, got.Truncated)
	cmp("DeclaredSize", want.DeclaredSize, got.DeclaredSize)
	cmp("HeadersFromWire", want.HeadersFromWire, got.HeadersFromWire)
	cmp("Error", want.Error, got.Error)
	cmp("Verification", want.Verification, got.Verification)
	cmp("DuplicateOf", want.DuplicateOf, got.DuplicateOf)
	cmp("Refused", want.Refused, got.Refused)
	cmp("Rule", want.Rule, got.Rule)
	if withResponse {
		cmp("Response.Status", want.Response.Status, got.Response.Status)
		if !slices.Equal(want.Response.Headers, got.Response.Headers) {
			d = append(d, fmt.Sprintf("Response.Headers: want %q, got %q", want.Response.Headers, got.Response.Headers))
		}
		if !bytes.Equal(want.Response.Body, got.Response.Body) {
			d = append(d, fmt.Sprintf("Response.Body: want %q, got %q", want.Response.Body, got.Response.Body))
		}
	}
	return d
}

func export(t testing.TB, f Format, reqs []*capture.Request, o ExportOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Export(&b, f, reqs, o); err != nil {
		t.Fatalf("Export %s: %v", f, err)
	}
	return b.Bytes()
}

// withoutContentLength drops Content-Length: curl computes it, so a curl
// round trip cannot keep its place.
func withoutContentLength(h capture.Headers) capture.Headers {
	var out capture.Headers
	for _, kv := range h {
		if !strings.EqualFold(kv.Name, "Content-Length") {
			out = append(out, kv)
		}
	}
	return out
}

func hasWarning(warns []string, sub string) bool {
	return slices.ContainsFunc(warns, func(w string) bool { return strings.Contains(w, sub) })
}
