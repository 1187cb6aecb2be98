package ui

import "fyne.io/fyne/v2/widget"

// busy is a spinner that animates only while it is shown. Fyne's infinite
// progress bar keeps animating once hidden (Hide does not stop it, and a
// bar hidden before it was first drawn starts anyway), which made an idle
// window repaint itself sixty times a second.
type busy struct {
	*widget.Activity
}

func newBusy() *busy {
	b := &busy{widget.NewActivity()}
	b.Activity.Hide()
	return b
}

// Show shows the spinner and starts it.
func (b *busy) Show() {
	b.Activity.Show()
	b.Start()
}

// Hide stops the spinner and hides it.
func (b *busy) Hide() {
	b.Stop()
	b.Activity.Hide()
}
