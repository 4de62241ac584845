package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
)

// check is one line of what Gancho concluded about a capture: signature,
// duplicate, refusal, response rule.
type check struct {
	short string // list row flag
	long  string // detail line
	imp   widget.Importance
}

// checksOf lists r's conclusions, most important first.
func checksOf(r *capture.Request) []check {
	var out []check
	if r.Refused != "" {
		out = append(out, check{
			short: "refused",
			long:  fmt.Sprintf("Refused (answered %d): %s", r.Response.Status, r.Refused),
			imp:   widget.DangerImportance,
		})
	}
	if v := r.Verification; v != nil {
		if v.OK {
			out = append(out, check{short: v.Scheme + " ✓", long: fmt.Sprintf("Signature verified (%s): %s", v.Scheme, v.Reason), imp: widget.SuccessImportance})
		} else {
			out = append(out, check{short: v.Scheme + " ✗", long: fmt.Sprintf("Signature failed (%s): %s", v.Scheme, v.Reason), imp: widget.DangerImportance})
		}
	}
	if r.DuplicateOf != "" {
		out = append(out, check{short: "duplicate", long: "Duplicate delivery: repeats capture " + r.DuplicateOf, imp: widget.WarningImportance})
	}
	if r.Rule != "" {
		// What the sender got is the row's status column; the flag says a
		// rule, not the default response, gave it.
		out = append(out, check{short: "rule", long: "Answered by " + r.Rule, imp: widget.MediumImportance})
	}
	if ch, seq, ok := strings.Cut(strings.TrimPrefix(r.Origin, "relay:"), "#"); ok && strings.HasPrefix(r.Origin, "relay:") {
		out = append(out, check{short: "relay", long: "Received by the team relay, channel " + ch + ", hook #" + seq, imp: widget.MediumImportance})
	} else if r.Origin != "" {
		out = append(out, check{short: "imported", long: "Not received live: " + r.Origin, imp: widget.MediumImportance})
	}
	return out
}

// flagColor is the list-row colour of a check.
func flagColor(imp widget.Importance) color.Color {
	switch imp {
	case widget.DangerImportance:
		return color.NRGBA{0xe5, 0x39, 0x35, 0xff}
	case widget.SuccessImportance:
		return color.NRGBA{0x43, 0xa0, 0x47, 0xff}
	case widget.WarningImportance:
		return color.NRGBA{0xf5, 0x9e, 0x0b, 0xff}
	}
	return color.NRGBA{0x90, 0x90, 0x90, 0xff}
}
