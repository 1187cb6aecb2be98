package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// lifecycleRemote is what the lifecycle rules need of B2; *store.Client
// has it.
type lifecycleRemote interface {
	// LifecycleRules reads a bucket's rules in B2's terms.
	LifecycleRules(ctx context.Context, bucket string) ([]store.LifecycleRule, error)
	// SetLifecycleRules replaces them; none removes them all.
	SetLifecycleRules(ctx context.Context, bucket string, rules []store.LifecycleRule) error
}

// rulesView shows and edits a bucket's lifecycle rules in B2's terms: per
// prefix, hide files some days after upload, delete versions some days
// after they stop being current, cancel unfinished uploads. Each rule says
// in a sentence what it does; rules B2 would refuse are caught as they are
// typed; saving asks first. It belongs to the Fyne goroutine.
type rulesView struct {
	r      lifecycleRemote
	dlg    *dialogs
	bucket string
	saved  []store.LifecycleRule // as B2 has them
	rows   []*ruleRow

	list     *fyne.Container
	status   *widget.Label
	problem  *widget.Label
	spin     *busy
	saveBtn  *widget.Button
	revert   *widget.Button
	add      *widget.Button
	presets  []*widget.Button
	loaded   bool
	content  fyne.CanvasObject
	onStatus func(string) // tests wait on it
}

// ruleRow is one rule's fields.
type ruleRow struct {
	prefix, hide, del, cancel *widget.Entry
	sentence                  *widget.Label
	box                       *fyne.Container
}

func newRulesView(r lifecycleRemote, dlg *dialogs, bucket string) *rulesView {
	v := &rulesView{r: r, dlg: dlg, bucket: bucket}
	v.list = container.NewVBox()
	v.status = widget.NewLabel("Reading the rules…")
	v.status.Wrapping = fyne.TextWrapWord
	v.problem = widget.NewLabel("")
	v.problem.Wrapping = fyne.TextWrapWord
	v.problem.Importance = widget.DangerImportance
	v.problem.Hide()
	v.spin = newBusy()
	v.saveBtn = widget.NewButtonWithIcon("Save rules…", theme.DocumentSaveIcon(), v.confirmSave)
	v.saveBtn.Importance = widget.HighImportance
	v.revert = widget.NewButtonWithIcon("Undo changes", theme.ContentUndoIcon(), func() { v.show(v.saved) })
	v.add = widget.NewButtonWithIcon("Add a rule", theme.ContentAddIcon(), func() {
		v.addRow(store.LifecycleRule{})
		v.check()
	})
	v.presets = []*widget.Button{
		widget.NewButton("Keep only the last version", func() { v.preset(store.KeepOnlyLastVersion("")) }),
		widget.NewButton("Keep old versions 30 days", func() { v.preset(store.KeepOldVersions("", 30)) }),
	}
	intro := widget.NewLabel("B2 applies these rules by itself, about once a day. A rule acts on the files whose names start with its prefix (empty: the whole bucket); prefixes may not overlap. Leave days empty for what a rule should not do.")
	intro.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(intro, container.NewHBox(widget.NewLabel("Presets for the whole bucket:"), v.presets[0], v.presets[1]))
	bottom := container.NewVBox(v.problem, container.NewBorder(nil, nil, container.NewHBox(v.spin.Activity, v.add), container.NewHBox(v.revert, v.saveBtn), v.status))
	v.content = container.NewBorder(top, bottom, nil, nil, container.NewVScroll(v.list))
	v.setEditable(false)
	v.loadAsync()
	return v
}

// loadAsync reads the rules off the Fyne goroutine.
func (v *rulesView) loadAsync() {
	v.spin.Show()
	r, bucket := v.r, v.bucket
	go func() {
		rules, err := r.LifecycleRules(context.Background(), bucket)
		do(func() {
			v.spin.Hide()
			if err != nil {
				v.say("Could not read the rules: " + Sentence(err))
				return
			}
			v.loaded = true
			v.saved = rules
			v.show(rules)
		})
	}()
}

// say shows a status sentence.
func (v *rulesView) say(s string) {
	v.status.SetText(s)
	if v.onStatus != nil {
		v.onStatus(s)
	}
}

// show puts rules in the fields.
func (v *rulesView) show(rules []store.LifecycleRule) {
	v.rows = nil
	v.list.RemoveAll()
	for _, r := range rules {
		v.addRow(r)
	}
	v.setEditable(v.loaded)
	v.check()
}

func (v *rulesView) setEditable(on bool) {
	for _, b := range append([]*widget.Button{v.add}, v.presets...) {
		setEnabled(b, on)
	}
	if !on {
		v.saveBtn.Disable()
		v.revert.Disable()
	}
}

// addRow adds the fields of one rule.
func (v *rulesView) addRow(r store.LifecycleRule) {
	row := &ruleRow{prefix: widget.NewEntry(), hide: dayEntry(r.DaysFromUploadingToHiding),
		del: dayEntry(r.DaysFromHidingToDeleting), cancel: dayEntry(r.DaysFromStartingToCancelingUnfinishedLargeFiles)}
	row.prefix.SetText(r.Prefix)
	row.prefix.SetPlaceHolder("empty: the whole bucket")
	row.sentence = widget.NewLabel("")
	row.sentence.Wrapping = fyne.TextWrapWord
	for _, e := range []*widget.Entry{row.prefix, row.hide, row.del, row.cancel} {
		e.OnChanged = func(string) { v.check() }
	}
	remove := widget.NewButtonWithIcon("Remove rule", theme.DeleteIcon(), func() {
		i := slices.Index(v.rows, row)
		if i >= 0 {
			v.rows = slices.Delete(v.rows, i, i+1)
			v.list.Remove(row.box)
			v.check()
		}
	})
	form := widget.NewForm(
		widget.NewFormItem("Files starting with", row.prefix),
		widget.NewFormItem("Hide them, days after upload", row.hide),
		widget.NewFormItem("Delete old versions, days after", row.del),
		widget.NewFormItem("Cancel unfinished uploads after", row.cancel),
	)
	row.box = container.NewVBox(form, container.NewBorder(nil, nil, nil, remove, row.sentence), widget.NewSeparator())
	v.rows = append(v.rows, row)
	v.list.Add(row.box)
}

// dayEntry is a field of days, empty for 0.
func dayEntry(n int) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder("off")
	if n > 0 {
		e.SetText(strconv.Itoa(n))
	}
	return e
}

// rule reads a row; err says which field is not a number of days.
func (row *ruleRow) rule() (store.LifecycleRule, error) {
	r := store.LifecycleRule{Prefix: row.prefix.Text}
	for _, f := range []struct {
		e    *widget.Entry
		to   *int
		name string
	}{{row.hide, &r.DaysFromUploadingToHiding, "hide"}, {row.del, &r.DaysFromHidingToDeleting, "delete"}, {row.cancel, &r.DaysFromStartingToCancelingUnfinishedLargeFiles, "cancel"}} {
		s := strings.TrimSpace(f.e.Text)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return r, fmt.Errorf("days to %s after must be a whole number from 1, or empty", f.name)
		}
		*f.to = n
	}
	return r, nil
}

// current reads every row, and whether all of them make rules B2 takes.
func (v *rulesView) current() ([]store.LifecycleRule, error) {
	var rules []store.LifecycleRule
	var errs []error
	for _, row := range v.rows {
		r, err := row.rule()
		if err != nil {
			errs = append(errs, err)
			row.sentence.SetText(capitalize(err.Error()) + ".")
			continue
		}
		row.sentence.SetText(r.Describe())
		rules = append(rules, r)
	}
	if err := errors.Join(errs...); err != nil {
		return rules, err
	}
	return rules, store.ValidateLifecycleRules(rules)
}

// check says why the rules cannot be saved, or enables Save when they
// changed.
func (v *rulesView) check() {
	rules, err := v.current()
	if err != nil {
		v.problem.SetText("B2 would refuse these rules: " + strings.ReplaceAll(err.Error(), "\n", "; ") + ".")
		v.problem.Show()
	} else {
		v.problem.Hide()
	}
	changed := !slices.Equal(rules, v.saved) || len(rules) != len(v.rows)
	setEnabled(v.saveBtn, v.loaded && err == nil && changed)
	setEnabled(v.revert, v.loaded && changed)
	if v.loaded && len(v.rows) == 0 && !changed {
		v.say("No rules: B2 keeps every version of every file, and bills for it, until someone deletes it.")
	} else if v.loaded && !changed {
		v.say(fmt.Sprintf("%s, as B2 has them.", capitalize(plural(len(v.rows), "rule"))))
	} else if changed {
		v.say("Changed, not saved yet.")
	}
}

// preset makes r the rule for the whole bucket, replacing the fields of a
// rule for the whole bucket if there is one.
func (v *rulesView) preset(r store.LifecycleRule) {
	for _, row := range v.rows {
		if row.prefix.Text == "" {
			row.hide.SetText(daysText(r.DaysFromUploadingToHiding))
			row.del.SetText(daysText(r.DaysFromHidingToDeleting))
			row.cancel.SetText(daysText(r.DaysFromStartingToCancelingUnfinishedLargeFiles))
			v.check()
			return
		}
	}
	v.addRow(r)
	v.check()
}

func daysText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// confirmSave says what the rules will do and saves them on a click.
func (v *rulesView) confirmSave() {
	rules, err := v.current()
	if err != nil || !v.loaded {
		return
	}
	msg := "The bucket will have no lifecycle rules: B2 keeps every version until someone deletes it."
	if len(rules) > 0 {
		var lines []string
		for _, r := range rules {
			lines = append(lines, "• "+r.Describe())
		}
		msg = strings.Join(lines, "\n") + "\n\nB2 applies them about once a day, to files already stored too. What they delete cannot be brought back."
	}
	v.dlg.askDangerous("Save the lifecycle rules of "+v.bucket+"?", msg, "Save rules", func() { v.saveAsync() })
}

// saveAsync sends the rules as they are now, checked once more.
func (v *rulesView) saveAsync() {
	rules, err := v.current()
	if err != nil {
		v.dlg.showError(errors.New(Sentence(err)))
		return
	}
	v.spin.Show()
	v.saveBtn.Disable()
	r, bucket := v.r, v.bucket
	go func() {
		err := r.SetLifecycleRules(context.Background(), bucket, rules)
		do(func() {
			v.spin.Hide()
			if err != nil {
				v.check()
				v.dlg.showError(fmt.Errorf("the rules were not saved: %s", Sentence(err)))
				return
			}
			v.saved = rules
			v.check()
			v.say("Saved. B2 applies lifecycle rules about once a day.")
		})
	}()
}
