// Package jstreamtest runs a private NATS JetStream cluster for tests:
// n embedded nats-servers routed to each other on loopback ports, each
// with its own JetStream directory under the test's TempDir. A node can be
// stopped and restarted on the same ports and directory, as a crashed and
// restarted server would be. It imports only nats-server, so the relay's
// tests and package jstream's own tests can both use it.
package jstreamtest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Cluster is n nats-servers with JetStream, routed to each other on
// loopback ports. Its methods are safe for concurrent use.
type Cluster struct {
	tb           testing.TB
	dirs         []string
	clientPorts  []int
	clusterPorts []int

	mu   sync.Mutex
	srvs []*server.Server
}

// Start starts an n-node cluster, waits until it has a JetStream meta
// leader, and stops every node at tb's cleanup.
func Start(tb testing.TB, n int) *Cluster {
	tb.Helper()
	ports := freePorts(tb, 2*n)
	c := &Cluster{tb: tb, clientPorts: ports[:n], clusterPorts: ports[n:], srvs: make([]*server.Server, n)}
	for range n {
		c.dirs = append(c.dirs, tb.TempDir())
	}
	tb.Cleanup(func() {
		for i := range n {
			c.Stop(i)
		}
	})
	for i := range n {
		c.Restart(i)
	}
	c.WaitReady()
	return c
}

// freePorts picks n free loopback ports (fixed, so that a node restarts on
// the same addresses and its peers' routes find it again).
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var lns []net.Listener
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

func (c *Cluster) options(i int) *server.Options {
	var routes []string
	for j, p := range c.clusterPorts {
		if j != i {
			routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
		}
	}
	return &server.Options{
		ServerName:         fmt.Sprintf("n%d", i),
		Host:               "127.0.0.1",
		Port:               c.clientPorts[i],
		JetStream:          true,
		StoreDir:           c.dirs[i],
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  4 << 30,
		NoSigs:             true,
		NoLog:              true,
		Cluster: server.ClusterOpts{
			Name: "gancho-test",
			Host: "127.0.0.1",
			Port: c.clusterPorts[i],
		},
		Routes: server.RoutesFromStr(strings.Join(routes, ",")),
	}
}

// Restart starts node i (again, on its directory and ports) and waits
// until it accepts connections. Node i must be stopped.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	srv, err := server.NewServer(c.options(i))
	if err != nil {
		c.tb.Fatalf("node %d: %v", i, err)
	}
	srv.Start()
	if !srv.ReadyForConnections(20 * time.Second) {
		srv.Shutdown()
		c.tb.Fatalf("node %d not ready", i)
	}
	c.mu.Lock()
	c.srvs[i] = srv
	c.mu.Unlock()
}

// Stop shuts node i down and waits for it (nothing if it is stopped).
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	srv := c.srvs[i]
	c.srvs[i] = nil
	c.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// WaitReady waits (up to 30 s, else it fails the test) for a JetStream
// meta leader that every running node follows.
func (c *Cluster) WaitReady() {
	c.tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !c.ready() {
		if time.Now().After(deadline) {
			c.tb.Fatal("jstreamtest: no JetStream meta leader within 30s")
		}
		<-tick.C
	}
}

func (c *Cluster) ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	leader := false
	for _, s := range c.srvs {
		if s == nil {
			continue
		}
		if !s.JetStreamIsCurrent() {
			return false
		}
		leader = leader || s.JetStreamIsLeader()
	}
	return leader
}

// URL is node i's client URL.
func (c *Cluster) URL(i int) string {
	return fmt.Sprintf("nats://127.0.0.1:%d", c.clientPorts[i])
}

// URLs are every node's client URL.
func (c *Cluster) URLs() []string {
	out := make([]string, len(c.clientPorts))
	for i := range out {
		out[i] = c.URL(i)
	}
	return out
}

// LastSeq is node i's own replica's last seq of stream (0: none, or the
// node is stopped).
func (c *Cluster) LastSeq(i int, stream string) uint64 {
	c.mu.Lock()
	srv := c.srvs[i]
	c.mu.Unlock()
	if srv == nil {
		return 0
	}
	info, err := srv.Jsz(&server.JSzOptions{Accounts: true, Streams: true})
	if err != nil {
		return 0
	}
	for _, acc := range info.AccountDetails {
		for _, sd := range acc.Streams {
			if sd.Name == stream {
				return sd.State.LastSeq
			}
		}
	}
	return 0
}

// StreamLeader is the node leading stream (of the default account), or -1
// when no running node does.
func (c *Cluster) StreamLeader(stream string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.srvs {
		if s != nil && s.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream) {
			return i
		}
	}
	return -1
}
