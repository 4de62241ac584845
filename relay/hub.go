package relay

import (
	"sync"
)

// hub fans committed hooks out to the streams of each channel without
// ever blocking the store, which publishes on its commit path.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[*sub]struct{}
}

// item is one committed hook, already encoded.
type item struct {
	seq  int64
	line []byte
}

// sub is one stream's subscription: a bounded queue of live hooks.
// Before the stream goes live (while it replays the backlog from the
// store) an overflow just empties the queue and flags a reset: the
// replay then reads further. Once live, an overflow marks the stream slow.
type sub struct {
	mu     sync.Mutex
	limit  int
	live   bool
	reset  bool
	slow   bool
	queue  []item
	bytes  int           // the queued lines' size: bounded too, hooks can be 25 MiB
	wake   chan struct{} // cap 1
	slowCh chan struct{} // closed when slow is set
}

func (h *hub) subscribe(ch string, limit int) *sub {
	sb := &sub{limit: limit, wake: make(chan struct{}, 1), slowCh: make(chan struct{})}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[string]map[*sub]struct{}{}
	}
	if h.subs[ch] == nil {
		h.subs[ch] = map[*sub]struct{}{}
	}
	h.subs[ch][sb] = struct{}{}
	h.mu.Unlock()
	return sb
}

func (h *hub) unsubscribe(ch string, sb *sub) {
	h.mu.Lock()
	delete(h.subs[ch], sb)
	if len(h.subs[ch]) == 0 {
		delete(h.subs, ch)
	}
	h.mu.Unlock()
}

func (h *hub) publish(ch string, items []item) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sb := range h.subs[ch] {
		sb.push(items)
	}
}

// maxQueuedBytes bounds what one stream may have waiting for its writer,
// beside the count (ServerConfig.SendQueue): past it, the stream reads from
// the store again or, live, is closed as too slow.
const maxQueuedBytes = 32 << 20

func itemsSize(items []item) int {
	n := 0
	for _, it := range items {
		n += len(it.line)
	}
	return n
}

func (sb *sub) push(items []item) {
	sb.mu.Lock()
	switch {
	case sb.slow:
	case len(sb.queue) > 0 && (len(sb.queue)+len(items) > sb.limit || sb.bytes+itemsSize(items) > maxQueuedBytes):
		// (An empty queue takes any one commit's hooks, however many.)
		if sb.live {
			sb.slow = true
			sb.queue = nil
			close(sb.slowCh)
		} else {
			sb.queue = nil
			sb.reset = true
		}
	default:
		sb.queue = append(sb.queue, items...)
		sb.bytes += itemsSize(items)
	}
	if sb.queue == nil {
		sb.bytes = 0
	}
	sb.mu.Unlock()
	select {
	case sb.wake <- struct{}{}:
	default:
	}
}

// goLive switches to live mode and returns what is queued, unless the
// queue overflowed since the last call (then ok is false: read the
// store again).
func (sb *sub) goLive() (q []item, ok bool) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.reset {
		sb.reset = false
		return nil, false
	}
	sb.live = true
	q, sb.queue, sb.bytes = sb.queue, nil, 0
	return q, true
}

// take returns the queued hooks.
func (sb *sub) take() []item {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	q := sb.queue
	sb.queue, sb.bytes = nil, 0
	return q
}

// fallBack leaves live mode (the stream saw a hole it must fill from the
// store); what is queued is dropped and read again from there.
func (sb *sub) fallBack() {
	sb.mu.Lock()
	sb.live, sb.reset, sb.queue, sb.bytes = false, false, nil, 0
	sb.mu.Unlock()
}
