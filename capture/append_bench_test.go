package capture_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// BenchmarkAppendParallel measures the store alone: 32 goroutines appending
// 1 KiB JSON captures, each waiting for its commit.
func BenchmarkAppendParallel(b *testing.B) {
	st := newStore(b, capture.StoreConfig{})
	body := string(sampleJSON(1024))
	var gen capture.IDGen
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/32 + 1
	for c := 0; c < 32; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				r := req("/bench", "application/json", body)
				r.ID = gen.New(time.Now())
				if err := st.Append(context.Background(), r); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
