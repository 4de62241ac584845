package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/verify"
)

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// The export side: every field HAR 1.2 requires, in a fixed order, so the
// same captures always give the same bytes.
type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntryOut struct {
	StartedDateTime string         `json:"startedDateTime"`
	Time            int            `json:"time"`
	Request         harRequestOut  `json:"request"`
	Response        harResponseOut `json:"response"`
	Cache           struct{}       `json:"cache"`
	Timings         harTimings     `json:"timings"`

	// Gancho's own fields: what HAR has no place for, so an import of this
	// file restores the capture exactly.
	GanchoID        string         `json:"_gancho_id"`
	Target          string         `json:"_target"`
	Host            string         `json:"_host"`
	RemoteAddr      string         `json:"_remote_addr"`
	BodySize        int64          `json:"_body_size"`
	Truncated       bool           `json:"_truncated"`
	DeclaredSize    int64          `json:"_declared_size"`
	HeadersFromWire bool           `json:"_headers_from_wire"`
	Error           string         `json:"_error,omitempty"`
	Verification    *verify.Result `json:"_verification,omitempty"`
	DuplicateOf     string         `json:"_duplicate_of,omitempty"`
	Refused         string         `json:"_refused,omitempty"`
	Rule            string         `json:"_rule,omitempty"`
}

type harRequestOut struct {
	Method      string          `json:"method"`
	URL         string          `json:"url"`
	HTTPVersion string          `json:"httpVersion"`
	Cookies     []harNV         `json:"cookies"`
	Headers     []harNV         `json:"headers"`
	QueryString []harNV         `json:"queryString"`
	PostData    *harPostDataOut `json:"postData,omitempty"`
	HeadersSize int             `json:"headersSize"`
	BodySize    int             `json:"bodySize"`
}

type harPostDataOut struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"_encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type harResponseOut struct {
	Status      int           `json:"status"`
	StatusText  string        `json:"statusText"`
	HTTPVersion string        `json:"httpVersion"`
	Cookies     []harNV       `json:"cookies"`
	Headers     []harNV       `json:"headers"`
	Content     harContentOut `json:"content"`
	RedirectURL string        `json:"redirectURL"`
	HeadersSize int           `json:"headersSize"`
	BodySize    int           `json:"bodySize"`
}

type harContentOut struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

type harTimings struct {
	Send    int `json:"send"`
	Wait    int `json:"wait"`
	Receive int `json:"receive"`
}

const binaryPostDataComment = "text is the body in base64 (_encoding): it is not UTF-8 text"

// A HAR export is written entry by entry, laid out as json.Encoder with
// two-space indentation lays out the whole document, so it streams in
// constant memory.
func writeHARStart(w io.Writer, version string) error {
	if version == "" {
		version = "dev"
	}
	creator, err := json.Marshal(harCreator{Name: "Gancho", Version: version})
	if err != nil {
		return err
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, creator, "    ", "  "); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"creator\": %s,\n    \"pages\": [],\n    \"entries\": [", ind.Bytes())
	return err
}

func writeHAREntry(w io.Writer, r *capture.Request, base baseURL, first bool) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("      ", "  ")
	if err := enc.Encode(harEntry(r, base)); err != nil {
		return err
	}
	sep := ",\n      "
	if first {
		sep = "\n      "
	}
	if _, err := io.WriteString(w, sep); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return err
}

// HAREntry writes r as one HAR 1.2 entry, the JSON object a log's
// "entries" array holds (what Copy as HAR entry puts on the clipboard),
// redacted unless o.IncludeSecrets, exactly as Export writes it. Safe for
// concurrent use.
func HAREntry(w io.Writer, r *capture.Request, o ExportOptions) error {
	if _, err := o.base(); err != nil {
		return fmt.Errorf("HAR entry: %w", err)
	}
	r = Redact(r, o)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(harEntry(r, o.baseFor(r))); err != nil {
		return fmt.Errorf("HAR entry: capture %s: %w", r.ID, err)
	}
	return nil
}

func writeHAREnd(w io.Writer, empty bool) error {
	end := "\n    ]\n  }\n}\n"
	if empty {
		end = "]\n  }\n}\n"
	}
	_, err := io.WriteString(w, end)
	return err
}

func harEntry(r *capture.Request, base baseURL) harEntryOut {
	e := harEntryOut{
		StartedDateTime: r.ReceivedAt.UTC().Format(time.RFC3339Nano),
		Request: harRequestOut{
			Method:      r.Method,
			URL:         base.urlFor(r.Target),
			HTTPVersion: normalizeProto(r.Proto),
			Cookies:     requestCookies(r.Headers),
			Headers:     harHeaders(r.Headers),
			QueryString: queryOf(r.Target),
			HeadersSize: -1,
			BodySize:    len(r.Body),
		},
		Response: harResponseOut{
			Status:      r.Response.Status,
			StatusText:  http.StatusText(r.Response.Status),
			HTTPVersion: "HTTP/1.1",
			Cookies:     responseCookies(r.Response.Headers),
			Headers:     harHeaders(r.Response.Headers),
			RedirectURL: r.Response.Headers.Get("Location"),
			HeadersSize: -1,
			BodySize:    len(r.Response.Body),
		},
		GanchoID:        r.ID,
		Target:          r.Target,
		Host:            r.Host,
		RemoteAddr:      r.RemoteAddr,
		BodySize:        r.BodySize,
		Truncated:       r.Truncated,
		DeclaredSize:    r.DeclaredSize,
		HeadersFromWire: r.HeadersFromWire,
		Error:           r.Error,
		Verification:    r.Verification,
		DuplicateOf:     r.DuplicateOf,
		Refused:         r.Refused,
		Rule:            r.Rule,
	}
	if len(r.Body) > 0 {
		pd := &harPostDataOut{MimeType: r.ContentType()}
		if isText(r.Body) {
			pd.Text = string(r.Body)
		} else {
			pd.Text, pd.Encoding, pd.Comment = base64.StdEncoding.EncodeToString(r.Body), "base64", binaryPostDataComment
		}
		e.Request.PostData = pd
	}
	c := &e.Response.Content
	c.Size = len(r.Response.Body)
	c.MimeType = r.Response.Headers.Get("Content-Type")
	if c.MimeType == "" {
		c.MimeType = "x-unknown" // what Chrome writes when it does not know
	}
	if len(r.Response.Body) > 0 {
		if isText(r.Response.Body) {
			c.Text = string(r.Response.Body)
		} else {
			c.Text, c.Encoding = base64.StdEncoding.EncodeToString(r.Response.Body), "base64"
		}
	}
	return e
}

// isText decides text or base64 in HAR: the whole body must be valid UTF-8
// (JSON strings would replace invalid bytes) and read as text.
func isText(b []byte) bool { return utf8.Valid(b) && capture.IsText(b) }

func harHeaders(h capture.Headers) []harNV {
	out := make([]harNV, len(h))
	for i, kv := range h {
		out[i] = harNV{Name: kv.Name, Value: kv.Value}
	}
	return out
}

func requestCookies(h capture.Headers) []harNV {
	out := []harNV{}
	for _, v := range h.Values("Cookie") {
		for _, part := range strings.Split(v, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && name != "" {
				out = append(out, harNV{Name: name, Value: value})
			}
		}
	}
	return out
}

func responseCookies(h capture.Headers) []harNV {
	out := []harNV{}
	for _, v := range h.Values("Set-Cookie") {
		first, _, _ := strings.Cut(v, ";")
		name, value, ok := strings.Cut(strings.TrimSpace(first), "=")
		if ok && name != "" {
			out = append(out, harNV{Name: name, Value: value})
		}
	}
	return out
}

// queryOf lists the query parameters of a target in order, repeats kept,
// decoded where they decode (raw otherwise: it is informative only, the URL
// is what import reads).
func queryOf(target string) []harNV {
	out := []harNV{}
	q := strings.IndexByte(target, '?')
	if q < 0 {
		return out
	}
	query := target[q+1:]
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query = query[:h]
	}
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, harNV{Name: unescapeQuery(name), Value: unescapeQuery(value)})
	}
	return out
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// normalizeProto maps the spellings HAR writers use ("http/2.0", "h3",
// "unknown") to Go's ("HTTP/2.0"). Applying it twice changes nothing, which
// keeps export → import → export stable.
func normalizeProto(p string) string {
	l := strings.ToLower(strings.TrimSpace(p))
	switch l {
	case "http/1.0", "http/1.1", "http/2.0", "http/3.0":
		return strings.ToUpper(l)
	case "h2", "http/2":
		return "HTTP/2.0"
	case "h3", "http/3":
		return "HTTP/3.0"
	}
	if strings.HasPrefix(l, "http/") && len(l) > 5 && validProtoVersion(l[5:]) {
		return "HTTP/" + l[5:]
	}
	return "HTTP/1.1"
}

func validProtoVersion(v string) bool {
	for i := 0; i < len(v); i++ {
		if (v[i] < '0' || v[i] > '9') && v[i] != '.' {
			return false
		}
	}
	return v[0] != '.'
}

// The import side reads only what it needs, tolerantly: browsers and tools
// add fields of their own.
type harIn struct {
	Log *struct {
		Entries []json.RawMessage `json:"entries"`
	} `json:"log"`
}

type harEntryIn struct {
	StartedDateTime string         `json:"startedDateTime"`
	Request         *harRequestIn  `json:"request"`
	Response        *harResponseIn `json:"response"`
}

// harGanchoIn are Gancho's own entry fields, read apart from the rest: other
// tools use "_" names too ("_error" in Chrome), and a field of theirs that
// does not fit must not cost the entry.
type harGanchoIn struct {
	GanchoID        *string        `json:"_gancho_id"`
	Target          *string        `json:"_target"`
	Host            *string        `json:"_host"`
	RemoteAddr      *string        `json:"_remote_addr"`
	BodySize        *int64         `json:"_body_size"`
	Truncated       bool           `json:"_truncated"`
	DeclaredSize    *int64         `json:"_declared_size"`
	HeadersFromWire *bool          `json:"_headers_from_wire"`
	Error           string         `json:"_error"`
	Verification    *verify.Result `json:"_verification"`
	DuplicateOf     string         `json:"_duplicate_of"`
	Refused         string         `json:"_refused"`
	Rule            string         `json:"_rule"`
}

type harRequestIn struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Headers     []harNV        `json:"headers"`
	PostData    *harPostDataIn `json:"postData"`
}

type harPostDataIn struct {
	MimeType  string  `json:"mimeType"`
	Text      string  `json:"text"`
	Params    []harNV `json:"params"`
	Encoding  string  `json:"encoding"`
	XEncoding string  `json:"_encoding"`
}

type harResponseIn struct {
	Status  float64 `json:"status"`
	Headers []harNV `json:"headers"`
	Content struct {
		Text     string `json:"text"`
		Encoding string `json:"encoding"`
	} `json:"content"`
}

func importHAR(b []byte, now time.Time) ([]*capture.Request, []string, error) {
	var doc harIn
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("HAR: %w", jsonError(b, err))
	}
	if doc.Log == nil {
		return nil, nil, fmt.Errorf(`HAR: no "log" object at the top: this is not a HAR file; export one from the browser's Network panel ("Save all as HAR")`)
	}
	var out []*capture.Request
	var n notes
	for i, raw := range doc.Log.Entries {
		var e harEntryIn
		if err := json.Unmarshal(raw, &e); err != nil {
			n.add("skipped: "+jsonError(raw, err).Error(), i+1)
			continue
		}
		var g harGanchoIn
		if err := json.Unmarshal(raw, &g); err != nil {
			g = harGanchoIn{}
			n.add("fields starting with _ not understood: ignored", i+1)
		}
		r := harRequest(&e, &g, i+1, now, &n)
		if r != nil {
			out = append(out, r)
		}
	}
	return out, n.list("entry", "entries"), nil
}

// harRequest turns one entry into a capture, or returns nil (with a note)
// when the entry is not an HTTP request Gancho can replay.
func harRequest(e *harEntryIn, g *harGanchoIn, idx int, now time.Time, n *notes) *capture.Request {
	hr := e.Request
	if hr == nil || hr.Method == "" {
		n.add("skipped: no request method", idx)
		return nil
	}
	scheme, authority, target, ok := splitURL(hr.URL)
	if g.Target != nil {
		target = *g.Target
	} else if !ok || (scheme != "http" && scheme != "https" && scheme != "ws" && scheme != "wss") {
		n.add("skipped: not an HTTP request (data:, blob: and extension URLs cannot be replayed)", idx)
		return nil
	}
	r := &capture.Request{
		Method:          hr.Method,
		Target:          target,
		Proto:           normalizeProto(hr.HTTPVersion),
		Headers:         capture.Headers{},
		DeclaredSize:    -1,
		HeadersFromWire: true,
		Truncated:       g.Truncated,
		Error:           g.Error,
		Verification:    g.Verification,
		DuplicateOf:     g.DuplicateOf,
		Refused:         g.Refused,
		Rule:            g.Rule,
	}
	if g.GanchoID != nil {
		r.ID = *g.GanchoID
	}
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		r.ReceivedAt = t.UTC()
	} else {
		r.ReceivedAt = now
		n.add("no valid startedDateTime: given the import time", idx)
	}
	var authorityHdr string
	pseudo := false
	for _, h := range hr.Headers {
		if strings.HasPrefix(h.Name, ":") {
			pseudo = true
			if strings.EqualFold(h.Name, ":authority") {
				authorityHdr = h.Value
			}
			continue
		}
		r.Headers = append(r.Headers, capture.Header{Name: h.Name, Value: h.Value})
	}
	if pseudo {
		if authorityHdr != "" && r.Headers.Get("Host") == "" {
			r.Headers = append(capture.Headers{{Name: "Host", Value: authorityHdr}}, r.Headers...)
			n.add("HTTP/2 pseudo-headers dropped; :authority became the Host header", idx)
		} else {
			n.add("HTTP/2 pseudo-headers (:method, :path, …) dropped", idx)
		}
	}
	if pd := hr.PostData; pd != nil {
		r.Body = postDataBody(pd, idx, n)
	}
	switch {
	case g.Host != nil:
		r.Host = *g.Host
	case r.Headers.Get("Host") != "":
		r.Host = r.Headers.Get("Host")
	default:
		r.Host = hostOf(authority)
	}
	if g.RemoteAddr != nil {
		r.RemoteAddr = *g.RemoteAddr
	}
	r.BodySize = int64(len(r.Body))
	if g.BodySize != nil {
		r.BodySize = *g.BodySize
	}
	if g.DeclaredSize != nil {
		r.DeclaredSize = *g.DeclaredSize
	} else {
		r.DeclaredSize = declaredSize(r.Headers)
	}
	if g.HeadersFromWire != nil {
		r.HeadersFromWire = *g.HeadersFromWire
	}
	if resp := e.Response; resp != nil {
		r.Response.Status = int(resp.Status)
		for _, h := range resp.Headers {
			if !strings.HasPrefix(h.Name, ":") {
				r.Response.Headers = append(r.Response.Headers, capture.Header{Name: h.Name, Value: h.Value})
			}
		}
		r.Response.Body = []byte(resp.Content.Text)
		if strings.EqualFold(resp.Content.Encoding, "base64") {
			if b, err := base64.StdEncoding.DecodeString(resp.Content.Text); err == nil {
				r.Response.Body = b
			} else {
				n.add("response content is not valid base64: kept as text", idx)
			}
		}
		if len(r.Response.Body) == 0 {
			r.Response.Body = nil
		}
	}
	return r
}

func postDataBody(pd *harPostDataIn, idx int, n *notes) []byte {
	if pd.Text == "" && len(pd.Params) > 0 {
		// HAR lets a writer give form fields instead of the text.
		mt := strings.ToLower(pd.MimeType)
		if !strings.HasPrefix(mt, "application/x-www-form-urlencoded") {
			n.add("request body given only as params ("+pd.MimeType+"): body left empty", idx)
			return nil
		}
		parts := make([]string, len(pd.Params))
		for i, p := range pd.Params {
			parts[i] = url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value)
		}
		n.add("request body rebuilt from form params", idx)
		return []byte(strings.Join(parts, "&"))
	}
	if pd.Text == "" {
		return nil
	}
	if strings.EqualFold(pd.Encoding, "base64") || strings.EqualFold(pd.XEncoding, "base64") {
		b, err := base64.StdEncoding.DecodeString(pd.Text)
		if err == nil {
			return b
		}
		n.add("postData says base64 but is not: kept as text", idx)
	}
	return []byte(pd.Text)
}

// splitURL cuts an absolute URL into its lower-cased scheme, its authority and
// the request target an HTTP client would send for it (fragment dropped, "/"
// for an empty path).
func splitURL(u string) (scheme, authority, target string, ok bool) {
	i := strings.Index(u, "://")
	if i <= 0 || strings.ContainsAny(u[:i], "/?#") {
		return "", "", "", false
	}
	scheme = strings.ToLower(u[:i])
	rest := u[i+3:]
	end := len(rest)
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		end = j
	}
	authority, target = rest[:end], rest[end:]
	if h := strings.IndexByte(target, '#'); h >= 0 {
		target = target[:h]
	}
	if target == "" || target[0] == '?' {
		target = "/" + target
	}
	return scheme, authority, target, true
}

// hostOf drops user info from an authority.
func hostOf(authority string) string {
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		return authority[at+1:]
	}
	return authority
}
