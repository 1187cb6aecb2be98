package ui

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// lockRemote is what Object Lock needs of B2; *store.Client has it.
type lockRemote interface {
	// ObjectLock reads whether a bucket has Object Lock and its default
	// retention.
	ObjectLock(ctx context.Context, bucket string) (store.ObjectLock, error)
	// SetDefaultRetention sets the retention new uploads get.
	SetDefaultRetention(ctx context.Context, bucket string, d store.DefaultRetention) error
	// VersionLock reads one version's retention and legal hold.
	VersionLock(ctx context.Context, bucket, key, versionID string) (store.Lock, error)
	// SetRetention sets or extends one version's retention.
	SetRetention(ctx context.Context, bucket, key, versionID string, r store.Retention, bypassGovernance bool) error
	// SetLegalHold puts a version under legal hold or lifts it.
	SetLegalHold(ctx context.Context, bucket, key, versionID string, on bool) error
}

// lockIcon is a padlock, for the version panel's Object Lock button.
var lockIcon = theme.NewThemedResource(fyne.NewStaticResource("lock.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V11a1 1 0 0 1 1-1zm2 0h6V7a3 3 0 0 0-6 0zm3 4a1.5 1.5 0 0 0-1 2.6V19h2v-2.4A1.5 1.5 0 0 0 12 14z" fill="#000"/></svg>`)))

// Retention modes as the person reads them.
const (
	modeNone       = "None"
	modeGovernance = "Governance"
	modeCompliance = "Compliance"
)

var modeNames = map[store.RetentionMode]string{store.NoRetention: modeNone, store.Governance: modeGovernance, store.Compliance: modeCompliance}

func modeOf(name string) store.RetentionMode {
	for m, n := range modeNames {
		if n == name {
			return m
		}
	}
	return store.NoRetention
}

// modeMeaning says what a retention mode does, in a sentence.
func modeMeaning(m store.RetentionMode) string {
	switch m {
	case store.Governance:
		return "Governance: nobody can delete or overwrite a retained version, except with a key allowed to bypass governance; the period can be changed."
	case store.Compliance:
		return "Compliance: nobody can delete a retained version, not even the account's owner, until the period ends; it can be extended but never shortened. This cannot be undone."
	}
	return "No default: new files can be deleted at once, unless someone retains them one by one."
}

// lockView is the care screen's Object Lock tab: whether the bucket has it,
// and the retention new uploads get. It belongs to the Fyne goroutine.
type lockView struct {
	r      lockRemote
	dlg    *dialogs
	bucket string
	cur    store.ObjectLock

	status  *widget.Label
	mode    *widget.Select
	meaning *widget.Label
	period  *widget.Entry
	unit    *widget.Select
	save    *widget.Button
	spin    *busy
	form    *fyne.Container
	content fyne.CanvasObject
}

func newLockView(r lockRemote, dlg *dialogs, bucket string) *lockView {
	v := &lockView{r: r, dlg: dlg, bucket: bucket}
	v.status = widget.NewLabel("Reading Object Lock…")
	v.status.Wrapping = fyne.TextWrapWord
	v.meaning = widget.NewLabel("")
	v.meaning.Wrapping = fyne.TextWrapWord
	v.save = widget.NewButtonWithIcon("Save default…", theme.DocumentSaveIcon(), v.confirm)
	v.save.Importance = widget.HighImportance
	v.save.Disable()
	v.mode = widget.NewSelect([]string{modeNone, modeGovernance, modeCompliance}, func(s string) {
		v.meaning.SetText(modeMeaning(modeOf(s)))
		v.check()
	})
	v.period = widget.NewEntry()
	v.period.SetPlaceHolder("how long")
	v.period.OnChanged = func(string) { v.check() }
	v.unit = widget.NewSelect([]string{"days", "years"}, func(string) { v.check() })
	v.unit.SetSelected("days")
	v.spin = newBusy()
	v.form = container.NewVBox(
		widget.NewForm(
			widget.NewFormItem("New files are retained", v.mode),
			widget.NewFormItem("For", container.NewGridWithColumns(2, v.period, v.unit)),
		),
		v.meaning,
		container.NewHBox(v.save, v.spin.Activity),
	)
	v.form.Hide()
	v.content = container.NewVBox(v.status, v.form)
	v.loadAsync()
	return v
}

func (v *lockView) loadAsync() {
	r, bucket := v.r, v.bucket
	go func() {
		l, err := r.ObjectLock(context.Background(), bucket)
		do(func() {
			switch {
			case err != nil:
				v.status.SetText("Could not read Object Lock: " + Sentence(err))
			case !l.Enabled:
				v.status.SetText("Object Lock is off for " + bucket + ": every version can be deleted at any time. S3 turns it on only when a bucket is created (New bucket, Object Lock); B2's web console can turn it on for a bucket that exists.")
			default:
				v.cur = l
				v.show(l.Default)
			}
		})
	}()
}

// show puts a default retention in the fields.
func (v *lockView) show(d store.DefaultRetention) {
	v.status.SetText("Object Lock is on for " + v.bucket + ": versions can be retained (kept from deletion) for a time, or put under legal hold, each in the version panel. " + defaultText(d))
	v.mode.SetSelected(modeNames[d.Mode])
	switch {
	case d.Years > 0:
		v.period.SetText(strconv.Itoa(d.Years))
		v.unit.SetSelected("years")
	case d.Days > 0:
		v.period.SetText(strconv.Itoa(d.Days))
		v.unit.SetSelected("days")
	default:
		v.period.SetText("")
	}
	v.form.Show()
	v.check()
}

// defaultText says what new files get.
func defaultText(d store.DefaultRetention) string {
	if d.Mode == store.NoRetention {
		return "New files get no retention."
	}
	n, unit := d.Days, "day"
	if d.Years > 0 {
		n, unit = d.Years, "year"
	}
	return fmt.Sprintf("New files are retained in %s mode for %s.", strings.ToLower(modeNames[d.Mode]), plural(n, unit))
}

// wanted reads the fields.
func (v *lockView) wanted() (store.DefaultRetention, error) {
	d := store.DefaultRetention{Mode: modeOf(v.mode.Selected)}
	if d.Mode == store.NoRetention {
		return d, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.period.Text))
	if err != nil || n < 1 {
		return d, errors.New("give the period as a whole number of days or years")
	}
	if v.unit.Selected == "years" {
		d.Years = n
	} else {
		d.Days = n
	}
	return d, nil
}

func (v *lockView) check() {
	d, err := v.wanted()
	setEnabled(v.save, v.cur.Enabled && err == nil && d != v.cur.Default)
}

// confirm saves the default after asking; compliance, which cannot be
// undone for the files it retains, needs the bucket's name typed.
func (v *lockView) confirm() {
	d, err := v.wanted()
	if err != nil {
		return
	}
	run := func() {
		if again, err := v.wanted(); err != nil || again != d {
			return // the fields changed behind the question
		}
		v.saveAsync(d)
	}
	msg := defaultText(d) + " This applies to files uploaded from now on; files already stored keep what they have."
	if d.Mode == store.Compliance {
		v.dlg.confirmTyped("Retain new files in compliance mode?", msg+" Nobody, not even you, can delete those files before their period ends.", v.bucket, "Save default", run)
		return
	}
	v.dlg.askDangerous("Change the default retention?", msg, "Save default", run)
}

func (v *lockView) saveAsync(d store.DefaultRetention) {
	v.spin.Show()
	v.save.Disable()
	r, bucket := v.r, v.bucket
	go func() {
		err := r.SetDefaultRetention(context.Background(), bucket, d)
		do(func() {
			v.spin.Hide()
			if err != nil {
				v.check()
				v.dlg.showError(errors.New(Sentence(err)))
				return
			}
			v.cur.Default = d
			v.show(d)
			v.status.SetText("Saved. " + defaultText(d))
		})
	}()
}

// lockText is what the version panel says of a version's lock.
func lockText(l store.Lock, now time.Time) string {
	var parts []string
	if l.InForce(now) {
		parts = append(parts, fmt.Sprintf("retained until %s (%s)", l.Until.Local().Format("2006-01-02"), strings.ToLower(modeNames[l.Mode])))
	}
	if l.LegalHold {
		parts = append(parts, "legal hold")
	}
	return strings.Join(parts, " · ")
}

// editVersionLock shows one version's retention and legal hold and lets
// them be set: retention extended (never shortened in compliance mode),
// legal hold put or lifted. after is told once something changed.
func editVersionLock(dl *dialogs, r lockRemote, bucket string, v store.Version, cur store.Lock, after func()) {
	now := time.Now()
	state := widget.NewLabel(cur.Why(now))
	if state.Text == "" {
		state.SetText("This version has no retention in force and no legal hold: it can be deleted.")
	}
	state.Wrapping = fyne.TextWrapWord
	mode := widget.NewSelect([]string{modeGovernance, modeCompliance}, nil)
	mode.SetSelected(modeGovernance)
	if cur.Mode != store.NoRetention {
		mode.SetSelected(modeNames[cur.Mode])
	}
	until := widget.NewEntry()
	until.SetPlaceHolder("YYYY-MM-DD")
	if cur.InForce(now) {
		until.SetText(cur.Until.Local().Format("2006-01-02"))
	}
	hold := widget.NewCheck("Legal hold (kept until the hold is lifted)", nil)
	hold.SetChecked(cur.LegalHold)
	meaning := widget.NewLabel(modeMeaning(modeOf(mode.Selected)))
	meaning.Wrapping = fyne.TextWrapWord
	mode.OnChanged = func(s string) { meaning.SetText(modeMeaning(modeOf(s))) }
	var d dialog.Dialog
	apply := widget.NewButtonWithIcon("Apply…", theme.ConfirmIcon(), func() {
		want, err := wantedLock(cur, mode.Selected, until.Text, hold.Checked, now)
		if err != nil {
			dl.showError(err)
			return
		}
		d.Hide()
		confirmVersionLock(dl, r, bucket, v, cur, want, after)
	})
	apply.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { d.Hide() })
	body := container.NewVBox(state,
		widget.NewForm(widget.NewFormItem("Retention", mode), widget.NewFormItem("Retain until", until)),
		meaning, hold, container.NewHBox(cancel, apply))
	d = dialog.NewCustomWithoutButtons("Object Lock of "+path.Base(v.Key), body, dl.win)
	d.Resize(fyne.NewSize(560, 0))
	dl.present(d, nil)
}

// wantedLock reads the lock dialog's fields and refuses what cannot be:
// a date not in the future, or a compliance retention shortened.
func wantedLock(cur store.Lock, mode, until string, hold bool, now time.Time) (store.Lock, error) {
	want := store.Lock{LegalHold: hold}
	if s := strings.TrimSpace(until); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, time.Local)
		if err != nil {
			return want, fmt.Errorf("%q is not a date like 2027-01-31", s)
		}
		t = t.Add(24*time.Hour - time.Second) // to the end of that day
		if !t.After(now) {
			return want, errors.New("retain until a day in the future")
		}
		want.Retention = store.Retention{Mode: modeOf(mode), Until: t}
	}
	if cur.Mode == store.Compliance && cur.InForce(now) {
		if want.Until.Before(cur.Until) || want.Mode != store.Compliance {
			return want, fmt.Errorf("this version is retained in compliance mode until %s: that can be extended, never shortened or weakened", cur.Until.Local().Format("2006-01-02"))
		}
	}
	return want, nil
}

// confirmVersionLock asks before changing a version's lock (typing the
// file's name for a compliance retention, which cannot be undone) and
// then sets what changed.
func confirmVersionLock(dl *dialogs, r lockRemote, bucket string, v store.Version, cur, want store.Lock, after func()) {
	retain := want.Retention != cur.Retention && want.Mode != store.NoRetention
	holdChanged := want.LegalHold != cur.LegalHold
	if !retain && !holdChanged {
		return
	}
	run := func() {
		go func() {
			ctx := context.Background()
			var err error
			if retain {
				err = r.SetRetention(ctx, bucket, v.Key, v.VersionID, want.Retention, false)
			}
			if err == nil && holdChanged {
				err = r.SetLegalHold(ctx, bucket, v.Key, v.VersionID, want.LegalHold)
			}
			do(func() {
				if err != nil {
					dl.showError(errors.New(Sentence(err)))
				}
				after()
			})
		}()
	}
	var what []string
	if retain {
		what = append(what, fmt.Sprintf("retained in %s mode until %s", strings.ToLower(modeNames[want.Mode]), want.Until.Local().Format("2 January 2006")))
	}
	if holdChanged && want.LegalHold {
		what = append(what, "put under legal hold")
	} else if holdChanged {
		what = append(what, "released from legal hold")
	}
	msg := "This version of " + path.Base(v.Key) + " will be " + strings.Join(what, " and ") + "."
	if retain && want.Mode == store.Compliance {
		dl.confirmTyped("Retain this version in compliance mode?", msg+" Nobody, not even you, can delete it before then, and the date can never be moved earlier. This cannot be undone.", path.Base(v.Key), "Retain", run)
		return
	}
	dl.askDangerous("Change the lock of this version?", msg, "Apply", run)
}
