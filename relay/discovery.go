package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gancho-app/gancho/settings"
)

// LiveFile, in the data directory, tells `gancho tail` (and `gancho send`)
// where the running Gancho streams its captures and with which per-run
// token. Mode 0600: the token is the only thing that keeps other local
// users out.
const LiveFile = "live.json"

// LiveInfo is the content of LiveFile.
type LiveInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// ServeLive serves the loopback live stream of src on a random port and
// writes LiveFile in dir; stop ends both and removes the file if it is
// still this run's.
func ServeLive(dir string, src Subscriber) (stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("live stream: %w", err)
	}
	token := NewToken()
	local := NewLocal(src, token)
	mux := http.NewServeMux()
	mux.Handle("/live", local)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	info := LiveInfo{URL: "ws://" + ln.Addr().String() + "/live", Token: token, PID: os.Getpid()}
	b, _ := json.Marshal(info)
	path := filepath.Join(dir, LiveFile)
	err = settings.WritePrivate(path, b)
	if err != nil {
		_ = local.Close()
		_ = srv.Close()
		<-served
		return nil, fmt.Errorf("live stream: cannot write %s (gancho tail reads it): %w", path, err)
	}
	return func() {
		_ = local.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
		// Only ours: a second Gancho on the same directory may have replaced it.
		if cur, err := ReadLive(dir); err == nil && cur.Token == token {
			_ = os.Remove(path)
		}
	}, nil
}

// ReadLive reads LiveFile in dir.
func ReadLive(dir string) (LiveInfo, error) {
	var info LiveInfo
	b, err := os.ReadFile(filepath.Join(dir, LiveFile))
	if err != nil {
		return info, err
	}
	return info, json.Unmarshal(b, &info)
}

// Running reports the pid of another Gancho capturing on dir (the window
// or listen), from its LiveFile, if that process still exists.
func Running(dir string) (pid int, ok bool) {
	info, err := ReadLive(dir)
	if err != nil || info.PID == 0 || info.PID == os.Getpid() {
		return 0, false
	}
	p, err := os.FindProcess(info.PID)
	if err != nil {
		return 0, false
	}
	if err := p.Signal(syscall.Signal(0)); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return 0, false // gone: a stale file from a crash
	}
	return info.PID, true
}
