package ui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/sandbox"
	"github.com/haul-app/haul/transfer"
)

// iconButtons walks everything under o, hidden objects included, and
// returns the icon-only buttons with a tooltip (by tooltip) and the icons
// of those without one.
func iconButtons(o fyne.CanvasObject) (tips map[string]int, bare []string) {
	tips = map[string]int{}
	// Hidden buttons count (a row shows some only for some versions),
	// except inside a form, which keeps its own Submit and Cancel icons
	// hidden when it has no such action.
	var walk func(o fyne.CanvasObject, around *tipped, inForm bool)
	walk = func(o fyne.CanvasObject, around *tipped, inForm bool) {
		if inForm && !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *tipped:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c, x, inForm)
			}
		case *widget.Button:
			if x.Text != "" || x.Icon == nil {
				return
			}
			if around == nil || around.btn != x || strings.TrimSpace(around.tip) == "" {
				bare = append(bare, x.Icon.Name())
				return
			}
			tips[around.tip]++
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c, nil, inForm)
			}
		case fyne.Widget:
			_, form := x.(*widget.Form)
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c, nil, form)
			}
		}
	}
	walk(o, nil, false)
	return tips, bare
}

// checkTips fails on any icon-only button on the canvas (the window and
// its dialogs) without a tooltip, and on any of want that is missing.
func (h *harness) checkTips(where string, want ...string) {
	h.t.Helper()
	var tips map[string]int
	var bare []string
	h.ui(func() {
		c := h.w.win.Canvas()
		tips, bare = iconButtons(c.Content())
		for _, o := range c.Overlays().List() {
			t, b := iconButtons(o)
			for k, n := range t {
				tips[k] += n
			}
			bare = append(bare, b...)
		}
	})
	if len(bare) > 0 {
		h.t.Errorf("%s: icon-only buttons without a tooltip: %v", where, bare)
	}
	for _, w := range want {
		found := false
		for tip := range tips {
			found = found || strings.HasPrefix(tip, w)
		}
		if !found {
			h.t.Errorf("%s: no button with the tooltip %q; the tooltips are %v", where, w, tips)
		}
	}
}

// TestEveryIconButtonHasATooltip walks the whole window with a file's
// versions listed and a transfer in the panel, then the dialogs that have
// icon-only buttons, and fails on any icon-only button without a tooltip.
func TestEveryIconButtonHasATooltip(t *testing.T) {
	h, q := newTransferHarnessAt(t, Location{Bucket: sandbox.PrivateBucket, Prefix: "docs/", Key: "docs/notes.txt"}, transfer.DefaultOptions())
	p := h.w.versions
	h.eventually("the versions of notes.txt", func() bool { return len(p.versions) == 3 })
	local := t.TempDir() + "/tip.txt"
	writeFile(t, local, 100)
	h.ui(func() { h.w.enqueue.upload([]string{local}, Location{Bucket: sandbox.PrivateBucket, Prefix: "tips/"}) })
	allDone(t, q, 1)
	h.eventually("the transfer's row", func() bool { return len(h.w.transfers.rows) == 1 && h.w.transfers.body.Visible() })
	// The test canvas lays out again only when the window's size changes:
	// the panel's list builds its rows then.
	h.ui(func() { h.w.win.Resize(fyne.NewSize(1300, 900)) })
	h.checkTips("the window",
		"Back (Alt+Left)", "Forward", "Up one folder", "Refresh (F5)", "New folder", "Search this bucket",
		"New bucket", "Make the bucket public", "Delete the bucket", "About Haul",
		"Hide the transfers", "Transfer settings", "Start next", "Try again", "Pause", "Cancel this transfer",
		"Copy the version ID: ", "Download this version", "Share a link", "Restore", "Retention", "Delete this version")

	// The properties dialog, with a metadata row and its remove button.
	h.press(fyne.KeyModifierAlt, fyne.KeyReturn)
	// The editor shows once the file's details have loaded.
	h.waitSee("Content type and metadata")
	h.tapDialogButton("Add metadata")
	h.checkTips("the properties dialog", "Remove this metadata")
}

// TestAccountsDialogButtonsHaveTooltips opens the accounts dialog with a
// saved account, whose edit and remove buttons are icons.
func TestAccountsDialogButtonsHaveTooltips(t *testing.T) {
	h, book, _ := newAccountsHarness(t)
	if _, err := book.Add(store.Account{Name: "Photos", KeyID: "004abc0000000000000000001", Endpoint: "https://s3.us-west-004.backblazeb2.com", Region: "us-west-004"}, "K004secretsecretsecret"); err != nil && !errors.Is(err, store.ErrNoKeychain) {
		t.Fatal(err)
	}
	h.tapButton("Accounts…")
	h.eventually("the accounts dialog", func() bool { return strings.Contains(h.overlayTextLocked(), "Photos") })
	h.checkTips("the accounts dialog", "Edit this account", "Remove this account")
}

// tipOf finds the visible button whose tooltip starts with tip.
func (h *harness) tipOf(tip string) *tipped {
	h.t.Helper()
	var found *tipped
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if t, ok := o.(*tipped); ok && strings.HasPrefix(t.tip, tip) {
				found = t
			}
		}
	})
	if found == nil {
		h.t.Fatalf("no button with the tooltip %q on screen", tip)
	}
	return found
}

// hover rests the pointer on the middle of o, through the test driver's
// mouse events, and returns where that is.
func (h *harness) hover(o fyne.CanvasObject) fyne.Position {
	var at fyne.Position
	h.ui(func() {
		at = fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
		test.MoveMouse(h.w.win.Canvas(), at)
	})
	return at
}

// TestTooltipShowsOnHoverAndGoesOnExitAndClick rests the pointer on the
// search button: its tooltip is drawn after the delay, goes when the
// pointer leaves, and goes when the button is clicked, which still acts.
func TestTooltipShowsOnHoverAndGoesOnExitAndClick(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: pagingBucket})
	h.waitDone("")
	const tip = "Search this bucket (Ctrl+Shift+F)"
	search := h.tipOf(tip)
	if h.sees(tip) {
		t.Fatal("the tooltip is drawn before any hover")
	}
	at := h.hover(search)
	h.waitSee(tip)
	// It sits below the button, inside the window.
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if l, ok := o.(*widget.Label); ok && l.Text == tip {
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(l)
				if pos.Y < at.Y {
					t.Errorf("the tooltip is drawn at %v, above the pointer at %v", pos, at)
				}
			}
		}
	})

	// The pointer leaves for the empty status bar: the tooltip goes.
	h.ui(func() { test.MoveMouse(h.w.win.Canvas(), fyne.NewPos(600, 5)) })
	h.waitFor("the tooltip to go", func() bool { return !h.sees(tip) })

	// Back on the button, then a click: the tooltip goes and the button
	// does its work (the search dialog opens).
	h.hover(search)
	h.waitSee(tip)
	h.ui(func() { test.TapCanvas(h.w.win.Canvas(), at) })
	h.waitFor("the search dialog", h.dialogUp)
	if h.sees(tip) {
		t.Error("the tooltip stayed after the click")
	}
	// A disabled button shows its tooltip but does nothing when clicked.
	h.tapDialogButton("Close")
	h.waitFor("the search dialog to close", func() bool { return !h.dialogUp() })
	fwd := h.tipOf("Forward (Alt+Right)")
	if !get(h, fwd.btn.Disabled) {
		t.Fatal("Forward is enabled with no history")
	}
	at = h.hover(fwd)
	h.waitSee("Forward (Alt+Right)")
	h.ui(func() { test.TapCanvas(h.w.win.Canvas(), at) })
	if loc := get(h, h.w.browser.location); loc.Bucket != pagingBucket || loc.Prefix != "" {
		t.Errorf("a click on disabled Forward went to %v", loc)
	}
}
