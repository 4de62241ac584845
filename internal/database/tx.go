package database

import (
	"context"
	"database/sql"
	"fmt"
)

// InTx runs fn in one transaction on the write connection and commits it
// when fn returns nil. The transaction starts with BEGIN IMMEDIATE (the
// write DSN sets _txlock), so it takes the write lock up front and waits
// out a busy database (busy_timeout) instead of failing at its first
// write. When fn fails or panics the transaction is rolled back; fn's
// error comes back unwrapped, begin and commit failures are wrapped with
// what failed. ctx ends the transaction (rolled back) if it is cancelled
// before the commit.
func (db *DB) InTx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	committed = true // a failed Commit has already ended the transaction
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
