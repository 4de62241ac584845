package exchange

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/gancho-app/gancho/capture"
)

// DefaultBaseURL is where Gancho listens by default: the base of exported
// URLs for a capture that does not say which host it came to.
const DefaultBaseURL = "http://" + capture.DefaultAddr

// ExportOptions tune Export.
type ExportOptions struct {
	// IncludeSecrets writes credentials as captured. Default false: they are
	// redacted (see the package doc).
	IncludeSecrets bool
	// RedactQuery names more query parameters (case-insensitive) to redact,
	// in addition to the default ones (see the package doc).
	RedactQuery []string
	// SecretPrefixes are the capture URL's secret path prefixes
	// (capture.Policy.SecretPrefix, without slashes): each is replaced by
	// REDACTED where it stands as a path segment of the target or of a
	// header value.
	SecretPrefixes []string
	// SecretHeaders names more headers (case-insensitive) whose values are
	// redacted, such as the configured verifiers' signature headers.
	SecretHeaders []string
	// BaseURL is put before each capture's Target to make the URL of curl
	// and HAR exports, e.g. the app a capture is replayed to. Default: the
	// address each capture came to (see CaptureBase).
	BaseURL string
	// Version is the HAR creator version, Gancho's version. Default "dev".
	Version string
}

// baseURL is a checked ExportOptions.BaseURL: scheme, authority and path
// (without a trailing slash).
type baseURL struct {
	scheme, authority, path string
}

func (b baseURL) String() string { return b.scheme + "://" + b.authority + b.path }

// CaptureBase is the scheme and host r arrived at: its Host header (or the
// host it was recorded with), and https when a proxy in front (ngrok, a load
// balancer) says so with X-Forwarded-Proto or Forwarded: proto=https. A
// capture without a usable host gets DefaultBaseURL.
func CaptureBase(r *capture.Request) string {
	host := r.Headers.Get("Host")
	if !plainHost(host) {
		host = r.Host
	}
	if !plainHost(host) {
		return DefaultBaseURL
	}
	scheme := "http"
	if p := strings.ToLower(strings.TrimSpace(firstField(r.Headers.Get("X-Forwarded-Proto")))); p == "https" {
		scheme = p
	} else if f := strings.ToLower(r.Headers.Get("Forwarded")); strings.Contains(f, "proto=https") {
		scheme = "https"
	}
	return scheme + "://" + host
}

// plainHost reports whether h can stand in a URL as its authority: a host
// name or IP literal with an optional port, nothing a URL would read as
// user info, path or query.
func plainHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_:[]", c) >= 0) {
			return false
		}
	}
	return true
}

func firstField(s string) string {
	f, _, _ := strings.Cut(s, ",")
	return f
}

// baseFor is the checked base URL of r's export: o.BaseURL when set, else
// the address r came to.
func (o ExportOptions) baseFor(r *capture.Request) baseURL {
	if o.BaseURL != "" {
		b, _ := o.base() // checked by Export before anything is written
		return b
	}
	b, err := parseBase(CaptureBase(r))
	if err != nil {
		b, _ = parseBase(DefaultBaseURL)
	}
	return b
}

func (o ExportOptions) base() (baseURL, error) {
	s := o.BaseURL
	if s == "" {
		s = DefaultBaseURL
	}
	return parseBase(s)
}

func parseBase(s string) (baseURL, error) {
	i := strings.Index(s, "://")
	if i < 0 {
		return baseURL{}, fmt.Errorf("base URL %q: want http://host[:port] or https://host[:port], optionally with a path", s)
	}
	b := baseURL{scheme: strings.ToLower(s[:i])}
	if b.scheme != "http" && b.scheme != "https" {
		return baseURL{}, fmt.Errorf("base URL %q: scheme %q: want http or https", s, s[:i])
	}
	rest := s[i+3:]
	if strings.ContainsAny(rest, "?# \t\r\n") {
		return baseURL{}, fmt.Errorf("base URL %q: no query, fragment or spaces allowed: the capture's target supplies the query", s)
	}
	b.authority, b.path = rest, ""
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		b.authority, b.path = rest[:j], strings.TrimRight(rest[j:], "/")
	}
	if b.authority == "" {
		return baseURL{}, fmt.Errorf("base URL %q has no host: want e.g. %s", s, DefaultBaseURL)
	}
	return b, nil
}

// urlFor is the URL a capture is exported with. An absolute-form target is
// already a URL; any other non-path target ("*") gets the base's root.
func (b baseURL) urlFor(target string) string {
	switch {
	case strings.HasPrefix(target, "/"):
		return b.String() + target
	case isAbsoluteTarget(target):
		return target
	}
	return b.String() + "/"
}

// isAbsoluteTarget reports whether t is absolute-form ("http://host/path").
func isAbsoluteTarget(t string) bool {
	i := strings.Index(t, "://")
	return i > 0 && !strings.ContainsAny(t[:i], "/?#")
}

// Export writes reqs to w in format f, redacted unless o.IncludeSecrets. The
// requests need their bodies (as capture.Store.Get returns them).
func Export(w io.Writer, f Format, reqs []*capture.Request, o ExportOptions) error {
	ew, err := NewWriter(w, f, o)
	if err != nil {
		return err
	}
	for i, r := range reqs {
		if r == nil {
			return fmt.Errorf("export: capture %d of %d is missing (nil)", i+1, len(reqs))
		}
		if err := ew.Write(r); err != nil {
			return err
		}
	}
	return ew.Close()
}

// Writer exports captures one at a time, in constant memory whatever
// their number: what `gancho export` streams from the store. Not safe for
// concurrent use.
type Writer struct {
	bw    *bufio.Writer
	f     Format
	o     ExportOptions
	n     int
	first *capture.Request // raw: held until a second one decides the framing
	err   error
}

// NewWriter starts an export to w in format f, redacted unless
// o.IncludeSecrets. Write each capture (with its body), then Close.
func NewWriter(w io.Writer, f Format, o ExportOptions) (*Writer, error) {
	if !f.valid() {
		return nil, fmt.Errorf("export: unknown format %q: want har, jsonl, curl or raw", f)
	}
	if _, err := o.base(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &Writer{bw: bufio.NewWriter(w), f: f, o: o}, nil
}

// Write exports r (redacted unless the options say otherwise).
func (e *Writer) Write(r *capture.Request) error {
	if e.err != nil {
		return e.err
	}
	r = Redact(r, e.o)
	var err error
	switch e.f {
	case HAR:
		if e.n == 0 {
			err = writeHARStart(e.bw, e.o.Version)
		}
		if err == nil {
			err = writeHAREntry(e.bw, r, e.o.baseFor(r), e.n == 0)
		}
	case JSONL:
		err = writeJSONL(e.bw, r)
	case Curl:
		if e.n > 0 {
			_, err = io.WriteString(e.bw, "\n")
		}
		if err == nil {
			_, err = io.WriteString(e.bw, curlCommand(r, e.o.baseFor(r)))
		}
	case Raw:
		// One request is written bare; several each get a separator line.
		switch e.n {
		case 0:
			e.first = r
		case 1:
			if err = writeRawFramed(e.bw, e.first); err == nil {
				err = writeRawFramed(e.bw, r)
			}
			e.first = nil
		default:
			err = writeRawFramed(e.bw, r)
		}
	}
	e.n++
	if err != nil {
		e.err = fmt.Errorf("export %s: capture %s: %w", e.f, r.ID, err)
	}
	return e.err
}

// Count is how many captures were written so far.
func (e *Writer) Count() int { return e.n }

// Close ends the document (HAR's closing brackets) and flushes. It does
// not close the underlying writer.
func (e *Writer) Close() error {
	if e.err != nil {
		return e.err
	}
	var err error
	switch {
	case e.f == HAR && e.n == 0:
		if err = writeHARStart(e.bw, e.o.Version); err == nil {
			err = writeHAREnd(e.bw, true)
		}
	case e.f == HAR:
		err = writeHAREnd(e.bw, false)
	case e.f == Raw && e.first != nil:
		_, err = e.bw.Write(rawBytes(e.first))
	}
	if err == nil {
		err = e.bw.Flush()
	}
	if err != nil {
		e.err = fmt.Errorf("export %s: %w", e.f, err)
	}
	return e.err
}

func writeJSONL(w io.Writer, r *capture.Request) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // bodies and targets stay readable: this is not HTML
	return enc.Encode(r.ToRecord())
}
