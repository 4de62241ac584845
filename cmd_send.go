package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/verify"
)

// cmdSend plays the CRM: one signed sample of EVENT to --to URL, or to the
// subscriptions saved in the data directory.
func cmdSend(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("send", stderr, &c)
	to := fs.String("to", "", tr.T("send one delivery to this URL (no retries); without it, fire to the saved subscriptions for EVENT"))
	secret := fs.String("secret", "", tr.T("signing secret (standard: whsec_…); generated and printed when empty"))
	signing := fs.String("signing", "standard", tr.T("standard, stripe, github or none"))
	asXML := fs.Bool("xml", false, tr.T("send the XML rendering"))
	asForm := fs.Bool("form", false, tr.T("send the fields as a form (application/x-www-form-urlencoded)"))
	get := fs.Bool("get", false, tr.T("send with GET, the fields as query parameters"))
	signQuery := fs.Bool("sign-query", false, tr.T("with --get: sign the raw query string in the empty body's place (the receiver verifies it as the body)"))
	dataFile := fs.String("payload", "", tr.T("send this JSON file (an envelope) instead of a fresh sample"))
	timeout := fs.Duration("timeout", 30*time.Second, tr.T("per-attempt timeout"))
	wait := fs.Bool("wait", false, tr.T("with saved subscriptions: wait until each delivery succeeded or failed (retries included)"))
	var headers multiFlag
	fs.Var(&headers, "header", tr.T("an extra header \"Name: value\" (repeatable)"))
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{errors.New("send: " + tr.T(`name one event, e.g. "gancho send client.created --to http://localhost:3000/webhooks" ("gancho events" lists them)`))}
	}
	ev, ok := events.Lookup(rest[0])
	if !ok {
		return fmt.Errorf("send: %q: %w", rest[0], events.ErrUnknown)
	}
	payload, err := sendPayload(ev.Name, *dataFile)
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	sender := replay.NewSender()
	defer sender.Close()
	if *to == "" {
		// These shape one delivery to --to; subscriptions carry their own.
		used := []string{}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "secret", "signing", "xml", "form", "get", "sign-query", "header", "timeout":
				used = append(used, "--"+f.Name)
			}
		})
		if len(used) > 0 {
			return errors.New("send: " + tr.T("{{.Flags}} only apply with --to URL; saved subscriptions use their own settings (edit them in the window's Outbound tab)", vars("Flags", strings.Join(used, ", "))))
		}
		return fireSaved(ctx, c, sender, ev.Name, payload, *wait, stdout)
	}
	if *get && (*asXML || *asForm) || *asXML && *asForm {
		return errors.New("send: " + tr.T("pick one of --get, --xml and --form"))
	}

	s := outbound.NewSubscription()
	s.Name, s.URL, s.Events, s.Timeout = "gancho send", *to, []string{ev.Name}, *timeout
	s.Signing = outbound.Signing(*signing)
	s.SignQuery = *signQuery
	if *signQuery && !*get {
		return errors.New("send: " + tr.T("--sign-query applies to --get deliveries only; add --get or drop --sign-query"))
	}
	switch {
	case *get:
		s.Method = "GET"
	case *asXML:
		s.Format = outbound.FormatXML
	case *asForm:
		s.Format = outbound.FormatForm
	}
	if s.Headers, err = parseHeaders(headers); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	generated := false
	switch {
	case *secret != "":
		s.Secret = *secret
	case s.Signing == outbound.SignNone:
		s.Secret = ""
	case s.Signing == outbound.SignStandard:
		s.Secret, generated = verify.NewSecret(), true
	default:
		s.Secret, generated = strings.TrimPrefix(verify.NewSecret(), "whsec_"), true
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	var ids capture.IDGen
	id := "msg_" + ids.New(now())
	a, req, err := outbound.Deliver(ctx, sender, s, id, ev.Name, payload, now())
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if generated {
		fmt.Fprintln(stderr, tr.T("Signed ({{.Scheme}}) with the generated secret {{.Secret}}: give it to the receiver, or pass --secret.", vars("Scheme", s.Signing, "Secret", s.Secret)))
	}
	printDelivery(stdout, ev.Name, req, a)
	if !accepted(replay.Result{Status: a.Status, Class: a.Class}) {
		return errors.New("send: " + tr.T("{{.URL}} was not accepted", vars("URL", req.URL)))
	}
	return nil
}

// sendPayload is a fresh sample of event, or the envelope in file.
func sendPayload(event, file string) (events.Payload, error) {
	if file == "" {
		return events.Sample(event)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return events.Payload{}, fmt.Errorf("send: --payload: %w", err)
	}
	p, err := events.ParseJSON(b)
	if err != nil {
		return events.Payload{}, fmt.Errorf("send: --payload %s: %w", file, err)
	}
	return p, nil
}
