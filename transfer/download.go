package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/haul-app/haul/internal/atomicfile"
	"github.com/haul-app/haul/store"
)

const (
	// maxRangeAttempts is how many times in a row a range may break off
	// without moving a byte before the job fails; an attempt that moved
	// data starts the count again.
	maxRangeAttempts = 5
	// rangeBackoff is the first wait before asking again; it doubles up to
	// maxRangeBackoff.
	rangeBackoff    = 500 * time.Millisecond
	maxRangeBackoff = 8 * time.Second
)

// Checkpoints: the partial file is synced and the ranges' progress
// journaled, so that a crash, a full disk or a pause loses only what arrived
// since the last one rather than whole ranges. A range asks for one when it
// has checkpointEvery bytes not yet saved, and when it is finished; the
// download's saver makes them, at most one per checkpointGap, off the
// ranges' path (see fetch.saver). A job that fails or is paused makes one
// more on its way out, so nothing that reached the file is fetched again.
//
// A sync is far dearer than its bytes suggest: the disk's cache is flushed
// each time (on the benchmark machine a 1 GiB download with a sync per 8
// MiB of each range took twice as long as one with a sync per second), so
// on a fast line the gap, not the byte count, sets how often. Variables so
// tests can lower them.
// maxRangeSize caps the ranges of a download, below PartSize: the check of
// a download (runningSum) hashes the file in order, so it can follow only
// as fast as the first unfinished range; with ranges of 64 MiB all in
// flight at once it would wait for the first one and then hash nearly the
// whole file after the last byte arrived. With 16 MiB ranges fetched in
// order, eight at a time, it stays a few ranges behind. The requests this
// adds (B2 bills each as a download transaction) cost little time: a range
// asked on a connection that is already open costs one round trip, which
// the other connections fill on a line whose per-connection cap is below
// its total.
var maxRangeSize int64 = 16 << 20

var (
	checkpointEvery int64 = 8 << 20
	checkpointGap         = time.Second
)

// partialFile is the file a download writes; *os.File is the real one.
type partialFile interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
	Sync() error
	Close() error
	Stat() (fs.FileInfo, error)
}

// openPartial opens (or creates) a partial file without truncating it.
func openPartial(name string) (partialFile, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o666)
}

// partialSuffix ends the name of every partial file.
const partialSuffix = ".haul-partial"

// tempPath is the hidden partial file beside a download's target.
func tempPath(local string) string {
	return filepath.Join(filepath.Dir(local), partialName(filepath.Base(local)))
}

// partialName is the name of the partial file of a download named name:
// ".<name>.haul-partial" when that fits in maxNameBytes, else the longest
// prefix of name that fits (cut at a UTF-8 boundary), "~", and 16 hex
// digits of the SHA-256 of the whole name. It depends on name alone, so a
// resumed download finds its partial file again, and two long names that
// share a prefix still get different partial files.
func partialName(name string) string {
	if full := "." + name + partialSuffix; len(full) <= maxNameBytes {
		return full
	}
	sum := sha256.Sum256([]byte(name))
	tag := "~" + hex.EncodeToString(sum[:8])
	keep := maxNameBytes - len(".") - len(tag) - len(partialSuffix)
	for keep > 0 && !utf8.RuneStart(name[keep]) {
		keep--
	}
	return "." + name[:keep] + tag + partialSuffix
}

// localError is a failure of the local disk, which asking the server again
// cannot fix.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// diskErr wraps a failed write of name, as ErrDiskFull when the disk is full.
func diskErr(op, name string, err error) error {
	if isDiskFull(err) {
		return &localError{fmt.Errorf("%s %s: %w: %w", op, name, ErrDiskFull, err)}
	}
	return &localError{fmt.Errorf("%s %s: %w", op, name, err)}
}

// download runs a download job until it is done, fails or ctx ends.
func (q *Queue) download(ctx context.Context, j *job) error {
	q.mu.Lock()
	st := j.down.clone()
	q.mu.Unlock()
	if err := checkTarget(st); err != nil {
		return err
	}
	st, info, first, early, err := q.pinDownload(ctx, j, st)
	if err != nil {
		return err
	}
	defer early.stop() // after the ranges, which take what they use
	defer func() {
		if first != nil {
			first.Close()
		}
	}()
	f, err := q.openDownload(j, st)
	if err != nil {
		return err
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	d := q.newFetch(j, st, f, info)
	if first != nil && d.ranges[0].got.Load() == 0 {
		// Range 0 reads it, and closes it; if it never starts, the
		// download closes it when it ends.
		rp := d.ranges[0]
		rp.first, first = first, nil
		defer rp.closeFirst()
		for k, e := range early.ranges {
			if k+1 < len(d.ranges) && d.ranges[k+1].got.Load() == 0 {
				d.ranges[k+1].early = e
			}
		}
	}
	if d.sum != nil {
		sctx, stop := context.WithCancel(ctx)
		d.sum.start(sctx)
		defer func() {
			stop()
			<-d.sum.done // before f is closed
		}()
	}
	if err := d.fetchMissing(ctx); err != nil {
		return err
	}
	if err := q.finish(j, st, f, info, d.sum); err != nil {
		return err
	}
	f = nil // closed by finish
	return nil
}

// checkTarget refuses to start a download whose target exists, unless it
// may be replaced: nothing is asked of the server for it.
func checkTarget(st *downState) error {
	if st.Replace {
		return nil
	}
	if _, err := os.Lstat(st.Local); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("download %s: %w: %s", st.Key, ErrExists, st.Local)
	}
	return nil
}

// pinDownload pins the job to the version it downloads and records what
// it is (size, ETag, range size, partial file). Ranges already received are
// kept only when they belong to that same object. first, when not nil, is
// the open body of the download's first range, and early the ranges asked
// for alongside it (see describe); early.stop must be called once the
// ranges have ended, even after an error.
func (q *Queue) pinDownload(ctx context.Context, j *job, st *downState) (*downState, store.ObjectInfo, io.ReadCloser, earlyStart, error) {
	info, first, firstLen, early, err := q.describe(ctx, j, st)
	if err != nil {
		early.stop()
		return st, info, nil, earlyStart{stop: func() {}}, err
	}
	if st.ETag != info.ETag || st.Size != info.Size {
		// A first start, or the object is not the one the partial file
		// holds: start from nothing.
		st.Ranges, st.Partial = nil, nil
	}
	if len(st.Ranges) == 0 && len(st.Partial) == 0 {
		st.PartSize = q.rangeSize(info.Size)
	}
	if _, n := pieceAt(0, info.Size, st.PartSize); first != nil && (n != firstLen || info.Size != st.Size) {
		// The listing's size was stale: the ranges asked for are not
		// those of the file's layout.
		first.Close()
		first = nil
		early.stop()
		early.ranges = nil
	}
	st.Pinned, st.ETag, st.Size, st.Temp = info.VersionID, info.ETag, info.Size, tempPath(st.Local)
	j.size.Store(st.Size)
	q.mu.Lock()
	j.down = st.clone()
	q.markDirtyLocked()
	q.mu.Unlock()
	return st, info, first, early, nil
}

// earlyStart is what describe asked for beyond the first range: ranges
// (range k+1 at index k; see Queue.earlyRanges) and stop, which lets go
// of those no range took.
type earlyStart struct {
	ranges []*earlyRange
	stop   func()
}

// describe finds out which version a download reads. A download that
// starts afresh on a file whose size the listing gave opens its first
// range at once, and the answer's headers say which version it is: one
// round trip per file instead of a HEAD and then a GET, which halves the
// time a folder of small files takes over a line with a real round trip.
// The next ranges of a large file are asked for at the same time (early).
// A download that resumes, or whose size is unknown, asks Head.
func (q *Queue) describe(ctx context.Context, j *job, st *downState) (info store.ObjectInfo, first io.ReadCloser, firstLen int64, early earlyStart, err error) {
	early.stop = func() {}
	version := st.Pinned
	if version == "" {
		version = st.VersionID
	}
	if st.Pinned != "" || len(st.Ranges) > 0 || len(st.Partial) > 0 || st.Size <= 0 {
		info, err = q.r.Head(ctx, st.Bucket, st.Key, version)
		return info, nil, 0, early, err
	}
	ps := q.rangeSize(st.Size)
	_, firstLen = pieceAt(0, st.Size, ps)
	early.ranges, early.stop = q.earlyRanges(ctx, j, st, version, ps)
	rctx := q.withRetryNotes(ctx, j, 1, "")
	info, first, err = q.r.Open(rctx, st.Bucket, st.Key, version, 0, firstLen)
	if err == nil {
		q.retryDone(j, 1)
	}
	return info, first, firstLen, early, err
}

// rangeSize is the size of the ranges a download of size bytes is cut
// into: one range up to the multipart threshold or two maxRangeSize ranges,
// whichever is less, else ranges of the part size up to maxRangeSize.
//
// A file of 100 MiB fetched in one GET would move at one connection's pace,
// which over the internet is a fraction of the line (160 Mbit/s of 800 on
// the benchmark's line: five times as long); in ranges it moves at the
// line's. Each range costs one request, billed by B2 as a download
// transaction at a fraction of a cent per ten thousand.
func (q *Queue) rangeSize(size int64) int64 {
	if size <= min(q.opt.Threshold, 2*maxRangeSize) {
		return max(size, 1)
	}
	return min(q.opt.PartSize, maxRangeSize)
}

// openDownload opens (or creates, at full size) the partial file. A partial file that was lost or cut
// short drops the ranges recorded for it.
func (q *Queue) openDownload(j *job, st *downState) (partialFile, error) {
	if err := os.MkdirAll(filepath.Dir(st.Local), 0o755); err != nil {
		return nil, diskErr("create folder", filepath.Dir(st.Local), err)
	}
	f, err := q.openFile(st.Temp)
	if err != nil {
		return nil, diskErr("create", st.Temp, err)
	}
	if len(st.Ranges) > 0 || len(st.Partial) > 0 {
		if fi, err := f.Stat(); err != nil || fi.Size() != st.Size {
			st.Ranges, st.Partial = nil, nil // the partial file was lost or cut
			q.clearRanges(j)
		}
	}
	if len(st.Ranges) == 0 && len(st.Partial) == 0 {
		if err := f.Truncate(st.Size); err != nil {
			f.Close()
			return nil, diskErr("allocate", st.Temp, err)
		}
	}
	j.done.Store(st.doneBytes())
	return f, nil
}

// stallErr says so when the watchdog, not the caller, canceled a request.
func stallErr(rctx context.Context, st *downState, err error) error {
	if errors.Is(context.Cause(rctx), errStalled) {
		return &store.Error{Op: "download", Bucket: st.Bucket, Key: st.Key, Kind: store.ErrUnreachable,
			Message: fmt.Sprintf("no data arrived for %v", stallTimeout), Err: errStalled}
	}
	return err
}

// finish syncs the complete partial file, waits for its check (sum, nil
// when there is none; see runningSum), closes f, and dates and renames the
// file.
func (q *Queue) finish(j *job, st *downState, f partialFile, info store.ObjectInfo, sum *runningSum) error {
	err := f.Sync()
	if err != nil {
		err = diskErr("write", st.Temp, err)
	} else {
		err = checkSize(f, info)
	}
	if sum != nil {
		if serr := sum.wait(); err == nil {
			err = serr
		}
	}
	f.Close()
	if errors.Is(err, ErrChecksum) {
		// What is on disk is wrong somewhere: the next try starts over.
		os.Remove(st.Temp)
		q.clearRanges(j)
		return fmt.Errorf("download %s: %w", st.Key, err)
	}
	if err != nil {
		return err
	}
	if ms, err := strconv.ParseInt(info.Metadata[store.MetaModified], 10, 64); err == nil && ms > 0 {
		t := time.UnixMilli(ms)
		_ = os.Chtimes(st.Temp, t, t) // a date is not worth failing for
	}
	if err := place(st.Temp, st.Local, st.Replace); err != nil {
		return fmt.Errorf("download %s: %w", st.Key, err)
	}
	atomicfile.SyncDir(filepath.Dir(st.Local))
	return nil
}

// place moves the finished file to its target. Without replace it refuses
// an existing target atomically where hard links work (a link cannot
// replace a file), and with a check before the rename elsewhere.
func place(temp, local string, replace bool) error {
	if replace {
		return os.Rename(temp, local)
	}
	err := os.Link(temp, local)
	switch {
	case err == nil:
		return os.Remove(temp)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%w: %s", ErrExists, local)
	}
	if _, err := os.Lstat(local); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrExists, local)
	}
	return os.Rename(temp, local)
}

// clearRanges forgets what a download had received.
func (q *Queue) clearRanges(j *job) {
	q.update(func() { j.down.Ranges, j.down.Partial = nil, nil })
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
