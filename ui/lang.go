package ui

import (
	"maps"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/gancho-app/gancho/assets"
	"github.com/gancho-app/gancho/i18n"
)

// loc formats numbers, sizes, dates and ages in the window's language; set
// by UseLanguage before the window is built, read on the UI goroutine.
var loc = i18n.New(i18n.English)

// UseLanguage makes l (i18n.English or i18n.Portuguese, see i18n.Choose)
// the window's language: its own strings (lang.L over assets/lang), Fyne's
// dialogs and the formats. Call it before NewMain, from one goroutine; a
// window already built keeps its texts until it is rebuilt.
//
// Fyne's lang package picks its language from the system locale only, so
// the choice is given to it as the locale it reads (LANGUAGE, and LC_ALL,
// LC_MESSAGES or LANG where they name none), as `LANGUAGE=pt_BR gancho`
// would.
func UseLanguage(l string) {
	loc = i18n.New(l)
	tag := "en_US"
	if loc.Lang() == i18n.Portuguese {
		tag = "pt_BR"
	}
	_ = os.Setenv("LANGUAGE", tag)
	set := false
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			if v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
				_ = os.Setenv(k, tag+".UTF-8")
			}
			set = true
			break
		}
	}
	if !set {
		_ = os.Setenv("LC_MESSAGES", tag+".UTF-8")
	}
	if err := lang.AddTranslationsFS(assets.Lang, assets.LangDir); err != nil {
		fyne.LogError("translations", err)
	}
}

// plural is key (a text with {{.Count}}, its plural forms in the
// catalogues) in n's plural form, {{.Count}} written in the language's
// digits ("1.234 capturas"); more fills the key's other placeholders. For
// n = 0 call sites show their own text: Portuguese puts 0 in the "one"
// form ("0 captura"), which reads wrong.
func plural(key string, n int, more ...map[string]any) string {
	data := map[string]any{"Count": loc.Int(int64(n))}
	for _, m := range more {
		maps.Copy(data, m)
	}
	return lang.N(key, n, data)
}
