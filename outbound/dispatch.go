package outbound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gancho-app/gancho/events"
	"github.com/gancho-app/gancho/replay"
)

// Sender sends one request; *replay.Sender implements it. Implementations
// must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, r replay.Request, o replay.Options) replay.Result
}

// DefaultWorkers is how many attempts a Dispatcher makes at once by default.
const DefaultWorkers = 32

// Dispatcher fires events into deliveries and makes their attempts: signed,
// retried on schedule, recorded in the Store.
//
// Deliveries live in the Store, not in memory: Fire persists them, Run
// attempts whichever are due, so retries pending when the process stops
// continue when a Dispatcher runs again on the same database. Delivery is
// at least once: an attempt interrupted by the end of Run (or a crash) is
// made again, with the same webhook-id, which receivers use to drop
// duplicates.
//
// Set the fields before the first call and do not change them after. Fire,
// RetryNow and Kick are safe for concurrent use, with each other and with
// Run; at most one Run may be active per Dispatcher, and only one
// Dispatcher should Run on a database at a time.
type Dispatcher struct {
	Store *Store
	// Sender makes the attempts; nil means a replay.Sender that Run creates
	// and closes.
	Sender Sender
	// Workers is how many attempts are made at once; ≤ 0 means
	// DefaultWorkers.
	Workers int
	// Now tells the time; nil means the Store's clock. Tests inject a clock: it
	// dates deliveries and attempts, signs, and decides what is due.
	Now func() time.Time
	// OnChange, if set, is called with a delivery's id after a change to it
	// was committed: fired, attempted, rescheduled. It is called on any
	// goroutine (attempt results from Run's writer), must not block, and
	// may call the Store.
	OnChange func(deliveryID string)

	once    sync.Once
	kickCh  chan struct{}
	running atomic.Bool
}

func (d *Dispatcher) init() {
	d.once.Do(func() { d.kickCh = make(chan struct{}, 1) })
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return d.Store.now()
}

func (d *Dispatcher) changed(ids ...string) {
	if d.OnChange == nil {
		return
	}
	for _, id := range ids {
		d.OnChange(id)
	}
}

// Kick makes Run look for due deliveries now rather than at its next timer,
// e.g. after a test advanced the injected clock. It never blocks.
func (d *Dispatcher) Kick() {
	d.init()
	select {
	case d.kickCh <- struct{}{}:
	default:
	}
}

// Fire creates one delivery of event with payload p per enabled
// subscription that lists event, stores them all in one transaction, due
// now, and wakes Run, which makes their attempts. The payload is stored as
// fired; each subscription's Mapping applies at each attempt.
//
// only, when not "", names the one subscription to deliver to, whatever
// events it lists (a test send); it must exist (ErrNotFound) and be enabled
// (ErrNoSubscribers otherwise, saying so). With no subscription to deliver
// to, the error wraps ErrNoSubscribers. Deliveries fire even when Run is not
// running: they wait in the Store.
func (d *Dispatcher) Fire(ctx context.Context, event string, p events.Payload, only string) ([]Delivery, error) {
	if event == "" {
		return nil, fmt.Errorf("relay: fire: %w: name the event, e.g. client.created", ErrInvalid)
	}
	payload, err := p.CompactJSON()
	if err != nil {
		return nil, fmt.Errorf("relay: fire %s: %w", event, err)
	}
	var subs []Subscription
	if only != "" {
		sub, err := d.Store.Subscription(ctx, only)
		if err != nil {
			return nil, fmt.Errorf("relay: fire %s: %w", event, err)
		}
		if !sub.Enabled {
			return nil, fmt.Errorf("relay: fire %s: %w: subscription %q is disabled; enable it to send to it", event, ErrNoSubscribers, sub.Name)
		}
		subs = []Subscription{sub}
	} else {
		all, err := d.Store.Subscriptions(ctx)
		if err != nil {
			return nil, fmt.Errorf("relay: fire %s: %w", event, err)
		}
		for _, s := range all {
			if s.Enabled && s.Subscribes(event) {
				subs = append(subs, s)
			}
		}
		if len(subs) == 0 {
			return nil, fmt.Errorf("relay: fire %s: %w: no enabled subscription lists this event", event, ErrNoSubscribers)
		}
	}
	now := d.now()
	ds := make([]Delivery, len(subs))
	for i, s := range subs {
		ds[i] = Delivery{
			ID: "msg_" + d.Store.ids.New(now), SubscriptionID: s.ID, SubscriptionName: s.Name, Event: event,
			Payload: payload, CreatedAt: now, Outcome: OutcomePending, NextAt: now,
		}
	}
	if err := d.Store.insertDeliveries(ctx, ds); err != nil {
		return nil, fmt.Errorf("relay: fire %s: %w", event, err)
	}
	for _, dl := range ds {
		d.changed(dl.ID)
	}
	d.Kick()
	return ds, nil
}

// RetryNow makes a delivery due now, whatever its outcome: a retrying one
// skips the rest of its wait, a failed or succeeded one gets one more
// attempt (followed by retries only if its schedule has some left). An
// attempt in flight at the time is not repeated. The error wraps
// ErrNotFound for an unknown id and ErrInvalid when the subscription is
// disabled or gone.
func (d *Dispatcher) RetryNow(ctx context.Context, deliveryID string) error {
	if err := d.Store.retryNow(ctx, deliveryID, d.now()); err != nil {
		return fmt.Errorf("relay: retry %s: %w", deliveryID, err)
	}
	d.changed(deliveryID)
	d.Kick()
	return nil
}

// Deliver makes one attempt at delivering event with payload p to s,
// without a Store: Build, then Send with s's Timeout, no redirects followed
// and MaxBodyExcerpt of the response kept. The Attempt has N 1 and no
// NextAt; the Request is what was sent. The error is for a delivery that
// could not be built (it wraps ErrInvalid for an unusable subscription); a
// failed send is an Attempt with Class and Err. sender nil means a
// temporary replay.Sender. Safe for concurrent use.
func Deliver(ctx context.Context, sender Sender, s Subscription, deliveryID, event string, p events.Payload, now time.Time) (Attempt, replay.Request, error) {
	if sender == nil {
		rs := replay.NewSender()
		defer rs.Close()
		sender = rs
	}
	req, err := Build(s, deliveryID, event, p, now)
	if err != nil {
		return Attempt{}, replay.Request{}, err
	}
	return send(ctx, sender, s, req, deliveryID, 1, now), req, nil
}

// send makes attempt n with req.
func send(ctx context.Context, sender Sender, s Subscription, req replay.Request, id string, n int, now time.Time) Attempt {
	res := sender.Send(ctx, req, replay.Options{Timeout: s.timeout(), MaxBody: MaxBodyExcerpt})
	a := Attempt{
		DeliveryID: id, N: n, At: now, URL: req.URL, RequestHeaders: req.Headers,
		RequestBody: req.Body[:min(len(req.Body), MaxRequestExcerpt)], RequestBodySize: int64(len(req.Body)),
		Status: res.Status, Latency: res.Timings.Total, Headers: res.Headers, Body: res.Body,
		BodySize: res.BodySize, Class: res.Class, Err: res.Err,
	}
	if a.Class == "" && !a.Succeeded() {
		a.Err = statusError(res.Status, res.Headers.Get("Location"))
	}
	return a
}

// statusError words a non-2xx answer.
func statusError(status int, location string) string {
	text := fmt.Sprintf("the receiver answered %d %s", status, http.StatusText(status))
	switch {
	case status == http.StatusGone:
		return text + ", asking for no more deliveries, so the subscription was disabled; re-enable it once the receiver accepts events again"
	case status >= 300 && status < 400 && location != "":
		return text + " to " + clip(location) + "; redirects are not followed, so point the subscription at the final URL"
	case status >= 300 && status < 400:
		return text + "; redirects are not followed, so point the subscription at the final URL"
	}
	return text
}

// retryAfterStatus are the statuses whose Retry-After is honoured.
func retryAfterStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// decide fills in what follows attempt a, which ended at end: the
// delivery's new state, and the reason to disable the subscription (410).
//
//   - 2xx: succeeded.
//   - 410 Gone: failed, no retry, and the subscription is disabled.
//   - anything else (3xx, other statuses, timeouts, connection failures):
//     retried after the policy's next delay, or failed when the schedule
//     is exhausted. For 429, 502, 503 and 504 a readable Retry-After
//     replaces that delay (clamped to 1 s..1 h, not jittered, then
//     compressed); it still uses up one of the schedule's retries, so a
//     receiver that keeps answering 429 cannot keep a delivery alive
//     forever.
func decide(s Subscription, dl *Delivery, a *Attempt, end time.Time, rnd func() float64) (disable string) {
	dl.Attempts = a.N
	dl.LastStatus, dl.LastError, dl.LastClass = a.Status, a.Err, a.Class
	dl.NextAt, a.NextAt = time.Time{}, time.Time{}
	switch {
	case a.Succeeded():
		dl.Outcome = OutcomeSucceeded
		return ""
	case a.Class == "" && a.Status == http.StatusGone:
		dl.Outcome = OutcomeFailed
		return fmt.Sprintf("410 Gone from %s at %s", s.URL, end.Format(time.DateTime))
	}
	delay, ok := s.Retry.Delay(a.N, rnd)
	if !ok {
		dl.Outcome = OutcomeFailed
		return ""
	}
	if a.Class == "" && retryAfterStatus(a.Status) {
		if ra, ok := retryAfter(a.Headers.Get("Retry-After"), end); ok {
			delay = s.Retry.compress(ra)
		}
	}
	dl.Outcome = OutcomeRetrying
	dl.NextAt = end.Add(delay)
	a.NextAt = dl.NextAt
	return ""
}

// Run makes the attempts of due deliveries until ctx ends, then returns nil
// once every attempt under way is cancelled and every result is committed;
// no goroutine of it is left. It returns an error early if the Store
// fails, or if the Dispatcher is already running.
//
// It picks deliveries whose NextAt has come (oldest first), makes up to
// Workers attempts at once, and records each attempt with the delivery's
// new state and its subscription's LastAt/LastStatus/LastError in batches
// (group commit, one writer). Then it sleeps until the earliest NextAt or a
// Kick (Fire and RetryNow kick), never polling faster than that, and waking
// at least every 30 s to notice changes made by another process.
//
// A delivery whose subscription is disabled is failed ("subscription
// disabled") without an attempt. Each attempt is signed afresh (a new
// timestamp) with the delivery id as webhook-id. What follows each outcome
// is in the package documentation (Delivery): 2xx succeeds, 410 disables,
// Retry-After is honoured for 429/502/503/504, the rest retries on the
// subscription's RetryPolicy until it runs out.
func (d *Dispatcher) Run(ctx context.Context) error {
	if d.Store == nil {
		return errors.New("relay: dispatcher has no Store")
	}
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("relay: dispatcher is already running; stop the other Run first")
	}
	defer d.running.Store(false)
	d.init()
	sender := d.Sender
	if sender == nil {
		rs := replay.NewSender()
		defer rs.Close()
		sender = rs
	}
	workers := d.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	sendCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run{
		d: d, sender: sender, ctx: sendCtx,
		maxOut:   workers * 4,
		inflight: map[string]bool{},
		subs:     map[string]cachedSub{},
		fatal:    make(chan error, 1),
	}
	r.jobs = make(chan job, r.maxOut)
	r.results = make(chan update, r.maxOut)

	var wg sync.WaitGroup
	for range workers {
		wg.Go(r.worker)
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		r.writer()
	}()

	err := r.schedule(sendCtx)

	cancel()
	close(r.jobs)
	wg.Wait()
	close(r.results)
	<-writerDone
	if err == nil {
		select {
		case err = <-r.fatal:
		default:
		}
	}
	return err
}

// run is the state of one Run.
type run struct {
	d      *Dispatcher
	sender Sender
	ctx    context.Context // ends when Run stops: cancels attempts
	maxOut int             // deliveries claimed and not yet committed, at most

	mu       sync.Mutex
	inflight map[string]bool // claimed, result not yet committed

	jobs    chan job
	results chan update
	fatal   chan error

	subs map[string]cachedSub // the scheduler's
}

type job struct {
	d       Delivery
	sub     *Subscription // nil: the subscription is gone
	payload events.Payload
	perr    error // the stored payload did not parse
}

type cachedSub struct {
	spec string
	sub  Subscription
}

// fail records a Store error that ends Run.
func (r *run) fail(err error) {
	select {
	case r.fatal <- err:
	default:
	}
}

// schedule claims due deliveries and waits for more until ctx ends or the
// Store fails.
func (r *run) schedule(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		if ctx.Err() != nil {
			return nil
		}
		full, err := r.claim(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("relay: dispatcher: %w", err)
		}
		var wake <-chan time.Time
		if !full {
			now := r.d.now()
			next, ok, err := r.d.Store.nextDue(ctx, now)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("relay: dispatcher: %w", err)
			}
			wait := 30 * time.Second
			if ok {
				wait = min(max(next.Sub(now), time.Millisecond), wait)
			}
			timer.Reset(wait)
			wake = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-r.fatal:
			return err
		case <-r.d.kickCh:
		case <-wake:
		}
		timer.Stop()
	}
}

// claim hands due deliveries to the workers, as many as there is room for,
// and reports whether the room is used up.
func (r *run) claim(ctx context.Context) (full bool, err error) {
	now := r.d.now()
	r.mu.Lock()
	free := r.maxOut - len(r.inflight)
	if free <= 0 {
		r.mu.Unlock()
		return true, nil
	}
	// The query runs under mu so that the writer cannot release a delivery
	// between this snapshot and the in-flight check: a released delivery
	// has its new state committed, and a snapshot older than that commit
	// still sees it as in flight.
	ids, err := r.d.Store.dueIDs(ctx, now, free+len(r.inflight))
	var pick []string
	for _, id := range ids {
		if len(pick) == free {
			break
		}
		if !r.inflight[id] {
			r.inflight[id] = true
			pick = append(pick, id)
		}
	}
	r.mu.Unlock()
	if err != nil || len(pick) == 0 {
		return false, err
	}
	rows, err := r.d.Store.loadDue(ctx, pick)
	if err != nil {
		r.release(pick...)
		return false, err
	}
	if len(rows) < len(pick) { // deleted meanwhile
		found := make(map[string]bool, len(rows))
		for _, row := range rows {
			found[row.d.ID] = true
		}
		for _, id := range pick {
			if !found[id] {
				r.release(id)
			}
		}
	}
	payloads := map[string]job{} // a fan-out stores one payload many times
	for _, row := range rows {
		j, ok := payloads[string(row.d.Payload)]
		if !ok {
			j.payload, j.perr = events.ParseJSON(row.d.Payload)
			payloads[string(row.d.Payload)] = j
		}
		j.d = row.d
		j.sub = r.subscription(row)
		r.jobs <- j // never blocks: at most maxOut jobs are claimed
	}
	return len(pick) == free, nil
}

// subscription decodes a row's subscription, reusing the last decoding of
// the same settings.
func (r *run) subscription(row dueRow) *Subscription {
	if !row.subSpec.Valid {
		return nil
	}
	id := row.d.SubscriptionID
	c, ok := r.subs[id]
	if !ok || c.spec != row.subSpec.String {
		c = cachedSub{spec: row.subSpec.String}
		if err := decodeSub(c.spec, &c.sub); err != nil {
			// Unreadable settings cannot be sent; Build will say so.
			c.sub = Subscription{URL: "(unreadable settings: " + err.Error() + ")"}
		}
		r.subs[id] = c
	}
	s := c.sub
	s.ID, s.Name, s.Enabled, s.DisabledReason = id, row.subName, row.enabled, row.reason
	return &s
}

func (r *run) release(ids ...string) {
	r.mu.Lock()
	for _, id := range ids {
		delete(r.inflight, id)
	}
	r.mu.Unlock()
}

func (r *run) worker() {
	for j := range r.jobs {
		if r.ctx.Err() != nil {
			r.release(j.d.ID) // stays due for the next Run
			continue
		}
		c, ok := r.attempt(j)
		if !ok {
			r.release(j.d.ID)
			continue
		}
		r.results <- c
	}
}

// attempt makes one attempt at j's delivery; ok is false when Run stopped
// during it, which leaves the delivery as it was.
func (r *run) attempt(j job) (c update, ok bool) {
	c.d = j.d
	now := r.d.now()
	n := j.d.Attempts + 1
	switch {
	case j.sub == nil:
		c.d.Outcome, c.d.NextAt, c.d.LastError = OutcomeFailed, time.Time{}, "subscription deleted"
		return c, true
	case !j.sub.Enabled:
		msg := "subscription disabled"
		if j.sub.DisabledReason != "" {
			msg += ": " + j.sub.DisabledReason
		}
		c.d.Outcome, c.d.NextAt, c.d.LastError = OutcomeFailed, time.Time{}, msg
		return c, true
	case j.perr != nil:
		c.d.Outcome, c.d.NextAt, c.d.LastError = OutcomeFailed, time.Time{}, "stored payload unreadable: "+j.perr.Error()
		return c, true
	}
	req, err := Build(*j.sub, j.d.ID, j.d.Event, j.payload, now)
	if err != nil {
		// The same settings would fail the same way: no retry.
		a := &Attempt{DeliveryID: j.d.ID, N: n, At: now, URL: j.sub.URL, Class: replay.ClassOther, Err: err.Error()}
		c.attempt = a
		c.d.Attempts, c.d.Outcome, c.d.NextAt = n, OutcomeFailed, time.Time{}
		c.d.LastStatus, c.d.LastError, c.d.LastClass = 0, a.Err, a.Class
		return c, true
	}
	a := send(r.ctx, r.sender, *j.sub, req, j.d.ID, n, now)
	if r.ctx.Err() != nil && (a.Class == replay.ClassCanceled || a.Class == replay.ClassTimeout) {
		return c, false
	}
	c.attempt = &a
	c.disable = decide(*j.sub, &c.d, &a, r.d.now(), nil)
	return c, true
}

// maxCommit bounds the changes committed in one transaction.
const maxCommit = 256

// writer commits results in batches: whatever arrived while the previous
// commit ran goes into the next one.
func (r *run) writer() {
	ctx := context.WithoutCancel(r.ctx) // results of finished attempts are kept on the way out
	broken := false
	for c := range r.results {
		batch := []update{c}
		// Let the workers just woken queue their results, so batches grow
		// under load (see capture.Store's writer).
		runtime.Gosched()
	fill:
		for len(batch) < maxCommit {
			select {
			case c, ok := <-r.results:
				if !ok {
					break fill
				}
				batch = append(batch, c)
			default:
				break fill
			}
		}
		if broken {
			continue // Run is stopping; the deliveries stay due
		}
		applied, err := r.d.Store.commitChanges(ctx, batch)
		if err != nil {
			// Keep the deliveries claimed, so they are not attempted again
			// and again while the Store fails; Run stops.
			broken = true
			r.fail(fmt.Errorf("relay: record attempts: %w", err))
			continue
		}
		ids := make([]string, len(batch))
		for i, c := range batch {
			ids[i] = c.d.ID
		}
		r.release(ids...)
		r.d.changed(applied...)
		r.d.Kick()
	}
}
