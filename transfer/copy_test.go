package transfer

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
)

// copyOptions make every copy above 6 MiB a copy in 5 MiB parts.
func copyOptions(t testing.TB) Options {
	o := testOptions(t)
	o.CopyThreshold, o.CopyPartSize = 6<<20, testPart
	return o
}

// putVersions uploads one key twice, from two random files, and returns
// the first version's ID and both files' SHA-256.
func putVersions(t *testing.T, e *env, key string, size int64) (oldID, oldSum, newSum string) {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	sums := make([]string, 2)
	for i := range 2 {
		local := filepath.Join(dir, "v"+string(rune('0'+i)))
		sums[i] = writeRandom(t, local, size, uint64(100+i))
		q := e.queue(t, testOptions(t))
		upload(t, q, e.bucket, local, key)
	}
	vs, err := e.c.KeyVersions(ctx, e.bucket, key, "")
	if err != nil || len(vs.Versions) != 2 {
		t.Fatalf("KeyVersions(%s) = %+v, %v; want 2 versions", key, vs, err)
	}
	return vs.Versions[1].VersionID, sums[0], sums[1]
}

// TestCopyJobRestoreSmall restores an old version of a small file with one
// CopyObject, as a queue job.
func TestCopyJobRestoreSmall(t *testing.T) {
	e := newEnv(t)
	const key = "notes/plan v2.txt"
	oldID, oldSum, _ := putVersions(t, e, key, 3000)
	q := e.queue(t, copyOptions(t))
	id, err := q.AddCopy(CopyRequest{Bucket: e.bucket, SrcKey: key, SrcVersionID: oldID, DstKey: key, Size: 3000})
	if err != nil {
		t.Fatal(err)
	}
	st := waitDone(t, q, id)
	if st.Dir != Copy || st.Source != key || st.Key != key || st.VersionID != oldID || st.Done != 3000 || st.Size != 3000 {
		t.Errorf("status = %+v", st)
	}
	if got := objectSHA256(t, e.c, e.bucket, key); got != oldSum {
		t.Errorf("current version after restore = %s, want the old one's %s", got, oldSum)
	}
	if n := e.proxy.Count("CopyObject"); n != 1 {
		t.Errorf("%d CopyObject requests, want 1", n)
	}
	if n := e.proxy.Count("UploadPartCopy"); n != 0 {
		t.Errorf("%d UploadPartCopy requests for a small file, want 0", n)
	}
}

// TestCopyJobLargeMoveSurvivesFailureAndRestart moves a 3-part file: the
// third part fails, the queue is closed and a new one read from the journal
// resumes the copy, copying only the missing part, then hides the old name.
func TestCopyJobLargeMoveSurvivesFailureAndRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const src, dst = "video/raw take 1.mov", "archive/2026/take 1.mov"
	size := int64(2*testPart + 12345)
	local := filepath.Join(t.TempDir(), "take.mov")
	sum := writeRandom(t, local, size, 7)
	upload(t, e.queue(t, testOptions(t)), e.bucket, local, src)
	before, err := e.c.Head(ctx, e.bucket, src, "")
	if err != nil {
		t.Fatal(err)
	}

	// Part 3 fails every time; the client does not retry.
	c := noRetryClient(t, e)
	opt := copyOptions(t)
	opt.PartsPerFile = 1 // parts in order, so that 1 and 2 land first
	q1, _, err := NewQueue(c, opt)
	if err != nil {
		t.Fatal(err)
	}
	e.proxy.Inject(b2proxy.Fault{Op: "UploadPartCopy", Kind: b2proxy.InternalError, Times: b2proxy.Forever, After: 2})
	id, err := q1.AddCopy(CopyRequest{Bucket: e.bucket, SrcKey: src, DstKey: dst, Move: true})
	if err != nil {
		t.Fatal(err)
	}
	st := wait(t, q1, id)
	if st.State != Failed || !errors.Is(st.Err, store.ErrServer) {
		t.Fatalf("with part 3 failing: %+v, want Failed with ErrServer", st)
	}
	if st.Done != 2*testPart || st.Size != size || st.VersionID != before.VersionID {
		t.Errorf("failed copy: done %d of %d, version %q; want %d of %d, pinned %q", st.Done, st.Size, st.VersionID, 2*testPart, size, before.VersionID)
	}
	if err := q1.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readJournal(t, opt.JournalDir)
	if len(recs) != 1 || recs[0].Copy == nil || len(recs[0].Copy.Parts) != 2 || recs[0].Copy.UploadID == "" {
		t.Fatalf("journal = %+v, want the copy with 2 parts", recs)
	}
	uploadID := recs[0].Copy.UploadID
	e.proxy.ClearFaults()

	q2, warning, err := NewQueue(c, opt)
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v, %v", err, warning)
	}
	t.Cleanup(func() { q2.Close() })
	st = q2.Snapshot().Jobs[0]
	if st.ID != id || st.State != Paused || st.Dir != Copy || st.Done != 2*testPart {
		t.Fatalf("after restart: %+v, want the copy paused at 2 parts", st)
	}
	if err := q2.Resume(id); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q2, id)
	if sent := e.proxy.PartsSent(uploadID); !slices.Equal(sent, []int{1, 2, 3, 3}) {
		t.Errorf("parts copied = %v, want 1, 2, 3 (failed), 3 (resumed)", sent)
	}
	if got := objectSHA256(t, e.c, e.bucket, dst); got != sum {
		t.Errorf("copy = %s, want %s", got, sum)
	}
	after, err := e.c.Head(ctx, e.bucket, dst, "")
	if err != nil || after.ContentType != before.ContentType || after.Metadata[store.MetaModified] != before.Metadata[store.MetaModified] {
		t.Errorf("copy's head = %+v, %v; want the type and src_last_modified_millis of %+v", after, err, before)
	}
	if _, err := e.c.Head(ctx, e.bucket, src, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old name after the move: %v, want hidden (ErrNotFound)", err)
	}
	if err := q2.Close(); err != nil {
		t.Fatal(err)
	}
	if len(readJournal(t, opt.JournalDir)) != 0 {
		t.Error("the finished copy is still in the journal")
	}
}

// TestCopyJobCancelAbortsAndVanishedSource checks that canceling a copy in
// parts aborts its upload, and that a source version deleted for good
// meanwhile fails with a sentence, not a broken object.
func TestCopyJobCancelAbortsAndVanishedSource(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const key = "big.bin"
	oldID, _, _ := putVersions(t, e, key, 2*testPart)
	c := noRetryClient(t, e)
	opt := copyOptions(t)
	q, _, err := NewQueue(c, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })

	e.proxy.Inject(b2proxy.Fault{Op: "UploadPartCopy", Kind: b2proxy.InternalError, Times: b2proxy.Forever, After: 1})
	id, err := q.AddCopy(CopyRequest{Bucket: e.bucket, SrcKey: key, SrcVersionID: oldID, DstKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if st := wait(t, q, id); st.State != Failed {
		t.Fatalf("copy = %+v, want Failed", st)
	}
	e.proxy.ClearFaults()
	if ups, err := e.c.MultipartUploads(ctx, e.bucket, ""); err != nil || len(ups) != 1 {
		t.Fatalf("unfinished uploads before cancel = %+v, %v; want 1", ups, err)
	}
	if err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
	if ups, err := e.c.MultipartUploads(ctx, e.bucket, ""); err != nil || len(ups) != 0 {
		t.Errorf("unfinished uploads after cancel = %+v, %v; want none", ups, err)
	}

	// The old version vanishes before the copy starts.
	if err := e.c.DeleteVersion(ctx, e.bucket, key, oldID); err != nil {
		t.Fatal(err)
	}
	id, err = q.AddCopy(CopyRequest{Bucket: e.bucket, SrcKey: key, SrcVersionID: oldID, DstKey: key})
	if err != nil {
		t.Fatal(err)
	}
	st := wait(t, q, id)
	if st.State != Failed || !errors.Is(st.Err, store.ErrNotFound) || !strings.Contains(st.Err.Error(), "source is gone") {
		t.Errorf("copy of a vanished version = %+v, want Failed saying the source is gone", st)
	}
}

// TestAddCopyRefuses checks the requests refused before anything starts.
func TestAddCopyRefuses(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, copyOptions(t))
	for _, r := range []CopyRequest{
		{Bucket: e.bucket, SrcKey: "a", DstKey: "a"},
		{Bucket: e.bucket, SrcKey: "a", SrcVersionID: "v", DstKey: "a", Move: true},
		{Bucket: e.bucket, SrcKey: "a", DstKey: "bad/\x01name"},
		{Bucket: e.bucket, SrcKey: "a", DstKey: strings.Repeat("x", 1025)},
	} {
		if _, err := q.AddCopy(r); !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("AddCopy(%+v) = %v, want ErrInvalidName", r, err)
		}
	}
	if _, err := q.AddCopy(CopyRequest{Bucket: e.bucket, DstKey: "b"}); err == nil {
		t.Error("AddCopy without a source was accepted")
	}
	if n := len(q.Snapshot().Jobs); n != 0 {
		t.Errorf("%d jobs queued by refused requests", n)
	}
}

// noRetryClient is a client of e's proxy that makes one attempt per request.
func noRetryClient(t *testing.T, e *env) *store.Client {
	t.Helper()
	c, err := store.NewClient(store.Config{
		Endpoint: e.proxy.URL, Region: e.srv.Region, KeyID: e.srv.AccessKey, Key: e.srv.SecretKey, MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
