package ui

import (
	"fmt"
	"path"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/assets"
	"github.com/haul-app/haul/transfer"
)

// Shell is what Haul needs of the desktop around its window. Fyne's app
// has it on Linux, macOS and Windows; Fyne's test app does not.
type Shell interface {
	// SendNotification shows an OS notification.
	SendNotification(n *fyne.Notification)
	// SetSystemTrayMenu puts Haul's icon in the system tray (the first
	// call) and gives it this menu; later calls show a changed menu.
	SetSystemTrayMenu(m *fyne.Menu)
	// SetSystemTrayIcon sets the tray's icon.
	SetSystemTrayIcon(icon fyne.Resource)
}

// batchMinRun is how long a batch of transfers must have run for its end
// to be worth a notification: the person has likely looked away by then.
const batchMinRun = 3 * time.Second

// batchWatch follows the transfer queue, a snapshot at a time: when a
// batch (from the queue getting busy to its going idle) that ran longer
// than batchMinRun ends, it sends one notification with its counts; a tray
// icon shows overall progress while transfers run, with Pause all, Resume
// all and Show Haul. It does nothing between snapshots, and the panel
// hands it one only when something changed, so an idle queue costs
// nothing.
type batchWatch struct {
	shell  Shell // nil: no notifications and no tray
	minRun time.Duration

	running bool
	started time.Time
	// pausedBefore holds the jobs that were paused when the batch began
	// (say, brought back from the journal): they are not the batch's.
	pausedBefore map[transfer.JobID]bool
	// settled is each finished job's state as of the last batch's end:
	// a job not there, or there with another state, belongs to the batch.
	settled map[transfer.JobID]transfer.State

	tray     *fyne.Menu // nil until startTray or the first snapshot
	trayText string     // the menu as last shown, to show only changes

	// onPauseAll, onResumeAll and onShow are the tray menu's items.
	onPauseAll, onResumeAll, onShow func()
}

func newBatchWatch(shell Shell) *batchWatch {
	return &batchWatch{shell: shell, minRun: batchMinRun, settled: map[transfer.JobID]transfer.State{}}
}

// startTray puts Haul's icon in the tray, idle. Fyne starts its tray only
// when the app starts running (a tray set later cannot be stopped when
// the app quits), so the window calls it as it is built.
func (b *batchWatch) startTray() {
	if b.shell != nil {
		b.showTray(transfer.Snapshot{}, false)
		b.shell.SetSystemTrayIcon(fyne.NewStaticResource("tray.png", assets.TrayPNG))
	}
}

// reset forgets the queue followed so far (another account's is next).
func (b *batchWatch) reset() {
	b.running = false
	b.settled = map[transfer.JobID]transfer.State{}
}

// tick takes the queue's state now, on the Fyne goroutine.
func (b *batchWatch) tick(s transfer.Snapshot) {
	if b.shell == nil {
		return
	}
	busy := s.Running > 0 || s.Queued > 0
	switch {
	case busy && !b.running:
		b.running, b.started = true, time.Now()
		b.pausedBefore = map[transfer.JobID]bool{}
		for _, j := range s.Jobs {
			if j.State == transfer.Paused {
				b.pausedBefore[j.ID] = true
			}
		}
	case !busy && b.running:
		b.running = false
		if time.Since(b.started) >= b.minRun {
			if n := b.notice(s); n != nil {
				b.shell.SendNotification(n)
			}
		}
	}
	if !b.running {
		// Rebuilt, not added to: jobs cleared from the list go.
		b.settled = map[transfer.JobID]transfer.State{}
		for _, j := range s.Jobs {
			if j.State == transfer.Done || j.State == transfer.Failed || j.State == transfer.Canceled {
				b.settled[j.ID] = j.State
			}
		}
	}
	b.showTray(s, busy)
}

// notice is the notification for the batch that just ended, or nil when
// none of its jobs finished (all canceled, say) or the person paused some
// of it: they are at the window, and the batch goes on when resumed.
func (b *batchWatch) notice(s transfer.Snapshot) *fyne.Notification {
	var done, failed []transfer.JobStatus
	for _, j := range s.Jobs {
		if st, ok := b.settled[j.ID]; ok && st == j.State {
			continue
		}
		switch j.State {
		case transfer.Done:
			done = append(done, j)
		case transfer.Failed:
			failed = append(failed, j)
		case transfer.Paused:
			if !b.pausedBefore[j.ID] {
				return nil
			}
		}
	}
	all := append(append([]transfer.JobStatus(nil), done...), failed...)
	if len(all) == 0 {
		return nil
	}
	what, where := batchWhat(all)
	if len(failed) > 0 {
		return fyne.NewNotification(fmt.Sprintf("%d of %s failed", len(failed), plural(len(all), what.noun)),
			fmt.Sprintf("%d of %d failed: %s", len(failed), len(all), Sentence(failed[0].Err)))
	}
	var size int64
	for _, j := range done {
		size += j.Size
	}
	msg := fmt.Sprintf("%s (%s) %s", capitalize(plural(len(done), "file")), humanize.Bytes(uint64(size)), what.verb)
	if what.noun != "file" {
		msg = fmt.Sprintf("%s %s", capitalize(plural(len(done), what.noun)), what.verb)
	}
	if where != "" {
		msg += " " + where
	}
	return fyne.NewNotification(capitalize(what.title)+" finished", msg+".")
}

// batchKind names what a batch moved.
type batchKind struct{ title, noun, verb string }

// batchWhat says what the jobs were and, when they all went to one place,
// where: "to b2://bucket/folder/" or "to ~/Downloads".
func batchWhat(jobs []transfer.JobStatus) (batchKind, string) {
	dir := jobs[0].Dir
	place := func(j transfer.JobStatus) string {
		if j.Dir == transfer.Download {
			return "to " + tildeHome(filepath.Dir(j.Local))
		}
		folder := path.Dir(j.Key) + "/"
		if folder == "./" {
			folder = ""
		}
		return "to b2://" + j.Bucket + "/" + folder
	}
	where := place(jobs[0])
	for _, j := range jobs[1:] {
		if j.Dir != dir {
			return batchKind{"transfers", "transfer", "finished"}, ""
		}
		if place(j) != where {
			where = ""
		}
	}
	switch dir {
	case transfer.Upload:
		return batchKind{"uploads", "file", "uploaded"}, where
	case transfer.Download:
		return batchKind{"downloads", "file", "downloaded"}, where
	}
	return batchKind{"copies", "copy", "done"}, ""
}

// showTray sets the tray menu when what it says has changed.
func (b *batchWatch) showTray(s transfer.Snapshot, busy bool) {
	line, paused := trayLine(s)
	text := fmt.Sprintf("%s|%v|%v", line, busy, paused)
	if b.tray != nil && text == b.trayText {
		return
	}
	b.trayText = text
	status := fyne.NewMenuItem(line, nil)
	status.Disabled = true
	pause := fyne.NewMenuItem("Pause all", func() { b.act(b.onPauseAll) })
	pause.Disabled = !busy
	resume := fyne.NewMenuItem("Resume all", func() { b.act(b.onResumeAll) })
	resume.Disabled = !paused
	show := fyne.NewMenuItem("Show Haul", func() { b.act(b.onShow) })
	b.tray = fyne.NewMenu("Haul", status, fyne.NewMenuItemSeparator(), pause, resume, fyne.NewMenuItemSeparator(), show)
	b.shell.SetSystemTrayMenu(b.tray)
}

// act runs a tray item's callback when one is wired.
func (b *batchWatch) act(fn func()) {
	if fn != nil {
		fn()
	}
}

// trayLine is the tray menu's first line: "Uploading 3 files, 45%" while
// jobs run, else what waits; paused tells whether any job is paused.
func trayLine(s transfer.Snapshot) (line string, paused bool) {
	var active, nPaused int
	var size, done int64
	kinds := map[transfer.Direction]bool{}
	for _, j := range s.Jobs {
		switch j.State {
		case transfer.Paused:
			nPaused++
		case transfer.Running, transfer.Queued:
			active++
			kinds[j.Dir] = true
		default:
			continue
		}
		size += j.Size
		done += j.Done
	}
	if active == 0 {
		if nPaused > 0 {
			return capitalize(plural(nPaused, "transfer")) + " paused", true
		}
		return "No transfers running", false
	}
	verb := "Transferring"
	if len(kinds) == 1 {
		switch {
		case kinds[transfer.Upload]:
			verb = "Uploading"
		case kinds[transfer.Download]:
			verb = "Downloading"
		case kinds[transfer.Copy]:
			verb = "Copying"
		}
	}
	line = verb + " " + plural(active, "file")
	if size > 0 {
		line += fmt.Sprintf(", %d%%", done*100/size)
	}
	return line, nPaused > 0
}
