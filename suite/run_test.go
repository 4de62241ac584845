package suite

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/diff"
	"github.com/gancho-app/gancho/internal/leaktest"
	"github.com/gancho-app/gancho/internal/sigcheck"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
	"go.uber.org/goleak"
)

// TestRunFailsEachExpectation makes a loopback receiver fail each kind of
// expectation (and each way a step can fail before an answer) and checks
// the kind and the sentence reported.
func TestRunFailsEachExpectation(t *testing.T) {
	closed := newReceiver(t, answer(200, ""))
	closedURL := closed.URL
	closed.Close() // nothing listens there any more: connection refused

	tests := []struct {
		name   string
		answer http.HandlerFunc
		step   Step
		opts   RunOptions
		target string // "" means the receiver
		kind   FailureKind
		msg    string // the whole message, or a regexp when it starts with ^
		check  func(t *testing.T, f Failure)
	}{
		{
			name:   "status class",
			answer: answer(500, "boom"),
			step:   Step{Expect: &Expect{Status: "2xx"}},
			kind:   FailStatus, msg: "expected status 2xx, got 500",
			check: func(t *testing.T, f Failure) {
				if f.Expected != "2xx" || f.Got != "500" {
					t.Errorf("expected/got %q/%q", f.Expected, f.Got)
				}
			},
		},
		{
			name:   "status exact",
			answer: answer(200, ""),
			step:   Step{Expect: &Expect{Status: "201"}},
			kind:   FailStatus, msg: "expected status 201, got 200",
		},
		{
			name:   "header present",
			answer: answer(201, ""),
			step:   Step{Expect: &Expect{Headers: []HeaderExpect{{Name: "Location"}}}},
			kind:   FailHeader, msg: "expected header Location, but the answer has none",
			check: func(t *testing.T, f Failure) {
				if f.Expected != "(present)" || f.Got != "(absent)" {
					t.Errorf("expected %q, got %q: want (present) against (absent)", f.Expected, f.Got)
				}
			},
		},
		{
			name:   "header equal",
			answer: answer(200, "hi", "Content-Type", "text/plain"),
			step:   Step{Expect: &Expect{Headers: []HeaderExpect{{Name: "content-type", Equals: ptr("application/json")}}}},
			kind:   FailHeader, msg: `expected header content-type to be "application/json", got "text/plain"`,
		},
		{
			name:   "header absent",
			answer: answer(200, "", "X-Debug", "1"),
			step:   Step{Expect: &Expect{Headers: []HeaderExpect{{Name: "X-Debug", Absent: true}}}},
			kind:   FailHeader, msg: `expected no header X-Debug, got "1"`,
		},
		{
			name:   "json equals number",
			answer: answer(200, `{"data":{"id":41}}`),
			step:   Step{Expect: &Expect{JSON: []JSONExpect{{Path: "data.id", Equals: 42}}}},
			kind:   FailJSON, msg: "expected data.id to equal 42, got 41",
		},
		{
			name:   "json equals object",
			answer: answer(200, `{"client":{"name":"Ana","tags":["vip"]}}`),
			step:   Step{Expect: &Expect{JSON: []JSONExpect{{Path: "client", Equals: map[string]any{"name": "Ana", "tags": []any{"new"}}}}}},
			kind:   FailJSON, msg: `expected client to equal {"name":"Ana","tags":["new"]}, got {"name":"Ana","tags":["vip"]}`,
			check: func(t *testing.T, f Failure) {
				want := []diff.Change{{Kind: diff.Changed, Path: "tags[0]", Old: `"new"`, New: `"vip"`}}
				if len(f.Changes) != 1 || f.Changes[0] != want[0] {
					t.Errorf("changes %v, want %v", f.Changes, want)
				}
			},
		},
		{
			name:   "json contains",
			answer: answer(200, `{"status":"failed"}`),
			step:   Step{Expect: &Expect{JSON: []JSONExpect{{Path: "status", Contains: ptr("ok")}}}},
			kind:   FailJSON, msg: `expected status to contain "ok", got "failed"`,
		},
		{
			name:   "json matches",
			answer: answer(200, `{"items":[{"sku":"X-1"}]}`),
			step:   Step{Expect: &Expect{JSON: []JSONExpect{{Path: "items[0].sku", Matches: ptr(`^SKU-\d+$`)}}}},
			kind:   FailJSON, msg: `expected items[0].sku to match /^SKU-\d+$/, got "X-1"`,
		},
		{
			name:   "json field missing",
			answer: answer(200, `{"data":{}}`),
			step:   Step{Expect: &Expect{JSON: []JSONExpect{{Path: "data.client.id"}}}},
			kind:   FailJSON, msg: "expected field data.client.id, but the answer has no data.client",
		},
		{
			name:   "json body not JSON",
			answer: answer(200, `<ok/>`),
			step:   Step{Expect: &Expect{JSON: []JSONExpect{{Path: "id", Equals: "1"}}}},
			kind:   FailJSON, msg: "expected a JSON body to check id, but the answer's body is not JSON",
		},
		{
			name:   "latency",
			answer: answer(204, ""),
			step:   Step{Expect: &Expect{LatencyUnder: "1ns"}},
			kind:   FailLatency, msg: `^expected an answer in under 1ns, took \d`,
		},
		{
			name:   "same as recorded",
			answer: answer(200, `{"ok":true,"n":2}`, "Content-Type", "application/json", "X-Version", "2"),
			step: Step{
				Expect:   &Expect{SameAsRecorded: true},
				Recorded: &Response{Status: 200, Headers: Headers{"Content-Type: application/json", "X-Version: 1", "Date: Mon, 02 Jan 2006 15:04:05 GMT"}, Body: `{"ok":true,"n":1}`},
			},
			kind: FailSame, msg: `the answer differs from the recorded one: ~ X-Version: 1 → 2; ~ body n: 1 → 2`,
			check: func(t *testing.T, f Failure) {
				if len(f.Changes) != 2 {
					t.Errorf("changes %v, want the header and the body field (Date is ignored)", f.Changes)
				}
			},
		},
		{
			name:   "same as recorded, status",
			answer: answer(500, `{"ok":true,"n":1}`, "Content-Type", "application/json"),
			step: Step{
				Expect:   &Expect{SameAsRecorded: true, Ignore: []string{"n"}},
				Recorded: &Response{Status: 200, Headers: Headers{"Content-Type: application/json"}, Body: `{"ok":true,"n":7}`},
			},
			kind: FailSame, msg: `the answer differs from the recorded one: ~ status: 200 → 500`,
		},
		{
			name:   "transport",
			target: closedURL,
			step:   Step{Expect: &Expect{Status: "2xx"}},
			kind:   FailTransport, msg: `^.*refused`,
			check: func(t *testing.T, f Failure) {
				if f.Got != string(replay.ClassRefused) {
					t.Errorf("got %q, want the class refused", f.Got)
				}
			},
		},
		{
			name:   "template",
			answer: answer(200, ""),
			step:   Step{Template: true, Request: &Request{Method: "POST", Path: "/x", Body: `{"id":"{{.steps.create.body.id}}"}`}},
			kind:   FailTemplate, msg: `^step s: template in body:1:15: executing "body" at <\.steps\.create\.body\.id>: map has no entry for key "create": check the name`,
		},
		{
			name:   "template env",
			answer: answer(200, ""),
			opts:   RunOptions{LookupEnv: func(string) (string, bool) { return "", false }},
			step:   Step{Template: true, Sign: Sign{Mode: SignSecret, Spec: `standard:{{env "HOOK_SECRET"}}`}},
			kind:   FailTemplate, msg: `step s: template in sign.spec:1:11: executing "sign.spec" at <env "HOOK_SECRET">: error calling env: environment variable HOOK_SECRET is not set`,
		},
		{
			name:   "edit",
			answer: answer(200, ""),
			step:   Step{Request: &Request{Method: "POST", Path: "/x", Body: "a=1"}, Edits: &Edits{SetJSON: map[string]any{"a": 2}}},
			kind:   FailEdit, msg: "set_json a: the body is not JSON, so JSON fields cannot be set: use edits.body",
		},
		{
			name:   "sign without subscriptions",
			answer: answer(200, ""),
			step:   Step{Sign: Sign{Mode: SignSubscription, Subscription: "CRM"}},
			kind:   FailSign, msg: `signing with subscription "CRM" needs the data directory holding it: pass --data DIR`,
		},
		{
			name:   "sign unknown subscription",
			answer: answer(200, ""),
			opts:   RunOptions{Subscriptions: fakeSubs{{ID: "sub_1", Name: "Other"}}},
			step:   Step{Sign: Sign{Mode: SignSubscription, Subscription: "CRM"}},
			kind:   FailSign, msg: `no subscription named "CRM": check the name in the Outbound tab (gancho subscriptions list)`,
		},
		{
			name:   "capture without data",
			answer: answer(200, ""),
			step:   Step{Capture: "01ABC"},
			kind:   FailSource, msg: "capture 01ABC needs the data directory holding it: pass --data DIR",
		},
		{
			name:   "capture not found",
			answer: answer(200, ""),
			opts:   RunOptions{Captures: fakeCaptures{}},
			step:   Step{Capture: "01ABC"},
			kind:   FailSource, msg: "capture 01ABC is not in the data directory: check the id (gancho list) or inline the request in the suite",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.step
			st.Name = "s"
			if st.Request == nil && st.Capture == "" && st.Event == nil {
				st.Request = &Request{Method: "POST", Path: "/hook", Body: `{}`}
			}
			target := tc.target
			if target == "" {
				target = newReceiver(t, tc.answer).URL
			}
			rep := run(t, &Suite{Steps: []Step{st}}, target, tc.opts)
			if rep.Passed != 0 || rep.Failed != 1 || len(rep.Steps) != 1 {
				t.Fatalf("passed %d failed %d steps %d, want one failed step", rep.Passed, rep.Failed, len(rep.Steps))
			}
			res := rep.Steps[0]
			if res.Passed || len(res.Failures) != 1 {
				t.Fatalf("failures %+v, want exactly one", res.Failures)
			}
			f := res.Failures[0]
			if f.Kind != tc.kind {
				t.Errorf("kind %q, want %q (%s)", f.Kind, tc.kind, f.Message)
			}
			if strings.HasPrefix(tc.msg, "^") {
				if !regexp.MustCompile(tc.msg).MatchString(f.Message) {
					t.Errorf("message %q, want a match of %s", f.Message, tc.msg)
				}
			} else if f.Message != tc.msg {
				t.Errorf("message\n got %q\nwant %q", f.Message, tc.msg)
			}
			if f.Key == "" {
				t.Errorf("no translation key for %q", f.Message)
			}
			if res.Errored() != (tc.kind == FailTransport || tc.kind == FailTemplate || tc.kind == FailEdit || tc.kind == FailSign || tc.kind == FailSource) {
				t.Errorf("Errored() = %v for kind %s", res.Errored(), tc.kind)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

// TestRunPasses checks every kind of expectation passing on the right
// answer, and that the report counts it.
func TestRunPasses(t *testing.T) {
	rc := newReceiver(t, answer(201, `{"data":{"id":42,"email":"ana@example.com","tags":["vip"]},"ok":true}`,
		"Content-Type", "application/json", "Location", "/orders/42"))
	st := inline("create", "/orders", `{"a":1}`)
	st.Recorded = &Response{Status: 201, Headers: Headers{"Content-Type: application/json", "Location: /orders/42"},
		Body: `{"ok":true,"data":{"tags":["vip"],"email":"x","id":42}}`}
	st.Expect = &Expect{
		Status: "201",
		Headers: []HeaderExpect{
			{Name: "Location"}, {Name: "content-type", Equals: ptr("application/json")}, {Name: "X-Debug", Absent: true},
		},
		JSON: []JSONExpect{
			{Path: "data.id", Equals: 42.0}, {Path: "$.data.tags", Equals: []any{"vip"}}, {Path: "ok", Equals: true},
			{Path: "data.email", Contains: ptr("@example")}, {Path: "data.email", Matches: ptr(`^[a-z]+@`)}, {Path: "data.tags[0]"},
		},
		LatencyUnder:   "1m",
		SameAsRecorded: true,
		Ignore:         []string{"email"},
	}
	st2 := inline("class", "/orders", `{}`)
	st2.Expect = &Expect{Status: "2XX"}
	var seen []string
	rep := run(t, &Suite{Name: "orders", Steps: []Step{st, st2}}, rc.URL, RunOptions{Progress: func(r StepResult) { seen = append(seen, r.Name) }})
	if !rep.OK() || rep.Passed != 2 || rep.Failed != 0 {
		t.Fatalf("report %+v, want both steps passed; failures %v", rep, rep.Steps[0].Failures)
	}
	if strings.Join(seen, ",") != "create,class" {
		t.Errorf("progress saw %v", seen)
	}
	if rep.Suite != "orders" || rep.Target != rc.URL || !rep.Started.Equal(fixedNow) {
		t.Errorf("report header %q %q %v", rep.Suite, rep.Target, rep.Started)
	}
	if r := rep.Steps[0]; r.Status != 201 || r.Latency <= 0 || r.Request.URL != rc.URL+"/orders" || r.Response.Status != 201 {
		t.Errorf("step result %+v", r)
	}
}

// TestTemplatesCarryValues carries a value from one step's answer to the
// next step's path, header and body, with the clock, random source and
// variables given.
func TestTemplatesCarryValues(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			w.Header().Set("Location", "/orders/ord_123")
			w.WriteHeader(201)
			_, _ = w.Write([]byte(`{"id":"ord_123","n":12345678901234567890}`))
			return
		}
		w.WriteHeader(200)
	})
	create := inline("create", "/orders", `{"a":1}`)
	update := Step{Name: "update", Template: true, Request: &Request{
		Method:  "PUT",
		Path:    "/orders/{{.steps.create.body.id}}?tenant={{.vars.tenant}}",
		Headers: Headers{"Content-Type: application/json", "X-Loc: {{index .steps.create.headers \"Location\"}}", "webhook-id: {{webhookID}}"},
		Body:    `{"id":"{{.steps.create.body.id}}","n":{{.steps.create.body.n}},"status":{{.steps.create.status}},"at":"{{now}}","unix":{{now "unix"}},"uuid":"{{uuid}}"}`,
	}, Expect: &Expect{Status: "200"}}
	s := &Suite{Vars: map[string]string{"tenant": "acme"}, Steps: []Step{create, update}}
	rep := run(t, s, rc.URL, RunOptions{})
	if !rep.OK() {
		t.Fatalf("failures: %v / %v", rep.Steps[0].Failures, rep.Steps[1].Failures)
	}
	hits := rc.Hits()
	got := hits[1]
	if got.URI != "/orders/ord_123?tenant=acme" {
		t.Errorf("path %q", got.URI)
	}
	if v := got.Header.Get("X-Loc"); v != "/orders/ord_123" {
		t.Errorf("X-Loc %q", v)
	}
	if v := got.Header.Get("Webhook-Id"); !regexp.MustCompile(`^msg_[A-Z2-7]{26}$`).MatchString(v) {
		t.Errorf("webhook-id %q", v)
	}
	var body struct {
		ID     string      `json:"id"`
		N      json.Number `json:"n"`
		Status int         `json:"status"`
		At     string      `json:"at"`
		Unix   int64       `json:"unix"`
		UUID   string      `json:"uuid"`
	}
	if err := json.Unmarshal(got.Body, &body); err != nil {
		t.Fatalf("body %s: %v", got.Body, err)
	}
	if body.ID != "ord_123" || body.N != "12345678901234567890" || body.Status != 201 ||
		body.At != "2026-03-14T15:09:26Z" || body.Unix != fixedNow.Unix() ||
		!regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(body.UUID) {
		t.Errorf("body %s", got.Body)
	}
	// The same seed gives the same values: runs are reproducible.
	rc2 := newReceiver(t, rc.Config.Handler.ServeHTTP)
	run(t, s, rc2.URL, RunOptions{})
	if a, b := string(hits[1].Body), string(rc2.Hits()[1].Body); a != b {
		t.Errorf("same seed, different bodies:\n%s\n%s", a, b)
	}
}

// TestTemplateOffKeepsBraces sends a body holding "{{" as it is when the
// step is not a template.
func TestTemplateOffKeepsBraces(t *testing.T) {
	rc := newReceiver(t, answer(200, ""))
	body := `{"tpl":"{{.x}}"}`
	run(t, &Suite{Steps: []Step{inline("a", "/", body)}}, rc.URL, RunOptions{})
	if got := string(rc.Hits()[0].Body); got != body {
		t.Errorf("body %q, want %q", got, body)
	}
}

// TestTemplateOutputBounded stops a template that writes too much.
func TestTemplateOutputBounded(t *testing.T) {
	rc := newReceiver(t, answer(200, ""))
	st := inline("big", "/", `{{range 2000}}{{printf "%0999999d" 1}}{{end}}`)
	st.Template = true
	rep := run(t, &Suite{Vars: map[string]string{"n": "ab"}, Steps: []Step{st}}, rc.URL, RunOptions{})
	if f := rep.Steps[0].Failures; len(f) != 1 || f[0].Kind != FailTemplate || !strings.Contains(f[0].Message, "larger than 16 MiB") {
		t.Errorf("failures %v", f)
	}
	if len(rc.Hits()) != 0 {
		t.Error("the request went out")
	}
}

// TestResignedStepsVerify re-signs steps with a given secret and with a
// subscription's, and checks each with the independent verifiers
// (internal/sigcheck), as a receiver would; "none" strips them all.
func TestResignedStepsVerify(t *testing.T) {
	const std = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	const stripe = "whsec_stripe_plain_secret"
	const gh = "It's a Secret to Everybody"
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		var buf [1 << 16]byte
		n, _ := r.Body.Read(buf[:])
		body := buf[:n]
		get := r.Header.Get
		ok := false
		switch r.URL.Path {
		case "/standard":
			ok = sigcheck.StandardOK(get, "webhook-", std, body)
		case "/svix":
			ok = sigcheck.StandardOK(get, "svix-", std, body) && get("webhook-signature") == ""
		case "/stripe":
			ok = sigcheck.StripeOK(get("Stripe-Signature"), stripe, body) && get("webhook-signature") == ""
		case "/github":
			ok = get("X-Hub-Signature-256") == sigcheck.GitHub(gh, string(body))
		case "/none":
			ok = get("webhook-signature") == "" && get("Stripe-Signature") == "" && get("svix-signature") == "" && get("X-Hub-Signature-256") == ""
		}
		if !ok {
			w.WriteHeader(401)
			return
		}
		w.WriteHeader(204)
	})
	// A stale Standard Webhooks signature from when the step was recorded.
	stale := func(name, path string) Step {
		st := inline(name, path, `{"type":"client.created","data":{"id":"cli_1"}}`)
		st.Request.Headers = append(st.Request.Headers, "webhook-id: msg_old", "webhook-timestamp: 1000", "webhook-signature: v1,AAAA")
		st.Expect = &Expect{Status: "204"}
		return st
	}
	steps := []Step{
		stale("secret", "/standard"), stale("svix", "/svix"), stale("stripe-sub", "/stripe"),
		stale("github-sub", "/github"), stale("none", "/none"), stale("edited", "/standard"),
	}
	steps[0].Sign = Sign{Mode: SignSecret, Spec: "standard:" + std}
	steps[1].Sign = Sign{Mode: SignSecret, Spec: "svix:" + std}
	steps[2].Sign = Sign{Mode: SignSubscription, Subscription: "billing"}
	steps[3].Sign = Sign{Mode: SignSubscription, Subscription: "sub_gh"}
	steps[4].Sign = Sign{Mode: SignNone}
	// Edits and templates come before signing, so the signature covers
	// them; the secret comes from the environment.
	steps[5].Template = true
	steps[5].Edits = &Edits{SetJSON: map[string]any{"data.id": "{{uuid}}"}}
	steps[5].Sign = Sign{Mode: SignSecret, Spec: `standard:{{env "HOOK_SECRET"}}`}
	subs := fakeSubs{
		{ID: "sub_1", Name: "Billing", Signing: outbound.SignStripe, Secret: stripe},
		{ID: "sub_gh", Name: "Hub", Signing: outbound.SignGitHub, Secret: gh},
	}
	// Signatures are checked against the real time, as a receiver does.
	env := func(name string) (string, bool) {
		if name == "HOOK_SECRET" {
			return std, true
		}
		return "", false
	}
	rep := run(t, &Suite{Steps: steps}, rc.URL, RunOptions{Subscriptions: subs, Now: time.Now, LookupEnv: env})
	for _, r := range rep.Steps {
		if !r.Passed {
			t.Errorf("step %s: %v (headers %v)", r.Name, r.Failures, r.Request.Headers)
		}
	}
	if b := rc.Hits()[5].Body; strings.Contains(string(b), "cli_1") {
		t.Errorf("edited body %s still holds the old id", b)
	}
}

// TestSources sends an inline request wire-exact, a capture by id and an
// event sample in each format.
func TestSources(t *testing.T) {
	rc := newReceiver(t, answer(200, ""))
	body := []byte{0xff, 0x00, 'a'}
	raw := &Request{Method: "PURGE", Path: "/a%2Fb/c?x=1&x=2&y", Headers: Headers{"X-Dup: 1", "Host: old.example", "X-Dup: 2", "Content-Length: 999"}}
	raw.SetBody(body)
	captures := fakeCaptures{"01CAP": {ID: "01CAP", Method: "POST", Target: "/captured?q", Headers: capture.Headers{{Name: "Content-Type", Value: "text/plain"}}, Body: []byte("hello")}}
	s := &Suite{Steps: []Step{
		{Name: "raw", Request: raw},
		{Name: "cap", Capture: "01CAP"},
		{Name: "json", Event: &EventRef{Name: "client.created", Seed: 7, Path: "/crm"}},
		{Name: "xml", Event: &EventRef{Name: "client.created", Seed: 7, Format: "xml"}},
		{Name: "form", Event: &EventRef{Name: "client.created", Seed: 7, Format: "form", Path: "/f"}},
	}}
	rep := run(t, s, rc.URL+"/base/", RunOptions{Captures: captures})
	if !rep.OK() {
		for _, r := range rep.Steps {
			t.Errorf("%s: %v", r.Name, r.Failures)
		}
	}
	h := rc.Hits()
	if h[0].Method != "PURGE" || h[0].URI != "/base/a%2Fb/c?x=1&x=2&y" || string(h[0].Body) != string(body) ||
		strings.Join(h[0].Header.Values("X-Dup"), ",") != "1,2" {
		t.Errorf("raw step arrived as %+v", h[0])
	}
	if h[1].URI != "/base/captured?q" || string(h[1].Body) != "hello" || h[1].Header.Get("Content-Type") != "text/plain" {
		t.Errorf("capture step arrived as %+v", h[1])
	}
	for i, want := range []struct{ uri, ct, start string }{
		{"/base/crm", outbound.ContentTypeJSON, "{"},
		{"/base/", outbound.ContentTypeXML, "<"},
		{"/base/f", outbound.ContentTypeForm, "type=client.created"},
	} {
		got := h[2+i]
		if got.URI != want.uri || got.Header.Get("Content-Type") != want.ct || !strings.HasPrefix(string(got.Body), want.start) ||
			got.Header.Get("User-Agent") != outbound.UserAgent {
			t.Errorf("event %d arrived as %s %q %q", i, got.URI, got.Header.Get("Content-Type"), got.Body)
		}
	}
	// The seed fixes the sample.
	rc2 := newReceiver(t, answer(200, ""))
	run(t, &Suite{Steps: s.Steps[2:3]}, rc2.URL+"/base", RunOptions{})
	if a, b := string(h[2].Body), string(rc2.Hits()[0].Body); a != b {
		t.Errorf("same seed, different samples")
	}
}

// TestEdits changes method, path, headers and a JSON field, keeping the
// rest of the body's bytes.
func TestEdits(t *testing.T) {
	rc := newReceiver(t, answer(200, ""))
	st := Step{Name: "e", Request: &Request{Method: "POST", Path: "/old", Headers: Headers{"A: 1", "X-Drop: x", "a: 2", "B: 3"},
		Body: "{\n  \"amount\":  1500,\n  \"n\": 1.50,\n  \"data\": {\"email\": \"a@b\"}\n}"},
		Edits: &Edits{Method: "PATCH", Path: "/new?x=1", SetHeaders: Headers{"A: 9", "C: new"}, RemoveHeaders: []string{"x-drop"},
			SetJSON: map[string]any{"amount": 9500, "data.email": "z@y", "data.added": []any{1, "two"}}}}
	run(t, &Suite{Steps: []Step{st}}, rc.URL, RunOptions{})
	h := rc.Hits()[0]
	if h.Method != "PATCH" || h.URI != "/new?x=1" {
		t.Errorf("request line %s %s", h.Method, h.URI)
	}
	if strings.Join(h.Header.Values("A"), ",") != "9" || h.Header.Get("C") != "new" || h.Header.Get("X-Drop") != "" || h.Header.Get("B") != "3" {
		t.Errorf("headers %v", h.Header)
	}
	want := "{\n  \"amount\":  9500,\n  \"n\": 1.50,\n  \"data\": {\"email\": \"z@y\",\"added\":[1,\"two\"]}\n}"
	if string(h.Body) != want {
		t.Errorf("body\n%s\nwant\n%s", h.Body, want)
	}
}

// TestCancel stops a run during a send and between steps; the report
// holds the steps finished before.
func TestCancel(t *testing.T) {
	t.Run("during a send", func(t *testing.T) {
		// Registered first, so it runs after the receiver is closed: the
		// run leaves no goroutine (its own sender is closed).
		ign := goleak.IgnoreCurrent()
		t.Cleanup(func() { leaktest.VerifyNone(t, ign) })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				cancel()
				<-r.Context().Done() // the client hung up
				return
			}
			w.WriteHeader(200)
		})
		s := &Suite{Steps: []Step{inline("a", "/fast", "{}"), inline("b", "/slow", "{}"), inline("c", "/fast", "{}")}}
		rep, err := Run(ctx, s, RunOptions{Target: rc.URL, Now: clock})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
		if rep == nil || !rep.Canceled || len(rep.Steps) != 1 || rep.Steps[0].Name != "a" || rep.OK() {
			t.Fatalf("report %+v, want step a only, canceled", rep)
		}
		if n := len(rc.Hits()); n != 2 {
			t.Errorf("%d requests, want 2 (c never sent)", n)
		}
	})
	t.Run("between steps", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rc := newReceiver(t, answer(200, ""))
		s := &Suite{Steps: []Step{inline("a", "/", "{}"), inline("b", "/", "{}")}}
		rep, err := Run(ctx, s, RunOptions{Target: rc.URL, Now: clock, Progress: func(StepResult) { cancel() }})
		if !errors.Is(err, context.Canceled) || !rep.Canceled || len(rep.Steps) != 1 || len(rc.Hits()) != 1 {
			t.Errorf("err %v report %+v hits %d", err, rep, len(rc.Hits()))
		}
	})
}

// TestRunRefuses checks what stops a run before it starts.
func TestRunRefuses(t *testing.T) {
	ok := &Suite{Steps: []Step{inline("a", "/", "")}}
	tests := []struct {
		name   string
		s      *Suite
		target string
		want   string
	}{
		{"no suite", nil, "http://x", "no suite"},
		{"no target", ok, "", "no target URL: pass --to URL"},
		{"bad target", ok, "ftp://x", `scheme "ftp" is not supported`},
		{"invalid", &Suite{}, "http://x", "no steps"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Run(context.Background(), tc.s, RunOptions{Target: tc.target})
			if err == nil || !strings.Contains(err.Error(), tc.want) || rep != nil {
				t.Errorf("err %v, report %v; want an error containing %q", err, rep, tc.want)
			}
		})
	}
}

func TestJoinTarget(t *testing.T) {
	tests := []struct{ base, step, wantBase, wantTarget string }{
		{"http://h:3000", "/hooks/a?x=1", "http://h:3000", "/hooks/a?x=1"},
		{"http://h:3000/", "/hooks", "http://h:3000", "/hooks"},
		{"http://h/base", "/hooks", "http://h", "/base/hooks"},
		{"http://h/base/", "/hooks", "http://h", "/base/hooks"},
		{"http://h/base?token=s", "/hooks?a=1", "http://h", "/base/hooks?token=s&a=1"},
		{"http://h/base?token=s", "/", "http://h", "/base/?token=s"},
		{"localhost:3000", "", "http://localhost:3000", "/"},
		{"http://h/b", "", "http://h", "/b"},
		{"http://h", "hooks", "http://h", "/hooks"},
		{"http://h", "/a?", "http://h", "/a?"},
		{"http://h", "http://other/x?y", "http://h", "/x?y"},
		{"https://h/p#frag", "/q", "https://h", "/p/q"},
	}
	for _, tc := range tests {
		t.Run(tc.base+" "+tc.step, func(t *testing.T) {
			b, tg, err := joinTarget(tc.base, tc.step)
			if err != nil || b != tc.wantBase || tg != tc.wantTarget {
				t.Errorf("got %q %q %v, want %q %q", b, tg, err, tc.wantBase, tc.wantTarget)
			}
		})
	}
}

// TestRecordThenSame records a step's answer with RecordedFrom, then
// expects the same: it passes on the same answer and fails on another.
func TestRecordThenSame(t *testing.T) {
	var body atomic.Value // the answer's body: the test changes it between runs
	body.Store(`{"id":1,"at":"2026-01-01"}`)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Version", "1")
		_, _ = io.WriteString(w, body.Load().(string))
	})
	st := inline("a", "/", "{}")
	rep := run(t, &Suite{Steps: []Step{st}}, rc.URL, RunOptions{})
	st.Recorded = RecordedFrom(rep.Steps[0].Response)
	st.Expect = &Expect{SameAsRecorded: true, Ignore: []string{"at"}}
	s := &Suite{Steps: []Step{st}}
	// Through the file, as a suite kept in a repository would be.
	b, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if s, err = Parse(b, "recorded.yaml"); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	body.Store(`{"id":1,"at":"2026-02-02"}`) // an ignored field changes
	if rep := run(t, s, rc.URL, RunOptions{}); !rep.OK() {
		t.Errorf("same answer failed: %v", rep.Steps[0].Failures)
	}
	body.Store(`{"id":2,"at":"2026-02-02"}`)
	rep = run(t, s, rc.URL, RunOptions{})
	if f := rep.Steps[0].Failures; len(f) != 1 || f[0].Kind != FailSame || len(f[0].Changes) != 1 || f[0].Changes[0].Path != "body id" {
		t.Errorf("failures %+v", f)
	}
	if RecordedFrom(replay.Result{Class: replay.ClassRefused}) != nil {
		t.Error("a transport failure recorded as an answer")
	}
}
