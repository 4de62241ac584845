// Package diff compares two requests: headers by name, JSON bodies
// structurally (key order ignored), XML and text bodies line by line, with
// fields to ignore such as timestamps.
package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gancho-app/gancho/capture"
)

// Kind says how a field differs.
type Kind string

// Kinds of change.
const (
	Added   Kind = "added"
	Removed Kind = "removed"
	Changed Kind = "changed"
)

// Change is one difference. Path names the header (for headers), the JSON
// field (data.items[2].name) or the line numbers (for text).
type Change struct {
	Kind     Kind
	Path     string
	Old, New string
}

// String renders the change on one line: "~ data.amount: 1500 → 9500".
func (c Change) String() string {
	switch c.Kind {
	case Added:
		return "+ " + c.Path + ": " + c.New
	case Removed:
		return "- " + c.Path + ": " + c.Old
	}
	return "~ " + c.Path + ": " + c.Old + " → " + c.New
}

// Result is a whole comparison.
type Result struct {
	Headers []Change
	Mode    string // how bodies were compared: "json", "text", "binary", "empty"
	Body    []Change
	Note    string // e.g. why JSON fell back to text
}

// Equal reports whether nothing differs.
func (r Result) Equal() bool { return len(r.Headers) == 0 && len(r.Body) == 0 }

// String renders the result for people: headers first, then the body.
func (r Result) String() string {
	var b strings.Builder
	if r.Equal() {
		b.WriteString("No differences")
		if r.Note != "" {
			b.WriteString(" (" + r.Note + ")")
		}
		b.WriteString(".\n")
		return b.String()
	}
	fmt.Fprintf(&b, "Headers: %d differences\n", len(r.Headers))
	for _, c := range r.Headers {
		b.WriteString("  " + c.String() + "\n")
	}
	fmt.Fprintf(&b, "\nBody (%s): %d differences\n", r.Mode, len(r.Body))
	if r.Note != "" {
		b.WriteString("  # " + r.Note + "\n")
	}
	for _, c := range r.Body {
		b.WriteString("  " + c.String() + "\n")
	}
	return b.String()
}

// Options tune a comparison.
type Options struct {
	// Ignore lists header names (case-insensitive) and JSON fields to leave
	// out: a bare name ("timestamp") matches that key at any depth, a dotted
	// path ("data.updated_at") only there.
	Ignore []string
}

// hopHeaders change on every send and say nothing about the payload.
var hopHeaders = map[string]bool{"content-length": true, "host": true, "connection": true,
	"transfer-encoding": true, "keep-alive": true}

// Compare compares a (the original) with b.
func Compare(a, b *capture.Request, o Options) Result {
	ign := map[string]bool{}
	for _, f := range o.Ignore {
		if f = strings.TrimSpace(f); f != "" {
			ign[strings.ToLower(f)] = true
		}
	}
	r := Result{Headers: Headers(a.Headers, b.Headers, ign)}
	r.Mode, r.Body, r.Note = Bodies(a.ContentType(), a.Body, b.ContentType(), b.Body, ign)
	return r
}

// Headers compares header blocks by name; repeated values are compared as
// one list in order.
func Headers(a, b capture.Headers, ignore map[string]bool) []Change {
	va, vb := group(a), group(b)
	names := map[string]string{}
	for k, v := range va {
		names[k] = v.name
	}
	for k, v := range vb {
		if _, ok := names[k]; !ok {
			names[k] = v.name
		}
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		if !hopHeaders[k] && !ignore[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []Change
	for _, k := range keys {
		x, okx := va[k]
		y, oky := vb[k]
		switch {
		case !okx:
			out = append(out, Change{Kind: Added, Path: names[k], New: strings.Join(y.values, ", ")})
		case !oky:
			out = append(out, Change{Kind: Removed, Path: names[k], Old: strings.Join(x.values, ", ")})
		case strings.Join(x.values, "\x00") != strings.Join(y.values, "\x00"):
			out = append(out, Change{Kind: Changed, Path: names[k], Old: strings.Join(x.values, ", "), New: strings.Join(y.values, ", ")})
		}
	}
	return out
}

type hv struct {
	name   string
	values []string
}

func group(h capture.Headers) map[string]hv {
	m := map[string]hv{}
	for _, kv := range h {
		k := strings.ToLower(kv.Name)
		e := m[k]
		if e.name == "" {
			e.name = kv.Name
		}
		e.values = append(e.values, kv.Value)
		m[k] = e
	}
	return m
}

// maxLines bounds the line diff, which is quadratic in the lines that
// differ (after the common start and end are set aside): 2,000 × 2,000
// costs 16 MB for a moment.
const maxLines = 2000

// Bodies compares two bodies: structurally when both are JSON, line by
// line when both are text, by bytes otherwise.
func Bodies(ctA string, a []byte, ctB string, b []byte, ignore map[string]bool) (mode string, out []Change, note string) {
	if len(a) == 0 && len(b) == 0 {
		return "empty", nil, ""
	}
	var ja, jb any
	if jsonish(ctA, a) && jsonish(ctB, b) {
		ea, eb := decode(a, &ja), decode(b, &jb)
		if ea == nil && eb == nil {
			walk("", ja, jb, ignore, &out)
			return "json", out, ""
		}
		note = "not valid JSON on both sides: compared as text"
	}
	if !capture.IsText(a) || !capture.IsText(b) {
		if !bytes.Equal(a, b) {
			out = append(out, Change{Kind: Changed, Path: "bytes", Old: fmt.Sprintf("%d bytes", len(a)), New: fmt.Sprintf("%d bytes", len(b))})
			if i := firstDiff(a, b); i >= 0 {
				out[0].Path = fmt.Sprintf("bytes (first difference at offset %d)", i)
			}
		}
		return "binary", out, note
	}
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	pre := 0
	for pre < len(la) && pre < len(lb) && la[pre] == lb[pre] {
		pre++
	}
	suf := 0
	for suf < len(la)-pre && suf < len(lb)-pre && la[len(la)-1-suf] == lb[len(lb)-1-suf] {
		suf++
	}
	la, lb = la[pre:len(la)-suf], lb[pre:len(lb)-suf]
	if len(la) > maxLines || len(lb) > maxLines {
		if string(a) != string(b) {
			out = append(out, Change{Kind: Changed, Path: "text", Old: fmt.Sprintf("%d lines", len(la)), New: fmt.Sprintf("%d lines", len(lb))})
		}
		return "text", out, fmt.Sprintf("over %d lines: compared as a whole", maxLines)
	}
	return "text", lines(la, lb, pre), note
}

func jsonish(ct string, b []byte) bool {
	if strings.Contains(strings.ToLower(ct), "json") {
		return true
	}
	t := bytes.TrimSpace(b)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

func decode(b []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

func ignored(path string, ignore map[string]bool) bool {
	if len(ignore) == 0 {
		return false
	}
	p := strings.ToLower(path)
	if ignore[p] {
		return true
	}
	last := p
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		last = strings.TrimSuffix(p[i+1:], "]")
	}
	return ignore[last]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk compares JSON values; object keys in sorted order, arrays by index.
func walk(path string, a, b any, ignore map[string]bool, out *[]Change) {
	if path != "" && ignored(path, ignore) {
		return
	}
	name := path
	if name == "" {
		name = "(root)"
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, Change{Kind: Changed, Path: name, Old: show(a), New: show(b)})
			return
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := join(path, k)
			if ignored(p, ignore) {
				continue
			}
			va, oka := x[k]
			vb, okb := y[k]
			switch {
			case !oka:
				*out = append(*out, Change{Kind: Added, Path: p, New: show(vb)})
			case !okb:
				*out = append(*out, Change{Kind: Removed, Path: p, Old: show(va)})
			default:
				walk(p, va, vb, ignore, out)
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok {
			*out = append(*out, Change{Kind: Changed, Path: name, Old: show(a), New: show(b)})
			return
		}
		for i := 0; i < max(len(x), len(y)); i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(x):
				*out = append(*out, Change{Kind: Added, Path: p, New: show(y[i])})
			case i >= len(y):
				*out = append(*out, Change{Kind: Removed, Path: p, Old: show(x[i])})
			default:
				walk(p, x[i], y[i], ignore, out)
			}
		}
	default:
		if show(a) != show(b) {
			*out = append(*out, Change{Kind: Changed, Path: name, Old: show(a), New: show(b)})
		}
	}
}

// show renders a JSON value compactly, cut for one line.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// lines diffs two texts by longest common subsequence, reporting removed
// and added lines with their line numbers.
func lines(a, b []string, offset int) []Change {
	n, m := len(a), len(b)
	// lcs[i][j]: LCS length of a[i:] and b[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Change
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, Change{Kind: Removed, Path: fmt.Sprintf("line %d", offset+i+1), Old: a[i]})
			i++
		default:
			out = append(out, Change{Kind: Added, Path: fmt.Sprintf("line %d", offset+j+1), New: b[j]})
			j++
		}
	}
	return out
}
