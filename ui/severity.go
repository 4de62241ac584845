package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// severity is what a note, a check or a flag means to the reader, and so
// its colour: one meaning per colour across the inbound side (list flags,
// the detail's checks and body notes). Errors are red, warnings (the view
// is incomplete, something needs a look) orange, success green, and
// everything that is only information in the theme's secondary text
// colour, never orange.
type severity int

const (
	sevNeutral severity = iota // information: "empty body", "form: 5 fields, decoded"
	sevSuccess                 // a check passed: a verified signature
	sevWarning                 // the view is incomplete or something deserves a look
	sevError                   // a failure: malformed body, failed signature, refusal
)

// colorName is the theme colour a severity is drawn in.
func (s severity) colorName() fyne.ThemeColorName {
	switch s {
	case sevError:
		return theme.ColorNameError
	case sevWarning:
		return theme.ColorNameWarning
	case sevSuccess:
		return theme.ColorNameSuccess
	}
	// Not ColorNameDisabled (LowImportance): in the dark theme it is
	// almost the background and a note could not be read.
	return theme.ColorNamePlaceHolder
}

// color is the severity's colour in the current theme, for canvas.Text
// (UI goroutine: it reads the app's theme).
func (s severity) color() color.Color { return theme.Color(s.colorName()) }

// severityOf maps a widget importance onto a severity, for code that still
// speaks importances (importanceColor).
func severityOf(imp widget.Importance) severity {
	switch imp {
	case widget.DangerImportance:
		return sevError
	case widget.WarningImportance:
		return sevWarning
	case widget.SuccessImportance:
		return sevSuccess
	}
	return sevNeutral
}

// warningNotes are the parts of a body note that mean the view does not
// show everything (cut, capped, degraded); any other note that is not an
// error is information. The notes come from capture/pretty and from
// prepareBody, which share these words.
var warningNotes = []string{
	"truncated",                // pretty: "truncated: only the first …", "output truncated at …"
	"capped at",                // pretty: "decoded body capped at 50 MiB"
	"the window shows the",     // prepareBody: the view cut at textViewLimit
	"hex dump of the first",    // only the first bytes are dumped
	"showing the raw text",     // nested too deep to pretty-print
	"showing the body as text", // a multipart body that could not be split
	"showing it as received",   // a Content-Encoding that could not be undone
	"not shown",
	// The same notes in Portuguese (prepareBody's are translated; see
	// assets/lang): "truncado", "cortado", "não mostrado", "a janela mostra".
	"truncad", "cortad", "não mostrad", "a janela mostra",
}

// noteSeverity says what a body note means: a warning when the view is
// incomplete, otherwise information. Errors are known where they are
// made (rendered.notes marks them) and never guessed from the words.
func noteSeverity(note string) severity {
	l := strings.ToLower(note)
	for _, w := range warningNotes {
		if strings.Contains(l, w) {
			return sevWarning
		}
	}
	return sevNeutral
}

// sevNote is one note with its severity.
type sevNote struct {
	text string
	sev  severity
}

// sevText is a wrapping line of notes, each in its severity's colour,
// separated by " · ". Text holds the whole line as plain text (what tests
// and copy read).
type sevText struct {
	widget.BaseWidget
	Text  string
	notes []sevNote // as last set
	rt    *widget.RichText
	bold  bool
}

func newSevText() *sevText {
	t := &sevText{rt: widget.NewRichText()}
	t.rt.Wrapping = fyne.TextWrapWord
	t.ExtendBaseWidget(t)
	return t
}

// set shows notes (UI goroutine).
func (t *sevText) set(notes ...sevNote) {
	var segs []widget.RichTextSegment
	var all []string
	for i, n := range notes {
		if i > 0 {
			segs = append(segs, &widget.TextSegment{Text: " · ", Style: widget.RichTextStyle{
				Inline: true, ColorName: theme.ColorNamePlaceHolder}})
		}
		st := widget.RichTextStyle{Inline: true, ColorName: n.sev.colorName(), TextStyle: fyne.TextStyle{Bold: t.bold}}
		segs = append(segs, &widget.TextSegment{Text: n.text, Style: st})
		all = append(all, n.text)
	}
	t.Text = strings.Join(all, " · ")
	t.notes = notes
	t.rt.Segments = segs
	t.rt.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (t *sevText) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.rt) }
