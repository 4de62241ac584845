package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxBody is the body cap when Config.MaxBody is zero.
const DefaultMaxBody = 25 << 20

// TruncatedKeep is how much of an over-limit body is kept, so the user can
// see what the too-big request was.
const TruncatedKeep = 64 << 10

// Appender stores a capture durably. Append returns only after the record is
// committed; the handler answers 2xx only then. Called on any goroutine.
type Appender interface {
	Append(ctx context.Context, r *Request) error
}

// Handler records every request it serves, whatever the method or path, and
// answers once the record is committed. Safe for concurrent use.
type Handler struct {
	store   Appender
	maxBody int64
	ids     IDGen
	now     func() time.Time
	paused  atomic.Bool
}

// SetPaused stops (true) or resumes (false) recording. While paused every
// request is answered 503 with Retry-After and nothing is stored, so the
// sender knows to deliver again later. Safe for concurrent use.
func (h *Handler) SetPaused(p bool) { h.paused.Store(p) }

// Paused reports whether recording is paused.
func (h *Handler) Paused() bool { return h.paused.Load() }

// NewHandler returns a Handler that stores into store and caps bodies at
// maxBody bytes (0 means DefaultMaxBody).
func NewHandler(store Appender, maxBody int64) *Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	return &Handler{store: store, maxBody: maxBody, now: time.Now}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.paused.Load() {
		w.Header().Set("Retry-After", "30")
		writeResponse(w, textResponse(http.StatusServiceUnavailable, "",
			"Capture is paused in Gancho: this request was not recorded. Resume capture in Gancho, or retry later.\n"))
		return
	}
	now := h.now()
	req := &Request{
		ID:           h.ids.New(now),
		ReceivedAt:   now,
		Method:       r.Method,
		Target:       r.RequestURI,
		Proto:        r.Proto,
		Host:         r.Host,
		RemoteAddr:   r.RemoteAddr,
		DeclaredSize: r.ContentLength,
	}
	if wc := wireFrom(r.Context()); wc != nil {
		if blk, ok := wc.take(r.Method, r.RequestURI); ok {
			req.Headers, req.Proto, req.HeadersFromWire = blk.headers, blk.proto, true
		}
	}
	if !req.HeadersFromWire {
		req.Headers = headersFromMap(r)
	}
	if req.Headers == nil {
		req.Headers = Headers{}
	}

	body, readErr := h.readBody(w, r)
	req.Body, req.BodySize = body, int64(len(body))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(readErr, &tooBig):
		req.Truncated = true
		req.BodySize = int64(len(body))
		if len(req.Body) > TruncatedKeep {
			req.Body = req.Body[:TruncatedKeep:TruncatedKeep]
		}
		req.Error = fmt.Sprintf("body over the %s limit", FormatSize(h.maxBody))
		req.Response = textResponse(http.StatusRequestEntityTooLarge, req.ID, fmt.Sprintf(
			"Request body is larger than the %s Gancho accepts. It was recorded as truncated (id %s). Raise the limit with --max-body.\n",
			FormatSize(h.maxBody), req.ID))
	case readErr != nil:
		// The sender went away or stalled mid-body: keep what arrived.
		req.Truncated = true
		req.Error = "body incomplete: " + readErr.Error()
		req.Response = textResponse(http.StatusBadRequest, req.ID, fmt.Sprintf(
			"Gancho could not read the whole body (%v). What arrived was recorded (id %s).\n", readErr, req.ID))
	default:
		req.Response = Response{
			Status: http.StatusOK,
			Headers: Headers{
				{Name: "Content-Type", Value: "application/json"},
				{Name: "X-Gancho-Id", Value: req.ID},
			},
			Body: []byte(`{"ok":true,"id":"` + req.ID + `"}` + "\n"),
		}
	}

	if err := h.store.Append(r.Context(), req); err != nil {
		writeResponse(w, textResponse(http.StatusServiceUnavailable, "", fmt.Sprintf(
			"Gancho received the request but could not store it (%v). Check free disk space and the data directory, then send again.\n", err)))
		return
	}
	writeResponse(w, req.Response)
}

// readBody reads the body under the cap. On overflow it returns what was read
// with the *http.MaxBytesError; the server then closes the connection.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, nil
	}
	rd := http.MaxBytesReader(w, r.Body, h.maxBody)
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 {
		buf.Grow(int(min(n, h.maxBody+1, 4<<20)))
	}
	_, err := buf.ReadFrom(rd)
	return buf.Bytes(), err
}

func textResponse(status int, id, text string) Response {
	h := Headers{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}
	if id != "" {
		h = append(h, Header{Name: "X-Gancho-Id", Value: id})
	}
	return Response{Status: status, Headers: h, Body: []byte(text)}
}

func writeResponse(w http.ResponseWriter, resp Response) {
	for _, kv := range resp.Headers {
		w.Header().Add(kv.Name, kv.Value)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// headersFromMap rebuilds a header list from Go's parsed request when the
// wire block is unavailable: Host first, names sorted, duplicates in order.
func headersFromMap(r *http.Request) Headers {
	out := Headers{{Name: "Host", Value: r.Host}}
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range r.Header[k] {
			out = append(out, Header{Name: k, Value: v})
		}
	}
	if len(r.TransferEncoding) > 0 {
		out = append(out, Header{Name: "Transfer-Encoding", Value: strings.Join(r.TransferEncoding, ", ")})
	}
	return out
}

// FormatSize renders a byte count for people: 512 B, 1.5 KiB, 25 MiB.
func FormatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + string("KMGTP"[exp]) + "iB"
}

// ParseSize reads a byte count such as "25MiB", "10MB", "512k" or "1048576".
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{
		{"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10},
		{"gb", 1e9}, {"mb", 1e6}, {"kb", 1e3},
		{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}, {"b", 1},
	} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || !(n >= 0) || n*float64(mult) > 1<<62 { // !(n >= 0) also rejects NaN
		return 0, fmt.Errorf("size %q: want a number of bytes such as 25MiB, 512KiB or 1048576", s)
	}
	return int64(n * float64(mult)), nil
}
