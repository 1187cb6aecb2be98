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
	folder := start.Prefix
	opts.JournalDir = t.TempDir()
	q, warn, err := transfer.NewQueue(testClient, opts)
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
			Connect:   func(context.Context, store.Account) (Remote, error) { return testClient, nil },
			OpenQueue: func(store.Account, Remote) (Queue, error) { return q, nil },
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
		h.w.onDropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(photo), storage.NewFileURI(album)})
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
	h.ui(func() { h.w.onDropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(photo)}) })
	h.tapDialogButton("Keep both")
	allDone(t, q, 5)
	if got := strings.Join(recursiveKeys(t, folder), ","); !strings.Contains(got, "photo 1+2 (1).jpg") {
		t.Errorf("keep both gave %s", got)
	}
	// And "Skip" queues nothing.
	h.ui(func() { h.w.onDropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(photo)}) })
	h.tapDialogButton("Skip")
	time.Sleep(300 * time.Millisecond)
	if n := len(q.Snapshot().Jobs); n != 5 {
		t.Errorf("skip queued a job: %d jobs", n)
	}

	// Downloading the photo back gives the same bytes; a second download asks.
	h.eventually("the photo listed", func() bool {
		v := h.w.browser.view
		return v.done && v.index(folder+"photo 1+2 (1).jpg") >= 0 && h.w.browser.cancel == nil
	})
	dest := t.TempDir()
	var sel []store.Object
	h.ui(func() {
		i := h.w.browser.view.index(folder + "photo 1+2.jpg")
		h.w.browser.selectOnly(i)
		sel = h.w.browser.selection()
		h.w.download(sel, dest)
	})
	allDone(t, q, 6)
	want, _ := os.ReadFile(photo)
	if got, err := os.ReadFile(filepath.Join(dest, "photo 1+2.jpg")); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("downloaded file differs: %v", err)
	}
	h.ui(func() { h.w.download(sel, dest) })
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
	h.ui(func() { h.w.upload([]string{big, small}, Location{Bucket: pagingBucket, Prefix: folder}) })
	h.eventually("a running job", func() bool { return q.Snapshot().Running > 0 })

	// Render the rows as the panel does on its next tick.
	row := func(key string, state transfer.State) (int, fyne.CanvasObject) {
		var i int
		var o fyne.CanvasObject
		h.eventually(fmt.Sprintf("a %v row of %s", state, key), func() bool {
			p := h.w.transfers
			for j, r := range p.rows {
				if r.name == key && r.state == state {
					i, o = j, p.createRow()
					p.updateRow(j, o)
					return true
				}
			}
			return false
		})
		return i, o
	}
	button := func(o fyne.CanvasObject, n int) *widget.Button {
		right := o.(*fyne.Container).Objects[2].(*fyne.Container)
		return right.Objects[1].(*fyne.Container).Objects[n].(*widget.Button)
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
	h.ui(func() { test.Tap(button(o, 2)) }) // pause
	h.eventually("big.bin paused", func() bool { return stateOf("big.bin") == transfer.Paused })
	h.eventually("small.txt done", func() bool { return stateOf("small.txt") == transfer.Done })
	_, o = row("big.bin", transfer.Paused)
	if r := get(h, func() string { return o.(*fyne.Container).Objects[2].(*fyne.Container).Objects[0].(*widget.Label).Text }); !strings.Contains(r, "paused") {
		t.Errorf("paused row says %q", r)
	}
	h.ui(func() { test.Tap(button(o, 2)) }) // resume
	h.eventually("big.bin running", func() bool { return stateOf("big.bin") == transfer.Running })
	_, o = row("big.bin", transfer.Running)
	h.ui(func() { test.Tap(button(o, 3)) }) // cancel, which asks first
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
	}}
	rows := prepareRows(s)
	want := []struct{ name, detail string }{
		{"big.iso", "2.0 MB · finishing…"},
		{"b.txt", "500 kB of 2.0 MB · 1.0 MB/s · " + etaText(2*time.Second)},
		{"raw.mov → archive/raw.mov", "10 B · done"},
		{"Restore raw.mov", "0 B of 10 B · paused"},
	}
	for i, w := range want {
		if rows[i].name != w.name || rows[i].detail != w.detail {
			t.Errorf("row %d = %q / %q, want %q / %q", i, rows[i].name, rows[i].detail, w.name, w.detail)
		}
	}
}
