package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/s3test"
	"github.com/haul-app/haul/store/sandbox"
)

// tapCheck taps the visible check box showing label.
func (h *harness) tapCheck(label string) {
	h.t.Helper()
	var found *widget.Check
	h.ui(func() {
		for _, o := range visibleObjects(h.w.win.Canvas()) {
			if c, ok := o.(*widget.Check); ok && c.Text == label {
				found = c
			}
		}
	})
	if found == nil {
		h.t.Fatalf("no check box %q on screen; the screen shows %q", label, h.screenText())
	}
	h.ui(func() { test.Tap(found) })
}

// TestEmptyPlacesSayWhatComesNext opens an empty bucket, a bucket and a folder
// that hold only deleted files, and a filter that matches nothing: each
// says why nothing shows and what to do about it.
func TestEmptyPlacesSayWhatComesNext(t *testing.T) {
	stamp := time.Now().UnixNano() % 1e9
	empty := newBucket(t, fmt.Sprintf("haul-ui-empty-%d", stamp), store.Private)
	h := newHarness(t, testClient, Location{Bucket: empty})
	h.waitDone("")
	h.waitSee("This bucket is empty. Drop files here, or use Upload (Ctrl+U) or the new folder button.")

	// Two buckets: the test server keeps a folder whose files are all
	// deleted as a listed folder (B2 would not), so a bucket whose root
	// holds only deleted files has no folder.
	deleted := newBucket(t, fmt.Sprintf("haul-ui-deleted-%d", stamp), store.Private)
	inFolder := newBucket(t, fmt.Sprintf("haul-ui-deleted-in-%d", stamp), store.Private)
	for _, f := range []struct{ bucket, key string }{{deleted, "a.txt"}, {inFolder, "old/a.txt"}} {
		putText(t, f.bucket, f.key, "gone soon")
		if err := testClient.Delete(t.Context(), f.bucket, f.key); err != nil {
			t.Fatal(err)
		}
	}
	goTo := func(loc string) {
		h.press(fyne.KeyModifierShortcutDefault, fyne.KeyL)
		h.typeText(loc)
		h.press(0, fyne.KeyReturn)
	}
	goTo("b2://" + deleted + "/")
	h.waitDone("")
	h.waitSee("This bucket holds only deleted files: tick Show deleted (below) to see them and bring them back.")
	goTo("b2://" + inFolder + "/old/")
	h.waitDone("old/")
	h.waitSee("This folder holds only deleted files: tick Show deleted (below) to see them and bring them back.")
	// Doing as told shows the file.
	h.tapCheck("Show deleted")
	h.waitFor("the deleted file", func() bool {
		names := h.names()
		return len(names) == 1 && names[0] == "a.txt"
	})
	h.tapCheck("Show deleted")

	goTo("b2://" + sandbox.PrivateBucket + "/")
	h.waitDone("")
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyF)
	h.typeText("zzz")
	h.waitSee("Nothing in this bucket matches “zzz”. Clear the filter to see all 5 items.")
}

// TestAccountWithoutBucketsSaysMakeOne connects to a fresh server that has
// no bucket at all.
func TestAccountWithoutBucketsSaysMakeOne(t *testing.T) {
	srv := s3test.Start(t)
	c, err := store.NewClient(store.Config{Endpoint: srv.Endpoint, Region: srv.Region, KeyID: srv.AccessKey, Key: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	h := newHarness(t, c, Location{})
	h.waitSee("No buckets yet: make one with + above.")
	h.waitSee("This account has no buckets yet. Make one with the + button beside Buckets, on the left.")
}
