package verify

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

const stripeT = "1700000000"
const stripeTInt = 1700000000

var (
	stripeGood  = stripeSig(stripeSecret, stripeT, "{}")
	stripeWrong = stripeSig("whsec_wrong", stripeT, "{}")
	hmacGood    = "sha256=" + hexMAC(sha256.New, "s3cret", "payload")
	sha1B64     = base64.StdEncoding.EncodeToString(mac(sha1.New, "s3cret", "payload"))
	sha512TS    = base64.StdEncoding.EncodeToString(mac(sha512.New, "s3cret", stripeT, ".", "payload"))
	otherStdSig = stdSig(testConfigs["standard-other"].Secret, vecID, vecTS, vecBody)
)

type verifyCase struct {
	name   string
	cfg    string // key into testConfigs
	h      hdrs
	body   string
	now    int64
	ok     bool
	reason string
}

func stdHdrs(id, ts, sig string) hdrs {
	return hdrs{{"Webhook-Id", id}, {"Webhook-Timestamp", ts}, {"Webhook-Signature", sig}}
}

var verifyCases = []verifyCase{
	// Standard Webhooks.
	{"standard vector", "standard", stdHdrs(vecID, vecTS, vecSig), vecBody, vecTSInt, true, "signature v1 matches"},
	{"svix vector", "svix", hdrs{{"svix-id", vecID}, {"svix-timestamp", vecTS}, {"svix-signature", vecSig}}, vecBody, vecTSInt, true, "signature v1 matches"},
	{"standard 299 s old", "standard", stdHdrs(vecID, vecTS, vecSig), vecBody, vecTSInt + 299, true, "signature v1 matches"},
	{"standard 299 s ahead", "standard", stdHdrs(vecID, vecTS, vecSig), vecBody, vecTSInt - 299, true, "signature v1 matches"},
	{"standard 300 s old is the edge", "standard", stdHdrs(vecID, vecTS, vecSig), vecBody, vecTSInt + 300, true, "signature v1 matches"},
	{"standard 301 s old", "standard", stdHdrs(vecID, vecTS, vecSig), vecBody, vecTSInt + 301, false, "timestamp 301 s old, tolerance 300 s"},
	{"standard 301 s ahead", "standard", stdHdrs(vecID, vecTS, vecSig), vecBody, vecTSInt - 301, false, "timestamp 301 s in the future, tolerance 300 s"},
	{"svix 301 s old", "svix", hdrs{{"svix-id", vecID}, {"svix-timestamp", vecTS}, {"svix-signature", vecSig}}, vecBody, vecTSInt + 301, false, "timestamp 301 s old, tolerance 300 s"},
	{"standard wrong secret", "standard-other", stdHdrs(vecID, vecTS, vecSig), vecBody, vecTSInt, false, reasonNoMatch},
	{"standard altered body", "standard", stdHdrs(vecID, vecTS, vecSig), vecBody + " ", vecTSInt, false, reasonNoMatch},
	{"standard altered id", "standard", stdHdrs(vecID+"x", vecTS, vecSig), vecBody, vecTSInt, false, reasonNoMatch},
	{"standard stale beats wrong signature", "standard-other", stdHdrs(vecID, vecTS, vecSig), vecBody, vecTSInt + 1000, false, "timestamp 1000 s old, tolerance 300 s"},
	{"standard second of three matches", "standard", stdHdrs(vecID, vecTS, otherStdSig+" "+vecSig+" v1a,c2lnbmF0dXJl "+otherStdSig), vecBody, vecTSInt, true, "signature 2 of 3 matches"},
	{"standard two header lines", "standard", append(stdHdrs(vecID, vecTS, otherStdSig), [2]string{"webhook-signature", vecSig}), vecBody, vecTSInt, true, "signature 2 of 2 matches"},
	{"standard signature missing", "standard", hdrs{{"webhook-id", vecID}, {"webhook-timestamp", vecTS}}, vecBody, vecTSInt, false, "header webhook-signature missing"},
	{"standard all missing", "standard", hdrs{{"Content-Type", "application/json"}}, vecBody, vecTSInt, false, "headers webhook-id, webhook-timestamp, webhook-signature missing"},
	{"standard empty id", "standard", stdHdrs("", vecTS, vecSig), vecBody, vecTSInt, false, "malformed header webhook-id: empty"},
	{"standard bad base64", "standard", stdHdrs(vecID, vecTS, "v1,not*base64!"), vecBody, vecTSInt, false, "malformed header webhook-signature: entry 1 is not valid base64"},
	{"standard short signature", "standard", stdHdrs(vecID, vecTS, "v1,AAAA"), vecBody, vecTSInt, false, "malformed header webhook-signature: entry 1 is 3 bytes, want 32 (HMAC-SHA256)"},
	{"standard non-numeric timestamp", "standard", stdHdrs(vecID, "yesterday", vecSig), vecBody, vecTSInt, false, `malformed header webhook-timestamp: "yesterday" is not unix seconds`},
	{"standard negative timestamp", "standard", stdHdrs(vecID, "-5", vecSig), vecBody, vecTSInt, false, `malformed header webhook-timestamp: "-5" is not unix seconds`},
	{"standard millisecond timestamp", "standard", stdHdrs(vecID, vecTS+"000", vecSig), vecBody, vecTSInt, false, `malformed header webhook-timestamp: "1614265330000" is too large for unix seconds (milliseconds?)`},
	{"standard empty timestamp", "standard", stdHdrs(vecID, "", vecSig), vecBody, vecTSInt, false, "malformed header webhook-timestamp: empty, want unix seconds"},
	{"standard empty signature list", "standard", stdHdrs(vecID, vecTS, "  "), vecBody, vecTSInt, false, "malformed header webhook-signature: empty signature list"},
	{"standard unversioned signature", "standard", stdHdrs(vecID, vecTS, "g0hM9SsE"), vecBody, vecTSInt, false, `malformed header webhook-signature: entry 1 "g0hM9SsE" has no version, want v1,<base64>`},
	{"standard only v1a", "standard", stdHdrs(vecID, vecTS, "v1a,c2lnbmF0dXJl"), vecBody, vecTSInt, false, `malformed header webhook-signature: no v1 signature, only "v1a"`},
	{"standard malformed beats stale", "standard", stdHdrs(vecID, vecTS, "v1,not*base64!"), vecBody, vecTSInt + 1000, false, "malformed header webhook-signature: entry 1 is not valid base64"},
	// Several signatures: a malformed entry is skipped, as the reference
	// libraries do, and named only when nothing matches.
	{"standard bogus then valid", "standard", stdHdrs(vecID, vecTS, "v1,bogus "+vecSig), vecBody, vecTSInt, true, "signature v1 matches"},
	{"standard short, unversioned, then valid", "standard", stdHdrs(vecID, vecTS, "v1,AAAA g0hM9SsE "+vecSig), vecBody, vecTSInt, true, "signature v1 matches"},
	{"standard valid then bogus", "standard", stdHdrs(vecID, vecTS, vecSig+" v1,bogus"), vecBody, vecTSInt, true, "signature v1 matches"},
	{"standard bogus and wrong", "standard", stdHdrs(vecID, vecTS, "v1,bogus "+otherStdSig), vecBody, vecTSInt, false, reasonNoMatch + "; malformed header webhook-signature: entry 1 is not valid base64"},
	{"standard only malformed", "standard", stdHdrs(vecID, vecTS, "v1,bogus v1,AAAA"), vecBody, vecTSInt, false, "malformed header webhook-signature: entry 1 is not valid base64; entry 2 is 3 bytes, want 32 (HMAC-SHA256)"},
	{"standard many malformed", "standard", stdHdrs(vecID, vecTS, "x y z w v"), vecBody, vecTSInt, false, `malformed header webhook-signature: entry 1 "x" has no version, want v1,<base64>; entry 2 "y" has no version, want v1,<base64>; entry 3 "z" has no version, want v1,<base64>; …`},
	{"svix bogus then valid", "svix", hdrs{{"svix-id", vecID}, {"svix-timestamp", vecTS}, {"svix-signature", "v1,bogus " + vecSig}}, vecBody, vecTSInt, true, "signature v1 matches"},

	// Stripe.
	{"stripe single v1", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeGood}}, "{}", stripeTInt, true, "signature v1 matches"},
	{"stripe second of three v1 plus v0", "stripe", hdrs{{"stripe-signature", "t=" + stripeT + ",v1=" + stripeWrong + ",v1=" + stripeGood + ",v1=" + stripeWrong + ",v0=" + stripeWrong}}, "{}", stripeTInt, true, "signature 2 of 3 matches"},
	{"stripe spaces and stray comma", "stripe", hdrs{{"Stripe-Signature", " t=" + stripeT + ", v1=" + stripeGood + ","}}, "{}", stripeTInt, true, "signature v1 matches"},
	{"stripe uppercase hex", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + strings.ToUpper(stripeGood)}}, "{}", stripeTInt, true, "signature v1 matches"},
	{"stripe 299 s old", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeGood}}, "{}", stripeTInt + 299, true, "signature v1 matches"},
	{"stripe 299 s ahead", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeGood}}, "{}", stripeTInt - 299, true, "signature v1 matches"},
	{"stripe 301 s old", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeGood}}, "{}", stripeTInt + 301, false, "timestamp 301 s old, tolerance 300 s"},
	{"stripe 301 s ahead", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeGood}}, "{}", stripeTInt - 301, false, "timestamp 301 s in the future, tolerance 300 s"},
	{"stripe wrong secret", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeWrong}}, "{}", stripeTInt, false, reasonNoMatch},
	{"stripe altered body", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeGood}}, "{ }", stripeTInt, false, reasonNoMatch},
	{"stripe altered timestamp", "stripe", hdrs{{"Stripe-Signature", "t=1700000001,v1=" + stripeGood}}, "{}", stripeTInt, false, reasonNoMatch},
	{"stripe only v0 matches", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeWrong + ",v0=" + stripeGood}}, "{}", stripeTInt, false, reasonNoMatch},
	{"stripe missing", "stripe", hdrs{{"X-Other", "1"}}, "{}", stripeTInt, false, "header Stripe-Signature missing"},
	{"stripe empty", "stripe", hdrs{{"Stripe-Signature", ""}}, "{}", stripeTInt, false, "malformed header Stripe-Signature: empty"},
	{"stripe no t", "stripe", hdrs{{"Stripe-Signature", "v1=" + stripeGood}}, "{}", stripeTInt, false, "malformed header Stripe-Signature: no t= timestamp"},
	{"stripe two t", "stripe", hdrs{{"Stripe-Signature", "t=1,t=2,v1=" + stripeGood}}, "{}", stripeTInt, false, "malformed header Stripe-Signature: more than one t= timestamp"},
	{"stripe non-numeric t", "stripe", hdrs{{"Stripe-Signature", "t=now,v1=" + stripeGood}}, "{}", stripeTInt, false, `malformed header Stripe-Signature: t="now" is not unix seconds`},
	{"stripe no v1", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v0=" + stripeGood}}, "{}", stripeTInt, false, "malformed header Stripe-Signature: no v1= signature"},
	{"stripe bad hex", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=xyz"}}, "{}", stripeTInt, false, "malformed header Stripe-Signature: v1 signature 1 is not valid hex"},
	{"stripe short v1", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=abcd"}}, "{}", stripeTInt, false, "malformed header Stripe-Signature: v1 signature 1 is 2 bytes, want 32 (HMAC-SHA256)"},
	{"stripe item without =", "stripe", hdrs{{"Stripe-Signature", "t=" + stripeT + ",garbage"}}, "{}", stripeTInt, false, `malformed header Stripe-Signature: item 2 "garbage" is not key=value`},

	// GitHub.
	{"github vector", "github", hdrs{{"X-Hub-Signature-256", ghSig}}, ghBody, 0, true, "signature sha256 matches"},
	{"github altered body", "github", hdrs{{"X-Hub-Signature-256", ghSig}}, ghBody + "\n", 0, false, reasonNoMatch},
	{"github legacy sha1 only", "github", hdrs{{"X-Hub-Signature", "sha1=" + hexMAC(sha1.New, ghSecret, ghBody)}}, ghBody, 0, true, "signature sha1 matches (legacy X-Hub-Signature; no X-Hub-Signature-256 sent)"},
	{"github legacy sha1 wrong", "github", hdrs{{"X-Hub-Signature", "sha1=" + hexMAC(sha1.New, "nope", ghBody)}}, ghBody, 0, false, reasonNoMatch + " (checked legacy sha1 X-Hub-Signature)"},
	{"github sha256 wins over sha1", "github", hdrs{{"X-Hub-Signature", "sha1=" + hexMAC(sha1.New, ghSecret, ghBody)}, {"X-Hub-Signature-256", "sha256=" + hexMAC(sha256.New, "nope", ghBody)}}, ghBody, 0, false, reasonNoMatch},
	{"github missing", "github", hdrs{}, ghBody, 0, false, "header X-Hub-Signature-256 missing"},
	{"github wrong prefix", "github", hdrs{{"X-Hub-Signature-256", "sha1=abcd"}}, ghBody, 0, false, `malformed header X-Hub-Signature-256: "sha1=abcd" does not start with sha256=`},
	{"github bad hex", "github", hdrs{{"X-Hub-Signature-256", "sha256=zz"}}, ghBody, 0, false, "malformed header X-Hub-Signature-256: signature is not valid hex"},

	// Generic HMAC.
	{"hmac sha256 hex prefix", "hmac", hdrs{{"x-signature", hmacGood}}, "payload", 0, true, "signature hmac-sha256 matches"},
	{"hmac altered body", "hmac", hdrs{{"X-Signature", hmacGood}}, "payloaD", 0, false, reasonNoMatch},
	{"hmac missing", "hmac", hdrs{}, "payload", 0, false, "header X-Signature missing"},
	{"hmac empty", "hmac", hdrs{{"X-Signature", ""}}, "payload", 0, false, "malformed header X-Signature: empty"},
	{"hmac no prefix", "hmac", hdrs{{"X-Signature", strings.TrimPrefix(hmacGood, "sha256=")}}, "payload", 0, false, `malformed header X-Signature: "` + strings.TrimPrefix(hmacGood, "sha256=")[:40] + `"… does not start with "sha256="`},
	{"hmac bad hex", "hmac", hdrs{{"X-Signature", "sha256=nothex"}}, "payload", 0, false, "malformed header X-Signature: signature is not valid hex"},
	{"hmac sha1 base64", "hmac-sha1-b64", hdrs{{"X-Sig", sha1B64}}, "payload", 0, true, "signature hmac-sha1 matches"},
	{"hmac sha1 base64 wrong length", "hmac-sha1-b64", hdrs{{"X-Sig", "AAAA"}}, "payload", 0, false, "malformed header X-Sig: signature is 3 bytes, want 20 (HMAC-SHA1)"},
	{"hmac sha1 bad base64", "hmac-sha1-b64", hdrs{{"X-Sig", "***"}}, "payload", 0, false, "malformed header X-Sig: signature is not valid base64"},
	{"hmac sha512 timestamped", "hmac-sha512-ts", hdrs{{"X-Timestamp", stripeT}, {"X-Sig", sha512TS}}, "payload", stripeTInt + 60, true, "signature hmac-sha512 matches"},
	{"hmac sha512 timestamp 61 s old", "hmac-sha512-ts", hdrs{{"X-Timestamp", stripeT}, {"X-Sig", sha512TS}}, "payload", stripeTInt + 61, false, "timestamp 61 s old, tolerance 60 s"},
	{"hmac sha512 timestamp altered", "hmac-sha512-ts", hdrs{{"X-Timestamp", "1700000001"}, {"X-Sig", sha512TS}}, "payload", stripeTInt, false, reasonNoMatch},
	{"hmac sha512 timestamp missing", "hmac-sha512-ts", hdrs{{"X-Sig", sha512TS}}, "payload", stripeTInt, false, "header X-Timestamp missing"},
	{"hmac sha512 timestamp junk", "hmac-sha512-ts", hdrs{{"X-Timestamp", "1.5"}, {"X-Sig", sha512TS}}, "payload", stripeTInt, false, `malformed header X-Timestamp: "1.5" is not unix seconds`},
}

func TestVerify(t *testing.T) {
	for _, tc := range verifyCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfigs[tc.cfg]
			v, err := New(cfg)
			if err != nil {
				t.Fatalf("New(%s): %v", cfg, err)
			}
			got := v.Verify(tc.h, []byte(tc.body), time.Unix(tc.now, 0))
			want := Result{Scheme: cfg.Scheme, OK: tc.ok, Reason: tc.reason}
			if got != want {
				t.Errorf("Verify = %+v\n          want %+v", got, want)
			}
			if !v.Present(tc.h) && !strings.Contains(tc.reason, "missing") {
				t.Errorf("Present = false for a request carrying the headers")
			}
		})
	}
}

func TestSignMatchesVector(t *testing.T) {
	for _, scheme := range []string{SchemeStandard, SchemeSvix} {
		t.Run(scheme, func(t *testing.T) {
			got, err := Sign(Config{Scheme: scheme, Secret: vecSecret}, vecID, time.Unix(vecTSInt, 0), []byte(vecBody))
			if err != nil {
				t.Fatal(err)
			}
			p := "webhook-"
			if scheme == SchemeSvix {
				p = "svix-"
			}
			want := [][2]string{{p + "id", vecID}, {p + "timestamp", vecTS}, {p + "signature", vecSig}}
			if !equalPairs(got, want) {
				t.Errorf("Sign = %q, want %q", got, want)
			}
		})
	}
	t.Run("github", func(t *testing.T) {
		got, err := Sign(testConfigs["github"], "", time.Time{}, []byte(ghBody))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != [2]string{"X-Hub-Signature-256", ghSig} || got[1][0] != "X-Hub-Signature" {
			t.Errorf("Sign = %q, want X-Hub-Signature-256 %s then X-Hub-Signature", got, ghSig)
		}
	})
	t.Run("stripe", func(t *testing.T) {
		got, err := Sign(testConfigs["stripe"], "ignored", time.Unix(stripeTInt, 0), []byte("{}"))
		if err != nil {
			t.Fatal(err)
		}
		want := [][2]string{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeGood}}
		if !equalPairs(got, want) {
			t.Errorf("Sign = %q, want %q", got, want)
		}
	})
}

func equalPairs(a, b [][2]string) bool {
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

func TestSignVerifyRoundTrip(t *testing.T) {
	extra := map[string]Config{
		"hmac-sha1-hex":       {Scheme: SchemeHMAC, Secret: "k", Header: "X-Sig", Algo: "sha1"},
		"hmac-sha512-hex":     {Scheme: SchemeHMAC, Secret: "k", Header: "X-Sig", Algo: "sha512", Prefix: "sha512="},
		"hmac-sha256-b64":     {Scheme: SchemeHMAC, Secret: "k", Header: "X-Sig", Encoding: "base64"},
		"hmac-ts-default-tol": {Scheme: SchemeHMAC, Secret: "k", Header: "X-Sig", TimestampHeader: "X-Ts", Prefix: "v1="},
		"stripe-tolerance":    {Scheme: SchemeStripe, Secret: "sk", Tolerance: Duration(time.Hour)},
		"standard-fresh":      {Scheme: SchemeStandard, Secret: NewSecret()},
	}
	all := make(map[string]Config, len(testConfigs)+len(extra))
	for n, c := range testConfigs {
		all[n] = c
	}
	for n, c := range extra {
		all[n] = c
	}
	now := time.Unix(stripeTInt, 0)
	for name, cfg := range all {
		t.Run(name, func(t *testing.T) {
			body := []byte(`{"id":"evt_1","amount":4200}`)
			pairs, err := Sign(cfg, "msg_1", now, body)
			if err != nil {
				t.Fatal(err)
			}
			var h hdrs
			for _, p := range pairs {
				h = append(h, p)
			}
			v, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Present(h) {
				t.Errorf("Present = false on signed headers %q", h)
			}
			if r := v.Verify(h, body, now.Add(30*time.Second)); !r.OK {
				t.Errorf("Verify(signed) = %+v, want OK", r)
			}
			altered := append([]byte(nil), body...)
			altered[len(altered)-2]++
			if r := v.Verify(h, altered, now); r.OK || r.Reason != reasonNoMatch {
				t.Errorf("Verify(altered) = %+v, want %q", r, reasonNoMatch)
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	if _, err := Sign(Config{Scheme: SchemeStandard, Secret: vecSecret}, "", time.Now(), nil); !errors.Is(err, ErrNoID) || !strings.Contains(err.Error(), "webhook-id") {
		t.Errorf("Sign(standard, no id) = %v, want an error naming webhook-id", err)
	}
	if _, err := Sign(Config{Scheme: "nope", Secret: "x"}, "id", time.Now(), nil); err == nil {
		t.Error("Sign(unknown scheme) succeeded")
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Fatalf("NewSecret returned %q twice", a)
	}
	for _, s := range []string{a, b} {
		if !strings.HasPrefix(s, "whsec_") {
			t.Errorf("NewSecret = %q, want whsec_ prefix", s)
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil || len(raw) != 24 {
			t.Errorf("NewSecret = %q: decodes to %d bytes (%v), want 24", s, len(raw), err)
		}
		if err := (Config{Scheme: SchemeStandard, Secret: s}).Validate(); err != nil {
			t.Errorf("NewSecret result does not validate: %v", err)
		}
	}
}

func TestSetCheck(t *testing.T) {
	stripeH := hdrs{{"Stripe-Signature", "t=" + stripeT + ",v1=" + stripeGood}}
	ghH := hdrs{{"X-Hub-Signature-256", ghSig}}
	shop := Config{Scheme: SchemeStripe, Secret: stripeSecret, Path: "/shop"}
	gh := Config{Scheme: SchemeGitHub, Secret: ghSecret, Path: "/hooks/gh/"}
	std := Config{Scheme: SchemeStandard, Secret: vecSecret}
	stdH := stdHdrs(vecID, vecTS, vecSig)
	stripeAt := func(p string) Config { return Config{Scheme: SchemeStripe, Secret: stripeSecret, Path: p} }
	tests := []struct {
		name string
		cfgs []Config
		path string
		h    hdrs
		body string
		want *Result // nil: not configured
	}{
		{"no verifiers", nil, "/shop", stripeH, "{}", nil},
		{"path does not apply", []Config{shop}, "/other", stripeH, "{}", nil},
		{"segment boundary", []Config{shop}, "/shopping", stripeH, "{}", nil},
		{"exact path", []Config{shop}, "/shop", stripeH, "{}", &Result{SchemeStripe, true, "signature v1 matches"}},
		{"path below prefix", []Config{shop}, "/shop/orders", stripeH, "{}", &Result{SchemeStripe, true, "signature v1 matches"}},
		{"slash prefix is plain", []Config{gh}, "/hooks/gh/repo1", ghH, ghBody, &Result{SchemeGitHub, true, "signature sha256 matches"}},
		{"header missing: first applicable", []Config{gh, shop, std}, "/shop/x", hdrs{}, "{}", &Result{SchemeStripe, false, "header Stripe-Signature missing"}},
		{"second verifier present is used", []Config{std, shop}, "/shop", stripeH, "{}", &Result{SchemeStripe, true, "signature v1 matches"}},
		{"first present wins", []Config{shop, {Scheme: SchemeStripe, Secret: "whsec_other", Path: "/shop"}}, "/shop", stripeH, "{}", &Result{SchemeStripe, true, "signature v1 matches"}},
		{"every path", []Config{std}, "/anything", hdrs{}, "", &Result{SchemeStandard, false, "headers webhook-id, webhook-timestamp, webhook-signature missing"}},
		// The most specific path wins: the README's global standard plus
		// stripe,path=/stripe.
		{"specific path beats global, unsigned", []Config{std, stripeAt("/stripe")}, "/stripe/evt", hdrs{}, "{}", &Result{SchemeStripe, false, "header Stripe-Signature missing"}},
		{"specific path beats global, signed the global way", []Config{std, stripeAt("/stripe")}, "/stripe/evt", stdH, vecBody, &Result{SchemeStripe, false, "header Stripe-Signature missing"}},
		{"specific path beats global, signed", []Config{std, stripeAt("/stripe")}, "/stripe/evt", stripeH, "{}", &Result{SchemeStripe, true, "signature v1 matches"}},
		{"global elsewhere", []Config{std, stripeAt("/stripe")}, "/other", hdrs{}, "", &Result{SchemeStandard, false, "headers webhook-id, webhook-timestamp, webhook-signature missing"}},
		{"longer prefix beats shorter", []Config{stripeAt("/a"), gh, stripeAt("/hooks")}, "/hooks/gh/x", hdrs{}, "", &Result{SchemeGitHub, false, "header X-Hub-Signature-256 missing"}},
		{"slash is global", []Config{{Scheme: SchemeStandard, Secret: vecSecret, Path: "/"}, stripeAt("/stripe")}, "/stripe", stripeH, "{}", &Result{SchemeStripe, true, "signature v1 matches"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSet(tc.cfgs)
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != len(tc.cfgs) {
				t.Errorf("Len = %d, want %d", s.Len(), len(tc.cfgs))
			}
			got := s.Check(tc.path, tc.h, []byte(tc.body), time.Unix(stripeTInt, 0))
			if cfg, ok := s.Pick(tc.path, tc.h); ok != (tc.want != nil) || ok && cfg.Scheme != tc.want.Scheme {
				t.Errorf("Pick = %v %v, want the verifier of %v", cfg, ok, tc.want)
			}
			switch {
			case got == nil && tc.want == nil:
			case got == nil || tc.want == nil:
				t.Errorf("Check = %v, want %v", got, tc.want)
			case *got != *tc.want:
				t.Errorf("Check = %+v, want %+v", *got, *tc.want)
			}
		})
	}
}

func TestSetNilAndErrors(t *testing.T) {
	var s *Set
	if s.Len() != 0 || s.Check("/", hdrs{}, nil, time.Now()) != nil || s.Configs() != nil {
		t.Error("nil Set is not empty")
	}
	_, err := NewSet([]Config{{Scheme: SchemeGitHub, Secret: "x"}, {Scheme: SchemeHMAC, Secret: "topsecretvalue1234"}})
	if err == nil {
		t.Fatal("NewSet accepted hmac without header")
	}
	if msg := err.Error(); !strings.Contains(msg, "verifier 2") || strings.Contains(msg, "topsecret") {
		t.Errorf("NewSet error %q: want position, no secret", msg)
	}
	cfgs := []Config{testConfigs["stripe"], testConfigs["hmac"]}
	s, err = NewSet(cfgs)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Configs()
	got[0].Secret = "changed"
	if s.Configs()[0].Secret != stripeSecret {
		t.Error("Configs exposes the Set's internal slice")
	}
}

func TestResultJSON(t *testing.T) {
	b, err := json.Marshal(Result{Scheme: "stripe", OK: false, Reason: "timestamp 301 s old, tolerance 300 s"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"scheme":"stripe","ok":false,"reason":"timestamp 301 s old, tolerance 300 s"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	if s := (Result{Scheme: "github", OK: true, Reason: "signature sha256 matches"}).String(); s != "github: ok (signature sha256 matches)" {
		t.Errorf("String = %q", s)
	}
}

// TestSkewLarge checks the skew arithmetic at extremes: year-5000 clocks and
// epoch timestamps must give exact numbers, not overflow.
func TestSkewLarge(t *testing.T) {
	v, _ := New(testConfigs["stripe"])
	h := hdrs{{"Stripe-Signature", "t=0,v1=" + stripeGood}}
	now := time.Date(5000, 1, 1, 0, 0, 0, 0, time.UTC)
	r := v.Verify(h, []byte("{}"), now)
	if want := "timestamp " + strconv.FormatInt(now.Unix(), 10) + " s old, tolerance 300 s"; r.Reason != want {
		t.Errorf("Reason = %q, want %q", r.Reason, want)
	}
}
