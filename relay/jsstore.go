package relay

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/gancho-app/gancho/relay/jstream"
)

// jsStore is the hookStore on NATS JetStream (package jstream): one
// stream per channel, the registry, tokens and acknowledgements in
// key-value buckets. Several relay instances may share one JetStream;
// each sees the others' hooks, channels and tokens.
//
// Live hooks reach the commitFunc through one ordered consumer per
// followed channel (jstream.Watch), whichever instance stored them.
type jsStore struct {
	js       *jstream.Store
	logf     func(format string, args ...any)
	defRet   Retention
	onCommit commitFunc
	tokens   map[string]string // this instance's configured channel tokens

	mu      sync.Mutex
	ret     map[string]Retention
	follows map[string]*follow
	closed  bool

	ackMu   sync.Mutex
	pending map[ackKey]int64 // acks not yet written
	ackDone chan struct{}    // closed when the ack writer has stopped
	stopAck chan struct{}
}

// ackKey names one client of one channel.
type ackKey struct{ ch, client string }

// follow is one channel's live feed, shared by its streams on this
// instance.
type follow struct {
	n    int    // streams following
	stop func() // ends the watch
}

// jsTimeout bounds the store calls made without a caller's context.
const jsTimeout = 10 * time.Second

// openJSStore opens the JetStream (embedded or external, cfg.NATS), opens
// the configured channels and writes their tokens, and starts the ack
// writer. cfg has its defaults applied (newServer).
func openJSStore(ctx context.Context, cfg ServerConfig, onCommit commitFunc) (*jsStore, error) {
	ncfg := cfg.NATS
	if ncfg.Logf == nil {
		ncfg.Logf = cfg.Logf
	}
	js, err := jstream.Open(ctx, ncfg)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	s := &jsStore{js: js, logf: cfg.Logf, defRet: cfg.Retention, onCommit: onCommit, tokens: cfg.ChannelTokens,
		ret: map[string]Retention{}, follows: map[string]*follow{},
		pending: map[ackKey]int64{}, ackDone: make(chan struct{}), stopAck: make(chan struct{})}
	for ch, tok := range cfg.ChannelTokens {
		if err := js.SetChannelToken(ctx, ch, tok); err != nil {
			_ = js.Close()
			return nil, fmt.Errorf("relay: channel %s: %w", ch, err)
		}
	}
	if cfg.Legacy != nil {
		if err := migrateSQL(ctx, cfg.Legacy, js, cfg); err != nil {
			_ = js.Close()
			return nil, err
		}
	}
	for _, ch := range cfg.configured() {
		// Configured channels are open whatever the limit (newServer
		// checked they fit).
		if err := s.open(ctx, ch, 0); err != nil {
			_ = js.Close()
			return nil, err
		}
	}
	go s.writeAcks(cfg.AckFlushInterval)
	return s, nil
}

// jsRetention is r as the stream's limits.
func jsRetention(r Retention) jstream.Retention {
	return jstream.Retention{MaxCount: r.MaxCount, MaxBytes: r.MaxBytes, MaxAge: r.MaxAge}
}

func (s *jsStore) retention(ch string) Retention {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.ret[ch]; ok {
		return r
	}
	return s.defRet
}

// Append implements hookStore. A channel open in the registry whose
// stream is missing (opened by another instance a moment ago, or the
// stream was lost) gets its stream made, then the hook.
func (s *jsStore) Append(ctx context.Context, ch, id string, at time.Time, rec []byte) (int64, error) {
	if r := s.retention(ch); r.MaxBytes > 0 && int64(len(rec))+jstream.MsgOverhead > r.MaxBytes {
		// JetStream would store it, then evict it with everything else: the
		// channel's bound grows to its largest hook, which is kept alone.
		if err := s.js.KeepAtLeast(ctx, ch, int64(len(rec))+jstream.MsgOverhead); err != nil {
			return 0, fmt.Errorf("relay: %w", err)
		}
	}
	seq, err := s.js.Append(ctx, ch, id, at, rec)
	if errors.Is(err, jstream.ErrNoChannel) {
		if _, err = s.js.EnsureChannel(ctx, ch, jsRetention(s.retention(ch))); err == nil {
			seq, err = s.js.Append(ctx, ch, id, at, rec)
		}
	}
	if errors.Is(err, jstream.ErrClosed) {
		return 0, ErrClosed
	}
	if err != nil {
		return 0, fmt.Errorf("relay: %w", err)
	}
	return seq, nil
}

// ReadAfter implements hookStore.
func (s *jsStore) ReadAfter(ctx context.Context, ch string, after int64, limit, maxBytes int) ([]storedHook, error) {
	hs, err := s.js.ReadAfter(ctx, ch, after, limit, maxBytes)
	out := make([]storedHook, len(hs))
	for i, h := range hs {
		out[i] = storedHook{seq: h.Seq, rec: h.Rec}
	}
	if err != nil {
		return out, fmt.Errorf("relay: %w", err)
	}
	return out, nil
}

// Follow implements hookStore: the first follower of ch starts an ordered
// consumer at the channel's head, the last one's stop ends it.
func (s *jsStore) Follow(ctx context.Context, ch string) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	f := s.follows[ch]
	if f == nil {
		// Under s.mu: a second stream of ch waits for the watch to exist
		// rather than start another. Opening streams is rare.
		head, _, err := s.js.Head(ctx, ch)
		if err != nil {
			return nil, fmt.Errorf("relay: follow %s: %w", ch, err)
		}
		stop, err := s.js.Watch(ctx, ch, head, func(h jstream.Hook) {
			s.onCommit(ch, []storedHook{{seq: h.Seq, rec: h.Rec}})
		})
		if err != nil {
			return nil, fmt.Errorf("relay: follow %s: %w", ch, err)
		}
		f = &follow{stop: stop}
		s.follows[ch] = f
	}
	f.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			f.n--
			last := f.n == 0 && s.follows[ch] == f
			if last {
				delete(s.follows, ch)
			}
			s.mu.Unlock()
			if last {
				f.stop()
			}
		})
	}, nil
}

// Head implements hookStore, asking JetStream (another instance may have
// stored hooks since).
func (s *jsStore) Head(ctx context.Context, ch string) (int64, error) {
	last, _, err := s.js.Head(ctx, ch)
	if err != nil {
		return 0, fmt.Errorf("relay: %w", err)
	}
	return last, nil
}

// Epoch implements hookStore: the stream's creation time (or the epoch a
// migrated channel kept).
func (s *jsStore) Epoch(ctx context.Context, ch string) (int64, error) {
	e, err := s.js.Epoch(ctx, ch)
	if err != nil {
		return 0, fmt.Errorf("relay: %w", err)
	}
	return e, nil
}

// OpenChannel implements hookStore: the registry admits ch (within
// maxChannels, across every instance), then its stream is made or its
// retention brought up to date.
func (s *jsStore) OpenChannel(ctx context.Context, ch string, maxChannels int) error {
	return s.open(ctx, ch, maxChannels)
}

func (s *jsStore) open(ctx context.Context, ch string, maxChannels int) error {
	if err := s.js.OpenChannel(ctx, ch, maxChannels); err != nil {
		if errors.Is(err, jstream.ErrTooManyChannels) {
			return channelLimit(maxChannels)
		}
		return fmt.Errorf("relay: %w", err)
	}
	if _, err := s.js.EnsureChannel(ctx, ch, jsRetention(s.retention(ch))); err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	return nil
}

// IsOpen implements hookStore from the mirrored registry.
func (s *jsStore) IsOpen(ch string) bool { return s.js.IsOpen(ch) }

// ChannelToken implements hookStore: this instance's configuration first,
// then the tokens bucket (other instances' configuration).
func (s *jsStore) ChannelToken(ch string) (string, bool) {
	if t, ok := s.tokens[ch]; ok {
		return t, true
	}
	return s.js.ChannelToken(ch)
}

// SetRetention implements hookStore: the stream's limits change at once
// if it exists (JetStream evicts what they exclude), else when it is made.
func (s *jsStore) SetRetention(ch string, r Retention) {
	s.mu.Lock()
	s.ret[ch] = r
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), jsTimeout)
	defer cancel()
	if err := s.js.SetRetention(ctx, ch, jsRetention(r)); err != nil && !errors.Is(err, jstream.ErrNoChannel) {
		s.logf("channel %s: set retention: %v", ch, err)
	}
}

// RecordAck implements hookStore: acks are written by one goroutine,
// every AckFlushInterval and at Close, the highest per client.
func (s *jsStore) RecordAck(ch, client string, seq int64) {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	k := ackKey{ch, client}
	if seq > s.pending[k] {
		s.pending[k] = seq
	}
}

// writeAcks writes pending acks every interval until stopAck, then once
// more.
func (s *jsStore) writeAcks(interval time.Duration) {
	defer close(s.ackDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.flushAcks()
		case <-s.stopAck:
			s.flushAcks()
			return
		}
	}
}

func (s *jsStore) flushAcks() {
	s.ackMu.Lock()
	todo := s.pending
	s.pending = map[ackKey]int64{}
	s.ackMu.Unlock()
	for k, seq := range todo {
		ctx, cancel := context.WithTimeout(context.Background(), jsTimeout)
		err := s.js.RecordAck(ctx, k.ch, k.client, seq)
		cancel()
		if err != nil {
			s.logf("channel %s: record the acknowledgement of %s: %v", k.ch, k.client, err)
		}
	}
}

// Channels implements hookStore.
func (s *jsStore) Channels(ctx context.Context) ([]ChannelInfo, error) {
	cs, err := s.js.Channels(ctx)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	s.ackMu.Lock()
	pending := maps.Clone(s.pending)
	s.ackMu.Unlock()
	out := make([]ChannelInfo, 0, len(cs))
	for _, c := range cs {
		if !validChannel(c.Name) || !c.Open && c.Stored == 0 {
			continue // a closed channel is forgotten once its hooks are gone
		}
		for k, seq := range pending { // not written yet
			if k.ch == c.Name && seq > c.Acks[k.client] {
				c.Acks[k.client] = seq
			}
		}
		out = append(out, ChannelInfo{Name: c.Name, Open: c.Open, LastSeq: c.LastSeq, Stored: c.Stored,
			Bytes: c.Bytes, Oldest: c.Oldest, Acks: c.Acks})
	}
	return out, nil
}

// Close implements hookStore: pending acks are written, the feeds stopped
// and the JetStream closed (the embedded server stopped, its directory
// unlocked).
func (s *jsStore) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	fs := s.follows
	s.follows = map[string]*follow{}
	s.mu.Unlock()
	close(s.stopAck)
	<-s.ackDone
	for _, f := range fs {
		f.stop()
	}
	return s.js.Close()
}
