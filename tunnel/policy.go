package tunnel

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of ngrok's basic-auth traffic-policy action, checked here so the user
// gets a precise message instead of a server error after connecting.
const (
	maxCredentials = 10
	minPasswordLen = 8
	maxPasswordLen = 128
)

// Traffic-policy document, marshalled as JSON (which ngrok accepts as well as
// YAML). Structs rather than maps keep the output deterministic.
type policyDoc struct {
	OnHTTPRequest []policyRule `json:"on_http_request"`
}

type policyRule struct {
	Actions []policyAction `json:"actions"`
}

type policyAction struct {
	Type   string `json:"type"`
	Config any    `json:"config"`
}

type restrictIPsConfig struct {
	Enforce bool     `json:"enforce"`
	Allow   []string `json:"allow"`
}

type basicAuthConfig struct {
	Credentials []string `json:"credentials"`
}

// BuildPolicy returns the ngrok traffic policy (JSON) that enforces basicAuth
// ("user:password" entries) and allowCIDRs (CIDRs or bare IPs) at ngrok's
// edge, or "" when both are empty. Invalid entries give an error wrapping
// ErrInvalidSettings that names the entry but never quotes a password.
//
// The policy is one on_http_request rule whose actions run in order:
//
//   - restrict-ips with allow: [...] and enforce: true. A request is let
//     through only if its TCP source address (not X-Forwarded-For) is in an
//     allowed CIDR; everything else gets 403, so the allow list also denies.
//   - basic-auth with credentials: [...]. Requests without valid credentials
//     get 401 and never reach Gancho.
//
// IP checks come first so a disallowed client is refused without a password
// prompt. The result contains the passwords: treat it as a secret.
// BuildPolicy is a pure function, safe for concurrent use.
func BuildPolicy(basicAuth, allowCIDRs []string) (string, error) {
	creds, err := checkCredentials(basicAuth)
	if err != nil {
		return "", err
	}
	cidrs, err := checkCIDRs(allowCIDRs)
	if err != nil {
		return "", err
	}
	var actions []policyAction
	if len(cidrs) > 0 {
		actions = append(actions, policyAction{Type: "restrict-ips", Config: restrictIPsConfig{Enforce: true, Allow: cidrs}})
	}
	if len(creds) > 0 {
		actions = append(actions, policyAction{Type: "basic-auth", Config: basicAuthConfig{Credentials: creds}})
	}
	if len(actions) == 0 {
		return "", nil
	}
	b, err := json.Marshal(policyDoc{OnHTTPRequest: []policyRule{{Actions: actions}}})
	if err != nil {
		return "", fmt.Errorf("encode traffic policy: %w", err)
	}
	return string(b), nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSettings}, args...)...)
}

// checkCredentials validates "user:password" entries against ngrok's rules.
func checkCredentials(entries []string) ([]string, error) {
	if len(entries) > maxCredentials {
		return nil, invalid("basic auth: at most %d user:password entries are allowed, got %d", maxCredentials, len(entries))
	}
	out := make([]string, 0, len(entries))
	for i, e := range entries {
		n := i + 1
		user, pass, ok := strings.Cut(e, ":")
		switch {
		case !ok:
			return nil, invalid("basic auth entry %d: expected user:password", n)
		case user == "":
			return nil, invalid("basic auth entry %d: the user name is empty", n)
		case strings.TrimSpace(user) != user || hasControlOrSpace(user):
			return nil, invalid("basic auth entry %d: the user name must not contain spaces or control characters", n)
		case strings.Contains(pass, ":"):
			// ngrok splits on colons and rejects more than one.
			return nil, invalid("basic auth entry %d (user %q): the password must not contain ':'", n, user)
		case utf8.RuneCountInString(pass) < minPasswordLen || utf8.RuneCountInString(pass) > maxPasswordLen:
			return nil, invalid("basic auth entry %d (user %q): the password must be %d to %d characters", n, user, minPasswordLen, maxPasswordLen)
		case hasControl(pass):
			return nil, invalid("basic auth entry %d (user %q): the password must not contain control characters", n, user)
		}
		out = append(out, e)
	}
	return out, nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

func hasControlOrSpace(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) })
}

// checkCIDRs parses allow-list entries with net/netip. A bare address means
// just that host (/32 or /128). A prefix with host bits set is refused rather
// than silently widened or narrowed, because either guess can be wrong.
func checkCIDRs(entries []string) ([]string, error) {
	out := make([]string, 0, len(entries))
	for i, raw := range entries {
		n := i + 1
		e := strings.TrimSpace(raw)
		if e == "" {
			return nil, invalid("IP allow list entry %d is empty", n)
		}
		if !strings.Contains(e, "/") {
			addr, err := netip.ParseAddr(e)
			if err != nil || addr.Zone() != "" {
				return nil, invalid("IP allow list entry %d (%q): not an IP address or CIDR (like 203.0.113.0/24)", n, e)
			}
			addr = addr.Unmap()
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()).String())
			continue
		}
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return nil, invalid("IP allow list entry %d (%q): not a CIDR (like 203.0.113.0/24)", n, e)
		}
		if m := p.Masked(); m != p {
			return nil, invalid("IP allow list entry %d (%q): host bits are set; did you mean %s?", n, e, m)
		}
		out = append(out, p.String())
	}
	return out, nil
}

// endpointURL normalises the fixed-domain setting: "" stays "" (ngrok assigns
// a URL), a bare host gets https://, and anything but an http(s) origin is
// refused because the capture server needs plain HTTP requests.
func endpointURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		// The parse error quotes the input, which could hold a password.
		return "", invalid("URL: not a valid URL (expected a domain like example.ngrok.app)")
	}
	shown := u.Redacted()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", invalid("URL %q: only http:// or https:// endpoints can forward to the capture server", shown)
	case u.Hostname() == "":
		return "", invalid("URL %q: no domain", shown)
	case u.User != nil:
		return "", invalid("URL %q: must not contain user info (use basic auth instead)", shown)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", invalid("URL %q: must be a bare domain, without path or query", shown)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}
