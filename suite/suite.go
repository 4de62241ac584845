// Package suite keeps webhooks as a regression suite: an ordered list of
// steps (a capture, inlined wire-exact or by reference, or an event sample),
// each with optional edits, a signing choice and expectations on what the
// receiver answers. A suite is a plain YAML (or JSON) file meant to live in
// the user's own repository; docs/suite.schema.json describes it.
//
// The file types here are plain values: nothing in them is safe for
// concurrent mutation, but a parsed Suite may be read (and run) from several
// goroutines at once.
package suite

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/verify"
)

// Version is the file format version this package writes and reads.
const Version = 1

// MaxFileSize bounds a suite file read from disk or a pipe: a suite holds
// bodies, but hundreds of megabytes of them would be a mistake.
const MaxFileSize = 64 << 20

// ErrInvalid is wrapped by every error Parse and Validate return for a file
// that does not describe a runnable suite.
var ErrInvalid = errors.New("invalid suite")

// Suite is one file.
type Suite struct {
	// Version is the format version; 0 is read as 1, a newer one is refused.
	Version int    `yaml:"version" json:"version"`
	Name    string `yaml:"name,omitempty" json:"name,omitempty"`
	// Target is the default base URL steps are sent to ("http://localhost:3000");
	// `gancho test --to` and the Suites panel's target field override it.
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	// Vars are values templates read as {{.vars.NAME}}.
	Vars map[string]string `yaml:"vars,omitempty" json:"vars,omitempty"`
	// Timeout bounds each step's exchange (Go duration text, "10s"); "" means 30 s.
	Timeout string `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	Steps   []Step `yaml:"steps" json:"steps"`
}

// Step is one request sent and checked. Exactly one of Request, Capture and
// Event says what is sent.
type Step struct {
	// Name identifies the step in reports and in templates
	// ({{.steps.NAME.body.id}}); unique within the suite. Letters, digits,
	// '_' and '-'.
	Name string `yaml:"name" json:"name"`
	// Request is a capture inlined, wire-exact.
	Request *Request `yaml:"request,omitempty" json:"request,omitempty"`
	// Capture is a capture's id in the local store (`gancho test --data`).
	Capture string `yaml:"capture,omitempty" json:"capture,omitempty"`
	// Event is an event sample from the catalogue.
	Event *EventRef `yaml:"event,omitempty" json:"event,omitempty"`
	// Template makes the path, header values, body, edits and sign spec Go
	// text/template templates ({{uuid}}, {{now}}, {{webhookID}},
	// {{env "NAME"}}, {{.steps.create.body.id}}, {{.vars.tenant}}). Off by
	// default, so a captured body holding "{{" is sent as it came.
	Template bool   `yaml:"template,omitempty" json:"template,omitempty"`
	Edits    *Edits `yaml:"edits,omitempty" json:"edits,omitempty"`
	// Sign is the signing choice; the zero value keeps the step's headers.
	Sign   Sign    `yaml:"sign,omitempty" json:"sign,omitempty"`
	Expect *Expect `yaml:"expect,omitempty" json:"expect,omitempty"`
	// Recorded is the receiver's answer when the step was recorded, for
	// Expect.SameAsRecorded.
	Recorded *Response `yaml:"recorded,omitempty" json:"recorded,omitempty"`
}

// Request is a request as received: method, raw target, headers in wire
// order with duplicates, and the body bytes. Body holds the bytes when they
// are valid UTF-8; otherwise BodyBase64 holds them.
type Request struct {
	Method     string  `yaml:"method" json:"method"`
	Path       string  `yaml:"path" json:"path"` // the raw request target: path and query exactly as sent
	Headers    Headers `yaml:"headers,omitempty" json:"headers,omitempty"`
	Body       string  `yaml:"body,omitempty" json:"body,omitempty"`
	BodyBase64 string  `yaml:"body_base64,omitempty" json:"body_base64,omitempty"`
}

// EventRef names a catalogue event and the seed its sample is drawn with.
type EventRef struct {
	Name string `yaml:"name" json:"name"`
	Seed uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
	// Format is "json" (default), "xml" or "form".
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
	// Path is the request target the sample is posted to; "" means "/".
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
}

// Edits change a step's request before it is signed and sent.
type Edits struct {
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	Path   string `yaml:"path,omitempty" json:"path,omitempty"`
	// SetHeaders replace every line of the name (or append one).
	SetHeaders Headers `yaml:"set_headers,omitempty" json:"set_headers,omitempty"`
	// RemoveHeaders drops every line of these names (case-insensitive).
	RemoveHeaders []string `yaml:"remove_headers,omitempty" json:"remove_headers,omitempty"`
	// SetJSON sets JSON fields by path (data.client.email, items[0].sku) to
	// the given JSON value; the rest of the body keeps its bytes.
	SetJSON map[string]any `yaml:"set_json,omitempty" json:"set_json,omitempty"`
	// Body replaces the whole body.
	Body *string `yaml:"body,omitempty" json:"body,omitempty"`
}

// Sign is a step's signing choice:
//   - Mode "" or "keep": the headers as they are (a captured signature stays);
//   - "none": signature headers of every known scheme removed;
//   - "subscription": re-signed with the named outbound subscription's secret;
//   - "secret": re-signed with Spec, a verify spec ("standard:whsec_…").
type Sign struct {
	Mode         string `yaml:"mode,omitempty" json:"mode,omitempty"`
	Subscription string `yaml:"subscription,omitempty" json:"subscription,omitempty"`
	Spec         string `yaml:"spec,omitempty" json:"spec,omitempty"`
}

// Signing modes.
const (
	SignKeep         = "keep"
	SignNone         = "none"
	SignSubscription = "subscription"
	SignSecret       = "secret"
)

// Expect is what the receiver must answer. Every field is optional; a step
// without expectations passes on any HTTP response (a transport failure
// still fails it).
type Expect struct {
	// Status is an exact code ("200") or a class ("2xx").
	Status  string         `yaml:"status,omitempty" json:"status,omitempty"`
	Headers []HeaderExpect `yaml:"headers,omitempty" json:"headers,omitempty"`
	JSON    []JSONExpect   `yaml:"json,omitempty" json:"json,omitempty"`
	// LatencyUnder is a Go duration ("250ms") the whole exchange must beat.
	LatencyUnder string `yaml:"latency_under,omitempty" json:"latency_under,omitempty"`
	// SameAsRecorded: status, body and the headers in Step.Recorded must
	// come back the same (diff.Options-style ignores in Ignore).
	SameAsRecorded bool     `yaml:"same_as_recorded,omitempty" json:"same_as_recorded,omitempty"`
	Ignore         []string `yaml:"ignore,omitempty" json:"ignore,omitempty"`
}

// HeaderExpect checks one response header: present (Equals nil) or equal.
type HeaderExpect struct {
	Name   string  `yaml:"name" json:"name"`
	Equals *string `yaml:"equals,omitempty" json:"equals,omitempty"`
	// Absent inverts the check: the header must not be there.
	Absent bool `yaml:"absent,omitempty" json:"absent,omitempty"`
}

// JSONExpect checks one field of a JSON response body. Exactly one of
// Equals (any JSON value), Contains (a substring of the field's text) and
// Matches (a Go regexp on the field's text) is set; none means "present".
type JSONExpect struct {
	Path     string  `yaml:"path" json:"path"`
	Equals   any     `yaml:"equals,omitempty" json:"equals,omitempty"`
	Contains *string `yaml:"contains,omitempty" json:"contains,omitempty"`
	Matches  *string `yaml:"matches,omitempty" json:"matches,omitempty"`
}

// Response is a recorded answer.
type Response struct {
	Status     int     `yaml:"status" json:"status"`
	Headers    Headers `yaml:"headers,omitempty" json:"headers,omitempty"`
	Body       string  `yaml:"body,omitempty" json:"body,omitempty"`
	BodyBase64 string  `yaml:"body_base64,omitempty" json:"body_base64,omitempty"`
}

// Headers is a header block in wire order, duplicates kept, written as a
// list of "Name: value" strings: the form people read in curl -v and diff
// well line by line.
type Headers []string

// FromCapture turns a capture's headers into the file form.
func FromCapture(h capture.Headers) Headers {
	out := make(Headers, 0, len(h))
	for _, x := range h {
		out = append(out, x.Name+": "+x.Value)
	}
	return out
}

// Capture turns the file form back; a line without a colon is an error.
func (h Headers) Capture() (capture.Headers, error) {
	out := make(capture.Headers, 0, len(h))
	for i, line := range h {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("%w: header %d %q: want \"Name: value\"", ErrInvalid, i+1, line)
		}
		out = append(out, capture.Header{Name: name, Value: strings.TrimPrefix(value, " ")})
	}
	return out, nil
}

// SetBody stores b in Body when it is valid UTF-8 text YAML can carry
// exactly, in BodyBase64 otherwise.
func (r *Request) SetBody(b []byte) { r.Body, r.BodyBase64 = encodeBody(b) }

// Bytes returns the body bytes.
func (r *Request) Bytes() ([]byte, error) { return decodeBody(r.Body, r.BodyBase64) }

// SetBody stores b like Request.SetBody.
func (r *Response) SetBody(b []byte) { r.Body, r.BodyBase64 = encodeBody(b) }

// Bytes returns the body bytes.
func (r *Response) Bytes() ([]byte, error) { return decodeBody(r.Body, r.BodyBase64) }

func encodeBody(b []byte) (text, b64 string) {
	if utf8.Valid(b) && !bytes.ContainsRune(b, 0) && !bytes.ContainsRune(b, '\uFEFF') && yamlKeeps(string(b)) {
		return string(b), ""
	}
	return "", base64.StdEncoding.EncodeToString(b)
}

// yamlKeeps reports whether s survives a YAML round trip byte for byte:
// some texts (a line starting with a tab in a block scalar, say) do not,
// and those go to body_base64 instead.
func yamlKeeps(s string) bool {
	out, err := yaml.Marshal(s)
	if err != nil {
		return false
	}
	var back string
	return yaml.Unmarshal(out, &back) == nil && back == s
}

func decodeBody(text, b64 string) ([]byte, error) {
	if b64 == "" {
		return []byte(text), nil
	}
	if text != "" {
		return nil, fmt.Errorf("%w: body and body_base64 both set: keep one", ErrInvalid)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: body_base64: %v", ErrInvalid, err)
	}
	return b, nil
}

// FromCaptureRequest inlines a capture as a step named name, wire-exact,
// with its answer kept as Recorded and a status expectation of that answer's
// class.
func FromCaptureRequest(name string, c *capture.Request) Step {
	req := &Request{Method: c.Method, Path: c.Target, Headers: FromCapture(c.Headers)}
	req.SetBody(c.Body)
	st := Step{Name: name, Request: req}
	if c.Response.Status > 0 {
		st.Expect = &Expect{Status: fmt.Sprintf("%dxx", c.Response.Status/100)}
	}
	return st
}

// Parse reads a suite from YAML or JSON (JSON is YAML) and validates it.
// name is the file's name, for errors.
func Parse(data []byte, name string) (*Suite, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w: larger than %d MiB; split it into several suites", name, ErrInvalid, MaxFileSize>>20)
	}
	var s Suite
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrInvalid, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

// Marshal writes s as YAML, the form kept in repositories.
func Marshal(s *Suite) ([]byte, error) {
	if s.Version == 0 {
		s.Version = Version
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("write suite: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write suite: %w", err)
	}
	return buf.Bytes(), nil
}

// Validate checks what Parse cannot: one source per step, unique names,
// known signing modes, bodies that decode.
func (s *Suite) Validate() error {
	if s.Version > Version {
		return fmt.Errorf("%w: format version %d is newer than this Gancho reads (%d): update Gancho", ErrInvalid, s.Version, Version)
	}
	if s.Timeout != "" {
		if d, err := time.ParseDuration(s.Timeout); err != nil || d <= 0 {
			return fmt.Errorf("%w: timeout %q: want a duration such as 10s", ErrInvalid, s.Timeout)
		}
	}
	if len(s.Steps) == 0 {
		return fmt.Errorf("%w: no steps: add at least one under \"steps:\"", ErrInvalid)
	}
	seen := map[string]bool{}
	for i, st := range s.Steps {
		where := fmt.Sprintf("step %d", i+1)
		if st.Name != "" {
			where = fmt.Sprintf("step %d (%s)", i+1, st.Name)
		}
		if st.Name == "" {
			return fmt.Errorf("%w: %s: no name: give every step a name", ErrInvalid, where)
		}
		for _, r := range st.Name {
			if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return fmt.Errorf("%w: %s: name may hold only letters, digits, '_' and '-'", ErrInvalid, where)
			}
		}
		if seen[st.Name] {
			return fmt.Errorf("%w: %s: another step has this name", ErrInvalid, where)
		}
		seen[st.Name] = true
		n := 0
		if st.Request != nil {
			n++
			if _, err := st.Request.Bytes(); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if _, err := st.Request.Headers.Capture(); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		if st.Capture != "" {
			n++
		}
		if st.Event != nil {
			n++
		}
		if n != 1 {
			return fmt.Errorf("%w: %s: give exactly one of request, capture and event", ErrInvalid, where)
		}
		if err := st.validateParts(); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalid, where, err)
		}
		switch st.Sign.Mode {
		case "", SignKeep, SignNone:
		case SignSubscription:
			if st.Sign.Subscription == "" {
				return fmt.Errorf("%w: %s: sign mode subscription needs subscription: NAME", ErrInvalid, where)
			}
		case SignSecret:
			if st.Sign.Spec == "" {
				return fmt.Errorf("%w: %s: sign mode secret needs spec: SCHEME:SECRET", ErrInvalid, where)
			}
		default:
			return fmt.Errorf("%w: %s: unknown sign mode %q: use keep, none, subscription or secret", ErrInvalid, where, st.Sign.Mode)
		}
	}
	return nil
}

// validateParts checks a step's event, edits and expectations: what Run
// would otherwise find only when it reaches the step.
func (st *Step) validateParts() error {
	if ev := st.Event; ev != nil {
		if ev.Name == "" {
			return errors.New("event: no name: give a catalogue name such as client.created (gancho events lists them)")
		}
		if _, ok := events.Lookup(ev.Name); !ok {
			return fmt.Errorf("event %q is not in the catalogue: pick one that gancho events lists", ev.Name)
		}
		switch ev.Format {
		case "", "json", "xml", "form":
		default:
			return fmt.Errorf("event format %q: use json, xml or form", ev.Format)
		}
	}
	if e := st.Edits; e != nil {
		if _, err := e.SetHeaders.Capture(); err != nil {
			return fmt.Errorf("edits.set_headers: %w", err)
		}
		for p := range e.SetJSON {
			if err := ParsePath(p); err != nil {
				return fmt.Errorf("edits.set_json: %w", err)
			}
		}
	}
	if st.Sign.Mode == SignSecret && st.Sign.Spec != "" && !(st.Template && strings.Contains(st.Sign.Spec, "{{")) {
		if _, err := verify.Parse(st.Sign.Spec); err != nil {
			return fmt.Errorf("sign spec: %w", err)
		}
	}
	if r := st.Recorded; r != nil {
		if _, err := r.Bytes(); err != nil {
			return fmt.Errorf("recorded: %w", err)
		}
		if _, err := r.Headers.Capture(); err != nil {
			return fmt.Errorf("recorded: %w", err)
		}
	}
	x := st.Expect
	if x == nil {
		return nil
	}
	if x.Status != "" {
		if _, _, err := parseStatus(x.Status); err != nil {
			return fmt.Errorf("expect: %w", err)
		}
	}
	if x.LatencyUnder != "" {
		if d, err := time.ParseDuration(x.LatencyUnder); err != nil || d <= 0 {
			return fmt.Errorf("expect: latency_under %q: want a duration such as 250ms", x.LatencyUnder)
		}
	}
	for i, h := range x.Headers {
		if h.Name == "" || strings.ContainsAny(h.Name, " \t:") {
			return fmt.Errorf("expect: header %d: name %q: give a header name such as Content-Type", i+1, h.Name)
		}
		if h.Absent && h.Equals != nil {
			return fmt.Errorf("expect: header %s: absent and equals together: keep one", h.Name)
		}
	}
	for _, j := range x.JSON {
		if err := ParsePath(j.Path); err != nil {
			return fmt.Errorf("expect: json: %w", err)
		}
		n := 0
		for _, set := range []bool{j.Equals != nil, j.Contains != nil, j.Matches != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return fmt.Errorf("expect: json %s: give one of equals, contains and matches", j.Path)
		}
		if j.Matches != nil {
			if _, err := regexp.Compile(*j.Matches); err != nil {
				return fmt.Errorf("expect: json %s: matches: %v", j.Path, err)
			}
		}
	}
	if x.SameAsRecorded && st.Recorded == nil {
		return errors.New("expect: same_as_recorded needs the recorded answer: add it under recorded")
	}
	return nil
}
