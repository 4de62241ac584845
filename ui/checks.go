package ui

import (
	"fmt"
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
			short: "refused",
			long:  fmt.Sprintf("Refused (answered %d): %s", r.Response.Status, r.Refused),
			sev:   sevError,
		})
	}
	if v := r.Verification; v != nil {
		if v.OK {
			out = append(out, check{short: v.Scheme + " ✓", long: fmt.Sprintf("Signature verified (%s): %s", v.Scheme, v.Reason), sev: sevSuccess})
		} else {
			out = append(out, check{short: v.Scheme + " ✗", long: fmt.Sprintf("Signature failed (%s): %s", v.Scheme, v.Reason), sev: sevError})
		}
	}
	if r.DuplicateOf != "" {
		// A sender retrying is how at-least-once delivery works, not a
		// fault: information, in the neutral colour.
		out = append(out, check{short: "duplicate", long: "Duplicate delivery: repeats capture " + r.DuplicateOf, sev: sevNeutral})
	}
	if r.Rule != "" {
		// What the sender got is the row's status column; the flag says a
		// rule, not the default response, gave it.
		out = append(out, check{short: "rule", long: "Answered by " + r.Rule, sev: sevNeutral})
	}
	if ch, seq, ok := strings.Cut(strings.TrimPrefix(r.Origin, "relay:"), "#"); ok && strings.HasPrefix(r.Origin, "relay:") {
		out = append(out, check{short: "relay", long: "Received by the team relay, channel " + ch + ", hook #" + seq, sev: sevNeutral})
	} else if r.Origin != "" {
		out = append(out, check{short: "imported", long: "Not received live: " + r.Origin, sev: sevNeutral})
	}
	return out
}
