package ui

import (
	"bytes"
	"context"
	"crypto/md5"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

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
