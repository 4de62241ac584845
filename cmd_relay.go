package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/database"
	"github.com/gancho-app/gancho/relay/ws"
	"github.com/gancho-app/gancho/rules"
)

// cmdRelay runs the self-hosted team relay: gancho relay serve.
func cmdRelay(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "serve" {
		return errors.New(`relay: the command is "gancho relay serve --addr :8080 --token T" (see "gancho relay serve -h")`)
	}
	var c common
	fs := newFlags("relay serve", stderr, &c)
	addr := fs.String("addr", ":8080", "address to listen on (all interfaces by default: this is the public side)")
	token := fs.String("token", "", `token desktops must present (default $GANCHO_RELAY_TOKEN); "random" makes one and prints it`)
	cert := fs.String("tls-cert", "", "TLS certificate file (PEM); without it the relay serves plain HTTP, e.g. behind a TLS proxy")
	key := fs.String("tls-key", "", "TLS key file (PEM), with --tls-cert")
	maxBody := fs.String("max-body", "25MiB", "largest hook body accepted")
	keepCount := fs.Int("retention-count", ws.DefaultRetentionCount, "hooks kept per channel (-1: no limit)")
	keepAge := fs.Duration("retention-age", ws.DefaultRetentionAge, "how long hooks are kept per channel (-1ns: no limit)")
	rate := fs.Int("rate-limit", 0, "most hooks per minute from one client IP (0: no limit)")
	basic := fs.String("basic-auth", "", "require HTTP basic auth from senders, user:password")
	var respond multiFlag
	fs.Var(&respond, "respond", `response rule, e.g. 'POST /** -> 200'; repeatable`)
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if err := noArgs("relay serve", pos); err != nil {
		return err
	}
	if err := checkAddr(*addr, ":8080"); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv("GANCHO_RELAY_TOKEN") // not the flag default: -h would print it
	}
	switch {
	case *token == "":
		return errors.New(`relay serve: give --token (or GANCHO_RELAY_TOKEN); "--token random" makes one`)
	case *token == "random":
		*token = ws.NewToken()
		fmt.Fprintf(stdout, "Token (give it to the team; it guards every channel's stream): %s\n", *token)
	case len(*token) < 16:
		return errors.New("relay serve: the token is too short: use 16 characters or more (\"--token random\" makes one)")
	}
	if (*cert == "") != (*key == "") {
		return errors.New("relay serve: give both --tls-cert and --tls-key, or neither")
	}
	mb, err := capture.ParseSize(*maxBody)
	if err != nil {
		return fmt.Errorf("relay serve: --max-body: %w", err)
	}
	pol := capture.Policy{RateLimit: *rate, BasicAuth: *basic}
	if len(respond) > 0 {
		rs, err := rules.Parse(strings.Join(respond, "\n"))
		if err != nil {
			return fmt.Errorf("relay serve: --respond: %w", err)
		}
		pol.Respond = rules.NewSet(rs)
	}
	db, err := database.Open(c.data, database.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, stop := signalContext()
	defer stop()
	srv, err := ws.NewServer(ctx, db, ws.ServerConfig{Token: *token, MaxBody: mb,
		Retention: ws.Retention{MaxCount: *keepCount, MaxAge: *keepAge},
		Logf:      func(f string, a ...any) { fmt.Fprintf(stderr, "gancho relay: "+f+"\n", a...) }})
	if err != nil {
		return err
	}
	if err := srv.SetPolicy(pol); err != nil {
		return fmt.Errorf("relay serve: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		_ = srv.Close()
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("relay serve: listen on %s: %w", *addr, capture.ErrAddrInUse)
		}
		return fmt.Errorf("relay serve: listen on %s: %w", *addr, err)
	}
	scheme := "http"
	if *cert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "Relay listening on %s://%s (data in %s)\n", scheme, ln.Addr(), db.Dir)
	fmt.Fprintf(stdout, "  senders post to   %s://HOST/{channel}/any/path\n", scheme)
	fmt.Fprintf(stdout, "  desktops connect  gancho listen --relay %s://HOST --channel {channel} --token …\n", scheme)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln, *cert, *key) }()
	select {
	case err := <-done:
		_ = srv.Close()
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "Stopping: finishing hooks in flight…")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
