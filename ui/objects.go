package ui

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// objectActions deletes, renames and moves files and folders and makes new
// folders, asking first and showing progress. It acts on what it is given
// (the browser's selection and folder), never on the browser itself, and
// says what happened through its callbacks. It belongs to the Fyne
// goroutine.
type objectActions struct {
	dlg    *dialogs
	remote objectEditor // nil while no account is open
	copies *copyHandoff // large renames go to the transfer queue

	// onStatus shows a result in the status bar; onChanged lists the
	// folder and the version panel again; onQueued opens the transfer
	// list.
	onStatus  func(string)
	onChanged func()
	onQueued  func()
}

// delete hides the selected files and folders in bucket (forGood false),
// or removes every version of them for good, after asking; deleting for
// good needs the name (or the count) typed.
func (a *objectActions) delete(bucket string, sel []store.Object, forGood bool) {
	r := a.remote
	if r == nil || len(sel) == 0 {
		return
	}
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
		a.deleteAsync(r, bucket, files, folders, forGood)
	}
	if !forGood {
		a.dlg.ask("Delete "+what+"?",
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
	a.dlg.confirmTyped("Delete "+what+" for good?", msg, want, "Delete for good", run)
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
func (a *objectActions) deleteAsync(r objectEditor, bucket string, files []store.ObjectID, folders []string, forGood bool) {
	status := widget.NewLabel("Deleting…")
	ctx, done := a.dlg.working("Deleting", "Cancel", widget.NewProgressBarInfinite(), status)
	go func() {
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
			done()
			msg := fmt.Sprintf("%s deleted.", capitalize(plural(total, "entry")))
			if failed > 0 {
				msg += fmt.Sprintf(" %d could not be deleted.", failed)
			}
			if firstErr != nil {
				msg += " " + Sentence(firstErr)
			}
			a.onStatus(msg)
			a.onChanged()
		})
	}()
}

// rename renames or moves one file or folder of bucket (F2).
func (a *objectActions) rename(bucket string, o store.Object) {
	r := a.remote
	if r == nil || o.Deleted {
		return
	}
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
			if ok {
				a.renameTo(r, bucket, o, strings.Trim(entry.Text, "/"))
			}
		}, a.dlg.win)
	d.Resize(fyne.NewSize(560, 240))
	a.dlg.showForm(d, entry)
}

// renameTo moves o to dst: a large file as a job in the transfer queue,
// a folder file by file (its large files handed to the queue).
func (a *objectActions) renameTo(r objectEditor, bucket string, o store.Object, dst string) {
	if !o.IsFolder && o.Size > largeCopy && a.copies.queue(transfer.CopyRequest{
		Bucket: bucket, SrcKey: o.Key, DstKey: dst, Move: true, Size: o.Size,
	}) {
		return
	}
	copies := a.copies
	a.runOne("Renaming", func(ctx context.Context) (string, error) {
		if !o.IsFolder {
			_, err := r.Rename(ctx, bucket, o.Key, dst)
			return "Renamed.", err
		}
		n, handed, err := r.RenameFolder(ctx, bucket, o.Key, dst+"/", store.FolderMoveOptions{
			// Called off the Fyne goroutine: copies.q is read once,
			// before the work starts.
			HandOff: handOff(copies.q, bucket),
		})
		msg := fmt.Sprintf("%s moved.", capitalize(plural(n, "file")))
		if handed > 0 {
			msg += fmt.Sprintf(" %s moving in the transfer list.", capitalize(plural(handed, "large file")))
			do(a.onQueued)
		}
		return msg, err
	})
}

// handOff queues the large files of a folder being moved as jobs; nil q
// moves them all behind the dialog.
func handOff(q copyAdder, bucket string) func(oldKey, newKey string, size int64) bool {
	return func(oldKey, newKey string, size int64) bool {
		if q == nil || size <= largeCopy {
			return false
		}
		_, err := q.AddCopy(transfer.CopyRequest{Bucket: bucket, SrcKey: oldKey, DstKey: newKey, Move: true, Size: size})
		return err == nil
	}
}

// newFolder creates a folder in the folder loc.
func (a *objectActions) newFolder(loc Location) {
	r := a.remote
	if r == nil || loc.Bucket == "" {
		return
	}
	bucket, prefix := loc.Bucket, loc.Prefix
	entry := widget.NewEntry()
	entry.Validator = func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" || strings.Contains(s, "/") {
			return errors.New("type one folder name, without /")
		}
		return store.ValidateKey(prefix + s + "/" + store.EmptyFolderMarker)
	}
	d := dialog.NewForm("New folder in "+loc.Folder().String(), "Create", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Name", entry)}, func(ok bool) {
			if !ok {
				return
			}
			name := strings.TrimSpace(entry.Text)
			a.runOne("Creating the folder", func(ctx context.Context) (string, error) {
				return "Folder created.", r.NewFolder(ctx, bucket, prefix+name+"/")
			})
		}, a.dlg.win)
	a.dlg.showForm(d, entry)
}

// runOne runs one operation behind a progress dialog, then says how it
// went and lists the folder again.
func (a *objectActions) runOne(title string, op func(context.Context) (string, error)) {
	a.dlg.runOne(title, op, func(msg string) {
		if msg != "" {
			a.onStatus(msg)
		}
		a.onChanged()
	})
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
