package fynequiet

import (
	"bytes"
	"errors"
	"io"
	"log"
	"testing"
)

// logError writes what fyne.LogError writes.
func logError(l *log.Logger, reason string, err error) {
	l.Println("Fyne error: ", reason)
	if err != nil {
		l.Println("  Cause:", err)
	}
	l.Printf("  At: %s:%d", "/fyne/app/preferences.go", 103)
}

func TestFilter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(l *log.Logger)
		want  string
	}{
		{"preferences EOF dropped", func(l *log.Logger) { logError(l, "Preferences load error:", io.EOF) }, ""},
		{"favorites dropped", func(l *log.Logger) {
			logError(l, "Getting favorite locations", errors.New("this is not a directory: VIDEOS folder"))
		}, ""},
		{"other Fyne error kept", func(l *log.Logger) { logError(l, "Failed on saving preferences", io.ErrShortWrite) },
			"Fyne error:  Failed on saving preferences\n  Cause: short write\n  At: /fyne/app/preferences.go:103\n"},
		{"own lines after a dropped one kept", func(l *log.Logger) {
			logError(l, "Preferences load error:", io.EOF)
			l.Println("gancho: something")
		}, "gancho: something\n"},
		{"benign then other", func(l *log.Logger) {
			logError(l, "Getting favorite locations", io.EOF)
			logError(l, "Window creation error", nil)
		}, "Fyne error:  Window creation error\n  At: /fyne/app/preferences.go:103\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.write(log.New(Filter(&buf), "", 0))
			if buf.String() != tc.want {
				t.Errorf("got %q, want %q", buf.String(), tc.want)
			}
		})
	}
}
