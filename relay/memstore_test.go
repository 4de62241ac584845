package relay

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// memStore is a hookStore in memory: the smallest store that keeps the
// contract, so the Server can be tested on a store other than jsStore
// (and shown to need nothing else from it). Retention: MaxCount and
// MaxBytes only; acks are kept as given.
type memStore struct {
	onCommit commitFunc
	defRet   Retention
	now      func() time.Time

	// mu also makes onCommit calls one at a time, in seq order.
	mu     sync.Mutex
	chans  map[string]*memChannel
	ret    map[string]Retention
	acks   map[ackKey]int64
	closed bool
}

type memChannel struct {
	open  bool
	epoch int64
	head  int64
	hooks []storedHook // ascending seq; evicted ones removed from the front
}

func openMemStore(cfg ServerConfig, onCommit commitFunc) (hookStore, error) {
	m := &memStore{onCommit: onCommit, defRet: cfg.Retention, now: time.Now,
		chans: map[string]*memChannel{}, ret: map[string]Retention{}, acks: map[ackKey]int64{}}
	for _, ch := range cfg.configured() {
		m.channel(ch).open = true // configured channels do not count against the limit
	}
	return m, nil
}

// channel returns ch, created if new; m.mu is held.
func (m *memStore) channel(ch string) *memChannel {
	c := m.chans[ch]
	if c == nil {
		c = &memChannel{epoch: m.now().UnixNano()}
		m.chans[ch] = c
	}
	return c
}

func (m *memStore) Append(ctx context.Context, ch, id string, at time.Time, rec []byte) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	c := m.channel(ch)
	c.head++
	h := storedHook{seq: c.head, rec: slices.Clone(rec)}
	c.hooks = append(c.hooks, h)
	ret := m.retention(ch)
	if ret.MaxCount > 0 && len(c.hooks) > ret.MaxCount {
		c.hooks = slices.Delete(c.hooks, 0, len(c.hooks)-ret.MaxCount)
	}
	if ret.MaxBytes > 0 {
		var size int64
		for _, h := range c.hooks {
			size += int64(len(h.rec))
		}
		for len(c.hooks) > 1 && size > ret.MaxBytes { // the newest stays
			size -= int64(len(c.hooks[0].rec))
			c.hooks = c.hooks[1:]
		}
	}
	m.onCommit(ch, []storedHook{h})
	return h.seq, nil
}

func (m *memStore) ReadAfter(ctx context.Context, ch string, after int64, limit, maxBytes int) ([]storedHook, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.chans[ch]
	if c == nil {
		return nil, nil
	}
	i := sort.Search(len(c.hooks), func(i int) bool { return c.hooks[i].seq > after })
	var out []storedHook
	n := 0
	for ; i < len(c.hooks) && len(out) < limit; i++ {
		out = append(out, c.hooks[i])
		if n += len(c.hooks[i].rec); n >= maxBytes {
			break
		}
	}
	return out, nil
}

func (m *memStore) Head(_ context.Context, ch string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.chans[ch]; c != nil {
		return c.head, nil
	}
	return 0, nil
}

// Follow implements hookStore: every append is already told.
func (m *memStore) Follow(context.Context, string) (func(), error) { return func() {}, nil }

// ChannelToken implements hookStore: tokens are the configuration's only.
func (m *memStore) ChannelToken(string) (string, bool) { return "", false }

func (m *memStore) Epoch(ctx context.Context, ch string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.chans[ch]; c != nil {
		return c.epoch, nil
	}
	return 0, nil
}

func (m *memStore) OpenChannel(ctx context.Context, ch string, maxChannels int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.chans[ch]; c != nil && c.open {
		return nil
	}
	n := 0
	for _, c := range m.chans {
		if c.open {
			n++
		}
	}
	if n >= maxChannels {
		return channelLimit(n)
	}
	m.channel(ch).open = true
	return nil
}

func (m *memStore) IsOpen(ch string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.chans[ch]
	return c != nil && c.open
}

func (m *memStore) SetRetention(ch string, r Retention) {
	m.mu.Lock()
	m.ret[ch] = r
	m.mu.Unlock()
}

// retention is ch's; m.mu is held.
func (m *memStore) retention(ch string) Retention {
	if r, ok := m.ret[ch]; ok {
		return r
	}
	return m.defRet
}

func (m *memStore) RecordAck(ch, client string, seq int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := ackKey{ch, client}
	m.acks[k] = max(m.acks[k], seq)
}

func (m *memStore) Channels(ctx context.Context) ([]ChannelInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ChannelInfo
	for name, c := range m.chans {
		ci := ChannelInfo{Name: name, Open: c.open, LastSeq: c.head, Stored: len(c.hooks)}
		for _, h := range c.hooks {
			ci.Bytes += int64(len(h.rec))
		}
		if len(c.hooks) > 0 {
			ci.Oldest = c.hooks[0].seq
		}
		for k, seq := range m.acks {
			if k.ch == name {
				if ci.Acks == nil {
					ci.Acks = map[string]int64{}
				}
				ci.Acks[k.client] = seq
			}
		}
		out = append(out, ci)
	}
	slices.SortFunc(out, func(a, b ChannelInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *memStore) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}
