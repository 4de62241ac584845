// Package jstream is the team relay's storage on NATS JetStream: hooks,
// their per-channel sequence numbers and retention, the channel registry,
// per-channel tokens and desktop acknowledgements. It is what the relay's
// store seam plugs into; it knows nothing of HTTP or WebSocket.
//
// The package is engine only: it never imports fyne. Every exported method
// of Store is safe for concurrent use by any number of goroutines, and
// callbacks (Watch) are called on a goroutine of the NATS client, never
// concurrently with themselves.
//
// # Embedded or external
//
// Open with Config.URLs empty starts an embedded nats-server (in-process,
// JetStream file store under Config.Dir) that listens on no port unless
// Config.Listen asks for one; the Store talks to it over an in-process
// connection. A lock file in Config.Dir keeps a second embedded Store
// (another process, or another Open in this one) off the same directory;
// Close releases it, so the directory can be reopened at once. With
// Config.URLs set, Open connects to an existing NATS cluster with
// JetStream enabled instead, and several relay instances share it.
//
// # Design
//
// Each channel has its own stream, GANCHO_HOOKS_<channel>, holding the
// subject gancho.hook.<channel>. Channel names are [a-z0-9_-]{1,64}; all
// of these characters are legal in stream names and subject tokens, so a
// name is used as it is (no mapping). The stream sequence is the relay's
// per-channel sequence: 1, 2, 3, … without holes except those retention
// (or a delete) makes, so a desktop sees a gap as a jump in seq.
//
// A hook is one message: its body is the wire-exact record, header
// Nats-Msg-Id is the hook's id (a sender's retry with the same id inside
// the stream's duplicate window, Config.Duplicates, stores nothing and
// gets the first seq back) and header Gancho-At its arrival time. Append
// returns only after JetStream acknowledged the publish, that is after the
// stream's replicas stored it.
//
// Retention maps onto the stream's limits with DiscardOld: Retention's
// MaxCount is MaxMsgs, MaxBytes is MaxBytes, MaxAge is MaxAge. JetStream
// enforces them, including age, on every server; a single hook larger than
// MaxBytes evicts everything older and may itself be dropped by the
// server, so callers should keep MaxBytes well above the hook size cap.
//
// ReadAfter reads with a short-lived ephemeral pull consumer (memory
// storage, no acks, started at after+1) fetched in batches; Watch uses an
// ordered consumer, which recreates itself after a server or connection
// change so that delivery stays in order and without duplicates. Both see
// every hook stored by any instance.
//
// The channel registry, tokens and acknowledgements live in three
// JetStream key-value buckets (gancho_channels, gancho_tokens,
// gancho_acks) so every instance sees them. The registry and tokens are
// also watched into local maps, so IsOpen and ChannelToken answer without
// a round trip (falling back to one on a miss). OpenChannel's limit is
// never exceeded by concurrent opens: a channel is admitted in the order
// of its key's revision (the bucket stream's sequence, one total order for
// every instance), and one whose rank is beyond the limit is removed
// again. Races can only err the other way (an open racing with one about
// to be refused may be refused too). A process killed between the two
// steps can leave one channel over the limit, one per such kill; a
// refused open can be seen as open by IsOpen elsewhere until its removal.
// Acknowledgements keep the highest seq per client by compare-and-set on
// the key's revision.
package jstream
