package transfer

import (
	"context"
	"crypto/md5"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/haul-app/haul/store"
)

// TestResumeAfterUploadGone pauses an upload, aborts it behind the queue's
// back (as a cleanup in another tool would), and resumes: the job starts a
// new upload and completes.
func TestResumeAfterUploadGone(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "f")
	sum := writeRandom(t, local, 4*testPart, 60)
	release := stallAfter(t, e.proxy, "UploadPart", 2)
	id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: "f"})
	must(t, err)
	poll(t, "two parts", func() bool { _, parts, _ := progressOf(q, id); return len(parts) >= 2 })
	must(t, q.Pause(id))
	wait(t, q, id)
	release()
	old, _, _ := progressOf(q, id)
	must(t, e.c.AbortMultipart(context.Background(), e.bucket, "f", old))
	must(t, q.Resume(id))
	waitDone(t, q, id)
	if ids := uploadIDs(e.proxy); len(ids) != 2 || ids[0] != old {
		t.Errorf("uploads %v: want %s, then a new one", ids, old)
	}
	if got := objectSHA256(t, e.c, e.bucket, "f"); got != sum {
		t.Errorf("object SHA-256 %s, want %s", got, sum)
	}
}

// TestResumeAfterCompleteCrash journals an upload whose completion reached
// the server but not the journal: Resume finds the upload gone, sees that
// the object is the one its parts make, and is done without sending
// anything.
func TestResumeAfterCompleteCrash(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	local := filepath.Join(t.TempDir(), "f")
	writeRandom(t, local, 3*testPart+5, 61)
	fi, err := os.Stat(local)
	must(t, err)
	f, err := os.Open(local)
	must(t, err)
	defer f.Close()
	id, err := e.c.CreateMultipart(ctx, e.bucket, "f", store.UploadOptions{})
	must(t, err)
	var parts []store.Part
	for i := range partCount(fi.Size(), testPart) {
		off, n := pieceAt(i, fi.Size(), testPart)
		h := md5.New()
		_, err := io.Copy(h, io.NewSectionReader(f, off, n))
		must(t, err)
		etag, err := e.c.UploadPart(ctx, e.bucket, "f", id, int32(i+1), io.NewSectionReader(f, off, n), n, h.Sum(nil))
		must(t, err)
		parts = append(parts, store.Part{Number: int32(i + 1), ETag: etag, Size: n})
	}
	_, err = e.c.CompleteMultipart(ctx, e.bucket, "f", id, parts)
	must(t, err)

	o := testOptions(t)
	writeJournal(t, o.JournalDir, []record{{ID: "0123456789abcdef", Upload: &upState{
		Local: local, Bucket: e.bucket, Key: "f", Size: fi.Size(), ModTime: fi.ModTime(),
		UploadID: id, PartSize: testPart, Parts: parts,
	}}})
	q := e.queue(t, o)
	e.proxy.Reset()
	must(t, q.Resume("0123456789abcdef"))
	waitDone(t, q, "0123456789abcdef")
	for _, op := range []string{"UploadPart", "CreateMultipartUpload", "PutObject", "CompleteMultipartUpload"} {
		if n := e.proxy.Count(op); n != 0 {
			t.Errorf("%d %s requests for an upload that was already complete", n, op)
		}
	}
}
