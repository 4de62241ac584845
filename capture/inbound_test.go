package capture_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/rules"
	"github.com/gancho-app/gancho/verify"
)

// send makes one request and returns the status, Retry-After and the id.
func send(t *testing.T, c *http.Client, method, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func newest(t *testing.T, st *capture.Store) *capture.Request {
	t.Helper()
	rs, err := st.List(context.Background(), capture.Query{Limit: 1})
	if err != nil || len(rs) == 0 {
		t.Fatalf("newest capture: %v (%d)", err, len(rs))
	}
	return rs[0]
}

func setPolicy(t *testing.T, srv *capture.Server, p capture.Policy) {
	t.Helper()
	if err := srv.SetPolicy(p); err != nil {
		t.Fatal(err)
	}
}

func TestProtection(t *testing.T) {
	cases := []struct {
		name        string
		policy      capture.Policy
		path        string
		user, pass  string
		wantStatus  int
		wantRefused string // "" means accepted
	}{
		{"prefix right", capture.Policy{SecretPrefix: "k3y"}, "/k3y/hooks/a", "", "", 200, ""},
		{"prefix alone", capture.Policy{SecretPrefix: "k3y"}, "/k3y", "", "", 200, ""},
		{"prefix missing", capture.Policy{SecretPrefix: "k3y"}, "/hooks/a", "", "", 404, "secret path prefix missing or wrong"},
		{"prefix as a longer segment", capture.Policy{SecretPrefix: "k3y"}, "/k3yz/a", "", "", 404, "secret path prefix missing or wrong"},
		{"auth right", capture.Policy{BasicAuth: "ana:s3nha"}, "/a", "ana", "s3nha", 200, ""},
		{"auth wrong", capture.Policy{BasicAuth: "ana:s3nha"}, "/a", "ana", "x", 401, "basic auth wrong"},
		{"auth missing", capture.Policy{BasicAuth: "ana:s3nha"}, "/a", "", "", 401, "basic auth missing"},
		{"both right", capture.Policy{SecretPrefix: "k", BasicAuth: "a:b"}, "/k/x", "a", "b", 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t, capture.StoreConfig{})
			srv := newServer(t, st, capture.Config{})
			setPolicy(t, srv, tc.policy)
			req, _ := http.NewRequest("POST", srv.URL()+tc.path, strings.NewReader(`{"a":1}`))
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			got := newest(t, st)
			if got.Refused != tc.wantRefused {
				t.Errorf("refused %q, want %q", got.Refused, tc.wantRefused)
			}
			if string(got.Body) != `{"a":1}` {
				t.Errorf("body %q not kept", got.Body)
			}
			rec, _ := json.Marshal(got.ToRecord())
			if has := strings.Contains(string(rec), `"refused":`); has != (tc.wantRefused != "") {
				t.Errorf("record %s: refused field present=%v", rec, has)
			}
		})
	}
}

func TestDropRefused(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	setPolicy(t, srv, capture.Policy{SecretPrefix: "k", DropRefused: true})
	resp, _ := send(t, http.DefaultClient, "POST", srv.URL()+"/nope", "x")
	if resp.StatusCode != 404 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if n, _ := st.Stats(); n != 0 {
		t.Fatalf("%d captures stored, want none", n)
	}
}

func TestRefusedBigBodyReadsLittle(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	setPolicy(t, srv, capture.Policy{BasicAuth: "a:b"})
	resp, _ := send(t, http.DefaultClient, "POST", srv.URL()+"/x", strings.Repeat("z", 1<<20))
	if resp.StatusCode != 401 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := newest(t, st)
	if !got.Truncated || len(got.Body) != capture.TruncatedKeep {
		t.Fatalf("truncated=%v len=%d, want the first %d bytes kept", got.Truncated, len(got.Body), capture.TruncatedKeep)
	}
}

func TestRateLimit(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	setPolicy(t, srv, capture.Policy{RateLimit: 60, RateBurst: 2})
	var codes []int
	var retry string
	for range 3 {
		resp, _ := send(t, http.DefaultClient, "POST", srv.URL()+"/x", "b")
		codes = append(codes, resp.StatusCode)
		retry = resp.Header.Get("Retry-After")
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Fatalf("statuses %v, want 200 200 429", codes)
	}
	if retry != "1" {
		t.Errorf("Retry-After %q, want 1 (one token a second)", retry)
	}
	if r := newest(t, st); !strings.HasPrefix(r.Refused, "rate limited") || r.Response.Status != 429 {
		t.Errorf("refused %q status %d", r.Refused, r.Response.Status)
	}
}

// TestRateLimitDefaultBurst: "60 per minute" lets 60 quick requests
// through (the burst defaults to the limit), and refuses the 61st.
func TestRateLimitDefaultBurst(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	setPolicy(t, srv, capture.Policy{RateLimit: 60})
	for i := range 61 {
		resp, _ := send(t, http.DefaultClient, "POST", srv.URL()+"/x", "b")
		want := 200
		if i == 60 {
			want = 429
		}
		if resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
}

// X-Forwarded-For is written by the sender: trusting it would let anyone
// dodge the limit by inventing addresses, on the direct listener and on a
// tunnel's (whose connections carry the client's real address).
func TestRateLimitIgnoresForwardedFor(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv.ServeProxied(ln)
	for _, base := range []string{srv.URL(), "http://" + ln.Addr().String()} {
		setPolicy(t, srv, capture.Policy{RateLimit: 60, RateBurst: 1}) // fresh buckets
		var codes []int
		for i := range 3 {
			resp, _ := send(t, http.DefaultClient, "POST", base+"/x", "b", "X-Forwarded-For", fmt.Sprintf("10.0.0.%d, 198.51.100.7", i))
			codes = append(codes, resp.StatusCode)
		}
		if !equalInts(codes, []int{200, 429, 429}) {
			t.Fatalf("%s: statuses %v, want 200 429 429", base, codes)
		}
	}
}

// Refusals are recorded, but a flood of them is not: three at once, then
// one per client every 10 s.
func TestRefusedRecordingThrottled(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	setPolicy(t, srv, capture.Policy{SecretPrefix: "k3y"})
	for range 20 {
		if resp, _ := send(t, http.DefaultClient, "POST", srv.URL()+"/scan", "x"); resp.StatusCode != 404 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if n, _ := st.Stats(); n != 3 {
		t.Fatalf("%d refusals recorded, want 3", n)
	}
}

func TestOwnBasicAuthPasswordNotStored(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	setPolicy(t, srv, capture.Policy{BasicAuth: "ana:s3nha-forte"})
	for _, pass := range []string{"s3nha-forte", "wrong-guess"} {
		req, _ := http.NewRequest("POST", srv.URL()+"/x", strings.NewReader("{}"))
		req.SetBasicAuth("ana", pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := newest(t, st)
		auth := got.Headers.Get("Authorization")
		rec, _ := json.Marshal(got.ToRecord())
		if strings.Contains(string(rec), "s3nha") || strings.Contains(string(rec), "wrong-guess") ||
			strings.Contains(string(rec), "YW5h") || !strings.Contains(auth, `user "ana"`) {
			t.Errorf("%s: stored Authorization %q", pass, auth)
		}
	}
}

func TestDuplicates(t *testing.T) {
	cases := []struct {
		name     string
		first    []string // headers
		second   []string
		body1    string
		body2    string
		path2    string
		wantDupe bool
	}{
		{"same webhook-id", []string{"webhook-id", "msg_1"}, []string{"webhook-id", "msg_1"}, `{"a":1}`, `{"a":2}`, "/x", true},
		{"same id, other endpoint", []string{"webhook-id", "msg_1"}, []string{"webhook-id", "msg_1"}, `{"a":1}`, `{"a":1}`, "/y", false},
		{"huge id", []string{"webhook-id", strings.Repeat("i", 64<<10)}, []string{"webhook-id", strings.Repeat("i", 64<<10)}, `a`, `b`, "/x", true},
		{"svix-id", []string{"svix-id", "m2"}, []string{"svix-id", "m2"}, `a`, `b`, "/x", true},
		{"github delivery", []string{"X-GitHub-Delivery", "d-1"}, []string{"X-GitHub-Delivery", "d-1"}, `a`, `b`, "/x", true},
		{"other ids", []string{"webhook-id", "msg_1"}, []string{"webhook-id", "msg_2"}, `{"a":1}`, `{"a":1}`, "/x", false},
		{"stripe event id", []string{"Stripe-Signature", "t=1,v1=aa"}, []string{"Stripe-Signature", "t=2,v1=bb"},
			`{"id":"evt_123","object":"event"}`, `{"object":"event","id":"evt_123"}`, "/x", true},
		{"same body no id", nil, nil, `{"n":1}`, `{"n":1}`, "/x", true},
		{"same body other path", nil, nil, `{"n":1}`, `{"n":1}`, "/y", false},
		{"empty bodies", nil, nil, ``, ``, "/x", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t, capture.StoreConfig{})
			srv := newServer(t, st, capture.Config{})
			send(t, http.DefaultClient, "POST", srv.URL()+"/x", tc.body1, tc.first...)
			first := newest(t, st)
			send(t, http.DefaultClient, "POST", srv.URL()+tc.path2, tc.body2, tc.second...)
			second := newest(t, st)
			if first.DuplicateOf != "" {
				t.Fatalf("first marked duplicate of %s", first.DuplicateOf)
			}
			want := ""
			if tc.wantDupe {
				want = first.ID
			}
			if second.DuplicateOf != want {
				t.Fatalf("duplicate_of %q, want %q", second.DuplicateOf, want)
			}
			rec, _ := json.Marshal(second.ToRecord())
			if has := strings.Contains(string(rec), `"duplicate_of":"`+first.ID+`"`); has != tc.wantDupe {
				t.Errorf("record %s", rec)
			}
		})
	}
}

// Every retry names the first delivery, and the window survives a restart.
func TestDuplicateWindowAcrossRestart(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	for range 3 {
		send(t, http.DefaultClient, "POST", srv.URL()+"/x", "{}", "webhook-id", "msg_r")
	}
	all, _ := st.List(context.Background(), capture.Query{})
	first := all[len(all)-1].ID
	for _, r := range all[:len(all)-1] {
		if r.DuplicateOf != first {
			t.Fatalf("retry %s repeats %q, want the first %s", r.ID, r.DuplicateOf, first)
		}
	}
	recent, err := st.RecentDeliveries(context.Background(), time.Now().Add(-capture.DedupeWindow))
	if err != nil {
		t.Fatal(err)
	}
	srv2 := newServer(t, st, capture.Config{}) // a new handler: an empty window until seeded
	srv2.SeedDeliveries(recent)
	send(t, http.DefaultClient, "POST", srv2.URL()+"/x", "{}", "webhook-id", "msg_r")
	if got := newest(t, st).DuplicateOf; got != first {
		t.Fatalf("after restart: duplicate_of %q, want %s", got, first)
	}
	old, _ := st.RecentDeliveries(context.Background(), time.Now().Add(time.Hour))
	if len(old) != 0 {
		t.Fatalf("entries from the future window: %v", old)
	}
}

// After Clear all, a retry is not called a duplicate of a capture that
// is gone; it becomes the original its own retries point at.
func TestDuplicateOfDeletedIsNew(t *testing.T) {
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	send(t, http.DefaultClient, "POST", srv.URL()+"/x", "{}", "webhook-id", "msg_c")
	if _, err := st.Clear(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	send(t, http.DefaultClient, "POST", srv.URL()+"/x", "{}", "webhook-id", "msg_c")
	again := newest(t, st)
	if again.DuplicateOf != "" {
		t.Fatalf("duplicate of %s, which was cleared", again.DuplicateOf)
	}
	send(t, http.DefaultClient, "POST", srv.URL()+"/x", "{}", "webhook-id", "msg_c")
	if got := newest(t, st).DuplicateOf; got != again.ID {
		t.Fatalf("next retry repeats %q, want %s", got, again.ID)
	}
}

func TestVerificationRecorded(t *testing.T) {
	cfg := verify.Config{Scheme: "standard", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Path: "/sw"}
	set, err := verify.NewSet([]verify.Config{cfg})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"type":"client.created"}`
	signed, err := verify.Sign(cfg, "msg_1", time.Now(), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var hdr []string
	for _, kv := range signed {
		hdr = append(hdr, kv[0], kv[1])
	}
	cases := []struct {
		name   string
		prefix string
		path   string
		body   string
		hdr    []string
		want   *bool
		reason string
	}{
		{"signed", "", "/sw/in", body, hdr, ptr(true), ""},
		{"altered body", "", "/sw/in", body + " ", hdr, ptr(false), "no signature matches"},
		{"unsigned", "", "/sw/in", body, nil, ptr(false), "missing"},
		{"other path", "", "/other", body, nil, nil, ""},
		{"under the secret prefix", "pfx", "/pfx/sw/in", body, hdr, ptr(true), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t, capture.StoreConfig{})
			srv := newServer(t, st, capture.Config{})
			setPolicy(t, srv, capture.Policy{Verify: set, SecretPrefix: tc.prefix})
			send(t, http.DefaultClient, "POST", srv.URL()+tc.path, tc.body, tc.hdr...)
			got := newest(t, st) // read back from the store: persisted
			rec, _ := json.Marshal(got.ToRecord())
			if tc.want == nil {
				if got.Verification != nil || strings.Contains(string(rec), "verification") {
					t.Fatalf("verification %+v, want none; record %s", got.Verification, rec)
				}
				return
			}
			v := got.Verification
			if v == nil || v.OK != *tc.want || v.Scheme != "standard" || !strings.Contains(v.Reason, tc.reason) {
				t.Fatalf("verification %+v, want ok=%v reason ~%q", v, *tc.want, tc.reason)
			}
			if !strings.Contains(string(rec), `"verification":{"scheme":"standard","ok":`) {
				t.Errorf("record %s", rec)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestResponseRules(t *testing.T) {
	rs, err := rules.Parse(`POST /seq/** -> 503 x2 retry-after=5 then 200 body='{"done":"{{id}}"}'
* /gone -> 410
* /close -> close`)
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, capture.StoreConfig{})
	srv := newServer(t, st, capture.Config{})
	setPolicy(t, srv, capture.Policy{Respond: rules.NewSet(rs)})

	var got []int
	for range 4 {
		resp, body := send(t, http.DefaultClient, "POST", srv.URL()+"/seq/a", "x")
		got = append(got, resp.StatusCode)
		if resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "5" {
			t.Errorf("503 without Retry-After: 5")
		}
		if resp.StatusCode == 200 && body != `{"done":"`+resp.Header.Get("X-Gancho-Id")+`"}` {
			t.Errorf("body %q: {{id}} not filled", body)
		}
	}
	if want := []int{503, 503, 200, 200}; !equalInts(got, want) {
		t.Fatalf("sequence %v, want %v", got, want)
	}
	r := newest(t, st)
	if r.Response.Status != 200 || r.Rule == "" {
		t.Errorf("stored response %d rule %q", r.Response.Status, r.Rule)
	}
	if resp, _ := send(t, http.DefaultClient, "GET", srv.URL()+"/gone", ""); resp.StatusCode != 410 {
		t.Errorf("/gone: %d", resp.StatusCode)
	}
	if resp, _ := send(t, http.DefaultClient, "GET", srv.URL()+"/other", ""); resp.StatusCode != 200 {
		t.Errorf("no rule: %d, want the default 200", resp.StatusCode)
	}

	_, err = http.Post(srv.URL()+"/close", "text/plain", strings.NewReader("bye"))
	if err == nil {
		t.Fatal("close rule: got a response, want the connection dropped")
	}
	if r := newest(t, st); r.Target != "/close" || r.Response.Status != 0 || !strings.Contains(r.Rule, "close") {
		t.Errorf("close: stored %s status %d rule %q", r.Target, r.Response.Status, r.Rule)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A "hang" holds the sender; shutting down must not wait it out.
func TestHangEndsOnShutdown(t *testing.T) {
	rs, err := rules.Parse(`* ** -> hang 10m`)
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, capture.StoreConfig{})
	srv := capture.NewServer(st, capture.Config{Addr: "127.0.0.1:0"})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	setPolicy(t, srv, capture.Policy{Respond: rules.NewSet(rs)})
	events, cancel := st.Subscribe(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Post(srv.URL()+"/h", "text/plain", strings.NewReader("x"))
		if err == nil {
			resp.Body.Close()
			err = errors.New("answered")
		}
		errc <- err
	}()
	<-events // stored: the handler is now hanging
	ctx, cancelShutdown := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelShutdown()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v (waited for the hang)", err)
	}
	if err := <-errc; err == nil || err.Error() == "answered" {
		t.Fatalf("client: %v, want a dropped connection", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, p := range []capture.Policy{
		{SecretPrefix: "a/b"}, {SecretPrefix: "a b"}, {BasicAuth: "nocolon"}, {RateLimit: -1},
	} {
		if err := p.Validate(); !errors.Is(err, capture.ErrBadPolicy) {
			t.Errorf("%+v: %v, want ErrBadPolicy", p, err)
		}
	}
}
