package outbound

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/verify"
)

// Sentinel errors of the send engine; check them with errors.Is.
var (
	// ErrInvalid reports a subscription, retry policy, mapping or template
	// that cannot be used as given. The error text says what to fix; an
	// *InvalidError (errors.As) lists the problems one by one.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound reports an unknown subscription or delivery id.
	ErrNotFound = errors.New("not found")
	// ErrNoSubscribers is returned by Dispatcher.Fire when no enabled
	// subscription takes the event.
	ErrNoSubscribers = errors.New("no subscribers")
)

// Problem is one thing wrong with a value being validated: the field it is
// about (a Go field name such as "URL", "Headers" or "Retry", so a form can
// mark it) and one sentence saying what to fix.
type Problem struct {
	Field   string
	Message string
	// Key is Message's source text with {{.A1}}, {{.A2}}… where the
	// values go, and Data those values, already formatted: a window
	// translates Key (a catalogue key) and fills it with Data, so this
	// package needs no translation layer. Key is "" for a problem made
	// without one; Message is then all there is.
	Key  string
	Data map[string]any
}

// InvalidError is the error Validate methods return: every problem found,
// in field order. It matches ErrInvalid with errors.Is.
type InvalidError struct {
	// What names the value, e.g. `subscription "CRM"`.
	What     string
	Problems []Problem
}

// Error returns What followed by every problem's sentence.
func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString(e.What)
	b.WriteString(" is invalid:")
	for _, p := range e.Problems {
		b.WriteByte(' ')
		b.WriteString(p.Message)
	}
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

// problems collects Problems for an InvalidError.
type problems []Problem

func (ps *problems) add(field, format string, a ...any) {
	*ps = append(*ps, newProblem(field, format, a...))
}

// newProblem is the problem that format and a describe, with its Key and Data
// (text.Keyed).
func newProblem(field, format string, a ...any) Problem {
	key, data := text.Keyed(format, a...)
	return Problem{Field: field, Message: fmt.Sprintf(format, a...), Key: key, Data: data}
}

// ProblemsOf is the problems err lists one by one: an *InvalidError's, or
// a *SpecError's (ParseRetry); nil for any other error.
func ProblemsOf(err error) []Problem {
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.Problems
	}
	var se *SpecError
	if errors.As(err, &se) {
		return se.Problems
	}
	return nil
}

func (ps problems) err(what string) error {
	if len(ps) == 0 {
		return nil
	}
	return &InvalidError{What: what, Problems: ps}
}

// Format is the body format of a POST delivery.
type Format string

// The body formats.
const (
	FormatJSON Format = "json" // application/json: the payload as indented JSON
	FormatXML  Format = "xml"  // application/xml: the payload as XML (see Payload.XML)
	FormatForm Format = "form" // application/x-www-form-urlencoded: the flattened fields
)

// Signing is how deliveries are signed.
type Signing string

// The signing schemes.
const (
	// SignStandard signs as Standard Webhooks: webhook-id, webhook-timestamp
	// and webhook-signature, with a "whsec_…" secret. The default.
	SignStandard Signing = "standard"
	// SignStripe sends Stripe-Signature: t=…,v1=… keyed with the secret
	// as written.
	SignStripe Signing = "stripe"
	// SignGitHub sends X-Hub-Signature-256 and the legacy X-Hub-Signature,
	// plus X-GitHub-Event and X-GitHub-Delivery.
	SignGitHub Signing = "github"
	// SignNone sends no signature.
	SignNone Signing = "none"
)

// Limits of a subscription's Timeout; 0 means DefaultTimeout.
const (
	DefaultTimeout = 30 * time.Second
	MinTimeout     = time.Second
	MaxTimeout     = 5 * time.Minute
)

// Subscription is one outbound webhook: which events go where, how they are
// shaped and signed, and how failures are retried. It is a plain value;
// Store.Save persists it.
type Subscription struct {
	// ID is "sub_" followed by a ULID; Store.Save sets it when empty.
	ID   string
	Name string
	// Events are catalogue machine names such as "client.created"; at
	// least one.
	Events []string
	// URL is an http or https URL with a host. Its query is kept; a GET
	// delivery appends the payload's fields to it.
	URL string
	// Method is "POST" (the payload in the body, in Format) or "GET" (the
	// payload's fields as query parameters, no body).
	Method string
	// Format is the body format of a POST; "" means FormatJSON.
	Format Format
	// Headers are sent with every delivery, after Content-Type and
	// User-Agent (a custom header of the same name replaces those).
	Headers capture.Headers
	// Mapping reshapes the event's data before it is rendered.
	Mapping Mapping
	// Signing is the signature scheme; "" means SignStandard.
	Signing Signing
	// SignQuery, for a GET, signs the raw query string (everything after
	// "?", exactly as sent) as the payload in place of the empty body, so
	// the receiver can tell whether the fields were changed: Standard
	// Webhooks signs "id.timestamp.<query>", Stripe "t.<query>", GitHub the
	// query. Off by default: receivers must then verify with the query as
	// the body. Only GET deliveries with a signature may set it.
	SignQuery bool
	// Secret is the signing key: a "whsec_…" Standard Webhooks secret for
	// SignStandard (NewSubscription and Store.Save generate one when empty),
	// the secret as written for SignStripe and SignGitHub, unused for
	// SignNone.
	Secret string
	// Timeout bounds one attempt, from dialling to the last response byte;
	// 0 means DefaultTimeout, otherwise MinTimeout to MaxTimeout. It is
	// never time-compressed.
	Timeout time.Duration
	// Retry is what happens after a failed attempt.
	Retry RetryPolicy
	// Enabled subscriptions receive events; a disabled one receives
	// nothing, and its pending deliveries fail.
	Enabled bool
	// DisabledReason says why a subscription was disabled by Gancho rather
	// than by the user, e.g. "410 Gone from https://… at 2026-11-23
	// 10:00:00". Store.Save clears it when Enabled is true.
	DisabledReason string
	// CreatedAt is set by Store.Save when zero.
	CreatedAt time.Time
	// LastAt, LastStatus and LastError describe the latest attempt of any
	// of its deliveries (LastStatus 0: no response). The Dispatcher keeps
	// them; Store.Save leaves them alone.
	LastAt     time.Time
	LastStatus int
	LastError  string
}

// NewSubscription returns a subscription with the defaults filled in: POST,
// JSON, Standard Webhooks signing with a fresh secret, the standard retry
// schedule, enabled, DefaultTimeout. Name, Events and URL remain to be set.
func NewSubscription() Subscription {
	return Subscription{
		Method:  "POST",
		Format:  FormatJSON,
		Signing: SignStandard,
		Secret:  verify.NewSecret(),
		Timeout: DefaultTimeout,
		Retry:   RetryPolicy{Kind: RetryStandard},
		Enabled: true,
	}
}

// Subscribes reports whether s lists event among its Events.
func (s Subscription) Subscribes(event string) bool {
	for _, e := range s.Events {
		if e == event {
			return true
		}
	}
	return false
}

func (s Subscription) method() string {
	if s.Method == "" {
		return "POST"
	}
	return strings.ToUpper(s.Method)
}

func (s Subscription) format() Format {
	if s.Format == "" {
		return FormatJSON
	}
	return s.Format
}

func (s Subscription) signing() Signing {
	if s.Signing == "" {
		return SignStandard
	}
	return s.Signing
}

func (s Subscription) timeout() time.Duration {
	if s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

func (s Subscription) what() string {
	if s.Name != "" {
		return fmt.Sprintf("subscription %q", s.Name)
	}
	if s.ID != "" {
		return "subscription " + s.ID
	}
	return "subscription"
}

// Validate reports everything wrong with s, one sentence per problem saying
// what to fix, as an *InvalidError wrapping ErrInvalid. An empty Secret is
// accepted for SignStandard, since Store.Save generates one.
func (s Subscription) Validate() error {
	var ps problems
	if strings.TrimSpace(s.Name) == "" {
		ps.add("Name", "Give the subscription a name.")
	} else if utf8.RuneCountInString(s.Name) > 200 {
		ps.add("Name", "Shorten the name to 200 characters or fewer.")
	}
	if len(s.Events) == 0 {
		ps.add("Events", "Pick at least one event, e.g. client.created (gancho events lists them).")
	}
	seen := make(map[string]bool, len(s.Events))
	for _, e := range s.Events {
		switch ev, ok := events.Lookup(e); {
		case ok && ev.Name == e:
			if seen[e] {
				ps.add("Events", "Event %s is listed twice; list it once.", e)
			}
			seen[e] = true
		case ok:
			ps.add("Events", "Event %q is not a machine name; use %s.", e, ev.Name)
		default:
			ps.add("Events", "Event %q is not in the catalogue; pick one that gancho events lists.", e)
		}
	}
	s.validateSend(&ps, false)
	return ps.err(s.what())
}

// validateSend checks what Build needs. needSecret also requires the
// standard secret, which Save would otherwise generate.
func (s Subscription) validateSend(ps *problems, needSecret bool) {
	u, err := url.Parse(s.URL)
	switch {
	case strings.TrimSpace(s.URL) == "":
		ps.add("URL", "Enter the receiver's URL, e.g. https://example.com/webhooks.")
	case err != nil:
		ps.add("URL", "The URL %q does not parse (%v); write it as http://host/path or https://host/path.", clip(s.URL), unwrapURLError(err))
	case u.Scheme != "http" && u.Scheme != "https":
		ps.add("URL", "The URL must start with http:// or https://, not %q.", clip(s.URL))
	case u.Host == "" || u.Hostname() == "":
		ps.add("URL", "The URL %q has no host; write it as http://host/path.", clip(s.URL))
	case u.User != nil:
		ps.add("URL", "Remove the user name and password from the URL; send credentials in a custom header such as Authorization.")
	}
	switch s.method() {
	case "POST", "GET":
	default:
		ps.add("Method", "Method %q is not supported; use POST or GET.", clip(s.Method))
	}
	switch s.format() {
	case FormatJSON, FormatXML, FormatForm:
	default:
		ps.add("Format", "Format %q is not supported; use json, xml or form.", clip(string(s.Format)))
	}
	sigHeaders := map[string]bool{}
	switch sg := s.signing(); sg {
	case SignStandard:
		for _, h := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
			sigHeaders[h] = true
		}
		if s.Secret == "" {
			if needSecret {
				ps.add("Secret", "Standard Webhooks signing needs a whsec_ secret; generate one or pick signing none.")
			}
		} else if err := (verify.Config{Scheme: verify.SchemeStandard, Secret: s.Secret}).Validate(); err != nil {
			ps.add("Secret", "The Standard Webhooks secret must be base64 after the whsec_ prefix; generate a new one or paste it exactly as issued.")
		}
	case SignStripe, SignGitHub:
		if sg == SignStripe {
			sigHeaders["stripe-signature"] = true
		} else {
			for _, h := range []string{"x-hub-signature-256", "x-hub-signature", "x-github-event", "x-github-delivery"} {
				sigHeaders[h] = true
			}
		}
		if s.Secret == "" {
			ps.add("Secret", "%s signing needs a secret; enter the one the receiver expects.", title(string(sg)))
		}
	case SignNone:
	default:
		ps.add("Signing", "Signing %q is not supported; use standard, stripe, github or none.", clip(string(s.Signing)))
	}
	if s.SignQuery {
		switch {
		case s.method() != "GET":
			ps.add("SignQuery", "Signing the query applies to GET deliveries only; untick it or use GET.")
		case s.signing() == SignNone:
			ps.add("SignQuery", "Signing the query needs a signature; pick standard, stripe or github signing, or untick it.")
		}
	}
	for i, h := range s.Headers {
		lower := strings.ToLower(h.Name)
		switch {
		case !isToken(h.Name):
			ps.add("Headers", "Header %d name %q may hold only letters, digits and !#$%%&'*+-.^_`|~; remove spaces, colons and other characters.", i+1, clip(h.Name))
		case strings.ContainsAny(h.Value, "\r\n\x00"):
			ps.add("Headers", "Header %s has a line break in its value; keep the value on one line.", h.Name)
		case lower == "content-length" || lower == "transfer-encoding" || lower == "trailer" || lower == "connection":
			ps.add("Headers", "Header %s is set automatically; remove it.", h.Name)
		case sigHeaders[lower]:
			ps.add("Headers", "Header %s is added by %s signing; remove it or change the signing.", h.Name, s.signing())
		}
	}
	if s.Timeout != 0 && (s.Timeout < MinTimeout || s.Timeout > MaxTimeout) {
		ps.add("Timeout", "Timeout %s is out of range; use 1s to 5m, or 0 for the default 30s.", s.Timeout)
	}
	if err := s.Retry.Validate(); err != nil {
		var ie *InvalidError
		if errors.As(err, &ie) {
			*ps = append(*ps, ie.Problems...)
		}
	}
	s.Mapping.validate(ps)
}

// unwrapURLError drops url.Error's repetition of the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// clip shortens user input quoted in messages.
func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	cut := 77
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func title(s string) string {
	switch s {
	case "github":
		return "GitHub"
	case "stripe":
		return "Stripe"
	}
	return s
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), the syntax
// of header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Mapping reshapes an event before it is sent. Paths are dotted names under
// the envelope's "data" object ("client.name"), or under the root for a
// payload without one (a custom template). A segment that meets a list
// applies to every item ("changes.field", also written "changes[].field" as
// the catalogue documents list fields); a number picks one item
// ("tags.0"). Keys that contain dots cannot be addressed.
//
// Apply runs Exclude first, then Rename (both name fields as the catalogue
// does), then Add (which names fields as they are sent).
type Mapping struct {
	// Rename gives fields new key names, in place (member order is kept).
	Rename []Rename
	// Exclude drops fields (and everything under them).
	Exclude []string
	// Add sets constant string fields; dotted names create objects, and
	// replace whatever non-object value is in their way.
	Add []Constant
}

// Rename renames the field at path From (e.g. "client.name") to the key To
// (e.g. "nome"), which is a single key, not a path.
type Rename struct {
	From string
	To   string
}

// Constant is a field added to every delivery: Name is a dotted path
// ("source" or "meta.origin"), Value its string value.
type Constant struct {
	Name  string
	Value string
}

// IsZero reports whether m changes nothing.
func (m Mapping) IsZero() bool {
	return len(m.Rename) == 0 && len(m.Exclude) == 0 && len(m.Add) == 0
}

// Validate reports malformed paths and names as an *InvalidError wrapping
// ErrInvalid.
func (m Mapping) Validate() error {
	var ps problems
	m.validate(&ps)
	return ps.err("mapping")
}

func (m Mapping) validate(ps *problems) {
	for i, r := range m.Rename {
		switch {
		case !validPath(r.From):
			ps.add("Mapping", "Rename %d: the field to rename (%q) must be a dotted path such as client.name, with no empty parts.", i+1, clip(r.From))
		case strings.TrimSpace(r.To) == "":
			ps.add("Mapping", "Rename %d: give %s a new name.", i+1, r.From)
		case strings.Contains(r.To, "."):
			ps.add("Mapping", "Rename %d: the new name %q must be a single key without dots; renaming keeps the field where it is.", i+1, clip(r.To))
		}
	}
	for i, p := range m.Exclude {
		if !validPath(p) {
			ps.add("Mapping", "Exclude %d: %q must be a dotted path such as client.phone, with no empty parts.", i+1, clip(p))
		}
	}
	for i, c := range m.Add {
		if !validPath(c.Name) || strings.Contains(c.Name, "[]") {
			ps.add("Mapping", "Add %d: the name %q must be a key or a dotted path such as meta.source, with no empty parts.", i+1, clip(c.Name))
		}
	}
}

func validPath(p string) bool {
	if strings.TrimSpace(p) == "" {
		return false
	}
	for seg := range strings.SplitSeq(p, ".") {
		if strings.TrimSuffix(seg, "[]") == "" {
			return false
		}
	}
	return true
}

// Apply returns p reshaped by m. p is not modified: the result shares no
// mutable state with it when m changes anything. Paths that match nothing
// are ignored. Safe for concurrent use.
func (m Mapping) Apply(p events.Payload) events.Payload {
	if m.IsZero() {
		return p
	}
	root := p.Root.Clone()
	target := &root
	if root.Kind == events.KindObject {
		for i := range root.Members {
			if root.Members[i].Key == "data" && root.Members[i].Value.Kind == events.KindObject {
				target = &root.Members[i].Value
				break
			}
		}
	}
	for _, path := range m.Exclude {
		if validPath(path) {
			walk(target, strings.Split(path, "."), exclude)
		}
	}
	for _, r := range m.Rename {
		if validPath(r.From) && r.To != "" {
			to := r.To
			walk(target, strings.Split(r.From, "."), func(parent *events.Value, key string) {
				if parent.Kind != events.KindObject {
					return
				}
				for i := range parent.Members {
					if parent.Members[i].Key == key {
						parent.Members[i].Key = to
					}
				}
			})
		}
	}
	for _, c := range m.Add {
		if validPath(c.Name) {
			addConstant(target, strings.Split(c.Name, "."), events.String(c.Value))
		}
	}
	return events.Payload{Root: root}
}

// walk follows segs from v and calls fn with the container of the last
// segment and that segment's key (without a "[]" suffix). A non-numeric
// segment that meets a list applies to every item.
func walk(v *events.Value, segs []string, fn func(parent *events.Value, key string)) {
	if v.Kind == events.KindArray {
		if _, ok := index(segs[0], len(v.Items)); !ok {
			for i := range v.Items {
				walk(&v.Items[i], segs, fn)
			}
			return
		}
	}
	key := strings.TrimSuffix(segs[0], "[]")
	if len(segs) == 1 {
		fn(v, key)
		return
	}
	switch v.Kind {
	case events.KindObject:
		for i := range v.Members {
			if v.Members[i].Key == key {
				walk(&v.Members[i].Value, segs[1:], fn)
			}
		}
	case events.KindArray:
		if i, ok := index(key, len(v.Items)); ok {
			walk(&v.Items[i], segs[1:], fn)
		}
	}
}

// index parses seg as an index into a list of n items.
func index(seg string, n int) (int, bool) {
	i, err := strconv.Atoi(seg)
	if err != nil || i < 0 || i >= n || strconv.Itoa(i) != seg {
		return 0, false
	}
	return i, true
}

func exclude(parent *events.Value, key string) {
	switch parent.Kind {
	case events.KindObject:
		kept := parent.Members[:0]
		for _, m := range parent.Members {
			if m.Key != key {
				kept = append(kept, m)
			}
		}
		parent.Members = kept
	case events.KindArray:
		if i, ok := index(key, len(parent.Items)); ok {
			parent.Items = append(parent.Items[:i], parent.Items[i+1:]...)
		}
	}
}

// addConstant sets the member at segs below v to c, creating objects on the
// way and replacing non-object values that are in the way.
func addConstant(v *events.Value, segs []string, c events.Value) {
	if v.Kind != events.KindObject {
		*v = events.Object()
	}
	key := segs[0]
	for i := range v.Members {
		if v.Members[i].Key == key {
			if len(segs) == 1 {
				v.Members[i].Value = c
			} else {
				addConstant(&v.Members[i].Value, segs[1:], c)
			}
			return
		}
	}
	if len(segs) == 1 {
		v.Members = append(v.Members, events.M(key, c))
		return
	}
	child := events.Object()
	addConstant(&child, segs[1:], c)
	v.Members = append(v.Members, events.M(key, child))
}
