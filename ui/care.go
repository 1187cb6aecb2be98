package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
)

// careRemote is what the bucket care screen needs of B2: its storage
// report and cleanups, and its lifecycle rules; *store.Client has it.
type careRemote interface {
	storageReporter
	lifecycleRemote
	lockRemote
}

// openCare opens the care of a bucket: what it stores and costs, and its
// cleanups, starting at the folder prefix, and the rules that keep it
// down. onCleaned is told that a
// cleanup removed something. It returns the report (nil when none opened,
// with the reason shown).
func openCare(dl *dialogs, r careRemote, bucket, prefix string, onCleaned func(bucket string)) *reportView {
	if r == nil || bucket == "" {
		dl.showInfo("Bucket care", "Open a bucket first.")
		return nil
	}
	rep := newReportView(r, dl, bucket, prefix)
	rep.onCleaned = onCleaned
	rules := newRulesView(r, dl, bucket)
	tabs := container.NewAppTabs(
		container.NewTabItemWithIcon("Storage and cost", theme.StorageIcon(), rep.content),
		container.NewTabItemWithIcon("Lifecycle rules", theme.HistoryIcon(), rules.content),
		container.NewTabItemWithIcon("Object Lock", lockIcon, newLockView(r, dl, bucket).content),
	)
	d := dialog.NewCustom("Care of "+bucket, "Close", tabs, dl.win)
	d.SetOnClosed(rep.stop)
	d.Resize(fyne.NewSize(980, 680))
	dl.present(d, d.Hide)
	return rep
}
