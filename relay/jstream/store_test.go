package jstream

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAppendReadAfter(t *testing.T) {
	noLeaks(t)
	s := openEmbedded(t, t.TempDir())
	ensure(t, s, "team-a", Retention{})
	seqs := appendN(t, s, "team-a", "hook-", 50)
	if !slices.Equal(seqs, span(1, 50)) {
		t.Fatalf("seqs = %v, want 1..50", seqs)
	}
	for _, tc := range []struct {
		name            string
		after           int64
		limit, maxBytes int
		want            []int64
	}{
		{"all", 0, 100, 1 << 20, span(1, 50)},
		{"after", 40, 100, 1 << 20, span(41, 50)},
		{"limit", 10, 5, 1 << 20, span(11, 15)},
		{"maxBytes stops once reached", 0, 100, 20, span(1, 4)}, // 6-byte records: 24 >= 20
		{"maxBytes at least one", 20, 100, 1, []int64{21}},
		{"past the head", 50, 10, 1 << 20, nil},
		{"zero limit", 0, 0, 1 << 20, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs, err := s.ReadAfter(testCtx(t), "team-a", tc.after, tc.limit, tc.maxBytes)
			if err != nil {
				t.Fatal(err)
			}
			if got := seqsOf(hs); !slices.Equal(got, tc.want) {
				t.Fatalf("seqs = %v, want %v", got, tc.want)
			}
			for _, h := range hs {
				if want := fmt.Sprintf("hook-%d", h.Seq-1); string(h.Rec) != want {
					t.Fatalf("seq %d rec = %q, want %q", h.Seq, h.Rec, want)
				}
				if h.At.IsZero() || time.Since(h.At) > time.Minute {
					t.Fatalf("seq %d at = %v", h.Seq, h.At)
				}
			}
		})
	}
	last, first, err := s.Head(testCtx(t), "team-a")
	if err != nil || last != 50 || first != 1 {
		t.Fatalf("Head = %d, %d, %v; want 50, 1", last, first, err)
	}
}

func TestErrors(t *testing.T) {
	noLeaks(t)
	s := openEmbedded(t, t.TempDir())
	for _, tc := range []struct {
		name string
		run  func() error
		want error
	}{
		{"append to a channel without stream", func() error {
			_, err := s.Append(testCtx(t), "nope", "x", time.Now(), []byte("x"))
			return err
		}, ErrNoChannel},
		{"read a channel without stream", func() error {
			_, err := s.ReadAfter(testCtx(t), "nope", 0, 10, 100)
			return err
		}, ErrNoChannel},
		{"head of a channel without stream", func() error {
			_, _, err := s.Head(testCtx(t), "nope")
			return err
		}, ErrNoChannel},
		{"watch a channel without stream", func() error {
			_, err := s.Watch(testCtx(t), "nope", 0, func(Hook) {})
			return err
		}, ErrNoChannel},
		{"bad name", func() error {
			_, err := s.EnsureChannel(testCtx(t), "No.Dots", Retention{})
			return err
		}, ErrBadChannel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDuplicateID(t *testing.T) {
	noLeaks(t)
	s := openEmbedded(t, t.TempDir())
	ensure(t, s, "dup", Retention{})
	ctx := testCtx(t)
	a, err := s.Append(ctx, "dup", "id-1", time.Now(), []byte("first"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Append(ctx, "dup", "id-2", time.Now(), []byte("second"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Append(ctx, "dup", "id-1", time.Now(), []byte("first, retried"))
	if err != nil {
		t.Fatal(err)
	}
	if a != 1 || b != 2 || again != a {
		t.Fatalf("seqs = %d, %d, retry %d; want 1, 2, 1", a, b, again)
	}
	hs, err := s.ReadAfter(ctx, "dup", 0, 10, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || string(hs[0].Rec) != "first" {
		t.Fatalf("stored %d hooks (%v), want 2 with the first record kept", len(hs), seqsOf(hs))
	}
}

func TestRetention(t *testing.T) {
	noLeaks(t)
	s := openEmbedded(t, t.TempDir())
	rec := bytes.Repeat([]byte("x"), 1000)
	for _, tc := range []struct {
		name   string
		r      Retention
		n      int
		oldest func(int64) bool // holds for the oldest seq kept
	}{
		{"count", Retention{MaxCount: 10}, 30, func(f int64) bool { return f == 21 }},
		{"bytes", Retention{MaxBytes: 10_000}, 30, func(f int64) bool { return f > 20 && f < 30 }},
		{"age", Retention{MaxAge: time.Second}, 5, func(f int64) bool { return f == 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := "ret-" + tc.name
			ensure(t, s, ch, tc.r)
			for i := range tc.n {
				if _, err := s.Append(testCtx(t), ch, fmt.Sprint(i), time.Now(), rec); err != nil {
					t.Fatal(err)
				}
			}
			var last, first int64
			eventually(t, 20*time.Second, "retention evicts", func() bool {
				var err error
				last, first, err = s.Head(testCtx(t), ch)
				return err == nil && tc.oldest(first)
			})
			if last != int64(tc.n) {
				t.Fatalf("last = %d, want %d", last, tc.n)
			}
			hs, err := s.ReadAfter(testCtx(t), ch, 0, 100, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if first == 0 {
				if len(hs) != 0 {
					t.Fatalf("read %v after everything expired", seqsOf(hs))
				}
				return
			}
			if !slices.Equal(seqsOf(hs), span(first, last)) {
				t.Fatalf("read %v, want %d..%d (a jump from 0)", seqsOf(hs), first, last)
			}
			// The seq keeps counting after the hole.
			if seq, err := s.Append(testCtx(t), ch, "next", time.Now(), rec); err != nil || seq != last+1 {
				t.Fatalf("next seq = %d, %v; want %d", seq, err, last+1)
			}
		})
	}
	t.Run("SetRetention live", func(t *testing.T) {
		ensure(t, s, "ret-live", Retention{})
		appendN(t, s, "ret-live", "h", 20)
		if err := s.SetRetention(testCtx(t), "ret-live", Retention{MaxCount: 5}); err != nil {
			t.Fatal(err)
		}
		if last, first, err := s.Head(testCtx(t), "ret-live"); err != nil || last != 20 || first != 16 {
			t.Fatalf("Head = %d, %d, %v; want 20, 16", last, first, err)
		}
	})
}

func TestRestartKeepsHooks(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	s := openEmbedded(t, dir)
	epoch := ensure(t, s, "keep", Retention{})
	appendN(t, s, "keep", "k", 25)
	if err := s.OpenChannel(testCtx(t), "keep", 0); err != nil {
		t.Fatal(err)
	}
	t.Run("directory locked while open", func(t *testing.T) {
		_, err := Open(testCtx(t), Config{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), "another gancho relay") {
			t.Fatalf("second Open = %v, want a refusal naming the other relay", err)
		}
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(testCtx(t), "keep", "late", time.Now(), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close = %v, want ErrClosed", err)
	}
	s2 := openEmbedded(t, dir)
	if e := ensure(t, s2, "keep", Retention{}); e != epoch {
		t.Fatalf("epoch after restart = %d, want %d", e, epoch)
	}
	if last, first, err := s2.Head(testCtx(t), "keep"); err != nil || last != 25 || first != 1 {
		t.Fatalf("Head after restart = %d, %d, %v; want 25, 1", last, first, err)
	}
	hs, err := s2.ReadAfter(testCtx(t), "keep", 0, 100, 1<<20)
	if err != nil || !slices.Equal(seqsOf(hs), span(1, 25)) {
		t.Fatalf("read after restart = %v, %v", seqsOf(hs), err)
	}
	if !s2.IsOpen("keep") {
		t.Fatal("registry lost across restart")
	}
	if seq, err := s2.Append(testCtx(t), "keep", "k25", time.Now(), []byte("k25")); err != nil || seq != 26 {
		t.Fatalf("append after restart = %d, %v; want 26", seq, err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	// A wiped store gives a new epoch.
	s3 := openEmbedded(t, t.TempDir())
	if e := ensure(t, s3, "keep", Retention{}); e == epoch {
		t.Fatal("a new store kept the old epoch")
	}
}

func TestWatch(t *testing.T) {
	noLeaks(t)
	s := openEmbedded(t, t.TempDir())
	ensure(t, s, "live", Retention{})
	appendN(t, s, "live", "a", 10)
	for _, tc := range []struct {
		name  string
		after int64
	}{
		{"from the start", 0},
		{"after a seq", 7},
		{"after the head", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []int64
			stop, err := s.Watch(testCtx(t), "live", tc.after, func(h Hook) {
				mu.Lock()
				got = append(got, h.Seq)
				mu.Unlock()
			})
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			last, _, err := s.Head(testCtx(t), "live")
			if err != nil {
				t.Fatal(err)
			}
			appendN(t, s, "live", "b-"+tc.name+"-", 5)
			want := span(tc.after+1, last+5)
			eventually(t, 10*time.Second, "watch delivers", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) >= len(want)
			})
			stop()
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, want) {
				t.Fatalf("watched %v, want %v", got, want)
			}
		})
	}
}

func TestConcurrentAppend(t *testing.T) {
	noLeaks(t)
	s := openEmbedded(t, t.TempDir())
	ensure(t, s, "busy", Retention{})
	const senders, each = 16, 50
	seqs := make(chan int64, senders*each)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("g%d-%d", g, i)
				seq, err := s.Append(testCtx(t), "busy", id, time.Now(), []byte(id))
				if err != nil {
					t.Error(err)
					return
				}
				seqs <- seq
			}
		})
	}
	wg.Wait()
	close(seqs)
	seen := map[int64]bool{}
	for seq := range seqs {
		if seen[seq] {
			t.Fatalf("seq %d given twice", seq)
		}
		seen[seq] = true
	}
	for seq := int64(1); seq <= senders*each; seq++ {
		if !seen[seq] {
			t.Fatalf("seq %d missing: seqs are not contiguous", seq)
		}
	}
}

func TestOfflineClusterFailsFast(t *testing.T) {
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, err = Open(testCtx(t), Config{URLs: []string{"nats://" + addr}, ConnectTimeout: 2 * time.Second})
	took := time.Since(start)
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if took > 3*time.Second {
		t.Fatalf("Open took %v, want within the 2s ConnectTimeout", took)
	}
	if msg := err.Error(); !strings.Contains(msg, addr) || !strings.Contains(msg, "check that the servers are running") {
		t.Fatalf("error %q does not say what to check", msg)
	}
}
