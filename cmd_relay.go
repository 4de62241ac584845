package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/relay/jstream"
	"github.com/gancho-app/gancho/rules"
)

// cmdRelay runs the self-hosted team relay: gancho relay serve.
func cmdRelay(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "serve" {
		return usageError{errors.New("relay: " + tr.T(`the command is "gancho relay serve --addr :8080 --token T" (see "gancho relay serve -h")`))}
	}
	var c common
	fs := newFlags("relay serve", stderr, &c)
	addr := fs.String("addr", ":8080", tr.T("address to listen on (all interfaces by default: this is the public side)"))
	token := fs.String("token", "", tr.T(`token desktops must present (default $GANCHO_RELAY_TOKEN); "random" makes one and prints it`))
	cert := fs.String("tls-cert", "", tr.T("TLS certificate file (PEM); without it the relay serves plain HTTP, e.g. behind a TLS proxy"))
	key := fs.String("tls-key", "", tr.T("TLS key file (PEM), with --tls-cert"))
	maxBody := fs.String("max-body", "25MiB", tr.T("largest hook body accepted"))
	keepCount := fs.Int("retention-count", relay.DefaultRetentionCount, tr.T("hooks kept per channel, oldest evicted first (-1: no limit)"))
	keepBytes := fs.String("retention-bytes", "1GiB", tr.T("stored hook bytes kept per channel, oldest evicted first (-1: no limit)"))
	keepAge := relay.DefaultRetentionAge
	fs.Var(durationFlag{&keepAge}, "retention-age", tr.T("how long hooks are kept per channel, e.g. 72h (-1: no limit)"))
	maxChannels := fs.Int("max-channels", relay.DefaultMaxChannels, tr.T("most open channels: a desktop opening one more is refused (507)"))
	var channels, channelTokens multiFlag
	fs.Var(&channels, "channel", tr.T("keep this channel open from the start, so it takes hooks before any desktop opened it; repeatable\n"+
		"(other channels open when a desktop connects to them; hooks to a channel that is not open get 404 and are not stored)"))
	fs.Var(&channelTokens, "channel-token", tr.T("NAME=TOKEN: the channel NAME opens only with this token (not --token), and is open from the start; repeatable"))
	rate := fs.Int("rate-limit", 0, tr.T("most hooks per minute from one client IP (0: no limit)"))
	basic := fs.String("basic-auth", "", tr.T("require HTTP basic auth from senders, user:password"))
	var lf limitFlags
	lf.register(fs)
	var respond multiFlag
	fs.Var(&respond, "respond", tr.T(`response rule, e.g. 'POST /** -> 200'; repeatable`))
	natsURLs := fs.String("nats", "", tr.T("NATS cluster to keep hooks in, nats://host:4222[,nats://host2:4222…]; several relays may share it\n"+
		"(default: an embedded JetStream in the data directory, on no port)"))
	natsToken := fs.String("nats-token", "", tr.T("token for --nats (default $GANCHO_NATS_TOKEN)"))
	natsUser := fs.String("nats-user", "", tr.T("user for --nats, with --nats-password"))
	natsPassword := fs.String("nats-password", "", tr.T("password for --nats-user (default $GANCHO_NATS_PASSWORD)"))
	natsCreds := fs.String("nats-creds", "", tr.T("credentials file (.creds) for --nats"))
	natsNKey := fs.String("nats-nkey", "", tr.T("NKey seed file for --nats"))
	replicas := fs.Int("replicas", 1, tr.T("copies of each channel's hooks in the --nats cluster (3 survives one server's loss)"))
	natsListen := fs.String("nats-listen", "", tr.T("also let NATS clients reach the embedded server at host:port (e.g. 127.0.0.1:4222, for the nats tool)"))
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
	chanTokens, err := parseChannelTokens(channelTokens)
	if err != nil {
		return err
	}
	switch {
	case *token == "" && len(chanTokens) > 0: // only the channels with their own token
	case *token == "":
		return errors.New("relay serve: " + tr.T(`give --token (or GANCHO_RELAY_TOKEN); "--token random" makes one`))
	case *token == "random":
		*token = relay.NewToken()
		fmt.Fprintln(stdout, tr.T("Token (give it to the team; it guards the stream of every channel without its own --channel-token): {{.Token}}", vars("Token", *token)))
	case len(*token) < 16:
		return errors.New("relay serve: " + tr.T(`the token is too short: use 16 characters or more ("--token random" makes one)`))
	}
	if (*cert == "") != (*key == "") {
		return errors.New("relay serve: " + tr.T("give both --tls-cert and --tls-key, or neither"))
	}
	mb, err := capture.ParseSize(*maxBody)
	if err != nil {
		return fmt.Errorf("relay serve: --max-body: %w", err)
	}
	kb := int64(-1)
	if *keepBytes != "-1" {
		if kb, err = capture.ParseSize(*keepBytes); err != nil || kb == 0 {
			return fmt.Errorf("relay serve: --retention-bytes %q: %s", *keepBytes, tr.T("want a size such as 1GiB or 500MiB, or -1 for no limit"))
		}
	}
	lim, err := lf.limits()
	if err != nil {
		return fmt.Errorf("relay serve: %w", err)
	}
	if *maxChannels < 1 {
		return errors.New("relay serve: --max-channels: " + tr.T("want 1 or more"))
	}
	if n := len(channels) + len(chanTokens); n > *maxChannels {
		return errors.New("relay serve: " + tr.N("{{.Count}} channels configured but --max-channels is {{.Max}}: raise --max-channels", n, vars("Count", n, "Max", *maxChannels)))
	}
	pol := capture.Policy{RateLimit: *rate, BasicAuth: *basic}
	if len(respond) > 0 {
		rs, err := rules.Parse(strings.Join(respond, "\n"))
		if err != nil {
			return fmt.Errorf("relay serve: --respond: %w", err)
		}
		pol.Respond = rules.NewSet(rs)
	}
	logf := func(f string, a ...any) { fmt.Fprintf(stderr, "gancho relay: "+f+"\n", a...) }
	nc, err := natsConfig(c.data, *natsURLs, *natsToken, *natsUser, *natsPassword, *natsCreds, *natsNKey, *natsListen, *replicas)
	if err != nil {
		return err
	}
	nc.Logf = logf
	// A data directory the relay used before JetStream holds a database:
	// its hooks are moved into JetStream once, at start.
	var legacy *database.DB
	if _, err := os.Stat(filepath.Join(dataDir(c.data), database.FileName)); err == nil {
		if legacy, err = database.Open(c.data, database.Options{}); err != nil {
			return err
		}
		defer legacy.Close()
	}
	ctx, stop := signalContext()
	defer stop()
	srv, err := relay.NewServer(ctx, relay.ServerConfig{Token: *token, MaxBody: mb, MaxChannels: *maxChannels,
		Channels: channels, ChannelTokens: chanTokens, Limits: lim,
		Retention: relay.Retention{MaxCount: *keepCount, MaxBytes: kb, MaxAge: keepAge},
		NATS:      nc, Legacy: legacy, Logf: logf})
	if err != nil {
		if errors.Is(err, relay.ErrBadChannel) {
			return fmt.Errorf("relay serve: --channel: %w", err)
		}
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
	fmt.Fprintln(stdout, tr.T("Relay listening on {{.URL}}", vars("URL", scheme+"://"+ln.Addr().String())))
	if len(nc.URLs) > 0 {
		fmt.Fprintln(stdout, "  "+tr.T("hooks kept in     the NATS cluster at {{.URLs}} ({{.Replicas}} replicas)", vars("URLs", strings.Join(nc.URLs, ", "), "Replicas", max(nc.Replicas, 1))))
	} else {
		fmt.Fprintln(stdout, "  "+tr.T("hooks kept in     an embedded JetStream in {{.Dir}}", vars("Dir", nc.Dir)))
		if l := srv.NATSURL(); l != "" {
			fmt.Fprintln(stdout, "  "+tr.T("NATS clients at   {{.URL}}", vars("URL", l)))
		}
	}
	fmt.Fprintln(stdout, "  "+tr.T("senders post to   {{.URL}}", vars("URL", scheme+"://HOST/{channel}/any/path")))
	fmt.Fprintln(stdout, "  "+tr.T("desktops connect  {{.Command}}", vars("Command", "gancho listen --relay "+scheme+"://HOST --channel {channel} --token …")))
	fmt.Fprintln(stdout, "  "+tr.T("a channel takes hooks once a desktop has opened it")+openList(channels, chanTokens))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln, *cert, *key) }()
	select {
	case err := <-done:
		_ = srv.Close()
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, tr.T("Stopping: finishing hooks in flight…"))
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// dataDir is the --data directory, or the default one.
func dataDir(flag string) string {
	if flag != "" {
		return flag
	}
	return database.DefaultDir()
}

// natsConfig is where relay serve keeps hooks: the cluster of --nats, or an
// embedded JetStream in the data directory's nats folder.
func natsConfig(data, urls, token, user, password, creds, nkey, listen string, replicas int) (jstream.Config, error) {
	cfg := jstream.Config{Replicas: replicas, Listen: listen}
	// The environment fills in what the flags leave out (not as the flag
	// defaults: -h would print them), for --nats only, and never adds a
	// second kind of credentials: a shell exporting them must not break
	// the embedded server or --nats-creds.
	if urls != "" && token == "" && user == "" && password == "" && creds == "" && nkey == "" {
		token = os.Getenv("GANCHO_NATS_TOKEN")
	}
	if urls != "" && user != "" && password == "" {
		password = os.Getenv("GANCHO_NATS_PASSWORD")
	}
	if replicas < 1 || replicas > 5 {
		return cfg, errors.New("relay serve: --replicas: " + tr.T("want 1 to 5 (JetStream's limit)"))
	}
	if urls == "" {
		switch {
		case token != "" || user != "" || creds != "" || nkey != "":
			return cfg, errors.New("relay serve: " + tr.T("NATS credentials are for --nats: the embedded server needs none"))
		case replicas > 1:
			return cfg, errors.New("relay serve: --replicas: " + tr.T("the embedded server keeps one copy: give --nats with a cluster of at least that many servers"))
		}
		cfg.Dir = filepath.Join(dataDir(data), "nats")
		return cfg, nil
	}
	if listen != "" {
		return cfg, errors.New("relay serve: --nats-listen: " + tr.T("only the embedded server listens; with --nats, clients reach the cluster itself"))
	}
	for _, u := range strings.Split(urls, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || p.Host == "" || (p.Scheme != "nats" && p.Scheme != "tls" && p.Scheme != "ws" && p.Scheme != "wss") {
			return cfg, fmt.Errorf("relay serve: --nats %q: %s", u, tr.T("want nats://host:port (or tls://, ws://, wss://), comma-separated"))
		}
		cfg.URLs = append(cfg.URLs, u)
	}
	n := 0
	for _, set := range []bool{token != "", user != "" || password != "", creds != "", nkey != ""} {
		if set {
			n++
		}
	}
	switch {
	case len(cfg.URLs) == 0:
		return cfg, errors.New("relay serve: --nats: " + tr.T("give at least one nats://host:port"))
	case n > 1:
		return cfg, errors.New("relay serve: " + tr.T("give one kind of NATS credentials: --nats-token, --nats-user/--nats-password, --nats-creds or --nats-nkey"))
	case (user == "") != (password == ""):
		return cfg, errors.New("relay serve: " + tr.T("give both --nats-user and --nats-password"))
	}
	cfg.Token, cfg.User, cfg.Password, cfg.CredsFile, cfg.NKeySeedFile = token, user, password, creds, nkey
	return cfg, nil
}

// parseChannelTokens reads --channel-token NAME=TOKEN values.
func parseChannelTokens(vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(vals))
	for _, v := range vals {
		name, tok, ok := strings.Cut(v, "=")
		switch {
		case !ok || name == "":
			return nil, fmt.Errorf("relay serve: --channel-token %q: %s", v, tr.T("want NAME=TOKEN"))
		case len(tok) < 16:
			return nil, fmt.Errorf("relay serve: --channel-token %s: %s", name, tr.T("the token is too short: use 16 characters or more"))
		case out[name] != "":
			return nil, fmt.Errorf("relay serve: --channel-token %s: %s", name, tr.T("given twice"))
		}
		out[name] = tok
	}
	return out, nil
}

// openList names the channels open from the start, for the banner.
func openList(channels []string, tokens map[string]string) string {
	names := append([]string(nil), channels...)
	for ch := range tokens {
		names = append(names, ch)
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return "; " + tr.T("open from the start: {{.Channels}}", vars("Channels", strings.Join(slices.Compact(names), ", ")))
}
