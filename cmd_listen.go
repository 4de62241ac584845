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
				fmt.Fprintln(stdout, tr.N(`({{.Count}} events not shown: the terminal was too slow; run "gancho list")`, ev.Count, vars("Count", ev.Count)))
			}
		},
		Tunnel: tunnelPrinter(stderr),
		Relay: func(st relay.ClientState) {
			switch st.Kind {
			case relay.Online:
				fmt.Fprintln(stdout, tr.N("Relay online: senders post to {{.URL}} ({{.Count}} waiting hooks to catch up)", pluralOf(int(st.Backlog)), vars("URL", st.HookURL, "Count", st.Backlog)))
			case relay.Reconnecting:
				fmt.Fprintln(stdout, tr.T("Relay reconnecting: {{.Reason}}; next try {{.At}}", vars("Reason", st.Reason, "At", st.Retry.Local().Format("15:04:05"))))
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
	// The first line's third word is the URL, in both languages: tests
	// and scripts read it there.
	fmt.Fprintln(stdout, tr.T("Capturing at {{.URL}} (data in {{.Dir}}). Press Ctrl-C to stop.", vars("URL", app.CaptureURL(a.Server.URL(), cur), "Dir", a.DB.Dir)))
	for _, v := range cur.Verifiers {
		fmt.Fprintln(stdout, tr.T("Verifying {{.Verifier}}", vars("Verifier", v)))
	}
	if lf.tunnel != "" {
		url, err := a.OpenTunnel(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, tr.T("Public URL: {{.URL}}", vars("URL", app.CaptureURL(url, cur))))
	}
	if lf.relay != "" {
		a.StartRelay()
	}
	if lf.forward != "" {
		fmt.Fprintln(stdout, tr.T("Forwarding each capture to {{.URL}}", vars("URL", lf.forward)))
	}
	var failure error
	select {
	case <-ctx.Done():
	case err := <-a.RelayFailed():
		failure = relayFailure(err, lf)
	}
	fmt.Fprintln(stderr, tr.T("Stopping: finishing requests in flight…"))
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
				fmt.Fprintln(w, tr.T("Tunnel back online: {{.URL}}", vars("URL", st.URL)))
			}
			online = true
		case tunnel.Reconnecting:
			fmt.Fprintln(w, tr.T("Tunnel reconnecting: {{.Reason}}", vars("Reason", st.Reason)))
		case tunnel.Connecting:
			fmt.Fprintln(w, tr.T("Tunnel connecting to ngrok…"))
		case tunnel.Stopped, tunnel.Failed:
			if online && st.Reason != "" {
				fmt.Fprintln(w, tr.T("Tunnel {{.State}}: {{.Reason}}. Capture continues on the local URL; restart to try the public one again.", vars("State", st.State, "Reason", st.Reason)))
			}
		}
	}
}

// relayFailure says why the relay client gave up, naming listen's flags.
func relayFailure(err error, lf *listenFlags) error {
	var de *relay.DialError
	switch {
	case errors.Is(err, relay.ErrUnauthorized):
		return errors.New("relay: " + tr.T("{{.Relay}} refused the token: check --token (or GANCHO_RELAY_TOKEN); it must be the relay's --token, or the --channel-token it gives channel {{.Channel}}", vars("Relay", lf.relay, "Channel", lf.channel)))
	case errors.As(err, &de):
		return fmt.Errorf("relay: %s: %s", de, tr.T("check --relay, and that gancho relay serve runs there and is reachable from this machine"))
	case errors.Is(err, relay.ErrChannelLimit):
		return fmt.Errorf("relay: %s: %v", tr.T("{{.Relay}} cannot open channel {{.Channel}}", vars("Relay", lf.relay, "Channel", lf.channel)), errors.Unwrap(err)) // the relay's own sentence
	}
	return fmt.Errorf("relay: %w", err)
}
