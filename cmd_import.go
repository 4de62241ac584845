package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/internal/text"
)

func cmdImport(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("import", stderr, &c)
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{errors.New(tr.T("import needs a file: gancho import capture.har (HAR, JSON lines, cURL or raw HTTP)"))}
	}
	e, err := app.OpenData(c.data)
	if err != nil {
		return err
	}
	defer e.Close()
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		res, err := exchange.Import(f, filepath.Base(name))
		f.Close()
		if err != nil {
			return fmt.Errorf("import %s: %w", name, err)
		}
		for _, r := range res.Requests {
			r.Origin = "import:" + string(res.Source)
		}
		added, skipped, err := e.Captures.Import(context.Background(), res.Requests)
		if err != nil {
			return err
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(stderr, "%s: %s\n", name, text.Line(w))
		}
		line := tr.N("Imported {{.Count}} captures from {{.File}} ({{.Format}})", pluralOf(added), vars("Count", added, "File", name, "Format", res.Source))
		if skipped > 0 {
			line += "; " + tr.N("{{.Count}} were already there", skipped, vars("Count", skipped))
		}
		fmt.Fprintln(stdout, line+".")
	}
	return nil
}
