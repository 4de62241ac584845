package app

import (
	"context"
	"errors"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/replay"
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
	db, err := database.Open(dir, database.Options{})
	if err != nil {
		return nil, err
	}
	d := &Data{DB: db}
	if err := d.open(); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Data) open() error {
	ctx := context.Background()
	var err error
	if d.Captures, err = capture.NewStore(ctx, d.DB, capture.StoreConfig{}); err != nil {
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
