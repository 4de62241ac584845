package replay

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/gancho-app/gancho/capture"
)

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReplayFidelity replays captures unedited to a raw listener and checks
// the bytes that arrive: request line, header names' case, header order as
// documented (Host, User-Agent, Content-Length, then names sorted, values in
// captured order), hop-by-hop headers gone, body identical.
func TestReplayFidelity(t *testing.T) {
	srv := newRawServer(t)
	target := "http://" + srv.addr
	gz := gzipped(t, `{"event":"invoice.paid"}`)
	bin := allBytes()

	tests := []struct {
		name     string
		c        *capture.Request
		keepHost bool
		wantLine string
		want     [][2]string // "" value for Host means the target's host:port
	}{
		{
			name: "binary body, odd case, duplicates, hop-by-hop",
			c: &capture.Request{
				ID: "c1", Method: "POST", Target: "/hooks/a?x=1&y=%2F&z=a+b", Host: "hooks.example.com",
				Headers: capture.Headers{
					{Name: "Host", Value: "hooks.example.com"},
					{Name: "User-Agent", Value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
					{Name: "X-CuStOm", Value: "odd case"},
					{Name: "Content-Type", Value: "application/octet-stream"},
					{Name: "x-dup", Value: "1"},
					{Name: "Accept", Value: "*/*; q=0.5"},
					{Name: "X-Dup", Value: "2"}, // another spelling joins the first
					{Name: "x-dup", Value: "3"},
					{Name: "Content-Length", Value: "256"},
					{Name: "Connection", Value: "keep-alive, X-Hop"},
					{Name: "X-Hop", Value: "named in Connection"},
					{Name: "Keep-Alive", Value: "timeout=5"},
					{Name: "TE", Value: "trailers"},
					{Name: "Upgrade", Value: "h2c"},
					{Name: "Proxy-Connection", Value: "keep-alive"},
				},
				Body: bin, BodySize: 256, DeclaredSize: 256,
			},
			wantLine: "POST /hooks/a?x=1&y=%2F&z=a+b HTTP/1.1",
			want: [][2]string{
				{"Host", ""},
				{"User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
				{"Content-Length", "256"},
				{"Accept", "*/*; q=0.5"},
				{"Content-Type", "application/octet-stream"},
				{"X-CuStOm", "odd case"},
				{"x-dup", "1"}, {"x-dup", "2"}, {"x-dup", "3"},
			},
		},
		{
			name: "keep Host",
			c: &capture.Request{
				ID: "c2", Method: "POST", Target: "/hooks/b", Host: "hooks.example.com",
				Headers: capture.Headers{{Name: "Host", Value: "hooks.example.com"}, {Name: "Content-Type", Value: "text/plain"}},
				Body:    []byte("hi"), BodySize: 2, DeclaredSize: 2,
			},
			keepHost: true,
			wantLine: "POST /hooks/b HTTP/1.1",
			want:     [][2]string{{"Host", "hooks.example.com"}, {"Content-Length", "2"}, {"Content-Type", "text/plain"}},
		},
		{
			name: "gzip body sent as is",
			c: &capture.Request{
				ID: "c3", Method: "POST", Target: "/gz",
				Headers: capture.Headers{
					{Name: "content-type", Value: "application/json"},
					{Name: "content-encoding", Value: "gzip"},
					{Name: "user-agent", Value: "lower/1"},
				},
				Body: gz, BodySize: int64(len(gz)), DeclaredSize: int64(len(gz)),
			},
			wantLine: "POST /gz HTTP/1.1",
			want: [][2]string{
				{"Host", ""},
				{"User-Agent", "lower/1"}, // the one name net/http spells its own way
				{"Content-Length", strconv.Itoa(len(gz))},
				{"content-encoding", "gzip"},
				{"content-type", "application/json"},
			},
		},
		{
			name: "chunked capture goes with Content-Length",
			c: &capture.Request{
				ID: "c4", Method: "PUT", Target: "/chunked?",
				Headers: capture.Headers{
					{Name: "Transfer-Encoding", Value: "chunked"},
					{Name: "Content-Type", Value: "text/plain"},
					{Name: "Trailer", Value: "X-Checksum"},
				},
				Body: []byte("hello world"), BodySize: 11, DeclaredSize: -1,
			},
			wantLine: "PUT /chunked? HTTP/1.1",
			want:     [][2]string{{"Host", ""}, {"Content-Length", "11"}, {"Content-Type", "text/plain"}},
		},
		{
			name:     "no user agent, no body, extension method",
			c:        &capture.Request{ID: "c5", Method: "PROPFIND", Target: "/dav", Headers: capture.Headers{{Name: "Depth", Value: "1"}}, DeclaredSize: -1},
			wantLine: "PROPFIND /dav HTTP/1.1",
			want:     [][2]string{{"Host", ""}, {"Depth", "1"}},
		},
		{
			name:     "path and query verbatim where Go would re-escape",
			c:        &capture.Request{ID: "c6", Method: "GET", Target: "/a%7e/b|c;d?q=%zz&&", DeclaredSize: -1},
			wantLine: "GET /a%7e/b|c;d?q=%zz&& HTTP/1.1",
			want:     [][2]string{{"Host", ""}},
		},
		{
			name:     "absolute-form capture",
			c:        &capture.Request{ID: "c7", Method: "GET", Target: "http://proxy.example/p?x=1", DeclaredSize: -1},
			wantLine: "GET /p?x=1 HTTP/1.1",
			want:     [][2]string{{"Host", ""}},
		},
	}
	s := NewSender()
	t.Cleanup(s.Close)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := FromCapture(tc.c, target, tc.keepHost)
			if err != nil {
				t.Fatal(err)
			}
			res := s.Send(context.Background(), r, Options{})
			if res.Err != "" || res.Status != 200 {
				t.Fatalf("send: status %d, %s %s", res.Status, res.Class, res.Err)
			}
			got := srv.last(t)
			if got.line != tc.wantLine {
				t.Errorf("request line %q, want %q", got.line, tc.wantLine)
			}
			want := slices.Clone(tc.want)
			for i := range want {
				if want[i][0] == "Host" && want[i][1] == "" {
					want[i][1] = srv.addr
				}
			}
			if !slices.Equal(got.headers, want) {
				t.Errorf("headers on the wire:\n got %q\nwant %q", got.headers, want)
			}
			if !bytes.Equal(got.body, tc.c.Body) {
				t.Errorf("body differs: got %d bytes %q, want %d bytes", len(got.body), got.body, len(tc.c.Body))
			}
		})
	}
}

func TestFromCaptureURL(t *testing.T) {
	tests := []struct {
		target, captured, want string
	}{
		{"http://h:3000", "/hooks/a?x=1", "http://h:3000/hooks/a?x=1"},
		{"http://h:3000/", "/hooks/a?x=1", "http://h:3000/hooks/a?x=1"},
		{"http://h:3000/webhooks", "/hooks/a?x=1", "http://h:3000/webhooks?x=1"},
		{"http://h:3000/webhooks/", "/hooks/a", "http://h:3000/webhooks/"},
		{"http://h:3000/webhooks?token=t", "/hooks/a?x=1", "http://h:3000/webhooks?token=t"},
		{"http://h:3000/webhooks?", "/hooks/a?x=1", "http://h:3000/webhooks"},
		{"http://h:3000?token=t", "/hooks/a?x=1", "http://h:3000/hooks/a?token=t"},
		{"localhost:3000", "/a", "http://localhost:3000/a"},
		{"HTTPS://h", "/a%2Fb?q=%zz", "https://h/a%2Fb?q=%zz"},
		{"https://user:pw@h:8443/x#frag", "/a", "https://user:pw@h:8443/x"},
		{"http://[::1]:3000", "", "http://[::1]:3000/"},
		{"http://h", "http://other/p?q", "http://h/p?q"},
		{"http://h", "/p?", "http://h/p?"},
	}
	for _, tc := range tests {
		t.Run(tc.target+" "+tc.captured, func(t *testing.T) {
			r, err := FromCapture(&capture.Request{Method: "POST", Target: tc.captured}, tc.target, false)
			if err != nil {
				t.Fatal(err)
			}
			if r.URL != tc.want {
				t.Errorf("URL %q, want %q", r.URL, tc.want)
			}
		})
	}
}

func TestFromCaptureErrors(t *testing.T) {
	tests := []struct {
		name     string
		c        *capture.Request
		target   string
		wantUsed bool // a Request comes back despite the error
	}{
		{"nil capture", nil, "http://h", false},
		{"no target", &capture.Request{Target: "/"}, " ", false},
		{"ftp target", &capture.Request{Target: "/"}, "ftp://h/x", false},
		{"no host", &capture.Request{Target: "/"}, "http:///x", false},
		{"asterisk", &capture.Request{Method: "OPTIONS", Target: "*"}, "http://h", false},
		{"connect", &capture.Request{Method: "CONNECT", Target: "h:443"}, "http://h", false},
		{"truncated", &capture.Request{Target: "/", Body: []byte("ab"), BodySize: 10, Truncated: true}, "http://h", true},
		{"sender hung up", &capture.Request{Target: "/", Body: []byte("ab"), BodySize: 2, Error: "client disconnected"}, "http://h", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := FromCapture(tc.c, tc.target, false)
			if err == nil {
				t.Fatalf("no error; got %+v", r)
			}
			if got := errors.Is(err, ErrIncompleteBody); got != tc.wantUsed {
				t.Errorf("errors.Is(ErrIncompleteBody) = %v for %v", got, err)
			}
			if tc.wantUsed && (r.URL == "" || len(r.Body) == 0) {
				t.Errorf("incomplete capture gave no usable request: %+v", r)
			}
		})
	}
}

// TestFromCaptureCopies checks the Request shares no memory with the
// capture, which the store hands out read-only.
func TestFromCaptureCopies(t *testing.T) {
	c := &capture.Request{Method: "POST", Target: "/", Headers: capture.Headers{{Name: "A", Value: "1"}}, Body: []byte("body")}
	r, err := FromCapture(c, "http://h", false)
	if err != nil {
		t.Fatal(err)
	}
	r.Body[0] = 'X'
	r.Headers[0].Value = "2"
	if string(c.Body) != "body" || c.Headers[0].Value != "1" {
		t.Errorf("capture modified through the Request: %q %v", c.Body, c.Headers)
	}
}
