package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne's dialogs take no keys of their own. The window answers them for
// the dialogs shown through present: Escape closes the top one as its
// Cancel or Close button would, Enter presses its default button where
// that is safe. Every other key typed while any dialog is up is dropped
// (see dialogs.key), so it never reaches the table behind.

// dialogs presents the window's dialogs and answers the keys typed while
// one is up. Components are given it to show what they ask, never the
// window itself. It belongs to the Fyne goroutine.
type dialogs struct {
	win   fyne.Window
	keyed map[fyne.CanvasObject]keyedDialog // dialogs the keys answer
}

// keyedDialog is a dialog on screen, what Enter does in it (nil: nothing,
// as in questions whose Yes cannot be undone) and what Escape does (nil:
// close it).
type keyedDialog struct {
	d             dialog.Dialog
	enter, escape func()
}

// present shows d and lets the keys answer it.
func (dl *dialogs) present(d dialog.Dialog, enter func()) {
	dl.presentKeyed(d, enter, nil)
}

// presentKeyed shows d and lets the keys answer it: Enter with enter,
// Escape with escape (nil: it closes d).
func (dl *dialogs) presentKeyed(d dialog.Dialog, enter, escape func()) {
	d.Show()
	c := dl.win.Canvas()
	top := c.Overlays().Top()
	if top == nil {
		return
	}
	if dl.keyed == nil {
		dl.keyed = map[fyne.CanvasObject]keyedDialog{}
	}
	open := c.Overlays().List()
	for o := range dl.keyed {
		if !slices.Contains(open, o) {
			delete(dl.keyed, o) // closed by a button meanwhile
		}
	}
	dl.keyed[top] = keyedDialog{d: d, enter: enter, escape: escape}
}

// up reports whether a dialog or pop-up covers the window.
func (dl *dialogs) up() bool { return dl.win.Canvas().Overlays().Top() != nil }

// key answers a key typed while a dialog is up and reports whether
// one was: the key is then the dialog's, answered or dropped.
func (dl *dialogs) key(e *fyne.KeyEvent) bool {
	top := dl.win.Canvas().Overlays().Top()
	if top == nil {
		return false
	}
	k, ok := dl.keyed[top]
	if !ok {
		return true
	}
	switch e.Name {
	case fyne.KeyEscape:
		delete(dl.keyed, top)
		if k.escape != nil {
			k.escape()
		} else {
			k.d.Hide()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if k.enter != nil {
			delete(dl.keyed, top)
			k.enter()
		}
	}
	return true
}

// showInfo shows a message; Enter or Escape closes it.
func (dl *dialogs) showInfo(title, msg string) {
	d := dialog.NewInformation(title, msg, dl.win)
	dl.present(d, d.Hide)
}

// showError shows a failure; Enter or Escape closes it.
func (dl *dialogs) showError(err error) {
	d := dialog.NewError(err, dl.win)
	dl.present(d, d.Hide)
}

// newConfirm is dialog.NewConfirm with yes, which answers it as its
// confirm button would.
func (dl *dialogs) newConfirm(title, msg string, fn func(bool)) (d *dialog.ConfirmDialog, yes func()) {
	entered := false
	d = dialog.NewConfirm(title, msg, func(ok bool) { fn(ok || entered) }, dl.win)
	return d, func() { entered = true; d.Hide() }
}

// ask asks a question that Enter may answer Yes to: one whose Yes can be
// undone (a delete marker, a restore).
func (dl *dialogs) ask(title, msg string, fn func(bool)) {
	d, yes := dl.newConfirm(title, msg, fn)
	dl.present(d, yes)
}

// askCarefully asks a question whose Yes only a click gives: Enter does
// nothing, Escape says No.
func (dl *dialogs) askCarefully(title, msg string, fn func(bool)) {
	dl.present(dialog.NewConfirm(title, msg, fn, dl.win), nil)
}

// showForm shows a form dialog with the keyboard in entry, and Enter in
// entry submitting it (when the form is valid), as a person expects of a
// one-line question.
func (dl *dialogs) showForm(d *dialog.FormDialog, entry *widget.Entry) {
	entry.OnSubmitted = func(string) { d.Submit() }
	dl.present(d, d.Submit)
	dl.win.Canvas().Focus(entry)
}

// escEntry is an Entry that gives Escape back to its dialog: Fyne's Entry
// keeps the key, so a dialog whose keyboard sits in a field could not be
// closed with it.
type escEntry struct {
	widget.Entry
	onEscape func()
}

func newEscEntry() *escEntry {
	e := &escEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey closes the dialog on Escape and is the Entry's otherwise.
func (e *escEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// confirmTyped asks before something that cannot be undone. Its button,
// marked as dangerous, stays disabled until want is typed exactly; Enter in
// the field presses it only then; Escape and Cancel say no. run is called
// only after the typed text has been checked once more, so nothing but the
// exact name gets past.
func (dl *dialogs) confirmTyped(title, msg, want, action string, run func()) {
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	entry := newEscEntry()
	entry.SetPlaceHolder(want)
	btn := widget.NewButtonWithIcon(action, theme.DeleteIcon(), nil)
	btn.Importance = widget.DangerImportance
	btn.Disable()
	var d dialog.Dialog
	confirm := func() {
		if entry.Text != want {
			return
		}
		d.Hide()
		run()
	}
	btn.OnTapped = confirm
	entry.OnChanged = func(s string) { setEnabled(btn, s == want) }
	entry.OnSubmitted = func(string) { confirm() }
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { d.Hide() })
	entry.onEscape = func() { d.Hide() }
	prompt := widget.NewLabel("Type " + want + " to confirm:")
	prompt.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(text, prompt, entry, container.NewHBox(layout.NewSpacer(), cancel, btn))
	d = dialog.NewCustomWithoutButtons(title, body, dl.win)
	d.Resize(fyne.NewSize(540, 0))
	dl.present(d, nil) // Enter outside the field does nothing
	dl.win.Canvas().Focus(entry)
}

// askDangerous asks a question whose Yes cannot be undone but needs no
// name typed (aborting uploads, cancelling a transfer): the confirm button
// says what it does and looks dangerous, only a click on it goes ahead,
// Enter does nothing and Escape says no.
func (dl *dialogs) askDangerous(title, msg, action string, fn func()) {
	d := dialog.NewConfirm(title, msg, func(ok bool) {
		if ok {
			fn()
		}
	}, dl.win)
	d.SetConfirmText(action)
	d.SetDismissText("Keep")
	d.SetConfirmImportance(widget.DangerImportance)
	dl.present(d, nil)
}
