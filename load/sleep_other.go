//go:build !linux

package load

import "time"

// sleep pauses the calling goroutine for d.
func sleep(d time.Duration) { time.Sleep(d) }
