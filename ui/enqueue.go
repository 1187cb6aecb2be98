// Uploads and downloads enter the queue here: drops from the desktop, the
// pickers, names that exist already (replace, skip, keep both) and names
// refused before anything starts.

package ui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// Preference keys.
const (
	prefDownloadDir    = "download.dir"
	prefEncryptUploads = "upload.encrypt"
)

// conflictChoice is what to do with a name that exists already.
type conflictChoice int

const (
	choiceReplace  conflictChoice = iota // upload as a new version / overwrite the local file
	choiceSkip                           // leave it
	choiceKeepBoth                       // add " (1)" before the extension
)

// keepBothName adds " (n)" before the extension, choosing the first n that
// taken does not report as used.
func keepBothName(name string, taken func(string) bool) string {
	i := strings.LastIndexAny(name, `/\`) + 1
	dir, base := name[:i], name[i:]
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	for n := 1; ; n++ {
		cand := fmt.Sprintf("%s%s (%d)%s", dir, stem, n, ext)
		if !taken(cand) {
			return cand
		}
	}
}

// dropTarget is the folder a drop at pos lands in: the folder row under the
// pointer, else the current folder.
func (b *browser) dropTarget(pos fyne.Position) Location {
	if row := b.table.rowAt(pos); row >= 0 && row < b.view.Len() {
		if o := b.view.At(row); o.IsFolder {
			return Location{Bucket: b.loc.Bucket, Prefix: o.Key}
		}
	}
	return b.loc.Folder()
}

// onDropped receives files and folders dropped from the desktop.
func (w *Window) onDropped(pos fyne.Position, uris []fyne.URI) {
	var paths []string
	for _, u := range uris {
		if u.Scheme() == "file" {
			paths = append(paths, u.Path())
		}
	}
	w.upload(paths, w.browser.dropTarget(pos))
}

// upload plans an upload of local paths into target off the Fyne goroutine,
// asks about names that exist already, and queues the rest at once.
func (w *Window) upload(paths []string, target Location) {
	if len(paths) == 0 {
		return
	}
	q, r := w.queue, w.remote
	if q == nil || r == nil || target.Bucket == "" {
		w.dlg.showInfo("Nowhere to upload", "Open a bucket first, then drop files onto it.")
		return
	}
	if !w.browser.pastMoment().IsZero() {
		w.dlg.showInfo("Read-only view", "This shows the folder as it was. Go back to now to upload into it.")
		return
	}
	go func() {
		reqs, rejected, err := transfer.PlanUpload(paths, target.Bucket, target.Prefix)
		var existing map[string]bool
		if err == nil {
			existing, err = existingKeys(context.Background(), r, target, paths)
		}
		do(func() {
			if err != nil {
				w.dlg.showError(fmt.Errorf("%s", Sentence(err)))
				return
			}
			w.reportRejected("Some files were not uploaded", rejected)
			w.resolveUploads(q, reqs, existing)
		})
	}()
}

// existingKeys finds which keys under target the dropped items would
// overwrite: one listing per dropped folder, one single-key listing per file.
func existingKeys(ctx context.Context, r folderLister, target Location, paths []string) (map[string]bool, error) {
	seen := map[string]bool{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			continue // PlanUpload reports it
		}
		prefix := target.Prefix + filepath.Base(p)
		if fi.IsDir() {
			prefix += "/"
		}
		token := ""
		for {
			page, err := r.List(ctx, store.ListInput{Bucket: target.Bucket, Prefix: prefix, Token: token, Recursive: true, MaxKeys: maxKeysFor(fi.IsDir())})
			if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				seen[o.Key] = true
			}
			if token = page.Next; token == "" || !fi.IsDir() {
				break
			}
		}
	}
	return seen, nil
}

func maxKeysFor(dir bool) int {
	if dir {
		return 0
	}
	return 1 // the key itself sorts first among keys it prefixes
}

// resolveUploads asks about each upload whose key exists, then queues.
func (w *Window) resolveUploads(q Queue, reqs []transfer.UploadRequest, existing map[string]bool) {
	var conflicts []int
	for i, r := range reqs {
		if existing[r.Key] {
			conflicts = append(conflicts, i)
		}
	}
	taken := func(k string) bool { return existing[k] }
	w.askEach(conflicts, func(i int) string {
		return fmt.Sprintf("“%s” already exists in b2://%s/%s.", path.Base(reqs[i].Key), reqs[i].Bucket, path.Dir(reqs[i].Key)+"/")
	}, "Replace (the old one stays as a version)", func(choices map[int]conflictChoice) {
		var n int
		for i, r := range reqs {
			switch choices[i] {
			case choiceSkip:
				if existing[r.Key] {
					continue
				}
			case choiceKeepBoth:
				r.Key = keepBothName(r.Key, taken)
				existing[r.Key] = true
			}
			r.SSE = w.transfers.encryptUploads()
			if _, err := q.AddUpload(r); err != nil {
				slog.Warn("queue upload", "key", r.Key, "err", err)
				continue
			}
			n++
		}
		if n > 0 {
			w.transfers.show()
		}
	})
}

// askEach asks about each conflict in turn (with "do the same for the
// rest"), then calls done with the choices by index.
func (w *Window) askEach(conflicts []int, question func(int) string, replaceLabel string, done func(map[int]conflictChoice)) {
	choices := map[int]conflictChoice{}
	var ask func(k int)
	ask = func(k int) {
		if k >= len(conflicts) {
			done(choices)
			return
		}
		i := conflicts[k]
		rest := len(conflicts) - k - 1
		all := widget.NewCheck(fmt.Sprintf("Do the same for the other %d", rest), nil)
		if rest == 0 {
			all.Hide()
		}
		var d dialog.Dialog
		choose := func(c conflictChoice) func() {
			return func() {
				d.Hide()
				if all.Checked {
					for _, j := range conflicts[k:] {
						choices[j] = c
					}
					done(choices)
					return
				}
				choices[i] = c
				ask(k + 1)
			}
		}
		buttons := container.NewHBox(
			widget.NewButton(replaceLabel, choose(choiceReplace)),
			widget.NewButton("Skip", choose(choiceSkip)),
			widget.NewButton("Keep both", choose(choiceKeepBoth)),
		)
		msg := widget.NewLabel(question(i))
		msg.Wrapping = fyne.TextWrapWord
		d = dialog.NewCustomWithoutButtons("A file with that name exists", container.NewVBox(msg, all, buttons), w.win)
		d.Resize(fyne.NewSize(560, 200))
		d.Show()
	}
	ask(0)
}

// reportRejected lists names that were refused, each with its reason.
func (w *Window) reportRejected(title string, rejected []transfer.Rejected) {
	if len(rejected) == 0 {
		return
	}
	var b strings.Builder
	for i, r := range rejected {
		if i == 20 {
			fmt.Fprintf(&b, "…and %d more.\n", len(rejected)-20)
			break
		}
		fmt.Fprintf(&b, "%s: %s\n", printable(r.Name), printable(r.Reason))
	}
	text := widget.NewLabel(b.String())
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(title, "OK", container.NewVScroll(text), w.win)
	d.Resize(fyne.NewSize(600, 300))
	w.dlg.present(d, d.Hide)
}

// chooseUploadFile lets a person tick several local files and folders and
// uploads them into the current folder (Ctrl+U).
func (w *Window) chooseUploadFile() {
	target := w.browser.location().Folder()
	p := newPicker(pickItems, "Upload", func(dir string, picked []string) {
		fyne.CurrentApp().Preferences().SetString(prefUploadDir, dir)
		w.upload(picked, target)
	})
	w.pickLocal("Upload to "+target.String(), p, startDirs(prefUploadDir)...)
}

// chooseUploadFolder lets a person pick one local folder and uploads it
// whole into the current folder (Ctrl+Shift+U).
func (w *Window) chooseUploadFolder() {
	target := w.browser.location().Folder()
	p := newPicker(pickFolder, "Upload this folder", func(dir string, _ []string) {
		// Next time, open beside it.
		fyne.CurrentApp().Preferences().SetString(prefUploadDir, filepath.Dir(dir))
		w.upload([]string{dir}, target)
	})
	w.pickLocal("Upload a folder to "+target.String(), p, startDirs(prefUploadDir)...)
}

// downloadDir is the last folder downloaded to, or the Downloads folder.
func (w *Window) downloadDir() string {
	if d := fyne.CurrentApp().Preferences().String(prefDownloadDir); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "."
	}
	return filepath.Join(home, "Downloads")
}

// chooseDownload asks which local folder to download the selection into
// (Ctrl+Shift+D), and remembers it for Ctrl+D.
func (w *Window) chooseDownload() {
	sel := w.browser.selection()
	if len(sel) == 0 {
		return
	}
	p := newPicker(pickFolder, "Download here", func(dir string, _ []string) {
		fyne.CurrentApp().Preferences().SetString(prefDownloadDir, dir)
		w.download(sel, dir)
	})
	w.pickLocal("Download "+plural(len(sel), "item")+" to…", p, startDirs(prefDownloadDir, w.downloadDir())...)
}

// download queues the selected files and folders into dest (Ctrl+D uses
// the last folder). Folders are listed off the Fyne goroutine.
func (w *Window) download(sel []store.Object, dest string) {
	q, r := w.queue, w.remote
	if q == nil || r == nil || len(sel) == 0 {
		return
	}
	bucket, base := w.browser.location().Bucket, w.browser.location().Prefix
	at := w.browser.pastMoment() // a past view downloads the past
	go func() {
		var reqs []transfer.DownloadRequest
		var rejected []transfer.Rejected
		var err error
		for _, o := range sel {
			var rs []transfer.DownloadRequest
			var rj []transfer.Rejected
			switch {
			case o.IsFolder && !at.IsZero():
				// Each file pinned to its version at that moment.
				rs, rj, err = transfer.PlanDownloadAt(context.Background(), r, bucket, o.Key, dest, at)
			case o.IsFolder:
				// The folder itself is created under dest.
				rs, rj, err = transfer.PlanDownload(context.Background(), r, bucket, o.Key, dest)
			default:
				local, perr := transfer.SafeLocalPath(dest, strings.TrimPrefix(o.Key, base))
				if perr != nil {
					rj = []transfer.Rejected{{Name: o.Key, Reason: perr.Error()}}
				} else {
					// VersionID pins the version a past view shows.
					rs = []transfer.DownloadRequest{{Bucket: bucket, Key: o.Key, VersionID: o.VersionID, Local: local, Size: o.Size}}
				}
			}
			if err != nil {
				break
			}
			reqs, rejected = append(reqs, rs...), append(rejected, rj...)
		}
		exists := map[int]bool{}
		for i, rq := range reqs {
			if _, serr := os.Stat(rq.Local); serr == nil {
				exists[i] = true
			}
		}
		do(func() {
			if err != nil {
				w.dlg.showError(fmt.Errorf("%s", Sentence(err)))
				return
			}
			w.reportRejected("Some files were not downloaded", rejected)
			w.resolveDownloads(q, reqs, exists)
		})
	}()
}

func (w *Window) resolveDownloads(q Queue, reqs []transfer.DownloadRequest, exists map[int]bool) {
	var conflicts []int
	for i := range reqs {
		if exists[i] {
			conflicts = append(conflicts, i)
		}
	}
	w.askEach(conflicts, func(i int) string {
		return fmt.Sprintf("“%s” already exists in %s.", filepath.Base(reqs[i].Local), filepath.Dir(reqs[i].Local))
	}, "Replace", func(choices map[int]conflictChoice) {
		n := 0
		for i, r := range reqs {
			if exists[i] {
				switch choices[i] {
				case choiceSkip:
					continue
				case choiceReplace:
					r.Replace = true
				case choiceKeepBoth:
					r.Local = keepBothName(r.Local, func(p string) bool { _, err := os.Stat(p); return err == nil })
				}
			}
			if _, err := q.AddDownload(r); err != nil {
				slog.Warn("queue download", "key", r.Key, "err", err)
				continue
			}
			n++
		}
		if n > 0 {
			w.transfers.show()
		}
	})
}
