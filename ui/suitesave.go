package ui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/gancho-app/gancho/capture"
	"github.com/gancho-app/gancho/replay"
	"github.com/gancho-app/gancho/suite"
)

// maxSuiteSteps bounds "Save as suite…": a suite is read and edited by
// people, and thousands of steps would be a load run, not a regression
// suite.
const maxSuiteSteps = 500

// suiteSource is what "Save as suite…" takes: the picked captures, oldest
// first, else the selected one; nil when there is neither (UI goroutine).
func (m *Main) suiteSource() []string {
	if len(m.picked) > 0 {
		return slices.Sorted(maps.Keys(m.picked)) // ids sort by arrival
	}
	if id := m.selectedID(); id != "" {
		return []string{id}
	}
	return nil
}

// suiteSourceFor is the row menu's choice: the picked set when the row is
// in it, else the row alone.
func (m *Main) suiteSourceFor(id string) []string {
	if m.picked[id] {
		return m.suiteSource()
	}
	return []string{id}
}

// saveAsSuite reads the captures ids (and their latest replay attempts)
// off the UI goroutine, builds a suite of them and opens it in the suite
// editor (UI goroutine).
func (m *Main) saveAsSuite(ids []string) {
	if m.suites == nil {
		return
	}
	if len(ids) == 0 {
		m.suites.say(lang.L("Pick captures (Space) or select one, then save them as a suite."), true)
		m.showSuites()
		return
	}
	if len(ids) > maxSuiteSteps {
		m.suites.say(lang.L("A suite holds at most {{.Max}} steps: pick fewer captures.", map[string]any{"Max": loc.Int(maxSuiteSteps)}), true)
		m.showSuites()
		return
	}
	go func() {
		s, err := buildSuite(context.Background(), m.opts.Captures, m.opts.Replays, ids)
		m.post(func() {
			if err != nil {
				m.suites.say(lang.L("Could not read the captures: {{.Err}}", map[string]any{"Err": err.Error()}), true)
				m.showSuites()
				return
			}
			m.suites.edit(s, "")
		})
	}()
}

// buildSuite makes a suite of the captures ids, in that order, each
// inlined wire-exact (suite.FromCaptureRequest). A capture's own Response
// is what Gancho answered, not the receiver: the receiver's answer is
// known only from a replay, so the latest replay attempt of a capture that
// got a whole response becomes the step's Recorded answer and its status
// class the expectation; without one the step expects 2xx. The suite's
// target is the base URL the latest of those attempts went to. A capture
// deleted since is skipped. Safe on any goroutine.
func buildSuite(ctx context.Context, cs Captures, rs Replays, ids []string) (*suite.Suite, error) {
	s := &suite.Suite{Version: suite.Version}
	used := map[string]bool{}
	var lastSent string
	for _, id := range ids {
		c, err := cs.Get(ctx, id)
		if errors.Is(err, capture.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		st := suite.FromCaptureRequest(uniqueStepName(stepName(c.Method, c.Target), used), c)
		st.Expect = &suite.Expect{Status: "2xx"}
		if rs != nil {
			if a := latestAnswer(ctx, rs, id); a != nil {
				st.Recorded = suite.RecordedFrom(a.Result)
				st.Expect.Status = fmt.Sprintf("%dxx", a.Result.Status/100)
				lastSent = a.Request.URL
			}
		}
		s.Steps = append(s.Steps, st)
	}
	if len(s.Steps) == 0 {
		return nil, errors.New(lang.L("those captures are gone (deleted or evicted)"))
	}
	s.Target = baseURL(lastSent)
	return s, nil
}

// latestAnswer is the newest attempt made from capture id that got a
// whole response, or nil.
func latestAnswer(ctx context.Context, rs Replays, id string) *replay.Attempt {
	as, err := rs.ForCapture(ctx, id, 20)
	if err != nil {
		return nil // the step is still useful without its recorded answer
	}
	for _, a := range as { // newest first
		if a.Result.Err == "" && a.Result.Status > 0 && !a.Result.Truncated {
			return a
		}
	}
	return nil
}

// baseURL is u's scheme and host ("http://localhost:3000"), or "".
func baseURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// stepName names a step after its method and path, in the characters a
// step name may hold: "POST /hooks/crm?x=1" → "post-hooks-crm".
func stepName(method, target string) string {
	path, _, _ := strings.Cut(target, "?")
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(method) + "-" + path {
		ok := r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		return "step"
	}
	return name
}

// uniqueStepName is name, or name-2, name-3… when used has it; it marks
// the one returned as used.
func uniqueStepName(name string, used map[string]bool) string {
	n := name
	for i := 2; used[n]; i++ {
		n = fmt.Sprintf("%s-%d", name, i)
	}
	used[n] = true
	return n
}

// showSuites brings the Suites section forward (UI goroutine).
func (m *Main) showSuites() {
	if m.sections != nil && m.suites != nil {
		m.sections.Select(m.suites.tab)
	}
}

// saveAsSuiteLabel is the Tools menu's "Save as suite…" for the picked
// captures or the selected one.
func (m *Main) saveAsSuiteLabel() string {
	if n := len(m.picked); n > 0 {
		return plural("Save {{.Count}} picked captures as suite…", n)
	}
	return lang.L("Save selected capture as suite…")
}

// suiteRowLabel is a row menu's "Save as suite…": the picked set when the
// row is in it.
func (m *Main) suiteRowLabel(id string) string {
	if m.picked[id] {
		return plural("Save {{.Count}} picked captures as suite…", len(m.picked))
	}
	return lang.L("Save as suite…")
}
