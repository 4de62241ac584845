package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// luminance is WCAG 2's relative luminance of c.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestStatusColoursReadable: status text ("200", "delivered", "retrying",
// "failed") meets WCAG AA (4.5:1) on the background in both variants.
func TestStatusColoursReadable(t *testing.T) {
	th := newAppTheme()
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		bg := th.Color(theme.ColorNameBackground, v)
		for _, n := range []fyne.ThemeColorName{theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError} {
			t.Run(string(n)+map[fyne.ThemeVariant]string{theme.VariantLight: "/light", theme.VariantDark: "/dark"}[v], func(t *testing.T) {
				if c := contrast(th.Color(n, v), bg); c < 4.5 {
					t.Errorf("contrast %.2f:1 against the background, want ≥ 4.5", c)
				}
			})
		}
	}
}
