package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gancho-app/gancho/rules"
)

// DefaultMaxBody is the body cap when Config.MaxBody is zero.
const DefaultMaxBody = 25 << 20

// TruncatedKeep is how much of an over-limit body is kept, so the user can
// see what the too-big request was.
const TruncatedKeep = 64 << 10

// Appender stores a capture durably. Append returns only after the record is
// committed; the handler answers 2xx only then. Called on any goroutine.
// Append may clear r.DuplicateOf when the capture it names is no longer
// stored (Store does, in the same transaction), so "duplicate of" never
// names a deleted capture.
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
	policy  atomic.Pointer[policyState]
	dedupe  dedupe
	limiter *Limiter // body buffers are charged to it (shared by a server's handlers)

	closeOnce sync.Once
	closing   chan struct{} // closed on Close: ends delays and hangs
}

// SetPaused stops (true) or resumes (false) recording. While paused every
// request is answered 503 with Retry-After and nothing is stored, so the
// sender knows to deliver again later. Safe for concurrent use.
func (h *Handler) SetPaused(p bool) { h.paused.Store(p) }

// Paused reports whether recording is paused.
func (h *Handler) Paused() bool { return h.paused.Load() }

// PrefixRecorder is a store that remembers the secret path prefixes its
// captures came in under (see Store.RememberSecretPrefix).
type PrefixRecorder interface {
	RememberSecretPrefix(ctx context.Context, prefix string) error
}

// SetPolicy replaces the inbound policy for requests that arrive from now
// on (rate-limit counts restart). Safe for concurrent use. A secret prefix
// is first recorded in the store when it is a PrefixRecorder, so exports
// redact it even after a run that never saved it; if that fails the policy
// is not applied.
func (h *Handler) SetPolicy(p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if rec, ok := h.store.(PrefixRecorder); ok && p.SecretPrefix != "" {
		if err := rec.RememberSecretPrefix(context.Background(), p.SecretPrefix); err != nil {
			return err
		}
	}
	h.policy.Store(newPolicyState(p))
	return nil
}

// Policy returns the policy in force.
func (h *Handler) Policy() Policy { return h.policy.Load().Policy }

// SeedDeliveries restores the duplicate-detection window (see
// Store.RecentDeliveries) so a retry right after a restart is still seen.
func (h *Handler) SeedDeliveries(entries []DedupeEntry) { h.dedupe.seed(entries) }

// Close ends response delays and hangs in progress, so a shutdown does not
// wait out a "hang 10m" rule. Safe to call more than once.
func (h *Handler) Close() { h.closeOnce.Do(func() { close(h.closing) }) }

// NewHandler returns a Handler that stores into store and caps bodies at
// maxBody bytes (0 means DefaultMaxBody).
func NewHandler(store Appender, maxBody int64) *Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	h := &Handler{store: store, maxBody: maxBody, now: time.Now, closing: make(chan struct{}),
		limiter: NewLimiter(Limits{}, maxBody)}
	h.policy.Store(newPolicyState(Policy{}))
	return h
}

// SetLimiter makes the handler charge body buffers to l, shared with the
// server's other handlers and its connection limits. Call it before the
// handler serves.
func (h *Handler) SetLimiter(l *Limiter) { h.limiter = l }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.paused.Load() {
		w.Header().Set("Retry-After", "30")
		writeResponse(w, textResponse(http.StatusServiceUnavailable, "",
			"Capture is paused in Gancho: this request was not recorded. Resume capture in Gancho, or retry later.\n"))
		return
	}
	now := h.now()
	pol := h.policy.Load()
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
		if blk, ok := wc.take(r.Method, wireTarget(r)); ok {
			req.Headers, req.Proto, req.HeadersFromWire = blk.headers, blk.proto, true
		}
	}
	if !req.HeadersFromWire {
		req.Headers = headersFromMap(r)
	}
	if req.Headers == nil {
		req.Headers = Headers{}
	}

	path, refused := pol.guard(r, now)
	if pol.BasicAuth != "" {
		redactAuth(req.Headers)
	}
	if refused != nil {
		h.refuse(w, r, req, pol, refused)
		return
	}

	body, release, readErr := h.limiter.readBody(w, r, h.maxBody)
	defer release()
	var busy *BusyError
	if errors.As(readErr, &busy) {
		// Not recorded: the sender is told to send again, so nothing is lost.
		w.Header().Set("Retry-After", h.limiter.retryAfter())
		w.Header().Set("Connection", "close")
		writeResponse(w, textResponse(http.StatusServiceUnavailable, "", h.limiter.busyText(busy.Reason)))
		return
	}
	req.Body, req.BodySize = body, int64(len(body))
	var tooBig *http.MaxBytesError
	var act *rules.Action
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
		// Checks run on whole bodies only: a cut body cannot verify and is
		// not the same delivery as a whole one.
		if pol.Verify != nil {
			req.Verification = pol.Verify.Check(path, req.Headers, req.Body, now)
		}
		req.dedupeKey = dedupeKey(req, path)
		req.DuplicateOf = h.dedupe.check(req.dedupeKey, req.ID, now)
		req.Response = defaultResponse(req.ID)
		if pol.Respond != nil {
			if a, ok := pol.Respond.Match(r.Method, path); ok {
				act = &a
				req.Rule = a.Describe()
				req.Response = ruleResponse(a.Step, req.ID)
			}
		}
	}

	dupOf := req.DuplicateOf
	if err := h.store.Append(r.Context(), req); err != nil {
		// A rule's sequence step stays used: the sender did get an answer.
		h.dedupe.forget(req.dedupeKey, req.ID)
		writeResponse(w, textResponse(http.StatusServiceUnavailable, "", fmt.Sprintf(
			"Gancho received the request but could not store it (%v). Check free disk space and the data directory, then send again.\n", err)))
		return
	}
	if dupOf != "" && req.DuplicateOf == "" {
		// The original was deleted or cleared: this one is the first now.
		h.dedupe.restart(req.dedupeKey, req.ID, now)
	}
	if act != nil {
		h.perform(w, r, *act, req.Response)
		return
	}
	writeResponse(w, req.Response)
}

// refuse answers a request inbound protection turned away, recording it
// (with at most TruncatedKeep of its body) unless the policy says not to.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, req *Request, pol *policyState, ref *refusal) {
	req.Refused = ref.reason
	req.Response = ref.resp
	// Recording is throttled per client (three, then one per 10 s): a
	// misconfigured sender stays visible without a flood of refusals
	// turning into a flood of writes.
	if _, ok := pol.refusedLog.allow(clientKey(r), req.ReceivedAt); !pol.DropRefused && ok {
		// Read only a little: a refused sender must not cost a 25 MiB read.
		var buf bytes.Buffer
		if r.Body != nil {
			_, _ = buf.ReadFrom(io.LimitReader(r.Body, TruncatedKeep+1))
		}
		req.Body, req.BodySize = buf.Bytes(), int64(buf.Len())
		if len(req.Body) > TruncatedKeep {
			req.Body = req.Body[:TruncatedKeep:TruncatedKeep]
			req.Truncated = true
			req.Error = "refused: body not read past " + FormatSize(TruncatedKeep)
		}
		if err := h.store.Append(r.Context(), req); err != nil {
			// The refusal still stands; losing its record is not worth a 503.
			log.Printf("gancho: could not record refused request %s: %v", req.ID, err)
		}
	}
	writeResponse(w, ref.resp)
}

func defaultResponse(id string) Response {
	return Response{
		Status: http.StatusOK,
		Headers: Headers{
			{Name: "Content-Type", Value: "application/json"},
			{Name: "X-Gancho-Id", Value: id},
		},
		Body: []byte(`{"ok":true,"id":"` + id + `"}` + "\n"),
	}
}

// ruleResponse is the response a rule step sends; for hang and close,
// which send nothing, status 0.
func ruleResponse(st rules.Step, id string) Response {
	if st.Kind != rules.Respond {
		return Response{}
	}
	resp := Response{Status: st.Status, Body: rules.Render(st.Body, id)}
	for _, kv := range st.Headers {
		resp.Headers = append(resp.Headers, Header{Name: kv[0], Value: kv[1]})
	}
	if len(resp.Body) > 0 && resp.Headers.Get("Content-Type") == "" {
		resp.Headers = append(resp.Headers, Header{Name: "Content-Type", Value: http.DetectContentType(resp.Body)})
	}
	resp.Headers = append(resp.Headers, Header{Name: "X-Gancho-Id", Value: id})
	return resp
}

// perform carries out a rule's step once the capture is stored.
func (h *Handler) perform(w http.ResponseWriter, r *http.Request, a rules.Action, resp Response) {
	if d := a.Step.Delay; d > 0 {
		// The server's write timeout is sized for ordinary answers; a
		// rule may hold the answer back up to 10 minutes.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + 30*time.Second))
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-h.closing:
			if a.Step.Kind == rules.Respond {
				break // answer now rather than drop: the request is stored
			}
		}
	}
	switch a.Step.Kind {
	case rules.Hang, rules.Close:
		// Drop the connection without a response: what a crashed or
		// overloaded receiver looks like to the sender.
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = c.Close()
			return
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a non-hijackable writer: abort the stream
	default:
		writeResponse(w, resp)
	}
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
