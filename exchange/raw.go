package exchange

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// rawSeparator starts each request of a multi-request raw export.
const rawSeparator = "### gancho "

// writeRawFramed writes r after a separator line naming it, for a raw
// export of several requests.
func writeRawFramed(w io.Writer, r *capture.Request) error {
	b := rawBytes(r)
	id := r.ID
	if id == "" || strings.ContainsAny(id, " \t\r\n") {
		id = "-"
	}
	if _, err := fmt.Fprintf(w, "%s%s received=%s length=%d\n", rawSeparator, id,
		r.ReceivedAt.UTC().Format(time.RFC3339Nano), len(b)); err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// rawBytes is r as HTTP/1.x wire bytes. HTTP/2 and later captures get an
// HTTP/1.1 request line: their own version has no text form. A body the
// headers call chunked is re-chunked (capture stores it de-chunked).
func rawBytes(r *capture.Request) []byte {
	var b bytes.Buffer
	proto := "HTTP/1.1"
	if r.Proto == "HTTP/1.0" {
		proto = r.Proto
	}
	b.WriteString(r.Method + " " + r.Target + " " + proto + "\r\n")
	for _, h := range r.Headers {
		b.WriteString(h.Name + ": " + h.Value + "\r\n")
	}
	b.WriteString("\r\n")
	if chunked(r.Headers) {
		if len(r.Body) > 0 {
			fmt.Fprintf(&b, "%x\r\n", len(r.Body))
			b.Write(r.Body)
			b.WriteString("\r\n")
		}
		b.WriteString("0\r\n\r\n")
	} else {
		b.Write(r.Body)
	}
	return b.Bytes()
}

// chunked reports whether the last transfer coding is chunked, which is
// what frames a request body (RFC 9112 §6.3).
func chunked(h capture.Headers) bool {
	te := h.Values("Transfer-Encoding")
	if len(te) == 0 {
		return false
	}
	codings := strings.Split(strings.Join(te, ","), ",")
	return strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
}

// ParseRaw parses one raw HTTP/1.x request: request line, headers, blank
// line, body. Lines may end in CRLF or LF; empty lines before the request
// line are skipped, and a missing blank line at the very end is fine.
// Headers keep their order, case and duplicates; folded lines are joined as
// capture does. An absolute-form target gives the Host. The body is framed
// as a server would: a chunked body is de-chunked (Transfer-Encoding kept,
// trailers dropped), Content-Length is honoured, and without either the
// rest of the input is the body. A body shorter than Content-Length (or a
// chunked body without its last chunk) is accepted as Truncated, with
// Error saying so; bytes after the body other than white space are an
// error, since they would be a second request. The request gets a fresh
// id, the time of the call, RemoteAddr "imported" and Origin "import:raw".
func ParseRaw(b []byte) (*capture.Request, error) {
	r, err := parseRaw(b)
	if err != nil {
		return nil, fmt.Errorf("raw request: %w", err)
	}
	r.ReceivedAt = time.Now()
	r.ID = ids.New(r.ReceivedAt)
	return r, nil
}

func parseRaw(b []byte) (*capture.Request, error) {
	off := 0
	for off < len(b) && (b[off] == '\r' || b[off] == '\n') {
		off++
	}
	if off == len(b) {
		return nil, fmt.Errorf("empty: paste a request that starts with a request line such as POST /hook HTTP/1.1")
	}
	var head, rest []byte
	if end, n := capture.HeadEnd(b[off:]); end >= 0 {
		head, rest = b[off:off+end], b[off+end+n:]
	} else {
		head = bytes.TrimRight(b[off:], "\r\n")
	}
	lines := strings.Split(string(head), "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	parts := strings.Split(lines[0], " ")
	if len(parts) != 3 {
		return nil, fmt.Errorf("line 1: %q: want METHOD TARGET HTTP/1.1, separated by single spaces", truncate(lines[0], 80))
	}
	r := &capture.Request{
		Method:          parts[0],
		Target:          parts[1],
		Proto:           parts[2],
		Headers:         capture.Headers{},
		RemoteAddr:      RemoteImported,
		HeadersFromWire: true,
		DeclaredSize:    -1,
		Origin:          "import:" + string(Raw),
	}
	if !isToken(r.Method) {
		return nil, fmt.Errorf("line 1: method %q is not a valid HTTP method", truncate(r.Method, 40))
	}
	if !validTarget(r.Target) {
		return nil, fmt.Errorf("line 1: target %q holds a control character", truncate(r.Target, 80))
	}
	if v, ok := strings.CutPrefix(r.Proto, "HTTP/"); !ok || v == "" || !validProtoVersion(v) {
		return nil, fmt.Errorf("line 1: %q: %q is not an HTTP version: want METHOD TARGET HTTP/1.1", truncate(lines[0], 80), truncate(r.Proto, 40))
	}
	for i, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(r.Headers) == 0 {
				return nil, fmt.Errorf("line %d starts with white space but no header comes before it", i+2)
			}
			// Obsolete line folding: joined as capture (and Go) do.
			last := &r.Headers[len(r.Headers)-1]
			last.Value = strings.TrimSpace(last.Value + " " + strings.TrimSpace(l))
			if !validHeaderValue(last.Value) {
				return nil, fmt.Errorf("line %d: the value of %s holds a control character", i+2, last.Name)
			}
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not a header: want Name: value (is the blank line before the body missing?)", i+2, truncate(l, 80))
		}
		if !isToken(name) {
			return nil, fmt.Errorf("line %d: header name %q is not valid: no spaces, nothing but letters, digits and !#$%%&'*+-.^_`|~", i+2, truncate(name, 40))
		}
		value = strings.Trim(value, " \t")
		if !validHeaderValue(value) {
			return nil, fmt.Errorf("line %d: the value of %s holds a control character", i+2, name)
		}
		r.Headers = append(r.Headers, capture.Header{Name: name, Value: value})
	}
	r.Host = r.Headers.Get("Host")
	if isAbsoluteTarget(r.Target) {
		_, authority, _, _ := splitURL(r.Target)
		r.Host = hostOf(authority) // RFC 9112 §3.2.2: the target's authority wins
	} else if r.Method == "CONNECT" && !strings.HasPrefix(r.Target, "/") {
		r.Host = r.Target
	}
	if err := rawBody(r, rest); err != nil {
		return nil, err
	}
	r.BodySize = int64(len(r.Body))
	return r, nil
}

func rawBody(r *capture.Request, rest []byte) error {
	if te := r.Headers.Values("Transfer-Encoding"); len(te) > 0 {
		if !chunked(r.Headers) {
			return fmt.Errorf("Transfer-Encoding %q does not end in chunked, so the body has no known length (servers refuse it too)", strings.Join(te, ", "))
		}
		body, complete, after, err := dechunk(rest)
		if err != nil {
			return err
		}
		if !complete {
			r.Truncated = true
			r.Error = "body incomplete: the chunked body ends before its last (zero-size) chunk"
		} else if !isSpace(after) {
			return fmt.Errorf("%d bytes follow the end of the chunked body: is this more than one request? Import separates requests with ### lines", len(after))
		}
		r.Body = body
		return nil
	}
	if cls := r.Headers.Values("Content-Length"); len(cls) > 0 {
		n := int64(-1)
		for _, cl := range cls {
			v, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64)
			if err != nil || v < 0 {
				return fmt.Errorf("Content-Length %q is not a byte count: fix it or remove the header", cl)
			}
			if n >= 0 && v != n {
				return fmt.Errorf("conflicting Content-Length headers (%s): keep one", strings.Join(cls, ", "))
			}
			n = v
		}
		r.DeclaredSize = n
		if int64(len(rest)) < n {
			r.Body = rest
			r.Truncated = true
			r.Error = fmt.Sprintf("body incomplete: Content-Length is %d but %d bytes follow the headers", n, len(rest))
		} else {
			r.Body = rest[:n]
			if extra := rest[n:]; !isSpace(extra) {
				return fmt.Errorf("%d bytes follow the %d-byte body Content-Length announces: fix Content-Length (or remove it to take everything), or, for several requests, separate them with ### lines and import the file", len(extra), n)
			}
		}
		if len(r.Body) == 0 {
			r.Body = nil
		}
		return nil
	}
	// No framing: a server would read no body, but a pasted request means
	// what it shows.
	if !isSpace(rest) {
		r.Body = rest
	}
	return nil
}

// dechunk undoes chunked transfer coding. complete is false when the input
// ends before the zero-size chunk; after is what follows the trailers.
func dechunk(b []byte) (body []byte, complete bool, after []byte, err error) {
	pos := 0
	for {
		nl := bytes.IndexByte(b[pos:], '\n')
		if nl < 0 {
			return body, false, nil, nil
		}
		line := string(bytes.TrimSuffix(b[pos:pos+nl], []byte("\r")))
		lineStart := pos
		pos += nl + 1
		sizeText, _, _ := strings.Cut(line, ";") // chunk extensions carry nothing we keep
		size, perr := strconv.ParseInt(strings.Trim(sizeText, " \t"), 16, 64)
		if perr != nil || size < 0 {
			return nil, false, nil, fmt.Errorf("chunked body: %q at byte %d of the body is not a hex chunk size", truncate(line, 40), lineStart)
		}
		if size == 0 {
			for {
				nl := bytes.IndexByte(b[pos:], '\n')
				if nl < 0 {
					return body, true, nil, nil // the final CRLF may be missing in a paste
				}
				l := bytes.TrimSuffix(b[pos:pos+nl], []byte("\r"))
				pos += nl + 1
				if len(l) == 0 {
					return body, true, b[pos:], nil
				}
			}
		}
		if size > int64(len(b)-pos) {
			return append(body, b[pos:]...), false, nil, nil
		}
		body = append(body, b[pos:pos+int(size)]...)
		pos += int(size)
		switch {
		case bytes.HasPrefix(b[pos:], []byte("\r\n")):
			pos += 2
		case bytes.HasPrefix(b[pos:], []byte("\n")):
			pos++
		case pos == len(b):
			return body, false, nil, nil
		default:
			return nil, false, nil, fmt.Errorf("chunked body: no line break after the %d-byte chunk at byte %d of the body: is a chunk size wrong?", size, pos-int(size))
		}
	}
}

func isSpace(b []byte) bool { return len(bytes.TrimLeft(b, " \t\r\n")) == 0 }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// isToken reports whether s is an RFC 9110 token (a method, a header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validHeaderValue allows what Go's server accepts: no control characters
// but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validTarget: a request target is one word of visible characters.
func validTarget(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// importRaw reads one raw request, or several separated by "###" lines.
func importRaw(b []byte, now time.Time) ([]*capture.Request, []string, error) {
	s := bytes.TrimLeft(b, " \t\r\n")
	if !bytes.HasPrefix(s, []byte("###")) {
		r, err := parseRaw(b)
		if err != nil {
			return nil, nil, err
		}
		r.ReceivedAt = now
		var warns []string
		if r.Error != "" {
			warns = append(warns, r.Error)
		}
		return []*capture.Request{r}, warns, nil
	}
	var (
		out   []*capture.Request
		n     notes
		first error
	)
	p, idx := 0, 0
	for p < len(s) {
		idx++
		line := s[p:]
		if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl+1]
		}
		p += len(line)
		id, received, length := parseSeparator(string(bytes.TrimRight(line, "\r\n")))
		var chunk []byte
		if length >= 0 && length <= len(s)-p && followedBySeparator(s[p+length:]) {
			chunk = s[p : p+length]
			p += length
			p += len(s[p:]) - len(bytes.TrimLeft(s[p:], " \t\r\n"))
		} else {
			if length >= 0 {
				n.add("the length in its ### line does not fit: split at the next ### line instead", idx)
			}
			next := len(s)
			if bytes.HasPrefix(s[p:], []byte("###")) {
				next = p
			} else if j := bytes.Index(s[p:], []byte("\n###")); j >= 0 {
				next = p + j + 1
			}
			chunk = s[p:next]
			if bytes.HasSuffix(chunk, []byte("\r\n")) {
				chunk = chunk[:len(chunk)-2]
			} else if bytes.HasSuffix(chunk, []byte("\n")) {
				chunk = chunk[:len(chunk)-1]
			}
			p = next
		}
		if isSpace(chunk) {
			n.add("empty: skipped", idx)
			continue
		}
		r, err := parseRaw(chunk)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("request %d: %w", idx, err)
			}
			n.add("skipped: "+err.Error(), idx)
			continue
		}
		r.ID = id
		switch {
		case !received.IsZero():
			r.ReceivedAt = received
		case validULID(id):
			r.ReceivedAt = ulidTime(id)
		default:
			r.ReceivedAt = now
		}
		if r.Error != "" {
			n.add(r.Error, idx)
		}
		out = append(out, r)
	}
	if len(out) == 0 && first != nil {
		return nil, nil, first
	}
	return out, n.list("request", "requests"), nil
}

// parseSeparator reads "### gancho <id> received=<time> length=<n>"; any
// other "###" line is a plain separator (length -1).
func parseSeparator(line string) (id string, received time.Time, length int) {
	length = -1
	f := strings.Fields(strings.TrimPrefix(line, "###"))
	if len(f) < 2 || f[0] != "gancho" {
		return "", time.Time{}, -1
	}
	if f[1] != "-" {
		id = f[1]
	}
	for _, kv := range f[2:] {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "received":
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				received = t.UTC()
			}
		case "length":
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				length = n
			}
		}
	}
	return id, received, length
}

func followedBySeparator(rest []byte) bool {
	t := bytes.TrimLeft(rest, " \t\r\n")
	return len(t) == 0 || (bytes.HasPrefix(t, []byte("###")) && len(rest) > 0 && (rest[0] == '\n' || rest[0] == '\r'))
}
