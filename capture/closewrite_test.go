package capture

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gancho-app/gancho/internal/nettest"
)

// postOverLimit sends a body far over a 1 KiB cap on a raw connection,
// without stopping when the server stops reading, and checks the 413
// arrives whole and the connection then ends with EOF, not a reset.
func postOverLimit(t *testing.T, addr, path string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		_, _ = io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n")
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "--max-body") {
		t.Fatalf("got %d %q, %v", resp.StatusCode, body, err)
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("after the 413: %q, %v; want EOF", rest, err)
	}
}

// TestOverLimitEndsWithFIN: the server's connection wrappers pass
// CloseWrite on, so net/http half-closes after a 413 as it does on a bare
// *net.TCPConn and the sender reads the answer, then EOF.
func TestOverLimitEndsWithFIN(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	spy := nettest.NewHalfCloseSpy(ln)
	srv := NewServer(&memAppender{}, Config{Addr: ln.Addr().String(), MaxBody: 1 << 10})
	srv.Serve(spy)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	postOverLimit(t, ln.Addr().String(), "/big")
	select {
	case <-spy.ClosedWrite:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection was closed without a half-close (FIN) first")
	}
}

// TestWrappersPassCloseWrite: every wrapper the servers put around a
// connection keeps its half-close.
func TestWrappersPassCloseWrite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wrapped := WireListener(NewLimiter(Limits{}, 0).Listener(ln))
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c)
		}
	}()
	c, err := wrapped.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok {
		t.Fatalf("%T hides CloseWrite", c)
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatal(err)
	}
}
