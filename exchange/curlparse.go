package exchange

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// optKind says what ParseCurl does with a curl option.
type optKind int

const (
	optHandled     optKind = iota // changes the request: applied
	optIgnore                     // output, transport or TLS only: listed in one warning
	optUnsupported                // would change the request in a way not imported: its own warning
	optRefuse                     // the request cannot be rebuilt without it: error
)

type curlOpt struct {
	arg  bool
	kind optKind
}

// curlShort maps one-letter options to their long names.
var curlShort = map[byte]string{
	'X': "request", 'H': "header", 'd': "data", 'u': "user", 'A': "user-agent", 'b': "cookie",
	'e': "referer", 'G': "get", 'I': "head", 'r': "range", '0': "http1.0",
	'k': "insecure", 'L': "location", 's': "silent", 'S': "show-error", 'v': "verbose",
	'i': "include", 'f': "fail", 'g': "globoff", 'N': "no-buffer", 'q': "disable",
	'#': "progress-bar", '4': "ipv4", '6': "ipv6", '1': "tlsv1", '2': "sslv2", '3': "sslv3",
	'j': "junk-session-cookies", 'n': "netrc", 'R': "remote-time", 'O': "remote-name",
	'J': "remote-header-name", 'Z': "parallel", 'p': "proxytunnel", 'l': "list-only",
	'a': "append", 'B': "use-ascii", 'M': "manual", 'V': "version", 'h': "help",
	'o': "output", 'w': "write-out", 'm': "max-time", 'x': "proxy", 'U': "proxy-user",
	'E': "cert", 'c': "cookie-jar", 'D': "dump-header", 'y': "speed-time", 'Y': "speed-limit",
	'P': "ftp-port", 'Q': "quote", 't': "telnet-option", 'K': "config", 'F': "form",
	'T': "upload-file", 'z': "time-cond", 'C': "continue-at",
}

var curlLong = func() map[string]curlOpt {
	m := map[string]curlOpt{}
	set := func(kind optKind, arg bool, names ...string) {
		for _, n := range names {
			m[n] = curlOpt{arg: arg, kind: kind}
		}
	}
	set(optHandled, true, "request", "header", "data", "data-ascii", "data-raw", "data-binary",
		"data-urlencode", "json", "user", "user-agent", "cookie", "referer", "url", "request-target",
		"oauth2-bearer", "url-query", "range")
	set(optHandled, false, "get", "head", "path-as-is", "http1.0", "globoff", "basic",
		"digest", "ntlm", "negotiate", "anyauth")
	set(optHandled, false, "compressed")
	set(optIgnore, false, "insecure", "location", "location-trusted", "silent",
		"show-error", "verbose", "include", "fail", "fail-with-body", "fail-early", "no-buffer",
		"disable", "progress-bar", "no-progress-meter", "ipv4", "ipv6", "tlsv1", "tlsv1.0",
		"tlsv1.1", "tlsv1.2", "tlsv1.3", "sslv2", "sslv3", "http1.1", "http2",
		"http2-prior-knowledge", "http3", "http3-only", "junk-session-cookies", "netrc",
		"netrc-optional", "remote-time", "remote-name", "remote-name-all", "remote-header-name",
		"parallel", "parallel-immediate", "no-keepalive", "tcp-nodelay", "tcp-fastopen", "no-alpn",
		"no-npn", "no-sessionid", "ssl-no-revoke", "ssl-reqd", "ssl", "create-dirs", "raw",
		"proxytunnel", "styled-output", "no-styled-output", "retry-all-errors", "retry-connrefused",
		"suppress-connect-headers", "ca-native", "trace-time", "list-only", "append", "use-ascii",
		"manual", "version", "help", "compressed-ssh", "xattr",
		"post301", "post302", "post303", "ignore-content-length")
	set(optIgnore, true, "output", "write-out", "max-time", "connect-timeout", "retry",
		"retry-delay", "retry-max-time", "proxy", "proxy-user", "cacert", "capath", "cert", "key",
		"cert-type", "key-type", "pass", "cookie-jar", "dump-header", "resolve", "connect-to",
		"interface", "limit-rate", "max-filesize", "max-redirs", "trace", "trace-ascii", "stderr",
		"unix-socket", "abstract-unix-socket", "dns-servers", "local-port", "proto", "proto-redir",
		"proto-default", "expect100-timeout", "keepalive-time", "speed-time", "speed-limit",
		"ciphers", "tls13-ciphers", "tls-max", "noproxy", "preproxy", "socks4", "socks4a",
		"socks5", "socks5-hostname", "netrc-file", "output-dir", "happy-eyeballs-timeout-ms",
		"pinnedpubkey", "parallel-max", "rate", "proxy-cacert", "proxy-cert", "proxy-key",
		"proxy-header", "crlfile", "engine", "ftp-port", "quote", "telnet-option", "sasl-authzid",
		"service-name", "login-options", "curves", "etag-save", "etag-compare")
	set(optUnsupported, true, "aws-sigv4", "time-cond", "continue-at", "variable", "form-escape",
		"delegation", "hsts", "alt-svc")
	set(optUnsupported, false, "tr-encoding")
	set(optRefuse, true, "form", "form-string", "upload-file", "config")
	return m
}()

// curlHeader is one -H header, in the command's order.
type curlHeader struct {
	name, value string
	remove      bool // -H 'Name:' — leave curl's own header out
}

// curlGenerated are the headers options make, in the order curl sends
// them, before the -H ones; a -H of the same name replaces them.
var curlGenerated = []string{"Range", "User-Agent", "Accept-Encoding", "Referer", "Cookie"}

// curlCompressed is what curl (7.88 and 8.x, built with every decoder)
// asks for with --compressed.
const curlCompressed = "deflate, gzip, br, zstd"

type curlCmd struct {
	src          string
	method       string
	urls         []token
	headers      []curlHeader
	gen          map[string]string // by curlGenerated name
	body         strings.Builder
	hasData      bool
	jsonData     bool
	get, head    bool
	pathAsIs     bool
	reqTarget    *string
	queryAdd     []string
	auth         string // Authorization from -u, URL user info or --oauth2-bearer
	authNote     string // non-Basic scheme asked for: -u cannot be rebuilt
	authFromUser bool
	proto        string
	stdin        *string
	ignored      []string
	warns        []string
}

// ParseCurl parses one curl command line, as a browser's "Copy as cURL
// (bash)" writes it or as typed, into the request curl would send. The
// request gets a fresh id, the time of the call, RemoteAddr "imported" and
// Origin "import:curl". Headers keep the command's order and case; Host
// comes first (from the URL unless -H gives it) and, when there is a body,
// Content-Length and curl's default Content-Type come last, as curl sends
// them. Headers that options make (-u, -A, -e, -b, -r, --compressed) come
// after Host in curl's order, before the -H ones (a -H of the same name
// wins). Real curl also moves a -H Host to the front; ParseCurl keeps it
// where it is given, so a capture's header order survives export and
// import. Options that change nothing Gancho would record (-s, -k, -L…) and
// unknown ones are reported in the warnings; bodies from files (@file) and
// multipart forms (-F) are errors: paste the body instead.
func ParseCurl(cmd string) (*capture.Request, []string, error) {
	if err := windowsCmd(cmd); err != nil {
		return nil, nil, fmt.Errorf("curl command: %w", err)
	}
	toks, warns, err := lexShell(cmd)
	if err != nil {
		return nil, warns, fmt.Errorf("curl command: %w", errorAt(cmd, err))
	}
	cmds := splitCommands(toks)
	switch {
	case len(cmds) == 0:
		return nil, warns, fmt.Errorf("curl command: nothing to read: paste a command starting with curl")
	case len(cmds) > 1:
		return nil, warns, fmt.Errorf("curl command: %d commands found (the second at %s): paste one, or import the file to read them all",
			len(cmds), position(cmd, cmds[1].pos))
	}
	r, w, err := curlRequest(cmd, cmds[0])
	warns = append(warns, w...)
	if err != nil {
		return nil, warns, fmt.Errorf("curl command: %w", err)
	}
	r.ID = ids.New(r.ReceivedAt)
	return r, warns, nil
}

// importCurl reads every curl command of a file; other commands (export
// FOO=…) are skipped with a warning.
func importCurl(src string) ([]*capture.Request, []string, error) {
	if err := windowsCmd(src); err != nil {
		return nil, nil, err
	}
	toks, warns, err := lexShell(src)
	if err != nil {
		return nil, warns, errorAt(src, err)
	}
	var out []*capture.Request
	var n notes
	var first error
	for i, c := range splitCommands(toks) {
		r, w, err := curlRequest(src, c)
		for _, x := range w {
			n.add(x, i+1)
		}
		if err != nil {
			if first == nil {
				first = fmt.Errorf("command %d: %w", i+1, err)
			}
			if errors.As(err, new(notCurlError)) {
				n.add("skipped: not a curl command", i+1) // set -e, export…: one line for all
			} else {
				n.add("skipped: "+err.Error(), i+1)
			}
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 && first != nil {
		return nil, warns, first
	}
	return out, append(warns, n.list("command", "commands")...), nil
}

// windowsCmd catches "Copy as cURL (cmd)", whose ^ escapes are not bash.
func windowsCmd(src string) error {
	if strings.Contains(src, `curl ^"`) || strings.Contains(src, "^\n") && strings.Contains(src, `^"`) {
		return fmt.Errorf(`this is a Windows cmd command ("Copy as cURL (cmd)"): copy the request as cURL (bash) instead`)
	}
	return nil
}

type notCurlError struct{ msg string }

func (e notCurlError) Error() string { return e.msg }

func isCurlWord(w string) bool {
	l := strings.ToLower(w)
	return l == "curl" || l == "curl.exe" || strings.HasSuffix(l, "/curl") || strings.HasSuffix(l, `\curl.exe`)
}

// curlRequest reads one command: [printf …|echo … |] curl args.
func curlRequest(src string, c shellCommand) (*capture.Request, []string, error) {
	p := &curlCmd{src: src, proto: "HTTP/1.1"}
	if len(c.stages) > 2 {
		return nil, nil, fmt.Errorf("%s: a pipeline of %d commands: only printf or echo piped into curl is understood", position(src, c.pos), len(c.stages))
	}
	if len(c.stages) == 2 {
		out, err := producer(src, c.stages[0])
		if err != nil {
			return nil, nil, err
		}
		p.stdin = &out
	}
	var args []token
	stage := c.stages[len(c.stages)-1]
	for i := 0; i < len(stage); i++ {
		t := stage[i]
		switch t.op {
		case "":
			args = append(args, t)
		case ">":
			i++ // the file: output only
			p.ignored = append(p.ignored, ">")
		case "<":
			return nil, nil, fmt.Errorf("%s: input redirection (<) is not supported: paste the body with --data-raw", position(src, t.pos))
		}
	}
	if len(args) > 0 && args[0].text == "$" {
		args = args[1:] // a copied prompt
	}
	if len(args) == 0 {
		return nil, nil, fmt.Errorf("%s: empty command: paste a command starting with curl", position(src, c.pos))
	}
	if !isCurlWord(args[0].text) {
		return nil, nil, notCurlError{fmt.Sprintf("%s: not a curl command (it starts with %q)", position(src, args[0].pos), args[0].text)}
	}
	if err := p.readArgs(args[1:]); err != nil {
		return nil, p.warns, err
	}
	r, err := p.request()
	if len(p.ignored) > 0 {
		sort.Strings(p.ignored)
		p.ignored = compactStrings(p.ignored)
		p.warns = append(p.warns, "ignored, as they do not change the request: "+strings.Join(p.ignored, ", "))
	}
	return r, p.warns, err
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func producer(src string, stage []token) (string, error) {
	var words []string
	for _, t := range stage {
		if t.op != "" {
			return "", fmt.Errorf("%s: redirection before the pipe is not supported", position(src, t.pos))
		}
		words = append(words, t.text)
	}
	switch {
	case len(words) == 0:
		return "", fmt.Errorf("empty command before |")
	case words[0] == "printf":
		out, err := printfOutput(words[1:])
		if err != nil {
			return "", fmt.Errorf("%s: %w", position(src, stage[0].pos), err)
		}
		return out, nil
	case words[0] == "echo":
		return echoOutput(words[1:]), nil
	}
	return "", fmt.Errorf("%s: %q piped into curl: only printf or echo is understood; paste the body with --data-raw instead", position(src, stage[0].pos), words[0])
}

func (p *curlCmd) warnf(format string, a ...any) {
	p.warns = append(p.warns, fmt.Sprintf(format, a...))
}

func (p *curlCmd) readArgs(args []token) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasPrefix(a.text, "--") && len(a.text) > 2:
			name := a.text[2:]
			o, ok := curlLong[name]
			if !ok {
				if base, found := strings.CutPrefix(name, "no-"); found {
					if bo, ok := curlLong[base]; ok && !bo.arg {
						p.ignored = append(p.ignored, a.text)
						continue
					}
				}
				if base, found := strings.CutPrefix(name, "expand-"); found {
					if bo, ok := curlLong[base]; ok && bo.arg {
						p.warnf("%s at %s: {{variables}} are not expanded", a.text, position(p.src, a.pos))
						name, o = base, bo
						ok = true
					}
				}
				if !ok {
					p.warnf("unknown option %s at %s ignored (if it takes a value, that value was read as a URL)", a.text, position(p.src, a.pos))
					continue
				}
			}
			val := ""
			if o.arg {
				i++
				if i >= len(args) {
					return fmt.Errorf("%s: option %s needs a value", position(p.src, a.pos), a.text)
				}
				val = args[i].text
			}
			if err := p.apply(name, a.text, o, val, a); err != nil {
				return err
			}
		case strings.HasPrefix(a.text, "-") && len(a.text) > 1:
			s := a.text[1:]
			for j := 0; j < len(s); j++ {
				name, ok := curlShort[s[j]]
				if !ok {
					p.warnf("unknown option -%c at %s ignored", s[j], position(p.src, a.pos))
					continue
				}
				o, flag := curlLong[name], "-"+string(s[j])
				val := ""
				if o.arg {
					// The value is the rest of the word (-XPOST) or the next word.
					val = s[j+1:]
					if val == "" {
						i++
						if i >= len(args) {
							return fmt.Errorf("%s: option %s needs a value", position(p.src, a.pos), flag)
						}
						val = args[i].text
					}
					j = len(s)
				}
				if err := p.apply(name, flag, o, val, a); err != nil {
					return err
				}
			}
		default:
			p.urls = append(p.urls, a)
		}
	}
	return nil
}

func (p *curlCmd) apply(name, flag string, o curlOpt, val string, at token) error {
	where := position(p.src, at.pos)
	switch o.kind {
	case optIgnore:
		p.ignored = append(p.ignored, flag)
		return nil
	case optUnsupported:
		p.warnf("%s at %s is not supported: the imported request may differ from what curl sends", flag, where)
		return nil
	case optRefuse:
		switch name {
		case "form", "form-string":
			return fmt.Errorf("%s: %s builds a multipart form, which is not supported: send the request to Gancho with curl instead, or paste the body with --data-raw", where, flag)
		case "upload-file":
			return fmt.Errorf("%s: %s uploads a file: file bodies are not supported: paste the body with --data-raw", where, flag)
		}
		return fmt.Errorf("%s: %s reads options from a file: paste them into the command instead", where, flag)
	}
	switch name {
	case "request":
		if !isToken(val) {
			return fmt.Errorf("%s: %s %q is not a valid HTTP method", where, flag, val)
		}
		p.method = val
	case "header":
		return p.header(val, flag, where)
	case "data", "data-ascii", "data-binary", "json":
		s := val
		if strings.HasPrefix(val, "@") {
			var err error
			if s, err = p.readFile(val[1:], flag, where); err != nil {
				return err
			}
			if name == "data" || name == "data-ascii" {
				s = strings.NewReplacer("\r", "", "\n", "").Replace(s) // as curl does for -d @file
			}
		}
		p.addData(s, name == "json")
	case "data-raw":
		p.addData(val, false)
	case "data-urlencode":
		s, err := p.urlencode(val, flag, where, false)
		if err != nil {
			return err
		}
		p.addData(s, false)
	case "url-query":
		s, err := p.urlencode(val, flag, where, true)
		if err != nil {
			return err
		}
		p.queryAdd = append(p.queryAdd, s)
	case "user":
		if !strings.Contains(val, ":") {
			p.warnf("%s at %s: no password after the user name: curl would ask for one; imported with an empty password", flag, where)
			val += ":"
		}
		p.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(val))
		p.authFromUser = true
	case "oauth2-bearer":
		p.auth, p.authFromUser = "Bearer "+val, false
	case "digest", "ntlm", "negotiate", "anyauth":
		p.authNote = flag
	case "basic":
		p.authNote = ""
	case "user-agent":
		p.generated("User-Agent", val)
	case "cookie":
		if !strings.Contains(val, "=") {
			p.warnf("%s at %s: cookie file %q ignored: give the cookies as -b 'name=value'", flag, where, val)
			return nil
		}
		p.generated("Cookie", val)
	case "referer":
		p.generated("Referer", strings.TrimSuffix(val, ";auto"))
	case "range":
		p.generated("Range", "bytes="+val)
	case "compressed":
		p.generated("Accept-Encoding", curlCompressed)
	case "url":
		p.urls = append(p.urls, token{text: val, pos: at.pos})
	case "request-target":
		if !validTarget(val) {
			return fmt.Errorf("%s: %s %q: a target has no spaces or control characters", where, flag, val)
		}
		p.reqTarget = &val
	case "get":
		p.get = true
	case "head":
		p.head = true
	case "path-as-is":
		p.pathAsIs = true
	case "http1.0":
		p.proto = "HTTP/1.0"
	case "globoff":
		// URLs are read literally anyway.
	}
	return nil
}

func (p *curlCmd) header(val, flag, where string) error {
	if strings.HasPrefix(val, "@") {
		return fmt.Errorf("%s: %s %s: headers from a file are not supported: paste them as -H 'Name: value'", where, flag, val)
	}
	name, value, ok := strings.Cut(val, ":")
	if !ok {
		if n, found := strings.CutSuffix(val, ";"); found && isToken(n) {
			p.headers = append(p.headers, curlHeader{name: n}) // curl's way to send an empty value
			return nil
		}
		p.warnf("%s at %s: %q has no colon: ignored, as curl does", flag, where, val)
		return nil
	}
	if !isToken(name) {
		return fmt.Errorf("%s: %s: header name %q is not valid: letters, digits and !#$%%&'*+-.^_`|~ only, nothing before the colon", where, flag, name)
	}
	value = strings.Trim(value, " \t")
	if value == "" {
		p.headers = append(p.headers, curlHeader{name: name, remove: true})
		return nil
	}
	if !validHeaderValue(value) {
		return fmt.Errorf("%s: %s: the value of %s holds a line break or control character: curl would send a broken request", where, flag, name)
	}
	p.headers = append(p.headers, curlHeader{name: name, value: value})
	return nil
}

// generated sets a header an option makes; a later use of the option
// replaces it, as curl keeps only the last, and an empty value drops it.
func (p *curlCmd) generated(name, value string) {
	if p.gen == nil {
		p.gen = map[string]string{}
	}
	p.gen[name] = strings.Trim(value, " \t") // what a server records
}

func (p *curlCmd) readFile(name, flag, where string) (string, error) {
	if name != "-" {
		return "", fmt.Errorf("%s: %s @%s: file bodies are not supported: paste the body (--data-raw '…')", where, flag, name)
	}
	if p.stdin == nil {
		return "", fmt.Errorf("%s: %s @- reads the body from standard input: pipe it in with printf, or paste the body with --data-raw", where, flag)
	}
	s := *p.stdin
	empty := ""
	p.stdin = &empty // standard input is read once
	return s, nil
}

// addData joins bodies as curl does: with & between -d pieces, directly for
// --json.
func (p *curlCmd) addData(s string, json bool) {
	if p.hasData && !json {
		p.body.WriteByte('&')
	}
	p.body.WriteString(s)
	p.hasData = true
	p.jsonData = p.jsonData || json
}

// urlencode applies --data-urlencode's forms: content, =content,
// name=content, @file, name@file (and for --url-query +raw).
func (p *curlCmd) urlencode(val, flag, where string, plusRaw bool) (string, error) {
	if plusRaw && strings.HasPrefix(val, "+") {
		return val[1:], nil
	}
	eq, at := strings.IndexByte(val, '='), strings.IndexByte(val, '@')
	switch {
	case eq == 0:
		return curlEscape(val[1:]), nil
	case eq > 0 && (at < 0 || eq < at):
		return val[:eq] + "=" + curlEscape(val[eq+1:]), nil
	case at >= 0:
		content, err := p.readFile(val[at+1:], flag, where)
		if err != nil {
			return "", err
		}
		if at == 0 {
			return curlEscape(content), nil
		}
		return val[:at] + "=" + curlEscape(content), nil
	}
	return curlEscape(val), nil
}

// curlEscape percent-encodes all but RFC 3986 unreserved characters, and a
// space as +, as curl's --data-urlencode does (curl 7.x writes lowercase hex
// into URLs; uppercase is the same to any server).
func curlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (p *curlCmd) request() (*capture.Request, error) {
	if len(p.urls) == 0 {
		return nil, fmt.Errorf("no URL: add the address to send to, e.g. curl http://127.0.0.1:4665/hook")
	}
	if len(p.urls) > 1 {
		p.warnf("%d URLs given: only the first is imported (curl would send one request per URL)", len(p.urls))
	}
	u := p.urls[0]
	for i := 0; i < len(u.text); i++ {
		if c := u.text[i]; c <= ' ' || c == 0x7f {
			return nil, fmt.Errorf("%s: the URL holds a space or control character at byte %d: percent-encode it (a space is %%20)", position(p.src, u.pos), i+1)
		}
	}
	full := u.text
	if !strings.Contains(full, "://") {
		full = "http://" + full // curl's guess too
	}
	scheme, authority, target, ok := splitURL(full)
	if !ok {
		return nil, fmt.Errorf("%s: %q is not a URL: want e.g. http://127.0.0.1:4665/hook", position(p.src, u.pos), u.text)
	}
	if scheme != "http" && scheme != "https" {
		return nil, fmt.Errorf("%s: URL scheme %q: only http and https requests can be imported", position(p.src, u.pos), scheme)
	}
	host := hostOf(authority)
	if host == "" {
		return nil, fmt.Errorf("%s: URL %q has no host", position(p.src, u.pos), u.text)
	}
	if !p.pathAsIs {
		target = removeDotSegments(target)
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 && p.auth == "" {
		ui := authority[:at]
		if dec, err := url.PathUnescape(ui); err == nil {
			ui = dec
		}
		if !strings.Contains(ui, ":") {
			ui += ":"
		}
		p.auth, p.authFromUser = "Basic "+base64.StdEncoding.EncodeToString([]byte(ui)), true
	}
	if p.head && p.hasData && !p.get {
		return nil, fmt.Errorf("-I/--head with a body: curl refuses this combination; use -X HEAD to send a body with HEAD")
	}
	body := p.body.String()
	hasData := p.hasData
	if p.get && hasData {
		p.queryAdd = append(p.queryAdd, body)
		body, hasData = "", false
	}
	for _, q := range p.queryAdd {
		if strings.Contains(target, "?") {
			target += "&" + q
		} else {
			target += "?" + q
		}
	}
	if !validTarget(target) {
		return nil, fmt.Errorf("the query -G or --url-query adds holds a space or control character: use --data-urlencode, or percent-encode it (a space is %%20)")
	}
	if p.reqTarget != nil {
		target = *p.reqTarget
	}
	method := p.method
	if method == "" {
		switch {
		case p.head:
			method = "HEAD"
		case hasData:
			method = "POST"
		default:
			method = "GET"
		}
	}

	explicit := map[string]bool{}
	for _, h := range p.headers {
		explicit[strings.ToLower(h.name)] = true
	}
	hs := capture.Headers{}
	if !explicit["host"] {
		hs = append(hs, capture.Header{Name: "Host", Value: host})
	}
	if p.auth != "" && !explicit["authorization"] {
		if p.authFromUser && p.authNote != "" {
			p.warnf("%s: the server negotiates that Authorization header, so it cannot be rebuilt: left out", p.authNote)
		} else {
			hs = append(hs, capture.Header{Name: "Authorization", Value: p.auth})
		}
	}
	for _, name := range curlGenerated {
		v := p.gen[name]
		if v == "" || explicit[strings.ToLower(name)] {
			continue
		}
		if !validHeaderValue(v) {
			return nil, fmt.Errorf("the %s value holds a line break or control character: curl would send a broken request", name)
		}
		hs = append(hs, capture.Header{Name: name, Value: v})
	}
	for _, h := range p.headers {
		if !h.remove {
			hs = append(hs, capture.Header{Name: h.name, Value: h.value})
		}
	}
	if hasData {
		if p.jsonData && !explicit["content-type"] {
			hs = append(hs, capture.Header{Name: "Content-Type", Value: "application/json"})
		}
		if p.jsonData && !explicit["accept"] {
			hs = append(hs, capture.Header{Name: "Accept", Value: "application/json"})
		}
		if !explicit["content-length"] && !explicit["transfer-encoding"] {
			hs = append(hs, capture.Header{Name: "Content-Length", Value: fmt.Sprint(len(body))})
		}
		if !p.jsonData && !explicit["content-type"] {
			hs = append(hs, capture.Header{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
		}
	}
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Host") {
			host = h.Value
			break
		}
	}
	r := &capture.Request{
		ReceivedAt:      time.Now(),
		Method:          method,
		Target:          target,
		Proto:           p.proto,
		Host:            host,
		RemoteAddr:      RemoteImported,
		Headers:         hs,
		BodySize:        int64(len(body)),
		DeclaredSize:    declaredSize(hs),
		HeadersFromWire: true,
		Origin:          "import:" + string(Curl),
	}
	if body != "" {
		r.Body = []byte(body)
	}
	return r, nil
}
