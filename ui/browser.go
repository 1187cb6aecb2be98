package ui

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// Remote is a connected account: every call the window's parts make,
// each declared beside the part that makes it. *store.Client has it; tests
// may wrap one to count or hold calls. All of it is safe for concurrent
// use.
type Remote interface {
	folderLister
	bucketLister
	bucketManager
	objectEditor
	historian
	versionLister
	versionEditor
	linkMaker
	propertiesRemote
	searcher
	uploadCleaner
	planRemote
	careRemote
	lockRemote
	syncRemote
}

var _ Remote = (*store.Client)(nil)

// folderLister is what the browser needs to show a folder and, in the
// past or with deleted files, its versions.
type folderLister interface {
	// List returns one page (at most 1,000 entries) of a folder.
	List(ctx context.Context, in store.ListInput) (store.Page, error)
	// Versions returns one page of the versions and delete markers under
	// a prefix.
	Versions(ctx context.Context, in store.VersionsInput) (store.VersionPage, error)
}

// snapshotEvery limits how often a loading folder is re-rendered: pages can
// arrive faster than a person can read, and each snapshot may sort.
const snapshotEvery = 250 * time.Millisecond

// pathBar is the browser's navigation: back, forward, up and refresh, the
// path typed or shown, why a typed one could not be opened, and the
// breadcrumbs.
type pathBar struct {
	back, fwd, up, refresh *widget.Button
	entry                  *widget.Entry
	problem                *widget.Label // why a typed location could not be opened
	crumbs                 *fyne.Container
	crumbScroll            *container.Scroll
}

// historyBar is the browser's bar over a past moment or deleted files: what
// is shown, and Restore, Undelete and Back to now; deleted is the "Show
// deleted" box under the table.
type historyBar struct {
	bar      *fyne.Container
	label    *widget.Label
	restore  *widget.Button // restore from a past moment: onRestore
	undelete *widget.Button // onUndelete
	deleted  *widget.Check
}

// browser shows one folder of a bucket: the path bar and breadcrumbs, back,
// forward, up and refresh, a filter, the table and the status bar. All of
// its fields belong to the Fyne goroutine, except what loadAsync captures.
type browser struct {
	remote folderLister
	loc    Location
	back   []Location
	fwd    []Location

	model  *folderModel
	view   *folderView
	mode   historyMode // deleted files shown, or a past moment
	spec   sortSpec
	filter string
	exact  bool

	selected map[string]bool
	anchor   int // row a Shift range starts from
	pending  string

	cancel context.CancelFunc
	gen    int // bumped per load; stale snapshots are dropped
	// stale is set when uploads finished into the folder on screen; it is
	// listed again once no upload into it is left running.
	stale bool

	// onFolder tells the window where the browser went (tree, bucket list,
	// settings); onSubfolders feeds the folder tree; onSelect the selection.
	onFolder     func(Location)
	onSubfolders func(bucket, prefix string, sub []string, done bool)
	onSelect     func(bucket string, sel []store.Object)
	// onExact is told when exact sizes and times are switched on or off.
	onExact func(on bool)
	// onRestore restores the selection (or everything) of a past view as
	// current; onUndelete brings back deleted files of the selection.
	onRestore, onUndelete func()
	// onMenu opens the context menu of the selection at a position.
	onMenu func(fyne.Position)
	// onDelete deletes the selection (forGood: every version), onRename
	// renames it; the window wires both.
	onDelete func(forGood bool)
	onRename func()
	// interceptKey, when set, sees the table's keys first and reports
	// whether it took them (a dialog is up).
	interceptKey func(*fyne.KeyEvent) bool
	// onKeyDown is told every key that goes down while the table has the
	// keyboard, before the driver maps it to a shortcut.
	onKeyDown func(*fyne.KeyEvent)
	// onOpenFile opens a file's properties (Enter, double-click).
	onOpenFile func()
	// onView is told after each snapshot is shown (tests wait on it).
	onView func(*folderView)
	// onShown is told after the table has drawn a new snapshot, with its
	// times humanized anew ("2 minutes ago"), for what shows times beside
	// it.
	onShown func()

	path        pathBar
	past        historyBar
	filterEntry *widget.Entry
	table       *fileTable
	message     *widget.Label
	msgPanel    *fyne.Container // the message on a background of its own, over the rows
	retry       *widget.Button
	status      *widget.Label
	loading     *busy
	exactCheck  *widget.Check
	actions     *fyne.Container // upload and download buttons, added by the window
	content     fyne.CanvasObject
}

func newBrowser() *browser {
	b := &browser{selected: map[string]bool{}, view: &folderView{}}
	b.path.entry = widget.NewEntry()
	b.path.entry.SetPlaceHolder("b2://bucket/folder/")
	b.path.entry.OnSubmitted = b.submitPath
	b.path.problem = widget.NewLabel("")
	b.path.problem.Wrapping = fyne.TextWrapWord
	b.path.problem.Importance = widget.DangerImportance
	b.path.problem.Hide()
	b.path.entry.OnChanged = func(string) { b.path.problem.Hide() }
	b.path.crumbs = container.NewHBox()
	b.filterEntry = widget.NewEntry()
	b.filterEntry.SetPlaceHolder("Filter this folder")
	b.filterEntry.OnChanged = b.setFilter
	b.table = newFileTable(b)
	b.message = widget.NewLabel("")
	b.message.Alignment = fyne.TextAlignCenter
	b.message.Wrapping = fyne.TextWrapWord
	b.retry = widget.NewButtonWithIcon("Try again", theme.ViewRefreshIcon(), b.refresh)
	b.retry.Hide()
	b.status = widget.NewLabel("")
	b.status.Truncation = fyne.TextTruncateEllipsis
	b.loading = newBusy()
	b.path.back = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), b.goBack)
	b.path.fwd = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), b.goForward)
	b.path.up = widget.NewButtonWithIcon("", theme.MoveUpIcon(), b.goUp)
	b.path.refresh = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), b.refresh)
	b.past.deleted = widget.NewCheck("Show deleted", func(on bool) {
		if on != b.mode.deleted {
			b.setHistory(historyMode{deleted: on})
		}
	})
	b.past.label = widget.NewLabel("")
	b.past.label.Importance = widget.WarningImportance
	b.past.restore = widget.NewButtonWithIcon("Restore", theme.HistoryIcon(), func() {
		if b.onRestore != nil {
			b.onRestore()
		}
	})
	b.past.undelete = widget.NewButtonWithIcon("Undelete", theme.ContentUndoIcon(), func() {
		if b.onUndelete != nil {
			b.onUndelete()
		}
	})
	backToNow := widget.NewButton("Back to now", func() {
		b.past.deleted.SetChecked(false)
		b.setHistory(historyMode{})
	})
	b.past.bar = container.NewBorder(nil, nil, nil, container.NewHBox(b.past.restore, b.past.undelete, backToNow), b.past.label)
	b.past.bar.Hide()
	b.exactCheck = widget.NewCheck("Exact sizes and times", func(on bool) {
		b.exact = on
		b.table.Refresh()
		b.updateStatus()
		if b.onExact != nil {
			b.onExact(on)
		}
	})
	b.actions = container.NewHBox()
	b.content = b.layout()
	b.showMessage("Choose a bucket on the left.")
	b.updateNav()
	return b
}

// layout places the browser's widgets: the path bar with navigation and
// filter, breadcrumbs and actions above the table, the status bar below,
// and messages over the table.
func (b *browser) layout() fyne.CanvasObject {
	nav := container.NewHBox(withTip(b.path.back, "Back (Alt+Left)"), withTip(b.path.fwd, "Forward (Alt+Right)"),
		withTip(b.path.up, "Up one folder (Alt+Up)"), withTip(b.path.refresh, "Refresh (F5)"))
	filterBox := container.NewGridWrap(fyne.NewSize(200, b.filterEntry.MinSize().Height), b.filterEntry)
	// The breadcrumbs get a row of their own: beside the actions they
	// were squeezed to the bucket's name.
	b.path.crumbScroll = container.NewHScroll(b.path.crumbs)
	top := container.NewVBox(
		container.NewBorder(nil, nil, nav, filterBox, b.path.entry),
		b.path.problem,
		b.path.crumbScroll,
		b.actions,
		b.past.bar,
	)
	// The message spans the table's width (a wrapping label in a Center
	// would get no width at all) and sits a third of the way down.
	// It has a background of its own: it may sit over rows still on screen.
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	b.msgPanel = container.NewStack(bg, container.NewPadded(container.NewVBox(b.message, container.NewCenter(b.retry))))
	empty := container.NewVBox(layout.NewSpacer(), b.msgPanel, layout.NewSpacer(), layout.NewSpacer())
	bottom := container.NewBorder(nil, nil, nil, container.NewHBox(b.past.deleted, b.exactCheck), container.NewBorder(nil, nil, b.loading.Activity, nil, b.status))
	return container.NewBorder(top, bottom, nil, nil, container.NewStack(b.table, empty))
}

// setRemote switches accounts: everything shown belongs to the old one.
func (b *browser) setRemote(r folderLister) {
	b.stopLoading()
	b.remote = r
	b.back, b.fwd = nil, nil
	b.loc = Location{}
	b.model, b.view = nil, &folderView{}
	b.clearSelection()
	b.path.entry.SetText("")
	b.path.crumbs.RemoveAll()
	b.table.Refresh()
	b.status.SetText("")
	b.showMessage("Choose a bucket on the left.")
	b.updateNav()
}

// open shows a folder (and selects loc.Key when given), remembering where
// the browser was for Back.
func (b *browser) open(loc Location) {
	if b.loc.Bucket != "" && b.loc.Folder() != loc.Folder() {
		b.back = append(b.back, b.loc.Folder())
		b.fwd = nil
	}
	b.show(loc)
}

func (b *browser) goBack() { b.step(&b.back, &b.fwd) }

func (b *browser) goForward() { b.step(&b.fwd, &b.back) }

// step goes to the newest place of from, keeping the place it leaves in to.
func (b *browser) step(from, to *[]Location) {
	if len(*from) == 0 {
		return
	}
	dest := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	*to = append(*to, b.loc.Folder())
	b.show(dest)
}

func (b *browser) goUp() {
	if p, ok := b.loc.Parent(); ok {
		b.open(p)
	}
}

// refresh lists the folder again, keeping the selection (and so the
// version panel) on the files that are still there.
func (b *browser) refresh() {
	if b.loc.Bucket == "" {
		return
	}
	keep := maps.Clone(b.selected)
	b.showKeeping(b.loc.Folder(), keep)
}

// submitPath opens a typed location and gives the keyboard back to the
// table, so that Alt+Up, Backspace and the arrows work at once. A location
// that cannot be read is explained under the path bar, which keeps the
// keyboard to mend it.
func (b *browser) submitPath(text string) {
	loc, err := ParseLocation(text)
	if err != nil {
		b.path.problem.SetText(capitalize(err.Error()) + ". Type a location like b2://bucket/folder/.")
		b.path.problem.Show()
		return
	}
	if loc.Bucket == "" {
		return
	}
	b.open(loc)
	if c := fyne.CurrentApp().Driver().CanvasForObject(b.table); c != nil {
		c.Focus(b.table)
	}
}

// show loads a folder without touching the history.
func (b *browser) show(loc Location) { b.showKeeping(loc, nil) }

// showKeeping loads a folder; keep, when not nil, is the selection to hold
// on to (a refresh), without telling the version panel it went away.
func (b *browser) showKeeping(loc Location, keep map[string]bool) {
	b.stopLoading()
	// A refresh keeps the rows on screen, and so the selection the keys
	// act on, until the new listing's first rows take their place.
	refresh := keep != nil && loc == b.loc.Folder() && b.filter == ""
	b.loc = loc
	b.stale = false
	b.pending = loc.Key
	if keep != nil {
		b.selected = keep
		b.anchor = -1
	} else {
		b.clearSelection()
	}
	b.filterEntry.SetText("")
	b.filter = ""
	b.path.entry.SetText(loc.Folder().String())
	b.setCrumbs()
	b.updateNav()
	b.model = newFolderModel(loc.Prefix)
	if !refresh {
		b.view = &folderView{prefix: loc.Prefix}
		b.table.Refresh()
		b.table.ScrollToTop()
	}
	b.hideMessage()
	b.loading.Show()
	b.status.SetText("")
	if b.onFolder != nil {
		b.onFolder(loc)
	}
	if b.remote == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.gen++
	if b.mode.versions() {
		go b.loadVersionsAsync(ctx, b.gen, b.remote, loc, b.mode)
		return
	}
	go b.loadAsync(ctx, b.gen, b.remote, b.model, loc, b.spec, b.filter)
}

func (b *browser) stopLoading() {
	if b.cancel != nil {
		b.cancel()
		b.cancel = nil
	}
	b.loading.Hide()
}

// loadAsync pages through a folder (1,000 entries a request), handing the
// table a fresh snapshot at most every snapshotEvery and on the last page.
// Leaving the folder cancels ctx, which stops it between or during requests.
func (b *browser) loadAsync(ctx context.Context, gen int, r folderLister, m *folderModel, loc Location, spec sortSpec, filter string) {
	token := ""
	var last time.Time
	ctx = store.WithRetryNotice(ctx, func(rt store.Retry) {
		do(func() {
			if b.gen == gen {
				b.showRetrying(rt)
			}
		})
	})
	// A server that does not answer at all takes a while to time out:
	// say so long before that.
	slow := time.AfterFunc(slowAnswer, func() {
		do(func() {
			if b.gen == gen && b.loading.Visible() && b.view.Len() == 0 && !b.message.Visible() {
				b.showMessage("Waiting for the server to answer…")
			}
		})
	})
	defer slow.Stop()
	for {
		page, err := r.List(ctx, store.ListInput{Bucket: loc.Bucket, Prefix: loc.Prefix, Token: token})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			b.listFailedAsync(gen, loc, err)
			return
		}
		done := page.Next == ""
		m.add(page, done)
		if done || time.Since(last) >= snapshotEvery {
			last = time.Now()
			// Sorting and filtering happen here, off the Fyne goroutine;
			// the widgets then swap in the prepared view at once.
			spec, filter = b.currentSpec(gen, spec, filter)
			v := m.view(spec, filter)
			if done && v.nFolders+v.nFiles == 0 {
				v.onlyDeleted = holdsDeleted(ctx, r, loc)
			}
			do(func() {
				if b.gen == gen {
					b.setView(v)
				}
			})
		}
		if done {
			return
		}
		token = page.Next
	}
}

// slowAnswer is how long a listing may take before the browser says it is
// still waiting.
const slowAnswer = 2 * time.Second

// showRetrying says that a listing failed and is being tried again, why,
// and which attempt comes next; over an empty table it takes the message,
// otherwise the status bar.
func (b *browser) showRetrying(rt store.Retry) {
	msg := fmt.Sprintf("Retrying: %s (attempt %d of %d failed", rt.Reason, rt.Attempt, rt.Max)
	if rt.Delay >= time.Second {
		msg += fmt.Sprintf(", next in %s", rt.Delay.Round(100*time.Millisecond))
	}
	msg += ")…"
	if b.view.Len() == 0 {
		b.showMessage(msg)
	}
	b.status.SetText(msg)
}

// listFailedAsync shows why a folder could not be listed, unless the
// person has gone elsewhere since; the raw error goes to the log.
func (b *browser) listFailedAsync(gen int, loc Location, err error) {
	slog.Warn("list failed", "bucket", loc.Bucket, "prefix", loc.Prefix, "err", err)
	msg := Sentence(err)
	do(func() {
		if b.gen == gen {
			b.loading.Hide()
			b.showError(msg)
		}
	})
}

// currentSpec reads the sort and filter the person wants now; they may have
// changed while a page was on its way.
func (b *browser) currentSpec(gen int, spec sortSpec, filter string) (sortSpec, string) {
	doAndWait(func() {
		if b.gen == gen {
			spec, filter = b.spec, b.filter
		}
	})
	return spec, filter
}

// setView swaps in a prepared snapshot.
func (b *browser) setView(v *folderView) {
	refiltered := b.view != nil && b.view.filter != v.filter
	b.view = v
	if v.done {
		b.loading.Hide()
		b.cancel = nil
	}
	if b.onSubfolders != nil {
		b.onSubfolders(b.loc.Bucket, v.prefix, v.subfolders(), v.done)
	}
	if b.pending != "" {
		if i := v.index(b.pending); i >= 0 {
			b.selectOnly(i)
			b.table.ScrollTo(widget.TableCellID{Row: i, Col: colName})
			b.pending = ""
		}
	}
	b.table.Refresh()
	if refiltered {
		// Rows scrolled past would leave the matches above the view:
		// the table does not pull its offset back when it shrinks.
		b.table.ScrollToTop()
	}
	switch {
	case v.Len() > 0:
		b.hideMessage()
	case !v.done:
		b.showMessage("Loading…")
	case b.mode.versions() && v.filter == "":
		b.showMessage(historyEmptyText(b.mode))
	default:
		b.showMessage(emptyText(v, b.loc.Prefix == ""))
	}
	b.updateStatus()
	if b.onShown != nil {
		b.onShown()
	}
	if b.onView != nil {
		b.onView(v)
	}
}

// emptyText says why a listed folder shows no rows, and what to do.
func emptyText(v *folderView, bucketRoot bool) string {
	what := "folder"
	if bucketRoot {
		what = "bucket"
	}
	switch {
	case v.filter != "" && v.nFolders+v.nFiles > 0:
		return fmt.Sprintf("Nothing in this %s matches “%s”. Clear the filter to see all %s.", what, v.filter,
			plural(v.nFolders+v.nFiles, "item"))
	case v.onlyDeleted:
		return fmt.Sprintf("This %s holds only deleted files: tick Show deleted (below) to see them and bring them back.", what)
	}
	return fmt.Sprintf("This %s is empty. Drop files here, or use Upload (Ctrl+U) or the new folder button.", what)
}

// historyEmptyText says why a folder shown with its deleted files, or as
// it was at a moment, has no rows.
func historyEmptyText(m historyMode) string {
	if m.at.IsZero() {
		return "Nothing here, deleted or not."
	}
	return "This folder held nothing at that moment. Choose another moment with As of…, or go Back to now."
}

// holdsDeleted reports whether a folder that lists nothing has versions
// under it: files deleted since, or folders of them. It costs one small
// listing (a billable class C call), made only for empty folders.
func holdsDeleted(ctx context.Context, r folderLister, loc Location) bool {
	// Three entries: the first may be the empty-folder placeholder, which
	// the listing leaves out.
	page, err := r.Versions(ctx, store.VersionsInput{Bucket: loc.Bucket, Prefix: loc.Prefix, Delimiter: true, MaxKeys: 3})
	if err != nil {
		slog.Debug("look for deleted files", "prefix", loc.Prefix, "err", err)
		return false
	}
	return len(page.Versions) > 0 || len(page.Folders) > 0
}

// noBuckets says what to do when the account has no bucket, unless one
// is open.
func (b *browser) noBuckets() {
	if b.loc.Bucket == "" {
		b.showMessage("This account has no buckets yet. Make one with the + button beside Buckets, on the left.")
	}
}

// reviewAsync rebuilds the view for a new sort or filter off the Fyne
// goroutine.
func (b *browser) reviewAsync() {
	m, spec, filter, gen := b.model, b.spec, b.filter, b.gen
	if m == nil {
		return
	}
	go func() {
		v := m.view(spec, filter)
		do(func() {
			if b.gen == gen && b.spec == spec && b.filter == filter {
				b.setView(v)
			}
		})
	}()
}

func (b *browser) setFilter(s string) {
	if s == b.filter {
		return
	}
	b.filter = s
	b.reviewAsync()
}

func (b *browser) toggleSort(col sortColumn) {
	if b.spec.col == col {
		b.spec.desc = !b.spec.desc
	} else {
		b.spec = sortSpec{col: col}
	}
	b.reviewAsync()
}

// setStatus writes a sentence in the status bar (what an action did).
func (b *browser) setStatus(msg string) { b.status.SetText(msg) }

// addAction puts a button at the end of the toolbar row.
func (b *browser) addAction(btn fyne.CanvasObject) { b.actions.Add(btn) }

// addActionFirst puts a button at the start of the toolbar row.
func (b *browser) addActionFirst(btn fyne.CanvasObject) {
	b.actions.Objects = append([]fyne.CanvasObject{btn}, b.actions.Objects...)
	b.actions.Refresh()
}

// location is the folder (and file) shown.
func (b *browser) location() Location { return b.loc }

// pastMoment is the moment a past view shows, zero for now.
func (b *browser) pastMoment() time.Time { return b.mode.at }

func (b *browser) showError(msg string) {
	b.message.SetText(msg)
	b.message.Show()
	b.msgPanel.Show()
	b.retry.Show()
	b.status.SetText("Could not list this folder.")
}

func (b *browser) showMessage(msg string) {
	b.message.SetText(msg)
	b.message.Show()
	b.msgPanel.Show()
	b.retry.Hide()
}

func (b *browser) hideMessage() {
	b.message.Hide()
	b.msgPanel.Hide()
	b.retry.Hide()
}

func (b *browser) updateNav() {
	setEnabled(b.path.back, len(b.back) > 0)
	setEnabled(b.path.fwd, len(b.fwd) > 0)
	_, hasParent := b.loc.Parent()
	setEnabled(b.path.up, hasParent)
	setEnabled(b.path.refresh, b.loc.Bucket != "")
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

func (b *browser) setCrumbs() {
	b.path.crumbs.RemoveAll()
	for i, c := range b.loc.Crumbs() {
		if i > 0 {
			b.path.crumbs.Add(widget.NewLabel("›"))
		}
		btn := widget.NewButton(c.Label, func() { b.open(c.Loc) })
		btn.Importance = widget.LowImportance
		b.path.crumbs.Add(btn)
	}
	// The deepest folder is the one that matters when the path is long.
	b.path.crumbScroll.ScrollToOffset(fyne.NewPos(max(0, b.path.crumbs.MinSize().Width-b.path.crumbScroll.Size().Width), 0))
}

// updateStatus writes counts and sizes, and the exact facts of a single
// selected file.
func (b *browser) updateStatus() {
	v := b.view
	if v == nil || b.loc.Bucket == "" {
		b.status.SetText("")
		return
	}
	var parts []string
	parts = append(parts, plural(v.nFolders, "folder"), plural(v.nFiles, "file"))
	if v.done {
		parts = append(parts, humanize.Bytes(uint64(v.size)))
	} else {
		parts = append(parts, "loading…")
	}
	if v.filter != "" {
		parts = append(parts, fmt.Sprintf("%s shown", humanize.Comma(int64(v.Len()))))
	}
	if sel := b.selection(); len(sel) == 1 && !sel[0].IsFolder {
		o := sel[0]
		parts = append(parts, fmt.Sprintf("%s: %s B, modified %s", printable(v.name(o)), humanize.Comma(o.Size),
			o.Modified.Local().Format("2006-01-02 15:04:05 MST")))
	} else if len(sel) > 1 {
		parts = append(parts, fmt.Sprintf("%d selected", len(sel)))
	}
	b.status.SetText(strings.Join(parts, " · "))
}

// jobsFinished lists the folder on screen again once the uploads and
// copies into it have finished, so new files show without a manual
// refresh: once for a batch, not per file (each listing is billable and
// resets the selection). s is the queue now; finished, the jobs that just
// ended.
func (b *browser) jobsFinished(s transfer.Snapshot, finished []transfer.JobStatus) {
	loc := b.loc
	into := func(j transfer.JobStatus) bool {
		if j.Dir == transfer.Download || j.Bucket != loc.Bucket {
			return false
		}
		return strings.HasPrefix(j.Key, loc.Prefix) || j.Dir == transfer.Copy && strings.HasPrefix(j.Source, loc.Prefix)
	}
	for _, j := range finished {
		if into(j) {
			b.stale = true
		}
	}
	if !b.stale || loc.Bucket == "" {
		return
	}
	for _, j := range s.Jobs {
		if into(j) && (j.State == transfer.Running || j.State == transfer.Queued) {
			return
		}
	}
	b.stale = false
	b.refresh()
}
