package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/haul-app/haul/transfer"
)

// recordingQueue is the real queue, remembering the limits it was given.
type recordingQueue struct {
	*transfer.Queue
	up, down float64
}

func (r *recordingQueue) SetLimits(up, down float64) {
	r.up, r.down = up, down
	r.Queue.SetLimits(up, down)
}

// TestTransferSettingsSaveAndApply types new settings, saves them and
// checks that the running queue took them at once; a ceiling out of range
// keeps Save disabled.
func TestTransferSettingsSaveAndApply(t *testing.T) {
	h, q := newTransferHarness(t, fmt.Sprintf("settings-%d/", time.Now().UnixNano()), transfer.DefaultOptions())
	rec := &recordingQueue{Queue: q}
	h.ui(func() { h.w.transfers.setQueue(rec) })
	h.tapIcon(theme.SettingsIcon())
	h.waitSee("connections in use of a budget of")
	first := h.dialogEntry(0)
	h.ui(func() { first.SetText(""); test.Type(first, "500") })
	if h.tapButton("Save") {
		t.Error("Save was enabled with 500 connections")
	}
	entries := []string{"6", "3", "1.5", ""}
	for i, v := range entries {
		e := h.dialogEntry(i)
		h.ui(func() { e.SetText(""); test.Type(e, v) })
	}
	h.tapDialogButton("Save")
	prefs := get(h, func() fyne.Preferences { return fyne.CurrentApp().Preferences() })
	if prefs.Int(PrefMaxConnections) != 6 || prefs.Int(PrefPartsPerFile) != 3 || prefs.Float(PrefUploadMBs) != 1.5 || prefs.Float(PrefDownloadMBs) != 0 {
		t.Errorf("saved %d connections, %d parts, %v up, %v down", prefs.Int(PrefMaxConnections), prefs.Int(PrefPartsPerFile),
			prefs.Float(PrefUploadMBs), prefs.Float(PrefDownloadMBs))
	}
	if s := q.Snapshot(); s.MaxConnections != 6 || s.Connections > 6 {
		t.Errorf("the queue's budget is %d of at most %d; want at most 6 at once", s.Connections, s.MaxConnections)
	}
	if got := get(h, func() float64 { return rec.up }); got != 1.5e6 || rec.down != 0 {
		t.Errorf("queue limits = %v up, %v down; want 1.5 MB/s up and none down", got, rec.down)
	}
}
