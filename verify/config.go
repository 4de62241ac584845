package verify

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gancho-app/gancho/internal/text"
)

// Sentinel errors; check with errors.Is. A Parse error caused by an invalid
// config matches both.
var (
	ErrBadSpec   = errors.New("bad verify spec")
	ErrBadConfig = errors.New("bad verifier config")
	ErrNoID      = errors.New("no message id") // Sign for standard/svix without an id
)

// SpecUsage describes the spec form Parse accepts, for CLI help and errors.
const SpecUsage = "SCHEME:SECRET[,path=/prefix][,tolerance=5m], SCHEME one of standard, svix, stripe, github, hmac; " +
	"hmac also takes header=NAME (required), algo=sha1|sha256|sha512, encoding=hex|base64, prefix=TEXT, timestamp=HEADER"

// Default tolerances for schemes that sign a timestamp. Stripe's libraries
// use 300 s and Standard Webhooks' 5 minutes: the same window.
const (
	DefaultTolerance       = 5 * time.Minute
	DefaultStripeTolerance = 300 * time.Second
)

// Duration is a time.Duration that is JSON-encoded as a Go duration string
// such as "5m0s". When decoding it also accepts a JSON number or a string of
// digits, both meaning seconds, since that is what people type into a
// settings file.
type Duration time.Duration

// String returns the Go duration form, e.g. "5m0s".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON encodes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON decodes a duration string ("5m", "300s"), a digit string or a
// number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := parseTolerance(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("tolerance: want a duration string such as \"5m\" or a number of seconds, got %s", clip(string(b)))
	}
	if math.IsNaN(secs) || math.Abs(secs) > math.MaxInt64/float64(time.Second) {
		return fmt.Errorf("tolerance: %v seconds is out of range", secs)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// parseTolerance reads a duration ("5m", "1m30s") or bare seconds ("300").
// The empty string is zero, the scheme default.
func parseTolerance(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if allDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > math.MaxInt64/int64(time.Second) {
			return 0, fmt.Errorf("tolerance %s: too large; use a duration such as 5m", clip(s))
		}
		return time.Duration(n) * time.Second, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("tolerance %s: want a duration such as 5m or 300s, or a number of seconds", clip(s))
	}
	return v, nil
}

// Config is one configured verifier, persisted as JSON in the settings file.
// The zero Tolerance means the scheme default. Fields marked hmac apply only
// to the hmac scheme; Validate rejects them elsewhere so a misconfiguration
// is not silently ignored.
type Config struct {
	Scheme          string   `json:"scheme"`                     // "standard", "svix", "stripe", "github", "hmac"
	Secret          string   `json:"secret"`                     // as the sender shows it; see Validate
	Path            string   `json:"path,omitempty"`             // path prefix this verifier applies to; "" = every path
	Header          string   `json:"header,omitempty"`           // hmac: signature header name
	Algo            string   `json:"algo,omitempty"`             // hmac: sha1|sha256|sha512 (default sha256)
	Encoding        string   `json:"encoding,omitempty"`         // hmac: hex|base64 (default hex)
	Prefix          string   `json:"prefix,omitempty"`           // hmac: value prefix such as "sha256="
	TimestampHeader string   `json:"timestamp_header,omitempty"` // hmac: optional; then the signed content is "<ts>.<body>" and tolerance applies
	Tolerance       Duration `json:"tolerance,omitempty"`        // 0 = scheme default (standard/svix ±5 min, stripe ±300 s, hmac ±5 min)
}

// optionKeys are the keys Parse recognises in trailing ",key=value" parts.
var optionKeys = map[string]bool{
	"path": true, "tolerance": true,
	"header": true, "algo": true, "encoding": true, "prefix": true, "timestamp": true,
}

// Parse reads the spec form used by `gancho listen --verify SPEC`:
//
//	standard:whsec_xxx   svix:whsec_xxx   stripe:whsec_xxx   github:mysecret
//	hmac:SECRET,header=X-Signature,algo=sha256,encoding=hex,prefix=sha256=,timestamp=X-Timestamp,tolerance=5m,path=/shop
//
// The scheme runs up to the first ':'; the secret is the rest, minus any
// trailing ",key=value" options whose key (case-insensitive) is one of path,
// tolerance, header, algo, encoding, prefix or timestamp. So secrets may
// contain ':' and ',' freely; the only secrets a spec cannot express are ones
// that themselves end in such an option (use the settings file for those).
// Option values cannot contain ','. tolerance takes a Go duration or bare
// seconds. The result is validated; errors wrap ErrBadSpec, never echo the
// secret, and say what a valid spec looks like.
func Parse(spec string) (Config, error) {
	scheme, rest, ok := strings.Cut(spec, ":")
	if !ok {
		return Config{}, fmt.Errorf("%w: no ':' after the scheme; want %s", ErrBadSpec, SpecUsage)
	}
	scheme = strings.ToLower(strings.TrimSpace(scheme))
	if !knownScheme(scheme) {
		return Config{}, fmt.Errorf("%w: unknown scheme %s; want %s", ErrBadSpec, clip(scheme), SpecUsage)
	}
	segs := strings.Split(rest, ",")
	n := len(segs)
	// An option needs a ',' before it, so the first segment is always secret.
	for n > 1 {
		k, _, ok := strings.Cut(segs[n-1], "=")
		if !ok || !optionKeys[strings.ToLower(strings.TrimSpace(k))] {
			break
		}
		n--
	}
	c := Config{Scheme: scheme, Secret: strings.Join(segs[:n], ",")}
	seen := make(map[string]bool)
	for _, o := range segs[n:] {
		k, v, _ := strings.Cut(o, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if seen[k] {
			return Config{}, fmt.Errorf("%w: option %s given twice; give each option once", ErrBadSpec, k)
		}
		seen[k] = true
		if v == "" {
			return Config{}, fmt.Errorf("%w: option %s has no value; write %s=VALUE or leave it out", ErrBadSpec, k, k)
		}
		switch k {
		case "path":
			c.Path = v
		case "tolerance":
			d, err := parseTolerance(v)
			if err != nil {
				return Config{}, fmt.Errorf("%w: %w", ErrBadSpec, err)
			}
			c.Tolerance = Duration(d)
		case "header":
			c.Header = v
		case "algo":
			c.Algo = strings.ToLower(v)
		case "encoding":
			c.Encoding = strings.ToLower(v)
		case "prefix":
			c.Prefix = v
		case "timestamp":
			c.TimestampHeader = v
		}
	}
	if err := c.ValidateNew(); err != nil {
		return Config{}, specError{err}
	}
	return c, nil
}

// specError reports a Validate failure found by Parse: it matches both
// ErrBadSpec and ErrBadConfig without repeating both prefixes.
type specError struct{ err error }

func (e specError) Error() string {
	return ErrBadSpec.Error() + ": " + strings.TrimPrefix(e.err.Error(), ErrBadConfig.Error()+": ")
}

func (e specError) Unwrap() []error { return []error{ErrBadSpec, e.err} }

// String returns the spec form with the secret redacted (at most its last 4
// characters shown, e.g. "stripe:whsec_…f3a9"), so it is safe to log or show.
func (c Config) String() string { return c.spec(redact(c.Secret)) }

// spec renders c in Parse's form with secret in place of c.Secret. Options
// come in a fixed order and only when set, so equal configs render equally.
func (c Config) spec(secret string) string {
	var b strings.Builder
	b.WriteString(c.Scheme)
	b.WriteByte(':')
	b.WriteString(secret)
	opt := func(k, v string) {
		if v != "" {
			b.WriteString("," + k + "=" + v)
		}
	}
	opt("header", c.Header)
	opt("algo", c.Algo)
	opt("encoding", c.Encoding)
	opt("prefix", c.Prefix)
	opt("timestamp", c.TimestampHeader)
	if c.Tolerance != 0 {
		opt("tolerance", c.Tolerance.String())
	}
	opt("path", c.Path)
	return b.String()
}

// redact hides a secret: the public "whsec_" prefix stays, then "…", then the
// last 4 characters only if the rest is long enough (12+) that 4 characters
// leave most of it hidden, and they are printable.
func redact(secret string) string {
	prefix, rest := "", secret
	if strings.HasPrefix(rest, "whsec_") {
		prefix, rest = "whsec_", rest[len("whsec_"):]
	}
	if utf8.RuneCountInString(rest) < 12 {
		return prefix + "…"
	}
	start := len(rest)
	for i := 0; i < 4; i++ {
		_, size := utf8.DecodeLastRuneInString(rest[:start])
		start -= size
	}
	tail := rest[start:]
	if !utf8.ValidString(tail) || strings.IndexFunc(tail, func(r rune) bool { return !unicode.IsGraphic(r) || r == ',' }) >= 0 {
		return prefix + "…"
	}
	return prefix + "…" + tail
}

// ConfigError is a verifier config that cannot work, and what to fix. It
// matches ErrBadConfig with errors.Is.
type ConfigError struct {
	Msg string
	// Key is Msg's source text with {{.A1}}, {{.A2}}… where the values go,
	// and Data those values, formatted (text.Keyed): a window translates
	// Key and fills it with Data, so this package needs no translation
	// layer.
	Key  string
	Data map[string]any
}

func (e *ConfigError) Error() string { return ErrBadConfig.Error() + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrBadConfig) hold.
func (e *ConfigError) Unwrap() error { return ErrBadConfig }

func badConfig(format string, a ...any) error {
	key, data := text.Keyed(format, a...)
	return &ConfigError{Msg: fmt.Sprintf(format, a...), Key: key, Data: data}
}

// ValidateNew is Validate for a secret being typed now (the --verify flag,
// the window's verifier form): it also refuses a bare standard or svix key
// shorter than a real one, since without the whsec_ prefix a short word
// ("standard:mysecret") decodes as base64 too and would silently never
// match. Saved settings are loaded with Validate only, so a config an older
// version saved keeps working. Errors wrap ErrBadConfig.
func (c Config) ValidateNew() error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Scheme == SchemeStandard || c.Scheme == SchemeSvix {
		// A real key is 24 bytes or more (Standard Webhooks).
		if !strings.HasPrefix(c.Secret, "whsec_") && len(standardKey(c.Secret)) < minBareKey {
			return badConfig("%s secret is not whsec_ followed by base64 (nor a bare base64 key of %d bytes or more); paste the signing secret exactly as the sender shows it, whsec_ included", c.Scheme, minBareKey)
		}
	}
	return nil
}

// Validate reports whether c can verify anything, with what to fix. Errors
// wrap ErrBadConfig and never contain the secret.
//
// standard and svix secrets must be base64 after an optional "whsec_" prefix
// (the decoded bytes are the key); stripe, github and hmac secrets are used
// as raw bytes, Stripe's including its "whsec_" prefix. hmac needs a header.
func (c Config) Validate() error {
	bad := badConfig
	if !knownScheme(c.Scheme) {
		return bad("unknown scheme %s; use one of standard, svix, stripe, github, hmac", clip(c.Scheme))
	}
	if c.Secret == "" {
		return bad("%s secret is empty; paste the signing secret from the sender's webhook settings", c.Scheme)
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		return bad("path %s must start with '/'", clip(c.Path))
	}
	if c.Tolerance < 0 {
		return bad("tolerance %s is negative; use a positive duration such as 5m, or 0 for the default", c.Tolerance)
	}
	switch c.Scheme {
	case SchemeStandard, SchemeSvix:
		key := standardKey(c.Secret)
		if key == nil {
			return bad("%s secret is not base64 after the optional whsec_ prefix; paste the signing secret exactly as the sender shows it", c.Scheme)
		}
	case SchemeGitHub:
		if c.Tolerance != 0 {
			return bad("github signatures carry no timestamp, so tolerance does not apply; remove it")
		}
	}
	if c.Scheme != SchemeHMAC {
		for _, f := range []struct{ name, v string }{
			{"header", c.Header}, {"algo", c.Algo}, {"encoding", c.Encoding},
			{"prefix", c.Prefix}, {"timestamp header", c.TimestampHeader},
		} {
			if f.v != "" {
				return bad("%s applies only to the hmac scheme, not %s; remove it", f.name, c.Scheme)
			}
		}
		return nil
	}
	if c.Header == "" {
		return bad("hmac needs the signature header name, e.g. header=X-Signature")
	}
	if !isToken(c.Header) {
		return bad("hmac header %s is not a valid header name", clip(c.Header))
	}
	if c.TimestampHeader != "" {
		if !isToken(c.TimestampHeader) {
			return bad("hmac timestamp header %s is not a valid header name", clip(c.TimestampHeader))
		}
		if strings.EqualFold(c.TimestampHeader, c.Header) {
			return bad("hmac timestamp header and signature header are both %s; they must differ", clip(c.Header))
		}
	} else if c.Tolerance != 0 {
		return bad("tolerance applies to hmac only with a timestamp header; add timestamp=HEADER or remove tolerance")
	}
	switch c.Algo {
	case "", "sha1", "sha256", "sha512":
	default:
		return bad("hmac algo %s is not supported; use sha1, sha256 or sha512", clip(c.Algo))
	}
	switch c.Encoding {
	case "", "hex", "base64":
	default:
		return bad("hmac encoding %s is not supported; use hex or base64", clip(c.Encoding))
	}
	return nil
}

// tolerance returns the configured window or the scheme default.
func (c Config) tolerance() time.Duration {
	if c.Tolerance > 0 {
		return time.Duration(c.Tolerance)
	}
	if c.Scheme == SchemeStripe {
		return DefaultStripeTolerance
	}
	return DefaultTolerance
}

// algo returns the hmac algorithm with its default applied.
func (c Config) algo() string {
	if c.Algo == "" {
		return "sha256"
	}
	return c.Algo
}

// encoding returns the hmac encoding with its default applied.
func (c Config) encoding() string {
	if c.Encoding == "" {
		return "hex"
	}
	return c.Encoding
}

// hashFor maps a validated algo name to its constructor.
func hashFor(algo string) func() hash.Hash {
	switch algo {
	case "sha1":
		return sha1.New
	case "sha512":
		return sha512.New
	default:
		return sha256.New
	}
}

// minBareKey is the shortest key accepted without the whsec_ prefix: the
// Standard Webhooks minimum.
const minBareKey = 24

// standardKey decodes a Standard Webhooks secret, or returns nil if it is
// not base64 (or decodes to nothing). Padded and unpadded forms are both
// accepted because senders' dashboards differ.
func standardKey(secret string) []byte {
	s := strings.TrimPrefix(secret, "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil || len(key) == 0 {
		return nil
	}
	return key
}

func knownScheme(s string) bool {
	switch s {
	case SchemeStandard, SchemeSvix, SchemeStripe, SchemeGitHub, SchemeHMAC:
		return true
	}
	return false
}

// isToken reports whether s is a valid HTTP header name (RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip quotes s for a message, cut to 40 bytes so a pasted blob cannot
// flood the UI.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
