package events

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// journeyStart is early enough that every event of the longest journey
// happens before fixedTime, the bound checkValue holds created_at to.
var journeyStart = fixedTime.AddDate(0, 0, -200)

func play(t *testing.T, j Journey, seed uint64, timing Timing) []JourneyEvent {
	t.Helper()
	evs, err := j.Play(seed, journeyStart, timing)
	if err != nil {
		t.Fatalf("Play(%s, %d): %v", j.Name, seed, err)
	}
	if len(evs) != len(j.Steps) {
		t.Fatalf("Play(%s) gave %d events for %d steps", j.Name, len(evs), len(j.Steps))
	}
	return evs
}

func text(t *testing.T, p Payload, path string) string {
	t.Helper()
	v, ok := p.Get(path)
	if !ok {
		return ""
	}
	return v.Text
}

func TestJourneysBuiltIn(t *testing.T) {
	js := Journeys()
	if len(js) < 4 {
		t.Fatalf("%d journeys, want at least 4", len(js))
	}
	seen := map[string]bool{}
	for i, j := range js {
		t.Run(j.Name, func(t *testing.T) {
			if err := j.Validate(); err != nil {
				t.Fatal(err)
			}
			if seen[j.Name] || j.Title == "" || j.Description == "" {
				t.Errorf("duplicate name or no title/description: %+v", j)
			}
			seen[j.Name] = true
			for _, key := range []string{j.Name, strings.ToUpper(j.Name), " " + j.Title + " ", string(rune('1' + i))} {
				if got, ok := LookupJourney(key); !ok || got.Name != j.Name {
					t.Errorf("LookupJourney(%q) = %q, %v", key, got.Name, ok)
				}
			}
		})
	}
	for _, want := range [][]string{
		{"prospect.created", "prospect.phase_changed", "prospect.phase_changed", "opportunity.created", "opportunity.phase_changed", "sale.created"},
		{"client.edited", "client.tagged", "client.reassigned"},
	} {
		found := slices.ContainsFunc(js, func(j Journey) bool {
			var got []string
			for _, s := range j.Steps {
				got = append(got, s.Event)
			}
			return slices.Equal(got, want)
		})
		if !found {
			t.Errorf("no journey %v (the issue's examples)", want)
		}
	}
	if _, ok := LookupJourney("nope"); ok {
		t.Error("LookupJourney(nope) found one")
	}
	if _, ok := LookupJourney("99"); ok {
		t.Error("LookupJourney(99) found one")
	}
	js[0].Steps[0].Event = "changed"
	if Journeys()[0].Steps[0].Event == "changed" {
		t.Error("Journeys returned the package's own slice")
	}
}

func TestJourneyValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		j    Journey
		want string
	}{
		{"no steps", Journey{Name: "x"}, "at least one step"},
		{"unknown event", Journey{Name: "x", Steps: []JourneyStep{{Event: "client.flew"}}}, "unknown event"},
		{"phases on another event", Journey{Name: "x", Steps: []JourneyStep{{Event: "client.created", From: "Ativo", To: "Em risco"}}}, "only a phase_changed"},
		{"backwards", Journey{Name: "x", Steps: []JourneyStep{{Event: "prospect.phase_changed", From: "Qualificado", To: "Novo"}}}, "forward order"},
		{"other funnel", Journey{Name: "x", Steps: []JourneyStep{{Event: "prospect.phase_changed", From: "Ativo", To: "Em risco"}}}, "forward order"},
		{"no phases", Journey{Name: "x", Steps: []JourneyStep{{Event: "client.phase_changed"}}}, "forward order"},
		{"negative gap", Journey{Name: "x", Steps: []JourneyStep{{Event: "client.created", Gap: -time.Second}}}, "negative gap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.j.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
			if _, err := tc.j.Play(1, journeyStart, Timing{}); err == nil {
				t.Error("Play accepted an invalid journey")
			}
		})
	}
}

// TestJourneyEntityConsistent plays every journey with many seeds and
// checks that its events are valid against their field lists and tell one
// story: the same person, company and number all along (a prospect
// converted into a client keeps them), one owner until a reassignment
// hands it over, one opportunity once created (the sale and the quote
// naming it, for the same amount), phases moving forward in their funnel,
// reactivations naming what was undone, and times that only increase.
func TestJourneyEntityConsistent(t *testing.T) {
	for _, j := range Journeys() {
		t.Run(j.Name, func(t *testing.T) {
			for seed := range uint64(25) {
				checkJourney(t, j, play(t, j, seed, Timing{}))
				if t.Failed() {
					t.Fatalf("seed %d failed", seed)
				}
			}
		})
	}
}

func checkJourney(t *testing.T, j Journey, evs []JourneyEvent) {
	t.Helper()
	var (
		person              = map[string]string{} // field → value, for whichever subject came first
		number              string                // the entity's id without its prefix
		owner, opp, oppName string
		amount              string
		last                time.Time
		phase               = map[string]string{} // funnel → current phase
		status              = map[string]string{} // subject → what a reactivation undoes
	)
	for i, e := range evs {
		step := j.Steps[i]
		ev, ok := Lookup(step.Event)
		if !ok || e.Event != ev.Name || e.Payload.Type() != ev.Name || e.Index != i {
			t.Fatalf("event %d: %q (type %q, index %d), want %q", i, e.Event, e.Payload.Type(), e.Index, step.Event)
		}
		p := e.Payload
		where := e.StepName()
		// Valid against the event's field list, in JSON and XML.
		checkFields(t, ev, p)
		js, err := p.JSON()
		if err != nil || !json.Valid(js) {
			t.Fatalf("%s: invalid JSON: %v\n%s", where, err, js)
		}
		x, err := p.XML()
		if err != nil || wellFormedXML(x) != nil {
			t.Fatalf("%s: bad XML: %v", where, err)
		}
		// Times only increase, and the payload says At.
		ts, err := time.Parse(time.RFC3339, text(t, p, "timestamp"))
		if err != nil || !ts.Equal(e.At) {
			t.Errorf("%s: timestamp %s, At %s", where, text(t, p, "timestamp"), e.At)
		}
		if i > 0 && !ts.After(last) {
			t.Errorf("%s: timestamp %s not after the previous %s", where, ts, last)
		}
		last = ts
		// One person at one company, whether prospect or client.
		for _, subject := range []string{"prospect", "client"} {
			id := text(t, p, "data."+subject+".id")
			if id == "" {
				continue
			}
			_, num, _ := strings.Cut(id, "_")
			if number == "" {
				number = num
			} else if num != number {
				t.Errorf("%s: %s.id %s, the entity is number %s", where, subject, id, number)
			}
			for _, f := range []string{"name", "email", "phone", "company", "city", "state"} {
				v := text(t, p, "data."+subject+"."+f)
				if person[f] == "" {
					person[f] = v
				} else if v != person[f] {
					t.Errorf("%s: %s.%s = %q, earlier %q", where, subject, f, v, person[f])
				}
			}
			created, _ := time.Parse(time.RFC3339, text(t, p, "data."+subject+".created_at"))
			if created.After(ts) {
				t.Errorf("%s: %s created at %s, after the event", where, subject, created)
			}
		}
		// One owner until a reassignment.
		o := text(t, p, "data.owner.id")
		if strings.HasSuffix(ev.Name, ".reassigned") {
			if prev := text(t, p, "data.previous_owner.id"); owner != "" && prev != owner {
				t.Errorf("%s: previous_owner %s, the owner was %s", where, prev, owner)
			}
			if o == owner {
				t.Errorf("%s: reassigned to the same owner %s", where, o)
			}
		} else if owner != "" && o != owner {
			t.Errorf("%s: owner %s, earlier %s", where, o, owner)
		}
		owner = o
		// One opportunity, named by the quote and the sale, for one amount.
		if id := text(t, p, "data.opportunity.id"); id != "" {
			if opp != "" && id != opp {
				t.Errorf("%s: opportunity %s, earlier %s", where, id, opp)
			}
			title := text(t, p, "data.opportunity.title")
			if oppName != "" && title != oppName {
				t.Errorf("%s: opportunity title %q, earlier %q", where, title, oppName)
			}
			opp, oppName = id, title
		} else if opp != "" && (ev.Name == "sale.created" || ev.Name == "quote.created") {
			t.Errorf("%s: no opportunity, though %s exists", where, opp)
		}
		if ev.Name == "opportunity.created" {
			if c := text(t, p, "data.opportunity.created_at"); c != text(t, p, "timestamp") {
				t.Errorf("%s: created_at %s, event at %s", where, c, text(t, p, "timestamp"))
			}
		}
		for _, path := range []string{"data.opportunity.amount", "data.quote.amount", "data.sale.amount"} {
			if a := text(t, p, path); a != "" {
				if amount != "" && a != amount {
					t.Errorf("%s: %s = %s, the deal is %s", where, path, a, amount)
				}
				amount = a
			}
		}
		// Phases forward, each change starting where the last one ended.
		if funnel, ok := Funnel(ev.Name); ok {
			prev, cur := text(t, p, "data.phase.previous"), text(t, p, "data.phase.current")
			if prev != step.From || cur != step.To {
				t.Errorf("%s: phase %q → %q, the step says %q → %q", where, prev, cur, step.From, step.To)
			}
			if slices.Index(funnel, cur) <= slices.Index(funnel, prev) {
				t.Errorf("%s: phase %q → %q goes backwards", where, prev, cur)
			}
			if was, ok := phase[ev.Name]; ok && prev != was {
				t.Errorf("%s: phase starts at %q, the last change ended at %q", where, prev, was)
			}
			phase[ev.Name] = cur
		}
		subject, action, _ := strings.Cut(ev.Name, ".")
		switch {
		case action == "archived" || action == "discarded":
			status[subject] = action
		case ev.Name == "opportunity.phase_changed" && step.To == "Fechado - perdido":
			status[subject] = "lost"
		case action == "reactivated":
			if was := status[subject]; was != "" && text(t, p, "data.previous_status") != was {
				t.Errorf("%s: previous_status %q, it was %s", where, text(t, p, "data.previous_status"), was)
			}
		}
	}
}

func TestJourneyDeterministic(t *testing.T) {
	render := func(j Journey, seed uint64, start time.Time, timing Timing) []byte {
		evs, err := j.Play(seed, start, timing)
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		for _, e := range evs {
			b, err := e.Payload.JSON()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
		return out
	}
	for _, j := range Journeys() {
		t.Run(j.Name, func(t *testing.T) {
			a := render(j, 42, journeyStart, Timing{})
			if !bytes.Equal(a, render(j, 42, journeyStart, Timing{})) {
				t.Error("same seed and start, different bytes")
			}
			if !bytes.Equal(a, render(j, 42, journeyStart, Timing{Mode: TimingReal, Speed: 3})) {
				t.Error("the timing changed the payloads")
			}
			if bytes.Equal(a, render(j, 43, journeyStart, Timing{})) {
				t.Error("different seeds, same bytes")
			}
			if bytes.Equal(a, render(j, 42, journeyStart.Add(time.Hour), Timing{})) {
				t.Error("different starts, same bytes")
			}
		})
	}
}

func TestJourneyTiming(t *testing.T) {
	j, _ := LookupJourney("prospect-to-sale")
	for _, tc := range []struct {
		name   string
		timing Timing
		check  func(e JourneyEvent, step JourneyStep, gap time.Duration) bool
	}{
		{"compressed", Timing{}, func(e JourneyEvent, _ JourneyStep, _ time.Duration) bool { return e.Delay == CompressedGap }},
		{"compressed x4", Timing{Mode: TimingCompressed, Speed: 4}, func(e JourneyEvent, _ JourneyStep, _ time.Duration) bool {
			return e.Delay == CompressedGap/4
		}},
		{"real", Timing{Mode: TimingReal}, func(e JourneyEvent, step JourneyStep, gap time.Duration) bool {
			return e.Delay == gap && gap >= step.Gap*3/4-time.Second && gap <= step.Gap*5/4+time.Second
		}},
		{"real x60", Timing{Mode: TimingReal, Speed: 60}, func(e JourneyEvent, _ JourneyStep, gap time.Duration) bool { return e.Delay == gap/60 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs := play(t, j, 7, tc.timing)
			if evs[0].Delay != 0 || !evs[0].At.Equal(journeyStart.Truncate(time.Second)) {
				t.Errorf("first event: delay %s, at %s", evs[0].Delay, evs[0].At)
			}
			var span time.Duration
			for i := 1; i < len(evs); i++ {
				gap := evs[i].At.Sub(evs[i-1].At)
				span += gap
				if !tc.check(evs[i], j.Steps[i], gap) {
					t.Errorf("%s: delay %s, gap %s (step gap %s)", evs[i].StepName(), evs[i].Delay, gap, j.Steps[i].Gap)
				}
			}
			if span != j.Span(7) {
				t.Errorf("Span = %s, the events span %s", j.Span(7), span)
			}
		})
	}
	for in, want := range map[string]TimingMode{"": TimingCompressed, "Compressed": TimingCompressed, " real": TimingReal} {
		if got, err := ParseTimingMode(in); err != nil || got != want {
			t.Errorf("ParseTimingMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseTimingMode("fast"); err == nil {
		t.Error("ParseTimingMode(fast) accepted")
	}
}

func TestJourneyStepName(t *testing.T) {
	e := JourneyEvent{Index: 1, Event: "prospect.phase_changed"}
	if got := e.StepName(); got != "2-prospect-phase_changed" {
		t.Errorf("StepName() = %q", got)
	}
}

// TestStoryLeavesSamplesAlone: a story drawn from a generator does not
// change what its lone samples look like (they draw fresh records).
func TestStoryLeavesSamplesAlone(t *testing.T) {
	g := NewGenerator(5)
	st := g.Story()
	if _, err := st.SampleAt(JourneyStep{Event: "client.created"}, fixedTime); err != nil {
		t.Fatal(err)
	}
	a, _ := mustSample(t, g, "client.created").JSON()
	b, _ := st.SampleAt(JourneyStep{Event: "client.edited"}, fixedTime)
	if bytes.Contains(a, []byte(text(t, b, "data.client.id"))) {
		t.Error("a lone sample reused the story's client")
	}
	if _, err := st.SampleAt(JourneyStep{Event: "nope"}, fixedTime); err == nil {
		t.Error("unknown event accepted")
	}
}
