package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/color"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
)

// prefPricePerTB is the storage price the person set, in dollars per TB
// and month; unset means B2's published one.
const prefPricePerTB = "report.pricePerTB"

// reportEvery limits how often a running report is drawn again.
const reportEvery = 200 * time.Millisecond

// storageReporter is what the storage report and its cleanups need of B2;
// *store.Client has it. Safe for concurrent use.
type storageReporter interface {
	// StorageReport adds up a bucket or folder a page at a time, calling
	// progress with the report so far (valid only during the call).
	StorageReport(ctx context.Context, bucket, prefix string, progress func(*store.Report)) (*store.Report, error)
	// PreviewCleanup counts what a cleanup would remove, removing nothing.
	PreviewCleanup(ctx context.Context, cl store.Cleanup, progress func(store.CleanupProgress)) (store.CleanupPlan, error)
	// RunCleanup removes what the preview of the same Cleanup counted.
	RunCleanup(ctx context.Context, cl store.Cleanup, progress func(store.CleanupProgress)) (store.CleanupResult, error)
}

// usageKind is one of the four things B2 bills storage for, as the report
// shows them.
type usageKind struct {
	label  string
	clean  store.CleanupKind
	action string // the label of its cleanup button
	tally  func(store.Usage) store.Tally
	color  fyne.ThemeColorName
}

var usageKinds = []usageKind{
	{"Current versions", 0, "",
		func(u store.Usage) store.Tally { return u.Current }, theme.ColorNamePrimary},
	{"Older versions", store.OlderVersions, "Delete older…",
		func(u store.Usage) store.Tally { return u.Older }, theme.ColorNameWarning},
	{"Hidden files", store.HiddenFiles, "Delete hidden…",
		func(u store.Usage) store.Tally { return u.Hidden }, theme.ColorNameError},
	{"Unfinished uploads", store.UnfinishedUploads, "Abort unfinished…",
		func(u store.Usage) store.Tally { return u.Unfinished }, theme.ColorNameSuccess},
}

// reportView is the storage report of a bucket or folder: what each kind
// of stored data counts and costs a month, a bar of their shares, and
// every immediate subfolder (sortable, and opened to report on it). It
// reads the listing a page at a time and shows the totals as they grow;
// Stop ends it with what was read so far. It belongs to the Fyne
// goroutine.
type reportView struct {
	r      storageReporter
	dlg    *dialogs
	bucket string
	prefix string
	rep    *store.Report // the latest copy; nil before the first page
	rows   []store.FolderUsage
	sortBy int  // column the subfolders are sorted by
	asc    bool // ascending rather than largest first
	gen    int  // bumped per run; late pages of an old one are dropped
	cancel context.CancelFunc

	where   *widget.Label
	status  *widget.Label
	spin    *busy
	stopBtn *widget.Button
	upBtn   *widget.Button
	openBtn *widget.Button
	price   *widget.Entry
	kinds   []*kindRow
	total   *widget.Label
	shares  *shareBar
	table   *widget.Table
	chosen  int // selected subfolder row, -1 for none
	content fyne.CanvasObject

	// onCleaned is told that a cleanup removed something from bucket.
	onCleaned func(bucket string)
}

// kindRow is one kind's line in the summary.
type kindRow struct {
	count, bytes, cost *widget.Label
	clean              *widget.Button // nil for current versions
}

func newReportView(r storageReporter, dlg *dialogs, bucket, prefix string) *reportView {
	v := &reportView{r: r, dlg: dlg, bucket: bucket, chosen: -1, sortBy: colTotal}
	v.where = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.where.Truncation = fyne.TextTruncateEllipsis
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.spin = newBusy()
	v.stopBtn = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), v.stop)
	v.upBtn = widget.NewButtonWithIcon("Up", theme.MoveUpIcon(), v.goUp)
	v.openBtn = widget.NewButtonWithIcon("Report on this folder", theme.FolderOpenIcon(), v.openChosen)
	v.openBtn.Disable()
	v.price = widget.NewEntry()
	v.price.Validator = func(s string) error {
		if p, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil || p < 0 || p > 1000 {
			return fmt.Errorf("dollars per TB and month, such as %g", store.B2StoragePricePerTB)
		}
		return nil
	}
	v.price.SetText(strconv.FormatFloat(fyne.CurrentApp().Preferences().FloatWithFallback(prefPricePerTB, store.B2StoragePricePerTB), 'f', -1, 64))
	v.price.OnChanged = func(s string) {
		if v.price.Validate() == nil {
			p, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
			fyne.CurrentApp().Preferences().SetFloat(prefPricePerTB, p)
			v.draw()
		}
	}
	v.shares = newShareBar()
	v.table = v.newTable()
	v.content = v.layout()
	v.open(prefix)
	return v
}

// layout places the report: where and how far, the summary with its
// cleanup buttons, the share bar, and the subfolders.
func (v *reportView) layout() fyne.CanvasObject {
	grid := container.NewGridWithColumns(5, bold("Kind"), bold("Files or versions"), bold("Size"), bold("A month"), widget.NewLabel(""))
	for _, k := range usageKinds {
		row := &kindRow{count: widget.NewLabel("–"), bytes: widget.NewLabel("–"), cost: widget.NewLabel("–")}
		name := widget.NewLabel(k.label)
		var action fyne.CanvasObject = widget.NewLabel("")
		if k.clean != 0 {
			row.clean = widget.NewButtonWithIcon(k.action, theme.DeleteIcon(), func() { v.cleanUp(k.clean) })
			row.clean.Disable()
			action = row.clean
		}
		swatch := canvas.NewRectangle(theme.Color(k.color))
		swatch.SetMinSize(fyne.NewSize(12, 12))
		grid.Add(container.NewBorder(nil, nil, container.NewCenter(swatch), nil, name))
		grid.Add(row.count)
		grid.Add(row.bytes)
		grid.Add(row.cost)
		grid.Add(action)
		v.kinds = append(v.kinds, row)
	}
	v.total = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.total.Wrapping = fyne.TextWrapWord
	priceNote := widget.NewLabel(fmt.Sprintf("B2's price, read on %s: $%g per TB a month (the first 10 GB of an account are free).", store.B2StoragePriceRead, store.B2StoragePricePerTB))
	priceNote.Wrapping = fyne.TextWrapWord
	priceNote.SizeName = theme.SizeNameCaptionText
	priceRow := container.NewBorder(nil, nil, widget.NewLabel("Price per TB a month ($)"), nil, container.NewGridWrap(fyne.NewSize(120, v.price.MinSize().Height), v.price))
	head := container.NewBorder(nil, nil, v.upBtn, container.NewHBox(v.spin.Activity, v.stopBtn), v.where)
	top := container.NewVBox(head, v.status, grid, v.shares.content, v.total, priceRow, priceNote, widget.NewSeparator(),
		container.NewBorder(nil, nil, bold("Subfolders, largest first"), v.openBtn))
	return container.NewBorder(top, nil, nil, nil, v.table)
}

// open reports on the folder prefix of the bucket, from the start.
func (v *reportView) open(prefix string) {
	v.stop()
	v.prefix = prefix
	v.rep, v.rows, v.chosen = nil, nil, -1
	v.table.UnselectAll()
	v.openBtn.Disable()
	v.where.SetText(Location{Bucket: v.bucket, Prefix: prefix}.String())
	setEnabled(v.upBtn, prefix != "")
	v.status.SetText("Reading the list of versions…")
	v.draw()
	v.run()
}

// run reads the report off the Fyne goroutine, drawing it as it grows.
func (v *reportView) run() {
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	v.gen++
	gen := v.gen
	v.spin.Show()
	v.stopBtn.Enable()
	r, bucket, prefix := v.r, v.bucket, v.prefix
	go func() {
		var last time.Time
		rep, err := r.StorageReport(ctx, bucket, prefix, func(rep *store.Report) {
			if time.Since(last) < reportEvery && !rep.Complete {
				return
			}
			last = time.Now()
			c := rep.Clone()
			do(func() {
				if v.gen == gen {
					v.show(c, nil)
				}
			})
		})
		if rep != nil {
			rep = rep.Clone()
		}
		do(func() {
			if v.gen == gen {
				v.finished(rep, err)
			}
		})
	}()
}

// stop ends a running report, keeping what it read.
func (v *reportView) stop() {
	if v.cancel != nil {
		v.cancel()
		v.cancel = nil
	}
}

// finished shows the last copy of the report and how it ended.
func (v *reportView) finished(rep *store.Report, err error) {
	v.cancel = nil
	v.spin.Hide()
	v.stopBtn.Disable()
	v.show(rep, err)
}

// show draws a copy of the report and says how far it got.
func (v *reportView) show(rep *store.Report, err error) {
	if rep != nil {
		v.rep = rep
		v.rows = rep.Subfolders()
		v.sortRows()
	}
	seen := int64(0)
	if v.rep != nil {
		seen = v.rep.Seen
	}
	read := humanize.Comma(seen) + " versions, markers and uploads read"
	switch {
	case canceled(err):
		v.status.SetText("Stopped: " + read + ". The figures count only those.")
	case err != nil:
		v.status.SetText("The report stopped: " + Sentence(err) + " " + read + "; the figures count only those.")
	case v.rep != nil && v.rep.Complete:
		v.status.SetText("Complete: " + read + ".")
	default:
		v.status.SetText("Reading… " + read + " so far.")
	}
	v.draw()
}

// canceled reports whether err is the end of work the person stopped.
func canceled(err error) bool {
	return errors.Is(err, store.ErrCanceled) || errors.Is(err, context.Canceled)
}

// pricePerTB is the price per TB a month typed, or B2's.
func (v *reportView) pricePerTB() float64 {
	p, err := strconv.ParseFloat(strings.TrimSpace(v.price.Text), 64)
	if err != nil || p < 0 {
		return store.B2StoragePricePerTB
	}
	return p
}

// draw fills the summary, the share bar and the table from v.rep.
func (v *reportView) draw() {
	var u store.Usage
	if v.rep != nil {
		u = v.rep.Total
	}
	price := v.pricePerTB()
	complete := v.rep != nil && v.rep.Complete
	shares := make([]float64, len(usageKinds))
	for i, k := range usageKinds {
		t := k.tally(u)
		row := v.kinds[i]
		row.count.SetText(humanize.Comma(t.Count))
		if k.clean == store.HiddenFiles && u.HiddenVersions > 0 {
			row.count.SetText(fmt.Sprintf("%s (%s)", humanize.Comma(t.Count), plural(int(u.HiddenVersions), "version")))
		}
		row.bytes.SetText(humanize.Bytes(uint64(t.Bytes)))
		row.cost.SetText(dollars(store.MonthlyCost(t.Bytes, price)))
		if row.clean != nil {
			setEnabled(row.clean, complete && t.Count > 0)
		}
		shares[i] = float64(t.Bytes)
	}
	v.shares.set(shares)
	v.total.SetText(fmt.Sprintf("In all: %s, %s a month at $%g per TB. %s of it is older versions, hidden files and unfinished uploads.",
		humanize.Bytes(uint64(u.Bytes())), dollars(store.MonthlyCost(u.Bytes(), price)), price,
		percent(u.Older.Bytes+u.Hidden.Bytes+u.Unfinished.Bytes, u.Bytes())))
	v.table.Refresh()
}

// dollars writes a monthly cost: cents, or "under $0.01".
func dollars(d float64) string {
	if d > 0 && d < 0.005 {
		return "under $0.01"
	}
	return "$" + humanize.CommafWithDigits(d, 2)
}

// percent is part of whole as a rounded percentage.
func percent(part, whole int64) string {
	if whole == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", float64(part)*100/float64(whole))
}

// goUp reports on the parent folder.
func (v *reportView) goUp() {
	if v.prefix == "" {
		return
	}
	parent := path.Dir(strings.TrimSuffix(v.prefix, "/"))
	if parent == "." {
		parent = ""
	} else {
		parent += "/"
	}
	v.open(parent)
}

// openChosen reports on the chosen subfolder.
func (v *reportView) openChosen() {
	if v.chosen < 0 || v.chosen >= len(v.rows) || v.rows[v.chosen].Prefix == "" {
		return
	}
	v.open(v.rows[v.chosen].Prefix)
}

// The subfolder table's columns.
const (
	colFolder = iota
	colCurrent
	colOlder
	colHidden
	colUnfinished
	colTotal
	colCost
	colShare
	nReportCols
)

var reportHeaders = [nReportCols]string{"Folder", "Current", "Older", "Hidden", "Unfinished", "Total", "A month", "Share"}

func (v *reportView) newTable() *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(v.rows), nReportCols },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewStack(newShareBar().content, l)
		},
		v.updateCell)
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		label := reportHeaders[id.Col]
		if id.Col == v.sortBy {
			label += map[bool]string{true: " ▲", false: " ▼"}[v.asc]
		}
		b.SetText(label)
		col := id.Col
		b.OnTapped = func() { v.sortOn(col) }
	}
	widths := [nReportCols]float32{220, 90, 90, 90, 100, 90, 90, 120}
	for i, w := range widths {
		t.SetColumnWidth(i, w)
	}
	t.OnSelected = func(id widget.TableCellID) {
		v.chosen = id.Row
		setEnabled(v.openBtn, id.Row < len(v.rows) && v.rows[id.Row].Prefix != "")
	}
	return t
}

func (v *reportView) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	st := o.(*fyne.Container)
	bar, label := st.Objects[0], st.Objects[1].(*widget.Label)
	if id.Row >= len(v.rows) {
		return
	}
	f := v.rows[id.Row]
	bar.Hide()
	label.Show()
	switch id.Col {
	case colFolder:
		name := "(files in this folder)"
		if f.Prefix != "" {
			name = printable(path.Base(strings.TrimSuffix(f.Prefix, "/"))) + "/"
		}
		label.SetText(name)
	case colCurrent:
		label.SetText(humanize.Bytes(uint64(f.Current.Bytes)))
	case colOlder:
		label.SetText(humanize.Bytes(uint64(f.Older.Bytes)))
	case colHidden:
		label.SetText(humanize.Bytes(uint64(f.Hidden.Bytes)))
	case colUnfinished:
		label.SetText(humanize.Bytes(uint64(f.Unfinished.Bytes)))
	case colTotal:
		label.SetText(humanize.Bytes(uint64(f.Bytes())))
	case colCost:
		label.SetText(dollars(store.MonthlyCost(f.Bytes(), v.pricePerTB())))
	case colShare:
		label.Hide()
		bar.Show()
		// The biggest folder fills the cell; the others in proportion,
		// split by kind.
		largest := int64(1)
		for _, r := range v.rows {
			largest = max(largest, r.Bytes())
		}
		shares := make([]float64, len(usageKinds)+1)
		for i, k := range usageKinds {
			shares[i] = float64(k.tally(f.Usage).Bytes)
		}
		shares[len(usageKinds)] = float64(largest - f.Bytes()) // the empty rest
		sb := bar.(*fyne.Container)
		setShares(sb, shares)
	}
}

// sortOn sorts the subfolders by a column; the same column again turns
// the order round.
func (v *reportView) sortOn(col int) {
	if col == v.sortBy {
		v.asc = !v.asc
	} else {
		v.sortBy, v.asc = col, col == colFolder
	}
	v.sortRows()
	v.table.UnselectAll()
	v.chosen = -1
	v.openBtn.Disable()
	v.table.Refresh()
}

func (v *reportView) sortRows() {
	key := func(f store.FolderUsage) int64 {
		switch v.sortBy {
		case colCurrent:
			return f.Current.Bytes
		case colOlder:
			return f.Older.Bytes
		case colHidden:
			return f.Hidden.Bytes
		case colUnfinished:
			return f.Unfinished.Bytes
		}
		return f.Bytes()
	}
	slices.SortStableFunc(v.rows, func(a, b store.FolderUsage) int {
		c := cmp.Compare(key(b), key(a))
		if v.sortBy == colFolder {
			c = cmp.Compare(a.Prefix, b.Prefix)
		}
		if v.asc != (v.sortBy == colFolder) {
			c = -c
		}
		return c
	})
}

// shareBar draws shares side by side, each in its kind's colour: the chart
// of the report and of each subfolder's row.
type shareBar struct {
	content *fyne.Container
}

func newShareBar() *shareBar {
	c := container.New(&shareLayout{})
	for _, k := range usageKinds {
		r := canvas.NewRectangle(theme.Color(k.color))
		c.Add(r)
	}
	c.Add(canvas.NewRectangle(color.Transparent)) // the rest of a row's cell
	return &shareBar{content: c}
}

// set gives each kind its share of the bar.
func (s *shareBar) set(shares []float64) {
	setShares(s.content, append(shares, 0))
}

// setShares sizes a share bar's rectangles by shares (one per kind, then
// the empty rest).
func setShares(c *fyne.Container, shares []float64) {
	l := c.Layout.(*shareLayout)
	l.shares = slices.Clone(shares)
	c.Refresh()
}

// shareLayout lays rectangles side by side, each as wide as its share of
// the sum, at least 16 px high.
type shareLayout struct {
	shares []float64
}

func (l *shareLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	sum := 0.0
	for _, s := range l.shares {
		sum += s
	}
	x := float32(0)
	for i, o := range objs {
		w := float32(0)
		if sum > 0 && i < len(l.shares) {
			w = size.Width * float32(l.shares[i]/sum)
		}
		o.Move(fyne.NewPos(x, size.Height/4))
		o.Resize(fyne.NewSize(w, size.Height/2))
		x += w
	}
}

func (l *shareLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(60, 16) }
