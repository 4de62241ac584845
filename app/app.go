// Package app is the one lifecycle that `gancho listen` and the window
// share: it opens the database and its stores, builds the services from the
// saved settings plus this run's overrides, starts them, and stops them in
// one documented order. It imports no fyne: front ends render what it
// reports through [Events].
//
// The order of a run:
//
//	Open:  database → capture store, replay history (→ outbound store) →
//	       capture server (built, not listening) → settings with the run's
//	       overrides → dedupe seeded → sender, forwarding, tunnel switch
//	Start: capture feed to Events.Capture and forwarding (both before
//	       capture: the first capture is seen and forwarded too) →
//	       outbound dispatcher → capture server → loopback live stream
//	       (live.json)
//	then, as the front end asks: OpenTunnel or Tunnel.On, StartRelay
//
// Close stops them in this order:
//
//  1. the public tunnel: Off, then waited for, before the server stops, so
//     no tunnel comes up while it stops; a relay endpoint writes to the
//     store, so it is gone before the store;
//  2. the relay client (--relay), cancelled and waited: it writes to the
//     store too;
//  3. forwarding: the attempt in flight is cancelled and not recorded;
//  4. the outbound dispatcher;
//  5. the capture server: requests in flight finish (10 s at most), and
//     are stored;
//  6. the capture feed: Events.Capture has seen every capture stored;
//  7. the live stream, and live.json if it is still this run's;
//  8. the sender's idle connections;
//  9. the capture store (the outbound store and the history need no
//     closing), then the database.
package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/relay"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/verify"
)

// Config is what one run asks for: the data directory and the run-only
// overrides given as flags. Zero values keep the saved settings or the
// defaults. Nothing here is saved, but Verifiers.
type Config struct {
	Dir     string // data directory; "" is database.DefaultDir (or GANCHO_DATA)
	Addr    string // where capture listens; "" is capture.DefaultAddr
	MaxBody int64
	Limits  capture.Limits

	// Settings overrides for this run (never saved).
	Respond      []string // response rules, put before the saved ones
	SecretPrefix string
	BasicAuth    string
	RateLimit    int
	DropRefused  bool
	Domain       string // fixed ngrok domain
	// Verifiers are added to the saved settings, as the window would.
	Verifiers []verify.Config
	// Keep's set fields replace the saved retention, and are saved: every
	// command on the data directory keeps the same captures.
	Keep settings.Retention

	// ForceNgrok makes the window's public URL switch open ngrok even when
	// the settings name a team relay (--tunnel ngrok).
	ForceNgrok bool
	// Forward, if set, forwards each capture, as it arrives, to this URL.
	Forward string
	// Relay, if its URL is set, receives a team relay channel's hooks
	// into the store (StartRelay).
	Relay RelayConfig
	// Outbound opens the subscriptions store and runs the dispatcher
	// (pending retries included): the window does, listen does not.
	Outbound bool

	// Events receives what the services report.
	Events Events

	// opener, if set, replaces ngrok and the relay endpoint (tests).
	opener func(settings.Settings) tunnel.Opener
}

// RelayConfig names a team relay channel to receive.
type RelayConfig struct {
	URL, Channel, Token string
}

// Events are what the front ends render. Every function may be called on
// any goroutine, must not block for long, and may be nil.
type Events struct {
	// Capture gets every event of the capture store from Start to Close,
	// in order, on one goroutine.
	Capture func(capture.Event)
	// Tunnel gets the states of a tunnel opened with OpenTunnel.
	Tunnel func(tunnel.Status)
	// Relay gets the relay client's connection states.
	Relay func(relay.ClientState)
	// Forwarded gets each forwarding attempt, once stored.
	Forwarded func(*capture.Request, *replay.Attempt)
	// OutboundChanged is called with a delivery's id after a change to it
	// (Config.Outbound).
	OutboundChanged func(deliveryID string)
}

// App is one run's database, stores and services. Its exported fields are
// for the front ends; they are set by Open and never change.
type App struct {
	Data
	Server   *capture.Server
	Settings *settings.Store
	Sender   *replay.Sender
	// Forwarding is live forwarding, on with Config.Forward; the window's
	// switch turns it on and off.
	Forwarding *replay.Live
	// Tunnel is the public URL switch (the window's).
	Tunnel *tunnel.Switch
	// Subscriptions and Dispatcher are nil unless Config.Outbound.
	Subscriptions *outbound.Store
	Dispatcher    *outbound.Dispatcher

	cfg Config

	mu          sync.Mutex
	started     bool
	closed      bool
	closeErr    error
	stops       stops // what Start and the rest started, by Close's step
	relayFailed chan error
}

// stops holds the stop function of each started service, nil when not
// started.
type stops struct {
	tunnel, relay, dispatcher, feed, live func()
	server                                bool
}

// Open opens the database and the stores and builds the services, without
// starting them. The caller calls Close.
func Open(cfg Config) (*App, error) {
	if cfg.Addr == "" {
		cfg.Addr = capture.DefaultAddr
	}
	d, err := openData(cfg.Dir, cfg.Keep)
	if err != nil {
		return nil, err
	}
	a := &App{Data: *d, cfg: cfg, relayFailed: make(chan error, 1)}
	if err := a.open(); err != nil {
		_ = a.Data.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) open() error {
	ctx := context.Background()
	var err error
	if a.cfg.Outbound {
		if a.Subscriptions, err = outbound.NewStore(ctx, a.DB, outbound.StoreConfig{}); err != nil {
			return err
		}
	}
	a.Server = capture.NewServer(a.Captures, capture.Config{Addr: a.cfg.Addr, MaxBody: a.cfg.MaxBody, Limits: a.cfg.Limits})
	if a.Settings, err = openSettings(a.DB.Dir, a.Server.SetPolicy, a.cfg); err != nil {
		return err
	}
	a.Settings.OnRetention(a.Captures.SetRetention)
	recent, err := a.Captures.RecentDeliveries(ctx, time.Now().Add(-capture.DedupeWindow))
	if err != nil {
		return err
	}
	a.Server.SeedDeliveries(recent)
	a.Sender = replay.NewSender()
	a.Forwarding = &replay.Live{Sender: a.Sender, History: a.History, Source: a.Captures, OnAttempt: a.cfg.Events.Forwarded}
	if a.Subscriptions != nil {
		a.Dispatcher = &outbound.Dispatcher{Store: a.Subscriptions, Sender: a.Sender, OnChange: a.cfg.Events.OutboundChanged}
	}
	force := a.cfg.ForceNgrok
	a.Tunnel = tunnel.NewSwitch(func() tunnel.Opener {
		s := a.Settings.Get()
		if force {
			s.Relay = settings.Relay{}
		}
		return a.publicFor(s)
	}, a.Server.ServeProxied)
	return nil
}

// openSettings loads the saved settings in dir, applies cfg's run-only
// overrides on top (never saved) and saves cfg.Verifiers into them.
func openSettings(dir string, apply func(capture.Policy) error, cfg Config) (*settings.Store, error) {
	ss, err := settings.Open(dir, apply)
	if err != nil {
		return nil, err
	}
	if err := ss.Override(cfg.overlay); err != nil {
		return nil, err
	}
	if len(cfg.Verifiers) > 0 {
		next := ss.Saved()
		next.Verifiers = slices.Clone(next.Verifiers)
		for _, c := range cfg.Verifiers {
			next.AddVerifier(c)
		}
		if err := ss.Update(next); err != nil {
			return nil, fmt.Errorf("--verify: %w", err)
		}
	}
	if cfg.Keep != (settings.Retention{}) {
		next := ss.Saved()
		next.Retention = next.Retention.Over(cfg.Keep)
		if err := ss.Update(next); err != nil {
			return nil, fmt.Errorf("--keep: %w", err)
		}
	}
	return ss, nil
}

// overlay puts the run's overrides over the settings s.
func (cfg Config) overlay(s settings.Settings) settings.Settings {
	if len(cfg.Respond) > 0 {
		// Flag rules come first: they are the ones this run is about.
		s.Rules = strings.Join(cfg.Respond, "\n") + "\n" + s.Rules
	}
	if cfg.SecretPrefix != "" {
		s.Inbound.SecretPrefix = cfg.SecretPrefix
	}
	if cfg.BasicAuth != "" {
		s.Inbound.BasicAuth = cfg.BasicAuth
	}
	if cfg.RateLimit != 0 {
		s.Inbound.RateLimit = cfg.RateLimit
	}
	if cfg.DropRefused {
		s.Inbound.DropRefused = true
	}
	if cfg.Domain != "" {
		s.Tunnel.Domain = cfg.Domain
	}
	return s
}

// Start starts forwarding (Config.Forward), the dispatcher
// (Config.Outbound), the capture server, the loopback live stream and the
// capture feed. On error, what it started is left for Close to stop.
func (a *App) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.started {
		return errors.New("app: Start after Start or Close")
	}
	a.started = true
	var feed <-chan capture.Event
	var unsubscribe func()
	if a.cfg.Events.Capture != nil {
		// Subscribed before capture starts: the first capture is seen too.
		feed, unsubscribe = a.Captures.Subscribe(context.WithoutCancel(ctx))
	}
	if a.cfg.Forward != "" {
		if err := a.Forwarding.Start(a.cfg.Forward); err != nil {
			if unsubscribe != nil {
				unsubscribe()
			}
			return fmt.Errorf("--%w", err)
		}
	}
	if a.Dispatcher != nil {
		a.stops.dispatcher = goRun(func(ctx context.Context) { _ = a.Dispatcher.Run(ctx) })
	}
	if feed != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for ev := range feed {
				a.cfg.Events.Capture(ev)
			}
		}()
		a.stops.feed = func() { unsubscribe(); <-done }
	}
	if err := a.Server.Start(); err != nil {
		return err
	}
	a.stops.server = true
	stop, err := relay.ServeLive(a.DB.Dir, a.Captures)
	if err != nil {
		return err
	}
	a.stops.live = stop
	return nil
}

// OpenTunnel opens an ngrok endpoint with the settings in force and serves
// capture on it; it fails within the opener's connect deadline with the
// reason. Its states go to Events.Tunnel. `gancho listen --tunnel ngrok`
// uses it; the window uses the Tunnel switch.
func (a *App) OpenTunnel(ctx context.Context) (url string, err error) {
	report := a.cfg.Events.Tunnel
	if report == nil {
		report = func(tunnel.Status) {}
	}
	op := NgrokFor(a.Settings.Get())
	if a.cfg.opener != nil {
		op = a.cfg.opener(a.Settings.Get())
	}
	ln, err := op.Open(ctx, report)
	if err != nil {
		return "", fmt.Errorf("tunnel: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		_ = ln.Close()
		return "", errors.New("app: OpenTunnel after Close")
	}
	a.stops.tunnel = func() { _ = ln.Close() }
	a.Server.ServeProxied(ln)
	return ln.URL(), nil
}

// StartRelay receives the Config.Relay channel's hooks into the capture
// store until Close; its states go to Events.Relay. The error that ends
// the client (a refused token, an unreachable relay at start) arrives on
// RelayFailed.
func (a *App) StartRelay() {
	r := a.cfg.Relay
	state := a.cfg.Events.Relay
	if state == nil {
		state = func(relay.ClientState) {}
	}
	c := &relay.Client{URL: r.URL, Channel: r.Channel, Token: r.Token, Store: a.Captures, DB: a.DB, FailFast: true, State: state}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.stops.relay = goRun(func(rctx context.Context) {
		if err := c.Run(rctx); err != nil {
			a.relayFailed <- err
		}
	})
}

// RelayFailed yields the error that ended the relay client, if it ends
// before Close.
func (a *App) RelayFailed() <-chan error { return a.relayFailed }

// Close stops every service and closes the stores and the database, in
// the order of the package comment. It waits at most about 10 s for
// requests in flight. It is safe to call more than once; later calls
// return the first's result.
func (a *App) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return a.closeErr
	}
	a.closed = true
	s := a.stops
	a.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	a.Tunnel.Off() // before Shutdown: no tunnel may come up while the server stops
	if s.tunnel != nil {
		s.tunnel()
	}
	// A relay endpoint writes to the store: it must be gone before the store.
	_ = a.Tunnel.Wait(ctx)
	if s.relay != nil {
		s.relay()
	}
	a.Forwarding.Stop()
	if s.dispatcher != nil {
		s.dispatcher()
	}
	if s.server {
		errs = append(errs, a.Server.Shutdown(ctx))
	}
	if s.feed != nil {
		s.feed()
	}
	if s.live != nil {
		s.live()
	}
	a.Sender.Close()
	errs = append(errs, a.Data.Close())
	a.mu.Lock()
	a.closeErr = errors.Join(errs...)
	a.mu.Unlock()
	return a.closeErr
}

// goRun runs fn on a goroutine with a context that stop cancels; stop
// waits for fn to return.
func goRun(fn func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	return func() { cancel(); <-done }
}

// NgrokFor builds the ngrok opener from the settings in force.
func NgrokFor(s settings.Settings) tunnel.Opener {
	return &tunnel.Ngrok{
		Authtoken:  s.Authtoken(),
		URL:        s.Tunnel.Domain,
		BasicAuth:  s.Tunnel.BasicAuth,
		AllowCIDRs: s.Tunnel.AllowCIDRs,
	}
}

// publicFor is what the public URL switch opens: the team relay when one is
// configured, else ngrok.
func (a *App) publicFor(s settings.Settings) tunnel.Opener {
	if a.cfg.opener != nil {
		return a.cfg.opener(s)
	}
	if !s.Relay.On() {
		return NgrokFor(s)
	}
	return &relay.Endpoint{Client: relay.Client{URL: s.Relay.URL, Channel: s.Relay.Channel, Token: s.Relay.Token,
		Store: a.Captures, DB: a.DB}}
}

// CaptureURL is base with the secret prefix the sender must use.
func CaptureURL(base string, s settings.Settings) string {
	if p := s.Inbound.SecretPrefix; p != "" {
		return strings.TrimSuffix(base, "/") + "/" + p
	}
	return base
}
