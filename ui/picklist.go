package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The picker's list and rows, which keep the keys a person expects.

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
