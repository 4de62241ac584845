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
// API keys and signed links commonly use.
var defaultRedactQuery = []string{"token", "access_token", "api_key", "apikey", "key", "secret", "signature", "sig", "password"}

// secretHeaderParts catch vendor headers (X-Api-Key, X-Hub-Signature-256,
// X-Auth-Token) without keeping a list per vendor.
var secretHeaderParts = []string{"token", "secret", "key", "signature", "auth"}

// SecretHeader reports whether export redacts the header called name.
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
	return false
}

// Redact returns r with its secrets replaced as Export writes it (see the
// package doc): a copy when anything is redacted, r itself when
// o.IncludeSecrets is set. r is not modified. Bodies are left alone.
func Redact(r *capture.Request, o ExportOptions) *capture.Request {
	if o.IncludeSecrets || r == nil {
		return r
	}
	c := *r
	c.Headers = redactHeaders(r.Headers)
	c.Response.Headers = redactHeaders(r.Response.Headers)
	c.Target = redactTarget(r.Target, o.queryNames())
	return &c
}

func (o ExportOptions) queryNames() []string {
	return append(slices.Clone(defaultRedactQuery), o.RedactQuery...)
}

// redactHeaders copies h with secret values replaced. Empty values stay
// empty: there is nothing to hide and "REDACTED" would invent a value.
func redactHeaders(h capture.Headers) capture.Headers {
	if h == nil {
		return nil
	}
	out := make(capture.Headers, len(h))
	for i, kv := range h {
		if kv.Value != "" && SecretHeader(kv.Name) {
			kv.Value = Redacted
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
