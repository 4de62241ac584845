// Command benchpeer is `make bench-peer`: it measures `gancho listen`
// against a no-op Go net/http handler and against tarampampam/webhook-tester
// (its memory store), side by side on loopback, alternating the three in
// each round, and prints req/s, p50, p99 and errors with the ratios
// gancho/no-op and gancho/peer. Each server runs as its own process,
// started fresh for each round (gancho on an empty data directory); the
// load comes from internal/loadgen, the driver BenchmarkLoad uses.
//
// The peer cannot be built with `go install …@version`: its module leaves
// out the code its build generates (oapi-codegen) and its web bundle. So
// benchpeer builds it from a checkout at PeerVersion (-peer-src, see the
// README), or runs a binary you built (-peer-bin). Without either it
// measures gancho against the no-op handler only, and says so.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gancho-app/gancho/internal/loadgen"
)

// PeerVersion is the webhook-tester release the figures are taken against.
const PeerVersion = "v2.3.0"

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-serve-noop" {
		serveNoop(os.Args[2])
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-peer:", err)
		os.Exit(1)
	}
}

// serveNoop is the no-op server process (benchpeer runs itself).
func serveNoop(addr string) {
	srv := &http.Server{Addr: addr, Handler: loadgen.NoopHandler(), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "no-op server:", err)
		os.Exit(1)
	}
}

type server struct {
	name  string
	start func(ctx context.Context, dir string) (url string, stop func(), err error)
}

func run() error {
	rounds := flag.Int("rounds", 3, "rounds; each runs every server once")
	secs := flag.Float64("seconds", 5, "seconds of load per server and round")
	conns := flag.Int("conns", 32, "keep-alive connections")
	rate := flag.Float64("rate", 0, "requests per second in all (open loop); 0 sends as fast as answers come")
	peerBin := flag.String("peer-bin", os.Getenv("PEER_BIN"), "webhook-tester binary to run (default $PEER_BIN)")
	peerSrc := flag.String("peer-src", os.Getenv("PEER_SRC"), "webhook-tester checkout (at tag "+PeerVersion+") to build it from (default $PEER_SRC)")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "gancho-bench-peer-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ctx := context.Background()

	gancho := filepath.Join(tmp, "gancho")
	fmt.Println("Building gancho (headless)…")
	if err := goCmd("", "build", "-tags", "headless", "-o", gancho, ".").Run(); err != nil {
		return fmt.Errorf("build gancho (run from the repository root): %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	servers := []server{
		{"no-op net/http handler", func(ctx context.Context, _ string) (string, func(), error) {
			addr, err := freeAddr()
			if err != nil {
				return "", nil, err
			}
			stop, err := startProc(ctx, addr, self, "-serve-noop", addr)
			return "http://" + addr + "/bench", stop, err
		}},
		{"gancho listen", func(ctx context.Context, dir string) (string, func(), error) {
			addr, err := freeAddr()
			if err != nil {
				return "", nil, err
			}
			stop, err := startProc(ctx, addr, gancho, "listen", "--data", dir, "--addr", addr)
			return "http://" + addr + "/bench", stop, err
		}},
	}
	if *peerBin == "" && *peerSrc != "" {
		*peerBin = filepath.Join(tmp, "webhook-tester")
		fmt.Printf("Building webhook-tester from %s…\n", *peerSrc)
		if err := buildPeer(*peerSrc, *peerBin); err != nil {
			return err
		}
	}
	if *peerBin != "" {
		servers = append(servers, server{"webhook-tester " + PeerVersion + " (memory)", func(ctx context.Context, _ string) (string, func(), error) {
			return startPeer(ctx, *peerBin)
		}})
	} else {
		fmt.Println("No peer: pass -peer-src (a webhook-tester checkout at " + PeerVersion + ") or -peer-bin; see the README. Measuring gancho against the no-op handler only.")
	}

	body := loadgen.SampleJSON(1024)
	mode := fmt.Sprintf("%d keep-alive connections, closed loop", *conns)
	if *rate > 0 {
		mode = fmt.Sprintf("%.0f req/s over %d connections, open loop", *rate, *conns)
	}
	fmt.Printf("\n%d-byte JSON POST, %s, %gs per server and round, %d rounds\n", len(body), mode, *secs, *rounds)
	results := make([][]loadgen.Result, len(servers))
	for r := 1; r <= *rounds; r++ {
		fmt.Printf("round %d\n%s\n", r, loadgen.Header())
		for i, s := range servers {
			dir := filepath.Join(tmp, fmt.Sprintf("data-%d-%d", r, i))
			url, stop, err := s.start(ctx, dir)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			res := loadgen.Run(ctx, loadgen.Config{URL: url, Body: body, Conns: *conns,
				Duration: time.Duration(*secs * float64(time.Second)), Rate: *rate})
			stop()
			_ = os.RemoveAll(dir)
			results[i] = append(results[i], res)
			fmt.Println(res.Row(s.name))
		}
	}
	fmt.Printf("median of %d rounds\n%s\n", *rounds, loadgen.Header())
	med := make([]loadgen.Result, len(servers))
	for i, s := range servers {
		med[i] = median(results[i])
		fmt.Println(med[i].Row(s.name))
	}
	fmt.Printf("gancho / no-op: %.2f×", med[1].PerSecond()/med[0].PerSecond())
	if len(med) > 2 {
		fmt.Printf("   gancho / peer: %.2f×   (p99 gancho %s, peer %s)", med[1].PerSecond()/med[2].PerSecond(),
			med[1].P99.Round(time.Microsecond), med[2].P99.Round(time.Microsecond))
	}
	fmt.Println()
	return nil
}

// median picks the round with the median rate (its latencies with it).
func median(rs []loadgen.Result) loadgen.Result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b loadgen.Result) int {
		switch {
		case a.PerSecond() < b.PerSecond():
			return -1
		case a.PerSecond() > b.PerSecond():
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

func goCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}

// buildPeer builds webhook-tester from a checkout: the generated API code
// first (its go:generate, which fetches oapi-codegen as a Go module), and
// a placeholder web bundle where none was built (the UI is not measured).
func buildPeer(src, out string) error {
	if _, err := os.Stat(filepath.Join(src, "cmd", "webhook-tester")); err != nil {
		return fmt.Errorf("-peer-src %s: not a webhook-tester checkout (%w)", src, err)
	}
	if _, err := os.Stat(filepath.Join(src, "internal", "http", "openapi", "models.gen.go")); err != nil {
		if err := goCmd(filepath.Join(src, "internal", "http", "openapi"), "generate", ".").Run(); err != nil {
			return fmt.Errorf("generate webhook-tester's API code: %w", err)
		}
	}
	dist := filepath.Join(src, "web", "dist")
	if _, err := os.Stat(dist); err != nil {
		if err := os.MkdirAll(dist, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dist, "index.html"), []byte("<!doctype html><title>webhook-tester</title>\n"), 0o644); err != nil {
			return err
		}
	}
	if err := goCmd(src, "build", "-o", out, "./cmd/webhook-tester").Run(); err != nil {
		return fmt.Errorf("build webhook-tester: %w", err)
	}
	return nil
}

// startPeer runs webhook-tester with its memory store and creates the
// session whose URL (/{uuid}) captures.
func startPeer(ctx context.Context, bin string) (string, func(), error) {
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	stop, err := startProc(ctx, addr, bin, "--log-level", "error", "start", "--addr", host, "--port", port,
		"--storage-driver", "memory", "--pubsub-driver", "memory")
	if err != nil {
		return "", nil, err
	}
	resp, err := http.Post("http://"+addr+"/api/session", "application/json",
		bytes.NewReader([]byte(`{"status_code":200,"headers":[],"delay":0,"response_body_base64":""}`)))
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("create a webhook-tester session: %w", err)
	}
	defer resp.Body.Close()
	var sess struct {
		UUID string `json:"uuid"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(b, &sess); err != nil || sess.UUID == "" {
		stop()
		return "", nil, fmt.Errorf("create a webhook-tester session: %d %s", resp.StatusCode, b)
	}
	return "http://" + addr + "/" + sess.UUID, stop, nil
}

// startProc starts a server process and waits until addr accepts
// connections; stop ends it (interrupt, then kill after 10 s).
func startProc(ctx context.Context, addr, bin string, args ...string) (func(), error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	// Its output is shown only if it fails to start: stdout (gancho's line
	// per capture) and the peer's error log cost the same wherever they go.
	var out capped
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("%s exited before serving: %v\n%s", filepath.Base(bin), err, out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return nil, errors.New(filepath.Base(bin) + " did not listen on " + addr + " within 20 s")
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

// capped keeps the first 16 KiB written to it. Safe for concurrent use.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := 16<<10 - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}
