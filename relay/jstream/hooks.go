package jstream

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Retention bounds what a channel keeps, as stream limits with DiscardOld:
// the oldest hooks beyond MaxCount, beyond MaxBytes of stored messages, or
// older than MaxAge go. Zero values mean the defaults
// (DefaultRetention*); a negative value means no limit. Its fields match
// the relay's Retention, so one converts to the other. A plain value,
// safe to copy between goroutines.
type Retention struct {
	MaxCount int
	MaxBytes int64
	MaxAge   time.Duration
}

// Hook is one stored hook. A plain value, owned by its receiver.
type Hook struct {
	Seq int64     // the channel's sequence number (the stream sequence)
	At  time.Time // when it was appended (header Gancho-At, else the stream's timestamp)
	Rec []byte    // the wire-exact record
}

// HeaderAt carries a hook's arrival time (Unix nanoseconds, decimal).
const HeaderAt = "Gancho-At"

// streamConfig is channel ch's stream with retention r.
func (s *Store) streamConfig(ch string, r Retention) jetstream.StreamConfig {
	cfg := jetstream.StreamConfig{
		Name:              StreamName(ch),
		Description:       "gancho relay hooks of channel " + ch,
		Subjects:          []string{Subject(ch)},
		Retention:         jetstream.LimitsPolicy,
		Discard:           jetstream.DiscardOld,
		Storage:           jetstream.FileStorage,
		Replicas:          s.cfg.Replicas,
		Duplicates:        s.cfg.Duplicates,
		AllowDirect:       true,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxMsgsPerSubject: -1,
		MaxConsumers:      -1,
	}
	switch {
	case r.MaxCount == 0:
		cfg.MaxMsgs = DefaultRetentionCount
	case r.MaxCount > 0:
		cfg.MaxMsgs = int64(r.MaxCount)
	}
	switch {
	case r.MaxBytes == 0:
		cfg.MaxBytes = DefaultRetentionBytes
	case r.MaxBytes > 0:
		cfg.MaxBytes = r.MaxBytes
	}
	switch {
	case r.MaxAge == 0:
		cfg.MaxAge = DefaultRetentionAge
	case r.MaxAge > 0:
		cfg.MaxAge = r.MaxAge
	}
	if cfg.MaxAge > 0 && cfg.Duplicates > cfg.MaxAge {
		cfg.Duplicates = cfg.MaxAge
	}
	return cfg
}

// MetaEpoch is the stream metadata key that carries a channel's epoch when
// it is not the stream's creation time: a channel imported from another
// store keeps the epoch its desktops already know.
const MetaEpoch = "gancho_epoch"

// MetaMinBytes is the stream metadata key holding the least MaxBytes a
// channel keeps whatever its retention says: the size of its largest hook
// (see KeepAtLeast).
const MetaMinBytes = "gancho_min_bytes"

// KeepAtLeast raises channel ch's byte bound to at least n, now and in
// every later EnsureChannel or SetRetention: with DiscardOld, JetStream
// stores a message bigger than MaxBytes and then evicts it with the rest,
// so a hook must never be bigger than its stream's bound. Safe for
// concurrent use.
func (s *Store) KeepAtLeast(ctx context.Context, ch string, n int64) error {
	if err := s.ready(ch); err != nil {
		return err
	}
	st, err := s.js.Stream(ctx, StreamName(ch))
	if err != nil {
		return fmt.Errorf("jstream: channel %s: keep %d bytes: %w", ch, n, noChannel(err))
	}
	cfg := st.CachedInfo().Config
	if minBytes(cfg) >= n && (cfg.MaxBytes < 0 || cfg.MaxBytes >= n) {
		return nil
	}
	cfg.Metadata = maps.Clone(cfg.Metadata)
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]string{}
	}
	cfg.Metadata[MetaMinBytes] = strconv.FormatInt(max(n, minBytes(cfg)), 10)
	if cfg.MaxBytes >= 0 && cfg.MaxBytes < n {
		cfg.MaxBytes = n
	}
	if _, err := s.js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("jstream: channel %s: keep %d bytes: %w", ch, n, noChannel(err))
	}
	return nil
}

// minBytes is the stream's MetaMinBytes (0: none).
func minBytes(cfg jetstream.StreamConfig) int64 {
	n, _ := strconv.ParseInt(cfg.Metadata[MetaMinBytes], 10, 64)
	return n
}

// MsgOverhead bounds what a hook's message adds to its record in the
// stream's byte count (subject, headers, framing).
const MsgOverhead = 1024

// EnsureChannel creates channel ch's stream, or updates its retention to r
// if it exists, and returns the channel's epoch: the stream's creation
// time in Unix nanoseconds (or the epoch ImportChannel gave it), the same
// across restarts and on every instance, new only when the stream was lost
// (a wiped store). Safe for concurrent use, also from several instances at
// once.
func (s *Store) EnsureChannel(ctx context.Context, ch string, r Retention) (epoch int64, err error) {
	if err := s.ready(ch); err != nil {
		return 0, err
	}
	cfg := s.streamConfig(ch, r)
	info, err := s.update(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		var st jetstream.Stream
		st, err = s.js.CreateStream(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			// Two instances created it at once: the other won; update it.
			info, err = s.update(ctx, cfg)
		} else if err == nil {
			info = st.CachedInfo()
		}
	}
	if err != nil {
		return 0, fmt.Errorf("jstream: channel %s: create stream: %w%s", ch, err, replicasHint(err, s.cfg.Replicas))
	}
	return epochOf(info), nil
}

// update applies cfg's limits to an existing stream, keeping what only
// the stream knows (its metadata and first sequence).
func (s *Store) update(ctx context.Context, cfg jetstream.StreamConfig) (*jetstream.StreamInfo, error) {
	st, err := s.js.Stream(ctx, cfg.Name)
	if err != nil {
		return nil, err
	}
	cur := st.CachedInfo()
	cfg.Metadata, cfg.FirstSeq = cur.Config.Metadata, cur.Config.FirstSeq
	if m := minBytes(cur.Config); cfg.MaxBytes >= 0 && cfg.MaxBytes < m {
		cfg.MaxBytes = m // the channel's largest hook stays
	}
	st, err = s.js.UpdateStream(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return st.CachedInfo(), nil
}

// epochOf is a channel's epoch from its stream's info.
func epochOf(info *jetstream.StreamInfo) int64 {
	if v, ok := info.Config.Metadata[MetaEpoch]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return info.Created.UnixNano()
}

// Epoch returns channel ch's epoch (see EnsureChannel) without changing
// its stream (ErrNoChannel when it has none). Safe for concurrent use.
func (s *Store) Epoch(ctx context.Context, ch string) (int64, error) {
	if err := s.ready(ch); err != nil {
		return 0, err
	}
	st, err := s.js.Stream(ctx, StreamName(ch))
	if err != nil {
		return 0, fmt.Errorf("jstream: channel %s: epoch: %w", ch, noChannel(err))
	}
	return epochOf(st.CachedInfo()), nil
}

// ImportChannel creates channel ch's stream for hooks moved from another
// store: its first hook will get seq first (1 or more) and the channel
// keeps epoch (0: the stream's creation time), so desktops that knew the
// old store resume where they were. It fails if the stream exists. Safe
// for concurrent use.
func (s *Store) ImportChannel(ctx context.Context, ch string, r Retention, first, epoch int64) error {
	if err := s.ready(ch); err != nil {
		return err
	}
	cfg := s.streamConfig(ch, r)
	if first > 1 {
		cfg.FirstSeq = uint64(first)
	}
	if epoch != 0 {
		cfg.Metadata = map[string]string{MetaEpoch: strconv.FormatInt(epoch, 10)}
	}
	if _, err := s.js.CreateStream(ctx, cfg); err != nil {
		return fmt.Errorf("jstream: channel %s: import: %w%s", ch, err, replicasHint(err, s.cfg.Replicas))
	}
	return nil
}

// Remove deletes hook seq of channel ch, leaving a hole in its seqs (an
// import uses it to keep the holes the old store had). Safe for
// concurrent use.
func (s *Store) Remove(ctx context.Context, ch string, seq int64) error {
	if err := s.ready(ch); err != nil {
		return err
	}
	st, err := s.js.Stream(ctx, StreamName(ch))
	if err == nil {
		err = st.DeleteMsg(ctx, uint64(seq))
	}
	if err != nil {
		return fmt.Errorf("jstream: channel %s: remove %d: %w", ch, seq, noChannel(err))
	}
	return nil
}

// JetStream API error codes the client package does not name.
const (
	errCodeNoPeers               jetstream.ErrorCode = 10005 // no suitable peers for placement
	errCodeInsufficientResources jetstream.ErrorCode = 10023
	errCodeStorageExceeded       jetstream.ErrorCode = 10047 // the servers' max_file_store is reserved
)

// replicasHint says what to do when a stream needs more servers than the
// cluster has.
func replicasHint(err error, replicas int) string {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return ""
	}
	switch apiErr.ErrorCode {
	case errCodeInsufficientResources, errCodeNoPeers, errCodeStorageExceeded:
		// JetStream reserves each stream's MaxBytes on every replica up
		// front, so channels × retention bytes must fit each server; which
		// code says so depends on when the servers last shared their stats.
		return fmt.Sprintf(": the cluster has too few JetStream servers for %d replicas, or too little file store: "+
			"every channel reserves its retention bytes (--retention-bytes) on each server holding a copy; "+
			"add servers, raise their max_file_store, or lower --retention-bytes", replicas)
	}
	return ""
}

// SetRetention updates channel ch's limits live; JetStream evicts what the
// new limits exclude at once. The stream must exist (ErrNoChannel). Safe
// for concurrent use.
func (s *Store) SetRetention(ctx context.Context, ch string, r Retention) error {
	if err := s.ready(ch); err != nil {
		return err
	}
	if _, err := s.update(ctx, s.streamConfig(ch, r)); err != nil {
		return fmt.Errorf("jstream: channel %s: set retention: %w", ch, noChannel(err))
	}
	return nil
}

// noChannel maps "no such stream" onto ErrNoChannel.
func noChannel(err error) error {
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
		return fmt.Errorf("%w (%v)", ErrNoChannel, err)
	}
	return err
}

// ready validates ch and that the Store is open.
func (s *Store) ready(ch string) error {
	if err := s.alive(); err != nil {
		return fmt.Errorf("jstream: %w", err)
	}
	return checkChannel(ch)
}

// Append stores rec as channel ch's next hook and returns its seq once
// JetStream acknowledged it (stored on the stream's replicas). id, when
// not empty, is the hook's Nats-Msg-Id: an Append with an id already
// stored within the duplicate window stores nothing and returns the first
// seq, so a retry after an error is safe. ch's stream must exist
// (ErrNoChannel otherwise). Safe for concurrent use; concurrent Appends
// get distinct seqs in the order JetStream stored them.
func (s *Store) Append(ctx context.Context, ch, id string, at time.Time, rec []byte) (seq int64, err error) {
	if err := s.ready(ch); err != nil {
		return 0, err
	}
	msg := nats.NewMsg(Subject(ch))
	msg.Data = rec
	if id != "" {
		msg.Header.Set(jetstream.MsgIDHeader, id)
	}
	if !at.IsZero() {
		msg.Header.Set(HeaderAt, strconv.FormatInt(at.UnixNano(), 10))
	}
	if max := s.nc.MaxPayload(); max > 0 && int64(len(rec)) > max-1024 {
		return 0, fmt.Errorf("jstream: channel %s: hook of %d bytes is over the NATS server's max_payload (%d): raise max_payload on the servers or lower the relay's body cap", ch, len(rec), max)
	}
	ack, err := s.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(StreamName(ch)))
	if err != nil {
		return 0, fmt.Errorf("jstream: channel %s: append: %w", ch, noChannel(err))
	}
	return int64(ack.Sequence), nil
}

// Head returns channel ch's newest seq assigned (0: none yet) and its
// oldest seq still stored (0: none stored). Safe for concurrent use.
func (s *Store) Head(ctx context.Context, ch string) (last, first int64, err error) {
	if err := s.ready(ch); err != nil {
		return 0, 0, err
	}
	st, err := s.js.Stream(ctx, StreamName(ch))
	if err != nil {
		return 0, 0, fmt.Errorf("jstream: channel %s: head: %w", ch, noChannel(err))
	}
	state := st.CachedInfo().State
	last = int64(state.LastSeq)
	if state.Msgs > 0 {
		first = int64(state.FirstSeq)
	}
	return last, first, nil
}

// readBatch is ReadAfter's first fetch, and its most when records are
// small.
const (
	readFirstBatch = 64
	readMaxBatch   = 1024
)

// ReadAfter returns channel ch's stored hooks with seq > after, in order:
// at most limit of them, stopping once maxBytes of records are read
// (always at least one hook when there is one). Hooks evicted by retention
// are simply absent, so the first seq returned may jump past after+1.
// Safe for concurrent use.
func (s *Store) ReadAfter(ctx context.Context, ch string, after int64, limit, maxBytes int) ([]Hook, error) {
	if err := s.ready(ch); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	if after < 0 {
		after = 0
	}
	stream := StreamName(ch)
	cons, err := s.js.CreateConsumer(ctx, stream, jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       uint64(after + 1),
		AckPolicy:         jetstream.AckNonePolicy,
		MemoryStorage:     true,
		Replicas:          1,
		InactiveThreshold: 30 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("jstream: channel %s: read: %w", ch, noChannel(err))
	}
	name := cons.CachedInfo().Name
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		// Best effort: InactiveThreshold removes it anyway.
		_ = s.js.DeleteConsumer(dctx, stream, name)
	}()
	pending := int(min(cons.CachedInfo().NumPending, uint64(limit)))
	out := make([]Hook, 0, min(pending, readMaxBatch))
	bytes := 0
	batch := min(pending, readFirstBatch)
	retries := 0
	for len(out) < pending && bytes < maxBytes {
		got := 0
		mb, err := cons.FetchNoWait(batch)
		if err == nil {
			for m := range mb.Messages() {
				got++
				h, err := hookOf(m)
				if err != nil {
					return out, fmt.Errorf("jstream: channel %s: read: %w", ch, err)
				}
				if len(out) >= pending || bytes >= maxBytes {
					continue // fetched beyond the page: drop
				}
				out = append(out, h)
				bytes += len(h.Rec)
			}
			err = mb.Error()
		}
		if got == 0 && errors.Is(err, nats.ErrNoResponders) && retries < readRetries {
			// In a cluster, the new consumer's interest may not have
			// reached this server yet.
			retries++
			if err := pause(ctx, time.Duration(retries)*20*time.Millisecond); err != nil {
				return out, fmt.Errorf("jstream: channel %s: read: %w", ch, err)
			}
			continue
		}
		if err != nil && !errors.Is(err, nats.ErrTimeout) {
			return out, fmt.Errorf("jstream: channel %s: read: %w", ch, err)
		}
		if got == 0 {
			break // evicted since the consumer was made
		}
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("jstream: channel %s: read: %w", ch, err)
		}
		// Size the next batch by the records seen so far, to fetch little
		// beyond maxBytes.
		batch = pending - len(out)
		if avg := bytes / max(len(out), 1); avg > 0 {
			batch = min(batch, (maxBytes-bytes)/avg+1)
		}
		batch = max(1, min(batch, readMaxBatch))
	}
	return out, nil
}

// readRetries bounds ReadAfter's retries of a fetch nobody answered.
const readRetries = 25

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hookOf reads a hook out of a consumed message.
func hookOf(m jetstream.Msg) (Hook, error) {
	md, err := m.Metadata()
	if err != nil {
		return Hook{}, err
	}
	h := Hook{Seq: int64(md.Sequence.Stream), At: md.Timestamp, Rec: m.Data()}
	if v := m.Headers().Get(HeaderAt); v != "" {
		if ns, err := strconv.ParseInt(v, 10, 64); err == nil {
			h.At = time.Unix(0, ns)
		}
	}
	return h, nil
}

// watch is one live feed started by Watch.
type watch struct {
	s    *Store
	cc   jetstream.ConsumeContext
	once sync.Once
}

func (w *watch) stop() {
	w.once.Do(func() {
		w.cc.Stop()
		<-w.cc.Closed()
		w.s.mu.Lock()
		delete(w.s.watches, w)
		w.s.mu.Unlock()
	})
}

// Watch calls fn with every hook of channel ch with seq > after, stored by
// any instance, in seq order without duplicates, until stop is called (or
// the Store closes). Hooks already stored are delivered first, then new
// ones as they are acknowledged. A jump in seq is a retention hole. fn is
// called on one NATS client goroutine, never concurrently with itself; it
// must not block for long (it holds up the feed) and must not call stop.
// stop waits until fn is no longer called; it is safe to call more than
// once, from any goroutine other than fn's. Watch itself is safe for
// concurrent use.
func (s *Store) Watch(ctx context.Context, ch string, after int64, fn func(Hook)) (stop func(), err error) {
	if err := s.ready(ch); err != nil {
		return nil, err
	}
	if after < 0 {
		after = 0
	}
	cons, err := s.js.OrderedConsumer(ctx, StreamName(ch), jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   uint64(after + 1),
	})
	if err != nil {
		return nil, fmt.Errorf("jstream: channel %s: watch: %w", ch, noChannel(err))
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		h, err := hookOf(m)
		if err != nil {
			s.logf("jstream: channel %s: watch: %v", ch, err)
			return
		}
		fn(h)
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if !errors.Is(err, jetstream.ErrNoHeartbeat) {
			s.logf("jstream: channel %s: watch: %v", ch, err)
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("jstream: channel %s: watch: %w", ch, noChannel(err))
	}
	w := &watch{s: s, cc: cc}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		w.stop()
		return nil, fmt.Errorf("jstream: channel %s: watch: %w", ch, ErrClosed)
	}
	s.watches[w] = struct{}{}
	s.mu.Unlock()
	return w.stop, nil
}
