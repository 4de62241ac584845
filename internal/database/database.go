// Package database opens Gancho's one embedded SQLite database (pure Go,
// WAL mode) and runs each domain package's versioned migrations. It is
// shared by every store (capture, replay, outbound, relay), so it lives
// under internal/ rather than inside any one of them. Each store migrates
// under its own namespace string; those strings are part of the on-disk
// format and never change when a package moves or is renamed.
//
// It also holds what every store writes with: DB.InTx, the one
// transaction helper, and Writer, the one group-commit writer that lets a
// store answer a write only once it is committed while concurrent writes
// share commits.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gancho-app/gancho/internal/version"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the data directory.
const FileName = "gancho.db"

// ErrDataDir is wrapped by Open when the data directory cannot be used.
var ErrDataDir = errors.New("data directory not usable")

// DB holds two handles on one file: Write has a single connection, so every
// write is serialised through it (SQLite allows one writer anyway); Read is a
// pool for concurrent queries, which WAL lets run beside the writer. Both
// are safe for concurrent use.
type DB struct {
	Dir   string
	Path  string
	Write *sql.DB
	Read  *sql.DB

	ckpt      *sql.DB
	logf      func(format string, args ...any)
	stopCkpt  chan struct{}
	ckptDone  chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Durability picks what a commit survives.
type Durability int

const (
	// ProcessCrash (the default) survives the process being killed at any
	// instant: WAL with synchronous=NORMAL. An OS crash or power cut may lose
	// the last commits.
	ProcessCrash Durability = iota
	// PowerLoss fsyncs every commit (synchronous=FULL): slower, survives an
	// OS crash too. Group commit keeps the cost per batch, not per request.
	PowerLoss
)

// Options tunes Open; the zero value is sensible.
type Options struct {
	Durability Durability
	// Logf reports each upgrade of an existing database, once, as it
	// runs (nil: log.Printf).
	Logf func(format string, args ...any)
}

// ErrNewerDatabase is wrapped by Migrate when the database was upgraded by
// a newer Gancho than this one: it is left untouched.
var ErrNewerDatabase = errors.New("the database is newer than this Gancho")

// DefaultDir returns the per-user data directory: $GANCHO_DATA if set, else
// the OS convention (~/.local/share/gancho, ~/Library/Application
// Support/Gancho, %LOCALAPPDATA%\Gancho).
func DefaultDir() string {
	if d := os.Getenv("GANCHO_DATA"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Gancho")
		}
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "Gancho")
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "gancho")
	}
	return filepath.Join(home, ".local", "share", "gancho")
}

// Open creates dir if needed and opens (or creates) the database in it.
func Open(dir string, opt Options) (*DB, error) {
	if dir == "" {
		dir = DefaultDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: cannot create %s: %v", ErrDataDir, dir, err)
	}
	probe, err := os.CreateTemp(dir, ".gancho-write-test-*")
	if err != nil {
		return nil, fmt.Errorf("%w: cannot write in %s: %v", ErrDataDir, dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())

	path := filepath.Join(dir, FileName)
	if err := privateFiles(path); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDataDir, err)
	}
	sync := "NORMAL"
	if opt.Durability == PowerLoss {
		sync = "FULL"
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	// Checkpoints run on their own connection (see checkpointer) so the
	// writer never stalls copying the WAL into the database file.
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Set("_txlock", "immediate")
	dsn := fileURI(path) + "?" + q.Encode()

	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	rq := url.Values{}
	rq.Add("_pragma", "busy_timeout(10000)")
	rq.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", fileURI(path)+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()))
	c, err := sql.Open("sqlite", fileURI(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	c.SetMaxOpenConns(1)
	db := &DB{Dir: dir, Path: path, Write: w, Read: r, ckpt: c, logf: opt.Logf,
		stopCkpt: make(chan struct{}), ckptDone: make(chan struct{})}
	if db.logf == nil {
		db.logf = log.Printf
	}
	if err := db.versionTable(); err != nil {
		close(db.ckptDone)
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	go db.checkpointer()
	return db, nil
}

// privateFiles makes the database and its -wal/-shm files readable by their
// owner only, whatever the umask: they hold captured secrets (Authorization
// headers, tokens) and the data directory may be a pre-existing 0755 one.
// The database file is created 0600 before SQLite opens it, because SQLite
// gives the -wal and -shm files it creates later the database file's mode;
// files left by an older Gancho are tightened in place.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create %s: %v", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot check %s: %v", p, err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("cannot make %s private (chmod 600 it by hand): %v", p, err)
			}
		}
	}
	return nil
}

// fileURI is path as an SQLite "file:" URI. SQLite percent-decodes the
// path, and "?" and "#" end it, so those three are escaped: a data
// directory named "a?b" must not open "a" without the pragmas.
func fileURI(path string) string {
	return "file:" + uriPath.Replace(filepath.ToSlash(path))
}

var uriPath = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// checkpointInterval is how often the WAL is copied into the database.
const checkpointInterval = 250 * time.Millisecond

// checkpointer copies committed WAL frames into the database file in the
// background. PASSIVE mode never blocks the writer; once a pass completes,
// the next commit starts the WAL from its beginning, so it stays small.
func (db *DB) checkpointer() {
	defer close(db.ckptDone)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-db.stopCkpt:
			return
		case <-t.C:
			_, _ = db.ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// versionTable creates schema_migrations, where each owner's version is
// kept with the Gancho that brought it there (the gancho column, added in
// 0.1.0: an older Gancho's writes leave it alone).
func (db *DB) versionTable() error {
	if _, err := db.Write.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		owner TEXT PRIMARY KEY, version INTEGER NOT NULL, gancho TEXT NOT NULL DEFAULT '')`); err != nil {
		return err
	}
	var has int
	if err := db.Write.QueryRow(`SELECT count(*) FROM pragma_table_info('schema_migrations') WHERE name = 'gancho'`).Scan(&has); err != nil {
		return err
	}
	if has == 1 {
		return nil
	}
	if _, err := db.Write.Exec(`ALTER TABLE schema_migrations ADD COLUMN gancho TEXT NOT NULL DEFAULT ''`); err != nil {
		return err
	}
	db.logf("gancho: upgraded the database %s for Gancho %s: it now records which Gancho upgraded each part", db.Path, version.Version)
	return nil
}

// Migrate brings owner's tables (owner is the domain package, e.g.
// "capture") to len(steps): step i runs once, in its own transaction, and is
// never edited after release; new changes are new steps. Each step on an
// existing database is logged once, as it runs. Tables newer than steps
// (a newer Gancho upgraded them) are refused with ErrNewerDatabase, before
// anything is written.
func (db *DB) Migrate(ctx context.Context, owner string, steps []string) error {
	var have int
	var by string
	err := db.Write.QueryRowContext(ctx,
		`SELECT version, gancho FROM schema_migrations WHERE owner = ?`, owner).Scan(&have, &by)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("migrate %s: %w", owner, err)
	}
	if have > len(steps) {
		newer := "a newer Gancho"
		if by != "" {
			newer = "Gancho " + by
		}
		return fmt.Errorf("%w: %s was upgraded by %s (its %s tables are at version %d); this is Gancho %s, which knows version %d: "+
			"run %s or later, or choose another --data directory; nothing was changed", ErrNewerDatabase,
			db.Path, newer, owner, have, version.Version, len(steps), newer)
	}
	for v := have; v < len(steps); v++ {
		tx, err := db.Write.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s to %d: %w", owner, v+1, err)
		}
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s to %d: %w", owner, v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(owner, version, gancho) VALUES(?, ?, ?)
			ON CONFLICT(owner) DO UPDATE SET version = excluded.version, gancho = excluded.gancho`, owner, v+1, version.Version); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s to %d: %w", owner, v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s to %d: %w", owner, v+1, err)
		}
		if have > 0 {
			// A new database (or a new part of one) is created, not upgraded.
			db.logf("gancho: upgraded the database %s: %s tables from version %d to %d (Gancho %s)", db.Path, owner, v, v+1, version.Version)
		}
	}
	return nil
}

// Close stops the checkpointer, folds the WAL into the database file and
// closes every handle.
// Safe to call more than once, from any goroutine.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.stopCkpt)
		<-db.ckptDone
		_, _ = db.ckpt.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		db.closeErr = errors.Join(db.Read.Close(), db.ckpt.Close(), db.Write.Close())
	})
	return db.closeErr
}
