package ui

import (
	"fyne.io/fyne/v2/lang"
	"strings"

	"github.com/gancho-app/gancho/capture"
)

// check is one line of what Gancho concluded about a capture: signature,
// duplicate, refusal, response rule.
type check struct {
	short string // list row flag
	long  string // detail line
	sev   severity
}

// checksOf lists r's conclusions, most important first.
func checksOf(r *capture.Request) []check {
	var out []check
	if r.Refused != "" {
		out = append(out, check{
			short: lang.L("refused"),
			long:  lang.L("Refused (answered {{.Status}}): {{.Reason}}", map[string]any{"Status": r.Response.Status, "Reason": r.Refused}),
			sev:   sevError,
		})
	}
	if v := r.Verification; v != nil {
		if v.OK {
			out = append(out, check{short: v.Scheme + " ✓", long: lang.L("Signature verified ({{.Scheme}}): {{.Reason}}", map[string]any{"Scheme": v.Scheme, "Reason": v.Reason}), sev: sevSuccess})
		} else {
			out = append(out, check{short: v.Scheme + " ✗", long: lang.L("Signature failed ({{.Scheme}}): {{.Reason}}", map[string]any{"Scheme": v.Scheme, "Reason": v.Reason}), sev: sevError})
		}
	}
	if r.DuplicateOf != "" {
		// A sender retrying is how at-least-once delivery works, not a
		// fault: information, in the neutral colour.
		out = append(out, check{short: lang.L("duplicate"), long: lang.L("Duplicate delivery: repeats capture {{.ID}}", map[string]any{"ID": r.DuplicateOf}), sev: sevNeutral})
	}
	if r.Rule != "" {
		// What the sender got is the row's status column; the flag says a
		// rule, not the default response, gave it.
		out = append(out, check{short: lang.L("rule"), long: lang.L("Answered by {{.Rule}}", map[string]any{"Rule": r.Rule}), sev: sevNeutral})
	}
	if ch, seq, ok := strings.Cut(strings.TrimPrefix(r.Origin, "relay:"), "#"); ok && strings.HasPrefix(r.Origin, "relay:") {
		out = append(out, check{short: lang.L("relay"), long: lang.L("Received by the team relay, channel {{.Channel}}, hook #{{.Seq}}", map[string]any{"Channel": ch, "Seq": seq}), sev: sevNeutral})
	} else if r.Origin != "" {
		out = append(out, check{short: lang.L("imported"), long: lang.L("Not received live: {{.Origin}}", map[string]any{"Origin": r.Origin}), sev: sevNeutral})
	}
	return out
}
