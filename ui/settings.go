package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/transfer"
)

// Preference keys of the transfer settings. Main reads them all when it
// creates a queue; the dialog also applies the limits to the running queue.
const (
	// PrefMaxConnections is the ceiling of the connection budget shared by
	// every transfer (the budget adapts below it).
	PrefMaxConnections = "transfer.maxConnections"
	// PrefPartsPerFile is how many parts of one file may be in flight.
	PrefPartsPerFile = "transfer.partsPerFile"
	PrefUploadMBs    = "transfer.uploadLimitMBs"
	PrefDownloadMBs  = "transfer.downloadLimitMBs"
)

// Defaults and bounds of the settings, as the transfer queue has them.
const (
	defaultMaxConnections = transfer.DefaultMaxConnections
	defaultPartsPerFile   = transfer.DefaultPartsPerFile
	maxConnectionsBound   = 128
	maxPartsPerFileBound  = 32
)

// tuner is a queue whose limits can change while it runs; *transfer.Queue
// is one.
type tuner interface {
	// SetLimits caps upload and download bandwidth, bytes/s (0: none).
	SetLimits(upload, download float64)
	// SetConnections sets the budget's ceiling and the parts per file.
	SetConnections(maxConns, partsPerFile int) error
}

// applySettings puts the saved settings on q at once.
func applySettings(q jobControl, prefs fyne.Preferences) error {
	t, ok := q.(tuner)
	if !ok {
		return nil
	}
	t.SetLimits(prefs.Float(PrefUploadMBs)*1e6, prefs.Float(PrefDownloadMBs)*1e6)
	return t.SetConnections(prefs.IntWithFallback(PrefMaxConnections, defaultMaxConnections),
		prefs.IntWithFallback(PrefPartsPerFile, defaultPartsPerFile))
}

// budgetText says what the connection budget is doing now.
func budgetText(s transfer.Snapshot) string {
	if s.MaxConnections == 0 {
		return ""
	}
	return fmt.Sprintf("Now: %d connections in use of a budget of %d (at most %d). The budget grows while more connections move more bytes, and halves when B2 asks Haul to slow down.",
		s.InFlight, s.Connections, s.MaxConnections)
}

// showSettings edits how many connections and parts move at once and the
// bandwidth limits, applied to the queue shown at once.
func (p *transfersPanel) showSettings() {
	prefs := fyne.CurrentApp().Preferences()
	intEntry := func(key string, def, lo, hi int) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(strconv.Itoa(prefs.IntWithFallback(key, def)))
		e.Validator = func(s string) error {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("a whole number from %d to %d", lo, hi)
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
	conns := intEntry(PrefMaxConnections, defaultMaxConnections, 2, maxConnectionsBound)
	parts := intEntry(PrefPartsPerFile, defaultPartsPerFile, 1, maxPartsPerFileBound)
	up, down := limitEntry(PrefUploadMBs), limitEntry(PrefDownloadMBs)
	now := ""
	q := p.queue()
	if q != nil {
		now = budgetText(q.Snapshot())
	}
	note := widget.NewLabel(strings.TrimSpace("Many small files go up at once and large files in parallel parts, all within one budget of connections. Every setting applies at once. " + now))
	note.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		widget.NewFormItem("Connections at most", conns),
		widget.NewFormItem("Parts per file", parts),
		widget.NewFormItem("Upload limit (MB/s)", up),
		widget.NewFormItem("Download limit (MB/s)", down),
		widget.NewFormItem("", note),
	}
	d := dialog.NewForm("Transfer settings", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		n, _ := strconv.Atoi(strings.TrimSpace(conns.Text))
		prefs.SetInt(PrefMaxConnections, n)
		n, _ = strconv.Atoi(strings.TrimSpace(parts.Text))
		prefs.SetInt(PrefPartsPerFile, n)
		u, _ := strconv.ParseFloat(strings.TrimSpace(up.Text), 64)
		dn, _ := strconv.ParseFloat(strings.TrimSpace(down.Text), 64)
		prefs.SetFloat(PrefUploadMBs, u)
		prefs.SetFloat(PrefDownloadMBs, dn)
		if q != nil {
			if err := applySettings(q, prefs); err != nil {
				p.dlg.showError(errors.New(Sentence(err)))
			}
		}
	}, p.dlg.win)
	d.Resize(fyne.NewSize(520, 380))
	p.dlg.present(d, d.Submit)
}
