package jstream

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchRec is a 1 KiB record.
var benchRec = bytes.Repeat([]byte("r"), 1024)

// parallelAppend appends b.N 1 KiB hooks from 4×GOMAXPROCS senders over
// stores (round robin) and reports hooks/s.
func parallelAppend(b *testing.B, stores []*Store, ch string) {
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			s := stores[int(i)%len(stores)]
			if _, err := s.Append(testCtx(b), ch, fmt.Sprint(i), time.Now(), benchRec); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "hooks/s")
}

// BenchmarkAppend: hooks/s accepted by one embedded Store, parallel
// senders, 1 KiB records.
func BenchmarkAppend(b *testing.B) {
	s := openEmbedded(b, b.TempDir())
	ensure(b, s, "bench", Retention{MaxCount: -1})
	parallelAppend(b, []*Store{s}, "bench")
}

// BenchmarkCatchUp: ReadAfter pages (1,000 hooks, 8 MiB) over a
// 100,000-hook backlog of 1 KiB records, embedded.
func BenchmarkCatchUp(b *testing.B) {
	const backlog = 100_000
	s := openEmbedded(b, b.TempDir())
	ensure(b, s, "backlog", Retention{})
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 32 {
		wg.Go(func() {
			for i := next.Add(1); i <= backlog; i = next.Add(1) {
				if _, err := s.Append(testCtx(b), "backlog", "", time.Time{}, benchRec); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		got := 0
		for after := int64(0); ; {
			page, err := s.ReadAfter(testCtx(b), "backlog", after, 1000, 8<<20)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got += len(page)
			after = page[len(page)-1].Seq
		}
		if got != backlog {
			b.Fatalf("read %d hooks, want %d", got, backlog)
		}
	}
	el := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(el.Seconds(), "s/catchup")
	b.ReportMetric(backlog/el.Seconds(), "hooks/s")
}

// BenchmarkAppendCluster: hooks/s accepted by two Stores on different
// nodes of a three-node loopback cluster, stream R3.
func BenchmarkAppendCluster(b *testing.B) {
	c := startCluster(b, 3)
	a, s2 := c.openAt(0), c.openAt(1)
	ensure(b, a, "bench", Retention{MaxCount: -1})
	parallelAppend(b, []*Store{a, s2}, "bench")
}
