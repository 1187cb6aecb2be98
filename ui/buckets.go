package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// publicMeaning is said wherever a bucket can become public.
const publicMeaning = "Public means anyone who knows a file's name can download it, with no key, and links to it never expire. Files cannot be private one by one in a public bucket."

// bucketActions creates buckets, makes them public or private and deletes
// them (emptying them first when the person types the name), asking first
// and showing progress. It belongs to the Fyne goroutine.
type bucketActions struct {
	dlg    *dialogs
	remote bucketManager // nil while no account is open

	// onChanged lists the buckets again and opens open unless it is
	// empty; onDeleted is told that a bucket is gone; onStatus shows a
	// result in the status bar.
	onChanged func(open string)
	onDeleted func(bucket string)
	onStatus  func(string)
}

// create asks for a name (checked as it is typed) and a visibility; count
// is how many buckets the account has.
func (a *bucketActions) create(count int) {
	r := a.remote
	if r == nil {
		return
	}
	if count >= store.MaxBuckets {
		a.dlg.showInfo("Bucket limit reached", fmt.Sprintf("This account has %d buckets, the most B2 allows. Delete one first, or use folders inside a bucket.", count))
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
	lock := widget.NewCheck("Object Lock: versions can be kept from deletion for a time (cannot be turned off)", nil)
	items := []*widget.FormItem{
		widget.NewFormItem("Name", name), widget.NewFormItem("", reason),
		widget.NewFormItem("Files are", vis), widget.NewFormItem("", meaning),
		widget.NewFormItem("", lock),
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
		create := r.CreateBucket
		if lock.Checked {
			create = r.CreateLockedBucket
		}
		a.runOne("Creating "+bucket, bucket, func(ctx context.Context) (string, error) {
			return "Bucket " + bucket + " created.", create(ctx, bucket, v)
		})
	}, a.dlg.win)
	d.Resize(fyne.NewSize(560, 380))
	a.dlg.showForm(d, name)
}

// runOne runs one change behind a progress dialog, then says how it went
// and lists the buckets again, opening open when it worked.
func (a *bucketActions) runOne(title, open string, op func(context.Context) (string, error)) {
	a.dlg.runOne(title, op, func(msg string) {
		if msg == "" {
			open = ""
		} else {
			a.onStatus(msg)
		}
		a.onChanged(open)
	})
}

// toggleVisibility makes bucket (now cur) public or private after saying
// what that means.
func (a *bucketActions) toggleVisibility(bucket string, cur store.Visibility) {
	r := a.remote
	if r == nil || bucket == "" {
		return
	}
	to, title, msg := store.PublicRead, "Make "+bucket+" public?", publicMeaning
	if cur == store.PublicRead {
		to, title = store.Private, "Make "+bucket+" private?"
		msg = "Plain links to its files stop working; signed links keep working until they expire."
	}
	d := dialog.NewConfirm(title, msg, func(ok bool) {
		if !ok {
			return
		}
		a.runOne("Changing "+bucket, "", func(ctx context.Context) (string, error) {
			return fmt.Sprintf("%s is now %s.", bucket, to), r.SetVisibility(ctx, bucket, to)
		})
	}, a.dlg.win)
	d.SetConfirmText("Make " + to.String())
	a.dlg.present(d, nil) // making a bucket public takes a click
}

// delete deletes bucket after confirming; a bucket that still holds
// versions can be emptied first, once its name is typed.
func (a *bucketActions) delete(bucket string) {
	r := a.remote
	if r == nil || bucket == "" {
		return
	}
	a.dlg.askDangerous("Delete bucket "+bucket+"?", "The bucket must be empty; nothing else is touched. Its name becomes free for anyone to take.", "Delete bucket", func() {
		go func() {
			err := r.DeleteBucket(context.Background(), bucket)
			do(func() {
				switch {
				case err == nil:
					a.onDeleted(bucket)
					a.onChanged("")
				case errors.Is(err, store.ErrBucketNotEmpty):
					a.offerEmpty(r, bucket)
				default:
					a.dlg.showError(errors.New(Sentence(err)))
				}
			})
		}()
	})
}

// offerEmpty deletes every version and marker in the bucket, then the
// bucket, once the person has typed its name.
func (a *bucketActions) offerEmpty(r bucketManager, bucket string) {
	msg := bucket + " still holds files or old versions. Emptying it deletes every file, every version and every unfinished upload in it for good, then the bucket. This cannot be undone."
	a.dlg.confirmTyped("Empty "+bucket+"?", msg, bucket, "Empty and delete", func() {
		status := widget.NewLabel("Deleting…")
		ctx, done := a.dlg.working("Emptying "+bucket, "Stop", widget.NewProgressBarInfinite(), status)
		go func() {
			n, fails, err := r.EmptyBucket(ctx, bucket, func(done int) {
				do(func() { status.SetText(fmt.Sprintf("%s deleted…", plural(done, "version"))) })
			})
			if err == nil && len(fails) == 0 {
				err = r.DeleteBucket(ctx, bucket)
			}
			do(func() {
				done()
				switch {
				case err != nil:
					a.dlg.showError(fmt.Errorf("%s deleted, then: %s", plural(n, "version"), Sentence(err)))
				case len(fails) > 0:
					a.dlg.showError(fmt.Errorf("%d versions could not be deleted (%s: %s); the bucket stays", len(fails), fails[0].Key, fails[0].Message))
				default:
					a.dlg.showInfo("Bucket deleted", fmt.Sprintf("%s deleted, then the bucket %s.", capitalize(plural(n, "version")), bucket))
					a.onDeleted(bucket)
				}
				a.onChanged("")
			})
		}()
	})
}

// bucketManager is what creating, deleting and publishing buckets needs.
type bucketManager interface {
	// CreateBucket makes a bucket with a visibility.
	CreateBucket(ctx context.Context, name string, v store.Visibility) error
	// CreateLockedBucket makes one with Object Lock, for good.
	CreateLockedBucket(ctx context.Context, name string, v store.Visibility) error
	// DeleteBucket deletes an empty bucket (store.ErrBucketNotEmpty else).
	DeleteBucket(ctx context.Context, name string) error
	// EmptyBucket deletes every version, marker and unfinished upload.
	EmptyBucket(ctx context.Context, name string, progress func(done int)) (int, []store.DeleteFailure, error)
	// SetVisibility makes a bucket private or public-read.
	SetVisibility(ctx context.Context, name string, v store.Visibility) error
}
