package tunnel_test

import (
	"testing"

	"github.com/gancho-app/gancho/tunnel"
	"github.com/gancho-app/gancho/tunnel/tunneltest"
)

var _ tunnel.Opener = (*tunnel.Ngrok)(nil)

// TestNgrokContract runs the Opener contract against the real ngrok SDK
// talking to the fake ingress.
func TestNgrokContract(t *testing.T) {
	tunneltest.Run(t, tunneltest.Harness{
		Online:  tunnel.NewFakeNgrokOnline,
		Failing: tunnel.NewFakeNgrokRejected,
		Pending: tunnel.NewFakeNgrokPending,
	})
}
