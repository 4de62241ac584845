// Package load sends webhooks to a receiver at a fixed rate or a fixed
// concurrency, injects the faults a CRM's send-to-URL integration really
// has (duplicate deliveries, out-of-order delivery, bursts) and measures
// what the receiver does under that load: how many requests it answered,
// with which statuses, which failed and how, and the latency percentiles
// from an HDR histogram.
//
// # Models
//
// With Config.Rate the run is an open model: request i is due at
// t0 + i/Rate whatever the receiver does, so a slow receiver builds a
// queue instead of slowing the sender down. Latency is measured from the
// time a request was due, not from when it actually went out, so the
// queueing a stalled receiver causes shows in the percentiles (no
// coordinated omission); the service time (from the actual send) is kept
// beside it. In-flight requests are capped (Config.MaxInFlight): a request
// due while the cap is reached is not sent and is counted as such, never
// dropped silently.
//
// With Config.Concurrency the run is a closed model: that many workers
// each send, wait for the answer, and send the next.
//
// # Sources and signing
//
// A Source yields the messages to send: event samples (Events), captured
// requests (Captures), or any other sequence. Each message becomes one
// request, built and signed as Config.Signing says when it is first sent
// (so its signature timestamp is fresh), and every request carries a
// delivery id (webhook-id) so that duplicates are recognisable.
//
// # Reading the figures
//
// A Runner's Snapshot is safe to read from any goroutine while Run runs;
// Run returns the final Report, which prints as text (Report.Text) and
// JSON (json.Marshal(Report)).
//
// The package never imports Fyne: the CLI (gancho load) and the window's
// Load panel both drive it.
package load
