package ui

import (
	"context"
	"fmt"
	"image/color"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
)

// versionCountCap is where store.Properties stops counting versions.
const versionCountCap = 10_000

// exactTime is how the dialog writes a moment in full.
const exactTime = "2006-01-02 15:04:05 MST"

// fact is one labelled line of the properties.
type fact struct{ label, value string }

// metaEntry is one user metadata entry.
type metaEntry struct{ name, value string }

// propertyView is what the dialog shows of a file, prepared off the Fyne
// goroutine.
type propertyView struct {
	facts       []fact
	url         string
	contentType string
	meta        []metaEntry // sorted by name
}

// describeProperties words a file's properties for the dialog.
func describeProperties(p store.Properties, now time.Time) propertyView {
	etag := strings.Trim(p.ETag, `"`)
	if p.PartsCount > 0 {
		etag += fmt.Sprintf(" (uploaded in %s)", plural(int(p.PartsCount), "part"))
	}
	versions := plural(p.Versions, "version")
	if p.Versions >= versionCountCap {
		versions = "at least " + versions
	}
	v := propertyView{url: p.S3URL, contentType: p.ContentType}
	v.facts = []fact{
		{"Name", path.Base(p.Key)},
		{"Key", p.Key},
		{"Size", byteCount(p.Size)},
		{"Modified", humanize.RelTime(p.Modified, now, "ago", "from now") + " (" + p.Modified.Local().Format(exactTime) + ")"},
		{"ETag", etag},
		{"Encryption", encryptionText(p.ObjectInfo)},
		{"Versions", versions},
	}
	if p.VersionID != "" {
		v.facts = append(v.facts, fact{"Version ID", p.VersionID})
	}
	for _, k := range slices.Sorted(maps.Keys(p.Metadata)) {
		v.meta = append(v.meta, metaEntry{k, p.Metadata[k]})
	}
	return v
}

// byteCount is a size humanized and exact: "1.2 MB (1,234,567 bytes)".
func byteCount(n int64) string {
	unit := " bytes"
	if n == 1 {
		unit = " byte"
	}
	return humanize.Bytes(uint64(n)) + " (" + humanize.Comma(n) + unit + ")"
}

func encryptionText(info store.ObjectInfo) string {
	switch {
	case info.CustomerKey != "":
		return "SSE-C: encrypted with your key “" + info.CustomerKey + "”, which B2 does not keep"
	case info.SSECustomer:
		return "SSE-C: encrypted with a customer key Haul does not hold"
	case info.SSE == "AES256":
		return "SSE-B2: encrypted at rest with keys B2 manages (AES-256)"
	case info.SSE != "":
		return info.SSE
	}
	return "None"
}

// metaNote explains a metadata value: src_last_modified_millis as a local
// date. It is "" for other names.
func metaNote(name, value string) string {
	if !strings.EqualFold(strings.TrimSpace(name), store.MetaModified) {
		return ""
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil {
		return "Not a time: the file's own modification time in milliseconds since 1970."
	}
	return "The file's own modification time: " + time.UnixMilli(ms).Local().Format(exactTime)
}

// editedMetadata is the metadata to save from the rows on screen, for
// UpdateMetadata: names lower-case, rows left blank skipped, and an empty
// src_last_modified_millis when its row was removed (UpdateMetadata would
// otherwise keep the old one). The store checks the names and values.
func editedMetadata(rows []metaEntry, old map[string]string) (map[string]string, error) {
	meta := make(map[string]string, len(rows)+1)
	for _, r := range rows {
		name := strings.ToLower(strings.TrimSpace(r.name))
		switch {
		case name == "" && r.value == "":
			continue
		case name == "":
			return nil, fmt.Errorf("the metadata value %q has no name", r.value)
		}
		if _, dup := meta[name]; dup {
			return nil, fmt.Errorf("the metadata name %q appears twice", name)
		}
		meta[name] = r.value
	}
	if _, had := old[store.MetaModified]; had {
		if _, kept := meta[store.MetaModified]; !kept {
			meta[store.MetaModified] = ""
		}
	}
	return meta, nil
}

// propertiesDialog shows and edits one file's properties. Its fields
// belong to the Fyne goroutine; r, bucket and key never change.
type propertiesDialog struct {
	r      propertiesRemote
	bucket string
	key    string
	public bool // the bucket is public-read: its S3 URL needs no signature
	// onSaved is told that bucket/key has a new version (edited details).
	onSaved func(bucket, key string)
	ctx     context.Context // ends when the dialog closes
	cancel  context.CancelFunc
	props   store.Properties // as last read
	loaded  bool

	status      *widget.Label // loading, or why the properties are missing
	facts       *fyne.Container
	contentType *widget.Entry
	rows        []*metaRow
	metaBox     *fyne.Container
	editBox     *fyne.Container
	saveBtn     *widget.Button
	saving      *busy
	editNote    *widget.Label
	previewBox  *fyne.Container
	previewImg  *canvas.Image    // the image preview, once shown
	previewText *widget.TextGrid // the text preview, once shown
	dlg         dialog.Dialog
}

// metaRow is one editable metadata entry.
type metaRow struct {
	name, value *widget.Entry
	note        *widget.Label
	box         *fyne.Container
}

// openProperties opens the properties of the one file of sel, in bucket
// (public: a public-read bucket), and returns the dialog (nil when none
// opened, with the reason shown). onSaved is told when a save made a new
// version of a file.
func openProperties(dl *dialogs, r propertiesRemote, bucket string, public bool, sel []store.Object, onSaved func(bucket, key string)) *propertiesDialog {
	if r == nil || bucket == "" {
		return nil
	}
	switch {
	case len(sel) != 1 || sel[0].IsFolder:
		dl.showInfo("Properties", "Select one file to see its properties.")
		return nil
	case sel[0].Deleted:
		dl.showInfo("Properties", "This file is deleted; undelete it to see its properties.")
		return nil
	}
	p := newPropertiesDialog(dl.win, r, bucket, public, sel[0])
	p.onSaved = onSaved
	dl.present(p.dlg, nil)
	go p.loadAsync(p.ctx)
	return p
}

// newPropertiesDialog builds the dialog of o over win; the caller presents
// it and starts loadAsync.
func newPropertiesDialog(win fyne.Window, r propertiesRemote, bucket string, public bool, o store.Object) *propertiesDialog {
	p := &propertiesDialog{r: r, bucket: bucket, key: o.Key, public: public}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.status = widget.NewLabel("Loading…")
	p.status.Wrapping = fyne.TextWrapWord
	now := widget.NewLabel("These are the details of the file as it is now, not as it was at the moment shown in the folder.")
	now.Wrapping = fyne.TextWrapWord
	now.Importance = widget.WarningImportance
	now.Hidden = o.VersionID == "" // a listing of a past moment pins versions
	p.facts = container.NewStack()

	p.contentType = widget.NewEntry()
	p.contentType.SetPlaceHolder("keep the current type")
	p.metaBox = container.NewVBox()
	add := widget.NewButtonWithIcon("Add metadata", theme.ContentAddIcon(), func() { p.addRow("", "") })
	p.saveBtn = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), p.save)
	p.saveBtn.Importance = widget.HighImportance
	p.saving = newBusy()
	p.editNote = widget.NewLabel("")
	p.editNote.Wrapping = fyne.TextWrapWord
	explain := widget.NewLabel("B2 cannot change a file in place: saving copies the file onto itself with the new details, which makes a new version and keeps the current one as an older version.")
	explain.Wrapping = fyne.TextWrapWord
	// The header leaves room for the rows' remove buttons.
	gap := canvas.NewRectangle(color.Transparent)
	gap.SetMinSize(widget.NewButtonWithIcon("", theme.DeleteIcon(), nil).MinSize())
	header := container.NewBorder(nil, nil, nil, gap, container.NewGridWithColumns(2, bold("Name"), bold("Value")))
	p.editBox = container.NewVBox(
		widget.NewSeparator(),
		bold("Content type and metadata"),
		explain,
		widget.NewForm(widget.NewFormItem("Content type", p.contentType)),
		header, p.metaBox,
		container.NewHBox(add, layout.NewSpacer(), p.saveBtn),
		p.saving.Activity, p.editNote,
	)
	p.editBox.Hide()

	p.previewBox = container.NewStack(widget.NewLabel("Loading the preview…"))
	left := container.NewVScroll(container.NewVBox(now, p.status, p.facts, p.editBox))
	right := container.NewBorder(bold("Preview"), nil, nil, nil, p.previewBox)
	split := container.NewHSplit(left, right)
	split.Offset = 0.55
	body, closeTips := newTipHost(split)
	p.dlg = dialog.NewCustom("Properties of "+path.Base(o.Key), "Close", body, win)
	p.dlg.SetOnClosed(p.cancel)
	p.dlg.SetOnClosed(closeTips)
	p.dlg.Resize(fyne.NewSize(1000, 680))
	return p
}

func bold(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// loadAsync reads the properties, then the preview. Closing the dialog
// cancels ctx and so both.
func (p *propertiesDialog) loadAsync(ctx context.Context) {
	props, err := p.r.Properties(ctx, p.bucket, p.key)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		slog.Warn("properties failed", "bucket", p.bucket, "key", p.key, "err", err)
		msg := Sentence(err)
		do(func() {
			p.status.SetText(msg)
			p.setPreview(widget.NewLabel("No preview."))
		})
		return
	}
	v := describeProperties(props, time.Now())
	do(func() { p.show(props, v) })
	pv := loadPreview(ctx, p.r, p.bucket, props.ObjectInfo)
	if ctx.Err() != nil {
		return
	}
	do(func() { p.showPreview(pv) })
}

// show swaps in freshly read properties, the editor included.
func (p *propertiesDialog) show(props store.Properties, v propertyView) {
	p.props, p.loaded = props, true
	p.status.Hide()
	form := widget.NewForm()
	for _, f := range v.facts {
		form.Append(f.label, valueLabel(f.value))
	}
	var copyURL *widget.Button
	copyURL = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(v.url)
		copyURL.SetText("Copied")
	})
	url := container.NewBorder(nil, nil, nil, copyURL, valueLabel(v.url))
	if !p.public {
		hint := widget.NewLabel("The bucket is private: this address needs a signed link (Share…).")
		hint.Wrapping = fyne.TextWrapWord
		hint.Importance = widget.LowImportance
		form.Append("S3 URL", container.NewVBox(url, hint))
	} else {
		form.Append("S3 URL", url)
	}
	p.facts.Objects = []fyne.CanvasObject{form}
	p.facts.Refresh()

	p.contentType.SetText(v.contentType)
	p.rows = nil
	p.metaBox.RemoveAll()
	for _, m := range v.meta {
		p.addRow(m.name, m.value)
	}
	p.editBox.Show()
	if props.SSECustomer && props.CustomerKey == "" {
		p.saveBtn.Disable()
		p.editNote.SetText("This file is encrypted with your own key (SSE-C): B2 cannot copy it, so its details cannot be changed without the key.")
	}
}

func valueLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapBreak
	l.Selectable = true
	return l
}

// addRow adds an editable metadata row; src_last_modified_millis shows
// its date below the value.
func (p *propertiesDialog) addRow(name, value string) *metaRow {
	row := &metaRow{name: widget.NewEntry(), value: widget.NewEntry(), note: widget.NewLabel("")}
	row.name.SetPlaceHolder("name")
	row.value.SetPlaceHolder("value")
	row.name.SetText(name)
	row.value.SetText(value)
	row.note.Wrapping = fyne.TextWrapWord
	row.note.Importance = widget.LowImportance
	explain := func(string) {
		row.note.SetText(metaNote(row.name.Text, row.value.Text))
		row.note.Hidden = row.note.Text == ""
		row.note.Refresh()
	}
	row.name.OnChanged, row.value.OnChanged = explain, explain
	explain("")
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { p.removeRow(row) })
	// VBoxes keep the name and button one line high beside a note.
	row.box = container.NewBorder(nil, nil, nil, container.NewVBox(withTip(remove, "Remove this metadata")),
		container.NewGridWithColumns(2, container.NewVBox(row.name), container.NewVBox(row.value, row.note)))
	p.rows = append(p.rows, row)
	p.metaBox.Add(row.box)
	return row
}

func (p *propertiesDialog) removeRow(row *metaRow) {
	p.rows = slices.DeleteFunc(p.rows, func(r *metaRow) bool { return r == row })
	p.metaBox.Remove(row.box)
}

// save writes the content type and metadata on screen.
func (p *propertiesDialog) save() {
	rows := make([]metaEntry, len(p.rows))
	for i, r := range p.rows {
		rows[i] = metaEntry{r.name.Text, r.value.Text}
	}
	meta, err := editedMetadata(rows, p.props.Metadata)
	if err != nil {
		p.editNote.SetText(capitalize(err.Error()) + ".")
		return
	}
	p.saveBtn.Disable()
	p.editNote.SetText("")
	p.saving.Show()
	go p.saveAsync(p.ctx, strings.TrimSpace(p.contentType.Text), meta)
}

// saveAsync copies the file onto itself with the new details, then reads
// its properties again (a new ETag and one more version on B2).
func (p *propertiesDialog) saveAsync(ctx context.Context, contentType string, meta map[string]string) {
	_, err := p.r.UpdateMetadata(ctx, p.bucket, p.key, contentType, meta)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		slog.Warn("update metadata failed", "bucket", p.bucket, "key", p.key, "err", err)
		msg := Sentence(err)
		do(func() {
			p.saving.Hide()
			p.saveBtn.Enable()
			p.editNote.SetText(msg)
		})
		return
	}
	props, err := p.r.Properties(ctx, p.bucket, p.key)
	if ctx.Err() != nil {
		return
	}
	v := describeProperties(props, time.Now())
	do(func() {
		p.saving.Hide()
		p.saveBtn.Enable()
		if err != nil {
			p.editNote.SetText("Saved, but the new details could not be read: " + Sentence(err))
		} else {
			p.show(props, v)
			p.editNote.SetText("Saved.")
		}
		p.afterSave()
	})
}

// afterSave tells onSaved that the file has a new version.
func (p *propertiesDialog) afterSave() {
	if p.onSaved != nil {
		p.onSaved(p.bucket, p.key)
	}
}

// dirOf is the folder of key: everything up to its last "/".
func dirOf(key string) string { return key[:strings.LastIndex(key, "/")+1] }

// propertiesRemote is what the properties dialog and its preview need.
type propertiesRemote interface {
	// Properties reads a file's details and metadata.
	Properties(ctx context.Context, bucket, key string) (store.Properties, error)
	// UpdateMetadata stores new details as a new version.
	UpdateMetadata(ctx context.Context, bucket, key, contentType string, meta map[string]string) (store.Object, error)
	// Preview reads at most max bytes of a version.
	Preview(ctx context.Context, bucket, key, versionID string, max int64) ([]byte, error)
}
