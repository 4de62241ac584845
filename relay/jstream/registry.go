package jstream

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Key-value buckets shared by every instance.
const (
	BucketChannels = "gancho_channels" // channel → time opened (Unix ns)
	BucketTokens   = "gancho_tokens"   // channel → its token
	BucketAcks     = "gancho_acks"     // <channel>.<base64url client> → highest seq acknowledged
)

// lookupTimeout bounds IsOpen's and ChannelToken's round trip on a miss.
const lookupTimeout = 5 * time.Second

// ChannelInfo describes one channel (see Store.Channels). Its fields match
// the relay's ChannelInfo. A plain value, owned by its receiver.
type ChannelInfo struct {
	Name    string
	Open    bool             // in the registry (OpenChannel)
	LastSeq int64            // newest seq assigned (0: none yet)
	Stored  int              // hooks kept (after retention)
	Bytes   int64            // their size as JetStream counts it (records and headers)
	Oldest  int64            // oldest seq kept (0: none)
	Acks    map[string]int64 // highest acknowledged seq per client id
}

// registry mirrors the channels and tokens buckets into memory.
type registry struct {
	mu     sync.RWMutex
	open   map[string]bool
	tokens map[string]string
	// floor holds, per channel OpenChannel refused, the revision of the
	// key it removed: the watch may still bring that put, to be ignored.
	floor map[string]uint64
	stops []func()
}

func (r *registry) stop() {
	for _, f := range r.stops {
		f()
	}
	r.stops = nil
}

// openBuckets creates (or finds) the buckets and starts mirroring them.
func (s *Store) openBuckets(ctx context.Context) error {
	mk := func(name, desc string) (jetstream.KeyValue, error) {
		kv, err := s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      name,
			Description: desc,
			History:     1,
			Storage:     jetstream.FileStorage,
			Replicas:    s.cfg.Replicas,
		})
		if err != nil {
			return nil, fmt.Errorf("jstream: open bucket %s: %w%s", name, err, replicasHint(err, s.cfg.Replicas))
		}
		return kv, nil
	}
	var err error
	if s.chans, err = mk(BucketChannels, "gancho relay: open channels"); err != nil {
		return err
	}
	if s.tokens, err = mk(BucketTokens, "gancho relay: channel tokens"); err != nil {
		return err
	}
	if s.acks, err = mk(BucketAcks, "gancho relay: acknowledgements per channel and client"); err != nil {
		return err
	}
	s.reg = &registry{open: map[string]bool{}, tokens: map[string]string{}, floor: map[string]uint64{}}
	if err := s.mirror(ctx, s.chans, func(key string, rev uint64, val []byte, del bool) {
		s.reg.mu.Lock()
		switch {
		case del:
			delete(s.reg.open, key)
		case rev > s.reg.floor[key]: // not a put OpenChannel refused and removed
			s.reg.open[key] = true
		}
		s.reg.mu.Unlock()
	}); err != nil {
		return err
	}
	return s.mirror(ctx, s.tokens, func(key string, _ uint64, val []byte, del bool) {
		s.reg.mu.Lock()
		if del {
			delete(s.reg.tokens, key)
		} else {
			s.reg.tokens[key] = string(val)
		}
		s.reg.mu.Unlock()
	})
}

// mirror watches every key of kv, calls set for each current value and
// update, and returns once the current values are in.
func (s *Store) mirror(ctx context.Context, kv jetstream.KeyValue, set func(key string, rev uint64, val []byte, del bool)) error {
	wctx, cancel := context.WithCancel(context.Background())
	w, err := kv.WatchAll(wctx)
	if err != nil {
		cancel()
		return fmt.Errorf("jstream: watch bucket %s: %w", kv.Bucket(), err)
	}
	synced := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		first := true
		for e := range w.Updates() {
			if e == nil {
				if first {
					first = false
					close(synced)
				}
				continue
			}
			set(e.Key(), e.Revision(), e.Value(), e.Operation() != jetstream.KeyValuePut)
		}
	}()
	s.reg.stops = append(s.reg.stops, func() {
		_ = w.Stop()
		cancel()
		<-done
	})
	select {
	case <-synced:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("jstream: read bucket %s: %w", kv.Bucket(), ctx.Err())
	}
}

// OpenChannel puts ch into the registry (idempotent: an open channel stays
// open and is not counted twice). With maxChannels > 0, it refuses
// (ErrTooManyChannels) a channel that would make more than maxChannels
// open. Concurrent opens from any number of instances never exceed it:
// channels are admitted in the order of their registry key's revision,
// and a refused one is removed again (see the package documentation for
// the bounds). It does not make the channel's
// stream (EnsureChannel does). Safe for concurrent use.
func (s *Store) OpenChannel(ctx context.Context, ch string, maxChannels int) error {
	if err := s.ready(ch); err != nil {
		return err
	}
	if _, err := s.chans.Get(ctx, ch); err == nil {
		s.setOpen(ch)
		return nil
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("jstream: open channel %s: %w", ch, err)
	}
	rev, err := s.chans.Create(ctx, ch, []byte(strconv.FormatInt(time.Now().UnixNano(), 10)))
	if errors.Is(err, jetstream.ErrKeyExists) {
		s.setOpen(ch) // another instance opened it meanwhile; it counted it
		return nil
	}
	if err != nil {
		return fmt.Errorf("jstream: open channel %s: %w", ch, err)
	}
	if maxChannels > 0 {
		rank, err := s.rankOf(ctx, rev)
		if err != nil {
			s.unopen(ch, rev)
			return fmt.Errorf("jstream: open channel %s: %w", ch, err)
		}
		if rank > maxChannels {
			s.unopen(ch, rev)
			return fmt.Errorf("jstream: open channel %s: %d channels are open: %w", ch, maxChannels, ErrTooManyChannels)
		}
	}
	s.setOpen(ch)
	return nil
}

// rankOf counts the open channels whose key revision is at most rev.
func (s *Store) rankOf(ctx context.Context, rev uint64) (int, error) {
	w, err := s.chans.WatchAll(ctx, jetstream.IgnoreDeletes(), jetstream.MetaOnly())
	if err != nil {
		return 0, err
	}
	defer w.Stop()
	n := 0
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return 0, errors.New("registry watch ended")
			}
			if e == nil {
				return n, nil
			}
			if e.Revision() <= rev {
				n++
			}
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// unopen removes a channel OpenChannel refused, if its key is still the
// one it created.
func (s *Store) unopen(ch string, rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if err := s.chans.Delete(ctx, ch, jetstream.LastRevision(rev)); err != nil {
		s.logf("jstream: channel %s refused but still in the registry: %v", ch, err)
		return
	}
	s.reg.mu.Lock()
	s.reg.floor[ch] = rev
	delete(s.reg.open, ch)
	s.reg.mu.Unlock()
}

func (s *Store) setOpen(ch string) {
	s.reg.mu.Lock()
	s.reg.open[ch] = true
	s.reg.mu.Unlock()
}

// IsOpen reports whether ch is in the registry. It answers from the
// mirrored registry, and asks JetStream only when ch is not there yet
// (opened by another instance a moment ago). Safe for concurrent use.
func (s *Store) IsOpen(ch string) bool {
	if s.ready(ch) != nil {
		return false
	}
	s.reg.mu.RLock()
	open := s.reg.open[ch]
	s.reg.mu.RUnlock()
	if open {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if _, err := s.chans.Get(ctx, ch); err == nil {
		s.setOpen(ch)
		return true
	}
	return false
}

// SetChannelToken gives ch its own token (empty: removes it). Every
// instance sees it. Safe for concurrent use.
func (s *Store) SetChannelToken(ctx context.Context, ch, token string) error {
	if err := s.ready(ch); err != nil {
		return err
	}
	var err error
	if token == "" {
		err = s.tokens.Delete(ctx, ch)
	} else {
		_, err = s.tokens.Put(ctx, ch, []byte(token))
	}
	if err != nil {
		return fmt.Errorf("jstream: channel %s: set token: %w", ch, err)
	}
	s.reg.mu.Lock()
	if token == "" {
		delete(s.reg.tokens, ch)
	} else {
		s.reg.tokens[ch] = token
	}
	s.reg.mu.Unlock()
	return nil
}

// ChannelToken returns ch's own token, if it has one, from the mirrored
// bucket (asking JetStream on a miss). Safe for concurrent use.
func (s *Store) ChannelToken(ch string) (token string, ok bool) {
	if s.ready(ch) != nil {
		return "", false
	}
	s.reg.mu.RLock()
	token, ok = s.reg.tokens[ch]
	s.reg.mu.RUnlock()
	if ok {
		return token, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if e, err := s.tokens.Get(ctx, ch); err == nil {
		return string(e.Value()), true
	}
	return "", false
}

// ackKey is client's key for channel ch in the acks bucket: client ids may
// hold '.', a key separator, so they are base64url-encoded.
func ackKey(ch, client string) string {
	return ch + "." + base64.RawURLEncoding.EncodeToString([]byte(client))
}

// RecordAck records that client acknowledged ch's hooks up to seq, keeping
// the highest seq ever recorded (compare-and-set, so concurrent records
// from several instances keep the maximum). Safe for concurrent use.
func (s *Store) RecordAck(ctx context.Context, ch, client string, seq int64) error {
	if err := s.ready(ch); err != nil {
		return err
	}
	if client == "" {
		return fmt.Errorf("jstream: channel %s: record ack: empty client id", ch)
	}
	key := ackKey(ch, client)
	val := []byte(strconv.FormatInt(seq, 10))
	for {
		e, err := s.acks.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			_, err = s.acks.Create(ctx, key, val)
		case err != nil:
		default:
			if cur, perr := strconv.ParseInt(string(e.Value()), 10, 64); perr == nil && cur >= seq {
				return nil
			}
			_, err = s.acks.Update(ctx, key, val, e.Revision())
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongRevision(err) {
			return fmt.Errorf("jstream: channel %s: record ack of %s: %w", ch, client, err)
		}
	}
}

// isWrongRevision reports a lost compare-and-set.
func isWrongRevision(err error) bool {
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// Acks returns the highest acknowledged seq per client of ch. Safe for
// concurrent use.
func (s *Store) Acks(ctx context.Context, ch string) (map[string]int64, error) {
	if err := s.ready(ch); err != nil {
		return nil, err
	}
	all, err := s.allAcks(ctx, ch+".*")
	if err != nil {
		return nil, fmt.Errorf("jstream: channel %s: acks: %w", ch, err)
	}
	if all[ch] == nil {
		return map[string]int64{}, nil
	}
	return all[ch], nil
}

// allAcks reads the acks under filter, per channel and client.
func (s *Store) allAcks(ctx context.Context, filter string) (map[string]map[string]int64, error) {
	w, err := s.acks.Watch(ctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	out := map[string]map[string]int64{}
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return nil, errors.New("acks watch ended")
			}
			if e == nil {
				return out, nil
			}
			ch, enc, ok := strings.Cut(e.Key(), ".")
			if !ok {
				continue
			}
			client, err := base64.RawURLEncoding.DecodeString(enc)
			if err != nil {
				continue
			}
			seq, err := strconv.ParseInt(string(e.Value()), 10, 64)
			if err != nil {
				continue
			}
			if out[ch] == nil {
				out[ch] = map[string]int64{}
			}
			out[ch][string(client)] = seq
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Channels lists every channel, open (in the registry) or with a stream,
// sorted by name, with its counters from the stream's state. Safe for
// concurrent use.
func (s *Store) Channels(ctx context.Context) ([]ChannelInfo, error) {
	if err := s.alive(); err != nil {
		return nil, fmt.Errorf("jstream: %w", err)
	}
	byName := map[string]*ChannelInfo{}
	get := func(name string) *ChannelInfo {
		if c := byName[name]; c != nil {
			return c
		}
		c := &ChannelInfo{Name: name, Acks: map[string]int64{}}
		byName[name] = c
		return c
	}
	keys, err := s.chans.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("jstream: list channels: %w", err)
	}
	for k := range keys.Keys() {
		get(k).Open = true
	}
	_ = keys.Stop()
	lister := s.js.ListStreams(ctx, jetstream.WithStreamListSubject("gancho.hook.>"))
	for info := range lister.Info() {
		name, ok := strings.CutPrefix(info.Config.Name, "GANCHO_HOOKS_")
		if !ok || !ValidChannel(name) {
			continue
		}
		c := get(name)
		c.LastSeq = int64(info.State.LastSeq)
		c.Stored = int(info.State.Msgs)
		c.Bytes = int64(info.State.Bytes)
		if info.State.Msgs > 0 {
			c.Oldest = int64(info.State.FirstSeq)
		}
	}
	if err := lister.Err(); err != nil {
		return nil, fmt.Errorf("jstream: list channels: %w", err)
	}
	acks, err := s.allAcks(ctx, ">")
	if err != nil {
		return nil, fmt.Errorf("jstream: list channels: %w", err)
	}
	for ch, m := range acks {
		if c := byName[ch]; c != nil {
			c.Acks = m
		}
	}
	out := make([]ChannelInfo, 0, len(byName))
	for _, c := range byName {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
