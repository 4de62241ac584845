package fynequiet

import (
	"io"
	"strings"
	"sync"
)

// benign are the reasons of Fyne log messages that say nothing wrong
// about Gancho and nothing the user can act on:
//   - "Preferences load error: EOF" at exit: Fyne's own file watcher reads
//     preferences.json while Fyne rewrites it (os.Create truncates before
//     Fyne marks the save as its own), then the write completes. Nothing is
//     lost; the race is inside fyne.io/fyne/v2/app.
//   - "Getting favorite locations": the file dialog's sidebar looks for every
//     XDG folder (Videos, Music...) and logs each one the home lacks.
var benign = []string{"Preferences load error", "Getting favorite locations"}

// Filter returns a writer for log.SetOutput that passes everything to w
// but Fyne's benign messages. fyne.LogError writes a message as up to three
// log lines, "Fyne error: REASON", "  Cause: ..." and "  At: ...", one
// Write each: a benign first line drops the two that follow it.
func Filter(w io.Writer) io.Writer { return &filter{w: w} }

type filter struct {
	mu       sync.Mutex
	w        io.Writer
	skipping bool
}

func (f *filter) Write(p []byte) (int, error) {
	s := string(p)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, reason, ok := strings.Cut(s, "Fyne error:"); ok {
		reason = strings.TrimSpace(reason)
		f.skipping = false
		for _, b := range benign {
			f.skipping = f.skipping || strings.HasPrefix(reason, b)
		}
	} else if f.skipping && !strings.Contains(s, "  Cause:") && !strings.Contains(s, "  At:") {
		f.skipping = false
	}
	if f.skipping {
		return len(p), nil
	}
	return f.w.Write(p)
}
