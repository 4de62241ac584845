package load

import (
	"maps"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gancho-app/gancho/replay"
)

// The histograms hold microseconds from 1 µs to 5 minutes with three
// significant digits: 0.1% resolution at any latency.
const (
	histMin    = 1
	histMax    = int64(5 * time.Minute / time.Microsecond)
	histDigits = 3
	// maxPoints bounds the timeline: past it, neighbouring points merge
	// and the step doubles, so a long run keeps a bounded chart.
	maxPoints = 600
	// rateBucket is the resolution of the last-second rate.
	rateBucket = 100 * time.Millisecond
)

// Point is one step of a run's timeline: what was sent during it and the
// latencies of the answers that arrived during it.
type Point struct {
	At       time.Duration // since the start: the step's start
	Sent     int64
	OK       int64 // answered 2xx
	Other    int64 // answered another status
	Errors   int64 // no answer (refused, reset, timeout…)
	P50, P99 time.Duration
	Max      time.Duration
}

// Snapshot is the state of a run at one instant. It is a copy: the caller
// may keep and read it from any goroutine.
type Snapshot struct {
	Elapsed time.Duration
	// Progress is how far the run is, 0 to 1, from its count or duration
	// (the further of the two); -1 for a run that goes on until stopped.
	Progress float64
	// Sent are the requests that went out (duplicates and bursts
	// included); NotSent were due while MaxInFlight requests were in
	// flight, so they were counted and skipped.
	Sent, NotSent int64
	// Answered got a response of any status; Errors got none (Classes
	// says why); Canceled were cut off by stopping the run.
	Answered, Errors, Canceled int64
	InFlight                   int
	Classes                    map[replay.Class]int64
	// FirstErrors holds one message per failure class, the first seen: a
	// sentence saying what happened and what to do.
	FirstErrors map[replay.Class]string
	Status      map[int]int64
	// Duplicates, Late and Bursts count the sends the faults made.
	Duplicates, Late, Bursts int64
	// RateLastSecond is the sends during the last whole second; Rate is
	// the achieved rate from the first send to the last.
	RateLastSecond, Rate float64
	// Latency percentiles, from the time each request was due (see the
	// package doc); Service* from when it actually went out.
	P50, P90, P99, Max                             time.Duration
	ServiceP50, ServiceP90, ServiceP99, ServiceMax time.Duration
	Done                                           bool
}

// stats gathers a run's figures. Safe for concurrent use.
type stats struct {
	mu       sync.Mutex
	clock    Clock
	t0       time.Time
	count    int
	duration time.Duration
	end      time.Time // set when the run is over

	lat, svc       *hdr.Histogram
	maxLat, maxSvc time.Duration

	sent, notSent, answered, errors, canceled int64
	dups, late, bursts                        int64
	inFlight                                  int
	classes                                   map[replay.Class]int64
	firstErr                                  map[replay.Class]string
	status                                    map[int]int64
	firstSend, lastSend                       time.Time

	ring [10]struct{ idx, n int64 } // sends per rateBucket, by bucket number

	step   time.Duration
	points []Point
	cur    *hdr.Histogram // the latencies of point curIdx
	curIdx int
	curMax time.Duration
}

func newStats(c Clock, t0 time.Time, count int, duration time.Duration) *stats {
	return &stats{
		clock: c, t0: t0, count: count, duration: duration,
		lat: hdr.New(histMin, histMax, histDigits), svc: hdr.New(histMin, histMax, histDigits),
		cur:     hdr.New(histMin, histMax, 2),
		classes: map[replay.Class]int64{}, firstErr: map[replay.Class]string{}, status: map[int]int64{},
		step: time.Second,
	}
}

// point is the timeline point at (lock held), merging points when the
// timeline is full.
func (s *stats) point(at time.Time) *Point {
	off := max(at.Sub(s.t0), 0)
	i := int(off / s.step)
	for i >= maxPoints {
		s.flushCur()
		half := make([]Point, 0, maxPoints)
		for j := 0; j < len(s.points); j += 2 {
			p := s.points[j]
			if j+1 < len(s.points) {
				p = mergePoints(p, s.points[j+1])
			}
			half = append(half, p)
		}
		s.points = half
		s.step *= 2
		s.curIdx /= 2
		i = int(off / s.step)
	}
	for len(s.points) <= i {
		s.points = append(s.points, Point{At: time.Duration(len(s.points)) * s.step})
	}
	return &s.points[i]
}

// mergePoints joins two neighbouring steps. The percentiles of the pair
// cannot be recomputed from theirs: the larger of each is kept, which
// never hides a slow step.
func mergePoints(a, b Point) Point {
	a.Sent += b.Sent
	a.OK += b.OK
	a.Other += b.Other
	a.Errors += b.Errors
	a.P50, a.P99, a.Max = max(a.P50, b.P50), max(a.P99, b.P99), max(a.Max, b.Max)
	return a
}

// flushCur writes the current step's latencies into its point (lock held).
func (s *stats) flushCur() {
	if s.cur.TotalCount() == 0 || s.curIdx >= len(s.points) {
		return
	}
	p := &s.points[s.curIdx]
	p.P50 = max(p.P50, us(s.cur.ValueAtQuantile(50)))
	p.P99 = max(p.P99, us(s.cur.ValueAtQuantile(99)))
	p.Max = max(p.Max, s.curMax)
	s.cur.Reset()
	s.curMax = 0
}

func us(v int64) time.Duration { return time.Duration(v) * time.Microsecond }

func record(h *hdr.Histogram, d time.Duration) {
	v := min(max(int64(d/time.Microsecond), histMin), histMax)
	_ = h.RecordValue(v) // in range by construction
}

// reserve takes an in-flight place, or counts a request not sent when
// limit are in flight.
func (s *stats) reserve(limit int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight >= limit {
		s.notSent++
		return false
	}
	s.inFlight++
	return true
}

// sending records that sl goes out at now.
func (s *stats) sending(sl slot, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent++
	switch {
	case sl.dup:
		s.dups++
	case sl.late:
		s.late++
	}
	if sl.burst {
		s.bursts++
	}
	if s.firstSend.IsZero() {
		s.firstSend = now
	}
	s.lastSend = now
	s.point(now).Sent++
	b := int64(now.Sub(s.t0) / rateBucket)
	r := &s.ring[b%int64(len(s.ring))]
	if r.idx != b {
		r.idx, r.n = b, 0
	}
	r.n++
}

// done records the outcome of a request due at due, sent at sent, whose
// outcome is known at now.
func (s *stats) done(res replay.Result, due, sent, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	if res.Class == replay.ClassCanceled {
		s.canceled++
		return
	}
	p := s.point(now)
	if res.Class != replay.ClassNone {
		s.errors++
		s.classes[res.Class]++
		if _, ok := s.firstErr[res.Class]; !ok {
			s.firstErr[res.Class] = res.Err
		}
		p.Errors++
		return
	}
	s.answered++
	s.status[res.Status]++
	if res.Status >= 200 && res.Status <= 299 {
		p.OK++
	} else {
		p.Other++
	}
	lat, svc := now.Sub(due), now.Sub(sent)
	record(s.lat, lat)
	record(s.svc, svc)
	s.maxLat, s.maxSvc = max(s.maxLat, lat), max(s.maxSvc, svc)
	if i := int(max(now.Sub(s.t0), 0) / s.step); i != s.curIdx {
		s.flushCur()
		s.curIdx = i
	}
	record(s.cur, lat)
	s.curMax = max(s.curMax, lat)
}

// finish marks the run over at now.
func (s *stats) finish(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.end = now
	s.flushCur()
}

// snapshot copies the figures.
func (s *stats) snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.end
	if now.IsZero() {
		now = s.clock.Now()
	}
	sn := Snapshot{
		Elapsed: max(now.Sub(s.t0), 0), Progress: -1,
		Sent: s.sent, NotSent: s.notSent, Answered: s.answered, Errors: s.errors, Canceled: s.canceled,
		InFlight: s.inFlight, Classes: maps.Clone(s.classes), FirstErrors: maps.Clone(s.firstErr),
		Status: maps.Clone(s.status), Duplicates: s.dups, Late: s.late, Bursts: s.bursts,
		Max: s.maxLat, ServiceMax: s.maxSvc, Done: !s.end.IsZero(),
	}
	if s.count > 0 {
		sn.Progress = float64(s.sent+s.notSent) / float64(s.count)
	}
	if s.duration > 0 {
		sn.Progress = max(sn.Progress, float64(sn.Elapsed)/float64(s.duration))
	}
	if sn.Progress > 1 || sn.Done {
		sn.Progress = 1
	}
	// The last whole second: the ten buckets before the current one.
	b := int64(now.Sub(s.t0) / rateBucket)
	for _, r := range s.ring {
		if r.idx < b && r.idx >= b-int64(len(s.ring)) {
			sn.RateLastSecond += float64(r.n)
		}
	}
	if b < int64(len(s.ring)) && b > 0 { // under a second in: scale up
		sn.RateLastSecond *= float64(len(s.ring)) / float64(b)
	}
	if span := s.lastSend.Sub(s.firstSend); s.sent > 1 && span > 0 {
		// n sends spaced evenly span n−1 intervals.
		sn.Rate = float64(s.sent-1) / span.Seconds()
	}
	q := []float64{50, 90, 99}
	if s.lat.TotalCount() > 0 {
		v := s.lat.ValueAtPercentilesSlice(q)
		sn.P50, sn.P90, sn.P99 = us(v[0]), us(v[1]), us(v[2])
		v = s.svc.ValueAtPercentilesSlice(q)
		sn.ServiceP50, sn.ServiceP90, sn.ServiceP99 = us(v[0]), us(v[1]), us(v[2])
	}
	return sn
}

// timeline copies the timeline and its step. The step still filling
// shows the latencies of its answers so far.
func (s *stats) timeline() ([]Point, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Point(nil), s.points...)
	if s.cur.TotalCount() > 0 && s.curIdx < len(out) {
		p := &out[s.curIdx]
		p.P50 = max(p.P50, us(s.cur.ValueAtQuantile(50)))
		p.P99 = max(p.P99, us(s.cur.ValueAtQuantile(99)))
		p.Max = max(p.Max, s.curMax)
	}
	return out, s.step
}
