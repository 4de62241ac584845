package replay

import (
	"context"
	"fmt"
	"sync"

	"github.com/gancho-app/gancho/capture"
)

// Subscriber is the capture store as live forwarding needs it;
// capture.Store implements it.
type Subscriber interface {
	Lister
	Subscribe(ctx context.Context) (<-chan capture.Event, func())
}

// Live is live forwarding that can be pointed at a target and stopped at
// will, for the window's "Forward live" switch. Only captures that arrive
// after Start are forwarded. Safe for concurrent use.
type Live struct {
	Sender  *Sender
	History *History // nil: attempts are not stored
	Source  Subscriber
	// OnAttempt, if set, is called with each attempt once stored, on the
	// forwarding goroutine (listen prints it); set it before Start.
	OnAttempt func(c *capture.Request, a *Attempt)

	// switching serialises Start and Stop, so two concurrent calls cannot
	// leave a forwarder running unseen.
	switching sync.Mutex
	mu        sync.Mutex
	target    string
	cancel    context.CancelFunc
	done      chan struct{}
	onResult  func(captureID string)
}

// Watch sets the function called with each capture's id after its attempt
// was stored, on the forwarding goroutine, for this and later Starts; nil
// stops the calls. A window can watch forwarding that main started.
func (l *Live) Watch(onResult func(captureID string)) {
	l.mu.Lock()
	l.onResult = onResult
	l.mu.Unlock()
}

// Start forwards each new capture to target, replacing any earlier target.
func (l *Live) Start(target string) error {
	if err := CheckTarget(target); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	l.switching.Lock()
	defer l.switching.Unlock()
	l.stop()
	ctx, cancel := context.WithCancel(context.Background())
	events, unsubscribe := l.Source.Subscribe(ctx)
	fw := &Forwarder{Target: target, Sender: l.Sender, History: l.History,
		Options: Options{Timeout: DefaultTimeout}}
	onAttempt := l.OnAttempt
	fw.OnResult = func(c *capture.Request, a *Attempt) {
		if onAttempt != nil {
			onAttempt(c, a)
		}
		l.mu.Lock()
		f := l.onResult
		l.mu.Unlock()
		if f != nil {
			f(c.ID)
		}
	}
	done := make(chan struct{})
	l.mu.Lock()
	l.target, l.cancel, l.done = target, cancel, done
	l.mu.Unlock()
	go func() {
		defer close(done)
		defer unsubscribe()
		_ = fw.Run(ctx, events, l.Source)
	}()
	return nil
}

// Stop ends forwarding and waits for the attempt in flight (it is
// cancelled, and not recorded).
func (l *Live) Stop() {
	l.switching.Lock()
	defer l.switching.Unlock()
	l.stop()
}

func (l *Live) stop() {
	l.mu.Lock()
	cancel, done := l.cancel, l.done
	l.target, l.cancel, l.done = "", nil, nil
	l.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Target returns where captures are forwarded, or "" when off.
func (l *Live) Target() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.target
}
