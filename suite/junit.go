package suite

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// JUnit XML, the report CI systems read (GitLab's `artifacts: reports:
// junit:`, GitHub report actions, Jenkins). The shape is the Apache Ant
// JUnit task's, the one their readers agree on: <testsuites> holding one
// <testsuite> (with package, id, hostname, a timestamp without time zone,
// <properties>, <system-out> and <system-err>), one <testcase> per step.
// A step whose answer failed an expectation gets a <failure>; one that got
// no answer (or sent nothing) an <error>.

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr"`
	ID         int             `xml:"id,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// seconds writes d in seconds with millisecond precision, JUnit's unit.
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes rep as JUnit XML to w. file is the suite file's name,
// used as the test cases' class name when the suite has no name (CI
// readers group cases by it). Steps a canceled run never reached are
// reported as skipped, so the counts add up to the suite's steps. Safe
// for concurrent use on distinct writers.
func WriteJUnit(w io.Writer, rep *Report, s *Suite, file string) error {
	name := rep.Suite
	if name == "" {
		name = strings.TrimSuffix(strings.TrimSuffix(baseName(file), ".yaml"), ".yml")
	}
	if name == "" {
		name = "suite"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	ts := junitSuite{
		Name: name, Package: name, Hostname: host,
		Time:       seconds(rep.Duration),
		Timestamp:  rep.Started.UTC().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{{Name: "target", Value: rep.Target}},
	}
	if file != "" {
		ts.Properties = append(ts.Properties, junitProperty{Name: "file", Value: file})
	}
	var out strings.Builder
	for _, r := range rep.Steps {
		c := junitCase{Name: r.Name, ClassName: name, Time: seconds(r.Latency)}
		mark := "✓"
		if !r.Passed {
			mark = "✗"
			p := &junitProblem{Message: r.Summary(), Type: string(r.Failures[0].Kind), Text: failureDetails(r)}
			if r.Errored() {
				c.Error = p
				ts.Errors++
			} else {
				c.Failure = p
				ts.Failures++
			}
		}
		line := mark + " " + r.Name
		if sum := r.Summary(); sum != "" {
			line += ": " + sum
		}
		out.WriteString(line + "\n")
		ts.Cases = append(ts.Cases, c)
	}
	if s != nil {
		for _, st := range s.Steps[min(len(rep.Steps), len(s.Steps)):] {
			ts.Cases = append(ts.Cases, junitCase{Name: st.Name, ClassName: name, Time: seconds(0), Skipped: &struct{}{}})
			ts.Skipped++
		}
	}
	if rep.Canceled {
		ts.SystemErr = "The run was stopped before its end.\n"
	}
	ts.Tests = len(ts.Cases)
	ts.SystemOut = out.String()
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{ts}}); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	return nil
}

// failureDetails is the text inside <failure>: every failure, with its
// expected and received values and differences, and the request sent.
func failureDetails(r StepResult) string {
	var b strings.Builder
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "%s: %s\n", f.Kind, f.Message)
		if f.Expected != "" || f.Got != "" {
			fmt.Fprintf(&b, "  expected: %s\n  got:      %s\n", xmlSafe(f.Expected), xmlSafe(f.Got))
		}
		for _, c := range f.Changes {
			fmt.Fprintf(&b, "  %s\n", xmlSafe(c.String()))
		}
	}
	if r.Request.URL != "" {
		method := r.Request.Method
		if method == "" {
			method = "GET"
		}
		fmt.Fprintf(&b, "request: %s %s\n", method, xmlSafe(r.Request.URL))
	}
	return b.String()
}

// xmlSafe drops what XML 1.0 cannot carry at all (most control
// characters): encoding/xml would write them as U+FFFD anyway, and some
// readers reject the file. clip keeps long values short.
func xmlSafe(s string) string {
	return clip(strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, s))
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
