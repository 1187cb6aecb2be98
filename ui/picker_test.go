package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// newPickerHarness is a transfer harness on a new folder of the paging
// bucket, in a window big enough for the picker, whose pickers open in a
// new local folder (remembered under pref, as after an earlier pick).
func newPickerHarness(t *testing.T, pref string) (h *harness, q *transfer.Queue, folder, local string) {
	t.Helper()
	folder = fmt.Sprintf("pick-%d/", time.Now().UnixNano())
	h, q = newTransferHarness(t, folder, transfer.DefaultOptions())
	h.ui(func() { h.w.win.Resize(fyne.NewSize(1200, 800)) })
	local = t.TempDir()
	h.ui(func() { fyne.CurrentApp().Preferences().SetString(pref, local) })
	return h, q, folder, local
}

// pickRows is the names the picker's rows show, top to bottom.
func (h *harness) pickRows() []string {
	var rows []*pickRow
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if r, ok := o.(*pickRow); ok && r.id < len(r.p.shown) && r.name.Text != "" {
				rows = append(rows, r)
			}
		}
	})
	slices.SortFunc(rows, func(a, b *pickRow) int { return a.id - b.id })
	return get(h, func() []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r.name.Text
		}
		return out
	})
}

// pickRow finds the picker's row showing name, failing when it is not on
// screen.
func (h *harness) pickRow(name string) *pickRow {
	h.t.Helper()
	var row *pickRow
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if r, ok := o.(*pickRow); ok && r.name.Text == name {
				row = r
			}
		}
	})
	if row == nil {
		h.t.Fatalf("no picker row %q on screen; the screen shows %q", name, h.screenText())
	}
	return row
}

// tapPick taps the picker's row showing name.
func (h *harness) tapPick(name string) {
	h.t.Helper()
	r := h.pickRow(name)
	h.ui(func() { test.Tap(r) })
}

// pickerWidget finds the picker's widget of type T on screen.
func pickerWidget[T fyne.CanvasObject](h *harness) T {
	h.t.Helper()
	var found T
	ok := false
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if x, is := o.(T); is {
				found, ok = x, true
			}
		}
	})
	if !ok {
		h.t.Fatalf("no %T on screen; the screen shows %q", found, h.screenText())
	}
	return found
}

// clickInto clicks into a field, as the driver does: the pointer goes down
// on it (which gives it the keyboard), up, and a tap follows.
func (h *harness) clickInto(e *escEntry) {
	h.ui(func() {
		ev := &desktop.MouseEvent{Button: desktop.MouseButtonPrimary}
		e.MouseDown(ev)
		e.MouseUp(ev)
		test.Tap(e)
	})
}

// typePath replaces the path field's text with s and presses Enter.
func (h *harness) typePath(s string) {
	h.t.Helper()
	h.clickInto(pickerWidget[*escEntry](h))
	h.press(fyne.KeyModifierControl, fyne.KeyA)
	h.typeText(s)
	h.press(0, fyne.KeyReturn)
}

func (h *harness) pickerClosed() {
	h.t.Helper()
	h.waitFor("the picker to close", func() bool { return !h.dialogUp() })
}

func TestPickerUploadsTheTickedFiles(t *testing.T) {
	h, q, folder, local := newPickerHarness(t, prefUploadDir)
	for _, n := range []string{"a.txt", "b.txt", "c.txt", "d.txt"} {
		writeFile(t, filepath.Join(local, n), 100)
	}
	writeFile(t, filepath.Join(local, ".secret"), 10)
	writeFile(t, filepath.Join(local, "Sub", "inner.txt"), 10)

	h.press(fyne.KeyModifierControl, fyne.KeyU)
	h.waitSee("d.txt")
	if got := strings.Join(h.pickRows(), ","); got != "Sub,a.txt,b.txt,c.txt,d.txt" {
		t.Errorf("the picker shows %s; want folders first, then files, no dot files", got)
	}
	if !h.sees("100 B") || !h.sees(local) || !h.sees("1 folder · 4 files · 1 item hidden") {
		t.Errorf("sizes, the folder or its counts are missing; the screen shows %q", h.screenText())
	}
	if h.tapButton("Upload") {
		t.Error("the Upload button was enabled with nothing ticked")
	}

	// Show hidden shows the dot file, and hides it again.
	check := pickerWidget[*escCheck](h)
	h.ui(func() { test.Tap(check) })
	h.waitSee(".secret")
	h.ui(func() { test.Tap(check) })
	if h.sees(".secret") {
		t.Error("the dot file is still shown")
	}

	// Select all ticks every row; again, none.
	if !h.tapButton("Select all") {
		t.Fatal("Select all is disabled")
	}
	if h.button("Upload 5 items") == nil {
		t.Fatalf("Select all did not tick the five rows; the screen shows %q", h.screenText())
	}
	h.tapButton("Select none")
	if h.tapButton("Upload") {
		t.Error("Select none left the Upload button enabled")
	}

	// Taps tick and untick; Down and Space tick from the keyboard.
	h.tapPick("a.txt")
	h.tapPick("d.txt")
	h.tapPick("d.txt")
	h.tapPick("b.txt")
	if _, ok := h.focused().(*pickList); !ok {
		t.Fatalf("after a tap %T has the keyboard, want the list", h.focused())
	}
	h.press(0, fyne.KeyDown)
	h.press(0, fyne.KeySpace)
	if !h.sees("3 ticked") {
		t.Errorf("the status does not count the ticks; the screen shows %q", h.screenText())
	}
	if !h.tapButton("Upload 3 items") {
		t.Fatal("the Upload 3 items button is disabled")
	}
	h.pickerClosed()
	allDone(t, q, 3)
	if got := strings.Join(recursiveKeys(t, folder), ","); got != "a.txt,b.txt,c.txt" {
		t.Errorf("uploaded %s, want exactly the three ticked files", got)
	}
	if got := get(h, func() string { return fyne.CurrentApp().Preferences().String(prefUploadDir) }); got != local {
		t.Errorf("remembered folder = %q, want %q", got, local)
	}
}

func TestPickerEscapeClosesWhereverTheKeyboardIs(t *testing.T) {
	h, q, folder, local := newPickerHarness(t, prefUploadDir)
	writeFile(t, filepath.Join(local, "a.txt"), 10)
	open := func() {
		t.Helper()
		h.press(fyne.KeyModifierControl, fyne.KeyU)
		h.waitSee("a.txt")
	}

	// The list has the keyboard, a row ticked.
	open()
	h.tapPick("a.txt")
	if _, ok := h.focused().(*pickList); !ok {
		t.Fatalf("%T has the keyboard, want the list", h.focused())
	}
	h.press(0, fyne.KeyEscape)
	h.pickerClosed()

	// The path field has it, text typed.
	open()
	h.clickInto(pickerWidget[*escEntry](h))
	if _, ok := h.focused().(*escEntry); !ok {
		t.Fatalf("%T has the keyboard, want the path field", h.focused())
	}
	h.typeText("/tm")
	h.press(0, fyne.KeyEscape)
	h.pickerClosed()

	// The Show hidden check has it, after a tap.
	open()
	check := pickerWidget[*escCheck](h)
	h.ui(func() { test.Tap(check) })
	if _, ok := h.focused().(*escCheck); !ok {
		t.Fatalf("%T has the keyboard, want the check", h.focused())
	}
	h.press(0, fyne.KeyEscape)
	h.pickerClosed()

	// Nothing has it.
	open()
	h.ui(func() { h.w.win.Canvas().Unfocus() })
	h.press(0, fyne.KeyEscape)
	h.pickerClosed()

	// Cancel too; and after all that, nothing was uploaded.
	open()
	h.tapButton("Cancel")
	h.pickerClosed()
	time.Sleep(200 * time.Millisecond)
	if n := len(q.Snapshot().Jobs); n != 0 {
		t.Errorf("closing the picker queued %d jobs", n)
	}
	if keys := recursiveKeys(t, folder); len(keys) != 0 {
		t.Errorf("closing the picker uploaded %v", keys)
	}
}

func TestPickerTypedPathsAndUploadAFolder(t *testing.T) {
	h, q, folder, local := newPickerHarness(t, prefUploadDir)
	writeFile(t, filepath.Join(local, "top.txt"), 10)
	writeFile(t, filepath.Join(local, "album", "a.txt"), 10)
	writeFile(t, filepath.Join(local, "album", "sub", "b.txt"), 10)
	album := filepath.Join(local, "album")

	h.press(fyne.KeyModifierControl|fyne.KeyModifierShift, fyne.KeyU)
	h.waitSee("top.txt")
	if h.button("Upload this folder") == nil {
		t.Fatalf("no Upload this folder button; the screen shows %q", h.screenText())
	}

	// A folder typed in full, then Enter, opens it; its rows take the keys.
	h.typePath(album)
	h.waitSee("sub")
	if got := strings.Join(h.pickRows(), ","); got != "sub,a.txt" {
		t.Errorf("album shows %s", got)
	}
	if _, ok := h.focused().(*pickList); !ok {
		t.Errorf("after Enter %T has the keyboard, want the list", h.focused())
	}
	// A folder that is not there says so and stays.
	h.typePath(filepath.Join(local, "nope"))
	h.waitSee("No such folder: " + filepath.Join(local, "nope"))
	if got := strings.Join(h.pickRows(), ","); got != "sub,a.txt" {
		t.Errorf("after a bad path the picker shows %s", got)
	}
	// A file is not a folder.
	h.typePath(filepath.Join(album, "a.txt"))
	h.waitSee("is a file, not a folder")
	// A relative path is taken from the folder shown.
	h.typePath("sub")
	h.waitSee("b.txt")
	if h.sees("No such folder") || h.sees("not a folder") {
		t.Error("the error stayed after a good path")
	}
	// Up goes back, with the cursor on the folder left; Enter opens it.
	h.tapButton("Up")
	h.waitSee("a.txt")
	h.press(0, fyne.KeyReturn)
	h.waitSee("b.txt")
	// Backspace goes up twice; a double tap opens album.
	h.press(0, fyne.KeyBackspace)
	h.waitSee("a.txt")
	h.press(0, fyne.KeyBackspace)
	h.waitSee("top.txt")
	r := h.pickRow("album")
	h.ui(func() { test.DoubleTap(r) })
	h.waitSee("a.txt")

	if !h.tapButton("Upload this folder") {
		t.Fatal("Upload this folder is disabled")
	}
	h.pickerClosed()
	allDone(t, q, 2)
	if got := strings.Join(recursiveKeys(t, folder), ","); got != "album/a.txt,album/sub/b.txt" {
		t.Errorf("uploaded %s", got)
	}
	if got := get(h, func() string { return fyne.CurrentApp().Preferences().String(prefUploadDir) }); got != local {
		t.Errorf("remembered folder = %q, want the one beside album, %q", got, local)
	}
}

func TestPickerDownloadsIntoTheChosenFolder(t *testing.T) {
	folder := fmt.Sprintf("pick-down-%d/", time.Now().UnixNano())
	body := []byte("a song, in words")
	if _, err := testClient.Put(context.Background(), store.PutInput{Bucket: pagingBucket, Key: folder + "song.txt", Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	h, q := newTransferHarness(t, folder, transfer.DefaultOptions())
	h.ui(func() { h.w.win.Resize(fyne.NewSize(1200, 800)) })
	dest := t.TempDir()
	writeFile(t, filepath.Join(dest, "into", "already.txt"), 10)
	writeFile(t, filepath.Join(dest, "loose.txt"), 10)
	h.ui(func() { fyne.CurrentApp().Preferences().SetString(prefDownloadDir, dest) })

	h.tapRow("song.txt")
	h.press(fyne.KeyModifierControl|fyne.KeyModifierShift, fyne.KeyD)
	h.waitSee("loose.txt")
	// A tap on a file does nothing in a folder picker; on a folder it opens it.
	h.tapPick("loose.txt")
	h.tapPick("into")
	h.waitSee("already.txt")
	if !h.tapButton("Download here") {
		t.Fatal("Download here is disabled")
	}
	h.pickerClosed()
	allDone(t, q, 1)
	into := filepath.Join(dest, "into")
	if got, err := os.ReadFile(filepath.Join(into, "song.txt")); err != nil || !bytes.Equal(got, body) {
		t.Errorf("downloaded %q, %v", got, err)
	}
	if got := get(h, func() string { return fyne.CurrentApp().Preferences().String(prefDownloadDir) }); got != into {
		t.Errorf("remembered download folder = %q, want %q", got, into)
	}
}

func TestReadLocalDir(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.txt", "A.txt", ".hidden", "z/x", "B/y"} {
		writeFile(t, filepath.Join(dir, n), 3)
	}
	if err := os.Symlink(filepath.Join(dir, "z"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	entries, err := readLocalDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, fmt.Sprintf("%s:%v:%s", e.name, e.dir, e.size))
	}
	want := "B:true:,link:true:,z:true:,.hidden:false:3 B,A.txt:false:3 B,b.txt:false:3 B"
	if strings.Join(got, ",") != want {
		t.Errorf("entries = %s\nwant      %s", strings.Join(got, ","), want)
	}
	for _, c := range []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "nope"), "No such folder: " + filepath.Join(dir, "nope")},
		{filepath.Join(dir, "b.txt"), filepath.Join(dir, "b.txt") + " is a file, not a folder."},
	} {
		_, err := readLocalDir(c.path)
		if err == nil {
			t.Fatalf("%s: no error", c.path)
		}
		if got := localDirSentence(c.path, err); got != c.want {
			t.Errorf("%s: %q, want %q", c.path, got, c.want)
		}
	}
	if got := localDirSentence("/x", errors.New("boom")); got != "Could not read /x: boom" {
		t.Errorf("other error: %q", got)
	}
}
