// Package rules decides how Gancho answers captured requests: status,
// headers, body, delay, hang or close, per method and path, with sequences.
//
// Rules are written one per line, so a user can type them in Settings or
// pass one with --respond:
//
//	# comments and blank lines are ignored
//	POST /stripe/**      -> 503 x3 then 200
//	*    /slow           -> hang 30s
//	PUT,PATCH /orders/*  -> 429 retry-after=5 body='{"error":"slow down"}'
//	*    /flaky          -> 500 then 200 then close loop
//	*    **              -> 202
//
// The grammar, informally:
//
//	rule    = [methods] path "->" step {"then" step} ["loop"] ["# comment"]
//	methods = "*" | METHOD {"," METHOD}        (omitted: any method)
//	path    = "**" | "/" ...                    (* within a segment, ** whole segments)
//	step    = STATUS {attr} | "hang" DURATION [xN] | "close" [xN]
//	attr    = xN | delay=DURATION | header=VALUE | retry-after=SECONDS
//	        | body=VALUE | type=json|xml|text|html|form|MIME
//
// A VALUE is 'single-quoted' (\' and \\ are the only escapes, so JSON with
// \n or \" inside passes through untouched), "double-quoted" (\" \\ \n \r \t)
// or a bare word. Keywords and attribute names are case-insensitive.
//
// The package never imports Fyne: the capture handler, the CLI and the GUI
// all use it the same way.
package rules

import (
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxDuration caps delay= and hang: longer holds only tie up connections
// and look like a bug to whoever is testing.
const MaxDuration = 10 * time.Minute

// MaxTimes caps xN so a typo cannot make a sequence practically endless.
const MaxTimes = 1_000_000

// Kind is what a step does with the request.
type Kind int

const (
	// Respond answers with Status, Headers and Body after Delay.
	Respond Kind = iota
	// Hang holds the request open for Delay, then drops the connection
	// without answering: a receiver that timed out.
	Hang
	// Close drops the connection at once without answering: a receiver
	// that crashed.
	Close
)

// String returns the keyword for k: "respond", "hang" or "close".
func (k Kind) String() string {
	switch k {
	case Respond:
		return "respond"
	case Hang:
		return "hang"
	case Close:
		return "close"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Step is one response in a rule's sequence. Steps from Parse have a
// Content-Type header whenever Body is not empty (the default is appended
// last), so the caller can send Headers as they are.
type Step struct {
	Kind    Kind
	Status  int           // Respond: 200–599
	Headers [][2]string   // Respond: name, value; in the order written
	Body    string        // Respond: raw; may contain {{id}}, see Render
	Delay   time.Duration // Respond: wait before answering; Hang: how long to hold
	Times   int           // ≥1: how many consecutive requests get this step
}

// Rule answers requests whose method and path match with Steps in turn.
type Rule struct {
	Methods []string // upper-cased as typed; nil means any method
	Path    string   // pattern: "**" or starting with "/"
	Steps   []Step
	Loop    bool   // after the last step start again, instead of repeating it
	Line    int    // 1-based line in the text given to Parse; 0 from ParseRule
	Text    string // the source line, trimmed
}

// Action is what Set.Match decided for one request.
type Action struct {
	Rule  int    // index of the rule in the Set
	Step  Step   // what to do; its slices are shared with the Set: read only
	N     int    // 1-based position in the expanded sequence (xN counts N times)
	Of    int    // length of the expanded sequence
	Label string // e.g. "rule 1 (POST /stripe/**): 503, 1 of 4"
}

// Describe returns a short description for the captured record, such as
// "rule 1 → 503 (1 of 4)", "rule 2 → hang 30s" or "rule 3 → closed connection".
func (a Action) Describe() string {
	s := "rule " + strconv.Itoa(a.Rule+1) + " → " + summary(a.Step)
	if a.Of > 1 {
		s += " (" + strconv.Itoa(a.N) + " of " + strconv.Itoa(a.Of) + ")"
	}
	return s
}

// summary names what a step does in a few words, for labels and records.
func summary(st Step) string {
	switch st.Kind {
	case Hang:
		return "hang " + st.Delay.String()
	case Close:
		return "closed connection"
	}
	s := strconv.Itoa(st.Status)
	if st.Delay > 0 {
		s += " after " + st.Delay.String()
	}
	return s
}

// Placeholder is replaced by the capture's id in a rule's body.
const Placeholder = "{{id}}"

// Render returns body with every {{id}} replaced by id, as is: ids are
// plain ASCII, so they need no escaping inside JSON or XML.
func Render(body, id string) []byte {
	n := strings.Count(body, Placeholder)
	if n == 0 {
		return []byte(body)
	}
	out := make([]byte, 0, len(body)+n*(len(id)-len(Placeholder)))
	for {
		i := strings.Index(body, Placeholder)
		if i < 0 {
			return append(out, body...)
		}
		out = append(append(out, body[:i]...), id...)
		body = body[i+len(Placeholder):]
	}
}

// Format returns rules as canonical text, one per line. For rules from
// Parse, Parse(Format(rules)) returns the same rules apart from Line and Text.
func Format(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// String returns the rule as one canonical line, such as
// "POST /stripe/** -> 503 x3 then 200".
func (r Rule) String() string {
	var b strings.Builder
	if len(r.Methods) == 0 {
		b.WriteByte('*')
	} else {
		b.WriteString(strings.Join(r.Methods, ","))
	}
	b.WriteByte(' ')
	b.WriteString(r.Path)
	b.WriteString(" ->")
	for i, st := range r.Steps {
		if i > 0 {
			b.WriteString(" then")
		}
		b.WriteByte(' ')
		writeStep(&b, st)
	}
	if r.Loop {
		b.WriteString(" loop")
	}
	return b.String()
}

func writeStep(b *strings.Builder, st Step) {
	times := func() {
		if st.Times > 1 {
			b.WriteString(" x")
			b.WriteString(strconv.Itoa(st.Times))
		}
	}
	switch st.Kind {
	case Hang:
		b.WriteString("hang ")
		b.WriteString(st.Delay.String())
		times()
		return
	case Close:
		b.WriteString("close")
		times()
		return
	}
	b.WriteString(strconv.Itoa(st.Status))
	times()
	if st.Delay > 0 {
		b.WriteString(" delay=")
		b.WriteString(st.Delay.String())
	}
	hs := st.Headers
	// The default Content-Type that Parse appends is left out, so the
	// canonical text stays as short as what the user typed.
	if n := len(hs); n > 0 && st.Body != "" && hs[n-1][0] == "Content-Type" &&
		hs[n-1][1] == defaultType(st.Body) && contentTypes(hs) == 1 {
		hs = hs[:n-1]
	}
	for _, h := range hs {
		writeHeader(b, h[0], h[1])
	}
	if st.Body != "" {
		b.WriteString(" body=")
		b.WriteString(quote(st.Body))
	}
}

// writeHeader uses the retry-after= and type= shorthands when they parse
// back to exactly the same header.
func writeHeader(b *strings.Builder, name, value string) {
	switch name {
	case "Retry-After":
		if n, err := strconv.Atoi(value); err == nil && n >= 0 && strconv.Itoa(n) == value {
			b.WriteString(" retry-after=")
			b.WriteString(value)
			return
		}
	case "Content-Type":
		for short, full := range shortTypes {
			if value == full {
				b.WriteString(" type=")
				b.WriteString(short)
				return
			}
		}
		if validMediaType(value) {
			b.WriteString(" type=")
			if bare(value) {
				b.WriteString(value)
			} else {
				b.WriteString(quote(value))
			}
			return
		}
	}
	b.WriteString(" header=")
	if value == "" {
		b.WriteString(quote(name + ":"))
	} else {
		b.WriteString(quote(name + ": " + value))
	}
}

// shortTypes are the type= names; anything else must be a MIME type.
var shortTypes = map[string]string{
	"json": "application/json",
	"xml":  "application/xml; charset=utf-8",
	"text": "text/plain; charset=utf-8",
	"html": "text/html; charset=utf-8",
	"form": "application/x-www-form-urlencoded",
}

func validMediaType(v string) bool {
	if !strings.Contains(v, "/") || badHeaderValue(v) != "" {
		return false
	}
	_, _, err := mime.ParseMediaType(v)
	return err == nil
}

func contentTypes(hs [][2]string) int {
	n := 0
	for _, h := range hs {
		if strings.EqualFold(h[0], "Content-Type") {
			n++
		}
	}
	return n
}

// bare reports whether v can be written without quotes and read back the same.
func bare(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if r < 0x21 || r == 0x7f || r == '\'' || r == '"' || r == '\\' || r == utf8.RuneError || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// quote writes s so that the parser reads back exactly s: single quotes
// unless s has a line break or a lone kind of quote that reads better in
// double quotes.
func quote(s string) string {
	if strings.ContainsAny(s, "\n\r\t") || (strings.Contains(s, "'") && !strings.Contains(s, `"`)) {
		return dquote(s)
	}
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			b.WriteString(`\'`)
		case c == '\\' && (i+1 == len(s) || s[i+1] == '\\' || s[i+1] == '\''):
			// Only a backslash the parser would take as an escape needs
			// doubling; JSON's \n and \" stay readable.
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func dquote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
