package capture

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gancho-app/gancho/verify"
)

// Header is one header line as it arrived: the name with its original case,
// and the value without surrounding whitespace.
type Header struct {
	Name  string
	Value string
}

// Headers is a header block in wire order, duplicates kept.
type Headers []Header

// Get returns the first value of name (case-insensitive), or "".
func (h Headers) Get(name string) string {
	for _, kv := range h {
		if strings.EqualFold(kv.Name, name) {
			return kv.Value
		}
	}
	return ""
}

// Values returns every value of name (case-insensitive), in order.
func (h Headers) Values(name string) []string {
	var out []string
	for _, kv := range h {
		if strings.EqualFold(kv.Name, name) {
			out = append(out, kv.Value)
		}
	}
	return out
}

// MarshalJSON writes the headers as an array of [name, value] pairs, the
// export record's shape: a JSON object would lose order and duplicates.
func (h Headers) MarshalJSON() ([]byte, error) {
	pairs := make([][2]string, len(h))
	for i, kv := range h {
		pairs[i] = [2]string{kv.Name, kv.Value}
	}
	return json.Marshal(pairs)
}

// UnmarshalJSON reads the [name, value] pair form.
func (h *Headers) UnmarshalJSON(b []byte) error {
	var pairs [][2]string
	if err := json.Unmarshal(b, &pairs); err != nil {
		return fmt.Errorf("headers: want an array of [name, value] pairs: %w", err)
	}
	out := make(Headers, len(pairs))
	for i, p := range pairs {
		out[i] = Header{Name: p[0], Value: p[1]}
	}
	*h = out
	return nil
}

// Response is what Gancho answered to a captured request.
type Response struct {
	Status  int
	Headers Headers
	Body    []byte
}

// Request is the canonical, lossless record of one received request. Views
// (pretty JSON, decoded gzip, form fields) are computed from it, never stored
// instead of it. A Request handed out by the store or a subscription is shared:
// treat it as read-only.
type Request struct {
	ID         string    // ULID: sorts by arrival
	ReceivedAt time.Time // when the header block had been read
	Method     string    // exactly as sent, any token (PROPFIND, PURGE, …)
	Target     string    // raw request target: path and query as sent, or absolute-form
	Proto      string    // "HTTP/1.1"
	Host       string    // Host header (or authority of an absolute-form target)
	RemoteAddr string    // peer ip:port
	Headers    Headers   // wire order, original case, duplicates kept
	Body       []byte    // bytes as received: no decompression; de-chunked
	BodySize   int64     // bytes received; equals len(Body) unless Truncated
	Truncated  bool      // body exceeded the cap: Body holds only its first bytes
	// DeclaredSize is the Content-Length the sender announced, or -1 when it
	// sent none (chunked or close-delimited).
	DeclaredSize int64
	// HeadersFromWire is false when the raw header block could not be read
	// (e.g. the handler runs outside capture.Server) and Headers were rebuilt
	// from Go's parsed map: then order across different names is lost.
	HeadersFromWire bool
	// Error says why the body is incomplete ("" when it is whole).
	Error    string
	Response Response

	// Verification is the signature check's outcome; nil when no verifier
	// applies to this path.
	Verification *verify.Result
	// DuplicateOf is the id of an earlier capture (within DedupeWindow)
	// with the same delivery id or, lacking one, the same body.
	DuplicateOf string
	// Refused says why inbound protection turned the request away ("" when
	// it was accepted): it is kept so a misconfigured sender is visible.
	Refused string
	// Rule describes the response rule that answered ("" for the default).
	Rule string
	// Origin says where a capture came from when it was not received live:
	// "import:har", "import:curl", "import:raw", "import:jsonl". "" means
	// received by the capture server.
	Origin string

	dedupeKey string // what duplicate detection matched on; stored, not exported
}

// ContentType returns the Content-Type header, or "".
func (r *Request) ContentType() string { return r.Headers.Get("Content-Type") }

// Record is the export record: the JSON object `gancho list --json` prints,
// one per line. Scripts depend on its field names; add fields, never rename.
type Record struct {
	ID             string  `json:"id"`
	ReceivedAt     string  `json:"received_at"`
	Method         string  `json:"method"`
	Target         string  `json:"target"`
	TargetBase64   string  `json:"target_base64,omitempty"` // the target's bytes when not UTF-8 (Target shows U+FFFD), as body_base64
	Proto          string  `json:"proto"`
	Host           string  `json:"host"`
	RemoteAddr     string  `json:"remote_addr"`
	Headers        Headers `json:"headers"`
	BodyBase64     string  `json:"body_base64"`
	BodySize       int64   `json:"body_size"`
	Truncated      bool    `json:"truncated"`
	DeclaredSize   *int64  `json:"declared_size,omitempty"`
	ResponseStatus int     `json:"response_status"`
	Error          string  `json:"error,omitempty"`

	Verification *verify.Result `json:"verification,omitempty"`
	DuplicateOf  string         `json:"duplicate_of,omitempty"`
	Refused      string         `json:"refused,omitempty"`
	ResponseRule string         `json:"response_rule,omitempty"`
	Origin       string         `json:"origin,omitempty"`
}

// ToRecord converts r to its export record.
func (r *Request) ToRecord() Record {
	rec := Record{
		ID:             r.ID,
		ReceivedAt:     r.ReceivedAt.UTC().Format(time.RFC3339Nano),
		Method:         r.Method,
		Target:         r.Target,
		Proto:          r.Proto,
		Host:           r.Host,
		RemoteAddr:     r.RemoteAddr,
		Headers:        r.Headers,
		BodyBase64:     base64.StdEncoding.EncodeToString(r.Body),
		BodySize:       r.BodySize,
		Truncated:      r.Truncated,
		ResponseStatus: r.Response.Status,
		Error:          r.Error,
		Verification:   r.Verification,
		DuplicateOf:    r.DuplicateOf,
		Refused:        r.Refused,
		ResponseRule:   r.Rule,
		Origin:         r.Origin,
	}
	if !utf8.ValidString(r.Target) {
		rec.TargetBase64 = base64.StdEncoding.EncodeToString([]byte(r.Target))
		rec.Target = strings.ToValidUTF8(r.Target, "\uFFFD")
	}
	if rec.Headers == nil {
		rec.Headers = Headers{}
	}
	if r.DeclaredSize >= 0 {
		d := r.DeclaredSize
		rec.DeclaredSize = &d
	}
	return rec
}

// FromRecord rebuilds a Request from an export record (the response body and
// headers are not part of the record and come back empty).
func FromRecord(rec Record) (*Request, error) {
	body, err := base64.StdEncoding.DecodeString(rec.BodyBase64)
	if err != nil {
		return nil, fmt.Errorf("record %s: body_base64: %w", rec.ID, err)
	}
	target := rec.Target
	if rec.TargetBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(rec.TargetBase64)
		if err != nil {
			return nil, fmt.Errorf("record %s: target_base64: %w", rec.ID, err)
		}
		target = string(b)
	}
	t, err := time.Parse(time.RFC3339Nano, rec.ReceivedAt)
	if err != nil {
		return nil, fmt.Errorf("record %s: received_at: %w", rec.ID, err)
	}
	declared := int64(-1)
	if rec.DeclaredSize != nil {
		declared = *rec.DeclaredSize
	}
	return &Request{
		ID: rec.ID, ReceivedAt: t, Method: rec.Method, Target: target,
		Proto: rec.Proto, Host: rec.Host, RemoteAddr: rec.RemoteAddr,
		Headers: rec.Headers, Body: body, BodySize: rec.BodySize,
		Truncated: rec.Truncated, DeclaredSize: declared, HeadersFromWire: true,
		Error: rec.Error, Response: Response{Status: rec.ResponseStatus},
		Verification: rec.Verification, DuplicateOf: rec.DuplicateOf,
		Refused: rec.Refused, Rule: rec.ResponseRule, Origin: rec.Origin,
	}, nil
}
