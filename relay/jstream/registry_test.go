package jstream

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// twoInstances opens an embedded Store listening on loopback and a second
// Store connected to it, as two relay instances sharing one JetStream.
func twoInstances(t *testing.T) (a, b *Store) {
	t.Helper()
	a = openEmbedded(t, t.TempDir(), func(c *Config) { c.Listen = "127.0.0.1:0" })
	url := a.ClientURL()
	if url == "" {
		t.Fatal("no client URL with Listen set")
	}
	b, err := Open(testCtx(t), Config{URLs: []string{url}, ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Open %s: %v", url, err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

func TestOpenChannelLimit(t *testing.T) {
	noLeaks(t)
	a, b := twoInstances(t)
	ctx := testCtx(t)
	t.Run("idempotent", func(t *testing.T) {
		for range 3 {
			if err := a.OpenChannel(ctx, "same", 1); err != nil {
				t.Fatal(err)
			}
		}
		if !a.IsOpen("same") || !b.IsOpen("same") {
			t.Fatal("open channel not seen by both instances")
		}
		if b.IsOpen("never") {
			t.Fatal("unknown channel reported open")
		}
	})
	t.Run("refused beyond the limit", func(t *testing.T) {
		// "same" is open: a limit of 2 leaves one more.
		if err := b.OpenChannel(ctx, "second", 2); err != nil {
			t.Fatal(err)
		}
		err := a.OpenChannel(ctx, "third", 2)
		if !errors.Is(err, ErrTooManyChannels) {
			t.Fatalf("third open = %v, want ErrTooManyChannels", err)
		}
		if a.IsOpen("third") {
			t.Fatal("refused channel left open")
		}
		if err := a.OpenChannel(ctx, "second", 2); err != nil {
			t.Fatalf("reopening an open channel at the limit: %v", err)
		}
	})
	t.Run("concurrent opens from two instances stay within the limit", func(t *testing.T) {
		const limit, tries = 10, 40 // 2 open already: 8 more fit
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := range tries {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				err := s.OpenChannel(testCtx(t), fmt.Sprintf("c%02d", i), limit)
				switch {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, ErrTooManyChannels):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() > limit-2 || ok.Load() == 0 {
			t.Fatalf("%d opens succeeded, want at most %d (and some)", ok.Load(), limit-2)
		}
		infos, err := b.Channels(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, c := range infos {
			if c.Open {
				open++
			}
		}
		if open > limit {
			t.Fatalf("%d channels open, limit %d", open, limit)
		}
	})
}

func TestChannelTokens(t *testing.T) {
	noLeaks(t)
	a, b := twoInstances(t)
	ctx := testCtx(t)
	for _, tc := range []struct {
		name, token string
	}{
		{"set", "s3cret"},
		{"replace", "other"},
		{"remove", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := a.SetChannelToken(ctx, "tok", tc.token); err != nil {
				t.Fatal(err)
			}
			if got, ok := a.ChannelToken("tok"); got != tc.token || ok != (tc.token != "") {
				t.Fatalf("same instance: %q, %v; want %q", got, ok, tc.token)
			}
			eventually(t, 10*time.Second, "other instance sees the token", func() bool {
				got, ok := b.ChannelToken("tok")
				return got == tc.token && ok == (tc.token != "")
			})
		})
	}
}

func TestAcksKeepMax(t *testing.T) {
	noLeaks(t)
	a, b := twoInstances(t)
	ctx := testCtx(t)
	for _, tc := range []struct {
		name   string
		client string
		seq    int64
		want   int64
	}{
		{"first", "laptop.1", 5, 5},
		{"lower kept out", "laptop.1", 3, 5},
		{"higher", "laptop.1", 9, 9},
		{"other client", "desk", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := a.RecordAck(ctx, "acks", tc.client, tc.seq); err != nil {
				t.Fatal(err)
			}
			got, err := b.Acks(ctx, "acks")
			if err != nil {
				t.Fatal(err)
			}
			if got[tc.client] != tc.want {
				t.Fatalf("acks = %v, want %s: %d", got, tc.client, tc.want)
			}
		})
	}
	t.Run("concurrent records keep the highest", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 40 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				if err := s.RecordAck(testCtx(t), "acks", "race", int64(i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := a.Acks(testCtx(t), "acks")
		if err != nil || got["race"] != 39 {
			t.Fatalf("acks = %v, %v; want race: 39", got, err)
		}
	})
	t.Run("listed in Channels", func(t *testing.T) {
		ensure(t, a, "acks", Retention{})
		appendN(t, a, "acks", "x", 3)
		infos, err := b.Channels(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range infos {
			if c.Name == "acks" {
				if c.LastSeq != 3 || c.Stored != 3 || c.Oldest != 1 || c.Bytes == 0 || c.Acks["desk"] != 2 || c.Open {
					t.Fatalf("Channels: %+v", c)
				}
				return
			}
		}
		t.Fatalf("Channels = %+v, no acks channel", infos)
	})
}
