package ui

import (
	"net/url"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/transfer"
)

// jobRowView draws one transfer: icon and name, progress bar, detail and
// controls on the first line; where the bytes go (with "Open folder" for a
// download) on the second; and, when there is one, a note that must be read
// whole (why it failed, what is being retried) wrapped beneath.
type jobRowView struct {
	widget.BaseWidget
	p *transfersPanel

	icon   *widget.Icon
	name   *widget.Label
	bar    *widget.ProgressBar
	detail *widget.Label
	where  *widget.Label
	open   *widget.Button
	note   *widget.Label
	front  *widget.Button
	retry  *widget.Button
	pause  *widget.Button
	cancel *widget.Button
	// pauseTip is the pause button's tooltip, which follows its icon.
	pauseTip *tipped
}

func newJobRowView(p *transfersPanel) *jobRowView {
	v := &jobRowView{
		p:      p,
		icon:   widget.NewIcon(theme.UploadIcon()),
		name:   widget.NewLabel(""),
		bar:    widget.NewProgressBar(),
		detail: widget.NewLabel(""),
		where:  widget.NewLabel(""),
		note:   widget.NewLabel(""),
		open:   widget.NewButtonWithIcon("Open folder", theme.FolderOpenIcon(), nil),
		front:  widget.NewButtonWithIcon("", theme.MoveUpIcon(), nil),
		retry:  widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), nil),
		pause:  widget.NewButtonWithIcon("", theme.MediaPauseIcon(), nil),
		cancel: widget.NewButtonWithIcon("", theme.CancelIcon(), nil),
	}
	v.name.Truncation = fyne.TextTruncateEllipsis
	v.detail.Truncation = fyne.TextTruncateEllipsis
	v.where.Truncation = fyne.TextTruncateEllipsis
	v.where.SizeName = theme.SizeNameCaptionText
	v.note.Wrapping = fyne.TextWrapWord
	for _, b := range []*widget.Button{v.open, v.front, v.retry, v.pause, v.cancel} {
		b.Importance = widget.LowImportance
	}
	v.pauseTip = withTip(v.pause, "Pause")
	v.ExtendBaseWidget(v)
	return v
}

func (v *jobRowView) CreateRenderer() fyne.WidgetRenderer {
	buttons := container.NewHBox(withTip(v.front, "Start next"), withTip(v.retry, "Try again"), v.pauseTip,
		withTip(v.cancel, "Cancel this transfer…"))
	first := container.NewGridWithColumns(3,
		container.New(&fixedWidth{w: 300}, container.NewBorder(nil, nil, v.icon, nil, v.name)),
		v.bar,
		container.NewBorder(nil, nil, nil, buttons, v.detail))
	second := container.NewBorder(nil, nil, nil, v.open, v.where)
	return widget.NewSimpleRenderer(container.NewVBox(first, second, v.note))
}

// show puts a prepared row on screen and points the buttons at its job.
func (v *jobRowView) show(r jobRow) {
	v.name.SetText(r.name)
	v.icon.SetResource(r.icon)
	v.detail.SetText(r.detail)
	v.bar.SetValue(r.progress)
	v.where.SetText(r.where)
	v.note.SetText(r.note)
	v.note.Importance = widget.WarningImportance
	if r.failed {
		v.note.Importance = widget.DangerImportance
	}
	v.note.Refresh()
	setVisible(v.note, r.note != "")
	setVisible(v.open, r.folder != "")
	folder := r.folder
	v.open.OnTapped = func() {
		if err := v.p.openFolder(folder); err != nil {
			v.p.totals.SetText("Could not open " + tildeHome(folder) + ": " + Sentence(err))
		}
	}
	id, name := r.id, r.name
	v.front.OnTapped = func() { v.p.act(id, jobControl.MoveToFront) }
	v.retry.OnTapped = func() { v.p.act(id, jobControl.Retry) }
	v.cancel.OnTapped = func() { v.p.confirmCancel(id, name) }
	if r.state == transfer.Paused {
		v.pause.SetIcon(theme.MediaPlayIcon())
		v.pauseTip.setTip("Resume")
		v.pause.OnTapped = func() { v.p.act(id, jobControl.Resume) }
	} else {
		v.pause.SetIcon(theme.MediaPauseIcon())
		v.pauseTip.setTip("Pause")
		v.pause.OnTapped = func() { v.p.act(id, jobControl.Pause) }
	}
	active := r.state == transfer.Running || r.state == transfer.Queued || r.state == transfer.Paused
	setVisible(v.front, r.state == transfer.Queued)
	setVisible(v.retry, r.failed)
	setVisible(v.pause, active)
	setVisible(v.cancel, active || r.failed)
}

// rowHeight is the height of a row whose note (if any) wraps at width.
func rowHeight(note string, width float32) float32 {
	line := fyne.MeasureText("Mg", theme.TextSize(), fyne.TextStyle{}).Height
	caption := fyne.MeasureText("Mg", theme.CaptionTextSize(), fyne.TextStyle{}).Height
	pad := theme.Padding()
	h := (line + 2*theme.InnerPadding()) + (caption + 2*theme.InnerPadding()) + pad
	if note == "" {
		return h
	}
	inner := max(width-2*theme.InnerPadding(), 100)
	lines := float32(1)
	if w := fyne.MeasureText(note, theme.TextSize(), fyne.TextStyle{}).Width; w > inner {
		lines = float32(int(w/inner) + 1)
	}
	return h + pad + lines*line + 2*theme.InnerPadding()
}

// openFolder shows dir in the desktop's file manager.
func openFolder(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	return fyne.CurrentApp().OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)})
}
