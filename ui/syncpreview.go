package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/syncer"
)

// The preview compares the two folders without moving anything. Items
// stream in as the comparison decides them: the comparison's goroutine
// hands them to a batch under a lock, and a ticker swaps each batch into
// the list with one fyne.Do, so the first rows of a large folder show
// while it is still being listed.

// previewFilters are the choices of what the list shows.
var previewFilters = []string{"All but identical", "Everything", "New", "Changed", "Identical", "To remove", "Refused"}

// filterActions is the action each single-kind filter shows.
var filterActions = map[string]syncer.Action{"New": syncer.New, "Changed": syncer.Changed, "Identical": syncer.Same, "To remove": syncer.Remove, "Refused": syncer.Refused}

// previewTick is how often the preview takes in what the comparison found.
const previewTick = 200 * time.Millisecond

// syncPreview is the preview dialog of one pair.
type syncPreview struct {
	flow  *syncFlow
	c     syncConn
	pair  syncer.Pair
	keep  bool   // save the pair before comparing
	saved string // the saved pair's ID, once kept

	prog    syncer.Progress
	mu      sync.Mutex
	batch   []syncer.Item // decided, not yet shown
	hashing atomic.Value  // string: the file being hashed, "" when none

	items []syncer.Item // everything shown so far (Fyne goroutine)
	shown []int         // the items the filter passes
	sum   syncer.Summary
	done  bool // the comparison ended; sum is its summary

	status  *widget.Label
	spinner *busy
	counts  [5]*widget.Label // new, changed, identical, to remove, refused
	note    *widget.Label
	kind    *widget.Select
	find    *escEntry
	list    *widget.List
	stop    *widget.Button
	syncBtn *widget.Button
	copyBtn *widget.Button
	body    *fyne.Container // laid out again when parts appear or grow
	d       dialog.Dialog
	cancel  context.CancelFunc
}

// preview opens the preview of p and starts comparing; keep saves p first.
func (s *syncFlow) preview(p syncer.Pair, keep bool) {
	v := &syncPreview{flow: s, c: s.conn(), pair: p, keep: keep && s.pairs != nil}
	v.build()
	v.compareAsync()
}

func (v *syncPreview) build() {
	v.status = widget.NewLabel("Listing both folders…")
	v.status.Wrapping = fyne.TextWrapWord
	v.spinner = newBusy()
	for i := range v.counts {
		v.counts[i] = widget.NewLabel("")
	}
	v.note = widget.NewLabel(removalNote(v.pair.Direction))
	v.note.Wrapping = fyne.TextWrapWord
	v.kind = widget.NewSelect(previewFilters, func(string) { v.refilter() })
	v.kind.SetSelected(previewFilters[0])
	v.find = newEscEntry()
	v.find.SetPlaceHolder("Filter by name")
	v.find.OnChanged = func(string) { v.refilter() }
	v.list = widget.NewList(
		func() int { return len(v.shown) },
		func() fyne.CanvasObject {
			// The widest texts, so the columns keep their width: a
			// row is not laid out again when its text changes.
			kind, size, name := widget.NewLabel("to trash"), widget.NewLabel("999.9 MB"), widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			size.Alignment = fyne.TextAlignTrailing
			return container.NewBorder(nil, nil, kind, size, name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.shown) {
				return
			}
			it := v.items[v.shown[i]]
			c := o.(*fyne.Container)
			name, kind, size := c.Objects[0].(*widget.Label), c.Objects[1].(*widget.Label), c.Objects[2].(*widget.Label)
			kind.SetText(actionWord(it.Action, v.pair.Direction))
			name.SetText(printable(it.Rel) + " — " + it.Reason)
			size.SetText("")
			if it.Action != syncer.Refused {
				size.SetText(humanize.Bytes(uint64(it.Bytes)))
			}
		})
	v.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() { v.cancel() })
	v.syncBtn = widget.NewButtonWithIcon("Sync", theme.ViewRefreshIcon(), v.goOn)
	v.syncBtn.Importance = widget.HighImportance
	v.syncBtn.Disable()
	v.copyBtn = widget.NewButtonWithIcon("Copy only", theme.ContentCopyIcon(), v.copyOnly)
	v.copyBtn.Hide()
	close := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { v.d.Hide() })
	counts := container.NewGridWithColumns(5)
	for _, c := range v.counts {
		counts.Add(c)
	}
	top := container.NewVBox(
		widget.NewLabelWithStyle(pairTitle(v.pair), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, v.spinner, v.stop, v.status),
		counts, v.note,
		container.NewGridWithColumns(2, v.kind, v.find))
	bottom := container.NewHBox(layout.NewSpacer(), close, v.copyBtn, v.syncBtn)
	v.body = container.NewBorder(top, bottom, nil, nil, v.list)
	v.d = dialog.NewCustomWithoutButtons("Preview of the sync", v.body, v.flow.dlg.win)
	v.d.SetOnClosed(func() { v.cancel() })
	v.find.onEscape = v.d.Hide
	v.d.Resize(fyne.NewSize(900, 640))
	v.showCounts()
	v.flow.dlg.present(v.d, nil) // only a click syncs
}

// removalNote says what removals do in direction d, before any is found.
func removalNote(d syncer.Direction) string {
	switch d {
	case syncer.MirrorUp:
		return "Removals hide the files in the bucket behind hide markers: they can be undeleted. You confirm them separately, with their count, before anything moves."
	case syncer.MirrorDown:
		return "Removals move local files to the trash, never deleting them for good. You confirm them separately, with their count, before anything moves."
	}
	return "Nothing is removed: files only at the destination stay."
}

// actionWord names an action in the list.
func actionWord(a syncer.Action, d syncer.Direction) string {
	switch a {
	case syncer.Same:
		return "identical"
	case syncer.Remove:
		if d.ToRemote() {
			return "hide"
		}
		return "to trash"
	}
	return a.String()
}

// compareAsync saves the pair if asked, then compares, off the Fyne
// goroutine, with a ticker taking in what it finds.
func (v *syncPreview) compareAsync() {
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	v.spinner.Show()
	c, p, keep := v.c, v.pair, v.keep
	go func() {
		if err := checkLocal(p); err != nil {
			v.finish(syncer.Summary{}, err, "")
			return
		}
		id := ""
		if keep {
			var err error
			if id, err = c.keepPair(p); err != nil {
				v.finish(syncer.Summary{}, fmt.Errorf("the pair could not be kept: %w", err), "")
				return
			}
		}
		stopTick := sampleEvery(previewTick, v.takeBatch)
		opts := append(c.headCache(id), syncer.WithProgress(&v.prog), syncer.WithHashProgress(func(rel string, done, size int64) {
			if done < size {
				v.hashing.Store(fmt.Sprintf("%s (%d%%)", printable(rel), done*100/max(size, 1)))
			} else {
				v.hashing.Store("")
			}
		}))
		sum, err := syncer.Compare(ctx, p, c.remote, func(it syncer.Item) error {
			v.mu.Lock()
			v.batch = append(v.batch, it)
			v.mu.Unlock()
			return nil
		}, opts...)
		stopTick()
		v.finish(sum, err, id)
	}()
}

// takeBatch hands what the comparison found since the last tick to the
// list, with the counters, in one fyne.Do.
func (v *syncPreview) takeBatch() {
	v.mu.Lock()
	batch := v.batch
	v.batch = nil
	v.mu.Unlock()
	local, remote, compared := v.prog.LocalFiles.Load(), v.prog.RemoteFiles.Load(), v.prog.Compared.Load()
	hashing, _ := v.hashing.Load().(string)
	do(func() {
		v.add(batch)
		s := fmt.Sprintf("Comparing… %s local files and %s in the bucket listed, %s compared.",
			humanize.Comma(local), humanize.Comma(remote), humanize.Comma(compared))
		if hashing != "" {
			s += " Hashing " + hashing + "."
		}
		v.status.SetText(s)
	})
}

// add takes items into the list, counting them.
func (v *syncPreview) add(batch []syncer.Item) {
	for _, it := range batch {
		v.items = append(v.items, it)
		if v.passes(it) {
			v.shown = append(v.shown, len(v.items)-1)
		}
		if !v.done { // once done, sum is the comparison's own
			t := tallyOf(&v.sum, it.Action)
			t.Files++
			t.Bytes += it.Bytes
		}
	}
	v.showCounts()
	v.list.Refresh()
}

// tallyOf is the summary's tally of an action.
func tallyOf(s *syncer.Summary, a syncer.Action) *syncer.Tally {
	switch a {
	case syncer.New:
		return &s.New
	case syncer.Changed:
		return &s.Changed
	case syncer.Same:
		return &s.Same
	case syncer.Remove:
		return &s.Remove
	}
	return &s.Refused
}

// showCounts writes the counts per kind.
func (v *syncPreview) showCounts() {
	t := []struct {
		name string
		t    syncer.Tally
	}{{"New", v.sum.New}, {"Changed", v.sum.Changed}, {"Identical", v.sum.Same}, {"To remove", v.sum.Remove}, {"Refused", v.sum.Refused}}
	for i, c := range t {
		text := fmt.Sprintf("%s: %s", c.name, plural(c.t.Files, "file"))
		if c.name != "Refused" {
			text += ", " + humanize.Bytes(uint64(c.t.Bytes))
		}
		v.counts[i].SetText(text)
	}
}

// passes reports whether the filter shows it.
func (v *syncPreview) passes(it syncer.Item) bool {
	switch k := v.kind.Selected; k {
	case "All but identical":
		if it.Action == syncer.Same {
			return false
		}
	case "Everything", "":
	default:
		if it.Action != filterActions[k] {
			return false
		}
	}
	f := strings.ToLower(strings.TrimSpace(v.find.Text))
	return f == "" || strings.Contains(strings.ToLower(it.Rel), f)
}

// refilter shows the items the filter passes now.
func (v *syncPreview) refilter() {
	if v.list == nil {
		return // the select's first choice, while building
	}
	v.shown = v.shown[:0]
	for i, it := range v.items {
		if v.passes(it) {
			v.shown = append(v.shown, i)
		}
	}
	v.list.Refresh()
}

// finish shows the end of the comparison, from any goroutine.
func (v *syncPreview) finish(sum syncer.Summary, err error, id string) {
	v.mu.Lock()
	batch := v.batch
	v.batch = nil
	v.mu.Unlock()
	do(func() {
		// Fyne lays a container out again only when told: the status
		// and the note grow, the Copy only button appears.
		defer v.body.Refresh()
		v.spinner.Hide()
		v.stop.Hide()
		v.saved = id
		v.add(batch)
		v.done = true
		if err == nil {
			v.sum = sum // else the counts so far stay
			v.showCounts()
		}
		switch {
		case canceled(err):
			v.status.SetText(fmt.Sprintf("Stopped after comparing %s: nothing was copied or removed.", plural(len(v.items), "file")))
			return
		case err != nil:
			v.status.SetText(Sentence(err))
			return
		case sum.Nothing():
			v.status.SetText(fmt.Sprintf("Nothing to do: both sides match (%s identical).", plural(sum.Same.Files, "file")))
			return
		}
		s := fmt.Sprintf("Compared %s: %s to copy (%s)", plural(len(v.items), "file"), plural(sum.Transfer().Files, "file"), humanize.Bytes(uint64(sum.Transfer().Bytes)))
		if sum.Remove.Files > 0 {
			s += fmt.Sprintf(", %s to remove", plural(sum.Remove.Files, "file"))
		}
		s += "."
		if sum.Kept.Files > 0 {
			s += fmt.Sprintf(" %s only at the destination stay.", capitalize(plural(sum.Kept.Files, "file")))
		}
		if sum.Filtered > 0 {
			s += fmt.Sprintf(" %s left out by the patterns.", capitalize(plural(sum.Filtered, "name")))
		}
		v.status.SetText(s)
		if tm := new(syncer.TooManyRemovalsError); errors.As(sum.CheckRemovals(v.pair), &tm) {
			v.note.SetText(capitalize(tm.Error()) + ": you will be asked. " + removalNote(v.pair.Direction))
		}
		v.syncBtn.Enable()
		if sum.Remove.Files > 0 && sum.Transfer().Files > 0 {
			v.copyBtn.Show()
		}
	})
}

// goOn syncs what the preview showed: with removals, only once their
// count is typed.
func (v *syncPreview) goOn() {
	if !v.done || v.sum.Nothing() {
		return
	}
	if v.sum.Remove.Files == 0 {
		v.d.Hide()
		v.flow.run(v.c, v.pair, v.saved, map[string]bool{}, lostAfterPreview)
		return
	}
	confirmed := map[string]bool{}
	var names []string
	for _, it := range v.items {
		if it.Action == syncer.Remove {
			confirmed[it.Rel] = true
			names = append(names, it.Rel)
		}
	}
	v.flow.confirmRemovals(v.pair, names, v.sum.CheckRemovals(v.pair), func() {
		v.d.Hide()
		v.flow.run(v.c, v.pair, v.saved, confirmed, lostAfterPreview)
	})
}

// copyOnly copies what a mirror's preview found and removes nothing.
func (v *syncPreview) copyOnly() {
	if !v.done || v.sum.Transfer().Files == 0 {
		return
	}
	v.d.Hide()
	v.flow.run(v.c, v.pair, v.saved, map[string]bool{}, "you chose Copy only")
}

// lostAfterPreview is why a run that followed a preview left removals
// waiting: they were not in the preview the person confirmed.
const lostAfterPreview = "the source lost them after the preview"
