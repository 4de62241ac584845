package exchange

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gancho-app/gancho/capture"
)

// Redacted replaces a secret value in an export.
const Redacted = "REDACTED"

// defaultRedactQuery are the query parameters redacted by default: the names
// API keys, signed links and OAuth redirects (code) commonly use.
var defaultRedactQuery = []string{"token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "key",
	"secret", "client_secret", "signature", "sig", "password", "passwd", "code"}

// secretHeaderParts catch vendor headers (X-Api-Key, X-Hub-Signature-256,
// X-Auth-Token, X-Shopify-Hmac-Sha256) without keeping a list per vendor.
var secretHeaderParts = []string{"token", "secret", "key", "signature", "auth", "hmac", "password"}

// secretHeaderWords are too short to match inside a name ("sig" is in
// "X-Design"), so they must be a whole word of it: X-Custom-Sig, Sig.
var secretHeaderWords = []string{"sig", "pass"}

// SecretHeader reports whether export redacts the header called name (with
// no configured verifier headers; see ExportOptions.SecretHeaders).
func SecretHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	}
	for _, p := range secretHeaderParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	for _, w := range strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if slices.Contains(secretHeaderWords, w) {
			return true
		}
	}
	return false
}

func (o ExportOptions) secretHeader(name string) bool {
	return SecretHeader(name) || slices.ContainsFunc(o.SecretHeaders, func(h string) bool { return strings.EqualFold(h, name) })
}

// Redact returns r with its secrets replaced as Export writes it (see the
// package doc): a copy when anything is redacted, r itself when
// o.IncludeSecrets is set. r is not modified. Bodies are left alone.
func Redact(r *capture.Request, o ExportOptions) *capture.Request {
	if o.IncludeSecrets || r == nil {
		return r
	}
	c := *r
	c.Headers = o.redactHeaders(r.Headers)
	c.Response.Headers = o.redactHeaders(r.Response.Headers)
	c.Target = redactPrefixes(redactTarget(r.Target, o.queryNames()), o.SecretPrefixes)
	if c.Verification != nil {
		v := *c.Verification
		v.Reason = redactPrefixes(v.Reason, o.SecretPrefixes)
		c.Verification = &v
	}
	return &c
}

// redactPrefixes replaces each secret path prefix in s where it stands as a
// whole path segment ("/pfx/…", "/pfx?…", "/pfx" at the end): in a target,
// an absolute-form target, a Referer. The prefix is the capture URL's
// password, so it is redacted wherever the request repeats it.
func redactPrefixes(s string, prefixes []string) string {
	for _, p := range prefixes {
		if p == "" {
			continue
		}
		seg := "/" + p
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, seg)
			if i < 0 {
				break
			}
			end := i + len(seg)
			if end < len(rest) && !strings.ContainsRune("/?#", rune(rest[end])) {
				b.WriteString(rest[:end])
				rest = rest[end:]
				continue
			}
			b.WriteString(rest[:i])
			b.WriteString("/" + Redacted)
			rest = rest[end:]
		}
		if b.Len() > 0 {
			b.WriteString(rest)
			s = b.String()
		}
	}
	return s
}

func (o ExportOptions) queryNames() []string {
	return append(slices.Clone(defaultRedactQuery), o.RedactQuery...)
}

// redactHeaders copies h with secret values replaced, and the secret path
// prefix wherever a value repeats it (Referer, X-Forwarded-Uri). Empty
// values stay empty: there is nothing to hide and "REDACTED" would invent a
// value.
func (o ExportOptions) redactHeaders(h capture.Headers) capture.Headers {
	if h == nil {
		return nil
	}
	out := make(capture.Headers, len(h))
	for i, kv := range h {
		if kv.Value != "" && o.secretHeader(kv.Name) {
			kv.Value = Redacted
		} else {
			kv.Value = redactPrefixes(kv.Value, o.SecretPrefixes)
		}
		out[i] = kv
	}
	return out
}

// redactTarget replaces the values of the named query parameters and the
// password of an absolute-form target's user info, keeping every other byte
// as it was: the target is evidence of what the sender did.
func redactTarget(t string, names []string) string {
	if i := strings.Index(t, "://"); i > 0 && !strings.ContainsAny(t[:i], "/?#") {
		start := i + 3
		end := len(t)
		if j := strings.IndexAny(t[start:], "/?#"); j >= 0 {
			end = start + j
		}
		auth := t[start:end]
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			ui := auth[:at]
			if c := strings.IndexByte(ui, ':'); c >= 0 && c+1 < len(ui) {
				t = t[:start] + ui[:c+1] + Redacted + auth[at:] + t[end:]
			}
		}
	}
	q := strings.IndexByte(t, '?')
	if q < 0 {
		return t
	}
	end := len(t)
	if h := strings.IndexByte(t[q:], '#'); h >= 0 {
		end = q + h
	}
	parts := strings.Split(t[q+1:end], "&")
	changed := false
	for i, p := range parts {
		eq := strings.IndexByte(p, '=')
		if eq < 0 || eq == len(p)-1 || p[eq+1:] == Redacted {
			continue
		}
		name := p[:eq]
		if un, err := url.QueryUnescape(name); err == nil {
			name = un
		}
		if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) }) {
			parts[i] = p[:eq+1] + Redacted
			changed = true
		}
	}
	if !changed {
		return t
	}
	return t[:q+1] + strings.Join(parts, "&") + t[end:]
}
