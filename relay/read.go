package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gancho-app/gancho/internal/text"
)

// load opens the configured channels and reads the channels' heads, sizes
// and acks at start (before the writer runs).
func (s *Server) load(ctx context.Context) error {
	now := s.now().UnixNano()
	for _, ch := range s.configured() {
		if _, err := s.db.Write.ExecContext(ctx, `INSERT INTO relayws_channels(channel, last_seq, created_at, opened_at) VALUES(?, 0, ?, ?)
			ON CONFLICT(channel) DO UPDATE SET opened_at = CASE WHEN opened_at = 0 THEN excluded.opened_at ELSE opened_at END`,
			ch, now, now); err != nil {
			return fmt.Errorf("open relay: channel %s: %w", ch, err)
		}
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT channel, last_seq, opened_at FROM relayws_channels`)
	if err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	for rows.Next() {
		var ch string
		var seq, opened int64
		if err := rows.Scan(&ch, &seq, &opened); err != nil {
			rows.Close()
			return fmt.Errorf("open relay: %w", err)
		}
		s.heads[ch] = seq
		if opened != 0 {
			s.open[ch] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	if err := s.loadBytes(ctx); err != nil {
		return err
	}
	if err := s.warnLegacy(ctx); err != nil {
		return err
	}
	rows, err = s.db.Read.QueryContext(ctx, `SELECT channel, client, seq FROM relayws_acks`)
	if err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k ackKey
		var seq int64
		if err := rows.Scan(&k.ch, &k.client, &seq); err != nil {
			return fmt.Errorf("open relay: %w", err)
		}
		s.acks[k] = seq
	}
	return rows.Err()
}

// legacyShown is how many closed legacy channels warnLegacy names.
const legacyShown = 10

// warnLegacy logs, once at start, the channels that hooks created before
// hooks stopped creating channels and that no desktop ever acknowledged:
// they are closed, so their senders get 404 (which many treat as final)
// until a desktop connects. A real team channel whose desktop was offline
// through the upgrade is among them: the operator should configure it.
// Channels closed now can only be such legacy ones, as hooks no longer
// create channels and a closed channel is forgotten once its hooks go.
func (s *Server) warnLegacy(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT c.channel, count(*) AS n
		FROM relayws_channels c JOIN relayws_hooks h ON h.channel = c.channel
		WHERE c.opened_at = 0 GROUP BY c.channel ORDER BY n DESC, c.channel`)
	if err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	defer rows.Close()
	total := 0
	var names []string
	for rows.Next() {
		var ch string
		var n int64
		if err := rows.Scan(&ch, &n); err != nil {
			return fmt.Errorf("open relay: %w", err)
		}
		if total++; total <= legacyShown {
			names = append(names, fmt.Sprintf("%s (%d)", ch, n))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	if total == 0 {
		return nil
	}
	more := ""
	if total > legacyShown {
		more = ", …"
	}
	s.logf("upgrade: closed until a desktop connects to them (their senders get 404): %s with hooks from "+
		"before this version that no desktop ever opened. Pass --channel NAME (repeatable) for your real "+
		"team channels so they take hooks now. Most hooks: %s%s",
		text.N(total, "channel", "channels"), strings.Join(names, ", "), more)
	return nil
}

// configured lists the channels open by configuration.
func (s *Server) configured() []string {
	out := append([]string(nil), s.cfg.Channels...)
	for ch := range s.cfg.ChannelTokens {
		out = append(out, ch)
	}
	return out
}

// loadBytes counts each channel's stored record bytes.
func (s *Server) loadBytes(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT channel, sum(length(record)) FROM relayws_hooks GROUP BY channel`)
	if err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	defer rows.Close()
	sizes := map[string]int64{}
	for rows.Next() {
		var ch string
		var n int64
		if err := rows.Scan(&ch, &n); err != nil {
			return fmt.Errorf("open relay: %w", err)
		}
		sizes[ch] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open relay: %w", err)
	}
	s.mu.Lock()
	s.bytes = sizes
	s.mu.Unlock()
	return nil
}

// storedHook is one row read back for a replay.
type storedHook struct {
	seq int64
	rec []byte
}

// readAfter returns up to limit hooks of ch with seq > after, in order,
// stopping early once maxBytes of records are read.
func (s *Server) readAfter(ctx context.Context, ch string, after int64, limit, maxBytes int) ([]storedHook, error) {
	rows, err := s.db.Read.QueryContext(ctx,
		`SELECT seq, record FROM relayws_hooks WHERE channel = ? AND seq > ? ORDER BY seq LIMIT ?`, ch, after, limit)
	if err != nil {
		return nil, fmt.Errorf("relay: read channel %s: %w", ch, err)
	}
	defer rows.Close()
	var out []storedHook
	n := 0
	for rows.Next() {
		var h storedHook
		if err := rows.Scan(&h.seq, &h.rec); err != nil {
			return nil, fmt.Errorf("relay: read channel %s: %w", ch, err)
		}
		out = append(out, h)
		if n += len(h.rec); n >= maxBytes {
			break
		}
	}
	if err := rows.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("relay: read channel %s: %w", ch, err)
	}
	return out, nil
}

// ChannelInfo describes one channel (see Server.Channels).
type ChannelInfo struct {
	Name    string
	Open    bool             // takes hooks (a desktop opened it, or it is configured)
	LastSeq int64            // newest seq assigned (0: none yet)
	Stored  int              // hooks kept (after retention)
	Bytes   int64            // their records' size
	Oldest  int64            // oldest seq kept (0: none)
	Acks    map[string]int64 // highest acknowledged seq per client id
}

// Channels lists every channel with its counters, sorted by name.
func (s *Server) Channels(ctx context.Context) ([]ChannelInfo, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT c.channel, c.opened_at != 0, c.last_seq,
		(SELECT count(*) FROM relayws_hooks h WHERE h.channel = c.channel),
		(SELECT coalesce(sum(length(record)), 0) FROM relayws_hooks h WHERE h.channel = c.channel),
		(SELECT coalesce(min(seq), 0) FROM relayws_hooks h WHERE h.channel = c.channel)
		FROM relayws_channels c ORDER BY c.channel`)
	if err != nil {
		return nil, fmt.Errorf("relay: list channels: %w", err)
	}
	defer rows.Close()
	var out []ChannelInfo
	for rows.Next() {
		var c ChannelInfo
		if err := rows.Scan(&c.Name, &c.Open, &c.LastSeq, &c.Stored, &c.Bytes, &c.Oldest); err != nil {
			return nil, fmt.Errorf("relay: list channels: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relay: list channels: %w", err)
	}
	s.ackMu.Lock()
	for i := range out {
		for k, seq := range s.acks {
			if k.ch == out[i].Name {
				if out[i].Acks == nil {
					out[i].Acks = map[string]int64{}
				}
				out[i].Acks[k.client] = seq
			}
		}
	}
	s.ackMu.Unlock()
	return out, nil
}
