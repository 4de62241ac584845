package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds of Value, one per JSON type.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindObject
	KindArray
)

// String returns the JSON name of the kind ("null", "boolean", "number",
// "string", "object", "array").
func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindBool:
		return "boolean"
	case KindNumber:
		return "number"
	case KindString:
		return "string"
	case KindObject:
		return "object"
	case KindArray:
		return "array"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one node of an ordered JSON tree. Objects keep their members in
// the order they were built or parsed (duplicate keys included), and numbers
// keep their literal text, so rendering is deterministic and lossless.
type Value struct {
	// Kind says which of the other fields is used.
	Kind Kind
	// Text is the string for KindString, the number literal exactly as
	// written for KindNumber (e.g. "1500.00"), and "true" or "false" for
	// KindBool. It is empty for the other kinds.
	Text string
	// Members are the members of a KindObject, in order.
	Members []Member
	// Items are the elements of a KindArray, in order.
	Items []Value
}

// Member is one key/value pair of a JSON object.
type Member struct {
	Key   string
	Value Value
}

// Null returns a JSON null.
func Null() Value { return Value{Kind: KindNull} }

// Bool returns a JSON boolean.
func Bool(b bool) Value { return Value{Kind: KindBool, Text: strconv.FormatBool(b)} }

// Int returns a JSON integer.
func Int(n int64) Value { return Value{Kind: KindNumber, Text: strconv.FormatInt(n, 10)} }

// Number returns a JSON number with the literal text lit, kept as written
// (so "1500.00" keeps its two decimals). JSON and XML report an error for a
// literal that is not a JSON number.
func Number(lit string) Value { return Value{Kind: KindNumber, Text: lit} }

// Amount returns a JSON number with exactly two decimals for an amount in
// cents: Amount(150050) is 1500.50.
func Amount(cents int64) Value {
	sign, u := "", uint64(cents)
	if cents < 0 {
		sign, u = "-", -u // two's complement: exact even for math.MinInt64
	}
	return Number(fmt.Sprintf("%s%d.%02d", sign, u/100, u%100))
}

// String returns a JSON string.
func String(s string) Value { return Value{Kind: KindString, Text: s} }

// Object returns a JSON object with members in the given order.
func Object(members ...Member) Value { return Value{Kind: KindObject, Members: members} }

// Array returns a JSON array.
func Array(items ...Value) Value { return Value{Kind: KindArray, Items: items} }

// Strings returns a JSON array of strings.
func Strings(items ...string) Value {
	v := Value{Kind: KindArray, Items: make([]Value, len(items))}
	for i, s := range items {
		v.Items[i] = String(s)
	}
	return v
}

// M returns a Member; it keeps Object literals short.
func M(key string, v Value) Member { return Member{Key: key, Value: v} }

// Get returns the member of an object with the given key (the first one if
// the key is repeated), or the element of an array whose index is key in
// decimal.
func (v Value) Get(key string) (Value, bool) {
	switch v.Kind {
	case KindObject:
		for _, m := range v.Members {
			if m.Key == key {
				return m.Value, true
			}
		}
	case KindArray:
		i, err := strconv.Atoi(key)
		if err == nil && i >= 0 && i < len(v.Items) && strconv.Itoa(i) == key {
			return v.Items[i], true
		}
	}
	return Value{}, false
}

// Payload is an event body as an ordered tree. Built-in samples are an
// envelope {"type", "timestamp", "data"} in the Standard Webhooks style;
// payloads parsed from user templates may hold any JSON value.
type Payload struct {
	Root Value
}

// Envelope returns the Standard Webhooks style envelope for an event of the
// given type, at the given time, with data as its "data" member.
func Envelope(eventType, timestamp string, data Value) Payload {
	return Payload{Root: Object(
		M("type", String(eventType)),
		M("timestamp", String(timestamp)),
		M("data", data),
	)}
}

// Type returns the envelope's "type" member, or "" when the payload has no
// string member of that name.
func (p Payload) Type() string {
	v, ok := p.Root.Get("type")
	if !ok || v.Kind != KindString {
		return ""
	}
	return v.Text
}

// Get returns the value at a dotted path such as "data.client.name" or
// "data.tags.0". An empty path is the root. Keys that themselves contain
// dots cannot be reached this way.
func (p Payload) Get(path string) (Value, bool) {
	v := p.Root
	if path == "" {
		return v, true
	}
	for seg := range strings.SplitSeq(path, ".") {
		var ok bool
		if v, ok = v.Get(seg); !ok {
			return Value{}, false
		}
	}
	return v, true
}

// Field is one leaf of a flattened payload: a dotted name such as
// "data.client.name" or "data.tags.0" and its value as text.
type Field struct {
	Name  string
	Value string
}

// Flatten lists the payload's leaves in order with dotted names: object keys
// joined by ".", array elements by their 0-based index. Strings, numbers and
// booleans give their text, null gives "". Empty objects and arrays give no
// field. A scalar root gives one field with an empty name. The result suits
// GET query strings and form bodies.
func (p Payload) Flatten() []Field {
	var out []Field
	flatten(&out, "", p.Root)
	return out
}

func flatten(out *[]Field, prefix string, v Value) {
	join := func(key string) string {
		if prefix == "" {
			return key
		}
		return prefix + "." + key
	}
	switch v.Kind {
	case KindObject:
		for _, m := range v.Members {
			flatten(out, join(m.Key), m.Value)
		}
	case KindArray:
		for i, it := range v.Items {
			flatten(out, join(strconv.Itoa(i)), it)
		}
	default:
		*out = append(*out, Field{Name: prefix, Value: v.Text})
	}
}

// ErrInvalidJSON reports input that ParseJSON cannot read as one JSON value.
var ErrInvalidJSON = errors.New("invalid JSON")

// ParseJSON reads one JSON value of any kind into a Payload, keeping object
// members in input order (duplicates included) and number literals as
// written. A leading UTF-8 byte order mark and surrounding white space are
// ignored; invalid UTF-8 inside strings becomes U+FFFD. Errors wrap
// ErrInvalidJSON.
func ParseJSON(data []byte) (Payload, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !json.Valid(data) {
		// Let the standard decoder describe what is wrong and where.
		var x any
		err := json.Unmarshal(data, &x)
		if err == nil {
			err = errors.New("not a single JSON value")
		}
		return Payload{}, fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := parseValue(dec)
	if err != nil {
		return Payload{}, fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Payload{}, fmt.Errorf("%w: data after the top-level value", ErrInvalidJSON)
	}
	return Payload{Root: root}, nil
}

func parseValue(dec *json.Decoder) (Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return Value{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := Value{Kind: KindObject, Members: []Member{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return Value{}, err
				}
				key, ok := kt.(string)
				if !ok {
					return Value{}, fmt.Errorf("object key is %T", kt)
				}
				mv, err := parseValue(dec)
				if err != nil {
					return Value{}, err
				}
				v.Members = append(v.Members, Member{Key: key, Value: mv})
			}
			_, err := dec.Token() // '}'
			return v, err
		case '[':
			v := Value{Kind: KindArray, Items: []Value{}}
			for dec.More() {
				it, err := parseValue(dec)
				if err != nil {
					return Value{}, err
				}
				v.Items = append(v.Items, it)
			}
			_, err := dec.Token() // ']'
			return v, err
		}
		return Value{}, fmt.Errorf("unexpected %v", t)
	case string:
		return String(t), nil
	case json.Number:
		return Number(string(t)), nil
	case bool:
		return Bool(t), nil
	case nil:
		return Null(), nil
	}
	return Value{}, fmt.Errorf("unexpected token %T", tok)
}

// JSON renders the payload as indented JSON (two spaces), members in order,
// without HTML escaping and without a trailing newline. It fails only for a
// hand-built Value whose number or boolean text is not valid JSON.
func (p Payload) JSON() ([]byte, error) {
	b, err := appendJSON(nil, p.Root, "\n")
	if err != nil {
		return nil, fmt.Errorf("relay: render JSON: %w", err)
	}
	return b, nil
}

// CompactJSON renders the payload as JSON without insignificant white space.
func (p Payload) CompactJSON() ([]byte, error) {
	b, err := appendJSON(nil, p.Root, "")
	if err != nil {
		return nil, fmt.Errorf("relay: render JSON: %w", err)
	}
	return b, nil
}

// appendJSON writes v; nl is "" for compact output, otherwise the newline
// plus the current indentation.
func appendJSON(b []byte, v Value, nl string) ([]byte, error) {
	inner, colon := "", ":"
	if nl != "" {
		inner, colon = nl+"  ", ": "
	}
	var err error
	switch v.Kind {
	case KindNull:
		return append(b, "null"...), nil
	case KindBool:
		if v.Text != "true" && v.Text != "false" {
			return b, fmt.Errorf("boolean %q is not true or false", v.Text)
		}
		return append(b, v.Text...), nil
	case KindNumber:
		if !validNumber(v.Text) {
			return b, fmt.Errorf("number %q is not a JSON number", v.Text)
		}
		return append(b, v.Text...), nil
	case KindString:
		return appendQuoted(b, v.Text), nil
	case KindObject:
		if len(v.Members) == 0 {
			return append(b, "{}"...), nil
		}
		b = append(b, '{')
		for i, m := range v.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, inner...)
			b = appendQuoted(b, m.Key)
			b = append(b, colon...)
			if b, err = appendJSON(b, m.Value, inner); err != nil {
				return b, err
			}
		}
		return append(append(b, nl...), '}'), nil
	case KindArray:
		if len(v.Items) == 0 {
			return append(b, "[]"...), nil
		}
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, inner...)
			if b, err = appendJSON(b, it, inner); err != nil {
				return b, err
			}
		}
		return append(append(b, nl...), ']'), nil
	}
	return b, fmt.Errorf("unknown kind %d", v.Kind)
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string. Unlike encoding/json it leaves
// <, > and & alone (webhook bodies are not HTML); invalid UTF-8 becomes
// U+FFFD, and U+2028/U+2029 are escaped so the text is also valid JavaScript.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// validNumber reports whether s matches the JSON number grammar.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// XMLRoot is the name of the root element that XML writes.
const XMLRoot = "event"

// XML renders the payload as an indented XML document whose root element
// is <event>:
//
//   - each object member becomes one element named after its key, made safe
//     for any XML parser: characters other than ASCII letters and digits,
//     "_", "-", "." and Latin letters such as "ç" or "ã" become "_" (so
//     "first name" is <first_name>), and a name that would start with a
//     digit, "-", "." or "xml" gets a "_" prefix;
//   - nested objects become nested elements;
//   - an array member becomes one element per item, all with the array's
//     name (so an empty array writes nothing); an array at the root or
//     inside another array writes its items as <item> children;
//   - null, empty objects and empty nested arrays are empty elements;
//   - text is escaped, and characters XML cannot carry become U+FFFD.
func (p Payload) XML() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if err := writeXMLElement(&buf, XMLRoot, p.Root, "\n"); err != nil {
		return nil, fmt.Errorf("relay: render XML: %w", err)
	}
	return buf.Bytes(), nil
}

// writeXMLElement writes <name>v</name>. An object member holding an array
// is expanded by the caller into repeated elements; an array met here (the
// root, or an item of another array) writes its items as <item> children.
func writeXMLElement(buf *bytes.Buffer, name string, v Value, nl string) error {
	inner := nl + "  "
	switch v.Kind {
	case KindNull:
		buf.WriteString("<" + name + "/>")
		return nil
	case KindBool, KindNumber:
		if v.Kind == KindBool && v.Text != "true" && v.Text != "false" {
			return fmt.Errorf("boolean %q is not true or false", v.Text)
		}
		if v.Kind == KindNumber && !validNumber(v.Text) {
			return fmt.Errorf("number %q is not a JSON number", v.Text)
		}
		buf.WriteString("<" + name + ">" + v.Text + "</" + name + ">")
		return nil
	case KindString:
		buf.WriteString("<" + name + ">")
		escapeXMLText(buf, v.Text)
		buf.WriteString("</" + name + ">")
		return nil
	case KindObject:
		if len(v.Members) == 0 {
			buf.WriteString("<" + name + "/>")
			return nil
		}
		buf.WriteString("<" + name + ">")
		for _, m := range v.Members {
			key := xmlName(m.Key)
			if m.Value.Kind == KindArray {
				for _, it := range m.Value.Items {
					buf.WriteString(inner)
					if err := writeXMLElement(buf, key, it, inner); err != nil {
						return err
					}
				}
				continue
			}
			buf.WriteString(inner)
			if err := writeXMLElement(buf, key, m.Value, inner); err != nil {
				return err
			}
		}
		buf.WriteString(nl + "</" + name + ">")
		return nil
	case KindArray:
		if len(v.Items) == 0 {
			buf.WriteString("<" + name + "/>")
			return nil
		}
		buf.WriteString("<" + name + ">")
		for _, it := range v.Items {
			buf.WriteString(inner)
			if err := writeXMLElement(buf, "item", it, inner); err != nil {
				return err
			}
		}
		buf.WriteString(nl + "</" + name + ">")
		return nil
	}
	return fmt.Errorf("unknown kind %d", v.Kind)
}

// escapeXMLText escapes s for element content, replacing characters that
// XML 1.0 does not allow (and invalid UTF-8) with U+FFFD.
func escapeXMLText(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '&':
			buf.WriteString("&amp;")
		case r == '<':
			buf.WriteString("&lt;")
		case r == '>':
			buf.WriteString("&gt;")
		case r == '\r':
			buf.WriteString("&#xD;") // a raw CR would be normalised away
		case r == utf8.RuneError && size == 1, !xmlChar(r):
			buf.WriteRune('\uFFFD')
		default:
			buf.WriteString(s[i-size : i])
		}
	}
}

// xmlChar reports whether r is a Char in XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// xmlNameStart reports whether r may start an element name. The set is
// deliberately narrow: ASCII letters, "_" and the Latin letters of
// U+00C0–U+017E (all of Portuguese, Spanish, French…), which every edition
// of XML 1.0 and every parser accepts (encoding/xml, for one, still uses
// the first edition's tables). The colon is left out so that names never
// look namespaced.
func xmlNameStart(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '_' ||
		r >= 0xC0 && r <= 0xFF && r != 0xD7 && r != 0xF7 ||
		r >= 0x100 && r <= 0x131 || r >= 0x134 && r <= 0x13E ||
		r >= 0x141 && r <= 0x148 || r >= 0x14A && r <= 0x17E
}

// xmlNameChar reports whether r may appear in an element name after the
// first character.
func xmlNameChar(r rune) bool {
	return xmlNameStart(r) || r == '-' || r == '.' || r >= '0' && r <= '9'
}

// xmlName turns a JSON key into a well-formed XML element name.
func xmlName(key string) string {
	var b strings.Builder
	for _, r := range key {
		if r == utf8.RuneError || !xmlNameChar(r) {
			r = '_'
		}
		if b.Len() == 0 && !xmlNameStart(r) {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	name := b.String()
	if name == "" || len(name) >= 3 && strings.EqualFold(name[:3], "xml") {
		name = "_" + name
	}
	return name
}

// Clone deep-copies v, so a change to the copy never reaches v.
func (v Value) Clone() Value {
	switch v.Kind {
	case KindObject:
		ms := make([]Member, len(v.Members))
		for i, m := range v.Members {
			ms[i] = Member{Key: m.Key, Value: m.Value.Clone()}
		}
		v.Members = ms
	case KindArray:
		items := make([]Value, len(v.Items))
		for i, it := range v.Items {
			items[i] = it.Clone()
		}
		v.Items = items
	}
	return v
}
