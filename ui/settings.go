package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Preference keys of the transfer settings. Main reads them all when it
// creates a queue; the dialog also applies the limits to the running queue.
const (
	PrefFilesAtOnce  = "transfer.filesAtOnce"
	PrefPartsPerFile = "transfer.partsPerFile"
	PrefUploadMBs    = "transfer.uploadLimitMBs"
	PrefDownloadMBs  = "transfer.downloadLimitMBs"
)

// limiter is a queue whose bandwidth limits can change while it runs;
// *transfer.Queue is one.
type limiter interface {
	SetLimits(upload, download float64)
}

// applyLimits sets the saved bandwidth limits (MB/s, 0 = none) on q.
func applyLimits(q Queue, prefs fyne.Preferences) {
	if l, ok := q.(limiter); ok {
		l.SetLimits(prefs.Float(PrefUploadMBs)*1e6, prefs.Float(PrefDownloadMBs)*1e6)
	}
}

// showTransferSettings edits how many files and parts move at once and the
// bandwidth limits.
func (w *Window) showTransferSettings() {
	prefs := fyne.CurrentApp().Preferences()
	intEntry := func(key string, def int) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(strconv.Itoa(prefs.IntWithFallback(key, def)))
		e.Validator = func(s string) error {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 || n > 32 {
				return fmt.Errorf("a whole number from 1 to 32")
			}
			return nil
		}
		return e
	}
	limitEntry := func(key string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder("no limit")
		if v := prefs.Float(key); v > 0 {
			e.SetText(strconv.FormatFloat(v, 'f', -1, 64))
		}
		e.Validator = func(s string) error {
			if strings.TrimSpace(s) == "" {
				return nil
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || v < 0 {
				return fmt.Errorf("megabytes per second, or empty for no limit")
			}
			return nil
		}
		return e
	}
	files, parts := intEntry(PrefFilesAtOnce, 4), intEntry(PrefPartsPerFile, 4)
	up, down := limitEntry(PrefUploadMBs), limitEntry(PrefDownloadMBs)
	note := widget.NewLabel("Files at once and parts per file apply from the next start of Haul; limits apply now.")
	note.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		widget.NewFormItem("Files at once", files),
		widget.NewFormItem("Parts per file", parts),
		widget.NewFormItem("Upload limit (MB/s)", up),
		widget.NewFormItem("Download limit (MB/s)", down),
		widget.NewFormItem("", note),
	}
	d := dialog.NewForm("Transfer settings", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		n, _ := strconv.Atoi(strings.TrimSpace(files.Text))
		prefs.SetInt(PrefFilesAtOnce, n)
		n, _ = strconv.Atoi(strings.TrimSpace(parts.Text))
		prefs.SetInt(PrefPartsPerFile, n)
		u, _ := strconv.ParseFloat(strings.TrimSpace(up.Text), 64)
		dn, _ := strconv.ParseFloat(strings.TrimSpace(down.Text), 64)
		prefs.SetFloat(PrefUploadMBs, u)
		prefs.SetFloat(PrefDownloadMBs, dn)
		if w.queue != nil {
			applyLimits(w.queue, prefs)
		}
	}, w.win)
	d.Resize(fyne.NewSize(460, 320))
	w.dlg.present(d, d.Submit)
}
