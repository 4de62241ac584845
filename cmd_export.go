package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/settings"
)

func cmdExport(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("export", stderr, &c)
	format := fs.String("format", "jsonl", tr.T("har, jsonl (the export record), curl or raw"))
	out := fs.String("out", "", tr.T("write to this file instead of stdout"))
	search := fs.String("search", "", tr.T("only captures matching this full-text search"))
	method := fs.String("method", "", tr.T("only this method"))
	limit := fs.Int("limit", 0, tr.T("at most this many (the newest); 0: all"))
	secrets := fs.Bool("include-secrets", false, tr.T("keep Authorization, Cookie, tokens, signatures and secret query parameters"))
	redactQ := fs.String("redact-query", "", tr.T("more query parameters to redact, comma-separated"))
	var prefixes multiFlag
	fs.Var(&prefixes, "secret-prefix", tr.T("another secret path prefix to redact (the saved one and every one gancho listen or the window used here always are); repeatable"))
	base := fs.String("base-url", "", tr.T("base URL for HAR and cURL URLs, e.g. http://localhost:3000 (the capture's target is appended); default: the scheme and host each capture came to"))
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("export", pos); err != nil {
		return err
	}
	f, err := exchange.ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	e, err := app.OpenData(c.data)
	if err != nil {
		return err
	}
	defer e.Close()
	q, err := oldestFirst(e.Captures, capture.Query{Search: *search, Method: methodFlag(*method)}, *limit)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer file.Close()
		w = file
	}
	saved, err := settings.Load(e.DB.Dir)
	if err != nil {
		return err
	}
	opts := exchange.ExportOptions{IncludeSecrets: *secrets, BaseURL: *base}
	_, opts.SecretHeaders = saved.ExportRedactions()
	if opts.SecretPrefixes, err = secretPrefixes(e.Captures, saved, prefixes...); err != nil {
		return err
	}
	if *redactQ != "" {
		opts.RedactQuery = strings.Split(*redactQ, ",")
	}
	// Streamed: one capture in memory at a time, whatever the store holds.
	ew, err := exchange.NewWriter(w, f, opts)
	if err != nil {
		return err
	}
	if err := e.Captures.Each(context.Background(), q, ew.Write); err != nil {
		return err
	}
	if err := ew.Close(); err != nil {
		return err
	}
	if *out != "" {
		n, data := ew.Count(), vars("Count", ew.Count(), "File", *out, "Format", f)
		if *secrets {
			fmt.Fprintln(stderr, tr.N("Exported {{.Count}} captures to {{.File}} ({{.Format}}, secrets included).", pluralOf(n), data))
		} else {
			fmt.Fprintln(stderr, tr.N("Exported {{.Count}} captures to {{.File}} ({{.Format}}, secrets redacted).", pluralOf(n), data))
		}
	}
	return nil
}

// secretPrefixes are the secret path prefixes captures may hold in their
// targets: the saved one, every one a capture server used on this store
// (listen --secret-prefix is never saved in the settings) and extra.
func secretPrefixes(st *capture.Store, saved settings.Settings, extra ...string) ([]string, error) {
	out, _ := saved.ExportRedactions()
	used, err := st.SecretPrefixes(context.Background())
	if err != nil {
		return nil, err
	}
	for _, p := range append(used, extra...) {
		if p = strings.Trim(p, "/"); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// oldestFirst turns q into the query that streams, oldest first, the
// captures matching q: all of them, or the newest limit when limit > 0
// (the query then starts after the newest capture left out).
func oldestFirst(st *capture.Store, q capture.Query, limit int) (capture.Query, error) {
	if limit > 0 {
		probe := q
		probe.Limit, probe.Offset, probe.Summary = 1, limit, true
		older, err := st.List(context.Background(), probe)
		if err != nil {
			return q, err
		}
		if len(older) > 0 {
			q.After = older[0].ID
		}
	}
	q.Oldest, q.Limit = true, limit
	return q, nil
}
