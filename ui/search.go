package ui

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
)

// maxSearchResults caps what one search holds and shows: a search for "e"
// through a million files would otherwise keep most of them.
const maxSearchResults = 10_000

// searchDialog finds files by name under a folder, subfolders included,
// streaming the matches in page by page. Its fields belong to the Fyne
// goroutine; r, bucket and prefix never change.
type searchDialog struct {
	r      searcher
	bucket string
	prefix string

	results []store.Object
	chosen  int // the selected result, -1 for none
	pages   int // listing pages searched so far
	running bool
	cancel  context.CancelFunc
	gen     int // bumped per search and by Stop; late pages are dropped

	entry     *widget.Entry
	searchBtn *widget.Button
	stopBtn   *widget.Button
	openBtn   *widget.Button
	status    *widget.Label
	list      *widget.List
	dlg       dialog.Dialog

	// onOpen shows a chosen result: loc is its folder with Key set.
	onOpen func(loc Location)
}

// openSearch opens the search of the folder loc and returns the dialog
// (nil when none opened, with the reason shown); onOpen shows a chosen
// result.
func openSearch(dl *dialogs, r searcher, loc Location, onOpen func(Location)) *searchDialog {
	if r == nil || loc.Bucket == "" {
		dl.showInfo("Search", "Open a bucket first, then search it.")
		return nil
	}
	s := &searchDialog{r: r, bucket: loc.Bucket, prefix: loc.Prefix, chosen: -1, onOpen: onOpen}
	where := loc.Folder().String()
	s.entry = widget.NewEntry()
	s.entry.SetPlaceHolder("name contains…")
	s.entry.OnSubmitted = func(string) { s.start() }
	s.searchBtn = widget.NewButtonWithIcon("Search", theme.SearchIcon(), s.start)
	s.searchBtn.Importance = widget.HighImportance
	s.stopBtn = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), s.stop)
	s.stopBtn.Disable()
	s.openBtn = widget.NewButtonWithIcon("Open", theme.FolderOpenIcon(), s.openChosen)
	s.openBtn.Disable()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.list = widget.NewList(func() int { return len(s.results) }, s.createRow, s.updateRow)
	s.list.OnSelected = func(id widget.ListItemID) {
		s.chosen = id
		s.openBtn.Enable()
	}
	s.list.OnUnselected = func(widget.ListItemID) {
		s.chosen = -1
		s.openBtn.Disable()
	}
	hint := widget.NewLabel("Looks at the name of every file under " + where + ", subfolders included, ignoring case. Each 1,000 files looked at is one listing request.")
	hint.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(hint, container.NewBorder(nil, nil, nil, container.NewHBox(s.searchBtn, s.stopBtn), s.entry))
	bottom := container.NewBorder(nil, nil, nil, s.openBtn, s.status)
	s.dlg = dialog.NewCustom("Search "+where, "Close", container.NewBorder(top, bottom, nil, nil, s.list), dl.win)
	s.dlg.SetOnClosed(s.stop)
	s.dlg.Resize(fyne.NewSize(760, 560))
	dl.present(s.dlg, nil)
	dl.win.Canvas().Focus(s.entry)
	return s
}

// start searches for the text in the entry, stopping any search running.
func (s *searchDialog) start() {
	sub := strings.TrimSpace(s.entry.Text)
	if sub == "" {
		s.status.SetText("Type part of a file name to search for.")
		return
	}
	s.stop()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.results, s.pages = nil, 0
	s.list.UnselectAll()
	s.list.Refresh()
	s.list.ScrollToTop()
	s.setRunning(true)
	s.status.SetText("Searching…")
	go s.searchAsync(ctx, cancel, s.gen, sub)
}

// stop cancels the running search; what it found stays.
func (s *searchDialog) stop() {
	s.gen++
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	if s.running {
		s.setRunning(false)
		s.status.SetText(searchStatus(len(s.results), s.pages, searchStopped, ""))
	}
}

func (s *searchDialog) setRunning(on bool) {
	s.running = on
	setEnabled(s.stopBtn, on)
}

// searchState is where a search stands, for its status line.
type searchState int

const (
	searchRunning searchState = iota
	searchDone
	searchStopped
	searchFull // stopped at maxSearchResults
)

// searchStatus is the status line: "12 found · searching…".
func searchStatus(found, pages int, st searchState, sub string) string {
	n := humanize.Comma(int64(found)) + " found"
	switch st {
	case searchRunning:
		return fmt.Sprintf("%s · searching… (%s so far)", n, plural(pages, "listing page"))
	case searchStopped:
		return fmt.Sprintf("%s · stopped after %s.", n, plural(pages, "listing page"))
	case searchFull:
		return fmt.Sprintf("The first %s matches are shown; type more of the name to narrow the search.", humanize.Comma(maxSearchResults))
	}
	if found == 0 {
		return fmt.Sprintf("No file name here contains “%s” (%s searched).", sub, plural(pages, "listing page"))
	}
	return fmt.Sprintf("%s · searched every file here (%s).", n, plural(pages, "listing page"))
}

// searchAsync pages through the folder, handing each page's matches to the
// list in one do. Stop and closing the dialog cancel ctx.
func (s *searchDialog) searchAsync(ctx context.Context, cancel context.CancelFunc, gen int, sub string) {
	defer cancel()
	token := ""
	found, pages := 0, 0
	for {
		matches, next, err := s.r.SearchPage(ctx, s.bucket, s.prefix, sub, token)
		if ctx.Err() != nil {
			return // stopped: stop wrote the status
		}
		if err != nil {
			slog.Warn("search failed", "bucket", s.bucket, "prefix", s.prefix, "err", err)
			msg := Sentence(err)
			do(func() {
				if s.gen == gen {
					s.setRunning(false)
					s.cancel = nil
					s.status.SetText(msg)
				}
			})
			return
		}
		pages++
		st := searchRunning
		if room := maxSearchResults - found; len(matches) > room || len(matches) == room && next != "" {
			matches, st = matches[:room], searchFull
		}
		if next == "" && st == searchRunning {
			st = searchDone
		}
		found += len(matches)
		status := searchStatus(found, pages, st, sub)
		do(func() {
			if s.gen != gen {
				return
			}
			s.results = append(s.results, matches...)
			s.pages = pages
			s.list.Refresh()
			s.status.SetText(status)
			if st != searchRunning {
				s.setRunning(false)
				s.cancel = nil
			}
		})
		if st != searchRunning {
			return
		}
		token = next
	}
}

// openChosen shows the chosen result in the browser, selected in its
// folder, and closes the dialog.
func (s *searchDialog) openChosen() {
	if s.chosen < 0 || s.chosen >= len(s.results) {
		return
	}
	key := s.results[s.chosen].Key
	s.dlg.Hide()
	if s.onOpen != nil {
		s.onOpen(Location{Bucket: s.bucket, Prefix: dirOf(key), Key: key})
	}
}

func (s *searchDialog) createRow() fyne.CanvasObject { return newSearchRow(s) }

func (s *searchDialog) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	r := o.(*searchRow)
	r.id = id
	if id >= len(s.results) {
		return
	}
	f := s.results[id]
	r.name.Text = f.Name()
	r.dir.Text = strings.TrimPrefix(dirOf(f.Key), s.prefix)
	if r.dir.Text == "" {
		r.dir.Text = "this folder"
	}
	r.size.Text = humanize.Bytes(uint64(f.Size))
	r.Refresh() // lays the row out again for the new size's width
}

// searchRow is one result. Rows take the taps so that a double tap opens
// the result (a List row answers single taps only).
type searchRow struct {
	widget.BaseWidget
	s    *searchDialog
	id   widget.ListItemID
	name *widget.Label
	dir  *widget.Label
	size *widget.Label
}

func newSearchRow(s *searchDialog) *searchRow {
	r := &searchRow{s: s, name: widget.NewLabel(""), dir: widget.NewLabel(""), size: widget.NewLabel("")}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.dir.Truncation = fyne.TextTruncateEllipsis
	r.dir.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

func (r *searchRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), r.size,
		container.NewGridWithColumns(2, r.name, r.dir)))
}

// Tapped selects the result.
func (r *searchRow) Tapped(*fyne.PointEvent) { r.s.list.Select(r.id) }

// DoubleTapped opens the result.
func (r *searchRow) DoubleTapped(*fyne.PointEvent) {
	r.s.list.Select(r.id)
	r.s.openChosen()
}

// searcher is what the search needs.
type searcher interface {
	// SearchPage looks at one listing page under prefix for names
	// containing sub, ignoring case.
	SearchPage(ctx context.Context, bucket, prefix, sub, token string) (matches []store.Object, next string, err error)
}
