package ui

import (
	"os"
	"testing"

	"github.com/gancho-app/gancho/i18n"
)

// TestMain runs the package's tests in English whatever the machine's
// locale; tests of the Portuguese window switch with inLanguage.
func TestMain(m *testing.M) {
	UseLanguage(i18n.English)
	os.Exit(m.Run())
}
