// Package ui is Haul's window: account switcher, bucket list, folder tree and
// folder table. It talks to store through its own narrow interfaces and never
// to the AWS SDK. Handlers start work in ...Async methods and hand prepared
// results to the widgets in one fyne.Do.
package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

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
	// Keys keeps each account's customer keys (SSE-C); nil means none
	// can be kept.
	Keys KeyBook
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
	// Shell sends notifications and holds the tray icon; nil means
	// neither (main passes the app's own where they work).
	Shell Shell
	// About is the version and folders the About dialog shows.
	About AboutInfo
	// Notices are start-up problems to tell the person (a broken settings
	// file, no keychain).
	Notices []string
	// SyncPairs keeps sync pairs per account; nil keeps none.
	SyncPairs SyncPairs
}

// Window is Haul's main window. It is composition only: it builds the
// components, hands them the current account's client and queue, wires
// their callbacks to each other, and owns the keyboard map (keys.go) and
// the menus and toolbar buttons (commands.go).
type Window struct {
	win   fyne.Window
	start Location // where to open, from the command line
	// startAccount is the account to open on, from the command line.
	startAccount string
	dlg          *dialogs
	copies       *copyHandoff

	accounts  *accountBar
	browser   *browser
	sidebar   *sidebar
	versions  *versionPanel
	transfers *transfersPanel
	objects   *objectActions
	buckets   *bucketActions
	history   *historyActions
	enqueue   *enqueuer
	share     *sharer
	batches   *batchWatch
	keys      *encryptionKeys
	syncs     *syncFlow

	current   store.Account
	remote    Remote // the current account's client; nil while connecting
	queue     Queue  // the current account's transfer queue, or nil
	closeTips func() // unregisters the window's tooltip layer
	about     AboutInfo
	sandbox   *SandboxInfo
	// lastKeyDown tells Shift+Delete from Ctrl+X (keys.go).
	lastKeyDown fyne.KeyName
}

// NewWindow builds the main window; call ShowAndRun or Show.
func NewWindow(a fyne.App, d Deps) *Window {
	closing.Store(false)
	w := &Window{win: a.NewWindow("Haul"), start: d.Start, startAccount: d.StartAccount, about: d.About, sandbox: d.Sandbox}
	w.win.SetIcon(a.Metadata().Icon)
	w.dlg = &dialogs{win: w.win}
	w.compose(d)
	w.wire()
	w.batches.startTray()
	// The buttons go in before the first layout: Fyne lays a container
	// out again when its own size changes, not when a child is added.
	cmd := w.commands()
	w.addShortcuts(cmd)
	w.addButtons(cmd)
	right := container.NewHSplit(w.browser.content, w.versions.content)
	right.Offset = 0.64
	split := container.NewHSplit(w.sidebar.content, right)
	split.Offset = 0.2
	content, closeTips := newTipHost(container.NewBorder(w.accounts.content, w.transfers.content, nil, nil, split))
	w.closeTips = closeTips
	w.win.SetContent(content)
	w.win.Resize(fyne.NewSize(1200, 760))
	w.win.SetOnDropped(w.dropped)
	w.win.SetOnClosed(w.closed)
	return w
}

// compose builds the components.
func (w *Window) compose(d Deps) {
	w.browser = newBrowser()
	w.sidebar = newSidebar()
	w.transfers = newTransfersPanel(w.dlg)
	w.copies = &copyHandoff{onStatus: w.browser.setStatus, onQueued: w.transfers.show}
	w.versions = newVersionPanel(w.dlg, w.copies)
	w.objects = &objectActions{dlg: w.dlg, copies: w.copies}
	w.buckets = &bucketActions{dlg: w.dlg}
	w.history = &historyActions{dlg: w.dlg, copies: w.copies}
	w.keys = newEncryptionKeys(w.dlg, d.Keys)
	w.enqueue = &enqueuer{dlg: w.dlg, encrypt: w.transfers.encryptUploads, customerKey: w.keys.uploadKey, onQueued: w.transfers.show}
	w.share = &sharer{dlg: w.dlg, onStatus: w.browser.setStatus}
	w.accounts = newAccountBar(w.dlg, d)
	w.batches = newBatchWatch(d.Shell)
	w.syncs = &syncFlow{dlg: w.dlg, pairs: d.SyncPairs, encryption: func() (bool, string) {
		return w.transfers.encryptUploads(), w.keys.uploadKey()
	}}
}

// wire tells each component what to do when another one acts.
func (w *Window) wire() {
	b, v := w.browser, w.versions
	changed := func() {
		b.refresh()
		v.reload()
	}
	b.onExact = v.setExact
	b.onSelect = v.follow
	b.onShown = v.redraw
	b.onFolder = func(loc Location) {
		w.sidebar.reveal(loc)
		w.win.SetTitle("Haul — " + loc.Folder().String())
		w.accounts.remember(loc)
	}
	b.onSubfolders = w.sidebar.setChildren
	w.sidebar.onOpen = b.open
	w.sidebar.onNoBuckets = b.noBuckets
	v.onDownload = w.enqueue.downloadVersion
	v.onShare = func(bucket string, ver store.Version) {
		w.share.share(bucket, w.sidebar.visibility(bucket) == store.PublicRead, []shareTarget{{Key: ver.Key, VersionID: ver.VersionID}})
	}
	v.onChanged = b.refresh
	w.transfers.onTick = func(s transfer.Snapshot, finished []transfer.JobStatus) {
		b.jobsFinished(s, finished)
		v.jobsFinished(finished)
		w.batches.tick(s)
	}
	w.batches.onPauseAll = func() { w.transfers.withQueue(jobControl.PauseAll) }
	w.batches.onResumeAll = func() { w.transfers.withQueue(jobControl.ResumeAll) }
	w.batches.onShow = func() {
		w.win.Show()
		w.win.RequestFocus()
	}
	w.objects.onStatus, w.objects.onChanged, w.objects.onQueued = b.setStatus, changed, w.transfers.show
	w.history.onChanged = changed
	w.history.onMoment = func(at time.Time) { b.setHistory(historyMode{at: at}) }
	w.buckets.onStatus = b.setStatus
	w.buckets.onChanged = func(open string) {
		w.sidebar.setRemote(w.remote, restrictedBucket(w.current))
		if open != "" {
			b.open(Location{Bucket: open})
		}
	}
	w.buckets.onDeleted = func(bucket string) {
		if b.location().Bucket == bucket {
			b.setRemote(w.remote) // shows nothing until a bucket is chosen
		}
	}
	w.accounts.onSwitching = func(a store.Account) { w.use(a, nil, nil) }
	w.accounts.onConnected = func(a store.Account, r Remote, q Queue, loc Location) {
		w.use(a, r, q)
		if loc.Bucket != "" {
			b.open(loc)
		}
	}
	w.accounts.onFailed = b.showError
	w.syncs.onQueued = w.transfers.show
	w.syncs.onChanged = func(bucket, prefix string) {
		if l := b.location(); l.Bucket == bucket && strings.HasPrefix(l.Prefix, prefix) {
			changed()
		}
	}
}

// use hands an account's client and queue to every component (nil, nil
// while it connects).
func (w *Window) use(a store.Account, r Remote, q Queue) {
	w.current, w.remote, w.queue = a, r, q
	w.batches.reset()
	w.copies.q = q
	w.transfers.setQueue(q)
	w.enqueue.queue, w.enqueue.remote = q, r
	w.objects.remote = r
	w.buckets.remote = r
	w.history.remote = r
	w.share.remote, w.share.acct = r, a
	w.keys.setAccount(a)
	w.syncs.use(a.ID, r, q)
	w.sidebar.setRemote(r, restrictedBucket(a))
	w.browser.setRemote(r)
	w.versions.setRemote(r)
}

// dropped hands files dropped from the desktop at pos to the queue: into
// the folder row under the pointer, else the folder shown.
func (w *Window) dropped(pos fyne.Position, uris []fyne.URI) {
	w.enqueue.drop(uris, w.browser.dropTarget(pos), !w.browser.pastMoment().IsZero())
}

// closed runs on the Fyne goroutine when the window goes away: nothing may
// touch the widgets after it.
func (w *Window) closed() {
	closing.Store(true)
	w.closeTips()
	w.transfers.stopTicker()
	if w.batches.tray != nil {
		// A tray icon keeps a Fyne app running with no window open.
		fyne.CurrentApp().Quit()
	}
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
	w.accounts.openStart(w.startAccount, w.start)
	w.transfers.start()
}

// ShowAndRun shows the window, opens the first account and location, and
// runs the app until the window closes.
func (w *Window) ShowAndRun() {
	w.accounts.openStart(w.startAccount, w.start)
	w.transfers.start()
	w.win.ShowAndRun()
}
