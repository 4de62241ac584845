package verify

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"slices"
	"strings"

	"github.com/gancho-app/gancho/internal/sigcheck"
)

// hdrs is a header block for tests: (name, value) pairs, case-insensitive
// lookups, like capture.Headers.
type hdrs [][2]string

func (h hdrs) Get(name string) string {
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) {
			return kv[1]
		}
	}
	return ""
}

func (h hdrs) Values(name string) []string {
	var out []string
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) {
			out = append(out, kv[1])
		}
	}
	return out
}

// mac computes HMAC(key, parts...) directly with crypto/hmac, independently
// of the package's own signing code, so tests check against the spec rather
// than against themselves (sigcheck, shared with other packages' tests).
func mac(h func() hash.Hash, key string, parts ...string) []byte {
	return sigcheck.MAC(h, key, parts...)
}

func hexMAC(h func() hash.Hash, key string, parts ...string) string {
	return sigcheck.HexMAC(h, key, parts...)
}

// stripeSig is an independent Stripe v1 signature: hex HMAC-SHA256 of "t.body".
func stripeSig(secret, t, body string) string { return sigcheck.Stripe(secret, t, body) }

// stdSig is an independent Standard Webhooks v1 signature.
func stdSig(secret, id, ts, body string) string { return sigcheck.Standard(secret, id, ts, body) }

// The Standard Webhooks public test vector (standard-webhooks libraries' tests).
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = "1614265330"
	vecTSInt  = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// GitHub's documented vector.
const (
	ghSecret = "It's a Secret to Everybody"
	ghBody   = "Hello, World!"
	ghSig    = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

const stripeSecret = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"

// testConfigs are the verifiers the tables refer to by name.
var testConfigs = map[string]Config{
	"standard":       {Scheme: SchemeStandard, Secret: vecSecret},
	"standard-other": {Scheme: SchemeStandard, Secret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("a different key, 32 bytes long!!"))},
	"svix":           {Scheme: SchemeSvix, Secret: vecSecret},
	"stripe":         {Scheme: SchemeStripe, Secret: stripeSecret},
	"github":         {Scheme: SchemeGitHub, Secret: ghSecret},
	"hmac":           {Scheme: SchemeHMAC, Secret: "s3cret", Header: "X-Signature", Prefix: "sha256="},
	"hmac-sha1-b64":  {Scheme: SchemeHMAC, Secret: "s3cret", Header: "X-Sig", Algo: "sha1", Encoding: "base64"},
	"hmac-sha512-ts": {Scheme: SchemeHMAC, Secret: "s3cret", Header: "X-Sig", Algo: "sha512", Encoding: "base64", TimestampHeader: "X-Timestamp", Tolerance: Duration(60e9)},
}

// configNames lists testConfigs' keys in a fixed order, so a fuzz input can
// pick one by index.
var configNames = func() []string {
	var names []string
	for n := range testConfigs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}()

// sigHeaders returns the header names a config reads: id, timestamp and
// signature ("" where the scheme has none).
func sigHeaders(c Config) (id, ts, sig string) {
	switch c.Scheme {
	case SchemeStandard:
		return "webhook-id", "webhook-timestamp", "webhook-signature"
	case SchemeSvix:
		return "svix-id", "svix-timestamp", "svix-signature"
	case SchemeStripe:
		return "", "", "Stripe-Signature"
	case SchemeGitHub:
		return "", "", "X-Hub-Signature-256"
	default:
		return "", c.TimestampHeader, c.Header
	}
}

// hashOf maps an algo name to its constructor, independently of hashFor.
func hashOf(algo string) func() hash.Hash {
	switch algo {
	case "sha1":
		return sha1.New
	case "sha512":
		return sha512.New
	}
	return sha256.New
}
