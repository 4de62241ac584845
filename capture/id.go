package capture

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// crockford is the ULID alphabet: sortable, case-insensitive, no I, L, O, U.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// IDGen hands out ULIDs (26 characters, lexically sortable by time). IDs from
// one generator are strictly increasing even within a millisecond, so list
// order equals arrival order. Safe for concurrent use.
type IDGen struct {
	mu     sync.Mutex
	lastMS uint64
	hi     uint16 // top 16 bits of the 80-bit random part
	lo     uint64 // low 64 bits
}

// New returns a fresh ID for the instant t.
func (g *IDGen) New(t time.Time) string {
	ms := uint64(t.UnixMilli())
	g.mu.Lock()
	if ms <= g.lastMS {
		// Same (or earlier: clock stepped back) millisecond: increment so the
		// order stays strict.
		ms = g.lastMS
		g.lo++
		if g.lo == 0 {
			g.hi++
		}
	} else {
		var b [10]byte
		_, _ = rand.Read(b[:])
		g.hi = binary.BigEndian.Uint16(b[:2]) & 0x7fff // leave room to increment
		g.lo = binary.BigEndian.Uint64(b[2:])
		g.lastMS = ms
	}
	hi, lo := g.hi, g.lo
	g.mu.Unlock()
	return encodeULID(ms, hi, lo)
}

func encodeULID(ms uint64, hi uint16, lo uint64) string {
	var raw [16]byte
	binary.BigEndian.PutUint16(raw[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(raw[2:6], uint32(ms))
	binary.BigEndian.PutUint16(raw[6:8], hi)
	binary.BigEndian.PutUint64(raw[8:16], lo)
	// 128 bits -> 26 base32 digits (the first carries only 3 bits).
	var out [26]byte
	var acc uint64
	var bits uint
	idx := 25
	for i := 15; i >= 0; i-- {
		acc |= uint64(raw[i]) << bits
		bits += 8
		for bits >= 5 && idx >= 0 {
			out[idx] = crockford[acc&31]
			acc >>= 5
			bits -= 5
			idx--
		}
	}
	for idx >= 0 {
		out[idx] = crockford[acc&31]
		acc >>= 5
		idx--
	}
	return string(out[:])
}
