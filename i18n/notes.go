package i18n

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/gancho-app/gancho/capture/pretty"
)

// The body notes and errors of capture/pretty and replay are English
// sentences (the engine knows no language). Note translates them: each
// known sentence is a pattern whose named groups are the placeholders of a
// catalogue key (assets/lang/detail.*.json). A sentence no pattern knows
// comes back as it is, so a new engine note reads in English until it gets
// a line here; ui's TestEngineNotesTranslated fails when a note the tests
// produce is left so. The window and `gancho show` share this table.

// engineNote is one known engine sentence: re's named groups fill key's
// placeholders; plural, when set, names the group that picks the form.
type engineNote struct {
	re     *regexp.Regexp
	key    string
	plural string
}

var engineNotes = func() []engineNote {
	n := func(re, key string) engineNote { return engineNote{re: regexp.MustCompile("^" + re + "$"), key: key} }
	p := func(re, key, plural string) engineNote {
		e := n(re, key)
		e.plural = plural
		return e
	}
	const size = `[\d.,]+ [KMGTP]?i?B`
	return []engineNote{
		n(`nested deeper than (?P<N>\d+) levels: showing the raw text`, "nested deeper than {{.N}} levels: showing the raw text"),
		n(`nested deeper than (?P<N>\d+) levels: indentation stops growing there`, "nested deeper than {{.N}} levels: indentation stops growing there"),
		n(`nested deeper than (?P<N>\d+) levels: those values are not shown in the tree \(the Pretty and Raw views show them\)`,
			"nested deeper than {{.N}} levels: those values are not shown in the tree (the Pretty and Raw views show them)"),
		n(`the tree holds the first (?P<N>[\d,]+) values; later ones are counted but not shown \(the Pretty and Raw views show them\)`,
			"the tree holds the first {{.N}} values; later ones are counted but not shown (the Pretty and Raw views show them)"),
		n(`output truncated at (?P<Max>`+size+`): the parts after part (?P<N>\d+) are not shown`, "output truncated at {{.Max}}: the parts after part {{.N}} are not shown"),
		n(`output truncated at (?P<Max>`+size+`) for all parts together: the rest of this part is not shown`, "output truncated at {{.Max}} for all parts together: the rest of this part is not shown"),
		n(`output truncated at (?P<Max>`+size+`): showing the first (?P<Shown>`+size+`) of (?P<Total>`+size+`)`, "output truncated at {{.Max}}: showing the first {{.Shown}} of {{.Total}}"),
		n(`output truncated at (?P<Max>`+size+`): the rest of the pretty view is not shown \(the body itself is intact\)`,
			"output truncated at {{.Max}}: the rest of the pretty view is not shown (the body itself is intact)"),
		n(`more than (?P<N>\d+) parts: the rest are not shown`, "more than {{.N}} parts: the rest are not shown"),
		p(`multipart: (?P<Count>\d+) parts?`, "multipart: {{.Count}} parts", "Count"),
		n(`multipart: no part delimited by boundary (?P<Boundary>".*")`, "multipart: no part delimited by boundary {{.Boundary}}"),
		n(`multipart content type: (?P<Err>.*)`, "multipart content type: {{.Err}}"),
		n(`multipart part (?P<N>\d+): (?P<Err>.*)`, "multipart part {{.N}}: {{.Err}}"),
		n(`(?P<Err>.*): showing the body as text`, "{{.Err}}: showing the body as text"),
		n(`truncated: only the first (?P<Kept>`+size+`) of (?P<Total>`+size+`) declared were kept`, "truncated: only the first {{.Kept}} of {{.Total}} declared were kept"),
		n(`truncated: only the first (?P<Kept>`+size+`) of more than (?P<Total>`+size+`) were kept`, "truncated: only the first {{.Kept}} of more than {{.Total}} were kept"),
		n(`could not decode the (?P<Enc>\S*) body \((?P<Err>.*)\): showing it as received`, "could not decode the {{.Enc}} body ({{.Err}}): showing it as received"),
		n(`decoded from (?P<Enc>\S+): (?P<Wire>`+size+`) on the wire, (?P<Decoded>`+size+`) decoded`, "decoded from {{.Enc}}: {{.Wire}} on the wire, {{.Decoded}} decoded"),
		n(`decoded body capped at (?P<Max>`+size+`)`, "decoded body capped at {{.Max}}"),
		n(`binary: hex dump of the first (?P<Shown>`+size+`) of (?P<Total>`+size+`)`, "binary: hex dump of the first {{.Shown}} of {{.Total}}"),
		n(`binary: shown as a hex dump`, "binary: shown as a hex dump"),
		p(`form: (?P<Count>\d+) fields?, decoded`, "form: {{.Count}} fields, decoded", "Count"),
		n(`the tree view is for JSON and XML bodies: use the Pretty or Raw view for this one`, "the tree view is for JSON and XML bodies: use the Pretty or Raw view for this one"),
		n(`invalid JSON`, "invalid JSON"),
		// What Go's JSON and XML decoders say inside a SyntaxError.
		n(`invalid character (?P<C>'.*') looking for beginning of value`, "invalid character {{.C}} looking for beginning of value"),
		n(`invalid character (?P<C>'.*') looking for beginning of object key string`, "invalid character {{.C}} looking for beginning of object key string"),
		n(`invalid character (?P<C>'.*') after object key`, "invalid character {{.C}} after object key"),
		n(`invalid character (?P<C>'.*') after object key:value pair`, "invalid character {{.C}} after object key:value pair"),
		n(`invalid character (?P<C>'.*') after array element`, "invalid character {{.C}} after array element"),
		n(`invalid character (?P<C>'.*') after top-level value`, "invalid character {{.C}} after top-level value"),
		n(`invalid character (?P<C>'.*') in literal (?P<L>\w+) \(expecting (?P<E>'.*')\)`, "invalid character {{.C}} in literal {{.L}} (expecting {{.E}})"),
		n(`invalid character (?P<C>'.*') in string literal`, "invalid character {{.C}} in string literal"),
		n(`invalid character (?P<C>'.*') in numeric literal`, "invalid character {{.C}} in numeric literal"),
		n(`invalid character (?P<C>'.*') in string escape code`, "invalid character {{.C}} in string escape code"),
		n(`unexpected end of JSON input`, "unexpected end of JSON input"),
		n(`unexpected end: unclosed element`, "unexpected end: unclosed element"),
		n(`no element`, "no element"),
		n(`unexpected end element (?P<E></.*>)`, "unexpected end element {{.E}}"),
		n(`element (?P<A><.*>) closed by (?P<B></.*>)`, "element {{.A}} closed by {{.B}}"),
		n(`XML syntax error on line (?P<N>\d+): (?P<Err>.*)`, "XML syntax error on line {{.N}}: {{.Err}}"),
		n(`unexpected EOF`, "unexpected EOF"),
		// What replay says of a send that failed (replay/classify.go).
		n(`connection refused by (?P<Host>\S+): nothing is listening there, so start the receiver or check the port`,
			"connection refused by {{.Host}}: nothing is listening there, so start the receiver or check the port"),
		n(`(?P<Host>\S+) closed the connection without answering; check the receiver's logs \(it may have crashed or rejected the request\)`,
			"{{.Host}} closed the connection without answering; check the receiver's logs (it may have crashed or rejected the request)"),
		n(`cannot resolve (?P<Name>\S+) \((?P<Why>.*)\); check the host name in the URL`, "cannot resolve {{.Name}} ({{.Why}}); check the host name in the URL"),
		n(`sending to (?P<Host>\S+) failed: (?P<Err>.*); check the URL and the receiver`, "sending to {{.Host}} failed: {{.Err}}; check the URL and the receiver"),
		// What replay says of a target it cannot send to.
		n(`replay: no target URL; give one such as http://localhost:3000`, "no target URL; give one such as http://localhost:3000"),
		n(`replay target (?P<T>".*"): (?P<Err>.*)`, "target {{.T}}: {{.Err}}"),
		n(`forward: (?P<Err>.*)`, "forward: {{.Err}}"),
		n(`not an absolute URL; start it with http:// or https://`, "not an absolute URL; start it with http:// or https://"),
		n(`scheme (?P<S>".*") is not supported; use http:// or https://`, "scheme {{.S}} is not supported; use http:// or https://"),
		n(`no host; give one such as http://localhost:3000`, "no host; give one such as http://localhost:3000"),
		n(`bad host: (?P<Err>.*)`, "bad host: {{.Err}}"),
	}
}()

// Note is an engine note (or error text) in p's language: numbers and
// sizes in it are written the language's way, a wrapped error is
// translated too.
func (p *Printer) Note(s string) string {
	for _, e := range engineNotes {
		m := e.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		data := map[string]any{}
		count := 0
		for i, name := range e.re.SubexpNames() {
			if name == "" {
				continue
			}
			v := m[i]
			switch {
			case name == e.plural:
				count, _ = strconv.Atoi(v)
				data[name] = p.Int(int64(count))
			case name == "Err":
				data[name] = p.Note(v) // a wrapped sentence may be known too
			case numberish.MatchString(v) && strings.Count(v, ".") <= 1: // 127.0.0.1 is an address
				data[name] = p.number(v)
			default:
				data[name] = v
			}
		}
		if e.plural != "" {
			return p.N(e.key, count, data)
		}
		return p.T(e.key, data)
	}
	return s
}

// numberish is a count or size as the engine writes it ("1,234", "1.4
// MiB"); a host such as 127.0.0.1:1 is not one.
var numberish = regexp.MustCompile(`^[\d.,]+( [KMGTP]?i?B)?$`)

// number rewrites an English number or size ("1,234", "1.4 MiB") in p's
// language: Portuguese swaps the separators (1.234, 1,4 MiB).
func (p *Printer) number(s string) string {
	if p.lang != Portuguese || !strings.ContainsAny(s, ".,") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return ','
		case ',':
			return '.'
		}
		return r
	}, s)
}

// BodyErr is a body view's error in p's language: a JSON or XML syntax
// error with its place, or another engine sentence.
func (p *Printer) BodyErr(err error) string {
	var se *pretty.SyntaxError
	if errors.As(err, &se) && err == error(se) {
		return p.T("malformed {{.Lang}} at line {{.Line}}, column {{.Column}}: {{.Msg}}", map[string]any{
			"Lang": se.Lang, "Line": p.Int(int64(se.Line)), "Column": p.Int(int64(se.Column)), "Msg": p.Note(se.Msg)})
	}
	return p.Note(err.Error())
}
