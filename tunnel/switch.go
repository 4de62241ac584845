package tunnel

import (
	"context"
	"maps"
	"net"
	"slices"
	"sync"
	"time"
)

// Switch keeps at most one public endpoint open for a front end that must
// never block: On opens in the background and hands the Listener to serve,
// Off closes it, and every state change goes to the watchers.
//
// Each On asks open for a fresh Opener, so settings changed since the last
// On apply. serve is called on the Switch's goroutine once the endpoint is
// online; it may return at once (capture.Server.ServeProxied) or block. The
// Switch closes the Listener on Off and when the endpoint stops on its own;
// serve's server may close it too (Close is idempotent, and the resulting
// Stopped turns the Switch off).
//
// Methods are safe for concurrent use. Watchers are called one at a time, in
// order, from the tunnel's goroutines; they must not block and must not call
// Watch (On, Off and Status are fine).
type Switch struct {
	open  func() Opener
	serve func(net.Listener)

	notify sync.Mutex // held while calling watchers, so they see states in order

	mu       sync.Mutex
	status   Status
	watchers map[int]func(Status)
	nextID   int
	gen      uint64 // one per On; reports from older attempts are dropped
	active   bool   // between On and the attempt's Off, Stopped or Failed
	cancel   context.CancelFunc
	ln       Listener

	// pending counts attempts and closes under way, for Wait.
	pending sync.WaitGroup
}

// NewSwitch returns an off Switch (Status is Stopped, no reason).
func NewSwitch(open func() Opener, serve func(net.Listener)) *Switch {
	return &Switch{
		open:     open,
		serve:    serve,
		status:   Status{State: Stopped, At: time.Now()},
		watchers: make(map[int]func(Status)),
	}
}

// On starts opening an endpoint and returns at once; it does nothing if one
// is already connecting or open. Progress (Connecting, then Online or
// Failed) arrives through the watchers.
func (s *Switch) On() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active {
		return
	}
	s.active = true
	s.gen++
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.pending.Add(1)
	go func(gen uint64) {
		defer s.pending.Done()
		s.run(ctx, gen)
	}(s.gen)
}

// Wait returns once every attempt has returned and every endpoint that
// Off or a stop closed is closed, or when ctx ends. Call it after Off
// before closing what the endpoint writes to (a relay client writes to the
// store).
func (s *Switch) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.pending.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Switch) run(ctx context.Context, gen uint64) {
	ln, err := s.open().Open(ctx, func(st Status) { s.publish(gen, st) })
	s.mu.Lock()
	current := s.gen == gen && s.active
	if err != nil {
		// The Opener reported Failed or Stopped; this only covers one
		// that did not.
		if current {
			s.active = false
		}
		s.mu.Unlock()
		return
	}
	if !current {
		// Off came while Open was finishing.
		s.mu.Unlock()
		_ = ln.Close()
		return
	}
	s.ln = ln
	s.mu.Unlock()
	s.serve(ln)
}

// Off closes the endpoint (or abandons the Open in progress) and returns at
// once; Stopped arrives through the watchers. It does nothing when off.
func (s *Switch) Off() {
	s.mu.Lock()
	if !s.active {
		s.mu.Unlock()
		return
	}
	s.active = false
	cancel, ln := s.cancel, s.ln
	s.cancel, s.ln = nil, nil
	s.mu.Unlock()
	cancel()
	if ln != nil {
		// Closing can wait on the network; Off must not.
		s.pending.Add(1)
		go func() {
			defer s.pending.Done()
			_ = ln.Close()
		}()
	}
}

// publish records st from attempt gen and tells the watchers.
func (s *Switch) publish(gen uint64, st Status) {
	s.notify.Lock()
	defer s.notify.Unlock()
	s.mu.Lock()
	if gen != s.gen {
		s.mu.Unlock()
		return
	}
	s.status = st
	var stale Listener
	if st.State == Stopped || st.State == Failed {
		s.active = false
		if s.cancel != nil {
			s.cancel()
			s.cancel = nil
		}
		stale, s.ln = s.ln, nil
	}
	ws := s.watchList()
	s.mu.Unlock()
	if stale != nil {
		// Stopped on its own (ngrok ended the endpoint): release the
		// session. Not inline: reports must not call Close.
		s.pending.Add(1)
		go func() {
			defer s.pending.Done()
			_ = stale.Close()
		}()
	}
	for _, w := range ws {
		w(st)
	}
}

// watchList returns the watchers in registration order; s.mu must be held.
func (s *Switch) watchList() []func(Status) {
	var ws []func(Status)
	for _, id := range slices.Sorted(maps.Keys(s.watchers)) {
		ws = append(ws, s.watchers[id])
	}
	return ws
}

// Status returns the latest state change.
func (s *Switch) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Watch calls fn with the current status at once, then with every state
// change until cancel is called (a change being delivered while cancel runs
// may still reach fn once).
func (s *Switch) Watch(fn func(Status)) (cancel func()) {
	s.notify.Lock()
	defer s.notify.Unlock()
	s.mu.Lock()
	id := s.nextID
	s.nextID++
	s.watchers[id] = fn
	st := s.status
	s.mu.Unlock()
	fn(st)
	return func() {
		s.mu.Lock()
		delete(s.watchers, id)
		s.mu.Unlock()
	}
}
