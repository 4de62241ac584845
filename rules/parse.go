package rules

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gancho-app/gancho/internal/text"
)

// SyntaxError is a rule the parser could not read: where, and what it
// expected there.
type SyntaxError struct {
	Line int // 1-based line in the text; 0 when ParseRule read a single rule
	Col  int // 1-based column, counted in characters
	Msg  string
	// Key is Msg's source text with {{.A1}}, {{.A2}}… where the values go,
	// and Data those values, formatted (text.Keyed): a window translates
	// Key and fills it with Data, so this package needs no translation
	// layer.
	Key  string
	Data map[string]any
}

// Error returns, for example, "line 3, column 18: expected a status
// (200–599), hang or close after '->'". Without a line (ParseRule) it starts
// at "column".
func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("column %d: %s", e.Col, e.Msg)
}

// Parse reads rules, one per line, skipping blank lines and lines starting
// with #. It stops at the first mistake and returns it as a *SyntaxError.
// Safe for concurrent use.
func Parse(text string) ([]Rule, error) {
	var out []Rule
	n := 0
	for line := range strings.Lines(text) {
		n++
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		r, ok, err := parseLine(line)
		if err != nil {
			err.Line = n
			return nil, err
		}
		if ok {
			r.Line = n
			out = append(out, r)
		}
	}
	return out, nil
}

// ParseRule reads exactly one rule, as given to --respond. Errors are
// *SyntaxError with Line 0. Safe for concurrent use.
func ParseRule(line string) (Rule, error) {
	line = strings.TrimRight(line, "\r\n")
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		p := parser{s: line}
		return Rule{}, p.errAt(i, "expected one rule on one line: give each rule its own --respond")
	}
	r, ok, err := parseLine(line)
	if err != nil {
		return Rule{}, err
	}
	if !ok {
		p := parser{s: line}
		return Rule{}, p.errAt(len(line), "empty rule: expected METHOD PATH -> RESPONSE, like 'POST /hooks/** -> 503 x3 then 200'")
	}
	return r, nil
}

// parser reads one line; i is the byte offset of the next character.
type parser struct {
	s string
	i int
}

func (p *parser) errAt(off int, format string, a ...any) *SyntaxError {
	key, data := text.Keyed(format, a...)
	return &SyntaxError{Col: utf8.RuneCountInString(p.s[:off]) + 1, Msg: fmt.Sprintf(format, a...), Key: key, Data: data}
}

// space returns the width of the whitespace character at off, or 0. Any
// Unicode space counts, because text pasted from documents brings them.
func (p *parser) space(off int) int {
	if off >= len(p.s) {
		return 0
	}
	if c := p.s[off]; c < utf8.RuneSelf {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' {
			return 1
		}
		return 0
	}
	r, w := utf8.DecodeRuneInString(p.s[off:])
	if unicode.IsSpace(r) {
		return w
	}
	return 0
}

func (p *parser) skipSpace() {
	for w := p.space(p.i); w > 0; w = p.space(p.i) {
		p.i += w
	}
}

// arrow returns the width of "->" (or "→") at off, or 0.
func (p *parser) arrow(off int) int {
	switch {
	case strings.HasPrefix(p.s[off:], "->"):
		return 2
	case strings.HasPrefix(p.s[off:], "→"):
		return len("→")
	}
	return 0
}

// parseLine returns ok false for a blank or comment line.
func parseLine(line string) (Rule, bool, *SyntaxError) {
	p := &parser{s: line}
	p.skipSpace()
	if p.i == len(p.s) || p.s[p.i] == '#' {
		return Rule{}, false, nil
	}
	r := Rule{Text: strings.TrimSpace(line)}
	if err := p.methods(&r); err != nil {
		return Rule{}, false, err
	}
	if err := p.path(&r); err != nil {
		return Rule{}, false, err
	}
	p.skipSpace()
	w := 0
	if p.i < len(p.s) {
		w = p.arrow(p.i)
	}
	if w == 0 {
		if p.i == len(p.s) || p.s[p.i] == '#' {
			return Rule{}, false, p.errAt(p.i, "expected '->' and a response after the path, like %s -> 503", strings.TrimSpace(p.s[:p.i]))
		}
		return Rule{}, false, p.errAt(p.i, "expected '->' between the path and the response")
	}
	p.i += w
	if err := p.steps(&r); err != nil {
		return Rule{}, false, err
	}
	return r, true, nil
}

// methods reads "*" or a comma list of methods; none at all means any
// method, so "/slow -> hang 30s" works too.
func (p *parser) methods(r *Rule) *SyntaxError {
	if p.s[p.i] == '/' || strings.HasPrefix(p.s[p.i:], "**") {
		return nil
	}
	if p.arrow(p.i) > 0 {
		return p.errAt(p.i, "expected a method and a path before '->', like POST /hooks/** -> 200")
	}
	first := p.i
	star := -1
	var list []string
	var m string
	for {
		start := p.i
		for p.i < len(p.s) && isTchar(p.s[p.i]) && p.arrow(p.i) == 0 {
			p.i++
		}
		m = p.s[start:p.i]
		if m == "" {
			if start == first {
				return p.errAt(start, "expected a method (GET, POST, … or * for any) or a path starting with /")
			}
			return p.errAt(start, "expected a method after ','")
		}
		if m == "*" {
			star = start
		} else {
			list = append(list, strings.ToUpper(m))
		}
		save := p.i
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			p.skipSpace()
			continue
		}
		p.i = save
		break
	}
	if p.i < len(p.s) && p.space(p.i) == 0 {
		switch {
		case p.arrow(p.i) > 0:
			return p.errAt(p.i, "expected a path after the method, like /hooks/** (or ** for any path)")
		case p.s[p.i] == '/' && (m == "*" || knownMethods[strings.ToUpper(m)]):
			return p.errAt(p.i, "put a space between the method and the path")
		}
		end := p.i
		for end < len(p.s) && p.space(end) == 0 {
			end++
		}
		if strings.Contains(p.s[first:end], "/") {
			// "stripe/** -> 200": a path without its leading slash.
			return p.errAt(first, "the path must start with / (or be ** for any path)")
		}
		return p.errAt(p.i, "expected a space after the method, then a path starting with /")
	}
	if star >= 0 && len(list) > 0 {
		return p.errAt(star, "'*' already means any method: use it alone, or list methods like GET,POST")
	}
	r.Methods = list
	return nil
}

func (p *parser) path(r *Rule) *SyntaxError {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && p.space(p.i) == 0 && p.arrow(p.i) == 0 {
		p.i++
	}
	pat := p.s[start:p.i]
	if pat == "" {
		return p.errAt(start, "expected a path after the method, like /hooks/** (or ** for any path)")
	}
	if pat != "**" && pat[0] != '/' {
		if strings.HasPrefix(pat, "**") {
			return p.errAt(start, "a path starting with ** must be just ** (any path); start others with /")
		}
		return p.errAt(start, "the path must start with / (or be ** for any path)")
	}
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c == '?' {
			return p.errAt(start+i, "the query is not matched, only the path: remove %s", pat[i:])
		}
		if c < 0x20 || c == 0x7f {
			return p.errAt(start+i, "control character in the path")
		}
	}
	off := start
	for seg := range strings.SplitSeq(pat, "/") {
		if j := strings.Index(seg, "**"); j >= 0 && seg != "**" {
			if strings.Contains(seg, "***") {
				return p.errAt(off+strings.Index(seg, "***"), "*** is not a wildcard: use * within a segment or ** for any depth")
			}
			return p.errAt(off+j, "** must be a whole segment, like /a/**/b or /**/*.json; use * within a segment")
		}
		off += len(seg) + 1
	}
	r.Path = pat
	return nil
}

// token is one word of the steps part: a bare word, or key=value.
type token struct {
	pos    int    // byte offset of the token
	word   string // the whole word, or the key before '='
	eq     bool   // written as key=value
	val    string // the value, unquoted
	valPos int    // byte offset of the value
	quoted bool
}

// next returns the next token, or ok false at the end of the line or at a
// # that starts a comment.
func (p *parser) next() (t token, ok bool, err *SyntaxError) {
	p.skipSpace()
	if p.i == len(p.s) || p.s[p.i] == '#' {
		return token{pos: p.i}, false, nil
	}
	t.pos = p.i
	for p.i < len(p.s) && p.space(p.i) == 0 && p.s[p.i] != '=' {
		p.i++
	}
	t.word = p.s[t.pos:p.i]
	if p.i == len(p.s) || p.s[p.i] != '=' {
		return t, true, nil
	}
	t.eq = true
	p.i++
	t.valPos = p.i
	if p.i < len(p.s) && (p.s[p.i] == '\'' || p.s[p.i] == '"') {
		v, err := p.quoted()
		if err != nil {
			return t, false, err
		}
		t.val, t.quoted = v, true
		if p.i < len(p.s) && p.space(p.i) == 0 {
			return t, false, p.errAt(p.i, "expected a space after the closing quote")
		}
		return t, true, nil
	}
	for p.i < len(p.s) && p.space(p.i) == 0 {
		p.i++
	}
	t.val = p.s[t.valPos:p.i]
	return t, true, nil
}

// quoted reads a quoted value. Single quotes know only \' and \\, so JSON
// escapes such as \n and \" pass through; double quotes also know \n, \r
// and \t. Any other backslash stays as typed.
func (p *parser) quoted() (string, *SyntaxError) {
	q := p.s[p.i]
	open := p.i
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == q {
			p.i++
			return b.String(), nil
		}
		if c == '\\' && p.i+1 < len(p.s) {
			if e, ok := unescape(q, p.s[p.i+1]); ok {
				b.WriteByte(e)
				p.i += 2
				continue
			}
		}
		b.WriteByte(c)
		p.i++
	}
	return "", p.errAt(open, "unterminated quote: add a closing %c at the end of the value", q)
}

func unescape(q, c byte) (byte, bool) {
	if c == q || c == '\\' {
		return c, true
	}
	if q == '"' {
		switch c {
		case 'n':
			return '\n', true
		case 'r':
			return '\r', true
		case 't':
			return '\t', true
		}
	}
	return 0, false
}

// steps reads everything after "->".
func (p *parser) steps(r *Rule) *SyntaxError {
	after := "'->'"
	for {
		t, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			return p.errAt(t.pos, "expected a status (200–599), hang or close after %s", after)
		}
		st, end, err := p.step(t, after)
		if err != nil {
			return err
		}
		r.Steps = append(r.Steps, st)
		switch {
		case end.pos < 0:
			return nil
		case strings.EqualFold(end.word, "loop"):
			r.Loop = true
			t, ok, err := p.next()
			if err != nil {
				return err
			}
			if ok {
				return p.errAt(t.pos, "'loop' must be the last word of the rule")
			}
			return nil
		}
		after = "'then'"
	}
}

// stepState is a step being read, with what was seen for duplicate checks.
type stepState struct {
	st                 Step
	times, delay, body bool
	bodyPos            int
}

// step reads one step starting at t. end is the "then" or "loop" token that
// ended it, or has pos -1 at the end of the line.
func (p *parser) step(t token, after string) (Step, token, *SyntaxError) {
	var s stepState
	lw := strings.ToLower(t.word)
	switch {
	case !t.eq && lw == "hang":
		d, ok, err := p.next()
		if err != nil {
			return Step{}, token{}, err
		}
		if !ok || d.eq || isKeyword(d.word) || isRepeat(d.word) {
			return Step{}, token{}, p.errAt(d.pos, "expected how long to hang, like hang 30s")
		}
		dur, err := p.duration(d.word, d.pos)
		if err != nil {
			return Step{}, token{}, err
		}
		if dur == 0 {
			return Step{}, token{}, p.errAt(d.pos, "hang needs a duration above 0; use close to drop the connection at once")
		}
		s.st = Step{Kind: Hang, Delay: dur}
	case !t.eq && lw == "close":
		s.st = Step{Kind: Close}
	case !t.eq && allDigits(t.word):
		n, err := strconv.Atoi(t.word)
		if err != nil || n < 200 || n > 599 {
			return Step{}, token{}, p.errAt(t.pos, "status %s is out of range: use 200–599", t.word)
		}
		s.st = Step{Kind: Respond, Status: n}
	case t.eq && lw == "hang":
		return Step{}, token{}, p.errAt(t.pos, "write hang and its duration with a space, like hang 30s")
	default:
		return Step{}, token{}, p.errAt(t.pos, "expected a status (200–599), hang or close after %s", after)
	}
	for {
		a, ok, err := p.next()
		if err != nil {
			return Step{}, token{}, err
		}
		if !ok {
			st, err := p.finish(&s)
			return st, token{pos: -1}, err
		}
		if !a.eq && (strings.EqualFold(a.word, "then") || strings.EqualFold(a.word, "loop")) {
			st, err := p.finish(&s)
			return st, a, err
		}
		if err := p.attr(&s, a); err != nil {
			return Step{}, token{}, err
		}
	}
}

// finish applies defaults and checks that need the whole step.
func (p *parser) finish(s *stepState) (Step, *SyntaxError) {
	st := s.st
	if st.Times == 0 {
		st.Times = 1
	}
	if st.Kind == Respond && st.Body != "" {
		if st.Status < 200 || st.Status == 204 || st.Status == 304 {
			return Step{}, p.errAt(s.bodyPos, "status %d cannot have a body: remove body= or pick another status", st.Status)
		}
		if contentTypes(st.Headers) == 0 {
			st.Headers = append(st.Headers, [2]string{"Content-Type", defaultType(st.Body)})
		}
	}
	return st, nil
}

// defaultType is the Content-Type of a body given without type=. {{id}}
// stands in for a number so that {"n":{{id}}} still counts as JSON.
func defaultType(body string) string {
	if json.Valid([]byte(strings.ReplaceAll(body, Placeholder, "0"))) {
		return shortTypes["json"]
	}
	return shortTypes["text"]
}

func (p *parser) attr(s *stepState, a token) *SyntaxError {
	key := strings.ToLower(a.word)
	if !a.eq {
		switch {
		case isRepeat(a.word):
			if s.times {
				return p.errAt(a.pos, "the repeat count is given twice in this step")
			}
			s.times = true
			n, err := strconv.Atoi(a.word[1:])
			if err != nil || n > MaxTimes {
				return p.errAt(a.pos, "repeat count %s is too large: at most x%d", a.word, MaxTimes)
			}
			if n < 1 {
				return p.errAt(a.pos, "repeat count must be at least 1, like x3")
			}
			s.st.Times = n
			return nil
		case allDigits(a.word) || key == "hang" || key == "close":
			return p.errAt(a.pos, "expected 'then' before %s to start the next step", a.word)
		case key == "delay" || key == "header" || key == "retry-after" || key == "body" || key == "type":
			return p.errAt(a.pos+len(a.word), "expected '=' after %s, like %s", a.word, example(key))
		}
		return p.errAt(a.pos, "unknown word %q: expected xN, delay=, header=, retry-after=, body=, type=, then or loop", a.word)
	}
	switch key {
	case "delay", "header", "retry-after", "body", "type":
	default:
		return p.errAt(a.pos, "unknown attribute %q: expected xN, delay=, header=, retry-after=, body= or type=", a.word+"=")
	}
	switch s.st.Kind {
	case Hang:
		return p.errAt(a.pos, "hang takes only a duration and xN, like hang 30s x2")
	case Close:
		if key == "delay" {
			d := a.val
			if d == "" {
				d = "2s"
			}
			return p.errAt(a.pos, "close drops the connection at once: to wait first, use hang %s instead", d)
		}
		return p.errAt(a.pos, "close takes only xN, like close x2")
	}
	if a.val == "" && !a.quoted {
		return p.errAt(a.valPos, "expected a value after %s=, like %s", a.word, example(key))
	}
	switch key {
	case "delay":
		if s.delay {
			return p.errAt(a.pos, "delay is given twice in this step")
		}
		s.delay = true
		d, err := p.duration(a.val, a.valPos)
		if err != nil {
			return err
		}
		s.st.Delay = d
	case "body":
		if s.body {
			return p.errAt(a.pos, "body is given twice in this step")
		}
		s.body, s.bodyPos = true, a.pos
		s.st.Body = a.val
	case "retry-after":
		n, err := strconv.Atoi(a.val)
		if !allDigits(a.val) || err != nil {
			return p.errAt(a.valPos, "expected whole seconds after retry-after=, like retry-after=5")
		}
		s.st.Headers = append(s.st.Headers, [2]string{"Retry-After", strconv.Itoa(n)})
	case "type":
		v := a.val
		if full, ok := shortTypes[strings.ToLower(v)]; ok {
			v = full
		} else if !validMediaType(v) {
			return p.errAt(a.valPos, "unknown type %q: use json, xml, text, html, form or a MIME type like application/vnd.api+json", v)
		}
		if contentTypes(s.st.Headers) > 0 {
			return p.errAt(a.pos, "Content-Type is set twice in this step")
		}
		s.st.Headers = append(s.st.Headers, [2]string{"Content-Type", v})
	case "header":
		name, value, ok := strings.Cut(a.val, ":")
		name, value = strings.Trim(name, " \t"), strings.Trim(value, " \t")
		if strings.ContainsAny(a.val, "\r\n") {
			return p.errAt(a.valPos, "a header must not contain a line break (\\r or \\n)")
		}
		if !ok {
			return p.errAt(a.valPos, "expected header='Name: value', with a colon after the name")
		}
		if name == "" {
			return p.errAt(a.valPos, "the header name is missing before ':'")
		}
		for i := 0; i < len(name); i++ {
			if !isTchar(name[i]) {
				return p.errAt(a.valPos, "header name %q is not valid: use letters, digits and -", name)
			}
		}
		if msg := badHeaderValue(value); msg != "" {
			return p.errAt(a.valPos, "header %s "+msg, name)
		}
		if strings.EqualFold(name, "Content-Type") && contentTypes(s.st.Headers) > 0 {
			return p.errAt(a.pos, "Content-Type is set twice in this step")
		}
		s.st.Headers = append(s.st.Headers, [2]string{name, value})
	}
	return nil
}

// badHeaderValue says what is wrong with a header value, or "": HTTP
// allows no control characters but tab.
func badHeaderValue(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return "contains a control character: remove it"
		}
	}
	return ""
}

func example(key string) string {
	switch key {
	case "delay":
		return "delay=2s"
	case "header":
		return "header='X-Env: test'"
	case "retry-after":
		return "retry-after=5"
	case "type":
		return "type=json"
	}
	return `body='{"ok":true}'`
}

// duration reads a Go duration between 0 and MaxDuration.
func (p *parser) duration(s string, pos int) (time.Duration, *SyntaxError) {
	d, err := time.ParseDuration(s)
	if err != nil {
		if allDigits(s) {
			return 0, p.errAt(pos, "duration %s needs a unit, like %ss or %sms", s, s, s)
		}
		return 0, p.errAt(pos, "bad duration %q: use a number with a unit, like 500ms, 2s or 1m30s", s)
	}
	if d < 0 {
		return 0, p.errAt(pos, "duration %s is negative: use 0s or more", s)
	}
	if d > MaxDuration {
		return 0, p.errAt(pos, "duration %s is longer than the %s maximum", s, "10m")
	}
	return d, nil
}

func isKeyword(w string) bool {
	return strings.EqualFold(w, "then") || strings.EqualFold(w, "loop")
}

// isRepeat reports whether w looks like xN.
func isRepeat(w string) bool {
	return len(w) >= 2 && (w[0] == 'x' || w[0] == 'X') && allDigits(w[1:])
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// knownMethods tells a method from a path missing its slash in error hints.
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "OPTIONS": true, "CONNECT": true, "TRACE": true,
}

// isTchar reports whether c may appear in an HTTP token (RFC 9110), the
// syntax of methods and header names.
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
