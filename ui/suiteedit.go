package ui

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/suite"
	"github.com/gancho-app/gancho/verify"
)

// The suite editor's field keys: where each problem is shown.
const (
	sfTarget, sfTimeout                    = "target", "timeout"
	sfName, sfSign, sfStatus, sfHeaders    = "name", "sign", "status", "headers"
	sfJSON, sfLatency, sfSame, sfStepsList = "json", "latency", "same", "steps"
)

// The expectation rows' operators (the file's fields), and the texts
// their choices show.
const (
	opPresent, opEquals, opAbsent, opContains, opMatches = "present", "equals", "absent", "contains", "matches"
)

func opLabel(op string) string {
	switch op {
	case opEquals:
		return lang.L("equals")
	case opAbsent:
		return lang.L("is absent")
	case opContains:
		return lang.L("contains")
	case opMatches:
		return lang.L("matches (regexp)")
	}
	return lang.L("is present")
}

// Placeholders that are values as typed, the same in every language.
const (
	exampleTimeout = "30s"
	exampleLatency = "250ms"
	exampleSpec    = "standard:whsec_…"
)

// hint is a small wrapped line under a field saying what it does.
func hint(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// recordedSize is a recorded answer's body size.
func recordedSize(r *suite.Response) int64 {
	b, _ := r.Bytes()
	return int64(len(b))
}

// forExample is a placeholder that shows a value as typed: "e.g. 250ms",
// so an empty field does not read as filled in.
func forExample(v string) string { return lang.L("e.g. {{.Example}}", map[string]any{"Example": v}) }

// The signing choices, as the file names them.
var signModes = []string{suite.SignKeep, suite.SignNone, suite.SignSubscription, suite.SignSecret}

func signLabel(mode string) string {
	switch mode {
	case suite.SignNone:
		return lang.L("none: remove signature headers")
	case suite.SignSubscription:
		return lang.L("re-sign with a subscription's secret")
	case suite.SignSecret:
		return lang.L("re-sign with a secret")
	}
	return lang.L("keep the headers as recorded")
}

// suiteEditor is a form over a suite: its name and default target, and
// per step its name, template switch, signing and expectations. It edits
// a copy: the suite given is untouched until Save writes the copy to a
// file. Each field's problem shows under it once the field was changed
// (every one after Save), and goes as soon as it is fixed. UI goroutine.
type suiteEditor struct {
	s    *suite.Suite // the copy being edited
	path string       // the file it came from, "" for a new one
	subs []string     // the outbound subscriptions' names, for signing

	name, target, timeout *widget.Entry
	steps                 *widget.List
	sel                   int
	up, down, remove, dup *widget.Button

	stepName   *widget.Entry
	source     *widget.Label
	template   *widget.Check
	signMode   *widget.Select
	signSub    *widget.SelectEntry
	signSpec   *widget.Entry
	status     *widget.Entry
	hdrs, json *expectRows
	latency    *widget.Entry
	same       *widget.Check
	sameHint   *widget.Label
	ignore     *widget.Entry
	form       fyne.CanvasObject

	errs     map[string]*widget.Label
	touched  map[string]bool
	showAll  bool
	loading  bool // filling the form from a step: its changes are not edits
	problems map[int]map[string][]string
	suiteErr map[string][]string
	msg      *widget.Label
	content  fyne.CanvasObject
}

// cloneSuite copies s so that editing the copy leaves s as it was: the
// editor only ever replaces a step's fields (its name, template switch,
// signing and expectations), never writes into what they point to, so the
// steps are copied and the bodies they hold are shared, which keeps a
// suite of big bodies cheap to open on the UI goroutine.
func cloneSuite(s *suite.Suite) *suite.Suite {
	c := *s
	c.Steps = slices.Clone(s.Steps)
	return &c
}

func newSuiteEditor(s *suite.Suite, path string, subs []string) *suiteEditor {
	e := &suiteEditor{s: cloneSuite(s), path: path, subs: subs, errs: map[string]*widget.Label{}, touched: map[string]bool{}}
	if e.s.Version == 0 {
		e.s.Version = suite.Version
	}
	e.name = widget.NewEntry()
	e.name.SetPlaceHolder(lang.L("e.g. CRM webhooks – smoke"))
	e.name.SetText(e.s.Name)
	e.target = widget.NewEntry()
	e.target.SetPlaceHolder(forExample(exampleTarget))
	e.target.SetText(e.s.Target)
	e.timeout = widget.NewEntry()
	e.timeout.SetPlaceHolder(forExample(exampleTimeout))
	e.timeout.SetText(e.s.Timeout)

	e.steps = widget.NewList(func() int { return len(e.s.Steps) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(e.s.Steps) {
				return
			}
			l := o.(*widget.Label)
			text := fmt.Sprintf("%d. %s", i+1, e.s.Steps[i].Name)
			if len(e.problems[i]) > 0 {
				text = "⚠ " + text
				l.Importance = widget.DangerImportance
			} else {
				l.Importance = widget.MediumImportance
			}
			l.SetText(text)
		})
	e.steps.OnSelected = func(i widget.ListItemID) { e.load(i) }
	e.up = widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { e.move(-1) })
	e.down = widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { e.move(1) })
	e.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), e.removeStep)
	e.dup = widget.NewButtonWithIcon(lang.L("Copy step"), theme.ContentCopyIcon(), e.copyStep)

	e.stepName = widget.NewEntry()
	e.source = widget.NewLabel("")
	e.source.Truncation = fyne.TextTruncateEllipsis
	e.source.TextStyle = fyne.TextStyle{Monospace: true}
	e.template = widget.NewCheck(lang.L("Template"), nil)
	// The examples are data, not part of the key: the catalogue's texts
	// are templates themselves.
	tmplHint := hint(lang.L("Fills {{.Examples}} in the path, headers and body.",
		map[string]any{"Examples": "{{uuid}}, {{now}}, {{.steps.NAME.body.id}}"}))
	var modeLabels []string
	for _, m := range signModes {
		modeLabels = append(modeLabels, signLabel(m))
	}
	e.signMode = widget.NewSelect(modeLabels, nil)
	e.signSub = widget.NewSelectEntry(subs)
	e.signSub.SetPlaceHolder(lang.L("subscription name"))
	e.signSpec = widget.NewEntry()
	e.signSpec.SetPlaceHolder(forExample(exampleSpec))
	e.status = widget.NewEntry()
	e.status.SetPlaceHolder(lang.L("200, or a class: 2xx"))
	e.hdrs = newExpectRows([]string{opPresent, opEquals, opAbsent}, lang.L("header name"))
	e.json = newExpectRows([]string{opPresent, opEquals, opContains, opMatches}, lang.L("path, e.g. data.id"))
	e.latency = widget.NewEntry()
	e.latency.SetPlaceHolder(forExample(exampleLatency))
	e.same = widget.NewCheck(lang.L("Answer the same as when recorded"), nil)
	e.sameHint = hint("")
	e.ignore = widget.NewEntry()
	e.ignore.SetPlaceHolder(lang.L("ignore: date, x-request-id, data.updated_at"))
	e.msg = widget.NewLabel("")
	e.msg.Wrapping = fyne.TextWrapWord
	e.msg.Importance = widget.DangerImportance
	e.msg.Hide()

	addHdr := widget.NewButtonWithIcon(lang.L("Add header check"), theme.ContentAddIcon(), func() { e.hdrs.add("", opPresent, ""); e.edited(sfHeaders) })
	addJSON := widget.NewButtonWithIcon(lang.L("Add JSON check"), theme.ContentAddIcon(), func() { e.json.add("", opEquals, ""); e.edited(sfJSON) })
	signRow := container.NewVBox(e.signMode, e.signSub, e.signSpec)
	stepForm := widget.NewForm(
		widget.NewFormItem(lang.L("Step name"), e.field(sfName, e.stepName)),
		widget.NewFormItem(lang.L("Sends"), e.source),
		widget.NewFormItem("", container.NewVBox(e.template, tmplHint)),
		widget.NewFormItem(lang.L("Signing"), e.field(sfSign, signRow)),
		widget.NewFormItem(lang.L("Status"), e.field(sfStatus, e.status)),
		widget.NewFormItem(lang.L("Headers"), e.field(sfHeaders, container.NewVBox(e.hdrs.box, container.NewHBox(addHdr)))),
		widget.NewFormItem(lang.L("JSON body"), e.field(sfJSON, container.NewVBox(e.json.box, container.NewHBox(addJSON)))),
		widget.NewFormItem(lang.L("Latency under"), e.field(sfLatency, e.latency)),
		widget.NewFormItem(lang.L("Recorded"), e.field(sfSame, container.NewVBox(e.same, e.sameHint, e.ignore))),
	)
	e.form = stepForm
	suiteForm := widget.NewForm(
		widget.NewFormItem(lang.L("Suite name"), e.name),
		widget.NewFormItem(lang.L("Default target"), e.field(sfTarget, e.target)),
		widget.NewFormItem(lang.L("Timeout per step"), e.field(sfTimeout, e.timeout)),
	)
	stepsHead := container.NewBorder(nil, nil, widget.NewLabelWithStyle(lang.L("Steps"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(e.up, e.down, e.remove))
	left := container.NewBorder(container.NewVBox(stepsHead, e.field(sfStepsList, nil)), container.NewHBox(e.dup), nil, nil, e.steps)
	split := container.NewHSplit(left, container.NewVScroll(stepForm))
	split.Offset = 0.3
	e.content = container.NewBorder(suiteForm, e.msg, nil, nil, split)
	e.watch()
	e.validate()
	if len(e.s.Steps) > 0 {
		e.steps.Select(0)
	} else {
		e.load(-1)
	}
	return e
}

// field puts key's problem label under w (alone for w nil).
func (e *suiteEditor) field(key string, w fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	l.Hide()
	e.errs[key] = l
	if w == nil {
		return l
	}
	return container.New(layout.NewCustomPaddedVBoxLayout(0), w, l)
}

// watch makes every field write the step (or the suite) and re-validate.
func (e *suiteEditor) watch() {
	entry := func(w *widget.Entry, key string) { w.OnChanged = func(string) { e.edited(key) } }
	entry(e.name, "")
	entry(e.target, sfTarget)
	entry(e.timeout, sfTimeout)
	entry(e.stepName, sfName)
	entry(e.signSpec, sfSign)
	entry(e.status, sfStatus)
	entry(e.latency, sfLatency)
	entry(e.ignore, sfSame)
	e.signSub.OnChanged = func(string) { e.edited(sfSign) }
	e.signMode.OnChanged = func(string) { e.edited(sfSign) }
	e.template.OnChanged = func(bool) { e.edited("") }
	e.same.OnChanged = func(bool) { e.edited(sfSame) }
	e.hdrs.changed = func() { e.edited(sfHeaders) }
	e.json.changed = func() { e.edited(sfJSON) }
}

// edited stores the form into the suite and shows what is wrong.
func (e *suiteEditor) edited(key string) {
	if e.loading {
		return
	}
	if key != "" {
		e.touched[key] = true
	}
	e.store()
	e.validate()
}

// load fills the step form from step i (-1: no step).
func (e *suiteEditor) load(i int) {
	e.loading = true
	defer func() { e.loading = false }()
	e.sel = i
	if i < 0 || i >= len(e.s.Steps) {
		e.form.Hide()
		e.up.Disable()
		e.down.Disable()
		e.remove.Disable()
		e.dup.Disable()
		return
	}
	e.form.Show()
	e.remove.Enable()
	e.dup.Enable()
	setEnabled(e.up, i > 0)
	setEnabled(e.down, i < len(e.s.Steps)-1)
	st := &e.s.Steps[i]
	// A step's fields are each touched afresh: problems of a step not yet
	// looked at show once it is edited or saved.
	for _, k := range []string{sfName, sfSign, sfStatus, sfHeaders, sfJSON, sfLatency, sfSame} {
		delete(e.touched, k)
	}
	e.stepName.SetText(st.Name)
	e.source.SetText(stepSource(st))
	e.template.SetChecked(st.Template)
	mode := st.Sign.Mode
	if mode == "" {
		mode = suite.SignKeep
	}
	e.signMode.SetSelected(signLabel(mode))
	e.signSub.SetText(st.Sign.Subscription)
	e.signSpec.SetText(st.Sign.Spec)
	ex := st.Expect
	if ex == nil {
		ex = &suite.Expect{}
	}
	e.status.SetText(ex.Status)
	e.hdrs.clear()
	for _, h := range ex.Headers {
		op, v := opPresent, ""
		switch {
		case h.Absent:
			op = opAbsent
		case h.Equals != nil:
			op, v = opEquals, *h.Equals
		}
		e.hdrs.add(h.Name, op, v)
	}
	e.json.clear()
	for _, j := range ex.JSON {
		op, v := opPresent, ""
		switch {
		case j.Contains != nil:
			op, v = opContains, *j.Contains
		case j.Matches != nil:
			op, v = opMatches, *j.Matches
		case j.Equals != nil:
			op = opEquals
			b, _ := json.Marshal(j.Equals)
			v = string(b)
		}
		e.json.add(j.Path, op, v)
	}
	e.latency.SetText(ex.LatencyUnder)
	e.same.SetChecked(ex.SameAsRecorded)
	e.ignore.SetText(strings.Join(ex.Ignore, ", "))
	setEnabled(e.same, st.Recorded != nil || ex.SameAsRecorded)
	if st.Recorded == nil {
		e.sameHint.SetText(lang.L("No answer recorded: replay the capture before saving it as a suite."))
	} else {
		e.sameHint.SetText(lang.L("Recorded answer: {{.Status}}, {{.Size}}.", map[string]any{"Status": st.Recorded.Status, "Size": loc.Size(recordedSize(st.Recorded))}))
	}
	e.showSign()
	e.validate()
}

// showSign shows the signing field the mode needs, and the ignore list
// only where there is a comparison to ignore fields in.
func (e *suiteEditor) showSign() {
	setEnabled(e.ignore, e.same.Checked)
	mode := e.mode()
	setVisible(e.signSub, mode == suite.SignSubscription)
	setVisible(e.signSpec, mode == suite.SignSecret)
}

func (e *suiteEditor) mode() string {
	for _, m := range signModes {
		if signLabel(m) == e.signMode.Selected {
			return m
		}
	}
	return suite.SignKeep
}

// store writes the form into the suite: the suite fields and the selected
// step. Values are kept as typed; validate says what is wrong with them.
func (e *suiteEditor) store() {
	e.s.Name = strings.TrimSpace(e.name.Text)
	e.s.Target = strings.TrimSpace(e.target.Text)
	e.s.Timeout = strings.TrimSpace(e.timeout.Text)
	if e.sel < 0 || e.sel >= len(e.s.Steps) {
		return
	}
	st := &e.s.Steps[e.sel]
	if name := strings.TrimSpace(e.stepName.Text); name != st.Name {
		st.Name = name
		e.steps.RefreshItem(e.sel)
	}
	st.Template = e.template.Checked
	st.Sign = suite.Sign{}
	switch mode := e.mode(); mode {
	case suite.SignKeep:
	case suite.SignSubscription:
		st.Sign = suite.Sign{Mode: mode, Subscription: strings.TrimSpace(e.signSub.Text)}
	case suite.SignSecret:
		st.Sign = suite.Sign{Mode: mode, Spec: strings.TrimSpace(e.signSpec.Text)}
	default:
		st.Sign = suite.Sign{Mode: mode}
	}
	e.showSign()
	ex := &suite.Expect{Status: strings.TrimSpace(e.status.Text), LatencyUnder: strings.TrimSpace(e.latency.Text),
		SameAsRecorded: e.same.Checked}
	for _, f := range strings.Split(e.ignore.Text, ",") {
		if f = strings.TrimSpace(f); f != "" {
			ex.Ignore = append(ex.Ignore, f)
		}
	}
	for _, r := range e.hdrs.rows {
		name, op, v := r.values()
		if name == "" && v == "" {
			continue
		}
		h := suite.HeaderExpect{Name: name}
		switch op {
		case opAbsent:
			h.Absent = true
		case opEquals:
			h.Equals = &v
		}
		ex.Headers = append(ex.Headers, h)
	}
	for _, r := range e.json.rows {
		path, op, v := r.values()
		if path == "" && v == "" {
			continue
		}
		j := suite.JSONExpect{Path: path}
		switch op {
		case opContains:
			j.Contains = &v
		case opMatches:
			j.Matches = &v
		case opEquals:
			j.Equals = jsonValue(v)
		}
		ex.JSON = append(ex.JSON, j)
	}
	if ex.Status == "" && ex.LatencyUnder == "" && !ex.SameAsRecorded && len(ex.Ignore) == 0 && len(ex.Headers) == 0 && len(ex.JSON) == 0 {
		ex = nil
	}
	st.Expect = ex
}

// jsonValue reads an "equals" value as JSON (42, true, "x", {"a":1}); text
// that is not JSON is taken as a string, as people type it.
func jsonValue(v string) any {
	var out any
	if err := json.Unmarshal([]byte(v), &out); err == nil {
		return out
	}
	return v
}

// validate recomputes every step's problems and shows the selected
// step's (those touched, or all after Save).
func (e *suiteEditor) validate() {
	e.suiteErr, e.problems = suiteProblems(e.s, e.subs)
	show := func(key string, msgs []string) {
		l := e.errs[key]
		if l == nil {
			return
		}
		if len(msgs) == 0 || !(e.showAll || e.touched[key]) {
			l.Hide()
			return
		}
		l.SetText(strings.Join(msgs, "\n"))
		l.Show()
	}
	for _, k := range []string{sfTarget, sfTimeout, sfStepsList} {
		show(k, e.suiteErr[k])
	}
	cur := e.problems[e.sel]
	for _, k := range []string{sfName, sfSign, sfStatus, sfHeaders, sfJSON, sfLatency, sfSame} {
		show(k, cur[k])
	}
	e.steps.Refresh()
	if n := e.count(); n > 0 && e.showAll {
		e.msg.SetText(plural("{{.Count}} problems to fix before saving: the steps marked ⚠ hold them.", n))
		e.msg.Show()
	} else {
		e.msg.Hide()
	}
}

// count is how many problems the suite has.
func (e *suiteEditor) count() int {
	n := 0
	for _, msgs := range e.suiteErr {
		n += len(msgs)
	}
	for _, p := range e.problems {
		for _, msgs := range p {
			n += len(msgs)
		}
	}
	return n
}

// check shows every problem and takes the user to the first step that has
// one; it returns the suite when there is none.
func (e *suiteEditor) check() (*suite.Suite, bool) {
	e.store()
	e.showAll = true
	e.validate()
	if e.count() == 0 {
		return e.s, true
	}
	for i := range e.s.Steps {
		if len(e.problems[i]) > 0 {
			if i != e.sel {
				e.steps.Select(i)
			}
			break
		}
	}
	return nil, false
}

// suiteProblems says what is wrong with s field by field: the suite's own
// fields, and per step index its fields' problems. subs are the outbound
// subscriptions' names (nil: not known, any name passes).
func suiteProblems(s *suite.Suite, subs []string) (map[string][]string, map[int]map[string][]string) {
	top := map[string][]string{}
	if problem := targetProblem(s.Target); problem != "" {
		top[sfTarget] = append(top[sfTarget], problem)
	}
	if s.Timeout != "" {
		if d, err := time.ParseDuration(s.Timeout); err != nil || d <= 0 {
			top[sfTimeout] = append(top[sfTimeout], lang.L("not a duration: write it like 10s or 1m30s"))
		}
	}
	if len(s.Steps) == 0 {
		top[sfStepsList] = append(top[sfStepsList], lang.L("no steps: save captures as a suite to add some"))
	}
	steps := map[int]map[string][]string{}
	names := map[string]int{}
	for _, st := range s.Steps {
		names[st.Name]++
	}
	for i, st := range s.Steps {
		p := map[string][]string{}
		add := func(k, msg string) { p[k] = append(p[k], msg) }
		switch {
		case st.Name == "":
			add(sfName, lang.L("give the step a name"))
		case !validStepName(st.Name):
			add(sfName, lang.L("only letters, digits, _ and - (it names the step in templates: {{.Example}})", map[string]any{"Example": "{{.steps.NAME.body.id}}"}))
		case names[st.Name] > 1:
			add(sfName, lang.L("another step has this name"))
		}
		switch st.Sign.Mode {
		case suite.SignSubscription:
			if st.Sign.Subscription == "" {
				add(sfSign, lang.L("choose the subscription whose secret signs the step"))
			} else if subs != nil && !slices.Contains(subs, st.Sign.Subscription) {
				add(sfSign, lang.L("no subscription is named {{.Name}}", map[string]any{"Name": strconv.Quote(st.Sign.Subscription)}))
			}
		case suite.SignSecret:
			if st.Sign.Spec == "" {
				add(sfSign, lang.L("give a secret spec, e.g. standard:whsec_… or github:SECRET"))
			} else if _, err := verify.Parse(st.Sign.Spec); err != nil {
				add(sfSign, lang.L("the secret spec does not read: {{.Err}}", map[string]any{"Err": err.Error()}))
			}
		}
		if ex := st.Expect; ex != nil {
			if ex.Status != "" && !statusRe.MatchString(ex.Status) {
				add(sfStatus, lang.L("a code from 100 to 599 (201) or a class (2xx)"))
			}
			for _, h := range ex.Headers {
				if h.Name == "" || strings.ContainsAny(h.Name, " \t:") {
					add(sfHeaders, lang.L("{{.Name}} is not a header name (letters, digits and -, no spaces or colons)", map[string]any{"Name": strconv.Quote(h.Name)}))
				}
			}
			for _, j := range ex.JSON {
				if j.Path == "" {
					add(sfJSON, lang.L("every JSON check needs a path, e.g. data.id"))
				}
				if j.Matches != nil {
					if _, err := regexp.Compile(*j.Matches); err != nil {
						add(sfJSON, lang.L("{{.Path}}: the regexp does not compile: {{.Err}}", map[string]any{"Path": j.Path, "Err": err.Error()}))
					}
				}
			}
			if ex.LatencyUnder != "" {
				if d, err := time.ParseDuration(ex.LatencyUnder); err != nil || d <= 0 {
					add(sfLatency, lang.L("not a duration: write it like 250ms or 2s"))
				}
			}
			if ex.SameAsRecorded && st.Recorded == nil {
				add(sfSame, lang.L("this step has no recorded answer to compare with"))
			}
		}
		if len(p) > 0 {
			steps[i] = p
		}
	}
	return top, steps
}

// targetProblem says what is wrong with a target URL, "" when nothing is
// (or it is empty: the suite's own is used).
func targetProblem(target string) string {
	if target == "" {
		return ""
	}
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return lang.L("not an http(s) URL with a host, e.g. http://localhost:3000")
	}
	return ""
}

var statusRe = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]xx)$`)

func validStepName(n string) bool {
	for _, r := range n {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// stepSource says in one line what a step sends.
func stepSource(st *suite.Step) string {
	switch {
	case st.Request != nil:
		b, _ := st.Request.Bytes()
		return st.Request.Method + " " + elideMiddle(st.Request.Path, 60) + " · " + loc.Size(int64(len(b)))
	case st.Event != nil:
		return lang.L("event {{.Name}}, seed {{.Seed}}", map[string]any{"Name": st.Event.Name, "Seed": st.Event.Seed})
	case st.Capture != "":
		return lang.L("capture {{.ID}}", map[string]any{"ID": st.Capture})
	}
	return ""
}

// move moves the selected step up (-1) or down (+1).
func (e *suiteEditor) move(by int) {
	i, j := e.sel, e.sel+by
	if i < 0 || j < 0 || j >= len(e.s.Steps) {
		return
	}
	e.store()
	e.s.Steps[i], e.s.Steps[j] = e.s.Steps[j], e.s.Steps[i]
	e.validate()
	e.steps.Select(j)
}

// removeStep drops the selected step.
func (e *suiteEditor) removeStep() {
	i := e.sel
	if i < 0 || i >= len(e.s.Steps) {
		return
	}
	e.s.Steps = append(e.s.Steps[:i], e.s.Steps[i+1:]...)
	e.sel = -1
	e.steps.UnselectAll()
	e.validate()
	if len(e.s.Steps) == 0 {
		e.load(-1)
		return
	}
	e.steps.Select(min(i, len(e.s.Steps)-1))
}

// copyStep adds a copy of the selected step after it, under a new name:
// the way to send the same hook with other expectations or signing.
func (e *suiteEditor) copyStep() {
	i := e.sel
	if i < 0 || i >= len(e.s.Steps) {
		return
	}
	e.store()
	c := e.s.Steps[i] // its expectations are replaced, not changed, when edited
	used := map[string]bool{}
	for _, st := range e.s.Steps {
		used[st.Name] = true
	}
	c.Name = uniqueStepName(c.Name, used)
	e.s.Steps = append(e.s.Steps[:i+1], append([]suite.Step{c}, e.s.Steps[i+1:]...)...)
	e.validate()
	e.steps.Select(i + 1)
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

func setVisible(w fyne.CanvasObject, on bool) {
	if on {
		w.Show()
	} else {
		w.Hide()
	}
}

// expectRows edits a list of checks: a name or path, an operator and a
// value (UI goroutine).
type expectRows struct {
	rowSet[*expectRow]
	ops    []string
	namePH string
}

type expectRow struct {
	name, value *widget.Entry
	op          *widget.Select
	ops         []string
	obj         fyne.CanvasObject
}

func (r *expectRow) object() fyne.CanvasObject { return r.obj }

func (r *expectRow) values() (name, op, value string) {
	op = r.ops[0]
	for _, o := range r.ops {
		if opLabel(o) == r.op.Selected {
			op = o
		}
	}
	return strings.TrimSpace(r.name.Text), op, r.value.Text
}

func newExpectRows(ops []string, namePH string) *expectRows {
	return &expectRows{rowSet: newRowSet[*expectRow](), ops: ops, namePH: namePH}
}

func (t *expectRows) add(name, op, value string) *expectRow {
	r := &expectRow{name: widget.NewEntry(), value: widget.NewEntry(), ops: t.ops}
	var labels []string
	for _, o := range t.ops {
		labels = append(labels, opLabel(o))
	}
	r.op = widget.NewSelect(labels, nil)
	r.op.SetSelected(opLabel(op))
	r.name.SetPlaceHolder(t.namePH)
	r.value.SetPlaceHolder(lang.L("value"))
	r.name.SetText(name)
	r.value.SetText(value)
	sync := func() {
		_, o, _ := r.values()
		setVisible(r.value, o != opPresent && o != opAbsent)
	}
	sync()
	r.name.OnChanged = func(string) { t.notify() }
	r.value.OnChanged = func(string) { t.notify() }
	r.op.OnChanged = func(string) { sync(); t.notify() }
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { t.remove(r) })
	left := container.NewGridWithColumns(2, r.name, r.op)
	r.obj = container.NewBorder(nil, nil, left, remove, r.value)
	t.append(r)
	return r
}

// showSuiteEditor opens the editor over s in a dialog; Save asks where to
// write it, writes it and opens it in the Suites section (UI goroutine).
func (p *suitesPanel) showSuiteEditor(s *suite.Suite, path string) *suiteEditor {
	e := newSuiteEditor(s, path, p.subscriptionNames())
	p.editor = e
	if p.m.win == nil {
		return e // tests drive the editor's content directly
	}
	var d *dialog.CustomDialog
	save := widget.NewButtonWithIcon(lang.L("Save…"), theme.DocumentSaveIcon(), func() {
		p.saveEdited(e, func() { d.Hide() })
	})
	save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("Cancel"), func() { d.Hide() })
	title := lang.L("Edit suite")
	if path != "" {
		title = lang.L("Edit suite {{.File}}", map[string]any{"File": baseName(path)})
	}
	d = dialog.NewCustomWithoutButtons(title, e.content, p.m.win)
	d.SetButtons([]fyne.CanvasObject{cancel, save})
	d.SetOnClosed(func() {
		if p.editor == e {
			p.editor = nil
		}
	})
	d.Resize(fileDialogSize(p.m.win))
	d.Show()
	return e
}
