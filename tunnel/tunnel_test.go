package tunnel

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"golang.ngrok.com/muxado/v2"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestStateString(t *testing.T) {
	tests := []struct {
		s    State
		want string
	}{
		{Connecting, "connecting"},
		{Online, "online"},
		{Reconnecting, "reconnecting"},
		{Stopped, "stopped"},
		{Failed, "failed"},
		{State(42), "state(42)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.s.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name, token, want string
	}{
		{"empty", "", "(not set)"},
		{"blank", "   ", "(not set)"},
		{"real length", "2abcDEFghiJKLmnoPQRstuVWXyz_1234567890abcdef1a2b", "••••1a2b"},
		{"sixteen", "abcdefghijkl1a2b", "••••1a2b"},
		{"short shows a quarter", "abcdefgh", "••••gh"},
		{"tiny shows nothing", "abc", "••••"},
		{"trimmed", "  abcdefghijkl1a2b\n", "••••1a2b"},
		{"multibyte", "ñññññññññññññäöü", "••••ñäöü"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redact(tt.token)
			if got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.token, got, tt.want)
			}
			if tok := strings.TrimSpace(tt.token); len(tok) > 0 && strings.Contains(got, tok) {
				t.Errorf("Redact(%q) reveals the whole token", tt.token)
			}
		})
	}
}

func TestBuildPolicy(t *testing.T) {
	restrict := func(cidrs ...string) map[string]any {
		allow := make([]any, len(cidrs))
		for i, c := range cidrs {
			allow[i] = c
		}
		return map[string]any{"type": "restrict-ips", "config": map[string]any{"enforce": true, "allow": allow}}
	}
	basic := func(creds ...string) map[string]any {
		cs := make([]any, len(creds))
		for i, c := range creds {
			cs[i] = c
		}
		return map[string]any{"type": "basic-auth", "config": map[string]any{"credentials": cs}}
	}
	doc := func(actions ...map[string]any) map[string]any {
		as := make([]any, len(actions))
		for i, a := range actions {
			as[i] = a
		}
		return map[string]any{"on_http_request": []any{map[string]any{"actions": as}}}
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("user%d:password%d", i, i)
	}

	tests := []struct {
		name      string
		basicAuth []string
		cidrs     []string
		want      map[string]any // nil: empty policy
		wantErr   string         // substring; "" means no error
	}{
		{name: "nothing", want: nil},
		{name: "basic auth", basicAuth: []string{"alice:correct-horse", "bob:battery-staple"},
			want: doc(basic("alice:correct-horse", "bob:battery-staple"))},
		{name: "cidrs and bare ips", cidrs: []string{"203.0.113.0/24", " 198.51.100.7 ", "2001:db8::/32", "2001:db8::1", "::ffff:192.0.2.1"},
			want: doc(restrict("203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32", "2001:db8::1/128", "192.0.2.1/32"))},
		{name: "both, ip check first", basicAuth: []string{"alice:correct-horse"}, cidrs: []string{"10.0.0.0/8"},
			want: doc(restrict("10.0.0.0/8"), basic("alice:correct-horse"))},
		{name: "password with symbols", basicAuth: []string{`a:p<>&"\ss word`}, want: doc(basic(`a:p<>&"\ss word`))},

		{name: "no colon", basicAuth: []string{"alice"}, wantErr: "basic auth entry 1: expected user:password"},
		{name: "empty user", basicAuth: []string{":password1"}, wantErr: "entry 1: the user name is empty"},
		{name: "space in user", basicAuth: []string{"al ice:password1"}, wantErr: "must not contain spaces"},
		{name: "short password", basicAuth: []string{"alice:correct-horse", "bob:short"}, wantErr: `entry 2 (user "bob"): the password must be 8 to 128 characters`},
		{name: "long password", basicAuth: []string{"bob:" + strings.Repeat("x", 129)}, wantErr: "8 to 128 characters"},
		{name: "colon in password", basicAuth: []string{"bob:pass:word1"}, wantErr: "must not contain ':'"},
		{name: "control char in password", basicAuth: []string{"bob:password\n1"}, wantErr: "control characters"},
		{name: "too many", basicAuth: eleven, wantErr: "at most 10"},
		{name: "empty cidr", cidrs: []string{""}, wantErr: "IP allow list entry 1 is empty"},
		{name: "bad cidr", cidrs: []string{"10.0.0.0/8", "10.0.0.0/33"}, wantErr: `entry 2 ("10.0.0.0/33"): not a CIDR`},
		{name: "hostname", cidrs: []string{"example.com"}, wantErr: "not an IP address or CIDR"},
		{name: "host bits set", cidrs: []string{"10.1.2.3/8"}, wantErr: "host bits are set; did you mean 10.0.0.0/8?"},
		{name: "zone", cidrs: []string{"fe80::1%eth0"}, wantErr: "not an IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildPolicy(tt.basicAuth, tt.cidrs)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("BuildPolicy() = %q, want error containing %q", got, tt.wantErr)
				}
				if !errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %q, want ErrInvalidSettings containing %q", err, tt.wantErr)
				}
				for _, e := range tt.basicAuth {
					if _, pass, ok := strings.Cut(e, ":"); ok && len(pass) >= 4 && strings.Contains(err.Error(), pass) {
						t.Errorf("error %q quotes a password", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("BuildPolicy() error = %v", err)
			}
			if tt.want == nil {
				if got != "" {
					t.Fatalf("BuildPolicy() = %q, want empty", got)
				}
				return
			}
			var decoded map[string]any
			if err := json.Unmarshal([]byte(got), &decoded); err != nil {
				t.Fatalf("policy is not JSON: %v\n%s", err, got)
			}
			if !reflect.DeepEqual(decoded, tt.want) {
				t.Errorf("policy = %s\nwant %v", got, tt.want)
			}
		})
	}
}

func TestEndpointURL(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "", want: ""},
		{in: "  ", want: ""},
		{in: "example.ngrok.app", want: "https://example.ngrok.app"},
		{in: "https://Example.ngrok.app/", want: "https://example.ngrok.app"},
		{in: "http://example.ngrok.app", want: "http://example.ngrok.app"},
		{in: "tcp://1.tcp.ngrok.io:12345", wantErr: "only http:// or https://"},
		{in: "https://example.ngrok.app/hooks", wantErr: "bare domain"},
		{in: "https://example.ngrok.app?x=1", wantErr: "bare domain"},
		{in: "https://", wantErr: "no domain"},
		{in: "https://user:hunter22@example.ngrok.app", wantErr: "user info"},
		{in: "https://exa mple.ngrok.app", wantErr: "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := endpointURL(tt.in)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("endpointURL(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter22") {
					t.Errorf("error %q quotes the URL password", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("endpointURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// codedErr mimics the SDK's internal error for ngrok service messages.
type codedErr struct{ text string }

func (e codedErr) Error() string { return e.text }
func (e codedErr) Msg() string {
	var kept []string
	for l := range strings.Lines(e.text) {
		if l = strings.TrimSpace(l); l != "" && !errCodeRE.MatchString(l) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}
func (e codedErr) ErrorCode() string { return errCodeRE.FindString(e.text) }

func TestClassify(t *testing.T) {
	const token = "2xyzSECRETtokenVALUE_abcdef1a2b"
	refused := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1},
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	unreachable := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(203, 0, 113, 9), Port: 443},
		Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
	dns := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "connect.ngrok-agent.com", Server: "10.0.0.53:53", IsNotFound: true}}
	authMsg := "The authtoken you specified does not look like a proper ngrok tunnel authtoken.\nYour authtoken: " + token +
		"\nInstructions to install your authtoken are on your ngrok dashboard:\nhttps://dashboard.ngrok.com/get-started/your-authtoken\n\nERR_NGROK_105\n"

	tests := []struct {
		name string
		err  error
		kind error
		want string
	}{
		{"refused", fmt.Errorf("failed to dial ngrok server with address %q: %w", "127.0.0.1:1", refused), ErrUnreachable,
			"cannot reach ngrok: check your network (dial 127.0.0.1:1: connection refused)"},
		{"network unreachable", fmt.Errorf("failed to dial ngrok server: %w", unreachable), ErrUnreachable,
			"cannot reach ngrok: check your network (dial 203.0.113.9:443: network is unreachable)"},
		{"dns", dns, ErrUnreachable, "cannot reach ngrok: check your network (lookup connect.ngrok-agent.com: no such host)"},
		{"eof", fmt.Errorf("failed to send authentication request: %w", io.EOF), ErrUnreachable,
			"cannot reach ngrok: check your network (the server closed the connection)"},
		{"session closed", fmt.Errorf("failed to send authentication request: %w", sessionClosedErr(t)), ErrUnreachable,
			"cannot reach ngrok: check your network (the server closed the connection)"},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, ErrUnreachable,
			"cannot reach ngrok: check your network (the connection was reset)"},
		{"not tls", fmt.Errorf("failed to send authentication request: %w", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}),
			ErrUnreachable, "cannot reach ngrok: check your network (the server at that address does not speak TLS)"},
		{"timeout", fmt.Errorf("wrapped: %w", context.DeadlineExceeded), ErrUnreachable,
			"cannot reach ngrok: check your network (timed out: context deadline exceeded)"},
		{"auth rejected", fmt.Errorf("authentication failed: %w", codedErr{authMsg}), ErrRejected,
			"rejected by ngrok: The authtoken you specified does not look like a proper ngrok tunnel authtoken. " +
				"Instructions to install your authtoken are on your ngrok dashboard: https://dashboard.ngrok.com/get-started/your-authtoken (ERR_NGROK_105)"},
		{"code only in text", errors.New("failed to start tunnel: The domain 'x.ngrok.app' is not reserved.\n\nhttps://ngrok.com/docs/errors/err_ngrok_320\n\nERR_NGROK_320"),
			ErrRejected, "rejected by ngrok: The domain 'x.ngrok.app' is not reserved. (ERR_NGROK_320)"},
		{"token echoed inline", codedErr{"bad token " + token + "\nERR_NGROK_107"}, ErrRejected,
			"rejected by ngrok: bad token " + Redact(token) + " (ERR_NGROK_107)"},
		{"empty server message", codedErr{"ERR_NGROK_9999"}, ErrRejected, "rejected by ngrok: ngrok refused the connection (ERR_NGROK_9999)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err, token)
			if !errors.Is(got, tt.kind) {
				t.Errorf("kind = %v, want %v", got.kind, tt.kind)
			}
			if got.Error() != tt.want {
				t.Errorf("message =\n%q\nwant\n%q", got.Error(), tt.want)
			}
			assertNoSecret(t, "classified error", got.Error(), token)
		})
	}
}

// sessionClosedErr is the error a real muxado session gives when its peer
// hung up before the client wrote: what the SDK reports in that race.
func sessionClosedErr(t *testing.T) error {
	t.Helper()
	client, server := net.Pipe()
	sess := muxado.Client(client, nil)
	str, err := sess.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	_ = server.Close()
	_, _, _ = sess.Wait()
	if _, err = str.Write([]byte("auth")); err == nil {
		t.Fatal("Write on a dead session succeeded")
	}
	return err
}

func TestProbeExplain(t *testing.T) {
	closed := fmt.Errorf("failed to send authentication request: %w", sessionClosedErr(t))
	tests := []struct {
		name  string
		serve func(c net.Conn)
		want  string
	}{
		{"plain http", func(c net.Conn) { _, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n"); _ = c.Close() },
			"cannot reach ngrok: check your network (the server at that address does not speak TLS)"},
		{"tls alert then close", func(c net.Conn) { _, _ = c.Write([]byte{21, 3, 3, 0, 2, 2, 40}); _ = c.Close() },
			"cannot reach ngrok: check your network (the server closed the connection)"},
		{"close at once", func(c net.Conn) { _ = c.Close() },
			"cannot reach ngrok: check your network (the server closed the connection)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := rawServer(t, tt.serve)
			d := &probeDialer{}
			c, err := d.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Read to the end, as the SDK's TLS layer would.
			_, _ = io.Copy(io.Discard, c)
			got := classify(d.explain(closed), "tok")
			if got.Error() != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !errors.Is(got, ErrUnreachable) {
				t.Errorf("%v is not ErrUnreachable", got)
			}
			// Errors that say more than "session closed" are left alone.
			other := errors.New("dial tcp: boom")
			if d.explain(other) != other {
				t.Error("explain changed an error it did not need to")
			}
		})
	}
}
