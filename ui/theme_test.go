package ui

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/haul-app/haul/store"
)

// mixedBucket holds a folder of 40 files of every kind, two subfolders and
// a deleted file: more than a screen of rows at 1440×900 in Fyne's sizes.
const mixedBucket = "haul-ui-mixed"

var (
	seedMixedOnce sync.Once
	seedMixedErr  error
)

func seedMixed(t *testing.T) {
	t.Helper()
	seedMixedOnce.Do(func() {
		ctx := context.Background()
		if seedMixedErr = testClient.CreateBucket(ctx, mixedBucket, store.Private); seedMixedErr != nil {
			return
		}
		var keys []string
		for i := range 8 {
			keys = append(keys, fmt.Sprintf("IMG_%04d.jpg", 4810+i), fmt.Sprintf("clip-%02d.mp4", i), fmt.Sprintf("take-%02d.flac", i))
		}
		keys = append(keys, "backup-2026-01.tar.gz", "backup-2026-02.tar.gz", "site.zip", "installer.deb",
			"invoice-0042.pdf", "minutes.docx", "budget.xlsx", "README.md", "main.go", "deploy.sh", "config.yaml",
			"schema.sql", "index.html", "notes", "photos/a.jpg", "builds/b.bin", "old-draft.txt", "old-notes.md")
		for i, k := range keys {
			body := bytes.Repeat([]byte{'x'}, 1+i*997)
			if _, seedMixedErr = testClient.Put(ctx, store.PutInput{Bucket: mixedBucket, Key: k, Body: bytes.NewReader(body)}); seedMixedErr != nil {
				return
			}
		}
		for _, k := range []string{"old-draft.txt", "old-notes.md"} {
			if seedMixedErr = testClient.Delete(ctx, mixedBucket, k); seedMixedErr != nil {
				return
			}
		}
	})
	if seedMixedErr != nil {
		t.Fatal("seed:", seedMixedErr)
	}
}

// newAppearanceHarness is newHarness with the appearance set in the
// preferences and applied before the window is built, as main does, and
// the window at 1440×900.
func newAppearanceHarness(t *testing.T, ap appearance, start Location) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	h.ui(func() {
		ap.save(a.Preferences())
		ApplyAppearance(a)
		h.w = NewWindow(a, Deps{
			Connect: func(context.Context, store.Account) (Remote, error) { return testClient, nil },
			Sandbox: &SandboxInfo{Account: testSandbox.Account(), Dir: testSandbox.Dir},
			Start:   start,
		})
		h.w.browser.onView = func(v *folderView) { h.views <- v }
	})
	h.ui(func() { h.w.win.Resize(fyne.NewSize(1440, 900)) })
	h.ui(h.w.Show)
	t.Cleanup(func() { h.ui(func() { h.w.browser.stopLoading(); h.w.win.Close() }) })
	return h
}

func TestThemeSizesByDensity(t *testing.T) {
	test.NewTempApp(t)
	base := theme.DefaultTheme()
	compact := appearance{variant: variantSystem, density: densityCompact}.theme()
	comfortable := appearance{variant: variantSystem, density: densityComfortable}.theme()
	for _, name := range []fyne.ThemeSizeName{theme.SizeNameText, theme.SizeNamePadding, theme.SizeNameInnerPadding,
		theme.SizeNameLineSpacing, theme.SizeNameInlineIcon, theme.SizeNameScrollBar, theme.SizeNameSeparatorThickness} {
		if got, want := comfortable.Size(name), base.Size(name); got != want {
			t.Errorf("comfortable %s = %v, want Fyne's %v", name, got, want)
		}
		want, ok := compactSizes[name]
		if !ok {
			want = base.Size(name)
		}
		if got := compact.Size(name); got != want {
			t.Errorf("compact %s = %v, want %v", name, got, want)
		}
	}
	if compact.Size(theme.SizeNameText) >= base.Size(theme.SizeNameText) || compact.Size(theme.SizeNameInnerPadding) >= base.Size(theme.SizeNameInnerPadding) {
		t.Error("compact is not smaller than Fyne's sizes")
	}
	// A variant chosen wins over the system's; "system" follows it.
	dark := appearance{variant: variantDark, density: densityCompact}.theme()
	light := appearance{variant: variantLight, density: densityCompact}.theme()
	bg := func(th fyne.Theme, v fyne.ThemeVariant) color.Color { return th.Color(theme.ColorNameBackground, v) }
	if bg(dark, theme.VariantLight) != bg(base, theme.VariantDark) || bg(light, theme.VariantDark) != bg(base, theme.VariantLight) {
		t.Error("a chosen variant does not win over the system's")
	}
	if bg(compact, theme.VariantDark) != bg(base, theme.VariantDark) || bg(compact, theme.VariantLight) != bg(base, theme.VariantLight) {
		t.Error("the system's variant is not followed")
	}
}

// relayout lays the whole window out again. The test driver does so only
// when told, where the real driver does on its next frame whatever was
// shown or hidden (the account bar and the sandbox's banner appear once
// the account opens); applying the theme again walks every container.
func relayout(h *harness) {
	h.ui(func() { ApplyAppearance(fyne.CurrentApp()) })
}

// nameCells are the folder table's Name cells drawn inside its view, with
// their tops in the view's coordinates, and the view's height.
func nameCells(h *harness) (tops []float32, cells []*fileCell, view float32) {
	h.ui(func() {
		off, size := tableScroll(h.w.browser.table)
		view = size.Height
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			c, ok := o.(*fileCell)
			if !ok || c.col != colName || c.row >= h.w.browser.view.Len() {
				continue
			}
			if y := c.Position().Y - off.Y; y+c.Size().Height > 0 && y < size.Height {
				tops, cells = append(tops, y), append(cells, c)
			}
		}
	})
	return tops, cells, view
}

func TestCompactTableShowsThirtyRowsAt1440x900(t *testing.T) {
	seedMixed(t)
	for _, tc := range []struct {
		density string
		atLeast int
	}{{densityCompact, 30}, {densityComfortable, 0}} {
		h := newAppearanceHarness(t, appearance{variant: variantLight, density: tc.density}, Location{Bucket: mixedBucket})
		h.waitDone("")
		if n := get(h, h.w.browser.view.Len); n < 40 {
			t.Fatalf("the folder lists %d rows", n)
		}
		relayout(h)
		shown := len(h.shownRows())
		tops, cells, view := nameCells(h)
		// Rows take their height from the theme: the text's line height (or
		// the icon's size, where larger) and the inner padding above and
		// below it.
		th := get(h, func() fyne.Theme { return fyne.CurrentApp().Settings().Theme() })
		text := fyne.MeasureText("Hg", th.Size(theme.SizeNameText), fyne.TextStyle{}).Height
		want := max(text, th.Size(theme.SizeNameInlineIcon)) + 2*th.Size(theme.SizeNameInnerPadding)
		whole := 0
		for i, c := range cells {
			if hgt := get(h, func() float32 { return c.Size().Height }); math.Abs(float64(hgt-want)) > 0.5 {
				t.Errorf("%s: a row is %.1f px high, want the theme's %.1f", tc.density, hgt, want)
				break
			}
			if tops[i]+want <= view {
				whole++
			}
		}
		t.Logf("%s: rows %.1f px apart, %d rows drawn, %d whole, in a view %.0f px high", tc.density,
			want+th.Size(theme.SizeNamePadding), shown, whole, view)
		if whole < tc.atLeast {
			t.Errorf("%s: %d whole rows at 1440×900, want at least %d", tc.density, whole, tc.atLeast)
		}
	}
}

// sharedPrefsApp is a new app that reads an earlier app's preferences, as
// a restarted Haul reads the file the last run wrote.
type sharedPrefsApp struct {
	fyne.App
	prefs fyne.Preferences
}

func (a sharedPrefsApp) Preferences() fyne.Preferences { return a.prefs }

// tapRadio taps the radio option showing label in the top dialog.
func tapRadio(t *testing.T, c fyne.Canvas, label string) {
	t.Helper()
	for _, o := range test.LaidOutObjects(c.Overlays().Top()) {
		v := reflect.ValueOf(o)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || v.Elem().Type().Name() != "radioItem" {
			continue
		}
		if v.Elem().FieldByName("Label").String() == label {
			test.Tap(o.(fyne.Tappable))
			return
		}
	}
	t.Fatalf("no option %q in the dialog", label)
}

func TestAppearanceChosenAppliesAndSurvivesRestart(t *testing.T) {
	uiMu.Lock()
	defer uiMu.Unlock()
	first := test.NewTempApp(t)
	ApplyAppearance(first)
	if got := first.Settings().Theme().Size(theme.SizeNameText); got != compactSizes[theme.SizeNameText] {
		t.Fatalf("a first run has text %v, want compact's %v", got, compactSizes[theme.SizeNameText])
	}
	w := first.NewWindow("Haul")
	w.Resize(fyne.NewSize(800, 600))
	showAppearance(&dialogs{win: w})
	tapRadio(t, w.Canvas(), "Dark")
	tapRadio(t, w.Canvas(), "Comfortable")
	// Applied at once, without closing the dialog.
	th := first.Settings().Theme()
	darkBg := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)
	if th.Color(theme.ColorNameBackground, theme.VariantLight) != darkBg {
		t.Error("choosing Dark did not make the window dark")
	}
	if got := th.Size(theme.SizeNameText); got != theme.DefaultTheme().Size(theme.SizeNameText) {
		t.Errorf("choosing Comfortable left text at %v", got)
	}
	if dir := os.Getenv("HAUL_SCREENSHOTS"); dir != "" {
		f, err := os.Create(filepath.Join(dir, "haul-appearance.png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, w.Canvas().Capture()); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	w.Close()

	// Restart: a new app with the same preferences.
	next := test.NewTempApp(t)
	ApplyAppearance(sharedPrefsApp{App: next, prefs: first.Preferences()})
	th = next.Settings().Theme()
	if th.Color(theme.ColorNameBackground, theme.VariantLight) != darkBg || th.Size(theme.SizeNameText) != theme.DefaultTheme().Size(theme.SizeNameText) {
		t.Error("after a restart the choice of Dark and Comfortable is lost")
	}
	if ap := loadAppearance(first.Preferences()); ap != (appearance{variant: variantDark, density: densityComfortable}) {
		t.Errorf("saved appearance = %+v", ap)
	}

	// Unknown values read as the default.
	p := next.Preferences()
	p.SetString(PrefVariant, "purple")
	p.SetString(PrefDensity, "")
	if ap := loadAppearance(p); ap != (appearance{variant: variantSystem, density: densityCompact}) {
		t.Errorf("unknown values read as %+v", ap)
	}
}

// luminance is the relative luminance of c (WCAG 2).
func luminance(c color.Color) float64 {
	r, g, b, _ := color.NRGBAModel.Convert(c).(color.NRGBA).RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the WCAG contrast ratio of two opaque colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// over is fg drawn over an opaque bg.
func over(fg, bg color.Color) color.Color {
	f := color.NRGBAModel.Convert(fg).(color.NRGBA)
	b := color.NRGBAModel.Convert(bg).(color.NRGBA)
	a := float64(f.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*a + float64(y)*(1-a))) }
	return color.NRGBA{R: mix(f.R, b.R), G: mix(f.G, b.G), B: mix(f.B, b.B), A: 0xff}
}

// drawnText is the colour of the first text a cell draws.
func drawnText(o fyne.CanvasObject) color.Color {
	if !o.Visible() {
		return nil
	}
	switch x := o.(type) {
	case *canvas.Text:
		if x.Text != "" {
			return x.Color
		}
	case *fyne.Container:
		for _, child := range x.Objects {
			if c := drawnText(child); c != nil {
				return c
			}
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(x).Objects() {
			if c := drawnText(child); c != nil {
				return c
			}
		}
	}
	return nil
}

// TestDeletedRowsReadable checks, in both variants, that a deleted file's
// name can be read on the background and on the selection's colour, and
// takes screenshots of both variants when HAUL_SCREENSHOTS names a folder.
func TestDeletedRowsReadable(t *testing.T) {
	seedMixed(t)
	for _, variant := range []string{variantLight, variantDark} {
		h := newAppearanceHarness(t, appearance{variant: variant, density: densityCompact}, Location{Bucket: mixedBucket})
		h.waitDone("")
		b := h.w.browser
		h.ui(func() { b.past.deleted.SetChecked(true) })
		v := h.waitDone("")
		for !get(h, func() bool { return b.view == v && v.index("old-draft.txt") >= 0 }) {
			v = h.waitDone("")
		}
		i := get(h, func() int { return v.index("old-draft.txt") })
		bg := get(h, func() color.Color { return theme.Color(theme.ColorNameBackground) })
		for _, selected := range []bool{false, true} {
			h.ui(func() {
				if selected {
					b.selectOnly(i)
				} else {
					b.clearSelection()
				}
			})
			var c *fileCell
			_, cells, _ := nameCells(h)
			for _, cell := range cells {
				if cell.row == i {
					c = cell
				}
			}
			if c == nil {
				t.Fatalf("%s: the deleted row is not on screen", variant)
			}
			txt, fill := get(h, func() color.Color { return drawnText(c) }), get(h, func() color.Color { return c.bg.FillColor })
			if txt == nil {
				t.Fatalf("%s: the deleted row draws no text", variant)
			}
			under := over(fill, bg)
			ratio := contrast(over(txt, under), under)
			want := 3.0 // dimmed on purpose, but readable
			if selected {
				want = 4.5
			}
			t.Logf("%s, selected %v: text %v on %v, contrast %.1f", variant, selected, txt, under, ratio)
			if ratio < want {
				t.Errorf("%s, selected %v: the deleted name has contrast %.1f, want at least %.1f", variant, selected, ratio, want)
			}
		}
		h.ui(func() {
			b.selectOnly(i)
			b.tapRow(i-3, fyne.KeyModifierControl)
			b.table.ScrollToBottom()
		})
		if dir := os.Getenv("HAUL_SCREENSHOTS"); dir != "" {
			name := filepath.Join(dir, "haul-compact-"+variant+".png")
			f, err := os.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			relayout(h)
			if err := png.Encode(f, get(h, h.w.win.Canvas().Capture)); err != nil {
				t.Fatal(err)
			}
			f.Close()
			t.Log("screenshot:", name)
		}
	}
}

func TestColumnsFillAndRememberWidths(t *testing.T) {
	seedMixed(t)
	h := newAppearanceHarness(t, appearance{variant: variantLight, density: densityCompact}, Location{Bucket: mixedBucket})
	h.waitDone("")
	tb := h.w.browser.table
	sum := func() float32 {
		pad := theme.Padding()
		s := -pad
		for col := range numCols {
			s += tb.width(col) + pad
		}
		return s
	}
	// The columns span the table, less the scroll bar; Name takes the rest.
	slack := get(h, func() float32 { return tb.Size().Width - sum() })
	if want := get(h, func() float32 { return theme.Padding() + theme.ScrollBarSize() }); math.Abs(float64(slack-want)) > 0.5 {
		t.Errorf("columns leave %.1f px of the table, want %.1f", slack, want)
	}
	nameBefore := get(h, func() float32 { return tb.width(colName) })
	h.ui(func() { h.w.win.Resize(fyne.NewSize(1200, 900)) })
	if got := get(h, func() float32 { return tb.width(colName) }); got >= nameBefore {
		t.Errorf("a narrower window left Name %.0f px wide (was %.0f)", got, nameBefore)
	}

	// Drag the edge between Size and Modified 40 px right, where a person
	// grabs it: in the header row, in the gap after Size.
	sizeBefore, modBefore := get(h, func() float32 { return tb.width(colSize) }), get(h, func() float32 { return tb.width(colModified) })
	edge := get(h, func() fyne.Position {
		x := tb.width(colIcon) + tb.width(colName) + tb.width(colSize) + 2*theme.Padding()
		return fyne.NewPos(x+theme.Padding()/2, 5)
	})
	h.ui(func() {
		tb.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: edge}})
		for _, dx := range []float32{10, 25, 40} {
			tb.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: edge.AddXY(dx, 0)}, Dragged: fyne.Delta{DX: 15}})
		}
		tb.DragEnd()
	})
	sizeAfter, modAfter := get(h, func() float32 { return tb.width(colSize) }), get(h, func() float32 { return tb.width(colModified) })
	if sizeAfter != sizeBefore+40 || modAfter != modBefore-40 {
		t.Errorf("after the drag Size is %.0f (was %.0f), Modified %.0f (was %.0f); want the edge 40 px right", sizeAfter, sizeBefore, modAfter, modBefore)
	}
	// A drag on a row, not the header, resizes nothing.
	h.ui(func() {
		tb.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: edge.AddXY(0, 100)}})
		tb.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: edge.AddXY(60, 100)}})
		tb.DragEnd()
	})
	if got := get(h, func() float32 { return tb.width(colSize) }); got != sizeAfter {
		t.Errorf("a drag over the rows changed Size to %.0f", got)
	}

	// A new window, as after a restart, has the widths the person chose.
	prefs := get(h, func() fyne.Preferences { return fyne.CurrentApp().Preferences() })
	if got := prefs.Float(columnWidthPrefs[colSize]); float32(got) != sizeAfter {
		t.Errorf("remembered Size width = %v, want %v", got, sizeAfter)
	}
	var again *fileTable
	h.ui(func() { again = newFileTable(h.w.browser) })
	if got, mod := get(h, func() float32 { return again.width(colSize) }), get(h, func() float32 { return again.width(colModified) }); got != sizeAfter || mod != modAfter {
		t.Errorf("a new table has Size %.0f and Modified %.0f, want the remembered %.0f and %.0f", got, mod, sizeAfter, modAfter)
	}
}
