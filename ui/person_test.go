package ui

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// These helpers drive a harness's window the way a person does: keys go
// through the canvas as Fyne's desktop driver sends them (key down to the
// focused widget, then the driver's shortcut mapping, then the typed key),
// text goes to whatever has the keyboard, buttons are found by what they
// show and tapped only when enabled, and assertions read what is drawn.
// Tests written with them catch what calling a handler would hide: a key
// the driver turns into a shortcut, a field without the keyboard, a button
// left enabled.

// press sends one key with modifiers, as the desktop driver does.
func (h *harness) press(mods fyne.KeyModifier, key fyne.KeyName) {
	h.t.Helper()
	h.ui(func() { pressOn(h.w.win.Canvas(), mods, key) })
}

// pressOn is press on any canvas; the caller holds the UI lock.
func pressOn(c fyne.Canvas, mods fyne.KeyModifier, key fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: key}
	if f := c.Focused(); f != nil {
		if k, ok := f.(desktop.Keyable); ok {
			k.KeyDown(ev)
		}
	} else if dc, ok := c.(desktop.Canvas); ok && dc.OnKeyDown() != nil {
		dc.OnKeyDown()(ev)
	}
	defer func() {
		if k, ok := c.Focused().(desktop.Keyable); ok {
			k.KeyUp(ev)
		}
	}()
	if s := driverShortcut(mods, key); s != nil {
		if f, ok := c.Focused().(fyne.Shortcutable); ok {
			type disableable interface {
				fyne.Disableable
				SelectedText() string
			}
			if d, ok := f.(disableable); ok && d.Disabled() && s.ShortcutName() != "Copy" {
				return
			}
			f.TypedShortcut(s)
			return
		}
		if sc, ok := c.(fyne.Shortcutable); ok {
			sc.TypedShortcut(s)
		}
		return
	}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
	} else if fn := c.OnTypedKey(); fn != nil {
		fn(ev)
	}
}

// driverShortcut is the shortcut Fyne's desktop driver (internal/driver/
// glfw, triggersShortcut) makes of a key with modifiers on Linux, or nil
// when the key goes on as a typed key.
func driverShortcut(mods fyne.KeyModifier, key fyne.KeyName) fyne.Shortcut {
	clip := test.NewClipboard()
	if mods == fyne.KeyModifierControl {
		switch key {
		case fyne.KeyZ:
			return &fyne.ShortcutUndo{}
		case fyne.KeyY:
			return &fyne.ShortcutRedo{}
		case fyne.KeyV:
			return &fyne.ShortcutPaste{Clipboard: clip}
		case fyne.KeyC, fyne.KeyInsert:
			return &fyne.ShortcutCopy{Clipboard: clip}
		case fyne.KeyX:
			return &fyne.ShortcutCut{Clipboard: clip}
		case fyne.KeyA:
			return &fyne.ShortcutSelectAll{}
		}
	}
	if mods == fyne.KeyModifierShift {
		switch key {
		case fyne.KeyInsert:
			return &fyne.ShortcutPaste{Clipboard: clip}
		case fyne.KeyDelete:
			return &fyne.ShortcutCut{Clipboard: clip}
		}
	}
	if mods != 0 && mods != fyne.KeyModifierShift {
		return &desktop.CustomShortcut{KeyName: key, Modifier: mods}
	}
	return nil
}

// typeText types into whatever has the keyboard, failing when nothing
// does: a person's keys would go nowhere.
func (h *harness) typeText(s string) {
	h.t.Helper()
	var focused fyne.Focusable
	h.ui(func() {
		focused = h.w.win.Canvas().Focused()
		if focused != nil {
			for _, r := range s {
				focused.TypedRune(r)
			}
		}
	})
	if focused == nil {
		h.t.Fatalf("typing %q: nothing has the keyboard", s)
	}
}

// focused is the widget with the keyboard.
func (h *harness) focused() fyne.Focusable {
	return get(h, func() fyne.Focusable { return h.w.win.Canvas().Focused() })
}

// visibleObjects walks what is on screen, the top dialog included,
// skipping hidden objects and whatever lies outside the window. Inside a
// scroller the test driver reports unscrolled positions, so there only
// hidden objects are skipped (shownRows places table rows exactly).
func visibleObjects(c fyne.Canvas) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	size := c.Size()
	d := fyne.CurrentApp().Driver()
	var walk func(o fyne.CanvasObject, scrolled bool)
	walk = func(o fyne.CanvasObject, scrolled bool) {
		if o == nil || !o.Visible() {
			return
		}
		if !scrolled {
			pos := d.AbsolutePositionForObject(o)
			if pos.X >= size.Width || pos.Y >= size.Height || pos.X+o.Size().Width <= 0 || pos.Y+o.Size().Height <= 0 {
				return
			}
		}
		out = append(out, o)
		scrolled = scrolled || strings.HasSuffix(reflect.TypeOf(o).String(), ".Scroll")
		switch x := o.(type) {
		case *fyne.Container:
			for _, child := range x.Objects {
				walk(child, scrolled)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(x).Objects() {
				walk(child, scrolled)
			}
		}
	}
	walk(c.Content(), false)
	for _, o := range c.Overlays().List() {
		walk(o, false)
	}
	return out
}

// screenText is every piece of text drawn in the window, in drawing order,
// as it is drawn (truncated where the widget truncates it).
func (h *harness) screenText() []string {
	var out []string
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if t, ok := o.(*canvas.Text); ok && strings.TrimSpace(t.Text) != "" {
				out = append(out, t.Text)
			}
		}
	})
	return out
}

// sees reports whether s is drawn: in one piece of text, or across the
// lines a wrapping label broke it into.
func (h *harness) sees(s string) bool {
	text := h.screenText()
	return slices.ContainsFunc(text, func(t string) bool { return strings.Contains(t, s) }) ||
		strings.Contains(strings.Join(text, " "), s)
}

// waitSee waits until s is drawn somewhere, failing after 30 s.
func (h *harness) waitSee(s string) {
	h.t.Helper()
	h.waitFor("the text "+s, func() bool { return h.sees(s) })
}

// waitFor polls cond (each call takes the UI lock itself) until it holds,
// failing after 30 s; it is a deadline for a broken test, not a timing
// assertion.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("waited 30s for %s; the screen shows %q", what, h.screenText())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// button finds a visible button showing label (nil when there is none).
func (h *harness) button(label string) *widget.Button {
	var found *widget.Button
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if b, ok := o.(*widget.Button); ok && b.Text == label {
				found = b
			}
		}
	})
	return found
}

// tapButton taps the visible button showing label, as a person would: it
// fails when there is no such button, and taps nothing when the button is
// disabled (reporting false), as a click on it would do nothing.
func (h *harness) tapButton(label string) bool {
	h.t.Helper()
	b := h.button(label)
	if b == nil {
		h.t.Fatalf("no button %q on screen; the screen shows %q", label, h.screenText())
	}
	if get(h, b.Disabled) {
		return false
	}
	h.ui(func() { test.Tap(b) })
	return true
}

// dialogUp reports whether a dialog covers the window.
func (h *harness) dialogUp() bool {
	return get(h, func() bool { return h.w.win.Canvas().Overlays().Top() != nil })
}

// tapRow taps a row of the folder table where it is drawn (its name cell),
// failing when the row is not on screen.
func (h *harness) tapRow(name string) {
	h.t.Helper()
	var cell *fileCell
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if c, ok := o.(*fileCell); ok && c.col == colName && c.row < h.w.browser.view.Len() &&
				h.w.browser.view.name(h.w.browser.view.At(c.row)) == name {
				cell = c
			}
		}
	})
	if cell == nil {
		h.t.Fatalf("row %q is not on screen; the screen shows %q", name, h.screenText())
	}
	h.ui(func() {
		// A tap arrives after the pointer went down on the cell.
		cell.MouseDown(&desktop.MouseEvent{})
		test.Tap(cell)
	})
}

// shownRows is the names in the folder table's rows that are drawn inside
// the table's scrolled view, top to bottom.
func (h *harness) shownRows() []string {
	type shown struct {
		y    float32
		name string
	}
	var rows []shown
	h.ui(func() {
		t := h.w.browser.table
		off, view := tableScroll(t)
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			c, ok := o.(*fileCell)
			if !ok || c.col != colName || c.row >= h.w.browser.view.Len() {
				continue
			}
			y := c.Position().Y - off.Y
			if y+c.Size().Height <= 0 || y >= view.Height {
				continue
			}
			rows = append(rows, shown{y, c.label.Text})
		}
	})
	slices.SortFunc(rows, func(a, b shown) int { return int(a.y - b.y) })
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.name
	}
	return out
}

// tableScroll is the offset and size of the scroller inside a table: the
// test driver places cells at their unscrolled positions, so what is on
// screen is what lies inside this window onto them. Fyne keeps the
// scroller's type internal; its exported Offset field is read by
// reflection.
func tableScroll(t *fileTable) (offset fyne.Position, view fyne.Size) {
	found := false
	for _, o := range test.WidgetRenderer(t).Objects() {
		v := reflect.ValueOf(o)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			continue
		}
		f := v.Elem().FieldByName("Offset")
		// The rows' scroller is the last one; the headers have their own
		// before it.
		if f.IsValid() && f.Type() == reflect.TypeOf(fyne.Position{}) && strings.HasSuffix(v.Type().String(), ".Scroll") {
			offset, view, found = f.Interface().(fyne.Position), o.Size(), true
		}
	}
	if !found {
		return fyne.Position{}, t.Size()
	}
	return offset, view
}

// tapIcon taps the visible button that shows only icon (a toolbar button
// without a label), failing when there is none; like tapButton, it taps
// nothing when the button is disabled and reports false. Two such
// buttons on screen fail the test: a person could not tell which is meant.
func (h *harness) tapIcon(icon fyne.Resource) bool {
	h.t.Helper()
	var all []*widget.Button
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if b, ok := o.(*widget.Button); ok && b.Text == "" && b.Icon != nil && b.Icon.Name() == icon.Name() {
				all = append(all, b)
			}
		}
	})
	if len(all) != 1 {
		h.t.Fatalf("%d buttons with the icon %s on screen, want 1; the screen shows %q", len(all), icon.Name(), h.screenText())
	}
	found := all[0]
	if get(h, found.Disabled) {
		return false
	}
	h.ui(func() { test.Tap(found) })
	return true
}
