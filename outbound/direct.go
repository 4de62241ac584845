package outbound

import (
	"fmt"

	"github.com/gancho-app/gancho/verify"
)

// Direct returns a one-off subscription, stored nowhere, that delivers to
// url in format ("" is JSON) and signs as spec says: a verify spec whose
// scheme deliveries can be signed with ("standard:whsec_…",
// "stripe:SECRET", "github:SECRET"; other options such as path= are
// ignored), or "" for no signature. Deliver sends with it; it is how a
// journey is sent to a URL from the command line and the window. Errors
// wrap verify.ErrBadSpec for a spec that does not parse and ErrInvalid for
// one that cannot sign a delivery, or a url or format that cannot be sent.
func Direct(name, url string, format Format, spec string) (Subscription, error) {
	s := NewSubscription()
	s.Name, s.URL, s.Format = name, url, format
	s.Signing, s.Secret = SignNone, ""
	if spec != "" {
		cfg, err := verify.Parse(spec)
		if err != nil {
			return Subscription{}, err
		}
		switch cfg.Scheme {
		case verify.SchemeStandard:
			s.Signing = SignStandard
		case verify.SchemeStripe:
			s.Signing = SignStripe
		case verify.SchemeGitHub:
			s.Signing = SignGitHub
		default:
			return Subscription{}, fmt.Errorf("%w: deliveries are signed with standard, stripe or github, not %s", ErrInvalid, cfg.Scheme)
		}
		s.Secret = cfg.Secret
	}
	var ps problems
	s.validateSend(&ps, true)
	if err := ps.err(s.what()); err != nil {
		return Subscription{}, err
	}
	return s, nil
}
