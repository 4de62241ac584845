// Package relay is Gancho's outbound side ("send"): the catalogue of the 30
// CRM events, realistic sample payloads for them, the ordered payload tree
// that renders them as JSON, XML or flat name=value fields, and the send
// engine: outbound subscriptions, signed delivery with retries, and a
// persisted log of every delivery attempt.
//
// # Events
//
// Events lists the 30 events in the order of the CRM's webhook menu, each
// with a stable machine name (sent as the envelope's "type"), its English and
// Portuguese labels and a documented field list. Machine names are
// "<subject>.<action>" with the subjects client, opportunity, prospect, quote
// and sale: "client.phase_changed", "opportunity.created", "sale.created".
// The CRM's menu calls the third event "lead phase changed" in English but
// "prospecto" in Portuguese and "prospect" in every other entry, so it is
// named "prospect.phase_changed", like the rest of the prospect events.
// Lookup finds an event by machine name, 1-based number or label.
//
// # Samples
//
// A Generator fills an event with Brazilian CRM data that changes on every
// call; NewGenerator(seed) with SampleAt and a fixed time gives the same bytes
// every time, for tests and reproducible deliveries. Samples use the
// Standard Webhooks style envelope:
//
//	{"type": "client.created", "timestamp": "2025-03-14T10:30:00-03:00", "data": {…}}
//
// # Payloads
//
// A Payload is an ordered JSON tree. It renders as indented JSON with its
// member order kept, as XML (one element per field), or flattened to dotted
// names ("data.client.name", "data.tags.0") for query strings and form
// bodies. ParseJSON reads any JSON, such as a body captured from a request,
// into the same tree without reordering it, which is how custom Templates
// become payloads.
//
// # Subscriptions
//
// A Subscription is an outbound webhook: the events it takes, the URL it
// goes to, GET (fields in the query) or POST (JSON, XML or form body),
// custom headers, a field Mapping (rename, exclude, add constants), the
// signing scheme and secret (Standard Webhooks by default, Stripe, GitHub or
// none), a per-attempt Timeout and a RetryPolicy. NewSubscription fills in
// the defaults; Validate says, one sentence per problem, what to fix.
// Build turns a subscription, an event and a payload into the signed
// replay.Request of one attempt; Deliver also sends it, for a one-off
// `gancho send EVENT --to URL`.
//
// # Delivery
//
// A Store keeps subscriptions, deliveries, their attempts and custom
// templates in the relay_* tables of Gancho's SQLite database. A Dispatcher
// fires an event into one Delivery per subscription that takes it (one
// transaction for the whole fan-out) and, in Run, makes the attempts of
// whichever deliveries are due, several at once, recording every attempt
// (status, latency, response headers, a body excerpt, failure class, next
// retry) and the delivery's new state in group commits:
//
//   - a 2xx succeeds; a 3xx fails and is not followed;
//   - 410 Gone fails the delivery for good and disables the subscription,
//     recording why;
//   - other statuses, timeouts and connection failures are retried on the
//     policy's schedule (standard: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
//     20 h, 24 h), each delay jittered by ±20 %; for 429, 502, 503 and 504 a
//     Retry-After header (seconds or HTTP-date, clamped to 1 s..1 h) replaces
//     the scheduled delay; when the schedule runs out the delivery fails.
//
// Every attempt is signed afresh, with the delivery id ("msg_…") as its
// webhook-id, so receivers can drop duplicates. Because due deliveries are
// read from the database, retries pending when the app closes go on when it
// opens again. A RetryPolicy's Compress factor makes a long schedule play
// out quickly while trying it (at 60 an hour lasts a minute).
//
// The package never imports Fyne.
package relay
