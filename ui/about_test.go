package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store/sandbox"
)

// copyBeside taps the Copy button on the dialog's line that shows text.
func (h *harness) copyBeside(text string) {
	h.t.Helper()
	var btn *widget.Button
	h.ui(func() {
		for _, o := range test.LaidOutObjects(h.w.win.Canvas().Overlays().Top()) {
			line, ok := o.(*fyne.Container)
			if !ok {
				continue
			}
			var label bool
			var copyBtn *widget.Button
			for _, c := range line.Objects {
				switch x := c.(type) {
				case *widget.Label:
					label = label || x.Text == text
				case *widget.Button:
					if x.Text == "Copy" {
						copyBtn = x
					}
				}
			}
			if label && copyBtn != nil {
				btn = copyBtn
			}
		}
	})
	if btn == nil {
		h.t.Fatalf("no Copy button beside %q; the dialog shows %q", text, h.overlayText())
	}
	h.ui(func() { test.Tap(btn) })
}

// TestAboutTellsVersionPlacesAndLicences opens About with F1 and with the
// header's button: it shows the version, the folders Haul uses (each
// copied by its own button) and the licences of what Haul bundles.
func TestAboutTellsVersionPlacesAndLicences(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: sandbox.PrivateBucket})
	h.waitDone("")
	info := AboutInfo{Version: "9.8.7", SettingsDir: "/home/someone/.config/haul", JournalDir: "/home/someone/.config/haul/transfers"}
	h.ui(func() { h.w.about = info })

	h.press(0, fyne.KeyF1)
	h.waitFor("the About dialog", h.dialogUp)
	text := h.overlayText()
	for _, want := range []string{
		"Haul 9.8.7", info.SettingsDir, info.JournalDir, testSandbox.Dir,
		"Application keys are kept in the system keychain",
		"Fyne (fyne.io/fyne/v2) — BSD 3-Clause",
		"AWS SDK for Go v2 and smithy-go — Apache 2.0",
		"go-keyring (zalando/go-keyring) — MIT",
		"go-humanize (dustin/go-humanize) — MIT",
		"golang.org/x/sync, sys, text, net, crypto, image, time — BSD 3-Clause",
		"versitygw (the built-in sandbox server) — Apache 2.0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("About does not show %q; it shows %q", want, text)
		}
	}
	clip := func() string { return get(h, func() string { return fyne.CurrentApp().Clipboard().Content() }) }
	for _, dir := range []string{info.JournalDir, info.SettingsDir, testSandbox.Dir} {
		h.copyBeside(dir)
		if got := clip(); got != dir {
			t.Errorf("Copy beside %s put %q on the clipboard", dir, got)
		}
	}
	h.tapDialogButton("Close")
	h.waitFor("the dialog to close", func() bool { return !h.dialogUp() })

	// The header's button opens it too.
	if !h.tapIcon(theme.InfoIcon()) {
		t.Fatal("the About button is disabled")
	}
	h.waitFor("the About dialog again", h.dialogUp)
	if !strings.Contains(h.overlayText(), "Haul 9.8.7") {
		t.Errorf("the header's button opened %q", h.overlayText())
	}
}

// TestFunctionKeysWhereverTheKeyboardIs: after a click in the bucket list
// (which takes the keyboard), F5 still refreshes the folder and F1 still
// opens About; with the file table focused, F1 opens About too. Fyne gives
// such keys to the focused widget only.
func TestFunctionKeysWhereverTheKeyboardIs(t *testing.T) {
	bucket := newPassingBucket(t, "haul-ui-fkeys")
	putText(t, bucket, "first.txt", "1")
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	h.waitSee(bucket)

	// A click on the bucket's row in the list, where a person clicks.
	h.ui(func() {
		var row *widget.Label
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if l, ok := o.(*widget.Label); ok && l.Text == bucket {
				row = l
			}
		}
		if row == nil {
			t.Fatalf("no row for %s in the bucket list", bucket)
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(row)
		test.TapCanvas(h.w.win.Canvas(), pos.AddXY(4, 4))
	})
	if f := h.focused(); f != h.w.sidebar.list {
		t.Fatalf("after a click in the bucket list the keyboard is with %T, want the list", f)
	}

	putText(t, bucket, "second.txt", "2")
	h.press(0, fyne.KeyF5)
	h.waitFor("F5 in the bucket list to show the new file", func() bool {
		return slices.Contains(h.names(), "second.txt")
	})

	h.press(0, fyne.KeyF1)
	h.waitFor("F1 in the bucket list to open About", h.dialogUp)
	if !strings.Contains(h.overlayText(), "Where Haul keeps things") {
		t.Fatalf("F1 opened %q, want About", h.overlayText())
	}
	h.press(0, fyne.KeyEscape)
	h.waitFor("About to close", func() bool { return !h.dialogUp() })

	h.tapRow("first.txt")
	h.press(0, fyne.KeyF1)
	h.waitFor("F1 in the file table to open About", h.dialogUp)
}
