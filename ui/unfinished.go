// The unfinished multipart uploads of a bucket: listed with what their
// parts hold, and aborted after asking.

package ui

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"
	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store"
)

// unfinishedUpload is a multipart upload left behind, with what it holds.
type unfinishedUpload struct {
	store.MultipartUpload
	parts int
	bytes int64
	err   error // reading its parts failed
}

// loadUnfinished lists a bucket's unfinished uploads and, four at a time,
// their parts. It blocks on the network.
func loadUnfinished(ctx context.Context, r uploadCleaner, bucket string) ([]unfinishedUpload, error) {
	ups, err := r.MultipartUploads(ctx, bucket, "")
	if err != nil {
		return nil, err
	}
	out := make([]unfinishedUpload, len(ups))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, u := range ups {
		out[i].MultipartUpload = u
		g.Go(func() error {
			parts, err := r.ListParts(gctx, bucket, u.Key, u.UploadID)
			out[i].err = err
			for _, p := range parts {
				out[i].parts++
				out[i].bytes += p.Size
			}
			return nil
		})
	}
	_ = g.Wait()
	return out, nil
}

// abortUploads aborts the given uploads, four at a time, and returns how
// many were aborted and the first error.
func abortUploads(ctx context.Context, r uploadCleaner, bucket string, ups []unfinishedUpload) (int, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	done := make([]bool, len(ups))
	for i, u := range ups {
		g.Go(func() error {
			if err := r.AbortMultipart(gctx, bucket, u.Key, u.UploadID); err != nil {
				return err
			}
			done[i] = true
			return nil
		})
	}
	err := g.Wait()
	n := 0
	for _, d := range done {
		if d {
			n++
		}
	}
	return n, err
}

// olderThan picks the uploads started more than days ago.
func olderThan(ups []unfinishedUpload, days int, now time.Time) []unfinishedUpload {
	var out []unfinishedUpload
	for _, u := range ups {
		if now.Sub(u.Initiated) > time.Duration(days)*24*time.Hour {
			out = append(out, u)
		}
	}
	return out
}

// showUnfinished opens the unfinished uploads of bucket.
func showUnfinished(dl *dialogs, r uploadCleaner, bucket string) {
	if bucket == "" || r == nil {
		dl.showInfo("Unfinished uploads", "Open a bucket first.")
		return
	}
	v := &unfinishedView{dlg: dl, r: r, bucket: bucket, picked: map[string]bool{}}
	v.build()
	v.reloadAsync("")
}

// unfinishedView is the dialog listing a bucket's unfinished uploads.
type unfinishedView struct {
	dlg    *dialogs
	r      uploadCleaner
	bucket string
	ups    []unfinishedUpload
	picked map[string]bool // by upload ID

	list    *widget.List
	status  *widget.Label
	days    *widget.Entry
	abortIt *widget.Button
	d       dialog.Dialog
}

func (v *unfinishedView) build() {
	v.status = widget.NewLabel("Loading…")
	v.status.Wrapping = fyne.TextWrapWord
	v.list = widget.NewList(func() int { return len(v.ups) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, widget.NewCheck("", nil), nil, widget.NewLabel("key"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			u := v.ups[i]
			c := o.(*fyne.Container)
			label := c.Objects[0].(*widget.Label)
			check := c.Objects[1].(*widget.Check)
			parts := fmt.Sprintf("%d parts, %s", u.parts, humanize.Bytes(uint64(u.bytes)))
			if u.err != nil {
				parts = "parts unknown: " + Sentence(u.err)
			}
			label.SetText(fmt.Sprintf("%s — started %s — %s", u.Key, humanize.Time(u.Initiated), parts))
			check.OnChanged = nil
			check.SetChecked(v.picked[u.UploadID])
			id := u.UploadID
			check.OnChanged = func(on bool) { v.picked[id] = on; v.updateButtons() }
		})
	v.days = widget.NewEntry()
	v.days.SetText("7")
	v.abortIt = widget.NewButton("Abort selected", func() { v.confirmAbort(v.selected()) })
	older := widget.NewButton("Abort all older than", func() {
		n, err := strconv.Atoi(strings.TrimSpace(v.days.Text))
		if err != nil || n < 0 {
			v.status.SetText("Type a whole number of days.")
			return
		}
		v.confirmAbort(olderThan(v.ups, n, time.Now()))
	})
	controls := container.NewHBox(v.abortIt, older, container.NewGridWrap(fyne.NewSize(60, v.days.MinSize().Height), v.days), widget.NewLabel("days"))
	intro := widget.NewLabel("Uploads that were started but never finished, by Haul or any other tool. B2 bills the parts they hold until they are aborted.")
	intro.Wrapping = fyne.TextWrapWord
	v.d = dialog.NewCustom("Unfinished uploads in "+v.bucket, "Close",
		container.NewBorder(container.NewVBox(intro, v.status), controls, nil, nil, v.list), v.dlg.win)
	v.d.Resize(fyne.NewSize(760, 460))
	v.dlg.present(v.d, nil)
	v.updateButtons()
}

func (v *unfinishedView) selected() []unfinishedUpload {
	var out []unfinishedUpload
	for _, u := range v.ups {
		if v.picked[u.UploadID] {
			out = append(out, u)
		}
	}
	return out
}

func (v *unfinishedView) updateButtons() { setEnabled(v.abortIt, len(v.selected()) > 0) }

// reloadAsync lists the uploads again; note (what was just done) leads
// the status line.
func (v *unfinishedView) reloadAsync(note string) {
	v.status.SetText("Loading…")
	go func() {
		ups, err := loadUnfinished(context.Background(), v.r, v.bucket)
		do(func() {
			if err != nil {
				v.status.SetText(strings.TrimSpace(note + " " + Sentence(err)))
				return
			}
			v.ups = ups
			clear(v.picked)
			v.list.Refresh()
			v.updateButtons()
			var total int64
			for _, u := range ups {
				total += u.bytes
			}
			msg := fmt.Sprintf("%s holding %s.", plural(len(ups), "unfinished upload"), humanize.Bytes(uint64(total)))
			if len(ups) == 0 {
				msg = "No unfinished uploads in this bucket."
			}
			v.status.SetText(strings.TrimSpace(note + " " + msg))
		})
	}()
}

// confirmAbort asks before deleting what the uploads hold, then aborts.
func (v *unfinishedView) confirmAbort(ups []unfinishedUpload) {
	if len(ups) == 0 {
		v.status.SetText("Nothing to abort.")
		return
	}
	v.dlg.askDangerous("Abort "+plural(len(ups), "upload")+"?",
		"The parts they uploaded so far are deleted. This cannot be undone, and a transfer still running in another tool will fail.",
		"Abort "+plural(len(ups), "upload"),
		func() {
			v.status.SetText("Aborting…")
			go func() {
				n, err := abortUploads(context.Background(), v.r, v.bucket, ups)
				if err != nil {
					slog.Warn("abort uploads", "bucket", v.bucket, "err", err)
				}
				do(func() {
					msg := fmt.Sprintf("Aborted %s.", plural(n, "upload"))
					if err != nil {
						msg += " " + Sentence(err)
					}
					v.reloadAsync(msg)
				})
			}()
		})
}

// uploadCleaner is what the unfinished-uploads view needs.
type uploadCleaner interface {
	// MultipartUploads lists unfinished uploads under prefix.
	MultipartUploads(ctx context.Context, bucket, prefix string) ([]store.MultipartUpload, error)
	// ListParts lists the parts an upload holds.
	ListParts(ctx context.Context, bucket, key, uploadID string) ([]store.Part, error)
	// AbortMultipart discards an upload and its parts.
	AbortMultipart(ctx context.Context, bucket, key, uploadID string) error
}
