package verify

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Sign returns the headers, as (name, value) pairs in order, that a sender
// using c would add to body at time ts. id is the delivery id
// (webhook-id/svix-id) and is required by standard and svix, ignored by the
// others. github sends both X-Hub-Signature-256 and the legacy
// X-Hub-Signature, as GitHub does, so old receivers keep working. Errors wrap
// ErrBadConfig or ErrNoID. Safe for concurrent use.
func Sign(c Config, id string, ts time.Time, body []byte) ([][2]string, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	t := strconv.FormatInt(ts.Unix(), 10)
	switch c.Scheme {
	case SchemeStandard, SchemeSvix:
		p := "webhook-"
		if c.Scheme == SchemeSvix {
			p = "svix-"
		}
		if id == "" {
			return nil, fmt.Errorf("%w: %s signing needs one for the %sid header; pass one, e.g. the capture id", ErrNoID, c.Scheme, p)
		}
		sig := base64.StdEncoding.EncodeToString(standardMAC(standardKey(c.Secret), id, t, body))
		return [][2]string{{p + "id", id}, {p + "timestamp", t}, {p + "signature", "v1," + sig}}, nil
	case SchemeStripe:
		sig := hex.EncodeToString(stripeMAC([]byte(c.Secret), t, body))
		return [][2]string{{stripeHeader, "t=" + t + ",v1=" + sig}}, nil
	case SchemeGitHub:
		return [][2]string{
			{githubHeader, "sha256=" + hex.EncodeToString(genericMAC([]byte(c.Secret), "sha256", false, "", body))},
			{githubLegacyHeader, "sha1=" + hex.EncodeToString(genericMAC([]byte(c.Secret), "sha1", false, "", body))},
		}, nil
	case SchemeHMAC:
		mac := genericMAC([]byte(c.Secret), c.algo(), c.TimestampHeader != "", t, body)
		enc := hex.EncodeToString(mac)
		if c.encoding() == "base64" {
			enc = base64.StdEncoding.EncodeToString(mac)
		}
		var out [][2]string
		if c.TimestampHeader != "" {
			out = append(out, [2]string{c.TimestampHeader, t})
		}
		return append(out, [2]string{c.Header, c.Prefix + enc}), nil
	}
	return nil, fmt.Errorf("%w: unknown scheme %s", ErrBadConfig, clip(c.Scheme)) // unreachable after Validate
}

// NewSecret returns a fresh Standard Webhooks secret: "whsec_" followed by
// the base64 of 24 random bytes. Safe for concurrent use.
func NewSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24; it crashes the program instead
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}
