// Package text holds the wording helpers shared by the command line and
// the window (it imports nothing, so engine packages may use it too).
package text

import "strconv"

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
