// Command gancho inspects, replays and emits webhooks. With no arguments it
// opens the window; subcommands run the same engine headless.
//
// main only parses flags and calls into package app, which opens the
// database and runs the services; listen prints what they report, the
// window (package ui) shows it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/database"
)

const usage = `Gancho inspects, replays and emits webhooks.

Usage:
  gancho                      open the window (and capture on the default address)
  gancho listen [flags]       capture in the terminal, one line per request
  gancho list [--json] [flags] list captures, newest first
  gancho show ID              print one capture, body pretty-printed
  gancho replay ID... --to URL  send captures again and print the responses
  gancho export [--format har|jsonl|curl|raw] [--out FILE]  export captures
  gancho import FILE          import a HAR, JSON lines, cURL or raw HTTP file
  gancho events [show|sample NAME [--xml]]  the 30 CRM events, a field list, a sample
  gancho send EVENT [--to URL]  send a signed sample to URL, or to the saved subscriptions
  gancho subscriptions list|add|edit|enable|disable|delete|history  the saved outbound subscriptions
  gancho tail                 follow the captures of the running Gancho (window or listen)
  gancho relay serve --token T  the self-hosted team relay (one public URL for the team)
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
	case "replay":
		err = cmdReplay(args, stdout, stderr)
	case "export":
		err = cmdExport(args, stdout, stderr)
	case "import":
		err = cmdImport(args, stdout, stderr)
	case "events":
		err = cmdEvents(args, stdout, stderr)
	case "send":
		err = cmdSend(args, stdout, stderr)
	case "tail":
		err = cmdTail(args, stdout, stderr)
	case "subscriptions":
		err = cmdSubscriptions(args, stdout, stderr)
	case "relay":
		err = cmdRelay(args, stdout, stderr)
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
		if errors.As(err, new(usageError)) {
			return 2
		}
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
	if s := explainRelay(err); s != "" {
		return s
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

// parseInterspersed parses args with flags anywhere ("show ID --data D" as
// well as "show --data D ID") and returns the positional arguments. It
// moves each flag, with its value unless it is a bool flag or written
// --flag=value, before the positionals; everything after "--" stays
// positional. Every command parses its arguments with it.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil { // unknown: Parse reports it
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	// The flag package would print the error and then the usage, and run
	// the error again: print nothing here but -h's usage.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(append(append(flags, "--"), pos...))
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return nil, err
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("%w (\"%s -h\" lists the flags)", err, fs.Name())}
	}
	return fs.Args(), nil
}

// checkAddr checks an --addr flag before anything listens, and says what
// a valid one looks like (anyAddr is the all-interfaces example).
func checkAddr(addr, anyAddr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, perr := strconv.ParseUint(port, 10, 16); perr != nil || (port != "0" && n == 0) {
			err = fmt.Errorf("port %q is not a number from 0 to 65535", port)
		} else if strings.ContainsAny(host, " /") {
			err = fmt.Errorf("host %q is not a host name or IP address", host)
		}
	}
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err)
		}
		return usageError{fmt.Errorf("--addr %q: %v; --addr wants HOST:PORT, e.g. 127.0.0.1%s, or %s for every interface", addr, err, anyAddr, anyAddr)}
	}
	return nil
}

// methodFlag is a --method filter: methods are compared as senders write
// them, upper case, so "--method propfind" finds PROPFIND.
func methodFlag(m string) string { return strings.ToUpper(strings.TrimSpace(m)) }

// usageError is a command line that cannot be parsed: exit code 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// noArgs rejects positional arguments of a command that takes none: a
// usage error (exit 2), as a bad flag is.
func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return usageError{fmt.Errorf("%s: unexpected argument %q (\"gancho %s -h\" lists the flags)", cmd, pos[0], cmd)}
	}
	return nil
}
