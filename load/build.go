package load

import (
	"fmt"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
)

// IDHeader carries every request's delivery id, unless its signature
// already names one (svix-id with svix signing).
const IDHeader = "webhook-id"

// build makes the request for m, with delivery id id, signed at now as
// c.Signing says. It returns the id the request carries: a re-signed
// capture gets a fresh one from replay.Resign, and a capture sent as
// captured keeps its own. Safe for concurrent use.
func (c *Config) build(m Message, id string, now time.Time) (replay.Request, string, error) {
	if m.Capture != nil {
		return c.buildCapture(m.Capture, id, now)
	}
	sub := outbound.Subscription{Name: "gancho load", URL: c.Target, Method: "POST", Format: outbound.FormatJSON, Signing: outbound.SignNone}
	if s := c.Signing.Subscription; s != nil {
		sub = *s
		sub.URL = c.Target
	}
	r, err := outbound.Build(sub, id, m.Event, m.Payload, now)
	if err != nil {
		return replay.Request{}, "", err
	}
	if spec := c.Signing.Spec; spec != nil {
		// The request has no signature yet: append the spec's headers.
		pairs, err := verify.Sign(*spec, id, now, r.Body)
		if err != nil {
			return replay.Request{}, "", fmt.Errorf("load: sign %s: %w", m.Event, err)
		}
		for _, p := range pairs {
			r.Headers = append(r.Headers, capture.Header{Name: p[0], Value: p[1]})
		}
	}
	return withID(r, id)
}

// buildCapture re-targets a capture and re-signs it when asked.
func (c *Config) buildCapture(cr *capture.Request, id string, now time.Time) (replay.Request, string, error) {
	r, err := replay.FromCapture(cr, c.Target, false)
	if err != nil {
		return replay.Request{}, "", err
	}
	cfg, ok := c.resigner()
	if ok {
		if err := replay.Resign(&r, cfg, now); err != nil {
			return replay.Request{}, "", err
		}
	}
	return withID(r, id)
}

// resigner is the verifier config captures are re-signed with, if any.
func (c *Config) resigner() (verify.Config, bool) {
	if c.Signing.Spec != nil {
		return *c.Signing.Spec, true
	}
	s := c.Signing.Subscription
	if s == nil {
		return verify.Config{}, false
	}
	switch s.Signing {
	case outbound.SignStandard, "":
		return verify.Config{Scheme: verify.SchemeStandard, Secret: s.Secret}, true
	case outbound.SignStripe:
		return verify.Config{Scheme: verify.SchemeStripe, Secret: s.Secret}, true
	case outbound.SignGitHub:
		return verify.Config{Scheme: verify.SchemeGitHub, Secret: s.Secret}, true
	}
	return verify.Config{}, false
}

// withID adds IDHeader with id unless the request already carries a
// delivery id (webhook-id or svix-id), and returns the id it carries.
func withID(r replay.Request, id string) (replay.Request, string, error) {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, IDHeader) || strings.EqualFold(h.Name, "svix-id") {
			return r, h.Value, nil
		}
	}
	r.Headers = append(r.Headers, capture.Header{Name: IDHeader, Value: id})
	return r, id, nil
}
