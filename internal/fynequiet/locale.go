// Package fynequiet keeps Fyne's benign log lines off the terminal.
//
// Locale: Fyne's lang package reads the locale in its init (and again when the
// window opens) and logs "Fyne error: Error parsing user locale C" three
// lines at a time when LANG is C.UTF-8 or POSIX.UTF-8, which are not
// language tags. Imported for its side effect, this package gives Fyne a
// language to read instead: LANGUAGE=en, which gettext and glibc ignore
// under the C locale, so nothing else changes.
//
// It must run before fyne.io/fyne/v2/lang's init. Since Go 1.21 packages
// are initialised in import-path order among those whose imports are
// ready: this package imports only os and strings, and its path sorts
// before github.com/jeandeaual/go-locale, which Fyne's lang package waits
// for, so it always runs first. TestNoFyneNoise checks it.
package fynequiet

import (
	"os"
	"strings"
)

func init() { Fix(os.Getenv, os.Setenv) }

// Fix sets LANGUAGE=en when the locale in force (LC_ALL, LC_MESSAGES or
// LANG, the first one set, as Fyne reads them) is a C or POSIX one with a
// codeset, and LANGUAGE is unset.
func Fix(getenv func(string) string, setenv func(string, string) error) {
	if getenv("LANGUAGE") != "" {
		return
	}
	loc := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(k); loc != "" {
			break
		}
	}
	name, _, _ := strings.Cut(loc, ".")
	if loc != name && (name == "C" || name == "POSIX") {
		_ = setenv("LANGUAGE", "en")
	}
}
