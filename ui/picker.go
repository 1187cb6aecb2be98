package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne's file dialog picks one file at a time. The picker here is Haul's
// own chooser of local files and folders: several at once, ticked row by
// row, with every key a person expects (Escape closes it wherever the
// keyboard is, Enter opens a folder, Space ticks a row).

// prefUploadDir is the preference key of the last local folder uploaded
// from.
const prefUploadDir = "upload.dir"

// pickMode is what a picker chooses.
type pickMode int

const (
	pickItems  pickMode = iota // several files and folders, ticked row by row
	pickFolder                 // one folder: the one it shows
)

// errNotFolder says a path names a file where a folder was asked for.
var errNotFolder = errors.New("not a folder")

// localEntry is one entry of a local folder, prepared off the Fyne
// goroutine.
type localEntry struct {
	name string
	path string
	dir  bool   // a folder, or a link to one
	size string // humanized; "" for folders
}

// hidden reports whether e is a dot file, shown only when asked.
func (e localEntry) hidden() bool { return strings.HasPrefix(e.name, ".") }

// picker chooses local files and folders. It owns its widgets, reads
// folders off the Fyne goroutine, and reports through onDone and onCancel;
// the window shows it (see pickLocal).
type picker struct {
	mode   pickMode
	action string // pickItems: the verb ("Upload 3 items"); pickFolder: the whole label ("Download here")

	// onDone receives the folder shown and what was chosen in it: the
	// ticked paths, or for pickFolder the folder itself.
	onDone func(dir string, picked []string)
	// onCancel is called when the person gives up (Escape, Cancel).
	onCancel func()

	dir     string          // the folder shown; "" until one has been read
	all     []localEntry    // every entry of dir, folders first
	shown   []localEntry    // what the list shows: all, less dot files unless asked
	ticked  map[string]bool // names in dir
	cursor  int             // the row the keys act on
	reveal  string          // a name to put the cursor on once the next folder is read
	gen     int             // the latest read; older reads are dropped
	loading bool

	path      *escEntry
	up        *widget.Button
	msg       *widget.Label
	list      *pickList
	status    *widget.Label
	hidden    *escCheck
	selectAll *widget.Button
	cancel    *widget.Button
	confirm   *widget.Button
}

// newPicker makes a picker; build gives its widgets.
func newPicker(mode pickMode, action string, onDone func(dir string, picked []string)) *picker {
	return &picker{mode: mode, action: action, onDone: onDone, ticked: map[string]bool{}}
}

// build makes the picker's widgets: the path row, the list, and the
// buttons.
func (p *picker) build() fyne.CanvasObject {
	p.path = newEscEntry()
	p.path.SetPlaceHolder("Type a folder and press Enter")
	p.path.onEscape = p.giveUp
	p.path.OnSubmitted = p.goTyped
	p.up = widget.NewButtonWithIcon("Up", theme.MoveUpIcon(), p.goUp)
	p.msg = widget.NewLabel("")
	p.msg.Importance = widget.DangerImportance
	p.msg.Wrapping = fyne.TextWrapWord
	p.msg.Hide()
	p.list = newPickList(p)
	p.status = widget.NewLabel("")
	p.hidden = newEscCheck("Show hidden", p.setShowHidden)
	p.hidden.onEscape = p.giveUp
	p.selectAll = widget.NewButton("Select all", p.toggleAll)
	p.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), p.giveUp)
	p.confirm = widget.NewButtonWithIcon(p.action, theme.ConfirmIcon(), p.done)
	p.confirm.Importance = widget.HighImportance
	if p.mode == pickFolder {
		p.selectAll.Hide()
	}
	p.update()
	top := container.NewVBox(container.NewBorder(nil, nil, p.up, nil, p.path), p.msg)
	buttons := container.NewHBox(p.hidden, p.selectAll, layout.NewSpacer(), p.cancel, p.confirm)
	return container.NewBorder(top, container.NewVBox(p.status, buttons), nil, nil, p.list)
}

// openAsync reads the first of dirs that can be read, off the Fyne
// goroutine, and shows it; when none can, it says why and stays where it
// is.
func (p *picker) openAsync(dirs ...string) {
	if len(dirs) == 0 {
		return
	}
	p.gen++
	gen := p.gen
	p.loading = true
	p.update()
	go func() {
		var entries []localEntry
		var first error // why dirs[0] could not be read
		dir := ""
		for _, d := range dirs {
			var err error
			if entries, err = readLocalDir(d); err == nil {
				dir = d
				break
			}
			if first == nil {
				first = err
			}
		}
		do(func() {
			if gen != p.gen {
				return // closed, or another folder asked for since
			}
			p.loading = false
			if dir == "" {
				p.fail(dirs[0], first)
				return
			}
			p.show(dir, entries)
		})
	}()
}

// stop drops whatever folder is being read: the picker has closed.
func (p *picker) stop() { p.gen++ }

// show puts the entries of dir on screen, nothing ticked.
func (p *picker) show(dir string, entries []localEntry) {
	p.dir, p.all = dir, entries
	p.ticked = map[string]bool{}
	p.path.SetText(dir)
	p.setMessage("")
	p.filter()
	p.cursor = 0
	if i := slices.IndexFunc(p.shown, func(e localEntry) bool { return e.name == p.reveal }); i >= 0 {
		p.cursor = i
	}
	p.reveal = ""
	p.list.Refresh()
	p.list.ScrollTo(p.cursor)
	if c := p.canvas(); c != nil && c.Focused() == fyne.Focusable(p.path) {
		c.Focus(p.list) // the typed folder is open: its rows take the keys
	}
	p.update()
}

// fail says why dir could not be opened; the path field keeps what was
// typed so it can be corrected.
func (p *picker) fail(dir string, err error) {
	p.reveal = ""
	var pe *fs.PathError
	if errors.As(err, &pe) {
		dir = pe.Path
	}
	p.setMessage(localDirSentence(dir, err))
	p.update()
}

func (p *picker) setMessage(s string) {
	p.msg.SetText(s)
	if s == "" {
		p.msg.Hide()
	} else {
		p.msg.Show()
	}
}

// filter sets shown from all, leaving dot files out unless asked, and
// unticks what is no longer shown.
func (p *picker) filter() {
	p.shown = p.shown[:0:0]
	names := map[string]bool{}
	for _, e := range p.all {
		if p.hidden.Checked || !e.hidden() {
			p.shown = append(p.shown, e)
			names[e.name] = true
		}
	}
	for n := range p.ticked {
		if !names[n] {
			delete(p.ticked, n)
		}
	}
	p.cursor = min(p.cursor, max(len(p.shown)-1, 0))
}

// update sets the buttons and the status line from the state.
func (p *picker) update() {
	setEnabled(p.up, p.dir != "" && filepath.Dir(p.dir) != p.dir)
	n := len(p.ticked)
	switch p.mode {
	case pickItems:
		if n == 0 {
			p.confirm.SetText(p.action)
		} else {
			p.confirm.SetText(p.action + " " + plural(n, "item"))
		}
		setEnabled(p.confirm, n > 0 && !p.loading)
		if n > 0 && n == len(p.shown) {
			p.selectAll.SetText("Select none")
		} else {
			p.selectAll.SetText("Select all")
		}
		setEnabled(p.selectAll, len(p.shown) > 0)
	case pickFolder:
		setEnabled(p.confirm, p.dir != "" && !p.loading)
	}
	p.status.SetText(p.statusText())
}

func (p *picker) statusText() string {
	if p.loading {
		return "Reading the folder…"
	}
	if p.dir == "" {
		return ""
	}
	folders, files, hidden := 0, 0, len(p.all)-len(p.shown)
	for _, e := range p.shown {
		if e.dir {
			folders++
		} else {
			files++
		}
	}
	if folders+files == 0 {
		if hidden > 0 {
			return "Only hidden files here (" + plural(hidden, "item") + ")."
		}
		return "This folder is empty."
	}
	parts := []string{plural(folders, "folder"), plural(files, "file")}
	if hidden > 0 {
		parts = append(parts, fmt.Sprintf("%s hidden", plural(hidden, "item")))
	}
	if p.mode == pickItems && len(p.ticked) > 0 {
		parts = append(parts, fmt.Sprintf("%d ticked", len(p.ticked)))
	}
	return strings.Join(parts, " · ")
}

// goTyped opens the folder typed in the path field; a relative path is
// taken from the folder shown, and ~ is the home folder.
func (p *picker) goTyped(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if s == "~" || strings.HasPrefix(s, "~/") || strings.HasPrefix(s, `~\`) {
		if home, err := os.UserHomeDir(); err == nil {
			s = filepath.Join(home, s[1:])
		}
	}
	if !filepath.IsAbs(s) && p.dir != "" {
		s = filepath.Join(p.dir, s)
	}
	p.openAsync(filepath.Clean(s))
}

// goUp opens the folder above, with the cursor on the one left.
func (p *picker) goUp() {
	parent := filepath.Dir(p.dir)
	if p.dir == "" || parent == p.dir {
		return
	}
	p.reveal = filepath.Base(p.dir)
	p.openAsync(parent)
	p.focusList()
}

// setShowHidden shows or hides dot files.
func (p *picker) setShowHidden(bool) {
	p.filter()
	p.list.Refresh()
	p.update()
}

// toggleAll ticks every row shown, or none when all are.
func (p *picker) toggleAll() {
	if p.mode != pickItems {
		return
	}
	all := len(p.ticked) == len(p.shown)
	p.ticked = map[string]bool{}
	if !all {
		for _, e := range p.shown {
			p.ticked[e.name] = true
		}
	}
	p.list.Refresh()
	p.update()
	p.focusList()
}

// toggle ticks or unticks row id.
func (p *picker) toggle(id int) {
	if p.mode != pickItems || id < 0 || id >= len(p.shown) {
		return
	}
	name := p.shown[id].name
	if p.ticked[name] {
		delete(p.ticked, name)
	} else {
		p.ticked[name] = true
	}
	p.list.RefreshItem(id)
	p.update()
}

// tapRow answers a tap on row id: it ticks the row (a folder is opened
// instead when only a folder can be chosen) and gives the list the keys.
func (p *picker) tapRow(id int) {
	if id < 0 || id >= len(p.shown) {
		return
	}
	p.moveCursor(id)
	p.focusList()
	if p.mode == pickFolder {
		if p.shown[id].dir {
			p.openAsync(p.shown[id].path)
		}
		return
	}
	p.toggle(id)
}

// openRow answers a double tap or Enter on row id: a folder opens; a file
// is chosen, with whatever else is ticked.
func (p *picker) openRow(id int) {
	if id < 0 || id >= len(p.shown) {
		p.done()
		return
	}
	if e := p.shown[id]; e.dir {
		p.openAsync(e.path)
		return
	}
	if p.mode == pickItems {
		p.ticked[p.shown[id].name] = true
		p.list.RefreshItem(id)
		p.update()
	}
	p.done()
}

// moveCursor puts the cursor on row id, within the rows.
func (p *picker) moveCursor(id int) {
	if len(p.shown) == 0 {
		return
	}
	id = min(max(id, 0), len(p.shown)-1)
	old := p.cursor
	p.cursor = id
	p.list.RefreshItem(old)
	p.list.RefreshItem(id)
	p.list.ScrollTo(id)
}

// done reports what was chosen, when something valid is.
func (p *picker) done() {
	if p.confirm.Disabled() {
		return
	}
	if p.mode == pickFolder {
		p.onDone(p.dir, []string{p.dir})
		return
	}
	var picked []string
	for _, e := range p.shown {
		if p.ticked[e.name] {
			picked = append(picked, e.path)
		}
	}
	p.onDone(p.dir, picked)
}

// giveUp closes the picker, choosing nothing.
func (p *picker) giveUp() {
	p.stop()
	if p.onCancel != nil {
		p.onCancel()
	}
}

func (p *picker) canvas() fyne.Canvas {
	return fyne.CurrentApp().Driver().CanvasForObject(p.list)
}

// focusList gives the list the keys, so that Enter, Escape and the arrows
// keep working after a button was used.
func (p *picker) focusList() {
	if c := p.canvas(); c != nil {
		c.Focus(p.list)
	}
}

// showIn shows p in a dialog titled title, reading the first of dirs
// that can be read. Escape closes it wherever the keyboard is inside it;
// Enter is answered by the widget that has the keyboard (it is given to
// the list), never by the window, which would forget the dialog's Escape
// once Enter found nothing to choose.
func (p *picker) showIn(dl *dialogs, title string, dirs ...string) {
	d := dialog.NewCustomWithoutButtons(title, p.build(), dl.win)
	chosen := p.onDone
	p.onDone = func(dir string, picked []string) {
		d.Hide()
		chosen(dir, picked)
	}
	p.onCancel = d.Hide
	d.SetOnClosed(p.stop)
	d.Resize(fyne.NewSize(720, 520))
	dl.present(d, nil)
	dl.win.Canvas().Focus(p.list)
	p.openAsync(dirs...)
}

// startDirs is where a picker opens: the folder remembered under pref,
// then the given ones, then the home folder.
func startDirs(pref string, more ...string) []string {
	var dirs []string
	if d := fyne.CurrentApp().Preferences().String(pref); d != "" {
		dirs = append(dirs, d)
	}
	dirs = append(dirs, more...)
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, home)
	}
	if len(dirs) == 0 {
		dirs = append(dirs, ".")
	}
	return dirs
}
