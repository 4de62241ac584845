// Package settings keeps Gancho's persisted configuration: the tunnel's
// authtoken and domain, inbound protection, signature verifiers and
// response rules. The file holds secrets, so it is written with mode 0600
// and its secrets never appear in String output or logs.
package settings

import (
	"cmp"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/rules"
	"github.com/gancho-app/gancho/verify"
)

// FileName is the settings file inside the data directory.
const FileName = "settings.json"

// Settings is everything the user configures once and expects to find
// again. The zero value is the default: no tunnel token, no protection,
// no verifiers, no rules.
type Settings struct {
	Tunnel    Tunnel          `json:"tunnel"`
	Relay     Relay           `json:"relay"`
	Inbound   Inbound         `json:"inbound"`
	Verifiers []verify.Config `json:"verifiers,omitempty"`
	// Rules is the response rules text (see package rules), kept as typed
	// so comments and layout survive.
	Rules     string    `json:"rules,omitempty"`
	Retention Retention `json:"retention,omitzero"`
	// NoNotifications turns off the desktop notification the window
	// shows when a capture arrives while it is in the background.
	NoNotifications bool `json:"no_notifications,omitempty"`
	// Language is the window's and the command line's language: "" follows
	// the system locale, "pt-BR" or "en" picks one (see package i18n).
	// --lang overrides it for one run.
	Language string `json:"language,omitempty"`
}

// Retention is how much the capture store keeps before it evicts its
// oldest captures. A nil field is the default; 0 is no limit.
type Retention struct {
	Captures *int   `json:"captures,omitempty"`
	Bytes    *int64 `json:"bytes,omitempty"` // bytes of stored bodies
}

// Store returns the limits in capture.StoreConfig's terms (0: the
// default, negative: none), and an error for a negative setting.
func (r Retention) Store() (captures int, bytes int64, err error) {
	if r.Captures != nil {
		if *r.Captures < 0 {
			return 0, 0, fmt.Errorf("%w: retention: captures %d: use 0 for no limit", ErrInvalid, *r.Captures)
		}
		captures = cmp.Or(*r.Captures, -1)
	}
	if r.Bytes != nil {
		if *r.Bytes < 0 {
			return 0, 0, fmt.Errorf("%w: retention: bytes %d: use 0 for no limit", ErrInvalid, *r.Bytes)
		}
		bytes = cmp.Or(*r.Bytes, -1)
	}
	return captures, bytes, nil
}

// Over puts o's set fields over r's.
func (r Retention) Over(o Retention) Retention {
	if o.Captures != nil {
		r.Captures = o.Captures
	}
	if o.Bytes != nil {
		r.Bytes = o.Bytes
	}
	return r
}

// Relay is a team relay (gancho relay serve) used instead of ngrok for the
// public URL, when URL is set.
type Relay struct {
	URL     string `json:"url,omitempty"`     // e.g. https://hooks.example.com
	Channel string `json:"channel,omitempty"` // [a-z0-9_-]{1,64}
	Token   string `json:"token,omitempty"`   // never shown in full
}

// On reports whether the relay replaces ngrok.
func (r Relay) On() bool { return r.URL != "" }

// Tunnel configures the public endpoint.
type Tunnel struct {
	Authtoken  string   `json:"authtoken,omitempty"`   // ngrok; NGROK_AUTHTOKEN wins when set
	Domain     string   `json:"domain,omitempty"`      // fixed domain, e.g. team.ngrok.app
	BasicAuth  []string `json:"basic_auth,omitempty"`  // "user:pass", enforced at ngrok's edge
	AllowCIDRs []string `json:"allow_cidrs,omitempty"` // IP allow list at ngrok's edge
}

// Inbound is the protection applied to every capture listener.
type Inbound struct {
	SecretPrefix string `json:"secret_prefix,omitempty"`
	BasicAuth    string `json:"basic_auth,omitempty"` // "user:password"
	RateLimit    int    `json:"rate_limit,omitempty"` // per minute per client IP
	RateBurst    int    `json:"rate_burst,omitempty"`
	DropRefused  bool   `json:"drop_refused,omitempty"`
}

// ErrInvalid is wrapped by Validate and Policy errors.
var ErrInvalid = errors.New("invalid settings")

// Path returns the settings file path in dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// Load reads the settings in dir; a missing file yields the defaults.
func Load(dir string) (Settings, error) {
	var s Settings
	b, err := os.ReadFile(Path(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read settings %s: %w (fix the file or delete it to start from the defaults)", Path(dir), err)
	}
	return s, nil
}

// Save writes s to dir atomically (a reader never sees half a file) with
// mode 0600, since it holds the authtoken and signing secrets.
func Save(dir string, s Settings) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := WritePrivate(Path(dir), append(b, '\n')); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

// WritePrivate replaces path with b atomically (a reader never sees half a
// file), readable by the owner only (0600) whatever was there before: for
// files that hold secrets.
func WritePrivate(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Authtoken returns the ngrok authtoken in use: NGROK_AUTHTOKEN when set
// (as the ngrok agent does), else the saved one.
func (s Settings) Authtoken() string {
	if t := strings.TrimSpace(os.Getenv("NGROK_AUTHTOKEN")); t != "" {
		return t
	}
	return strings.TrimSpace(s.Tunnel.Authtoken)
}

// Policy compiles the inbound protection, verifiers and rules into the
// capture handler's policy. Sequences of rules start over.
func (s Settings) Policy() (capture.Policy, error) {
	p := capture.Policy{
		SecretPrefix: s.Inbound.SecretPrefix,
		BasicAuth:    s.Inbound.BasicAuth,
		RateLimit:    s.Inbound.RateLimit,
		RateBurst:    s.Inbound.RateBurst,
		DropRefused:  s.Inbound.DropRefused,
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	if len(s.Verifiers) > 0 {
		set, err := verify.NewSet(s.Verifiers)
		if err != nil {
			return p, fmt.Errorf("%w: signature verifiers: %w", ErrInvalid, err)
		}
		p.Verify = set
	}
	if strings.TrimSpace(s.Rules) != "" {
		rs, err := rules.Parse(s.Rules)
		if err != nil {
			return p, fmt.Errorf("%w: response rules: %w", ErrInvalid, err)
		}
		if len(rs) > 0 {
			p.Respond = rules.NewSet(rs)
		}
	}
	return p, nil
}

// AddVerifier adds c, replacing a verifier of the same scheme and path so
// that repeating `--verify` with a new secret updates rather than piles up.
func (s *Settings) AddVerifier(c verify.Config) {
	for i, v := range s.Verifiers {
		if v.Scheme == c.Scheme && v.Path == c.Path {
			s.Verifiers[i] = c
			return
		}
	}
	s.Verifiers = append(s.Verifiers, c)
}

// NewSecretPrefix returns an unguessable path token (130 bits, lowercase).
func NewSecretPrefix() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// ExportRedactions are what an export must hide beyond the built-in list:
// the secret path prefix (the capture URL's password) and the signature
// headers of the configured hmac verifiers, whose names may say nothing
// about signing.
func (s Settings) ExportRedactions() (prefixes, headers []string) {
	if p := strings.Trim(s.Inbound.SecretPrefix, "/"); p != "" {
		prefixes = append(prefixes, p)
	}
	for _, v := range s.Verifiers {
		if h := strings.TrimSpace(v.Header); h != "" {
			headers = append(headers, h)
		}
	}
	return prefixes, headers
}
