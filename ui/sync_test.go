package ui

import (
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
	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
	"github.com/haul-app/haul/syncer"
	"github.com/haul-app/haul/transfer"
)

// newSyncHarness is a window on bucket through the B2 behaviour proxy,
// with a real transfer queue and saved pairs kept in a temporary folder.
func newSyncHarness(t *testing.T, bucket string) (*harness, *syncer.Pairs) {
	t.Helper()
	h, pairs, _ := newSyncHarnessProxy(t, bucket)
	return h, pairs
}

// newSyncHarnessProxy is newSyncHarness that also gives the proxy, whose
// records show what each sync asked of the server.
func newSyncHarnessProxy(t *testing.T, bucket string) (*harness, *syncer.Pairs, *b2proxy.Proxy) {
	t.Helper()
	c, p := proxiedClient(t)
	h, _ := newTransferHarnessOn(t, c, Location{Bucket: bucket}, transfer.DefaultOptions())
	pairs := syncer.OpenPairs(t.TempDir())
	h.ui(func() { h.w.syncs.pairs = pairs })
	return h, pairs, p
}

// currentKeys lists the current files of a bucket on the server, straight
// and recursively, in order.
func currentKeys(t *testing.T, bucket string) []string {
	t.Helper()
	var keys []string
	token := ""
	for {
		p, err := testClient.List(context.Background(), store.ListInput{Bucket: bucket, Token: token, Recursive: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Objects {
			keys = append(keys, o.Key)
		}
		if token = p.Next; token == "" {
			return keys
		}
	}
}

// hidden reports whether key's current version on the server is a hide
// marker with a version of the file beneath it.
func hidden(t *testing.T, bucket, key string) bool {
	t.Helper()
	pg, err := testClient.KeyVersions(context.Background(), bucket, key, "")
	if err != nil {
		t.Fatal(err)
	}
	return len(pg.Versions) >= 2 && pg.Versions[0].DeleteMarker && pg.Versions[0].IsLatest && !pg.Versions[1].DeleteMarker
}

// openSync opens the sync setup with its key and types the local folder
// into the field that has the keyboard.
func (h *harness) openSync(dir string) {
	h.t.Helper()
	h.press(fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift, fyne.KeyS)
	h.waitSee("Sync with a local folder")
	if _, ok := h.focused().(*escEntry); !ok {
		h.t.Fatalf("the local folder field does not have the keyboard (%T does)", h.focused())
	}
	h.typeText(dir)
}

// TestSyncUploadThroughTheDialog syncs a local folder up through the
// dialog: a pattern excludes a file, the preview counts and lists what is
// new and filters its list, the run copies exactly that through the
// queue, and the saved pair, shown with its last run, runs again with one
// click and finds nothing to do.
func TestSyncUploadThroughTheDialog(t *testing.T) {
	bucket := newBucket(t, "haul-ui-sync-up", store.Private)
	putText(t, bucket, "only-in-bucket.txt", "stays")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), 1000)
	writeFile(t, filepath.Join(dir, "sub", "b.txt"), 2000)
	writeFile(t, filepath.Join(dir, "scratch.tmp"), 10)
	h, pairs, proxy := newSyncHarnessProxy(t, bucket)

	h.openSync(dir)
	h.waitSee("None yet")
	h.tapEntry("None, or patterns like *.tmp, node_modules", 0)
	h.typeText("*.tmp")
	if !h.tapButton("Preview") {
		t.Fatal("Preview is disabled")
	}
	h.waitSee("Preview of the sync")
	h.waitSee("Compared 2 files: 2 files to copy (3.0 kB).")
	for _, s := range []string{"New: 2 files, 3.0 kB", "Changed: 0 files", "To remove: 0 files", "Refused: 0 files",
		"a.txt — not in the bucket", "sub/b.txt — not in the bucket", "1 file only at the destination stay", "1 name left out by the patterns"} {
		if !h.sees(s) {
			t.Errorf("the preview does not show %q; it shows %q", s, h.screenText())
		}
	}
	if h.sees("scratch.tmp") {
		t.Error("the preview lists the excluded scratch.tmp")
	}
	h.tapEntry("Filter by name", 0)
	h.typeText("sub/")
	h.waitFor("the list filtered", func() bool { return !h.sees("a.txt — ") && h.sees("sub/b.txt — ") })
	if got := currentKeys(t, bucket); !slices.Equal(got, []string{"only-in-bucket.txt"}) {
		t.Fatalf("the preview moved something: the bucket holds %v", got)
	}

	if !h.tapButton("Sync") {
		t.Fatal("Sync is disabled after the preview")
	}
	h.waitSee("Copied 2 files (3.0 kB).")
	if !h.sees("↑ a.txt (new)") || !h.sees("↑ sub/b.txt (new)") {
		t.Errorf("the run does not list its files; it shows %q", h.screenText())
	}
	if got, want := currentKeys(t, bucket), []string{"a.txt", "only-in-bucket.txt", "sub/b.txt"}; !slices.Equal(got, want) {
		t.Fatalf("after the sync the bucket holds %v, want %v", got, want)
	}
	list, err := pairs.List(testSandbox.Account().ID)
	if err != nil || len(list) != 1 || list[0].LastRun == nil || list[0].LastRun.Copied.Files != 2 {
		t.Fatalf("saved pairs = %+v, %v; want one whose last run copied 2 files", list, err)
	}
	if !slices.Equal(list[0].Pair.Exclude, []string{"*.tmp"}) {
		t.Errorf("the pair kept the excludes %q, want [*.tmp]", list[0].Pair.Exclude)
	}
	h.tapButton("Close")
	h.waitFor("the dialogs closed", func() bool { return !h.dialogUp() })

	// The saved pair, with what it did, runs again with one click.
	h.openSync("")
	h.waitSee("Last run")
	h.waitSee("2 copied (3.0 kB), 0 removed, 0 identical")
	if !h.tapButton("Run again") {
		t.Fatal("Run again is disabled")
	}
	h.waitSee("Nothing needed copying. 2 files identical.")
	list, err = pairs.List(testSandbox.Account().ID)
	if err != nil || len(list) != 1 || list[0].LastRun.Copied.Files != 0 || list[0].LastRun.Same != 2 {
		t.Fatalf("after Run again, saved pairs = %+v, %v; want the last run to find 2 identical files", list, err)
	}

	// Once more: the pair's head cache knows both files, so comparing
	// them asks the server for a listing and no HEAD at all.
	h.tapButton("Close")
	h.waitFor("the dialogs closed", func() bool { return !h.dialogUp() })
	proxy.Reset()
	h.openSync("")
	h.waitSee("Last run")
	if !h.tapButton("Run again") {
		t.Fatal("Run again is disabled")
	}
	h.waitSee("Nothing needed copying. 2 files identical.")
	heads := 0
	for _, r := range proxy.Requests() {
		if r.Op == "HeadObject" {
			heads++
		}
	}
	if heads != 0 {
		t.Errorf("comparing an unchanged folder the third time asked %d HEADs, want 0 (the pair's head cache)", heads)
	}
}

// TestSyncMirrorRemovalsNeedTheTypedCount mirrors a folder up that lacks
// two of the bucket's three files, more than the half a mirror removes
// without asking. The preview says so; Enter, the disabled button, a
// wrong count and Escape all get nowhere, and the server is unchanged;
// the typed count then copies the new file and hides the two behind hide
// markers, which the summary says can be undone.
func TestSyncMirrorRemovalsNeedTheTypedCount(t *testing.T) {
	bucket := newBucket(t, "haul-ui-sync-mirror", store.Private)
	putText(t, bucket, "gone-1.txt", "one")
	putText(t, bucket, "gone-2.txt", "two")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "new.txt"), 100)
	h, _ := newSyncHarness(t, bucket)
	// The bucket's third file is the same as the local one: uploaded by a
	// sync, it keeps its modification time.
	writeFile(t, filepath.Join(dir, "same.txt"), 50)
	if _, err := syncer.Run(context.Background(), syncer.Pair{Local: dir, Bucket: bucket, Direction: syncer.Upload, Include: []string{"same.txt"}},
		testClient, queueOf(t, h)); err != nil {
		t.Fatal(err)
	}
	before := currentKeys(t, bucket)
	if want := []string{"gone-1.txt", "gone-2.txt", "same.txt"}; !slices.Equal(before, want) {
		t.Fatalf("the bucket holds %v, want %v", before, want)
	}

	h.openSync(dir)
	h.tapTab("Mirror up: local → B2, hiding what the folder lacks")
	if !h.tapButton("Preview") {
		t.Fatal("Preview is disabled")
	}
	h.waitSee("Compared 4 files: 1 file to copy (100 B), 2 files to remove.")
	for _, s := range []string{"To remove: 2 files", "Identical: 1 file", "more than the 50% allowed without asking",
		"gone-1.txt — ", "hide"} {
		if !h.sees(s) {
			t.Errorf("the preview does not show %q; it shows %q", s, h.screenText())
		}
	}
	if !h.tapButton("Sync") {
		t.Fatal("Sync is disabled")
	}
	h.waitSee("Remove 2 files?")
	h.waitSee("They are: gone-1.txt, gone-2.txt.")
	h.waitSee("That is 2 of the destination's 3 files, more than the 50% you allow without asking.")
	if h.tapButton("Remove 2 files") {
		t.Error("Remove 2 files was enabled before the count was typed")
	}
	h.press(0, fyne.KeyReturn)
	h.typeText("remove 1")
	h.press(0, fyne.KeyReturn)
	if h.tapButton("Remove 2 files") {
		t.Error("Remove 2 files was enabled by a wrong count")
	}
	// A button enabled by mistake still checks the count.
	removeBtn := h.button("Remove 2 files")
	h.ui(removeBtn.Enable)
	h.tapButton("Remove 2 files")
	h.press(0, fyne.KeyEscape)
	h.waitSee("Preview of the sync")
	time.Sleep(time.Second) // a run started by mistake would have queued by now
	if got := currentKeys(t, bucket); !slices.Equal(got, before) {
		t.Fatalf("without the count typed the bucket changed: %v, want %v", got, before)
	}
	if hidden(t, bucket, "gone-1.txt") || hidden(t, bucket, "gone-2.txt") {
		t.Fatal("a file was hidden without the count typed")
	}

	if !h.tapButton("Sync") {
		t.Fatal("Sync is disabled after Escape")
	}
	h.waitSee("Remove 2 files?")
	h.typeText("remove 2")
	if !h.tapButton("Remove 2 files") {
		t.Fatal("Remove 2 files stayed disabled with the count typed")
	}
	h.waitSee("Copied 1 file (100 B). Hid 2 files in the bucket (undelete brings them back). 1 file identical.")
	if got, want := currentKeys(t, bucket), []string{"new.txt", "same.txt"}; !slices.Equal(got, want) {
		t.Fatalf("after the mirror the bucket shows %v, want %v", got, want)
	}
	for _, k := range []string{"gone-1.txt", "gone-2.txt"} {
		if !hidden(t, bucket, k) {
			t.Errorf("%s is not behind a hide marker", k)
		}
	}
	if h.button("Remove…") != nil || h.sees("not removed yet") {
		t.Error("a Remove button is offered though nothing is left to remove")
	}
}

// TestSyncRunAgainAsksBeforeRemoving runs a saved mirror again after the
// folder lost a file: the copy happens at once, the removal waits for its
// typed count behind the summary's Remove button, and the run's record
// says a removal is waiting until it is done.
func TestSyncRunAgainAsksBeforeRemoving(t *testing.T) {
	bucket := newBucket(t, "haul-ui-sync-again", store.Private)
	dir := t.TempDir()
	for _, n := range []string{"a.txt", "b.txt", "c.txt"} {
		writeFile(t, filepath.Join(dir, n), 40)
	}
	h, pairs := newSyncHarness(t, bucket)
	acct := testSandbox.Account().ID
	if _, err := pairs.Save(acct, syncer.SavedPair{Pair: syncer.Pair{Local: dir, Bucket: bucket, Direction: syncer.MirrorUp}}); err != nil {
		t.Fatal(err)
	}
	if _, err := syncer.Run(context.Background(), syncer.Pair{Local: dir, Bucket: bucket, Direction: syncer.Upload}, testClient, queueOf(t, h)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "c.txt")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "d.txt"), 40)

	h.openSync("")
	h.waitSee("Never run.")
	h.tapButton("Run again")
	h.waitSee("Copied 1 file (40 B).")
	h.waitSee("1 file not removed yet: the source lacks them.")
	if got, want := currentKeys(t, bucket), []string{"a.txt", "b.txt", "c.txt", "d.txt"}; !slices.Equal(got, want) {
		t.Fatalf("before the removal was confirmed the bucket shows %v, want %v", got, want)
	}
	list, _ := pairs.List(acct)
	if len(list) != 1 || list[0].LastRun == nil || list[0].LastRun.Pending != 1 {
		t.Fatalf("the record of the run = %+v, want 1 removal pending", list)
	}
	if !h.tapButton("Remove 1 file…") {
		t.Fatal("Remove 1 file… is disabled")
	}
	h.waitSee("Remove 1 file?")
	h.press(0, fyne.KeyReturn)
	if hidden(t, bucket, "c.txt") {
		t.Fatal("Enter hid c.txt without the count typed")
	}
	h.typeText("remove 1")
	h.press(0, fyne.KeyReturn)
	h.waitSee("Hid 1 file in the bucket")
	if !hidden(t, bucket, "c.txt") {
		t.Error("c.txt is not behind a hide marker")
	}
	h.waitFor("the record updated", func() bool {
		list, _ := pairs.List(acct)
		return len(list) == 1 && list[0].LastRun.Pending == 0 && list[0].LastRun.Removed.Files == 1
	})
}

// queueOf is the harness's transfer queue.
func queueOf(t *testing.T, h *harness) syncer.Queue {
	t.Helper()
	q, ok := get(h, func() Queue { return h.w.queue }).(syncer.Queue)
	if !ok {
		t.Fatal("the window's queue cannot sync")
	}
	return q
}

// TestSyncSetupExplainsBadInput types what a person gets wrong into the
// setup (Escape closes it, Enter previews): a relative path and a malformed pattern are each a sentence under
// the form, and nothing opens; a folder that does not exist is a sentence
// in the preview, which compares nothing.
func TestSyncSetupExplainsBadInput(t *testing.T) {
	bucket := newBucket(t, "haul-ui-sync-bad", store.Private)
	h, _ := newSyncHarness(t, bucket)
	missing := filepath.Join(t.TempDir(), "missing")
	// Escape in the field closes the setup.
	h.openSync("whatever")
	h.press(0, fyne.KeyEscape)
	h.waitFor("the setup closed by Escape", func() bool { return !h.dialogUp() })
	// Enter in the field previews, or says what is wrong.
	h.openSync("relative/path")
	h.press(0, fyne.KeyReturn)
	h.waitSee("Type the local folder's whole path, starting with /")
	h.tapEntry("Local folder, like ~/Pictures", 0)
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyA)
	h.typeText(missing)
	h.tapEntry("All files, or patterns like *.jpg, photos/**", 0)
	h.typeText("[")
	h.tapButton("Preview")
	h.waitSee(`The pattern "[" is malformed`)
	if h.sees("Preview of the sync") {
		t.Fatal("a malformed pattern opened the preview")
	}
	h.tapEntry("All files, or patterns like *.jpg, photos/**", 0)
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyA)
	h.typeText("*.txt")
	h.tapButton("Preview")
	h.waitSee("Preview of the sync")
	h.waitSee("The local folder " + missing + " does not exist.")
	if h.tapButton("Sync") {
		t.Error("Sync is enabled after a failed comparison")
	}
}

// heldListing lets the first page of every recursive listing through and
// holds later pages until the caller gives up, recording how it did.
type heldListing struct {
	*store.Client
	held     chan struct{}
	canceled chan error
}

func (g *heldListing) List(ctx context.Context, in store.ListInput) (store.Page, error) {
	if in.Recursive && in.Token != "" {
		g.held <- struct{}{}
		<-ctx.Done()
		g.canceled <- ctx.Err()
		return store.Page{}, ctx.Err()
	}
	return g.Client.List(ctx, in)
}

// TestSyncPreviewStreamsAndStops previews a mirror of an empty folder onto
// a bucket folder of 2,500 files whose listing stops after its first page:
// its removals are counted and listed while the comparison
// waits, Sync stays disabled, and Stop ends the listing and says that
// nothing moved.
func TestSyncPreviewStreamsAndStops(t *testing.T) {
	c, _ := proxiedClient(t)
	g := &heldListing{Client: c, held: make(chan struct{}, 4), canceled: make(chan error, 1)}
	h, _ := newTransferHarnessOn(t, g, Location{Bucket: pagingBucket, Prefix: "many/"}, transfer.DefaultOptions())
	h.openSync(t.TempDir())
	h.tapTab("Mirror up: local → B2, hiding what the folder lacks")
	h.tapButton("Preview")
	select {
	case <-g.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the comparison never asked for the second page")
	}
	// The page's last name waits for the next page: a local name could
	// still sort between it and the page's end.
	h.waitSee("To remove: 999 files")
	h.waitSee("file-00000.txt — not in the local folder")
	h.waitSee("1,000 in the bucket listed, 999 compared.")
	if h.tapButton("Sync") {
		t.Error("Sync was enabled before the comparison ended")
	}
	if !h.tapButton("Stop") {
		t.Fatal("Stop is disabled")
	}
	select {
	case err := <-g.canceled:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the held listing ended with %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not end the listing")
	}
	h.waitSee("Stopped after comparing 999 files: nothing was copied or removed.")
	if !h.sees("To remove: 999 files") {
		t.Error("the counts so far were lost when the comparison stopped")
	}
	if h.tapButton("Sync") {
		t.Error("Sync is enabled after Stop")
	}
	if n := len(recursiveKeys(t, "many/")); n != pagingObjects {
		t.Errorf("many/ holds %d files after the stopped preview, want %d", n, pagingObjects)
	}
}

// TestSyncMirrorDownTrashesOnlyAfterTheCount mirrors a bucket folder
// down onto a folder, chosen with the picker, holding two files the bucket
// lacks: the preview lists
// them as going to the trash, the question names them and where they go,
// Escape leaves them in place (and downloads nothing), and the typed
// count downloads the bucket's files and moves the two to the desktop's
// trash, from where they can be put back.
func TestSyncMirrorDownTrashesOnlyAfterTheCount(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	bucket := newBucket(t, "haul-ui-sync-down", store.Private)
	putText(t, bucket, "keep.txt", "from the bucket")
	putText(t, bucket, "fresh.txt", "new in the bucket")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "keep.txt"), 5)
	writeFile(t, filepath.Join(dir, "old-1.txt"), 10)
	writeFile(t, filepath.Join(dir, "old-2.txt"), 10)
	h, _ := newSyncHarness(t, bucket)

	// The folder chosen with the picker.
	h.openSync("")
	if !h.tapButton("Choose…") {
		t.Fatal("Choose… is disabled")
	}
	// The picker's path field, once its first folder is read.
	path := pickerWidget[*escEntry](h)
	h.waitFor("the picker's first folder", func() bool { return get(h, func() string { return path.Text }) != "" })
	h.typePath(dir)
	h.waitSee("old-2.txt")
	if !h.tapButton("Sync with this folder") {
		t.Fatal("Sync with this folder is disabled")
	}
	h.waitFor("the setup showing the folder chosen", func() bool { return !h.sees("Sync with this folder") && h.sees(dir) })
	h.tapTab("Mirror down: B2 → local, trashing what the bucket lacks")
	h.tapButton("Preview")
	h.waitSee("Compared 4 files: 2 files to copy (32 B), 2 files to remove.")
	for _, s := range []string{"to trash", "old-1.txt — ", "Removals move local files to the trash"} {
		if !h.sees(s) {
			t.Errorf("the preview does not show %q; it shows %q", s, h.screenText())
		}
	}
	h.tapButton("Sync")
	h.waitSee("2 files in " + dir + " will be moved to the trash. They are: old-1.txt, old-2.txt.")
	h.press(0, fyne.KeyReturn)
	h.press(0, fyne.KeyEscape)
	h.waitSee("Preview of the sync")
	time.Sleep(time.Second) // a run started by mistake would have begun by now
	for _, n := range []string{"old-1.txt", "old-2.txt"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Fatalf("%s is gone before the count was typed: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "fresh.txt")); err == nil {
		t.Fatal("fresh.txt was downloaded though the sync was not confirmed")
	}

	h.tapButton("Sync")
	h.waitSee("Remove 2 files?")
	h.typeText("remove 2")
	h.press(0, fyne.KeyReturn)
	h.waitSee("Copied 2 files (32 B). Moved 2 files to the trash.")
	if b, err := os.ReadFile(filepath.Join(dir, "fresh.txt")); err != nil || string(b) != "new in the bucket" {
		t.Errorf("fresh.txt = %q, %v", b, err)
	}
	for _, n := range []string{"old-1.txt", "old-2.txt"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s is still in the folder", n)
		}
		if _, err := os.Stat(filepath.Join(data, "Trash", "files", n)); err != nil {
			t.Errorf("%s is not in the trash: %v", n, err)
		}
		if _, err := os.Stat(filepath.Join(data, "Trash", "info", n+".trashinfo")); err != nil {
			t.Errorf("%s has no note of where it came from: %v", n, err)
		}
	}
}

// TestSyncChecksumFindsWhatTimesMiss changes a synced file's content but
// not its size or modification time: compared by time it is identical,
// and with the checksum box ticked the preview finds it changed, hashing
// the local file, and the sync uploads it.
func TestSyncChecksumFindsWhatTimesMiss(t *testing.T) {
	bucket := newBucket(t, "haul-ui-sync-sum", store.Private)
	dir := t.TempDir()
	name := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(name, []byte("version one"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, _ := newSyncHarness(t, bucket)
	if _, err := syncer.Run(context.Background(), syncer.Pair{Local: dir, Bucket: bucket, Direction: syncer.Upload}, testClient, queueOf(t, h)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte("version two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}

	h.openSync(dir)
	h.press(0, fyne.KeyReturn)
	h.waitSee("Nothing to do: both sides match (1 file identical).")
	h.tapButton("Cancel")
	h.waitFor("the preview closed", func() bool { return !h.dialogUp() })

	h.openSync("") // the field keeps the last folder synced
	h.tapTab("Compare files of equal size by checksum (reads each local file whole)")
	h.tapButton("Preview")
	h.waitSee("Changed: 1 file, 11 B")
	h.waitSee("note.txt — contents differ")
	h.tapButton("Sync")
	h.waitSee("Copied 1 file (11 B).")
	if got := currentText(t, bucket, "note.txt"); got != "version two" {
		t.Errorf("the bucket's note.txt = %q after the sync, want version two", got)
	}
}

// TestSyncRunCopiesBeforeTheComparisonEnds runs a saved pair again whose
// bucket folder lists in two pages, the second held back: the local file
// that sorts first is uploaded through the queue while the comparison
// still waits for the listing, and Stop then ends the run, whose summary
// and record say it stopped.
func TestSyncRunCopiesBeforeTheComparisonEnds(t *testing.T) {
	bucket := newBucket(t, "haul-ui-sync-stream", store.Private)
	g0, ctx := errgroup.WithContext(context.Background())
	g0.SetLimit(16)
	for i := range 1001 {
		g0.Go(func() error {
			_, err := testClient.Put(ctx, store.PutInput{Bucket: bucket, Key: fmt.Sprintf("k-%04d.txt", i), Body: strings.NewReader("k")})
			return err
		})
	}
	if err := g0.Wait(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), 30)
	c, _ := proxiedClient(t)
	g := &heldListing{Client: c, held: make(chan struct{}, 4), canceled: make(chan error, 1)}
	h, _ := newTransferHarnessOn(t, g, Location{Bucket: bucket}, transfer.DefaultOptions())
	pairs := syncer.OpenPairs(t.TempDir())
	h.ui(func() { h.w.syncs.pairs = pairs })
	acct := testSandbox.Account().ID
	if _, err := pairs.Save(acct, syncer.SavedPair{Pair: syncer.Pair{Local: dir, Bucket: bucket, Direction: syncer.Upload}}); err != nil {
		t.Fatal(err)
	}

	h.openSync("")
	h.waitSee("Never run.")
	h.tapButton("Run again")
	select {
	case <-g.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the run never asked for the second page")
	}
	h.waitFor("a.txt uploaded while the listing is held", func() bool {
		_, err := testClient.Head(context.Background(), bucket, "a.txt", "")
		return err == nil
	})
	h.waitSee("Syncing: 1 of 1 copied (30 B of 30 B)")
	h.waitSee("30 B · done")
	h.waitSee("↑ a.txt (new)")
	if !h.tapButton("Stop") {
		t.Fatal("Stop is disabled")
	}
	select {
	case <-g.canceled:
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not end the listing")
	}
	h.waitSee("Stopped after")
	h.waitSee("Copied 1 file (30 B).")
	h.waitSee("Stopped: transfers already queued stay in the transfers panel.")
	list, err := pairs.List(acct)
	if err != nil || len(list) != 1 || list[0].LastRun == nil || list[0].LastRun.Err != "Stopped before the end." || list[0].LastRun.Copied.Files != 1 {
		t.Fatalf("the record of the stopped run = %+v, %v", list, err)
	}
}

// TestSyncUploadsEncryptedLikeOtherUploads: with "Encrypt uploads
// (SSE-B2)" ticked, the files a sync uploads ask B2 to encrypt them too.
func TestSyncUploadsEncryptedLikeOtherUploads(t *testing.T) {
	bucket := newBucket(t, "haul-ui-sync-sse", store.Private)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "secret.txt"), 500)
	h, _, proxy := newSyncHarnessProxy(t, bucket)
	h.tapCheck("Encrypt uploads (SSE-B2)")

	h.openSync(dir)
	h.press(0, fyne.KeyReturn)
	h.waitSee("Compared 1 file: 1 file to copy (500 B).")
	if !h.tapButton("Sync") {
		t.Fatal("Sync is disabled after the preview")
	}
	h.waitSee("Copied 1 file (500 B).")
	puts := 0
	for _, r := range proxy.Requests() {
		if r.Op == "PutObject" && r.Key == "secret.txt" {
			puts++
			if got := r.Header.Get("X-Amz-Server-Side-Encryption"); got != "AES256" {
				t.Errorf("the sync's upload sent x-amz-server-side-encryption %q, want AES256", got)
			}
		}
	}
	if puts != 1 {
		t.Errorf("%d uploads of secret.txt, want 1", puts)
	}
}
