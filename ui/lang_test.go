package ui

import (
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/gancho-app/gancho/i18n"
)

// inLanguage switches the window's language for one test and back to
// English after it.
func inLanguage(t *testing.T, l string) {
	t.Helper()
	UseLanguage(l)
	t.Cleanup(func() { UseLanguage(i18n.English) })
}

// TestUseLanguage: the choice reaches Fyne's lang (our catalogues and
// Fyne's own dialog texts) and the formats, and can be switched back.
func TestUseLanguage(t *testing.T) {
	t.Setenv("LC_ALL", "C") // a locale that names no language must not win
	inLanguage(t, i18n.Portuguese)
	if got := lang.L("just now"); got != "agora" {
		t.Errorf(`lang.L("just now") = %q in Portuguese`, got)
	}
	if got := lang.L("Cancel"); got != "Cancelar" {
		t.Errorf(`Fyne's "Cancel" = %q in Portuguese`, got)
	}
	if got := loc.Size(1468006); got != "1,4 MiB" {
		t.Errorf("size %q", got)
	}
	UseLanguage(i18n.English)
	if got := lang.L("just now"); got != "just now" {
		t.Errorf(`lang.L("just now") = %q back in English`, got)
	}
}
