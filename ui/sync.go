package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/syncer"
	"github.com/haul-app/haul/transfer"
)

// A sync makes a local folder and a bucket folder match (issue 11) in
// three steps: the setup (sync.go) names the two folders, the direction,
// the filters and the share of removals allowed, and lists the saved
// pairs; the preview (syncpreview.go) compares without moving anything;
// the run (syncrun.go) goes through the transfer queue and asks again,
// with a typed count, before anything is removed.

// SyncPairs keeps sync pairs per account, with their last run, so that a
// person can run them again; *syncer.Pairs has it.
type SyncPairs interface {
	// List returns an account's saved pairs in the order they were saved.
	List(account string) ([]syncer.SavedPair, error)
	// Save adds a pair, or replaces the one with its ID, and returns it as
	// saved (a new pair gets its ID there).
	Save(account string, sp syncer.SavedPair) (syncer.SavedPair, error)
	// Delete forgets a saved pair.
	Delete(account, id string) error
	// RecordRun keeps what a run of a saved pair did as its last run.
	RecordRun(account, id string, r syncer.RunRecord) error
	// HeadCache names the file where a saved pair's comparisons keep
	// what their Head requests said (syncer.WithHeadCache).
	HeadCache(account, id string) string
}

var _ SyncPairs = (*syncer.Pairs)(nil)

// syncRemote is what a sync needs of B2; *store.Client has it. It must be
// safe for concurrent use: a comparison heads several files at once.
type syncRemote interface {
	// List returns one page of a recursive listing of the bucket folder.
	List(ctx context.Context, in store.ListInput) (store.Page, error)
	// Head reads one file's metadata: its own modification time, its
	// checksum, the version a download fetches.
	Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error)
	// Delete hides a key behind a hide marker (undelete brings it back):
	// how a mirror up removes.
	Delete(ctx context.Context, bucket, key string) error
}

// syncQueue is what a sync needs of the transfer queue, so that pause,
// resume, cancel, retries and bandwidth limits apply to its copies.
type syncQueue interface {
	transferAdder
	// Wait blocks until a job is done, failed, canceled or paused.
	Wait(ctx context.Context, id transfer.JobID) (transfer.JobStatus, error)
	// Snapshot is every job's state now: the run shows its own jobs'.
	Snapshot() transfer.Snapshot
}

// prefSyncDir is the preference key of the last local folder synced.
const prefSyncDir = "sync.dir"

// syncDirections are the choices of direction, in the order shown.
var syncDirections = []struct {
	d     syncer.Direction
	label string
}{
	{syncer.Upload, "Upload: local → B2"},
	{syncer.Download, "Download: B2 → local"},
	{syncer.MirrorUp, "Mirror up: local → B2, hiding what the folder lacks"},
	{syncer.MirrorDown, "Mirror down: B2 → local, trashing what the bucket lacks"},
}

// syncFlow is the sync component: it owns the setup, preview and run
// dialogs and their state, and reports through onQueued and onChanged.
// It belongs to the Fyne goroutine; its work runs in ...Async goroutines.
type syncFlow struct {
	dlg     *dialogs
	pairs   SyncPairs // nil: pairs are not kept
	account string
	remote  syncRemote
	queue   syncQueue
	// trash is where a mirror down moves local files; nil is the system's.
	trash syncer.Trash
	// encryption is how the person's uploads are encrypted now: with B2's
	// keys (SSE-B2), or the customer key of that name; nil for neither.
	encryption func() (sse bool, customerKey string)

	// onQueued is told that a run put transfers in the queue.
	onQueued func()
	// onChanged is told that a run changed the bucket folder of a pair.
	onChanged func(bucket, prefix string)
}

// use hands the flow an account's client and queue (nil while it connects).
func (s *syncFlow) use(account string, r syncRemote, q syncQueue) {
	s.account, s.remote, s.queue = account, r, q
}

// syncConn is what one preview or run works with, taken from the flow on
// the Fyne goroutine when it starts, so that its goroutines never read the
// flow while the person switches accounts.
type syncConn struct {
	account string
	pairs   SyncPairs // nil: pairs are not kept
	remote  syncRemote
	queue   syncQueue
	trash   syncer.Trash // nil: the system's
	// sse and customerKey encrypt a run's uploads as the person's other
	// uploads are, as chosen when the run was asked for.
	sse         bool
	customerKey string
}

// headCache is the options that let a saved pair's comparison reuse what
// its last one learnt of unchanged files (no Head for them); none for a
// pair that is not kept.
func (c syncConn) headCache(id string) []syncer.Option {
	if c.pairs == nil || id == "" {
		return nil
	}
	return []syncer.Option{syncer.WithHeadCache(c.pairs.HeadCache(c.account, id))}
}

// conn is the flow's account, client and queue now.
func (s *syncFlow) conn() syncConn {
	c := syncConn{account: s.account, pairs: s.pairs, remote: s.remote, queue: s.queue, trash: s.trash}
	if s.encryption != nil {
		c.sse, c.customerKey = s.encryption()
	}
	return c
}

// syncForm is the setup's fields.
type syncForm struct {
	local     *escEntry
	direction *widget.RadioGroup
	checksum  *widget.Check
	include   *escEntry
	exclude   *escEntry
	share     *escEntry
	keep      *widget.Check
	msg       *widget.Label
}

// open shows the setup for the bucket folder loc (Ctrl+Shift+S).
func (s *syncFlow) open(loc Location) {
	if s.remote == nil || loc.Bucket == "" {
		s.dlg.showInfo("Sync", "Open a bucket folder first: the sync pairs it with a local folder.")
		return
	}
	if s.queue == nil {
		s.dlg.showInfo("Sync", "Transfers are not available for this account, so it cannot sync.")
		return
	}
	loc = loc.Folder()
	f := &syncForm{local: newEscEntry(), include: newEscEntry(), exclude: newEscEntry(), share: newEscEntry()}
	f.local.SetPlaceHolder("Local folder, like ~/Pictures")
	f.local.SetText(fyne.CurrentApp().Preferences().String(prefSyncDir))
	labels := make([]string, len(syncDirections))
	for i, o := range syncDirections {
		labels[i] = o.label
	}
	f.direction = widget.NewRadioGroup(labels, nil)
	f.direction.Required = true
	f.direction.SetSelected(labels[0])
	f.checksum = widget.NewCheck("Compare files of equal size by checksum (reads each local file whole)", nil)
	f.include.SetPlaceHolder("All files, or patterns like *.jpg, photos/**")
	f.exclude.SetPlaceHolder("None, or patterns like *.tmp, node_modules")
	f.share.SetText(strconv.Itoa(int(syncer.DefaultMaxRemoveShare * 100)))
	f.keep = widget.NewCheck("Keep this pair to run again", nil)
	f.keep.SetChecked(s.pairs != nil)
	if s.pairs == nil {
		f.keep.Disable()
	}
	f.msg = widget.NewLabel("")
	f.msg.Wrapping = fyne.TextWrapWord
	f.msg.Importance = widget.DangerImportance
	f.msg.Hide()

	var d dialog.Dialog
	choose := widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), func() {
		p := newPicker(pickFolder, "Sync with this folder", func(dir string, _ []string) { f.local.SetText(dir) })
		p.showIn(s.dlg, "Sync "+loc.String()+" with…", startDirs(prefSyncDir)...)
	})
	form := widget.NewForm(
		widget.NewFormItem("Bucket folder", widget.NewLabel(loc.String())),
		widget.NewFormItem("Local folder", container.NewBorder(nil, nil, nil, choose, f.local)),
		widget.NewFormItem("Direction", f.direction),
		widget.NewFormItem("Compare", f.checksum),
		widget.NewFormItem("Include", f.include),
		widget.NewFormItem("Exclude", f.exclude),
		widget.NewFormItem("Ask before removing more than (%)", f.share),
		widget.NewFormItem("", f.keep),
	)
	saved := container.NewVBox()
	var body *fyne.Container
	goPreview := func() {
		p, err := f.pair(loc)
		if err != nil {
			f.msg.SetText(capitalize(err.Error()) + ".")
			f.msg.Show()
			body.Refresh() // lays the message out
			return
		}
		d.Hide()
		fyne.CurrentApp().Preferences().SetString(prefSyncDir, p.Local)
		s.preview(p, f.keep.Checked)
	}
	preview := widget.NewButtonWithIcon("Preview", theme.SearchIcon(), goPreview)
	preview.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { d.Hide() })
	body = container.NewVBox(form, f.msg,
		container.NewHBox(layout.NewSpacer(), cancel, preview),
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Saved pairs", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		saved)
	d = dialog.NewCustomWithoutButtons("Sync with a local folder", container.NewVScroll(body), s.dlg.win)
	d.Resize(fyne.NewSize(760, 680))
	// Enter in a field previews, which moves nothing; Escape closes.
	for _, e := range []*escEntry{f.local, f.include, f.exclude, f.share} {
		e.OnSubmitted = func(string) { goPreview() }
		e.onEscape = d.Hide
	}
	s.dlg.present(d, goPreview)
	s.dlg.win.Canvas().Focus(f.local)
	s.listPairsAsync(saved, func() { d.Hide() }, body.Refresh)
}

// pair reads the form into a pair of loc, or says in a sentence what is
// wrong with it.
func (f *syncForm) pair(loc Location) (syncer.Pair, error) {
	local := strings.TrimSpace(f.local.Text)
	if rest, ok := strings.CutPrefix(local, "~"); ok && (rest == "" || rest[0] == '/' || rest[0] == filepath.Separator) {
		if home, err := os.UserHomeDir(); err == nil {
			local = filepath.Join(home, rest)
		}
	}
	if local == "" {
		return syncer.Pair{}, errors.New("choose the local folder, or type its path")
	}
	if !filepath.IsAbs(local) {
		return syncer.Pair{}, fmt.Errorf("type the local folder's whole path, starting with %s (%q is not one)", string(filepath.Separator), local)
	}
	pct, err := strconv.Atoi(strings.TrimSpace(f.share.Text))
	if err != nil || pct < 1 || pct > 100 {
		return syncer.Pair{}, errors.New("the share of removals to ask about is a whole number of percent from 1 to 100")
	}
	p := syncer.Pair{
		Local: filepath.Clean(local), Bucket: loc.Bucket, Prefix: loc.Prefix,
		Include: globs(f.include.Text), Exclude: globs(f.exclude.Text),
		Checksum: f.checksum.Checked, MaxRemoveShare: float64(pct) / 100,
	}
	for _, o := range syncDirections {
		if o.label == f.direction.Selected {
			p.Direction = o.d
		}
	}
	return p, p.Validate()
}

// globs splits patterns typed with commas between them.
func globs(s string) []string {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// listPairsAsync reads the account's saved pairs off the Fyne goroutine
// and shows them in box, each runnable again with one click; leave hides
// the setup when one runs; shown lays the setup out again.
func (s *syncFlow) listPairsAsync(box *fyne.Container, leave, shown func()) {
	if s.pairs == nil {
		box.Add(widget.NewLabel("Pairs are not kept in this session."))
		return
	}
	pairs, account := s.pairs, s.account
	go func() {
		list, err := pairs.List(account)
		do(func() {
			box.RemoveAll()
			switch {
			case err != nil:
				box.Add(widget.NewLabel("The saved pairs could not be read: " + Sentence(err)))
			case len(list) == 0:
				box.Add(widget.NewLabel("None yet: a pair is kept when you preview it with “Keep this pair” ticked."))
			}
			for _, sp := range list {
				box.Add(s.pairRow(sp, box, leave))
			}
			shown()
		})
	}()
}

// pairRow shows a saved pair, its last run, Run again and Forget.
func (s *syncFlow) pairRow(sp syncer.SavedPair, box *fyne.Container, leave func()) fyne.CanvasObject {
	title := widget.NewLabel(pairTitle(sp.Pair))
	title.Truncation = fyne.TextTruncateEllipsis
	last := widget.NewLabel(lastRunText(sp.LastRun))
	last.Wrapping = fyne.TextWrapWord
	again := widget.NewButtonWithIcon("Run again", theme.MediaReplayIcon(), func() {
		leave()
		s.run(s.conn(), sp.Pair, sp.ID, nil, "the source lacks them")
	})
	var row *fyne.Container
	forget := widget.NewButtonWithIcon("Forget", theme.DeleteIcon(), func() {
		pairs, account := s.pairs, s.account
		go func() {
			err := pairs.Delete(account, sp.ID)
			do(func() {
				if err != nil {
					s.dlg.showError(errors.New(Sentence(err)))
					return
				}
				box.Remove(row)
			})
		}()
	})
	forget.Importance = widget.LowImportance
	row = container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(again, forget)), container.NewVBox(title, last))
	return row
}

// pairTitle names a pair in one line: "~/Pictures → b2://bucket/photos/ (upload)".
func pairTitle(p syncer.Pair) string {
	loc := Location{Bucket: p.Bucket, Prefix: p.Key("")}.String()
	arrow := " → "
	from, to := tildeHome(p.Local), loc
	if !p.Direction.ToRemote() {
		from, to = loc, tildeHome(p.Local)
	}
	if p.Direction.Mirrors() {
		arrow = " ⇒ "
	}
	return from + arrow + to + " (" + p.Direction.String() + ")"
}

// lastRunText says when a pair last ran and what it did.
func lastRunText(r *syncer.RunRecord) string {
	if r == nil {
		return "Never run."
	}
	s := fmt.Sprintf("Last run %s: %s copied (%s), %s removed, %s identical",
		humanize.Time(r.Finished), humanizeCount(r.Copied.Files), humanize.Bytes(uint64(r.Copied.Bytes)),
		humanizeCount(r.Removed.Files), humanizeCount(r.Same))
	if r.Refused > 0 {
		s += fmt.Sprintf(", %s refused", humanizeCount(r.Refused))
	}
	if r.Failed > 0 {
		s += fmt.Sprintf(", %s failed", humanizeCount(r.Failed))
	}
	if r.Pending > 0 {
		s += fmt.Sprintf(", %s not confirmed", plural(r.Pending, "removal"))
	}
	s += "."
	if r.Err != "" {
		s += " " + r.Err
	}
	return s
}

// keepPair saves p for the account (reusing the ID of a saved pair with
// the same folders and direction) and returns its ID; "" when it could
// not be kept. It runs off the Fyne goroutine.
func (c syncConn) keepPair(p syncer.Pair) (string, error) {
	list, err := c.pairs.List(c.account)
	if err != nil {
		return "", err
	}
	sp := syncer.SavedPair{Pair: p}
	for _, old := range list {
		if old.Pair.Local == p.Local && old.Pair.Bucket == p.Bucket && old.Pair.Key("") == p.Key("") && old.Pair.Direction == p.Direction {
			sp.ID, sp.Created, sp.LastRun = old.ID, old.Created, old.LastRun
		}
	}
	sp, err = c.pairs.Save(c.account, sp)
	return sp.ID, err
}

// checkLocal says in a sentence what keeps the local folder of p from
// taking part, or nil; it reads the disk.
func checkLocal(p syncer.Pair) error {
	fi, err := os.Stat(p.Local)
	switch {
	case errors.Is(err, os.ErrNotExist) && !p.Direction.ToRemote():
		return nil // a download makes it
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("the local folder %s does not exist", tildeHome(p.Local))
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("this user may not read the local folder %s", tildeHome(p.Local))
	case err != nil:
		return fmt.Errorf("the local folder %s cannot be read (%v)", tildeHome(p.Local), errors.Unwrap(err))
	case !fi.IsDir():
		return fmt.Errorf("%s is a file, not a folder", tildeHome(p.Local))
	}
	return nil
}
