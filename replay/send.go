package replay

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// Defaults for the zero Options fields, and the redirect limit.
const (
	DefaultTimeout = 30 * time.Second
	DefaultMaxBody = 1 << 20
	MaxRedirects   = 10
)

// Options tunes one Send. The zero value is the default: 30 s, no
// redirects followed, TLS verified, no proxy, 1 MiB of body kept.
type Options struct {
	// Timeout bounds the whole exchange, from dialling to the last byte of
	// the response body; ≤ 0 means DefaultTimeout.
	Timeout time.Duration
	// FollowRedirects follows up to MaxRedirects redirects; a further one,
	// or a redirect back to a URL already requested, fails with
	// ClassRedirects. When false a 3xx is returned as the response.
	FollowRedirects bool
	// Insecure skips TLS certificate verification for this request.
	Insecure bool
	// EnvProxy sends through the proxy named by HTTP_PROXY/HTTPS_PROXY
	// (honouring NO_PROXY) when one is set. Go never proxies requests to
	// localhost or loopback addresses this way. When false no proxy is used
	// at all, whatever the environment says: a replay to a local receiver
	// must not wander through a corporate proxy.
	EnvProxy bool
	// MaxBody is how much of the response body the Result keeps; ≤ 0 means
	// DefaultMaxBody. The rest is still read (within Timeout) and counted.
	MaxBody int64
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	return o
}

// Timings breaks down where a Send's time went, from net/http/httptrace.
// DNS, Connect and TLS are zero when they did not happen: an IP literal
// needs no lookup, plain http no handshake, and a reused connection none of
// the three (Result.Reused says so). When redirects are followed, DNS,
// Connect, TLS and FirstByte describe the last request and Total all of them.
type Timings struct {
	DNS       time.Duration // name lookup
	Connect   time.Duration // TCP connect (to the proxy, when one is used)
	TLS       time.Duration // TLS handshake
	FirstByte time.Duration // wait for the server: request written to first response byte
	Total     time.Duration // Send's start to the last body byte read, or to the failure
}

// Class says what kind of failure a Result is. The empty Class means a
// response arrived, whatever its status.
type Class string

// The failure classes.
const (
	ClassNone      Class = ""          // a response arrived
	ClassRefused   Class = "refused"   // connection refused: nothing listens on that port
	ClassReset     Class = "reset"     // the server closed or reset the connection without a (whole) response
	ClassTimeout   Class = "timeout"   // Options.Timeout, or the caller's deadline, ran out
	ClassDNS       Class = "dns"       // the host name did not resolve
	ClassTLS       Class = "tls"       // TLS handshake or certificate verification failed
	ClassRedirects Class = "redirects" // more than MaxRedirects redirects, or a redirect loop
	ClassCanceled  Class = "canceled"  // the caller canceled the context
	ClassOther     Class = "other"     // anything else, including an invalid Request
)

// Result is the outcome of one Send. A response of any status has Class ""
// and Err "". A failure has a Class and Err; Status, Headers and a partial
// Body are still set when the failure came after the response head (a body
// that timed out or was cut off, or the redirect that went over the limit).
type Result struct {
	Status int
	// Headers are the response headers with names in Go's canonical form,
	// sorted by name (Go's client does not keep the order across names), each
	// name's values in the order received.
	Headers   capture.Headers
	Body      []byte // the first Options.MaxBody bytes, as sent (not decompressed)
	BodySize  int64  // bytes of body read in all
	Truncated bool   // BodySize > len(Body)
	Timings   Timings
	Reused    bool      // the request went over a kept-alive connection
	Err       string    // one sentence: what happened and what to do next; "" for a response
	Class     Class     // "" for a response
	SentAt    time.Time // when Send started
}

// Sender sends Requests. It keeps one connection pool per combination of
// Options.Insecure and Options.EnvProxy and reuses connections across Sends
// (keep-alive, up to 64 idle per host, enough for bulk replay at
// concurrency 16 and more). Only HTTP/1.1 is spoken. A Sender is safe for
// concurrent use; its zero value is ready to use, as is NewSender's.
type Sender struct {
	once       sync.Once
	transports [4]*http.Transport // index: insecure | envProxy<<1
	// maxConns bounds each pool's connections per host (0: unbounded);
	// see NewPooledSender.
	maxConns int

	// proxy replaces http.ProxyFromEnvironment for the EnvProxy pools; tests
	// set it before the first Send, because Go reads the environment once
	// per process and never proxies loopback targets.
	proxy func(*http.Request) (*url.URL, error)
}

// NewSender returns a Sender with empty connection pools.
func NewSender() *Sender {
	s := &Sender{}
	s.init()
	return s
}

// NewPooledSender returns a Sender whose pools open at most maxConns
// connections per host and keep them all when idle; a request that finds
// none free waits for one (within its Timeout). Load runs use it: without
// the bound, each moment the receiver is slow opens more connections,
// and the run measures dialing instead of the receiver.
func NewPooledSender(maxConns int) *Sender {
	s := &Sender{maxConns: max(maxConns, 0)}
	s.init()
	return s
}

func (s *Sender) init() {
	s.once.Do(func() {
		proxy := s.proxy
		if proxy == nil {
			proxy = http.ProxyFromEnvironment
		}
		for i := range s.transports {
			insecure, envProxy := i&1 != 0, i&2 != 0
			var p func(*http.Request) (*url.URL, error)
			if envProxy {
				p = proxy
			}
			s.transports[i] = newTransport(insecure, p)
			if s.maxConns > 0 {
				s.transports[i].MaxConnsPerHost = s.maxConns
				s.transports[i].MaxIdleConnsPerHost = max(s.maxConns, s.transports[i].MaxIdleConnsPerHost)
				s.transports[i].MaxIdleConns = max(s.maxConns, s.transports[i].MaxIdleConns)
			}
		}
	})
}

func (s *Sender) transport(o Options) *http.Transport {
	i := 0
	if o.Insecure {
		i |= 1
	}
	if o.EnvProxy {
		i |= 2
	}
	return s.transports[i]
}

// newTransport builds one pool. Deadlines come from the request context
// (Options.Timeout), so the transport sets none of its own.
func newTransport(insecure bool, proxy func(*http.Request) (*url.URL, error)) *http.Transport {
	d := &net.Dialer{KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:       proxy,
		DialContext: d.DialContext,
		// InsecureSkipVerify only for the pool a user chose per request.
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: insecure},
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Keep the response body as sent: no Accept-Encoding is added and
		// nothing is decompressed behind the caller's back.
		DisableCompression: true,
	}
	// HTTP/1.1 only: HTTP/2 would lower-case header names.
	t.Protocols = new(http.Protocols)
	t.Protocols.SetHTTP1(true)
	return t
}

// Close closes the idle connections in every pool; ones in use by a Send
// are not interrupted and go back to the pool when it ends. The Sender stays
// usable: later Sends dial anew. Safe for concurrent use.
func (s *Sender) Close() {
	s.init()
	for _, t := range s.transports {
		t.CloseIdleConnections()
	}
}

// errTimeout is the cause set on the per-Send deadline, to tell it apart
// from a deadline the caller set.
var errTimeout = errors.New("replay timeout")

// Send sends r and returns the outcome; it never panics and never returns a
// failure other than in the Result. Cancelling ctx aborts the send
// (ClassCanceled); a deadline on ctx acts like a shorter Timeout. Safe for
// concurrent use.
func (s *Sender) Send(ctx context.Context, r Request, o Options) (res Result) {
	start := time.Now()
	res.SentAt = start
	defer func() {
		if p := recover(); p != nil {
			res = Result{SentAt: start, Class: ClassOther, Err: fmt.Sprintf("internal error while sending (%v): please report it", p)}
			res.Timings.Total = time.Since(start)
		}
	}()
	if ctx == nil {
		ctx = context.Background()
	}
	o = o.withDefaults()
	s.init()

	tctx, cancel := context.WithTimeoutCause(ctx, o.Timeout, errTimeout)
	defer cancel()
	tr := &tracer{}
	tctx = httptrace.WithClientTrace(tctx, tr.clientTrace())

	req, err := newHTTPRequest(tctx, r, o.EnvProxy)
	if err != nil {
		res.Class, res.Err = ClassOther, fmt.Sprintf("invalid request: %v; fix it and send again", err)
		res.Timings.Total = time.Since(start)
		return res
	}
	client := &http.Client{Transport: s.transport(o), CheckRedirect: checkRedirect(o.FollowRedirects)}
	resp, err := client.Do(req)
	if err != nil {
		if resp != nil { // a CheckRedirect failure: the redirect that went too far
			res.Status, res.Headers = resp.StatusCode, sortedHeaders(resp.Header)
		}
		res.Class, res.Err = classify(err, ctx, tctx, o, req.URL.Host)
		res.Timings, res.Reused = tr.snapshot()
		res.Timings.Total = time.Since(start)
		return res
	}
	defer resp.Body.Close()
	res.Status, res.Headers = resp.StatusCode, sortedHeaders(resp.Header)
	res.Body, res.BodySize, err = readCapped(resp.Body, o.MaxBody, resp.ContentLength)
	res.Truncated = res.BodySize > int64(len(res.Body))
	if err != nil {
		res.Class, res.Err = bodyFailure(err, ctx, tctx, o, res.BodySize, req.URL.Host)
	}
	res.Timings, res.Reused = tr.snapshot()
	res.Timings.Total = time.Since(start)
	return res
}

// newHTTPRequest turns r into an *http.Request bound to ctx. proxied says
// the request may go through an HTTP proxy, which needs the absolute form
// when the path has to be sent verbatim.
func newHTTPRequest(ctx context.Context, r Request, proxied bool) (*http.Request, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	u, err := requestURL(r.URL, proxied)
	if err != nil {
		return nil, err
	}
	// NewRequest with a bytes.Reader sets ContentLength and GetBody, which
	// 307/308 redirects need to resend the body. The placeholder URL is
	// replaced by u, which NewRequest's parser would re-escape.
	req, err := http.NewRequestWithContext(ctx, method, "http://placeholder/", bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	req.URL = u
	req.Host = r.Host
	canon := make(map[string]string, len(r.Headers)) // lower-case name → map key used
	for _, h := range r.Headers {
		// net/http would refuse these too, but its message blames no line.
		if !isToken(h.Name) {
			return nil, fmt.Errorf("header name %q is not a valid token (no spaces, colons or control characters)", h.Name)
		}
		if strings.ContainsAny(h.Value, "\r\n\x00") {
			return nil, fmt.Errorf("header %s has a line break or NUL in its value", h.Name)
		}
		lower := strings.ToLower(h.Name)
		switch lower {
		case "host":
			if req.Host == "" {
				req.Host = h.Value
			}
			continue
		case "content-length", "transfer-encoding", "trailer":
			continue // framing is net/http's, from the body
		}
		key, ok := canon[lower]
		if !ok {
			key = h.Name
			if lower == "user-agent" {
				// net/http looks the user agent up under this exact key;
				// any other spelling would be sent next to Go's default one.
				key = "User-Agent"
			}
			canon[lower] = key
		}
		// Direct map access keeps the name's case; one key per name (the
		// first spelling) keeps the values' relative order.
		req.Header[key] = append(req.Header[key], h.Value)
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{""} // an empty value stops Go adding "Go-http-client/1.1"
	}
	return req, nil
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), the syntax
// of header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// requestURL parses raw for sending. The path and query are kept as
// written: when Go would escape the path differently, the path is sent as
// the URL's Opaque part (in absolute form when a proxy may be involved).
func requestURL(raw string, proxied bool) (*url.URL, error) {
	base, path, query, hasQuery, err := splitURL(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	u, err := url.Parse(base)
	if err != nil { // splitURL parsed it already
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	if path == "" {
		path = "/"
	}
	u.RawQuery, u.ForceQuery = query, hasQuery && query == ""
	if p, err := url.PathUnescape(path); err == nil {
		u.Path, u.RawPath = p, path
		if u.EscapedPath() == path {
			return u, nil
		}
	} else {
		u.Path = path // for display; the request line uses Opaque
	}
	u.Opaque = path
	if proxied {
		u.Opaque = "//" + u.Host + path
	}
	return u, nil
}

// checkRedirect implements Options.FollowRedirects.
func checkRedirect(follow bool) func(*http.Request, []*http.Request) error {
	if !follow {
		return func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return func(req *http.Request, via []*http.Request) error {
		next := req.URL.String()
		for _, v := range via {
			if v.Method == req.Method && v.URL.String() == next {
				return &redirectError{msg: fmt.Sprintf("redirect loop: %s leads back to %s; fix the receiver's redirects or stop following them", via[len(via)-1].URL.Redacted(), req.URL.Redacted())}
			}
		}
		// via holds the requests made so far: the k-th redirect sees k.
		if len(via) > MaxRedirects {
			return &redirectError{msg: fmt.Sprintf("stopped after %d redirects (the next was to %s); point the request at the final URL or stop following redirects", MaxRedirects, req.URL.Redacted())}
		}
		return nil
	}
}

// redirectError carries the finished message for ClassRedirects.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// readCapped reads body to the end, keeping the first limit bytes; declared
// is the Content-Length (-1 if unknown), to size the buffer once.
func readCapped(body io.Reader, limit, declared int64) ([]byte, int64, error) {
	var buf bytes.Buffer
	if declared > 0 {
		buf.Grow(int(min(declared, limit)))
	}
	n, err := io.Copy(&buf, io.LimitReader(body, limit))
	if err != nil {
		return buf.Bytes(), n, err
	}
	rest, err := io.Copy(io.Discard, body)
	return buf.Bytes(), n + rest, err
}

// sortedHeaders converts Go's header map into a list sorted by name.
func sortedHeaders(h http.Header) capture.Headers {
	names := make([]string, 0, len(h))
	n := 0
	for k, vs := range h {
		names = append(names, k)
		n += len(vs)
	}
	slices.Sort(names)
	out := make(capture.Headers, 0, n)
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, capture.Header{Name: k, Value: v})
		}
	}
	return out
}

// tracer collects Timings. net/http calls its hooks from its own goroutines,
// some possibly after Send has returned (an abandoned dial), hence the lock.
type tracer struct {
	mu sync.Mutex
	s  traceState
}

type traceState struct {
	dnsStart, connStart, tlsStart time.Time
	gotConn, wrote                time.Time
	dns, connect, tls, firstByte  time.Duration
	reused                        bool
}

func (tr *tracer) clientTrace() *httptrace.ClientTrace {
	at := func(f func(s *traceState, now time.Time)) {
		now := time.Now()
		tr.mu.Lock()
		f(&tr.s, now)
		tr.mu.Unlock()
	}
	return &httptrace.ClientTrace{
		GetConn: func(string) {
			// Each request of a redirect chain starts afresh.
			at(func(s *traceState, _ time.Time) { *s = traceState{} })
		},
		DNSStart: func(httptrace.DNSStartInfo) { at(func(s *traceState, now time.Time) { s.dnsStart = now }) },
		DNSDone: func(httptrace.DNSDoneInfo) {
			at(func(s *traceState, now time.Time) {
				if !s.dnsStart.IsZero() {
					s.dns = now.Sub(s.dnsStart)
				}
			})
		},
		ConnectStart: func(string, string) {
			at(func(s *traceState, now time.Time) {
				if s.connStart.IsZero() { // the first of several attempts (IPv6, then IPv4)
					s.connStart = now
				}
			})
		},
		ConnectDone: func(_, _ string, err error) {
			at(func(s *traceState, now time.Time) {
				if err == nil && !s.connStart.IsZero() {
					s.connect = now.Sub(s.connStart)
				}
			})
		},
		TLSHandshakeStart: func() { at(func(s *traceState, now time.Time) { s.tlsStart = now }) },
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			at(func(s *traceState, now time.Time) {
				if !s.tlsStart.IsZero() {
					s.tls = now.Sub(s.tlsStart)
				}
			})
		},
		GotConn: func(info httptrace.GotConnInfo) {
			at(func(s *traceState, now time.Time) { s.gotConn, s.reused = now, info.Reused })
		},
		WroteRequest: func(httptrace.WroteRequestInfo) { at(func(s *traceState, now time.Time) { s.wrote = now }) },
		GotFirstResponseByte: func() {
			at(func(s *traceState, now time.Time) {
				// A server may answer before the body is written (an early
				// 413, say): then count from getting the connection.
				from := s.wrote
				if from.IsZero() {
					from = s.gotConn
				}
				if !from.IsZero() {
					s.firstByte = now.Sub(from)
				}
			})
		},
	}
}

func (tr *tracer) snapshot() (Timings, bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	s := tr.s
	t := Timings{DNS: s.dns, Connect: s.connect, TLS: s.tls, FirstByte: s.firstByte}
	if s.reused {
		// A dial the transport started but did not use may still report in.
		t.DNS, t.Connect, t.TLS = 0, 0, 0
	}
	return t, s.reused
}
