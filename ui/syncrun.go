package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/syncer"
	"github.com/haul-app/haul/transfer"
)

// A run compares again as it goes (syncer.Run), so that transfers start
// long before a large folder is compared, and hands its copies to the
// transfer queue. A mirror's removals never happen inside Run: its pair
// runs with a share so small that every removal comes back pending, and
// only the removals the person confirmed with their count are then done
// (syncer.RemoveItems). A file the source lost after the preview is so
// never removed without being asked about.

// askEveryRemoval is the share a mirror runs with: any removal is more.
const askEveryRemoval = 1e-9

// syncRun is the run dialog of one pair: one progress line for the sync,
// its files beneath, and a summary at the end.
type syncRun struct {
	flow  *syncFlow
	c     syncConn
	pair  syncer.Pair
	saved string // the saved pair's ID; "" when not kept
	// confirmed holds the names whose removal the person confirmed in the
	// preview; nil when there was no preview.
	confirmed map[string]bool
	// why says why removals a run leaves waiting were not done.
	why string

	prog  syncer.Progress
	mu    sync.Mutex
	batch []runFile // queued, not yet taken by the sampler
	// jobs maps each copy's job to its place in files, and last to the
	// state last shown; both belong to the sampler's goroutine.
	jobs map[transfer.JobID]int
	last []string
	// copied counts the copies whose jobs are done, as the sampler last
	// saw them (its goroutine's).
	copied syncer.Tally
	queued bool // onQueued was told (Fyne goroutine)

	files   []runFile // the copies shown (Fyne goroutine)
	res     syncer.Result
	line    *widget.Label
	bar     *widget.ProgressBar
	list    *widget.List
	summary *widget.Label
	stop    *widget.Button
	remove  *widget.Button
	closeB  *widget.Button
	body    *fyne.Container // laid out again when parts appear or grow
	d       dialog.Dialog
	cancel  context.CancelFunc
}

// runFile is one copy of a run, and how its job stands.
type runFile struct {
	it    syncer.Item
	id    transfer.JobID
	state string // "waiting", "43%", "done", "failed", …
}

// jobText says how a copy's job stands, in a word or two.
func jobText(j transfer.JobStatus) string {
	switch j.State {
	case transfer.Running:
		if j.Size > 0 {
			return fmt.Sprintf("%d%%", j.Done*100/j.Size)
		}
		return "running"
	case transfer.Queued:
		return "waiting"
	case transfer.Canceled:
		return "cancelled"
	}
	return j.State.String()
}

// run syncs p through c's queue; saved is its saved pair's ID ("" when
// not kept); confirmed and why as in syncRun.
func (s *syncFlow) run(c syncConn, p syncer.Pair, saved string, confirmed map[string]bool, why string) {
	if c.remote == nil || c.queue == nil {
		s.dlg.showInfo("Sync", "The account is not connected yet; try again in a moment.")
		return
	}
	v := &syncRun{flow: s, c: c, pair: p, saved: saved, confirmed: confirmed, why: why, jobs: map[transfer.JobID]int{}}
	v.build()
	v.runAsync()
}

func (v *syncRun) build() {
	v.line = widget.NewLabel("Comparing and queueing…")
	v.line.Wrapping = fyne.TextWrapWord
	v.bar = widget.NewProgressBar()
	v.summary = widget.NewLabel("")
	v.summary.Wrapping = fyne.TextWrapWord
	v.summary.Hide()
	v.list = widget.NewList(
		func() int { return len(v.files) },
		func() fyne.CanvasObject {
			// The widest size and state, so the column keeps its width:
			// a row is not laid out again when its text changes.
			name, size := widget.NewLabel(""), widget.NewLabel("999.9 MB · cancelled")
			name.Truncation = fyne.TextTruncateEllipsis
			size.Alignment = fyne.TextAlignTrailing
			return container.NewBorder(nil, nil, nil, size, name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.files) {
				return
			}
			f := v.files[i]
			c := o.(*fyne.Container)
			arrow := "↓ "
			if v.pair.Direction.ToRemote() {
				arrow = "↑ "
			}
			c.Objects[0].(*widget.Label).SetText(arrow + printable(f.it.Rel) + " (" + f.it.Action.String() + ")")
			c.Objects[1].(*widget.Label).SetText(humanize.Bytes(uint64(f.it.Bytes)) + " · " + f.state)
		})
	v.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() { v.cancel() })
	v.remove = widget.NewButtonWithIcon("Remove…", theme.DeleteIcon(), v.askRemovals)
	v.remove.Importance = widget.DangerImportance
	v.remove.Hide()
	v.closeB = widget.NewButtonWithIcon("Close", theme.ConfirmIcon(), func() { v.d.Hide() })
	v.closeB.Disable()
	top := container.NewVBox(
		widget.NewLabelWithStyle(pairTitle(v.pair), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		v.line, v.bar, v.summary)
	bottom := container.NewHBox(layout.NewSpacer(), v.stop, v.remove, v.closeB)
	v.body = container.NewBorder(top, bottom, nil, nil, v.list)
	v.d = dialog.NewCustomWithoutButtons("Sync", v.body, v.flow.dlg.win)
	v.d.Resize(fyne.NewSize(820, 560))
	v.flow.dlg.present(v.d, nil)
}

// runAsync runs the sync off the Fyne goroutine, with a ticker showing
// its progress, then does the removals confirmed in the preview.
func (v *syncRun) runAsync() {
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	c, p, confirmed, saved := v.c, v.pair, v.confirmed, v.saved
	stopTick := sampleEvery(previewTick, v.takeBatch)
	go func() {
		rp := p
		if rp.Direction.Mirrors() {
			rp.MaxRemoveShare = askEveryRemoval
		}
		opts := append(c.headCache(saved), syncer.WithProgress(&v.prog), syncer.WithTrash(c.trash),
			syncer.WithUploadEncryption(c.sse, c.customerKey),
			syncer.OnQueued(func(it syncer.Item, id transfer.JobID) {
				v.mu.Lock()
				v.batch = append(v.batch, runFile{it: it, id: id, state: "waiting"})
				v.mu.Unlock()
			}))
		res, err := syncer.Run(ctx, rp, c.remote, c.queue, opts...)
		if tm := new(syncer.TooManyRemovalsError); errors.As(err, &tm) {
			err = nil // every removal waits for the person (askEveryRemoval)
		}
		if err == nil && len(res.Pending) > 0 && len(confirmed) > 0 {
			var yes, left []syncer.Item
			for _, it := range res.Pending {
				if confirmed[it.Rel] {
					yes = append(yes, it)
				} else {
					left = append(left, it)
				}
			}
			var rem syncer.RemoveResult
			rem, err = syncer.RemoveItems(ctx, p, c.remote, yes, syncer.WithProgress(&v.prog), syncer.WithTrash(c.trash))
			res.Removed, res.Failed, res.Pending = rem.Removed, append(res.Failed, rem.Failed...), left
		}
		res.Finished = time.Now()
		stopTick()
		v.takeBatch()
		// A stopped run counts only the copies it waited for; the queue
		// knows of those that finished meanwhile.
		if v.copied.Files > res.Copied.Files {
			res.Copied = v.copied
		}
		v.record(res, err)
		do(func() { v.finish(res, err) })
	}()
}

// sampleEvery calls fn every d on a goroutine of its own until stop is
// called; stop returns once fn has run for the last time, so that nothing
// it hands to the widgets lands after what the caller shows next.
func sampleEvery(d time.Duration, fn func()) (stop func()) {
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fn()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-exited
	}
}

// takeBatch shows the files queued since the last tick, how each one's
// job stands in the queue's snapshot (only the rows that changed), and
// one progress line for the whole run. It runs on the sampler's
// goroutine, which alone reads the snapshot and keeps jobs and last.
func (v *syncRun) takeBatch() {
	v.mu.Lock()
	batch := v.batch
	v.batch = nil
	v.mu.Unlock()
	for _, f := range batch {
		v.jobs[f.id] = len(v.last)
		v.last = append(v.last, f.state)
	}
	type change struct {
		i     int
		state string
	}
	var changed []change
	var copied syncer.Tally
	var failed int
	var done, size int64
	if len(v.jobs) > 0 {
		for _, j := range v.c.queue.Snapshot().Jobs {
			i, ok := v.jobs[j.ID]
			if !ok {
				continue
			}
			switch j.State {
			case transfer.Done:
				copied.Files++
				copied.Bytes += j.Size
			case transfer.Failed, transfer.Canceled:
				failed++
			}
			done, size = done+j.Done, size+j.Size
			if s := jobText(j); s != v.last[i] {
				v.last[i] = s
				changed = append(changed, change{i, s})
			}
		}
	}
	v.copied = copied
	queued, compared, removed := len(v.last), v.prog.Compared.Load(), v.prog.Removed.Load()
	line := fmt.Sprintf("Syncing: %s of %s copied (%s of %s), %s compared", humanize.Comma(int64(copied.Files)), humanize.Comma(int64(queued)),
		humanize.Bytes(uint64(done)), humanize.Bytes(uint64(size)), humanize.Comma(compared))
	if failed > 0 {
		line += fmt.Sprintf(", %s failed", humanize.Comma(int64(failed)))
	}
	if removed > 0 {
		line += fmt.Sprintf(", %s removed", humanize.Comma(removed))
	}
	do(func() {
		v.files = append(v.files, batch...)
		for _, c := range changed {
			v.files[c.i].state = c.state
		}
		if len(batch) > 0 || len(changed) > 0 {
			v.list.Refresh()
		}
		if queued > 0 && !v.queued && v.flow.onQueued != nil {
			v.queued = true
			v.flow.onQueued()
		}
		v.line.SetText(line + "…")
		v.bar.Max = float64(max(queued, 1))
		v.bar.SetValue(float64(copied.Files + failed))
	})
}

// record keeps what the run did with its saved pair; off the Fyne
// goroutine.
func (v *syncRun) record(res syncer.Result, err error) {
	if v.saved == "" || v.c.pairs == nil {
		return
	}
	rec := syncer.RecordOf(res, err)
	// Err is kept as the sentence the person reads.
	switch {
	case canceled(err):
		rec.Err = "Stopped before the end."
	case err != nil:
		rec.Err = Sentence(err)
	}
	if rerr := v.c.pairs.RecordRun(v.c.account, v.saved, rec); rerr != nil {
		do(func() { v.flow.dlg.showError(errors.New("The run could not be kept with its pair: " + Sentence(rerr))) })
	}
}

// finish shows the summary and, for removals still waiting, the button
// that asks about them.
func (v *syncRun) finish(res syncer.Result, err error) {
	v.res = res
	v.stop.Hide()
	v.closeB.Enable()
	v.bar.Max = float64(max(res.Copied.Files+len(res.Failed), 1))
	v.bar.SetValue(v.bar.Max)
	took := res.Finished.Sub(res.Started).Round(time.Second / 10).String()
	switch {
	case canceled(err):
		v.line.SetText("Stopped after " + took + ".")
	case err != nil:
		v.line.SetText("Failed after " + took + ".")
	default:
		v.line.SetText("Done in " + took + ".")
	}
	v.summary.SetText(syncSummary(v.pair, res, err, v.why))
	v.summary.Show()
	if n := len(res.Pending); n > 0 && err == nil {
		v.remove.SetText("Remove " + plural(n, "file") + "…")
		v.remove.Show()
	}
	v.body.Refresh() // the summary and the Remove button appeared
	if (res.Copied.Files > 0 || res.Removed.Files > 0) && v.pair.Direction.ToRemote() && v.flow.onChanged != nil {
		v.flow.onChanged(v.pair.Bucket, v.pair.Key(""))
	}
}

// syncSummary says what a run did, in a few sentences; why says why
// removals left waiting were not done.
func syncSummary(p syncer.Pair, res syncer.Result, err error, why string) string {
	var b strings.Builder
	if res.Copied.Files > 0 {
		fmt.Fprintf(&b, "Copied %s (%s).", plural(res.Copied.Files, "file"), humanize.Bytes(uint64(res.Copied.Bytes)))
	} else {
		b.WriteString("Nothing needed copying.")
	}
	if res.Removed.Files > 0 {
		if p.Direction.ToRemote() {
			fmt.Fprintf(&b, " Hid %s in the bucket (undelete brings them back).", plural(res.Removed.Files, "file"))
		} else {
			fmt.Fprintf(&b, " Moved %s to the trash.", plural(res.Removed.Files, "file"))
		}
	}
	fmt.Fprintf(&b, " %s identical", capitalize(plural(res.Summary.Same.Files, "file")))
	if res.Summary.Refused.Files > 0 {
		fmt.Fprintf(&b, ", %s refused (a preview lists them with the reason)", plural(res.Summary.Refused.Files, "name"))
	}
	b.WriteString(".")
	if n := len(res.Failed); n > 0 {
		fmt.Fprintf(&b, " %s failed, the first %s: %s", plural(n, "file"), printable(res.Failed[0].Item.Rel), Sentence(res.Failed[0].Err))
	}
	if n := len(res.Pending); n > 0 {
		fmt.Fprintf(&b, " %s not removed yet: %s.", capitalize(plural(n, "file")), why)
		if tm := new(syncer.TooManyRemovalsError); errors.As(res.Summary.CheckRemovals(p), &tm) {
			fmt.Fprintf(&b, " That is more than the %.0f%% of the destination's files you allow without asking.", tm.Max*100)
		}
	}
	switch {
	case canceled(err):
		b.WriteString(" Stopped: transfers already queued stay in the transfers panel.")
	case err != nil:
		b.WriteString(" It stopped: " + Sentence(err))
	}
	return b.String()
}

// askRemovals asks, with the count typed, about the removals a run left
// waiting, and does them.
func (v *syncRun) askRemovals() {
	pending := v.res.Pending
	if len(pending) == 0 {
		return
	}
	names := make([]string, len(pending))
	for i, it := range pending {
		names[i] = it.Rel
	}
	v.flow.confirmRemovals(v.pair, names, v.res.Summary.CheckRemovals(v.pair), func() { v.removeAsync(pending) })
}

// removeAsync does removals the person confirmed, with progress and Stop.
func (v *syncRun) removeAsync(items []syncer.Item) {
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	v.remove.Hide()
	v.stop.Show()
	v.closeB.Disable()
	v.summary.Hide()
	v.body.Refresh()
	c, p, res := v.c, v.pair, v.res
	v.prog.Removed.Store(0)
	stopTick := sampleEvery(previewTick, func() {
		n := v.prog.Removed.Load()
		do(func() {
			v.line.SetText(fmt.Sprintf("Removing: %s of %s…", humanize.Comma(n), humanize.Comma(int64(len(items)))))
			v.bar.Max = float64(len(items))
			v.bar.SetValue(float64(n))
		})
	})
	go func() {
		rem, err := syncer.RemoveItems(ctx, p, c.remote, items, syncer.WithProgress(&v.prog), syncer.WithTrash(c.trash))
		stopTick()
		res.Removed.Files += rem.Removed.Files
		res.Removed.Bytes += rem.Removed.Bytes
		res.Failed = append(res.Failed, rem.Failed...)
		res.Pending = nil // after Stop, a new preview finds what is left
		res.Finished = time.Now()
		v.record(res, err)
		do(func() { v.finish(res, err) })
	}()
}

// confirmRemovals asks before removals, which only the typed count gets
// past: it names the files (the first ten), where they go, and whether
// they are more than the pair's share; yes runs once the count is typed.
func (s *syncFlow) confirmRemovals(p syncer.Pair, names []string, tooMany error, yes func()) {
	n := len(names)
	var b strings.Builder
	if p.Direction.ToRemote() {
		fmt.Fprintf(&b, "%s in %s will be hidden behind hide markers; undelete brings them back.",
			capitalize(plural(n, "file")), Location{Bucket: p.Bucket, Prefix: p.Key("")})
	} else {
		fmt.Fprintf(&b, "%s in %s will be moved to the trash.", capitalize(plural(n, "file")), tildeHome(p.Local))
	}
	shown := make([]string, min(n, 10))
	for i := range shown {
		shown[i] = printable(names[i])
	}
	fmt.Fprintf(&b, " They are: %s", strings.Join(shown, ", "))
	if n > len(shown) {
		fmt.Fprintf(&b, " and %s more (the preview lists them all under To remove)", humanize.Comma(int64(n-len(shown))))
	}
	b.WriteString(".")
	if tm := new(syncer.TooManyRemovalsError); errors.As(tooMany, &tm) {
		fmt.Fprintf(&b, " That is %d of the destination's %d files, more than the %.0f%% you allow without asking.", tm.Remove.Files, tm.Dest.Files, tm.Max*100)
	}
	want := fmt.Sprintf("remove %d", n)
	s.dlg.confirmTyped("Remove "+plural(n, "file")+"?", b.String(), want, "Remove "+plural(n, "file"), yes)
}
