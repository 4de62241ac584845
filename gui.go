//go:build !headless

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"time"

	"github.com/gancho-app/gancho/internal/fynequiet" // imported first: its init runs before Fyne's
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/ui"
)

func cmdGUI(args []string, stderr io.Writer) error {
	if err := needDisplay(runtime.GOOS, os.Getenv); err != nil {
		return err
	}
	if err := ui.OpenDisplay(); err != nil {
		return fmt.Errorf("the window cannot open the display %q: %w: check DISPLAY, or here use the terminal commands, "+
			`e.g. "gancho listen", "gancho list", "gancho tail" ("gancho help" lists them)`, os.Getenv("DISPLAY"), err)
	}
	log.SetOutput(fynequiet.Filter(stderr)) // Fyne logs through the standard logger
	e, srv, ss, lf, err := prepareCapture("", args, stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	sender := replay.NewSender()
	defer sender.Close()
	live := &replay.Live{Sender: sender, History: e.history, Source: e.store}
	defer live.Stop()
	if lf.forward != "" {
		// Started before capture: the first capture is forwarded too.
		if err := live.Start(lf.forward); err != nil {
			return fmt.Errorf("--%w", err)
		}
	}
	outbound, stopOutbound, err := startOutbound(e, sender)
	if err != nil {
		return err
	}
	defer stopOutbound()
	if err := srv.Start(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stopLive, err := relay.ServeLive(e.db.Dir, e.store)
	if err != nil {
		_ = srv.Shutdown(ctx)
		return err
	}
	defer stopLive()
	// --tunnel ngrok means ngrok, even when Settings names a relay; the
	// switch in the window otherwise follows Settings.
	forceNgrok := lf.tunnel == "ngrok"
	sw := tunnel.NewSwitch(func() tunnel.Opener {
		s := ss.Get()
		if forceNgrok {
			s.Relay = settings.Relay{}
		}
		return publicFor(s, e)
	}, srv.ServeProxied)
	if lf.tunnel != "" {
		sw.On() // the window shows how it goes
	}
	ui.Run(ui.Options{URL: srv.URL(), DataDir: e.db.Dir, Captures: e.store, Recorder: srv,
		Settings: ss, Tunnel: sw, Sender: sender, Replays: e.history, Importer: e.store, Forwarding: live,
		Outbound: outbound})
	sw.Off() // before Shutdown: no tunnel may come up while the server stops
	// A relay client writes to the store: it must be gone before the store.
	_ = sw.Wait(ctx)
	return srv.Shutdown(ctx)
}

// needDisplay says, before GLFW panics over it, that the window has no
// display to open on (over ssh, on a server) and what to run instead.
func needDisplay(goos string, getenv func(string) string) error {
	if goos == "windows" || goos == "darwin" || getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != "" {
		return nil
	}
	return errors.New(`there is no display for the window (DISPLAY and WAYLAND_DISPLAY are unset): ` +
		`here use the terminal commands, e.g. "gancho listen", "gancho list", "gancho tail" ("gancho help" lists them)`)
}

// startOutbound opens the subscriptions store and runs deliveries (pending
// retries included) until stop is called.
func startOutbound(e *engine, sender *replay.Sender) (o *ui.Outbound, stop func(), err error) {
	store, err := outbound.NewStore(context.Background(), e.db, outbound.StoreConfig{})
	if err != nil {
		return nil, nil, err
	}
	changed := make(chan struct{}, 1)
	d := &outbound.Dispatcher{Store: store, Sender: sender, OnChange: func(string) {
		select { // a signal: the window re-reads the store
		case changed <- struct{}{}:
		default:
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = d.Run(ctx)
	}()
	return &ui.Outbound{Store: store, Dispatch: d, Changed: changed}, func() { cancel(); <-done }, nil
}

// publicFor is what the public URL switch opens: the team relay when one is
// configured, else ngrok.
func publicFor(s settings.Settings, e *engine) tunnel.Opener {
	if !s.Relay.On() {
		return ngrokFor(s)
	}
	return &relay.Endpoint{Client: relay.Client{URL: s.Relay.URL, Channel: s.Relay.Channel, Token: s.Relay.Token,
		Store: e.store, DB: e.db}}
}
