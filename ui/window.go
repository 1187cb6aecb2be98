// Package ui is Haul's window: account switcher, bucket list, folder tree and
// folder table. It talks to store through its own narrow interfaces and never
// to the AWS SDK. Handlers start work in ...Async methods and hand prepared
// results to the widgets in one fyne.Do.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// AccountBook is what the window needs of the saved accounts;
// *store.Accounts has it.
type AccountBook interface {
	List() []store.Account
	Lookup(id string) (store.Account, bool)
	Add(acct store.Account, secret string) (store.Account, error)
	Update(acct store.Account, newSecret string) error
	Remove(id string) error
	Secret(id string) (string, error)
	Last() (accountID, location string)
	SetLast(accountID, location string) error
	KeychainProblem() error
}

// SandboxInfo describes the built-in local server for its banner.
type SandboxInfo struct {
	Account    store.Account
	Dir        string
	Persistent bool
	// Bucket opens when the sandbox is chosen with no place to go, so
	// that a first run shows files at once.
	Bucket string
}

// Deps is everything the window is built from; main wires it.
type Deps struct {
	Accounts AccountBook
	// Authorize discovers an account's endpoint and limits from its key.
	Authorize func(ctx context.Context, keyID, key string) (store.Account, error)
	// Connect builds a client for an account; it may block on the keychain.
	Connect func(ctx context.Context, acct store.Account) (Remote, error)
	// OpenQueue returns the account's transfer queue, creating it (and
	// reading its journal) the first time; it may block on disk. The window
	// calls it once Connect has succeeded for the account. Queues keep
	// running when the person switches accounts. Nil means no transfers.
	OpenQueue func(acct store.Account) (Queue, error)
	Sandbox   *SandboxInfo // nil when the sandbox is not running
	// Start is where to open: a location from the command line, or empty
	// for the last used one.
	Start Location
	// StartAccount chooses the account to open on; empty means the last
	// used one, or the first.
	StartAccount string
	// Notices are start-up problems to tell the person (a broken settings
	// file, no keychain).
	Notices []string
}

// Window is Haul's main window.
type Window struct {
	win       fyne.Window
	deps      Deps
	browser   *browser
	sidebar   *sidebar
	transfers *transfersPanel
	versions  *versionPanel

	remote Remote // the current account's client
	queue  Queue  // the current account's transfer queue
	// stale is set when uploads finished into the folder on screen; it is
	// listed again once no upload into it is left running.
	stale bool

	accounts []store.Account
	current  store.Account
	gen      int

	accountSelect *widget.Select
	banner        *widget.Label
	bannerBox     *fyne.Container
	notice        *widget.Label
	dlg           *dialogs
	lastKeyDown   fyne.KeyName // tells Shift+Delete from Ctrl+X
}

// NewWindow builds the main window; call ShowAndRun or Show.
func NewWindow(a fyne.App, d Deps) *Window {
	closing.Store(false)
	w := &Window{win: a.NewWindow("Haul"), deps: d, browser: newBrowser(), sidebar: newSidebar(), transfers: newTransfersPanel()}
	w.win.SetIcon(a.Metadata().Icon)
	w.dlg = &dialogs{win: w.win}
	w.versions = newVersionPanel()
	w.versions.onDownload = w.downloadVersion
	w.versions.onShare = func(_ string, v store.Version) {
		w.showShare([]shareTarget{{Key: v.Key, VersionID: v.VersionID}})
	}
	w.versions.onRestore = func(bucket string, v store.Version) { w.restoreAsync(bucket, v, w.versions.reload) }
	w.versions.onDelete = func(bucket string, v store.Version) { w.confirmDeleteVersion(bucket, v, w.versions.reload) }
	w.browser.onExact = w.versions.setExact
	w.sidebar.onOpen = w.browser.open
	w.browser.onSelect = w.versions.follow
	w.browser.onFolder = w.folderOpened
	w.browser.onSubfolders = w.sidebar.setChildren

	w.accountSelect = widget.NewSelect(nil, w.chooseAccount)
	w.accountSelect.PlaceHolder = "No account"
	manage := widget.NewButtonWithIcon("Accounts…", theme.AccountIcon(), w.showAccounts)
	unfinished := widget.NewButtonWithIcon("Unfinished uploads…", theme.HistoryIcon(), w.showUnfinished)
	w.banner = widget.NewLabel("")
	w.banner.Wrapping = fyne.TextWrapWord
	w.banner.Importance = widget.MediumImportance
	addBtn := widget.NewButtonWithIcon("Add a B2 account", theme.ContentAddIcon(), w.showAddAccount)
	w.bannerBox = container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), addBtn, w.banner)
	w.bannerBox.Hide()
	w.notice = widget.NewLabel("")
	w.notice.Wrapping = fyne.TextWrapWord
	w.notice.Importance = widget.WarningImportance
	w.notice.Hide()

	header := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel("Account"), container.NewHBox(unfinished, manage), w.accountSelect),
		w.bannerBox, w.notice,
	)
	right := container.NewHSplit(w.browser.content, w.versions.content)
	right.Offset = 0.64
	split := container.NewHSplit(w.sidebar.content, right)
	split.Offset = 0.2
	w.win.SetContent(container.NewBorder(header, w.transfers.content, nil, nil, split))
	w.win.Resize(fyne.NewSize(1200, 760))
	w.addShortcuts()
	w.addActions()
	w.win.SetOnDropped(w.onDropped)
	w.win.SetOnClosed(w.closed)
	w.transfers.onTick = w.afterJobs
	w.transfers.confirm = w.dlg.askDangerous
	w.transfers.onSettings = w.showTransferSettings
	for _, n := range d.Notices {
		w.addNotice(n)
	}
	w.reloadAccounts()
	return w
}

// closed runs on the Fyne goroutine when the window goes away: nothing may
// touch the widgets after it.
func (w *Window) closed() {
	closing.Store(true)
	w.transfers.stopTicker()
}

// Quitting tells the widgets' background work that the app is about to stop,
// from any goroutine. Call it before App.Quit on a signal: Fyne quits on
// SIGINT and SIGTERM by itself without closing the window, and once its loop
// has stopped it runs fyne.Do callbacks on the caller's goroutine.
func Quitting() { closing.Store(true) }

// Fyne returns the underlying window.
func (w *Window) Fyne() fyne.Window { return w.win }

// Show shows the window and opens the first account and location.
func (w *Window) Show() {
	w.win.Show()
	w.openStart()
	w.transfers.start()
}

// ShowAndRun shows the window, opens the first account and location, and
// runs the app until the window closes.
func (w *Window) ShowAndRun() {
	w.openStart()
	w.transfers.start()
	w.win.ShowAndRun()
}

func (w *Window) addNotice(msg string) {
	if w.notice.Text != "" {
		msg = w.notice.Text + "\n" + msg
	}
	w.notice.SetText(msg)
	w.notice.Show()
}

// reloadAccounts fills the switcher: the sandbox, the environment's
// session account, then saved accounts.
func (w *Window) reloadAccounts() {
	w.accounts = w.accounts[:0]
	if w.deps.Sandbox != nil {
		w.accounts = append(w.accounts, w.deps.Sandbox.Account)
	}
	if w.deps.Accounts != nil {
		w.accounts = append(w.accounts, w.deps.Accounts.List()...)
	}
	names := make([]string, len(w.accounts))
	for i, a := range w.accounts {
		names[i] = accountLabel(a)
	}
	w.accountSelect.SetOptions(names)
}

func accountLabel(a store.Account) string {
	switch a.Source {
	case store.SandboxSource:
		return "Sandbox (on this computer)"
	case store.Session:
		return a.Name + " (this session only)"
	}
	return a.Name
}

// openStart chooses the first account and location: the command line's,
// else the last used, else the environment's or saved ones before the
// sandbox.
func (w *Window) openStart() {
	id, loc := w.deps.StartAccount, w.deps.Start
	if w.deps.Accounts != nil && id == "" {
		lastID, lastLoc := w.deps.Accounts.Last()
		id = lastID
		if loc.Bucket == "" {
			if l, err := ParseLocation(lastLoc); err == nil {
				loc = l
			}
		}
	}
	idx := -1
	for i, a := range w.accounts {
		if a.ID == id {
			idx = i
		}
	}
	if idx < 0 {
		for i, a := range w.accounts {
			if a.Source != store.SandboxSource {
				idx = i
				break
			}
		}
	}
	if idx < 0 && len(w.accounts) > 0 {
		idx = 0
	}
	if idx < 0 {
		w.banner.SetText("No account yet. Add a B2 application key to browse your buckets.")
		w.bannerBox.Show()
		return
	}
	w.switchAccount(w.accounts[idx], loc)
}

func (w *Window) chooseAccount(label string) {
	for _, a := range w.accounts {
		if accountLabel(a) == label && a.ID != w.current.ID {
			w.switchAccount(a, Location{})
			return
		}
	}
}

// switchAccount connects to an account off the Fyne goroutine (the keychain
// may take a while to answer) and then shows its buckets and loc.
func (w *Window) switchAccount(a store.Account, loc Location) {
	w.current = a
	w.gen++
	gen := w.gen
	w.accountSelect.SetSelected(accountLabel(a))
	w.showBanner(a)
	w.browser.setRemote(nil)
	w.versions.setRemote(nil)
	w.sidebar.setRemote(nil, "")
	w.remote, w.queue = nil, nil
	w.transfers.setQueue(nil)
	go func() {
		r, err := w.deps.Connect(context.Background(), a)
		msg := ""
		if err != nil {
			slog.Warn("connect failed", "account", a.ID, "err", err)
			msg = Sentence(err)
		}
		var q Queue
		var qerr error
		if err == nil && w.deps.OpenQueue != nil {
			q, qerr = w.deps.OpenQueue(a)
			if qerr != nil {
				slog.Warn("transfer queue", "account", a.ID, "err", qerr)
			}
		}
		do(func() {
			if w.gen != gen {
				return
			}
			if err != nil {
				w.browser.showError(fmt.Sprintf("Could not open %s: %s", a.Name, msg))
				return
			}
			if qerr != nil {
				w.addNotice("Transfers: " + Sentence(qerr))
			}
			w.remote, w.queue = r, q
			w.transfers.setQueue(q)
			restricted := ""
			if a.Restriction != nil && a.Restriction.Bucket != "" && !a.Restriction.Can("listAllBucketNames") {
				restricted = a.Restriction.Bucket
			}
			w.sidebar.setRemote(r, restricted)
			w.browser.setRemote(r)
			w.versions.setRemote(r)
			switch {
			case loc.Bucket != "":
			case restricted != "":
				loc = Location{Bucket: restricted}
			case a.Source == store.SandboxSource && w.deps.Sandbox != nil:
				loc = Location{Bucket: w.deps.Sandbox.Bucket}
			}
			if loc.Bucket != "" {
				w.browser.open(loc)
			}
		})
	}()
}

func (w *Window) showBanner(a store.Account) {
	if a.Source != store.SandboxSource || w.deps.Sandbox == nil {
		w.bannerBox.Hide()
		return
	}
	where := "in a temporary folder that is removed when Haul quits"
	if w.deps.Sandbox.Persistent {
		where = "in " + tildeHome(w.deps.Sandbox.Dir) + " and is kept between runs"
	}
	w.banner.SetText("Sandbox: a local S3 server running inside Haul, not B2. Its data lives " + where + ".")
	w.bannerBox.Show()
}

// folderOpened follows the browser: tree, bucket list and the remembered
// location.
func (w *Window) folderOpened(loc Location) {
	w.stale = false
	w.sidebar.reveal(loc)
	w.win.SetTitle("Haul — " + loc.Folder().String())
	if w.deps.Accounts != nil && w.current.Source == store.Saved {
		acct, loc := w.current.ID, loc.Folder().String()
		go func() {
			if err := w.deps.Accounts.SetLast(acct, loc); err != nil {
				slog.Warn("remember location", "err", err)
			}
		}()
	}
}

// addShortcuts binds the keyboard: Ctrl+L the path bar, F5 refresh,
// Alt+Left back, Alt+Right forward, Alt+Up up, Ctrl+F the filter, Ctrl+U
// upload files (Shift: a folder), Ctrl+D download the selection to the last
// folder (Shift: choose the folder).
func (w *Window) addShortcuts() {
	c := w.win.Canvas()
	b := w.browser
	// While a dialog is up, keys belong to it: a shortcut must not act on
	// the selection behind a question about it.
	add := func(s fyne.Shortcut, fn func()) {
		c.AddShortcut(s, func(fyne.Shortcut) {
			if !w.dlg.up() {
				fn()
			}
		})
	}
	b.interceptKey = w.dlg.key
	add(&desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}, func() {
		c.Focus(b.pathEntry)
		// The whole path, so that typing replaces it (a double tap would
		// select one word of it).
		b.pathEntry.TypedShortcut(&fyne.ShortcutSelectAll{})
	})
	add(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}, func() {
		c.Focus(b.filterEntry)
	})
	add(&desktop.CustomShortcut{KeyName: fyne.KeyLeft, Modifier: fyne.KeyModifierAlt}, func() { b.goBack() })
	add(&desktop.CustomShortcut{KeyName: fyne.KeyRight, Modifier: fyne.KeyModifierAlt}, func() { b.goForward() })
	add(&desktop.CustomShortcut{KeyName: fyne.KeyUp, Modifier: fyne.KeyModifierAlt}, func() { b.goUp() })
	add(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault}, func() { b.refresh() })
	add(&desktop.CustomShortcut{KeyName: fyne.KeyU, Modifier: fyne.KeyModifierShortcutDefault}, func() { w.chooseUploadFile() })
	add(&desktop.CustomShortcut{KeyName: fyne.KeyU, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}, func() { w.chooseUploadFolder() })
	add(&desktop.CustomShortcut{KeyName: fyne.KeyD, Modifier: fyne.KeyModifierShortcutDefault}, func() {
		w.download(b.selection(), w.downloadDir())
	})
	add(&desktop.CustomShortcut{KeyName: fyne.KeyD, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}, func() { w.chooseDownload() })
	// Fyne's desktop driver turns Shift+Delete into its Cut shortcut (as
	// it does Ctrl+X) before any widget sees the key; the key that went
	// down tells the two apart.
	b.onKeyDown = func(e *fyne.KeyEvent) { w.lastKeyDown = e.Name }
	if dc, ok := c.(desktop.Canvas); ok {
		dc.SetOnKeyDown(b.onKeyDown)
	}
	add(&fyne.ShortcutCut{}, func() {
		if w.lastKeyDown == fyne.KeyDelete {
			w.deleteSelected(true)
		}
	})
	add(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}, func() { w.showSearch() })
	add(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierAlt}, func() { w.showProperties() })
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if w.dlg.key(e) {
			return
		}
		switch e.Name {
		case fyne.KeyF5:
			b.refresh()
		case fyne.KeyDelete:
			w.deleteSelected(false)
		case fyne.KeyF2:
			w.renameSelected()
		case fyne.KeyBackspace:
			b.goBack()
		case fyne.KeyUp, fyne.KeyDown, fyne.KeyReturn, fyne.KeyEnter, fyne.KeyHome, fyne.KeyEnd, fyne.KeyPageUp, fyne.KeyPageDown:
			c.Focus(b.table)
			b.table.TypedKey(e)
		}
	})
}

// addActions puts the upload and download buttons in the browser's toolbar
// and gives its rows a context menu.
func (w *Window) addActions() {
	up := widget.NewButtonWithIcon("Upload", theme.UploadIcon(), w.chooseUploadFile)
	upDir := widget.NewButtonWithIcon("Folder", theme.FolderOpenIcon(), w.chooseUploadFolder)
	down := widget.NewButtonWithIcon("Download", theme.DownloadIcon(), w.chooseDownload)
	w.browser.addAction(up)
	w.browser.addAction(upDir)
	w.browser.addAction(down)
	asOf := widget.NewButtonWithIcon("As of…", theme.HistoryIcon(), w.chooseMoment)
	share := widget.NewButtonWithIcon("Share", theme.MailForwardIcon(), w.shareSelected)
	w.browser.addAction(share)
	w.browser.addAction(asOf)
	for _, b := range []*widget.Button{
		widget.NewButtonWithIcon("", theme.ContentAddIcon(), w.showNewBucket),
		widget.NewButtonWithIcon("", theme.VisibilityIcon(), w.toggleVisibility),
		widget.NewButtonWithIcon("", theme.DeleteIcon(), w.deleteBucket),
	} {
		b.Importance = widget.LowImportance
		w.sidebar.addBucketAction(b)
	}
	newDir := widget.NewButtonWithIcon("", theme.FolderNewIcon(), w.newFolder)
	w.browser.addActionFirst(newDir)
	search := widget.NewButtonWithIcon("", theme.SearchIcon(), w.showSearch)
	w.browser.addAction(search)
	w.browser.onOpenFile = w.showProperties
	w.browser.onDelete = w.deleteSelected
	w.browser.onRename = w.renameSelected
	w.browser.onRestore = w.restoreAsOf
	w.browser.onUndelete = w.undeleteSelected
	w.browser.onMenu = w.showMenu
}

// showMenu is the context menu of the selection.
func (w *Window) showMenu(pos fyne.Position) {
	b := w.browser
	sel := b.selection()
	var items []*fyne.MenuItem
	if len(sel) == 1 && sel[0].IsFolder {
		items = append(items, fyne.NewMenuItem("Open", b.openSelected))
	}
	if len(sel) > 0 {
		dir := w.downloadDir()
		items = append(items,
			fyne.NewMenuItem("Download to "+dir, func() { w.download(sel, dir) }),
			fyne.NewMenuItem("Download to…", w.chooseDownload),
			fyne.NewMenuItem("Share…", w.shareSelected),
			fyne.NewMenuItem("Properties… (Alt+Enter)", w.showProperties),
			fyne.NewMenuItem("Rename… (F2)", w.renameSelected),
			fyne.NewMenuItem("Delete (Del)", func() { w.deleteSelected(false) }),
			fyne.NewMenuItem("Delete for good (Shift+Del)", func() { w.deleteSelected(true) }),
			fyne.NewMenuItem("Copy location", func() {
				var locs []string
				for _, o := range sel {
					locs = append(locs, "b2://"+b.loc.Bucket+"/"+o.Key)
				}
				fyne.CurrentApp().Clipboard().SetContent(strings.Join(locs, "\n"))
			}),
		)
	}
	items = append(items, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Search this folder… (Ctrl+Shift+F)", w.showSearch),
		fyne.NewMenuItem("Upload files here…", w.chooseUploadFile),
		fyne.NewMenuItem("Upload a folder here…", w.chooseUploadFolder))
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), w.win.Canvas(), pos)
}

// afterJobs lists the folder on screen again once the uploads and copies
// into it have finished, so new files show without a manual refresh: once
// for a batch, not per file (each listing is billable and resets the
// selection). It reloads the version panel when a copy changed its file.
func (w *Window) afterJobs(s transfer.Snapshot, finished []transfer.JobStatus) {
	loc := w.browser.location()
	into := func(j transfer.JobStatus) bool {
		if j.Dir == transfer.Download || j.Bucket != loc.Bucket {
			return false
		}
		return strings.HasPrefix(j.Key, loc.Prefix) || j.Dir == transfer.Copy && strings.HasPrefix(j.Source, loc.Prefix)
	}
	for _, j := range finished {
		if into(j) {
			w.stale = true
		}
		if j.Dir == transfer.Copy && (w.versions.shows(j.Bucket, j.Key) || w.versions.shows(j.Bucket, j.Source)) {
			w.versions.reload()
		}
	}
	if !w.stale || loc.Bucket == "" {
		return
	}
	for _, j := range s.Jobs {
		if into(j) && (j.State == transfer.Running || j.State == transfer.Queued) {
			return
		}
	}
	w.stale = false
	w.browser.refresh()
}

// tildeHome writes a path inside the home folder as ~/…, as people read it.
func tildeHome(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return p
	}
	if rel, err := filepath.Rel(home, p); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		return filepath.Join("~", rel)
	}
	return p
}
