package verify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that everything it accepts is
// valid and survives a round trip through its own spec form, and that the
// redacted form never shows more than 4 characters of the secret.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.spec)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		c, err := Parse(spec)
		if err != nil {
			if !errors.Is(err, ErrBadSpec) {
				t.Fatalf("Parse(%q) error %v does not match ErrBadSpec", spec, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse(%q) = %+v, which does not validate: %v", spec, c, err)
		}
		if _, err := New(c); err != nil {
			t.Fatalf("New(Parse(%q)): %v", spec, err)
		}
		full := c.spec(c.Secret)
		again, err := Parse(full)
		if err != nil || again != c {
			t.Fatalf("Parse(%q) = %+v; re-Parse(%q) = %+v, %v", spec, c, full, again, err)
		}
		if got, want := c.String(), c.spec(redact(c.Secret)); got != want {
			t.Fatalf("String = %q, want %q", got, want)
		}
		checkRedacted(t, c.Secret, redact(c.Secret))
	})
}

// FuzzVerify feeds arbitrary header values and bodies to every test
// verifier. Verify must never panic and must only say OK when an independent
// HMAC computation agrees; a signed body must verify and any other body must
// not.
func FuzzVerify(f *testing.F) {
	for _, tc := range verifyCases {
		idx := slices.Index(configNames, tc.cfg)
		cfg := testConfigs[tc.cfg]
		idH, tsH, sigH := sigHeaders(cfg)
		if cfg.Scheme == SchemeGitHub && tc.h.Get(sigH) == "" && tc.h.Get(githubLegacyHeader) != "" {
			idx += 128
			sigH = githubLegacyHeader
		}
		f.Add(uint8(idx), tc.h.Get(idH), tc.h.Get(tsH), tc.h.Get(sigH), []byte(tc.body), []byte(tc.body+"x"), tc.now)
	}
	f.Fuzz(func(t *testing.T, pick uint8, id, ts, sig string, body, other []byte, now int64) {
		cfg := testConfigs[configNames[int(pick&0x7f)%len(configNames)]]
		v, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		idH, tsH, sigH := sigHeaders(cfg)
		if cfg.Scheme == SchemeGitHub && pick&0x80 != 0 {
			sigH = githubLegacyHeader
		}
		var h hdrs
		if idH != "" {
			h = append(h, [2]string{idH, id})
		}
		if tsH != "" {
			h = append(h, [2]string{tsH, ts})
		}
		h = append(h, [2]string{sigH, sig})
		if now < 0 {
			now = -(now + 1)
		}
		at := time.Unix(now%maxUnixSeconds, 0)

		r := v.Verify(h, body, at)
		if r.Scheme != cfg.Scheme || r.Reason == "" {
			t.Fatalf("Verify = %+v: want scheme %s and a reason", r, cfg.Scheme)
		}
		if !v.Present(h) {
			t.Fatalf("Present = false with %s set", sigH)
		}
		if r.OK && !oracle(cfg, h, body) {
			t.Fatalf("Verify(%q, %q) = %+v, but no signature in the headers is right for the body", h, body, r)
		}

		pairs, err := Sign(cfg, id, at, body)
		if err != nil {
			if id == "" {
				return // standard and svix need an id
			}
			t.Fatalf("Sign: %v", err)
		}
		signed := hdrs(pairs)
		if r := v.Verify(signed, body, at); !r.OK {
			t.Fatalf("Verify(Sign(body)) = %+v", r)
		}
		if r := v.Verify(signed, other, at); r.OK != bytes.Equal(body, other) {
			t.Fatalf("Verify(Sign(%q), %q) = %+v", body, other, r)
		}
	})
}

// oracle reports whether h carries a signature that an independent HMAC
// computation accepts for body (ignoring timestamps' tolerance).
func oracle(c Config, h hdrs, body []byte) bool {
	b := string(body)
	switch c.Scheme {
	case SchemeStandard, SchemeSvix:
		idH, tsH, sigH := sigHeaders(c)
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.Secret, "whsec_"))
		want := mac(sha256.New, string(key), h.Get(idH), ".", h.Get(tsH), ".", b)
		for _, e := range strings.Fields(strings.Join(h.Values(sigH), " ")) {
			if s, ok := strings.CutPrefix(e, "v1,"); ok {
				if raw, err := base64.StdEncoding.DecodeString(s); err == nil && hmac.Equal(raw, want) {
					return true
				}
			}
		}
	case SchemeStripe:
		var t string
		var sigs []string
		for _, it := range strings.Split(strings.Join(h.Values("Stripe-Signature"), ","), ",") {
			it = strings.TrimSpace(it)
			if v, ok := strings.CutPrefix(it, "t="); ok {
				t = v
			} else if v, ok := strings.CutPrefix(it, "v1="); ok {
				sigs = append(sigs, v)
			}
		}
		want := mac(sha256.New, c.Secret, t, ".", b)
		for _, s := range sigs {
			if raw, err := hex.DecodeString(s); err == nil && hmac.Equal(raw, want) {
				return true
			}
		}
	case SchemeGitHub:
		if v := h.Get("X-Hub-Signature-256"); v != "" {
			raw, err := hex.DecodeString(strings.TrimPrefix(v, "sha256="))
			return err == nil && hmac.Equal(raw, mac(sha256.New, c.Secret, b))
		}
		raw, err := hex.DecodeString(strings.TrimPrefix(h.Get("X-Hub-Signature"), "sha1="))
		return err == nil && hmac.Equal(raw, mac(sha1.New, c.Secret, b))
	case SchemeHMAC:
		var want []byte
		if c.TimestampHeader != "" {
			want = mac(hashOf(c.Algo), c.Secret, h.Get(c.TimestampHeader), ".", b)
		} else {
			want = mac(hashOf(c.Algo), c.Secret, b)
		}
		s, ok := strings.CutPrefix(h.Get(c.Header), c.Prefix)
		if !ok {
			return false
		}
		if c.Encoding == "base64" {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				if raw, err := enc.DecodeString(s); err == nil && hmac.Equal(raw, want) {
					return true
				}
			}
			return false
		}
		raw, err := hex.DecodeString(s)
		return err == nil && hmac.Equal(raw, want)
	}
	return false
}
