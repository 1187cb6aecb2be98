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

// copyAdder is what handing a copy to the transfer queue needs; Queue has
// it.
type copyAdder interface {
	// AddCopy queues a server-side copy (or move) as a job.
	AddCopy(r transfer.CopyRequest) (transfer.JobID, error)
}

// copyHandoff hands large copies (restores, renames, moves) to the current
// account's transfer queue. The components that copy share one; the window
// sets its queue when the account changes. It belongs to the Fyne
// goroutine.
type copyHandoff struct {
	q copyAdder // nil while no queue is open
	// onStatus says what was queued; onQueued opens the transfer list.
	onStatus func(string)
	onQueued func()
}

// ready reports whether there is a queue to hand copies to.
func (c *copyHandoff) ready() bool { return c.q != nil }

// queue hands one copy to the queue, opens the transfer list and says so.
// ok is false when there is no queue (the caller then copies behind a
// dialog).
func (c *copyHandoff) queue(r transfer.CopyRequest) (ok bool) {
	if c.q == nil {
		return false
	}
	if _, err := c.q.AddCopy(r); err != nil {
		c.onStatus(Sentence(err))
		return true
	}
	c.onQueued()
	what := "Copying " + path.Base(r.SrcKey)
	switch {
	case r.SrcKey == r.DstKey:
		what = "Restoring " + path.Base(r.SrcKey)
	case r.Move:
		what = "Moving " + path.Base(r.SrcKey)
	}
	c.onStatus(what + " inside B2, in the transfer list.")
	return true
}
