package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/settings"
)

// Data is the database with the capture store and the replay history:
// what the one-shot commands (list, show, replay, export, import, send,
// subscriptions) open, and what an App runs on.
type Data struct {
	DB       *database.DB
	Captures *capture.Store
	History  *replay.History
}

// OpenData opens the database in dir ("" is database.DefaultDir) and its
// stores. The caller calls Close.
func OpenData(dir string) (*Data, error) {
	return openData(dir, settings.Retention{})
}

// openData is OpenData with keep's set fields over the saved retention.
// Every command opens the store with the saved retention, so a one-shot
// command never evicts what the capturing one was told to keep.
func openData(dir string, keep settings.Retention) (*Data, error) {
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		return nil, err
	}
	d := &Data{DB: db}
	if err := d.open(keep); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Data) open(keep settings.Retention) error {
	ctx := context.Background()
	saved, err := settings.Load(d.DB.Dir)
	if err != nil {
		return err
	}
	captures, bytes, err := saved.Retention.Over(keep).Store()
	if err != nil {
		return fmt.Errorf("settings in %s: %w", settings.Path(d.DB.Dir), err)
	}
	cfg := capture.StoreConfig{MaxCaptures: captures, MaxBodyBytes: bytes}
	if d.Captures, err = capture.NewStore(ctx, d.DB, cfg); err != nil {
		return err
	}
	d.History, err = replay.NewHistory(ctx, d.DB)
	return err
}

// Close closes the capture store (the history needs no closing), then the
// database.
func (d *Data) Close() error {
	var errs []error
	if d.Captures != nil {
		errs = append(errs, d.Captures.Close())
	}
	return errors.Join(append(errs, d.DB.Close())...)
}
