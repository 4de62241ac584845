package ui

// trNote is an engine note (or error text) in the window's language (see
// i18n's Note: the table is shared with `gancho show`).
func trNote(s string) string { return loc.Note(s) }

// trErr is a body view's error in the window's language.
func trErr(err error) string { return loc.BodyErr(err) }
