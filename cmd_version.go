package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/gancho-app/gancho/internal/version"
)

// cmdVersion prints which Gancho this is (also "gancho --version").
func cmdVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gancho version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(fs) }
	asJSON := fs.Bool("json", false, tr.T("print the version as one JSON object"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("version", pos); err != nil {
		return err
	}
	in := version.Get()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(struct {
			Version  string `json:"version"`
			Commit   string `json:"commit"`
			Modified bool   `json:"modified"`
			Date     string `json:"date"`
			Go       string `json:"go"`
			Platform string `json:"platform"`
		}{in.Version, in.Commit, in.Modified, in.Date, in.Go, in.Platform})
	}
	fmt.Fprintln(stdout, "Gancho "+in.Version)
	commit := in.Commit
	if commit == "" {
		commit = tr.T("unknown (make build stamps it)")
	} else if in.Modified {
		commit += " " + tr.T("(with local changes)")
	}
	date := in.Date
	if date == "" {
		date = tr.T("unknown")
	}
	fmt.Fprintln(stdout, "  "+tr.T("commit  {{.Commit}}", vars("Commit", commit)))
	fmt.Fprintln(stdout, "  "+tr.T("built   {{.Date}}", vars("Date", date)))
	fmt.Fprintln(stdout, "  "+tr.T("go      {{.Go}} {{.Platform}}", vars("Go", in.Go, "Platform", in.Platform)))
	return nil
}
