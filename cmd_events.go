package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/i18n"
)

// cmdEvents lists the catalogue, describes one event, or prints a sample.
//
//	gancho events [--json]
//	gancho events show NAME
//	gancho events sample NAME [--xml] [--seed N]
//	gancho events journey [NAME] (cmd_journey.go)
func cmdEvents(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "journey" {
		return cmdJourney(args[1:], stdout, stderr) // cmd_journey.go
	}
	sub := ""
	if len(args) > 0 && (args[0] == "sample" || args[0] == "show") {
		sub, args = args[0], args[1:]
	}
	var c common
	fs := newFlags("events", stderr, &c)
	asJSON := fs.Bool("json", false, tr.T("list the events as JSON (number, name, labels, fields)"))
	asXML := fs.Bool("xml", false, tr.T("sample: print the XML rendering instead of JSON"))
	seed := fs.Uint64("seed", 0, tr.T("sample: a seed for repeatable data (0: random)"))
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch sub {
	case "":
		if len(rest) > 0 {
			return usageError{errors.New("events: " + tr.T(`unexpected "{{.Arg}}"; use "gancho events sample NAME" for a sample`, vars("Arg", rest[0])))}
		}
		return listEvents(stdout, *asJSON)
	case "show", "sample":
		if len(rest) != 1 {
			return usageError{fmt.Errorf("events %s: %s", sub, tr.T(`name one event, e.g. "gancho events {{.Sub}} client.created" ("gancho events" lists them)`, vars("Sub", sub)))}
		}
		ev, ok := events.Lookup(rest[0])
		if !ok {
			return fmt.Errorf("events %s: %q: %w", sub, rest[0], events.ErrUnknown)
		}
		if sub == "show" {
			return showEvent(stdout, ev)
		}
		g := events.NewRandomGenerator()
		if *seed != 0 {
			g = events.NewGenerator(*seed)
		}
		p, err := g.SampleAt(ev.Name, now())
		if err != nil {
			return err
		}
		out, err := p.JSON()
		if *asXML {
			out, err = p.XML()
		}
		if err != nil {
			return fmt.Errorf("events sample %s: %w", ev.Name, err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", out)
		return err
	}
	return nil
}

func listEvents(w io.Writer, asJSON bool) error {
	evs := events.All()
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(evs)
	}
	// A table for people (--json is for scripts): the labels of the
	// chosen language first, the CRM menu's own words.
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	pt := tr.Lang() == i18n.Portuguese
	if pt {
		fmt.Fprintln(tw, "#\tNOME\tEVENTO\tEVENT")
	} else {
		fmt.Fprintln(tw, "#\tNAME\tEVENT\tEVENTO")
	}
	for _, e := range evs {
		first, second := e.Label, e.LabelPT
		if pt {
			first, second = second, first
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", e.Number, e.Name, first, second)
	}
	return tw.Flush()
}

func showEvent(w io.Writer, e events.Event) error {
	first, second := e.Label, e.LabelPT
	if tr.Lang() == i18n.Portuguese {
		first, second = second, first
	}
	fmt.Fprintf(w, "%d. %s — %s / %s\n%s\n\n%s\n", e.Number, e.Name, first, second, e.Description, tr.T("Fields of data:"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range e.Fields {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Name, f.Type, f.Doc)
	}
	return tw.Flush()
}

// explainRelay adds the next step to send (outbound) errors.
func explainRelay(err error) string {
	if errors.Is(err, events.ErrUnknownJourney) {
		return err.Error() + "; " + tr.T(`run "gancho events journey" to see the journeys.`)
	}
	if errors.Is(err, events.ErrUnknown) {
		return err.Error() + "; " + tr.T(`run "gancho events" to see the 30 names.`)
	}
	return ""
}
