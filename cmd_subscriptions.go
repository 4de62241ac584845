package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/outbound"
)

// subscriptionsUsage is "gancho subscriptions -h": the syntax lines stay
// as typed, the sentences are translated.
func subscriptionsUsage() string {
	return "gancho subscriptions: " + tr.T(`the outbound webhooks "gancho send EVENT" fires to.`) + `

  gancho subscriptions list [--json] [--include-secrets]
  gancho subscriptions add --name N --event E [--event E2] --url URL [flags]
  gancho subscriptions edit ID [flags]      ` + tr.T("only the flags given change") + `
  gancho subscriptions enable|disable|delete ID
  gancho subscriptions history [ID] [--event E] [--outcome O] [--limit N] [--json]

` + tr.T(`Run "gancho subscriptions add -h" for the flags of add and edit.`) + "\n"
}

// cmdSubscriptions manages the outbound subscriptions headless, with the
// window's validation (outbound.Subscription.Validate, through Store.Save).
func cmdSubscriptions(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, subscriptionsUsage())
		return nil
	}
	verb, args := args[0], args[1:]
	var c common
	fs := newFlags("subscriptions "+verb, stderr, &c)
	asJSON := fs.Bool("json", false, tr.T("print JSON (snake_case), one object per line"))
	var sf subFlags
	var q outbound.DeliveryQuery
	secrets := false
	switch verb {
	case "list":
		fs.BoolVar(&secrets, "include-secrets", false, tr.T("show the signing secrets"))
	case "add", "edit":
		sf.register(fs)
	case "history":
		fs.StringVar(&q.Event, "event", "", tr.T("only deliveries of this event"))
		fs.StringVar((*string)(&q.Outcome), "outcome", "", tr.T("only pending, retrying, succeeded or failed deliveries"))
		fs.IntVar(&q.Limit, "limit", 100, tr.T("at most this many deliveries, newest first (at most 1000)"))
	case "enable", "disable", "delete":
	default:
		return usageError{errors.New("subscriptions: " + tr.T(`unknown "{{.Verb}}"; use list, add, edit, enable, disable, delete or history`, vars("Verb", verb)))}
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
			return usageError{errors.New("subscriptions history: " + tr.T("give at most one subscription id"))}
		}
	case len(pos) != 1:
		return usageError{fmt.Errorf("subscriptions %s: %s", verb, tr.T(`give one subscription id ("gancho subscriptions list" shows them)`))}
	}
	if q.Outcome != "" {
		switch q.Outcome {
		case outbound.OutcomePending, outbound.OutcomeRetrying, outbound.OutcomeSucceeded, outbound.OutcomeFailed:
		default:
			return fmt.Errorf("--outcome %q: %s", q.Outcome, tr.T("use pending, retrying, succeeded or failed"))
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
			fmt.Fprintln(stderr, tr.T(`No subscriptions yet: add one with gancho subscriptions add --name N --event E --url URL.`))
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
		if verb == "add" {
			fmt.Fprintln(stdout, tr.T("Added {{.Subscription}}.", vars("Subscription", subLine(s, false))))
		} else {
			fmt.Fprintln(stdout, tr.T("Saved {{.Subscription}}.", vars("Subscription", subLine(s, false))))
		}
		if generated {
			fmt.Fprintln(stdout, tr.T("Signing secret (give it to the receiver): {{.Secret}}", vars("Secret", s.Secret)))
		}
		return nil
	case "enable", "disable":
		if err := store.SetEnabled(ctx, pos[0], verb == "enable", ""); err != nil {
			return explainSub(err, pos[0])
		}
		if verb == "enable" {
			fmt.Fprintln(stdout, tr.T("{{.ID}} enabled.", vars("ID", pos[0])))
		} else {
			fmt.Fprintln(stdout, tr.T("{{.ID}} disabled.", vars("ID", pos[0])))
		}
		return nil
	case "delete":
		if err := store.Delete(ctx, pos[0]); err != nil {
			return explainSub(err, pos[0])
		}
		fmt.Fprintln(stdout, tr.T("Deleted {{.ID}} with its deliveries.", vars("ID", pos[0])))
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
		return errors.New(tr.T(`no subscription "{{.ID}}": run "gancho subscriptions list" to see the ids`, vars("ID", id)))
	}
	return err
}
