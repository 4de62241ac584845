package capture_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

// newStore opens a store in a fresh directory; closed by t.Cleanup.
func newStore(t testing.TB, cfg capture.StoreConfig) *capture.Store {
	t.Helper()
	db, err := database.Open(t.TempDir(), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := capture.NewStore(context.Background(), db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		db.Close()
	})
	return st
}

// newServer starts a capture server on a loopback port.
func newServer(t testing.TB, st *capture.Store, cfg capture.Config) *capture.Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	srv := capture.NewServer(st, cfg)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

// rawRequest writes raw bytes on a new connection and returns the response.
func rawRequest(t *testing.T, addr string, raw []byte) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func gzipped(s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	zw.Close()
	return buf.Bytes()
}

func multipartBody() (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.SetBoundary("gancho-boundary-42")
	mw.WriteField("name", "Ana Souza")
	fw, _ := mw.CreateFormFile("file", "logo.bin")
	fw.Write(allBytes())
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// head builds a request head; headers are "Name: value" lines written as given.
func head(method, target string, headers ...string) string {
	return method + " " + target + " HTTP/1.1\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n"
}

func TestFidelity(t *testing.T) {
	mpType, mpBody := multipartBody()
	type tc struct {
		name    string
		method  string
		target  string
		headers []string // without Content-Length (added when body != nil)
		body    []byte
		chunked bool
	}
	cases := []tc{
		{name: "json", method: "POST", target: "/hooks/crm", headers: []string{"Host: example.test", "Content-Type: application/json"},
			body: []byte(`{"type":"client.created","data":{"name":"Ana","email":"ana@example.com.br","amount":1234.50}}`)},
		{name: "xml with doctype", method: "POST", target: "/xml", headers: []string{"Host: h", "Content-Type: application/xml"},
			body: []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE note [<!ENTITY x \"y\">]>\n<note a='1'>&x;</note>")},
		{name: "urlencoded form", method: "POST", target: "/form", headers: []string{"Host: h", "Content-Type: application/x-www-form-urlencoded"},
			body: []byte("name=Jo%C3%A3o+Silva&tag=a&tag=b&email=joao%40example.com")},
		{name: "multipart with binary part", method: "POST", target: "/upload", headers: []string{"Host: h", "Content-Type: " + mpType},
			body: mpBody},
		{name: "all 256 byte values", method: "PUT", target: "/bin", headers: []string{"Host: h", "Content-Type: application/octet-stream"},
			body: allBytes()},
		{name: "gzip stays gzip", method: "POST", target: "/gz", headers: []string{"Host: h", "Content-Type: application/json", "Content-Encoding: gzip"},
			body: gzipped(`{"compressed":true}`)},
		{name: "empty body", method: "POST", target: "/empty", headers: []string{"Host: h"}, body: []byte{}},
		{name: "invalid utf-8", method: "POST", target: "/bad", headers: []string{"Host: h", "Content-Type: text/plain; charset=utf-8"},
			body: []byte("caf\xe9 \xff\xfe ok")},
		{name: "PROPFIND", method: "PROPFIND", target: "/dav/folder/", headers: []string{"Host: h", "Depth: 1"}},
		{name: "custom method", method: "GANCHO-PING", target: "/x", headers: []string{"Host: h"}},
		{name: "query with %2F + and repeated key", method: "GET", target: "/q/a%2Fb?path=a%2Fb&plus=a+b&k=1&k=2&empty=&flag",
			headers: []string{"Host: h"}},
		{name: "duplicate header lines in wire order", method: "POST", target: "/dup",
			headers: []string{"Host: h", "x-signature: first", "Accept: */*", "X-Signature: second", "set-cookie: a=1", "Set-Cookie: b=2"},
			body:    []byte("{}")},
		{name: "chunked is stored de-chunked", method: "POST", target: "/chunked",
			headers: []string{"Host: h", "Content-Type: text/plain", "Transfer-Encoding: chunked"},
			body:    []byte("hello, chunked world"), chunked: true},
		{name: "invalid utf-8 target kept as bytes", method: "GET", target: "/caf\xe9?q=\xff\xfe", headers: []string{"Host: h"}},
		{name: "absolute-form target", method: "GET", target: "http://example.test/abs?x=1", headers: []string{"Host: example.test"}},
	}
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdrs := append([]string(nil), c.headers...)
			var payload []byte
			switch {
			case c.chunked:
				half := len(c.body) / 2
				payload = fmt.Appendf(nil, "%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\n\r\n", half, c.body[:half], len(c.body)-half, c.body[half:])
			case c.body != nil:
				hdrs = append(hdrs, "Content-Length: "+strconv.Itoa(len(c.body)))
				payload = c.body
			}
			raw := append([]byte(head(c.method, c.target, hdrs...)), payload...)
			resp := rawRequest(t, srv.Addr().String(), raw)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			id := resp.Header.Get("X-Gancho-Id")
			var ack struct {
				OK bool
				ID string
			}
			if err := json.NewDecoder(resp.Body).Decode(&ack); err != nil || ack.ID != id || !ack.OK {
				t.Fatalf("ack body %+v (%v), header id %q", ack, err, id)
			}
			got, err := st.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			// Round-trip through the export record, as scripts see it.
			line, _ := json.Marshal(got.ToRecord())
			var rec capture.Record
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Fatal(err)
			}
			back, err := capture.FromRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			if back.Method != c.method || back.Target != c.target || back.Proto != "HTTP/1.1" {
				t.Errorf("request line = %q %q %q", back.Method, back.Target, back.Proto)
			}
			want := c.body
			if want == nil {
				want = []byte{}
			}
			if !bytes.Equal(back.Body, want) || back.BodySize != int64(len(want)) {
				t.Errorf("body = %q (%d), want %q", back.Body, back.BodySize, want)
			}
			wantHdr := append([]string(nil), hdrs...)
			var gotHdr []string
			for _, h := range back.Headers {
				gotHdr = append(gotHdr, h.Name+": "+h.Value)
			}
			if strings.Join(gotHdr, "\n") != strings.Join(wantHdr, "\n") {
				t.Errorf("headers:\n got %q\nwant %q", gotHdr, wantHdr)
			}
			if !got.HeadersFromWire {
				t.Error("headers were not read from the wire")
			}
			if back.Truncated || back.Response.Status != 200 {
				t.Errorf("truncated %v status %d", back.Truncated, back.Response.Status)
			}
		})
	}
}

func TestOverLimitBody(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{MaxBody: 100 << 10})
	big := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
	resp, err := http.Post(srv.URL()+"/big", "application/octet-stream", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "--max-body") {
		t.Fatalf("status %d body %q", resp.StatusCode, msg)
	}
	got, err := st.Get(context.Background(), resp.Header.Get("X-Gancho-Id"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Truncated || len(got.Body) != capture.TruncatedKeep || !bytes.Equal(got.Body, big[:capture.TruncatedKeep]) ||
		got.DeclaredSize != int64(len(big)) || got.Response.Status != 413 {
		t.Fatalf("truncated=%v kept=%d declared=%d status=%d", got.Truncated, len(got.Body), got.DeclaredSize, got.Response.Status)
	}
	// The server keeps serving.
	resp, err = http.Post(srv.URL()+"/after", "text/plain", strings.NewReader("small"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after over-limit: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := capture.NewServer(newStore(t, capture.StoreConfig{}), capture.Config{Addr: ln.Addr().String()})
	err = srv.Start()
	if !errors.Is(err, capture.ErrAddrInUse) || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("err = %v", err)
	}
}

// gatedStore holds each Append until released, so a test can catch a
// request in flight.
type gatedStore struct {
	*capture.Store
	entered chan struct{}
	release chan struct{}
}

func (g *gatedStore) Append(ctx context.Context, r *capture.Request) error {
	g.entered <- struct{}{}
	<-g.release
	return g.Store.Append(ctx, r)
}

func TestShutdownFinishesInFlight(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	g := &gatedStore{Store: st, entered: make(chan struct{}), release: make(chan struct{})}
	srv := capture.NewServer(g, capture.Config{Addr: "127.0.0.1:0"})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Post(srv.URL()+"/slow", "text/plain", strings.NewReader("0123456789"))
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	<-g.entered // the handler is running
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	close(g.release)
	resp := <-done
	if resp == nil || resp.StatusCode != 200 {
		t.Fatalf("in-flight request: %v", resp)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(context.Background(), resp.Header.Get("X-Gancho-Id"))
	if err != nil || string(got.Body) != "0123456789" {
		t.Fatalf("stored %v, %v", got, err)
	}
}

func TestConcurrentCaptures(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	const clients, each = 16, 25
	var wg sync.WaitGroup
	ids := make(chan string, clients*each)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				resp, err := http.Post(srv.URL()+fmt.Sprintf("/c/%d/%d", c, i), "application/json",
					strings.NewReader(fmt.Sprintf(`{"client":%d,"n":%d}`, c, i)))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ids <- resp.Header.Get("X-Gancho-Id")
			}
		}(c)
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if _, err := st.Get(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		seen[id] = true
	}
	n, _ := st.Stats()
	if len(seen) != clients*each || n != clients*each {
		t.Fatalf("ids %d, stored %d, want %d", len(seen), n, clients*each)
	}
}

func TestPausedCaptureRefusesAndStoresNothing(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	srv.SetPaused(true)
	resp, err := http.Post(srv.URL()+"/p", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("paused: status %d", resp.StatusCode)
	}
	if n, _ := st.Stats(); n != 0 {
		t.Fatalf("stored %d while paused", n)
	}
	srv.SetPaused(false)
	resp, err = http.Post(srv.URL()+"/p", "text/plain", strings.NewReader("x"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("resumed: %v %v", resp, err)
	}
	resp.Body.Close()
}
