package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// limitFlags are the connection and body-buffer limits of a server that
// senders reach (gancho listen, the window, gancho relay serve): 0 or
// absent means the default, -1 no limit.
type limitFlags struct {
	conns, connsPerAddr       int
	inflight, inflightPerAddr string
}

func (l *limitFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&l.conns, "max-conns", 0, tr.T("most open sender connections in all (0: {{.N}}; -1: no limit)", vars("N", capture.DefaultMaxConns)))
	fs.IntVar(&l.connsPerAddr, "max-conns-per-addr", 0, tr.T("most open connections from one client address (0: {{.N}}; -1: no limit);\n"+
		"behind a reverse proxy or TLS terminator every sender has the proxy's address: raise it or pass -1", vars("N", capture.DefaultMaxConnsPerAddr)))
	fs.StringVar(&l.inflight, "max-inflight", "", tr.T("most request-body bytes buffered at once in all, e.g. 512MiB (0: {{.Size}} or twice --max-body; -1: no limit)",
		vars("Size", capture.FormatSize(capture.DefaultBodyInFlight))))
	fs.StringVar(&l.inflightPerAddr, "max-inflight-per-addr", "", tr.T("most request-body bytes buffered at once for one client address (0: {{.Size}} or --max-body; -1: no limit; behind a proxy, as --max-conns-per-addr)",
		vars("Size", capture.FormatSize(capture.DefaultBodyInFlightPerAddr))))
}

// limits maps the flags onto capture.Limits (zero: default, negative: no
// limit, as Limits reads them).
func (l *limitFlags) limits() (capture.Limits, error) {
	count := func(name string, v int) (int, error) {
		if v < -1 {
			return 0, usageError{fmt.Errorf("--%s %d: %s", name, v, tr.T("want a number of connections, 0 for the default or -1 for no limit"))}
		}
		return v, nil
	}
	size := func(name, v string) (int64, error) {
		switch strings.TrimSpace(v) {
		case "":
			return 0, nil
		case "-1":
			return -1, nil
		}
		n, err := capture.ParseSize(v)
		if err != nil {
			return 0, usageError{fmt.Errorf("--%s %q: %s", name, v, tr.T("want a size such as 256MiB, 0 for the default or -1 for no limit"))}
		}
		return n, nil
	}
	var lim capture.Limits
	var err error
	if lim.MaxConns, err = count("max-conns", l.conns); err != nil {
		return lim, err
	}
	if lim.MaxConnsPerAddr, err = count("max-conns-per-addr", l.connsPerAddr); err != nil {
		return lim, err
	}
	if lim.MaxBodyInFlight, err = size("max-inflight", l.inflight); err != nil {
		return lim, err
	}
	if lim.MaxBodyInFlightPerAddr, err = size("max-inflight-per-addr", l.inflightPerAddr); err != nil {
		return lim, err
	}
	return lim, nil
}

// durationFlag is a duration flag that also takes a bare -1 (no limit),
// which time.ParseDuration refuses for want of a unit.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	if *f.d < 0 {
		return "-1"
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	if s = strings.TrimSpace(s); s == "-1" {
		*f.d = -1
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return errors.New(tr.T("a duration needs a unit: write e.g. 72h or 30m, or -1 for no limit"))
		}
		return errors.New(tr.T("want a duration such as 72h or 30m, or -1 for no limit"))
	}
	*f.d = d
	return nil
}
