package pretty

import (
	"fmt"
	"io"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// HighlightLimit caps what is syntax-highlighted; larger text is printed
// plain, because tokenising tens of MiB would stall the terminal or the UI.
const HighlightLimit = 4 << 20

// Lexer returns chroma's lexer for a View's Lang, falling back to plain text.
func Lexer(lang string) chroma.Lexer {
	l := lexers.Get(lang)
	if l == nil {
		l = lexers.Fallback
	}
	return chroma.Coalesce(l)
}

// Terminal writes text highlighted for a 256-colour terminal.
func Terminal(w io.Writer, text, lang string) error {
	if len(text) > HighlightLimit || lang == "" || lang == "plaintext" {
		_, err := io.WriteString(w, text)
		return err
	}
	it, err := Lexer(lang).Tokenise(nil, text)
	if err != nil {
		_, err = io.WriteString(w, text)
		return err
	}
	if err := formatters.TTY256.Format(w, styles.Get("monokai"), it); err != nil {
		return fmt.Errorf("highlight: %w", err)
	}
	return nil
}
