package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/tunnel"
)

// cmdListen captures in the terminal: app runs the services, listen
// prints what they report.
func cmdListen(args []string, stdout, stderr io.Writer) error {
	cfg, lf, err := captureConfig("listen", args, stderr)
	if err != nil {
		return err
	}
	cfg.Events = app.Events{
		Capture: func(ev capture.Event) {
			switch ev.Kind {
			case capture.Added:
				fmt.Fprintln(stdout, capture.Line(ev.Request))
			case capture.Dropped:
				fmt.Fprintf(stdout, "(%s not shown: the terminal was too slow; run \"gancho list\")\n", text.N(ev.Count, "event", "events"))
			}
		},
		Tunnel: tunnelPrinter(stderr),
		Relay: func(st relay.ClientState) {
			switch st.Kind {
			case relay.Online:
				fmt.Fprintf(stdout, "Relay online: senders post to %s (%s to catch up)\n", st.HookURL, text.N(int(st.Backlog), "waiting hook", "waiting hooks"))
			case relay.Reconnecting:
				fmt.Fprintf(stdout, "Relay reconnecting: %s; next try %s\n", st.Reason, st.Retry.Local().Format("15:04:05"))
			}
		},
		Forwarded: func(c *capture.Request, a *replay.Attempt) {
			r := a.Result
			if r.Class != "" {
				fmt.Fprintf(stdout, "  ↳ %s forward FAILED (%s): %s\n", c.ID, r.Class, text.Line(r.Err))
				return
			}
			fmt.Fprintf(stdout, "  ↳ %s forwarded: %d in %s\n", c.ID, r.Status, round(r.Timings.Total))
		},
	}
	a, err := app.Open(cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	startProfiling(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := a.Start(ctx); err != nil {
		return err
	}
	cur := a.Settings.Get()
	fmt.Fprintf(stdout, "Capturing at %s (data in %s). Press Ctrl-C to stop.\n", app.CaptureURL(a.Server.URL(), cur), a.DB.Dir)
	for _, v := range cur.Verifiers {
		fmt.Fprintf(stdout, "Verifying %s\n", v)
	}
	if lf.tunnel != "" {
		url, err := a.OpenTunnel(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Public URL: %s\n", app.CaptureURL(url, cur))
	}
	if lf.relay != "" {
		a.StartRelay()
	}
	if lf.forward != "" {
		fmt.Fprintf(stdout, "Forwarding each capture to %s\n", lf.forward)
	}
	var failure error
	select {
	case <-ctx.Done():
	case err := <-a.RelayFailed():
		failure = relayFailure(err, lf)
	}
	fmt.Fprintln(stderr, "Stopping: finishing requests in flight…")
	err = a.Close()
	if failure != nil {
		return failure
	}
	return err
}

// tunnelPrinter prints a tunnel's state changes on w.
func tunnelPrinter(w io.Writer) func(tunnel.Status) {
	var mu sync.Mutex
	online := false
	return func(st tunnel.Status) {
		mu.Lock()
		defer mu.Unlock()
		switch st.State {
		case tunnel.Online:
			if online {
				fmt.Fprintf(w, "Tunnel back online: %s\n", st.URL)
			}
			online = true
		case tunnel.Reconnecting:
			fmt.Fprintf(w, "Tunnel reconnecting: %s\n", st.Reason)
		case tunnel.Connecting:
			fmt.Fprintln(w, "Tunnel connecting to ngrok…")
		case tunnel.Stopped, tunnel.Failed:
			if online && st.Reason != "" {
				fmt.Fprintf(w, "Tunnel %s: %s. Capture continues on the local URL; restart to try the public one again.\n", st.State, st.Reason)
			}
		}
	}
}

// relayFailure says why the relay client gave up, naming listen's flags.
func relayFailure(err error, lf *listenFlags) error {
	var de *relay.DialError
	switch {
	case errors.Is(err, relay.ErrUnauthorized):
		return fmt.Errorf("relay: %s refused the token: check --token (or GANCHO_RELAY_TOKEN); it must be the relay's --token, or the --channel-token it gives channel %s", lf.relay, lf.channel)
	case errors.As(err, &de):
		return fmt.Errorf("relay: %s: check --relay, and that gancho relay serve runs there and is reachable from this machine", de)
	case errors.Is(err, relay.ErrChannelLimit):
		return fmt.Errorf("relay: %s cannot open channel %s: %v", lf.relay, lf.channel, errors.Unwrap(err)) // the relay's own sentence
	}
	return fmt.Errorf("relay: %w", err)
}
