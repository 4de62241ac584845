package capture

import (
	"fmt"
	"strings"
	"time"
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
	return fmt.Sprintf("%s  %-7s %s  %s  %s  %s",
		r.ReceivedAt.Local().Format(time.TimeOnly+".000"),
		printable(r.Method), printable(r.Target), size, printable(ct), r.ID)
}

func printable(s string) string {
	q := fmt.Sprintf("%q", s)
	q = q[1 : len(q)-1]
	return strings.ReplaceAll(q, `\"`, `"`)
}
