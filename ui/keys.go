package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// The keyboard map. Shortcuts with modifiers go through the canvas (Fyne
// delivers them wherever the keyboard is); plain keys the focused widget
// does not take reach the canvas's typed-key handler.
//
//	Ctrl+L        the path bar, its whole text selected
//	Ctrl+F        the filter
//	Alt+Left/Right/Up, Backspace   back, forward, up, back
//	Ctrl+R, F5    refresh
//	Ctrl+U        upload files (Shift: a folder)
//	Ctrl+D        download the selection to the last folder (Shift: choose)
//	Delete        delete (hide) the selection; Shift+Delete: for good
//	F2            rename
//	F1            About Haul
//	Ctrl+Shift+F  search
//	Ctrl+Shift+S  sync the folder shown with a local folder
//	Alt+Enter     properties
//	arrows, Enter, Home, End, Page Up/Down   the table
func (w *Window) addShortcuts(cmd commands) {
	c := w.win.Canvas()
	b := w.browser
	// While a dialog is up, keys belong to it: a shortcut must not act on
	// the selection behind a question about it.
	add := func(s fyne.Shortcut, fn func()) {
		c.AddShortcut(s, func(fyne.Shortcut) {
			if !w.dlg.up() {
				fn()
			}
		})
	}
	ctrl, shift, alt := fyne.KeyModifierShortcutDefault, fyne.KeyModifierShift, fyne.KeyModifierAlt
	key := func(k fyne.KeyName, m fyne.KeyModifier) fyne.Shortcut {
		return &desktop.CustomShortcut{KeyName: k, Modifier: m}
	}
	add(key(fyne.KeyL, ctrl), func() {
		c.Focus(b.path.entry)
		// The whole path, so that typing replaces it (a double tap would
		// select one word of it).
		b.path.entry.TypedShortcut(&fyne.ShortcutSelectAll{})
	})
	add(key(fyne.KeyF, ctrl), func() { c.Focus(b.filterEntry) })
	add(key(fyne.KeyLeft, alt), b.goBack)
	add(key(fyne.KeyRight, alt), b.goForward)
	add(key(fyne.KeyUp, alt), b.goUp)
	add(key(fyne.KeyR, ctrl), b.refresh)
	add(key(fyne.KeyU, ctrl), cmd.upload)
	add(key(fyne.KeyU, ctrl|shift), cmd.uploadFolder)
	add(key(fyne.KeyD, ctrl), cmd.download)
	add(key(fyne.KeyD, ctrl|shift), cmd.downloadTo)
	add(key(fyne.KeyF, ctrl|shift), cmd.search)
	add(key(fyne.KeyS, ctrl|shift), cmd.sync)
	add(key(fyne.KeyReturn, alt), cmd.properties)
	// Fyne's desktop driver turns Shift+Delete into its Cut shortcut (as
	// it does Ctrl+X) before any widget sees the key; the key that went
	// down tells the two apart.
	b.onKeyDown = func(e *fyne.KeyEvent) { w.lastKeyDown = e.Name }
	if dc, ok := c.(desktop.Canvas); ok {
		dc.SetOnKeyDown(b.onKeyDown)
	}
	add(&fyne.ShortcutCut{}, func() {
		if w.lastKeyDown == fyne.KeyDelete {
			cmd.deleteForGood()
		}
	})
	// F5 and F1 work wherever the keyboard is: the window's lists and
	// tree offer them here first (keylist.go).
	own := func(e *fyne.KeyEvent) bool {
		switch e.Name {
		case fyne.KeyF5:
			b.refresh()
		case fyne.KeyF1:
			cmd.about()
		default:
			return false
		}
		return true
	}
	for _, l := range []*keyList{w.sidebar.list, w.transfers.list, w.versions.list} {
		l.onKey = own
	}
	w.sidebar.tree.onKey = own
	b.interceptKey = func(e *fyne.KeyEvent) bool { return w.dlg.key(e) || e.Name == fyne.KeyF1 && own(e) }
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if w.dlg.key(e) || own(e) {
			return
		}
		switch e.Name {
		case fyne.KeyDelete:
			cmd.delete()
		case fyne.KeyF2:
			cmd.rename()
		case fyne.KeyBackspace:
			b.goBack()
		case fyne.KeyUp, fyne.KeyDown, fyne.KeyReturn, fyne.KeyEnter, fyne.KeyHome, fyne.KeyEnd, fyne.KeyPageUp, fyne.KeyPageDown:
			c.Focus(b.table)
			b.table.TypedKey(e)
		}
	})
}
