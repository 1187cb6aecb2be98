package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// dialogEntry is the n-th entry of the top dialog.
func (h *harness) dialogEntry(n int) *widget.Entry {
	h.t.Helper()
	var e *widget.Entry
	h.eventually("an entry in a dialog", func() bool {
		top := h.w.win.Canvas().Overlays().Top()
		if top == nil {
			return false
		}
		i := 0
		for _, o := range test.LaidOutObjects(top) {
			en, ok := o.(*widget.Entry)
			if esc, isEsc := o.(*escEntry); isEsc {
				en, ok = &esc.Entry, true
			}
			if ok {
				if i == n {
					e = en
					return true
				}
				i++
			}
		}
		return false
	})
	return e
}

func bucketNames(t *testing.T) []string {
	t.Helper()
	bs, err := testClient.Buckets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range bs {
		out = append(out, b.Name+":"+b.Visibility.String())
	}
	return out
}

func TestNewBucketChecksTheNameAsTyped(t *testing.T) {
	h := newHarness(t, testClient, Location{})
	h.eventually("buckets", func() bool { return len(h.w.sidebar.buckets) > 0 })
	h.tapIcon(theme.ContentAddIcon())
	name := h.dialogEntry(0)
	h.ui(func() { test.Type(name, "ab") })
	if txt := h.overlayText(); !strings.Contains(txt, "at least 6 characters") {
		t.Errorf("short name: dialog says %q", txt)
	}
	h.ui(func() { name.SetText("b2-reserved"); name.OnChanged(name.Text) })
	if txt := h.overlayText(); !strings.Contains(txt, "reserved") {
		t.Errorf("b2- name: dialog says %q", txt)
	}
	h.ui(func() {
		name.SetText("haul-ui-made-public")
		name.OnChanged(name.Text)
		for _, o := range test.LaidOutObjects(h.w.win.Canvas().Overlays().Top()) {
			if r, ok := o.(*widget.RadioGroup); ok {
				r.SetSelected("Public")
			}
		}
	})
	h.tapDialogButton("Create")
	h.eventually("the new bucket listed", func() bool {
		return slices.ContainsFunc(h.w.sidebar.buckets, func(b store.Bucket) bool { return b.Name == "haul-ui-made-public" })
	})
	if !slices.Contains(bucketNames(t), "haul-ui-made-public:public") {
		t.Errorf("buckets = %v", bucketNames(t))
	}
	h.waitDone("")
	if got := get(h, func() string { return h.w.browser.loc.Bucket }); got != "haul-ui-made-public" {
		t.Errorf("opened %q", got)
	}

	// And back to private, after saying what that means.
	h.tapIcon(theme.VisibilityIcon())
	h.tapDialogButton("Make private")
	h.eventually("private", func() bool { return slices.Contains(bucketNames(t), "haul-ui-made-public:private") })
}

func TestDeleteBucketOffersToEmptyIt(t *testing.T) {
	bucket := newBucket(t, "haul-ui-doomed", store.Private)
	putText(t, bucket, "a.txt", "a")
	putText(t, bucket, "a.txt", "a2")
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	h.tapIcon(theme.DeleteIcon())
	h.tapDialogButton("Delete bucket")
	typed := h.dialogEntry(0) // the "empty this bucket" form
	h.ui(func() { test.Type(typed, bucket) })
	h.tapDialogButton("Empty and delete")
	h.tapDialogButton("OK") // "2 versions deleted, then the bucket…"
	for _, b := range bucketNames(t) {
		if strings.HasPrefix(b, bucket+":") {
			t.Fatalf("bucket still there: %v", bucketNames(t))
		}
	}
}

func TestNewFolderRenameAndDelete(t *testing.T) {
	bucket := newBucket(t, "haul-ui-objects", store.Private)
	putText(t, bucket, "old.txt", "o")
	putText(t, bucket, "dir/x.txt", "x")
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	b := h.w.browser

	h.tapIcon(theme.FolderNewIcon())
	folderName := h.dialogEntry(0)
	if focused := get(h, func() fyne.Focusable { return h.w.win.Canvas().Focused() }); focused != folderName {
		t.Error("the name field does not have the keyboard")
	}
	// Typing the name and Enter creates it.
	h.ui(func() {
		test.Type(folderName, "stuff")
		folderName.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	h.eventually("the new folder", func() bool { return b.view.done && b.view.index("stuff/") >= 0 })
	h.eventually("the new folder in the tree", func() bool { return slices.Contains(h.w.sidebar.children[""], "stuff/") })

	// F2 renames; the old name goes.
	h.ui(func() {
		b.selectOnly(b.view.index("old.txt"))
		h.w.win.Canvas().Focus(b.table)
		b.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF2})
	})
	e := h.dialogEntry(0)
	h.ui(func() { e.SetText("new.txt") })
	h.tapDialogButton("Rename")
	h.eventually("the renamed file", func() bool {
		return b.view.done && b.view.index("new.txt") >= 0 && b.view.index("old.txt") < 0
	})

	// Delete hides a file after asking; it can be undeleted later.
	h.ui(func() {
		b.selectOnly(b.view.index("new.txt"))
		b.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	})
	h.tapDialogButton("Yes")
	h.eventually("new.txt hidden", func() bool { return b.view.done && b.view.index("new.txt") < 0 })
	if pg, err := testClient.KeyVersions(context.Background(), bucket, "new.txt", ""); err != nil || len(pg.Versions) != 2 || !pg.Versions[0].DeleteMarker {
		t.Errorf("new.txt versions after delete: %+v, %v", pg.Versions, err)
	}

	// Shift+Delete on a folder wants its name typed, then deletes every version.
	h.tapRow("dir")
	h.press(fyne.KeyModifierShift, fyne.KeyDelete)
	h.waitSee("for good?")
	h.typeText("dir")
	h.tapDialogButton("Delete for good")
	h.eventually("dir gone", func() bool { return b.view.done && b.view.index("dir/") < 0 })
	if pg, err := testClient.Versions(context.Background(), store.VersionsInput{Bucket: bucket, Prefix: "dir/"}); err != nil || len(pg.Versions) != 0 {
		t.Errorf("dir/ still has %d versions (%v)", len(pg.Versions), err)
	}
}

// TestKeysStayWithTheDialog checks that keys typed while a dialog is up
// answer the dialog and never reach the table behind it: a second Delete
// does not ask again, Escape says No, and Enter says Yes to a question
// whose Yes can be undone (it does not open the folder).
func TestKeysStayWithTheDialog(t *testing.T) {
	ctx := context.Background()
	bucket := newBucket(t, "haul-ui-dialog-keys", store.Private)
	putText(t, bucket, "a.txt", "a")
	putText(t, bucket, "dir/b.txt", "b")
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	b := h.w.browser
	dialogs := func() int { return get(h, func() int { return len(h.w.win.Canvas().Overlays().List()) }) }
	key := func(name fyne.KeyName) { h.ui(func() { b.table.TypedKey(&fyne.KeyEvent{Name: name}) }) }
	h.ui(func() {
		b.selectOnly(b.view.index("dir/"))
		h.w.win.Canvas().Focus(b.table)
	})
	key(fyne.KeyDelete)
	if n := dialogs(); n != 1 {
		t.Fatalf("%d dialogs after Delete, want 1", n)
	}
	if txt := h.overlayText(); !strings.Contains(txt, "the folder “dir”") || !strings.Contains(txt, "bring it back") {
		t.Errorf("question = %q, want it to name the folder", txt)
	}
	key(fyne.KeyDelete)
	h.press(fyne.KeyModifierShift, fyne.KeyDelete)
	if n := dialogs(); n != 1 {
		t.Errorf("%d dialogs after more keys, want still 1", n)
	}
	key(fyne.KeyEscape)
	if n := dialogs(); n != 0 {
		t.Errorf("%d dialogs after Escape, want none", n)
	}
	if _, err := testClient.Head(ctx, bucket, "dir/b.txt", ""); err != nil {
		t.Errorf("dir/b.txt after Escape: %v", err)
	}

	key(fyne.KeyDelete)
	key(fyne.KeyReturn)
	h.eventually("dir/b.txt hidden", func() bool {
		_, err := testClient.Head(ctx, bucket, "dir/b.txt", "")
		return errors.Is(err, store.ErrNotFound)
	})
	if loc := get(h, func() Location { return b.loc }); loc.Prefix != "" {
		t.Errorf("Enter on the question opened %s", loc)
	}
}
