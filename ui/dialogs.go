package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// showForm shows a form dialog with the keyboard in entry, and Enter in
// entry submitting it (when the form is valid), as a person expects of a
// one-line question.
func showForm(win fyne.Window, d *dialog.FormDialog, entry *widget.Entry) {
	entry.OnSubmitted = func(string) { d.Submit() }
	d.Show()
	win.Canvas().Focus(entry)
}
