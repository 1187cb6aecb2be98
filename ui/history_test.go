package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/sandbox"
	"github.com/haul-app/haul/transfer"
)

// putText writes a small file and returns its version ID.
func putText(t *testing.T, bucket, key, body string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := testClient.Put(ctx, store.PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader([]byte(body))}); err != nil {
		t.Fatal(err)
	}
	info, err := testClient.Head(ctx, bucket, key, "")
	if err != nil {
		t.Fatal(err)
	}
	return info.VersionID
}

func currentText(t *testing.T, bucket, key string) string {
	t.Helper()
	rc, err := testClient.GetRange(context.Background(), bucket, key, "", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

func newBucket(t *testing.T, name string, v store.Visibility) string {
	t.Helper()
	if err := testClient.CreateBucket(context.Background(), name, v); err != nil {
		t.Fatal(err)
	}
	return name
}

// newPassingBucket is newBucket for a bucket emptied and deleted when the
// test ends: the sandbox is shared, and other tests count its buckets.
func newPassingBucket(t *testing.T, name string) string {
	t.Helper()
	bucket := newBucket(t, name, store.Private)
	t.Cleanup(func() {
		ctx := context.Background()
		if _, _, err := testClient.EmptyBucket(ctx, bucket, nil); err != nil {
			t.Error(err)
		}
		if err := testClient.DeleteBucket(ctx, bucket); err != nil {
			t.Error(err)
		}
	})
	return bucket
}

// findInDialogs returns the first object in the window's dialogs that
// matches.
func (h *harness) findInDialogs(match func(fyne.CanvasObject) bool) fyne.CanvasObject {
	return get(h, func() fyne.CanvasObject { return h.findInDialogsLocked(match) })
}

// findInDialogsLocked is findInDialogs for callers holding the UI lock.
func (h *harness) findInDialogsLocked(match func(fyne.CanvasObject) bool) fyne.CanvasObject {
	for _, ov := range h.w.win.Canvas().Overlays().List() {
		for _, o := range test.LaidOutObjects(ov) {
			if match(o) {
				return o
			}
		}
	}
	return nil
}

// versionRow renders row i of the version panel.
func (h *harness) versionRow(i int) []fyne.CanvasObject {
	var buttons []fyne.CanvasObject
	h.ui(func() {
		p := h.w.versions
		o := p.createRow()
		p.updateRow(i, o)
		for _, b := range o.(*fyne.Container).Objects[1].(*fyne.Container).Objects[1].(*fyne.Container).Objects {
			buttons = append(buttons, b.(*tipped).btn)
		}
	})
	return buttons
}

func TestVersionPanelRestoresAndDeletes(t *testing.T) {
	bucket := newBucket(t, "haul-ui-versions", store.Private)
	v1 := putText(t, bucket, "f.txt", "one")
	v2 := putText(t, bucket, "f.txt", "two")
	putText(t, bucket, "f.txt", "three")
	h := newHarness(t, testClient, Location{Bucket: bucket, Key: "f.txt"})
	h.waitDone("")
	p := h.w.versions
	h.eventually("three versions", func() bool { return len(p.versions) == 3 })
	vs := get(h, func() []store.Version { return p.versions })
	if !vs[0].IsLatest || vs[2].VersionID != v1 || vs[1].VersionID != v2 {
		t.Fatalf("versions newest first = %+v", vs)
	}
	if st := get(h, func() string { return p.status.Text }); st != "3 versions" {
		t.Errorf("status = %q", st)
	}
	row := h.versionRow(0)
	if row[btnRestore].Visible() {
		t.Error("the current version offers to restore itself")
	}
	// Restore the oldest: its bytes become current, as a fourth version.
	row = h.versionRow(2)
	h.ui(func() { test.Tap(row[btnRestore].(*widget.Button)) })
	h.eventually("the restored version listed", func() bool { return len(p.versions) == 4 })
	if got := currentText(t, bucket, "f.txt"); got != "one" {
		t.Errorf("after restore the file says %q", got)
	}
	// Delete the second-oldest for good, after confirming.
	h.eventually("the row of v2", func() bool { return len(p.versions) == 4 && p.versions[2].VersionID == v2 })
	row = h.versionRow(2)
	h.ui(func() { test.Tap(row[btnDelete].(*widget.Button)) })
	// Its button stays disabled, and Enter does nothing, until the name is
	// typed; nothing is deleted meanwhile.
	h.waitSee("Delete this version for good?")
	if h.tapButton("Delete for good") {
		t.Error("Delete for good was enabled before the name was typed")
	}
	h.press(0, fyne.KeyReturn)
	h.typeText("f.tx")
	h.press(0, fyne.KeyReturn)
	if pg, err := testClient.KeyVersions(context.Background(), bucket, "f.txt", ""); err != nil || len(pg.Versions) != 4 {
		t.Fatalf("before the name was typed: %d versions (%v), want 4", len(pg.Versions), err)
	}
	h.typeText("t")
	h.tapDialogButton("Delete for good")
	h.eventually("v2 gone", func() bool {
		if len(p.versions) != 3 {
			return false
		}
		for _, v := range p.versions {
			if v.VersionID == v2 {
				return false
			}
		}
		return true
	})
}

func TestShowDeletedAndUndelete(t *testing.T) {
	bucket := newBucket(t, "haul-ui-deleted", store.Private)
	putText(t, bucket, "keep.txt", "k")
	putText(t, bucket, "gone.txt", "g")
	if err := testClient.Delete(context.Background(), bucket, "gone.txt"); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	if got := strings.Join(h.names(), ","); got != "keep.txt" {
		t.Fatalf("normal listing = %s", got)
	}
	b := h.w.browser
	h.ui(func() { b.past.deleted.SetChecked(true) })
	v := h.waitDone("")
	i := v.index("gone.txt")
	if i < 0 || !v.At(i).Deleted || v.index("keep.txt") < 0 {
		t.Fatalf("with deleted files: %v", h.names())
	}
	if txt, _ := h.cellText(i, colName); txt != "gone.txt  (deleted)" {
		t.Errorf("deleted row reads %q", txt)
	}
	if hidden := get(h, func() bool { return b.past.undelete.Hidden }); hidden {
		t.Error("no Undelete button while showing deleted files")
	}
	h.ui(func() { b.selectOnly(i) })
	h.tapButton("Undelete")
	h.tapDialogButton("OK") // "1 file undeleted."
	h.ui(func() { b.past.deleted.SetChecked(false) })
	h.eventually("gone.txt back", func() bool {
		v := b.view
		return v.done && !b.mode.deleted && v.index("gone.txt") >= 0
	})
	if got := currentText(t, bucket, "gone.txt"); got != "g" {
		t.Errorf("undeleted file says %q", got)
	}
}

func TestFolderAsItWas(t *testing.T) {
	bucket := newBucket(t, "haul-ui-asof", store.Private)
	v1 := putText(t, bucket, "a.txt", "a1")
	time.Sleep(1100 * time.Millisecond) // versitygw keeps times to the second
	t1 := time.Now()
	time.Sleep(1100 * time.Millisecond)
	putText(t, bucket, "a.txt", "a2")
	putText(t, bucket, "b.txt", "b")
	time.Sleep(1100 * time.Millisecond)
	t2 := time.Now()
	time.Sleep(1100 * time.Millisecond)
	if err := testClient.Delete(context.Background(), bucket, "a.txt"); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	if got := strings.Join(h.names(), ","); got != "b.txt" {
		t.Fatalf("now: %s", got)
	}
	b := h.w.browser
	h.ui(func() { b.setHistory(historyMode{at: t1}) })
	v := h.waitDone("")
	if got := strings.Join(h.names(), ","); got != "a.txt" || v.At(0).VersionID != v1 {
		t.Errorf("as of t1: %s (version %q, want %q)", got, v.At(0).VersionID, v1)
	}
	if label := get(h, func() string { return b.past.label.Text }); !strings.HasPrefix(label, "Read-only") {
		t.Errorf("history bar = %q", label)
	}
	h.ui(func() { b.setHistory(historyMode{at: t2}) })
	h.waitDone("")
	if got := strings.Join(h.names(), ","); got != "a.txt,b.txt" {
		t.Errorf("as of t2: %s", got)
	}
	// Restore everything as it was at t1: a.txt comes back with its first text.
	h.ui(func() { b.setHistory(historyMode{at: t1}) })
	h.waitDone("")
	h.tapButton("Restore")
	h.tapDialogButton("Yes")
	h.eventually("the result", func() bool {
		for _, ov := range h.w.win.Canvas().Overlays().List() {
			for _, o := range test.LaidOutObjects(ov) {
				if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "restored") {
					return true
				}
			}
		}
		return false
	})
	if txt := h.overlayText(); !strings.Contains(txt, "1 file restored.") {
		t.Errorf("result says %q", txt)
	}
	h.tapDialogButton("OK")
	if got := currentText(t, bucket, "a.txt"); got != "a1" {
		t.Errorf("restored a.txt says %q", got)
	}
}

func TestParseMoment(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.Local)
	for _, tt := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"2026-11-20 14:00", time.Date(2026, 11, 20, 14, 0, 0, 0, time.Local), false},
		{" 2026-11-20 14:00:30 ", time.Date(2026, 11, 20, 14, 0, 30, 0, time.Local), false},
		{"2026-11-20", time.Date(2026, 11, 20, 23, 59, 59, 0, time.Local), false},
		{"2027-01-01", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	} {
		got, err := parseMoment(tt.in, now)
		if (err != nil) != tt.bad || (!tt.bad && !got.Equal(tt.want)) {
			t.Errorf("parseMoment(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "12h": 12 * time.Hour, "3d": 72 * time.Hour, "2": 2 * time.Hour, "1.5d": 36 * time.Hour} {
		if got, err := parseExpiry(in); err != nil || got != want {
			t.Errorf("parseExpiry(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "soon", "-3h", "0"} {
		if _, err := parseExpiry(in); err == nil {
			t.Errorf("parseExpiry(%q) accepted", in)
		}
	}
}

// fetch GETs a link with plain net/http, anonymously.
func fetch(t *testing.T, link string) (int, string) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestShareLinksWork(t *testing.T) {
	bucket := newBucket(t, "haul-ui-share", store.Private)
	putText(t, bucket, "report 1+1.txt", "secret report")
	h := newHarness(t, testClient, Location{Bucket: bucket, Key: "report 1+1.txt"})
	h.waitDone("")
	h.eventually("the bucket list", func() bool { return len(h.w.sidebar.buckets) > 0 })
	h.tapButton("Share") // links are made at once, for 1 day
	// out reads the links box; call it under the UI lock.
	out := func() string {
		for _, ov := range h.w.win.Canvas().Overlays().List() {
			for _, o := range test.LaidOutObjects(ov) {
				if e, ok := o.(*widget.Entry); ok && e.MultiLine {
					return e.Text
				}
			}
		}
		return ""
	}
	h.eventually("a signed link", func() bool { return strings.HasPrefix(out(), "http") })
	if day := get(h, out); !strings.Contains(day, "X-Amz-Expires=86400") {
		t.Errorf("first link = %s, want one for a day", day)
	}
	// Choosing another duration makes the links again.
	h.ui(func() {
		sel := h.findInDialogsLocked(func(o fyne.CanvasObject) bool { _, ok := o.(*widget.Select); return ok })
		sel.(*widget.Select).SetSelected("1 hour")
	})
	h.eventually("a link for an hour", func() bool { return strings.Contains(out(), "X-Amz-Expires=3600") })
	link := get(h, out)
	if code, body := fetch(t, link); code != 200 || body != "secret report" {
		t.Errorf("signed link: HTTP %d %q", code, body)
	}
	if code, _ := fetch(t, strings.Replace(link, "report", "rep0rt", 1)); code != 403 {
		t.Errorf("altered link: HTTP %d, want 403", code)
	}
	note := h.findInDialogs(func(o fyne.CanvasObject) bool {
		l, ok := o.(*widget.Label)
		return ok && strings.Contains(l.Text, "work until")
	})
	if note == nil || !strings.Contains(note.(*widget.Label).Text, "cannot be revoked") || !strings.Contains(note.(*widget.Label).Text, "(in 1 hour)") {
		t.Errorf("no expiry and revocation note: %v", note)
	}
	h.tapDialogButton("Copy link")
	if got := get(h, func() string { return fyne.CurrentApp().Clipboard().Content() }); got != link {
		t.Errorf("clipboard = %q", got)
	}

	// A public bucket gets a plain link that works without signing.
	h.ui(func() {
		h.w.win.Canvas().Overlays().Top().Hide()
		h.w.browser.open(Location{Bucket: sandbox.PublicBucket, Key: "index.html"})
	})
	h.waitDone("")
	h.tapButton("Share")
	h.eventually("a public link", func() bool { return strings.HasPrefix(out(), "http") })
	plain := get(h, out)
	if strings.Contains(plain, "X-Amz-Signature") {
		t.Errorf("public link is signed: %s", plain)
	}
	if code, body := fetch(t, plain); code != 200 || !strings.Contains(body, "public bucket") {
		t.Errorf("public link: HTTP %d", code)
	}
	if code, _ := fetch(t, strings.Replace(plain, sandbox.PublicBucket, bucket, 1)); code != 403 {
		t.Errorf("the same kind of link to a private bucket: HTTP %d, want 403", code)
	}
}

// TestLargeCopiesRunAsJobs checks that a restore and a folder move of files
// above the copy-in-parts size run as jobs in the transfer queue (here with
// the size lowered to 10 bytes), while small files of the same move are
// moved at once.
func TestLargeCopiesRunAsJobs(t *testing.T) {
	old := largeCopy
	largeCopy = 10
	t.Cleanup(func() { largeCopy = old })
	bucket := newBucket(t, "haul-ui-bigcopy", store.Private)
	v1 := putText(t, bucket, "film.mov", "first cut of the film")
	putText(t, bucket, "film.mov", "final cut")
	putText(t, bucket, "reel/a.mov", "reel a, long enough")
	putText(t, bucket, "reel/b.txt", "b")
	h, q := newTransferHarnessAt(t, Location{Bucket: bucket, Key: "film.mov"}, transfer.Options{})
	p, b := h.w.versions, h.w.browser
	h.eventually("two versions", func() bool { return len(p.versions) == 2 })
	if id := get(h, func() string { return p.versions[1].VersionID }); id != v1 {
		t.Fatalf("second row is %s, want the first version %s", id, v1)
	}
	row := h.versionRow(1)
	h.ui(func() { test.Tap(row[btnRestore].(*widget.Button)) })
	s := allDone(t, q, 1)
	if j := s.Jobs[0]; j.Dir != transfer.Copy || j.Source != "film.mov" || j.Key != "film.mov" || j.VersionID != v1 {
		t.Errorf("restore job = %+v", j)
	}
	if rows := prepareRows(s); rows[0].name != "Restore film.mov" {
		t.Errorf("transfer row = %q, want Restore film.mov", rows[0].name)
	}
	if got := currentText(t, bucket, "film.mov"); got != "first cut of the film" {
		t.Errorf("after restore the file says %q", got)
	}
	h.eventually("the version panel reloaded with the restored version", func() bool { return len(p.versions) == 3 })

	// Move reel/ to archive/reel/: a.mov goes to the queue, b.txt at once.
	h.ui(func() { b.selectOnly(b.view.index("reel/")) })
	h.press(0, fyne.KeyF2)
	e := h.dialogEntry(0)
	h.ui(func() { e.SetText("archive/reel") })
	h.tapDialogButton("Rename")
	s = allDone(t, q, 2)
	if len(s.Jobs) != 2 {
		t.Errorf("%d jobs, want the restore and a.mov's move only", len(s.Jobs))
	}
	if j := s.Jobs[1]; j.Dir != transfer.Copy || j.Source != "reel/a.mov" || j.Key != "archive/reel/a.mov" {
		t.Errorf("move job = %+v", j)
	}
	if got := currentText(t, bucket, "archive/reel/a.mov"); got != "reel a, long enough" {
		t.Errorf("moved a.mov says %q", got)
	}
	if got := currentText(t, bucket, "archive/reel/b.txt"); got != "b" {
		t.Errorf("moved b.txt says %q", got)
	}
	for _, k := range []string{"reel/a.mov", "reel/b.txt"} {
		if _, err := testClient.Head(context.Background(), bucket, k, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("old name %s after the move: %v, want hidden", k, err)
		}
	}
	// (versitygw still lists reel/ as a folder of hidden files; B2 would not.)
	h.eventually("archive/ listed", func() bool { return b.view.done && b.view.index("archive/") >= 0 })
}

// TestUndeleteWholeFolder brings back a deleted folder with its subfolders
// from the show-deleted view, and then, with nothing selected, everything
// deleted in the folder shown.
func TestUndeleteWholeFolder(t *testing.T) {
	ctx := context.Background()
	bucket := newBucket(t, "haul-ui-undelete-dir", store.Private)
	for _, k := range []string{"old/a.txt", "old/sub/b.txt", "old/sub/deep/c.txt", "keep.txt", "loose.txt"} {
		putText(t, bucket, k, "text of "+k)
	}
	if _, _, err := testClient.DeleteFolder(ctx, bucket, "old/", nil); err != nil {
		t.Fatal(err)
	}
	if err := testClient.Delete(ctx, bucket, "loose.txt"); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	b := h.w.browser
	h.ui(func() { b.past.deleted.SetChecked(true) })
	v := h.waitDone("")
	h.ui(func() { b.selectOnly(v.index("old/")) })
	h.tapButton("Undelete")
	h.eventually("the count", func() bool { return strings.Contains(h.overlayTextLocked(), "3 files undeleted.") })
	h.tapDialogButton("OK")
	for _, k := range []string{"old/a.txt", "old/sub/b.txt", "old/sub/deep/c.txt"} {
		if got := currentText(t, bucket, k); got != "text of "+k {
			t.Errorf("%s after undelete says %q", k, got)
		}
	}
	if _, err := testClient.Head(ctx, bucket, "loose.txt", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("loose.txt was not selected but is back: %v", err)
	}

	// Nothing selected: the whole folder shown, after confirming.
	h.waitDone("")
	h.ui(b.clearSelection)
	h.tapButton("Undelete")
	h.tapDialogButton("Yes")
	h.eventually("the count", func() bool { return strings.Contains(h.overlayTextLocked(), "1 file undeleted.") })
	h.tapDialogButton("OK")
	if got := currentText(t, bucket, "loose.txt"); got != "text of loose.txt" {
		t.Errorf("loose.txt after undeleting the folder says %q", got)
	}
}

// TestDownloadFolderAsItWas downloads a folder from the past view: the
// files arrive as they were at that moment, not as they are now.
func TestDownloadFolderAsItWas(t *testing.T) {
	bucket := newBucket(t, "haul-ui-asof-download", store.Private)
	putText(t, bucket, "dir/x.txt", "x then")
	putText(t, bucket, "dir/sub/y.txt", "y then")
	time.Sleep(1100 * time.Millisecond) // versitygw keeps times to the second
	moment := time.Now()
	time.Sleep(1100 * time.Millisecond)
	putText(t, bucket, "dir/x.txt", "x now")
	if err := testClient.Delete(context.Background(), bucket, "dir/sub/y.txt"); err != nil {
		t.Fatal(err)
	}
	putText(t, bucket, "dir/z.txt", "added since")

	h, q := newTransferHarnessAt(t, Location{Bucket: bucket}, transfer.Options{})
	b := h.w.browser
	h.ui(func() { b.setHistory(historyMode{at: moment}) })
	v := h.waitDone("")
	dest := t.TempDir()
	h.ui(func() {
		fyne.CurrentApp().Preferences().SetString(prefDownloadDir, dest)
		b.selectOnly(v.index("dir/"))
	})
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyD)
	s := allDone(t, q, 2)
	if len(s.Jobs) != 2 {
		t.Errorf("%d downloads, want x.txt and sub/y.txt only", len(s.Jobs))
	}
	for rel, want := range map[string]string{"dir/x.txt": "x then", "dir/sub/y.txt": "y then"} {
		got, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(rel)))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", rel, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, "dir", "z.txt")); err == nil {
		t.Error("z.txt, added after the moment, was downloaded")
	}
}
