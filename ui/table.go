package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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

	// chosen holds the widths the person gave columns by dragging their
	// edges (remembered in the app's preferences); the other columns take
	// widths from the theme, and Name takes whatever is left.
	chosen map[int]float32
	drag   columnDrag
}

// columnDrag is a drag of the edge after column col, from pointer x, with
// the widths the columns had when it started. col is -1 when no edge is
// being dragged.
type columnDrag struct {
	col   int
	x     float32
	start [numCols]float32
}

// columnWidthPrefs are the preference keys of the widths a person chose;
// Name has none, it fills the table.
var columnWidthPrefs = map[int]string{
	colIcon:     "folderTable.width.icon",
	colSize:     "folderTable.width.size",
	colModified: "folderTable.width.modified",
}

func newFileTable(b *browser) *fileTable {
	t := &fileTable{b: b, chosen: map[int]float32{}, drag: columnDrag{col: -1}}
	if a := fyne.CurrentApp(); a != nil {
		for col, key := range columnWidthPrefs {
			if w := a.Preferences().Float(key); w > 0 {
				t.chosen[col] = float32(w)
			}
		}
	}
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
	t.layoutColumns(0)
	return t
}

// columnWidth is a column's width: the one the person chose, else one that
// fits its usual content in the current theme's text size and padding.
// Name, which fills the table, is not asked.
func (t *fileTable) columnWidth(col int) float32 {
	if w, ok := t.chosen[col]; ok {
		return w
	}
	th := t.Theme()
	inner := th.Size(theme.SizeNameInnerPadding)
	text := func(s string) float32 {
		return fyne.MeasureText(s, th.Size(theme.SizeNameText), fyne.TextStyle{}).Width + 2*inner
	}
	switch col {
	case colIcon:
		return th.Size(theme.SizeNameInlineIcon) + 2*inner
	case colSize:
		return text("999,999,999 B") // exact sizes up to a gigabyte
	case colModified:
		return text("2006-01-02 15:04:05 MST") // exact times
	}
	return 0
}

// minColumnWidth is the narrowest a drag makes a column.
func (t *fileTable) minColumnWidth(col int) float32 {
	th := t.Theme()
	if col == colIcon {
		return th.Size(theme.SizeNameInlineIcon) + 2*th.Size(theme.SizeNameInnerPadding)
	}
	return 3 * th.Size(theme.SizeNameText)
}

// layoutColumns gives every column its width for a table width wide.
func (t *fileTable) layoutColumns(wide float32) {
	for col := range numCols {
		if col != colName {
			t.SetColumnWidth(col, t.columnWidth(col))
		}
	}
	t.SetColumnWidth(colName, t.nameWidth(wide))
}

// nameWidth is what the other columns leave of a table width wide, so rows
// span the table and long names show as much as fits, but never narrower
// than a name of 14 wide letters.
func (t *fileTable) nameWidth(wide float32) float32 {
	th := t.Theme()
	rest := wide - th.Size(theme.SizeNamePadding)*float32(numCols) - th.Size(theme.SizeNameScrollBar)
	for col := range numCols {
		if col != colName {
			rest -= t.columnWidth(col)
		}
	}
	return max(14*th.Size(theme.SizeNameText), rest)
}

// Resize lays the columns out for the new width.
func (t *fileTable) Resize(size fyne.Size) {
	t.layoutColumns(size.Width)
	t.Table.Resize(size)
}

// Refresh lays the columns out again, for a theme whose sizes changed.
func (t *fileTable) Refresh() {
	t.layoutColumns(t.Size().Width)
	t.Table.Refresh()
}

// edgeAt is the column whose right edge lies at pos (table coordinates) in
// the header row, or -1. The edge is the padding between two headers, and
// as much again on either side: in a compact theme the gap alone is two
// pixels wide. The last column's edge is the table's.
func (t *fileTable) edgeAt(pos fyne.Position) int {
	if t.CreateHeader == nil || pos.Y < 0 || pos.Y >= t.CreateHeader().MinSize().Height {
		return -1
	}
	pad := t.Theme().Size(theme.SizeNamePadding)
	x := float32(0)
	for col := range numCols - 1 {
		x += t.width(col)
		if pos.X >= x-pad && pos.X <= x+2*pad {
			return col
		}
		x += pad
	}
	return -1
}

// width is the width a column has now, Name included.
func (t *fileTable) width(col int) float32 {
	if col == colName {
		return t.nameWidth(t.Size().Width)
	}
	return t.columnWidth(col)
}

// MouseDown notes whether the press is on a header's edge, which a drag
// then moves.
func (t *fileTable) MouseDown(e *desktop.MouseEvent) {
	t.drag = columnDrag{col: t.edgeAt(e.Position), x: e.Position.X}
	for col := range numCols {
		t.drag.start[col] = t.width(col)
	}
	t.Table.MouseDown(e)
}

// Dragged moves the edge being dragged with the pointer. The edge moves
// and the others stay: the column on its left grows by what the one on its
// right gives up. Name fills the table, so the edge after it widens or
// narrows Size, and the edge before it the icons.
func (t *fileTable) Dragged(e *fyne.DragEvent) {
	col := t.drag.col
	if col < 0 {
		return
	}
	dx := e.Position.X - t.drag.x
	left, right := col, col+1
	switch {
	case left == colName:
		t.chosen[right] = max(t.minColumnWidth(right), t.drag.start[right]-dx)
	case right == colName:
		t.chosen[left] = max(t.minColumnWidth(left), t.drag.start[left]+dx)
	default:
		both := t.drag.start[left] + t.drag.start[right]
		w := min(max(t.minColumnWidth(left), t.drag.start[left]+dx), both-t.minColumnWidth(right))
		t.chosen[left], t.chosen[right] = w, both-w
	}
	t.layoutColumns(t.Size().Width)
}

// DragEnd remembers the widths a drag gave the columns.
func (t *fileTable) DragEnd() {
	if t.drag.col >= 0 {
		if a := fyne.CurrentApp(); a != nil {
			for col, w := range t.chosen {
				a.Preferences().SetFloat(columnWidthPrefs[col], float64(w))
			}
		}
	}
	t.drag.col = -1
	t.Table.DragEnd()
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
	// dim draws a deleted file's name, unselected, in the placeholder
	// colour: a Label takes its colour from its importance only, and the
	// low one is Fyne's disabled grey, all but invisible on the background
	// (0x39 on 0x17 in the dark variant, 0xe3 on white in the light one).
	// The label, hidden then, keeps the text all the same.
	dim *widget.RichText
}

func newFileCell(t *fileTable) *fileCell {
	c := &fileCell{t: t, bg: canvas.NewRectangle(color.Transparent), icon: widget.NewIcon(nil), label: widget.NewLabel("")}
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.dim = widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyle{
		Inline: true, ColorName: theme.ColorNamePlaceHolder, TextStyle: fyne.TextStyle{Italic: true},
	}})
	c.dim.Truncation = fyne.TextTruncateEllipsis
	c.dim.Hide()
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer stacks the cell's parts: the icon at the theme's icon
// size, centred, and the text, whose line height and padding give the row
// its height.
func (c *fileCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.bg, container.NewCenter(c.icon), c.label, c.dim))
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
	selected := b.isSelected(o.Key)
	if selected {
		c.bg.FillColor = theme.Color(theme.ColorNameSelection)
	} else {
		c.bg.FillColor = color.Transparent
	}
	c.bg.Refresh()
	// Italics and the word tell a deleted file. Its dimmer colour is
	// dropped when selected, where it would not stand out from the
	// selection's colour enough to read (light variant).
	dimmed := id.Col == colName && o.Deleted && !selected
	c.icon.Hidden = id.Col != colIcon
	c.label.Hidden = id.Col == colIcon || dimmed
	c.dim.Hidden = !dimmed
	switch id.Col {
	case colIcon:
		c.icon.SetResource(iconFor(o))
	case colName:
		name := printable(b.view.name(o))
		c.label.TextStyle = fyne.TextStyle{}
		if o.Deleted {
			name += "  (deleted)"
			c.label.TextStyle = fyne.TextStyle{Italic: true}
		}
		if dimmed {
			c.dim.Segments[0].(*widget.TextSegment).Text = name
			c.dim.Refresh()
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
