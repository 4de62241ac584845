package relay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/relay/jstream"
)

// legacyChannel is one channel as the SQLite relay stored it.
type legacyChannel struct {
	name          string
	last, created int64 // newest seq; creation time (the epoch desktops know)
	opened        bool  // by a desktop or configuration
	hooks         int64 // kept
}

// migrateSQL moves what the SQLite relay stored in db (tables relayws_*)
// into JetStream, then deletes it from db, so it runs once. Each channel
// keeps its seqs, holes included, and its epoch, so desktops resume where
// they were without fetching anything twice. It can be interrupted and
// run again: a channel carries on from its stream's last seq.
func migrateSQL(ctx context.Context, db *database.DB, js *jstream.Store, cfg ServerConfig) error {
	// An older database gets the last relay migrations first (opened_at).
	if err := db.Migrate(ctx, migrationOwner, migrations); err != nil {
		return fmt.Errorf("relay: upgrade %s: %w", db.Dir, err)
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT c.channel, c.last_seq, c.created_at, c.opened_at != 0,
		(SELECT count(*) FROM relayws_hooks h WHERE h.channel = c.channel)
		FROM relayws_channels c ORDER BY c.channel`)
	if err != nil {
		return fmt.Errorf("relay: upgrade %s: %w", db.Dir, err)
	}
	var chans []legacyChannel
	for rows.Next() {
		var c legacyChannel
		if err := rows.Scan(&c.name, &c.last, &c.created, &c.opened, &c.hooks); err != nil {
			rows.Close()
			return fmt.Errorf("relay: upgrade %s: %w", db.Dir, err)
		}
		chans = append(chans, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("relay: upgrade %s: %w", db.Dir, err)
	}
	if len(chans) == 0 {
		return nil
	}
	start := time.Now()
	var moved int64
	configured := cfg.configured()
	var closed []legacyChannel
	for _, c := range chans {
		if !validChannel(c.name) {
			cfg.Logf("upgrade: channel %q skipped: its name is not one this relay takes", c.name)
			continue
		}
		n, err := migrateChannel(ctx, db, js, c.name, c.last, c.created, cfg.Retention)
		if err != nil {
			return fmt.Errorf("relay: upgrade %s: channel %s: %w (nothing was deleted from the old database: "+
				"fix the cause and start the relay again, it carries on where it stopped)", db.Dir, c.name, err)
		}
		moved += n
		if c.opened {
			if err := js.OpenChannel(ctx, c.name, 0); err != nil {
				return fmt.Errorf("relay: upgrade %s: channel %s: %w", db.Dir, c.name, err)
			}
		} else if c.hooks > 0 && !slices.Contains(configured, c.name) {
			closed = append(closed, c)
		}
	}
	if err := migrateAcks(ctx, db, js); err != nil {
		return err
	}
	// Gone from the old database only once all of it is in JetStream.
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM relayws_hooks; DELETE FROM relayws_acks; DELETE FROM relayws_channels;`)
		return err
	}); err != nil {
		return fmt.Errorf("relay: upgrade %s: everything was copied into JetStream, but the old rows could not be deleted "+
			"(the next start copies only what is missing): %w", db.Dir, err)
	}
	cfg.Logf("upgrade: moved %s (%s) from %s into JetStream in %s",
		text.N(len(chans), "channel", "channels"), text.N(int(moved), "hook", "hooks"), db.Dir, time.Since(start).Round(time.Millisecond))
	warnClosed(cfg.Logf, closed)
	return nil
}

// migrateChannel copies channel ch's hooks with seq above what its stream
// already holds, keeping their seqs, and returns how many it copied. A
// hole (hooks evicted by age between kept ones) becomes a removed message,
// so the stream's seqs are the old ones.
func migrateChannel(ctx context.Context, db *database.DB, js *jstream.Store, ch string, lastSeq, epoch int64, r Retention) (int64, error) {
	var have int64
	if _, err := js.Epoch(ctx, ch); errors.Is(err, jstream.ErrNoChannel) {
		first := lastSeq + 1
		if err := db.Read.QueryRowContext(ctx, `SELECT coalesce(min(seq), ?) FROM relayws_hooks WHERE channel = ?`, first, ch).Scan(&first); err != nil {
			return 0, err
		}
		if err := js.ImportChannel(ctx, ch, jsRetention(r), first, epoch); err != nil {
			return 0, err
		}
		have = first - 1
	} else if err != nil {
		return 0, err
	} else if have, _, err = js.Head(ctx, ch); err != nil {
		return 0, err
	}
	var n int64
	for {
		// Pages, so a channel of 25 MiB hooks is never all in memory.
		rows, err := db.Read.QueryContext(ctx, `SELECT seq, id, record, received_at FROM relayws_hooks
			WHERE channel = ? AND seq > ? ORDER BY seq LIMIT 256`, ch, have)
		if err != nil {
			return n, err
		}
		type hook struct {
			seq, at int64
			id      string
			rec     []byte
		}
		var page []hook
		for rows.Next() {
			var h hook
			if err := rows.Scan(&h.seq, &h.id, &h.rec, &h.at); err != nil {
				rows.Close()
				return n, err
			}
			page = append(page, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		if len(page) == 0 {
			break
		}
		for _, h := range page {
			if err := fillHole(ctx, js, ch, have, h.seq); err != nil {
				return n, err
			}
			seq, err := js.Append(ctx, ch, "", time.Unix(0, h.at), h.rec)
			if err != nil {
				return n, err
			}
			if seq != h.seq {
				return n, fmt.Errorf("hook %d was stored as %d: the stream changed during the upgrade", h.seq, seq)
			}
			have = seq
			n++
		}
	}
	// The newest seq may have been evicted by age: keep the counter.
	if err := fillHole(ctx, js, ch, have, lastSeq+1); err != nil {
		return n, err
	}
	return n, nil
}

// fillHole makes seqs have+1 … next-1 absent: each is stored as a
// placeholder and removed, so the next hook gets seq next.
func fillHole(ctx context.Context, js *jstream.Store, ch string, have, next int64) error {
	for seq := have + 1; seq < next; seq++ {
		got, err := js.Append(ctx, ch, "", time.Time{}, []byte("{}"))
		if err != nil {
			return err
		}
		if got != seq {
			return fmt.Errorf("hole %d was stored as %d: the stream changed during the upgrade", seq, got)
		}
		if err := js.Remove(ctx, ch, seq); err != nil {
			return err
		}
	}
	return nil
}

// migrateAcks copies the acknowledgements (the highest per client wins).
func migrateAcks(ctx context.Context, db *database.DB, js *jstream.Store) error {
	rows, err := db.Read.QueryContext(ctx, `SELECT channel, client, seq FROM relayws_acks`)
	if err != nil {
		return fmt.Errorf("relay: upgrade %s: %w", db.Dir, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ch, client string
		var seq int64
		if err := rows.Scan(&ch, &client, &seq); err != nil {
			return fmt.Errorf("relay: upgrade %s: %w", db.Dir, err)
		}
		if !validChannel(ch) || client == "" {
			continue
		}
		if err := js.RecordAck(ctx, ch, client, seq); err != nil {
			return fmt.Errorf("relay: upgrade %s: %w", db.Dir, err)
		}
	}
	return rows.Err()
}

// legacyShown is how many closed channels warnClosed names.
const legacyShown = 10

// warnClosed logs, once (at the upgrade), the channels with hooks that
// no desktop ever opened: hooks created channels before a version that
// stopped that, so they are closed and their senders get 404 (which many
// treat as final) until a desktop connects. A real team channel whose
// desktop was offline through the upgrade is among them: the operator
// should configure it.
func warnClosed(logf func(string, ...any), closed []legacyChannel) {
	if len(closed) == 0 {
		return
	}
	slices.SortStableFunc(closed, func(a, b legacyChannel) int {
		if a.hooks != b.hooks {
			return int(b.hooks - a.hooks)
		}
		return strings.Compare(a.name, b.name)
	})
	var names []string
	for _, c := range closed[:min(len(closed), legacyShown)] {
		names = append(names, fmt.Sprintf("%s (%d)", c.name, c.hooks))
	}
	more := ""
	if len(closed) > legacyShown {
		more = ", …"
	}
	logf("upgrade: closed until a desktop connects to them (their senders get 404): %s with hooks from "+
		"before this version that no desktop ever opened. Pass --channel NAME (repeatable) for your real "+
		"team channels so they take hooks now. Most hooks: %s%s",
		text.N(len(closed), "channel", "channels"), strings.Join(names, ", "), more)
}
