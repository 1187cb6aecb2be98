package ui

import (
	"path"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// largeCopy is the size above which a restore, rename or move runs as a job
// in the transfer queue (progress, pause, resume, surviving a restart)
// instead of behind a dialog: B2's limit for one CopyObject, above which a
// copy goes in parts and takes minutes. Tests lower it.
var largeCopy int64 = store.MaxCopy

// queueCopy hands a copy to the transfer queue and opens the transfer list.
// It runs on the Fyne goroutine; ok is false when there is no queue (the
// caller then copies behind a dialog).
func (w *Window) queueCopy(r transfer.CopyRequest) (ok bool) {
	q := w.queue
	if q == nil {
		return false
	}
	if _, err := q.AddCopy(r); err != nil {
		w.browser.setStatus(Sentence(err))
		return true
	}
	w.transfers.show()
	what := "Copying " + path.Base(r.SrcKey)
	switch {
	case r.SrcKey == r.DstKey:
		what = "Restoring " + path.Base(r.SrcKey)
	case r.Move:
		what = "Moving " + path.Base(r.SrcKey)
	}
	w.browser.setStatus(what + " inside B2, in the transfer list.")
	return true
}
