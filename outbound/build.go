package outbound

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
)

// UserAgent is the User-Agent of every delivery.
const UserAgent = "Gancho/1"

// Content types of the body formats.
const (
	ContentTypeJSON = "application/json"
	ContentTypeXML  = "application/xml; charset=utf-8"
	ContentTypeForm = "application/x-www-form-urlencoded"
)

// Build makes the request that delivers event with payload p to s, signed
// at now. deliveryID identifies the delivery across its attempts: it is the
// webhook-id of Standard Webhooks signing and the X-GitHub-Delivery of
// GitHub signing.
//
// Mapping is applied to p first. A POST carries the result as indented JSON
// (Payload.JSON), as XML (Payload.XML) or as an
// application/x-www-form-urlencoded body of its flattened fields (dotted
// names such as data.client.name and data.tags.0, in payload order), with
// the matching Content-Type. A GET has no body and no Content-Type: the
// flattened fields are appended to the URL's query, after whatever query the
// URL already has (kept byte for byte); a fragment is dropped. Every request
// has User-Agent "Gancho/1", then the subscription's custom headers (which
// replace Content-Type or User-Agent when they name them), then the
// signature:
//
//   - standard: webhook-id (deliveryID), webhook-timestamp (now),
//     webhook-signature (v1, HMAC-SHA256 of "id.timestamp.body");
//   - stripe: Stripe-Signature: t=…,v1=…;
//   - github: X-Hub-Signature-256 and the legacy X-Hub-Signature, with
//     X-GitHub-Event (the event) and X-GitHub-Delivery (deliveryID);
//   - none: nothing.
//
// A GET is signed over the empty body, since it has none: receivers verify
// it exactly as a POST, with an empty body, and the query fields are not
// protected. With SignQuery the raw query string (after "?", as sent) is
// signed in the body's place: receivers verify it with the query as the
// body.
//
// Errors wrap ErrInvalid when s cannot be sent (Validate's send-related
// checks, plus a Standard Webhooks secret, which Build does not generate).
// Build is a pure function, safe for concurrent use.
func Build(s Subscription, deliveryID, event string, p events.Payload, now time.Time) (replay.Request, error) {
	var ps problems
	s.validateSend(&ps, true)
	if deliveryID == "" {
		ps.add("ID", "A delivery id is needed to sign and identify the delivery.")
	}
	if err := ps.err(s.what()); err != nil {
		return replay.Request{}, fmt.Errorf("relay: build delivery: %w", err)
	}
	p = s.Mapping.Apply(p)

	r := replay.Request{Method: s.method(), URL: s.URL}
	hdr := make(capture.Headers, 0, len(s.Headers)+6)
	hdr = append(hdr, capture.Header{Name: "User-Agent", Value: UserAgent})
	if r.Method == "GET" {
		u, err := getURL(s.URL, p)
		if err != nil {
			return replay.Request{}, fmt.Errorf("relay: build delivery %s: %w", deliveryID, err)
		}
		r.URL = u
	} else {
		var (
			body []byte
			ct   string
			err  error
		)
		switch s.format() {
		case FormatXML:
			body, err = p.XML()
			ct = ContentTypeXML
		case FormatForm:
			body = []byte(encodeFields(p.Flatten()))
			ct = ContentTypeForm
		default:
			body, err = p.JSON()
			ct = ContentTypeJSON
		}
		if err != nil {
			return replay.Request{}, fmt.Errorf("relay: build delivery %s: %w", deliveryID, err)
		}
		r.Body = body
		hdr = append(hdr, capture.Header{Name: "Content-Type", Value: ct})
	}
	builtin := len(hdr) // User-Agent and, for a POST, Content-Type
custom:
	for _, h := range s.Headers {
		for i := range builtin {
			if strings.EqualFold(hdr[i].Name, h.Name) {
				hdr[i] = h
				continue custom
			}
		}
		hdr = append(hdr, h)
	}
	// Validate refuses custom headers that the signature sets.
	signed := r.Body
	if s.SignQuery && r.Method == "GET" {
		signed = []byte(RawQuery(r.URL))
	}
	sig, err := sign(s, deliveryID, event, now, signed)
	if err != nil {
		return replay.Request{}, fmt.Errorf("relay: build delivery %s: %w", deliveryID, err)
	}
	hdr = append(hdr, sig...)
	r.Headers = hdr
	return r, nil
}

// sign returns the signature headers of s for body.
func sign(s Subscription, id, event string, now time.Time, body []byte) (capture.Headers, error) {
	var cfg verify.Config
	switch s.signing() {
	case SignNone:
		return nil, nil
	case SignStandard:
		cfg = verify.Config{Scheme: verify.SchemeStandard, Secret: s.Secret}
	case SignStripe:
		cfg = verify.Config{Scheme: verify.SchemeStripe, Secret: s.Secret}
	case SignGitHub:
		cfg = verify.Config{Scheme: verify.SchemeGitHub, Secret: s.Secret}
	}
	pairs, err := verify.Sign(cfg, id, now, body)
	if err != nil {
		return nil, err
	}
	out := make(capture.Headers, 0, len(pairs)+2)
	for _, kv := range pairs {
		out = append(out, capture.Header{Name: kv[0], Value: kv[1]})
	}
	if s.signing() == SignGitHub {
		out = append(out,
			capture.Header{Name: "X-GitHub-Event", Value: event},
			capture.Header{Name: "X-GitHub-Delivery", Value: id})
	}
	return out, nil
}

// RawQuery is the query of a delivery URL as sent: everything after the
// first "?" up to a fragment, or "" without one. A receiver verifying a
// SignQuery delivery uses it (in Go, r.URL.RawQuery) as the body.
func RawQuery(u string) string {
	_, q, ok := strings.Cut(u, "?")
	if !ok {
		return ""
	}
	q, _, _ = strings.Cut(q, "#")
	return q
}

// getURL appends p's flattened fields to raw's query.
func getURL(raw string, p events.Payload) (string, error) {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	fields := encodeFields(p.Flatten())
	if fields == "" {
		return raw, nil
	}
	switch {
	case !strings.Contains(raw, "?"):
		raw += "?"
	case !strings.HasSuffix(raw, "?") && !strings.HasSuffix(raw, "&"):
		raw += "&"
	}
	if _, err := url.Parse(raw + fields); err != nil {
		return "", err
	}
	return raw + fields, nil
}

// encodeFields writes fields as name=value pairs joined by "&", in order,
// escaped as application/x-www-form-urlencoded.
func encodeFields(fields []events.Field) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(f.Value))
	}
	return b.String()
}
