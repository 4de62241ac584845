package capture

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// DefaultAddr is where capture listens unless told otherwise: loopback only,
// port 4665 ("HOOK" on a phone keypad).
const DefaultAddr = "127.0.0.1:4665"

// ErrAddrInUse is returned (wrapped) by Server.Start when the port is taken.
var ErrAddrInUse = errors.New("address already in use")

// Config tunes a Server. The zero value listens on DefaultAddr with the
// default body cap and timeouts.
type Config struct {
	Addr              string        // host:port; "" means DefaultAddr
	MaxBody           int64         // body cap in bytes; 0 means DefaultMaxBody
	ReadHeaderTimeout time.Duration // 0 means 10 s: no slowloris on the head
	ReadTimeout       time.Duration // whole request; 0 means 5 min (25 MiB on a slow link)
	IdleTimeout       time.Duration // keep-alive; 0 means 2 min
	// Limits bounds connections and buffered bodies, in all and per
	// client address (zero fields: defaults; see Limits). Its BodyTimeout
	// defaults to ReadTimeout.
	Limits Limits
}

// Server is the capture HTTP server. Start binds and serves in the
// background; Shutdown finishes in-flight requests. Methods are safe for
// concurrent use.
type Server struct {
	handler *Handler
	limiter *Limiter
	srv     *http.Server
	mu      sync.Mutex
	ln      net.Listener // the main listener (Start or the first Serve)
	done    chan error

	waitOnce sync.Once // the serve result is received once…
	serveErr error     // …and kept for later Shutdown calls
	extra    sync.WaitGroup
	closing  bool // guarded by mu: no ServeProxied once Shutdown began
}

// NewServer returns a Server that records into store.
func NewServer(store Appender, cfg Config) *Server {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.ReadHeaderTimeout, 10*time.Second)
	def(&cfg.ReadTimeout, 5*time.Minute)
	def(&cfg.IdleTimeout, 2*time.Minute)
	h := NewHandler(store, cfg.MaxBody)
	if cfg.Limits.BodyTimeout == 0 {
		cfg.Limits.BodyTimeout = cfg.ReadTimeout
	}
	lim := NewLimiter(cfg.Limits, cfg.MaxBody)
	h.SetLimiter(lim)
	return &Server{
		handler: h,
		limiter: lim,
		srv: &http.Server{
			Addr:              cfg.Addr,
			Handler:           h,
			ReadHeaderTimeout: cfg.ReadHeaderTimeout,
			ReadTimeout:       cfg.ReadTimeout,
			// Rule delays extend it per request (Handler.perform).
			WriteTimeout: cfg.ReadTimeout + 30*time.Second,
			IdleTimeout:  cfg.IdleTimeout,
			ConnContext:  withWire,
		},
		done: make(chan error, 1),
	}
}

// SeedDeliveries restores the duplicate window (see Handler.SeedDeliveries).
func (s *Server) SeedDeliveries(e []DedupeEntry) { s.handler.SeedDeliveries(e) }

// SetPaused pauses or resumes recording (see Handler.SetPaused).
func (s *Server) SetPaused(p bool) { s.handler.SetPaused(p) }

// Paused reports whether recording is paused.
func (s *Server) Paused() bool { return s.handler.Paused() }

// Handler returns the capture handler, for serving on other listeners
// (a tunnel) without the wire-order header recovery.
func (s *Server) Handler() http.Handler { return s.handler }

// SetPolicy replaces the inbound policy (see Handler.SetPolicy).
func (s *Server) SetPolicy(p Policy) error { return s.handler.SetPolicy(p) }

// Policy returns the inbound policy in force.
func (s *Server) Policy() Policy { return s.handler.Policy() }

// Start binds the address and serves in the background. A taken port yields
// an error wrapping ErrAddrInUse that names the address.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: %w", s.srv.Addr, ErrAddrInUse)
		}
		return fmt.Errorf("listen on %s: %w", s.srv.Addr, err)
	}
	s.Serve(ln)
	return nil
}

// Serve serves on ln in the background (Start does this for its own
// listener). Every connection is counted against the limits and wrapped
// so headers keep their wire order.
func (s *Server) Serve(ln net.Listener) {
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	go func() {
		err := s.srv.Serve(wireListener{Listener: s.limiter.Listener(ln)})
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
}

// ServeProxied serves a tunnel's listener in the background, with the same
// handler and wire-order recovery, until ln is closed or the server shuts
// down. Closing ln does not stop the main listener. Once Shutdown has
// begun, ln is closed instead of served.
func (s *Server) ServeProxied(ln net.Listener) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ln.Close() // shutting down: a tunnel that came up late is not served
		return
	}
	s.extra.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.extra.Done()
		err := s.srv.Serve(wireListener{Listener: s.limiter.Listener(ln)})
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			log.Printf("gancho: public endpoint stopped serving: %v", err)
		}
	}()
}

// Addr returns the bound address, or nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL returns the base URL of the bound address ("http://127.0.0.1:4665").
func (s *Server) URL() string {
	a := s.Addr()
	if a == nil {
		return ""
	}
	return "http://" + a.String()
}

// Shutdown stops accepting, waits for in-flight requests (and so their
// commits) until ctx ends, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.handler.Close()
	err := s.srv.Shutdown(ctx)
	s.extra.Wait()
	if err != nil {
		_ = s.srv.Close()
	}
	s.mu.Lock()
	started := s.ln != nil
	s.mu.Unlock()
	if started {
		s.waitOnce.Do(func() { s.serveErr = <-s.done })
		if err == nil {
			err = s.serveErr
		}
	}
	return err
}
