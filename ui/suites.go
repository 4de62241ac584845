package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/diff"
	"github.com/gancho-app/gancho/internal/text"
	"github.com/gancho-app/gancho/suite"
)

// Preferences of the Suites section: the suite file last opened, and per
// suite file the target it was last run against.
const (
	prefSuiteFile   = "suiteFile"
	prefSuiteTarget = "suiteTarget:" // + the file's path
)

// suiteChoice is what the suite file dialogs list.
var suiteChoice = fileChoice{title: "Suite file", exts: []string{".yaml", ".yml", ".json"}}

// suiteFiles asks which suite file to read or where to write one: the
// window's file dialogs, or a fake in tests. Both are called on the UI
// goroutine and call done on it; a cancelled dialog calls nothing.
type suiteFiles interface {
	Open(done func(path string, data []byte, err error))
	Save(name, dir string, data []byte, done func(path string, err error))
}

// stepState is where a step of the open suite is in the current run.
type stepState int

const (
	stepNotRun stepState = iota
	stepRunning
	stepPassed
	stepFailed
)

// suiteRow is one line of the pass/fail table.
type suiteRow struct {
	name  string
	state stepState
	res   *suite.StepResult
}

// suitesPanel is the Suites section: the open suite, the target it runs
// against, Run and Stop, the live progress, the pass/fail table and the
// selected step's failures. UI goroutine, except the run itself, whose
// progress reaches the widgets through the window's pump (Main.post).
type suitesPanel struct {
	m     *Main
	run   SuiteRunner
	files suiteFiles
	tab   *container.TabItem
	root  *fyne.Container // the empty state or the open suite

	s    *suite.Suite
	path string

	empty    fyne.CanvasObject
	view     fyne.CanvasObject
	emptyMsg *widget.Label
	title    *widget.Label
	fileLbl  *widget.Label
	target   *widget.Entry
	runBtn   *widget.Button
	stopBtn  *widget.Button
	editBtn  *widget.Button
	bar      *widget.ProgressBar
	progress *widget.Label
	msg      *widget.Label
	list     *widget.List
	rows     []suiteRow
	sel      int
	detail   *widget.TextGrid
	detailT  *widget.Label

	gen    int // the current run; progress of an older one is dropped
	cancel context.CancelFunc
	editor *suiteEditor // the editor open, if any (tests)
}

// SuiteRunner runs suite s as suite.Run does: the window sets o's Target,
// Progress and Starting, and the runner the rest (gui.go wires suite.Run
// with the app's sender, captures and outbound subscriptions). It calls
// Progress and Starting on its own goroutine and returns when the suite is
// done or ctx is cancelled. Safe for concurrent use.
type SuiteRunner func(ctx context.Context, s *suite.Suite, o suite.RunOptions) (*suite.Report, error)

func newSuitesPanel(m *Main, run SuiteRunner) *suitesPanel {
	p := &suitesPanel{m: m, run: run, sel: -1}
	p.files = dialogSuiteFiles{m}
	p.emptyMsg = widget.NewLabel("")
	p.emptyMsg.Wrapping = fyne.TextWrapWord
	p.emptyMsg.Alignment = fyne.TextAlignCenter
	p.emptyMsg.Importance = widget.DangerImportance
	p.emptyMsg.Hide()
	title := widget.NewLabelWithStyle(lang.L("No suite open"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	howto := widget.NewLabel(lang.L("A suite is a list of hooks kept in a file with what the receiver must answer to each. Pick captures in the Inbound list (Space), save them as a suite, add expectations, and run it against your receiver here or in CI with {{.Command}}.",
		map[string]any{"Command": "gancho test"}))
	howto.Wrapping = fyne.TextWrapWord
	howto.Alignment = fyne.TextAlignCenter
	open := widget.NewButtonWithIcon(lang.L("Open suite…"), theme.FolderOpenIcon(), p.openFile)
	fromCaps := widget.NewButtonWithIcon(lang.L("Save captures as suite…"), theme.DocumentSaveIcon(), func() { m.saveAsSuite(m.suiteSource()) })
	fromCaps.Importance = widget.HighImportance
	p.empty = container.NewCenter(container.New(&maxWidth{w: 560}, container.NewVBox(title, howto,
		container.NewCenter(container.NewHBox(open, fromCaps)), p.emptyMsg)))

	p.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.title.Truncation = fyne.TextTruncateEllipsis
	p.fileLbl = widget.NewLabel("")
	p.fileLbl.Truncation = fyne.TextTruncateEllipsis
	p.editBtn = widget.NewButtonWithIcon(lang.L("Edit…"), theme.DocumentCreateIcon(), func() {
		if p.s != nil {
			p.showSuiteEditor(p.s, p.path)
		}
	})
	openBtn := widget.NewButtonWithIcon(lang.L("Open…"), theme.FolderOpenIcon(), p.openFile)
	p.target = widget.NewEntry()
	p.target.SetPlaceHolder(exampleTarget)
	p.target.OnChanged = func(string) { p.keepTarget() }
	p.target.OnSubmitted = func(string) { p.start() }
	p.runBtn = widget.NewButtonWithIcon(lang.L("Run"), theme.MediaPlayIcon(), p.start)
	p.runBtn.Importance = widget.HighImportance
	p.stopBtn = widget.NewButtonWithIcon(lang.L("Stop"), theme.MediaStopIcon(), p.stop)
	p.stopBtn.Disable()
	p.bar = widget.NewProgressBar()
	p.bar.TextFormatter = func() string { return "" } // the count beside it says it in words
	p.bar.Hide()                                      // shown from the first run on
	p.progress = widget.NewLabel("")
	p.msg = widget.NewLabel("")
	p.msg.Wrapping = fyne.TextWrapWord
	p.msg.Hide()

	p.list = widget.NewList(func() int { return len(p.rows) }, newSuiteRowObject,
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.rows) {
				p.updateRow(o.(*fyne.Container), p.rows[i])
			}
		})
	p.list.OnSelected = func(i widget.ListItemID) { p.sel = i; p.showDetail() }
	head := newSuiteRowObject().(*fyne.Container)
	setCells(head, lang.L("Step"), lang.L("Status"), lang.L("Latency"), lang.L("Result"), nil)
	for _, o := range head.Objects {
		o.(*widget.Label).TextStyle = fyne.TextStyle{Bold: true}
	}
	p.detail = widget.NewTextGrid()
	p.detail.Scroll = fyne.ScrollBoth
	p.detailT = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.detailT.Truncation = fyne.TextTruncateEllipsis

	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(p.editBtn, openBtn), p.title),
		p.fileLbl,
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Target")), container.NewHBox(p.runBtn, p.stopBtn), p.target),
		container.NewBorder(nil, nil, nil, p.progress, p.bar),
		p.msg)
	table := container.NewBorder(head, nil, nil, nil, p.list)
	split := container.NewVSplit(table, container.NewBorder(p.detailT, nil, nil, nil, p.detail))
	split.Offset = 0.45
	p.view = container.NewBorder(top, nil, nil, nil, split)
	p.root = container.NewStack(p.empty)
	p.tab = container.NewTabItemWithIcon(lang.L("Suites: regression tests"), theme.ListIcon(), p.root)
	p.reopen()
	return p
}

// maxWidth lays its one object out at most w wide: the empty state's
// sentences wrap at a width people read.
type maxWidth struct{ w float32 }

func (l *maxWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := objs[0].MinSize()
	return fyne.NewSize(min(max(s.Width, l.w), l.w), s.Height)
}

func (l *maxWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Resize(size)
	objs[0].Move(fyne.NewPos(0, 0))
}

// The table's columns after the step name, in text widths: a status
// code, a latency, a result word.
func suiteCols() []float32 {
	w := func(s string) float32 {
		return fyne.MeasureText(s, theme.TextSize(), fyne.TextStyle{Bold: true}).Width + 2*theme.InnerPadding() + 2*theme.Padding()
	}
	return []float32{max(w("00000"), w(lang.L("Status"))), max(w("00000 ms"), w(lang.L("Latency"))),
		max(w(lang.L("failed")), w(lang.L("passed")), w(lang.L("Result")), w(lang.L("not run")), w(lang.L("running…")))}
}

// colsLayout puts its first object in the room left by the others, which
// have fixed widths: the table's header and rows line up.
type colsLayout struct{ widths []float32 }

func (l *colsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for i, o := range objs {
		s := o.MinSize()
		h = max(h, s.Height)
		if i == 0 {
			w += 80
		} else {
			w += l.widths[i-1]
		}
	}
	return fyne.NewSize(w, h)
}

func (l *colsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	rest := size.Width
	for _, w := range l.widths {
		rest -= w
	}
	x := float32(0)
	for i, o := range objs {
		w := rest
		if i > 0 {
			w = l.widths[i-1]
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(max(w, 0), size.Height))
		x += w
	}
}

func newSuiteRowObject() fyne.CanvasObject {
	cells := make([]fyne.CanvasObject, 4)
	for i := range cells {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		if i > 0 {
			l.Alignment = fyne.TextAlignTrailing
		}
		cells[i] = l
	}
	cells[3].(*widget.Label).Alignment = fyne.TextAlignLeading
	return container.New(&colsLayout{widths: suiteCols()}, cells...)
}

func setCells(c *fyne.Container, name, status, latency, result string, imp *widget.Importance) {
	for i, t := range []string{name, status, latency, result} {
		l := c.Objects[i].(*widget.Label)
		if i == 3 && imp != nil && l.Importance != *imp {
			l.Importance = *imp
			l.TextStyle = fyne.TextStyle{Bold: *imp != widget.MediumImportance}
		}
		if l.Text != t {
			l.SetText(t)
		} else if i == 3 {
			l.Refresh()
		}
	}
}

func (p *suitesPanel) updateRow(c *fyne.Container, r suiteRow) {
	status, latency, result, imp := "", "", lang.L("not run"), widget.MediumImportance
	if r.res != nil {
		if r.res.Status > 0 {
			status = fmt.Sprint(r.res.Status)
		}
		latency = formatLatency(r.res.Latency)
	}
	switch r.state {
	case stepRunning:
		result = lang.L("running…")
	case stepPassed:
		result, imp = lang.L("passed"), widget.SuccessImportance
	case stepFailed:
		result, imp = lang.L("failed"), widget.DangerImportance
	}
	setCells(c, r.name, status, latency, result, &imp)
}

// formatLatency is a step's latency as the table shows it: ms under ten
// seconds, seconds above.
func formatLatency(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	if d < 10*time.Second {
		return lang.L("{{.N}} ms", map[string]any{"N": loc.Int(int64((d + time.Millisecond/2) / time.Millisecond))})
	}
	return lang.L("{{.N}} s", map[string]any{"N": loc.Int(int64((d + time.Second/2) / time.Second))})
}

// say shows a sentence about the section (err: in red): in the empty
// state when no suite is open, above the table otherwise.
func (p *suitesPanel) say(s string, isErr bool) {
	for _, l := range []*widget.Label{p.msg, p.emptyMsg} {
		l.Importance = widget.MediumImportance
		if isErr {
			l.Importance = widget.DangerImportance
		}
		l.SetText(s)
		setVisible(l, s != "")
	}
}

// subscriptionNames are the outbound subscriptions' names, for the
// editor's signing choice; nil when the window has no Outbound section.
func (p *suitesPanel) subscriptionNames() []string {
	if p.m.outbound == nil {
		return nil
	}
	names := []string{}
	for _, s := range p.m.outbound.subs {
		names = append(names, s.Name)
	}
	return names
}

// edit opens the editor over a suite not yet saved (from captures).
func (p *suitesPanel) edit(s *suite.Suite, path string) {
	p.m.showSuites()
	p.say("", false)
	p.showSuiteEditor(s, path)
}

// saveEdited checks the editor's suite, asks where to write it, writes it
// and opens it here; done closes the editor (UI goroutine).
func (p *suitesPanel) saveEdited(e *suiteEditor, done func()) {
	s, ok := e.check()
	if !ok {
		return
	}
	data, err := suite.Marshal(s)
	if err != nil {
		e.msg.SetText(err.Error())
		e.msg.Show()
		return
	}
	name, dir := suiteFileName(s), ""
	if e.path != "" {
		name, dir = filepath.Base(e.path), filepath.Dir(e.path)
	}
	p.files.Save(name, dir, data, func(path string, err error) {
		if err != nil {
			e.msg.SetText(lang.L("Could not save the suite: {{.Err}}", map[string]any{"Err": err.Error()}))
			e.msg.Show()
			return
		}
		e.path = path
		p.show(cloneSuite(s), path)
		p.say(lang.L("Saved {{.File}}.", map[string]any{"File": path}), false)
		if done != nil {
			done()
		}
	})
}

// suiteFileName proposes a file name from the suite's name.
func suiteFileName(s *suite.Suite) string {
	n := stepName("", strings.ReplaceAll(s.Name, " ", "-"))
	if n == "step" {
		n = "suite"
	}
	return n + ".yaml"
}

// openFile asks for a suite file and opens it (UI goroutine).
func (p *suitesPanel) openFile() {
	p.files.Open(func(path string, data []byte, err error) {
		if err != nil {
			p.say(lang.L("Could not read that file: {{.Err}}", map[string]any{"Err": err.Error()}), true)
			return
		}
		p.load(path, data)
	})
}

// load parses data (the file at path) and shows it, or says why it does
// not read (UI goroutine).
func (p *suitesPanel) load(path string, data []byte) {
	s, err := suite.Parse(data, filepath.Base(path))
	if err != nil {
		p.say(lang.L("{{.File}} is not a suite Gancho can run: {{.Err}}", map[string]any{"File": filepath.Base(path), "Err": err.Error()}), true)
		return
	}
	p.show(s, path)
	p.say("", false)
}

// reopen opens the suite file of the last session, off the UI goroutine;
// a file gone since is said, and forgotten.
func (p *suitesPanel) reopen() {
	a := fyne.CurrentApp()
	if a == nil {
		return
	}
	path := a.Preferences().String(prefSuiteFile)
	if path == "" {
		return
	}
	go func() {
		data, err := readSuiteFile(path)
		p.m.post(func() {
			if p.s != nil {
				return // the user opened one meanwhile
			}
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					a.Preferences().SetString(prefSuiteFile, "")
					p.say(lang.L("The suite file {{.File}} is gone (moved or deleted): open it where it is now.", map[string]any{"File": path}), true)
					return
				}
				p.say(lang.L("Could not read {{.File}}: {{.Err}}", map[string]any{"File": path, "Err": err.Error()}), true)
				return
			}
			p.load(path, data)
		})
	}()
}

// readSuiteFile reads at most suite.MaxFileSize+1 bytes of path: Parse
// refuses a larger file without it being read whole.
func readSuiteFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, suite.MaxFileSize+1))
}

// show makes s (read from path) the open suite (UI goroutine).
func (p *suitesPanel) show(s *suite.Suite, path string) {
	p.stop()
	p.gen++
	p.s, p.path = s, path
	name := s.Name
	if name == "" {
		name = baseName(path)
	}
	p.title.SetText(name)
	p.fileLbl.SetText(lang.N("{{.File}} · {{.Count}} steps", len(s.Steps), map[string]any{"File": path, "Count": loc.Int(int64(len(s.Steps)))}))
	target := s.Target
	if a := fyne.CurrentApp(); a != nil && path != "" {
		a.Preferences().SetString(prefSuiteFile, path)
		if t := a.Preferences().String(prefSuiteTarget + path); t != "" {
			target = t
		}
	}
	p.target.OnChanged = nil
	p.target.SetText(target)
	p.target.OnChanged = func(string) { p.keepTarget() }
	p.reset()
	p.bar.Hide()
	p.progress.SetText(lang.N("{{.Count}} steps", len(s.Steps), map[string]any{"Count": loc.Int(int64(len(s.Steps)))}))
	if len(p.root.Objects) != 1 || p.root.Objects[0] != p.view {
		p.root.Objects = []fyne.CanvasObject{p.view}
		p.root.Refresh()
	}
}

// keepTarget remembers the target typed for the open suite's file.
func (p *suitesPanel) keepTarget() {
	if a := fyne.CurrentApp(); a != nil && p.path != "" {
		a.Preferences().SetString(prefSuiteTarget+p.path, strings.TrimSpace(p.target.Text))
	}
}

// reset lists the steps as not run.
func (p *suitesPanel) reset() {
	p.rows = p.rows[:0]
	for _, st := range p.s.Steps {
		p.rows = append(p.rows, suiteRow{name: st.Name})
	}
	p.sel = -1
	p.list.UnselectAll()
	p.list.Refresh()
	p.bar.SetValue(0)
	p.showDetail()
}

// start runs the open suite against the target off the UI goroutine; each
// step's result comes back through the pump (UI goroutine).
func (p *suitesPanel) start() {
	if p.s == nil || p.cancel != nil || p.run == nil {
		return
	}
	target := strings.TrimSpace(p.target.Text)
	if target == "" && p.s.Target == "" {
		p.say(lang.L("Give the target: the base URL of the receiver under test, e.g. http://localhost:3000."), true)
		return
	}
	if target != "" {
		if problem := targetProblem(target); problem != "" {
			p.say(lang.L("The target is {{.Problem}}.", map[string]any{"Problem": problem}), true)
			return
		}
	}
	p.reset()
	p.gen++
	gen, total := p.gen, len(p.s.Steps)
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.runBtn.Disable()
	p.stopBtn.Enable()
	p.editBtn.Disable()
	p.say("", false)
	p.bar.Show()
	p.setProgress(0, total, 0)
	s := p.s
	go func() {
		_, err := p.run(ctx, s, suite.RunOptions{Target: target,
			Starting: func(i int, _ string) { p.m.post(func() { p.stepStarting(gen, i) }) },
			Progress: func(r suite.StepResult) { p.m.post(func() { p.stepDone(gen, &r) }) }})
		p.m.post(func() { p.finished(gen, err, ctx.Err() != nil) })
	}()
}

// stepStarting marks step i as running (UI goroutine).
func (p *suitesPanel) stepStarting(gen, i int) {
	if gen != p.gen || i < 0 || i >= len(p.rows) {
		return
	}
	p.rows[i].state = stepRunning
	p.list.RefreshItem(i)
}

// stepDone shows one step's result (UI goroutine).
func (p *suitesPanel) stepDone(gen int, r *suite.StepResult) {
	if gen != p.gen {
		return
	}
	i := r.Index
	if i < 0 || i >= len(p.rows) {
		return
	}
	p.rows[i].res = r
	p.rows[i].state = stepPassed
	if !r.Passed {
		p.rows[i].state = stepFailed
	}
	p.list.RefreshItem(i)
	p.setProgress(p.doneCount(), len(p.rows), p.failCount())
	if p.sel == i || (p.sel < 0 && !r.Passed) {
		if p.sel < 0 {
			p.list.Select(i) // the first failure is shown as it comes
		} else {
			p.showDetail()
		}
	}
}

func (p *suitesPanel) doneCount() int {
	n := 0
	for _, r := range p.rows {
		if r.state == stepPassed || r.state == stepFailed {
			n++
		}
	}
	return n
}

func (p *suitesPanel) failCount() int {
	n := 0
	for _, r := range p.rows {
		if r.state == stepFailed {
			n++
		}
	}
	return n
}

// setProgress moves the bar and says "3 of 12 · 1 failed".
func (p *suitesPanel) setProgress(done, total, failed int) {
	if total > 0 {
		p.bar.SetValue(float64(done) / float64(total))
	}
	line := lang.N("{{.Done}} of {{.Count}}", total, map[string]any{"Done": loc.Int(int64(done)), "Count": loc.Int(int64(total))})
	if failed > 0 {
		line += " · " + plural("{{.Count}} failed", failed)
	}
	p.progress.SetText(line)
}

// finished ends a run: the summary, or why it stopped (UI goroutine).
// The rows already hold every step's result: the report adds nothing the
// table shows.
func (p *suitesPanel) finished(gen int, err error, stopped bool) {
	if gen != p.gen {
		return
	}
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.runBtn.Enable()
	p.stopBtn.Disable()
	p.editBtn.Enable()
	for i := range p.rows {
		if p.rows[i].state == stepRunning {
			p.rows[i].state = stepNotRun
			p.list.RefreshItem(i)
		}
	}
	done, failed, total := p.doneCount(), p.failCount(), len(p.rows)
	switch {
	case stopped:
		p.say(lang.L("Stopped after {{.Done}} of {{.Count}} steps.", map[string]any{"Done": loc.Int(int64(done)), "Count": loc.Int(int64(total))}), false)
	case err != nil:
		p.say(lang.L("The run did not finish: {{.Err}}", map[string]any{"Err": err.Error()}), true)
	case failed > 0:
		p.say(plural("{{.Count}} steps failed: select one to see what the receiver answered.", failed), true)
	default:
		p.say(plural("All {{.Count}} steps passed.", total), false)
	}
}

// stop cancels the run under way, if any (UI goroutine).
func (p *suitesPanel) stop() {
	if p.cancel != nil {
		p.cancel()
		p.stopBtn.Disable()
	}
}

// showDetail shows the selected step's failures: each expectation missed,
// what was expected against what came, and a mismatch of body or headers
// as the diff lines Compare shows (diffRows).
func (p *suitesPanel) showDetail() {
	if p.sel < 0 || p.sel >= len(p.rows) {
		p.detailT.SetText(lang.L("Select a step to see its result."))
		p.detail.Rows = nil
		p.detail.Refresh()
		return
	}
	r := p.rows[p.sel]
	p.detailT.SetText(r.name)
	p.detail.Rows = diffRows(stepReport(r))
	p.detail.Refresh()
}

// maxDetailChanges bounds the changes listed per failure: a hostile body
// must not make a grid of a million lines.
const maxDetailChanges = 200

// stepReport is a step's result for people: a line per failure, expected
// and received as "-" and "+" lines, changes as diff lines.
func stepReport(r suiteRow) string {
	var b strings.Builder
	switch {
	case r.state == stepNotRun || r.res == nil:
		if r.state == stepRunning {
			return lang.L("Running…")
		}
		return lang.L("Not run yet.")
	case r.res.Passed:
		b.WriteString(lang.L("Passed: every expectation was met.") + "\n")
	}
	for _, f := range r.res.Failures {
		if f.Kind == suite.FailSame && len(f.Changes) > 0 {
			// The runner's sentence lists the changes too: they are
			// shown one a line below, coloured.
			b.WriteString("✗ " + lang.L("The answer differs from the recorded one:") + "\n")
		} else {
			b.WriteString("✗ " + text.Line(failureText(f)) + "\n")
		}
		if (f.Expected != "" || f.Got != "") && len(f.Changes) == 0 && expectation(f.Kind) {
			b.WriteString("  - " + lang.L("expected: {{.V}}", map[string]any{"V": sideText(f.Expected)}) + "\n")
			b.WriteString("  + " + lang.L("received: {{.V}}", map[string]any{"V": sideText(f.Got)}) + "\n")
		}
		for i, c := range f.Changes {
			if i == maxDetailChanges {
				b.WriteString("  " + plural("… and {{.Count}} more differences", len(f.Changes)-i) + "\n")
				break
			}
			b.WriteString("    " + changeLine(c) + "\n")
		}
		b.WriteString("\n")
	}
	if !r.res.Passed && r.res.Err == "" && r.res.Status > 0 {
		b.WriteString(lang.L("The receiver answered {{.Status}}:", map[string]any{"Status": r.res.Status}) + "\n")
		body := r.res.Response.Body
		if len(body) > maxDetailBody {
			body = body[:maxDetailBody]
		}
		// A body's final newline ends its last line, not a line of its own.
		for _, line := range strings.Split(strings.TrimSuffix(text.Block(string(body)), "\n"), "\n") {
			b.WriteString("  │ " + elideMiddle(line, 400) + "\n") // never read as a diff line
		}
		if len(r.res.Response.Body) > maxDetailBody || r.res.Response.Truncated {
			b.WriteString("  …\n")
		}
	}
	return b.String()
}

// expectation reports whether a failure kind is a check of the answer,
// which has an expected and a received side; the others (no answer, no
// request) are said by their sentence alone.
func expectation(k suite.FailureKind) bool {
	switch k {
	case suite.FailTransport, suite.FailTemplate, suite.FailEdit, suite.FailSign, suite.FailSource:
		return false
	}
	return true
}

// sideText is one side of a failed check, bounded, "(nothing)" when empty.
func sideText(v string) string {
	switch v {
	case "":
		return lang.L("(nothing)")
	case "(present)", "(absent)": // the runner's markers for a header, not values
		return lang.L(v)
	}
	return elideMiddle(text.Line(v), 400)
}

// maxDetailBody bounds the received body shown under a failure.
const maxDetailBody = 4 << 10

// failureText is a failure's sentence in the window's language: its Key
// translated and filled with its Data where the catalogue has it.
func failureText(f suite.Failure) string {
	if f.Key == "" {
		return f.Message
	}
	return lang.X(f.Key, f.Message, f.Data)
}

// changeLine is c's diff line, each value bounded.
func changeLine(c diff.Change) string {
	c.Old, c.New = elideMiddle(text.Line(c.Old), 300), elideMiddle(text.Line(c.New), 300)
	return c.String()
}

// baseName is a path's file name.
func baseName(path string) string { return filepath.Base(path) }

// dialogSuiteFiles is the window's suiteFiles: its file dialogs.
type dialogSuiteFiles struct{ m *Main }

func (d dialogSuiteFiles) Open(done func(string, []byte, error)) {
	if d.m.win == nil {
		return
	}
	c := suiteChoice
	c.title = "Open suite"
	showFileOpen(d.m.win, c, func(r fyne.URIReadCloser, err error) {
		if err != nil {
			done("", nil, err)
			return
		}
		if r == nil {
			return // cancelled
		}
		go func() { // a suite can be megabytes: read it off the UI goroutine
			data, err := io.ReadAll(io.LimitReader(r, suite.MaxFileSize+1))
			r.Close()
			d.m.post(func() { done(r.URI().Path(), data, err) })
		}()
	})
}

func (d dialogSuiteFiles) Save(name, dir string, data []byte, done func(string, error)) {
	if d.m.win == nil {
		return
	}
	c := suiteChoice
	c.title, c.name, c.dir = "Save suite", name, dir
	showFileSave(d.m.win, c, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			done("", err)
			return
		}
		if w == nil {
			return
		}
		go func() {
			_, err := w.Write(data)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			d.m.post(func() { done(w.URI().Path(), err) })
		}()
	})
}
