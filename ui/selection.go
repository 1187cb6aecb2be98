package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// Selection is kept by key, so it survives re-sorting, filtering and pages
// that arrive later.

func (b *browser) isSelected(key string) bool { return b.selected[key] }

func (b *browser) clearSelection() {
	clear(b.selected)
	b.anchor = -1
	b.selectionChanged()
}

// selectOnly makes row i the whole selection.
func (b *browser) selectOnly(i int) {
	if i < 0 || i >= b.view.Len() {
		return
	}
	clear(b.selected)
	b.selected[b.view.At(i).Key] = true
	b.anchor = i
	b.selectionChanged()
}

// tapRow selects like a desktop file manager: Ctrl toggles a row, Shift
// extends from the anchor, a plain tap selects one row.
func (b *browser) tapRow(i int, mods fyne.KeyModifier) {
	if i < 0 || i >= b.view.Len() {
		return
	}
	key := b.view.At(i).Key
	switch {
	case mods&fyne.KeyModifierShift != 0 && b.anchor >= 0:
		clear(b.selected)
		lo, hi := min(b.anchor, i), max(b.anchor, i)
		for r := lo; r <= hi && r < b.view.Len(); r++ {
			b.selected[b.view.At(r).Key] = true
		}
	case mods&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0:
		if b.selected[key] {
			delete(b.selected, key)
		} else {
			b.selected[key] = true
		}
		b.anchor = i
	default:
		clear(b.selected)
		b.selected[key] = true
		b.anchor = i
	}
	b.selectionChanged()
}

// moveSelection moves a single selection by delta rows, clamped.
func (b *browser) moveSelection(delta, n int) {
	if n == 0 {
		return
	}
	i := b.anchor
	if i < 0 {
		i = -1
		if delta < 0 {
			i = n
		}
	}
	i = max(0, min(n-1, i+delta))
	b.selectOnly(i)
	b.table.ScrollTo(widget.TableCellID{Row: i, Col: colName})
}

// selection is the selected entries in display order.
func (b *browser) selection() []store.Object {
	if len(b.selected) == 0 {
		return nil
	}
	var out []store.Object
	for i := range b.view.Len() {
		if o := b.view.At(i); b.selected[o.Key] {
			out = append(out, o)
		}
	}
	return out
}

// selectionOrAll is the selection, or every entry shown when nothing is
// selected.
func (b *browser) selectionOrAll() []store.Object {
	if sel := b.selection(); len(sel) > 0 {
		return sel
	}
	var all []store.Object
	for i := range b.view.Len() {
		all = append(all, b.view.At(i))
	}
	return all
}

// editable reports whether the folder shown may be changed: a bucket is
// open and it is not a past moment.
func (b *browser) editable() bool { return b.loc.Bucket != "" && b.mode.at.IsZero() }

// downloadSource is the selection with where it lives, for a download.
func (b *browser) downloadSource() downloadSource {
	return downloadSource{Bucket: b.loc.Bucket, Base: b.loc.Prefix, At: b.mode.at, Items: b.selection()}
}

// openSelected enters a selected folder, or shows a file's properties.
func (b *browser) openSelected() {
	sel := b.selection()
	switch {
	case len(sel) != 1:
	case sel[0].IsFolder:
		b.open(Location{Bucket: b.loc.Bucket, Prefix: sel[0].Key})
	case b.onOpenFile != nil && !sel[0].Deleted:
		b.onOpenFile()
	}
}

func (b *browser) selectionChanged() {
	b.table.Refresh()
	b.updateStatus()
	if b.onSelect != nil {
		b.onSelect(b.loc.Bucket, b.selection())
	}
}
