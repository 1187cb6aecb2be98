package ui

import (
	"image/color"
	"path"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// Columns of the folder table.
const (
	colIcon = iota
	colName
	colSize
	colModified
	numCols
)

// fileTable is the folder's contents. It adds to widget.Table what a file
// browser needs: whole-row selection with Ctrl and Shift, double-click and
// Enter to open, Backspace to go back, and sortable headers.
type fileTable struct {
	widget.Table
	b     *browser
	cells []*fileCell // every cell the table made, to find one by position
}

func newFileTable(b *browser) *fileTable {
	t := &fileTable{b: b}
	t.Length = func() (int, int) { return b.view.Len(), numCols }
	t.CreateCell = func() fyne.CanvasObject {
		c := newFileCell(t)
		t.cells = append(t.cells, c)
		return c
	}
	t.UpdateCell = func(id widget.TableCellID, o fyne.CanvasObject) { o.(*fileCell).update(id) }
	t.ShowHeaderRow = true
	t.CreateHeader = func() fyne.CanvasObject {
		btn := widget.NewButton("", nil)
		btn.Importance = widget.LowImportance
		btn.Alignment = widget.ButtonAlignLeading
		return btn
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		btn := o.(*widget.Button)
		col := sortColumn(-1)
		switch id.Col {
		case colName:
			btn.SetText("Name")
			col = sortName
		case colSize:
			btn.SetText("Size")
			col = sortSize
		case colModified:
			btn.SetText("Modified")
			col = sortModified
		default:
			btn.SetText("")
		}
		btn.SetIcon(nil)
		if col >= 0 && b.spec.col == col {
			btn.SetIcon(theme.MenuDropDownIcon())
			if !b.spec.desc {
				btn.SetIcon(theme.MenuDropUpIcon())
			}
		}
		btn.OnTapped = func() {
			if col >= 0 {
				b.toggleSort(col)
			}
		}
	}
	t.ExtendBaseWidget(t)
	t.SetColumnWidth(colIcon, iconWidth)
	t.SetColumnWidth(colName, 380)
	t.SetColumnWidth(colSize, sizeWidth)
	t.SetColumnWidth(colModified, modifiedWidth)
	return t
}

// Fixed widths of the columns other than Name, which takes the rest.
const (
	iconWidth     = 34
	sizeWidth     = 110
	modifiedWidth = 200
)

// Resize gives the Name column whatever the other columns leave, so rows
// span the table and long names show as much as fits.
func (t *fileTable) Resize(size fyne.Size) {
	pad := theme.Padding()*float32(numCols) + theme.ScrollBarSize()
	t.SetColumnWidth(colName, max(200, size.Width-iconWidth-sizeWidth-modifiedWidth-pad))
	t.Table.Resize(size)
}

// rowAt is the row shown at pos (canvas coordinates), or -1.
func (t *fileTable) rowAt(pos fyne.Position) int {
	d := fyne.CurrentApp().Driver()
	for _, c := range t.cells {
		if !c.Visible() || c.row >= t.b.view.Len() {
			continue
		}
		at, size := d.AbsolutePositionForObject(c), c.Size()
		if pos.X >= at.X && pos.Y >= at.Y && pos.X < at.X+size.Width && pos.Y < at.Y+size.Height {
			return c.row
		}
	}
	return -1
}

// TypedKey moves the selection with the arrows, opens with Enter and goes
// back with Backspace; other keys keep the table's behaviour.
func (t *fileTable) TypedKey(e *fyne.KeyEvent) {
	if t.b.interceptKey != nil && t.b.interceptKey(e) {
		return
	}
	n := t.b.view.Len()
	switch e.Name {
	case fyne.KeyDown:
		t.b.moveSelection(1, n)
	case fyne.KeyUp:
		t.b.moveSelection(-1, n)
	case fyne.KeyPageDown:
		t.b.moveSelection(20, n)
	case fyne.KeyPageUp:
		t.b.moveSelection(-20, n)
	case fyne.KeyHome:
		t.b.moveSelection(-n, n)
	case fyne.KeyEnd:
		t.b.moveSelection(n, n)
	case fyne.KeyReturn, fyne.KeyEnter:
		t.b.openSelected()
	case fyne.KeyBackspace:
		t.b.goBack()
	case fyne.KeyF5:
		t.b.refresh()
	case fyne.KeyDelete:
		if t.b.onDelete != nil {
			t.b.onDelete(false)
		}
	case fyne.KeyF2:
		if t.b.onRename != nil {
			t.b.onRename()
		}
	default:
		t.Table.TypedKey(e)
	}
}

// KeyDown tells the window which key went down before the driver turns it
// into a shortcut (Shift+Delete arrives as Cut).
func (t *fileTable) KeyDown(e *fyne.KeyEvent) {
	if t.b.onKeyDown != nil {
		t.b.onKeyDown(e)
	}
}

// KeyUp is part of desktop.Keyable.
func (t *fileTable) KeyUp(*fyne.KeyEvent) {}

// fileCell is one cell of the table. Cells, not the table, take the taps,
// so that a tap selects the whole row and a double tap opens it.
type fileCell struct {
	widget.BaseWidget
	t     *fileTable
	row   int
	col   int
	mods  fyne.KeyModifier
	bg    *canvas.Rectangle
	icon  *widget.Icon
	label *widget.Label
}

func newFileCell(t *fileTable) *fileCell {
	c := &fileCell{t: t, bg: canvas.NewRectangle(color.Transparent), icon: widget.NewIcon(nil), label: widget.NewLabel("")}
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.ExtendBaseWidget(c)
	return c
}

func (c *fileCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.bg, c.icon, c.label))
}

// MouseDown remembers the modifiers for the tap that follows.
func (c *fileCell) MouseDown(e *desktop.MouseEvent) { c.mods = e.Modifier }

// MouseUp is part of desktop.Mouseable.
func (c *fileCell) MouseUp(*desktop.MouseEvent) {}

// Tapped selects the row: alone, toggled with Ctrl, or a range with Shift.
func (c *fileCell) Tapped(*fyne.PointEvent) {
	c.t.b.tapRow(c.row, c.mods)
	c.mods = 0
	if cv := fyne.CurrentApp().Driver().CanvasForObject(c.t); cv != nil {
		cv.Focus(c.t)
	}
}

// TappedSecondary selects the row (unless it is selected already) and opens
// its context menu.
func (c *fileCell) TappedSecondary(e *fyne.PointEvent) {
	b := c.t.b
	if c.row < b.view.Len() && !b.isSelected(b.view.At(c.row).Key) {
		b.selectOnly(c.row)
	}
	if b.onMenu != nil {
		b.onMenu(e.AbsolutePosition)
	}
}

// DoubleTapped opens the row.
func (c *fileCell) DoubleTapped(*fyne.PointEvent) {
	c.t.b.selectOnly(c.row)
	c.t.b.openSelected()
}

func (c *fileCell) update(id widget.TableCellID) {
	b := c.t.b
	c.row, c.col = id.Row, id.Col
	if id.Row >= b.view.Len() {
		return
	}
	o := b.view.At(id.Row)
	if b.isSelected(o.Key) {
		c.bg.FillColor = theme.Color(theme.ColorNameSelection)
	} else {
		c.bg.FillColor = color.Transparent
	}
	c.bg.Refresh()
	c.icon.Hidden = id.Col != colIcon
	c.label.Hidden = id.Col == colIcon
	switch id.Col {
	case colIcon:
		c.icon.SetResource(iconFor(o))
	case colName:
		name := printable(b.view.name(o))
		c.label.Importance = widget.MediumImportance
		c.label.TextStyle = fyne.TextStyle{}
		if o.Deleted {
			name += "  (deleted)"
			c.label.Importance = widget.LowImportance
			c.label.TextStyle = fyne.TextStyle{Italic: true}
		}
		c.label.SetText(name)
		c.label.Alignment = fyne.TextAlignLeading
	case colSize:
		c.label.SetText(sizeText(o, b.exact))
		c.label.Alignment = fyne.TextAlignTrailing
	case colModified:
		c.label.SetText(timeText(o, b.exact))
		c.label.Alignment = fyne.TextAlignLeading
	}
	c.label.Refresh()
}

func iconFor(o store.Object) fyne.Resource {
	if o.IsFolder {
		return theme.FolderIcon()
	}
	switch strings.ToLower(path.Ext(o.Key)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".heic", ".tif", ".tiff", ".bmp", ".svg", ".raw", ".cr2", ".nef":
		return theme.FileImageIcon()
	case ".mp4", ".mov", ".mkv", ".avi", ".webm":
		return theme.FileVideoIcon()
	case ".mp3", ".wav", ".flac", ".ogg", ".m4a", ".aac":
		return theme.FileAudioIcon()
	case ".txt", ".md", ".csv", ".json", ".xml", ".yaml", ".yml", ".log", ".html", ".go", ".py", ".js":
		return theme.FileTextIcon()
	case ".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".zst", ".bin", ".exe", ".deb", ".rpm", ".dmg", ".iso":
		return theme.FileApplicationIcon()
	}
	return theme.FileIcon()
}
