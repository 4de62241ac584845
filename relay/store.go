package relay

// migrations are the tables of owner "relayws": the relay server's
// (channels, hooks, acks) and the desktop client's (client), so one data
// directory can hold either or both.
var migrations = []string{
	`CREATE TABLE relayws_channels (
		channel    TEXT PRIMARY KEY,
		last_seq   INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE relayws_hooks (
		channel     TEXT NOT NULL,
		seq         INTEGER NOT NULL,
		id          TEXT NOT NULL,
		record      BLOB NOT NULL,
		received_at INTEGER NOT NULL,
		PRIMARY KEY (channel, seq)
	);
	CREATE INDEX relayws_hooks_age ON relayws_hooks(channel, received_at);
	CREATE TABLE relayws_acks (
		channel    TEXT NOT NULL,
		client     TEXT NOT NULL,
		seq        INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		PRIMARY KEY (channel, client)
	);
	CREATE TABLE relayws_client (
		relay     TEXT NOT NULL,
		channel   TEXT NOT NULL,
		last_seq  INTEGER NOT NULL,
		client_id TEXT NOT NULL,
		PRIMARY KEY (relay, channel)
	);`,
	// The channel's epoch as the client last saw it: a relay whose data was
	// wiped recreates the channel with another, and its seqs start over.
	`ALTER TABLE relayws_client ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;`,
	// When a desktop opened the channel (or the relay configured it); 0:
	// never. Hooks used to create channels, so anonymous senders could
	// fill the channel limit for good: a channel a desktop acknowledged
	// hooks on was opened by it; the others stay closed (their hooks are
	// kept until retention, and a desktop can still open them).
	`ALTER TABLE relayws_channels ADD COLUMN opened_at INTEGER NOT NULL DEFAULT 0;
	UPDATE relayws_channels SET opened_at = created_at WHERE channel IN (SELECT channel FROM relayws_acks);`,
}

// migrationOwner names this package's migrations in the database. It stays
// "relayws" (and the tables keep their relayws_ prefix) although the package
// is now relay, not relay/ws: the string is stored in every existing
// database, and changing it would re-run the migrations on tables that exist.
const migrationOwner = "relayws"
