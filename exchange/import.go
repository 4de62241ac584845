package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gancho-app/gancho/capture"
)

// MaxImportSize bounds what Import reads, so a wrong file (a disk image)
// fails quickly instead of filling memory.
const MaxImportSize = 512 << 20

// RemoteImported is the RemoteAddr of an imported request whose source does
// not say who sent it.
const RemoteImported = "imported"

// ImportResult is what an import found.
type ImportResult struct {
	// Requests are ready to store. Their Origin is "import:" + Source.
	Requests []*capture.Request
	// Warnings say what was skipped or changed, for the user to read.
	Warnings []string
	// Source is the format the requests were read from.
	Source Format
}

// ids numbers imported requests; one generator for the package keeps ids
// strictly increasing across imports.
var ids capture.IDGen

// Import reads captures from r, telling the format from the content: a JSON
// object with "log" is HAR, JSON object lines are Gancho JSON lines, text
// starting with curl (or printf/echo piped into curl) is cURL, and a request
// line or a "###" separator is raw HTTP. name, the file name, only breaks a
// tie.
func Import(r io.Reader, name string) (ImportResult, error) {
	b, err := readAll(r)
	if err != nil {
		return ImportResult{}, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return ImportResult{}, fmt.Errorf("import: nothing to import: the input is empty")
	}
	f, ok := detect(b)
	if !ok {
		if f, ok = FormatForName(name); !ok {
			what := "the input"
			if name != "" {
				what = name
			}
			return ImportResult{}, fmt.Errorf("import: cannot tell what %s holds: expected a HAR file, Gancho JSON lines, curl commands or a raw HTTP request", what)
		}
	}
	return importBytes(b, f)
}

// ImportFormat reads captures in format f from r.
func ImportFormat(r io.Reader, f Format) (ImportResult, error) {
	if !f.valid() {
		return ImportResult{}, fmt.Errorf("import: unknown format %q: want har, jsonl, curl or raw", f)
	}
	b, err := readAll(r)
	if err != nil {
		return ImportResult{}, err
	}
	return importBytes(b, f)
}

func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("import: reading: %w", err)
	}
	if len(b) > MaxImportSize {
		return nil, fmt.Errorf("import: more than %d MiB: split the file or export fewer captures", MaxImportSize>>20)
	}
	return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), nil // editors on Windows add a BOM
}

func importBytes(b []byte, f Format) (ImportResult, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return ImportResult{Source: f}, fmt.Errorf("import: nothing to import: the input is empty")
	}
	now := time.Now()
	var (
		reqs  []*capture.Request
		warns []string
		err   error
	)
	switch f {
	case HAR:
		reqs, warns, err = importHAR(b, now)
	case JSONL:
		reqs, warns, err = importJSONL(b, now)
	case Curl:
		reqs, warns, err = importCurl(string(b))
	case Raw:
		reqs, warns, err = importRaw(b, now)
	}
	if err != nil {
		return ImportResult{Source: f}, fmt.Errorf("import %s: %w", f, err)
	}
	reqs, more := finish(reqs, f)
	warns = append(warns, more...)
	if len(reqs) == 0 {
		warns = append(warns, "no requests found")
	}
	return ImportResult{Requests: reqs, Warnings: warns, Source: f}, nil
}

// finish gives every request what a capture has: a unique ULID (the one
// from the file when valid, so re-importing a Gancho export adds nothing
// twice), an Origin and defaults for unknown fields.
func finish(reqs []*capture.Request, f Format) ([]*capture.Request, []string) {
	var n notes
	seen := make(map[string]bool, len(reqs))
	kept := reqs[:0]
	for i, r := range reqs {
		if r.Method == "" {
			n.add("skipped: no method", i+1)
			continue
		}
		kept = append(kept, r)
		if !validULID(r.ID) || seen[r.ID] {
			switch {
			case r.ID == "":
			case seen[r.ID]:
				n.add("id "+r.ID+" repeats an earlier one: given a new id", i+1)
			default:
				n.add(fmt.Sprintf("id %q is not a ULID: given a new id", r.ID), i+1)
			}
			r.ID = ids.New(r.ReceivedAt)
		}
		seen[r.ID] = true
		r.Origin = "import:" + string(f)
		if r.RemoteAddr == "" {
			r.RemoteAddr = RemoteImported
		}
		if r.Proto == "" {
			r.Proto = "HTTP/1.1"
		}
		if r.Headers == nil {
			r.Headers = capture.Headers{}
		}
	}
	return kept, n.list("request", "requests")
}

// detect tells the format from the content; ok is false when it cannot.
func detect(b []byte) (Format, bool) {
	s := bytes.TrimLeft(b, " \t\r\n")
	if len(s) == 0 {
		return "", false
	}
	if s[0] == '{' {
		line, _, _ := bytes.Cut(s, []byte("\n"))
		var obj map[string]json.RawMessage
		if json.Unmarshal(line, &obj) == nil {
			if _, ok := obj["log"]; ok {
				return HAR, true
			}
			return JSONL, true
		}
		// A pretty-printed object spans lines: JSON lines never do, unless
		// the line is damaged.
		if bytes.Contains(line, []byte(`"body_base64"`)) || bytes.Contains(line, []byte(`"received_at"`)) {
			return JSONL, true
		}
		return HAR, true
	}
	if bytes.HasPrefix(s, []byte("###")) {
		return Raw, true
	}
	first, _, _ := bytes.Cut(s, []byte("\n"))
	if looksLikeRequestLine(string(bytes.TrimSuffix(first, []byte("\r")))) {
		return Raw, true
	}
	// A script: curl may come after comments, set -e or export lines.
	for i, line := range strings.SplitN(string(s), "\n", 100) {
		if i == 99 {
			break
		}
		line = strings.TrimSpace(line)
		word, rest, _ := strings.Cut(line, " ")
		if word == "$" {
			word, _, _ = strings.Cut(strings.TrimSpace(rest), " ")
		}
		if isCurlWord(word) || strings.Contains(line, "| curl ") {
			return Curl, true
		}
	}
	return "", false
}

func looksLikeRequestLine(l string) bool {
	method, rest, ok := strings.Cut(l, " ")
	if !ok || !isToken(method) {
		return false
	}
	target, proto, ok := strings.Cut(rest, " ")
	return ok && target != "" && strings.HasPrefix(proto, "HTTP/")
}

func importJSONL(b []byte, now time.Time) ([]*capture.Request, []string, error) {
	var out []*capture.Request
	var n notes
	lineNo := 0
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		lineNo++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var rec capture.Record
		if err := json.Unmarshal(line, &rec); err != nil {
			where := fmt.Sprintf("line %d", lineNo)
			if off, ok := jsonOffset(err, len(line)); ok {
				where += fmt.Sprintf(", column %d", off+1)
			}
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				n.add(fmt.Sprintf("skipped: column %d: %v", te.Offset, err), lineNo)
				continue
			}
			return nil, nil, fmt.Errorf("%s: %w: each line must be one JSON record as `gancho list --json` prints", where, err)
		}
		if rec.ReceivedAt == "" {
			rec.ReceivedAt = now.UTC().Format(time.RFC3339Nano)
			n.add("no received_at: given the import time", lineNo)
		}
		r, err := capture.FromRecord(rec)
		if err != nil {
			n.add("skipped: "+err.Error(), lineNo)
			continue
		}
		out = append(out, r)
	}
	return out, n.list("line", "lines"), nil
}

// jsonError says where JSON went wrong as a line and column.
func jsonError(b []byte, err error) error {
	off, ok := jsonOffset(err, len(b))
	if !ok {
		return err
	}
	return fmt.Errorf("%s: %w", position(string(b), off), err)
}

// jsonOffset is the offset of the byte a JSON error is about.
func jsonOffset(err error, n int) (int, bool) {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return 0, false
	}
	// Offset counts the bytes read, the bad one included.
	return int(min(max(off-1, 0), int64(n))), true
}

// position turns a byte offset into "line L, column C" (both from 1).
func position(s string, off int) string {
	if off > len(s) {
		off = len(s)
	}
	line := 1 + strings.Count(s[:off], "\n")
	col := off - strings.LastIndexByte(s[:off], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// declaredSize is the Content-Length a header block announces, or -1.
func declaredSize(h capture.Headers) int64 {
	if cl := h.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64); err == nil && n >= 0 {
			return n
		}
	}
	return -1
}

// crockford is the ULID alphabet.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// validULID reports whether s is a canonical ULID, as capture.IDGen makes.
func validULID(s string) bool {
	if len(s) != 26 || s[0] > '7' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(crockford, s[i]) < 0 {
			return false
		}
	}
	return true
}

// ulidTime is the instant a valid ULID was made for.
func ulidTime(s string) time.Time {
	var ms uint64
	for i := 0; i < 10; i++ {
		ms = ms<<5 | uint64(strings.IndexByte(crockford, s[i]))
	}
	return time.UnixMilli(int64(ms)).UTC()
}

// notes gathers warnings about items so that one problem in 500 HAR
// entries is one line ("entries 1, 2, 3 and 497 more: …"), not 500.
type notes struct {
	order []string
	items map[string][]int
}

func (n *notes) add(msg string, item int) {
	if n.items == nil {
		n.items = map[string][]int{}
	}
	if _, ok := n.items[msg]; !ok {
		n.order = append(n.order, msg)
	}
	n.items[msg] = append(n.items[msg], item)
}

func (n *notes) list(one, many string) []string {
	var out []string
	for _, msg := range n.order {
		it := n.items[msg]
		unit := one
		if len(it) > 1 {
			unit = many
		}
		nums := make([]string, 0, 5)
		for i, x := range it {
			if i == 5 {
				break
			}
			nums = append(nums, strconv.Itoa(x))
		}
		more := ""
		if len(it) > 5 {
			more = fmt.Sprintf(" and %d more", len(it)-5)
		}
		out = append(out, fmt.Sprintf("%s %s%s: %s", unit, strings.Join(nums, ", "), more, msg))
	}
	return out
}

// FreshIDs gives reqs new ids in place, for importing a second copy of
// captures the store already holds (it skips ids it has).
func FreshIDs(reqs []*capture.Request) {
	for _, r := range reqs {
		r.ID = ids.New(r.ReceivedAt)
	}
}
