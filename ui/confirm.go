package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/gancho-app/gancho/internal/text"
)

// confirmDanger asks before something that cannot be undone: a dialog
// whose red button names the action ("Delete 48 captures"), beside a
// neutral Cancel. Cancel, Esc and closing do nothing; only the named
// button runs do, on the UI goroutine. Every destructive action goes
// through here, so they all look and answer alike. The dialog is returned
// shown (UI goroutine).
func confirmDanger(win fyne.Window, title, message, action string, do func()) dialog.Dialog {
	msg := widget.NewLabel(message)
	msg.Wrapping = fyne.TextWrapWord
	var d *dialog.CustomDialog
	cancel := newDialogButton(lang.L("Cancel"), nil, func() { d.Hide() })
	ok := newDialogButton(action, theme.DeleteIcon(), func() {
		d.Hide()
		do()
	})
	ok.Importance = widget.DangerImportance
	cancel.esc, ok.esc = cancel.OnTapped, cancel.OnTapped
	d = dialog.NewCustomWithoutButtons(title, msg, win)
	d.SetButtons([]fyne.CanvasObject{container.NewHBox(layout.NewSpacer(), cancel, ok)})

	// Esc reaches the canvas when nothing has the focus (a button that has
	// it handles Esc itself). While the dialog is up, keys must not reach
	// the window's own handler either: Delete or the arrows would act on
	// the list behind it.
	c := win.Canvas()
	prev := c.OnTypedKey()
	c.Unfocus()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			d.Hide()
		}
	})
	d.SetOnClosed(func() { c.SetOnTypedKey(prev) })
	// Wide enough that "Delete 48 captures" and the message sit on few lines.
	d.Resize(fyne.NewSize(max(440, d.MinSize().Width), d.MinSize().Height))
	d.Show()
	return d
}

// dialogButton is a button that also cancels its dialog on Esc when it
// has the keyboard focus (Tab moves the focus onto dialog buttons).
type dialogButton struct {
	widget.Button
	esc func()
}

func newDialogButton(label string, icon fyne.Resource, tapped func()) *dialogButton {
	b := &dialogButton{}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey implements fyne.Focusable: Esc cancels, the rest is a button's.
func (b *dialogButton) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && b.esc != nil {
		b.esc()
		return
	}
	b.Button.TypedKey(ev)
}

// captureLine names a listed capture for a question about it: its method
// and target, elided, and its age.
func (m *Main) captureLine(id string) string {
	for _, r := range m.items {
		if r.ID == id {
			return lang.L("{{.Method}} {{.Target}}, received {{.Ago}}.", map[string]any{
				"Method": r.Method, "Target": elideMiddle(text.Line(r.Target), 80), "Ago": loc.Ago(m.now().Sub(r.ReceivedAt))})
		}
	}
	return lang.L("Capture {{.ID}}.", map[string]any{"ID": id})
}
