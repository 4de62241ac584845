package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/outbound"
)

// subFlags are add's and edit's flags: the subscription form's fields.
type subFlags struct {
	name, url, method, format, signing, secret, retry string
	timeout                                           time.Duration
	disabled, signQuery                               bool
	events, headers, rename, exclude, add             multiFlag
}

func (f *subFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", tr.T("the subscription's name"))
	fs.Var(&f.events, "event", tr.T("an event it receives, e.g. sale.created (repeatable; gancho events lists them)"))
	fs.StringVar(&f.url, "url", "", tr.T("the receiver's URL, http:// or https://"))
	fs.StringVar(&f.method, "method", "POST", tr.T("POST (payload in the body) or GET (fields as query parameters)"))
	fs.StringVar(&f.format, "format", "json", tr.T("body format of a POST: json, xml or form"))
	fs.Var(&f.headers, "header", tr.T(`a header sent with every delivery, "Name: value" (repeatable)`))
	fs.StringVar(&f.signing, "signing", "standard", tr.T("standard, stripe, github or none"))
	fs.StringVar(&f.secret, "secret", "", tr.T("signing secret (standard: whsec_…, generated and printed when empty)"))
	fs.BoolVar(&f.signQuery, "sign-query", false, tr.T("GET only: sign the raw query string in place of the empty body; edit --sign-query=false stops it"))
	fs.DurationVar(&f.timeout, "timeout", outbound.DefaultTimeout, tr.T("per-attempt timeout, 1s to 5m"))
	fs.StringVar(&f.retry, "retry", "standard", tr.T("retry policy: {{.Policies}}", vars("Policies", tr.T(outbound.RetryUsage))))
	fs.BoolVar(&f.disabled, "disabled", false, tr.T("save it disabled (receives nothing); edit --disabled=false enables it"))
	fs.Var(&f.rename, "rename", tr.T(`mapping: rename a field, "client.name -> nome_cliente" (repeatable)`))
	fs.Var(&f.exclude, "exclude", tr.T("mapping: drop a field, e.g. client.cnpj (repeatable)"))
	fs.Var(&f.add, "add", tr.T(`mapping: add a constant field, "origem=crm" (repeatable)`))
}

// apply sets the fields whose flags were given (all of them for add, whose
// s holds the defaults).
func (f *subFlags) apply(fs *flag.FlagSet, s *outbound.Subscription) (err error) {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	fs.Visit(func(fl *flag.Flag) {
		if err != nil {
			return
		}
		switch fl.Name {
		case "name":
			s.Name = f.name
		case "event":
			s.Events = []string(f.events)
		case "url":
			s.URL = f.url
		case "method":
			s.Method = strings.ToUpper(f.method)
		case "format":
			s.Format = outbound.Format(strings.ToLower(f.format))
		case "header":
			s.Headers, err = parseHeaders(f.headers)
		case "signing":
			sg := outbound.Signing(strings.ToLower(f.signing))
			if sg != s.Signing && !given["secret"] {
				s.Secret = "" // another scheme's key: standard makes a new one, the others ask for one
			}
			s.Signing = sg
		case "secret":
			s.Secret = f.secret
		case "sign-query":
			s.SignQuery = f.signQuery
		case "timeout":
			s.Timeout = f.timeout
		case "retry":
			s.Retry, err = outbound.ParseRetry(f.retry)
			if err != nil {
				err = fmt.Errorf("--retry: %w", err)
			}
		case "disabled":
			s.Enabled = !f.disabled
		case "rename":
			s.Mapping.Rename = nil
			for _, r := range f.rename {
				from, to, ok := strings.Cut(r, "->")
				if !ok {
					err = fmt.Errorf("--rename %q: %s", r, tr.T(`write it as "from.field -> new_name"`))
					return
				}
				s.Mapping.Rename = append(s.Mapping.Rename, outbound.Rename{From: strings.TrimSpace(from), To: strings.TrimSpace(to)})
			}
		case "exclude":
			s.Mapping.Exclude = []string(f.exclude)
		case "add":
			s.Mapping.Add = nil
			for _, a := range f.add {
				name, value, ok := strings.Cut(a, "=")
				if !ok {
					err = fmt.Errorf("--add %q: %s", a, tr.T(`write it as "name=value"`))
					return
				}
				s.Mapping.Add = append(s.Mapping.Add, outbound.Constant{Name: strings.TrimSpace(name), Value: value})
			}
		}
	})
	if err != nil || !s.SignQuery {
		return err
	}
	// Name the flag that settles it: Validate's words are the window's.
	if m := strings.ToUpper(s.Method); m != "GET" {
		if given["sign-query"] {
			return errors.New(tr.T("--sign-query signs a GET's query string: add --method GET, or leave --sign-query out"))
		}
		if m == "" {
			m = "POST"
		}
		return fmt.Errorf("--method %s: %s", m, tr.T("this subscription signs its query string, which only a GET has; add --sign-query=false to stop that"))
	}
	if s.Signing == outbound.SignNone {
		if given["sign-query"] {
			return errors.New(tr.T("--sign-query needs a signature: add --signing standard, stripe or github"))
		}
		return errors.New("--signing none: " + tr.T("this subscription signs its query string; add --sign-query=false to stop that"))
	}
	return nil
}

// parseHeaders reads --header "Name: value" flags.
func parseHeaders(hs []string) (capture.Headers, error) {
	var out capture.Headers
	for _, h := range hs {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("--header %q: %s", h, tr.T(`write it as "Name: value"`))
		}
		out = append(out, capture.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	return out, nil
}
