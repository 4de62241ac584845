package tunnel

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"golang.ngrok.com/muxado/v2"
	"golang.ngrok.com/ngrok/v2"
)

// Stream types of ngrok's agent protocol (the SDK's internal proto package).
const (
	fakeAuthReq   muxado.StreamType = 0
	fakeBindReq   muxado.StreamType = 1
	fakeUnbindReq muxado.StreamType = 2
	fakeProxyReq  muxado.StreamType = 3
)

// fakeNgrok is a tiny ngrok ingress on loopback that speaks the agent wire
// protocol (TLS, muxado, JSON RPCs, proxy headers) well enough to drive the
// real SDK through connect, bind, proxied connections, reconnects and
// server-side rejections, with no internet.
type fakeNgrok struct {
	t    *testing.T
	ln   net.Listener
	pool *x509.CertPool
	url  string

	authErr string // non-empty: every Auth is answered with this error
	bindErr string // non-empty: every Bind is answered with this error

	mu       sync.Mutex
	sessions []*muxado.Heartbeat
	bindID   string
	binds    []fakeBind
	tokens   []string
	wg       sync.WaitGroup
}

// fakeBind is what the fake records of a Bind request.
type fakeBind struct {
	ID    string `json:"Id"`
	Proto string
	Opts  struct {
		URL           string
		TrafficPolicy string
	}
}

func newFakeNgrok(t *testing.T, configure func(*fakeNgrok)) *fakeNgrok {
	t.Helper()
	cert, pool := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNgrok{t: t, ln: ln, pool: pool, url: "https://fake-1234.ngrok.test"}
	if configure != nil {
		configure(f)
	}
	f.wg.Add(1)
	go f.acceptLoop()
	t.Cleanup(f.close)
	return f
}

func (f *fakeNgrok) addr() string { return f.ln.Addr().String() }

// agentOptions make the SDK trust the fake's certificate.
func (f *fakeNgrok) agentOptions() []ngrok.AgentOption {
	return append(fastHeartbeat(), ngrok.WithAgentConnectCAs(f.pool))
}

// fastHeartbeat shortens the SDK's heartbeat so its heartbeat goroutines,
// which only notice a closed connection at their next tick (10 s by
// default), exit within the goroutine-leak checks' deadline.
func fastHeartbeat() []ngrok.AgentOption {
	return []ngrok.AgentOption{
		ngrok.WithHeartbeatInterval(50 * time.Millisecond),
		ngrok.WithHeartbeatTolerance(2 * time.Second),
	}
}

func (f *fakeNgrok) acceptLoop() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Add(1)
		go f.serveConn(c)
	}
}

func (f *fakeNgrok) serveConn(c net.Conn) {
	defer f.wg.Done()
	// The heartbeat wrapper answers the agent's heartbeats; not started, so
	// it sends none of its own.
	sess := muxado.NewHeartbeat(muxado.NewTypedStreamSession(muxado.Server(c, nil)), nil, nil)
	f.mu.Lock()
	f.sessions = append(f.sessions, sess)
	f.mu.Unlock()
	defer sess.Close()
	for {
		st, err := sess.AcceptTypedStream()
		if err != nil {
			return
		}
		f.handle(st) // RPCs are sequential per agent session
	}
}

func (f *fakeNgrok) handle(st muxado.TypedStream) {
	defer st.Close()
	enc := json.NewEncoder(st)
	switch st.StreamType() {
	case fakeAuthReq:
		var req struct{ Extra struct{ Authtoken string } }
		if err := json.NewDecoder(st).Decode(&req); err != nil {
			return
		}
		f.mu.Lock()
		f.tokens = append(f.tokens, req.Extra.Authtoken)
		authErr := f.authErr
		f.mu.Unlock()
		_ = enc.Encode(map[string]any{
			"Version":  "3",
			"ClientId": "client_1",
			"Error":    authErr,
			"Extra":    map[string]any{"Region": "test", "AgentSessionID": "as_test"},
		})
	case fakeBindReq:
		var req fakeBind
		if err := json.NewDecoder(st).Decode(&req); err != nil {
			return
		}
		f.mu.Lock()
		f.binds = append(f.binds, req)
		if req.ID == "" {
			req.ID = "bind_1"
		}
		f.bindID = req.ID
		bindErr := f.bindErr
		f.mu.Unlock()
		if req.Proto == "" {
			req.Proto = "https"
		}
		_ = enc.Encode(map[string]any{
			"Id":    req.ID,
			"URL":   f.url,
			"Proto": req.Proto,
			"Opts":  map[string]any{},
			"Error": bindErr,
			"Extra": map[string]any{"Token": "bind-token", "TunnelID": "tn_test"},
		})
	case fakeUnbindReq:
		var req map[string]any
		_ = json.NewDecoder(st).Decode(&req)
		_ = enc.Encode(map[string]any{"Error": ""})
	}
}

// proxy opens a proxied connection to the agent as if clientAddr had
// connected to the public endpoint, and returns the stream carrying it.
func (f *fakeNgrok) proxy(clientAddr string) (net.Conn, error) {
	f.mu.Lock()
	if len(f.sessions) == 0 {
		f.mu.Unlock()
		return nil, errors.New("fake ngrok: no agent session")
	}
	sess, id := f.sessions[len(f.sessions)-1], f.bindID
	f.mu.Unlock()
	st, err := sess.OpenTypedStream(fakeProxyReq)
	if err != nil {
		return nil, err
	}
	hdr, err := json.Marshal(map[string]any{"Id": id, "ClientAddr": clientAddr, "Proto": "https", "EdgeType": "", "PassthroughTLS": false})
	if err != nil {
		return nil, err
	}
	if err := binary.Write(st, binary.LittleEndian, int64(len(hdr))); err != nil {
		return nil, err
	}
	if _, err := st.Write(hdr); err != nil {
		return nil, err
	}
	return st, nil
}

// drop kills every agent connection, like a network outage would.
func (f *fakeNgrok) drop() {
	f.mu.Lock()
	sessions := f.sessions
	f.sessions = nil
	f.mu.Unlock()
	for _, s := range sessions {
		_ = s.Close()
	}
}

func (f *fakeNgrok) recorded() (tokens []string, binds []fakeBind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...), append([]fakeBind(nil), f.binds...)
}

func (f *fakeNgrok) close() {
	_ = f.ln.Close()
	f.drop()
	f.wg.Wait()
}

// selfSigned makes a CA-flagged certificate for 127.0.0.1, the name the SDK
// verifies when dialling an IP address.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake ngrok"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
