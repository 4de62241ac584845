// Package assets embeds Gancho's files: the application icon (and, later,
// event templates and translations).
package assets

import _ "embed"

// Icon is the application icon, a hook catching a payload, as SVG.
//
//go:embed icon.svg
var Icon []byte
