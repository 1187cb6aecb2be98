package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// publicMeaning is said wherever a bucket can become public.
const publicMeaning = "Public means anyone who knows a file's name can download it, with no key, and links to it never expire. Files cannot be private one by one in a public bucket."

// showNewBucket asks for a name (checked as it is typed) and a visibility.
func (w *Window) showNewBucket() {
	r := w.remote
	if r == nil {
		return
	}
	if n := len(w.sidebar.buckets); n >= store.MaxBuckets {
		w.dlg.showInfo("Bucket limit reached", fmt.Sprintf("This account has %d buckets, the most B2 allows. Delete one first, or use folders inside a bucket.", n))
		return
	}
	name := widget.NewEntry()
	name.SetPlaceHolder("6 to 63 letters, digits and -")
	reason := widget.NewLabel("Bucket names are unique across all of B2.")
	reason.Wrapping = fyne.TextWrapWord
	name.OnChanged = func(s string) {
		if err := store.ValidateBucketName(s); err != nil && s != "" {
			reason.SetText(capitalize(err.Error()) + ".")
			reason.Importance = widget.WarningImportance
		} else {
			reason.SetText("Bucket names are unique across all of B2.")
			reason.Importance = widget.MediumImportance
		}
		reason.Refresh()
	}
	name.Validator = store.ValidateBucketName
	vis := widget.NewRadioGroup([]string{"Private", "Public"}, nil)
	vis.SetSelected("Private")
	vis.Horizontal = true
	meaning := widget.NewLabel(publicMeaning)
	meaning.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		widget.NewFormItem("Name", name), widget.NewFormItem("", reason),
		widget.NewFormItem("Files are", vis), widget.NewFormItem("", meaning),
	}
	d := dialog.NewForm("New bucket", "Create", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		v := store.Private
		if vis.Selected == "Public" {
			v = store.PublicRead
		}
		bucket := strings.TrimSpace(name.Text)
		w.bulkOne("Creating "+bucket, func(ctx context.Context) (string, error) {
			if err := r.CreateBucket(ctx, bucket, v); err != nil {
				return "", err
			}
			do(func() { w.reloadBuckets(bucket) })
			return "Bucket " + bucket + " created.", nil
		})
	}, w.win)
	d.Resize(fyne.NewSize(560, 340))
	w.dlg.showForm(d, name)
}

// reloadBuckets lists the buckets again and opens one.
func (w *Window) reloadBuckets(open string) {
	restricted := ""
	if a := w.current; a.Restriction != nil && a.Restriction.Bucket != "" && !a.Restriction.Can("listAllBucketNames") {
		restricted = a.Restriction.Bucket
	}
	w.sidebar.setRemote(w.remote, restricted)
	if open != "" {
		w.browser.open(Location{Bucket: open})
	}
}

// toggleVisibility makes the current bucket public or private after saying
// what that means.
func (w *Window) toggleVisibility() {
	r, bucket := w.remote, w.browser.location().Bucket
	if r == nil || bucket == "" {
		return
	}
	cur := w.sidebar.visibility(bucket)
	to, title, msg := store.PublicRead, "Make "+bucket+" public?", publicMeaning
	if cur == store.PublicRead {
		to, title = store.Private, "Make "+bucket+" private?"
		msg = "Plain links to its files stop working; signed links keep working until they expire."
	}
	d := dialog.NewConfirm(title, msg, func(ok bool) {
		if !ok {
			return
		}
		w.bulkOne("Changing "+bucket, func(ctx context.Context) (string, error) {
			if err := r.SetVisibility(ctx, bucket, to); err != nil {
				return "", err
			}
			do(func() { w.reloadBuckets("") })
			return fmt.Sprintf("%s is now %s.", bucket, to), nil
		})
	}, w.win)
	d.SetConfirmText("Make " + to.String())
	w.dlg.present(d, nil) // making a bucket public takes a click
}

// deleteBucket deletes the current bucket after confirming; a bucket that
// still holds versions can be emptied first, once its name is typed.
func (w *Window) deleteBucket() {
	r, bucket := w.remote, w.browser.location().Bucket
	if r == nil || bucket == "" {
		return
	}
	w.dlg.askDangerous("Delete bucket "+bucket+"?", "The bucket must be empty; nothing else is touched. Its name becomes free for anyone to take.", "Delete bucket", func() {
		go func() {
			err := r.DeleteBucket(context.Background(), bucket)
			do(func() {
				switch {
				case err == nil:
					w.browser.setRemote(w.remote)
					w.reloadBuckets("")
				case errors.Is(err, store.ErrBucketNotEmpty):
					w.offerEmptyBucket(bucket)
				default:
					w.dlg.showError(errors.New(Sentence(err)))
				}
			})
		}()
	})
}

// offerEmptyBucket deletes every version and marker in the bucket, then
// the bucket, once the person has typed its name.
func (w *Window) offerEmptyBucket(bucket string) {
	r := w.remote
	msg := bucket + " still holds files or old versions. Emptying it deletes every file, every version and every unfinished upload in it for good, then the bucket. This cannot be undone."
	w.dlg.confirmTyped("Empty "+bucket+"?", msg, bucket, "Empty and delete", func() {
		ctx, cancel := context.WithCancel(context.Background())
		status := widget.NewLabel("Deleting…")
		prog := dialog.NewCustomWithoutButtons("Emptying "+bucket, container.NewVBox(widget.NewProgressBarInfinite(), status,
			widget.NewButtonWithIcon("Stop", theme.CancelIcon(), cancel)), w.win)
		prog.Show()
		go func() {
			defer cancel()
			n, fails, err := r.EmptyBucket(ctx, bucket, func(done int) {
				do(func() { status.SetText(fmt.Sprintf("%s deleted…", plural(done, "version"))) })
			})
			if err == nil && len(fails) == 0 {
				err = r.DeleteBucket(ctx, bucket)
			}
			do(func() {
				prog.Hide()
				switch {
				case err != nil:
					w.dlg.showError(fmt.Errorf("%s deleted, then: %s", plural(n, "version"), Sentence(err)))
				case len(fails) > 0:
					w.dlg.showError(fmt.Errorf("%d versions could not be deleted (%s: %s); the bucket stays", len(fails), fails[0].Key, fails[0].Message))
				default:
					w.dlg.showInfo("Bucket deleted", fmt.Sprintf("%s deleted, then the bucket %s.", capitalize(plural(n, "version")), bucket))
					w.browser.setRemote(w.remote)
				}
				w.reloadBuckets("")
			})
		}()
	})
}

// bucketManager is what creating, deleting and publishing buckets needs.
type bucketManager interface {
	// CreateBucket makes a bucket with a visibility.
	CreateBucket(ctx context.Context, name string, v store.Visibility) error
	// DeleteBucket deletes an empty bucket (store.ErrBucketNotEmpty else).
	DeleteBucket(ctx context.Context, name string) error
	// EmptyBucket deletes every version, marker and unfinished upload.
	EmptyBucket(ctx context.Context, name string, progress func(done int)) (int, []store.DeleteFailure, error)
	// SetVisibility makes a bucket private or public-read.
	SetVisibility(ctx context.Context, name string, v store.Visibility) error
}
