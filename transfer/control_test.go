package transfer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

// progressOf returns what a job has recorded so far (a copy).
func progressOf(q *Queue, id JobID) (uploadID string, parts []store.Part, ranges []int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.byID[id]
	if j.up != nil {
		return j.up.UploadID, slices.Clone(j.up.Parts), nil
	}
	return "", nil, slices.Clone(j.down.Ranges)
}

// TestPauseResumeUpload pauses an upload after four parts and resumes it:
// the same upload ID is continued and no finished part is sent again.
func TestPauseResumeUpload(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "f")
	sum := writeRandom(t, local, 50<<20, 21)
	release := stallAfter(t, e.proxy, "UploadPart", 4)
	id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: "f"})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, "four parts", func() bool { _, parts, _ := progressOf(q, id); return len(parts) >= 4 })
	if err := q.Pause(id); err != nil {
		t.Fatal(err)
	}
	if st := wait(t, q, id); st.State != Paused {
		t.Fatalf("after Pause the job is %v (%v)", st.State, st.Err)
	}
	uploadID, parts, _ := progressOf(q, id)
	if uploadID == "" {
		t.Fatal("the paused upload lost its upload ID")
	}
	if recs := readJournal(t, q.opt.JournalDir); len(recs) != 1 || recs[0].Upload.UploadID != uploadID {
		t.Fatalf("journal of the paused upload: %+v", recs)
	}
	release()
	e.proxy.Reset()
	if err := q.Resume(id); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	sent := e.proxy.PartsSent(uploadID)
	for _, p := range parts {
		if slices.Contains(sent, int(p.Number)) {
			t.Errorf("part %d was done before the pause but sent again (%v)", p.Number, sent)
		}
	}
	if n := e.proxy.Count("CreateMultipartUpload"); n != 0 {
		t.Errorf("Resume started %d new uploads", n)
	}
	if got := objectSHA256(t, e.c, e.bucket, "f"); got != sum {
		t.Errorf("object SHA-256 %s, want %s", got, sum)
	}
}

// TestPauseResumeDownload pauses a download after four ranges and resumes
// it without fetching them again.
func TestPauseResumeDownload(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "f")
	sum := writeRandom(t, local, 50<<20, 22)
	upload(t, q, e.bucket, local, "f")
	release := stallAfter(t, e.proxy, "GetObject", 4)
	target := filepath.Join(t.TempDir(), "f")
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, "four ranges", func() bool { _, _, r := progressOf(q, id); return len(r) >= 4 })
	q.PauseAll()
	if st := wait(t, q, id); st.State != Paused {
		t.Fatalf("after PauseAll the job is %v (%v)", st.State, st.Err)
	}
	_, _, ranges := progressOf(q, id)
	release()
	e.proxy.Reset()
	q.ResumeAll()
	waitDone(t, q, id)
	for _, r := range e.proxy.Requests() {
		if r.Op == "GetObject" {
			from, _ := parseRange(t, r.Header.Get("Range"))
			if slices.Contains(ranges, int(from/testPart)) {
				t.Errorf("range at %d was done before the pause but fetched again", from)
			}
		}
	}
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
}

// TestCancelUpload cancels a multipart upload midway: no unfinished upload
// is left on the server, nor the job in the journal.
func TestCancelUpload(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "f")
	writeRandom(t, local, 30<<20, 23)
	stallAfter(t, e.proxy, "UploadPart", 2)
	id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: "f"})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, "two parts", func() bool { _, parts, _ := progressOf(q, id); return len(parts) >= 2 })
	ctx := context.Background()
	if ups, _ := e.c.MultipartUploads(ctx, e.bucket, ""); len(ups) != 1 {
		t.Fatalf("%d unfinished uploads before Cancel, want 1", len(ups))
	}
	if err := q.Cancel(id); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	if st := wait(t, q, id); st.State != Canceled {
		t.Errorf("after Cancel the job is %v", st.State)
	}
	if ups, err := e.c.MultipartUploads(ctx, e.bucket, ""); err != nil || len(ups) != 0 {
		t.Errorf("unfinished uploads after Cancel: %v (%v)", ups, err)
	}
	if recs := readJournal(t, q.opt.JournalDir); len(recs) != 0 {
		t.Errorf("the journal still holds %d jobs", len(recs))
	}
	if err := q.Resume(id); !errors.Is(err, ErrFinished) {
		t.Errorf("Resume of a canceled job = %v, want ErrFinished", err)
	}
	q.ClearFinished()
	if _, err := q.Wait(ctx, id); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("Wait after ClearFinished = %v, want ErrUnknownJob", err)
	}
}

// TestCancelDownload cancels a download midway, and a paused one: no
// partial file is left, nor the job in the journal.
func TestCancelDownload(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "f")
	writeRandom(t, local, 30<<20, 24)
	upload(t, q, e.bucket, local, "f")
	stallAfter(t, e.proxy, "GetObject", 2)
	dir := t.TempDir()
	target := filepath.Join(dir, "f")
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, "two ranges", func() bool { _, _, r := progressOf(q, id); return len(r) >= 2 })
	if _, err := os.Stat(tempPath(target)); err != nil {
		t.Fatalf("no partial file midway: %v", err)
	}
	if err := q.Cancel(id); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	paused, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: filepath.Join(dir, "g")})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Pause(paused); err != nil {
		t.Fatal(err)
	}
	wait(t, q, paused)
	if err := q.Cancel(paused); err != nil {
		t.Fatalf("Cancel of a paused job: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, de := range entries {
		t.Errorf("left in the download folder after Cancel: %s", de.Name())
	}
	if recs := readJournal(t, q.opt.JournalDir); len(recs) != 0 {
		t.Errorf("the journal still holds %d jobs", len(recs))
	}
}

// fullDisk is a partial file on a disk with room for a few more bytes.
type fullDisk struct {
	partialFile
	room *atomic.Int64
}

func (f fullDisk) WriteAt(p []byte, off int64) (int, error) {
	if f.room.Add(-int64(len(p))) < 0 {
		return 0, &fs.PathError{Op: "write", Path: "partial", Err: syscall.ENOSPC}
	}
	return f.partialFile.WriteAt(p, off)
}

// TestDiskFull fills the disk in the middle of a download: the job fails
// with ErrDiskFull and keeps its partial file and finished ranges; once
// there is room again, Retry fetches only the rest.
func TestDiskFull(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	o := testOptions(t)
	o.PartsPerFile = 1
	q := e.queue(t, o)
	local := filepath.Join(t.TempDir(), "f")
	sum := writeRandom(t, local, 30<<20, 25)
	upload(t, q, e.bucket, local, "f")

	room := new(atomic.Int64)
	room.Store(12 << 20) // two ranges and a bit
	q.openFile = func(name string) (partialFile, error) {
		f, err := openPartial(name)
		if err != nil {
			return nil, err
		}
		return fullDisk{f, room}, nil
	}
	target := filepath.Join(t.TempDir(), "f")
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target})
	if err != nil {
		t.Fatal(err)
	}
	st := wait(t, q, id)
	if st.State != Failed || !errors.Is(st.Err, ErrDiskFull) || !errors.Is(st.Err, syscall.ENOSPC) {
		t.Fatalf("on a full disk the job is %v: %v; want Failed with ErrDiskFull", st.State, st.Err)
	}
	if _, err := os.Stat(tempPath(target)); err != nil {
		t.Errorf("the partial file is gone: %v", err)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("the target exists after the failure: %v", err)
	}
	_, _, ranges := progressOf(q, id)
	if !slices.Equal(ranges, []int{0, 1}) {
		t.Fatalf("finished ranges %v, want [0 1]", ranges)
	}
	if recs := readJournal(t, o.JournalDir); len(recs) != 1 || !slices.Equal(recs[0].Download.Ranges, ranges) {
		t.Fatalf("journal after the failure: %+v", recs)
	}

	q.mu.Lock()
	q.openFile = openPartial // space freed
	q.mu.Unlock()
	e.proxy.Reset()
	if err := q.Retry(id); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	for _, r := range e.proxy.Requests() {
		if r.Op == "GetObject" {
			if from, _ := parseRange(t, r.Header.Get("Range")); from < 2*testPart {
				t.Errorf("after the retry fetched from %d again", from)
			}
		}
	}
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
}

// TestFileChangedDuringUpload changes a file between its parts: the job
// fails with ErrChanged, and Retry uploads the new content from the start.
func TestFileChangedDuringUpload(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "f")
	writeRandom(t, local, 30<<20, 26)
	release := stallAfter(t, e.proxy, "UploadPart", 2)
	id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: "f"})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, "two parts", func() bool { _, parts, _ := progressOf(q, id); return len(parts) >= 2 })
	first, _, _ := progressOf(q, id)
	later := time.Now().Add(time.Hour)
	f, err := os.OpenFile(local, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("more"))
	f.Close()
	os.Chtimes(local, later, later)
	release()
	st := wait(t, q, id)
	if st.State != Failed || !errors.Is(st.Err, ErrChanged) {
		t.Fatalf("after the file changed the job is %v: %v; want Failed with ErrChanged", st.State, st.Err)
	}
	sum := fileSHA256(t, local)
	if err := q.Retry(id); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	if got := objectSHA256(t, e.c, e.bucket, "f"); got != sum {
		t.Errorf("object SHA-256 %s, want the new content's %s", got, sum)
	}
	if ids := uploadIDs(e.proxy); len(ids) != 2 || ids[0] != first {
		t.Errorf("uploads %v: want %s, then a new one", ids, first)
	}
	poll(t, "the first upload aborted", func() bool {
		ups, err := e.c.MultipartUploads(context.Background(), e.bucket, "")
		return err == nil && len(ups) == 0
	})
}

// TestMoveToFront runs one file at a time and moves the last queued job to
// the front: it runs next.
func TestMoveToFront(t *testing.T) {
	e := newEnv(t)
	o := testOptions(t)
	o.FilesAtOnce = 1
	q := e.queue(t, o)
	dir := t.TempDir()
	release := stallAfter(t, e.proxy, "PutObject", 0)
	var ids []JobID
	for i, key := range []string{"a", "b", "c"} {
		local := filepath.Join(dir, key)
		writeRandom(t, local, 1000, uint64(30+i))
		id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := q.MoveToFront(ids[2]); err != nil {
		t.Fatal(err)
	}
	s := q.Snapshot()
	if s.Running != 1 || s.Queued != 2 || s.Jobs[0].ID != ids[2] {
		t.Fatalf("after MoveToFront: %d running, %d queued, first %s (%s); want c first", s.Running, s.Queued, s.Jobs[0].Key, s.Jobs[0].State)
	}
	release()
	for _, id := range ids {
		waitDone(t, q, id)
	}
	var order []string
	for _, r := range e.proxy.Requests() {
		if r.Op == "PutObject" && !slices.Contains(order, r.Key) {
			order = append(order, r.Key)
		}
	}
	if !slices.Equal(order, []string{"a", "c", "b"}) {
		t.Errorf("uploaded in order %v, want [a c b]", order)
	}
}

// TestBandwidthLimit caps each direction at 8 MiB/s: 4 MiB cannot take less
// than about 0.4 s (after a burst of 0.8 MiB). Only a lower bound is
// checked, which a slow machine cannot break.
func TestBandwidthLimit(t *testing.T) {
	e := newEnv(t)
	o := testOptions(t)
	o.UploadLimit, o.DownloadLimit = 8<<20, 8<<20
	q := e.queue(t, o)
	local := filepath.Join(t.TempDir(), "f")
	writeRandom(t, local, 4<<20, 27)
	start := time.Now()
	upload(t, q, e.bucket, local, "f")
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Errorf("4 MiB went up in %v at 8 MiB/s", d)
	}
	start = time.Now()
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: filepath.Join(t.TempDir(), "f")})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Errorf("4 MiB came down in %v at 8 MiB/s", d)
	}
	q.SetLimits(0, 0)
	upload(t, q, e.bucket, local, "g")
}
