package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/gancho-app/gancho/i18n"
	"github.com/gancho-app/gancho/internal/database"
	"github.com/gancho-app/gancho/settings"
)

// tr translates what a person reads: -h texts, flag usages and error
// sentences (catalogue assets/lang/cli.*.json). run sets it once, before
// any flag set is built; commands only read it. Machine output (--json,
// exports, capture lines) never goes through it.
var tr = i18n.New(i18n.English)

// langFlag is the global --lang value run takes out of the arguments,
// kept for the window, which chooses again with the settings it opens.
var langFlag string

// vars is the data of a translated text's {{.Name}} placeholders, given
// as name, value pairs.
func vars(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// takeLang removes the global --lang flag (--lang X, --lang=X, -lang…)
// from args, wherever it is, and returns its value: it must be known
// before any flag set is built, since the usages are translated then.
func takeLang(args []string) (rest []string, lang string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, "", usageError{fmt.Errorf("--lang needs a value: pt-BR, en or system")}
			}
			i++
			val = args[i]
		}
		lang = val
	}
	return rest, lang, nil
}

// dataDirOf is the data directory args name (--data D, --data=D), else
// GANCHO_DATA's or the default: where the saved Language setting is.
func dataDirOf(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "data" {
			continue
		}
		if hasVal {
			return val
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return database.DefaultDir()
}

// chooseLang is the command line's language: --lang, else the Language
// saved in the data directory's settings (only the settings file is read:
// no database is opened, and an unreadable file is the command's to
// report), else the system locale.
func chooseLang(flagLang string, args []string, getenv func(string) string) string {
	setting := ""
	if flagLang == "" {
		if s, err := settings.Load(dataDirOf(args)); err == nil {
			setting = s.Language
		}
	}
	return i18n.Choose(flagLang, setting, getenv)
}

// checkLang refuses a --lang value that names no language Gancho knows,
// rather than silently speaking English.
func checkLang(l string) error {
	switch strings.ToLower(strings.ReplaceAll(l, "_", "-")) {
	case "", "system", "en", "en-us", "en-gb", "pt", "pt-br", "pt-pt":
		return nil
	}
	return usageError{fmt.Errorf("--lang %q: %s", l, tr.T("use pt-BR, en or system"))}
}

// printUsage is a flag set's -h text, translated: the flag package's own
// would say "Usage of" and "(default …)" in English.
func printUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintln(w, tr.T("Usage of {{.Cmd}}:", vars("Cmd", fs.Name())))
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  -" + f.Name
		if name != "" {
			line += " " + name
		}
		if len(line) <= 4 { // "  -x": the usage fits on the same line
			line += "\t"
		} else {
			line += "\n    \t"
		}
		line += strings.ReplaceAll(usage, "\n", "\n    \t")
		switch f.DefValue {
		case "", "0", "false", "0s", "[]":
		default:
			line += " " + tr.T("(default {{.Value}})", vars("Value", quoteDefault(f)))
		}
		fmt.Fprintln(w, line)
	})
}

// quoteDefault writes a string flag's default quoted, as the flag package
// does, and the others bare.
func quoteDefault(f *flag.Flag) string {
	if name, _ := flag.UnquoteUsage(f); name == "string" {
		return fmt.Sprintf("%q", f.DefValue)
	}
	return f.DefValue
}

// pluralOf is the count that picks a text's plural form where the count
// may be 0: "0 captures" and "0 capturas" both take the "other" form,
// where CLDR gives Portuguese's 0 the "one" form ("0 captura").
func pluralOf(n int) int {
	if n == 0 {
		return 2
	}
	return n
}
