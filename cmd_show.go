package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/gancho-app/gancho/app"
	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/capture/pretty"
	"github.com/gancho-app/gancho/internal/text"
)

func cmdShow(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("show", stderr, &c)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New(tr.T(`show needs one capture id: run "gancho list" to see them`))}
	}
	e, err := app.OpenData(c.data)
	if err != nil {
		return err
	}
	defer e.Close()
	r, err := e.Captures.Get(context.Background(), pos[0])
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
	fmt.Fprintf(w, "%s %s %s\n", text.Line(r.Method), text.Line(r.Target), text.Line(r.Proto))
	for _, h := range r.Headers {
		fmt.Fprintf(w, "%s: %s\n", text.Line(h.Name), text.Line(h.Value))
	}
	fmt.Fprintln(w)
	v := pretty.Show(r) // a multipart body part by part, as the window shows it
	for _, n := range v.Notes {
		fmt.Fprintf(w, "# %s\n", tr.Note(n))
	}
	if v.Err != nil {
		fmt.Fprintf(w, "# %s\n", tr.BodyErr(v.Err))
	}
	// A captured body may carry terminal escape sequences: never let it
	// drive the terminal.
	body := text.Block(v.Text)
	if !strings.HasSuffix(body, "\n") && body != "" {
		body += "\n"
	}
	if color {
		if err := pretty.Terminal(w, body, v.Lang); err != nil {
			return err
		}
	} else if _, err := io.WriteString(w, body); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n# %s\n", tr.T("id {{.ID}}, received {{.At}} from {{.From}}, {{.Size}}, answered {{.Status}}",
		vars("ID", r.ID, "At", r.ReceivedAt.Format(time.RFC3339Nano), "From", r.RemoteAddr, "Size", tr.Size(r.BodySize), "Status", r.Response.Status)))
	for _, f := range capture.Flags(r) {
		fmt.Fprintf(w, "# %s\n", text.Line(f))
	}
	return nil
}
