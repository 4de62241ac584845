package capture

import (
	"fmt"
	"strings"
	"time"

	"github.com/gancho-app/gancho/internal/text"
)

// Line formats r as the one-line summary `gancho listen` prints: time,
// method, target, size, content type, id. Control characters in the target
// are escaped so a hostile request cannot rewrite the terminal.
func Line(r *Request) string {
	ct := r.ContentType()
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if ct == "" {
		ct = "-"
	}
	size := FormatSize(r.BodySize)
	if r.Truncated {
		size += " (truncated)"
	}
	line := fmt.Sprintf("%s  %-7s %s  %s  %s  %s",
		r.ReceivedAt.Local().Format(time.TimeOnly+".000"),
		text.Line(r.Method), text.Line(r.Target), size, text.Line(ct), r.ID)
	for _, f := range Flags(r) {
		line += "  [" + text.Line(f) + "]"
	}
	return line
}

// Flags are short notes on what Gancho concluded about r, for one-line
// views: refusal, signature, duplicate, response rule.
func Flags(r *Request) []string {
	var out []string
	if r.Refused != "" {
		out = append(out, fmt.Sprintf("refused %d: %s", r.Response.Status, r.Refused))
	}
	if v := r.Verification; v != nil {
		if v.OK {
			out = append(out, v.Scheme+" signature ok")
		} else {
			out = append(out, v.Scheme+" signature FAILED: "+v.Reason)
		}
	}
	if r.DuplicateOf != "" {
		out = append(out, "duplicate of "+r.DuplicateOf)
	}
	if r.Rule != "" {
		out = append(out, r.Rule)
	}
	if r.Origin != "" {
		out = append(out, r.Origin)
	}
	return out
}
