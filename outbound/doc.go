// Package outbound is Gancho's send engine ("gancho send"): outbound
// subscriptions, signed delivery with retries, and a persisted log of every
// delivery attempt. The events it sends and their payloads come from
// package events.
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
package outbound
