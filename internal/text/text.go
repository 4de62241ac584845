// Package text holds the wording and text-safety helpers shared by the
// command line and the window: plurals, rune-safe cuts, and escaping for a
// terminal line or a text grid. It imports only the standard library, so
// engine packages may use it too. Every function is safe for concurrent use.
package text

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// N writes a count with its noun in the right number: N(1, "capture",
// "captures") is "1 capture", N(3, ...) "3 captures". Verbs work the same
// way: N(1, "was", "were") is "1 was".
func N(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Plural(n, one, many)
}

// Plural is one for 1 (and -1), many otherwise, 0 included.
func Plural(n int, one, many string) string {
	if n == 1 || n == -1 {
		return one
	}
	return many
}

// IsControl reports whether r is a C0 or C1 control character or DEL: what
// must not reach a terminal or a one-line label as it is.
func IsControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// RuneCut is the largest length ≤ n that cuts s at a rune boundary, so a
// cut never leaves half a UTF-8 sequence.
func RuneCut[T ~string | ~[]byte](s T, n int) int {
	if n >= len(s) {
		return len(s)
	}
	n = max(n, 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// Line makes s safe to show on one line of a terminal, a list row or a
// label: control characters, invalid UTF-8 and characters that print
// nothing (bidi overrides, zero-width spaces) are written as Go escapes
// (\x1b, \u202e), so a hostile sender can neither garble the screen nor
// make a value read as another. Text without them is returned as it is.
func Line(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == utf8.RuneError || !strconv.IsPrint(r) }) {
		return s
	}
	q := strconv.Quote(s)
	return strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
}

// Block makes multi-line text safe for a terminal or a text grid: line
// ends (LF, or CRLF, written as LF) and tabs stay, and every other control
// character is shown as \xNN; a lone CR would overwrite a terminal's line.
func Block(s string) string {
	keep := func(r rune) bool { return r == '\n' || r == '\t' || !IsControl(r) }
	if !strings.ContainsFunc(s, func(r rune) bool { return !keep(r) }) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if keep(r) {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, `\x%02x`, r)
	}
	return b.String()
}

// Keyed is fmt.Sprintf(format, a...) as a translation key and its data,
// so an engine package can say what went wrong without a translation
// layer and a window can translate it: each verb of format becomes a
// placeholder ({{.A1}} for the first) in key, filled in data with the
// argument as the verb formats it ("%q" quotes), and "%%" a "%". data is
// nil when format has no verb.
func Keyed(format string, a ...any) (key string, data map[string]any) {
	var k strings.Builder
	data = map[string]any{}
	n := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			k.WriteByte(c)
			continue
		}
		if format[i+1] == '%' {
			k.WriteByte('%')
			i++
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
			j++
		}
		if j == len(format) || n >= len(a) {
			k.WriteString(format[i:])
			break
		}
		name := "A" + strconv.Itoa(n+1)
		data[name] = fmt.Sprintf(format[i:j+1], a[n])
		fmt.Fprintf(&k, "{{.%s}}", name)
		n++
		i = j
	}
	if len(data) == 0 {
		data = nil
	}
	return k.String(), data
}
