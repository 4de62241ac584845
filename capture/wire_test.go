package capture

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// hdrs builds Headers from name, value pairs.
func hdrs(kv ...string) Headers {
	var h Headers
	for i := 0; i+1 < len(kv); i += 2 {
		h = append(h, Header{Name: kv[i], Value: kv[i+1]})
	}
	return h
}

func blk(method, target, proto string, h Headers) wireBlock {
	return wireBlock{method: method, target: target, proto: proto, headers: h}
}

// feedChunks runs a fresh framer over data cut into pieces whose sizes come
// from sizes (each byte+1, cycling); no sizes means one byte at a time.
func feedChunks(data, sizes []byte) *framer {
	f := &framer{}
	for i := 0; len(data) > 0; i++ {
		n := 1
		if len(sizes) > 0 {
			n = int(sizes[i%len(sizes)]) + 1
		}
		n = min(n, len(data))
		f.feed(data[:n])
		data = data[n:]
	}
	return f
}

func feedOnce(data []byte) *framer {
	f := &framer{}
	f.feed(data)
	return f
}

// framerDiff says how two framers that saw the same bytes differ, or "".
// The partial line and remaining count are only compared while the framer
// still follows the stream: once broken they are dead state.
func framerDiff(a, b *framer) string {
	if a.state != b.state {
		return fmt.Sprintf("state %d vs %d", a.state, b.state)
	}
	if !reflect.DeepEqual(a.queue, b.queue) {
		return fmt.Sprintf("queue\n %+v\nvs\n %+v", a.queue, b.queue)
	}
	if a.state == stBroken {
		return ""
	}
	if a.remain != b.remain {
		return fmt.Sprintf("remain %d vs %d", a.remain, b.remain)
	}
	if !bytes.Equal(a.line, b.line) {
		return fmt.Sprintf("line %q vs %q", a.line, b.line)
	}
	return ""
}

type framerCase struct {
	name  string
	in    string
	want  []wireBlock
	state framerState
}

var framerCases = []framerCase{
	{
		name:  "simple GET",
		in:    "GET /hooks?a=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: curl/8\r\n\r\n",
		want:  []wireBlock{blk("GET", "/hooks?a=1", "HTTP/1.1", hdrs("Host", "example.test", "User-Agent", "curl/8"))},
		state: stHead,
	},
	{
		name: "request line only",
		in:   "GET / HTTP/1.0\r\n\r\n",
		want: []wireBlock{blk("GET", "/", "HTTP/1.0", nil)},
	},
	{
		name: "content-length body then pipelined request",
		// The body looks like a request head: it must be skipped, not parsed.
		in: "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 28\r\n\r\n" +
			"GET /fake HTTP/1.1\r\nX: y\r\n\r\n" +
			"GET /b HTTP/1.1\r\nHost: h\r\n\r\n",
		want: []wireBlock{
			blk("POST", "/a", "HTTP/1.1", hdrs("Host", "h", "Content-Length", "28")),
			blk("GET", "/b", "HTTP/1.1", hdrs("Host", "h")),
		},
	},
	{
		name: "content-length zero",
		in:   "POST /z HTTP/1.1\r\nContent-Length: 0\r\n\r\nGET /n HTTP/1.1\r\n\r\n",
		want: []wireBlock{
			blk("POST", "/z", "HTTP/1.1", hdrs("Content-Length", "0")),
			blk("GET", "/n", "HTTP/1.1", nil),
		},
	},
	{
		name: "body not yet complete",
		in:   "PUT /p HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
		want: []wireBlock{blk("PUT", "/p", "HTTP/1.1", hdrs("Content-Length", "10"))},
		// state stFixed with 7 left; checked in TestFramerPartialState.
		state: stFixed,
	},
	{
		name: "chunked with extensions and trailers then another request",
		in: "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;name=value;q=\"x\"\r\nhello\r\n" +
			"1A ; ext\r\n" + "GET /fake HTTP/1.1\r\n\r\n\r\n12" + "\r\n" +
			"0;last\r\nX-Trailer: t1\r\nX-Other: t2\r\n\r\n" +
			"DELETE /next HTTP/1.1\r\nHost: h\r\n\r\n",
		want: []wireBlock{
			blk("POST", "/c", "HTTP/1.1", hdrs("Host", "h", "Transfer-Encoding", "chunked")),
			blk("DELETE", "/next", "HTTP/1.1", hdrs("Host", "h")),
		},
	},
	{
		name: "chunked with coding list ending in chunked, bare LF chunk lines",
		in: "POST /g HTTP/1.1\nTransfer-Encoding: gzip\nTransfer-Encoding: CHUNKED\n\n" +
			"3\nabc\n0\n\nGET /after HTTP/1.1\n\n",
		want: []wireBlock{
			blk("POST", "/g", "HTTP/1.1", hdrs("Transfer-Encoding", "gzip", "Transfer-Encoding", "CHUNKED")),
			blk("GET", "/after", "HTTP/1.1", nil),
		},
	},
	{
		name: "transfer-encoding wins over content-length",
		in: "POST /te HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"0\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
		want: []wireBlock{
			blk("POST", "/te", "HTTP/1.1", hdrs("Content-Length", "100", "Transfer-Encoding", "chunked")),
			blk("GET", "/x", "HTTP/1.1", nil),
		},
	},
	{
		name: "bare LF line endings",
		in:   "GET /lf HTTP/1.1\nHost: h\nA: b\n\nGET /lf2 HTTP/1.1\nB: c\n\n",
		want: []wireBlock{
			blk("GET", "/lf", "HTTP/1.1", hdrs("Host", "h", "A", "b")),
			blk("GET", "/lf2", "HTTP/1.1", hdrs("B", "c")),
		},
	},
	{
		name: "bare LF headers ended by CRLF blank line",
		// Go reads "\n\r\n" as end of head; the body must not become headers.
		in: "POST /mix HTTP/1.1\nHost: h\nContent-Length: 9\n\r\n" + "ab: c\r\n\r\n" +
			"GET /mix2 HTTP/1.1\r\nA: b\n\n",
		want: []wireBlock{
			blk("POST", "/mix", "HTTP/1.1", hdrs("Host", "h", "Content-Length", "9")),
			blk("GET", "/mix2", "HTTP/1.1", hdrs("A", "b")),
		},
	},
	{
		name: "leading empty lines before the request line",
		in:   "\r\n\n\r\n\r\nGET /lead HTTP/1.1\r\nHost: h\r\n\r\n\r\nGET /lead2 HTTP/1.1\r\n\r\n",
		want: []wireBlock{
			blk("GET", "/lead", "HTTP/1.1", hdrs("Host", "h")),
			blk("GET", "/lead2", "HTTP/1.1", nil),
		},
	},
	{
		name: "header case and duplicates kept in order",
		in: "POST /dup HTTP/1.1\r\nhost: h\r\nx-Signature: first\r\nACCEPT: */*\r\nX-SIGNATURE: second\r\n" +
			"set-cookie: a=1\r\nSet-Cookie: b=2\r\nX-Empty:\r\nX-Spaces: \t padded \t\r\nX-Colon: a:b:c\r\n\r\n",
		want: []wireBlock{blk("POST", "/dup", "HTTP/1.1", hdrs(
			"host", "h", "x-Signature", "first", "ACCEPT", "*/*", "X-SIGNATURE", "second",
			"set-cookie", "a=1", "Set-Cookie", "b=2", "X-Empty", "", "X-Spaces", "padded", "X-Colon", "a:b:c"))},
	},
	{
		name: "obs-fold continuation",
		in:   "GET /fold HTTP/1.1\r\nX-Fold: one\r\n  two\r\n\tthree \r\nNext: n\r\n\r\n",
		want: []wireBlock{blk("GET", "/fold", "HTTP/1.1", hdrs("X-Fold", "one two three", "Next", "n"))},
	},
	{
		name: "target with spaces kept in proto field",
		in:   "GET /a b HTTP/1.1\r\n\r\n",
		want: []wireBlock{blk("GET", "/a", "b HTTP/1.1", nil)},
	},
	{
		name:  "incomplete head waits",
		in:    "GET /wait HTTP/1.1\r\nHost: h\r\n",
		state: stHead,
	},
	{
		name:  "header line without colon",
		in:    "GET /a HTTP/1.1\r\nHost: h\r\nnot a header\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
		state: stBroken,
	},
	{
		name:  "header line starting with colon",
		in:    "GET /a HTTP/1.1\r\n: v\r\n\r\n",
		state: stBroken,
	},
	{
		name:  "request line with two fields",
		in:    "GET /\r\nHost: h\r\n\r\n",
		state: stBroken,
	},
	{
		name: "bad chunk size",
		in: "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n" +
			"GET /b HTTP/1.1\r\n\r\n",
		want:  []wireBlock{blk("POST", "/c", "HTTP/1.1", hdrs("Transfer-Encoding", "chunked"))},
		state: stBroken,
	},
	{
		name:  "empty chunk size",
		in:    "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
		want:  []wireBlock{blk("POST", "/c", "HTTP/1.1", hdrs("Transfer-Encoding", "chunked"))},
		state: stBroken,
	},
	{
		name:  "negative chunk size",
		in:    "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n",
		want:  []wireBlock{blk("POST", "/c", "HTTP/1.1", hdrs("Transfer-Encoding", "chunked"))},
		state: stBroken,
	},
	{
		name:  "chunk size overflows int64",
		in:    "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
		want:  []wireBlock{blk("POST", "/c", "HTTP/1.1", hdrs("Transfer-Encoding", "chunked"))},
		state: stBroken,
	},
	{
		name:  "bad content-length",
		in:    "POST /a HTTP/1.1\r\nContent-Length: 12abc\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
		state: stBroken,
	},
	{
		name:  "negative content-length",
		in:    "POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		state: stBroken,
	},
	{
		name: "non-chunked final transfer-encoding",
		in: "GET /ok HTTP/1.1\r\n\r\n" +
			"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
		want:  []wireBlock{blk("GET", "/ok", "HTTP/1.1", nil)},
		state: stBroken,
	},
	{
		name:  "transfer-encoding gzip only",
		in:    "POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
		state: stBroken,
	},
}

func TestFramer(t *testing.T) {
	for _, c := range framerCases {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in)
			f := feedOnce(in)
			if !reflect.DeepEqual(f.queue, c.want) {
				t.Errorf("queue:\n got %+v\nwant %+v", f.queue, c.want)
			}
			if f.state != c.state {
				t.Errorf("state = %d, want %d", f.state, c.state)
			}
			// Feeding byte by byte must give the same result as one feed.
			if d := framerDiff(f, feedChunks(in, nil)); d != "" {
				t.Errorf("byte-by-byte feed differs: %s", d)
			}
			// So must every single cut into two reads.
			for cut := 1; cut < len(in); cut++ {
				g := &framer{}
				g.feed(in[:cut])
				g.feed(in[cut:])
				if d := framerDiff(f, g); d != "" {
					t.Fatalf("cut at %d differs: %s", cut, d)
				}
			}
		})
	}
}

func TestFramerPartialState(t *testing.T) {
	f := feedOnce([]byte("PUT /p HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"))
	if f.state != stFixed || f.remain != 7 {
		t.Fatalf("state %d remain %d, want stFixed 7", f.state, f.remain)
	}
	f.feed([]byte("defghij"))
	if f.state != stHead || f.remain != 0 {
		t.Fatalf("after the body: state %d remain %d", f.state, f.remain)
	}

	f = feedOnce([]byte("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123"))
	if f.state != stChunkData || f.remain != 12 {
		t.Fatalf("state %d remain %d, want stChunkData 12", f.state, f.remain)
	}
	f.feed([]byte("456789abcdef\r\n0\r\nT: 1\r\n"))
	if f.state != stTrailer {
		t.Fatalf("in trailers: state %d", f.state)
	}
	f.feed([]byte("\r\n"))
	if f.state != stHead || len(f.queue) != 1 {
		t.Fatalf("after trailers: state %d, %d blocks", f.state, len(f.queue))
	}

	f = feedOnce([]byte("GET /wait HTTP/1.1\r\nHost: h\r\n"))
	if string(f.line) != "GET /wait HTTP/1.1\r\nHost: h\r\n" {
		t.Fatalf("partial head kept as %q", f.line)
	}
}

// TestFramerTerminatorStraddles cuts inside every terminator form.
func TestFramerTerminatorStraddles(t *testing.T) {
	for _, term := range []string{"\r\n\r\n", "\n\n", "\n\r\n", "\r\n\n"} {
		head := "GET /s HTTP/1.1\r\nHost: h" + term
		in := head + "GET /t HTTP/1.1\r\n\r\n"
		for cut := len(head) - len(term); cut <= len(head); cut++ {
			t.Run(fmt.Sprintf("%q cut %d", term, cut), func(t *testing.T) {
				f := &framer{}
				f.feed([]byte(in[:cut]))
				if cut < len(head) && len(f.queue) != 0 {
					t.Fatalf("head taken before its terminator was complete: %+v", f.queue)
				}
				f.feed([]byte(in[cut:]))
				want := []wireBlock{
					blk("GET", "/s", "HTTP/1.1", hdrs("Host", "h")),
					blk("GET", "/t", "HTTP/1.1", nil),
				}
				if !reflect.DeepEqual(f.queue, want) || f.state != stHead || len(f.line) != 0 {
					t.Fatalf("got %+v state %d line %q", f.queue, f.state, f.line)
				}
			})
		}
	}
}

// TestFramerManyTinyFeeds feeds the table inputs in several fixed patterns.
func TestFramerManyTinyFeeds(t *testing.T) {
	patterns := [][]byte{{0}, {1}, {2}, {0, 3}, {6, 0, 1}, {15}, {255}}
	for _, c := range framerCases {
		want := feedOnce([]byte(c.in))
		for _, p := range patterns {
			if d := framerDiff(want, feedChunks([]byte(c.in), p)); d != "" {
				t.Errorf("%s, sizes %v: %s", c.name, p, d)
			}
		}
	}
}

func TestHeadEnd(t *testing.T) {
	cases := []struct {
		in     string
		end, n int
	}{
		{"", -1, 0},
		{"a\r\n", -1, 0},
		{"a\r\n\r", -1, 0},
		{"a\n\r", -1, 0},
		{"a\r\r\n", -1, 0},
		{"a\n\r\r\n", -1, 0},
		{"a\n\n", 1, 2},
		{"a\r\n\n", 1, 3},
		{"a\n\r\n", 1, 3},
		{"a\r\n\r\n", 1, 4},
		{"a\r\n\r\nb\n\n", 1, 4},
		{"a\nb\r\n\r\n", 3, 4},
		{"\n\n", 0, 2},
	}
	for _, c := range cases {
		end, n := HeadEnd([]byte(c.in))
		if end != c.end || n != c.n {
			t.Errorf("HeadEnd(%q) = %d, %d; want %d, %d", c.in, end, n, c.end, c.n)
		}
		if end >= 0 {
			// What follows the terminator is the next message.
			rest := c.in[end+n:]
			if strings.HasPrefix(rest, "\n") {
				t.Errorf("HeadEnd(%q) leaves %q", c.in, rest)
			}
		}
	}
}

func TestFramerOverLongHead(t *testing.T) {
	const line = "GET /big HTTP/1.1\r\n"
	// build returns a head whose total length, terminator included, is size.
	build := func(size int) []byte {
		filler := size - len(line) - len("X: ") - len("\r\n\r\n")
		return []byte(line + "X: " + strings.Repeat("a", filler) + "\r\n\r\n")
	}
	for _, c := range []struct {
		name  string
		size  int
		state framerState
	}{
		{"exactly the limit", maxWireHeader, stHead},
		{"one byte over", maxWireHeader + 1, stBroken},
		{"far over", 2 * maxWireHeader, stBroken},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := build(c.size)
			if len(in) != c.size {
				t.Fatalf("built %d bytes", len(in))
			}
			next := []byte("GET /next HTTP/1.1\r\n\r\n")
			for _, sizes := range [][]byte{nil, {255, 15}, {254}} {
				var f *framer
				if sizes == nil {
					f = feedOnce(append(append([]byte(nil), in...), next...))
				} else {
					f = feedChunks(append(append([]byte(nil), in...), next...), sizes)
				}
				if f.state != c.state {
					t.Fatalf("sizes %v: state %d, want %d", sizes, f.state, c.state)
				}
				if c.state == stBroken {
					if len(f.queue) != 0 || len(f.line) != 0 {
						t.Fatalf("sizes %v: broken framer kept %d blocks, %d line bytes", sizes, len(f.queue), len(f.line))
					}
				} else if len(f.queue) != 2 || f.queue[1].target != "/next" {
					t.Fatalf("sizes %v: %d blocks", sizes, len(f.queue))
				}
			}
		})
	}
	t.Run("no terminator", func(t *testing.T) {
		f := &framer{}
		chunk := bytes.Repeat([]byte("x"), 4096)
		f.feed([]byte(line + "X: "))
		for i := 0; i < maxWireHeader/len(chunk)+2 && f.state != stBroken; i++ {
			f.feed(chunk)
		}
		if f.state != stBroken || f.line != nil {
			t.Fatalf("state %d, %d line bytes", f.state, len(f.line))
		}
		f.feed([]byte("\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
		if f.state != stBroken || len(f.queue) != 0 {
			t.Fatal("a broken framer came back to life")
		}
	})
}

func TestFramerOverLongChunkLine(t *testing.T) {
	const start = "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	for _, c := range []struct {
		name, body string
		state      framerState
	}{
		{"extension at the limit", "5;" + strings.Repeat("e", 64<<10-3) + "\r\nhello\r\n0\r\n\r\n", stHead},
		{"extension over the limit", "5;" + strings.Repeat("e", 64<<10) + "\r\nhello\r\n0\r\n\r\n", stBroken},
		{"trailer over the limit", "0\r\nT: " + strings.Repeat("t", 64<<10) + "\r\n\r\n", stBroken},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(start + c.body + "GET /n HTTP/1.1\r\n\r\n")
			one := feedOnce(in)
			if one.state != c.state {
				t.Fatalf("state %d, want %d", one.state, c.state)
			}
			if d := framerDiff(one, feedChunks(in, []byte{200, 7})); d != "" {
				t.Fatalf("split feed differs: %s", d)
			}
		})
	}
}

func TestFramerQueueBounded(t *testing.T) {
	var in bytes.Buffer
	const total = maxQueued + 40
	for i := range total {
		fmt.Fprintf(&in, "GET /%d HTTP/1.1\r\nN: %d\r\n\r\n", i, i)
	}
	for _, sizes := range [][]byte{nil, {0}, {9}} {
		var f *framer
		if sizes == nil {
			f = feedOnce(in.Bytes())
		} else {
			f = feedChunks(in.Bytes(), sizes)
		}
		if len(f.queue) != maxQueued {
			t.Fatalf("sizes %v: %d queued, want %d", sizes, len(f.queue), maxQueued)
		}
		// The oldest are dropped: the newest maxQueued remain, in order.
		for i, b := range f.queue {
			n := total - maxQueued + i
			if b.target != "/"+strconv.Itoa(n) || b.headers.Get("N") != strconv.Itoa(n) {
				t.Fatalf("sizes %v: queue[%d] = %+v, want /%d", sizes, i, b, n)
			}
		}
		if cap(f.queue) > 4*maxQueued {
			t.Errorf("queue backing array grew to %d", cap(f.queue))
		}
	}
}

// readerConn is a net.Conn whose reads come from r.
type readerConn struct {
	net.Conn
	r io.Reader
}

func (c readerConn) Read(b []byte) (int, error) { return c.r.Read(b) }

func TestWireConnTake(t *testing.T) {
	raw := "GET /rejected HTTP/1.1\r\nHost: h\r\n\r\n" +
		"POST /hook HTTP/1.1\r\nX-Sig: s\r\nContent-Length: 5\r\n\r\nhello" +
		"GET /later HTTP/1.1\r\n\r\n"
	wc := &wireConn{Conn: readerConn{r: iotest.OneByteReader(strings.NewReader(raw))}}
	got, err := io.ReadAll(wc)
	if err != nil || string(got) != raw {
		t.Fatalf("read %q, %v", got, err)
	}
	if len(wc.f.queue) != 3 {
		t.Fatalf("%d blocks queued", len(wc.f.queue))
	}

	b, ok := wc.take("POST", "/hook")
	want := blk("POST", "/hook", "HTTP/1.1", hdrs("X-Sig", "s", "Content-Length", "5"))
	if !ok || !reflect.DeepEqual(b, want) {
		t.Fatalf("take = %+v, %v", b, ok)
	}
	// The non-matching block before it was discarded; the later one stays.
	if len(wc.f.queue) != 1 || wc.f.queue[0].target != "/later" {
		t.Fatalf("queue after take: %+v", wc.f.queue)
	}
	// Method and target must both match.
	if b, ok := wc.take("POST", "/later"); ok {
		t.Fatalf("take matched on target alone: %+v", b)
	}
	if len(wc.f.queue) != 0 {
		t.Fatalf("a failed take leaves %d blocks", len(wc.f.queue))
	}
	if _, ok := wc.take("GET", "/later"); ok {
		t.Fatal("take on an empty queue succeeded")
	}
}

func TestWireContext(t *testing.T) {
	wc := &wireConn{}
	if got := wireFrom(withWire(context.Background(), wc)); got != wc {
		t.Fatalf("wireFrom = %p, want %p", got, wc)
	}
	if got := wireFrom(withWire(context.Background(), readerConn{})); got != nil {
		t.Fatalf("plain conn gave %p", got)
	}
}

func FuzzFramer(f *testing.F) {
	for _, c := range framerCases {
		f.Add([]byte(c.in), []byte{})
		f.Add([]byte(c.in), []byte{3})
		f.Add([]byte(c.in), []byte{0, 7, 1, 30})
	}
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		one := feedOnce(data)
		if len(one.queue) > maxQueued {
			t.Fatalf("%d blocks queued", len(one.queue))
		}
		if d := framerDiff(one, feedChunks(data, sizes)); d != "" {
			t.Fatalf("split feed (sizes %v) differs: %s", sizes, d)
		}
		if len(data) <= 4096 {
			if d := framerDiff(one, feedChunks(data, nil)); d != "" {
				t.Fatalf("byte-by-byte feed differs: %s", d)
			}
		}
	})
}

// BenchmarkParseHead measures the wire parse every captured request pays.
// Run: go test -run '^$' -bench BenchmarkParseHead -benchmem ./capture/
func BenchmarkParseHead(b *testing.B) {
	head := []byte("POST /hooks/crm?x=1 HTTP/1.1\r\nHost: 127.0.0.1:4665\r\nUser-Agent: Go-http-client/1.1\r\n" +
		"Content-Length: 1017\r\nContent-Type: application/json\r\nWebhook-Id: msg_2KWPBgLlAfxdpx2AI54pPJ85f4W\r\n" +
		"Webhook-Timestamp: 1700000000\r\nWebhook-Signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\r\nAccept-Encoding: gzip")
	b.ReportAllocs()
	for b.Loop() {
		if _, framing, _, ok := parseHead(head); !ok || framing != "fixed" {
			b.Fatal("not parsed")
		}
	}
}
