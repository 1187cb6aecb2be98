package ui

import (
	"bytes"
	"context"
	"crypto/md5"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// careBucket builds a bucket whose storage the test knows: a.txt with an
// older version, dir/b.txt hidden (one version under a delete marker),
// dir/c.txt current, and an unfinished upload of one 1,000-byte part.
func careBucket(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	bucket := newBucket(t, name, store.Private)
	putText(t, bucket, "a.txt", "one")
	putText(t, bucket, "a.txt", "second")
	putText(t, bucket, "dir/b.txt", "bee")
	if err := testClient.Delete(ctx, bucket, "dir/b.txt"); err != nil {
		t.Fatal(err)
	}
	putText(t, bucket, "dir/c.txt", "sea!")
	part := bytes.Repeat([]byte("u"), 1000)
	sum := md5.Sum(part)
	id, err := testClient.CreateMultipart(ctx, bucket, "dir/big.bin", store.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testClient.UploadPart(ctx, bucket, "dir/big.bin", id, 1, bytes.NewReader(part), int64(len(part)), sum[:]); err != nil {
		t.Fatal(err)
	}
	return bucket
}

// TestStorageReportAndCleanup opens Bucket care from its button, reads the
// report as drawn, then deletes the hidden file for good: a preview first,
// then the count typed. Enter, a wrong count and a disabled button get
// nothing past, and the server shows that only the hidden file went.
func TestStorageReportAndCleanup(t *testing.T) {
	bucket := careBucket(t, "haul-ui-care")
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	h.tapButton("Bucket care…")
	h.waitSee("Complete:")
	for _, want := range []string{
		"Current versions 2 10 B",
		"Older versions 1 3 B",
		"Hidden files 1 (1 version) 3 B",
		"Unfinished uploads 1 1.0 kB",
		"In all: 1.0 kB",
	} {
		if !h.sees(want) {
			t.Errorf("the report does not show %q; it shows %q", want, h.screenText())
		}
	}
	if !h.sees("dir/") || !h.sees("(files in this folder)") {
		t.Errorf("subfolders missing: %q", h.screenText())
	}

	// Ask for hidden files of any age: the preview removes nothing.
	h.tapButton("Delete hidden…")
	h.press(fyne.KeyModifierControl, fyne.KeyA)
	h.typeText("0")
	h.press(0, fyne.KeyReturn) // Enter previews
	h.waitSee("2 versions would go from b2://haul-ui-care/")
	if n := versionCount(t, bucket, "dir/b.txt"); n != 2 {
		t.Fatalf("after the preview dir/b.txt has %d versions and markers, want 2", n)
	}
	h.press(0, fyne.KeyReturn) // Enter does not go on from the preview
	if !h.sees("Preview: hidden files") {
		t.Fatalf("Enter left the preview: %q", h.screenText())
	}
	h.tapButton("Delete 2 versions…")
	h.waitSee("Type delete 2 to confirm")
	h.press(0, fyne.KeyReturn)
	h.typeText("delete 3")
	h.press(0, fyne.KeyReturn)
	if h.tapButton("Delete for good") {
		t.Fatal("Delete for good was enabled with a wrong count typed")
	}
	if n := versionCount(t, bucket, "dir/b.txt"); n != 2 {
		t.Fatalf("a wrong count deleted: dir/b.txt has %d versions and markers", n)
	}
	h.press(fyne.KeyModifierControl, fyne.KeyA)
	h.typeText("delete 2")
	if !h.tapButton("Delete for good") {
		t.Fatal("Delete for good stayed disabled with the count typed")
	}
	h.waitSee("Deleted 2 versions (3 B).")
	if n := versionCount(t, bucket, "dir/b.txt"); n != 0 {
		t.Errorf("dir/b.txt still has %d versions and markers", n)
	}
	for key, want := range map[string]int{"a.txt": 2, "dir/c.txt": 1} {
		if n := versionCount(t, bucket, key); n != want {
			t.Errorf("%s has %d versions, want %d: the cleanup touched it", key, n, want)
		}
	}
	ups, err := testClient.MultipartUploads(context.Background(), bucket, "")
	if err != nil || len(ups) != 1 {
		t.Errorf("unfinished uploads after the cleanup: %d, %v", len(ups), err)
	}
	h.tapDialogButton("OK")
	h.waitFor("the report again without hidden files", func() bool {
		return h.sees("Complete:") && h.sees("Hidden files 0 0 B")
	})
	if strings.Contains(strings.Join(h.screenText(), " "), "Deleted 2 versions") {
		t.Error("the result stayed on screen after OK")
	}
}

// tapTab taps the tab (or pop-up menu item) showing label, as a person
// clicks it.
func (h *harness) tapTab(label string) {
	h.t.Helper()
	var tab fyne.Tappable
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			tp, ok := o.(fyne.Tappable)
			w, isWidget := o.(fyne.Widget)
			if !ok || !isWidget {
				continue
			}
			if _, isButton := o.(*widget.Button); isButton {
				continue
			}
			for _, c := range test.LaidOutObjects(w) {
				if t, ok := c.(*canvas.Text); ok && t.Text == label {
					tab = tp
				}
			}
		}
	})
	if tab == nil {
		h.t.Fatalf("no tab %q on screen; the screen shows %q", label, h.screenText())
	}
	h.ui(func() { test.Tap(tab) })
}

// tapEntry taps the n-th field on screen showing placeholder (while
// empty), a plain Entry or Haul's escEntry, which gives it the keyboard.
func (h *harness) tapEntry(placeholder string, n int) {
	h.t.Helper()
	type field interface {
		fyne.Tappable
		fyne.Focusable
	}
	var found []field
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			switch e := o.(type) {
			case *widget.Entry:
				if e.PlaceHolder == placeholder {
					found = append(found, e)
				}
			case *escEntry:
				if e.PlaceHolder == placeholder {
					found = append(found, e)
				}
			}
		}
	})
	if n >= len(found) {
		h.t.Fatalf("%d fields with %q on screen, want at least %d", len(found), placeholder, n+1)
	}
	// Fyne's test driver finds no canvas for a field inside a dialog, so
	// the tap cannot ask for the keyboard there; the canvas gives it, as
	// the desktop driver does on a click.
	h.ui(func() {
		test.Tap(found[n])
		h.w.win.Canvas().Focus(found[n])
	})
}

// TestLifecycleRulesEditAndSave edits a bucket's rules through the care
// screen against the B2 behaviour proxy, which keeps them as B2 does:
// overlapping prefixes are refused before anything is sent, Enter does
// not save, and the rules saved are the ones on screen.
func TestLifecycleRulesEditAndSave(t *testing.T) {
	c, _ := proxiedClient(t)
	bucket := newBucket(t, "haul-ui-rules", store.Private)
	h := newHarness(t, c, Location{Bucket: bucket})
	h.waitDone("")
	h.tapButton("Bucket care…")
	h.tapTab("Lifecycle rules")
	h.waitSee("No rules: B2 keeps every version")

	h.tapButton("Keep only the last version")
	h.waitSee("keeps only the current version")
	h.tapButton("Add a rule")
	h.tapEntry("empty: the whole bucket", 1)
	h.typeText("logs/")
	h.tapEntry("off", 4) // the second rule's days to delete after
	h.typeText("7")
	h.waitSee("B2 would refuse these rules")
	if !h.sees("overlaps") {
		t.Errorf("no reason for the refusal: %q", h.screenText())
	}
	if h.tapButton("Save rules…") {
		t.Fatal("Save was enabled with overlapping rules")
	}

	// The first rule for old/ only: no overlap left.
	h.tapEntry("empty: the whole bucket", 0)
	h.typeText("old/")
	h.waitFor("the refusal gone", func() bool { return !h.sees("B2 would refuse") })
	if !h.tapButton("Save rules…") {
		t.Fatal("Save stayed disabled")
	}
	h.waitSee("Save the lifecycle rules of haul-ui-rules?")
	h.press(0, fyne.KeyReturn) // only a click saves
	if rules, err := c.LifecycleRules(context.Background(), bucket); err != nil || len(rules) != 0 {
		t.Fatalf("Enter saved %v (%v)", rules, err)
	}
	h.tapDialogButton("Save rules")
	h.waitSee("Saved. B2 applies lifecycle rules")
	rules, err := c.LifecycleRules(context.Background(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.LifecycleRule{{Prefix: "logs/", DaysFromHidingToDeleting: 7}, {Prefix: "old/", DaysFromHidingToDeleting: 1}}
	slices.SortFunc(rules, func(a, b store.LifecycleRule) int { return strings.Compare(a.Prefix, b.Prefix) })
	if !slices.Equal(rules, want) {
		t.Errorf("B2 has %+v, want %+v", rules, want)
	}
}

// tapIconIn taps the visible button showing only icon inside o.
func (h *harness) tapIconIn(o fyne.CanvasObject, icon fyne.Resource) {
	h.t.Helper()
	var found []*widget.Button
	h.ui(func() {
		for _, c := range test.LaidOutObjects(o) {
			if b, ok := c.(*widget.Button); ok && c.Visible() && b.Text == "" && b.Icon != nil && b.Icon.Name() == icon.Name() {
				found = append(found, b)
			}
		}
	})
	if len(found) != 1 {
		h.t.Fatalf("%d buttons with the icon %s, want 1", len(found), icon.Name())
	}
	h.ui(func() { test.Tap(found[0]) })
}

// choose picks option in the select showing now, through its pop-up.
func (h *harness) choose(now, option string) {
	h.t.Helper()
	var sel *widget.Select
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if s, ok := o.(*widget.Select); ok && s.Selected == now {
				sel = s
			}
		}
	})
	if sel == nil {
		h.t.Fatalf("no choice showing %q; the screen shows %q", now, h.screenText())
	}
	h.ui(func() { test.Tap(sel) })
	h.tapTab(option)
}

// TestObjectLockDefaultAndVersion sets a locked bucket's default retention
// from Bucket care and retains one version in compliance mode from the
// version panel, trying Enter and a wrong name first; the version then
// says why it cannot be deleted, and stays on the server.
func TestObjectLockDefaultAndVersion(t *testing.T) {
	ctx := context.Background()
	bucket := "haul-ui-locked"
	if err := testClient.CreateLockedBucket(ctx, bucket, store.Private); err != nil {
		t.Fatal(err)
	}
	putText(t, bucket, "f.txt", "keep me")
	h := newHarness(t, testClient, Location{Bucket: bucket, Key: "f.txt"})
	h.waitDone("")
	h.tapButton("Bucket care…")
	h.tapTab("Object Lock")
	h.waitSee("Object Lock is on for haul-ui-locked")
	h.choose("None", "Governance")
	h.tapEntry("how long", 0)
	h.typeText("2")
	h.tapButton("Save default…")
	h.waitSee("Change the default retention?")
	h.press(0, fyne.KeyReturn) // only a click saves
	if l, err := testClient.ObjectLock(ctx, bucket); err != nil || l.Default.Mode != store.NoRetention {
		t.Fatalf("Enter saved the default: %+v, %v", l, err)
	}
	h.tapDialogButton("Save default")
	h.waitSee("Saved. New files are retained in governance mode for 2 days.")
	if l, err := testClient.ObjectLock(ctx, bucket); err != nil || l.Default != (store.DefaultRetention{Mode: store.Governance, Days: 2}) {
		t.Errorf("the bucket's default is %+v, %v", l.Default, err)
	}
	h.tapDialogButton("Close")

	// The version: retained in compliance mode until the day after next.
	h.waitFor("the version listed", func() bool { return get(h, func() int { return len(h.w.versions.versions) }) == 1 })
	h.tapIconIn(h.w.versions.content, lockIcon)
	h.waitSee("This version has no retention in force")
	h.choose("Governance", "Compliance")
	until := time.Now().Add(48 * time.Hour).Format("2006-01-02")
	h.tapEntry("YYYY-MM-DD", 0)
	h.typeText(until)
	h.tapDialogButton("Apply…")
	h.waitSee("Type f.txt to confirm")
	h.press(0, fyne.KeyReturn)
	h.typeText("f.tx")
	if h.tapButton("Retain") {
		t.Fatal("Retain was enabled with a wrong name")
	}
	if l, _ := testClient.VersionLock(ctx, bucket, "f.txt", ""); l.Mode != store.NoRetention {
		t.Fatalf("retained before the name was typed: %+v", l)
	}
	h.typeText("t")
	h.tapButton("Retain")
	want := "Retained until " + until + " (compliance)"
	h.waitFor("the version's row to say "+want, func() bool {
		return get(h, func() bool {
			for _, o := range test.LaidOutObjects(h.w.versions.list) {
				if l, ok := o.(*widget.Label); ok && l.Visible() && l.Text == want {
					return true
				}
			}
			return false
		})
	})
	info, err := testClient.Head(ctx, bucket, "f.txt", "")
	if err != nil {
		t.Fatal(err)
	}
	if l, err := testClient.VersionLock(ctx, bucket, "f.txt", info.VersionID); err != nil || l.Mode != store.Compliance {
		t.Errorf("the version's lock is %+v, %v", l, err)
	}

	// Deleting it says why not, before trying.
	h.tapIconIn(h.w.versions.content, theme.DeleteIcon())
	h.waitSee("This version cannot be deleted: it is retained in compliance mode")
	if n := versionCount(t, bucket, "f.txt"); n != 1 {
		t.Errorf("f.txt has %d versions after the refused delete", n)
	}
}
