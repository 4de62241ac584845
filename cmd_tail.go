package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/settings"
)

// liveFile, in the data directory, tells `gancho tail` where the running
// Gancho streams its captures and with which per-run token. Mode 0600: the
// token is the only thing that keeps other local users out.
const liveFile = "live.json"

type liveInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// startLive serves the loopback live stream of src on a random port and
// writes liveFile in dir; stop ends both.
func startLive(dir string, src relay.Subscriber) (stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("live stream: %w", err)
	}
	token := relay.NewToken()
	local := relay.NewLocal(src, token)
	mux := http.NewServeMux()
	mux.Handle("/live", local)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	info := liveInfo{URL: "ws://" + ln.Addr().String() + "/live", Token: token, PID: os.Getpid()}
	b, _ := json.Marshal(info)
	path := filepath.Join(dir, liveFile)
	err = settings.WritePrivate(path, b)
	if err != nil {
		_ = local.Close()
		_ = srv.Close()
		return nil, fmt.Errorf("live stream: cannot write %s (gancho tail reads it): %w", path, err)
	}
	return func() {
		_ = local.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		// Only ours: a second Gancho on the same directory may have replaced it.
		if cur, err := readLive(dir); err == nil && cur.Token == token {
			_ = os.Remove(path)
		}
	}, nil
}

func readLive(dir string) (liveInfo, error) {
	var info liveInfo
	b, err := os.ReadFile(filepath.Join(dir, liveFile))
	if err != nil {
		return info, err
	}
	return info, json.Unmarshal(b, &info)
}

// cmdTail prints captures as the running Gancho (window or listen) records
// them, in the same line format as `gancho listen`.
func cmdTail(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("tail", stderr, &c)
	asJSON := fs.Bool("json", false, "print each capture as its export record (one JSON object per line)")
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
	info, err := readLive(dir)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("tail: no Gancho is capturing with data directory %s: start \"gancho\" or \"gancho listen\" first (same --data)", dir)
	}
	if err != nil {
		return fmt.Errorf("tail: %s: %w", filepath.Join(dir, liveFile), err)
	}
	ctx, stop := signalContext()
	defer stop()
	fmt.Fprintf(stderr, "Following the captures of Gancho (pid %d); Ctrl-C to stop.\n", info.PID)
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
