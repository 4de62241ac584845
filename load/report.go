package load

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gancho-app/gancho/i18n"
)

// Why a run stopped (Report.Stopped).
const (
	StoppedCount    = "count"    // Count requests were issued
	StoppedDuration = "duration" // Duration passed
	StoppedCanceled = "canceled" // the caller canceled the run (Stop, Ctrl+C)
	StoppedError    = "error"    // the source or the signing failed
)

// Report is the outcome of a run. Latencies are in milliseconds; its JSON
// form is the one `gancho load --json` prints. A Report is a plain value.
type Report struct {
	Target      string  `json:"target"`
	Mode        string  `json:"mode"` // "rate" (open model) or "concurrency" (closed)
	Rate        float64 `json:"rate,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	Elapsed     float64 `json:"elapsed_s"`
	Stopped     string  `json:"stopped"`
	Error       string  `json:"error,omitempty"`

	Sent          int64            `json:"sent"`
	Answered      int64            `json:"answered"`
	Errors        int64            `json:"errors"`
	ErrorsByClass map[string]int64 `json:"errors_by_class"`
	// FirstErrors is the first message of each error class.
	FirstErrors map[string]string `json:"first_errors,omitempty"`
	NotSent     int64             `json:"not_sent"` // due while MaxInFlight were in flight
	Canceled    int64             `json:"canceled"`
	Status      map[string]int64  `json:"status"`

	AchievedRate float64 `json:"achieved_rate"`
	P50          float64 `json:"p50"`
	P90          float64 `json:"p90"`
	P99          float64 `json:"p99"`
	Max          float64 `json:"max"`
	ServiceP50   float64 `json:"service_p50"`
	ServiceP90   float64 `json:"service_p90"`
	ServiceP99   float64 `json:"service_p99"`
	ServiceMax   float64 `json:"service_max"`

	DuplicatesSent int64 `json:"duplicates_sent"`
	OutOfOrderSent int64 `json:"out_of_order_sent"`
	BurstSent      int64 `json:"burst_sent"`

	// Timeline is the run step by step (Step each), for charts; it is
	// left out of the JSON to keep that one short line.
	Timeline []Point       `json:"-"`
	Step     time.Duration `json:"-"`
}

func ms(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)) / float64(time.Millisecond)
}

// report builds the Report from the final figures.
func (r *Runner) report(st *stats, canceled bool, err error) Report {
	c := r.cfg
	sn := st.snapshot()
	rep := Report{
		Target: c.Target, Mode: "rate", Rate: c.Rate, Concurrency: c.Concurrency,
		Elapsed: sn.Elapsed.Seconds(),
		Sent:    sn.Sent, Answered: sn.Answered, Errors: sn.Errors, NotSent: sn.NotSent, Canceled: sn.Canceled,
		ErrorsByClass: map[string]int64{}, Status: map[string]int64{},
		AchievedRate: sn.Rate,
		P50:          ms(sn.P50), P90: ms(sn.P90), P99: ms(sn.P99), Max: ms(sn.Max),
		ServiceP50: ms(sn.ServiceP50), ServiceP90: ms(sn.ServiceP90), ServiceP99: ms(sn.ServiceP99), ServiceMax: ms(sn.ServiceMax),
		DuplicatesSent: sn.Duplicates, OutOfOrderSent: sn.Late, BurstSent: sn.Bursts,
	}
	if c.Concurrency > 0 {
		rep.Mode = "concurrency"
	}
	for k, v := range sn.Classes {
		rep.ErrorsByClass[string(k)] = v
	}
	if len(sn.FirstErrors) > 0 {
		rep.FirstErrors = map[string]string{}
		for k, v := range sn.FirstErrors {
			rep.FirstErrors[string(k)] = v
		}
	}
	for k, v := range sn.Status {
		rep.Status[strconv.Itoa(k)] = v
	}
	switch {
	case err != nil:
		rep.Stopped, rep.Error = StoppedError, err.Error()
	case canceled:
		rep.Stopped = StoppedCanceled
	case c.Count > 0 && sn.Sent+sn.NotSent >= int64(c.Count):
		rep.Stopped = StoppedCount
	default:
		rep.Stopped = StoppedDuration
	}
	rep.Timeline, rep.Step = st.timeline()
	return rep
}

// Text is the report for a person, in p's language: one figure a line.
func (rep Report) Text(p *i18n.Printer) string {
	var b strings.Builder
	line := func(label, value string) { fmt.Fprintf(&b, "  %-16s %s\n", label+":", value) }
	msf := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + " ms" }
	b.WriteString(p.T("Load run against {{.Target}}", map[string]any{"Target": rep.Target}) + "\n")
	line(p.T("Sent"), p.Int(rep.Sent))
	line(p.T("Answered"), p.Int(rep.Answered))
	errs := p.Int(rep.Errors)
	if len(rep.ErrorsByClass) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(rep.ErrorsByClass)) {
			parts = append(parts, k+" "+p.Int(rep.ErrorsByClass[k]))
		}
		errs += " (" + strings.Join(parts, ", ") + ")"
	}
	line(p.T("Errors"), errs)
	if rep.NotSent > 0 {
		line(p.T("Not sent"), p.T("{{.Count}} (too many in flight)", map[string]any{"Count": p.Int(rep.NotSent)}))
	}
	if rep.Canceled > 0 {
		line(p.T("Canceled"), p.Int(rep.Canceled))
	}
	if len(rep.Status) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(rep.Status)) {
			parts = append(parts, k+" "+p.Int(rep.Status[k]))
		}
		line(p.T("Status"), strings.Join(parts, ", "))
	}
	rate := p.T("{{.Rate}}/s", map[string]any{"Rate": strconv.FormatFloat(rep.AchievedRate, 'f', 1, 64)})
	if rep.Rate > 0 {
		rate += " " + p.T("(asked {{.Rate}}/s)", map[string]any{"Rate": strconv.FormatFloat(rep.Rate, 'f', -1, 64)})
	}
	line(p.T("Achieved rate"), rate)
	line(p.T("Latency"), fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s", msf(rep.P50), msf(rep.P90), msf(rep.P99), msf(rep.Max)))
	line(p.T("Service time"), fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s", msf(rep.ServiceP50), msf(rep.ServiceP90), msf(rep.ServiceP99), msf(rep.ServiceMax)))
	if rep.DuplicatesSent+rep.OutOfOrderSent+rep.BurstSent > 0 {
		line(p.T("Faults"), p.T("{{.Dups}} duplicates, {{.Late}} out of order, {{.Bursts}} in bursts",
			map[string]any{"Dups": p.Int(rep.DuplicatesSent), "Late": p.Int(rep.OutOfOrderSent), "Bursts": p.Int(rep.BurstSent)}))
	}
	line(p.T("Elapsed"), (time.Duration(rep.Elapsed * float64(time.Second))).Round(time.Millisecond).String())
	switch rep.Stopped {
	case StoppedCanceled:
		b.WriteString("  " + p.T("Stopped before the end: the figures cover what was sent.") + "\n")
	case StoppedError:
		b.WriteString("  " + p.T("The run stopped: {{.Error}}", map[string]any{"Error": rep.Error}) + "\n")
	}
	for _, k := range slices.Sorted(maps.Keys(rep.FirstErrors)) {
		b.WriteString("  " + k + ": " + rep.FirstErrors[k] + "\n")
	}
	return b.String()
}
