package suite

import (
	"fmt"
	"net/url"
	"time"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
)

// JourneyOptions shape the suite FromJourney makes.
type JourneyOptions struct {
	// Name is the suite's name.
	Name string
	// To is where the journey is meant to go, "http://localhost:3000/hooks":
	// its scheme and host become the suite's Target, its path and query
	// every step's path. "" leaves the target to `gancho test --to` and
	// posts to "/".
	To string
	// Format is the body format (outbound.FormatJSON when "").
	Format outbound.Format
	// Sign is a verify spec ("standard:whsec_…") the steps are re-signed
	// with when the suite runs (sign mode secret); "" sends them unsigned.
	Sign string
}

// FromJourney makes a suite of a played journey: one inline request step
// per event, in order, named by its StepName ("1-prospect-created"), each
// a POST of the event rendered as a delivery renders it (outbound.Build:
// the body in o.Format with its Content-Type and Gancho's User-Agent) and
// expecting a 2xx answer. The signature is left to the run, which signs
// each step afresh with o.Sign, so a saved suite never carries a stale
// timestamp. Errors wrap ErrInvalid for a To that is not an http(s) URL.
func FromJourney(evs []events.JourneyEvent, o JourneyOptions) (*Suite, error) {
	s := &Suite{Version: Version, Name: o.Name}
	base, path := "http://localhost", "/"
	if o.To != "" {
		u, err := url.Parse(o.To)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: %q is not an http:// or https:// URL", ErrInvalid, o.To)
		}
		base = u.Scheme + "://" + u.Host
		s.Target = base
		path = u.RequestURI()
	}
	sub, err := outbound.Direct(o.Name, base+path, o.Format, "")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	for _, e := range evs {
		// The delivery id only names a signature, and there is none.
		req, err := outbound.Build(sub, "unsigned", e.Event, e.Payload, time.Time{})
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, e.StepName(), err)
		}
		r := &Request{Method: req.Method, Path: path, Headers: FromCapture(req.Headers)}
		r.SetBody(req.Body)
		st := Step{Name: e.StepName(), Request: r, Expect: &Expect{Status: "2xx"}}
		if o.Sign != "" {
			st.Sign = Sign{Mode: SignSecret, Spec: o.Sign}
		}
		s.Steps = append(s.Steps, st)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}
