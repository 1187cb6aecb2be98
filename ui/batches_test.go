package ui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// recordingShell stands where the OS's notifications and tray are, which
// Fyne's test driver has not: it keeps what Haul sent them. It is used on
// the Fyne goroutine only (under the UI lock in tests).
type recordingShell struct {
	notes []fyne.Notification
	tray  *fyne.Menu
	icon  fyne.Resource
}

func (r *recordingShell) SendNotification(n *fyne.Notification) { r.notes = append(r.notes, *n) }
func (r *recordingShell) SetSystemTrayMenu(m *fyne.Menu)        { r.tray = m }
func (r *recordingShell) SetSystemTrayIcon(icon fyne.Resource)  { r.icon = icon }

// trayItems is the tray menu's items as labels.
func (h *harness) trayItems(r *recordingShell) []string {
	return get(h, func() []string {
		if r.tray == nil {
			return nil
		}
		var out []string
		for _, it := range r.tray.Items {
			out = append(out, it.Label)
		}
		return out
	})
}

// tapTray chooses an item of the tray menu, as a click on it in the OS's
// tray does, failing when it is missing or disabled.
func (h *harness) tapTray(r *recordingShell, label string) {
	h.t.Helper()
	var item *fyne.MenuItem
	h.ui(func() {
		if r.tray == nil {
			return
		}
		for _, it := range r.tray.Items {
			if it.Label == label {
				item = it
			}
		}
	})
	if item == nil || get(h, func() bool { return item.Disabled }) {
		h.t.Fatalf("no enabled tray item %q; the tray shows %q", label, h.trayItems(r))
	}
	h.ui(item.Action)
}

// newShellHarness is a transfer harness whose desktop shell records.
func newShellHarness(t *testing.T, folder string, opts transfer.Options) (*harness, *transfer.Queue, *recordingShell) {
	h, q := newTransferHarness(t, folder, opts)
	r := &recordingShell{}
	h.ui(func() { h.w.batches.shell = r })
	return h, q, r
}

// TestBatchOfUploadsNotifiesOnce uploads a batch that takes a few seconds
// through the real queue: one notification says how many files went
// where, and the tray showed the progress meanwhile. A quick upload before
// it notifies nothing.
func TestBatchOfUploadsNotifiesOnce(t *testing.T) {
	folder := fmt.Sprintf("batch-%d/", time.Now().UnixNano())
	opts := transfer.DefaultOptions()
	opts.UploadLimit = 1 << 20     // about 4.5 s for the batch below
	opts.DownloadLimit = 256 << 10 // about 6 s for one of its files
	h, q, shell := newShellHarness(t, folder, opts)
	dir := t.TempDir()
	here := Location{Bucket: pagingBucket, Prefix: folder}

	quick := filepath.Join(dir, "quick.txt")
	writeFile(t, quick, 10)
	h.ui(func() { h.w.enqueue.upload([]string{quick}, here) })
	allDone(t, q, 1)
	// The panel has seen the queue idle once it says so: the quick batch
	// is over, and the next one is a batch of its own.
	h.waitSee("1 done")
	if n := get(h, func() int { return len(shell.notes) }); n != 0 {
		t.Fatalf("a quick upload sent %d notifications", n)
	}

	var paths []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("part-%d.bin", i))
		writeFile(t, p, 1536<<10)
		paths = append(paths, p)
	}
	h.ui(func() { h.w.enqueue.upload(paths, here) })
	h.waitFor("the tray to show the uploads", func() bool {
		items := h.trayItems(shell)
		return len(items) > 0 && strings.HasPrefix(items[0], "Uploading ") && strings.HasSuffix(items[0], "%")
	})
	allDone(t, q, 4)
	h.eventually("one notification", func() bool { return len(shell.notes) == 1 })
	n := get(h, func() fyne.Notification { return shell.notes[0] })
	want := fmt.Sprintf("3 files (%s) uploaded to b2://%s/%s.", humanize.Bytes(3*1536<<10), pagingBucket, folder)
	if n.Title != "Uploads finished" || n.Content != want {
		t.Errorf("notification = %q: %q, want %q", n.Title, n.Content, want)
	}
	if got := strings.Join(recursiveKeys(t, folder), ","); got != "part-0.bin,part-1.bin,part-2.bin,quick.txt" {
		t.Errorf("the bucket holds %s", got)
	}
	h.eventually("the tray to go quiet", func() bool {
		items := shell.tray.Items
		return items[0].Label == "No transfers running" && items[2].Disabled && items[3].Disabled
	})
	time.Sleep(2 * tickEvery)
	if n := get(h, func() int { return len(shell.notes) }); n != 1 {
		t.Errorf("%d notifications, want 1", n)
	}

	// Downloading one of them (Ctrl+D to the chosen folder) is a batch
	// of its own, with its own notification.
	dest := t.TempDir()
	h.ui(func() { fyne.CurrentApp().Preferences().SetString(prefDownloadDir, dest) })
	h.eventually("the folder listed again", func() bool {
		v := h.w.browser.view
		return v.done && v.index(folder+"part-0.bin") >= 0 && h.w.browser.cancel == nil
	})
	h.tapRow("part-0.bin")
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyD)
	allDone(t, q, 5)
	h.eventually("the second notification", func() bool { return len(shell.notes) == 2 })
	n = get(h, func() fyne.Notification { return shell.notes[1] })
	want = fmt.Sprintf("1 file (%s) downloaded to %s.", humanize.Bytes(1536<<10), tildeHome(dest))
	if n.Title != "Downloads finished" || n.Content != want {
		t.Errorf("notification = %q: %q, want %q", n.Title, n.Content, want)
	}
	if st, err := os.Stat(filepath.Join(dest, "part-0.bin")); err != nil || st.Size() != 1536<<10 {
		t.Errorf("the downloaded file: %v", err)
	}
}

// TestFailedBatchSaysSo runs a batch whose second file vanishes from the
// disk before its turn: the notification says one of two failed, and why.
func TestFailedBatchSaysSo(t *testing.T) {
	folder := fmt.Sprintf("batchfail-%d/", time.Now().UnixNano())
	opts := transfer.DefaultOptions()
	opts.FilesAtOnce = 1
	opts.UploadLimit = 512 << 10 // about 4 s for the first file
	h, q, shell := newShellHarness(t, folder, opts)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.bin")
	writeFile(t, big, 2<<20)
	gone := filepath.Join(dir, "gone.txt")
	writeFile(t, gone, 100)
	h.ui(func() { h.w.enqueue.upload([]string{big, gone}, Location{Bucket: pagingBucket, Prefix: folder}) })
	h.eventually("both queued", func() bool { return len(q.Snapshot().Jobs) == 2 })
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	h.eventually("the notification", func() bool { return len(shell.notes) == 1 })
	n := get(h, func() fyne.Notification { return shell.notes[0] })
	if n.Title != "1 of 2 files failed" || !strings.HasPrefix(n.Content, "1 of 2 failed: ") {
		t.Errorf("notification = %q: %q", n.Title, n.Content)
	}
	if !strings.HasSuffix(n.Content, "/gone.txt is no longer on this computer: it was moved or deleted.") {
		t.Errorf("the notification does not say which file went: %q", n.Content)
	}
	if got := strings.Join(recursiveKeys(t, folder), ","); got != "big.bin" {
		t.Errorf("the bucket holds %q, want only big.bin", got)
	}
}

// TestTrayPausesAndResumesTheQueue pauses a running upload from the tray
// menu: nothing more arrives on the server until Resume all.
func TestTrayPausesAndResumesTheQueue(t *testing.T) {
	folder := fmt.Sprintf("tray-%d/", time.Now().UnixNano())
	opts := transfer.DefaultOptions()
	opts.UploadLimit = 256 << 10
	h, q, shell := newShellHarness(t, folder, opts)
	local := filepath.Join(t.TempDir(), "slow.bin")
	writeFile(t, local, 1536<<10)
	h.ui(func() { h.w.enqueue.upload([]string{local}, Location{Bucket: pagingBucket, Prefix: folder}) })
	h.waitFor("the tray to show the upload", func() bool {
		items := h.trayItems(shell)
		return len(items) > 0 && strings.HasPrefix(items[0], "Uploading 1 file, ")
	})
	h.tapTray(shell, "Pause all")
	h.eventually("the job paused", func() bool {
		s := q.Snapshot()
		return s.Running == 0 && len(s.Jobs) == 1 && s.Jobs[0].State == transfer.Paused
	})
	h.waitFor("the tray to say so", func() bool {
		items := h.trayItems(shell)
		return len(items) > 0 && items[0] == "1 transfer paused"
	})
	if n := get(h, func() int { return len(shell.notes) }); n != 0 {
		t.Errorf("pausing the batch sent %d notifications", n)
	}
	before := q.Snapshot().Jobs[0].Done
	time.Sleep(time.Second)
	if after := q.Snapshot().Jobs[0].Done; after != before {
		t.Errorf("the paused upload moved from %d to %d bytes", before, after)
	}
	if keys := recursiveKeys(t, folder); len(keys) != 0 {
		t.Errorf("the paused upload is on the server: %v", keys)
	}
	h.tapTray(shell, "Resume all")
	allDone(t, q, 1)
	if got := strings.Join(recursiveKeys(t, folder), ","); got != "slow.bin" {
		t.Errorf("after Resume all the bucket holds %q", got)
	}
	// The resumed batch ran its few seconds: it ends with one notification.
	h.eventually("the notification", func() bool { return len(shell.notes) == 1 })
	if n := get(h, func() fyne.Notification { return shell.notes[0] }); !strings.HasPrefix(n.Content, "1 file (1.6 MB) uploaded to b2://") {
		t.Errorf("notification = %q", n.Content)
	}
}

// TestTrayIsThereFromTheStart builds the window with a desktop shell: the
// tray has Haul's icon (a PNG: trays read no SVG) and a quiet menu before
// any transfer, since Fyne can start its tray only before the app runs.
func TestTrayIsThereFromTheStart(t *testing.T) {
	a := test.NewTempApp(t)
	shell := &recordingShell{}
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	h.ui(func() {
		h.w = NewWindow(a, Deps{
			Connect: func(context.Context, store.Account) (Remote, error) { return testClient, nil },
			Sandbox: &SandboxInfo{Account: testSandbox.Account(), Dir: testSandbox.Dir},
			Shell:   shell,
		})
	})
	t.Cleanup(func() { h.ui(h.w.win.Close) })
	items := h.trayItems(shell)
	want := []string{"No transfers running", "", "Pause all", "Resume all", "", "Show Haul"}
	if strings.Join(items, "|") != strings.Join(want, "|") {
		t.Errorf("the tray menu = %q, want %q", items, want)
	}
	icon := get(h, func() fyne.Resource { return shell.icon })
	if icon == nil || !bytes.HasPrefix(icon.Content(), []byte("\x89PNG")) {
		t.Errorf("the tray icon is not a PNG: %v", icon)
	}
	if pause := get(h, func() bool { return shell.tray.Items[2].Disabled }); !pause {
		t.Error("Pause all is enabled with nothing running")
	}
	h.tapTray(shell, "Show Haul")
}
