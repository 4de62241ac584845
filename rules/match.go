package rules

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// Set matches requests against rules and advances their sequences. Safe for
// concurrent use: each rule's counter is atomic, so every request gets
// exactly one position in the sequence without a lock, and Match does not
// allocate unless a rule matches.
type Set struct {
	rules []Rule
	c     []compiled
}

// compiled is a rule prepared for Match.
type compiled struct {
	pat     pattern
	methods []string // nil: any
	ends    []uint64 // ends[j]: expanded length up to and including step j
	total   uint64   // 0: the rule has no steps and never matches
	loop    bool
	prefix  string   // "rule 1 (POST /stripe/**): "
	summary []string // per step, for Label
	count   atomic.Uint64
}

// NewSet returns a Set over a copy of rules, every sequence at its start.
// Rules should come from Parse or ParseRule; NewSet does not validate, it
// only treats Times below 1 as 1 and never matches a rule without steps.
func NewSet(rules []Rule) *Set {
	s := &Set{rules: cloneRules(rules), c: make([]compiled, len(rules))}
	for i := range s.rules {
		r := &s.rules[i]
		c := &s.c[i]
		c.pat = compile(r.Path)
		c.methods = r.Methods
		c.loop = r.Loop
		c.prefix = "rule " + strconv.Itoa(i+1) + " (" + methodsText(r.Methods) + " " + r.Path + "): "
		for j := range r.Steps {
			st := &r.Steps[j]
			st.Times = max(st.Times, 1)
			c.total += uint64(st.Times)
			c.ends = append(c.ends, c.total)
			c.summary = append(c.summary, summary(*st))
		}
	}
	return s
}

// Match returns the action for a request to the first rule whose method and
// path match, and advances that rule's sequence. method matches
// case-insensitively; path is the request path without the query, compared
// byte for byte (percent-encoding is not undone). Safe for concurrent use.
func (s *Set) Match(method, path string) (Action, bool) {
	for i := range s.c {
		c := &s.c[i]
		if c.total == 0 || !c.method(method) || !c.pat.match(path) {
			continue
		}
		n := c.count.Add(1) - 1
		if c.loop {
			n %= c.total
		} else {
			n = min(n, c.total-1)
		}
		j, _ := slices.BinarySearch(c.ends, n+1)
		a := Action{Rule: i, Step: s.rules[i].Steps[j], N: int(n + 1), Of: int(c.total)}
		var b strings.Builder
		b.Grow(len(c.prefix) + len(c.summary[j]) + 24)
		b.WriteString(c.prefix)
		b.WriteString(c.summary[j])
		if a.Of > 1 {
			b.WriteString(", ")
			b.WriteString(strconv.Itoa(a.N))
			b.WriteString(" of ")
			b.WriteString(strconv.Itoa(a.Of))
		}
		a.Label = b.String()
		return a, true
	}
	return Action{}, false
}

// Reset restarts every sequence, as if no request had matched yet. Safe for
// concurrent use; a Match racing with Reset sees the old or the new count.
func (s *Set) Reset() {
	for i := range s.c {
		s.c[i].count.Store(0)
	}
}

// Rules returns a copy of the rules, in match order. Safe for concurrent use.
func (s *Set) Rules() []Rule { return cloneRules(s.rules) }

func (c *compiled) method(m string) bool {
	if c.methods == nil {
		return true
	}
	for _, x := range c.methods {
		if strings.EqualFold(x, m) {
			return true
		}
	}
	return false
}

func methodsText(ms []string) string {
	if len(ms) == 0 {
		return "*"
	}
	return strings.Join(ms, ",")
}

func cloneRules(rules []Rule) []Rule {
	if rules == nil {
		return nil
	}
	out := slices.Clone(rules)
	for i := range out {
		r := &out[i]
		r.Methods = slices.Clone(r.Methods)
		r.Steps = slices.Clone(r.Steps)
		for j := range r.Steps {
			r.Steps[j].Headers = slices.Clone(r.Steps[j].Headers)
		}
	}
	return out
}

// pattern is a compiled path pattern. Most patterns are a literal path or a
// literal prefix with /**, which compare without scanning segments.
type pattern struct {
	kind patternKind
	lit  string    // exact: the path; subtree: the part before /**
	segs []segment // segments: the pattern split at '/'
}

type patternKind uint8

const (
	matchAll      patternKind = iota // **
	matchExact                       // no wildcard
	matchSubtree                     // literal + "/**"
	matchSegments                    // anything else
)

// segment is one '/'-separated part of a pattern.
type segment struct {
	text string
	any  bool // "**": zero or more whole segments
	glob bool // contains '*': any run of characters within one segment
}

// compile prepares p. A "**" that is not a whole segment (Parse rejects it)
// acts as "*", as in other globstar implementations.
func compile(p string) pattern {
	if p == "**" {
		return pattern{kind: matchAll}
	}
	if !strings.Contains(p, "*") {
		return pattern{kind: matchExact, lit: p}
	}
	if head, ok := strings.CutSuffix(p, "/**"); ok && !strings.Contains(head, "*") {
		return pattern{kind: matchSubtree, lit: head}
	}
	var segs []segment
	for t := range strings.SplitSeq(p, "/") {
		segs = append(segs, segment{text: t, any: t == "**", glob: strings.Contains(t, "*")})
	}
	return pattern{kind: matchSegments, segs: segs}
}

func (p *pattern) match(path string) bool {
	switch p.kind {
	case matchAll:
		return true
	case matchExact:
		return path == p.lit
	case matchSubtree:
		// "/a/**" matches "/a" itself and anything below it.
		n := len(p.lit)
		return len(path) >= n && path[:n] == p.lit && (len(path) == n || path[n] == '/')
	}
	return matchSegs(p.segs, path)
}

// matchSegs matches path segment by segment. "**" is the only wildcard
// spanning segments, so the classic greedy glob algorithm with one
// backtrack point applies, with segments as the units: linear in practice,
// and no allocation.
func matchSegs(segs []segment, path string) bool {
	end := len(path) + 1 // pos == end: every path segment consumed
	px, pos := 0, 0
	starPx, starPos := -1, 0
	for px < len(segs) || pos < end {
		if px < len(segs) {
			sg := &segs[px]
			if sg.any {
				// Try ** as zero segments first; widen on failure below.
				starPx, starPos = px, pos
				px++
				continue
			}
			if pos < end {
				e := segEnd(path, pos)
				if sg.matchOne(path[pos:e]) {
					px++
					pos = e + 1
					continue
				}
			}
		}
		if starPx >= 0 && starPos < end {
			starPos = segEnd(path, starPos) + 1
			px, pos = starPx+1, starPos
			continue
		}
		return false
	}
	return true
}

// segEnd returns the offset of the '/' ending the segment at pos, or len(path).
func segEnd(path string, pos int) int {
	if i := strings.IndexByte(path[pos:], '/'); i >= 0 {
		return pos + i
	}
	return len(path)
}

func (sg *segment) matchOne(s string) bool {
	if !sg.glob {
		return sg.text == s
	}
	return globSeg(sg.text, s)
}

// globSeg matches one segment against a pattern whose only wildcard is *
// (any run of bytes), with the usual single backtrack point.
func globSeg(p, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := 0, 0
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			c := p[px]
			if c == '*' {
				nextPx, nextSx = px, sx+1
				px++
				continue
			}
			if sx < len(s) && s[sx] == c {
				px++
				sx++
				continue
			}
		}
		if 0 < nextSx && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}
