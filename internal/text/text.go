// Package text holds the wording helpers shared by the command line and
// the window (it imports nothing, so engine packages may use it too).
package text

import (
	"strconv"
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
