package ui

import (
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
)

// uiMu makes handing work to the widgets one-at-a-time everywhere. The real
// driver already runs fyne.Do callbacks one by one on its own goroutine, and
// there the lock is held only while queueing. Fyne's test driver runs them
// inline on the calling goroutine, so without the lock two background
// goroutines could touch the widgets at once; tests take it too (see
// harness.ui) when they act and look.
var uiMu sync.Mutex

// closing is set once the window is going away. From then on, work handed to
// the widgets is dropped: while Fyne shuts down it runs fyne.Do callbacks
// inline on the caller's goroutine, and a late progress tick or listing page
// would touch a widget from the wrong thread.
var closing atomic.Bool

// do hands fn to the Fyne goroutine. Background goroutines use it, never
// fyne.Do directly, and never touch a widget outside it.
func do(fn func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	fyne.Do(guard(fn))
}

// doAndWait is do, returning once fn has run (or been dropped).
func doAndWait(fn func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	fyne.DoAndWait(guard(fn))
}

// guard checks closing when fn is about to run, not when it is queued, so a
// callback queued just before the window closed is dropped too.
func guard(fn func()) func() {
	return func() {
		if !closing.Load() {
			fn()
		}
	}
}
