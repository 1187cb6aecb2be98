package ui

import (
	"bytes"
	"context"
	"crypto/md5"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/haul-app/haul/store"
)

func TestOlderThan(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	ups := []unfinishedUpload{
		{MultipartUpload: store.MultipartUpload{Key: "old", Initiated: now.Add(-10 * 24 * time.Hour)}},
		{MultipartUpload: store.MultipartUpload{Key: "new", Initiated: now.Add(-time.Hour)}},
	}
	if got := olderThan(ups, 7, now); len(got) != 1 || got[0].Key != "old" {
		t.Errorf("older than 7 days = %+v", got)
	}
	if got := olderThan(ups, 0, now); len(got) != 2 {
		t.Errorf("older than 0 days = %d uploads", len(got))
	}
}

func TestUnfinishedUploadsListAndAbort(t *testing.T) {
	ctx := context.Background()
	bucket := "haul-ui-unfinished"
	if err := testClient.CreateBucket(ctx, bucket, store.Private); err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("p"), 5<<20)
	sum := md5.Sum(part)
	for _, key := range []string{"left/behind-1.bin", "left/behind-2.bin"} {
		id, err := testClient.CreateMultipart(ctx, bucket, key, store.UploadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := testClient.UploadPart(ctx, bucket, key, id, 1, bytes.NewReader(part), int64(len(part)), sum[:]); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	var v *unfinishedView
	h.ui(func() {
		v = &unfinishedView{dlg: h.w.dlg, r: h.w.remote, bucket: bucket, picked: map[string]bool{}}
		v.build()
		v.reloadAsync("")
	})
	h.eventually("the uploads", func() bool { return len(v.ups) == 2 })
	status := get(h, func() string { return v.status.Text })
	if status != "2 unfinished uploads holding 10 MB." {
		t.Errorf("status = %q", status)
	}
	for _, u := range v.ups {
		if u.parts != 1 || u.bytes != 5<<20 || u.err != nil {
			t.Errorf("%s: %d parts, %d bytes, %v", u.Key, u.parts, u.bytes, u.err)
		}
	}
	// "Abort all older than 0 days" asks first, then aborts both.
	h.ui(func() { v.days.SetText("0") })
	time.Sleep(1100 * time.Millisecond) // started more than 0 days ago
	h.ui(func() { v.confirmAbort(olderThan(v.ups, 0, time.Now())) })
	// Enter and Escape do not abort: only a click on the named button does.
	h.waitSee("Abort 2 uploads")
	h.press(0, fyne.KeyReturn)
	if h.button("Abort 2 uploads") == nil || len(mustUploads(t, bucket)) != 2 {
		t.Fatal("Enter answered the question or aborted uploads")
	}
	h.press(0, fyne.KeyEscape)
	h.waitFor("the question closed", func() bool { return h.button("Abort 2 uploads") == nil })
	if n := len(mustUploads(t, bucket)); n != 2 {
		t.Fatalf("Escape left %d uploads, want 2", n)
	}
	h.ui(func() { v.confirmAbort(olderThan(v.ups, 0, time.Now())) })
	h.tapDialogButton("Abort 2 uploads")
	h.eventually("the aborts", func() bool { return v.status.Text == "Aborted 2 uploads. No unfinished uploads in this bucket." })
	left, err := testClient.MultipartUploads(ctx, bucket, "")
	if err != nil || len(left) != 0 {
		t.Errorf("after abort: %d uploads left (%v)", len(left), err)
	}
}

func mustUploads(t *testing.T, bucket string) []store.MultipartUpload {
	t.Helper()
	ups, err := testClient.MultipartUploads(context.Background(), bucket, "")
	if err != nil {
		t.Fatal(err)
	}
	return ups
}
