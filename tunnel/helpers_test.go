package tunnel

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder collects reported statuses and lets tests wait for them without
// sleeping: every report wakes the waiters.
type recorder struct {
	mu      sync.Mutex
	got     []Status
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) report(s Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, s)
	close(r.changed)
	r.changed = make(chan struct{})
}

// waitStates waits until the reported states are exactly want.
func (r *recorder) waitStates(t *testing.T, want ...State) []Status {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		got, ch := append([]Status(nil), r.got...), r.changed
		r.mu.Unlock()
		if sameStates(got, want) {
			return got
		}
		if len(got) > len(want) {
			t.Fatalf("states = %v, want %v", statesOf(got), want)
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for states %v; have %v", want, statesOf(got))
		}
	}
}

func statesOf(ss []Status) []State {
	var out []State
	for _, s := range ss {
		out = append(out, s.State)
	}
	return out
}

func sameStates(got []Status, want []State) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].State != want[i] {
			return false
		}
	}
	return true
}

// rawServer runs handle for each TCP connection to a loopback listener, for
// servers that are not ngrok at all.
func rawServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// assertNoSecret fails if s contains the token (or a long piece of it).
func assertNoSecret(t *testing.T, what, s, token string) {
	t.Helper()
	if strings.Contains(s, token) || strings.Contains(s, token[:len(token)/2]) {
		t.Errorf("%s leaks the authtoken: %q", what, s)
	}
}
