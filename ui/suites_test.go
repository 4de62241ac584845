package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/diff"
	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/suite"
)

// memSuiteFiles is a suiteFiles without dialogs: Save writes into dir,
// Open hands over what next holds.
type memSuiteFiles struct {
	dir   string
	mu    sync.Mutex
	saved []byte
	next  func() (string, []byte, error)
}

func (f *memSuiteFiles) Open(done func(string, []byte, error)) {
	path, data, err := f.next()
	done(path, data, err)
}

func (f *memSuiteFiles) Save(name, _ string, data []byte, done func(string, error)) {
	f.mu.Lock()
	f.saved = bytes.Clone(data)
	f.mu.Unlock()
	path := filepath.Join(f.dir, name)
	done(path, os.WriteFile(path, data, 0o600))
}

// realRun is the window's runner as gui.go wires it, with a fresh sender.
func realRun(ctx context.Context, s *suite.Suite, o suite.RunOptions) (*suite.Report, error) {
	return suite.Run(ctx, s, o)
}

// suitesHarness is a window with the Suites section, its file dialogs
// replaced by memSuiteFiles.
func suitesHarness(t *testing.T, run SuiteRunner, mr *memReplays) (*harness, *memSuiteFiles) {
	t.Helper()
	h := newHarnessWith(t, func(o *Options) {
		o.RunSuite = run
		if mr != nil {
			o.Replays = mr
		}
	})
	fs := &memSuiteFiles{dir: t.TempDir()}
	h.do(func() {
		h.m.win = h.win
		h.m.suites.files = fs
		h.win.Resize(fyne.NewSize(1200, 800))
	})
	return h, fs
}

// tapButton taps the button labelled label under o; false when there is
// none (UI goroutine).
func tapButton(o fyne.CanvasObject, label string) bool {
	var b *widget.Button
	walk(o, func(c fyne.CanvasObject) {
		if x, ok := c.(*widget.Button); ok && x.Text == label && x.Visible() {
			b = x
		}
	})
	if b == nil {
		return false
	}
	test.Tap(b)
	return true
}

// TestSaveAsSuiteFromPicked: the picked captures, saved as a suite from
// the Tools menu, the File menu and a row's menu, become steps in arrival
// order, named from method and path, bodies byte for byte (binary too),
// with a replay's answer as the recorded one.
func TestSaveAsSuiteFromPicked(t *testing.T) {
	mr := &memReplays{}
	h, _ := suitesHarness(t, realRun, mr)
	bin := []byte{0x00, 0xff, 0x10, '{', '{', 0xc3}
	a := h.add(t, "POST", "/hooks/crm?x=1", "application/json", []byte("{\"a\": 1,\n  \"s\":\"São Paulo\"}\r\n"))
	skip := h.add(t, "PUT", "/other", "text/plain", []byte("not picked"))
	b := h.add(t, "POST", "/hooks/crm", "application/octet-stream", bin)
	c := h.add(t, "DELETE", "/", "text/plain", nil)
	_ = mr.Add(context.Background(), &replay.Attempt{ID: "r1", CaptureID: b.ID, Request: replay.Request{URL: "http://127.0.0.1:3000/hooks/crm"},
		Result: replay.Result{Status: 202, Headers: capture.Headers{{Name: "X-Seen", Value: "yes"}}, Body: []byte(`{"ok":true}`)}})
	h.waitFor(t, "four rows", func() bool { return len(h.m.items) == 4 })

	check := func(t *testing.T, want []*capture.Request) {
		t.Helper()
		h.waitFor(t, "the suite editor", func() bool { return h.m.suites.editor != nil })
		var s *suite.Suite
		h.do(func() { s = h.m.suites.editor.s })
		if len(s.Steps) != len(want) {
			t.Fatalf("%d steps, want %d", len(s.Steps), len(want))
		}
		for i, st := range s.Steps {
			got, err := st.Request.Bytes()
			if err != nil || !bytes.Equal(got, want[i].Body) || st.Request.Method != want[i].Method || st.Request.Path != want[i].Target {
				t.Errorf("step %d: %s %s %q (%v), want %s %s %q", i, st.Request.Method, st.Request.Path, got, err, want[i].Method, want[i].Target, want[i].Body)
			}
		}
		// The suite writes and reads back to the same bytes.
		data, err := suite.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := suite.Parse(data, "x.yaml")
		if err != nil {
			t.Fatalf("saved suite does not parse: %v\n%s", err, data)
		}
		for i, st := range back.Steps {
			if got, _ := st.Request.Bytes(); !bytes.Equal(got, want[i].Body) {
				t.Errorf("step %d after a round trip: %q", i, got)
			}
		}
		h.do(func() { h.m.suites.editor = nil; h.win.Canvas().Overlays().Remove(h.win.Canvas().Overlays().Top()) })
	}

	t.Run("tools menu", func(t *testing.T) {
		h.do(func() { h.m.togglePick(c.ID); h.m.togglePick(a.ID); h.m.togglePick(b.ID) })
		label := ""
		h.do(func() {
			for _, it := range h.m.toolsMenu().Items {
				if strings.HasPrefix(it.Label, "Save 3 picked") {
					label = it.Label
					it.Action()
				}
			}
		})
		if label != "Save 3 picked captures as suite…" {
			t.Fatalf("no Save as suite item for the picked captures (%q)", label)
		}
		check(t, []*capture.Request{a, b, c})
	})
	t.Run("names, recorded answer and target", func(t *testing.T) {
		h.do(func() { h.m.saveAsSuite(h.m.suiteSource()) })
		h.waitFor(t, "the suite editor", func() bool { return h.m.suites.editor != nil })
		var s *suite.Suite
		h.do(func() { s = cloneSuite(h.m.suites.editor.s) })
		names := []string{s.Steps[0].Name, s.Steps[1].Name, s.Steps[2].Name}
		if fmt.Sprint(names) != "[post-hooks-crm post-hooks-crm-2 delete]" {
			t.Errorf("names %v", names)
		}
		if s.Steps[0].Recorded != nil || s.Steps[0].Expect.Status != "2xx" {
			t.Errorf("a capture never replayed has a recorded answer or expects %q: Gancho's own answer is not the receiver's", s.Steps[0].Expect.Status)
		}
		r := s.Steps[1].Recorded
		if r == nil || r.Status != 202 || r.Body != `{"ok":true}` || len(r.Headers) != 1 || s.Steps[1].Expect.Status != "2xx" {
			t.Errorf("recorded %+v, expect %+v", r, s.Steps[1].Expect)
		}
		if s.Target != "http://127.0.0.1:3000" {
			t.Errorf("target %q", s.Target)
		}
		h.do(func() { h.m.suites.editor = nil; h.win.Canvas().Overlays().Remove(h.win.Canvas().Overlays().Top()) })
	})
	t.Run("file menu, selected capture", func(t *testing.T) {
		h.do(func() {
			h.m.clearPicks()
			for i, r := range h.m.items {
				if r.ID == skip.ID {
					h.m.list.Select(i)
				}
			}
		})
		h.waitFor(t, "the selection", func() bool { return h.m.selectedID() == skip.ID })
		h.do(func() { menuItem(h.m.MainMenu(), "File", "Save as suite…").Action() })
		check(t, []*capture.Request{skip})
	})
	t.Run("row menu", func(t *testing.T) {
		ok := false
		h.do(func() {
			row := rowOf(h.m, c.ID)
			if row == nil {
				return
			}
			row.TappedSecondary(&fyne.PointEvent{})
			ok = tapMenuItem(h.win.Canvas(), "Save as suite…")
		})
		if !ok {
			t.Fatal("no Save as suite… in the row's menu")
		}
		check(t, []*capture.Request{c})
	})
}

// editorSuite is a suite of two inlined steps for the editor tests.
func editorSuite() *suite.Suite {
	s := &suite.Suite{Version: 1, Name: "smoke"}
	for _, n := range []string{"create", "update"} {
		st := suite.FromCaptureRequest(n, &capture.Request{Method: "POST", Target: "/hooks/" + n,
			Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: []byte(`{"n":"` + n + `"}`)})
		s.Steps = append(s.Steps, st)
	}
	return s
}

// TestSuiteEditorValidation: a wrong value shows its problem under its
// field once typed, and the problem goes once it is fixed; Save with a
// problem left shows them all and writes nothing; fixed, Save writes a
// suite that reads back with the expectations typed.
func TestSuiteEditorValidation(t *testing.T) {
	h, fs := suitesHarness(t, realRun, nil)
	var e *suiteEditor
	h.do(func() { e = h.m.suites.showSuiteEditor(editorSuite(), "") })
	shown := func(key string) string {
		var s string
		h.do(func() {
			if l := e.errs[key]; l.Visible() {
				s = l.Text
			}
		})
		return s
	}
	h.do(func() { test.Type(e.status, "2x") })
	if got := shown(sfStatus); !strings.Contains(got, "class (2xx)") {
		t.Errorf("status problem %q", got)
	}
	if got := shown(sfLatency); got != "" {
		t.Errorf("an untouched field shows %q", got)
	}
	h.do(func() { test.Type(e.status, "x") })
	if got := shown(sfStatus); got != "" {
		t.Errorf("fixed status still shows %q", got)
	}
	h.do(func() {
		test.Type(e.latency, "soon")
		e.hdrs.add("", opPresent, "")
		e.json.add("data.id", opMatches, "")
		e.json.rows[0].value.SetText("([") // typed: the change reaches the form
	})
	if got := shown(sfLatency); !strings.Contains(got, "not a duration") {
		t.Errorf("latency problem %q", got)
	}
	if got := shown(sfJSON); !strings.Contains(got, "does not compile") {
		t.Errorf("regexp problem %q", got)
	}
	// Save with problems: each shows, the first step with one is selected,
	// nothing is written.
	h.do(func() {
		e.stepName.SetText("update") // the other step's name
		tapButton(h.win.Canvas().Overlays().Top(), "Save…")
	})
	if got := shown(sfName); !strings.Contains(got, "another step") {
		t.Errorf("duplicate name problem %q", got)
	}
	var msg string
	h.do(func() { msg = e.msg.Text })
	if !strings.Contains(msg, "problems to fix") {
		t.Errorf("save message %q", msg)
	}
	if fs.saved != nil {
		t.Fatal("a suite with problems was written")
	}
	h.do(func() {
		e.stepName.SetText("create")
		e.latency.SetText("250ms")
		e.json.rows[0].value.SetText(`^\d+$`)
		e.hdrs.rows[0].name.SetText("X-Request-Id")
		e.json.add("data.name", opEquals, "")
		e.json.rows[1].value.SetText(`"Ana"`)
	})
	for _, k := range []string{sfName, sfLatency, sfJSON, sfHeaders} {
		if got := shown(k); got != "" {
			t.Errorf("%s: fixed problem still shows %q", k, got)
		}
	}
	h.do(func() { tapButton(h.win.Canvas().Overlays().Top(), "Save…") })
	h.waitFor(t, "the saved suite open", func() bool { return h.m.suites.s != nil })
	back, err := suite.Parse(fs.saved, "smoke.yaml")
	if err != nil {
		t.Fatalf("saved suite: %v\n%s", err, fs.saved)
	}
	ex := back.Steps[0].Expect
	if ex == nil || ex.Status != "2xx" || ex.LatencyUnder != "250ms" || len(ex.JSON) != 2 || *ex.JSON[0].Matches != `^\d+$` ||
		ex.JSON[1].Equals != "Ana" || len(ex.Headers) != 1 || ex.Headers[0].Name != "X-Request-Id" {
		t.Errorf("saved expectations %+v", ex)
	}
	if h.eval(func() bool { return h.win.Canvas().Overlays().Top() != nil }) {
		t.Error("the editor stayed open after saving")
	}
}

// TestSuiteOpen: File > Open suite… opens a suite file in the section; a
// file that is not a suite is said in a sentence,
// and so is the last session's suite file gone.
func TestSuiteOpen(t *testing.T) {
	t.Run("not a suite", func(t *testing.T) {
		h, fs := suitesHarness(t, realRun, nil)
		fs.next = func() (string, []byte, error) { return "/tmp/x.yaml", []byte("steps: [oops"), nil }
		h.do(func() { tapButton(h.m.suites.root, "Open suite…") })
		var msg string
		h.do(func() { msg = h.m.suites.emptyMsg.Text })
		if !strings.HasPrefix(msg, "x.yaml is not a suite Gancho can run:") {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("opens", func(t *testing.T) {
		h, fs := suitesHarness(t, realRun, nil)
		data, err := suite.Marshal(editorSuite())
		if err != nil {
			t.Fatal(err)
		}
		fs.next = func() (string, []byte, error) { return "/tmp/smoke.yaml", data, nil }
		h.do(func() { menuItem(h.m.MainMenu(), "File", "Open suite…").Action() })
		var title, file string
		var inFront bool
		h.do(func() {
			title, file = h.m.suites.title.Text, h.m.suites.fileLbl.Text
			inFront = h.m.sections.Selected() == h.m.suites.tab && h.m.suites.root.Objects[0] == h.m.suites.view
		})
		if title != "smoke" || file != "/tmp/smoke.yaml · 2 steps" || !inFront {
			t.Errorf("title %q, file %q, shown %v", title, file, inFront)
		}
	})
	t.Run("file gone", func(t *testing.T) {
		gone := filepath.Join(t.TempDir(), "gone.yaml")
		h := newHarnessWith(t, func(o *Options) {
			o.RunSuite = realRun
			fyne.CurrentApp().Preferences().SetString(prefSuiteFile, gone) // the last session's
		})
		h.waitFor(t, "the sentence", func() bool { return strings.Contains(h.m.suites.emptyMsg.Text, "is gone") })
	})
}

// receiver is a loopback receiver: /ok answers 200 with an id, /bad 500,
// /slow waits until released.
func receiver(t *testing.T) (*httptest.Server, chan struct{}) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":7,"name":"Ana"}`)
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"id":7,"name":"Bia"}`)
		}
	}))
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		srv.Close()
	})
	return srv, release
}

func runSuite(paths ...string) *suite.Suite {
	s := &suite.Suite{Version: 1, Name: "run"}
	for _, p := range paths {
		st := suite.FromCaptureRequest(strings.Trim(p, "/"), &capture.Request{Method: "POST", Target: p,
			Headers: capture.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: []byte(`{}`)})
		st.Expect = &suite.Expect{Status: "2xx", SameAsRecorded: true}
		st.Recorded = &suite.Response{Status: 200, Headers: suite.Headers{"Content-Type: application/json"}, Body: `{"id":7,"name":"Ana"}`}
		s.Steps = append(s.Steps, st)
	}
	return s
}

// TestSuiteRunShowsPassAndFail runs a suite against a loopback receiver
// from the Run button: the passing step and the failing one are listed as
// such, and the failure shows expected against received, with the body's
// difference from the recorded answer as diff lines.
func TestSuiteRunShowsPassAndFail(t *testing.T) {
	srv, _ := receiver(t)
	h, _ := suitesHarness(t, realRun, nil)
	h.do(func() {
		h.m.suites.show(runSuite("/ok", "/bad"), filepath.Join(t.TempDir(), "run.yaml"))
		h.m.suites.target.SetText(srv.URL)
		test.Tap(h.m.suites.runBtn)
	})
	h.waitFor(t, "the run's end", func() bool { return h.m.suites.cancel == nil && h.m.suites.doneCount() == 2 })
	var states []stepState
	var progress, msg, detail string
	h.do(func() {
		for _, r := range h.m.suites.rows {
			states = append(states, r.state)
		}
		progress, msg = h.m.suites.progress.Text, h.m.suites.msg.Text
		h.m.suites.list.Select(1)
		detail = h.m.suites.detail.Text()
	})
	if fmt.Sprint(states) != fmt.Sprint([]stepState{stepPassed, stepFailed}) {
		t.Errorf("states %v", states)
	}
	if progress != "2 of 2 · 1 failed" || !strings.HasPrefix(msg, "1 step failed") {
		t.Errorf("progress %q, message %q", progress, msg)
	}
	for _, want := range []string{"- expected: 2xx", "+ received: 500", `~ body name: "Ana" → "Bia"`, "The receiver answered 500:"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the failure detail lacks %q:\n%s", want, detail)
		}
	}
	if got := fyne.CurrentApp().Preferences().String(prefSuiteTarget + h.m.suites.path); got != srv.URL {
		t.Errorf("the target kept for the suite file is %q", got)
	}
	// The diff lines are coloured as Compare colours them.
	colours := h.eval(func() bool {
		for _, row := range h.m.suites.detail.Rows {
			if strings.HasPrefix(strings.TrimSpace(rowText(row)), "~ ") && row.Style == nil {
				return false
			}
		}
		return true
	})
	if !colours {
		t.Error("a change line is not coloured")
	}
}

func rowText(r widget.TextGridRow) string {
	var b strings.Builder
	for _, c := range r.Cells {
		b.WriteRune(c.Rune)
	}
	return b.String()
}

// TestSuiteRunStop: Stop ends a run waiting on a slow receiver, and says
// where it stopped.
func TestSuiteRunStop(t *testing.T) {
	srv, _ := receiver(t)
	h, _ := suitesHarness(t, realRun, nil)
	h.do(func() {
		h.m.suites.show(runSuite("/ok", "/slow", "/ok2"), filepath.Join(t.TempDir(), "stop.yaml"))
		h.m.suites.target.SetText(srv.URL)
		test.Tap(h.m.suites.runBtn)
	})
	h.waitFor(t, "the slow step running", func() bool { return h.m.suites.rows[1].state == stepRunning })
	h.do(func() { test.Tap(h.m.suites.stopBtn) })
	h.waitFor(t, "the run stopped", func() bool { return h.m.suites.cancel == nil })
	var msg string
	var runOn bool
	h.do(func() { msg, runOn = h.m.suites.msg.Text, !h.m.suites.runBtn.Disabled() })
	if msg != "Stopped after 1 of 3 steps." || !runOn {
		t.Errorf("message %q, Run enabled %v", msg, runOn)
	}
}

// goldenRun is a runner whose results are fixed, latencies included, so
// the golden draws the same every run.
func goldenRun(ctx context.Context, s *suite.Suite, o suite.RunOptions) (*suite.Report, error) {
	rep := &suite.Report{Suite: s.Name, Target: o.Target}
	for i, st := range s.Steps {
		o.Starting(i, st.Name)
		r := suite.StepResult{Index: i, Name: st.Name, Passed: true, Status: 200, Latency: time.Duration(12+i*7) * time.Millisecond}
		if st.Name == "client-updated" {
			r.Passed, r.Status = false, 500
			r.Response.Body = []byte(`{"error":"name is required"}`)
			r.Failures = []suite.Failure{
				{Kind: suite.FailStatus, Message: "expected status 2xx, got 500", Expected: "2xx", Got: "500"},
				{Kind: suite.FailSame, Message: "the answer differs from the recorded one", Changes: []diff.Change{
					{Kind: diff.Changed, Path: "status", Old: "200", New: "500"},
					{Kind: diff.Removed, Path: "id", Old: `"cli_4821"`},
					{Kind: diff.Added, Path: "error", New: `"name is required"`}}},
			}
		}
		o.Progress(r)
		rep.Steps = append(rep.Steps, r)
	}
	return rep, nil
}

// TestSuitesGoldens pins the Suites section empty, and after a run with a
// failure selected.
func TestSuitesGoldens(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		h, _ := suitesHarness(t, goldenRun, nil)
		h.do(func() {
			h.m.showSuites() // a tab not in front is hidden
			// The harness window lays the panel out 1192 wide too: a
			// TextGrid row keeps the cells of its widest layout, and
			// reuses rows from a sync.Pool (random under -race), so
			// a golden at another width would depend on which rows
			// came back from the pool.
			d := test.NewWindow(h.m.suites.root)
			d.Resize(fyne.NewSize(1200, 700))
			test.AssertRendersToMarkup(t, "suites_empty.xml", d.Canvas())
			d.Close()
		})
	})
	t.Run("run with a failure", func(t *testing.T) {
		h, _ := suitesHarness(t, goldenRun, nil)
		s := &suite.Suite{Version: 1, Name: "CRM webhooks – smoke", Target: "http://localhost:3000"}
		for _, n := range []string{"client-created", "client-updated", "sale-created"} {
			s.Steps = append(s.Steps, suite.FromCaptureRequest(n, &capture.Request{Method: "POST", Target: "/hooks/crm", Body: []byte(`{}`)}))
		}
		h.do(func() {
			h.m.suites.show(s, "/home/qa/suites/crm-smoke.yaml")
			test.Tap(h.m.suites.runBtn)
		})
		h.waitFor(t, "the run's end", func() bool { return h.m.suites.cancel == nil && h.m.suites.doneCount() == 3 })
		h.do(func() {
			h.m.suites.list.Select(1)
			h.m.showSuites()
			// The harness window lays the panel out 1192 wide too: a
			// TextGrid row keeps the cells of its widest layout, and
			// reuses rows from a sync.Pool (random under -race), so
			// a golden at another width would depend on which rows
			// came back from the pool.
			d := test.NewWindow(h.m.suites.root)
			d.Resize(fyne.NewSize(1200, 700))
			test.AssertRendersToMarkup(t, "suites_run_failure.xml", d.Canvas())
			d.Close()
		})
	})
}

// TestSuiteFailureInPortuguese: the runner's failure sentences are shown
// in the window's language, values as they came.
func TestSuiteFailureInPortuguese(t *testing.T) {
	inLanguage(t, i18n.Portuguese)
	rep := stepReport(suiteRow{name: "x", state: stepFailed, res: &suite.StepResult{Status: 500, Failures: []suite.Failure{
		{Kind: suite.FailStatus, Message: "expected status 2xx, got 500", Key: "expected status {{.A1}}, got {{.A2}}",
			Data: map[string]any{"A1": "2xx", "A2": "500"}, Expected: "2xx", Got: "500"},
		{Kind: suite.FailHeader, Message: "expected header Location, but the answer has none", Expected: "(present)", Got: "(absent)"}}}})
	for _, want := range []string{"✗ esperado status 2xx, veio 500", "- esperado: 2xx", "+ recebido: 500", "O receptor respondeu 500:",
		"- esperado: (presente)", "+ recebido: (ausente)"} {
		if !strings.Contains(rep, want) {
			t.Errorf("lacks %q:\n%s", want, rep)
		}
	}
}

// TestSuiteRunReceiverDown: with nothing listening, each step fails with
// the transport's sentence, and the run still ends.
func TestSuiteRunReceiverDown(t *testing.T) {
	srv, _ := receiver(t)
	down := srv.URL
	srv.Close()
	h, _ := suitesHarness(t, realRun, nil)
	h.do(func() {
		h.m.suites.show(runSuite("/ok", "/bad"), filepath.Join(t.TempDir(), "down.yaml"))
		h.m.suites.target.SetText(down)
		test.Tap(h.m.suites.runBtn)
	})
	h.waitFor(t, "the run's end", func() bool { return h.m.suites.cancel == nil && h.m.suites.doneCount() == 2 })
	var detail, msg string
	h.do(func() {
		h.m.suites.list.Select(0)
		detail, msg = h.m.suites.detail.Text(), h.m.suites.msg.Text
	})
	if h.eval(func() bool { return h.m.suites.failCount() != 2 }) || !strings.HasPrefix(msg, "2 steps failed") {
		t.Errorf("message %q", msg)
	}
	if !strings.Contains(strings.ToLower(detail), "refused") || strings.Contains(detail, "The receiver answered") || strings.Contains(detail, "expected:") {
		t.Errorf("detail %q", detail)
	}
}

// TestSuiteEditorSigning: the signing choice offers the outbound
// subscriptions by name, shows the field its mode needs, and says when a
// name or a secret spec is wrong.
func TestSuiteEditorSigning(t *testing.T) {
	oh := newOutboundHarness(t)
	oh.addSub(t, nil) // "ERP"
	var e *suiteEditor
	oh.do(func() {
		oh.m.suites = newSuitesPanel(oh.m, realRun)
		e = oh.m.suites.showSuiteEditor(editorSuite(), "")
		e.signMode.SetSelected(signLabel(suite.SignSubscription))
	})
	var opts []string
	var subShown, specShown bool
	var problem string
	oh.do(func() {
		opts, subShown, specShown = e.subs, e.signSub.Visible(), e.signSpec.Visible()
		e.signSub.SetText("Nope")
		problem = e.errs[sfSign].Text
	})
	if fmt.Sprint(opts) != "[ERP]" || !subShown || specShown {
		t.Errorf("options %v, subscription field shown %v, spec field shown %v", opts, subShown, specShown)
	}
	if problem != `no subscription is named "Nope"` {
		t.Errorf("problem %q", problem)
	}
	oh.do(func() {
		e.signSub.SetText("ERP")
		problem = ""
		if e.errs[sfSign].Visible() {
			problem = e.errs[sfSign].Text
		}
	})
	if problem != "" {
		t.Errorf("a known subscription shows %q", problem)
	}
	oh.do(func() {
		e.signMode.SetSelected(signLabel(suite.SignSecret))
		e.signSpec.SetText("banana")
		problem = e.errs[sfSign].Text
		subShown, specShown = e.signSub.Visible(), e.signSpec.Visible()
	})
	if !strings.HasPrefix(problem, "the secret spec does not read") || subShown || !specShown {
		t.Errorf("problem %q, subscription field shown %v, spec field shown %v", problem, subShown, specShown)
	}
	var st suite.Step
	oh.do(func() {
		e.signSpec.SetText("standard:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		st = e.s.Steps[0]
	})
	if st.Sign.Mode != suite.SignSecret || st.Sign.Spec == "" || st.Sign.Subscription != "" {
		t.Errorf("stored sign %+v", st.Sign)
	}
}

// TestStepReportBodyLines: the received body is shown a line per line,
// its final newline not drawn as an empty line of its own.
func TestStepReportBodyLines(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"{\"ok\":true}\n", "  │ {\"ok\":true}\n"},
		{"a\nb", "  │ a\n  │ b\n"},
		{"a\n\n", "  │ a\n  │ \n"},
	} {
		t.Run(tc.body, func(t *testing.T) {
			res := &suite.StepResult{Status: 500, Failures: []suite.Failure{{Kind: suite.FailStatus, Message: "expected status 2xx, got 500"}}}
			res.Response.Body = []byte(tc.body)
			rep := stepReport(suiteRow{name: "x", state: stepFailed, res: res})
			if _, after, _ := strings.Cut(rep, "500:\n"); after != tc.want {
				t.Errorf("body lines %q, want %q", after, tc.want)
			}
		})
	}
}
