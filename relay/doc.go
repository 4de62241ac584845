// Package relay moves captures between machines over WebSocket: the local
// live stream that `gancho tail` reads (Local, Tail), the self-hosted team
// relay server (`gancho relay serve`) that receives webhooks on the
// internet and keeps them until a desktop fetches them (Server), and the
// desktop side of the relay (Client) with its tunnel endpoint. (Until the
// layout change this package was relay/ws; the outbound side that used to be
// relay/ is now packages outbound and events.)
//
// The package is engine only: it never imports fyne. Every callback is
// documented as called on any goroutine; the UI crosses to its own thread.
//
// # Local live stream
//
// Local is an http.Handler for a loopback listener. A connection must carry
// the per-run token (query "?token=T" or header "Authorization: Bearer T";
// 401 otherwise) and a Host header naming localhost, 127.0.0.1 or [::1]
// with any port (403 otherwise), so a web page cannot attach through DNS
// rebinding; gorilla's default Origin check applies too. Each committed
// capture (capture.Added) is sent as one text message holding its
// capture.Record JSON, the `gancho list --json` record. A client too slow
// to keep up is closed with code 4008 and a reason.
//
// # Relay wire protocol
//
// Senders post webhooks to {base}/{channel}/{anything}. A channel name is
// 1 to 64 characters of a-z, 0-9, '_' and '-' ("_gancho" is reserved).
// Hooks never create a channel: a channel is open once an authenticated
// desktop has opened its stream (it then stays open, across restarts), or
// when the relay configures it (ServerConfig.Channels, ChannelTokens). A
// hook to a channel that is not open is answered 404 with a sentence
// saying how to open it, and nothing is stored. At most
// ServerConfig.MaxChannels channels are open: a desktop opening one more
// is answered 507, naming the --max-channels flag. Open channels
// accept hooks while no desktop is connected. The request goes through capture.Handler (body cap, inbound protection,
// signatures, response rules), with the "/{channel}" prefix
// removed from the recorded target, so a capture looks as if it had reached
// the local capture server at the public hook URL ({base}/{channel}), as
// with a tunnel. The sender is answered only after the hook is committed
// with its per-channel sequence number (1, 2, 3, … without gaps).
//
// GET /_gancho/health answers 200 "ok".
//
// Desktops read a channel at
//
//	GET /_gancho/stream/{channel}?after=N&client=ID
//	Authorization: Bearer TOKEN
//
// upgraded to WebSocket. after is the last sequence the client has applied
// (0 or absent: from the start); client is an optional identifier
// ([A-Za-z0-9_.-], at most 64) under which acknowledgements are recorded
// ("default" when absent). A missing or wrong token is answered 401 before
// the upgrade, a bad channel name 404, a new channel beyond the limit 507.
// The token is ServerConfig.Token, or the channel's own token when
// ServerConfig.ChannelTokens gives it one (then only that token opens it).
//
// The server sends text frames. Each frame holds one or more JSON objects,
// one per line (JSON Lines: every object ends with "\n"), so a frame with
// a single hook is exactly that hook's object; read a frame with a
// json.Decoder until io.EOF. Objects are one of:
//
//	{"hello":{"channel":"c","after":N,"head":H}}   first frame; H = newest seq at connect
//	{"seq":N,"channel":"c","capture":{…}}          a hook; capture is a capture.Record
//	{"gap":{"after":A,"next":B}}                   seqs A+1…B-1 were evicted by retention
//	                                               before this client read them
//
// Hooks arrive in sequence order, each once per connection: the backlog
// after N is replayed from the relay's store, then live hooks follow with no
// gap or duplicate at the handoff.
//
// The client sends text messages {"ack":N} once hooks up to N are safely
// stored on its side; the server records the highest ack per channel and
// client (Server.Channels reports them). Anything else the client sends is
// ignored; messages over 4 KiB end the connection.
//
// The server pings every PingInterval and drops a connection that has not
// answered within PongWait. Each connection has one writer goroutine and a
// bounded queue of live hooks: a client that lets it fill is closed with
// code 4008 and reason "client too slow: reconnect to catch up"; capture
// and other clients never wait for it, and it loses nothing, since it
// resumes from its last applied seq on reconnect. A relay shutting down
// closes streams with 1001.
//
// # Retention
//
// Retention (per channel; Server.SetRetention, ServerConfig.Retention)
// evicts the oldest hooks beyond MaxCount, beyond MaxBytes of stored
// records (the newest hook is always kept) or older than MaxAge, whether
// or not a client acknowledged them: the limits are hard caps, so a
// channel nobody reads cannot fill the disk. A client that comes back
// after its unread hooks were evicted is told so with a gap object and
// carries on. (Retention bounds what is stored; each stream's queue of
// live hooks waiting for its writer is bounded separately, by
// ServerConfig.SendQueue hooks and 32 MiB.)
//
// Channels that hooks created before channels had to be opened, and that
// no desktop acknowledged, are not open after an upgrade: they do not
// count against the limit, their hooks stay until retention evicts them
// (a desktop opening the channel still receives them), and the channel is
// forgotten once its last hook is gone.
//
// # Storage
//
// The Server keeps hooks, channels, channel tokens and acknowledgements in
// NATS JetStream through package jstream (jsStore): an embedded server in
// ServerConfig.NATS.Dir by default, or a NATS cluster shared by several
// Server instances, each accepting hooks for any channel and serving any
// desktop's stream. Retention is each channel's stream limits; a hook
// bigger than MaxBytes raises its channel's byte limit to its size, so it
// is kept. A data directory the relay kept in SQLite before JetStream is
// moved into it once, at start (ServerConfig.Legacy), keeping each
// channel's seqs and epoch.
package relay
