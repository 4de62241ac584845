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

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/internal/fynequiet" // imported first: its init runs before Fyne's
	"github.com/gancho-app/gancho/suite"
	"github.com/gancho-app/gancho/ui"
)

func cmdGUI(args []string, stderr io.Writer) error {
	if err := needDisplay(runtime.GOOS, os.Getenv); err != nil {
		return err
	}
	if err := ui.OpenDisplay(); err != nil {
		return fmt.Errorf("%s: %w: %s", tr.T(`the window cannot open the display "{{.Display}}"`, vars("Display", os.Getenv("DISPLAY"))), err,
			tr.T(`check DISPLAY, or here use the terminal commands, e.g. "gancho listen", "gancho list", "gancho tail" ("gancho help" lists them)`))
	}
	log.SetOutput(fynequiet.Filter(stderr)) // Fyne logs through the standard logger
	cfg, _, err := captureConfig("", args, stderr)
	if err != nil {
		return err
	}
	changed := make(chan struct{}, 1)
	cfg.Outbound = true
	cfg.Events.OutboundChanged = func(string) {
		select { // a signal: the window re-reads the store
		case changed <- struct{}{}:
		default:
		}
	}
	a, err := app.Open(cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Start(context.Background()); err != nil {
		return err
	}
	if cfg.ForceNgrok {
		a.Tunnel.On() // the window shows how it goes
	}
	// The window's language: --lang, else the setting saved in the data
	// directory it opened, else the system's.
	ui.UseLanguage(i18n.Choose(langFlag, a.Settings.Get().Language, os.Getenv))
	ui.Run(ui.Options{URL: a.Server.URL(), DataDir: a.DB.Dir, Captures: a.Captures, Recorder: a.Server,
		Settings: a.Settings, Tunnel: a.Tunnel, Sender: a.Sender, Replays: a.History, Importer: a.Captures,
		Forwarding: a.Forwarding, Outbound: &ui.Outbound{Store: a.Subscriptions, Dispatch: a.Dispatcher, Changed: changed},
		RunSuite: func(ctx context.Context, s *suite.Suite, o suite.RunOptions) (*suite.Report, error) {
			o.Sender, o.Captures, o.Subscriptions = a.Sender, a.Captures, a.Subscriptions
			return suite.Run(ctx, s, o)
		}})
	return a.Close()
}

// needDisplay says, before GLFW panics over it, that the window has no
// display to open on (over ssh, on a server) and what to run instead.
func needDisplay(goos string, getenv func(string) string) error {
	if goos == "windows" || goos == "darwin" || getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != "" {
		return nil
	}
	return errors.New(tr.T(`there is no display for the window (DISPLAY and WAYLAND_DISPLAY are unset): ` +
		`here use the terminal commands, e.g. "gancho listen", "gancho list", "gancho tail" ("gancho help" lists them)`))
}
