package relay

import (
	"database/sql"
)

// ackKey names one client of one channel.
type ackKey struct{ ch, client string }

// recordAck notes that client acknowledged seq on ch; it is persisted by
// the writer within AckFlushInterval.
func (s *Server) recordAck(ch, client string, seq int64) {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	k := ackKey{ch, client}
	if seq > s.acks[k] {
		s.acks[k] = seq
		s.ackDirty[k] = true
	}
}

func (s *Server) flushAcks() {
	s.ackMu.Lock()
	if len(s.ackDirty) == 0 {
		s.ackMu.Unlock()
		return
	}
	dirty := make(map[ackKey]int64, len(s.ackDirty))
	for k := range s.ackDirty {
		dirty[k] = s.acks[k]
	}
	clear(s.ackDirty)
	s.ackMu.Unlock()
	now := s.now().UnixNano()
	err := s.inTx(func(tx *sql.Tx) error {
		for k, seq := range dirty {
			if _, err := tx.Exec(`INSERT INTO relayws_acks(channel, client, seq, updated_at) VALUES(?, ?, ?, ?)
				ON CONFLICT(channel, client) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at`,
				k.ch, k.client, seq, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.logf("relay: record acknowledgements: %v", err)
		s.ackMu.Lock()
		for k := range dirty {
			s.ackDirty[k] = true
		}
		s.ackMu.Unlock()
	}
}
