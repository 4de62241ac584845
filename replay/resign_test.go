package replay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/verify"
)

var standardCfg = verify.Config{Scheme: "standard", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}

// signedCapture is a capture as Gancho would have stored it for a delivery
// signed at ts.
func signedCapture(t *testing.T, cfg verify.Config, id string, ts time.Time) *capture.Request {
	t.Helper()
	body := []byte(`{"type":"invoice.paid","data":{"amount":4200}}`)
	sig, err := verify.Sign(cfg, id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	h := capture.Headers{{Name: "Host", Value: "hooks.example.com"}, {Name: "Content-Type", Value: "application/json"}}
	for _, p := range sig {
		h = append(h, capture.Header{Name: p[0], Value: p[1]})
	}
	h = append(h, capture.Header{Name: "Content-Length", Value: "46"})
	return &capture.Request{ID: "01CAPTURE", Method: "POST", Target: "/hooks/billing?src=x", Host: "hooks.example.com",
		Headers: h, Body: body, BodySize: int64(len(body)), DeclaredSize: int64(len(body))}
}

// verifyingReceiver answers 204 to requests whose signature verifies now
// and 401 with the reason to the rest; it echoes the webhook-id it saw.
func verifyingReceiver(t *testing.T, cfg verify.Config) *httptest.Server {
	t.Helper()
	set, err := verify.NewSet([]verify.Config{cfg})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var h capture.Headers
		for k, vs := range r.Header {
			for _, v := range vs {
				h = append(h, capture.Header{Name: k, Value: v})
			}
		}
		w.Header().Set("Seen-Id", r.Header.Get("Webhook-Id"))
		res := set.Check(r.URL.Path, h, body, time.Now())
		if res == nil || !res.OK {
			w.WriteHeader(http.StatusUnauthorized)
			if res != nil {
				_, _ = io.WriteString(w, res.Reason)
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestReplaySignedCapture is the replay-protection test: an unedited replay
// of a fresh capture verifies; one of a 10-minute-old capture is refused for
// its timestamp until Resign gives it a fresh one (and a fresh id).
func TestReplaySignedCapture(t *testing.T) {
	srv := verifyingReceiver(t, standardCfg)
	s := NewSender()
	t.Cleanup(s.Close)
	const origID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"

	tests := []struct {
		name       string
		age        time.Duration
		resign     bool
		wantStatus int
		wantReason string
	}{
		{"fresh capture, unedited", 0, false, http.StatusNoContent, ""},
		{"fresh capture, re-signed", 0, true, http.StatusNoContent, ""},
		{"10 minutes old, unedited", 10 * time.Minute, false, http.StatusUnauthorized, "timestamp 600 s old"},
		{"10 minutes old, re-signed", 10 * time.Minute, true, http.StatusNoContent, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := signedCapture(t, standardCfg, origID, time.Now().Add(-tc.age))
			r, err := FromCapture(c, srv.URL, false)
			if err != nil {
				t.Fatal(err)
			}
			if tc.resign {
				if err := Resign(&r, standardCfg, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			res := s.Send(context.Background(), r, Options{})
			if res.Err != "" {
				t.Fatalf("send failed: %s: %s", res.Class, res.Err)
			}
			if res.Status != tc.wantStatus || !strings.Contains(string(res.Body), tc.wantReason) {
				t.Fatalf("receiver said %d %q, want %d %q", res.Status, res.Body, tc.wantStatus, tc.wantReason)
			}
			seen := res.Headers.Get("Seen-Id")
			if tc.resign && (seen == origID || !strings.HasPrefix(seen, "msg_")) {
				t.Errorf("re-signed replay has webhook-id %q, want a fresh msg_ id", seen)
			}
			if !tc.resign && seen != origID {
				t.Errorf("unedited replay has webhook-id %q, want %q", seen, origID)
			}
		})
	}
}

// TestResign checks every scheme: fresh signature that verifies, scheme
// headers replaced where they stood, everything else untouched.
func TestResign(t *testing.T) {
	now := time.Now()
	old := now.Add(-time.Hour)
	body := []byte(`{"ok":true}`)
	tests := []struct {
		name string
		cfg  verify.Config
		// before is the header list; "SIGNED" entries are filled with the
		// old signature's headers in Sign's order.
		before   []string
		wantList []string // names after Resign, in order
	}{
		{
			name:     "standard",
			cfg:      standardCfg,
			before:   []string{"Content-Type", "SIGNED", "X-After"},
			wantList: []string{"Content-Type", "webhook-id", "webhook-timestamp", "webhook-signature", "X-After"},
		},
		{
			name:     "svix",
			cfg:      verify.Config{Scheme: "svix", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
			before:   []string{"SIGNED", "Content-Type"},
			wantList: []string{"svix-id", "svix-timestamp", "svix-signature", "Content-Type"},
		},
		{
			name:     "stripe",
			cfg:      verify.Config{Scheme: "stripe", Secret: "whsec_test"},
			before:   []string{"Content-Type", "SIGNED", "X-After"},
			wantList: []string{"Content-Type", "Stripe-Signature", "X-After"},
		},
		{
			name:     "github",
			cfg:      verify.Config{Scheme: "github", Secret: "s3cret"},
			before:   []string{"X-GitHub-Event", "SIGNED", "Content-Type"},
			wantList: []string{"X-GitHub-Event", "X-Hub-Signature-256", "X-Hub-Signature", "Content-Type"},
		},
		{
			name:     "hmac with timestamp",
			cfg:      verify.Config{Scheme: "hmac", Secret: "k", Header: "X-Sig", TimestampHeader: "X-Ts"},
			before:   []string{"SIGNED", "Content-Type"},
			wantList: []string{"X-Ts", "X-Sig", "Content-Type"},
		},
		{
			name:     "unsigned request gets the headers appended",
			cfg:      standardCfg,
			before:   []string{"Content-Type"},
			wantList: []string{"Content-Type", "webhook-id", "webhook-timestamp", "webhook-signature"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oldSig, err := verify.Sign(tc.cfg, "msg_old", old, body)
			if err != nil {
				t.Fatal(err)
			}
			var h capture.Headers
			for _, n := range tc.before {
				if n != "SIGNED" {
					h = append(h, capture.Header{Name: n, Value: "v-" + n})
					continue
				}
				for _, p := range oldSig {
					h = append(h, capture.Header{Name: p[0], Value: p[1]})
				}
			}
			r := Request{Method: "POST", URL: "http://h/", Headers: h, Body: body}
			if err := Resign(&r, tc.cfg, now); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, kv := range r.Headers {
				names = append(names, kv.Name)
				if !strings.HasPrefix(kv.Value, "v-") {
					continue
				}
				if kv.Value != "v-"+kv.Name {
					t.Errorf("header %s changed to %q", kv.Name, kv.Value)
				}
			}
			if !slices.Equal(names, tc.wantList) {
				t.Errorf("headers after Resign %q, want %q", names, tc.wantList)
			}
			v, err := verify.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res := v.Verify(r.Headers, r.Body, now); !res.OK {
				t.Errorf("re-signed request does not verify: %s", res)
			}
			for _, p := range oldSig {
				if strings.Contains(strings.ToLower(p[0]), "sig") && r.Headers.Get(p[0]) == p[1] && tc.cfg.Scheme != "github" {
					t.Errorf("%s still carries the old signature", p[0])
				}
			}
			if len(h) > 0 && &h[0] == &r.Headers[0] {
				t.Error("Resign modified the caller's header slice in place")
			}
		})
	}
}

func TestResignEdgeCases(t *testing.T) {
	now := time.Now()
	gh := verify.Config{Scheme: "github", Secret: "s3cret"}
	t.Run("github without legacy header gains none", func(t *testing.T) {
		r := Request{Headers: capture.Headers{{Name: "x-hub-signature-256", Value: "sha256=00"}}, Body: []byte("b")}
		if err := Resign(&r, gh, now); err != nil {
			t.Fatal(err)
		}
		if len(r.Headers) != 1 || r.Headers[0].Name != "x-hub-signature-256" {
			t.Fatalf("headers %v, want only the re-signed x-hub-signature-256 under its own spelling", r.Headers)
		}
		if v, _ := verify.New(gh); !v.Verify(r.Headers, r.Body, now).OK {
			t.Error("does not verify")
		}
	})
	t.Run("duplicate signature lines collapse to one", func(t *testing.T) {
		r := Request{Headers: capture.Headers{
			{Name: "Stripe-Signature", Value: "t=1,v1=aa"}, {Name: "A", Value: "1"}, {Name: "stripe-signature", Value: "t=2,v1=bb"}, {Name: "B", Value: "2"},
		}, Body: []byte("b")}
		cfg := verify.Config{Scheme: "stripe", Secret: "whsec_x"}
		if err := Resign(&r, cfg, now); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, kv := range r.Headers {
			names = append(names, kv.Name)
		}
		if !slices.Equal(names, []string{"Stripe-Signature", "A", "B"}) {
			t.Fatalf("headers %v", r.Headers)
		}
		if v, _ := verify.New(cfg); !v.Verify(r.Headers, r.Body, now).OK {
			t.Error("does not verify")
		}
	})
	t.Run("bad config leaves the request alone", func(t *testing.T) {
		h := capture.Headers{{Name: "A", Value: "1"}}
		r := Request{Headers: h}
		err := Resign(&r, verify.Config{Scheme: "standard", Secret: "not base64!"}, now)
		if !errors.Is(err, verify.ErrBadConfig) {
			t.Fatalf("err %v, want one wrapping verify.ErrBadConfig", err)
		}
		if len(r.Headers) != 1 {
			t.Errorf("headers changed: %v", r.Headers)
		}
	})
	t.Run("nil request", func(t *testing.T) {
		if err := Resign(nil, standardCfg, now); err == nil {
			t.Error("no error")
		}
	})
}

// TestSignerForPrecedence: --resign picks the verifier the check would, the
// most specific path winning, behind the secret path prefix too.
func TestSignerForPrecedence(t *testing.T) {
	stripe := verify.Config{Scheme: "stripe", Secret: "whsec_stripe", Path: "/stripe"}
	cfgs := []verify.Config{standardCfg, stripe, {Scheme: "hmac"}} // the invalid one is skipped
	at := func(target string) *capture.Request {
		c := signedCapture(t, standardCfg, "msg_1", time.Unix(1700000000, 0))
		c.Target = target
		return c
	}
	for _, tc := range []struct {
		target, prefix, want string
	}{
		{"/stripe/evt", "", "stripe"},
		{"/stripe", "", "stripe"},
		{"/stripe%2Fevt?x=1", "", "stripe"}, // checks see the decoded path
		{"/stripes", "", "standard"},
		{"/other", "", "standard"},
		{"/pfx42/stripe/evt", "pfx42", "stripe"},
		{"/pfx42", "pfx42", "standard"},
		// several remembered prefixes: the one the target starts with
		{"/pfxB/stripe/evt", "pfxA,pfxB", "stripe"},
		{"/pfxA/stripe", "pfxA,pfxB", "stripe"},
		{"/pfxB/pfxA/stripe", "pfxA,pfxB", "standard"},
		{"http://h.example/stripe/x", "", "stripe"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			prefixes := strings.Split(tc.prefix, ",")
			cfg, ok := SignerFor(cfgs, at(tc.target), prefixes...)
			if !ok || cfg.Scheme != tc.want {
				t.Errorf("SignerFor = %s %v, want %s", cfg.Scheme, ok, tc.want)
			}
			set, _ := verify.NewSet(cfgs[:2])
			if check, _ := set.Pick(CheckedPath(tc.target, prefixes...), at(tc.target).Headers); check.Scheme != cfg.Scheme {
				t.Errorf("check picks %s, re-signing %s", check.Scheme, cfg.Scheme)
			}
		})
	}
	if _, ok := SignerFor([]verify.Config{stripe}, at("/other"), ""); ok {
		t.Error("a verifier for another path signs")
	}
}
