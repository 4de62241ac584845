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
	asJSON := fs.Bool("json", false, tr.T("print export records, one JSON object per line"))
	limit := fs.Int("limit", 100, tr.T("at most this many captures (0: all)"))
	search := fs.String("search", "", tr.T("full-text search: every word must appear"))
	method := fs.String("method", "", tr.T("only this method"))
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
	q.Limit = *limit // 0: all, streamed a page at a time
	return e.Captures.Each(context.Background(), q, func(r *capture.Request) error {
		if *asJSON {
			return enc.Encode(r.ToRecord())
		}
		_, err := fmt.Fprintln(stdout, capture.Line(r))
		return err
	})
}
