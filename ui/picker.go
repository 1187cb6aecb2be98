package ui

import (
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"
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

// readLocalDir lists dir: folders first, then files, each by name without
// regard to case. A link to a folder counts as a folder.
func readLocalDir(dir string) ([]localEntry, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, errNotFolder
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]localEntry, 0, len(des))
	for _, de := range des {
		e := localEntry{name: de.Name(), path: filepath.Join(dir, de.Name())}
		info, err := os.Stat(e.path)
		if err != nil {
			// A broken link: shown as what it is; an upload says why
			// it cannot be read.
			if info, err = de.Info(); err != nil {
				continue // gone meanwhile
			}
		}
		e.dir = info.IsDir()
		if !e.dir {
			e.size = humanize.Bytes(uint64(max(info.Size(), 0)))
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b localEntry) int {
		if a.dir != b.dir {
			if a.dir {
				return -1
			}
			return 1
		}
		if c := strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out, nil
}

// localDirSentence says why a folder could not be opened, in words a
// person can act on.
func localDirSentence(dir string, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such folder: " + dir
	case errors.Is(err, errNotFolder):
		return dir + " is a file, not a folder."
	case errors.Is(err, fs.ErrPermission):
		return "Haul may not read " + dir + " (permission denied)."
	default:
		return "Could not read " + dir + ": " + err.Error()
	}
}

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

// pickList is the picker's list. It keeps the keys a List would keep
// (Escape closes the picker, Enter opens the row under the cursor) and
// draws its cursor itself, as taps on its rows move it.
type pickList struct {
	widget.List
	p       *picker
	focused bool
}

func newPickList(p *picker) *pickList {
	l := &pickList{p: p}
	l.Length = func() int { return len(p.shown) }
	l.CreateItem = func() fyne.CanvasObject { return newPickRow(p) }
	l.UpdateItem = func(id widget.ListItemID, o fyne.CanvasObject) { o.(*pickRow).update(id) }
	l.ExtendBaseWidget(l)
	return l
}

// FocusGained shows the cursor; the List's own focus mark stays off, as it
// would not follow taps.
func (l *pickList) FocusGained() {
	l.focused = true
	l.RefreshItem(l.p.cursor)
}

// FocusLost hides the cursor.
func (l *pickList) FocusLost() {
	l.focused = false
	l.RefreshItem(l.p.cursor)
}

// TypedKey moves the cursor, ticks with Space, opens with Enter, goes up
// with Backspace and closes the picker with Escape.
func (l *pickList) TypedKey(e *fyne.KeyEvent) {
	p := l.p
	switch e.Name {
	case fyne.KeyEscape:
		p.giveUp()
	case fyne.KeyReturn, fyne.KeyEnter:
		if len(p.shown) == 0 {
			p.done()
		} else {
			p.openRow(p.cursor)
		}
	case fyne.KeySpace:
		p.toggle(p.cursor)
	case fyne.KeyUp:
		p.moveCursor(p.cursor - 1)
	case fyne.KeyDown:
		p.moveCursor(p.cursor + 1)
	case fyne.KeyPageUp:
		p.moveCursor(p.cursor - 10)
	case fyne.KeyPageDown:
		p.moveCursor(p.cursor + 10)
	case fyne.KeyHome:
		p.moveCursor(0)
	case fyne.KeyEnd:
		p.moveCursor(len(p.shown) - 1)
	case fyne.KeyBackspace:
		p.goUp()
	}
}

// TypedShortcut ticks every row on Ctrl+A.
func (l *pickList) TypedShortcut(s fyne.Shortcut) {
	if _, ok := s.(*fyne.ShortcutSelectAll); ok && len(l.p.ticked) < len(l.p.shown) {
		l.p.toggleAll()
	}
}

// pickRow is one row of the picker's list: a tick, an icon, the name and
// the size. A tap ticks it, a double tap opens it.
type pickRow struct {
	widget.BaseWidget
	p    *picker
	id   int
	bg   *canvas.Rectangle
	tick *widget.Icon
	icon *widget.Icon
	name *widget.Label
	size *widget.Label
}

func newPickRow(p *picker) *pickRow {
	r := &pickRow{
		p:    p,
		bg:   canvas.NewRectangle(color.Transparent),
		tick: widget.NewIcon(theme.CheckButtonIcon()),
		icon: widget.NewIcon(theme.FileIcon()),
		name: widget.NewLabel(""),
		size: widget.NewLabel(""),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.size.Alignment = fyne.TextAlignTrailing
	if p.mode != pickItems {
		r.tick.Hide()
	}
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer lays the row out.
func (r *pickRow) CreateRenderer() fyne.WidgetRenderer {
	left := container.NewHBox(r.tick, r.icon)
	return widget.NewSimpleRenderer(container.NewStack(r.bg, container.NewBorder(nil, nil, left, r.size, r.name)))
}

// update shows entry id of the picker.
func (r *pickRow) update(id int) {
	p := r.p
	if id < 0 || id >= len(p.shown) {
		return
	}
	r.id = id
	e := p.shown[id]
	if e.dir {
		r.icon.SetResource(theme.FolderIcon())
	} else {
		r.icon.SetResource(theme.FileIcon())
	}
	if p.ticked[e.name] {
		r.tick.SetResource(theme.CheckButtonCheckedIcon())
	} else {
		r.tick.SetResource(theme.CheckButtonIcon())
	}
	// Only folders can be chosen in a folder picker: files are dimmed.
	r.name.Importance = widget.MediumImportance
	if p.mode == pickFolder && !e.dir {
		r.name.Importance = widget.LowImportance
	}
	r.name.SetText(e.name)
	r.size.SetText(e.size)
	r.bg.FillColor = color.Transparent
	if p.list.focused && id == p.cursor {
		r.bg.FillColor = theme.Color(theme.ColorNameFocus)
	}
	r.bg.Refresh()
}

// Tapped ticks the row.
func (r *pickRow) Tapped(*fyne.PointEvent) { r.p.tapRow(r.id) }

// DoubleTapped opens the row.
func (r *pickRow) DoubleTapped(*fyne.PointEvent) {
	r.p.moveCursor(r.id)
	r.p.focusList()
	r.p.openRow(r.id)
}

// escCheck is a Check that gives Escape back to its dialog, as escEntry
// does: a tapped Check takes the keyboard and keeps every key.
type escCheck struct {
	widget.Check
	onEscape func()
}

func newEscCheck(label string, changed func(bool)) *escCheck {
	c := &escCheck{}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey closes the dialog on Escape and is the Check's otherwise.
func (c *escCheck) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && c.onEscape != nil {
		c.onEscape()
		return
	}
	c.Check.TypedKey(k)
}

// pickLocal shows p in a dialog titled title, reading the first of dirs
// that can be read. Escape closes it wherever the keyboard is inside it;
// Enter is answered by the widget that has the keyboard (it is given to
// the list), never by the window, which would forget the dialog's Escape
// once Enter found nothing to choose.
func (w *Window) pickLocal(title string, p *picker, dirs ...string) {
	d := dialog.NewCustomWithoutButtons(title, p.build(), w.win)
	chosen := p.onDone
	p.onDone = func(dir string, picked []string) {
		d.Hide()
		chosen(dir, picked)
	}
	p.onCancel = d.Hide
	d.SetOnClosed(p.stop)
	d.Resize(fyne.NewSize(720, 520))
	w.dlg.present(d, nil)
	w.win.Canvas().Focus(p.list)
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
