package load

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gancho-app/gancho/replay"
)

// delivery is one message of the source with its delivery id. A duplicate
// is the same *delivery sent again: whichever send comes first builds and
// signs the request (once), so both carry the same bytes.
type delivery struct {
	msg  Message
	id   string
	once sync.Once
	req  replay.Request
	err  error
}

// request builds d's request on first use.
func (d *delivery) request(c *Config, now time.Time) (replay.Request, error) {
	d.once.Do(func() {
		d.req, d.id, d.err = c.build(d.msg, d.id, now)
		d.msg = Message{} // the payload is no longer needed
	})
	return d.req, d.err
}

// slot is one send: a delivery and what the faults made of it.
type slot struct {
	d     *delivery
	dup   bool // a repeat of an earlier send
	late  bool // held back: later deliveries went first
	burst bool
}

// held is a delivery held back until release sends have gone out.
type held struct {
	d       *delivery
	release int
}

// sequence turns a Source into the order of sends, with the duplicate and
// out-of-order faults applied. Safe for concurrent use (its methods lock).
type sequence struct {
	mu     sync.Mutex
	src    Source
	f      Faults
	rng    *rand.Rand
	prefix string
	n      int // deliveries drawn
	sent   int // slots handed out
	last   *delivery
	held   []held
}

func newSequence(src Source, f Faults, seed uint64, prefix string) *sequence {
	return &sequence{src: src, f: f, rng: rand.New(rand.NewPCG(seed, 0x6c6f6164)), prefix: prefix} // "load"
}

// next is the next send.
func (q *sequence) next(at time.Time) (slot, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.held) > 0 && q.held[0].release <= q.sent {
		h := q.held[0]
		q.held = q.held[1:]
		q.sent++
		return slot{d: h.d, late: true}, nil
	}
	if q.last != nil && q.f.Duplicates > 0 && q.rng.Float64()*100 < q.f.Duplicates {
		q.sent++
		return slot{d: q.last, dup: true}, nil
	}
	for {
		m, err := q.src.Next(at)
		if err != nil {
			return slot{}, err
		}
		q.n++
		d := &delivery{msg: m, id: fmt.Sprintf("%s%07d", q.prefix, q.n)}
		q.last = d
		if q.f.OutOfOrder > 0 && len(q.held) < q.f.Window && q.rng.Float64()*100 < q.f.OutOfOrder {
			q.held = append(q.held, held{d: d, release: q.sent + q.f.Window})
			continue
		}
		q.sent++
		return slot{d: d}, nil
	}
}
