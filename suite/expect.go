package suite

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/diff"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/replay"
)

// MaxMatchInput bounds the text a "matches" regexp runs over (Go's regexp
// is linear, so this bounds its time too).
const MaxMatchInput = 1 << 20

// maxShown bounds a value quoted in a failure message.
const maxShown = 120

// newFailure is the failure format and a describe, with its translation
// key and data (text.Keyed), so a window or the CLI can translate it.
func newFailure(kind FailureKind, format string, a ...any) Failure {
	key, data := text.Keyed(format, a...)
	return Failure{Kind: kind, Message: fmt.Sprintf(format, a...), Key: key, Data: data}
}

// clip cuts s to maxShown bytes at a rune boundary, marking the cut, and
// makes it safe for one line.
func clip(s string) string {
	if len(s) > maxShown {
		s = s[:text.RuneCut(s, maxShown)] + "…"
	}
	return text.Line(s)
}

// checkStatus reads "200" or "2xx" (any case).
func parseStatus(s string) (code, class int, err error) {
	s = strings.TrimSpace(s)
	if len(s) == 3 && (s[1] == 'x' || s[1] == 'X') && (s[2] == 'x' || s[2] == 'X') && s[0] >= '1' && s[0] <= '5' {
		return 0, int(s[0] - '0'), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, 0, fmt.Errorf("status %q: want a code such as 200 or a class such as 2xx", s)
	}
	return n, 0, nil
}

// check runs every expectation of st on the answer res, in the file's
// order: status, headers, JSON, latency, then same-as-recorded. rx are the
// step's compiled "matches" regexps, by JSON expectation index.
func check(st *Step, res replay.Result, rx map[int]*regexp.Regexp) []Failure {
	e := st.Expect
	if e == nil {
		return nil
	}
	var out []Failure
	if e.Status != "" {
		code, class, _ := parseStatus(e.Status) // Validate checked it
		if code != 0 && res.Status != code || class != 0 && res.Status/100 != class {
			f := newFailure(FailStatus, "expected status %s, got %d", strings.ToLower(e.Status), res.Status)
			f.Expected, f.Got = strings.ToLower(e.Status), strconv.Itoa(res.Status)
			out = append(out, f)
		}
	}
	for _, h := range e.Headers {
		out = append(out, checkHeader(h, res.Headers)...)
	}
	if len(e.JSON) > 0 {
		out = append(out, checkJSON(e.JSON, res, rx)...)
	}
	if e.LatencyUnder != "" {
		bound, _ := time.ParseDuration(e.LatencyUnder) // Validate checked it
		if took := res.Timings.Total; took >= bound {
			f := newFailure(FailLatency, "expected an answer in under %s, took %s", bound, roundLatency(took))
			f.Expected, f.Got = bound.String(), roundLatency(took).String()
			out = append(out, f)
		}
	}
	if e.SameAsRecorded {
		out = append(out, checkSame(st, res)...)
	}
	return out
}

// roundLatency keeps messages readable: 12.345678ms → 12.3ms.
func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func checkHeader(h HeaderExpect, got capture.Headers) []Failure {
	vals := got.Values(h.Name)
	switch {
	case h.Absent:
		if len(vals) > 0 {
			f := newFailure(FailHeader, "expected no header %s, got %q", h.Name, clip(vals[0]))
			f.Expected, f.Got = "(absent)", vals[0]
			return []Failure{f}
		}
	case len(vals) == 0:
		f := newFailure(FailHeader, "expected header %s, but the answer has none", h.Name)
		f.Expected, f.Got = "(present)", "(absent)"
		if h.Equals != nil {
			f.Expected = *h.Equals
		}
		return []Failure{f}
	case h.Equals != nil:
		for _, v := range vals {
			if v == *h.Equals {
				return nil
			}
		}
		f := newFailure(FailHeader, "expected header %s to be %q, got %q", h.Name, clip(*h.Equals), clip(strings.Join(vals, ", ")))
		f.Expected, f.Got = *h.Equals, strings.Join(vals, ", ")
		return []Failure{f}
	}
	return nil
}

func checkJSON(exps []JSONExpect, res replay.Result, rx map[int]*regexp.Regexp) []Failure {
	doc, ok := parseJSON(res.Body)
	if !ok {
		why := "the answer's body is not JSON"
		switch {
		case len(res.Body) == 0:
			why = "the answer has no body"
		case res.Truncated:
			why = "the answer's body was cut at the size kept, so it is not whole JSON"
		}
		f := newFailure(FailJSON, "expected a JSON body to check %s, but %s", exps[0].Path, why)
		f.Got = clip(string(res.Body))
		return []Failure{f}
	}
	var out []Failure
	for i, x := range exps {
		segs, _ := parsePath(x.Path) // Validate checked it
		name := x.Path
		if name == "" || name == "$" {
			name = "the body"
		}
		v, missing, found := lookup(doc, segs)
		if !found {
			f := newFailure(FailJSON, "expected field %s, but the answer has no %s", name, missing)
			f.Got = "(absent)"
			out = append(out, f)
			continue
		}
		got := compactJSON(v)
		switch {
		case x.Equals != nil:
			want, err := normalize(x.Equals)
			if err != nil {
				out = append(out, newFailure(FailJSON, "the expected value of %s is not JSON: %v", name, err))
				continue
			}
			if jsonEqual(want, v) {
				continue
			}
			exp := compactJSON(want)
			f := newFailure(FailJSON, "expected %s to equal %s, got %s", name, clip(exp), clip(got))
			f.Expected, f.Got = exp, got
			if isContainer(want) || isContainer(v) {
				_, f.Changes, _ = diff.Bodies("application/json", []byte(exp), "application/json", []byte(got), nil)
			}
			out = append(out, f)
		case x.Contains != nil:
			if strings.Contains(fieldText(v), *x.Contains) {
				continue
			}
			f := newFailure(FailJSON, "expected %s to contain %q, got %s", name, clip(*x.Contains), clip(got))
			f.Expected, f.Got = *x.Contains, got
			out = append(out, f)
		case x.Matches != nil:
			t := fieldText(v)
			if len(t) > MaxMatchInput {
				t = t[:text.RuneCut(t, MaxMatchInput)]
			}
			if re := rx[i]; re != nil && re.MatchString(t) {
				continue
			}
			f := newFailure(FailJSON, "expected %s to match /%s/, got %s", name, clip(*x.Matches), clip(got))
			f.Expected, f.Got = *x.Matches, got
			out = append(out, f)
		}
	}
	return out
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// sameIgnoredHeaders change on every answer, so same-as-recorded never
// compares them (diff already leaves out Content-Length and the
// connection headers).
var sameIgnoredHeaders = []string{"date"}

// checkSame compares the answer with Step.Recorded: status, the recorded
// headers (only those: a receiver adding a header is no regression) and
// the body, leaving out Expect.Ignore.
func checkSame(st *Step, res replay.Result) []Failure {
	rec := st.Recorded
	if rec == nil {
		return []Failure{newFailure(FailSame, "this step has no recorded answer to compare with: record one (run it once and save) or untick same as recorded")}
	}
	ign := map[string]bool{}
	for _, k := range append(sameIgnoredHeaders, st.Expect.Ignore...) {
		if k = strings.TrimSpace(k); k != "" {
			ign[strings.ToLower(k)] = true
		}
	}
	recH, _ := rec.Headers.Capture() // Validate checked it
	recBody, _ := rec.Bytes()
	names := map[string]bool{}
	for _, h := range recH {
		names[strings.ToLower(h.Name)] = true
	}
	var gotH capture.Headers
	for _, h := range res.Headers {
		if names[strings.ToLower(h.Name)] {
			gotH = append(gotH, h)
		}
	}
	var changes []diff.Change
	if rec.Status != res.Status {
		changes = append(changes, diff.Change{Kind: diff.Changed, Path: "status", Old: strconv.Itoa(rec.Status), New: strconv.Itoa(res.Status)})
	}
	changes = append(changes, diff.Headers(recH, gotH, ign)...)
	_, body, _ := diff.Bodies(recH.Get("Content-Type"), recBody, res.Headers.Get("Content-Type"), res.Body, ign)
	for i := range body {
		body[i].Path = "body " + body[i].Path
	}
	changes = append(changes, body...)
	if len(changes) == 0 {
		return nil
	}
	parts := make([]string, 0, min(3, len(changes)))
	for _, c := range changes[:min(3, len(changes))] {
		parts = append(parts, clip(c.String()))
	}
	if len(changes) > 3 {
		parts = append(parts, "…")
	}
	f := newFailure(FailSame, "the answer differs from the recorded one: %s", strings.Join(parts, "; "))
	f.Expected, f.Got = strconv.Itoa(rec.Status), strconv.Itoa(res.Status)
	f.Changes = changes
	return []Failure{f}
}
