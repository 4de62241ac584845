package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/settings"
	"github.com/gancho-app/gancho/verify"
)

// sendFlags are the options of every command that sends requests.
type sendFlags struct {
	to       string
	keepHost bool
	insecure bool
	follow   bool
	envProxy bool
	timeout  time.Duration
}

func (f *sendFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.to, "to", "", tr.T("target URL, e.g. http://localhost:3000/webhooks (the capture's query string is kept)"))
	fs.BoolVar(&f.keepHost, "keep-host", false, tr.T("send the captured Host header instead of the target's"))
	fs.BoolVar(&f.insecure, "insecure", false, tr.T("do not verify the target's TLS certificate"))
	fs.BoolVar(&f.follow, "follow", false, tr.T("follow redirects (at most 10)"))
	fs.BoolVar(&f.envProxy, "env-proxy", false, tr.T("use HTTP_PROXY/HTTPS_PROXY from the environment"))
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, tr.T("per-request timeout"))
}

func (f *sendFlags) options() replay.Options {
	return replay.Options{Timeout: f.timeout, FollowRedirects: f.follow, Insecure: f.insecure, EnvProxy: f.envProxy}
}

func cmdReplay(args []string, stdout, stderr io.Writer) error {
	var c common
	var sf sendFlags
	fs := newFlags("replay", stderr, &c)
	sf.register(fs)
	resign := fs.Bool("resign", false, tr.T("sign again with a fresh id and timestamp, with the verifier saved for the capture's path"))
	ids, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(ids) == 0 || sf.to == "" {
		return usageError{errors.New(tr.T(`replay needs capture ids and --to URL: gancho replay ID --to http://localhost:3000/webhooks`))}
	}
	e, err := app.OpenData(c.data)
	if err != nil {
		return err
	}
	defer e.Close()
	var (
		verifiers *verify.Set
		prefixes  []string
	)
	if *resign {
		st, err := settings.Load(e.DB.Dir)
		if err != nil {
			return err
		}
		if verifiers, err = verify.NewSet(st.Verifiers); err != nil {
			return err
		}
		if prefixes, err = secretPrefixes(e.Captures, st); err != nil {
			return err
		}
	}
	sender := replay.NewSender()
	defer sender.Close()
	ctx, stop := signalContext()
	defer stop()
	failed := 0
	for _, id := range ids {
		cr, err := e.Captures.Get(ctx, id)
		if err != nil {
			return err
		}
		req, err := replay.FromCapture(cr, sf.to, sf.keepHost)
		if err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		modified := false
		if *resign {
			cfg, ok := replay.SignerFor(verifiers.Configs(), cr, prefixes...)
			if !ok {
				return errors.New("--resign: " + tr.T("no signature verifier is saved for {{.Path}}; add one with gancho listen --verify SCHEME:SECRET", vars("Path", pathOf(cr.Target))))
			}
			if err := replay.Resign(&req, cfg, now()); err != nil {
				return fmt.Errorf("--resign: %w", err)
			}
			modified = true
		}
		res := sender.Send(ctx, req, sf.options())
		a := &replay.Attempt{CaptureID: cr.ID, Kind: replay.KindReplay, Modified: modified, Request: req, Result: res}
		if err := e.History.Add(context.WithoutCancel(ctx), a); err != nil {
			fmt.Fprintf(stderr, "gancho: %s: %v\n", tr.T("the attempt was not stored"), err)
		}
		printResult(stdout, cr.ID, req, res)
		if !accepted(res) {
			failed++
		}
	}
	if failed > 0 {
		return errors.New(tr.N("{{.Failed}} of {{.Count}} replays failed or were not answered 2xx (see above)", len(ids), vars("Failed", failed, "Count", len(ids))))
	}
	return nil
}

// accepted is success for replay and send alike: an answer, and a 2xx one
// (stricter than curl --fail, which lets 3xx pass).
func accepted(res replay.Result) bool {
	return res.Class == "" && res.Status >= 200 && res.Status <= 299
}

func pathOf(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

// printResult shows one send's outcome: a status line with timings, the
// response headers and body (control characters neutralised).
func printResult(w io.Writer, id string, req replay.Request, res replay.Result) {
	if res.Class != "" {
		fmt.Fprintf(w, "%s → %s %s: FAILED (%s): %s\n", id, req.Method, text.Line(req.URL), res.Class, text.Line(res.Err))
		return
	}
	t := res.Timings
	fmt.Fprintf(w, "%s → %s %s: %d in %s (dns %s, connect %s, tls %s, first byte %s)\n", id, req.Method, text.Line(req.URL),
		res.Status, round(t.Total), round(t.DNS), round(t.Connect), round(t.TLS), round(t.FirstByte))
	for _, h := range res.Headers {
		fmt.Fprintf(w, "  %s: %s\n", text.Line(h.Name), text.Line(h.Value))
	}
	if len(res.Body) > 0 {
		body := text.Block(strings.ToValidUTF8(string(res.Body), "\uFFFD"))
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(body, "\n"))
		if res.Truncated {
			fmt.Fprintf(w, "# body cut at %s of %s\n", capture.FormatSize(int64(len(res.Body))), capture.FormatSize(res.BodySize))
		}
	}
}

func round(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(10 * time.Microsecond).String()
}

// signalContext ends on Ctrl-C or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
