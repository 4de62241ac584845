package suite

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/outbound"
)

// fixedNow is the tests' clock: no test depends on today's date.
var fixedNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func clock() time.Time { return fixedNow }

// seeded is a fixed random source for {{uuid}} and {{webhookID}}.
func seeded(seed uint64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	return rand.NewChaCha8(s)
}

// hit is one request a receiver saw.
type hit struct {
	Method string
	URI    string // path and query as sent
	Header http.Header
	Body   []byte
}

// receiver is a loopback HTTP server that records what it gets and
// answers with answer.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newReceiver(t testing.TB, answer http.HandlerFunc) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, hit{Method: r.Method, URI: r.RequestURI, Header: r.Header.Clone(), Body: body})
		rc.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		answer(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) Hits() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

// answer writes status, the headers (name, value pairs) and body.
func answer(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Add(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// run runs s against rc with the fixed clock and random source.
func run(t testing.TB, s *Suite, target string, o RunOptions) *Report {
	t.Helper()
	o.Target = target
	if o.Now == nil {
		o.Now = clock
	}
	if o.Rand == nil {
		o.Rand = seeded(1)
	}
	rep, err := Run(context.Background(), s, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

// fakeCaptures is a capture store for capture steps.
type fakeCaptures map[string]*capture.Request

func (f fakeCaptures) Get(_ context.Context, id string) (*capture.Request, error) {
	c, ok := f[id]
	if !ok {
		return nil, capture.ErrNotFound
	}
	return c, nil
}

// fakeSubs is a subscription list.
type fakeSubs []outbound.Subscription

func (f fakeSubs) Subscriptions(context.Context) ([]outbound.Subscription, error) { return f, nil }

func ptr[T any](v T) *T { return &v }

// inline is a one-step POST of body to path with a JSON Content-Type.
func inline(name, path, body string) Step {
	return Step{Name: name, Request: &Request{Method: "POST", Path: path, Headers: Headers{"Content-Type: application/json"}, Body: body}}
}
