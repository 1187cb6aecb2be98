package ui

import (
	"sync"

	"fyne.io/fyne/v2"
)

// uiMu makes handing work to the widgets one-at-a-time everywhere. The real
// driver already runs fyne.Do callbacks one by one on its own goroutine, and
// there the lock is held only while queueing. Fyne's test driver runs them
// inline on the calling goroutine, so without the lock two background
// goroutines could touch the widgets at once; tests take it too (see
// harness.ui) when they act and look.
var uiMu sync.Mutex

// do hands fn to the Fyne goroutine. Background goroutines use it, never
// fyne.Do directly, and never touch a widget outside it.
func do(fn func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	fyne.Do(fn)
}

// doAndWait is do, returning once fn has run.
func doAndWait(fn func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	fyne.DoAndWait(fn)
}
