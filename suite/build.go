package suite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
)

// build turns a step into the request to send: source, then templates,
// then edits, then the target URL, then signing, so a signature always
// covers the bytes that go out.
func (r *runner) build(ctx context.Context, st *Step) (replay.Request, *Failure) {
	wire, f := r.source(ctx, st)
	if f != nil {
		return replay.Request{}, f
	}
	if st.Template {
		if f := r.templateWire(st.Name, wire); f != nil {
			return replay.Request{}, f
		}
	}
	if st.Edits != nil {
		if f := r.edit(st, wire); f != nil {
			return replay.Request{}, f
		}
	}
	base, target, err := joinTarget(r.target, wire.Target)
	if err != nil {
		f := newFailure(FailSource, "%v", err)
		return replay.Request{}, &f
	}
	wire.Target = target
	// FromCapture drops hop-by-hop headers, Content-Length (the body may
	// have changed) and Host (the target's goes out).
	req, err := replay.FromCapture(wire, base, false)
	if err != nil {
		f := newFailure(FailSource, "%v", err)
		return replay.Request{}, &f
	}
	if f := r.sign(ctx, st, &req); f != nil {
		return replay.Request{}, f
	}
	return req, nil
}

// source is the step's request as a capture-shaped value the later stages
// edit: a private copy, whatever it came from.
func (r *runner) source(ctx context.Context, st *Step) (*capture.Request, *Failure) {
	bad := func(format string, a ...any) (*capture.Request, *Failure) {
		f := newFailure(FailSource, format, a...)
		return nil, &f
	}
	switch {
	case st.Request != nil:
		body, err := st.Request.Bytes()
		if err != nil {
			return bad("%v", err)
		}
		h, err := st.Request.Headers.Capture()
		if err != nil {
			return bad("%v", err)
		}
		return &capture.Request{Method: st.Request.Method, Target: st.Request.Path, Headers: h, Body: body}, nil
	case st.Capture != "":
		if r.o.Captures == nil {
			return bad("capture %s needs the data directory holding it: pass --data DIR", st.Capture)
		}
		c, err := r.o.Captures.Get(ctx, st.Capture)
		if errors.Is(err, capture.ErrNotFound) {
			return bad("capture %s is not in the data directory: check the id (gancho list) or inline the request in the suite", st.Capture)
		}
		if err != nil {
			return bad("read capture %s: %v", st.Capture, err)
		}
		if c.Truncated || c.Error != "" {
			return bad("capture %s has an incomplete body, so it cannot be sent as recorded: inline the request with the full body", st.Capture)
		}
		return &capture.Request{Method: c.Method, Target: c.Target, Headers: slices.Clone(c.Headers), Body: slices.Clone(c.Body)}, nil
	case st.Event != nil:
		return r.eventSource(st)
	}
	return bad("no request, capture or event to send")
}

// eventSource renders an event sample the way an outbound delivery does
// (outbound.Build with signing none): same body, Content-Type and
// User-Agent as `gancho send`.
func (r *runner) eventSource(st *Step) (*capture.Request, *Failure) {
	ev := st.Event
	bad := func(format string, a ...any) (*capture.Request, *Failure) {
		f := newFailure(FailSource, format, a...)
		return nil, &f
	}
	e, ok := events.Lookup(ev.Name)
	if !ok {
		return bad("event %q is not in the catalogue: pick one that gancho events lists", ev.Name)
	}
	p, err := events.NewGenerator(ev.Seed).SampleAt(e.Name, r.o.Now())
	if err != nil {
		return bad("sample of %s: %v", e.Name, err)
	}
	format := outbound.Format(ev.Format)
	if format == "" {
		format = outbound.FormatJSON
	}
	sub := outbound.Subscription{Name: "suite", URL: "http://suite.invalid/", Method: "POST", Format: format, Signing: outbound.SignNone, Events: []string{e.Name}}
	req, err := outbound.Build(sub, "msg_suite", e.Name, p, r.o.Now())
	if err != nil {
		return bad("render %s as %s: %v", e.Name, format, err)
	}
	path := ev.Path
	if path == "" {
		path = "/"
	}
	return &capture.Request{Method: req.Method, Target: path, Headers: req.Headers, Body: req.Body}, nil
}

// joinTarget appends the step's request target (path and query) to the
// base URL: "http://h:3000/base" and "/hooks?a=1" give base
// "http://h:3000" and target "/base/hooks?a=1". A query on the base comes
// first, joined with "&". The step's target keeps its bytes.
func joinTarget(baseURL, stepTarget string) (base, target string, err error) {
	full := baseURL
	if !strings.Contains(full, "://") {
		full = "http://" + full
	}
	scheme, rest, _ := strings.Cut(full, "://")
	rest, _, _ = strings.Cut(rest, "#")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	base = scheme + "://" + rest[:end]
	bPath, bQuery, _ := strings.Cut(rest[end:], "?")

	if i := strings.Index(stepTarget, "://"); i > 0 && !strings.HasPrefix(stepTarget, "/") {
		// absolute-form, as some proxies send: keep its path and query
		after := stepTarget[i+3:]
		if j := strings.IndexAny(after, "/?"); j >= 0 {
			stepTarget = after[j:]
		} else {
			stepTarget = ""
		}
	}
	if stepTarget == "*" || strings.ContainsAny(stepTarget, " \r\n") {
		return "", "", fmt.Errorf("request target %q cannot be sent to a URL: give a path such as /webhooks", stepTarget)
	}
	sPath, sQuery, sHas := strings.Cut(stepTarget, "?")
	if sPath != "" && !strings.HasPrefix(sPath, "/") {
		sPath = "/" + sPath
	}
	path := strings.TrimSuffix(bPath, "/") + sPath
	if sPath == "" {
		path = bPath
	}
	if path == "" {
		path = "/"
	}
	query := sQuery
	switch {
	case bQuery != "" && sQuery != "":
		query = bQuery + "&" + sQuery
	case bQuery != "":
		query = bQuery
	}
	if query != "" || sHas && bQuery == "" && sQuery == "" {
		return base, path + "?" + query, nil
	}
	return base, path, nil
}

// edit applies st.Edits to w: method, path, removed then set headers,
// body, then JSON fields.
func (r *runner) edit(st *Step, w *capture.Request) *Failure {
	e := st.Edits
	bad := func(format string, a ...any) *Failure {
		f := newFailure(FailEdit, format, a...)
		return &f
	}
	tpl := func(what, s string) (string, *Failure) {
		if !st.Template {
			return s, nil
		}
		return r.expand(st.Name, what, s)
	}
	var f *Failure
	if e.Method != "" {
		w.Method = e.Method
	}
	if e.Path != "" {
		if w.Target, f = tpl("edits.path", e.Path); f != nil {
			return f
		}
	}
	for _, name := range e.RemoveHeaders {
		w.Headers = slices.DeleteFunc(w.Headers, func(h capture.Header) bool { return strings.EqualFold(h.Name, name) })
	}
	set, err := e.SetHeaders.Capture()
	if err != nil {
		return bad("%v", err)
	}
	for _, h := range set {
		if h.Value, f = tpl("edits.set_headers "+h.Name, h.Value); f != nil {
			return f
		}
		w.Headers = setHeader(w.Headers, h)
	}
	if e.Body != nil {
		b, f := tpl("edits.body", *e.Body)
		if f != nil {
			return f
		}
		w.Body = []byte(b)
	}
	paths := make([]string, 0, len(e.SetJSON))
	for p := range e.SetJSON {
		paths = append(paths, p)
	}
	sort.Strings(paths) // maps have no order; edits must be repeatable
	for _, p := range paths {
		v := e.SetJSON[p]
		if s, ok := v.(string); ok && st.Template {
			if v, f = tpl("edits.set_json "+p, s); f != nil {
				return f
			}
		}
		b, err := SetJSON(w.Body, p, v)
		if err != nil {
			return bad("set_json %s: %v", p, err)
		}
		w.Body = b
	}
	return nil
}

// setHeader replaces the first line named h.Name (keeping its position)
// and drops the others, or appends h.
func setHeader(hs capture.Headers, h capture.Header) capture.Headers {
	i := slices.IndexFunc(hs, func(x capture.Header) bool { return strings.EqualFold(x.Name, h.Name) })
	if i < 0 {
		return append(hs, h)
	}
	hs[i] = h
	tail := slices.DeleteFunc(hs[i+1:], func(x capture.Header) bool { return strings.EqualFold(x.Name, h.Name) })
	return hs[:i+1+len(tail)]
}

// signatureHeaders are the header names each scheme verify knows writes,
// learnt from verify.Sign itself so a new scheme needs no list here. The
// generic hmac scheme's header is whatever its config names, so only the
// configs at hand can say.
var signatureHeaders = func() map[string][]string {
	out := map[string][]string{}
	for _, scheme := range verify.Schemes() {
		cfg := verify.Config{Scheme: scheme, Secret: verify.NewSecret()}
		if scheme == verify.SchemeHMAC {
			continue
		}
		pairs, err := verify.Sign(cfg, "msg_x", timeZero, nil)
		if err != nil {
			continue
		}
		for _, p := range pairs {
			out[scheme] = append(out[scheme], p[0])
		}
	}
	return out
}()

// stripSignatures removes every known scheme's signature headers except
// keep's (so a re-signed request carries one signature, not a stale one
// beside it).
func stripSignatures(h capture.Headers, keep verify.Config) capture.Headers {
	drop := map[string]bool{}
	for scheme, names := range signatureHeaders {
		if scheme == keep.Scheme {
			continue
		}
		for _, n := range names {
			drop[strings.ToLower(n)] = true
		}
	}
	return slices.DeleteFunc(h, func(x capture.Header) bool { return drop[strings.ToLower(x.Name)] })
}

// sign applies the step's signing choice to req, after every other change.
func (r *runner) sign(ctx context.Context, st *Step, req *replay.Request) *Failure {
	bad := func(format string, a ...any) *Failure {
		f := newFailure(FailSign, format, a...)
		return &f
	}
	var cfg verify.Config
	switch st.Sign.Mode {
	case "", SignKeep:
		return nil
	case SignNone:
		req.Headers = stripSignatures(req.Headers, verify.Config{})
		return nil
	case SignSecret:
		spec := st.Sign.Spec
		if st.Template {
			// {{env "WEBHOOK_SECRET"}}: CI keeps the secret out of the file.
			var f *Failure
			if spec, f = r.expand(st.Name, "sign.spec", spec); f != nil {
				return f
			}
		}
		c, err := verify.Parse(spec)
		if err != nil {
			return bad("sign spec: %v (want %s)", err, verify.SpecUsage)
		}
		cfg = c
	case SignSubscription:
		if r.o.Subscriptions == nil {
			return bad("signing with subscription %q needs the data directory holding it: pass --data DIR", st.Sign.Subscription)
		}
		subs, err := r.o.Subscriptions.Subscriptions(ctx)
		if err != nil {
			return bad("read subscriptions: %v", err)
		}
		sub, ok := findSubscription(subs, st.Sign.Subscription)
		if !ok {
			return bad("no subscription named %q: check the name in the Outbound tab (gancho subscriptions list)", st.Sign.Subscription)
		}
		switch sub.Signing {
		case outbound.SignNone:
			req.Headers = stripSignatures(req.Headers, verify.Config{})
			return nil
		case outbound.SignStripe:
			cfg = verify.Config{Scheme: verify.SchemeStripe, Secret: sub.Secret}
		case outbound.SignGitHub:
			cfg = verify.Config{Scheme: verify.SchemeGitHub, Secret: sub.Secret}
		default:
			cfg = verify.Config{Scheme: verify.SchemeStandard, Secret: sub.Secret}
		}
	default:
		return bad("unknown sign mode %q: use keep, none, subscription or secret", st.Sign.Mode)
	}
	req.Headers = stripSignatures(req.Headers, cfg)
	if err := replay.Resign(req, cfg, r.o.Now()); err != nil {
		return bad("re-sign: %v", err)
	}
	return nil
}

// findSubscription finds by exact name, then by id, then by name ignoring
// case.
func findSubscription(subs []outbound.Subscription, key string) (outbound.Subscription, bool) {
	for _, match := range []func(s outbound.Subscription) bool{
		func(s outbound.Subscription) bool { return s.Name == key },
		func(s outbound.Subscription) bool { return s.ID == key },
		func(s outbound.Subscription) bool { return strings.EqualFold(s.Name, key) },
	} {
		if i := slices.IndexFunc(subs, match); i >= 0 {
			return subs[i], true
		}
	}
	return outbound.Subscription{}, false
}
