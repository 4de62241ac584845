package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	ctJSON = "application/json"
	ctText = "text/plain; charset=utf-8"
)

func respond(status int, opts ...func(*Step)) Step {
	st := Step{Kind: Respond, Status: status, Times: 1}
	for _, o := range opts {
		o(&st)
	}
	return st
}

func times(n int) func(*Step)           { return func(s *Step) { s.Times = n } }
func delay(d time.Duration) func(*Step) { return func(s *Step) { s.Delay = d } }
func body(b string) func(*Step)         { return func(s *Step) { s.Body = b } }
func header(name, v string) func(*Step) {
	return func(s *Step) { s.Headers = append(s.Headers, [2]string{name, v}) }
}
func hang(d time.Duration, n int) Step { return Step{Kind: Hang, Delay: d, Times: n} }
func closeStep(n int) Step             { return Step{Kind: Close, Times: n} }
func rule(methods []string, path string, steps ...Step) Rule {
	return Rule{Methods: methods, Path: path, Steps: steps}
}
func looping(r Rule) Rule { r.Loop = true; return r }

// parseCases are single lines that parse; the examples from the docs first.
var parseCases = []struct {
	name string
	line string
	want Rule
}{
	{"sequence", `POST /stripe/**      -> 503 x3 then 200`,
		rule([]string{"POST"}, "/stripe/**", respond(503, times(3)), respond(200))},
	{"hang", `*    /slow           -> hang 30s`,
		rule(nil, "/slow", hang(30*time.Second, 1))},
	{"retry-after and body", `PUT,PATCH /orders/*  -> 429 retry-after=5 body='{"error":"slow down"}'`,
		rule([]string{"PUT", "PATCH"}, "/orders/*", respond(429, header("Retry-After", "5"),
			body(`{"error":"slow down"}`), header("Content-Type", ctJSON)))},
	{"status only", `*    /gone           -> 410`,
		rule(nil, "/gone", respond(410))},
	{"loop", `*    /flaky          -> 500 then 200 then close loop`,
		looping(rule(nil, "/flaky", respond(500), respond(200), closeStep(1)))},
	{"delay headers body", `*    /delayed        -> 200 delay=2s header='X-Env: test' header="Content-Type: application/json" body='{"ok":true,"id":"{{id}}"}'`,
		rule(nil, "/delayed", respond(200, delay(2*time.Second), header("X-Env", "test"),
			header("Content-Type", ctJSON), body(`{"ok":true,"id":"{{id}}"}`)))},
	{"default", `*    **              -> 202`,
		rule(nil, "**", respond(202))},

	{"lower-case methods with spaces", `post , put /x -> 200`,
		rule([]string{"POST", "PUT"}, "/x", respond(200))},
	{"method omitted", `/x -> 200`, rule(nil, "/x", respond(200))},
	{"method omitted any path", `** -> 200`, rule(nil, "**", respond(200))},
	{"star twice", `*,* /x -> 200`, rule(nil, "/x", respond(200))},
	{"unicode arrow no spaces", `GET /x→200`, rule([]string{"GET"}, "/x", respond(200))},
	{"arrow glued to path", `GET /x->200`, rule([]string{"GET"}, "/x", respond(200))},
	{"tabs and nbsp", "GET\t/x\u00a0->\t200", rule([]string{"GET"}, "/x", respond(200))},
	{"trailing comment", `GET /x -> 200 # fine`, rule([]string{"GET"}, "/x", respond(200))},
	{"keywords any case", `* /x -> 503 X2 THEN Close x2 Then HANG 1s LOOP`,
		looping(rule(nil, "/x", respond(503, times(2)), closeStep(2), hang(time.Second, 1)))},
	{"attributes any order", `* /x -> 200 body=hi delay=1500ms x4`,
		rule(nil, "/x", respond(200, body("hi"), delay(1500*time.Millisecond), times(4), header("Content-Type", ctText)))},
	{"hang with repeat", `* /x -> hang 1m30s x2 then 200`,
		rule(nil, "/x", hang(90*time.Second, 2), respond(200))},
	{"delay zero", `* /x -> 200 delay=0s`, rule(nil, "/x", respond(200))},
	{"max delay", `* /x -> 200 delay=10m`, rule(nil, "/x", respond(200, delay(10*time.Minute)))},
	{"single quotes keep JSON escapes", `* /x -> 200 body='{"a":"x\ny \"q\" it\'s","b":"\\\\"}'`,
		rule(nil, "/x", respond(200, body(`{"a":"x\ny \"q\" it's","b":"\\"}`), header("Content-Type", ctJSON)))},
	{"double quotes escape", `* /x -> 200 body="a\tb\nc \"d\" \\ \q"`,
		rule(nil, "/x", respond(200, body("a\tb\nc \"d\" \\ \\q"), header("Content-Type", ctText)))},
	{"quoted value with spaces and hash", `* /x -> 200 body='a # b'`,
		rule(nil, "/x", respond(200, body("a # b"), header("Content-Type", ctText)))},
	{"empty quoted body", `* /x -> 200 body=''`, rule(nil, "/x", respond(200))},
	{"bare header", `* /x -> 200 header=X-A:b`, rule(nil, "/x", respond(200, header("X-A", "b")))},
	{"empty header value", `* /x -> 200 header='X-Empty:'`, rule(nil, "/x", respond(200, header("X-Empty", "")))},
	{"repeated header", `* /x -> 200 header='Set-Cookie: a=1' header='Set-Cookie: b=2'`,
		rule(nil, "/x", respond(200, header("Set-Cookie", "a=1"), header("Set-Cookie", "b=2")))},
	{"type short", `* /x -> 200 type=XML body='<a/>'`,
		rule(nil, "/x", respond(200, header("Content-Type", "application/xml; charset=utf-8"), body("<a/>")))},
	{"type mime", `* /x -> 200 type=application/vnd.api+json`,
		rule(nil, "/x", respond(200, header("Content-Type", "application/vnd.api+json")))},
	{"type quoted mime", `* /x -> 200 type='text/csv; charset=utf-8' body='a,b'`,
		rule(nil, "/x", respond(200, header("Content-Type", "text/csv; charset=utf-8"), body("a,b")))},
	{"json with placeholder as number", `* /x -> 201 body='{"n":{{id}}}'`,
		rule(nil, "/x", respond(201, body(`{"n":{{id}}}`), header("Content-Type", ctJSON)))},
	{"retry-after leading zero", `* /x -> 429 retry-after=05`,
		rule(nil, "/x", respond(429, header("Retry-After", "5")))},
	{"close repeated", `* /x -> close x2 then 200`, rule(nil, "/x", closeStep(2), respond(200))},
	{"single step loop", `* /x -> 200 loop`, looping(rule(nil, "/x", respond(200)))},
	{"percent and dots literal", `GET /a%2Fb/../c.json -> 200`,
		rule([]string{"GET"}, "/a%2Fb/../c.json", respond(200))},
	{"globstar segments", `* /a/**/*.json -> 200`, rule(nil, "/a/**/*.json", respond(200))},
	{"custom method", `PROPFIND /dav/* -> 207`, rule([]string{"PROPFIND"}, "/dav/*", respond(207))},
}

func TestParseRule(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRule(tc.line)
			if err != nil {
				t.Fatalf("ParseRule(%q): %v", tc.line, err)
			}
			want := tc.want
			want.Text = strings.TrimSpace(tc.line)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ParseRule(%q)\n got %#v\nwant %#v", tc.line, got, want)
			}
		})
	}
}

func TestParseText(t *testing.T) {
	text := "# comments and blank lines allowed\r\n\r\n" +
		"POST /stripe/** -> 503 x3 then 200\r\n" +
		"   # indented comment\n" +
		"* ** -> 202" // no final newline
	got, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		rule([]string{"POST"}, "/stripe/**", respond(503, times(3)), respond(200)),
		rule(nil, "**", respond(202)),
	}
	want[0].Line, want[0].Text = 3, "POST /stripe/** -> 503 x3 then 200"
	want[1].Line, want[1].Text = 5, "* ** -> 202"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	for _, empty := range []string{"", "\n\n", "# only a comment", "  \t\r\n"} {
		if rs, err := Parse(empty); err != nil || len(rs) != 0 {
			t.Errorf("Parse(%q) = %v, %v; want no rules", empty, rs, err)
		}
	}
}

// errorCases give the line (for Parse; ParseRule reports line 0), column
// and a fragment of the message.
var errorCases = []struct {
	name string
	text string
	line int
	col  int
	msg  string
}{
	{"missing arrow", "POST /x 503", 1, 9, "expected '->' between the path and the response"},
	{"missing arrow at end", "POST /x", 1, 8, "expected '->' and a response after the path, like POST /x -> 503"},
	{"bad status", "# c\n\nPOST /x -> 999", 3, 12, "status 999 is out of range: use 200–599"},
	{"informational status", "* /x -> 101", 1, 9, "status 101 is out of range: use 200–599"},
	{"status word", "POST /x -> OK", 1, 12, "expected a status (200–599), hang or close after '->'"},
	{"bad duration", "* /x -> 200 delay=2 seconds", 1, 19, "duration 2 needs a unit, like 2s or 2ms"},
	{"bad duration word", "* /x -> 200 delay=soon", 1, 19, `bad duration "soon": use a number with a unit`},
	{"negative duration", "* /x -> 200 delay=-1s", 1, 19, "duration -1s is negative"},
	{"x0", "* /x -> 503 x0 then 200", 1, 13, "repeat count must be at least 1, like x3"},
	{"x too large", "* /x -> 503 x1000001", 1, 13, "repeat count x1000001 is too large"},
	{"unterminated quote", `* /x -> 200 body='{"ok":true}`, 1, 18, "unterminated quote: add a closing ' at the end of the value"},
	{"unterminated double quote", `* /x -> 200 body="abc\"`, 1, 18, `unterminated quote: add a closing "`},
	{"bad header name", `* /x -> 200 header='X Env: test'`, 1, 20, `header name "X Env" is not valid`},
	{"header without colon", `* /x -> 200 header='X-Env test'`, 1, 20, "expected header='Name: value'"},
	{"header without name", `* /x -> 200 header=': test'`, 1, 20, "the header name is missing"},
	{"header with CR/LF", `* /x -> 200 header="X-Env: a\r\nX-Evil: b"`, 1, 20, "must not contain a line break"},
	{"header with control", "* /x -> 200 header='X-Env: a\x01b'", 1, 20, "header X-Env contains a control character"},
	{"unknown attribute", "* /x -> 200 colour=red", 1, 13, `unknown attribute "colour="`},
	{"unknown word", "* /x -> 200 please", 1, 13, `unknown word "please"`},
	{"attribute without =", "* /x -> 200 delay 2s", 1, 18, "expected '=' after delay, like delay=2s"},
	{"attribute without value", "* /x -> 200 body=", 1, 18, "expected a value after body="},
	{"path not starting with /", "POST stripe/** -> 200", 1, 6, "the path must start with / (or be ** for any path)"},
	{"path without method or slash", "stripe/** -> 200", 1, 1, "the path must start with /"},
	{"path starting with **", "* **/x -> 200", 1, 3, "a path starting with ** must be just **"},
	{"path with query", "* /x?a=1 -> 200", 1, 5, "the query is not matched, only the path: remove ?a=1"},
	{"partial globstar", "* /a/b**c -> 200", 1, 7, "** must be a whole segment"},
	{"triple star", "* /a/*** -> 200", 1, 6, "*** is not a wildcard"},
	{"missing path", "POST -> 200", 1, 6, "expected a path after the method"},
	{"space before path", "POST/x -> 200", 1, 5, "put a space between the method and the path"},
	{"arrow first", "-> 200", 1, 1, "expected a method and a path before '->'"},
	{"star in method list", "GET,* /x -> 200", 1, 5, "'*' already means any method"},
	{"empty method after comma", "GET, /x -> 200", 1, 6, "expected a method after ','"},
	{"bad method char", `GET" /x -> 200 type=text/csv`, 1, 4, "expected a space after the method"},
	{"bad method", `"GET" /x -> 200`, 1, 1, "expected a method (GET, POST, … or * for any) or a path starting with /"},
	{"hang without duration", "* /slow -> hang", 1, 16, "expected how long to hang, like hang 30s"},
	{"hang then", "* /slow -> hang then 200", 1, 17, "expected how long to hang"},
	{"hang unitless", "* /slow -> hang 30", 1, 17, "duration 30 needs a unit"},
	{"hang zero", "* /slow -> hang 0s", 1, 17, "use close to drop the connection at once"},
	{"hang with =", "* /slow -> hang=30s", 1, 12, "write hang and its duration with a space"},
	{"hang attribute", "* /slow -> hang 1s body=x", 1, 20, "hang takes only a duration and xN"},
	{"hang too long", "* /slow -> hang 1h", 1, 17, "longer than the 10m maximum"},
	{"close with delay", "* /x -> close delay=1s", 1, 15, "use hang 1s instead"},
	{"close attribute", "* /x -> close header='A: b'", 1, 15, "close takes only xN"},
	{"empty steps", "* /x ->", 1, 8, "expected a status (200–599), hang or close after '->'"},
	{"empty steps with comment", "* /x -> # nothing", 1, 9, "after '->'"},
	{"then at end", "* /x -> 503 then", 1, 17, "expected a status (200–599), hang or close after 'then'"},
	{"then then", "* /x -> 503 then then 200", 1, 18, "after 'then'"},
	{"then loop", "* /x -> 503 then loop", 1, 18, "after 'then'"},
	{"loop not last", "* /x -> 503 loop then 200", 1, 18, "'loop' must be the last word of the rule"},
	{"missing then", "* /x -> 503 200", 1, 13, "expected 'then' before 200"},
	{"delay > 10m", "* /x -> 200 delay=11m", 1, 19, "duration 11m is longer than the 10m maximum"},
	{"body on 204", "* /x -> 204 body=x", 1, 13, "status 204 cannot have a body"},
	{"duplicate body", "* /x -> 200 body=a body=b", 1, 20, "body is given twice"},
	{"duplicate delay", "* /x -> 200 delay=1s delay=2s", 1, 22, "delay is given twice"},
	{"duplicate repeat", "* /x -> 200 x2 x3", 1, 16, "repeat count is given twice"},
	{"duplicate content type", `* /x -> 200 type=json header='content-type: text/plain'`, 1, 23, "Content-Type is set twice"},
	{"unknown type", "* /x -> 200 type=yaml", 1, 18, `unknown type "yaml"`},
	{"glued quote", `* /x -> 200 body='a'b`, 1, 21, "expected a space after the closing quote"},
	{"columns count characters", "* /é -> 9999", 1, 9, "status 9999 is out of range"},
	{"error on a later line", "* /a -> 200\n* /b -> 200\n* /c -> 2OO", 3, 9, "after '->'"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := Parse(tc.text)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, %v; want a *SyntaxError", tc.text, rs, err)
			}
			if se.Line != tc.line || se.Col != tc.col || !strings.Contains(se.Msg, tc.msg) {
				t.Fatalf("Parse(%q):\n got %q\nwant line %d, column %d, containing %q", tc.text, err, tc.line, tc.col, tc.msg)
			}
			if rs != nil {
				t.Errorf("rules returned with an error: %v", rs)
			}
			if !strings.Contains(tc.text, "\n") {
				_, err := ParseRule(tc.text)
				if !errors.As(err, &se) || se.Line != 0 || se.Col != tc.col {
					t.Errorf("ParseRule(%q) = %v; want column %d without a line", tc.text, err, tc.col)
				}
				if !strings.HasPrefix(err.Error(), "column ") {
					t.Errorf("ParseRule error %q should start with the column", err)
				}
			}
		})
	}
}

func TestSyntaxErrorText(t *testing.T) {
	_, err := Parse("* /a -> 200\n\n*    /slow     ->")
	want := "line 3, column 18: expected a status (200–599), hang or close after '->'"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestParseRuleOneLine(t *testing.T) {
	if r, err := ParseRule("* /x -> 200\n"); err != nil || r.Path != "/x" {
		t.Errorf("a trailing newline should be ignored: %v, %v", r, err)
	}
	for _, bad := range []string{"* /x -> 200\n* /y -> 200", "", "   ", "# comment"} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("ParseRule(%q) succeeded; want an error", bad)
		}
	}
}

// TestFormat checks the canonical text and that it parses back the same.
func TestFormat(t *testing.T) {
	cases := []struct{ in, want string }{
		{`POST /stripe/**      -> 503 x3 then 200`, `POST /stripe/** -> 503 x3 then 200`},
		{`post,put /x → 200`, `POST,PUT /x -> 200`},
		{`/x -> HANG 90s THEN close X2 loop`, `* /x -> hang 1m30s then close x2 loop`},
		{`* /x -> 429 x2 body='{"e":1}' retry-after=5 delay=1s`, `* /x -> 429 x2 delay=1s retry-after=5 body='{"e":1}'`},
		{`* /x -> 200 header="Content-Type: application/json" body='[]'`, `* /x -> 200 body='[]'`},
		{`* /x -> 200 header="Content-Type: application/json"`, `* /x -> 200 type=json`},
		{`* /x -> 200 type=text body='[]'`, `* /x -> 200 type=text body='[]'`},
		{`* /x -> 200 body='hi' type=text`, `* /x -> 200 body='hi'`},
		{`* /x -> 200 type=text/csv body=a`, `* /x -> 200 type=text/csv body='a'`},
		{`* /x -> 200 header='content-type: text/plain; charset=utf-8' body=a`, `* /x -> 200 header='content-type: text/plain; charset=utf-8' body='a'`},
		{`* /x -> 200 header='Retry-After: Wed, 21 Oct 2015 07:28:00 GMT'`, `* /x -> 200 header='Retry-After: Wed, 21 Oct 2015 07:28:00 GMT'`},
		{`* /x -> 200 body="it's"`, `* /x -> 200 body="it's"`},
		{`* /x -> 200 body="a\nb"`, `* /x -> 200 body="a\nb"`},
		{`* /x -> 200 body='\\\'"'`, `* /x -> 200 body='\\\'"'`},
		{`* /x -> 200 body='C:\dir\\'`, `* /x -> 200 body='C:\dir\\'`},
		{`* /x -> 200 header='X-Empty:'`, `* /x -> 200 header='X-Empty:'`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRule(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tc.want {
				t.Fatalf("String() = %s\n        want %s", got, tc.want)
			}
			roundTrip(t, []Rule{r})
		})
	}
}

// TestFormatRoundTrip formats every table rule as one text and parses it back.
func TestFormatRoundTrip(t *testing.T) {
	var rs []Rule
	for _, tc := range parseCases {
		rs = append(rs, tc.want)
	}
	roundTrip(t, rs)
}

// roundTrip checks Parse(Format(rs)) == rs apart from Line and Text, and
// that Format is stable.
func roundTrip(t *testing.T, rs []Rule) {
	t.Helper()
	text := Format(rs)
	back, err := Parse(text)
	if err != nil {
		t.Fatalf("Format output does not parse: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(strip(back), strip(rs)) {
		t.Fatalf("round trip changed the rules\ntext: %s\n got %#v\nwant %#v", text, strip(back), strip(rs))
	}
	if again := Format(back); again != text {
		t.Fatalf("Format is not stable:\n%s\n%s", text, again)
	}
}

func strip(rs []Rule) []Rule {
	out := cloneRules(rs)
	for i := range out {
		out[i].Line, out[i].Text = 0, ""
	}
	return out
}

func TestRender(t *testing.T) {
	cases := []struct{ body, id, want string }{
		{"", "abc", ""},
		{"plain", "abc", "plain"},
		{`{"id":"{{id}}"}`, "01J", `{"id":"01J"}`},
		{"{{id}}{{id}}", "x", "xx"},
		{"{{id}", "x", "{{id}"},
		{"{{id}}", "", ""},
	}
	for _, tc := range cases {
		if got := string(Render(tc.body, tc.id)); got != tc.want {
			t.Errorf("Render(%q, %q) = %q; want %q", tc.body, tc.id, got, tc.want)
		}
	}
}
