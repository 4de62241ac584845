package load

import (
	"syscall"
	"time"
)

// sleep pauses the calling goroutine for d with nanosleep: Go's timers
// fire up to a millisecond late when the process is idle (the poller
// sleeps in whole milliseconds), and in an open-model run that delay
// would count in every latency.
func sleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	_ = syscall.Nanosleep(&ts, nil) // an interrupted sleep only ends early: the caller re-checks the time
}
