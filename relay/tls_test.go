package relay

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gancho-app/gancho/relay/jstream"
)

// selfSigned writes a certificate for 127.0.0.1 and returns its files
// and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestRelayTLS: the relay serves HTTPS itself; hooks and the wss:// stream
// work through it.
func TestRelayTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	s, err := NewServer(context.Background(), ServerConfig{Token: testToken, Channels: []string{"secure"}, Logf: t.Logf,
		NATS: jstream.Config{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln, certFile, keyFile) }()
	base := "https://" + ln.Addr().String()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer hc.CloseIdleConnections()

	tests := []struct{ name, method, path string }{
		{"health", "GET", HealthPath},
		{"hook", "POST", "/secure/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.path, nil)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
	ls := newLocal(t)
	got := make(chan struct{})
	stop := runClient(context.Background(), &Client{URL: base, Channel: "secure", Token: testToken, Store: ls.store,
		TLSConfig: &tls.Config{RootCAs: pool},
		onApplied: func(seqs []int64) {
			if seqs[len(seqs)-1] == 1 {
				close(got)
			}
		}})
	waitFor(t, got, 30*time.Second, "the hook over wss")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	hc.CloseIdleConnections()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

// TestClientRelayReset: a relay whose data was wiped restarts its seqs; the
// client notices (head behind its position) and fetches from the start.
func TestClientRelayReset(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{})
	ls := newLocal(t)
	if err := ls.db.Migrate(context.Background(), migrationOwner, migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.db.Write.Exec(`INSERT INTO relayws_client(relay, channel, last_seq, client_id) VALUES(?, 'ch', 500, 'me')`, r.url); err != nil {
		t.Fatal(err)
	}
	r.postMany(t, "/ch/x", 3, 1)
	got := make(chan []int64, 4)
	stop := runClient(context.Background(), &Client{URL: r.url, Channel: "ch", Token: testToken, Store: ls.store, DB: ls.db,
		MinBackoff: time.Millisecond, onApplied: func(s []int64) { got <- s }})
	defer stop()
	var seqs []int64
	for len(seqs) < 3 {
		seqs = append(seqs, waitFor(t, got, 30*time.Second, "the hooks")...)
	}
	if seqs[0] != 1 || seqs[2] != 3 {
		t.Fatalf("seqs %v", seqs)
	}
}

// TestClientRelayRecreated: the relay's data was wiped and it already took
// more hooks than the desktop had seen; its head alone cannot tell, its
// channel epoch does, and the desktop fetches the channel from the start.
func TestClientRelayRecreated(t *testing.T) {
	r := startRelay(t, t.TempDir(), ServerConfig{})
	ls := newLocal(t)
	if err := ls.db.Migrate(context.Background(), migrationOwner, migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.db.Write.Exec(`INSERT INTO relayws_client(relay, channel, last_seq, client_id, epoch) VALUES(?, 'ch', 5, 'me', 12345)`, r.url); err != nil {
		t.Fatal(err)
	}
	r.postMany(t, "/ch/x", 10, 1)
	got := make(chan []int64, 16)
	stop := runClient(context.Background(), &Client{URL: r.url, Channel: "ch", Token: testToken, Store: ls.store, DB: ls.db,
		MinBackoff: time.Millisecond, onApplied: func(s []int64) { got <- s }})
	defer stop()
	seen := map[int64]bool{}
	for len(seen) < 10 {
		for _, s := range waitFor(t, got, 30*time.Second, "the hooks") {
			seen[s] = true
		}
	}
	for i := int64(1); i <= 10; i++ {
		if !seen[i] {
			t.Errorf("hook %d never fetched: %v", i, seen)
		}
	}
}
