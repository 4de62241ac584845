//go:build !windows

package replay

import "syscall"

// The errnos of a refused and of a reset connection.
var (
	refusedErrnos = []error{syscall.ECONNREFUSED}
	resetErrnos   = []error{syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE}
)
