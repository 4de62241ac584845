package ui

import (
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
)

// fileChoice is what a file dialog offers: its title, the extensions it
// lists (none: every file) and, to save, the name it proposes. Every file
// dialog of the window is built from one, so they all open at the same
// useful size with a filter that fits what they are for.
type fileChoice struct {
	title string   // an English source text, translated when shown
	exts  []string // with their dots; nil lists every file
	name  string   // a save dialog's proposed file name
	dir   string   // the folder it opens in; "" for Fyne's default
}

// importChoice lists what exchange.Import reads: it tells the format from
// the content, so .txt and .json files are offered too.
var importChoice = fileChoice{title: "Import captures",
	exts: []string{".har", ".jsonl", ".ndjson", ".json", ".sh", ".curl", ".http", ".raw", ".rest", ".txt"}}

// bodyChoice is any file: a body may be anything, binary included.
var bodyChoice = fileChoice{title: "Body from a file"}

// fileDialogSize is most of the window: Fyne's default file dialog is
// small and its long names are cut.
func fileDialogSize(win fyne.Window) fyne.Size {
	s := win.Canvas().Size()
	return fyne.NewSize(max(s.Width*0.85, 480), max(s.Height*0.85, 360))
}

// setUp applies c to d and sizes it to win (UI goroutine).
func (c fileChoice) setUp(d *dialog.FileDialog, win fyne.Window) {
	if c.title != "" {
		d.SetTitleText(lang.L(c.title))
	}
	if len(c.exts) > 0 {
		d.SetFilter(storage.NewExtensionFileFilter(c.exts))
	}
	if c.name != "" {
		d.SetFileName(c.name)
	}
	if c.dir != "" {
		if u, err := storage.ListerForURI(storage.NewFileURI(filepath.Clean(c.dir))); err == nil {
			d.SetLocation(u)
		}
	}
	d.Resize(fileDialogSize(win))
}

// showFileOpen asks for a file to read, as c says (UI goroutine).
func showFileOpen(win fyne.Window, c fileChoice, cb func(fyne.URIReadCloser, error)) *dialog.FileDialog {
	d := dialog.NewFileOpen(cb, win)
	c.setUp(d, win)
	d.Show()
	return d
}

// showFolderOpen asks for a folder, at the same size as the file dialogs
// (UI goroutine).
func showFolderOpen(win fyne.Window, c fileChoice, cb func(fyne.ListableURI, error)) *dialog.FileDialog {
	d := dialog.NewFolderOpen(cb, win)
	c.exts = nil // a folder dialog lists folders only
	c.setUp(d, win)
	d.Show()
	return d
}

// showFileSave asks where to write a file, proposing c.name (UI goroutine).
func showFileSave(win fyne.Window, c fileChoice, cb func(fyne.URIWriteCloser, error)) *dialog.FileDialog {
	d := dialog.NewFileSave(cb, win)
	c.setUp(d, win)
	d.Show()
	return d
}
