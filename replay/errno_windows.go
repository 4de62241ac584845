//go:build windows

package replay

import "syscall"

// Winsock's errnos, which syscall's ECONN* constants do not match on
// Windows: WSAECONNREFUSED (10061), WSAECONNRESET, WSAECONNABORTED.
var (
	refusedErrnos = []error{syscall.Errno(10061), syscall.ECONNREFUSED}
	resetErrnos   = []error{syscall.WSAECONNRESET, syscall.WSAECONNABORTED, syscall.ECONNRESET, syscall.EPIPE}
)
