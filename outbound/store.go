package outbound

import (
	"context"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

// storeMigrations are the outbound tables, named relay_* since before the
// package was outbound. Times are Unix nanoseconds, 0 for none; the
// subscription's settings are one JSON document (subRecord).
var storeMigrations = []string{
	`CREATE TABLE relay_subscriptions (
		id              TEXT PRIMARY KEY,
		name            TEXT NOT NULL,
		spec            TEXT NOT NULL,
		enabled         INTEGER NOT NULL,
		disabled_reason TEXT NOT NULL,
		created_at      INTEGER NOT NULL,
		last_at         INTEGER NOT NULL,
		last_status     INTEGER NOT NULL,
		last_error      TEXT NOT NULL
	);
	CREATE TABLE relay_deliveries (
		id                TEXT PRIMARY KEY,
		subscription_id   TEXT NOT NULL,
		subscription_name TEXT NOT NULL,
		event             TEXT NOT NULL,
		payload           BLOB NOT NULL,
		created_at        INTEGER NOT NULL,
		outcome           TEXT NOT NULL,
		attempts          INTEGER NOT NULL,
		next_at           INTEGER NOT NULL,
		last_status       INTEGER NOT NULL,
		last_error        TEXT NOT NULL,
		last_class        TEXT NOT NULL
	);
	CREATE INDEX relay_deliveries_due ON relay_deliveries(next_at, id) WHERE next_at > 0;
	CREATE INDEX relay_deliveries_sub ON relay_deliveries(subscription_id, id);
	CREATE TABLE relay_attempts (
		delivery_id     TEXT NOT NULL,
		n               INTEGER NOT NULL,
		at              INTEGER NOT NULL,
		url             TEXT NOT NULL,
		request_headers TEXT NOT NULL,
		status          INTEGER NOT NULL,
		latency         INTEGER NOT NULL,
		headers         TEXT NOT NULL,
		body            BLOB NOT NULL,
		body_size       INTEGER NOT NULL,
		class           TEXT NOT NULL,
		err             TEXT NOT NULL,
		next_at         INTEGER NOT NULL,
		PRIMARY KEY (delivery_id, n)
	) WITHOUT ROWID;
	CREATE TABLE relay_templates (
		event      TEXT NOT NULL,
		name       TEXT NOT NULL,
		body       BLOB NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (event, name)
	) WITHOUT ROWID;`,
	// The body each attempt sent (its first MaxRequestExcerpt bytes), so the
	// log shows what the receiver got, not only the headers. Attempts made
	// before this step have none recorded.
	`ALTER TABLE relay_attempts ADD COLUMN request_body BLOB NOT NULL DEFAULT x'';
	ALTER TABLE relay_attempts ADD COLUMN request_body_size INTEGER NOT NULL DEFAULT 0;`,
}

// Store keeps subscriptions, deliveries with their attempts, and custom
// templates in the relay_* tables of Gancho's database. It holds no
// goroutines and needs no Close; every method is safe for concurrent use.
// Writes go through the database's single writer connection.
type Store struct {
	db  *database.DB
	ids capture.IDGen
	now func() time.Time
}

// StoreConfig configures a Store; the zero value is the default.
type StoreConfig struct {
	// Now tells the time; nil means time.Now. It dates subscriptions and
	// templates, ends Outcomes' range, and is the Dispatcher's clock when
	// that has none of its own. Tests inject a fixed clock so that nothing
	// depends on today's date.
	Now func() time.Time
}

// migrationNamespace names this store's migrations in the database. It
// stays "relay" (and the tables keep their relay_ prefix) although the
// package is now outbound: the string is stored in every existing database,
// and changing it would re-run the migrations and fail on tables that exist.
const migrationNamespace = "relay"

// NewStore migrates the outbound tables (relay_*) in db. The database stays
// main's to close.
func NewStore(ctx context.Context, db *database.DB, cfg StoreConfig) (*Store, error) {
	if err := db.Migrate(ctx, migrationNamespace, storeMigrations); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{db: db, now: cfg.Now}, nil
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
