package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/outbound"
	"github.com/gancho-app/gancho/suite"
)

// cmdTest runs a regression suite against a receiver (gancho test SUITE
// --to URL): one progress line per step, a summary, JUnit XML for CI with
// --junit, the report as JSON on the last line with --json. Exit codes: 0
// when every step passed, 1 when one failed (or the run was stopped), 2
// when the command line or the suite file is wrong.
//
// (The file is cmd_testsuite.go, not cmd_test.go: Go would take that name
// for a test file.)
func cmdTest(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("test", stderr, &c)
	to := fs.String("to", "", tr.T("base URL of the receiver, e.g. http://localhost:3000 (each step's path is appended); default: the suite's target"))
	junit := fs.String("junit", "", tr.T("also write the report as JUnit XML to this file (for CI)"))
	asJSON := fs.Bool("json", false, tr.T("print the report as one JSON object on the last line"))
	insecure := fs.Bool("insecure", false, tr.T("do not verify the target's TLS certificate"))
	timeout := fs.Duration("timeout", 0, tr.T("per-step timeout (default: the suite's timeout, else 30s)"))
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{errors.New("test: " + tr.T(`name one suite file: gancho test suite.yaml --to http://localhost:3000`))}
	}
	file := rest[0]
	s, err := readSuite(file)
	if err != nil {
		return usageError{fmt.Errorf("test: %w", err)}
	}
	if *to == "" && s.Target == "" {
		return usageError{errors.New("test: " + tr.T(`{{.File}} has no target: pass --to URL, e.g. --to http://localhost:3000`, vars("File", file)))}
	}
	ctx, stop := signalContext()
	defer stop()
	o := suite.RunOptions{Target: *to, Insecure: *insecure, Timeout: *timeout}
	// The data directory holds captures that steps name by id and the
	// subscriptions steps are signed with; a suite that needs neither runs
	// without one (in CI there is none).
	if c.data != "" || os.Getenv("GANCHO_DATA") != "" {
		e, err := app.OpenData(c.data)
		if err != nil {
			return usageError{fmt.Errorf("test: --data: %w", err)}
		}
		defer e.Close()
		o.Captures = e.Captures
		subs, err := outbound.NewStore(ctx, e.DB, outbound.StoreConfig{})
		if err != nil {
			return fmt.Errorf("test: --data: %w", err)
		}
		o.Subscriptions = subs
	}

	width := 0
	for _, st := range s.Steps {
		width = max(width, utf8.RuneCountInString(st.Name))
	}
	o.Progress = func(r suite.StepResult) { fmt.Fprintln(stdout, progressLine(r, width)) }
	rep, err := suite.Run(ctx, s, o)
	if rep == nil {
		if errors.Is(err, suite.ErrNoTarget) || errors.Is(err, suite.ErrInvalid) {
			return usageError{fmt.Errorf("test: %w", err)}
		}
		return usageError{fmt.Errorf("test: --to: %w", err)}
	}
	fmt.Fprintln(stdout, summaryLine(rep, len(s.Steps)))
	var werr error
	if *junit != "" {
		werr = writeJUnitFile(*junit, rep, s, file)
	}
	if *asJSON {
		b, err := json.Marshal(rep)
		if err != nil {
			return fmt.Errorf("test: %w", err)
		}
		fmt.Fprintln(stdout, string(b))
	}
	if werr != nil {
		return usageError{fmt.Errorf("test: --junit: %w", werr)}
	}
	switch {
	case rep.Canceled:
		return errors.New("test: " + tr.T("stopped before the last step"))
	case rep.Failed > 0:
		return errors.New("test: " + tr.N("{{.Failed}} of {{.Count}} steps failed", len(rep.Steps), vars("Failed", rep.Failed, "Count", len(rep.Steps))))
	}
	return nil
}

// readSuite reads and parses a suite file, bounded by suite.MaxFileSize.
func readSuite(file string) (*suite.Suite, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w; %s", err, tr.T("check the path to the suite file"))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, suite.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	s, err := suite.Parse(b, file)
	if err != nil {
		return nil, fmt.Errorf("%w; %s", err, tr.T("fix the file (docs/suite.schema.json describes it)"))
	}
	return s, nil
}

func writeJUnitFile(path string, rep *suite.Report, s *suite.Suite, file string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := suite.WriteJUnit(f, rep, s, file); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// progressLine is one step's line: "✓ create  201  12 ms" or
// "✗ update  500  9 ms: expected status 2xx, got 500". Names are padded to
// width so the columns line up.
func progressLine(r suite.StepResult, width int) string {
	mark := "✓"
	if !r.Passed {
		mark = "✗"
	}
	status := "---"
	if r.Status > 0 {
		status = fmt.Sprint(r.Status)
	}
	name := text.Line(r.Name)
	pad := strings.Repeat(" ", max(0, width-utf8.RuneCountInString(r.Name)))
	took := "-"
	if r.Sent() {
		took = latency(r.Latency)
	}
	line := fmt.Sprintf("%s %s%s  %s  %s", mark, name, pad, status, took)
	if !r.Passed && len(r.Failures) > 0 {
		// The engine's sentence: replay's transport errors are known
		// notes; the expectation sentences stay English here (the window
		// translates them with Failure.Key and Data).
		line += ": " + text.Line(tr.Note(r.Failures[0].Message))
		if n := len(r.Failures) - 1; n > 0 {
			line += " " + tr.N("(and {{.Count}} more)", n, vars("Count", n))
		}
	}
	return line
}

// latency writes a step's time in whole milliseconds ("12 ms"), "<1 ms"
// below one.
func latency(d time.Duration) string {
	if d > 0 && d < time.Millisecond {
		return "<1 ms"
	}
	return tr.Int(d.Round(time.Millisecond).Milliseconds()) + " ms"
}

// summaryLine closes the progress: "3 steps: 2 passed, 1 failed (1.2 s)".
func summaryLine(rep *suite.Report, total int) string {
	d := latency(rep.Duration)
	if rep.Duration >= time.Second {
		d = rep.Duration.Round(10 * time.Millisecond).String()
	}
	data := vars("Count", total, "Passed", rep.Passed, "Failed", rep.Failed, "Time", d, "Run", len(rep.Steps))
	if rep.Canceled {
		return tr.N("Stopped after {{.Run}} of {{.Count}} steps: {{.Passed}} passed, {{.Failed}} failed ({{.Time}}).", total, data)
	}
	return tr.N("{{.Count}} steps: {{.Passed}} passed, {{.Failed}} failed ({{.Time}}).", total, data)
}
