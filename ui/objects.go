package ui

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// deleteSelected hides the selected files and folders (Delete), or removes
// every version of them for good (Shift+Delete), after asking; folders
// deleted for good need their name typed.
func (w *Window) deleteSelected(forGood bool) {
	b, r := w.browser, w.remote
	sel := b.selection()
	if r == nil || len(sel) == 0 || !b.mode.at.IsZero() {
		return
	}
	bucket := b.loc.Bucket
	var files []store.ObjectID
	var folders []string
	for _, o := range sel {
		if o.IsFolder {
			folders = append(folders, o.Key)
		} else if !o.Deleted || forGood {
			files = append(files, store.ObjectID{Key: o.Key})
		}
	}
	what := describe(len(files), len(folders))
	if what == "" {
		return
	}
	them := "them"
	if len(files)+len(folders) == 1 {
		what, them = "“"+path.Base(strings.TrimSuffix(sel[0].Key, "/"))+"”", "it"
		if len(folders) == 1 {
			what = "the folder " + what
		}
	}
	run := func() {
		w.deleteAsync(bucket, files, folders, forGood)
	}
	if !forGood {
		w.dlg.ask("Delete "+what+"?",
			"B2 hides "+them+" behind a delete marker and keeps every version: you can bring "+them+" back with Show deleted → Undelete. Storage is still billed until the versions are deleted for good.",
			func(ok bool) {
				if ok {
					run()
				}
			})
		return
	}
	want := fmt.Sprintf("delete %d", len(files)+len(folders))
	if len(files)+len(folders) == 1 {
		want = path.Base(strings.TrimSuffix(sel[0].Key, "/"))
	}
	msg := "Every version of " + what + " is removed from B2. This cannot be undone."
	if len(folders) > 0 {
		msg = "Every version of " + what + " is removed from B2, with everything in the folders. This cannot be undone."
	}
	w.dlg.confirmTyped("Delete "+what+" for good?", msg, want, "Delete for good", run)
}

func describe(files, folders int) string {
	switch {
	case files > 0 && folders > 0:
		return plural(files, "file") + " and " + plural(folders, "folder")
	case files > 0:
		return plural(files, "file")
	case folders > 0:
		return plural(folders, "folder")
	}
	return ""
}

// deleteAsync deletes with a progress dialog and a count at the end.
func (w *Window) deleteAsync(bucket string, files []store.ObjectID, folders []string, forGood bool) {
	r := w.remote
	ctx, cancel := context.WithCancel(context.Background())
	status := widget.NewLabel("Deleting…")
	prog := dialog.NewCustomWithoutButtons("Deleting", container.NewVBox(widget.NewProgressBarInfinite(), status,
		widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), cancel)), w.win)
	prog.Show()
	go func() {
		defer cancel()
		total, failed := 0, 0
		var firstErr error
		count := func(n int, fails []store.DeleteFailure, err error) {
			total += n
			failed += len(fails)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}
		progress := func(done int) {
			n := total + done
			do(func() { status.SetText(fmt.Sprintf("%s deleted…", plural(n, "entry"))) })
		}
		for _, f := range folders {
			if forGood {
				count(r.DeleteAll(ctx, bucket, f, true, progress))
			} else {
				count(r.DeleteFolder(ctx, bucket, f, progress))
			}
		}
		if len(files) > 0 {
			if forGood {
				for _, f := range files {
					count(r.DeleteAll(ctx, bucket, f.Key, false, progress))
				}
			} else {
				count(r.DeleteObjects(ctx, bucket, files, progress))
			}
		}
		do(func() {
			prog.Hide()
			msg := fmt.Sprintf("%s deleted.", capitalize(plural(total, "entry")))
			if failed > 0 {
				msg += fmt.Sprintf(" %d could not be deleted.", failed)
			}
			if firstErr != nil {
				msg += " " + Sentence(firstErr)
			}
			w.browser.setStatus(msg)
			w.browser.refresh()
			w.versions.reload()
		})
	}()
}

// renameSelected renames or moves one file or folder (F2).
func (w *Window) renameSelected() {
	b, r := w.browser, w.remote
	sel := b.selection()
	if r == nil || len(sel) != 1 || !b.mode.at.IsZero() || sel[0].Deleted {
		return
	}
	o := sel[0]
	bucket := b.loc.Bucket
	entry := widget.NewEntry()
	entry.SetText(strings.TrimSuffix(o.Key, "/"))
	note := widget.NewLabel("Type a new name, or a new path to move it. B2 renames by copying: the old name stays as a hidden version (Show deleted lists it).")
	note.Wrapping = fyne.TextWrapWord
	entry.Validator = func(s string) error {
		s = strings.Trim(s, "/")
		if s == strings.TrimSuffix(o.Key, "/") {
			return errors.New("that is the current name")
		}
		return store.ValidateKey(s)
	}
	d := dialog.NewForm("Rename "+path.Base(strings.TrimSuffix(o.Key, "/")), "Rename", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("", note), widget.NewFormItem("New name", entry)}, func(ok bool) {
			if !ok {
				return
			}
			dst := strings.Trim(entry.Text, "/")
			if !o.IsFolder && o.Size > largeCopy && w.queueCopy(transfer.CopyRequest{
				Bucket: bucket, SrcKey: o.Key, DstKey: dst, Move: true, Size: o.Size,
			}) {
				return
			}
			q := w.queue
			w.bulkOne("Renaming", func(ctx context.Context) (string, error) {
				if o.IsFolder {
					n, handed, err := r.RenameFolder(ctx, bucket, o.Key, dst+"/", store.FolderMoveOptions{
						HandOff: func(oldKey, newKey string, size int64) bool {
							if q == nil || size <= largeCopy {
								return false
							}
							_, err := q.AddCopy(transfer.CopyRequest{Bucket: bucket, SrcKey: oldKey, DstKey: newKey, Move: true, Size: size})
							return err == nil
						},
					})
					msg := fmt.Sprintf("%s moved.", capitalize(plural(n, "file")))
					if handed > 0 {
						msg += fmt.Sprintf(" %s moving in the transfer list.", capitalize(plural(handed, "large file")))
						do(w.transfers.show)
					}
					return msg, err
				}
				_, err := r.Rename(ctx, bucket, o.Key, dst)
				return "Renamed.", err
			})
		}, w.win)
	d.Resize(fyne.NewSize(560, 240))
	w.dlg.showForm(d, entry)
}

// newFolder creates a folder in the current folder.
func (w *Window) newFolder() {
	b, r := w.browser, w.remote
	if r == nil || b.loc.Bucket == "" || !b.mode.at.IsZero() {
		return
	}
	bucket, prefix := b.loc.Bucket, b.loc.Prefix
	entry := widget.NewEntry()
	entry.Validator = func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" || strings.Contains(s, "/") {
			return errors.New("type one folder name, without /")
		}
		return store.ValidateKey(prefix + s + "/" + store.EmptyFolderMarker)
	}
	d := dialog.NewForm("New folder in "+b.loc.Folder().String(), "Create", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Name", entry)}, func(ok bool) {
			if !ok {
				return
			}
			name := strings.TrimSpace(entry.Text)
			w.bulkOne("Creating the folder", func(ctx context.Context) (string, error) {
				return "Folder created.", r.NewFolder(ctx, bucket, prefix+name+"/")
			})
		}, w.win)
	w.dlg.showForm(d, entry)
}

// bulkOne runs one operation with a progress dialog, then refreshes and
// says how it went.
func (w *Window) bulkOne(title string, op func(context.Context) (string, error)) {
	ctx, cancel := context.WithCancel(context.Background())
	prog := dialog.NewCustomWithoutButtons(title+"…", container.NewVBox(widget.NewProgressBarInfinite(),
		widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), cancel)), w.win)
	prog.Show()
	go func() {
		defer cancel()
		msg, err := op(ctx)
		do(func() {
			prog.Hide()
			if err != nil {
				w.dlg.showError(errors.New(Sentence(err)))
			} else {
				w.browser.setStatus(msg)
			}
			w.browser.refresh()
		})
	}()
}

// objectEditor is what deleting, renaming and making folders needs.
type objectEditor interface {
	// DeleteObjects hides files behind delete markers, 1,000 a request.
	DeleteObjects(ctx context.Context, bucket string, ids []store.ObjectID, progress func(done int)) (int, []store.DeleteFailure, error)
	// DeleteFolder hides every file under a prefix.
	DeleteFolder(ctx context.Context, bucket, prefix string, progress func(done int)) (int, []store.DeleteFailure, error)
	// DeleteAll removes every version of a key or a prefix for good.
	DeleteAll(ctx context.Context, bucket, keyOrPrefix string, prefix bool, progress func(done int)) (int, []store.DeleteFailure, error)
	// Rename copies a file to a new name and hides the old one.
	Rename(ctx context.Context, bucket, oldKey, newKey string) (store.Object, error)
	// RenameFolder moves every file of a folder, handing large ones off.
	RenameFolder(ctx context.Context, bucket, oldPrefix, newPrefix string, o store.FolderMoveOptions) (moved, handedOff int, err error)
	// NewFolder makes an empty folder (a .bzEmpty placeholder).
	NewFolder(ctx context.Context, bucket, prefix string) error
}
