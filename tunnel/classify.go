package tunnel

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"

	"golang.ngrok.com/muxado/v2"
	"golang.ngrok.com/ngrok/v2"
)

// serverError is what the SDK's (internal) error types for messages sent by
// the ngrok service implement: the text without the code, and the code.
type serverError interface {
	error
	Msg() string
	ErrorCode() string
}

var errCodeRE = regexp.MustCompile(`ERR_NGROK_\d+`)

// classify turns an SDK error into a user-facing failure, with token
// redacted from any text.
//
// ngrok answering with an error (auth failed, domain not reserved, limits,
// endpoint stopped) is ErrRejected with ngrok's own message. Everything else
// the SDK reports happened before ngrok evaluated the request, so it is
// ErrUnreachable: DNS, refused, unreachable, timeouts, and also a peer that
// closes the connection or does not speak ngrok's TLS (a captive portal, an
// intercepting proxy or a wrong server address). Calling those "rejected"
// would send the user to fix a token that was never checked.
func classify(err error, token string) *failure {
	var se serverError
	if errors.As(err, &se) {
		return rejected(se.Msg(), se.ErrorCode(), token)
	}
	// Errors returned by Connect/Listen come wrapped in ngrok.Error, which
	// does not unwrap to the internal type.
	var ne ngrok.Error
	if errors.As(err, &ne) {
		return rejected(ne.Error(), ne.Code(), token)
	}
	if code := errCodeRE.FindString(err.Error()); code != "" {
		return rejected(err.Error(), code, token)
	}
	return &failure{
		kind: ErrUnreachable,
		msg:  redactIn("cannot reach ngrok: check your network ("+networkDetail(err)+")", token),
	}
}

// rejected builds the ErrRejected failure from ngrok's message text.
func rejected(text, code, token string) *failure {
	msg := cleanServerMessage(text, code)
	if msg == "" {
		msg = "ngrok refused the connection"
	}
	if code != "" && !strings.Contains(msg, code) {
		msg += " (" + code + ")"
	}
	return &failure{kind: ErrRejected, msg: redactIn("rejected by ngrok: "+msg, token)}
}

// SDK prefixes that say where the error happened, not what it is.
var sdkPrefixes = []string{
	"authentication failed: ",
	"failed to start tunnel: ",
	"failed to accept connection: ",
	"failed to connect: ",
}

// cleanServerMessage flattens ngrok's multi-line message to one line: it
// drops blank lines, the bare error-code line, the generic docs link and the
// line where ngrok echoes the authtoken, and keeps everything else (including
// links to the dashboard, which tell the user what to do).
func cleanServerMessage(text, code string) string {
	for again := true; again; {
		again = false
		for _, p := range sdkPrefixes {
			if strings.HasPrefix(text, p) {
				text, again = text[len(p):], true
			}
		}
	}
	var kept []string
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); !noise(line, code) {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, " ")
}

// noise reports whether a line of ngrok's message adds nothing for the user
// (or must not be shown: the authtoken echo).
func noise(line, code string) bool {
	lower := strings.ToLower(line)
	return line == "" ||
		line == code ||
		errCodeRE.ReplaceAllString(line, "") == "" ||
		strings.HasPrefix(lower, "https://ngrok.com/docs/errors") ||
		strings.HasPrefix(lower, "your authtoken")
}

// networkDetail is the short, specific part of a transport error, without the
// SDK's "failed to dial ngrok server with address ..." wrapping and without
// the local resolver's address.
func networkDetail(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "lookup " + dnsErr.Name + ": " + dnsErr.Err
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return "TLS certificate not trusted (a proxy may be intercepting): " + certErr.Err.Error()
	}
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &unknownCA) || errors.As(err, &hostErr) {
		return "TLS certificate not trusted (a proxy may be intercepting): " + err.Error()
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		return "the server at that address does not speak TLS"
	}
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return "TLS handshake failed: " + alert.Error()
	}
	// Before the generic *net.OpError: "read 127.0.0.1:5555: connection reset
	// by peer" says less than this.
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return "the connection was reset"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || peerClosed(err) {
		return "the server closed the connection"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		inner := opErr.Err
		var sys *os.SyscallError
		if errors.As(inner, &sys) {
			inner = sys.Err
		}
		s := opErr.Op
		if opErr.Addr != nil {
			s += " " + opErr.Addr.String()
		}
		return s + ": " + inner.Error()
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "timed out: " + innermost(err).Error()
	}
	return innermost(err).Error()
}

// innermost follows a single-error Unwrap chain to its end, which drops the
// SDK's context prefixes.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil || next.Error() == "" {
			return err
		}
		err = next
	}
}

// redactIn replaces every occurrence of token in s, a last line of defence in
// case a server or SDK message quotes it.
func redactIn(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, Redact(token))
}

// peerClosed reports a muxado session that died because the server hung up:
// which of EOF or "session closed" the SDK reports depends on whether its
// reader or its writer noticed first.
func peerClosed(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		switch code, _ := muxado.GetError(err); code {
		case muxado.SessionClosed, muxado.PeerEOF, muxado.RemoteGoneAway:
			return true
		}
	}
	return false
}
