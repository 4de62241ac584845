package suite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// A JSON path, as the window's tree shows and copies it: dotted keys and
// [N] indexes, "data.client.email", "items[0].sku", "[2].id" for a
// top-level array, ["odd key"] for a key holding dots or brackets. A
// leading "$." (JSONPath habit) is accepted and ignored.

// MaxPathSegments bounds a path's depth.
const MaxPathSegments = 64

type pathSeg struct {
	key   string
	index int // ≥ 0 for [N]; -1 for a key
}

func (s pathSeg) String() string {
	if s.index >= 0 {
		return "[" + strconv.Itoa(s.index) + "]"
	}
	return s.key
}

// ParsePath checks a JSON path's syntax; the error says what is wrong.
// Safe for concurrent use.
func ParsePath(p string) error {
	_, err := parsePath(p)
	return err
}

func parsePath(p string) ([]pathSeg, error) {
	orig := p
	if p == "$" {
		p = ""
	}
	p = strings.TrimPrefix(p, "$.")
	if strings.HasPrefix(p, "$[") {
		p = p[1:]
	}
	if p == "" {
		return nil, nil // the whole body
	}
	var segs []pathSeg
	i := 0
	expectKey := true // at the start or after '.'
	for i < len(p) {
		if len(segs) >= MaxPathSegments {
			return nil, fmt.Errorf("path %q is deeper than %d levels", clip(orig), MaxPathSegments)
		}
		switch c := p[i]; {
		case c == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: '[' without ']'", clip(orig))
			}
			inner := p[i+1 : i+end]
			if strings.HasPrefix(inner, `"`) {
				// ["key"]: the key may hold ']' only if escaped; find the
				// closing quote properly.
				k, n, err := quotedKey(p[i+1:])
				if err != nil || i+1+n >= len(p) || p[i+1+n] != ']' {
					return nil, fmt.Errorf("path %q: write a quoted key as [\"key\"]", clip(orig))
				}
				segs = append(segs, pathSeg{key: k, index: -1})
				i += 1 + n + 1
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 || inner != strconv.Itoa(n) {
					return nil, fmt.Errorf("path %q: [%s] is not an index; use [0], [1]…", clip(orig), inner)
				}
				segs = append(segs, pathSeg{index: n})
				i += end + 1
			}
			expectKey = false
		case c == '.':
			if expectKey {
				return nil, fmt.Errorf("path %q: empty key before '.'", clip(orig))
			}
			expectKey = true
			i++
		default:
			if !expectKey {
				return nil, fmt.Errorf("path %q: put a '.' before key %q", clip(orig), p[i:])
			}
			end := strings.IndexAny(p[i:], ".[")
			if end < 0 {
				end = len(p) - i
			}
			segs = append(segs, pathSeg{key: p[i : i+end], index: -1})
			i += end
			expectKey = false
		}
	}
	if expectKey {
		return nil, fmt.Errorf("path %q ends with '.'", clip(orig))
	}
	return segs, nil
}

// quotedKey reads a JSON string at the start of s; n is its length in s.
func quotedKey(s string) (key string, n int, err error) {
	dec := json.NewDecoder(strings.NewReader(s))
	var k string
	if err := dec.Decode(&k); err != nil {
		return "", 0, err
	}
	return k, int(dec.InputOffset()), nil
}

func pathString(segs []pathSeg) string {
	var b strings.Builder
	for i, s := range segs {
		if s.index < 0 && (s.key == "" || strings.ContainsAny(s.key, ".[]\"")) {
			q, _ := json.Marshal(s.key)
			b.WriteString("[" + string(q) + "]")
			continue
		}
		if s.index < 0 && i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.String())
	}
	return b.String()
}

// lookup walks a decoded JSON value (maps, slices, json.Number…). missing
// is the path to the first absent level when not found.
func lookup(v any, segs []pathSeg) (found any, missing string, ok bool) {
	for i, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			if s.index >= 0 {
				return nil, pathString(segs[:i+1]), false
			}
			n, ok := x[s.key]
			if !ok {
				return nil, pathString(segs[:i+1]), false
			}
			v = n
		case []any:
			if s.index < 0 || s.index >= len(x) {
				return nil, pathString(segs[:i+1]), false
			}
			v = x[s.index]
		default:
			return nil, pathString(segs[:i+1]), false
		}
	}
	return v, "", true
}

// SetJSON sets the field at path in the JSON document body to value
// (encoded with encoding/json) and returns the new body. Only the bytes of
// the old value change: the rest of the document keeps its key order,
// spacing and number spelling. A missing last key is added at the end of
// its object; a missing parent or index is an error. It does not modify
// body and is safe for concurrent use.
func SetJSON(body []byte, path string, value any) ([]byte, error) {
	segs, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false) // a body is not HTML: "<" stays "<"
	if err := e.Encode(value); err != nil {
		return nil, fmt.Errorf("value for %s is not JSON: %w", path, err)
	}
	val := bytes.TrimSuffix(enc.Bytes(), []byte("\n"))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || !json.Valid(body) {
		return nil, errors.New("the body is not JSON, so JSON fields cannot be set: use edits.body")
	}
	start := bytes.Index(body, trimmed[:1])
	end := start + len(trimmed)
	for i, s := range segs {
		sub := body[start:end]
		vs, ve, found, err := childSpan(sub, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pathString(segs[:i+1]), err)
		}
		if !found {
			if i != len(segs)-1 || s.index >= 0 || sub[0] != '{' {
				return nil, fmt.Errorf("no field %s in the body; set_json only adds the last key of a path", pathString(segs[:i+1]))
			}
			// Insert before the object's closing brace.
			key, _ := json.Marshal(s.key)
			ins := append(append(key, ':'), val...)
			closing := end - 1
			if len(bytes.TrimSpace(sub[1:len(sub)-1])) > 0 {
				ins = append([]byte{','}, ins...)
			}
			return splice(body, closing, closing, ins), nil
		}
		start, end = start+vs, start+ve
	}
	return splice(body, start, end, val), nil
}

func splice(b []byte, start, end int, with []byte) []byte {
	out := make([]byte, 0, len(b)-(end-start)+len(with))
	out = append(out, b[:start]...)
	out = append(out, with...)
	return append(out, b[end:]...)
}

// childSpan finds, in the JSON object or array doc (valid, starting at its
// first byte), the byte span of the member s.
func childSpan(doc []byte, s pathSeg) (start, end int, found bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	tok, err := dec.Token()
	if err != nil {
		return 0, 0, false, err
	}
	delim, _ := tok.(json.Delim)
	switch {
	case delim == '{' && s.index < 0:
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return 0, 0, false, err
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return 0, 0, false, err
			}
			if kt.(string) == s.key {
				e := int(dec.InputOffset())
				return e - len(raw), e, true, nil
			}
		}
		return 0, 0, false, nil
	case delim == '[' && s.index >= 0:
		for n := 0; dec.More(); n++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return 0, 0, false, err
			}
			if n == s.index {
				e := int(dec.InputOffset())
				return e - len(raw), e, true, nil
			}
		}
		return 0, 0, false, fmt.Errorf("index %d is past the end of the array", s.index)
	case delim == '{':
		return 0, 0, false, fmt.Errorf("is an object, not an array: use .key")
	case delim == '[':
		return 0, 0, false, fmt.Errorf("is an array, not an object: use [N]")
	}
	return 0, 0, false, fmt.Errorf("is %s, which has no fields", kindOf(tok))
}

func kindOf(tok any) string {
	switch tok.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a number"
}

// normalize turns a value from YAML or encoding/json into the decoded form
// parseJSON gives (json.Number, map[string]any, []any…), for comparison.
func normalize(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	n, ok := parseJSON(b)
	if !ok {
		return nil, fmt.Errorf("not a JSON value: %s", clip(string(b)))
	}
	return n, nil
}

// jsonEqual compares decoded JSON values; numbers by value (1 = 1.0 =
// 1e0), objects regardless of key order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		return okx && oky && rx.Cmp(ry) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// compactJSON writes a decoded value as compact JSON text.
func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// fieldText is what contains and matches look at: a string's own text,
// any other value's compact JSON.
func fieldText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return compactJSON(v)
}
