package exchange

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// A small reader for the bash that "Copy as cURL" and people write: words
// with single, double and $'...' quotes, backslash escapes and line
// continuations, command separators (newline, ;, &&, ||, &), pipes and
// redirections. Nothing is expanded: $VAR and `cmd` stay literal, with a
// warning, since their values exist only in the user's shell. Unlike bash,
// a backslash before CRLF continues the line too: commands pasted from
// Windows editors have those.

type token struct {
	text string
	pos  int    // byte offset in the source, for error messages
	op   string // "" for a word; else "\n", ";", "&&", "||", "&", "|", ">", "<"
}

type shellError struct {
	msg string
	pos int
}

func lexShell(src string) (toks []token, warns []string, err error) {
	var cur strings.Builder
	started, start := false, 0
	flush := func() {
		if started {
			toks = append(toks, token{text: cur.String(), pos: start})
			cur.Reset()
			started = false
		}
	}
	begin := func(i int) {
		if !started {
			started, start = true, i
		}
	}
	warned := map[string]bool{}
	warn := func(msg string) {
		if !warned[msg] {
			warned[msg] = true
			warns = append(warns, msg)
		}
	}
	i := 0
	for i < len(src) {
		c := src[i]
		switch c {
		case ' ', '\t', '\r':
			flush()
			i++
		case '\n', ';':
			flush()
			toks = append(toks, token{op: string(c), pos: i})
			i++
		case '|', '&':
			flush()
			op := string(c)
			if i+1 < len(src) && src[i+1] == c {
				op += op
			}
			toks = append(toks, token{op: op, pos: i})
			i += len(op)
		case '<', '>':
			// "2>" names a file descriptor, not an argument.
			if started && i > 0 && isDigits(cur.String()) && src[i-1] >= '0' && src[i-1] <= '9' {
				cur.Reset()
				started = false
			}
			flush()
			toks = append(toks, token{op: string(c), pos: i})
			i++
			for i < len(src) && (src[i] == '>' || src[i] == '&') {
				i++
			}
		case '\\':
			switch {
			case strings.HasPrefix(src[i+1:], "\n"):
				i += 2 // continuation
			case strings.HasPrefix(src[i+1:], "\r\n"):
				i += 3
			case i+1 < len(src):
				begin(i)
				cur.WriteByte(src[i+1])
				i += 2
			default:
				i++
			}
		case '\'':
			begin(i)
			end := strings.IndexByte(src[i+1:], '\'')
			if end < 0 {
				return nil, warns, shellError{"unterminated single quote: add the closing '", i}
			}
			cur.WriteString(src[i+1 : i+1+end])
			i += end + 2
		case '"':
			begin(i)
			if i, err = lexDouble(src, i, &cur, warn); err != nil {
				return nil, warns, err
			}
		case '$':
			begin(i)
			switch {
			case strings.HasPrefix(src[i+1:], "'"):
				if i, err = lexANSI(src, i+1, &cur, warn); err != nil {
					return nil, warns, err
				}
			case strings.HasPrefix(src[i+1:], `"`):
				i++ // $"..." is a translatable string: read as "..."
			default:
				checkExpansion(src, i, warn)
				cur.WriteByte('$')
				i++
			}
		case '`':
			begin(i)
			warn("command substitution `...` is not run: the text is taken literally")
			cur.WriteByte(c)
			i++
		case '#':
			if !started {
				for i < len(src) && src[i] != '\n' {
					i++
				}
				continue
			}
			cur.WriteByte(c)
			i++
		default:
			begin(i)
			cur.WriteByte(c)
			i++
		}
	}
	flush()
	return toks, warns, nil
}

func (e shellError) Error() string { return e.msg }

// errorAt renders a shellError with its position in src.
func errorAt(src string, err error) error {
	if se, ok := err.(shellError); ok {
		return fmt.Errorf("%s: %s", position(src, se.pos), se.msg)
	}
	return err
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func checkExpansion(src string, i int, warn func(string)) {
	if i+1 >= len(src) {
		return
	}
	c := src[i+1]
	switch {
	case c == '(':
		warn("command substitution $(...) is not run: the text is taken literally")
	case c == '{' || c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		j := i + 1
		for j < len(src) && (src[j] == '_' || src[j] == '{' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= '0' && src[j] <= '9') {
			j++
		}
		if j < len(src) && src[j] == '}' {
			j++
		}
		warn(fmt.Sprintf("shell variable %s is not expanded: the text is taken literally; put its value in instead", src[i:j]))
	}
}

// lexDouble reads "..." starting at src[q] == '"': backslash escapes only
// $ ` " \ and newline there.
func lexDouble(src string, q int, cur *strings.Builder, warn func(string)) (int, error) {
	i := q + 1
	for i < len(src) {
		c := src[i]
		switch c {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 < len(src) {
				switch n := src[i+1]; n {
				case '$', '`', '"', '\\':
					cur.WriteByte(n)
					i += 2
					continue
				case '\n':
					i += 2
					continue
				}
			}
			cur.WriteByte(c)
			i++
		case '$':
			checkExpansion(src, i, warn)
			cur.WriteByte(c)
			i++
		case '`':
			warn("command substitution `...` is not run: the text is taken literally")
			cur.WriteByte(c)
			i++
		default:
			cur.WriteByte(c)
			i++
		}
	}
	return 0, shellError{`unterminated double quote: add the closing "`, q}
}

// lexANSI reads $'...' (bash's ANSI-C quoting); src[q] is its opening quote.
func lexANSI(src string, q int, cur *strings.Builder, warn func(string)) (int, error) {
	i := q + 1
	nul := false // bash ends the string at a NUL: the rest is dropped
	put := func(b ...byte) {
		if !nul {
			cur.Write(b)
		}
	}
	for i < len(src) {
		c := src[i]
		if c == '\'' {
			return i + 1, nil
		}
		if c != '\\' || i+1 >= len(src) {
			put(c)
			i++
			continue
		}
		e := src[i+1]
		i += 2
		switch e {
		case 'a':
			put(7)
		case 'b':
			put(8)
		case 'e', 'E':
			put(0x1b)
		case 'f':
			put('\f')
		case 'n':
			put('\n')
		case 'r':
			put('\r')
		case 't':
			put('\t')
		case 'v':
			put('\v')
		case '\\', '\'', '"', '?':
			put(e)
		case 'c':
			if i < len(src) {
				put(src[i] & 0x1f)
				i++
			}
		case 'x', 'u', 'U':
			limit := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			v, n := hexPrefix(src[i:], limit)
			if n == 0 {
				put('\\', e)
				continue
			}
			i += n
			switch {
			case e == 'x':
				if v == 0 {
					nul = true
					warn(`$'\x00' (a NUL byte) ends the string in bash: the rest of that quote is dropped`)
				}
				put(byte(v))
			case v <= utf8.MaxRune:
				put([]byte(string(rune(v)))...)
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := uint64(e - '0')
			for k := 0; k < 2 && i < len(src) && src[i] >= '0' && src[i] <= '7'; k++ {
				v = v*8 + uint64(src[i]-'0')
				i++
			}
			if byte(v) == 0 {
				nul = true
				warn(`$'\0' (a NUL byte) ends the string in bash: the rest of that quote is dropped`)
			}
			put(byte(v))
		default:
			put('\\', e)
		}
	}
	return 0, shellError{"unterminated $'...' quote: add the closing '", q - 1}
}

func hexPrefix(s string, limit int) (uint64, int) {
	var v uint64
	n := 0
	for n < limit && n < len(s) {
		d := unhex(s[n])
		if d < 0 {
			break
		}
		v = v<<4 | uint64(d)
		n++
	}
	return v, n
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// shellCommand is one command: its pipeline stages, each a list of tokens
// (words and redirections).
type shellCommand struct {
	stages [][]token
	pos    int
}

// splitCommands groups tokens into commands at newlines, ;, &&, || and &.
func splitCommands(toks []token) []shellCommand {
	var out []shellCommand
	var cmd shellCommand
	var stage []token
	end := func() {
		if len(stage) > 0 || len(cmd.stages) > 0 {
			cmd.stages = append(cmd.stages, stage)
			out = append(out, cmd)
		}
		cmd, stage = shellCommand{}, nil
	}
	for _, t := range toks {
		switch t.op {
		case "\n", ";", "&&", "||", "&":
			end()
		case "|":
			cmd.stages = append(cmd.stages, stage)
			stage = nil
		default:
			if len(stage) == 0 && len(cmd.stages) == 0 {
				cmd.pos = t.pos
			}
			stage = append(stage, t)
		}
	}
	end()
	return out
}

// The output of printf or echo piped into curl, for --data-binary @-.

func printfOutput(args []string) (string, error) {
	if len(args) == 0 {
		return "", fmt.Errorf("printf without a format")
	}
	format, rest := args[0], args[1:]
	var out strings.Builder
	for {
		used, err := printfOnce(&out, format, rest)
		if err != nil {
			return "", err
		}
		rest = rest[used:]
		if used == 0 || len(rest) == 0 {
			return out.String(), nil
		}
	}
}

// printfOnce applies format once, taking arguments for %s and %b; it
// returns how many it took.
func printfOnce(out *strings.Builder, format string, args []string) (int, error) {
	used := 0
	next := func() string {
		if used < len(args) {
			used++
			return args[used-1]
		}
		return ""
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch c {
		case '\\':
			n, stop := backslashEscape(out, format[i:], false)
			i += n - 1
			if stop {
				return used, nil
			}
		case '%':
			if i+1 >= len(format) {
				return used, fmt.Errorf("printf format ends in a lone %%")
			}
			i++
			switch format[i] {
			case '%':
				out.WriteByte('%')
			case 's':
				out.WriteString(next())
			case 'b':
				expandEscapes(out, next())
			default:
				return used, fmt.Errorf("printf %%%c is not supported: use %%s or escapes such as \\n", format[i])
			}
		default:
			out.WriteByte(c)
		}
	}
	return used, nil
}

// expandEscapes writes s with echo -e / printf %b escapes undone.
func expandEscapes(out *strings.Builder, s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out.WriteByte(s[i])
			continue
		}
		n, stop := backslashEscape(out, s[i:], true)
		if stop {
			return true
		}
		i += n - 1
	}
	return false
}

// backslashEscape writes the byte an escape at s[0] == '\\' stands for and
// returns how many bytes it used; stop is true for \c (no more output). In
// %b mode octal escapes start with \0 and may have three more digits.
func backslashEscape(out *strings.Builder, s string, bMode bool) (n int, stop bool) {
	if len(s) < 2 {
		out.WriteByte('\\')
		return 1, false
	}
	e := s[1]
	simple := map[byte]byte{'\\': '\\', 'a': 7, 'b': 8, 'e': 0x1b, 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '"': '"', '\'': '\''}
	if v, ok := simple[e]; ok {
		out.WriteByte(v)
		return 2, false
	}
	switch {
	case e == 'c' && bMode:
		return 2, true
	case e >= '0' && e <= '7':
		start, limit := 1, 3
		if bMode && e == '0' {
			start, limit = 2, 3
		}
		v, k := 0, 0
		for k < limit && start+k < len(s) && s[start+k] >= '0' && s[start+k] <= '7' {
			v = v*8 + int(s[start+k]-'0')
			k++
		}
		out.WriteByte(byte(v))
		return start + k, false
	case e == 'x':
		v, k := hexPrefix(s[2:], 2)
		if k == 0 {
			out.WriteString(`\x`)
			return 2, false
		}
		out.WriteByte(byte(v))
		return 2 + k, false
	}
	out.WriteByte('\\')
	out.WriteByte(e)
	return 2, false
}

func echoOutput(args []string) string {
	newline, escapes := true, false
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "neE") == "" {
		for _, f := range args[0][1:] {
			switch f {
			case 'n':
				newline = false
			case 'e':
				escapes = true
			case 'E':
				escapes = false
			}
		}
		args = args[1:]
	}
	var out strings.Builder
	stopped := false
	text := strings.Join(args, " ")
	if escapes {
		stopped = expandEscapes(&out, text)
	} else {
		out.WriteString(text)
	}
	if newline && !stopped {
		out.WriteByte('\n')
	}
	return out.String()
}
