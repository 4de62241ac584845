package suite

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool returns the path of a command-line tool the test needs, or
// skips the test when it is missing, unless GANCHO_REQUIRE_TOOLS is set
// (make test sets it, and installs the tools), which fails it instead.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("GANCHO_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s is missing: install %s (make test does)", name, pkg)
	}
	t.Skipf("%s is missing: install %s, or run make test", name, pkg)
	return ""
}

// xmllintJUnit validates a JUnit report against suite/testdata/junit.xsd
// with xmllint.
func xmllintJUnit(t *testing.T, report []byte) {
	t.Helper()
	xmllint := needTool(t, "xmllint", "libxml2-utils")
	f := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(f, report, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit.xsd"), f).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v\n%s\nreport:\n%s", err, out, report)
	}
}

// TestJUnitValidates writes the report of a run with passes, failures, a
// transport error, and a canceled tail, and validates it against the JUnit
// schema.
func TestJUnitValidates(t *testing.T) {
	rc := newReceiver(t, answer(500, `{"error":"<boom> & \u0001"}`, "Content-Type", "application/json"))
	ok := inline("ok", "/", "{}")
	bad := inline("bad", "/", "{}")
	bad.Expect = &Expect{Status: "2xx", JSON: []JSONExpect{{Path: "error", Equals: map[string]any{"a": 1}}}}
	errd := inline("errd", "/", "{}")
	errd.Template = true
	errd.Request.Body = "{{.nope}}"
	s := &Suite{Name: "orders & <co>", Steps: []Step{ok, bad, errd, inline("never", "/", "{}")}}
	rep := run(t, &Suite{Name: s.Name, Steps: s.Steps[:3]}, rc.URL, RunOptions{})
	rep.Canceled = true // as if stopped before "never"

	var buf bytes.Buffer
	if err := WriteJUnit(&buf, rep, s, "suites/orders.yaml"); err != nil {
		t.Fatal(err)
	}
	xmllintJUnit(t, buf.Bytes())

	var doc struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
			Skipped  int `xml:"skipped,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error *struct {
					Type string `xml:"type,attr"`
				} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ts := doc.Suites[0]
	if ts.Tests != 4 || ts.Failures != 1 || ts.Errors != 1 || ts.Skipped != 1 {
		t.Errorf("counts tests %d failures %d errors %d skipped %d", ts.Tests, ts.Failures, ts.Errors, ts.Skipped)
	}
	c := ts.Cases
	if c[0].Failure != nil || c[0].Error != nil || c[1].Failure == nil || c[2].Error == nil || c[3].Skipped == nil {
		t.Fatalf("cases %+v", c)
	}
	if c[1].Failure.Message != "expected status 2xx, got 500 (and 1 more)" || c[1].Failure.Type != "status" ||
		!strings.Contains(c[1].Failure.Text, "json: expected error to equal") || !strings.Contains(c[1].Failure.Text, "request: POST "+rc.URL+"/") {
		t.Errorf("failure %+v", c[1].Failure)
	}
	if c[2].Error.Type != "template" {
		t.Errorf("error type %q", c[2].Error.Type)
	}
}

// TestJUnitEmptyName names the suite after its file when it has no name
// (the schema wants a name).
func TestJUnitEmptyName(t *testing.T) {
	rep := &Report{Started: fixedNow, Steps: []StepResult{{Name: "a", Passed: true}}, Passed: 1}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, rep, nil, "ci/smoke.yml"); err != nil {
		t.Fatal(err)
	}
	xmllintJUnit(t, buf.Bytes())
	if !strings.Contains(buf.String(), `<testsuite name="smoke"`) || !strings.Contains(buf.String(), `timestamp="2026-03-14T15:09:26"`) {
		t.Errorf("report:\n%s", buf.String())
	}
}
