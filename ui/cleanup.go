package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
)

// defaultCleanupDays is the age a cleanup proposes.
const defaultCleanupDays = 30

// cleanupFlow removes one kind of billed data older than some days from a
// bucket or folder, in three steps: the age is asked, a preview counts
// exactly what would go (removing nothing), and only a typed confirmation
// of that count runs it, with progress, Stop and a count at the end.
type cleanupFlow struct {
	r      storageReporter
	dlg    *dialogs
	kind   store.CleanupKind
	bucket string
	prefix string
	// onDone is told what a run removed (also after Stop or a failure).
	onDone func(store.CleanupResult)
}

// what is the kind's plural noun for counts: versions, files, uploads.
func (c *cleanupFlow) what(n int) string {
	switch c.kind {
	case store.UnfinishedUploads:
		return plural(n, "unfinished upload")
	case store.HiddenFiles:
		return plural(n, "version")
	}
	return plural(n, "older version")
}

// explain says what the cleanup does, before any number is known.
func (c *cleanupFlow) explain(where string) string {
	switch c.kind {
	case store.HiddenFiles:
		return "Deletes for good every version of the hidden (deleted) files in " + where + " whose delete marker is older than the days below, marker included. They can no longer be undeleted."
	case store.UnfinishedUploads:
		return "Cancels the unfinished uploads in " + where + " started longer ago than the days below; B2 deletes their parts. An upload that old still running somewhere fails."
	}
	return "Deletes the older versions of files in " + where + " that stopped being current longer ago than the days below. Every file's current version stays."
}

// ask asks how old things must be, then previews.
func (c *cleanupFlow) ask() {
	where := Location{Bucket: c.bucket, Prefix: c.prefix}.String()
	text := widget.NewLabel(c.explain(where) + " Nothing is removed before you see what would go.")
	text.Wrapping = fyne.TextWrapWord
	days := widget.NewEntry()
	days.SetText(strconv.Itoa(defaultCleanupDays))
	days.Validator = func(s string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n < 0 || n > 100000 {
			return errors.New("a whole number of days, 0 or more")
		}
		return nil
	}
	d := dialog.NewForm("Clean up "+c.kind.String(), "Preview", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("", text), widget.NewFormItem("Older than (days)", days)},
		func(ok bool) {
			if ok {
				n, _ := strconv.Atoi(strings.TrimSpace(days.Text))
				c.preview(n)
			}
		}, c.dlg.win)
	d.Resize(fyne.NewSize(560, 280))
	c.dlg.showForm(d, days) // Enter previews, which removes nothing
}

// preview counts what would go, with a Stop button, then shows it.
func (c *cleanupFlow) preview(days int) {
	status := widget.NewLabel("Reading the list…")
	ctx, done := c.dlg.working("Counting "+c.kind.String()+"…", "Stop", widget.NewProgressBarInfinite(), status)
	cl := store.Cleanup{Kind: c.kind, Bucket: c.bucket, Prefix: c.prefix, Days: days}
	go func() {
		plan, err := c.r.PreviewCleanup(ctx, cl, func(p store.CleanupProgress) {
			do(func() { status.SetText(humanize.Comma(int64(p.Seen)) + " read…") })
		})
		stopped := ctx.Err() != nil
		do(func() {
			done()
			switch {
			case stopped:
			case err != nil:
				c.dlg.showError(errors.New(Sentence(err)))
			default:
				c.showPlan(plan, days)
			}
		})
	}()
}

// planText says what a preview found, in a sentence or three.
func (c *cleanupFlow) planText(p store.CleanupPlan, days int) string {
	where := Location{Bucket: c.bucket, Prefix: c.prefix}.String()
	if p.Count == 0 && p.Locked == 0 {
		return fmt.Sprintf("Nothing in %s is %s older than %s: there is nothing to clean up.", where, c.kind, plural(days, "day"))
	}
	var b strings.Builder
	if p.Count > 0 {
		fmt.Fprintf(&b, "%s would go from %s: %s, stored between %s and %s.", capitalize(c.what(p.Count)), where,
			humanize.Bytes(uint64(p.Bytes)), p.Oldest.Local().Format("2 Jan 2006"), p.Newest.Local().Format("2 Jan 2006"))
		if c.kind == store.HiddenFiles {
			fmt.Fprintf(&b, " They belong to %s.", plural(p.Files, "hidden file"))
		}
	}
	if p.Locked > 0 {
		fmt.Fprintf(&b, " %s (%s) stay: Object Lock keeps them.", capitalize(plural(p.Locked, "version")), humanize.Bytes(uint64(p.LockedBytes)))
	}
	return strings.TrimSpace(b.String())
}

// showPlan shows the preview and the button that goes on to confirm.
func (c *cleanupFlow) showPlan(p store.CleanupPlan, days int) {
	text := widget.NewLabel(c.planText(p, days))
	text.Wrapping = fyne.TextWrapWord
	verb := "Delete "
	if c.kind == store.UnfinishedUploads {
		verb = "Abort "
	}
	var d dialog.Dialog
	goOn := widget.NewButtonWithIcon(verb+c.what(p.Count)+"…", theme.DeleteIcon(), func() {
		d.Hide()
		c.confirm(p, verb)
	})
	goOn.Importance = widget.DangerImportance
	setEnabled(goOn, p.Count > 0)
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons("Preview: "+c.kind.String(), container.NewVBox(text, container.NewHBox(layout.NewSpacer(), cancel, goOn)), c.dlg.win)
	d.Resize(fyne.NewSize(560, 0))
	c.dlg.present(d, nil) // only a click goes on
}

// confirm asks for the count typed, then runs the previewed cleanup.
func (c *cleanupFlow) confirm(p store.CleanupPlan, verb string) {
	want := fmt.Sprintf("%s%d", strings.ToLower(verb), p.Count)
	msg := fmt.Sprintf("%s (%s) are removed from B2 for good. This cannot be undone.", capitalize(c.what(p.Count)), humanize.Bytes(uint64(p.Bytes)))
	c.dlg.confirmTyped(verb+c.what(p.Count)+" for good?", msg, want, verb+"for good", func() { c.run(p) })
}

// run removes what the plan counted, with progress and Stop.
func (c *cleanupFlow) run(p store.CleanupPlan) {
	bar := widget.NewProgressBar()
	bar.Max = float64(max(p.Count, 1))
	status := widget.NewLabel("Starting…")
	ctx, done := c.dlg.working("Cleaning up "+c.kind.String()+"…", "Stop", status, bar)
	go func() {
		res, err := c.r.RunCleanup(ctx, p.Cleanup, func(pr store.CleanupProgress) {
			do(func() {
				bar.SetValue(float64(pr.Done))
				status.SetText(fmt.Sprintf("%s of %s removed…", humanize.Comma(int64(pr.Done)), humanize.Comma(int64(p.Count))))
			})
		})
		do(func() {
			done()
			c.dlg.showInfo("Clean up "+c.kind.String(), c.resultText(res, err))
			if c.onDone != nil {
				c.onDone(res)
			}
		})
	}()
}

// resultText is the count at the end of a cleanup.
func (c *cleanupFlow) resultText(res store.CleanupResult, err error) string {
	verb := "Deleted "
	if c.kind == store.UnfinishedUploads {
		verb = "Aborted "
	}
	msg := fmt.Sprintf("%s%s (%s).", verb, c.what(res.Deleted), humanize.Bytes(uint64(res.Bytes)))
	if res.Locked > 0 {
		msg += fmt.Sprintf(" %s skipped: Object Lock keeps them.", capitalize(plural(res.Locked, "version")))
	}
	if n := len(res.Failures); n > 0 {
		msg += fmt.Sprintf(" %d could not be removed (%s: %s).", n, printable(res.Failures[0].Key), res.Failures[0].Message)
	}
	switch {
	case canceled(err):
		msg += " Stopped before the end."
	case err != nil:
		msg += " Then: " + Sentence(err)
	}
	return msg
}

// cleanUp starts a cleanup of kind from the report, and reports again
// when it is done.
func (v *reportView) cleanUp(kind store.CleanupKind) {
	f := &cleanupFlow{r: v.r, dlg: v.dlg, kind: kind, bucket: v.bucket, prefix: v.prefix}
	f.onDone = func(res store.CleanupResult) {
		if res.Deleted > 0 && v.onCleaned != nil {
			v.onCleaned(v.bucket)
		}
		v.open(v.prefix)
	}
	f.ask()
}
