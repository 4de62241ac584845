package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// appTheme is Fyne's default theme with status colours that stay readable
// as text. Fyne's light variant draws success, warning and error in shades
// meant for fills (its green is ~1.5:1 against white), and the window writes
// statuses ("200", "delivered", "retrying") in them; the dark variant's are
// readable and kept. Safe for concurrent use (it holds no state).
type appTheme struct{ fyne.Theme }

func newAppTheme() fyne.Theme { return appTheme{theme.DefaultTheme()} }

// Light-variant status colours: Material's 800 shades, each ≥ 4.5:1 (WCAG
// AA for text) against the light background and the hover/selection tints.
var lightStatus = map[fyne.ThemeColorName]color.Color{
	theme.ColorNameSuccess: color.NRGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff},
	theme.ColorNameWarning: color.NRGBA{R: 0xa8, G: 0x4a, B: 0x00, A: 0xff},
	theme.ColorNameError:   color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
}

func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if v == theme.VariantLight {
		if c, ok := lightStatus[n]; ok {
			return c
		}
	}
	return t.Theme.Color(n, v)
}
