package tunnel

import (
	"testing"
	"time"
)

// The constructors below let the contract suite (contract_test.go, package
// tunnel_test) drive the real ngrok SDK against the fake ingress, whose
// options are unexported.

// NewFakeNgrokOnline returns an Ngrok that comes online on a fake ingress.
func NewFakeNgrokOnline(t *testing.T) Opener {
	f := newFakeNgrok(t, nil)
	return &Ngrok{Authtoken: fakeToken, ServerAddr: f.addr(), ConnectTimeout: 30 * time.Second, Logger: quiet, agentOptions: f.agentOptions()}
}

// NewFakeNgrokRejected returns an Ngrok whose bind the fake ingress refuses.
func NewFakeNgrokRejected(t *testing.T) Opener {
	f := newFakeNgrok(t, func(f *fakeNgrok) {
		f.bindErr = "The domain 'example.ngrok.app' is not reserved for your account.\n\nERR_NGROK_320\n"
	})
	return &Ngrok{Authtoken: fakeToken, ServerAddr: f.addr(), URL: "example.ngrok.app", ConnectTimeout: 30 * time.Second, Logger: quiet, agentOptions: f.agentOptions()}
}

// NewFakeNgrokPending returns an Ngrok dialling a server that never
// answers, and a channel that receives once the SDK has connected to it.
func NewFakeNgrokPending(t *testing.T) (Opener, <-chan struct{}) {
	addr, accepted := silentServer(t)
	return &Ngrok{Authtoken: fakeToken, ServerAddr: addr, ConnectTimeout: 30 * time.Second, Logger: quiet, agentOptions: fastHeartbeat()}, accepted
}
