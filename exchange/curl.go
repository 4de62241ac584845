package exchange

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gancho-app/gancho/capture"
)

// curlCommand writes r as one bash command ending in a newline. ParseCurl
// reads it back to the same method, target, headers (but Content-Length,
// which curl computes) and body bytes.
func curlCommand(r *capture.Request, base baseURL) string {
	var b strings.Builder
	piped := pipeBody(r.Body)
	if piped {
		b.WriteString("printf " + printfQuote(r.Body) + " | ")
	}
	b.WriteString("curl")
	if r.Method == "HEAD" && len(r.Body) == 0 {
		b.WriteString(" --head") // -X HEAD makes curl wait for a body that never comes
	} else {
		b.WriteString(" -X " + shellWord(r.Method))
	}
	// Other targets ("*", absolute-form) go to the base as they came, with
	// --request-target: that replays exactly what the sender did.
	u, intended := base.String()+"/", r.Target
	if strings.HasPrefix(r.Target, "/") {
		u, intended = base.String()+r.Target, base.path+r.Target
	}
	_, authority, sent, _ := splitURL(u)
	if removeDotSegments(sent) != intended {
		if sent == intended {
			b.WriteString(" --path-as-is") // curl would resolve "/a/../b" to "/b"
		} else {
			b.WriteString(" --request-target " + shellQuote(intended))
		}
	}
	if strings.ContainsAny(u, "[]{}") {
		b.WriteString(" -g") // curl would read [1-3] and {a,b} as ranges
	}
	b.WriteString(" " + shellQuote(u))
	arg := func(s string) { b.WriteString(" \\\n  " + s) }

	// Host comes from the URL. When the capture's Host names another host
	// (the URL is another base), it is left out: sending it would contradict
	// the URL and most servers would route or reject by it. When it is the
	// URL's but repeated or not first, which the URL cannot say, it is kept.
	hosts := r.Headers.Values("Host")
	sameHost := slices.ContainsFunc(hosts, func(h string) bool { return strings.EqualFold(h, authority) })
	skipHost := len(hosts) == 1 && len(r.Headers) > 0 && r.Headers[0].Name == "Host" && strings.EqualFold(r.Headers[0].Value, authority)
	if len(hosts) == 0 {
		arg("-H " + shellQuote("Host:")) // "Name:" tells curl to leave its own header out
	}
	for i, h := range r.Headers {
		if strings.EqualFold(h.Name, "Content-Length") || (i == 0 && skipHost) || (strings.EqualFold(h.Name, "Host") && !sameHost) {
			continue
		}
		if h.Value == "" {
			arg("-H " + shellQuote(h.Name+";")) // curl's spelling of an empty header
		} else {
			arg("-H " + shellQuote(h.Name+": "+h.Value))
		}
	}
	if len(r.Body) > 0 && len(r.Headers.Values("Content-Type")) == 0 {
		arg("-H " + shellQuote("Content-Type:")) // else curl adds a form type
	}
	switch {
	case piped:
		arg("--data-binary @-")
	case len(r.Body) > 0:
		// --data-raw is --data-binary that never reads a file for "@name".
		arg("--data-raw " + shellQuote(string(r.Body)))
	}
	b.WriteString("\n")
	return b.String()
}

// pipeBodyOver is the body size from which the body is piped in: a longer
// --data-raw argument would pass Linux's 128 KiB limit on one argument of
// an exec'd program (printf is a builtin in bash, dash and zsh, so it has no
// such limit).
const pipeBodyOver = 64 << 10

// pipeBody reports whether the body goes through printf and --data-binary
// @-: when no shell word can carry it (a NUL byte), when it needs escapes
// (not printable UTF-8: dash has no $'...'), or when it is large.
func pipeBody(body []byte) bool {
	return len(body) > pipeBodyOver || bytes.IndexByte(body, 0) >= 0 || !printableText(string(body))
}

// shellWord leaves plain words (a method) bare and quotes the rest.
func shellWord(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return shellQuote(s)
		}
	}
	if s == "" {
		return "''"
	}
	return s
}

// shellQuote quotes s for a POSIX shell: single quotes, where nothing is
// special but the quote itself and every byte but NUL survives, so bytes
// that are not UTF-8 (a Latin-1 header) stay as they are in every shell.
// Only control characters (but newline and tab) get bash's $'...' instead,
// to keep them out of the file as raw bytes; dash lacks $'...', but such
// bytes are rare outside bodies, and bodies never use it (see pipeBody).
func shellQuote(s string) string {
	if !hasControl(s) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				fmt.Fprintf(&b, `\x%02X`, c)
			} else {
				b.WriteString(s[i : i+n])
			}
			i += n
			continue
		}
		switch c {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(&b, `\x%02X`, c)
			} else {
				b.WriteByte(c)
			}
		}
		i++
	}
	b.WriteString("'")
	return b.String()
}

// hasControl reports whether s holds a control character other than
// newline and tab.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// printableText reports whether s is valid UTF-8 without control
// characters other than newline and tab.
func printableText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// printfQuote writes b as a printf format that prints exactly b in bash,
// dash and zsh: three-digit octal escapes (\ddd, which every POSIX printf
// knows; dash has no \x) for anything not printable ASCII. A leading '-'
// is escaped too, or printf would read "--boundary…" as an option and print
// nothing; "printf --" is not portable across the builtins.
func printfQuote(b []byte) string {
	var s strings.Builder
	s.WriteByte('\'')
	for i, c := range b {
		switch {
		case i == 0 && c == '-':
			s.WriteString(`\055`)
		case c == '\\':
			s.WriteString(`\\`)
		case c == '%':
			s.WriteString("%%")
		case c == '\'':
			s.WriteString(`\047`)
		case c == '\n':
			s.WriteString(`\n`)
		case c >= 0x20 && c < 0x7f:
			s.WriteByte(c)
		default:
			fmt.Fprintf(&s, `\%03o`, c)
		}
	}
	s.WriteByte('\'')
	return s.String()
}

// removeDotSegments resolves "." and ".." in a target's path as curl does
// before sending (RFC 3986 §5.2.4); the query is left alone.
func removeDotSegments(target string) string {
	path, query, hasQuery := strings.Cut(target, "?")
	if !strings.Contains(path, ".") {
		return target
	}
	in := path
	var out []string
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "/..":
			in = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "." || in == "..":
			in = ""
		default:
			j := strings.IndexByte(in[1:], '/')
			if j < 0 {
				out = append(out, in)
				in = ""
			} else {
				out = append(out, in[:j+1])
				in = in[j+1:]
			}
		}
	}
	res := strings.Join(out, "")
	if hasQuery {
		res += "?" + query
	}
	return res
}
