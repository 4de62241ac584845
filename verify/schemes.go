package verify

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fixed failure text for a well-formed signature that does not match:
// the two causes cannot be told apart, so name both.
const reasonNoMatch = "no signature matches: wrong secret or altered body"

// maxUnixSeconds bounds accepted timestamps (year 5138). Anything larger is
// almost certainly milliseconds, and the bound keeps skew arithmetic far from
// overflow.
const maxUnixSeconds = 1e11

func pass(scheme, reason string) Result { return Result{Scheme: scheme, OK: true, Reason: reason} }
func fail(scheme, reason string) Result { return Result{Scheme: scheme, Reason: reason} }

func present(h Headers, names ...string) bool {
	for _, n := range names {
		if len(h.Values(n)) > 0 {
			return true
		}
	}
	return false
}

// missing names the absent headers among names, or returns "" if all are
// there. An empty value counts as present; the format check reports it.
func missing(h Headers, names ...string) string {
	var gone []string
	for _, n := range names {
		if len(h.Values(n)) == 0 {
			gone = append(gone, n)
		}
	}
	switch len(gone) {
	case 0:
		return ""
	case 1:
		return "header " + gone[0] + " missing"
	default:
		return "headers " + strings.Join(gone, ", ") + " missing"
	}
}

func malformed(header, format string, a ...any) string {
	return "malformed header " + header + ": " + fmt.Sprintf(format, a...)
}

// parseUnix reads a unix-seconds timestamp strictly (digits only: no sign,
// no fraction), returning a user-facing problem description on failure.
func parseUnix(v string) (int64, string) {
	if v == "" {
		return 0, "empty, want unix seconds"
	}
	if !allDigits(v) || len(v) > 18 {
		return 0, clip(v) + " is not unix seconds"
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, clip(v) + " is not unix seconds"
	}
	if ts >= maxUnixSeconds {
		return 0, clip(v) + " is too large for unix seconds (milliseconds?)"
	}
	return ts, ""
}

// skewReason returns "" if ts is within tol of now either way, else the
// exact skew in whole seconds.
func skewReason(ts int64, now time.Time, tol time.Duration) string {
	skew := now.Unix() - ts
	limit := tol.Seconds()
	switch {
	case skew > 0 && float64(skew) > limit:
		return fmt.Sprintf("timestamp %d s old, tolerance %s s", skew, seconds(tol))
	case skew < 0 && float64(-skew) > limit:
		return fmt.Sprintf("timestamp %d s in the future, tolerance %s s", -skew, seconds(tol))
	}
	return ""
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// matchReason says which of n candidate signatures matched (i is 0-based).
func matchReason(label string, i, n int) string {
	if n == 1 {
		return "signature " + label + " matches"
	}
	return fmt.Sprintf("signature %d of %d matches", i+1, n)
}

// firstMatch returns the index of the first candidate equal to mac, or -1.
// Each comparison is constant-time; which index matched is not secret.
func firstMatch(mac []byte, candidates [][]byte) int {
	for i, c := range candidates {
		if hmac.Equal(mac, c) {
			return i
		}
	}
	return -1
}

// standardVerifier implements Standard Webhooks and Svix, which differ only
// in header names.
type standardVerifier struct {
	scheme         string
	idH, tsH, sigH string
	key            []byte
	tol            time.Duration
}

func (v *standardVerifier) Scheme() string { return v.scheme }

func (v *standardVerifier) Present(h Headers) bool { return present(h, v.idH, v.tsH, v.sigH) }

func (v *standardVerifier) Verify(h Headers, body []byte, now time.Time) Result {
	if m := missing(h, v.idH, v.tsH, v.sigH); m != "" {
		return fail(v.scheme, m)
	}
	id := h.Get(v.idH)
	if id == "" {
		return fail(v.scheme, malformed(v.idH, "empty"))
	}
	tsRaw := h.Get(v.tsH)
	ts, problem := parseUnix(tsRaw)
	if problem != "" {
		return fail(v.scheme, malformed(v.tsH, "%s", problem))
	}
	// Several header lines are one space-separated list, as if joined.
	entries := strings.Fields(strings.Join(h.Values(v.sigH), " "))
	if len(entries) == 0 {
		return fail(v.scheme, malformed(v.sigH, "empty signature list"))
	}
	// Like the reference libraries, a malformed entry is skipped, not fatal:
	// a sender rotating secrets may list one this receiver cannot read, and
	// another entry may still match. The malformed ones are named only when
	// nothing matches.
	var (
		sigs  [][]byte
		other []string // versions seen that are not v1, for the reason
		bad   []string // malformed entries, for the reason
	)
	for i, e := range entries {
		version, sig, ok := strings.Cut(e, ",")
		if !ok {
			bad = appendBad(bad, fmt.Sprintf("entry %d %s has no version, want v1,<base64>", i+1, clip(e)))
			continue
		}
		if version != "v1" {
			// v1a (asymmetric) and future versions are not ours to check.
			if len(other) < 3 && !slices.Contains(other, clip(version)) {
				other = append(other, clip(version))
			}
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			bad = appendBad(bad, fmt.Sprintf("entry %d is not valid base64", i+1))
			continue
		}
		if len(raw) != sha256.Size {
			bad = appendBad(bad, fmt.Sprintf("entry %d is %d bytes, want %d (HMAC-SHA256)", i+1, len(raw), sha256.Size))
			continue
		}
		sigs = append(sigs, raw)
	}
	if len(sigs) == 0 {
		if len(bad) > 0 {
			return fail(v.scheme, malformed(v.sigH, "%s", strings.Join(bad, "; ")))
		}
		return fail(v.scheme, malformed(v.sigH, "no v1 signature, only %s", strings.Join(other, ", ")))
	}
	if r := skewReason(ts, now, v.tol); r != "" {
		return fail(v.scheme, r)
	}
	i := firstMatch(standardMAC(v.key, id, tsRaw, body), sigs)
	if i < 0 {
		if len(bad) > 0 {
			return fail(v.scheme, reasonNoMatch+"; "+malformed(v.sigH, "%s", strings.Join(bad, "; ")))
		}
		return fail(v.scheme, reasonNoMatch)
	}
	return pass(v.scheme, matchReason("v1", i, len(sigs)))
}

// maxBadEntries bounds how many malformed entries a reason lists: the
// header is the sender's, and the reason is stored with every capture.
const maxBadEntries = 3

func appendBad(bad []string, problem string) []string {
	switch {
	case len(bad) < maxBadEntries:
		return append(bad, problem)
	case len(bad) == maxBadEntries:
		return append(bad, "…")
	}
	return bad
}

// standardMAC signs "{id}.{timestamp}.{body}" with the raw timestamp text,
// which is what the sender put in the header.
func standardMAC(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return m.Sum(nil)
}

// stripeVerifier implements Stripe-Signature: t=<unix>,v1=<hex>[,v1=…][,v0=…].
type stripeVerifier struct {
	key []byte
	tol time.Duration
}

const stripeHeader = "Stripe-Signature"

func (v *stripeVerifier) Scheme() string { return SchemeStripe }

func (v *stripeVerifier) Present(h Headers) bool { return present(h, stripeHeader) }

func (v *stripeVerifier) Verify(h Headers, body []byte, now time.Time) Result {
	if m := missing(h, stripeHeader); m != "" {
		return fail(SchemeStripe, m)
	}
	value := strings.Join(h.Values(stripeHeader), ",")
	if strings.TrimSpace(value) == "" {
		return fail(SchemeStripe, malformed(stripeHeader, "empty"))
	}
	var (
		tsRaw string
		tSeen bool
		sigs  [][]byte
	)
	for i, item := range strings.Split(value, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue // a stray comma hides nothing
		}
		k, val, ok := strings.Cut(item, "=")
		if !ok {
			return fail(SchemeStripe, malformed(stripeHeader, "item %d %s is not key=value", i+1, clip(item)))
		}
		switch k {
		case "t":
			if tSeen {
				return fail(SchemeStripe, malformed(stripeHeader, "more than one t= timestamp"))
			}
			tSeen, tsRaw = true, val
		case "v1":
			raw, err := hex.DecodeString(val)
			if err != nil {
				return fail(SchemeStripe, malformed(stripeHeader, "v1 signature %d is not valid hex", len(sigs)+1))
			}
			if len(raw) != sha256.Size {
				return fail(SchemeStripe, malformed(stripeHeader, "v1 signature %d is %d bytes, want %d (HMAC-SHA256)", len(sigs)+1, len(raw), sha256.Size))
			}
			sigs = append(sigs, raw)
		default:
			// v0 (test-mode legacy) and unknown keys are ignored, as Stripe's libraries do.
		}
	}
	if !tSeen {
		return fail(SchemeStripe, malformed(stripeHeader, "no t= timestamp"))
	}
	ts, problem := parseUnix(tsRaw)
	if problem != "" {
		return fail(SchemeStripe, malformed(stripeHeader, "t=%s", problem))
	}
	if len(sigs) == 0 {
		return fail(SchemeStripe, malformed(stripeHeader, "no v1= signature"))
	}
	// Stripe's own libraries only reject old timestamps; a future one beyond
	// the window fails here too, and the reason says "in the future".
	if r := skewReason(ts, now, v.tol); r != "" {
		return fail(SchemeStripe, r)
	}
	i := firstMatch(stripeMAC(v.key, tsRaw, body), sigs)
	if i < 0 {
		return fail(SchemeStripe, reasonNoMatch)
	}
	return pass(SchemeStripe, matchReason("v1", i, len(sigs)))
}

// stripeMAC signs "{t}.{body}".
func stripeMAC(key []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return m.Sum(nil)
}

// githubVerifier checks X-Hub-Signature-256. When only the legacy
// X-Hub-Signature (sha1) is present it checks that instead, since old GitHub
// Enterprise and GitHub-compatible senders send only it; the Reason then says
// sha1 so the weaker check is visible. The Scheme stays "github".
type githubVerifier struct {
	key []byte
}

const (
	githubHeader       = "X-Hub-Signature-256"
	githubLegacyHeader = "X-Hub-Signature"
)

func (v *githubVerifier) Scheme() string { return SchemeGitHub }

func (v *githubVerifier) Present(h Headers) bool {
	return present(h, githubHeader, githubLegacyHeader)
}

func (v *githubVerifier) Verify(h Headers, body []byte, _ time.Time) Result {
	header, label, size, mac := githubHeader, "sha256", sha256.Size, hmac.New(sha256.New, v.key)
	if !present(h, githubHeader) {
		if !present(h, githubLegacyHeader) {
			return fail(SchemeGitHub, missing(h, githubHeader))
		}
		header, label, size, mac = githubLegacyHeader, "sha1", sha1.Size, hmac.New(sha1.New, v.key)
	}
	value := h.Get(header)
	hexSig, ok := strings.CutPrefix(value, label+"=")
	if !ok {
		return fail(SchemeGitHub, malformed(header, "%s does not start with %s=", clip(value), label))
	}
	raw, err := hex.DecodeString(hexSig)
	if err != nil {
		return fail(SchemeGitHub, malformed(header, "signature is not valid hex"))
	}
	if len(raw) != size {
		return fail(SchemeGitHub, malformed(header, "signature is %d bytes, want %d (HMAC-%s)", len(raw), size, strings.ToUpper(label)))
	}
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), raw) {
		if label == "sha1" {
			return fail(SchemeGitHub, reasonNoMatch+" (checked legacy sha1 "+githubLegacyHeader+")")
		}
		return fail(SchemeGitHub, reasonNoMatch)
	}
	if label == "sha1" {
		return pass(SchemeGitHub, "signature sha1 matches (legacy "+githubLegacyHeader+"; no "+githubHeader+" sent)")
	}
	return pass(SchemeGitHub, "signature sha256 matches")
}

// hmacVerifier is the generic scheme: one signature header holding
// prefix+encode(HMAC(body)), or HMAC("<ts>.<body>") with a timestamp header.
type hmacVerifier struct {
	header, tsHeader string
	algo             string
	base64           bool
	prefix           string
	key              []byte
	tol              time.Duration
}

func (v *hmacVerifier) Scheme() string { return SchemeHMAC }

func (v *hmacVerifier) Present(h Headers) bool {
	if v.tsHeader != "" {
		return present(h, v.header, v.tsHeader)
	}
	return present(h, v.header)
}

func (v *hmacVerifier) Verify(h Headers, body []byte, now time.Time) Result {
	names := []string{v.header}
	if v.tsHeader != "" {
		names = append(names, v.tsHeader)
	}
	if m := missing(h, names...); m != "" {
		return fail(SchemeHMAC, m)
	}
	value := h.Get(v.header)
	if value == "" {
		return fail(SchemeHMAC, malformed(v.header, "empty"))
	}
	enc, ok := strings.CutPrefix(value, v.prefix)
	if !ok {
		return fail(SchemeHMAC, malformed(v.header, "%s does not start with %s", clip(value), clip(v.prefix)))
	}
	var raw []byte
	var err error
	if v.base64 {
		raw, err = decodeBase64(enc)
	} else {
		raw, err = hex.DecodeString(enc)
	}
	if err != nil {
		return fail(SchemeHMAC, malformed(v.header, "signature is not valid %s", v.encodingName()))
	}
	newHash := hashFor(v.algo)
	if size := newHash().Size(); len(raw) != size {
		return fail(SchemeHMAC, malformed(v.header, "signature is %d bytes, want %d (HMAC-%s)", len(raw), size, strings.ToUpper(v.algo)))
	}
	var tsRaw string
	if v.tsHeader != "" {
		tsRaw = h.Get(v.tsHeader)
		ts, problem := parseUnix(tsRaw)
		if problem != "" {
			return fail(SchemeHMAC, malformed(v.tsHeader, "%s", problem))
		}
		if r := skewReason(ts, now, v.tol); r != "" {
			return fail(SchemeHMAC, r)
		}
	}
	if !hmac.Equal(genericMAC(v.key, v.algo, v.tsHeader != "", tsRaw, body), raw) {
		return fail(SchemeHMAC, reasonNoMatch)
	}
	return pass(SchemeHMAC, "signature hmac-"+v.algo+" matches")
}

func (v *hmacVerifier) encodingName() string {
	if v.base64 {
		return "base64"
	}
	return "hex"
}

// genericMAC signs body, or "<ts>.<body>" when the scheme is timestamped.
func genericMAC(key []byte, algo string, timestamped bool, ts string, body []byte) []byte {
	m := hmac.New(hashFor(algo), key)
	if timestamped {
		m.Write([]byte(ts + "."))
	}
	m.Write(body)
	return m.Sum(nil)
}

// decodeBase64 accepts standard and URL-safe alphabets, padded or not:
// generic senders vary and the decoded bytes are compared anyway.
func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}
