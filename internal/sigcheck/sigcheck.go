// Package sigcheck computes webhook signatures straight from the schemes'
// published definitions with crypto/hmac, independently of package verify's
// code, so tests check Gancho's signing against the specifications rather
// than against itself. It is for tests only, imports no UI, and every
// function is safe for concurrent use.
package sigcheck

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"
)

// MAC is HMAC(key, parts...) with the hash h.
func MAC(h func() hash.Hash, key string, parts ...string) []byte {
	m := hmac.New(h, []byte(key))
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// HexMAC is MAC in lower-case hex.
func HexMAC(h func() hash.Hash, key string, parts ...string) string {
	return hex.EncodeToString(MAC(h, key, parts...))
}

// Stripe is a Stripe v1 signature: hex HMAC-SHA256 of "t.body".
func Stripe(secret, t, body string) string { return HexMAC(sha256.New, secret, t, ".", body) }

// Standard is a Standard Webhooks (and Svix) v1 signature, "v1,<base64>",
// of "id.timestamp.body" keyed with the base64 after "whsec_". It panics on
// a secret that is not base64: tests pass literal secrets.
func Standard(secret, id, ts, body string) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	return "v1," + base64.StdEncoding.EncodeToString(MAC(sha256.New, string(key), id, ".", ts, ".", body))
}

// GitHub is GitHub's X-Hub-Signature-256 value: "sha256=" and the hex
// HMAC-SHA256 of the body.
func GitHub(secret, body string) string { return "sha256=" + HexMAC(sha256.New, secret, body) }

// StandardOK reports whether a Standard Webhooks (prefix "webhook-") or
// Svix (prefix "svix-") delivery verifies: one of the space-separated
// signatures in PREFIXsignature is Standard(secret, id, timestamp, body).
// get returns a header's value.
func StandardOK(get func(string) string, prefix, secret string, body []byte) bool {
	want := Standard(secret, get(prefix+"id"), get(prefix+"timestamp"), string(body))
	for _, s := range strings.Fields(get(prefix + "signature")) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

// StripeOK reports whether a Stripe-Signature value ("t=…,v1=…[,v1=…]")
// holds a v1 signature of body at its t.
func StripeOK(header, secret string, body []byte) bool {
	var t string
	var sigs []string
	for _, kv := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "t":
			t = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	want := Stripe(secret, t, string(body))
	for _, s := range sigs {
		if t != "" && hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}
