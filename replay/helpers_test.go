package replay

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// rawRequest is a request as it crossed the wire: the request line, the
// header lines in order with names as written, and the body.
type rawRequest struct {
	line    string
	headers [][2]string
	body    []byte
}

// rawServer is a loopback HTTP/1.1 server that records each request's raw
// bytes, which net/http's server would canonicalise and reorder, and answers
// 200 "ok". It understands Content-Length bodies only, which is all a
// Sender sends.
type rawServer struct {
	addr string
	reqs chan rawRequest
}

func newRawServer(t *testing.T) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{addr: ln.Addr().String(), reqs: make(chan rawRequest, 16)}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { s.serve(t, c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s
}

func (s *rawServer) serve(t *testing.T, c net.Conn) {
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		req := rawRequest{line: strings.TrimRight(line, "\r\n")}
		size := 0
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			l = strings.TrimRight(l, "\r\n")
			if l == "" {
				break
			}
			name, value, ok := strings.Cut(l, ":")
			if !ok {
				t.Errorf("raw server: header line without colon: %q", l)
				return
			}
			value = strings.TrimSpace(value)
			req.headers = append(req.headers, [2]string{name, value})
			if strings.EqualFold(name, "Content-Length") {
				size, _ = strconv.Atoi(value)
			}
		}
		req.body = make([]byte, size)
		if _, err := io.ReadFull(br, req.body); err != nil {
			return
		}
		s.reqs <- req
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
			return
		}
	}
}

// last returns the request the server received most recently.
func (s *rawServer) last(t *testing.T) rawRequest {
	t.Helper()
	select {
	case r := <-s.reqs:
		return r
	default:
		t.Fatal("raw server received no request")
		return rawRequest{}
	}
}
