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
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// newTransferHarness is a window on folder of the paging bucket with a real
// transfer queue over the sandbox.
func newTransferHarness(t *testing.T, folder string, opts transfer.Options) (*harness, *transfer.Queue) {
	t.Helper()
	return newTransferHarnessAt(t, Location{Bucket: pagingBucket, Prefix: folder}, opts)
}

// newTransferHarnessAt is newTransferHarness opening start.
func newTransferHarnessAt(t *testing.T, start Location, opts transfer.Options) (*harness, *transfer.Queue) {
	t.Helper()
	return newTransferHarnessOn(t, testClient, start, opts)
}

// newTransferHarnessOn is newTransferHarnessAt browsing and transferring
// through r.
func newTransferHarnessOn(t *testing.T, r interface {
	Remote
	transfer.Remote
}, start Location, opts transfer.Options) (*harness, *transfer.Queue) {
	t.Helper()
	folder := start.Prefix
	opts.JournalDir = t.TempDir()
	q, warn, err := transfer.NewQueue(r, opts)
	if err != nil || warn != nil {
		t.Fatal(err, warn)
	}
	t.Cleanup(func() { q.Close() })
	a := test.NewTempApp(t)
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	// Built under the UI lock: a previous test's goroutines may still hand
	// work to widgets.
	h.ui(func() {
		h.w = NewWindow(a, Deps{
			Connect:   func(context.Context, store.Account) (Remote, error) { return r, nil },
			OpenQueue: func(store.Account) (Queue, error) { return q, nil },
			Sandbox:   &SandboxInfo{Account: testSandbox.Account(), Dir: testSandbox.Dir},
			Start:     start,
		})
		h.w.browser.onView = func(v *folderView) { h.views <- v }
	})
	h.ui(h.w.Show)
	t.Cleanup(func() { h.ui(h.w.win.Close) })
	h.waitDone(folder)
	h.eventually("the queue", func() bool { return h.w.queue != nil })
	return h, q
}

func writeFile(t *testing.T, path string, size int) []byte {
	t.Helper()
	data := bytes.Repeat([]byte(filepath.Base(path)), size/len(filepath.Base(path))+1)[:size]
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// allDone waits until every job has ended, and fails on any failure.
func allDone(t *testing.T, q *transfer.Queue, jobs int) transfer.Snapshot {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := q.Snapshot()
		done := 0
		for _, j := range s.Jobs {
			switch j.State {
			case transfer.Done, transfer.Canceled:
				done++
			case transfer.Failed:
				t.Fatalf("job %s failed: %v", j.Key, j.Err)
			}
		}
		if len(s.Jobs) >= jobs && done == len(s.Jobs) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs not done within 60s: %+v", s.Jobs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func recursiveKeys(t *testing.T, prefix string) []string {
	t.Helper()
	var keys []string
	token := ""
	for {
		p, err := testClient.List(context.Background(), store.ListInput{Bucket: pagingBucket, Prefix: prefix, Token: token, Recursive: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Objects {
			keys = append(keys, strings.TrimPrefix(o.Key, prefix))
		}
		if token = p.Next; token == "" {
			return keys
		}
	}
}

// tapDialogButton taps the button with text in the top dialog once it is
// enabled, as a person would: a disabled one is never tapped.
func (h *harness) tapDialogButton(text string) {
	h.t.Helper()
	h.eventually("a dialog with "+text, func() bool {
		top := h.w.win.Canvas().Overlays().Top()
		if top == nil {
			return false
		}
		for _, o := range test.LaidOutObjects(top) {
			if b, ok := o.(*widget.Button); ok && b.Text == text && !b.Disabled() {
				test.Tap(b)
				return true
			}
		}
		return false
	})
}

func TestDropUploadsFilesAndFoldersIntoTheCurrentFolder(t *testing.T) {
	folder := fmt.Sprintf("drop-%d/", time.Now().UnixNano())
	h, q := newTransferHarness(t, folder, transfer.DefaultOptions())
	dir := t.TempDir()
	photo := filepath.Join(dir, "photo 1+2.jpg")
	writeFile(t, photo, 10_000)
	album := filepath.Join(dir, "album")
	writeFile(t, filepath.Join(album, "a.txt"), 100)
	writeFile(t, filepath.Join(album, "sub", "ü.txt"), 200)
	if err := os.MkdirAll(filepath.Join(album, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.ui(func() {
		h.w.transfers.encrypt.SetChecked(true)
		h.w.dropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(photo), storage.NewFileURI(album)})
	})
	allDone(t, q, 4)
	h.ui(func() { h.w.transfers.encrypt.SetChecked(false) })
	got := strings.Join(recursiveKeys(t, folder), ",")
	if got != "album/a.txt,album/sub/ü.txt,photo 1+2.jpg" {
		t.Errorf("uploaded keys = %s", got)
	}
	inAlbum, err := testClient.List(context.Background(), store.ListInput{Bucket: pagingBucket, Prefix: folder + "album/"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range inAlbum.Objects {
		names = append(names, o.Key[len(folder):])
	}
	if strings.Join(names, ",") != "album/empty/,album/sub/,album/a.txt" {
		t.Errorf("album/ lists %v; the empty folder must be kept by its placeholder", names)
	}
	if !get(h, func() bool { return h.w.transfers.body.Visible() }) {
		t.Error("the transfers panel did not open")
	}
	// The folder on screen shows what arrived, without a manual refresh.
	h.eventually("the new files in the table", func() bool {
		v := h.w.browser.view
		return v.done && v.index(folder+"album/") >= 0 && v.index(folder+"photo 1+2.jpg") >= 0
	})

	// Dropping the photo again asks; "Keep both" uploads it beside the first.
	h.ui(func() { h.w.dropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(photo)}) })
	h.tapDialogButton("Keep both")
	allDone(t, q, 5)
	if got := strings.Join(recursiveKeys(t, folder), ","); !strings.Contains(got, "photo 1+2 (1).jpg") {
		t.Errorf("keep both gave %s", got)
	}
	// And "Skip" queues nothing.
	h.ui(func() { h.w.dropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(photo)}) })
	// The choice is acted on as the button is tapped: nothing to wait for.
	h.tapDialogButton("Skip")
	if n := len(q.Snapshot().Jobs); n != 5 {
		t.Errorf("skip queued a job: %d jobs", n)
	}

	// Downloading the photo back gives the same bytes; a second download asks.
	h.eventually("the photo listed", func() bool {
		v := h.w.browser.view
		return v.done && v.index(folder+"photo 1+2 (1).jpg") >= 0 && h.w.browser.cancel == nil
	})
	dest := t.TempDir()
	h.ui(func() {
		i := h.w.browser.view.index(folder + "photo 1+2.jpg")
		h.w.browser.selectOnly(i)
		fyne.CurrentApp().Preferences().SetString(prefDownloadDir, dest)
	})
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyD)
	allDone(t, q, 6)
	want, _ := os.ReadFile(photo)
	if got, err := os.ReadFile(filepath.Join(dest, "photo 1+2.jpg")); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("downloaded file differs: %v", err)
	}
	// The second download asks. Enter chooses nothing (Replace would
	// overwrite the file here), and Escape, like Cancel, queues nothing.
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyD)
	h.waitFor("the question about the existing file", func() bool { return h.sees("already exists in") })
	h.press(0, fyne.KeyReturn)
	if !h.dialogUp() || len(q.Snapshot().Jobs) != 6 {
		t.Fatalf("Enter answered the question: dialog up %v, %d jobs", h.dialogUp(), len(q.Snapshot().Jobs))
	}
	h.press(0, fyne.KeyEscape)
	h.waitFor("the question closed by Escape", func() bool { return !h.dialogUp() })
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyD)
	h.waitFor("the question again", func() bool { return h.sees("already exists in") })
	h.tapDialogButton("Cancel")
	h.waitFor("the question closed by Cancel", func() bool { return !h.dialogUp() })
	if n := len(q.Snapshot().Jobs); n != 6 {
		t.Errorf("Escape or Cancel queued a download: %d jobs", n)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "photo 1+2.jpg")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("the local file changed after Escape and Cancel: %v", err)
	}
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyD)
	h.tapDialogButton("Keep both")
	allDone(t, q, 7)
	if _, err := os.Stat(filepath.Join(dest, "photo 1+2 (1).jpg")); err != nil {
		t.Errorf("keep both on download: %v", err)
	}
}

func TestTransfersPanelControlsTheRightJob(t *testing.T) {
	folder := fmt.Sprintf("slow-%d/", time.Now().UnixNano())
	opts := transfer.DefaultOptions()
	opts.UploadLimit = 512 << 10 // slow enough to catch it running
	h, q := newTransferHarness(t, folder, opts)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.bin")
	writeFile(t, big, 8<<20)
	small := filepath.Join(dir, "small.txt")
	writeFile(t, small, 10)
	h.ui(func() { h.w.enqueue.upload([]string{big, small}, Location{Bucket: pagingBucket, Prefix: folder}) })
	h.eventually("a running job", func() bool { return q.Snapshot().Running > 0 })

	// Render the rows as the panel does on its next tick.
	row := func(key string, state transfer.State) (int, *jobRowView) {
		var i int
		var v *jobRowView
		h.eventually(fmt.Sprintf("a %v row of %s", state, key), func() bool {
			p := h.w.transfers
			for j, r := range p.rows {
				if r.name == key && r.state == state {
					i, v = j, newJobRowView(p)
					v.show(r)
					return true
				}
			}
			return false
		})
		return i, v
	}
	tap := func(b *widget.Button) {
		t.Helper()
		if !b.Visible() || b.Disabled() {
			t.Fatalf("the row's button is hidden or disabled")
		}
		test.Tap(b)
	}
	stateOf := func(key string) transfer.State {
		for _, j := range q.Snapshot().Jobs {
			if strings.HasSuffix(j.Key, key) {
				return j.State
			}
		}
		return -1
	}
	_, o := row("big.bin", transfer.Running)
	h.ui(func() { tap(o.pause) })
	h.eventually("big.bin paused", func() bool { return stateOf("big.bin") == transfer.Paused })
	h.eventually("small.txt done", func() bool { return stateOf("small.txt") == transfer.Done })
	_, o = row("big.bin", transfer.Paused)
	if r := get(h, func() string { return o.detail.Text }); !strings.Contains(r, "paused") {
		t.Errorf("paused row says %q", r)
	}
	if w := get(h, func() string { return o.where.Text }); w != "→ b2://"+pagingBucket+"/"+folder+"big.bin" {
		t.Errorf("paused row goes to %q", w)
	}
	h.ui(func() { tap(o.pause) }) // resume
	h.eventually("big.bin running", func() bool { return stateOf("big.bin") == transfer.Running })
	_, o = row("big.bin", transfer.Running)
	// Cancel asks first; Enter, Escape and "Keep" leave the job alone.
	h.ui(func() { tap(o.cancel) })
	h.waitSee("Cancel big.bin?")
	h.press(0, fyne.KeyReturn)
	h.press(0, fyne.KeyEscape)
	h.waitFor("the question gone", func() bool { return !h.sees("Cancel big.bin?") })
	h.ui(func() { tap(o.cancel) })
	h.tapDialogButton("Keep")
	if st := stateOf("big.bin"); st == transfer.Canceled {
		t.Fatal("the job was cancelled without a yes")
	}
	h.ui(func() { tap(o.cancel) })
	h.tapDialogButton("Cancel transfer")
	h.eventually("big.bin canceled", func() bool { return stateOf("big.bin") == transfer.Canceled })
	ups, err := testClient.MultipartUploads(context.Background(), pagingBucket, folder)
	if err != nil || len(ups) != 0 {
		t.Errorf("cancel left %d unfinished uploads (%v)", len(ups), err)
	}
	if keys := recursiveKeys(t, folder); strings.Join(keys, ",") != "small.txt" {
		t.Errorf("bucket holds %v", keys)
	}
	if txt := get(h, func() string { return h.w.transfers.totals.Text }); txt == "" {
		t.Error("no totals")
	}
}

// TestJobRowTexts checks the words of the transfer list's rows.
func TestJobRowTexts(t *testing.T) {
	s := transfer.Snapshot{Jobs: []transfer.JobStatus{
		{Dir: transfer.Upload, Key: "a/big.iso", Size: 2_000_000, Done: 2_000_000, State: transfer.Running},
		{Dir: transfer.Download, Key: "a/b.txt", Size: 2_000_000, Done: 500_000, Speed: 1_000_000, ETA: 2 * time.Second, State: transfer.Running},
		{Dir: transfer.Copy, Source: "v/raw.mov", Key: "archive/raw.mov", Size: 10, Done: 10, State: transfer.Done},
		{Dir: transfer.Copy, Source: "v/raw.mov", Key: "v/raw.mov", Size: 10, State: transfer.Paused},
		{Dir: transfer.Download, Key: "new.bin", Size: 2_000_000, State: transfer.Running},
		{Dir: transfer.Download, Key: "fast.bin", Size: 2_000_000, Done: 700_000, State: transfer.Running},
	}}
	rows := prepareRows(s)
	want := []struct{ name, detail string }{
		{"big.iso", "2.0 MB · finishing…"},
		{"b.txt", "500 kB of 2.0 MB · 1.0 MB/s · " + etaText(2*time.Second)},
		{"raw.mov → archive/raw.mov", "10 B · done"},
		{"Restore raw.mov", "0 B of 10 B · paused"},
		// No speed measured yet (the first half second): no "0 B/s".
		{"new.bin", "0 B of 2.0 MB · starting…"},
		{"fast.bin", "700 kB of 2.0 MB"},
	}
	for i, w := range want {
		if rows[i].name != w.name || rows[i].detail != w.detail {
			t.Errorf("row %d = %q / %q, want %q / %q", i, rows[i].name, rows[i].detail, w.name, w.detail)
		}
	}
}

// fixedQueue is a queue whose snapshot a test sets; the controls fail.
type fixedQueue struct {
	Queue
	snap transfer.Snapshot
}

func (f *fixedQueue) Snapshot() transfer.Snapshot { return f.snap }

// TestTransferRowsReadWhole shows a failed row, a retrying row and a
// download in the panel and reads the screen: the failure's whole sentence,
// the retry as it happens, where each file goes, no "0 B/s" for a speed not
// measured yet, and Open folder for the download.
func TestTransferRowsReadWhole(t *testing.T) {
	dl := filepath.Join(t.TempDir(), "Documents", "report for the board of directors 2026.pdf")
	long := fmt.Errorf("write %s: %w", filepath.Join(filepath.Dir(dl), ".report for the board of directors 2026.pdf.haul-partial"), transfer.ErrDiskFull)
	q := &fixedQueue{snap: transfer.Snapshot{Jobs: []transfer.JobStatus{
		{ID: "1", Dir: transfer.Download, Bucket: "b", Key: "docs/report for the board of directors 2026.pdf", Local: dl,
			Size: 100 << 20, Done: 30 << 20, State: transfer.Failed, Err: long},
		{ID: "2", Dir: transfer.Upload, Bucket: "b", Key: "photos/2026/big.mov", Local: "/tmp/big.mov",
			Size: 500 << 20, Done: 200 << 20, State: transfer.Running, Retrying: "retrying part 3 after HTTP 503 SlowDown (attempt 2 of 8)"},
	}}}
	a := test.NewTempApp(t)
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	h.ui(func() {
		h.w = NewWindow(a, Deps{
			Connect:   func(context.Context, store.Account) (Remote, error) { return testClient, nil },
			OpenQueue: func(store.Account) (Queue, error) { return q, nil },
			Sandbox:   &SandboxInfo{Account: testSandbox.Account(), Dir: testSandbox.Dir},
			Start:     Location{Bucket: pagingBucket},
		})
	})
	opened := make(chan string, 1)
	h.ui(func() {
		h.w.win.Resize(fyne.NewSize(1200, 800))
		h.w.transfers.openFolder = func(dir string) error { opened <- dir; return nil }
	})
	h.ui(h.w.Show)
	t.Cleanup(func() { h.ui(h.w.win.Close) })
	h.eventually("the panel open with both rows", func() bool { return h.w.transfers.body.Visible() && len(h.w.transfers.rows) == 2 })
	// Fyne's test canvas lays out again only when resized (the real one
	// does on the panel's Show).
	h.ui(func() { h.w.win.Resize(fyne.NewSize(1200, 801)) })
	h.waitFor("both rows drawn", func() bool { return h.sees("big.mov") && h.sees("report for the board") })
	screen := strings.Join(h.screenText(), " ")
	for _, want := range []string{
		"the disk is full",
		"Retrying part 3 after HTTP 503 SlowDown (attempt 2 of 8)…",
		"→ b2://b/photos/2026/big.mov",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the panel does not show %q whole; it shows %q", want, screen)
		}
	}
	if !strings.Contains(screen, filepath.Base(filepath.Dir(dl))) {
		t.Errorf("the download's row does not say where it goes: %q", screen)
	}
	// The upload's speed is not measured yet (0): neither its row nor the
	// totals may read as a stall.
	if strings.Contains(screen, "0 B/s") {
		t.Errorf("a speed not measured yet shows as 0 B/s: %q", screen)
	}
	if !h.tapButton("Open folder") {
		t.Fatal("Open folder is disabled")
	}
	select {
	case dir := <-opened:
		if dir != filepath.Dir(dl) {
			t.Errorf("Open folder opened %q, want %q", dir, filepath.Dir(dl))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Open folder opened nothing")
	}
}
