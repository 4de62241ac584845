package capture

// Close, Subscribe and Shutdown in every order end cleanly.

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Every Close call returns only after the writer finished, so a caller may
// close the database right after it.
func TestConcurrentCloseWaitsForWriter(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = st.Append(context.Background(), textReq("/x", "x"))
		}()
	}
	var closers sync.WaitGroup
	for i := 0; i < 3; i++ {
		closers.Add(1)
		go func() {
			defer closers.Done()
			st.Close()
			select {
			case <-st.done:
			default:
				t.Error("Close returned before the writer finished")
			}
		}()
	}
	closers.Wait()
	wg.Wait()
}

func TestSubscribeAfterCloseEnds(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	st.Close()
	ch, cancel := st.Subscribe(context.Background())
	defer cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("event after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a subscription made after Close is never closed")
	}
}

func TestShutdownTwice(t *testing.T) {
	st, db := openTestStore(t, t.TempDir(), StoreConfig{})
	defer db.Close()
	defer st.Close()
	srv := NewServer(st, Config{Addr: "127.0.0.1:0"})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second Shutdown hangs")
	}
}
