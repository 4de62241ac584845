package outbound

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
)

// testFields is testPayload flattened and form-encoded.
const testFields = "type=client.created&timestamp=2026-11-23T07%3A00%3A00-03%3A00" +
	"&data.client.id=cli_123456&data.client.name=Ana+Souza&data.client.email=ana.souza%40gmail.com" +
	"&data.client.phone=%2B55+11+98765-4321&data.tags.0=vip&data.tags.1=novo&data.amount=1500.50"

func TestBuildGETQuery(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"no query", "http://h/hook", "http://h/hook?" + testFields},
		{"existing query kept", "http://h/hook?token=a%2Fb&x=1", "http://h/hook?token=a%2Fb&x=1&" + testFields},
		{"empty query", "http://h/hook?", "http://h/hook?" + testFields},
		{"query ending in &", "http://h/hook?x=1&", "http://h/hook?x=1&" + testFields},
		{"fragment dropped", "http://h/hook?x=1#top", "http://h/hook?x=1&" + testFields},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSub(tt.url)
			s.Method = "GET"
			r, err := Build(s, "msg_1", "client.created", testPayload(), t0)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != "GET" || r.URL != tt.want {
				t.Errorf("Build = %s %s\nwant  GET %s", r.Method, r.URL, tt.want)
			}
			if len(r.Body) != 0 || r.Headers.Get("Content-Type") != "" {
				t.Errorf("GET has body %q, Content-Type %q", r.Body, r.Headers.Get("Content-Type"))
			}
			u, err := url.Parse(r.URL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("data.client.name") != "Ana Souza" || q.Get("data.tags.1") != "novo" || q.Get("data.client.phone") != "+55 11 98765-4321" {
				t.Errorf("query decodes to %v", q)
			}
		})
	}
}

func TestBuildBodies(t *testing.T) {
	p := testPayload()
	wantJSON, _ := p.JSON()
	wantXML, _ := p.XML()
	tests := []struct {
		format Format
		ct     string
		body   string
	}{
		{FormatJSON, "application/json", string(wantJSON)},
		{"", "application/json", string(wantJSON)},
		{FormatXML, "application/xml; charset=utf-8", string(wantXML)},
		{FormatForm, "application/x-www-form-urlencoded", testFields},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			s := testSub("http://h/hook")
			s.Format = tt.format
			r, err := Build(s, "msg_1", "client.created", p, t0)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != "POST" || r.URL != "http://h/hook" || string(r.Body) != tt.body || r.Headers.Get("Content-Type") != tt.ct {
				t.Errorf("Build = %s %s %q\n%s\nwant Content-Type %q and\n%s", r.Method, r.URL, r.Headers.Get("Content-Type"), r.Body, tt.ct, tt.body)
			}
			if r.Headers.Get("User-Agent") != "Gancho/1" {
				t.Errorf("User-Agent = %q", r.Headers.Get("User-Agent"))
			}
		})
	}
	t.Run("XML parses", func(t *testing.T) {
		var ev struct {
			Type string `xml:"type"`
			Data struct {
				Name string   `xml:"client>name"`
				Tags []string `xml:"tags"`
			} `xml:"data"`
		}
		if err := xml.Unmarshal(wantXML, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != "client.created" || ev.Data.Name != "Ana Souza" || strings.Join(ev.Data.Tags, ",") != "vip,novo" {
			t.Errorf("XML decodes to %+v", ev)
		}
	})
	t.Run("form parses", func(t *testing.T) {
		v, err := url.ParseQuery(testFields)
		if err != nil || v.Get("data.client.email") != "ana.souza@gmail.com" || v.Get("data.amount") != "1500.50" {
			t.Errorf("form decodes to %v, %v", v, err)
		}
	})
}

func TestBuildMapping(t *testing.T) {
	s := testSub("http://h/hook")
	s.Format = FormatForm
	s.Mapping = Mapping{Rename: []Rename{{"client.name", "nome"}}, Exclude: []string{"client.phone", "tags"}, Add: []Constant{{"meta.source", "gancho"}}}
	r, err := Build(s, "msg_1", "client.created", testPayload(), t0)
	if err != nil {
		t.Fatal(err)
	}
	want := "type=client.created&timestamp=2026-11-23T07%3A00%3A00-03%3A00&data.client.id=cli_123456" +
		"&data.client.nome=Ana+Souza&data.client.email=ana.souza%40gmail.com&data.amount=1500.50&data.meta.source=gancho"
	if string(r.Body) != want {
		t.Errorf("body = %s\nwant   %s", r.Body, want)
	}
}

func TestBuildCustomHeaders(t *testing.T) {
	s := testSub("http://h/hook")
	s.Headers = capture.Headers{
		{Name: "Authorization", Value: "Bearer t0k3n"},
		{Name: "content-type", Value: "application/vnd.crm+json"},
		{Name: "X-Tenant", Value: "a"},
		{Name: "X-Tenant", Value: "b"},
	}
	r, err := Build(s, "msg_1", "client.created", testPayload(), t0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range r.Headers {
		names = append(names, h.Name+": "+h.Value)
	}
	got := strings.Join(names, "\n")
	for _, want := range []string{"User-Agent: Gancho/1", "content-type: application/vnd.crm+json", "Authorization: Bearer t0k3n", "X-Tenant: a\nX-Tenant: b", "webhook-id: msg_1"} {
		if !strings.Contains(got, want) {
			t.Errorf("headers lack %q:\n%s", want, got)
		}
	}
	if strings.Count(strings.ToLower(got), "content-type") != 1 {
		t.Errorf("Content-Type not replaced:\n%s", got)
	}

	// At a receiver.
	rc := newReceiver(t, statuses(204))
	s.URL = rc.URL + "/hook"
	a, _, err := Deliver(context.Background(), nil, s, "msg_1", "client.created", testPayload(), time.Now())
	if err != nil || !a.Succeeded() {
		t.Fatalf("Deliver = %+v, %v", a, err)
	}
	h := rc.Hits()[0].header
	if h.Get("Authorization") != "Bearer t0k3n" || h.Get("Content-Type") != "application/vnd.crm+json" ||
		strings.Join(h.Values("X-Tenant"), ",") != "a,b" || h.Get("User-Agent") != "Gancho/1" {
		t.Errorf("receiver got %v", h)
	}
}

func TestBuildErrors(t *testing.T) {
	s := testSub("http://h/hook")
	s.Secret = ""
	if _, err := Build(s, "msg_1", "client.created", testPayload(), t0); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "needs a whsec_ secret") {
		t.Errorf("Build without a standard secret = %v", err)
	}
	s = testSub("ftp://h")
	if _, err := Build(s, "msg_1", "client.created", testPayload(), t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Build to ftp = %v", err)
	}
	s = testSub("http://h")
	if _, err := Build(s, "", "client.created", testPayload(), t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Build without an id = %v", err)
	}
	// Events are not checked: a custom template's event may be sent.
	if _, err := Build(s, "msg_1", "custom.thing", testPayload(), t0); err != nil {
		t.Errorf("Build of a custom event = %v", err)
	}
}

// TestSigningVerifiedAtReceiver sends each scheme to a receiver that checks
// the signature with the verify package, as a receiver would.
func TestSigningVerifiedAtReceiver(t *testing.T) {
	tests := []struct {
		name    string
		signing Signing
		secret  string
		method  string
		format  Format
		scheme  string // "" for none
	}{
		{"standard POST", SignStandard, verify.NewSecret(), "POST", FormatJSON, verify.SchemeStandard},
		{"standard GET", SignStandard, verify.NewSecret(), "GET", "", verify.SchemeStandard},
		{"standard XML", SignStandard, verify.NewSecret(), "POST", FormatXML, verify.SchemeStandard},
		{"stripe POST", SignStripe, "whsec_stripe_plain_secret", "POST", FormatJSON, verify.SchemeStripe},
		{"stripe GET", SignStripe, "whsec_stripe_plain_secret", "GET", "", verify.SchemeStripe},
		{"github form", SignGitHub, "it's a secret", "POST", FormatForm, verify.SchemeGitHub},
		{"github GET", SignGitHub, "it's a secret", "GET", "", verify.SchemeGitHub},
		{"none", SignNone, "", "POST", FormatJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type checked struct {
				res *verify.Result
				h   http.Header
			}
			got := make(chan checked, 1)
			var set *verify.Set
			if tt.scheme != "" {
				var err error
				if set, err = verify.NewSet([]verify.Config{{Scheme: tt.scheme, Secret: tt.secret}}); err != nil {
					t.Fatal(err)
				}
			}
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					t.Error(err)
				}
				got <- checked{set.Check(r.URL.Path, r.Header, body, time.Now()), r.Header.Clone()}
				w.WriteHeader(http.StatusNoContent)
			}))
			defer rc.Close()
			s := testSub(rc.URL + "/hook")
			s.Signing, s.Secret, s.Method, s.Format = tt.signing, tt.secret, tt.method, tt.format
			sender := replay.NewSender()
			defer sender.Close()
			a, _, err := Deliver(context.Background(), sender, s, "msg_2", "client.created", testPayload(), time.Now())
			if err != nil || !a.Succeeded() {
				t.Fatalf("Deliver = %+v, %v", a, err)
			}
			c := <-got
			if tt.scheme == "" {
				for _, h := range []string{"Webhook-Signature", "Stripe-Signature", "X-Hub-Signature-256"} {
					if c.h.Get(h) != "" {
						t.Errorf("unsigned delivery has %s", h)
					}
				}
				return
			}
			if c.res == nil || !c.res.OK || c.res.Scheme != tt.scheme {
				t.Errorf("receiver verification = %v", c.res)
			}
			if tt.signing == SignGitHub {
				if c.h.Get("X-GitHub-Event") != "client.created" || c.h.Get("X-GitHub-Delivery") != "msg_2" || !strings.HasPrefix(c.h.Get("X-Hub-Signature"), "sha1=") {
					t.Errorf("GitHub headers: %v", c.h)
				}
			}
			// A tampered body fails.
			if res := set.Check("/hook", c.h, []byte(`{"type":"forged"}`), time.Now()); res == nil || res.OK {
				t.Errorf("forged body verified: %v", res)
			}
		})
	}
}

// TestStandardSignatureByHand recomputes the Standard Webhooks signature
// from the specification, without the verify package.
func TestStandardSignatureByHand(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	s := testSub("http://h/hook")
	s.Secret = secret
	now := time.Unix(1_780_000_000, 0)
	for _, id := range []string{"msg_A", "msg_B"} {
		r, err := Build(s, id, "client.created", testPayload(), now)
		if err != nil {
			t.Fatal(err)
		}
		if r.Headers.Get("webhook-id") != id || r.Headers.Get("webhook-timestamp") != strconv.FormatInt(now.Unix(), 10) {
			t.Fatalf("headers: %v", r.Headers)
		}
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + strconv.FormatInt(now.Unix(), 10) + "." + string(r.Body)))
		want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if got := r.Headers.Get("webhook-signature"); got != want {
			t.Errorf("webhook-signature = %s, want %s", got, want)
		}
	}
}

// TestSignQuery: with SignQuery a GET delivery's raw query is the signed
// payload, so a receiver verifying with the query as the body accepts it
// and a tampered query fails; without it only the empty body is signed and
// a tampered query still verifies (what the README warns about).
func TestSignQuery(t *testing.T) {
	for _, tt := range []struct {
		signing Signing
		secret  string
		scheme  string
	}{
		{SignStandard, verify.NewSecret(), verify.SchemeStandard},
		{SignStripe, "whsec_stripe_plain_secret", verify.SchemeStripe},
		{SignGitHub, "it's a secret", verify.SchemeGitHub},
	} {
		for _, signQuery := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/sign_query=%v", tt.signing, signQuery), func(t *testing.T) {
				set, err := verify.NewSet([]verify.Config{{Scheme: tt.scheme, Secret: tt.secret}})
				if err != nil {
					t.Fatal(err)
				}
				type seen struct {
					query string
					h     http.Header
				}
				got := make(chan seen, 1)
				rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					got <- seen{r.URL.RawQuery, r.Header.Clone()}
					w.WriteHeader(http.StatusNoContent)
				}))
				defer rc.Close()
				s := testSub(rc.URL + "/hook?static=1")
				s.Method, s.Signing, s.Secret, s.SignQuery = "GET", tt.signing, tt.secret, signQuery
				if err := s.Validate(); err != nil {
					t.Fatal(err)
				}
				sender := replay.NewSender()
				defer sender.Close()
				a, _, err := Deliver(context.Background(), sender, s, "msg_q", "client.created", testPayload(), time.Now())
				if err != nil || !a.Succeeded() {
					t.Fatalf("Deliver = %+v, %v", a, err)
				}
				c := <-got
				if c.query != "static=1&"+testFields {
					t.Fatalf("query sent %q", c.query)
				}
				tampered := strings.Replace(c.query, "1500.50", "1.50", 1)
				payload := func(q string) []byte {
					if signQuery {
						return []byte(q)
					}
					return nil
				}
				if res := set.Check("/hook", c.h, payload(c.query), time.Now()); res == nil || !res.OK {
					t.Errorf("receiver rejects the delivery: %v", res)
				}
				res := set.Check("/hook", c.h, payload(tampered), time.Now())
				if signQuery && (res == nil || res.OK) {
					t.Errorf("tampered query verified: %v", res)
				}
				if !signQuery && (res == nil || !res.OK) {
					t.Errorf("without SignQuery the query is not signed, yet: %v", res)
				}
			})
		}
	}
}

func TestSignQueryValidation(t *testing.T) {
	for _, tt := range []struct {
		method  string
		signing Signing
		want    string
	}{
		{"GET", SignStandard, ""},
		{"POST", SignStandard, "GET deliveries only"},
		{"GET", SignNone, "needs a signature"},
	} {
		s := testSub("http://h/hook")
		s.Method, s.Signing, s.SignQuery = tt.method, tt.signing, true
		err := s.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s %s: %v, want %q", tt.method, tt.signing, err, tt.want)
		}
	}
}
