package pretty

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// unescapeString writes one JSON string token (quotes included, as the
// validated input holds it) with the \uXXXX escapes of printable
// characters written as the characters (a surrogate pair as the one
// character it encodes) and "\/" as "/". Every other escape stays as
// written: \" and \\ and control characters (JSON needs them), invisible
// or separator characters (U+200B, U+00A0, U+2028: unicode.IsPrint says no)
// and lone surrogates, so the view is still the same JSON value and nothing
// that cannot be seen is silently hidden. A character is never longer than
// its escape, so the output is never longer than tok. Cost: one pass.
func unescapeString(out *capped, tok []byte) {
	start := 0 // tok[start:i] is still to be written as is
	var buf [utf8.UTFMax]byte
	for i := 0; i < len(tok); i++ {
		if tok[i] != '\\' || i+1 >= len(tok) {
			continue
		}
		switch tok[i+1] {
		case '/':
			out.Write(tok[start:i])
			_ = out.WriteByte('/')
			i++
			start = i + 1
		case 'u':
			r, n := escapedRune(tok[i:])
			if n == 0 || r == '"' || r == '\\' || !unicode.IsPrint(r) {
				i++ // keep "\u…" (and never read its backslash as a new escape)
				continue
			}
			out.Write(tok[start:i])
			out.Write(buf[:utf8.EncodeRune(buf[:], r)])
			i += n - 1
			start = i + 1
		default:
			i++ // \" \\ \n …: kept; skip the escaped byte
		}
	}
	out.Write(tok[start:])
}

// escapedRune reads "\uXXXX" at the start of b, or a surrogate pair
// "\uD83D\uDE00": the character and the bytes it took, or n == 0 when b
// does not start with a complete escape of one whole character.
func escapedRune(b []byte) (r rune, n int) {
	r, ok := hex4(b)
	if !ok {
		return 0, 0
	}
	if !utf16.IsSurrogate(r) {
		return r, 6
	}
	lo, ok := hex4(b[6:])
	if r >= 0xDC00 || !ok {
		return 0, 0 // a lone or reversed surrogate stays escaped
	}
	if c := utf16.DecodeRune(r, lo); c != utf8.RuneError {
		return c, 12
	}
	return 0, 0
}

// hex4 reads "\uXXXX" at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
