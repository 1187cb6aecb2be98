package ui

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/transfer"
)

// Queue is an account's transfer queue, as the window hands it to its
// parts: each takes only its own slice of it. *transfer.Queue has it.
type Queue interface {
	transferAdder // the enqueuer
	copyAdder     // large copies (copyHandoff)
	jobControl    // the transfers panel
	syncQueue     // syncs (syncFlow)
}

// jobControl is what the transfers panel needs of the queue.
type jobControl interface {
	// Pause, Resume, Cancel, Retry and MoveToFront act on one job.
	Pause(id transfer.JobID) error
	Resume(id transfer.JobID) error
	Cancel(id transfer.JobID) error
	Retry(id transfer.JobID) error
	MoveToFront(id transfer.JobID) error
	// PauseAll, ResumeAll and ClearFinished act on every job.
	PauseAll()
	ResumeAll()
	ClearFinished()
	// Snapshot is every job's state now, for the list and the totals.
	Snapshot() transfer.Snapshot
}

// tickEvery is how often the panel samples the queue: often enough to look
// alive, rarely enough to cost nothing (one fyne.Do per tick).
const tickEvery = 200 * time.Millisecond

// idleTickEvery is how often it samples while nothing runs or waits.
const idleTickEvery = time.Second

// jobRow is one job prepared for display off the Fyne goroutine.
type jobRow struct {
	id       transfer.JobID
	icon     fyne.Resource
	name     string
	detail   string // "12 MB of 100 MB · 4.1 MB/s · 20 s left", or "failed"
	progress float64
	state    transfer.State
	failed   bool
	// where is where the bytes go: "→ b2://bucket/key" for uploads and
	// copies, "→ ~/Downloads/file" for downloads.
	where string
	// folder is the local folder a download goes to, for "Open folder".
	folder string
	// note is a sentence that must be read whole: why the job failed, or
	// which request is being retried and why.
	note string
}

// transfersPanel is the collapsible list of transfers at the bottom of the
// window, with totals for the status bar.
type transfersPanel struct {
	qmu  sync.Mutex
	q    jobControl // the current account's queue; nil when none
	rows []jobRow
	stop chan struct{}
	// onTick is told, on the Fyne goroutine, each snapshot and the uploads
	// and copies that finished since the last one.
	onTick func(s transfer.Snapshot, finished []transfer.JobStatus)
	dlg    *dialogs
	// openFolder shows a local folder in the file manager.
	openFolder func(dir string) error
	heights    map[int]float32 // rows' heights as last set, to set only changes

	list   *keyList
	totals *widget.Label
	toggle *widget.Button
	// toggleTip is the toggle with its tooltip, which follows the state.
	toggleTip *tipped
	encrypt   *widget.Check  // server-side encryption with B2-managed keys for new uploads
	settings  *widget.Button // opens the transfer settings
	body      *fyne.Container
	content   fyne.CanvasObject
}

func newTransfersPanel(dlg *dialogs) *transfersPanel {
	p := &transfersPanel{stop: make(chan struct{}), dlg: dlg}
	p.openFolder = openFolder
	p.list = newKeyList(
		func() int { return len(p.rows) },
		func() fyne.CanvasObject { return newJobRowView(p) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.rows) {
				o.(*jobRowView).show(p.rows[i])
			}
		})
	p.totals = widget.NewLabel("No transfers")
	p.totals.Truncation = fyne.TextTruncateEllipsis
	pauseAll := widget.NewButtonWithIcon("Pause all", theme.MediaPauseIcon(), func() { p.withQueue(jobControl.PauseAll) })
	resumeAll := widget.NewButtonWithIcon("Resume all", theme.MediaPlayIcon(), func() { p.withQueue(jobControl.ResumeAll) })
	clearDone := widget.NewButtonWithIcon("Clear finished", theme.DeleteIcon(), func() { p.withQueue(jobControl.ClearFinished) })
	p.toggle = widget.NewButtonWithIcon("", theme.MenuDropUpIcon(), p.toggleBody)
	p.toggleTip = withTip(p.toggle, "Show the transfers")
	p.encrypt = widget.NewCheck("Encrypt uploads (SSE-B2)", func(on bool) {
		fyne.CurrentApp().Preferences().SetBool(prefEncryptUploads, on)
	})
	p.encrypt.SetChecked(fyne.CurrentApp().Preferences().Bool(prefEncryptUploads))
	p.settings = widget.NewButtonWithIcon("", theme.SettingsIcon(), p.showSettings)
	header := container.NewBorder(nil, nil,
		container.NewHBox(p.toggleTip, widget.NewLabelWithStyle("Transfers", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})),
		container.NewHBox(p.encrypt, pauseAll, resumeAll, clearDone, withTip(p.settings, "Transfer settings…")), p.totals)
	p.body = container.NewStack(container.New(&fixedHeight{h: 230, onLayout: p.fitRows}, p.list))
	p.body.Hide()
	p.content = container.NewBorder(widget.NewSeparator(), nil, nil, nil, container.NewVBox(header, p.body))
	return p
}

// setQueue shows another account's queue, opening the panel when it holds
// jobs already (say, paused ones brought back from the journal).
func (p *transfersPanel) setQueue(q jobControl) {
	p.qmu.Lock()
	p.q = q
	p.qmu.Unlock()
	p.setRows(nil, "No transfers")
	if q != nil && len(q.Snapshot().Jobs) > 0 {
		p.show()
	}
}

func (p *transfersPanel) queue() jobControl {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	return p.q
}

func (p *transfersPanel) withQueue(fn func(jobControl)) {
	if q := p.queue(); q != nil {
		fn(q)
	}
}

func (p *transfersPanel) toggleBody() {
	if p.body.Visible() {
		p.body.Hide()
		p.toggle.SetIcon(theme.MenuDropUpIcon())
		p.toggleTip.setTip("Show the transfers")
	} else {
		p.body.Show()
		p.toggle.SetIcon(theme.MenuDropDownIcon())
		p.toggleTip.setTip("Hide the transfers")
		// The rows may have changed while it was closed: the ticker
		// touches no widget when nothing moves.
		p.fitRows()
		p.list.Refresh()
	}
}

// show opens the panel, e.g. when a transfer starts.
func (p *transfersPanel) show() {
	if !p.body.Visible() {
		p.toggleBody()
	}
}

// start samples the queue until stopTicker; each tick prepares all rows and
// totals off the Fyne goroutine and swaps them in with one do.
func (p *transfersPanel) start() {
	go func() {
		t := time.NewTicker(tickEvery)
		defer t.Stop()
		seen := map[transfer.JobID]transfer.State{} // owned by this goroutine
		var lastRows []jobRow
		lastTotals, idle := "", false
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
			q := p.queue()
			if q == nil {
				continue
			}
			snap := q.Snapshot()
			// Idle means idle: with nothing moving, sample once a second
			// and touch no widget unless something changed, so the window
			// is not redrawn for nothing.
			if busy := snap.Running > 0 || snap.Queued > 0; busy == idle {
				idle = !busy
				every := tickEvery
				if idle {
					every = idleTickEvery
				}
				t.Reset(every)
			}
			rows := prepareRows(snap)
			totals := totalsText(snap)
			var finished []transfer.JobStatus
			for _, j := range snap.Jobs {
				if j.State == transfer.Done && j.Dir != transfer.Download && seen[j.ID] != transfer.Done {
					finished = append(finished, j)
				}
				seen[j.ID] = j.State
			}
			if len(finished) == 0 && totals == lastTotals && slices.Equal(rows, lastRows) {
				continue
			}
			lastRows, lastTotals = rows, totals
			do(func() {
				p.setRows(rows, totals)
				if p.onTick != nil {
					p.onTick(snap, finished)
				}
			})
		}
	}()
}

// encryptUploads reports whether new uploads ask for SSE-B2.
func (p *transfersPanel) encryptUploads() bool { return p.encrypt.Checked }

func (p *transfersPanel) stopTicker() { close(p.stop) }

func (p *transfersPanel) setRows(rows []jobRow, totals string) {
	p.rows = rows
	p.totals.SetText(totals)
	if p.body.Visible() {
		p.fitRows()
		p.list.Refresh()
	}
}

// fitRows gives rows with a note the height to show it whole.
func (p *transfersPanel) fitRows() {
	if p.heights == nil {
		p.heights = map[int]float32{}
	}
	if p.list.Size().Width <= 0 {
		return // not laid out yet: the layout calls again
	}
	width := p.list.Size().Width - 2*theme.Padding() - theme.ScrollBarSize()
	for i, r := range p.rows {
		h := rowHeight(r.note, width)
		if p.heights[i] != h {
			p.heights[i] = h
			p.list.SetItemHeight(i, h)
		}
	}
	for i := range p.heights {
		if i >= len(p.rows) {
			delete(p.heights, i)
		}
	}
}

func prepareRows(s transfer.Snapshot) []jobRow {
	rows := make([]jobRow, len(s.Jobs))
	for i, j := range s.Jobs {
		r := jobRow{id: j.ID, state: j.State, name: path.Base(j.Key), icon: theme.UploadIcon()}
		switch {
		case j.Dir == transfer.Download:
			r.icon = theme.DownloadIcon()
		case j.Dir == transfer.Copy && j.Source == j.Key:
			r.icon, r.name = theme.HistoryIcon(), "Restore "+r.name
		case j.Dir == transfer.Copy:
			r.icon, r.name = theme.ContentCopyIcon(), path.Base(j.Source)+" → "+j.Key
		}
		if j.Size > 0 {
			r.progress = float64(j.Done) / float64(j.Size)
		} else if j.State == transfer.Done {
			r.progress = 1
		}
		switch st := j.State; {
		case st == transfer.Failed:
			r.failed = true
			r.detail = "Failed: " + Sentence(j.Err)
			if j.Local != "" && j.Dir == transfer.Upload {
				r.detail += " (" + tildeHome(j.Local) + ")"
			}
		case st == transfer.Done:
			r.detail = fmt.Sprintf("%s · done", humanize.Bytes(uint64(j.Size)))
		case st == transfer.Running && j.Size > 0 && j.Done >= j.Size:
			// Every byte is there; the upload is being completed, the
			// download checked, or the copy joined.
			r.detail = fmt.Sprintf("%s · finishing…", humanize.Bytes(uint64(j.Size)))
		case st == transfer.Running:
			r.detail = fmt.Sprintf("%s of %s", humanize.Bytes(uint64(j.Done)), humanize.Bytes(uint64(j.Size)))
			switch {
			case j.Speed > 0:
				r.detail += " · " + humanize.Bytes(uint64(j.Speed)) + "/s"
			case j.Done == 0:
				r.detail += " · starting…"
			}
			// (A speed of exactly 0 is one not measured yet, in the first
			// half second: "0 B/s" would read as a stall.)
			if j.ETA > 0 {
				r.detail += " · " + etaText(j.ETA)
			}
		default:
			r.detail = fmt.Sprintf("%s of %s · %s", humanize.Bytes(uint64(j.Done)), humanize.Bytes(uint64(j.Size)), strings.ToLower(j.State.String()))
		}
		r.where, r.folder = whereText(j)
		switch {
		case r.failed:
			r.note = r.detail
			r.detail = "failed"
		case j.State == transfer.Running && j.Retrying != "":
			r.note = capitalize(j.Retrying) + "…"
		}
		rows[i] = r
	}
	return rows
}

// whereText says where a job's bytes go, and the local folder of a
// download.
func whereText(j transfer.JobStatus) (where, folder string) {
	if j.Dir == transfer.Download {
		if j.Local == "" {
			return "", ""
		}
		return "→ " + tildeHome(j.Local), filepath.Dir(j.Local)
	}
	return "→ b2://" + j.Bucket + "/" + j.Key, ""
}

func totalsText(s transfer.Snapshot) string {
	if len(s.Jobs) == 0 {
		return "No transfers"
	}
	count := map[transfer.State]int{}
	for _, j := range s.Jobs {
		count[j.State]++
	}
	var parts []string
	for _, st := range []transfer.State{transfer.Running, transfer.Queued, transfer.Paused, transfer.Failed, transfer.Done} {
		if n := count[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ToLower(st.String())))
		}
	}
	if s.Running > 0 {
		parts = append(parts, fmt.Sprintf("%s of %s", humanize.Bytes(uint64(s.Done)), humanize.Bytes(uint64(s.Size))))
		if s.Speed > 0 {
			parts = append(parts, humanize.Bytes(uint64(s.Speed))+"/s")
		}
		if s.ETA > 0 {
			parts = append(parts, etaText(s.ETA))
		}
	}
	return strings.Join(parts, " · ")
}

// confirmCancel asks before cancelling a job: what it moved so far is
// thrown away (an upload's parts on B2, a download's partial file).
func (p *transfersPanel) confirmCancel(id transfer.JobID, name string) {
	p.dlg.askDangerous("Cancel "+name+"?",
		"What it moved so far is thrown away: the parts already sent to B2, or the part of the file already downloaded. Pausing keeps them.",
		"Cancel transfer", func() { p.act(id, jobControl.Cancel) })
}

// act applies a control to a job and reports one that failed (say, a job
// that finished meanwhile).
func (p *transfersPanel) act(id transfer.JobID, control func(jobControl, transfer.JobID) error) {
	q := p.queue()
	if q == nil {
		return
	}
	if err := control(q, id); err != nil {
		p.totals.SetText(Sentence(err))
	}
}

func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// fixedWidth asks for a fixed width and fills what it gets.
type fixedWidth struct{ w float32 }

func (f *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (f *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(f.w, h)
}

// fixedHeight lays out its objects at full width and a fixed height, and
// tells onLayout (when set) once they have their size.
type fixedHeight struct {
	h        float32
	onLayout func()
}

func (f *fixedHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
	if f.onLayout != nil {
		f.onLayout()
	}
}

func (f *fixedHeight) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(100, f.h) }
