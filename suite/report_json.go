package suite

import (
	"encoding/json"
	"time"
)

// The JSON form of a report, what `gancho test --json` prints on its last
// line. Scripts read it: add fields, never rename them.

type jsonReport struct {
	Suite      string     `json:"suite"`
	Target     string     `json:"target"`
	Started    time.Time  `json:"started"`
	DurationMS float64    `json:"duration_ms"`
	OK         bool       `json:"ok"`
	Passed     int        `json:"passed"`
	Failed     int        `json:"failed"`
	Errors     int        `json:"errors"`
	Canceled   bool       `json:"canceled"`
	Steps      []jsonStep `json:"steps"`
}

type jsonStep struct {
	Index     int           `json:"index"`
	Name      string        `json:"name"`
	Passed    bool          `json:"passed"`
	Status    int           `json:"status,omitempty"`
	LatencyMS float64       `json:"latency_ms"`
	Method    string        `json:"method,omitempty"`
	URL       string        `json:"url,omitempty"`
	Error     string        `json:"error,omitempty"`
	Failures  []jsonFailure `json:"failures,omitempty"`
}

type jsonFailure struct {
	Kind     FailureKind  `json:"kind"`
	Message  string       `json:"message"`
	Expected string       `json:"expected,omitempty"`
	Got      string       `json:"got,omitempty"`
	Changes  []jsonChange `json:"changes,omitempty"`
}

type jsonChange struct {
	Kind string `json:"kind"`
	Path string `json:"path"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// MarshalJSON writes the report for scripts: counts, and per step its
// status, latency, request line and failures (bodies are left out).
func (r *Report) MarshalJSON() ([]byte, error) {
	out := jsonReport{Suite: r.Suite, Target: r.Target, Started: r.Started, DurationMS: ms(r.Duration),
		OK: r.OK(), Passed: r.Passed, Failed: r.Failed, Errors: r.Errors(), Canceled: r.Canceled, Steps: []jsonStep{}}
	for _, s := range r.Steps {
		js := jsonStep{Index: s.Index, Name: s.Name, Passed: s.Passed, Status: s.Status, LatencyMS: ms(s.Latency),
			Method: s.Request.Method, URL: s.Request.URL, Error: s.Err}
		for _, f := range s.Failures {
			jf := jsonFailure{Kind: f.Kind, Message: f.Message, Expected: f.Expected, Got: f.Got}
			for _, c := range f.Changes {
				jf.Changes = append(jf.Changes, jsonChange{Kind: string(c.Kind), Path: c.Path, Old: c.Old, New: c.New})
			}
			js.Failures = append(js.Failures, jf)
		}
		out.Steps = append(out.Steps, js)
	}
	return json.Marshal(out)
}
