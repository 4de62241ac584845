package ui

import (
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/exchange"
	"github.com/gancho-app/gancho/replay"
)

// Importer stores imported captures, skipping ids already there;
// capture.Store implements it. Safe for concurrent use.
type Importer interface {
	Import(ctx context.Context, rs []*capture.Request) (added, skipped int, err error)
}

// exampleTarget is the placeholder of a target URL: a URL, the same in
// every language.
const exampleTarget = "http://localhost:3000/webhooks"

// exportFormats are the export dialog's choices: format names (file
// extensions), the same in every language.
var exportFormats = []string{string(exchange.HAR), string(exchange.JSONL), string(exchange.Curl), string(exchange.Raw)}

// scope is what export and bulk replay work on: the picked captures when
// there are any, else what the list shows (UI goroutine).
type scope struct {
	q      capture.Query
	picked []string // ids, oldest first; nil: everything q matches
}

func (m *Main) scope() scope {
	if len(m.picked) == 0 {
		return scope{q: m.query()}
	}
	ids := slices.Sorted(maps.Keys(m.picked)) // ids sort by arrival
	return scope{picked: ids}
}

// scopeNote says what a scope of n captures (-1: not counted yet) covers,
// in one of a dialog's sentences: verb is "Exports" or "Replays", and
// the English keys read "Exports the 3 picked captures, oldest first."
func (m *Main) scopeNote(verb string, s scope, n int) string {
	data := map[string]any{"Count": loc.Int(int64(n))}
	switch {
	case s.picked != nil:
		return lang.N(verb+" the {{.Count}} picked captures, oldest first.", n, data)
	case m.filtered() && n < 0:
		return lang.L(verb + " the captures matching the current search and method, oldest first.")
	case m.filtered() && n == 0:
		return lang.L("No capture matches the current search and method.")
	case m.filtered():
		return lang.N(verb+" the {{.Count}} captures matching the current search and method, oldest first.", n, data)
	case n == 0:
		return lang.L("There are no captures yet.")
	}
	return lang.N(verb+" all {{.Count}} captures, oldest first.", n, data)
}

// loadingNote is the bulk replay's line while it reads a scope.
func (m *Main) loadingNote(s scope) string {
	switch {
	case s.picked != nil:
		return lang.L("Loading the picked captures…")
	case m.filtered():
		return lang.L("Loading the matching captures…")
	}
	return lang.L("Loading all captures…")
}

// scopeCount is how many captures a scope covers, or -1 while a search's
// count is still coming: it is read from what the list knows, never
// counted on the UI goroutine (UI goroutine).
func (m *Main) scopeCount(s scope) int {
	switch {
	case s.picked != nil:
		return len(s.picked)
	case m.filtered():
		if m.rl.itemsGen != m.rl.gen {
			return -1 // the list is being re-read for a newer filter
		}
		return m.rl.matched
	}
	n, _ := m.opts.Captures.Stats()
	return n
}

// countText is a text with a count of captures: key's plural forms for
// n > 0, zero for none and unknown while they are being counted (n < 0);
// data gets the count as Count (Portuguese's "one" form takes 0 too, so
// 0 has its own text).
func countText(key, zero, unknown string, n int, data map[string]any) string {
	if data == nil {
		data = map[string]any{}
	}
	switch {
	case n < 0:
		return lang.L(unknown, data)
	case n == 0:
		return lang.L(zero, data)
	}
	data["Count"] = loc.Int(int64(n))
	return lang.N(key, n, data)
}

// eachIn calls fn with every capture of a scope, oldest first (off the UI
// goroutine). A query runs as one streaming read (capture.Store.Each), so
// time is linear in the rows and memory one row at a time; withBodies
// false reads summaries. A picked capture deleted since is skipped.
func (m *Main) eachIn(ctx context.Context, s scope, withBodies bool, fn func(*capture.Request) error) error {
	if s.picked == nil {
		q := s.q
		q.Summary, q.Limit, q.Offset, q.Before, q.After, q.Oldest = !withBodies, 0, 0, "", "", true
		return m.opts.Captures.Each(ctx, q, fn)
	}
	for _, id := range s.picked {
		r, err := m.opts.Captures.Get(ctx, id)
		if errors.Is(err, capture.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// toolsMenu offers export, import and bulk replay for the picked captures,
// or what the list shows.
func (m *Main) toolsMenu() *fyne.Menu {
	n := m.scopeCount(m.scope())
	label := func(verb string) string {
		if len(m.picked) > 0 {
			return countText(verb+" {{.Count}} picked captures…", verb+" picked captures…", verb+" picked captures…", n, nil)
		}
		return countText(verb+" {{.Count}} listed captures…", verb+" listed captures…", verb+" listed captures…", n, nil)
	}
	items := []*fyne.MenuItem{
		fyne.NewMenuItem(label("Export"), m.showExport),
	}
	if m.opts.Importer != nil {
		items = append(items, fyne.NewMenuItem(lang.L("Import HAR, JSON lines, cURL or raw HTTP…"), m.showImport))
	}
	if m.opts.Sender != nil {
		items = append(items, fyne.NewMenuItem(label("Replay"), m.showBulk))
	}
	if m.suites != nil {
		items = append(items, fyne.NewMenuItem(m.saveAsSuiteLabel(), func() { m.saveAsSuite(m.suiteSource()) }))
	}
	if len(m.picked) > 0 {
		items = append(items, fyne.NewMenuItem(lang.L("Unpick all ({{.Count}})", map[string]any{"Count": loc.Int(int64(len(m.picked)))}), m.clearPicks))
	}
	return fyne.NewMenu("", items...)
}

func (m *Main) showExport() {
	if m.win == nil {
		return
	}
	sc := m.scope()
	n := m.scopeCount(sc)
	format := widget.NewSelect(exportFormats, nil)
	secrets := widget.NewCheck(lang.L("Include secrets (Authorization, cookies, tokens, signatures)"), nil)
	// A path typed here is used as it is: Fyne's save dialog took a typed
	// full path as a name inside its folder and failed without a word.
	path := widget.NewEntry()
	path.SetText(filepath.Join(homeDir(), exportName(m.now(), exchange.HAR)))
	format.OnChanged = func(f string) {
		dir, base := filepath.Split(path.Text)
		if ext := filepath.Ext(base); ext != "" {
			path.SetText(dir + strings.TrimSuffix(base, ext) + exchange.Format(f).Ext())
		}
	}
	format.SetSelected("har")
	folder := widget.NewButton(lang.L("Folder…"), func() {
		showFolderOpen(m.win, fileChoice{title: lang.L("Export to folder"), dir: filepath.Dir(path.Text)}, func(u fyne.ListableURI, err error) {
			if err != nil {
				dialog.ShowError(wrapL("could not open that folder: {{.Err}}", err, nil), m.win)
				return
			}
			if u != nil {
				path.SetText(filepath.Join(u.Path(), filepath.Base(path.Text)))
			}
		})
	})
	note := widget.NewLabel(m.scopeNote("Exports", sc, n))
	note.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(widget.NewFormItem(lang.L("Format"), format), widget.NewFormItem("", secrets),
		widget.NewFormItem(lang.L("Save to"), container.NewBorder(nil, nil, nil, folder, path)),
		widget.NewFormItem("", note))
	exportLabel := countText("Export {{.Count}} captures", "Export", "Export the matching captures", n, nil)
	d := dialog.NewCustomConfirm(lang.L("Export"), exportLabel, lang.L("Cancel"), form, func(ok bool) {
		if !ok {
			return
		}
		f := exchange.Format(format.Selected)
		withSecrets, to := secrets.Checked, path.Text // read here, on the UI goroutine
		go func() {
			var (
				written int
				where   string
			)
			// No BaseURL: each capture's URL is the address it came to.
			opts, err := m.exportOptions(withSecrets)
			if err == nil {
				written, where, err = m.exportTo(to, f, opts, sc)
			}
			m.post(func() {
				if err != nil {
					dialog.ShowError(err, m.win)
					return
				}
				dialog.ShowInformation(lang.L("Export done"), countText("{{.Count}} captures written to {{.Path}}.",
					"No captures to export: {{.Path}} holds none.", "", written, map[string]any{"Path": where}), m.win)
			})
		}()
	}, m.win)
	d.Resize(fyne.NewSize(620, 0))
	d.Show()
}

// exportName is the file an export proposes: dated, so a second export
// does not overwrite the first, with the format's extension.
func exportName(now time.Time, f exchange.Format) string {
	return "gancho-" + now.Format("2006-01-02-1504") + f.Ext()
}

// homeDir is where a relative export path starts.
func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "."
}

// exportTo writes a scope's captures to path (off the UI goroutine): a
// leading ~ is the home folder and a relative path starts there. It
// returns how many were written and the full path, or an error that says
// what to do.
func (m *Main) exportTo(path string, f exchange.Format, opts exchange.ExportOptions, sc scope) (int, string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return 0, "", errors.New(lang.L("type the file to export to, such as ~/gancho.har"))
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		path = filepath.Join(homeDir(), path[1:])
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(homeDir(), path)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return 0, "", errors.New(lang.L("{{.Path}} is a folder: add a file name, such as {{.Example}}", map[string]any{"Path": path, "Example": filepath.Join(path, "gancho."+string(f))}))
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return 0, "", errors.New(lang.L("the folder {{.Path}} does not exist: create it, or choose another with Folder…", map[string]any{"Path": filepath.Dir(path)}))
	}
	// 0600: an export with secrets included holds credentials.
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, "", wrapL("could not create {{.Path}}: {{.Err}}; choose another file or folder", err, map[string]any{"Path": path})
	}
	// One capture at a time from one streaming read: an export of any size
	// holds one body in memory.
	enc, err := exchange.NewWriter(out, f, opts)
	if err == nil {
		err = m.eachIn(context.Background(), sc, true, enc.Write)
		if err == nil {
			err = enc.Close()
		}
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, "", wrapL("export to {{.Path}} failed: {{.Err}}", err, map[string]any{"Path": path})
	}
	return enc.Count(), path, nil
}

func (m *Main) showImport() {
	if m.win == nil {
		return
	}
	showFileOpen(m.win, importChoice, func(r fyne.URIReadCloser, err error) {
		if err != nil {
			dialog.ShowError(wrapL("could not open that file: {{.Err}}; pick it again from its folder", err, nil), m.win)
			return
		}
		if r == nil {
			return // cancelled
		}
		go func() {
			defer r.Close()
			res, err := exchange.Import(io.LimitReader(r, 1<<30), r.URI().Name())
			added, skipped := 0, 0
			if err == nil {
				for _, q := range res.Requests {
					q.Origin = "import:" + string(res.Source)
				}
				added, skipped, err = m.opts.Importer.Import(context.Background(), res.Requests)
			}
			m.post(func() {
				if err != nil {
					dialog.ShowError(wrapL("import failed: {{.Err}}", err, nil), m.win)
					return
				}
				from := map[string]any{"File": r.URI().Name(), "Source": string(res.Source)}
				msg := countText("{{.Count}} captures imported from {{.File}} ({{.Source}}).", "No captures imported from {{.File}} ({{.Source}}).", "", added, from)
				if skipped > 0 {
					msg += " " + countText("{{.Count}} were already there.", "", "", skipped, nil)
				}
				if len(res.Warnings) > 0 {
					msg += "\n\n" + strings.Join(res.Warnings, "\n")
				}
				dialog.ShowInformation(lang.L("Import done"), short(msg), m.win)
			})
		}()
	})
}

// showBulk replays every listed capture to a target with concurrency and
// pacing, a progress bar, cancel, and a summary by outcome.
func (m *Main) showBulk() {
	if m.win == nil {
		return
	}
	target := widget.NewEntry()
	if m.replays != nil {
		target.SetText(m.replays.target.Text)
	}
	target.SetPlaceHolder(exampleTarget)
	conc := widget.NewEntry()
	conc.SetText("4")
	rate := widget.NewEntry()
	rate.SetPlaceHolder(lang.L("0: as fast as the target answers"))
	bar := widget.NewProgressBar()
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	sc := m.scope()
	var (
		mu     sync.Mutex
		cancel context.CancelFunc
	)
	var start, stop *widget.Button
	n := m.scopeCount(sc)
	start = widget.NewButton("", func() {
		n, err1 := strconv.Atoi(strings.TrimSpace(conc.Text))
		r, err2 := strconv.ParseFloat(strings.TrimSpace("0"+rate.Text), 64)
		if err1 != nil || n < 1 || n > 256 || err2 != nil || r < 0 {
			msg.Importance = widget.DangerImportance
			msg.SetText(lang.L("Concurrency is a whole number from 1 to 256; the rate a number of requests per second (0: no pacing)."))
			return
		}
		if err := replay.CheckTarget(target.Text); err != nil {
			msg.Importance = widget.DangerImportance
			msg.SetText(err.Error())
			return
		}
		ctx, c := context.WithCancel(context.Background())
		mu.Lock()
		cancel = c
		mu.Unlock()
		start.Disable()
		stop.Enable()
		msg.Importance = widget.MediumImportance
		msg.SetText(m.loadingNote(sc))
		to := strings.TrimSpace(target.Text) // read here, on the UI goroutine
		go func() {
			sum, total, err := m.replayScope(ctx, sc, replay.BulkOptions{
				Target: to, Concurrency: n, RatePerSec: r,
				Send: replay.Options{Timeout: replay.DefaultTimeout},
			}, func(done, total int) {
				// Only every 1% reaches the UI: a fast bulk must not flood the pump.
				if total > 100 && done%(total/100) != 0 && done != total {
					return
				}
				m.post(func() {
					bar.SetValue(float64(done) / float64(total))
					msg.SetText(lang.L("{{.Done}} of {{.Total}} sent", map[string]any{"Done": loc.Int(int64(done)), "Total": loc.Int(int64(total))}))
				})
			})
			m.post(func() {
				stop.Disable()
				start.Enable()
				if err != nil {
					msg.Importance = widget.DangerImportance
					msg.SetText(lang.L("Could not read the captures: {{.Err}}", map[string]any{"Err": err.Error()}))
					return
				}
				msg.Importance = widget.SuccessImportance
				if len(sum.Failed) > 0 || sum.Other > 0 {
					msg.Importance = widget.WarningImportance
				}
				msg.SetText(bulkSummary(sum, total))
				if m.replays != nil {
					m.replays.reload() // the open capture's Replays tab counts these too
				}
			})
		}()
	})
	start.Importance = widget.HighImportance
	// The button says how many captures go where before anything is sent.
	label := func(to string) {
		to = strings.TrimSpace(to)
		if to == "" {
			to = "…"
		}
		start.SetText(countText("Replay {{.Count}} captures to {{.Target}}", "No captures to replay", "Replay the matching captures to {{.Target}}", n, map[string]any{"Target": elideMiddle(to, 48)}))
	}
	label(target.Text)
	target.OnChanged = label
	if n == 0 {
		start.Disable()
	}
	stop = widget.NewButton(lang.L("Cancel"), func() {
		mu.Lock()
		if cancel != nil {
			cancel()
		}
		mu.Unlock()
	})
	stop.Disable()
	form := widget.NewForm(
		widget.NewFormItem(lang.L("To"), target),
		widget.NewFormItem(lang.L("Concurrency"), conc),
		widget.NewFormItem(lang.L("Requests/s"), rate),
	)
	note := widget.NewLabel(m.scopeNote("Replays", sc, n))
	note.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(note, form,
		container.NewHBox(start, stop), bar, msg)
	d := dialog.NewCustom(lang.L("Bulk replay"), lang.L("Close"), content, m.win)
	d.SetOnClosed(func() {
		mu.Lock()
		if cancel != nil {
			cancel()
		}
		mu.Unlock()
	})
	d.Resize(fyne.NewSize(640, 360))
	d.Show()
}

// replayScope replays a scope's captures oldest first (off the UI
// goroutine) and returns the summary and how many it set out to send. The
// ids come from one streaming read of summaries; each body is read as the
// replay reaches it, so memory holds the ids and the few captures in
// flight, and no read of the store stays open while requests are out
// (a paced replay can last hours). A capture deleted meanwhile is skipped.
func (m *Main) replayScope(ctx context.Context, sc scope, o replay.BulkOptions, progress func(done, total int)) (replay.Summary, int, error) {
	ids := sc.picked
	if ids == nil {
		err := m.eachIn(ctx, sc, false, func(r *capture.Request) error {
			ids = append(ids, r.ID)
			return nil
		})
		if err != nil {
			return replay.Summary{Failed: map[replay.Class]int{}}, 0, err
		}
	}
	o.Progress = progress
	sum, err := replay.BulkEach(ctx, m.opts.Sender, m.opts.Replays, func(fn func(*capture.Request) error) error {
		for _, id := range ids {
			r, err := m.opts.Captures.Get(ctx, id)
			if errors.Is(err, capture.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}, len(ids), o)
	return sum, len(ids), err
}

// bulkSummary is the outcome of a bulk replay in one sentence.
func bulkSummary(s replay.Summary, total int) string {
	data := map[string]any{"Sent": loc.Int(int64(s.Sent)), "Total": loc.Int(int64(total)), "Elapsed": s.Elapsed.Round(1e6).String(),
		"OK": loc.Int(int64(s.OK)), "Other": loc.Int(int64(s.Other))}
	var failed []string
	for c, n := range s.Failed {
		failed = append(failed, lang.L("{{.Count}} {{.Class}}", map[string]any{"Count": loc.Int(int64(n)),
			"Class": classWord(c)}))
	}
	if len(failed) == 0 {
		return lang.L("Sent {{.Sent}} of {{.Total}} in {{.Elapsed}}: {{.OK}} answered 2xx, {{.Other}} answered otherwise.", data)
	}
	data["Failed"] = strings.Join(failed, ", ")
	return lang.L("Sent {{.Sent}} of {{.Total}} in {{.Elapsed}}: {{.OK}} answered 2xx, {{.Other}} answered otherwise, failed: {{.Failed}}.", data)
}

// wrapL is a translated error message (key with {{.Err}} for err's text,
// and data's other fields) that still wraps err for errors.Is.
func wrapL(key string, err error, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["Err"] = err.Error()
	return &translatedError{msg: lang.L(key, data), err: err}
}

type translatedError struct {
	msg string
	err error
}

func (e *translatedError) Error() string { return e.msg }
func (e *translatedError) Unwrap() error { return e.err }
