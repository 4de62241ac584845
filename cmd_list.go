package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/capture"
)

func cmdList(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("list", stderr, &c)
	asJSON := fs.Bool("json", false, "print export records, one JSON object per line")
	limit := fs.Int("limit", 100, "at most this many captures (0: all)")
	search := fs.String("search", "", "full-text search: every word must appear")
	method := fs.String("method", "", "only this method")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("list", pos); err != nil {
		return err
	}
	e, err := app.OpenData(c.data)
	if err != nil {
		return err
	}
	defer e.Close()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	q := capture.Query{Search: *search, Method: methodFlag(*method), Summary: !*asJSON}
	remaining := *limit
	for {
		q.Limit = 500
		if *limit > 0 {
			if remaining <= 0 {
				return nil
			}
			q.Limit = min(q.Limit, remaining)
		}
		page, err := e.Captures.List(context.Background(), q)
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
