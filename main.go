// Command gancho inspects, replays and emits webhooks. With no arguments it
// opens the window; subcommands run the same engine headless.
//
// main only wires: it parses flags, opens the database, builds the services
// and hands them to the UI or a headless command.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/database"
	"github.com/gancho-app/gancho/capture/pretty"
	"github.com/gancho-app/gancho/ui"
)

const usage = `Gancho inspects, replays and emits webhooks.

Usage:
  gancho                      open the window (and capture on the default address)
  gancho listen [flags]       capture in the terminal, one line per request
  gancho list [--json] [flags] list captures, newest first
  gancho show ID              print one capture, body pretty-printed
  gancho help                 this text

Every command takes --data DIR (or GANCHO_DATA) to choose the data directory.
Run "gancho COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code; errors are
// printed as one sentence on stderr.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help") {
		cmd, args = args[0], args[1:] // flags alone ("gancho --data D") open the window
	}
	var err error
	switch cmd {
	case "", "gui":
		err = cmdGUI(args, stderr)
	case "listen":
		err = cmdListen(args, stdout, stderr)
	case "list":
		err = cmdList(args, stdout, stderr)
	case "show":
		err = cmdShow(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gancho: unknown command %q: run \"gancho help\" to see the commands.\n", cmd)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "gancho: %s\n", explain(err))
		return 1
	}
	return 0
}

// explain turns engine errors into a sentence that says what to do next.
func explain(err error) string {
	switch {
	case errors.Is(err, capture.ErrAddrInUse):
		return err.Error() + ": another program uses that port; stop it, or pick another with --addr 127.0.0.1:PORT."
	case errors.Is(err, database.ErrDataDir):
		return err.Error() + "; choose another with --data DIR or GANCHO_DATA."
	case errors.Is(err, capture.ErrNotFound):
		return err.Error() + `; run "gancho list" to see the ids.`
	}
	return err.Error()
}

// common flags shared by every command.
type common struct {
	data string
}

func newFlags(name string, stderr io.Writer, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("gancho "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.data, "data", "", "data directory (default $GANCHO_DATA or "+database.DefaultDir()+")")
	return fs
}

type engine struct {
	db    *database.DB
	store *capture.Store
}

func openEngine(c common) (*engine, error) {
	db, err := database.Open(c.data, database.Options{})
	if err != nil {
		return nil, err
	}
	st, err := capture.NewStore(context.Background(), db, capture.StoreConfig{})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &engine{db: db, store: st}, nil
}

func (e *engine) Close() error {
	return errors.Join(e.store.Close(), e.db.Close())
}

type listenFlags struct {
	common
	addr    string
	maxBody string
}

func (l *listenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.addr, "addr", capture.DefaultAddr, "address to capture on (host:port)")
	fs.StringVar(&l.maxBody, "max-body", "25MiB", "largest body accepted; bigger ones get 413 and are kept truncated")
}

func (l *listenFlags) server(st *capture.Store) (*capture.Server, error) {
	max, err := capture.ParseSize(l.maxBody)
	if err != nil {
		return nil, fmt.Errorf("--max-body: %w", err)
	}
	return capture.NewServer(st, capture.Config{Addr: l.addr, MaxBody: max}), nil
}

// prepareCapture parses a capturing command's flags, opens the engine and
// builds (without starting) the capture server. The caller closes e.
func prepareCapture(name string, args []string, stderr io.Writer) (*engine, *capture.Server, error) {
	var lf listenFlags
	fs := newFlags(name, stderr, &lf.common)
	lf.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	e, err := openEngine(lf.common)
	if err != nil {
		return nil, nil, err
	}
	srv, err := lf.server(e.store)
	if err != nil {
		e.Close()
		return nil, nil, err
	}
	return e, srv, nil
}

func cmdGUI(args []string, stderr io.Writer) error {
	e, srv, err := prepareCapture("", args, stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := srv.Start(); err != nil {
		return err
	}
	ui.Run(ui.Options{URL: srv.URL(), DataDir: e.db.Dir, Captures: e.store, Recorder: srv})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

func cmdListen(args []string, stdout, stderr io.Writer) error {
	e, srv, err := prepareCapture("listen", args, stderr)
	if err != nil {
		return err
	}
	defer e.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	events, cancel := e.store.Subscribe(ctx)
	defer cancel()
	if err := srv.Start(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Capturing at %s (data in %s). Press Ctrl-C to stop.\n", srv.URL(), e.db.Dir)
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		for ev := range events {
			switch ev.Kind {
			case capture.Added:
				fmt.Fprintln(stdout, capture.Line(ev.Request))
			case capture.Dropped:
				fmt.Fprintf(stdout, "(%d events not shown: the terminal was too slow; run \"gancho list\")\n", ev.Count)
			}
		}
	}()
	<-ctx.Done()
	fmt.Fprintln(stderr, "Stopping: finishing requests in flight…")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	err = srv.Shutdown(sctx)
	cancel()
	<-printed
	return err
}

func cmdList(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("list", stderr, &c)
	asJSON := fs.Bool("json", false, "print export records, one JSON object per line")
	limit := fs.Int("limit", 100, "at most this many captures (0: all)")
	search := fs.String("search", "", "full-text search: every word must appear")
	method := fs.String("method", "", "only this method")
	if err := fs.Parse(args); err != nil {
		return err
	}
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.Close()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	q := capture.Query{Search: *search, Method: *method, Summary: !*asJSON}
	remaining := *limit
	for {
		q.Limit = 500
		if *limit > 0 {
			if remaining <= 0 {
				return nil
			}
			q.Limit = min(q.Limit, remaining)
		}
		page, err := e.store.List(context.Background(), q)
		if err != nil {
			return err
		}
		for _, r := range page {
			if *asJSON {
				if err := enc.Encode(r.ToRecord()); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(stdout, capture.Line(r))
			}
		}
		if len(page) < q.Limit {
			return nil
		}
		remaining -= len(page)
		q.Before = page[len(page)-1].ID
	}
}

func cmdShow(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("show", stderr, &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(`show needs one capture id: run "gancho list" to see them`)
	}
	e, err := openEngine(c)
	if err != nil {
		return err
	}
	defer e.Close()
	r, err := e.store.Get(context.Background(), fs.Arg(0))
	if err != nil {
		return err
	}
	color := false
	if f, ok := stdout.(*os.File); ok {
		color = isatty.IsTerminal(f.Fd())
	}
	return showRequest(stdout, r, color)
}

func showRequest(w io.Writer, r *capture.Request, color bool) error {
	fmt.Fprintf(w, "%s %s %s\n", safe(r.Method), safe(r.Target), safe(r.Proto))
	for _, h := range r.Headers {
		fmt.Fprintf(w, "%s: %s\n", safe(h.Name), safe(h.Value))
	}
	fmt.Fprintln(w)
	v := pretty.Body(r)
	for _, n := range v.Notes {
		fmt.Fprintf(w, "# %s\n", n)
	}
	if v.Err != nil {
		fmt.Fprintf(w, "# %v\n", v.Err)
	}
	// A captured body may carry terminal escape sequences: never let it
	// drive the terminal.
	text := safeText(v.Text)
	if !strings.HasSuffix(text, "\n") && text != "" {
		text += "\n"
	}
	if color {
		if err := pretty.Terminal(w, text, v.Lang); err != nil {
			return err
		}
	} else if _, err := io.WriteString(w, text); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n# id %s, received %s from %s, %s, answered %d\n", r.ID,
		r.ReceivedAt.Format(time.RFC3339Nano), r.RemoteAddr, capture.FormatSize(r.BodySize), r.Response.Status)
	return nil
}

// safe escapes control characters (ESC, BEL, CR, …) in a one-line field.
func safe(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// safeText makes control characters other than newline and tab visible.
func safeText(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r != '\n' && r != '\t' && isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
