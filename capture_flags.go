package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/rules"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/verify"
)

// listenFlags are the flags of the capturing commands: gancho listen and
// the window.
type listenFlags struct {
	common
	addr      string
	maxBody   string
	tunnel    string
	domain    string
	verify    multiFlag
	respond   multiFlag
	prefix    string
	basicAuth string
	rateLimit int
	noRefused bool
	forward   string
	relay     string
	channel   string
	relayTok  string
	keep      string
	keepBytes string
	limits    limitFlags
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (l *listenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.addr, "addr", capture.DefaultAddr, tr.T("address to capture on (host:port)"))
	fs.StringVar(&l.maxBody, "max-body", "25MiB", tr.T("largest body accepted; bigger ones get 413 and are kept truncated"))
	fs.StringVar(&l.tunnel, "tunnel", "", tr.T(`open a public URL too: "ngrok" (token from NGROK_AUTHTOKEN or Settings)`))
	fs.StringVar(&l.domain, "domain", "", tr.T("fixed ngrok domain for --tunnel (e.g. team.ngrok.app)"))
	fs.Var(&l.verify, "verify", tr.T("verify signatures, SCHEME:SECRET[,path=/p]; schemes standard, svix, stripe, github,\n"+
		"hmac:SECRET,header=H[,algo=sha256][,encoding=hex][,prefix=P][,timestamp=H]; repeatable; saved in the settings"))
	fs.Var(&l.respond, "respond", tr.T(`response rule for this run, e.g. 'POST /hooks/** -> 503 x3 then 200'; repeatable`))
	fs.StringVar(&l.prefix, "secret-prefix", "", tr.T(`require this first path segment (unguessable URL); "random" makes one`))
	fs.StringVar(&l.basicAuth, "basic-auth", "", tr.T("require HTTP basic auth, user:password"))
	fs.IntVar(&l.rateLimit, "rate-limit", 0, tr.T("most requests per minute from one client IP (0: no limit)"))
	fs.BoolVar(&l.noRefused, "no-refused", false, tr.T("do not record requests that protection refuses"))
	fs.StringVar(&l.relay, "relay", "", tr.T("also receive the hooks of a team relay (gancho relay serve) at this base URL, e.g. https://hooks.example.com"))
	fs.StringVar(&l.channel, "channel", "", tr.T("the relay channel to receive, with --relay"))
	fs.StringVar(&l.relayTok, "token", "", tr.T("the relay's token, with --relay (default $GANCHO_RELAY_TOKEN)"))
	fs.StringVar(&l.forward, "forward", "", tr.T("also send each capture, as it arrives, to this URL (e.g. http://localhost:3000/webhooks) and print its answer"))
	fs.StringVar(&l.keep, "keep", "", tr.T("keep the newest N captures, evicting older ones (0: no limit; default: the saved setting, else 100000); saved in the settings"))
	fs.StringVar(&l.keepBytes, "keep-bytes", "", tr.T("keep at most this many bytes of bodies, e.g. 5GiB (0: no limit; default: the saved setting, else 2GiB); saved in the settings"))
	l.limits.register(fs)
}

// retention turns --keep and --keep-bytes into the settings they save.
func (l *listenFlags) retention() (settings.Retention, error) {
	var r settings.Retention
	if l.keep != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(l.keep), "_", ""))
		if err != nil || n < 0 {
			return r, fmt.Errorf("--keep %q: %s", l.keep, tr.T("give a number of captures, or 0 for no limit"))
		}
		r.Captures = &n
	}
	if l.keepBytes != "" {
		b, err := capture.ParseSize(l.keepBytes)
		if err != nil || b < 0 {
			return r, fmt.Errorf("--keep-bytes %q: %s", l.keepBytes, tr.T("give a size such as 5GiB, or 0 for no limit"))
		}
		r.Bytes = &b
	}
	return r, nil
}

// config checks the flags and turns them into this run's app.Config;
// nothing is opened or saved before every flag is checked.
func (l *listenFlags) config(cmd string) (app.Config, error) {
	if err := l.check(cmd); err != nil {
		return app.Config{}, err
	}
	if err := checkAddr(l.addr, ":4665"); err != nil {
		return app.Config{}, err
	}
	max, err := capture.ParseSize(l.maxBody)
	if err != nil {
		return app.Config{}, fmt.Errorf("--max-body: %w", err)
	}
	if l.tunnel != "" && l.tunnel != "ngrok" {
		return app.Config{}, fmt.Errorf("--tunnel %q: %s", l.tunnel, tr.T(`the only tunnel is "ngrok"`))
	}
	lim, err := l.limits.limits()
	if err != nil {
		return app.Config{}, err
	}
	cfg := app.Config{Dir: l.data, Addr: l.addr, MaxBody: max, Limits: lim,
		Respond: l.respond, SecretPrefix: l.prefix, BasicAuth: l.basicAuth, RateLimit: l.rateLimit,
		DropRefused: l.noRefused, Domain: l.domain, ForceNgrok: l.tunnel == "ngrok", Forward: l.forward,
		Relay: app.RelayConfig{URL: l.relay, Channel: l.channel, Token: l.relayTok}}
	for _, spec := range l.verify {
		c, err := verify.Parse(spec)
		if err != nil {
			return app.Config{}, fmt.Errorf("--verify: %w", err)
		}
		cfg.Verifiers = append(cfg.Verifiers, c)
	}
	for _, r := range l.respond {
		if _, err := rules.ParseRule(r); err != nil {
			return app.Config{}, fmt.Errorf("--respond: %w", err)
		}
	}
	if cfg.Keep, err = l.retention(); err != nil {
		return app.Config{}, err
	}
	if cfg.SecretPrefix == "random" {
		cfg.SecretPrefix = settings.NewSecretPrefix()
	}
	return cfg, nil
}

// check rejects flag combinations before anything starts, so nothing is
// left half-running.
func (l *listenFlags) check(cmd string) error {
	if l.relayTok == "" {
		l.relayTok = os.Getenv("GANCHO_RELAY_TOKEN") // read here: a flag default would print it in -h
	}
	if l.relay != "" || l.channel != "" {
		if cmd != "listen" {
			return errors.New("--relay: " + tr.T("in the window, set the relay in Settings → Tunnel → Team relay; --relay is for gancho listen"))
		}
		if l.relay == "" || l.channel == "" || l.relayTok == "" {
			return errors.New("--relay: " + tr.T("give --relay URL, --channel C and --token T (or GANCHO_RELAY_TOKEN) together"))
		}
	}
	if l.forward != "" {
		if err := replay.CheckTarget(l.forward); err != nil {
			return fmt.Errorf("--forward: %w", err)
		}
	}
	return nil
}

// captureConfig parses a capturing command's flags (name "" is the
// window) into the app.Config to open.
func captureConfig(name string, args []string, stderr io.Writer) (app.Config, *listenFlags, error) {
	var lf listenFlags
	fs := newFlags(name, stderr, &lf.common)
	lf.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return app.Config{}, nil, err
	}
	if name == "" && len(pos) > 0 { // "gancho --data D list"
		return app.Config{}, nil, usageError{errors.New(tr.T(`unexpected "{{.Arg}}": the command comes first, e.g. "gancho list --data DIR" ("gancho help" lists them)`, vars("Arg", pos[0])))}
	}
	if err := noArgs(name, pos); err != nil {
		return app.Config{}, nil, err
	}
	cfg, err := lf.config(name)
	return cfg, &lf, err
}
