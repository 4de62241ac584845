// Package leaktest is the one goroutine-leak check of Gancho's tests:
// go.uber.org/goleak with a grace period long enough for goroutines that
// were told to stop but are still returning.
package leaktest

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Grace is how long VerifyNone waits for goroutines to end. It is a deadline
// for leaks, not a speed target.
const Grace = 10 * time.Second

// VerifyNone fails t if goroutines other than those opts ignore are still
// running after Grace. It is goleak.VerifyNone with a longer wait: goleak
// gives up after about 0.4 s, but the ngrok SDK's goroutines may sit in a
// 500 ms retry backoff when Close returns, and connection goroutines end
// late on a loaded -race run. It retries goleak.Find, which itself waits
// between its tries. Call it deferred, with goleak.IgnoreCurrent() taken at
// the start of the test, to check that test's own goroutines.
func VerifyNone(t testing.TB, opts ...goleak.Option) {
	t.Helper()
	deadline := time.Now().Add(Grace)
	for {
		err := goleak.Find(opts...)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutine leak: %v", err)
			return
		}
	}
}
