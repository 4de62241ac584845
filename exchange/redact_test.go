package exchange

import (
	"bytes"
	"slices"
	"testing"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/verify"
)

func TestRedactHeaders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret bool
	}{
		{"Authorization", true},
		{"proxy-authorization", true},
		{"Cookie", true},
		{"Set-Cookie", true},
		{"X-Auth-Token", true},
		{"X-Api-Key", true},
		{"Stripe-Signature", true},
		{"X-Hub-Signature-256", true},
		{"X-Webhook-Secret", true},
		{"X-Shopify-Hmac-Sha256", true},
		{"X-Custom-Sig", true},
		{"sig", true},
		{"X-Design-Id", false}, // "sig" only as a whole word
		{"X-Password", true},
		{"WWW-Authenticate", true}, // contains "auth"
		{"Content-Type", false},
		{"Keep-Alive", false},
		{"User-Agent", false},
		{"Host", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SecretHeader(tc.name); got != tc.secret {
				t.Errorf("SecretHeader(%q) = %v", tc.name, got)
			}
			r := &capture.Request{Target: "/", Headers: hdrs("Accept", "*/*", tc.name, "s3cr3t", tc.name, "")}
			red := Redact(r, ExportOptions{})
			want := "s3cr3t"
			if tc.secret {
				want = Redacted
			}
			if red.Headers[1].Value != want || red.Headers[1].Name != tc.name || red.Headers[2].Value != "" || red.Headers[0].Value != "*/*" {
				t.Errorf("redacted headers %q", red.Headers)
			}
			if r.Headers[1].Value != "s3cr3t" {
				t.Errorf("Redact changed its argument")
			}
			if kept := Redact(r, ExportOptions{IncludeSecrets: true}); kept.Headers[1].Value != "s3cr3t" {
				t.Errorf("IncludeSecrets redacted %q", kept.Headers)
			}
		})
	}
}

func TestRedactTarget(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		extra    []string
	}{
		{"/hook", "/hook", nil},
		{"/hook?token=abc", "/hook?token=REDACTED", nil},
		{"/hook?a=1&TOKEN=abc&b=2", "/hook?a=1&TOKEN=REDACTED&b=2", nil},
		{"/h?access_token=x&api_key=y&apikey=z&key=k&secret=s&signature=g&sig=q&password=p",
			"/h?access_token=REDACTED&api_key=REDACTED&apikey=REDACTED&key=REDACTED&secret=REDACTED&signature=REDACTED&sig=REDACTED&password=REDACTED", nil},
		{"/h?tokens=1&my_token=2&keys=3", "/h?tokens=1&my_token=2&keys=3", nil},                           // names match whole
		{"/h?api%5Fkey=x&token", "/h?api%5Fkey=REDACTED&token", nil},                                      // decoded name; no value
		{"/h?token=&a=%zz&&b", "/h?token=&a=%zz&&b", nil},                                                 // empty value, odd bytes kept
		{"/h?x=1;token=2&code=3&Code=4", "/h?x=1;token=2&code=REDACTED&Code=REDACTED", nil},               // ; is no separator
		{"/cb?state=1&code=abc&client_secret=s", "/cb?state=1&code=REDACTED&client_secret=REDACTED", nil}, // OAuth redirect
		{"/h?order=7", "/h?order=REDACTED", []string{"ORDER"}},
		{"/h?token=a#frag&token=b", "/h?token=REDACTED#frag&token=b", nil},
		{"http://u:pw@proxy:8080/p?key=1", "http://u:REDACTED@proxy:8080/p?key=REDACTED", nil},
		{"http://u@proxy/p", "http://u@proxy/p", nil},
		{"/path/with/token=1/in/it", "/path/with/token=1/in/it", nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			r := &capture.Request{Target: tc.in}
			if got := Redact(r, ExportOptions{RedactQuery: tc.extra}).Target; got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if got := Redact(r, ExportOptions{IncludeSecrets: true, RedactQuery: tc.extra}).Target; got != tc.in {
				t.Errorf("IncludeSecrets changed the target to %s", got)
			}
		})
	}
}

// TestRedactEveryFormat: no secret reaches any format, bodies stay as they
// are, and with IncludeSecrets every secret is there.
func TestRedactEveryFormat(t *testing.T) {
	secrets := []string{"dXNlcjpwYXNz", "session=abc", "5257a869e7ecebeda32affa62cdca3fa51", "sk_live_123", "token=abc", "sig=s1", "sha256=abc", "id=42"}
	body := `{"password":"hunter2","token":"abc"}`
	reqs := sampleCaptures()
	reqs[0].Body = []byte(body)
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			// Response headers exist only in HAR; HAR also splits cookies.
			absent := func(s string) bool {
				return s == "id=42" && f != HAR || s == "session=abc" && f == HAR
			}
			out := export(t, f, reqs, ExportOptions{})
			for _, s := range secrets {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("secret %q exported", s)
				}
			}
			if !bytes.Contains(out, []byte(Redacted)) {
				t.Errorf("nothing says REDACTED")
			}
			if f != JSONL && !bytes.Contains(out, []byte(`hunter2`)) {
				t.Errorf("body was changed") // JSON lines hold it in base64
			}
			all := export(t, f, reqs, ExportOptions{IncludeSecrets: true})
			for _, s := range secrets {
				if !absent(s) && !bytes.Contains(all, []byte(s)) {
					t.Errorf("IncludeSecrets: %q missing", s)
				}
			}
		})
	}
}

func TestRedactKeepsRestOfRequest(t *testing.T) {
	for _, r := range sampleCaptures() {
		red := Redact(r, ExportOptions{})
		if !bytes.Equal(red.Body, r.Body) || !bytes.Equal(red.Response.Body, r.Response.Body) || red.Method != r.Method || red.ID != r.ID {
			t.Errorf("%s: redaction touched more than secrets", r.Target)
		}
		if len(red.Headers) != len(r.Headers) || !slices.EqualFunc(red.Headers, r.Headers, func(a, b capture.Header) bool { return a.Name == b.Name }) {
			t.Errorf("%s: header names or order changed", r.Target)
		}
	}
}

// TestRedactSecretsEveryFormat: the secret path prefix, credential query
// parameters (code) and signature headers, custom or configured, are absent
// from every format unless secrets are included.
func TestRedactSecretsEveryFormat(t *testing.T) {
	r := capt("01HWZ5R6Q8A2C3D4E5F6G7H8K0", "POST", "/pfxSECRET42/hooks/x?code=oauth777&ok=1",
		[]byte(`{"a":1}`),
		"Content-Type", "application/json",
		"X-Custom-Sig", "customsig888",
		"X-Vendor-Mac", "vendormac999",
		"Referer", "https://hooks.example.com/pfxSECRET42/page")
	r.Headers[0].Value, r.Host = "hooks.example.com", "hooks.example.com"
	r.Verification = &verify.Result{Scheme: "hmac", Reason: "no match for /pfxSECRET42/hooks/x"}
	secrets := []string{"pfxSECRET42", "oauth777", "customsig888", "vendormac999"}
	o := ExportOptions{SecretPrefixes: []string{"pfxSECRET42"}, SecretHeaders: []string{"x-vendor-mac"}}
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			out := export(t, f, []*capture.Request{r}, o)
			for _, s := range secrets {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("secret %q exported:\n%s", s, out)
				}
			}
			if f != JSONL && !bytes.Contains(out, []byte("/REDACTED/hooks/x?code=REDACTED&ok=1")) {
				t.Errorf("target not redacted in place:\n%s", out)
			}
			o2 := o
			o2.IncludeSecrets = true
			all := export(t, f, []*capture.Request{r}, o2)
			for _, s := range secrets {
				if !bytes.Contains(all, []byte(s)) {
					t.Errorf("IncludeSecrets: %q missing", s)
				}
			}
		})
	}
}

func TestRedactPrefixes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/p1", "/REDACTED"},
		{"/p1/", "/REDACTED/"},
		{"/p1?x=1", "/REDACTED?x=1"},
		{"/p10/x", "/p10/x"}, // another segment that starts alike
		{"/a/p1/b/p1", "/a/REDACTED/b/REDACTED"},
		{"https://h/p1#f", "https://h/REDACTED#f"},
		{"", ""},
	} {
		if got := redactPrefixes(tc.in, []string{"", "p1"}); got != tc.want {
			t.Errorf("redactPrefixes(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
