package events

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrUnknownJourney reports a journey name that is not built in.
var ErrUnknownJourney = errors.New("unknown journey")

// Journey is a scripted sequence of events about one entity, in the order
// the CRM sends them: a prospect that becomes a sale, a client that is
// edited, tagged and handed over. Playing it (Play) renders every event
// about the same person, company, owner and opportunity. A Journey is a
// plain value; the built-in ones come from Journeys and LookupJourney.
type Journey struct {
	// Name is the stable machine name, "prospect-to-sale".
	Name string `json:"name"`
	// Title and Description are in English; the window and the command
	// line translate them through their catalogues (the English text is
	// the key).
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Steps       []JourneyStep `json:"steps"`
}

// JourneyStep is one event of a journey.
type JourneyStep struct {
	// Event is the catalogue machine name, "prospect.phase_changed".
	Event string `json:"event"`
	// From and To are, for a phase_changed event, the phase before and
	// after the change (phases of the event's funnel, To later than From);
	// empty for other events.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Gap is the realistic time between the previous step and this one in
	// the CRM (0 for the first step): what "real" timing waits, give or
	// take a quarter, and what the events' timestamps follow.
	Gap time.Duration `json:"gap"`
}

// JourneyEvent is one event of a played journey.
type JourneyEvent struct {
	// Index is the event's 0-based position in the journey.
	Index int
	// Event is the catalogue machine name.
	Event   string
	Payload Payload
	// At is the event's time, the payload's "timestamp": the journey's
	// start plus the realistic gaps before it, whatever the timing.
	At time.Time
	// Delay is how long to wait, after sending the previous event, before
	// sending this one (0 for the first): the timing's gap divided by its
	// speed.
	Delay time.Duration
}

// StepName is a name for the event as a suite step or a log line:
// "1-prospect-created", "2-prospect-phase_changed".
func (e JourneyEvent) StepName() string {
	return strconv.Itoa(e.Index+1) + "-" + strings.ReplaceAll(e.Event, ".", "-")
}

// TimingMode is how a journey is paced when it is sent.
type TimingMode string

// The timing modes.
const (
	// TimingCompressed sends the events CompressedGap apart: a journey of
	// days is over in about a second. The default.
	TimingCompressed TimingMode = "compressed"
	// TimingReal waits the CRM's realistic gaps (each step's Gap, jittered
	// by up to a quarter either way, drawn from the seed): minutes to
	// days, for a run left going in real time.
	TimingReal TimingMode = "real"
)

// CompressedGap is the wait between two events under compressed timing,
// before the speed factor.
const CompressedGap = 200 * time.Millisecond

// Timing paces a played journey. The zero value is compressed at speed 1.
type Timing struct {
	Mode TimingMode
	// Speed divides every delay: 2 sends twice as fast, 0.5 half as fast;
	// 0 means 1.
	Speed float64
}

// ParseTimingMode reads "compressed" or "real" ("" is compressed).
func ParseTimingMode(s string) (TimingMode, error) {
	switch m := TimingMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "", TimingCompressed:
		return TimingCompressed, nil
	case TimingReal:
		return TimingReal, nil
	}
	return "", fmt.Errorf("timing %q: use compressed or real", s)
}

// delay is the wait before a step whose realistic gap is real.
func (t Timing) delay(real time.Duration) time.Duration {
	speed := t.Speed
	if speed <= 0 {
		speed = 1
	}
	d := CompressedGap
	if t.Mode == TimingReal {
		d = real
	}
	return time.Duration(float64(d) / speed)
}

// Validate checks that every step names a catalogue event, that phase
// changes name two phases of their funnel in forward order, and that only
// they do.
func (j Journey) Validate() error {
	if j.Name == "" || len(j.Steps) == 0 {
		return fmt.Errorf("journey %q: give it a name and at least one step", j.Name)
	}
	for i, st := range j.Steps {
		n, ok := lookupIndex(st.Event)
		if !ok {
			return fmt.Errorf("journey %s: step %d: %q: %w", j.Name, i+1, st.Event, ErrUnknown)
		}
		phases := funnelOf(catalogue[n].name)
		switch {
		case phases == nil && (st.From != "" || st.To != ""):
			return fmt.Errorf("journey %s: step %d: only a phase_changed event has phases", j.Name, i+1)
		case phases != nil:
			from, to := slices.Index(phases, st.From), slices.Index(phases, st.To)
			if from < 0 || to <= from {
				return fmt.Errorf("journey %s: step %d: phases %q → %q: want two phases of %s in forward order", j.Name, i+1, st.From, st.To, strings.Join(quoteAll(phases), ", "))
			}
		}
		if st.Gap < 0 {
			return fmt.Errorf("journey %s: step %d: negative gap", j.Name, i+1)
		}
	}
	return nil
}

// funnelOf is the phases a phase_changed event moves along, in funnel
// order; nil for other events.
func funnelOf(event string) []string {
	switch event {
	case "client.phase_changed":
		return clientPhases
	case "opportunity.phase_changed":
		return opportunityStages
	case "prospect.phase_changed":
		return prospectPhases
	}
	return nil
}

// Funnel returns the phases of the funnel a phase_changed event moves
// along, in the CRM's order, and false for any other event. The result is
// a copy.
func Funnel(event string) ([]string, bool) {
	i, ok := lookupIndex(event)
	if !ok {
		return nil, false
	}
	f := funnelOf(catalogue[i].name)
	return slices.Clone(f), f != nil
}

// Span is the time from the first event to the last when j is played with
// seed: the sum of its jittered realistic gaps. A caller sending a
// compressed journey now can start it at now minus Span, so that its
// story ends now rather than days ahead.
func (j Journey) Span(seed uint64) time.Duration {
	var sum time.Duration
	for _, g := range j.gaps(seed) {
		sum += g
	}
	return sum
}

// gaps are the realistic gaps of j's steps, jittered between 75% and 125%
// and rounded to the second, from a random source of their own so that
// the timing never changes the payloads.
func (j Journey) gaps(seed uint64) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 0x6a6f75726e6579)) // "journey"
	out := make([]time.Duration, len(j.Steps))
	for i, st := range j.Steps {
		f := 0.75 + 0.5*r.Float64()
		out[i] = time.Duration(float64(st.Gap) * f).Round(time.Second)
	}
	return out
}

// Play renders j's events about one entity drawn from seed, the first
// dated start (to the second, in Brasília time like every sample) and the
// rest after their realistic gaps, paced by timing. The same journey, seed
// and start give the same payloads, byte for byte, under any timing. The
// error is Validate's. Play is a pure function, safe for concurrent use.
func (j Journey) Play(seed uint64, start time.Time, timing Timing) ([]JourneyEvent, error) {
	if err := j.Validate(); err != nil {
		return nil, err
	}
	story := NewGenerator(seed).Story()
	at := start
	out := make([]JourneyEvent, 0, len(j.Steps))
	for i, gap := range j.gaps(seed) {
		st := j.Steps[i]
		at = at.Add(gap)
		p, err := story.SampleAt(st, at)
		if err != nil {
			return nil, fmt.Errorf("journey %s: step %d: %w", j.Name, i+1, err)
		}
		e := JourneyEvent{Index: i, Event: p.Type(), Payload: p, At: at.In(brt).Truncate(time.Second)}
		if i > 0 {
			e.Delay = timing.delay(gap)
		}
		out = append(out, e)
	}
	return out, nil
}

// Story renders a run of events about one entity: a contact person at a
// company with an owner, drawn at the first event, and the opportunity,
// deal and statuses the events create along the way. A prospect that
// reaches an event about a client is converted: the same person, company
// and number under the client prefix. A reassignment hands the entity to
// another salesperson, who owns it from then on.
//
// A Story shares its Generator's random source and lock: it is safe for
// concurrent use, though concurrent events of one story make little sense.
type Story struct {
	g *Generator
	s sampler
	// status is each subject's status ("archived", "discarded", "lost")
	// for the reactivation that follows.
	status map[string]string
}

// Story starts a story drawn from g's random source.
func (g *Generator) Story() *Story {
	return &Story{g: g, s: sampler{story: true}, status: map[string]string{}}
}

// SampleAt renders step's event about the story's entity, dated at (which
// should not be before the previous event's). Unlike Generator.SampleAt,
// the records stay: the same client, prospect, owner and opportunity as
// the events before. step.From and step.To, when set, are the phase change
// a phase_changed event reports. An unknown event gives an error wrapping
// ErrUnknown.
func (st *Story) SampleAt(step JourneyStep, at time.Time) (Payload, error) {
	i, ok := lookupIndex(step.Event)
	if !ok {
		return Payload{}, fmt.Errorf("story: sample %q: %w", step.Event, ErrUnknown)
	}
	name := catalogue[i].name
	subject, action, _ := strings.Cut(name, ".")
	g := st.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.r == nil {
		g.r = NewRandomGenerator().r
	}
	s := &st.s
	s.r, s.at = g.r, at
	s.phase, s.status = nil, ""
	if step.From != "" || step.To != "" {
		s.phase = &[2]string{step.From, step.To}
	}
	switch action {
	case "reassigned":
		// The owner so far becomes the previous owner, and a colleague
		// owns the entity from now on.
		old := *s.ownerRec()
		s.prevOwner = &old
		next := pick(s.r, s.others())
		s.owner = &next
	case "reactivated":
		s.status = st.status[subject]
	}
	p, err := g.sampleLocked(i, s)
	if err != nil {
		return Payload{}, err
	}
	switch {
	case action == "archived" || action == "discarded":
		st.status[subject] = action
	case action == "reactivated":
		delete(st.status, subject)
	case name == "opportunity.phase_changed" && step.To == "Fechado - perdido":
		st.status[subject] = "lost"
	}
	return p, nil
}

// journeys are the built-in journeys. Their titles and descriptions are
// translated in the window's (assets/lang/journeys.*.json) and the command
// line's (assets/lang/cli.*.json) catalogues: change them there too.
var journeys = []Journey{
	{
		Name:        "prospect-to-sale",
		Title:       "Prospect to sale",
		Description: "A new prospect is contacted and qualified, gets a sales opportunity, and the deal is won and closed as a sale.",
		Steps: []JourneyStep{
			{Event: "prospect.created"},
			{Event: "prospect.phase_changed", From: "Novo", To: "Em contato", Gap: 3 * time.Hour},
			{Event: "prospect.phase_changed", From: "Em contato", To: "Qualificado", Gap: 2 * 24 * time.Hour},
			{Event: "opportunity.created", Gap: time.Hour},
			{Event: "opportunity.phase_changed", From: "Negociação", To: "Fechado - ganho", Gap: 6 * 24 * time.Hour},
			{Event: "sale.created", Gap: 15 * time.Minute},
		},
	},
	{
		Name:        "client-update",
		Title:       "Client updated and handed over",
		Description: "An account manager corrects a client's details, tags it, and hands it over to a colleague the next day.",
		Steps: []JourneyStep{
			{Event: "client.edited"},
			{Event: "client.tagged", Gap: 10 * time.Minute},
			{Event: "client.reassigned", Gap: 24 * time.Hour},
		},
	},
	{
		Name:        "prospect-recovered",
		Title:       "Prospect discarded and recovered",
		Description: "A prospect is discarded, reactivated three weeks later when it gets back in touch, and given to another salesperson.",
		Steps: []JourneyStep{
			{Event: "prospect.discarded"},
			{Event: "prospect.reactivated", Gap: 21 * 24 * time.Hour},
			{Event: "prospect.reassigned", Gap: 2 * time.Hour},
		},
	},
	{
		Name:        "new-client-first-sale",
		Title:       "New client's first sale",
		Description: "A client is registered, followed up, gets a sales opportunity and a quote, and buys what was quoted.",
		Steps: []JourneyStep{
			{Event: "client.created"},
			{Event: "client.follow_up", Gap: time.Hour},
			{Event: "opportunity.created", Gap: 3 * 24 * time.Hour},
			{Event: "quote.created", Gap: 24 * time.Hour},
			{Event: "sale.created", Gap: 4 * 24 * time.Hour},
		},
	},
	{
		Name:        "client-win-back",
		Title:       "Client at risk, archived and won back",
		Description: "An active client goes at risk and is archived; two months later it is reactivated and moves to renewal.",
		Steps: []JourneyStep{
			{Event: "client.phase_changed", From: "Ativo", To: "Em risco"},
			{Event: "client.archived", Gap: 30 * 24 * time.Hour},
			{Event: "client.reactivated", Gap: 60 * 24 * time.Hour},
			{Event: "client.phase_changed", From: "Em risco", To: "Renovação", Gap: 24 * time.Hour},
		},
	},
	{
		Name:        "lost-deal-rescued",
		Title:       "Lost deal rescued",
		Description: "A sales opportunity is lost in negotiation, reopened two weeks later, handed to another salesperson, followed up and won.",
		Steps: []JourneyStep{
			{Event: "opportunity.phase_changed", From: "Negociação", To: "Fechado - perdido"},
			{Event: "opportunity.reactivated", Gap: 14 * 24 * time.Hour},
			{Event: "opportunity.reassigned", Gap: time.Hour},
			{Event: "opportunity.follow_up", Gap: 30 * time.Minute},
			{Event: "sale.created", Gap: 5 * 24 * time.Hour},
		},
	},
}

// Journeys returns the built-in journeys, in a stable order. The result is
// a copy; callers may modify it.
func Journeys() []Journey {
	out := make([]Journey, len(journeys))
	for i, j := range journeys {
		out[i] = j.clone()
	}
	return out
}

func (j Journey) clone() Journey {
	j.Steps = slices.Clone(j.Steps)
	return j
}

// LookupJourney finds a built-in journey by machine name
// ("prospect-to-sale"), English title or 1-based number, without regard to
// case and surrounding spaces.
func LookupJourney(name string) (Journey, bool) {
	name = strings.TrimSpace(name)
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 1 && n <= len(journeys) {
			return journeys[n-1].clone(), true
		}
		return Journey{}, false
	}
	for _, j := range journeys {
		if strings.EqualFold(name, j.Name) || strings.EqualFold(name, j.Title) {
			return j.clone(), true
		}
	}
	return Journey{}, false
}
