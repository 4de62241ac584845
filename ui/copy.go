package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"path"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/exchange"
)

// fileSaver asks the user where to put a file and writes data there: the
// window's save dialog, or a fake in tests. Save is called on the UI
// goroutine and calls done on it, with where the bytes went; a cancelled
// save calls nothing.
type fileSaver interface {
	Save(name string, data []byte, done func(where string, err error))
}

// copyItems are the Copy and Save actions on capture r (a list summary or
// the capture shown), for the detail's Copy ▾ menu and the row's menu.
// Each reads the whole capture from the store off the UI goroutine.
func (m *Main) copyItems(r *capture.Request) []*fyne.MenuItem {
	id := r.ID
	save := fyne.NewMenuItem(lang.L("Save body to file…"), func() { m.saveBody(id) })
	if r.BodySize == 0 {
		save.Label = lang.L("Save body to file… (no body)")
		save.Disabled = true
	}
	return []*fyne.MenuItem{
		fyne.NewMenuItem(lang.L("Copy target (path and query)"), func() { m.copyEncoded(id, copyTarget) }),
		fyne.NewMenuItem(lang.L("Copy as cURL"), func() { m.copyEncoded(id, exchange.Curl) }),
		fyne.NewMenuItem(lang.L("Copy as HAR entry"), func() { m.copyEncoded(id, exchange.HAR) }),
		fyne.NewMenuItem(lang.L("Copy as raw HTTP"), func() { m.copyEncoded(id, exchange.Raw) }),
		fyne.NewMenuItemSeparator(),
		save,
	}
}

// copyTarget is copyEncoded's "format" for the target as received.
const copyTarget exchange.Format = "target"

// exportOptions are the options the Export dialog uses with "Include
// secrets" off: credentials, the verifiers' signature headers and the
// secret path prefixes redacted. Safe on any goroutine (it reads the
// store for the prefixes: call it off the UI goroutine).
func (m *Main) exportOptions(includeSecrets bool) (exchange.ExportOptions, error) {
	o := exchange.ExportOptions{IncludeSecrets: includeSecrets}
	if m.opts.Settings != nil {
		_, o.SecretHeaders = m.opts.Settings.Get().ExportRedactions()
	}
	var err error
	if o.SecretPrefixes, err = m.secretPrefixes(); err != nil {
		return o, fmt.Errorf("%s: %w", lang.L("could not read the secret prefixes to redact"), err)
	}
	return o, nil
}

// encodeOne writes r in format f with the export's encoders and
// redaction: cURL and raw HTTP as `gancho export` writes one capture, HAR
// as the one entry such an export holds.
func encodeOne(r *capture.Request, f exchange.Format, o exchange.ExportOptions) (string, error) {
	var b bytes.Buffer
	var err error
	switch f {
	case copyTarget:
		return r.Target, nil
	case exchange.HAR:
		err = exchange.HAREntry(&b, r, o)
	default:
		err = exchange.Export(&b, f, []*capture.Request{r}, o)
	}
	return b.String(), err
}

// copyEncoded puts capture id on the clipboard in format f; the store
// read and the encoding run off the UI goroutine.
func (m *Main) copyEncoded(id string, f exchange.Format) {
	go func() {
		r, err := m.opts.Captures.Get(context.Background(), id)
		var s string
		if err == nil {
			var o exchange.ExportOptions
			if o, err = m.exportOptions(false); err == nil {
				s, err = encodeOne(r, f, o)
			}
		}
		m.post(func() {
			if err != nil {
				m.showError(errors.New(lang.L("could not copy capture {{.ID}}: {{.Err}}; try again, or export it from Tools", map[string]any{"ID": id, "Err": err.Error()})))
				return
			}
			m.copy(s)
			// Short: the count line is narrow at 1024 px. The copy itself
			// says REDACTED where a credential was.
			m.notify(map[exchange.Format]string{copyTarget: lang.L("✓ Target copied"), exchange.Curl: lang.L("✓ cURL copied"),
				exchange.HAR: lang.L("✓ HAR entry copied"), exchange.Raw: lang.L("✓ Raw HTTP copied")}[f])
		})
	}()
}

// notify says in the count line what an action did, for a few seconds,
// then the count comes back (UI goroutine).
func (m *Main) notify(msg string) {
	m.count.SetText(msg)
	m.rl.after(4*time.Second, func() {
		m.post(func() {
			if m.count.Text == msg {
				m.updateCount()
			}
		})
	})
}

// saveBody offers to save capture id's body, the bytes as received (still
// compressed if they came compressed), to a file.
func (m *Main) saveBody(id string) {
	go func() {
		r, err := m.opts.Captures.Get(context.Background(), id)
		m.post(func() {
			if err != nil {
				m.showError(errors.New(lang.L("could not open capture {{.ID}}: {{.Err}}", map[string]any{"ID": id, "Err": err.Error()})))
				return
			}
			if m.saver == nil {
				return
			}
			m.saver.Save(bodyFileName(r), r.Body, func(where string, err error) {
				if err != nil {
					m.showError(errors.New(lang.L("could not save the body: {{.Err}}; choose another folder or name", map[string]any{"Err": err.Error()})))
					return
				}
				msg := lang.L("{{.Size}} written to {{.Path}}.", map[string]any{"Size": loc.Size(int64(len(r.Body))), "Path": where})
				if r.Truncated {
					msg += " " + lang.L("The capture kept only the first {{.Kept}} of the {{.Size}} received.",
						map[string]any{"Kept": loc.Size(int64(len(r.Body))), "Size": loc.Size(r.BodySize)})
				}
				if m.win != nil {
					dialog.ShowInformation(lang.L("Body saved"), msg, m.win)
				}
			})
		})
	}()
}

// showError shows err in a dialog, or in the count line without a window.
func (m *Main) showError(err error) {
	if m.win == nil {
		m.count.SetText(err.Error())
		return
	}
	dialog.ShowError(err, m.win)
}

// bodyFileName suggests a name for r's body: the last path segment and
// the arrival time, with the extension its content type calls for.
func bodyFileName(r *capture.Request) string {
	p, _, _ := strings.Cut(r.Target, "?")
	base := path.Base(p)
	base = strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '-'
	}, strings.TrimSuffix(base, path.Ext(base)))
	base = strings.Trim(base, "-")
	if base == "" {
		base = "body"
	}
	if len(base) > 40 {
		base = base[:40]
	}
	return base + "-" + r.ReceivedAt.Local().Format("20060102-150405") + bodyExt(r)
}

// bodyExt is the file extension for a body of r's content type (and
// encoding: a gzip body is saved as received, so it is a .gz).
func bodyExt(r *capture.Request) string {
	if enc := strings.ToLower(strings.TrimSpace(r.Headers.Get("Content-Encoding"))); enc == "gzip" || enc == "x-gzip" {
		return ".gz"
	} else if enc != "" && enc != "identity" {
		return ".bin"
	}
	mt, _, err := mime.ParseMediaType(r.ContentType())
	if err != nil {
		return ".bin"
	}
	// The common webhook types first: the system's MIME table differs
	// from one machine to another (.jfif for JPEG, .asc for text).
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return ".json"
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return ".xml"
	case mt == "application/x-www-form-urlencoded", mt == "text/plain":
		return ".txt"
	case mt == "application/x-ndjson" || mt == "application/jsonl":
		return ".jsonl"
	case strings.HasPrefix(mt, "multipart/"):
		return ".multipart"
	}
	known := map[string]string{
		"text/html": ".html", "text/csv": ".csv", "application/pdf": ".pdf", "image/png": ".png",
		"image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp", "application/zip": ".zip",
		"application/gzip": ".gz", "application/octet-stream": ".bin", "application/yaml": ".yaml",
	}
	if ext, ok := known[mt]; ok {
		return ext
	}
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// dialogSaver is the window's fileSaver: Fyne's save dialog, opened at a
// useful size and filtered on the suggested extension.
type dialogSaver struct{ m *Main }

func (s dialogSaver) Save(name string, data []byte, done func(string, error)) {
	if s.m.win == nil {
		return
	}
	c := fileChoice{title: "Save body", name: name}
	if filepath.Ext(name) == ".yaml" { // the one YAML the window writes: a suite (journeys.go)
		c.title = "Save as suite"
	}
	if ext := filepath.Ext(name); ext != "" {
		c.exts = []string{ext}
	}
	showFileSave(s.m.win, c, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			done("", err)
			return
		}
		if w == nil {
			return // cancelled
		}
		go func() { // a body can be megabytes: write it off the UI goroutine
			_, err := w.Write(data)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			s.m.post(func() { done(w.URI().Path(), err) })
		}()
	})
}
