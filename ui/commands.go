package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// commands is what a person can do to the folder shown and its selection,
// from a key (keys.go), a toolbar button or a context menu: each reads the
// browser's location and selection when it runs and hands them to the
// component that does the work.
type commands struct {
	upload, uploadFolder, download, downloadTo func()
	share, properties, search                  func()
	rename, newFolder, delete, deleteForGood   func()
	asOf, restore, undelete                    func()
	newBucket, visibility, deleteBucket        func()
	unfinished, care, about                    func()
	sync                                       func()
}

func (w *Window) commands() commands {
	b := w.browser
	here := func() Location { return b.location().Folder() }
	past := func() bool { return !b.pastMoment().IsZero() }
	bucket := func() string { return b.location().Bucket }
	public := func(bucket string) bool { return w.sidebar.visibility(bucket) == store.PublicRead }
	del := func(forGood bool) func() {
		return func() {
			if b.editable() {
				w.objects.delete(bucket(), b.selection(), forGood)
			}
		}
	}
	return commands{
		upload:       func() { w.enqueue.chooseUploadFile(here(), past()) },
		uploadFolder: func() { w.enqueue.chooseUploadFolder(here(), past()) },
		download:     func() { w.enqueue.download(b.downloadSource(), downloadDir()) },
		downloadTo:   func() { w.enqueue.chooseDownload(b.downloadSource()) },
		share:        func() { w.share.shareSelection(bucket(), public(bucket()), b.selection()) },
		properties: func() {
			openProperties(w.dlg, w.remote, bucket(), public(bucket()), b.selection(), w.propertiesSaved)
		},
		search: func() { openSearch(w.dlg, w.remote, b.location(), b.open) },
		rename: func() {
			if sel := b.selection(); len(sel) == 1 && b.editable() {
				w.objects.rename(bucket(), sel[0])
			}
		},
		newFolder: func() {
			if b.editable() {
				w.objects.newFolder(here())
			}
		},
		delete:        del(false),
		deleteForGood: del(true),
		asOf:          func() { w.history.chooseMoment(b.pastMoment()) },
		restore:       func() { w.history.restore(bucket(), b.selectionOrAll()) },
		undelete:      func() { w.history.undelete(here(), b.selection()) },
		newBucket:     func() { w.buckets.create(w.sidebar.bucketCount()) },
		visibility:    func() { w.buckets.toggleVisibility(bucket(), w.sidebar.visibility(bucket())) },
		deleteBucket:  func() { w.buckets.delete(bucket()) },
		unfinished:    func() { showUnfinished(w.dlg, w.remote, bucket()) },
		about:         func() { showAbout(w.dlg, w.about, w.sandbox) },
		sync:          func() { w.syncs.open(here()) },
		care: func() {
			openCare(w.dlg, w.remote, bucket(), b.location().Prefix, func(string) { w.browser.refresh() })
		},
	}
}

// propertiesSaved follows a save in the properties dialog: the folder and
// the version panel show the new version.
func (w *Window) propertiesSaved(bucket, key string) {
	if l := w.browser.location(); l.Bucket == bucket && l.Prefix == dirOf(key) {
		w.browser.refresh()
	}
	if w.versions.shows(bucket, key) {
		w.versions.reload()
	}
}

// addButtons puts the commands in the toolbars and wires the browser's
// own requests (Enter on a file, the buttons of its history bar, its
// context menu) to them.
func (w *Window) addButtons(cmd commands) {
	b := w.browser
	b.addActionFirst(withTip(widget.NewButtonWithIcon("", theme.FolderNewIcon(), cmd.newFolder), "New folder"))
	for _, btn := range []fyne.CanvasObject{
		widget.NewButtonWithIcon("Upload", theme.UploadIcon(), cmd.upload),
		widget.NewButtonWithIcon("Folder", theme.FolderOpenIcon(), cmd.uploadFolder),
		widget.NewButtonWithIcon("Download", theme.DownloadIcon(), cmd.downloadTo),
		widget.NewButtonWithIcon("Share", theme.MailForwardIcon(), cmd.share),
		widget.NewButtonWithIcon("As of…", theme.HistoryIcon(), cmd.asOf),
		widget.NewButtonWithIcon("Sync…", theme.ViewRefreshIcon(), cmd.sync),
		withTip(widget.NewButtonWithIcon("", theme.SearchIcon(), cmd.search), "Search this bucket (Ctrl+Shift+F)"),
	} {
		b.addAction(btn)
	}
	for _, btn := range []*tipped{
		withTip(widget.NewButtonWithIcon("", theme.ContentAddIcon(), cmd.newBucket), "New bucket…"),
		withTip(widget.NewButtonWithIcon("", theme.VisibilityIcon(), cmd.visibility), "Make the bucket public or private…"),
		withTip(widget.NewButtonWithIcon("", theme.DeleteIcon(), cmd.deleteBucket), "Delete the bucket…"),
	} {
		btn.btn.Importance = widget.LowImportance
		w.sidebar.addBucketAction(btn)
	}
	w.accounts.addAction(widget.NewButtonWithIcon("Unfinished uploads…", theme.HistoryIcon(), cmd.unfinished))
	w.accounts.addAction(widget.NewButtonWithIcon("Bucket care…", theme.StorageIcon(), cmd.care))
	w.accounts.addAction(widget.NewButtonWithIcon("Appearance…", theme.ColorPaletteIcon(), func() { showAppearance(w.dlg) }))
	w.accounts.addAction(widget.NewButtonWithIcon("Encryption keys…", theme.VisibilityOffIcon(), w.keys.show))
	w.accounts.addAction(w.keys.choice)
	w.accounts.addAction(withTip(widget.NewButtonWithIcon("", theme.InfoIcon(), cmd.about), "About Haul (F1)"))
	b.onOpenFile = cmd.properties
	b.onDelete = func(forGood bool) {
		if forGood {
			cmd.deleteForGood()
		} else {
			cmd.delete()
		}
	}
	b.onRename = cmd.rename
	b.onRestore = cmd.restore
	b.onUndelete = cmd.undelete
	b.onMenu = func(pos fyne.Position) { w.showMenu(cmd, pos) }
}

// showMenu is the context menu of the selection.
func (w *Window) showMenu(cmd commands, pos fyne.Position) {
	b := w.browser
	sel := b.selection()
	var items []*fyne.MenuItem
	if len(sel) == 1 && sel[0].IsFolder {
		items = append(items, fyne.NewMenuItem("Open", b.openSelected))
	}
	if len(sel) > 0 {
		dir, bucket := downloadDir(), b.location().Bucket
		items = append(items,
			fyne.NewMenuItem("Download to "+dir, cmd.download),
			fyne.NewMenuItem("Download to…", cmd.downloadTo),
			fyne.NewMenuItem("Share…", cmd.share),
			fyne.NewMenuItem("Properties… (Alt+Enter)", cmd.properties),
			fyne.NewMenuItem("Rename… (F2)", cmd.rename),
			fyne.NewMenuItem("Delete (Del)", cmd.delete),
			fyne.NewMenuItem("Delete for good (Shift+Del)", cmd.deleteForGood),
			fyne.NewMenuItem("Copy location", func() {
				var locs []string
				for _, o := range sel {
					locs = append(locs, "b2://"+bucket+"/"+o.Key)
				}
				fyne.CurrentApp().Clipboard().SetContent(strings.Join(locs, "\n"))
			}),
		)
	}
	items = append(items, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Search this folder… (Ctrl+Shift+F)", cmd.search),
		fyne.NewMenuItem("Upload files here…", cmd.upload),
		fyne.NewMenuItem("Upload a folder here…", cmd.uploadFolder),
		fyne.NewMenuItem("Sync with a local folder… (Ctrl+Shift+S)", cmd.sync))
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), w.win.Canvas(), pos)
}
