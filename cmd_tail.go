package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/relay"
)

// cmdTail prints captures as the running Gancho (window or listen) records
// them, in the same line format as `gancho listen`.
func cmdTail(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("tail", stderr, &c)
	asJSON := fs.Bool("json", false, tr.T("print each capture as its export record (one JSON object per line)"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("tail", pos); err != nil {
		return err
	}
	dir := c.data
	if dir == "" {
		dir = database.DefaultDir()
	}
	info, err := relay.ReadLive(dir)
	if errors.Is(err, os.ErrNotExist) {
		return errors.New("tail: " + tr.T(`no Gancho is capturing with data directory {{.Dir}}: start "gancho" or "gancho listen" first (same --data)`, vars("Dir", dir)))
	}
	if err != nil {
		return fmt.Errorf("tail: %s: %w", filepath.Join(dir, relay.LiveFile), err)
	}
	ctx, stop := signalContext()
	defer stop()
	fmt.Fprintln(stderr, tr.T("Following the captures of Gancho (pid {{.PID}}); Ctrl-C to stop.", vars("PID", info.PID)))
	enc := json.NewEncoder(stdout)
	return relay.Tail(ctx, info.URL, info.Token, func(rec capture.Record) {
		if *asJSON {
			_ = enc.Encode(rec)
			return
		}
		r, err := capture.FromRecord(rec)
		if err != nil {
			fmt.Fprintf(stdout, "(a capture could not be read: %v)\n", err)
			return
		}
		fmt.Fprintln(stdout, capture.Line(r))
	})
}
