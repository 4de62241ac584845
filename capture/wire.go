package capture

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Go's net/http parses headers into a map: names are canonicalised and the
// order across names is lost. Wire fidelity needs the block as sent, so the
// server wraps each connection and runs a small HTTP/1.x framing parser over
// the bytes Go reads. It keeps only header blocks (bodies are skipped by their
// Content-Length or chunk sizes), hands them to the handler in FIFO order
// (Go serves one request at a time per connection), and gives up quietly on
// anything it does not understand: the handler then falls back to Go's map.

// maxWireHeader bounds a header block; Go's own default limit is 1 MiB + 4 KiB.
const maxWireHeader = 1<<20 + 4096

// maxQueued bounds blocks waiting for their handler (pipelining).
const maxQueued = 64

// wireBlock is one request's head as it arrived.
type wireBlock struct {
	method, target, proto string
	headers               Headers
}

type framerState int

const (
	stHead framerState = iota
	stFixed
	stChunkSize
	stChunkData
	stChunkEnd
	stTrailer
	stBroken
)

// framer follows HTTP/1.x request framing over a byte stream.
type framer struct {
	state  framerState
	line   []byte // partial head, chunk-size line or trailer
	remain int64  // bytes left in a fixed body or chunk
	queue  []wireBlock
}

func (f *framer) feed(b []byte) {
	for len(b) > 0 && f.state != stBroken {
		switch f.state {
		case stHead:
			if len(f.line) == 0 {
				// Tolerate empty lines before a request line (RFC 9112 §2.2).
				for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
					b = b[1:]
				}
				if len(b) == 0 {
					return
				}
			}
			start := len(f.line)
			f.line = append(f.line, b...)
			// Search from a little before the new bytes: the terminator may straddle reads.
			from := max(start-3, 0)
			end, n := HeadEnd(f.line[from:])
			if end < 0 {
				if len(f.line) >= maxWireHeader {
					f.state = stBroken
					f.line = nil
				}
				return
			}
			end += from
			// Same limit when the terminator came in this read: how the bytes
			// were split must not decide whether the head is accepted.
			if end+n > maxWireHeader {
				f.state = stBroken
				f.line = nil
				return
			}
			consumed := end + n - start
			head := f.line[:end]
			f.line = f.line[:0]
			b = b[consumed:]
			blk, framing, size, ok := parseHead(head)
			if !ok {
				f.state = stBroken
				return
			}
			if len(f.queue) >= maxQueued {
				f.queue = f.queue[1:]
			}
			f.queue = append(f.queue, blk)
			switch framing {
			case "chunked":
				f.state = stChunkSize
			case "fixed":
				if size > 0 {
					f.state, f.remain = stFixed, size
				}
			}
		case stFixed, stChunkData:
			n := int64(len(b))
			if n > f.remain {
				n = f.remain
			}
			b = b[n:]
			f.remain -= n
			if f.remain == 0 {
				if f.state == stFixed {
					f.state = stHead
				} else {
					f.state = stChunkEnd
				}
			}
		case stChunkSize, stChunkEnd, stTrailer:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				f.line = append(f.line, b...)
				if len(f.line) > 64<<10 {
					f.state = stBroken
				}
				return
			}
			f.line = append(f.line, b[:i]...)
			if len(f.line) > 64<<10 {
				f.state = stBroken
				return
			}
			b = b[i+1:]
			line := bytes.TrimRight(f.line, "\r")
			f.line = f.line[:0]
			switch f.state {
			case stChunkEnd:
				f.state = stChunkSize
			case stTrailer:
				if len(line) == 0 {
					f.state = stHead
				}
			case stChunkSize:
				if semi := bytes.IndexByte(line, ';'); semi >= 0 {
					line = line[:semi]
				}
				size, err := strconv.ParseInt(strings.TrimSpace(string(line)), 16, 64)
				if err != nil || size < 0 {
					f.state = stBroken
					return
				}
				if size == 0 {
					f.state = stTrailer
				} else {
					f.state, f.remain = stChunkData, size
				}
			}
		}
	}
}

// HeadEnd finds the blank line ending an HTTP/1.x head: index of its start
// and the length of the terminator, or -1. As in Go's reader, each line ends
// in LF with an optional CR before it, so a head ends at LF, optional CR, LF
// ("\n\n", "\n\r\n"), with the last header line's own CR included.
// The raw-HTTP importer shares it, so a file splits where the wire would.
func HeadEnd(b []byte) (int, int) {
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1, 0
		}
		i += j
		n := 0
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			n = 2
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			n = 3
		default:
			continue
		}
		if i > 0 && b[i-1] == '\r' {
			return i - 1, n + 1
		}
		return i, n
	}
}

// parseHead splits a head into request line and header lines and works out
// how the body is framed: "chunked", "fixed" (with size) or "none".
func parseHead(head []byte) (blk wireBlock, framing string, size int64, ok bool) {
	// One string for the whole head, which every name and value slices
	// into, and the header list sized once: this runs on every request.
	rest := string(head)
	line := func() string {
		l, after, _ := strings.Cut(rest, "\n")
		rest = after
		return strings.TrimSuffix(l, "\r")
	}
	first := line()
	method, after, ok1 := strings.Cut(first, " ")
	target, proto, ok2 := strings.Cut(after, " ")
	if !ok1 || !ok2 {
		return blk, "", 0, false
	}
	blk.method, blk.target, blk.proto = method, target, proto
	if rest != "" {
		blk.headers = make(Headers, 0, strings.Count(rest, "\n")+1)
	}
	for rest != "" {
		l := line()
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(blk.headers) > 0 {
			// obs-fold continuation: join as Go would.
			last := &blk.headers[len(blk.headers)-1]
			last.Value = strings.TrimSpace(last.Value + " " + strings.TrimSpace(l))
			continue
		}
		colon := strings.IndexByte(l, ':')
		if colon <= 0 {
			return blk, "", 0, false
		}
		blk.headers = append(blk.headers, Header{
			Name:  l[:colon],
			Value: strings.Trim(l[colon+1:], " \t"),
		})
	}
	framing = "none"
	if te := blk.headers.Values("Transfer-Encoding"); len(te) > 0 {
		codings := strings.Split(strings.Join(te, ","), ",")
		if strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked") {
			return blk, "chunked", 0, true
		}
		// A request with a non-chunked final coding has no knowable length;
		// Go rejects it, and so do we.
		return blk, "", 0, false
	}
	if cl := blk.headers.Get("Content-Length"); cl != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64)
		if err != nil || n < 0 {
			return blk, "", 0, false
		}
		return blk, "fixed", n, true
	}
	return blk, framing, 0, true
}

// wireConn tees what Go reads from a connection into a framer.
type wireConn struct {
	net.Conn
	mu sync.Mutex
	f  framer
}

func (c *wireConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		c.f.feed(b[:n])
		c.mu.Unlock()
	}
	return n, err
}

// CloseWrite passes the half-close on (embedding net.Conn hides it):
// net/http sends FIN after a 413 only on a connection that has it, and
// without it the sender reads a reset instead of the answer and EOF.
func (c *wireConn) CloseWrite() error { return closeWrite(c.Conn) }

// take pops the head of the request being served. Blocks that do not match
// (a request Go rejected before reaching the handler) are discarded.
func (c *wireConn) take(method, target string) (wireBlock, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.f.queue) > 0 {
		blk := c.f.queue[0]
		if len(c.f.queue) == 1 {
			// The usual case (no pipelining): keep the array for the
			// next request instead of allocating one per request.
			c.f.queue[0] = wireBlock{}
			c.f.queue = c.f.queue[:0]
		} else {
			c.f.queue = c.f.queue[1:]
		}
		if blk.method == method && blk.target == target {
			return blk, true
		}
	}
	return wireBlock{}, false
}

// wireListener wraps every accepted connection in a wireConn.
type wireListener struct{ net.Listener }

func (l wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &wireConn{Conn: c}, nil
}

type wireKey struct{}

// withWire is the server's ConnContext: it lets the handler find its conn.
func withWire(ctx context.Context, c net.Conn) context.Context {
	if wc, ok := c.(*wireConn); ok {
		return context.WithValue(ctx, wireKey{}, wc)
	}
	return ctx
}

func wireFrom(ctx context.Context) *wireConn {
	wc, _ := ctx.Value(wireKey{}).(*wireConn)
	return wc
}

// WireListener wraps ln so that a Handler served with WireContext as the
// http.Server's ConnContext records each request's headers as they came on
// the wire (names as spelled, order, duplicates) instead of from Go's map.
// For a server that mounts a Handler itself, as the team relay does. Only
// HTTP/1.x is framed; put it above TLS, not below.
func WireListener(ln net.Listener) net.Listener { return wireListener{ln} }

// WireContext is the http.Server ConnContext that goes with WireListener.
func WireContext(ctx context.Context, c net.Conn) context.Context { return withWire(ctx, c) }

type wireTargetKey struct{}

// WithWireTarget records the request target as it came on the wire, for a
// front that rewrites RequestURI before calling the Handler (the relay
// strips its channel prefix): the Handler finds the request's head by it.
func WithWireTarget(ctx context.Context, target string) context.Context {
	return context.WithValue(ctx, wireTargetKey{}, target)
}

// DetachWire stops recording heads on the request's connection: after a
// WebSocket upgrade the bytes are frames, not requests.
func DetachWire(ctx context.Context) {
	if wc := wireFrom(ctx); wc != nil {
		wc.mu.Lock()
		wc.f.state, wc.f.line, wc.f.queue = stBroken, nil, nil
		wc.mu.Unlock()
	}
}

// wireTarget is the target to find r's head by.
func wireTarget(r *http.Request) string {
	if t, ok := r.Context().Value(wireTargetKey{}).(string); ok {
		return t
	}
	return r.RequestURI
}
