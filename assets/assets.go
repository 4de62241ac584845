// Package assets embeds Gancho's files: the application icon and the
// translation catalogues (lang/*.json, see lang/GLOSSARY.md).
package assets

import "embed"

// Icon is the application icon, a hook catching a payload, as SVG: the
// source of IconPNG.
//
//go:embed icon.svg
var Icon []byte

// IconPNG is Icon drawn at 512×512 by tools/iconpng, with its strokes
// scaled: what the window and the About dialog show (Fyne's SVG renderer
// keeps stroke widths in pixels, which thickens the hook at small sizes)
// and what the packages carry.
//
//go:embed icon.png
var IconPNG []byte

// Lang holds the translation catalogues, lang/AREA.LANG.json in go-i18n's
// JSON format: each key is the English source text, each value its
// translation, or an object of CLDR plural forms ("one", "other"). Every
// area has one file per language (en, pt_BR) with the same keys.
//
//go:embed lang/*.json
var Lang embed.FS

// LangDir is the folder of Lang that holds the catalogues.
const LangDir = "lang"
