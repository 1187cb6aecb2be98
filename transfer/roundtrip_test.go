package transfer

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

// TestRoundTrip uploads files of awkward sizes under awkward names and
// downloads them back, byte for byte.
func TestRoundTrip(t *testing.T) {
	e := newEnv(t)
	o := testOptions(t)
	q := e.queue(t, o)
	big := int64(200 << 20)
	if testing.Short() {
		big = 40 << 20
	}
	files := []struct {
		key  string
		size int64
	}{
		{"empty file", 0},
		{"one byte.txt", 1},
		{"ünïcödé/日本語 one under a part.bin", testPart - 1},
		{"a+b=c/exactly the threshold.bin", o.Threshold},
		{"three parts and a tail+.bin", 3*testPart + 12345},
		{"big/two hundred MiB.bin", big},
	}
	src, dst := t.TempDir(), t.TempDir()
	sums := map[string]string{}
	mtime := time.Date(2021, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	var ids []JobID
	for i, f := range files {
		local := filepath.Join(src, strconv.Itoa(i))
		sums[f.key] = writeRandom(t, local, f.size, uint64(i+1))
		if err := os.Chtimes(local, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: f.key})
		if err != nil {
			t.Fatalf("AddUpload %q: %v", f.key, err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		waitDone(t, q, id)
	}
	ctx := context.Background()
	for _, f := range files {
		info, err := e.c.Head(ctx, e.bucket, f.key, "")
		if err != nil {
			t.Fatalf("Head %q: %v", f.key, err)
		}
		if info.Size != f.size {
			t.Errorf("%q: stored %d bytes, want %d", f.key, info.Size, f.size)
		}
		if got := info.Metadata[store.MetaModified]; got != strconv.FormatInt(mtime.UnixMilli(), 10) {
			t.Errorf("%q: %s = %q, want %d", f.key, store.MetaModified, got, mtime.UnixMilli())
		}
		multipart := f.size > o.Threshold
		if got := info.Metadata[metaSHA1] != ""; got != multipart {
			t.Errorf("%q (%d bytes): has %s %v, want %v", f.key, f.size, metaSHA1, got, multipart)
		}
		if multipart && info.PartsCount != int32(partCount(f.size, testPart)) {
			t.Errorf("%q: %d parts, want %d", f.key, info.PartsCount, partCount(f.size, testPart))
		}
	}

	ids = ids[:0]
	for _, f := range files {
		id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: f.key, Local: filepath.Join(dst, f.key)})
		if err != nil {
			t.Fatalf("AddDownload %q: %v", f.key, err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		waitDone(t, q, id)
	}
	for _, f := range files {
		local := filepath.Join(dst, f.key)
		if got := fileSHA256(t, local); got != sums[f.key] {
			t.Errorf("%q: downloaded SHA-256 %s, uploaded %s", f.key, got, sums[f.key])
		}
		fi, err := os.Stat(local)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(mtime) {
			t.Errorf("%q: modified %v, want %v", f.key, fi.ModTime(), mtime)
		}
		if _, err := os.Stat(tempPath(local)); !os.IsNotExist(err) {
			t.Errorf("%q: partial file left behind (%v)", f.key, err)
		}
	}
	s := q.Snapshot()
	if len(s.Jobs) != 2*len(files) || s.Running+s.Queued+s.Failed != 0 || s.Done != s.Size {
		t.Errorf("snapshot after everything finished: %d jobs, %d running, %d queued, %d failed, %d of %d bytes",
			len(s.Jobs), s.Running, s.Queued, s.Failed, s.Done, s.Size)
	}
	if recs := readJournal(t, o.JournalDir); len(recs) != 0 {
		// Finished jobs leave the journal at the next write.
		q.Close()
		if recs := readJournal(t, o.JournalDir); len(recs) != 0 {
			t.Errorf("journal after everything finished holds %d jobs", len(recs))
		}
	}
}

// TestDownloadExisting refuses to replace a file unless asked, at Add time
// and when the file appears while the download runs.
func TestDownloadExisting(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	sum := writeRandom(t, src, 1000, 1)
	upload(t, q, e.bucket, src, "k")
	if _, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "k", Local: src}); !errorsIs(err, ErrExists) {
		t.Fatalf("AddDownload over an existing file = %v, want ErrExists", err)
	}
	target := filepath.Join(dir, "other")
	writeRandom(t, target, 10, 2)
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "k", Local: target, Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("replaced file has SHA-256 %s, want %s", got, sum)
	}
	a := filepath.Join(dir, "a")
	if _, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "k", Local: a}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "k", Local: a}); !errorsIs(err, ErrDuplicate) {
		t.Errorf("second download to the same file = %v, want ErrDuplicate", err)
	}
	if err := place(src, target, false); !errorsIs(err, ErrExists) {
		t.Errorf("place over an existing file = %v, want ErrExists", err)
	}
}

// TestSSE asks for encryption at rest: the single PUT and the multipart
// upload both carry the header (versitygw accepts and ignores it, so the
// proxy's log is where to look), and parts do not.
func TestSSE(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	for i, size := range []int64{100, 3 * testPart} {
		local := filepath.Join(t.TempDir(), "f")
		writeRandom(t, local, size, uint64(i))
		id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: "secret", SSE: true})
		if err != nil {
			t.Fatal(err)
		}
		waitDone(t, q, id)
	}
	seen := map[string]bool{}
	for _, r := range e.proxy.Requests() {
		sse := r.Header.Get("X-Amz-Server-Side-Encryption")
		switch r.Op {
		case "PutObject", "CreateMultipartUpload":
			seen[r.Op] = true
			if sse != "AES256" {
				t.Errorf("%s sent x-amz-server-side-encryption %q, want AES256", r.Op, sse)
			}
		case "UploadPart", "CompleteMultipartUpload":
			if sse != "" {
				t.Errorf("%s sent x-amz-server-side-encryption %q", r.Op, sse)
			}
		}
	}
	if !seen["PutObject"] || !seen["CreateMultipartUpload"] {
		t.Errorf("requests seen: %v", seen)
	}
}

// TestDownloadWithoutHead: a download whose size the listing gave asks no
// HEAD: its first range's answer says which version it reads, so a small
// file costs one request and a large one a request per range. A listing
// whose size went stale (the file was replaced since) still downloads the
// file as it is now.
func TestDownloadWithoutHead(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	o := testOptions(t)
	q := e.queue(t, o)
	src, dst := t.TempDir(), t.TempDir()
	sizes := map[string]int64{"small.txt": 1000, "large.bin": 3*testPart + 17}
	sums := map[string]string{}
	for key, size := range sizes {
		local := filepath.Join(src, key)
		sums[key] = writeRandom(t, local, size, uint64(size))
		upload(t, q, e.bucket, local, key)
	}
	page, err := e.c.List(context.Background(), store.ListInput{Bucket: e.bucket})
	if err != nil {
		t.Fatal(err)
	}
	// Replaced after the listing, with another size.
	stale := filepath.Join(src, "stale")
	sums["small.txt"] = writeRandom(t, stale, 2345, 99)
	upload(t, q, e.bucket, stale, "small.txt")
	e.proxy.Reset()
	for _, obj := range page.Objects {
		id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: obj.Key, Local: filepath.Join(dst, obj.Key), Size: obj.Size})
		if err != nil {
			t.Fatal(err)
		}
		waitDone(t, q, id)
		if got := fileSHA256(t, filepath.Join(dst, obj.Key)); got != sums[obj.Key] {
			t.Errorf("%s: downloaded SHA-256 %s, want %s", obj.Key, got, sums[obj.Key])
		}
	}
	gets := map[string]int{}
	for _, r := range e.proxy.Requests() {
		switch r.Op {
		case "HeadObject":
			t.Errorf("a download asked HEAD %s", r.Key)
		case "GetObject":
			gets[r.Key]++
		}
	}
	ranges := partCount(sizes["large.bin"], min(o.PartSize, maxRangeSize))
	if gets["large.bin"] != ranges || gets["small.txt"] != 2 {
		t.Errorf("GETs per file %v, want large.bin %d (one per range), small.txt 2 (its stale range, then the file)", gets, ranges)
	}
}
