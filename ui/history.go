package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// historyMode says which state of a folder the browser lists.
type historyMode struct {
	deleted bool      // also list files whose newest version is a delete marker
	at      time.Time // non-zero: the folder as it stood then, read-only
}

func (m historyMode) versions() bool { return m.deleted || !m.at.IsZero() }

// loadVersionsAsync lists a folder through its versions (1,000 entries a
// request), for deleted files or a past moment, handing the table a fresh
// snapshot at most every snapshotEvery.
func (b *browser) loadVersionsAsync(ctx context.Context, gen int, r folderLister, loc Location, mode historyMode) {
	state := store.NewFolderState(loc.Prefix, mode.at)
	var folders []string
	token := ""
	var last time.Time
	for {
		page, err := r.Versions(ctx, store.VersionsInput{Bucket: loc.Bucket, Prefix: loc.Prefix, Token: token, Delimiter: true})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			b.listFailedAsync(gen, loc, err)
			return
		}
		state.Add(page)
		folders = append(folders, page.Folders...)
		done := page.Next == ""
		if done || time.Since(last) >= snapshotEvery {
			last = time.Now()
			m := newFolderModel(loc.Prefix)
			m.add(historyPage(folders, state.Entries(), !mode.at.IsZero()), done)
			spec, filter := b.currentSpec(gen, sortSpec{}, "")
			v := m.view(spec, filter)
			do(func() {
				if b.gen == gen {
					b.model = m
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

// historyPage turns folder state into table rows: folders, then files with
// their deleted flag and, for a past moment, the version to act on.
func historyPage(folders []string, entries []store.StateEntry, pinned bool) store.Page {
	slices.Sort(folders)
	folders = slices.Compact(folders)
	objs := make([]store.Object, 0, len(folders)+len(entries))
	for _, f := range folders {
		objs = append(objs, store.Object{Key: f, IsFolder: true})
	}
	for _, e := range entries {
		o := store.Object{Key: e.Key, ETag: e.ETag, Size: e.Size, Modified: e.Modified, Deleted: e.Deleted}
		if pinned {
			o.VersionID = e.VersionID
		}
		objs = append(objs, o)
	}
	return store.Page{Objects: objs}
}

// setHistory switches the listing mode and lists the folder again.
func (b *browser) setHistory(m historyMode) {
	b.mode = m
	b.updateHistoryBar()
	if b.loc.Bucket != "" {
		b.show(b.loc.Folder())
	}
}

func (b *browser) updateHistoryBar() {
	switch {
	case !b.mode.at.IsZero():
		layout := "Mon 2 Jan 2006 15:04 MST"
		if b.mode.at.Second() != 0 {
			layout = "Mon 2 Jan 2006 15:04:05 MST"
		}
		b.past.label.SetText(fmt.Sprintf("Read-only: this folder as it was on %s.", b.mode.at.Local().Format(layout)))
		b.past.bar.Show()
		b.past.restore.Show()
		b.past.undelete.Hide()
	case b.mode.deleted:
		b.past.label.SetText("Showing deleted files (greyed).")
		b.past.bar.Show()
		b.past.restore.Hide()
		b.past.undelete.Show()
	default:
		b.past.bar.Hide()
	}
}

// historyActions travels in time: it asks for the moment to show a folder
// as it was, restores files as they were then, and undeletes. It belongs to
// the Fyne goroutine.
type historyActions struct {
	dlg    *dialogs
	remote historian    // nil while no account is open
	copies *copyHandoff // large restores go to the transfer queue

	// onMoment shows the folder as it was at; onChanged lists the folder
	// and the version panel again.
	onMoment  func(at time.Time)
	onChanged func()
}

// chooseMoment asks for a date and time (cur, when a past is shown, to
// start from) and shows the folder as it was then.
func (h *historyActions) chooseMoment(cur time.Time) {
	entry := widget.NewEntry()
	entry.SetPlaceHolder("2026-11-20 14:00")
	if !cur.IsZero() {
		entry.SetText(cur.Local().Format("2006-01-02 15:04"))
	}
	hint := widget.NewLabel("Type a local date and time, or pick one:")
	presets := container.NewHBox()
	for _, p := range []struct {
		label string
		ago   time.Duration
	}{{"1 hour ago", time.Hour}, {"Yesterday", 24 * time.Hour}, {"A week ago", 7 * 24 * time.Hour}, {"30 days ago", 30 * 24 * time.Hour}} {
		presets.Add(widget.NewButton(p.label, func() { entry.SetText(time.Now().Add(-p.ago).Format("2006-01-02 15:04")) }))
	}
	items := []*widget.FormItem{widget.NewFormItem("", hint), widget.NewFormItem("", presets), widget.NewFormItem("As of", entry)}
	d := dialog.NewForm("Show this folder as it was", "Show", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		at, err := parseMoment(entry.Text, time.Now())
		if err != nil {
			h.dlg.showError(err)
			return
		}
		h.onMoment(at)
	}, h.dlg.win)
	d.Resize(fyne.NewSize(520, 260))
	h.dlg.showForm(d, entry)
}

// parseMoment reads "2006-01-02 15:04[:05]" or "2006-01-02" in local time;
// a moment in the future is refused.
func parseMoment(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			if layout == "2006-01-02" {
				t = t.Add(24*time.Hour - time.Second) // the end of that day
			}
			if t.After(now) {
				return time.Time{}, errors.New("that moment is in the future; the folder as it is now is the normal view")
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2026-11-20 14:00", s)
}

// undelete brings back the selected deleted files of the folder loc,
// eight at a time, with a count; selected folders, or the whole folder
// when nothing is selected, come back with all their subfolders.
func (h *historyActions) undelete(loc Location, sel []store.Object) {
	if h.remote == nil {
		return
	}
	bucket := loc.Bucket
	var keys, folders []string
	if len(sel) == 0 {
		where := loc.Folder().String()
		h.dlg.ask("Undelete everything in this folder?",
			"Every deleted file in "+where+" and in all its subfolders comes back as it was when it was deleted.",
			func(ok bool) {
				if ok {
					h.undeleteFolders(bucket, []string{loc.Prefix})
				}
			})
		return
	}
	for _, o := range sel {
		switch {
		case o.IsFolder:
			folders = append(folders, o.Key)
		case o.Deleted:
			keys = append(keys, o.Key)
		}
	}
	if len(folders) > 0 {
		// The folders' files and the selected files, in one go.
		h.undeleteFolders(bucket, append(folders, keys...))
		return
	}
	if len(keys) == 0 {
		h.dlg.showInfo("Undelete", "None of these files is deleted.")
		return
	}
	r := h.remote
	h.dlg.runEach("Undeleting", keys, func(ctx context.Context, key string) error {
		_, err := r.Undelete(ctx, bucket, key)
		return err
	}, "undeleted", h.onChanged)
}

// restore makes files of bucket current again as they were at the moment
// shown: sel holds the versions of that moment.
func (h *historyActions) restore(bucket string, sel []store.Object) {
	r := h.remote
	if r == nil {
		return
	}
	byKey := map[string]string{}
	var keys []string
	var large []store.Object // restored as jobs in the transfer queue
	for _, o := range sel {
		if o.IsFolder || o.VersionID == "" {
			continue
		}
		if o.Size > largeCopy && h.copies.ready() {
			large = append(large, o)
			continue
		}
		byKey[o.Key] = o.VersionID
		keys = append(keys, o.Key)
	}
	if len(keys)+len(large) == 0 {
		return
	}
	h.dlg.ask("Restore "+plural(len(keys)+len(large), "file")+"?",
		"Each file's version from that moment is copied on top and becomes current. Nothing is lost: the versions of now stay as older versions.",
		func(ok bool) {
			if !ok {
				return
			}
			for _, o := range large {
				h.copies.queue(transfer.CopyRequest{Bucket: bucket, SrcKey: o.Key, SrcVersionID: o.VersionID, DstKey: o.Key, Size: o.Size})
			}
			if len(keys) > 0 {
				h.dlg.runEach("Restoring", keys, func(ctx context.Context, key string) error {
					_, err := r.Restore(ctx, bucket, key, byKey[key], nil)
					return err
				}, "restored", h.onChanged)
			}
		})
}

// undeleteFolders brings back every deleted file under each folder of
// names (keys ending in "/", "" for the bucket) and each file named, with a
// progress bar, a cancel button and a count at the end.
func (h *historyActions) undeleteFolders(bucket string, names []string) {
	r := h.remote
	bar := widget.NewProgressBar()
	label := widget.NewLabel("Looking for deleted files…")
	ctx, done := h.dlg.working("Undeleting…", "Cancel", label, bar)
	go func() {
		var (
			back, failed int
			firstErr     error
		)
		for i, name := range names {
			if ctx.Err() != nil {
				firstErr = ctx.Err()
				break
			}
			if name != "" && !strings.HasSuffix(name, "/") {
				if _, err := r.Undelete(ctx, bucket, name); err != nil {
					failed++
					firstErr = cmp.Or(firstErr, err)
				} else {
					back++
				}
				continue
			}
			n, failures, err := r.UndeleteFolder(ctx, bucket, name, func(done, total int) {
				do(func() {
					label.SetText(fmt.Sprintf("Folder %d of %d: %d of %d deleted files back", i+1, len(names), done, total))
					if total > 0 {
						bar.SetValue(float64(done) / float64(total))
					}
				})
			})
			back += n
			failed += len(failures)
			if len(failures) > 0 && firstErr == nil {
				firstErr = fmt.Errorf("%s: %s", failures[0].Key, failures[0].Message)
			}
			if err != nil {
				firstErr = err
				break
			}
		}
		do(func() {
			done()
			h.dlg.showInfo("Undelete", undeletedText(back, failed, firstErr))
			h.onChanged()
		})
	}()
}

// undeletedText is the count at the end of an undelete.
func undeletedText(back, failed int, err error) string {
	msg := capitalize(plural(back, "file")) + " undeleted."
	if back == 0 && err == nil {
		msg = "Nothing here was deleted."
	}
	if failed > 0 {
		msg += fmt.Sprintf(" %s could not be undeleted.", capitalize(plural(failed, "file")))
	}
	if err != nil {
		msg += " " + Sentence(err)
	}
	return msg
}

// historian is what undeleting and restoring from the past needs.
type historian interface {
	// Restore copies an old version on top, as the current one.
	Restore(ctx context.Context, bucket, key, versionID string, progress func(done, total int64)) (store.Object, error)
	// Undelete removes the delete markers above a file.
	Undelete(ctx context.Context, bucket, key string) (removed int, err error)
	// UndeleteFolder undeletes everything deleted under a prefix.
	UndeleteFolder(ctx context.Context, bucket, prefix string, progress func(done, total int)) (undeleted int, failures []store.DeleteFailure, err error)
}
