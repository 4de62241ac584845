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
	"time"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/internal/database"
)

// now is the commands' clock for what they stamp (samples, signatures,
// ids). Tests replace it so no output depends on today's date; it is
// read-only while commands run.
var now = time.Now

// commands are the lines of "gancho help": the syntax, never translated,
// and what the command does, translated when printed.
var commands = [][2]string{
	{"gancho", "open the window (and capture on the default address)"},
	{"gancho listen [flags]", "capture in the terminal, one line per request"},
	{"gancho list [--json] [flags]", "list captures, newest first"},
	{"gancho show ID", "print one capture, body pretty-printed"},
	{"gancho replay ID... --to URL", "send captures again and print the responses"},
	{"gancho export [--format har|jsonl|curl|raw] [--out FILE]", "export captures"},
	{"gancho import FILE", "import a HAR, JSON lines, cURL or raw HTTP file"},
	{"gancho events [show|sample NAME [--xml]]", "the 30 CRM events, a field list, a sample"},
	{"gancho events journey [NAME] [--to URL|--fire]", "CRM journeys: events about one client, sent, fired or saved as a suite"},
	{"gancho send EVENT [--to URL]", "send a signed sample to URL, or to the saved subscriptions"},
	{"gancho subscriptions list|add|edit|enable|disable|delete|history", "the saved outbound subscriptions"},
	{"gancho test SUITE [--to URL] [--junit FILE]", "run a regression suite against a receiver (exit 1 on a failure)"},
	{"gancho load --to URL (--rate N | --concurrency N)", "load a receiver with events or captures, with faults, and report latency"},
	{"gancho tail", "follow the captures of the running Gancho (window or listen)"},
	{"gancho relay serve --token T", "the self-hosted team relay (one public URL for the team)"},
	{"gancho version [--json]", "the version, commit, build date and Go (also --version)"},
	{"gancho help", "this text"},
}

// usage is "gancho help" in the chosen language.
func usage() string {
	var b strings.Builder
	b.WriteString(tr.T("Gancho inspects, replays and emits webhooks.") + "\n\n" + tr.T("Usage:") + "\n")
	for _, c := range commands {
		pad := 2
		if len(c[0]) < 26 {
			pad = 28 - len(c[0])
		}
		b.WriteString("  " + c[0] + strings.Repeat(" ", pad) + tr.T(c[1]) + "\n")
	}
	b.WriteString("\n" + tr.T("Every command takes --data DIR (or GANCHO_DATA) to choose the data directory,\nand --lang pt-BR|en|system to choose the language (default: the saved setting, else LANG).") + "\n")
	b.WriteString(tr.T(`Run "gancho COMMAND -h" for a command's flags.`) + "\n")
	return b.String()
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code; errors are
// printed as one sentence on stderr.
//
// The language of what it prints for a person is chosen first (--lang,
// the saved setting, the system locale): flag usages are translated when
// the flag sets are built.
func run(args []string, stdout, stderr io.Writer) int {
	args, lf, lerr := takeLang(args)
	if lerr == nil {
		lerr = checkLang(lf)
	}
	langFlag = lf
	if lerr != nil {
		lf = "" // refused: the message is in the language the rest would choose
	}
	tr = i18n.New(chooseLang(lf, args, os.Getenv))
	if lerr != nil {
		fmt.Fprintf(stderr, "gancho: %s\n", lerr)
		return 2
	}
	cmd := ""
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help" || args[0] == "--version" || args[0] == "-version") {
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
	case "test":
		err = cmdTest(args, stdout, stderr)
	case "tail":
		err = cmdTail(args, stdout, stderr)
	case "subscriptions":
		err = cmdSubscriptions(args, stdout, stderr)
	case "relay":
		err = cmdRelay(args, stdout, stderr)
	case "load":
		err = cmdLoad(args, stdout, stderr)
	case "version", "--version", "-version":
		err = cmdVersion(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage())
		return 0
	default:
		fmt.Fprintf(stderr, "gancho: %s\n", tr.T(`unknown command "{{.Cmd}}": run "gancho help" to see the commands.`, vars("Cmd", cmd)))
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
		return err.Error() + ": " + tr.T("another program uses that port; stop it, or pick another with --addr 127.0.0.1:PORT.")
	case errors.Is(err, database.ErrDataDir):
		return err.Error() + "; " + tr.T("choose another with --data DIR or GANCHO_DATA.")
	case errors.Is(err, capture.ErrNotFound):
		return err.Error() + "; " + tr.T(`run "gancho list" to see the ids.`)
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
	fs.Usage = func() { printUsage(fs) }
	fs.StringVar(&c.data, "data", "", tr.T("data directory (default $GANCHO_DATA or {{.Dir}})", vars("Dir", database.DefaultDir())))
	return fs
}

// parseInterspersed parses args with flags anywhere ("show ID --data D" as
// well as "show --data D ID") and returns the positional arguments. It
// moves each flag, with its value unless it is a bool flag or written
// --flag=value, before the positionals; everything after "--" stays
// positional. Every command parses its arguments with it.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	dangling := false // the last flag lacks its value
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
		} else {
			dangling = true
		}
	}
	// The flag package would print the error and then the usage, and run
	// the error again: print nothing here but -h's usage.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	parse := append(append(flags, "--"), pos...)
	if dangling { // else "--" would be taken for its value
		parse = flags
	}
	err := fs.Parse(parse)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return nil, err
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("%s %s", flagError(err), tr.T(`("{{.Cmd}} -h" lists the flags)`, vars("Cmd", fs.Name())))}
	}
	return fs.Args(), nil
}

// checkAddr checks an --addr flag before anything listens, and says what
// a valid one looks like (anyAddr is the all-interfaces example).
func checkAddr(addr, anyAddr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, perr := strconv.ParseUint(port, 10, 16); perr != nil || (port != "0" && n == 0) {
			err = errors.New(tr.T(`port "{{.Port}}" is not a number from 0 to 65535`, vars("Port", port)))
		} else if strings.ContainsAny(host, " /") {
			err = errors.New(tr.T(`host "{{.Host}}" is not a host name or IP address`, vars("Host", host)))
		}
	}
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err)
		}
		return usageError{fmt.Errorf("--addr %q: %v; %s", addr, err,
			tr.T("--addr wants HOST:PORT, e.g. 127.0.0.1{{.Any}}, or {{.Any}} for every interface", vars("Any", anyAddr)))}
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
		return usageError{fmt.Errorf("%s: %s", cmd, tr.T(`unexpected argument "{{.Arg}}" ("gancho {{.Cmd}} -h" lists the flags)`, vars("Arg", pos[0], "Cmd", cmd)))}
	}
	return nil
}

// flagError is the flag package's error in the chosen language: its two
// usual sentences (an unknown flag, a flag without its value) are
// translated; the others keep the package's English.
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return tr.T("flag provided but not defined: {{.Flag}}", vars("Flag", name))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return tr.T("flag needs an argument: {{.Flag}}", vars("Flag", name))
	}
	return msg
}
