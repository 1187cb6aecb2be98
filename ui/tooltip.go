package ui

import (
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne 2.7 has no tooltips, so Haul draws its own. A tooltip cannot be a
// canvas overlay (a pop-up): while one is up, the window sends every click
// and hover to it, so the first click after a tooltip appeared would be
// lost. Instead each window, and each dialog with icon-only buttons, is a
// tipHost: its content with a layer on top that holds nothing a pointer can
// hit, where the tooltip is placed by hand beside its button.

// tipDelay is how long the pointer rests on a button before its tooltip
// shows: long enough not to flash while the pointer crosses a toolbar.
const tipDelay = 600 * time.Millisecond

// tipHosts are the hosts on screen, newest last; a tooltip goes into the
// newest one on its button's canvas that covers the button. Touched only
// on the Fyne goroutine.
var tipHosts []*tipHost

// tipHost is content with a layer for tooltips over it.
type tipHost struct {
	layer *fyne.Container // no layout: the tooltip is placed by hand
	box   *fyne.Container // the tooltip: a background and its text
	bg    *canvas.Rectangle
	text  *widget.Label
	owner *tipped // the button whose tooltip is shown, or nil
}

// newTipHost wraps content so that the tooltips of the buttons inside it
// can be drawn over it; close unregisters it when the window or dialog
// goes away.
func newTipHost(content fyne.CanvasObject) (obj fyne.CanvasObject, close func()) {
	h := &tipHost{text: widget.NewLabel(""), bg: canvas.NewRectangle(color.Transparent)}
	h.text.SizeName = theme.SizeNameCaptionText
	h.bg.StrokeWidth = 1
	h.box = container.NewStack(h.bg, h.text)
	h.box.Hide()
	h.layer = container.NewWithoutLayout(h.box)
	tipHosts = append(tipHosts, h)
	return container.NewStack(content, h.layer), func() {
		h.hide(nil)
		tipHosts = slices.DeleteFunc(tipHosts, func(x *tipHost) bool { return x == h })
	}
}

// show draws t's tooltip under its button (over it when there is no room
// below), kept inside the host.
func (h *tipHost) show(t *tipped, at fyne.Position) {
	d := fyne.CurrentApp().Driver()
	origin := d.AbsolutePositionForObject(h.layer)
	h.text.SetText(t.tip)
	// The theme's colours now: the person may have switched themes.
	h.bg.FillColor = theme.Color(theme.ColorNameMenuBackground)
	h.bg.StrokeColor = theme.Color(theme.ColorNameDisabled)
	h.bg.CornerRadius = theme.InputRadiusSize()
	h.bg.Refresh()
	size := h.box.MinSize()
	h.box.Resize(size)
	pad := theme.Padding()
	x := at.X - origin.X
	y := at.Y - origin.Y + t.Size().Height + pad
	area := h.layer.Size()
	if x+size.Width > area.Width {
		x = area.Width - size.Width
	}
	if y+size.Height > area.Height {
		y = at.Y - origin.Y - size.Height - pad
	}
	h.box.Move(fyne.NewPos(max(0, x), max(0, y)))
	h.owner = t
	h.box.Show()
	h.layer.Refresh()
}

// hide takes the tooltip away if it is t's (any tooltip for nil).
func (h *tipHost) hide(t *tipped) {
	if t != nil && h.owner != t {
		return
	}
	h.owner = nil
	h.box.Hide()
}

// tipped is an icon-only button with the sentence it shows when the
// pointer rests on it. It looks and acts as the button does: it is shown
// exactly when the button is, and a click goes to the button.
type tipped struct {
	widget.BaseWidget
	btn *widget.Button
	tip string

	zone  *tipZone
	timer *time.Timer
	host  *tipHost // showing the tooltip, or nil
}

// withTip gives an icon-only button a tooltip. Hide and Show act on the
// button.
func withTip(btn *widget.Button, tip string) *tipped {
	t := &tipped{btn: btn, tip: tip}
	t.zone = &tipZone{t: t}
	t.zone.ExtendBaseWidget(t.zone)
	t.ExtendBaseWidget(t)
	return t
}

// CreateRenderer draws the button, with the zone that senses the pointer
// over it.
func (t *tipped) CreateRenderer() fyne.WidgetRenderer {
	return &tippedRenderer{t: t, objs: []fyne.CanvasObject{t.btn, t.zone}}
}

// Visible is the button's visibility: a hidden button leaves no gap and
// no tooltip.
func (t *tipped) Visible() bool { return t.btn.Visible() }

// Show shows the button.
func (t *tipped) Show() { t.btn.Show(); t.Refresh() }

// Hide hides the button and its tooltip.
func (t *tipped) Hide() {
	t.btn.Hide()
	t.out()
	t.Refresh()
}

// MinSize is the button's.
func (t *tipped) MinSize() fyne.Size { return t.btn.MinSize() }

// in starts the wait for the tooltip; at is where the button sits on the
// canvas.
func (t *tipped) in(at fyne.Position) {
	if t.timer != nil {
		t.timer.Stop()
	}
	t.timer = time.AfterFunc(tipDelay, func() {
		do(func() {
			if t.timer != nil && t.btn.Visible() {
				t.showTip(at)
			}
		})
	})
}

// out stops the wait and takes the tooltip away.
func (t *tipped) out() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	if t.host != nil {
		t.host.hide(t)
		t.host = nil
	}
}

// showTip puts the tooltip in the newest host on this button's canvas
// that covers the button.
func (t *tipped) showTip(at fyne.Position) {
	d := fyne.CurrentApp().Driver()
	c := d.CanvasForObject(t)
	for i := len(tipHosts) - 1; i >= 0; i-- {
		h := tipHosts[i]
		if d.CanvasForObject(h.layer) != c {
			continue
		}
		o, s := d.AbsolutePositionForObject(h.layer), h.layer.Size()
		if at.X >= o.X && at.Y >= o.Y && at.X < o.X+s.Width && at.Y < o.Y+s.Height {
			t.host = h
			h.show(t, at)
			return
		}
	}
}

type tippedRenderer struct {
	t    *tipped
	objs []fyne.CanvasObject
}

func (r *tippedRenderer) Layout(size fyne.Size) {
	for _, o := range r.objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (r *tippedRenderer) MinSize() fyne.Size           { return r.t.btn.MinSize() }
func (r *tippedRenderer) Refresh()                     { r.t.btn.Refresh() }
func (r *tippedRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *tippedRenderer) Destroy()                     {}
func (r *tippedRenderer) BackgroundColor() color.Color { return color.Transparent }

// tipZone lies over a tipped button: the window sends the pointer's hover
// to the topmost object that wants it, so the zone hears it, starts the
// tooltip and passes it on for the button's own highlight. A click goes to
// the zone too (it is the topmost tappable object) and on to the button,
// taking the tooltip away.
type tipZone struct {
	widget.BaseWidget
	t *tipped
}

func (z *tipZone) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// MouseIn passes the pointer on and starts the wait for the tooltip.
func (z *tipZone) MouseIn(e *desktop.MouseEvent) {
	z.t.btn.MouseIn(e)
	z.t.in(e.AbsolutePosition.Subtract(e.Position))
}

// MouseMoved passes the pointer on.
func (z *tipZone) MouseMoved(e *desktop.MouseEvent) { z.t.btn.MouseMoved(e) }

// MouseOut passes it on and takes the tooltip away.
func (z *tipZone) MouseOut() {
	z.t.btn.MouseOut()
	z.t.out()
}

// Tapped takes the tooltip away and taps the button (which does nothing
// when disabled).
func (z *tipZone) Tapped(e *fyne.PointEvent) {
	z.t.out()
	z.t.btn.Tapped(e)
}

// Cursor is the button's.
func (z *tipZone) Cursor() desktop.Cursor { return z.t.btn.Cursor() }

// setTip changes the sentence, for a button whose meaning follows its row.
func (t *tipped) setTip(tip string) { t.tip = tip }
