// Uploads and downloads enter the queue here: drops from the desktop, the
// pickers, names that exist already (replace, skip, keep both) and names
// refused before anything starts.

package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
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

// The zero value is Skip: a name no choice was recorded for is left alone.
const (
	choiceSkip     conflictChoice = iota // leave it
	choiceReplace                        // upload as a new version / overwrite the local file
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

// transferAdder is what queueing uploads and downloads needs; Queue has it.
type transferAdder interface {
	// AddUpload queues a local file's upload.
	AddUpload(r transfer.UploadRequest) (transfer.JobID, error)
	// AddDownload queues a file's download.
	AddDownload(r transfer.DownloadRequest) (transfer.JobID, error)
}

// planRemote is what planning transfers needs of B2; *store.Client has it.
type planRemote interface {
	// List pages through a folder: what an upload would replace, what a
	// folder download holds.
	List(ctx context.Context, in store.ListInput) (store.Page, error)
	// Head describes one file of a folder being downloaded.
	Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error)
	// Versions lists a folder as it was, for a download of a past view.
	Versions(ctx context.Context, in store.VersionsInput) (store.VersionPage, error)
}

// downloadSource is what to download and where it lives: Items of the
// folder Base of Bucket, as they were at At (zero: now).
type downloadSource struct {
	Bucket, Base string
	At           time.Time
	Items        []store.Object
}

// enqueuer puts uploads and downloads into the transfer queue: from a drop,
// a picker or a shortcut. It plans them off the Fyne goroutine, asks about
// names that exist already and reports names it refused. It belongs to the
// Fyne goroutine.
type enqueuer struct {
	dlg    *dialogs
	queue  transferAdder // nil while no queue is open
	remote planRemote    // nil while no account is open
	// encrypt reports whether uploads ask B2 to encrypt them (SSE-B2).
	encrypt func() bool
	// customerKey names the customer key (SSE-C) uploads are encrypted
	// with, "" for none; nil means none.
	customerKey func() string
	// onQueued opens the transfer list.
	onQueued func()
}

// drop uploads files and folders dropped from the desktop into target;
// past is set when the folder shown is a past moment (read-only).
func (e *enqueuer) drop(uris []fyne.URI, target Location, past bool) {
	var paths []string
	for _, u := range uris {
		if u.Scheme() == "file" {
			paths = append(paths, u.Path())
		}
	}
	if len(paths) > 0 && e.canUploadInto(target, past) {
		e.upload(paths, target)
	}
}

// canUploadInto reports whether uploads can go into target, and says why
// not when they cannot: no bucket open, or a past moment shown (past).
func (e *enqueuer) canUploadInto(target Location, past bool) bool {
	switch {
	case e.queue == nil || e.remote == nil || target.Bucket == "":
		e.dlg.showInfo("Nowhere to upload", "Open a bucket first, then drop files onto it.")
		return false
	case past:
		e.dlg.showInfo("Read-only view", "This shows the folder as it was. Go back to now to upload into it.")
		return false
	}
	return true
}

// upload plans an upload of local paths into target off the Fyne goroutine,
// asks about names that exist already, and queues the rest at once.
func (e *enqueuer) upload(paths []string, target Location) {
	if len(paths) == 0 {
		return
	}
	q, r := e.queue, e.remote
	if q == nil || r == nil || target.Bucket == "" {
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
				e.dlg.showError(fmt.Errorf("%s", Sentence(err)))
				return
			}
			e.reportRejected("Some files were not uploaded", rejected)
			e.resolveUploads(q, reqs, existing)
		})
	}()
}

// existingKeys finds which keys under target the dropped items would
// overwrite: one listing per dropped folder, one single-key listing per file.
func existingKeys(ctx context.Context, r planRemote, target Location, paths []string) (map[string]bool, error) {
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
func (e *enqueuer) resolveUploads(q transferAdder, reqs []transfer.UploadRequest, existing map[string]bool) {
	var conflicts []int
	for i, r := range reqs {
		if existing[r.Key] {
			conflicts = append(conflicts, i)
		}
	}
	taken := func(k string) bool { return existing[k] }
	e.askEach(conflicts, func(i int) string {
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
			r.SSE = e.encrypt()
			if e.customerKey != nil {
				r.CustomerKey = e.customerKey()
			}
			if _, err := q.AddUpload(r); err != nil {
				slog.Warn("queue upload", "key", r.Key, "err", err)
				continue
			}
			n++
		}
		if n > 0 {
			e.onQueued()
		}
	})
}

// askEach asks about each conflict in turn (with "do the same for the
// rest"), then calls done with the choices by index. Cancel, or Escape,
// ends the questions without calling done: nothing of the operation is
// queued. Enter chooses nothing, since Replace cannot be undone on a local
// file.
func (e *enqueuer) askEach(conflicts []int, question func(int) string, replaceLabel string, done func(map[int]conflictChoice)) {
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
		cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { d.Hide() })
		buttons := container.NewHBox(
			widget.NewButton(replaceLabel, choose(choiceReplace)),
			widget.NewButton("Skip", choose(choiceSkip)),
			widget.NewButton("Keep both", choose(choiceKeepBoth)),
			layout.NewSpacer(),
			cancel,
		)
		msg := widget.NewLabel(question(i))
		msg.Wrapping = fyne.TextWrapWord
		d = dialog.NewCustomWithoutButtons("A file with that name exists", container.NewVBox(msg, all, buttons), e.dlg.win)
		d.Resize(fyne.NewSize(560, 200))
		e.dlg.present(d, nil)
	}
	ask(0)
}

// reportRejected lists names that were refused, each with its reason.
func (e *enqueuer) reportRejected(title string, rejected []transfer.Rejected) {
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
	d := dialog.NewCustom(title, "OK", container.NewVScroll(text), e.dlg.win)
	d.Resize(fyne.NewSize(600, 300))
	e.dlg.present(d, d.Hide)
}

// chooseUploadFile lets a person tick several local files and folders and
// uploads them into target (Ctrl+U); past as for drop.
func (e *enqueuer) chooseUploadFile(target Location, past bool) {
	if !e.canUploadInto(target, past) {
		return
	}
	p := newPicker(pickItems, "Upload", func(dir string, picked []string) {
		fyne.CurrentApp().Preferences().SetString(prefUploadDir, dir)
		e.upload(picked, target)
	})
	p.showIn(e.dlg, "Upload to "+target.String(), startDirs(prefUploadDir)...)
}

// chooseUploadFolder lets a person pick one local folder and uploads it
// whole into target (Ctrl+Shift+U); past as for drop.
func (e *enqueuer) chooseUploadFolder(target Location, past bool) {
	if !e.canUploadInto(target, past) {
		return
	}
	p := newPicker(pickFolder, "Upload this folder", func(dir string, _ []string) {
		// Next time, open beside it.
		fyne.CurrentApp().Preferences().SetString(prefUploadDir, filepath.Dir(dir))
		e.upload([]string{dir}, target)
	})
	p.showIn(e.dlg, "Upload a folder to "+target.String(), startDirs(prefUploadDir)...)
}

// downloadDir is the last folder downloaded to, or the Downloads folder.
func downloadDir() string {
	if d := fyne.CurrentApp().Preferences().String(prefDownloadDir); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "."
	}
	return filepath.Join(home, "Downloads")
}

// chooseDownload asks which local folder to download src into
// (Ctrl+Shift+D), and remembers it for Ctrl+D.
func (e *enqueuer) chooseDownload(src downloadSource) {
	if len(src.Items) == 0 {
		return
	}
	p := newPicker(pickFolder, "Download here", func(dir string, _ []string) {
		fyne.CurrentApp().Preferences().SetString(prefDownloadDir, dir)
		e.download(src, dir)
	})
	p.showIn(e.dlg, "Download "+plural(len(src.Items), "item")+" to…", startDirs(prefDownloadDir, downloadDir())...)
}

// download queues the files and folders of src into dest (Ctrl+D uses
// the last folder). Folders are listed off the Fyne goroutine; a past view
// downloads the past.
func (e *enqueuer) download(src downloadSource, dest string) {
	q, r := e.queue, e.remote
	if q == nil || r == nil || len(src.Items) == 0 {
		return
	}
	go func() {
		reqs, rejected, err := planDownloads(context.Background(), r, src, dest)
		exists := map[int]bool{}
		for i, rq := range reqs {
			if _, serr := os.Stat(rq.Local); serr == nil {
				exists[i] = true
			}
		}
		do(func() {
			if err != nil {
				e.dlg.showError(fmt.Errorf("%s", Sentence(err)))
				return
			}
			e.reportRejected("Some files were not downloaded", rejected)
			e.resolveDownloads(q, reqs, exists)
		})
	}()
}

// planDownloads lists the folders of src and names a local file under
// dest for each file, refusing names that cannot be written there.
func planDownloads(ctx context.Context, r planRemote, src downloadSource, dest string) (reqs []transfer.DownloadRequest, rejected []transfer.Rejected, err error) {
	for _, o := range src.Items {
		var rs []transfer.DownloadRequest
		var rj []transfer.Rejected
		switch {
		case o.IsFolder && !src.At.IsZero():
			// Each file pinned to its version at that moment.
			rs, rj, err = transfer.PlanDownloadAt(ctx, r, src.Bucket, o.Key, dest, src.At)
		case o.IsFolder:
			// The folder itself is created under dest.
			rs, rj, err = transfer.PlanDownload(ctx, r, src.Bucket, o.Key, dest)
		default:
			local, perr := transfer.SafeLocalPath(dest, strings.TrimPrefix(o.Key, src.Base))
			if perr != nil {
				rj = []transfer.Rejected{{Name: o.Key, Reason: perr.Error()}}
			} else {
				// VersionID pins the version a past view shows.
				rs = []transfer.DownloadRequest{{Bucket: src.Bucket, Key: o.Key, VersionID: o.VersionID, Local: local, Size: o.Size}}
			}
		}
		if err != nil {
			return nil, nil, err
		}
		reqs, rejected = append(reqs, rs...), append(rejected, rj...)
	}
	return reqs, rejected, nil
}

// downloadVersion queues a download of one version into the download
// folder, asking when a file of that name exists.
func (e *enqueuer) downloadVersion(bucket string, v store.Version) {
	q := e.queue
	if q == nil {
		return
	}
	local, err := transfer.SafeLocalPath(downloadDir(), path.Base(v.Key))
	if err != nil {
		e.dlg.showError(errors.New(capitalize(err.Error()) + "."))
		return
	}
	req := transfer.DownloadRequest{Bucket: bucket, Key: v.Key, VersionID: v.VersionID, Local: local, Size: v.Size}
	exists := map[int]bool{}
	if _, err := os.Stat(local); err == nil {
		exists[0] = true
	}
	e.resolveDownloads(q, []transfer.DownloadRequest{req}, exists)
}

func (e *enqueuer) resolveDownloads(q transferAdder, reqs []transfer.DownloadRequest, exists map[int]bool) {
	var conflicts []int
	for i := range reqs {
		if exists[i] {
			conflicts = append(conflicts, i)
		}
	}
	e.askEach(conflicts, func(i int) string {
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
			e.onQueued()
		}
	})
}
