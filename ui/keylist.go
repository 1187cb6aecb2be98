package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Fyne gives every key without Ctrl or Alt to the widget that has the
// keyboard, and the window sees none of them: after a click in the bucket
// list or the transfers, F5 and F1 would do nothing. The window's lists and
// tree are these, which first offer each key to the window's own keys
// (onKey, set by keys.go) and keep it for themselves when the window has no
// use for it.

// keyList is a widget.List that offers its keys to the window first.
type keyList struct {
	widget.List
	onKey func(*fyne.KeyEvent) bool
}

func newKeyList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

func (l *keyList) TypedKey(e *fyne.KeyEvent) {
	if l.onKey != nil && l.onKey(e) {
		return
	}
	l.List.TypedKey(e)
}

// keyTree is a widget.Tree that offers its keys to the window first.
type keyTree struct {
	widget.Tree
	onKey func(*fyne.KeyEvent) bool
}

func newKeyTree(children func(widget.TreeNodeID) []widget.TreeNodeID, isBranch func(widget.TreeNodeID) bool,
	create func(bool) fyne.CanvasObject, update func(widget.TreeNodeID, bool, fyne.CanvasObject)) *keyTree {
	t := &keyTree{}
	t.ChildUIDs, t.IsBranch, t.CreateNode, t.UpdateNode = children, isBranch, create, update
	t.ExtendBaseWidget(t)
	return t
}

func (t *keyTree) TypedKey(e *fyne.KeyEvent) {
	if t.onKey != nil && t.onKey(e) {
		return
	}
	t.Tree.TypedKey(e)
}
