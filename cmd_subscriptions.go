package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/outbound"
)

const subscriptionsUsage = `gancho subscriptions: the outbound webhooks "gancho send EVENT" fires to.

  gancho subscriptions list [--json] [--include-secrets]
  gancho subscriptions add --name N --event E [--event E2] --url URL [flags]
  gancho subscriptions edit ID [flags]      only the flags given change
  gancho subscriptions enable|disable|delete ID
  gancho subscriptions history [ID] [--event E] [--outcome O] [--limit N] [--json]

Run "gancho subscriptions add -h" for the flags of add and edit.
`

// cmdSubscriptions manages the outbound subscriptions headless, with the
// window's validation (outbound.Subscription.Validate, through Store.Save).
func cmdSubscriptions(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, subscriptionsUsage)
		return nil
	}
	verb, args := args[0], args[1:]
	var c common
	fs := newFlags("subscriptions "+verb, stderr, &c)
	asJSON := fs.Bool("json", false, "print JSON (snake_case), one object per line")
	var sf subFlags
	var q outbound.DeliveryQuery
	secrets := false
	switch verb {
	case "list":
		fs.BoolVar(&secrets, "include-secrets", false, "show the signing secrets")
	case "add", "edit":
		sf.register(fs)
	case "history":
		fs.StringVar(&q.Event, "event", "", "only deliveries of this event")
		fs.StringVar((*string)(&q.Outcome), "outcome", "", "only pending, retrying, succeeded or failed deliveries")
		fs.IntVar(&q.Limit, "limit", 100, "at most this many deliveries, newest first (at most 1000)")
	case "enable", "disable", "delete":
	default:
		return usageError{fmt.Errorf("subscriptions: unknown %q; use list, add, edit, enable, disable, delete or history", verb)}
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case verb == "list" || verb == "add":
		if err := noArgs("subscriptions "+verb, pos); err != nil {
			return err
		}
	case verb == "history":
		if len(pos) > 1 {
			return usageError{errors.New("subscriptions history: give at most one subscription id")}
		}
	case len(pos) != 1:
		return usageError{fmt.Errorf(`subscriptions %s: give one subscription id ("gancho subscriptions list" shows them)`, verb)}
	}
	if q.Outcome != "" {
		switch q.Outcome {
		case outbound.OutcomePending, outbound.OutcomeRetrying, outbound.OutcomeSucceeded, outbound.OutcomeFailed:
		default:
			return fmt.Errorf("--outcome %q: use pending, retrying, succeeded or failed", q.Outcome)
		}
	}
	e, err := app.OpenData(c.data)
	if err != nil {
		return err
	}
	defer e.Close()
	ctx := context.Background()
	store, err := outbound.NewStore(ctx, e.DB, outbound.StoreConfig{})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	switch verb {
	case "list":
		subs, err := store.Subscriptions(ctx)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if *asJSON {
				if err := enc.Encode(subJSONOf(s, secrets)); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintln(stdout, subLine(s, secrets))
		}
		if len(subs) == 0 && !*asJSON {
			fmt.Fprintln(stderr, `No subscriptions yet: add one with gancho subscriptions add --name N --event E --url URL.`)
		}
		return nil
	case "add", "edit":
		s := outbound.NewSubscription()
		s.Secret = "" // Save generates one for standard signing, none for the others
		if verb == "edit" {
			if s, err = store.Subscription(ctx, pos[0]); err != nil {
				return explainSub(err, pos[0])
			}
		}
		if err := sf.apply(fs, &s); err != nil {
			return err
		}
		generated := s.Secret == "" && (s.Signing == "" || s.Signing == outbound.SignStandard)
		if err := store.Save(ctx, &s); err != nil {
			return err
		}
		if *asJSON {
			return enc.Encode(subJSONOf(s, true))
		}
		verbed := map[string]string{"add": "Added", "edit": "Saved"}[verb]
		fmt.Fprintf(stdout, "%s %s.\n", verbed, subLine(s, false))
		if generated {
			fmt.Fprintf(stdout, "Signing secret (give it to the receiver): %s\n", s.Secret)
		}
		return nil
	case "enable", "disable":
		if err := store.SetEnabled(ctx, pos[0], verb == "enable", ""); err != nil {
			return explainSub(err, pos[0])
		}
		fmt.Fprintf(stdout, "%s %sd.\n", pos[0], verb)
		return nil
	case "delete":
		if err := store.Delete(ctx, pos[0]); err != nil {
			return explainSub(err, pos[0])
		}
		fmt.Fprintf(stdout, "Deleted %s with its deliveries.\n", pos[0])
		return nil
	}
	// history
	if len(pos) == 1 {
		if _, err := store.Subscription(ctx, pos[0]); err != nil {
			return explainSub(err, pos[0])
		}
		q.SubscriptionID = pos[0]
	}
	ds, err := store.Deliveries(ctx, q)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if *asJSON {
			if err := enc.Encode(deliveryJSONOf(d)); err != nil {
				return err
			}
			continue
		}
		line := fmt.Sprintf("%s  %s  %-9s %s → %s, %s", d.ID, d.CreatedAt.Local().Format("2006-01-02 15:04:05"),
			d.Outcome, d.Event, text.Line(d.SubscriptionName), text.N(d.Attempts, "attempt", "attempts"))
		if d.LastStatus != 0 {
			line += fmt.Sprintf(", last %d", d.LastStatus)
		} else if d.LastError != "" {
			line += ", " + text.Line(d.LastError)
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

func explainSub(err error, id string) error {
	if errors.Is(err, outbound.ErrNotFound) {
		return fmt.Errorf(`no subscription %q: run "gancho subscriptions list" to see the ids`, id)
	}
	return err
}

// subLine is a subscription in one line of text.
func subLine(s outbound.Subscription, secret bool) string {
	state := "enabled"
	if !s.Enabled {
		state = "disabled"
		if s.DisabledReason != "" {
			state += " (" + text.Line(s.DisabledReason) + ")"
		}
	}
	line := fmt.Sprintf("%s  %s  %q  %s  %s %s", s.ID, state, text.Line(s.Name), strings.Join(s.Events, ","), s.Method, text.Line(s.URL))
	if secret && s.Secret != "" {
		line += "  secret " + s.Secret
	}
	return line
}

// subFlags are add's and edit's flags: the subscription form's fields.
type subFlags struct {
	name, url, method, format, signing, secret, retry string
	timeout                                           time.Duration
	disabled, signQuery                               bool
	events, headers, rename, exclude, add             multiFlag
}

func (f *subFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "the subscription's name")
	fs.Var(&f.events, "event", "an event it receives, e.g. sale.created (repeatable; gancho events lists them)")
	fs.StringVar(&f.url, "url", "", "the receiver's URL, http:// or https://")
	fs.StringVar(&f.method, "method", "POST", "POST (payload in the body) or GET (fields as query parameters)")
	fs.StringVar(&f.format, "format", "json", "body format of a POST: json, xml or form")
	fs.Var(&f.headers, "header", `a header sent with every delivery, "Name: value" (repeatable)`)
	fs.StringVar(&f.signing, "signing", "standard", "standard, stripe, github or none")
	fs.StringVar(&f.secret, "secret", "", "signing secret (standard: whsec_…, generated and printed when empty)")
	fs.BoolVar(&f.signQuery, "sign-query", false, "GET only: sign the raw query string in place of the empty body; edit --sign-query=false stops it")
	fs.DurationVar(&f.timeout, "timeout", outbound.DefaultTimeout, "per-attempt timeout, 1s to 5m")
	fs.StringVar(&f.retry, "retry", "standard", "retry policy: "+outbound.RetryUsage)
	fs.BoolVar(&f.disabled, "disabled", false, "save it disabled (receives nothing); edit --disabled=false enables it")
	fs.Var(&f.rename, "rename", `mapping: rename a field, "client.name -> nome_cliente" (repeatable)`)
	fs.Var(&f.exclude, "exclude", "mapping: drop a field, e.g. client.cnpj (repeatable)")
	fs.Var(&f.add, "add", `mapping: add a constant field, "origem=crm" (repeatable)`)
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
					err = fmt.Errorf("--rename %q: write it as \"from.field -> new_name\"", r)
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
					err = fmt.Errorf("--add %q: write it as \"name=value\"", a)
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
			return errors.New("--sign-query signs a GET's query string: add --method GET, or leave --sign-query out")
		}
		if m == "" {
			m = "POST"
		}
		return fmt.Errorf("--method %s: this subscription signs its query string, which only a GET has; add --sign-query=false to stop that", m)
	}
	if s.Signing == outbound.SignNone {
		if given["sign-query"] {
			return errors.New("--sign-query needs a signature: add --signing standard, stripe or github")
		}
		return errors.New("--signing none: this subscription signs its query string; add --sign-query=false to stop that")
	}
	return nil
}

// parseHeaders reads --header "Name: value" flags.
func parseHeaders(hs []string) (capture.Headers, error) {
	var out capture.Headers
	for _, h := range hs {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("--header %q: write it as \"Name: value\"", h)
		}
		out = append(out, capture.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	return out, nil
}

// headerJSON is a header as the CLI prints it.
type headerJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// subJSON is a subscription as the CLI prints it.
type subJSON struct {
	ID             string       `json:"id"`
	Name           string       `json:"name"`
	Events         []string     `json:"events"`
	URL            string       `json:"url"`
	Method         string       `json:"method"`
	Format         string       `json:"format"`
	Headers        []headerJSON `json:"headers"`
	Signing        string       `json:"signing"`
	Secret         string       `json:"secret,omitempty"`
	SignQuery      bool         `json:"sign_query"`
	TimeoutSeconds float64      `json:"timeout_seconds"`
	Retry          string       `json:"retry"`
	Rename         []string     `json:"rename,omitempty"`
	Exclude        []string     `json:"exclude,omitempty"`
	Add            []string     `json:"add,omitempty"`
	Enabled        bool         `json:"enabled"`
	DisabledReason string       `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
	LastAt         *time.Time   `json:"last_at,omitempty"`
	LastStatus     int          `json:"last_status,omitempty"`
	LastError      string       `json:"last_error,omitempty"`
}

func subJSONOf(s outbound.Subscription, secret bool) subJSON {
	j := subJSON{ID: s.ID, Name: s.Name, Events: s.Events, URL: s.URL, Method: s.Method, Format: string(s.Format),
		Headers: []headerJSON{}, Signing: string(s.Signing), SignQuery: s.SignQuery, TimeoutSeconds: s.Timeout.Seconds(), Retry: s.Retry.String(),
		Exclude: s.Mapping.Exclude, Enabled: s.Enabled, DisabledReason: s.DisabledReason, CreatedAt: s.CreatedAt,
		LastStatus: s.LastStatus, LastError: s.LastError}
	if secret {
		j.Secret = s.Secret
	}
	for _, h := range s.Headers {
		j.Headers = append(j.Headers, headerJSON{h.Name, h.Value})
	}
	for _, r := range s.Mapping.Rename {
		j.Rename = append(j.Rename, r.From+" -> "+r.To)
	}
	for _, a := range s.Mapping.Add {
		j.Add = append(j.Add, a.Name+"="+a.Value)
	}
	if !s.LastAt.IsZero() {
		j.LastAt = &s.LastAt
	}
	return j
}

// deliveryJSON is a delivery as the CLI prints it.
type deliveryJSON struct {
	ID               string          `json:"id"`
	SubscriptionID   string          `json:"subscription_id"`
	SubscriptionName string          `json:"subscription_name"`
	Event            string          `json:"event"`
	CreatedAt        time.Time       `json:"created_at"`
	Outcome          string          `json:"outcome"`
	Attempts         int             `json:"attempts"`
	NextAt           *time.Time      `json:"next_at,omitempty"`
	LastStatus       int             `json:"last_status,omitempty"`
	LastError        string          `json:"last_error,omitempty"`
	Payload          json.RawMessage `json:"payload,omitempty"`
}

func deliveryJSONOf(d outbound.Delivery) deliveryJSON {
	j := deliveryJSON{ID: d.ID, SubscriptionID: d.SubscriptionID, SubscriptionName: d.SubscriptionName, Event: d.Event,
		CreatedAt: d.CreatedAt, Outcome: string(d.Outcome), Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError}
	if json.Valid(d.Payload) {
		j.Payload = d.Payload
	}
	if !d.NextAt.IsZero() {
		j.NextAt = &d.NextAt
	}
	return j
}
