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
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

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

// checkpointEvery is how many bytes of a range arrive between checkpoints:
// the partial file is synced and the range's progress journaled, so that a
// crash, a full disk or a pause loses at most this much of each range in
// flight rather than the whole range. A sync costs about as much as a few
// MiB of loopback transfer; 8 MiB keeps that under a few percent. A
// variable so tests can lower it.
var checkpointEvery int64 = 8 << 20

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
	st, info, err := q.pinDownload(ctx, j)
	if err != nil {
		return err
	}
	f, err := q.openDownload(j, st)
	if err != nil {
		return err
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	if err := q.fetchMissing(ctx, j, st, f); err != nil {
		return err
	}
	if err := q.finish(ctx, j, st, f, info); err != nil {
		return err
	}
	f = nil // closed by finish
	return nil
}

// pinDownload pins the job to the version it downloads and records what
// it is (size, ETag, part size, partial file). Ranges already received are
// kept only when they belong to that same object.
func (q *Queue) pinDownload(ctx context.Context, j *job) (*downState, store.ObjectInfo, error) {
	q.mu.Lock()
	st := j.down.clone()
	q.mu.Unlock()
	version := st.Pinned
	if version == "" {
		version = st.VersionID
	}
	info, err := q.r.Head(ctx, st.Bucket, st.Key, version)
	if err != nil {
		return st, info, err
	}
	if st.ETag != info.ETag || st.Size != info.Size {
		// A first start, or the object is not the one the partial file
		// holds: start from nothing.
		st.Ranges, st.Partial = nil, nil
	}
	if len(st.Ranges) == 0 && len(st.Partial) == 0 {
		st.PartSize = q.opt.PartSize
		if info.Size <= q.opt.Threshold {
			st.PartSize = max(info.Size, 1) // one range
		}
	}
	st.Pinned, st.ETag, st.Size, st.Temp = info.VersionID, info.ETag, info.Size, tempPath(st.Local)
	j.size.Store(st.Size)
	q.mu.Lock()
	j.down = st.clone()
	q.markDirtyLocked()
	q.mu.Unlock()
	return st, info, nil
}

// openDownload opens (or creates, at full size) the partial file, after
// checking the target may be written. A partial file that was lost or cut
// short drops the ranges recorded for it.
func (q *Queue) openDownload(j *job, st *downState) (partialFile, error) {
	if !st.Replace {
		if _, err := os.Lstat(st.Local); !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("download %s: %w: %s", st.Key, ErrExists, st.Local)
		}
	}
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

// fetchMissing fetches the ranges not received yet, up to the per-file
// ceiling at once, each resuming where its last checkpoint left it.
func (q *Queue) fetchMissing(ctx context.Context, j *job, st *downState, f partialFile) error {
	have := make(map[int]bool, len(st.Ranges))
	for _, i := range st.Ranges {
		have[i] = true
	}
	count, missing := partCount(st.Size, st.PartSize), 0
	for i := range count {
		if !have[i] {
			missing++
		}
	}
	perFile := q.partsPerFile()
	q.startPieces(j, missing, perFile)
	defer q.piecesDone(j)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(perFile)
	for i := range count {
		if have[i] {
			continue
		}
		if gctx.Err() != nil {
			break
		}
		off, length := pieceAt(i, st.Size, st.PartSize)
		rp := &rangeProgress{i: i, off: off, length: length, got: st.Partial[i], saved: st.Partial[i]}
		g.Go(func() error {
			if err := q.fetchRange(gctx, j, st, f, rp); err != nil {
				return err
			}
			q.pieceDone(j)
			return nil
		})
	}
	return g.Wait()
}

// rangeProgress is one range being fetched: length bytes at off, of which
// got from its start are written to the partial file, and saved of those
// synced and journaled.
type rangeProgress struct {
	i                       int
	off, length, got, saved int64
}

// fetchRange downloads the rest of a range into f, asking again for the
// rest when the connection breaks, then syncs it and records it in the
// journal. Bytes written but not yet saved by a checkpoint are taken off
// the job's counter when it fails.
func (q *Queue) fetchRange(ctx context.Context, j *job, st *downState, f partialFile, rp *rangeProgress) error {
	for failures := 0; rp.got < rp.length; {
		before := rp.got
		err := q.readRange(ctx, j, st, f, rp)
		if err == nil {
			continue
		}
		if rp.got > before {
			failures = 0
		}
		failures++
		var local *localError
		if ctx.Err() != nil || errors.As(err, &local) || failures >= maxRangeAttempts {
			j.done.Add(rp.saved - rp.got)
			return err
		}
		q.noteRetry(j, int64(rp.i)+1, retrySentence(rangeWhat(st, rp.i), failureReason(err), failures+1, maxRangeAttempts))
		if err := sleep(ctx, min(rangeBackoff<<(failures-1), maxRangeBackoff)); err != nil {
			j.done.Add(rp.saved - rp.got)
			return err
		}
	}
	if err := f.Sync(); err != nil {
		j.done.Add(rp.saved - rp.got)
		return diskErr("write", st.Temp, err)
	}
	q.update(func() {
		if k, found := slices.BinarySearch(j.down.Ranges, rp.i); !found {
			j.down.Ranges = slices.Insert(j.down.Ranges, k, rp.i)
		}
		delete(j.down.Partial, rp.i)
	})
	return nil
}

// checkpoint syncs f and then journals how far range rp got: only bytes on
// the disk count as saved.
func (q *Queue) checkpoint(j *job, st *downState, f partialFile, rp *rangeProgress) error {
	if err := f.Sync(); err != nil {
		return diskErr("write", st.Temp, err)
	}
	got := rp.got
	q.update(func() {
		if j.down.Partial == nil {
			j.down.Partial = make(map[int]int64)
		}
		j.down.Partial[rp.i] = got
	})
	rp.saved = got
	return nil
}

// readRange asks for the rest of range rp and writes what arrives to f,
// counting it and checkpointing every checkpointEvery bytes, until the
// body ends, breaks, or stalls for stallTimeout.
func (q *Queue) readRange(ctx context.Context, j *job, st *downState, f partialFile, rp *rangeProgress) error {
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	dog := newWatchdog(stallTimeout, cancel)
	defer dog.pause()
	start, n := rp.off+rp.got, rp.length-rp.got
	key := int64(rp.i) + 1
	body, err := q.r.GetRange(q.withRetryNotes(rctx, j, key, rangeWhat(st, rp.i)), st.Bucket, st.Key, st.Pinned, start, n)
	if err != nil {
		return stallErr(rctx, st, err)
	}
	q.retryDone(j, key)
	defer body.Close()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var got int64
	for {
		// One byte more than is due, to see the body end rather than
		// leave it unread (which would close the connection).
		p := (*bp)[:min(int64(len(*bp)), n-got+1)]
		dog.pause()
		if err := waitLimit(rctx, q.lim[Download], &p); err != nil {
			return err
		}
		dog.kick()
		m, rerr := body.Read(p)
		if got+int64(m) > n {
			return &store.Error{Op: "download", Bucket: st.Bucket, Key: st.Key, Kind: store.ErrServer,
				Message: "the server sent more bytes than asked for"}
		}
		if m > 0 {
			if _, err := f.WriteAt(p[:m], start+got); err != nil {
				return diskErr("write", st.Temp, err)
			}
			got += int64(m)
			rp.got += int64(m)
			j.done.Add(int64(m))
			q.wire.Add(int64(m))
			if rp.got-rp.saved >= checkpointEvery && rp.got < rp.length {
				dog.pause() // a slow disk is not a stalled connection
				if err := q.checkpoint(j, st, f, rp); err != nil {
					return err
				}
				dog.kick()
			}
		}
		switch {
		case rerr == io.EOF && got == n:
			return nil
		case rerr == io.EOF:
			return &store.Error{Op: "download", Bucket: st.Bucket, Key: st.Key, Kind: store.ErrUnreachable,
				Message: fmt.Sprintf("the answer ended after %d of %d bytes", got, n), Err: io.ErrUnexpectedEOF}
		case rerr != nil:
			return stallErr(rctx, st, rerr)
		}
	}
}

// stallErr says so when the watchdog, not the caller, canceled a request.
func stallErr(rctx context.Context, st *downState, err error) error {
	if errors.Is(context.Cause(rctx), errStalled) {
		return &store.Error{Op: "download", Bucket: st.Bucket, Key: st.Key, Kind: store.ErrUnreachable,
			Message: fmt.Sprintf("no data arrived for %v", stallTimeout), Err: errStalled}
	}
	return err
}

// finish syncs, checks, dates and renames the complete partial file, and
// closes f.
func (q *Queue) finish(ctx context.Context, j *job, st *downState, f partialFile, info store.ObjectInfo) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return diskErr("write", st.Temp, err)
	}
	err := verify(ctx, f, info)
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
