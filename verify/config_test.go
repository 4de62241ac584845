package verify

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

type parseCase struct {
	spec    string
	want    Config
	wantErr string // substring of the error; "" means success
}

var parseCases = []parseCase{
	{spec: "standard:" + vecSecret, want: Config{Scheme: "standard", Secret: vecSecret}},
	{spec: "svix:" + vecSecret, want: Config{Scheme: "svix", Secret: vecSecret}},
	{spec: "stripe:whsec_abc123", want: Config{Scheme: "stripe", Secret: "whsec_abc123"}},
	{spec: "github:mysecret", want: Config{Scheme: "github", Secret: "mysecret"}},
	{spec: "GitHub:mysecret", want: Config{Scheme: "github", Secret: "mysecret"}},
	{spec: "hmac:SECRET,header=X-Signature,algo=sha256,encoding=hex,prefix=sha256=,timestamp=X-Timestamp,tolerance=5m,path=/shop",
		want: Config{Scheme: "hmac", Secret: "SECRET", Header: "X-Signature", Algo: "sha256", Encoding: "hex", Prefix: "sha256=", TimestampHeader: "X-Timestamp", Tolerance: Duration(5 * time.Minute), Path: "/shop"}},
	{spec: "hmac:k,header=X-Sig,ALGO=SHA512,Encoding=Base64", want: Config{Scheme: "hmac", Secret: "k", Header: "X-Sig", Algo: "sha512", Encoding: "base64"}},
	{spec: "stripe:whsec_x,path=/shop,tolerance=600", want: Config{Scheme: "stripe", Secret: "whsec_x", Path: "/shop", Tolerance: Duration(600 * time.Second)}},
	{spec: "stripe:whsec_x, path=/a", want: Config{Scheme: "stripe", Secret: "whsec_x", Path: "/a"}},
	{spec: "github:a,b,c", want: Config{Scheme: "github", Secret: "a,b,c"}},
	{spec: "github:a,b=c,path=/x", want: Config{Scheme: "github", Secret: "a,b=c", Path: "/x"}},
	{spec: "github:a:b:c", want: Config{Scheme: "github", Secret: "a:b:c"}},
	{spec: "github:path=/x", want: Config{Scheme: "github", Secret: "path=/x"}},
	{spec: "github:a,,path=/x", want: Config{Scheme: "github", Secret: "a,", Path: "/x"}},
	{spec: "hmac:k,header=X-Sig,prefix=v1=", want: Config{Scheme: "hmac", Secret: "k", Header: "X-Sig", Prefix: "v1="}},
	{spec: "standard:MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", want: Config{Scheme: "standard", Secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},

	{spec: "whsec_abc", wantErr: "no ':' after the scheme"},
	{spec: "", wantErr: "no ':' after the scheme"},
	{spec: "gitlab:tok", wantErr: `unknown scheme "gitlab"`},
	{spec: "stripe:", wantErr: "stripe secret is empty"},
	{spec: "stripe:,path=/x", wantErr: "stripe secret is empty"},
	{spec: "standard:not base64!", wantErr: "not base64"},
	{spec: "standard:notwhsec", wantErr: "not whsec_ followed by base64"},
	{spec: "svix:bXlzZWNyZXQ=", wantErr: "not whsec_ followed by base64"},
	{spec: "standard:whsec_", wantErr: "not base64"},
	{spec: "hmac:k", wantErr: "hmac needs the signature header name"},
	{spec: "hmac:k,header=bad header", wantErr: "not a valid header name"},
	{spec: "hmac:k,header=X-Sig,algo=md5", wantErr: "algo \"md5\" is not supported"},
	{spec: "hmac:k,header=X-Sig,encoding=base32", wantErr: "encoding \"base32\" is not supported"},
	{spec: "hmac:k,header=X-Sig,tolerance=1m", wantErr: "add timestamp=HEADER"},
	{spec: "hmac:k,header=X-Sig,timestamp=x-sig", wantErr: "must differ"},
	{spec: "stripe:k,header=X-Sig", wantErr: "header applies only to the hmac scheme"},
	{spec: "github:k,tolerance=5m", wantErr: "tolerance does not apply"},
	{spec: "stripe:k,tolerance=soon", wantErr: "want a duration such as 5m"},
	{spec: "stripe:k,tolerance=-5m", wantErr: "negative"},
	{spec: "stripe:k,tolerance=99999999999999999999", wantErr: "too large"},
	{spec: "stripe:k,path=shop", wantErr: "must start with '/'"},
	{spec: "stripe:k,path=/a,path=/b", wantErr: "option path given twice"},
	{spec: "stripe:k,path=", wantErr: "option path has no value"},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := Parse(tc.spec)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Parse = %+v, want error containing %q", got, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %q does not contain %q", err, tc.wantErr)
				}
				if !errors.Is(err, ErrBadSpec) {
					t.Errorf("error %v does not match ErrBadSpec", err)
				}
				if strings.Count(err.Error(), ErrBadSpec.Error()) != 1 || strings.Contains(err.Error(), ErrBadConfig.Error()) {
					t.Errorf("error %q repeats its prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tc.want {
				t.Errorf("Parse =\n %+v\nwant\n %+v", got, tc.want)
			}
			again, err := Parse(got.spec(got.Secret))
			if err != nil || again != got {
				t.Errorf("re-Parse(%q) = %+v, %v; want %+v", got.spec(got.Secret), again, err, got)
			}
		})
	}
}

func TestParseValidateErrorMatchesBoth(t *testing.T) {
	_, err := Parse("hmac:k")
	if !errors.Is(err, ErrBadSpec) || !errors.Is(err, ErrBadConfig) {
		t.Errorf("Parse(hmac:k) = %v, want ErrBadSpec and ErrBadConfig", err)
	}
}

func TestParseErrorsHideSecret(t *testing.T) {
	const secret = "SuperSecretValue1234"
	for _, spec := range []string{
		"standard:" + secret + "!",
		"hmac:" + secret,
		"stripe:" + secret + ",path=nope",
		"github:" + secret + ",tolerance=1m",
	} {
		_, err := Parse(spec)
		if err == nil {
			t.Fatalf("Parse(%q) succeeded", spec)
		}
		if strings.Contains(err.Error(), "SuperSecret") {
			t.Errorf("Parse(%q) error leaks the secret: %v", spec, err)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Scheme: "stripe", Secret: "whsec_0123456789abcdef3a9"}, "stripe:whsec_…f3a9"},
		{Config{Scheme: "github", Secret: "mysecret"}, "github:…"},
		{Config{Scheme: "github", Secret: "whsec_short"}, "github:whsec_…"},
		{Config{Scheme: "github", Secret: "exactly12chr"}, "github:…2chr"},
		{Config{Scheme: "github", Secret: "elevenchars"}, "github:…"},
		{Config{Scheme: "github", Secret: "abcdefghijk\x00\x01\x02"}, "github:…"},
		{Config{Scheme: "github", Secret: "abcdefghijklmn,pq"}, "github:…"},
		{Config{Scheme: "github", Secret: "abcdefghijklmnoé€日本"}, "github:…é€日本"},
		{Config{Scheme: "hmac", Secret: "0123456789abcdefXYZW", Header: "X-Sig", Algo: "sha1", Encoding: "base64", Prefix: "sha1=", TimestampHeader: "X-Ts", Tolerance: Duration(time.Minute), Path: "/p"},
			"hmac:…XYZW,header=X-Sig,algo=sha1,encoding=base64,prefix=sha1=,timestamp=X-Ts,tolerance=1m0s,path=/p"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.cfg.String(); got != tc.want {
				t.Errorf("String = %q, want %q", got, tc.want)
			}
			checkRedacted(t, tc.cfg.Secret, redact(tc.cfg.Secret))
		})
	}
}

// checkRedacted fails unless shown reveals at most the last 4 characters of
// secret (besides the public whsec_ prefix).
func checkRedacted(t *testing.T, secret, shown string) {
	t.Helper()
	rest := strings.TrimPrefix(secret, "whsec_")
	tail, ok := strings.CutPrefix(strings.TrimPrefix(shown, "whsec_"), "…")
	if !ok {
		t.Fatalf("redact(%q) = %q: no … marker", secret, shown)
	}
	if utf8.RuneCountInString(tail) > 4 || !strings.HasSuffix(rest, tail) {
		t.Errorf("redact(%q) = %q reveals more than the last 4 characters", secret, shown)
	}
	if len(rest) > 0 && tail == rest {
		t.Errorf("redact(%q) = %q reveals the whole secret", secret, shown)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"zero", Config{}, "unknown scheme"},
		{"uppercase scheme", Config{Scheme: "Stripe", Secret: "x"}, "unknown scheme"},
		{"svix bad secret", Config{Scheme: "svix", Secret: "whsec_%%%"}, "svix secret is not base64"},
		{"standard unpadded ok", Config{Scheme: "standard", Secret: "whsec_YWI"}, ""},
		{"stripe secret any bytes", Config{Scheme: "stripe", Secret: "not base64 at all!"}, ""},
		{"algo on stripe", Config{Scheme: "stripe", Secret: "x", Algo: "sha1"}, "algo applies only to the hmac scheme"},
		{"timestamp header on svix", Config{Scheme: "svix", Secret: vecSecret, TimestampHeader: "X-T"}, "timestamp header applies only"},
		{"bad timestamp header", Config{Scheme: "hmac", Secret: "x", Header: "X-Sig", TimestampHeader: "X T"}, "not a valid header name"},
		{"hmac ok", Config{Scheme: "hmac", Secret: "x", Header: "X-Sig"}, ""},
		// What an older version saved still loads; only typed secrets are
		// held to the bare-key length (ValidateNew).
		{"saved short bare standard key", Config{Scheme: "standard", Secret: "mysecret"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := New(tc.cfg); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrBadConfig) {
				t.Errorf("Validate = %v, want ErrBadConfig containing %q", err, tc.wantErr)
			}
			if _, err := New(tc.cfg); err == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}

func TestConfigJSON(t *testing.T) {
	c := Config{Scheme: "hmac", Secret: "s", Header: "X-Sig", TimestampHeader: "X-Ts", Tolerance: Duration(90 * time.Second)}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"scheme":"hmac","secret":"s","header":"X-Sig","timestamp_header":"X-Ts","tolerance":"1m30s"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil || back != c {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, c)
	}
	b, _ = json.Marshal(Config{Scheme: "github", Secret: "s"})
	if want := `{"scheme":"github","secret":"s"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s (zero tolerance omitted)", b, want)
	}
}

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{`"5m"`, 5 * time.Minute, false},
		{`"5m0s"`, 5 * time.Minute, false},
		{`"300"`, 300 * time.Second, false},
		{`300`, 300 * time.Second, false},
		{`1.5`, 1500 * time.Millisecond, false},
		{`""`, 0, false},
		{`"soon"`, 0, true},
		{`true`, 0, true},
		{`1e300`, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var d Duration
			err := json.Unmarshal([]byte(tc.in), &d)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if err == nil && time.Duration(d) != tc.want {
				t.Errorf("Unmarshal(%s) = %v, want %v", tc.in, time.Duration(d), tc.want)
			}
		})
	}
}

// TestValidateNew: a secret typed now must be whsec_… or a bare key of
// real length; Validate, used on load, stays lenient.
func TestValidateNew(t *testing.T) {
	bare24 := base64.StdEncoding.EncodeToString(make([]byte, 24))
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"short bare standard", Config{Scheme: "standard", Secret: "mysecret"}, "not whsec_ followed by base64"},
		{"short bare svix", Config{Scheme: "svix", Secret: "bXlzZWNyZXQ="}, "not whsec_ followed by base64"},
		{"short whsec", Config{Scheme: "standard", Secret: "whsec_YWI"}, ""},
		{"bare 24 bytes", Config{Scheme: "svix", Secret: bare24}, ""},
		{"stripe any", Config{Scheme: "stripe", Secret: "sk"}, ""},
		{"invalid anyway", Config{Scheme: "hmac", Secret: "x"}, "header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.ValidateNew()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateNew: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrBadConfig) || strings.Contains(err.Error(), tc.cfg.Secret) {
				t.Errorf("ValidateNew = %v, want ErrBadConfig containing %q and not the secret", err, tc.wantErr)
			}
		})
	}
}
