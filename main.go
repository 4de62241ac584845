// Command gancho inspects, replays and emits webhooks. With no arguments it
// opens the window; subcommands run the same engine headless.
//
// main only wires: it parses flags, opens the database, builds the services
// and hands them to the UI or a headless command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/rules"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/verify"
)

const usage = `Gancho inspects, replays and emits webhooks.

Usage:
  gancho                      open the window (and capture on the default address)
  gancho listen [flags]       capture in the terminal, one line per request
  gancho list [--json] [flags] list captures, newest first
  gancho show ID              print one capture, body pretty-printed
  gancho replay ID... --to URL  send captures again and print the responses
  gancho export [--format har|jsonl|curl|raw] [--out FILE]  export captures
  gancho import FILE          import a HAR, JSON lines, cURL or raw HTTP file
  gancho events [show|sample NAME [--xml]]  the 30 CRM events, a field list, a sample
  gancho send EVENT [--to URL]  send a signed sample to URL, or to the saved subscriptions
  gancho subscriptions list|add|edit|enable|disable|delete|history  the saved outbound subscriptions
  gancho tail                 follow the captures of the running Gancho (window or listen)
  gancho relay serve --token T  the self-hosted team relay (one public URL for the team)
  gancho help                 this text

Every command takes --data DIR (or GANCHO_DATA) to choose the data directory.
Run "gancho COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code; errors are
// printed as one sentence on stderr.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help") {
		cmd, args = args[0], args[1:] // flags alone ("gancho --data D") open the window
	}
	var err error
	switch cmd {
	case "", "gui":
		err = cmdGUI(args, stderr)
	case "listen":
		err = cmdListen(args, stdout, stderr)
	case "list":
		err = cmdList(args, stdout, stderr)
	case "show":
		err = cmdShow(args, stdout, stderr)
	case "replay":
		err = cmdReplay(args, stdout, stderr)
	case "export":
		err = cmdExport(args, stdout, stderr)
	case "import":
		err = cmdImport(args, stdout, stderr)
	case "events":
		err = cmdEvents(args, stdout, stderr)
	case "send":
		err = cmdSend(args, stdout, stderr)
	case "tail":
		err = cmdTail(args, stdout, stderr)
	case "subscriptions":
		err = cmdSubscriptions(args, stdout, stderr)
	case "relay":
		err = cmdRelay(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gancho: unknown command %q: run \"gancho help\" to see the commands.\n", cmd)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "gancho: %s\n", explain(err))
		if errors.As(err, new(usageError)) {
			return 2
		}
		return 1
	}
	return 0
}

// explain turns engine errors into a sentence that says what to do next.
func explain(err error) string {
	switch {
	case errors.Is(err, capture.ErrAddrInUse):
		return err.Error() + ": another program uses that port; stop it, or pick another with --addr 127.0.0.1:PORT."
	case errors.Is(err, database.ErrDataDir):
		return err.Error() + "; choose another with --data DIR or GANCHO_DATA."
	case errors.Is(err, capture.ErrNotFound):
		return err.Error() + `; run "gancho list" to see the ids.`
	}
	if s := explainRelay(err); s != "" {
		return s
	}
	return err.Error()
}

// common flags shared by every command.
type common struct {
	data string
}

func newFlags(name string, stderr io.Writer, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("gancho "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.data, "data", "", "data directory (default $GANCHO_DATA or "+database.DefaultDir()+")")
	return fs
}

// parseInterspersed parses args with flags anywhere ("show ID --data D" as
// well as "show --data D ID") and returns the positional arguments. It
// moves each flag, with its value unless it is a bool flag or written
// --flag=value, before the positionals; everything after "--" stays
// positional. Every command parses its arguments with it.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil { // unknown: Parse reports it
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	// The flag package would print the error and then the usage, and run
	// the error again: print nothing here but -h's usage.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(append(append(flags, "--"), pos...))
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return nil, err
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("%w (\"%s -h\" lists the flags)", err, fs.Name())}
	}
	return fs.Args(), nil
}

// checkAddr checks an --addr flag before anything listens, and says what
// a valid one looks like (anyAddr is the all-interfaces example).
func checkAddr(addr, anyAddr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, perr := strconv.ParseUint(port, 10, 16); perr != nil || (port != "0" && n == 0) {
			err = fmt.Errorf("port %q is not a number from 0 to 65535", port)
		} else if strings.ContainsAny(host, " /") {
			err = fmt.Errorf("host %q is not a host name or IP address", host)
		}
	}
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err)
		}
		return usageError{fmt.Errorf("--addr %q: %v; --addr wants HOST:PORT, e.g. 127.0.0.1%s, or %s for every interface", addr, err, anyAddr, anyAddr)}
	}
	return nil
}

// methodFlag is a --method filter: methods are compared as senders write
// them, upper case, so "--method propfind" finds PROPFIND.
func methodFlag(m string) string { return strings.ToUpper(strings.TrimSpace(m)) }

// usageError is a command line that cannot be parsed: exit code 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// noArgs rejects positional arguments of a command that takes none: a
// usage error (exit 2), as a bad flag is.
func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return usageError{fmt.Errorf("%s: unexpected argument %q (\"gancho %s -h\" lists the flags)", cmd, pos[0], cmd)}
	}
	return nil
}

type engine struct {
	db      *database.DB
	store   *capture.Store
	history *replay.History
}

func openEngine(c common) (*engine, error) {
	db, err := database.Open(c.data, database.Options{})
	if err != nil {
		return nil, err
	}
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		db.Close()
		return nil, err
	}
	h, err := replay.NewHistory(context.Background(), db)
	if err != nil {
		st.Close()
		db.Close()
		return nil, err
	}
	return &engine{db: db, store: st, history: h}, nil
}

func (e *engine) Close() error {
	return errors.Join(e.store.Close(), e.db.Close())
}

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
	limits    limitFlags
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (l *listenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.addr, "addr", capture.DefaultAddr, "address to capture on (host:port)")
	fs.StringVar(&l.maxBody, "max-body", "25MiB", "largest body accepted; bigger ones get 413 and are kept truncated")
	fs.StringVar(&l.tunnel, "tunnel", "", `open a public URL too: "ngrok" (token from NGROK_AUTHTOKEN or Settings)`)
	fs.StringVar(&l.domain, "domain", "", "fixed ngrok domain for --tunnel (e.g. team.ngrok.app)")
	fs.Var(&l.verify, "verify", "verify signatures, SCHEME:SECRET[,path=/p]; schemes standard, svix, stripe, github,\n"+
		"hmac:SECRET,header=H[,algo=sha256][,encoding=hex][,prefix=P][,timestamp=H]; repeatable; saved in the settings")
	fs.Var(&l.respond, "respond", `response rule for this run, e.g. 'POST /hooks/** -> 503 x3 then 200'; repeatable`)
	fs.StringVar(&l.prefix, "secret-prefix", "", `require this first path segment (unguessable URL); "random" makes one`)
	fs.StringVar(&l.basicAuth, "basic-auth", "", "require HTTP basic auth, user:password")
	fs.IntVar(&l.rateLimit, "rate-limit", 0, "most requests per minute from one client IP (0: no limit)")
	fs.BoolVar(&l.noRefused, "no-refused", false, "do not record requests that protection refuses")
	fs.StringVar(&l.relay, "relay", "", "also receive the hooks of a team relay (gancho relay serve) at this base URL, e.g. https://hooks.example.com")
	fs.StringVar(&l.channel, "channel", "", "the relay channel to receive, with --relay")
	fs.StringVar(&l.relayTok, "token", "", "the relay's token, with --relay (default $GANCHO_RELAY_TOKEN)")
	fs.StringVar(&l.forward, "forward", "", "also send each capture, as it arrives, to this URL (e.g. http://localhost:3000/webhooks) and print its answer")
	l.limits.register(fs)
}

func (l *listenFlags) server(st *capture.Store) (*capture.Server, error) {
	if err := checkAddr(l.addr, ":4665"); err != nil {
		return nil, err
	}
	max, err := capture.ParseSize(l.maxBody)
	if err != nil {
		return nil, fmt.Errorf("--max-body: %w", err)
	}
	if l.tunnel != "" && l.tunnel != "ngrok" {
		return nil, fmt.Errorf("--tunnel %q: the only tunnel is \"ngrok\"", l.tunnel)
	}
	lim, err := l.limits.limits()
	if err != nil {
		return nil, err
	}
	return capture.NewServer(st, capture.Config{Addr: l.addr, MaxBody: max, Limits: lim}), nil
}

// settings loads the saved settings, applies this run's flags on top
// (never saved) and saves --verify into them, as the GUI would. Every flag
// is checked before anything is saved.
func (l *listenFlags) settings(dir string, srv *capture.Server) (*settings.Store, error) {
	ss, err := settings.Open(dir, srv.SetPolicy)
	if err != nil {
		return nil, err
	}
	var verifiers []verify.Config
	for _, spec := range l.verify {
		c, err := verify.Parse(spec)
		if err != nil {
			return nil, fmt.Errorf("--verify: %w", err)
		}
		verifiers = append(verifiers, c)
	}
	for _, r := range l.respond {
		if _, err := rules.ParseRule(r); err != nil {
			return nil, fmt.Errorf("--respond: %w", err)
		}
	}
	if l.prefix == "random" {
		l.prefix = settings.NewSecretPrefix()
	}
	overlay := func(s settings.Settings) settings.Settings {
		if len(l.respond) > 0 {
			// Flag rules come first: they are the ones this run is about.
			s.Rules = strings.Join(l.respond, "\n") + "\n" + s.Rules
		}
		if l.prefix != "" {
			s.Inbound.SecretPrefix = l.prefix
		}
		if l.basicAuth != "" {
			s.Inbound.BasicAuth = l.basicAuth
		}
		if l.rateLimit != 0 {
			s.Inbound.RateLimit = l.rateLimit
		}
		if l.noRefused {
			s.Inbound.DropRefused = true
		}
		if l.domain != "" {
			s.Tunnel.Domain = l.domain
		}
		return s
	}
	if err := ss.Override(overlay); err != nil {
		return nil, err
	}
	if len(verifiers) > 0 {
		next := ss.Saved()
		next.Verifiers = slices.Clone(next.Verifiers)
		for _, c := range verifiers {
			next.AddVerifier(c)
		}
		if err := ss.Update(next); err != nil {
			return nil, fmt.Errorf("--verify: %w", err)
		}
	}
	return ss, nil
}

// prepareCapture parses a capturing command's flags, opens the engine and
// builds (without starting) the capture server with the saved settings.
// The caller closes e.
// check rejects flag combinations before anything starts, so nothing is
// left half-running.
func (l *listenFlags) check(cmd string) error {
	if l.relayTok == "" {
		l.relayTok = os.Getenv("GANCHO_RELAY_TOKEN") // read here: a flag default would print it in -h
	}
	if l.relay != "" || l.channel != "" {
		if cmd != "listen" {
			return errors.New("--relay: in the window, set the relay in Settings → Tunnel → Team relay; --relay is for gancho listen")
		}
		if l.relay == "" || l.channel == "" || l.relayTok == "" {
			return errors.New("--relay: give --relay URL, --channel C and --token T (or GANCHO_RELAY_TOKEN) together")
		}
	}
	if l.forward != "" {
		if err := replay.CheckTarget(l.forward); err != nil {
			return fmt.Errorf("--forward: %w", err)
		}
	}
	return nil
}

func prepareCapture(name string, args []string, stderr io.Writer) (*engine, *capture.Server, *settings.Store, *listenFlags, error) {
	var lf listenFlags
	fs := newFlags(name, stderr, &lf.common)
	lf.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if name == "" && len(pos) > 0 { // "gancho --data D list"
		return nil, nil, nil, nil, usageError{fmt.Errorf("unexpected %q: the command comes first, e.g. \"gancho list --data DIR\" (\"gancho help\" lists them)", pos[0])}
	}
	if err := noArgs(name, pos); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := lf.check(name); err != nil {
		return nil, nil, nil, nil, err
	}
	e, err := openEngine(lf.common)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	srv, err := lf.server(e.store)
	if err != nil {
		e.Close()
		return nil, nil, nil, nil, err
	}
	ss, err := lf.settings(e.db.Dir, srv)
	if err != nil {
		e.Close()
		return nil, nil, nil, nil, err
	}
	recent, err := e.store.RecentDeliveries(context.Background(), time.Now().Add(-capture.DedupeWindow))
	if err != nil {
		e.Close()
		return nil, nil, nil, nil, err
	}
	srv.SeedDeliveries(recent)
	return e, srv, ss, &lf, nil
}

// ngrokFor builds the ngrok opener from the settings in force.
func ngrokFor(s settings.Settings) tunnel.Opener {
	return &tunnel.Ngrok{
		Authtoken:  s.Authtoken(),
		URL:        s.Tunnel.Domain,
		BasicAuth:  s.Tunnel.BasicAuth,
		AllowCIDRs: s.Tunnel.AllowCIDRs,
	}
}

// captureURL is base with the secret prefix the sender must use.
func captureURL(base string, s settings.Settings) string {
	if p := s.Inbound.SecretPrefix; p != "" {
		return strings.TrimSuffix(base, "/") + "/" + p
	}
	return base
}

// listenRelay receives the relay channel's hooks into the local store (they
// are then printed, and forwarded, like any capture) and prints the
// connection's states. failed yields the error that ended the client (a
// refused token, an unreachable relay at start): listen then stops.
func listenRelay(ctx context.Context, e *engine, lf *listenFlags, stdout io.Writer) (stop func(), failed <-chan error, err error) {
	c := &relay.Client{URL: lf.relay, Channel: lf.channel, Token: lf.relayTok, Store: e.store, DB: e.db, FailFast: true,
		State: func(st relay.ClientState) {
			switch st.Kind {
			case relay.Online:
				fmt.Fprintf(stdout, "Relay online: senders post to %s (%s to catch up)\n", st.HookURL, text.N(int(st.Backlog), "waiting hook", "waiting hooks"))
			case relay.Reconnecting:
				fmt.Fprintf(stdout, "Relay reconnecting: %s; next try %s\n", st.Reason, st.Retry.Local().Format("15:04:05"))
			}
		}}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	fail := make(chan error, 1)
	go func() {
		defer close(done)
		if err := c.Run(rctx); err != nil {
			fail <- relayFailure(err, lf)
		}
	}()
	return func() { cancel(); <-done }, fail, nil
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

func cmdListen(args []string, stdout, stderr io.Writer) error {
	e, srv, ss, lf, err := prepareCapture("listen", args, stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	events, cancel := e.store.Subscribe(ctx)
	defer cancel()
	var fwEvents <-chan capture.Event
	if lf.forward != "" {
		// Subscribed before capture starts: the first capture is forwarded too.
		var fwCancel func()
		fwEvents, fwCancel = e.store.Subscribe(ctx)
		defer fwCancel()
	}
	if err := srv.Start(); err != nil {
		return err
	}
	stopLive, err := relay.ServeLive(e.db.Dir, e.store)
	if err != nil {
		return err
	}
	defer stopLive()
	cur := ss.Get()
	fmt.Fprintf(stdout, "Capturing at %s (data in %s). Press Ctrl-C to stop.\n", captureURL(srv.URL(), cur), e.db.Dir)
	for _, v := range cur.Verifiers {
		fmt.Fprintf(stdout, "Verifying %s\n", v)
	}
	if lf.tunnel != "" {
		ln, err := openTunnel(ctx, ngrokFor(cur), stdout, stderr)
		if err != nil {
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			_ = srv.Shutdown(sctx)
			return err
		}
		defer ln.Close()
		srv.ServeProxied(ln)
		fmt.Fprintf(stdout, "Public URL: %s\n", captureURL(ln.URL(), cur))
	}
	var relayFailed <-chan error
	if lf.relay != "" {
		stopRelay, failed, err := listenRelay(ctx, e, lf, stdout)
		if err != nil {
			return err
		}
		defer stopRelay()
		relayFailed = failed
	}
	forwarded := make(chan struct{})
	if lf.forward != "" {
		sender := replay.NewSender()
		defer sender.Close()
		fw := &replay.Forwarder{Target: lf.forward, Sender: sender, History: e.history,
			Options: replay.Options{Timeout: 30 * time.Second},
			OnResult: func(c *capture.Request, a *replay.Attempt) {
				r := a.Result
				if r.Class != "" {
					fmt.Fprintf(stdout, "  ↳ %s forward FAILED (%s): %s\n", c.ID, r.Class, text.Line(r.Err))
					return
				}
				fmt.Fprintf(stdout, "  ↳ %s forwarded: %d in %s\n", c.ID, r.Status, round(r.Timings.Total))
			}}
		if err := replay.CheckTarget(lf.forward); err != nil {
			return fmt.Errorf("--forward: %w", err)
		}
		fmt.Fprintf(stdout, "Forwarding each capture to %s\n", lf.forward)
		go func() {
			defer close(forwarded)
			_ = fw.Run(ctx, fwEvents, e.store)
		}()
	} else {
		close(forwarded)
	}
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		for ev := range events {
			switch ev.Kind {
			case capture.Added:
				fmt.Fprintln(stdout, capture.Line(ev.Request))
			case capture.Dropped:
				fmt.Fprintf(stdout, "(%s not shown: the terminal was too slow; run \"gancho list\")\n", text.N(ev.Count, "event", "events"))
			}
		}
	}()
	var failure error
	select {
	case <-ctx.Done():
	case failure = <-relayFailed: // nil channel without --relay
		stop() // ends the forwarder too
	}
	fmt.Fprintln(stderr, "Stopping: finishing requests in flight…")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	err = srv.Shutdown(sctx)
	cancel()
	<-printed
	<-forwarded
	if failure != nil {
		return failure
	}
	return err
}

// openTunnel brings the public endpoint online, printing its state
// changes; it fails within the opener's connect deadline with the reason.
func openTunnel(ctx context.Context, op tunnel.Opener, stdout, stderr io.Writer) (tunnel.Listener, error) {
	var mu sync.Mutex
	online := false
	report := func(st tunnel.Status) {
		mu.Lock()
		defer mu.Unlock()
		switch st.State {
		case tunnel.Online:
			if online {
				fmt.Fprintf(stderr, "Tunnel back online: %s\n", st.URL)
			}
			online = true
		case tunnel.Reconnecting:
			fmt.Fprintf(stderr, "Tunnel reconnecting: %s\n", st.Reason)
		case tunnel.Connecting:
			fmt.Fprintln(stderr, "Tunnel connecting to ngrok…")
		case tunnel.Stopped, tunnel.Failed:
			if online && st.Reason != "" {
				fmt.Fprintf(stderr, "Tunnel %s: %s. Capture continues on the local URL; restart to try the public one again.\n", st.State, st.Reason)
			}
		}
	}
	ln, err := op.Open(ctx, report)
	if err != nil {
		return nil, fmt.Errorf("tunnel: %w", err)
	}
	return ln, nil
}
