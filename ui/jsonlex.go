package ui

import (
	"fyne.io/fyne/v2/widget"
	"github.com/alecthomas/chroma/v2"
)

// The states of chroma's JSON lexer (lexers/embedded/json.xml), which
// json follows rule for rule.
const (
	jsRoot      = iota // value
	jsObject           // objectvalue: a key or '}'
	jsAttribute        // objectattribute: ':', a value, ',' or '}'
	jsArray            // arrayvalue: a value, ',' or ']'
)

// json emits text with the token classes chroma's JSON lexer gives it,
// scanning the text once instead of running chroma's regular
// expressions over a rune copy of it (about 5× faster on a 1 MiB body).
// It follows the lexer's states and the order of their rules; where the
// lexer would take its error path (a character no rule matches, an
// unclosed string it would backtrack into, a comment) or where Unicode
// classes could decide a match (\s, \d, \b next to a non-ASCII
// character), json stops and returns false, having emitted part of the
// text: the caller resets b and runs chroma instead. Valid JSON, and
// our indenter's output cut at any line, never stops. It also stops once
// b.ctx is done.
func (b *rowBuilder) json(text string) bool {
	st := b.st
	var (
		plain  = st.forToken(chroma.Text)
		key    = st.forToken(chroma.NameTag)
		str    = st.forToken(chroma.LiteralStringDouble)
		kw     = st.forToken(chroma.KeywordConstant)
		float  = st.forToken(chroma.LiteralNumberFloat)
		intg   = st.forToken(chroma.LiteralNumberInteger)
		punct  = st.forToken(chroma.Punctuation)
		stack  = []uint8{jsRoot}
		n      = len(text)
		i      = 0
		failed = false
	)
	// digit tells whether text[j] is an ASCII digit; a non-ASCII byte
	// (which \d might match) fails the scan.
	digit := func(j int) bool {
		if j >= n {
			return false
		}
		c := text[j]
		if c >= 0x80 {
			failed = true
		}
		return c >= '0' && c <= '9'
	}
	digits := func(j int) int { // the end of a run of digits from j
		for digit(j) {
			j++
		}
		return j
	}
	// number matches the float rule, then the integer one, at i; 0 when
	// neither matches.
	number := func() (int, widget.TextGridStyle) {
		j := i
		if text[j] == '-' {
			j++
		}
		switch {
		case j < n && text[j] == '0':
			j++
		case j < n && text[j] >= '1' && text[j] <= '9':
			j = digits(j + 1)
		default:
			return 0, nil
		}
		exp := func(k int) int { // [eE](\+|-)?\d+ at k, or 0
			if k >= n || (text[k] != 'e' && text[k] != 'E') {
				return 0
			}
			k++
			if k < n && (text[k] == '+' || text[k] == '-') {
				k++
			}
			if !digit(k) {
				return 0
			}
			return digits(k)
		}
		if j < n && text[j] == '.' && digit(j+1) {
			frac := digits(j + 1)
			if e := exp(frac); e > 0 {
				return e, float // \.\d+[eE](\+|-)?\d+
			}
			return frac, float // \.\d+
		}
		if e := exp(j); e > 0 {
			return e, float
		}
		return j, intg
	}
	// str matches "(\\\\|\\"|[^"])*" at i, taking the first alternative
	// that fits at each step as the regular expression does; 0 when the
	// string does not close (the expression would then backtrack).
	strEnd := func() int {
		for j := i + 1; j < n; j++ {
			switch text[j] {
			case '\\':
				if j+1 < n && (text[j+1] == '\\' || text[j+1] == '"') {
					j++
				}
			case '"':
				return j + 1
			}
		}
		return 0
	}
	word := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	// keyword matches (true|false|null)\b at i; 0 when it does not.
	keyword := func() int {
		for _, k := range [...]string{"true", "false", "null"} {
			if len(text)-i >= len(k) && text[i:i+len(k)] == k {
				j := i + len(k)
				if j == n {
					return j
				}
				if text[j] >= 0x80 {
					failed = true
					return 0
				}
				if word(text[j]) {
					return 0
				}
				return j
			}
		}
		return 0
	}
	tok := func(end int, style widget.TextGridStyle) {
		b.emit(text[i:end], style)
		i = end
	}
	check := checkEvery
	for i < n && !failed {
		if i >= check {
			if b.ctx.Err() != nil {
				return false
			}
			check = i + checkEvery
		}
		s := stack[len(stack)-1]
		c := text[i]
		// whitespace: \s+ (every state tries it first)
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			j := i + 1
			for j < n && (text[j] == ' ' || text[j] == '\n' || text[j] == '\t' || text[j] == '\r') {
				j++
			}
			if j < n && (text[j] >= 0x80 || text[j] == '\f' || text[j] == '\v') {
				return false // Unicode \s might go on
			}
			tok(j, plain)
			continue
		}
		if c >= 0x80 || c == '\f' || c == '\v' || c == '/' {
			return false // Unicode \s or \d, or a comment: chroma decides
		}
		if s == jsObject {
			switch c {
			case '"':
				e := strEnd()
				if e == 0 {
					return false
				}
				tok(e, key)
				stack = append(stack, jsAttribute)
			case '}':
				tok(i+1, punct)
				stack = stack[:len(stack)-1]
			default:
				return false
			}
			continue
		}
		// The value rules: root, objectattribute and arrayvalue.
		switch c {
		case 't', 'f', 'n':
			if e := keyword(); e > 0 {
				tok(e, kw)
				continue
			}
			return false
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			e, style := number()
			if e == 0 || failed {
				return false
			}
			tok(e, style)
			continue
		case '"':
			e := strEnd()
			if e == 0 {
				return false
			}
			tok(e, str)
			continue
		case '{':
			tok(i+1, punct)
			stack = append(stack, jsObject)
			continue
		case '[':
			tok(i+1, punct)
			stack = append(stack, jsArray)
			continue
		}
		switch {
		case s == jsAttribute && c == ':':
			tok(i+1, punct)
		case s == jsAttribute && c == ',':
			tok(i+1, punct)
			stack = stack[:len(stack)-1]
		case s == jsAttribute && c == '}':
			tok(i+1, punct)
			stack = stack[:len(stack)-2]
		case s == jsArray && c == ',':
			tok(i+1, punct)
		case s == jsArray && c == ']':
			tok(i+1, punct)
			stack = stack[:len(stack)-1]
		default:
			return false // chroma's error path
		}
	}
	return !failed
}
