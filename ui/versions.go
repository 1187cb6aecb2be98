package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"
	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// versionsDelay lets the selection settle (arrow keys) before the panel
// lists versions: every listing is a billable call.
const versionsDelay = 300 * time.Millisecond

// versionLister is what the version panel needs of B2; *store.Client has
// it. Safe for concurrent use.
type versionLister interface {
	// KeyVersions lists one page of the versions and delete markers of
	// exactly key, newest first; token continues a listing.
	KeyVersions(ctx context.Context, bucket, key, token string) (store.VersionPage, error)
}

// versionRemote is what the version panel needs of B2; *store.Client has
// it.
type versionRemote interface {
	versionLister
	versionEditor
	lockRemote
}

// versionPanel shows every version of the selected file, newest first,
// delete markers included, page by page. It restores and deletes versions
// itself; downloads and links go out through onDownload and onShare.
type versionPanel struct {
	r        versionRemote // nil while no account is open
	dlg      *dialogs
	copies   *copyHandoff // large restores go to the transfer queue
	exact    bool         // exact sizes and times
	bucket   string
	key      string
	versions []store.Version
	next     string
	gen      int
	timer    *time.Timer
	loading  bool
	// lockOn says which buckets have Object Lock (asked once per bucket);
	// locks holds the retention and legal hold of the versions listed,
	// by version ID, in such a bucket.
	lockOn map[string]bool
	locks  map[string]store.Lock

	title   *widget.Label
	status  *widget.Label
	list    *keyList
	more    *widget.Button
	content fyne.CanvasObject

	// onDownload and onShare act on one version of the file shown.
	onDownload, onShare func(bucket string, v store.Version)
	// onChanged is told that a restore or delete changed the file's
	// folder.
	onChanged func()
}

func newVersionPanel(dlg *dialogs, copies *copyHandoff) *versionPanel {
	p := &versionPanel{dlg: dlg, copies: copies, lockOn: map[string]bool{}, locks: map[string]store.Lock{}}
	p.title = widget.NewLabelWithStyle("Versions", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.title.Truncation = fyne.TextTruncateEllipsis
	p.status = widget.NewLabel("Select a file to see its versions.")
	p.status.Wrapping = fyne.TextWrapWord
	p.list = newKeyList(func() int { return len(p.versions) }, p.createRow, p.updateRow)
	p.more = widget.NewButton("Load more versions", p.loadMore)
	p.more.Hide()
	p.content = container.NewBorder(container.NewVBox(p.title, p.status), p.more, nil, nil, p.list)
	return p
}

// setRemote switches accounts: nothing is shown until a file is chosen.
func (p *versionPanel) setRemote(r versionRemote) {
	p.r = r
	p.lockOn = map[string]bool{}
	p.show("", "")
}

// setExact shows exact sizes and times, or humanized ones.
func (p *versionPanel) setExact(on bool) {
	p.exact = on
	p.list.Refresh()
}

// redraw draws the rows again, so that their humanized times agree with
// the folder table's, drawn at the same moment. Nothing is asked of the
// server, and nothing runs while the window is still.
func (p *versionPanel) redraw() { p.list.Refresh() }

// shows reports whether the panel lists key of bucket.
func (p *versionPanel) shows(bucket, key string) bool {
	return p.key != "" && p.bucket == bucket && p.key == key
}

// follow shows the versions of the selection when it is one file.
func (p *versionPanel) follow(bucket string, sel []store.Object) {
	if len(sel) != 1 || sel[0].IsFolder {
		p.show("", "")
		return
	}
	if sel[0].Key == p.key && bucket == p.bucket {
		return
	}
	p.show(bucket, sel[0].Key)
}

// show switches the panel to a file ("" for none) and lists its versions
// once the selection has settled.
func (p *versionPanel) show(bucket, key string) {
	p.gen++
	p.bucket, p.key = bucket, key
	p.versions, p.next = nil, ""
	p.locks = map[string]store.Lock{}
	p.list.Refresh()
	p.more.Hide()
	if p.timer != nil {
		p.timer.Stop()
	}
	if key == "" {
		p.title.SetText("Versions")
		p.status.SetText("Select a file to see its versions.")
		return
	}
	p.title.SetText(path.Base(key))
	p.status.SetText("Loading versions…")
	gen := p.gen
	p.timer = time.AfterFunc(versionsDelay, func() {
		do(func() {
			if p.gen == gen {
				p.loadAsync("")
			}
		})
	})
}

func (p *versionPanel) reload() { p.show(p.bucket, p.key) }

func (p *versionPanel) loadMore() { p.loadAsync(p.next) }

// loadAsync lists one page of the file's versions and appends it.
func (p *versionPanel) loadAsync(token string) {
	r := p.r
	if r == nil || p.loading {
		return
	}
	p.loading = true
	gen, bucket, key := p.gen, p.bucket, p.key
	on, asked := p.lockOn[bucket]
	go func() {
		page, err := r.KeyVersions(context.Background(), bucket, key, token)
		var locks map[string]store.Lock
		if err == nil {
			locks, on = readLocks(r, bucket, page.Versions, on, asked)
		}
		msg := ""
		if err != nil {
			slog.Warn("list versions", "key", key, "err", err)
			msg = Sentence(err)
		}
		do(func() {
			p.loading = false
			if p.gen != gen {
				return
			}
			if err != nil {
				p.status.SetText(msg)
				return
			}
			p.lockOn[bucket] = on
			p.versions = append(p.versions, page.Versions...)
			maps.Copy(p.locks, locks)
			p.next = page.Next
			setVisible(p.more, p.next != "")
			p.list.Refresh()
			p.status.SetText(p.summary())
		})
	}()
}

func (p *versionPanel) summary() string {
	n := len(p.versions)
	s := plural(n, "version")
	if p.next != "" {
		s += " so far"
	}
	if n > 0 && p.versions[0].DeleteMarker {
		s += " · deleted: undelete it from the newest entry"
	}
	return s
}

func (p *versionPanel) createRow() fyne.CanvasObject {
	badge := widget.NewLabel("current")
	badge.Importance = widget.SuccessImportance
	when := widget.NewLabel("date")
	detail := widget.NewLabel("size · id")
	detail.SizeName = theme.SizeNameCaptionText
	detail.Truncation = fyne.TextTruncateEllipsis
	btn := func(icon fyne.Resource, tip string) *tipped {
		b := widget.NewButtonWithIcon("", icon, nil)
		b.Importance = widget.LowImportance
		return withTip(b, tip)
	}
	buttons := container.NewHBox(btn(theme.ContentCopyIcon(), "Copy the version ID"), btn(theme.DownloadIcon(), "Download this version"),
		btn(theme.MailForwardIcon(), "Share a link to this version…"), btn(theme.HistoryIcon(), "Restore: make this version the current one"),
		btn(lockIcon, "Retention and legal hold…"), btn(theme.DeleteIcon(), "Delete this version for good…"))
	// The date and badge get the panel's whole width; the buttons share
	// the second line with the size and ID.
	// The lock of a version in a bucket with Object Lock, on a line of its
	// own so that it is read whole (empty otherwise: a list's rows keep
	// the height of the template).
	lock := widget.NewLabel("")
	lock.SizeName = theme.SizeNameCaptionText
	lock.Importance = widget.WarningImportance
	lock.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(container.NewHBox(when, badge), container.NewBorder(nil, nil, nil, buttons, detail), lock)
}

// exactMillis is a version's time when even its exact time to the second
// reads as a neighbour's: B2 keeps milliseconds.
const exactMillis = "2006-01-02 15:04:05.000 MST"

// timeText is version i's time as precise as it takes to tell it from the
// versions above and below: humanized ("2 minutes ago") when that differs,
// else exact to the second, else to the millisecond. The exact sizes and
// times choice starts from the second.
func (p *versionPanel) timeText(i int) string {
	same := func(format func(time.Time) string) bool {
		s := format(p.versions[i].Modified)
		return i > 0 && format(p.versions[i-1].Modified) == s ||
			i+1 < len(p.versions) && format(p.versions[i+1].Modified) == s
	}
	layout := func(l string) func(time.Time) string {
		return func(t time.Time) string { return t.Local().Format(l) }
	}
	switch {
	case !p.exact && !same(humanize.Time):
		return humanize.Time(p.versions[i].Modified)
	case !same(layout(exactTime)):
		return layout(exactTime)(p.versions[i].Modified)
	}
	return layout(exactMillis)(p.versions[i].Modified)
}

// Button order in a row.
const (
	btnCopyID = iota
	btnDownload
	btnShare
	btnRestore
	btnLock
	btnDelete
)

func (p *versionPanel) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(p.versions) {
		return
	}
	v := p.versions[i]
	row := o.(*fyne.Container)
	head, bottom := row.Objects[0].(*fyne.Container), row.Objects[1].(*fyne.Container)
	when, badge := head.Objects[0].(*widget.Label), head.Objects[1].(*widget.Label)
	detail := bottom.Objects[0].(*widget.Label)
	tips := bottom.Objects[1].(*fyne.Container).Objects
	buttons := make([]fyne.CanvasObject, len(tips))
	for j, b := range tips {
		buttons[j] = b.(*tipped).btn
	}

	exact := p.exact
	when.SetText(p.timeText(i))
	switch {
	case v.DeleteMarker:
		badge.SetText("deleted")
		badge.Importance = widget.WarningImportance
		badge.Show()
	case v.IsLatest:
		badge.SetText("current")
		badge.Importance = widget.SuccessImportance
		badge.Show()
	default:
		badge.Hide()
	}
	badge.Refresh()
	size := humanize.Bytes(uint64(v.Size))
	if exact {
		size = humanize.Comma(v.Size) + " B"
	}
	if v.DeleteMarker {
		size = "delete marker"
	}
	detail.SetText(size + " · " + shortID(v.VersionID))
	l := p.locks[v.VersionID]
	row.Objects[2].(*widget.Label).SetText(capitalize(lockText(l, time.Now())))

	copyID, down, restore, del := buttons[btnCopyID].(*widget.Button), buttons[btnDownload].(*widget.Button),
		buttons[btnRestore].(*widget.Button), buttons[btnDelete].(*widget.Button)
	// The tooltip shows the whole ID; the row has room for its start.
	tips[btnCopyID].(*tipped).setTip("Copy the version ID: " + v.VersionID)
	copyID.OnTapped = func() {
		fyne.CurrentApp().Clipboard().SetContent(v.VersionID)
		p.status.SetText("Version ID " + shortID(v.VersionID) + " copied.")
	}
	bucket := p.bucket
	act := func(fn func(string, store.Version)) func() {
		return func() {
			if fn != nil {
				fn(bucket, v)
			}
		}
	}
	down.OnTapped = act(p.onDownload)
	share := buttons[btnShare].(*widget.Button)
	share.OnTapped = act(p.onShare)
	setVisible(share, !v.DeleteMarker)
	restore.OnTapped = func() { p.restore(bucket, v) }
	del.OnTapped = func() { p.deleteVersion(bucket, v) }
	lock := buttons[btnLock].(*widget.Button)
	lock.OnTapped = func() { editVersionLock(p.dlg, p.r, bucket, v, l, p.reload) }
	setVisible(lock, p.lockOn[bucket] && !v.DeleteMarker)
	setVisible(down, !v.DeleteMarker)
	setVisible(restore, !v.DeleteMarker && !v.IsLatest)
	if v.DeleteMarker {
		del.SetIcon(theme.ContentUndoIcon())
		tips[btnDelete].(*tipped).setTip("Undelete: remove this delete marker")
	} else {
		del.SetIcon(theme.DeleteIcon())
		tips[btnDelete].(*tipped).setTip("Delete this version for good…")
	}
}

// restore makes an old version current by a server-side copy, with a
// progress dialog the person can cancel; files too large for one copy
// request go to the transfer queue instead, as a job.
func (p *versionPanel) restore(bucket string, v store.Version) {
	r := p.r
	if r == nil {
		return
	}
	if v.Size > largeCopy && p.copies.queue(transfer.CopyRequest{
		Bucket: bucket, SrcKey: v.Key, SrcVersionID: v.VersionID, DstKey: v.Key, Size: v.Size,
	}) {
		return
	}
	bar := widget.NewProgressBar()
	ctx, done := p.dlg.working("Restoring "+path.Base(v.Key)+"…", "Cancel",
		widget.NewLabel("B2 copies the old version on top; the current one stays as a version."), bar)
	go func() {
		_, err := r.Restore(ctx, bucket, v.Key, v.VersionID, func(done, total int64) {
			if total > 0 {
				do(func() { bar.SetValue(float64(done) / float64(total)) })
			}
		})
		do(func() {
			done()
			p.changed(err)
		})
	}()
}

// changed follows a restore or delete: the error, or the folder and the
// list of versions again.
func (p *versionPanel) changed(err error) {
	if err != nil {
		p.dlg.showError(errors.New(Sentence(err)))
		return
	}
	p.onChanged()
	p.reload()
}

// deleteVersion removes one version for good, after the file's name is
// typed, or a delete marker (which undeletes the file) at once.
func (p *versionPanel) deleteVersion(bucket string, v store.Version) {
	r := p.r
	if r == nil {
		return
	}
	if l, ok := p.locks[v.VersionID]; ok && l.Locked(time.Now()) {
		p.dlg.showInfo("This version cannot be deleted", l.Why(time.Now()))
		return
	}
	run := func() {
		go func() {
			err := r.DeleteVersion(context.Background(), bucket, v.Key, v.VersionID)
			do(func() { p.changed(err) })
		}()
	}
	if v.DeleteMarker {
		run() // undelete: nothing is lost
		return
	}
	msg := fmt.Sprintf("This version of %s (%s, %s) is removed from B2 for good. This cannot be undone.",
		path.Base(v.Key), humanize.Bytes(uint64(v.Size)), v.Modified.Local().Format("2006-01-02 15:04"))
	if v.IsLatest {
		msg += " The next older version becomes the current one."
	}
	p.dlg.confirmTyped("Delete this version for good?", msg, path.Base(v.Key), "Delete for good", run)
}

// versionEditor is what the version panel's actions need.
type versionEditor interface {
	// DeleteVersion removes one version or delete marker for good.
	DeleteVersion(ctx context.Context, bucket, key, versionID string) error
	// Restore copies a version on top, as the current one.
	Restore(ctx context.Context, bucket, key, versionID string, progress func(done, total int64)) (store.Object, error)
}

// readLocks reads the Object Lock state of versions, eight at a time,
// when their bucket has Object Lock: on, or asked of B2 when not asked
// yet. It runs off the Fyne goroutine and returns the locks and whether
// the bucket has Object Lock.
func readLocks(r versionRemote, bucket string, vs []store.Version, on, asked bool) (map[string]store.Lock, bool) {
	if !asked {
		l, err := r.ObjectLock(context.Background(), bucket)
		on = err == nil && l.Enabled
	}
	if !on {
		return nil, false
	}
	var mu sync.Mutex
	out := map[string]store.Lock{}
	g := errgroup.Group{}
	g.SetLimit(8)
	for _, v := range vs {
		if v.DeleteMarker {
			continue
		}
		g.Go(func() error {
			l, err := r.VersionLock(context.Background(), bucket, v.Key, v.VersionID)
			if err != nil {
				slog.Warn("read object lock", "key", v.Key, "err", err)
				return nil
			}
			mu.Lock()
			out[v.VersionID] = l
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return out, true
}

// jobsFinished lists the versions again when a finished copy (a restore or
// move in the transfer queue) changed the file shown.
func (p *versionPanel) jobsFinished(finished []transfer.JobStatus) {
	for _, j := range finished {
		if j.Dir == transfer.Copy && (p.shows(j.Bucket, j.Key) || p.shows(j.Bucket, j.Source)) {
			p.reload()
			return
		}
	}
}
