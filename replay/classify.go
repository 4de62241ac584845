package replay

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
)

// classify turns a failed exchange into a Class and a one-sentence message.
// parent is the caller's context, tctx the one carrying Options.Timeout,
// host the target's host:port (for messages).
func classify(err error, parent, tctx context.Context, o Options, host string) (Class, string) {
	// Context states first: a cancel or deadline surfaces as whatever the
	// interrupted operation happened to return.
	if errors.Is(parent.Err(), context.Canceled) {
		return ClassCanceled, "canceled before " + host + " answered"
	}
	if parent.Err() != nil {
		return ClassTimeout, fmt.Sprintf("no response from %s before the caller's deadline; check the receiver or allow more time", host)
	}
	if errors.Is(context.Cause(tctx), errTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return ClassTimeout, fmt.Sprintf("no response from %s within %s; the receiver is slow or stuck, so check it or raise the timeout", host, o.Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			host = u.Host // the request that failed, after any redirects
		}
	}
	var re *redirectError
	if errors.As(err, &re) {
		return ClassRedirects, re.msg
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		why := dnsErr.Err
		if dnsErr.IsNotFound {
			why = "no such host"
		}
		return ClassDNS, fmt.Sprintf("cannot resolve %s (%s); check the host name in the URL", dnsErr.Name, why)
	}
	if isRefused(err) {
		return ClassRefused, fmt.Sprintf("connection refused by %s: nothing is listening there, so start the receiver or check the port", host)
	}
	if msg, ok := tlsFailure(err, o); ok {
		return ClassTLS, msg
	}
	if isReset(err) {
		return ClassReset, fmt.Sprintf("%s closed the connection without answering; check the receiver's logs (it may have crashed or rejected the request)", host)
	}
	return ClassOther, fmt.Sprintf("sending to %s failed: %v; check the URL and the receiver", host, innermost(err))
}

// bodyFailure classifies an error while reading the response body, after n
// bytes.
func bodyFailure(err error, parent, tctx context.Context, o Options, n int64, host string) (Class, string) {
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return ClassCanceled, fmt.Sprintf("response body incomplete: canceled after %d bytes", n)
	case parent.Err() != nil:
		return ClassTimeout, fmt.Sprintf("response body incomplete: the caller's deadline passed after %d bytes; allow more time", n)
	case errors.Is(context.Cause(tctx), errTimeout) || errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout, fmt.Sprintf("response body incomplete: timed out after %s with %d bytes read; the receiver stalled mid-body, so check it or raise the timeout", o.Timeout, n)
	}
	return ClassReset, fmt.Sprintf("response body incomplete: %s broke off after %d bytes (%v); check the receiver's logs", host, n, innermost(err))
}

// tlsFailure recognises TLS errors and words them with the fix.
func tlsFailure(err error, o Options) (string, bool) {
	skip := "tick Insecure for this target to skip verification"
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &unknown):
		return "tls: certificate signed by unknown authority: " + skip, true
	case errors.As(err, &hostname):
		return "tls: " + strings.TrimPrefix(hostname.Error(), "x509: ") + ": use the name the certificate is for, or " + skip, true
	case errors.As(err, &invalid):
		return "tls: " + strings.TrimPrefix(invalid.Error(), "x509: ") + ": renew the certificate, or " + skip, true
	case errors.As(err, &verify):
		return "tls: " + strings.TrimPrefix(innermost(verify.Err).Error(), "x509: ") + ": " + skip, true
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "tls: the server does not speak TLS on that port: use http:// instead of https://", true
	}
	msg := innermost(err).Error()
	if i := strings.Index(msg, "tls: "); i >= 0 {
		advice := "check the receiver's TLS setup"
		if !o.Insecure {
			advice += ", or " + skip
		}
		return "tls: " + msg[i+len("tls: "):] + ": " + advice, true
	}
	return "", false
}

// isRefused reports a refused connection.
func isRefused(err error) bool {
	for _, e := range refusedErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// isReset reports a connection the server closed or reset before a whole
// response arrived.
func isReset(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	for _, e := range resetErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	// net/http reports some closes only in words.
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "transport connection broken") ||
		strings.Contains(s, "server closed") || strings.Contains(s, "forcibly closed")
}

// innermost strips *url.Error, whose message repeats the method and URL
// the caller already knows.
func innermost(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
