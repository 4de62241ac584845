// Package i18n chooses Gancho's language (Brazilian Portuguese or English)
// and formats what the user reads in it: messages from the catalogues in
// assets/lang, numbers, sizes, dates and relative ages. The window
// translates its strings with Fyne's lang package over the same
// catalogues (ui.UseLanguage); the command line, which must build without
// Fyne, uses a Printer. Machine output (--json, exports, log lines for
// scripts) never goes through this package.
package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"encoding/json"
	"github.com/gancho-app/gancho/assets"
)

// The languages Gancho speaks, as BCP 47 tags.
const (
	English    = "en"
	Portuguese = "pt-BR"
)

// Setting values for the language choice (settings.Settings.Language).
const (
	System = "" // follow the system locale
)

// Normalize, FromEnv, Choose and Bundle are pure: safe for concurrent use.

// Normalize maps a user's or the system's locale name to a supported
// language: pt_BR, pt_PT, pt, pt-BR.UTF-8… are Portuguese; anything else
// (en_US, C, POSIX, fr) is English. "" stays "" (System).
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' })
	if len(f) == 0 { // ".UTF-8", "_", "@euro": names no language
		return English
	}
	if strings.ToLower(f[0]) == "pt" {
		return Portuguese
	}
	return English
}

// FromEnv is the system's language as the C library would pick it for
// messages: LC_ALL, then LC_MESSAGES, then LANG (the first one set); when
// that is not C/POSIX, LANGUAGE's first entry wins over it, as gettext does.
func FromEnv(getenv func(string) string) string {
	loc := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	if loc == "C" || loc == "POSIX" || loc == "" {
		return English
	}
	if l := getenv("LANGUAGE"); l != "" {
		if first, _, _ := strings.Cut(l, ":"); first != "" {
			return Normalize(first)
		}
	}
	return Normalize(loc)
}

// Choose is the language to use: the --lang flag, else the saved setting,
// else the system's. flag and setting accept what Normalize does ("" and
// "system" mean unset).
func Choose(flag, setting string, getenv func(string) string) string {
	for _, s := range []string{flag, setting} {
		if s != "" && !strings.EqualFold(s, "system") {
			return Normalize(s)
		}
	}
	return FromEnv(getenv)
}

// Printer translates and formats in one language. Safe for concurrent use
// once made (it is never changed).
type Printer struct {
	lang string
	loc  *goi18n.Localizer
	num  *message.Printer
}

// New returns a Printer for lang (English for anything unsupported).
func New(lang string) *Printer {
	if Normalize(lang) != Portuguese {
		lang = English
	} else {
		lang = Portuguese
	}
	b, err := Bundle()
	if err != nil {
		// The catalogues are embedded and checked by tests: this is a
		// build defect, and English source texts still read right.
		b = goi18n.NewBundle(language.English)
	}
	return &Printer{lang: lang, loc: goi18n.NewLocalizer(b, lang), num: message.NewPrinter(language.Make(lang))}
}

// Bundle loads every catalogue in assets.Lang.
func Bundle() (*goi18n.Bundle, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := assets.Lang.ReadDir(assets.LangDir)
	if err != nil {
		return nil, fmt.Errorf("translations: %w", err)
	}
	for _, f := range files {
		data, err := assets.Lang.ReadFile(assets.LangDir + "/" + f.Name())
		if err != nil {
			return nil, fmt.Errorf("translations: %w", err)
		}
		if _, err := b.ParseMessageFileBytes(data, f.Name()); err != nil {
			return nil, fmt.Errorf("translations %s: %w", f.Name(), err)
		}
	}
	return b, nil
}

// Lang is the Printer's language tag (English or Portuguese).
func (p *Printer) Lang() string { return p.lang }

// T translates msg, an English source text that is also its key; data
// fills its {{.Field}} placeholders. An untranslated msg comes back in
// English.
func (p *Printer) T(msg string, data ...any) string { return p.t(msg, -1, data) }

// N translates msg in the plural form count asks for; data should hold
// count too when the text shows it.
func (p *Printer) N(msg string, count int, data ...any) string { return p.t(msg, count, data) }

func (p *Printer) t(msg string, count int, data []any) string {
	cfg := &goi18n.LocalizeConfig{DefaultMessage: &goi18n.Message{ID: msg, Other: msg}}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	if count >= 0 {
		cfg.PluralCount = count
	}
	// A key missing from the catalogues comes back as its English
	// default, filled in, along with a not-found error.
	s, err := p.loc.Localize(cfg)
	if err != nil && s == "" {
		return msg
	}
	return s
}

// Int writes n with the language's digit grouping: 12,345 or 12.345.
func (p *Printer) Int(n int64) string { return p.num.Sprintf("%d", n) }

// Size writes a byte count in binary units with one decimal where it
// matters: 512 B, 1.4 MiB or 1,4 MiB.
func (p *Printer) Size(n int64) string {
	const unit = 1024
	if n < unit {
		return p.Int(n) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	s := strings.TrimSuffix(strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64), ".0")
	if s == "1024" && exp < 4 { // 1,048,575 B rounds up to the next unit: 1 MiB, not 1024 KiB
		s, exp = "1", exp+1
	}
	if p.lang == Portuguese {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + string("KMGTP"[exp]) + "iB"
}

// Date writes t's local date and time to the minute: 2026-11-23 19:03 or
// 23/11/2026 19:03.
func (p *Printer) Date(t time.Time) string {
	if p.lang == Portuguese {
		return t.Format("02/01/2006 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// Ago writes an age: "just now", "5 s ago", "há 3 min", "há 2 dias".
func (p *Printer) Ago(d time.Duration) string {
	switch {
	case d < 2*time.Second:
		return p.T("just now")
	case d < time.Minute:
		return p.T("{{.N}} s ago", map[string]any{"N": int(d.Seconds())})
	case d < time.Hour:
		return p.T("{{.N}} min ago", map[string]any{"N": int(d.Minutes())})
	case d < 48*time.Hour:
		return p.T("{{.N}} h ago", map[string]any{"N": int(d.Hours())})
	}
	n := int(d.Hours() / 24)
	return p.N("{{.N}} days ago", n, map[string]any{"N": n})
}
