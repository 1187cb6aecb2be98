package transfer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store"
)

// metaSHA1 is the metadata key in which B2's tools keep a multipart file's
// SHA-1 (hex).
const metaSHA1 = "large_file_sha1"

// upload runs an upload job until it is done, fails or ctx ends.
func (q *Queue) upload(ctx context.Context, j *job) error {
	q.mu.Lock()
	st := j.up.clone()
	q.mu.Unlock()
	if st.Local == "" { // an empty folder's placeholder
		_, err := q.r.Put(ctx, store.PutInput{Bucket: st.Bucket, Key: st.Key, Body: strings.NewReader(""), SSE: st.SSE, CustomerKey: st.CustomerKey})
		return err
	}
	f, err := os.Open(st.Local)
	if err != nil {
		return fmt.Errorf("upload %s: %w", st.Local, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("upload %s: %w", st.Local, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("upload %s: not a regular file", st.Local)
	}
	size, mtime := fi.Size(), fi.ModTime()
	j.size.Store(size)
	if st.UploadID != "" && (st.Size != size || !st.ModTime.Equal(mtime)) {
		// The file changed since its upload began: the parts sent so far
		// are of another file.
		q.abortQuietly(st.Bucket, st.Key, st.UploadID)
		st.UploadID, st.Parts = "", nil
	}
	st.Size, st.ModTime = size, mtime
	q.mu.Lock()
	j.up.Size, j.up.ModTime, j.up.UploadID, j.up.Parts = size, mtime, st.UploadID, st.Parts
	q.markDirtyLocked()
	q.mu.Unlock()
	src := source{f: f, name: st.Local, size: size, mtime: mtime}
	if st.UploadID == "" && size <= q.opt.Threshold {
		return q.putSingle(ctx, j, st, src)
	}
	return q.putMultipart(ctx, j, st, src)
}

// source is the local file being uploaded, with the size and modification
// time it had when the upload began.
type source struct {
	f     *os.File
	name  string
	size  int64
	mtime time.Time
}

// unchanged fails with ErrChanged when the file's size or modification time
// moved since the upload began.
func (s source) unchanged() error {
	fi, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("upload %s: %w", s.name, err)
	}
	if fi.Size() != s.size || !fi.ModTime().Equal(s.mtime) {
		return fmt.Errorf("upload %s: %w (it was %d bytes, modified %s; now %d bytes, modified %s)",
			s.name, ErrChanged, s.size, s.mtime.Format(time.RFC3339), fi.Size(), fi.ModTime().Format(time.RFC3339))
	}
	return nil
}

// putSingle sends the whole file in one request.
func (q *Queue) putSingle(ctx context.Context, j *job, st *upState, src source) error {
	j.done.Store(0)
	err := retryStalls(ctx, st.Bucket, st.Key, q.stallNotes(j, jobRequest, ""), func(ctx context.Context, dog *watchdog) error {
		// Put reads the body once for its MD5 before sending it: skip 1.
		body := newPartBody(ctx, io.NewSectionReader(src.f, 0, src.size), &j.done, q.lim[Upload], dog, 1)
		body.wire = &q.wire
		_, err := q.r.Put(ctx, store.PutInput{
			Bucket: st.Bucket, Key: st.Key, Body: body, Modified: src.mtime, SSE: st.SSE, CustomerKey: st.CustomerKey,
		})
		if err != nil {
			body.discard()
		}
		return err
	})
	if cerr := src.unchanged(); cerr != nil {
		return cerr
	}
	return err
}

// putMultipart sends the file in parts, continuing the upload the journal
// recorded if there is one.
func (q *Queue) putMultipart(ctx context.Context, j *job, st *upState, src source) error {
	if st.UploadID != "" && st.CustomerKey != "" {
		if err := q.r.ResumeEncrypted(st.Bucket, st.Key, st.UploadID, st.CustomerKey); err != nil {
			return err
		}
	}
	if st.UploadID != "" {
		done, err := q.reconcile(ctx, j, st, src)
		if err != nil || done {
			return err
		}
	}
	var sums *partSums // of a fresh upload's parts, hashed beside the SHA-1
	if st.UploadID == "" {
		st.PartSize = partSizeFor(src.size, q.opt.PartSize)
		sums = startPartSums(ctx, src, st.PartSize)
		defer sums.close()
		sum, err := hashFile(ctx, src)
		if err != nil {
			return err
		}
		sums.boost()
		id, err := q.r.CreateMultipart(ctx, st.Bucket, st.Key, store.UploadOptions{
			Modified: src.mtime, SSE: st.SSE, CustomerKey: st.CustomerKey, Metadata: map[string]string{metaSHA1: hex.EncodeToString(sum)},
		})
		if err != nil {
			return err
		}
		st.UploadID, st.Parts = id, nil
		q.update(func() { j.up.UploadID, j.up.PartSize, j.up.Parts = id, st.PartSize, nil })
	}
	j.done.Store(st.doneBytes())
	err := q.eachMissingPart(ctx, j, src.size, st.PartSize, st.Parts, func(ctx context.Context, n int32, off, size int64) error {
		var sum []byte
		if sums != nil {
			var err error
			if sum, err = sums.sum(ctx, int(n-1)); err != nil {
				return err
			}
		}
		return q.sendPart(ctx, j, st.Bucket, st.Key, st.UploadID, n, src, off, size, sum)
	})
	if err != nil {
		return err
	}
	if err := src.unchanged(); err != nil {
		return err
	}
	q.mu.Lock()
	parts := slices.Clone(j.up.Parts)
	q.mu.Unlock()
	return q.complete(ctx, st.Bucket, st.Key, st.UploadID, st.Size, st.PartSize, parts)
}

// eachMissingPart runs send for every part of an object of size bytes cut
// into partSize pieces that have does not hold, in order, up to
// PartsPerFile at a time (each request also waits for a slot of the
// connection budget), and returns the first error. Parts are numbered
// from 1. It keeps j.want up to date as parts finish.
func (q *Queue) eachMissingPart(ctx context.Context, j *job, size, partSize int64, have []store.Part, send func(ctx context.Context, n int32, off, length int64) error) error {
	done := make(map[int32]bool, len(have))
	for _, p := range have {
		done[p.Number] = true
	}
	count := partCount(size, partSize)
	missing := 0
	for i := range count {
		if !done[int32(i+1)] {
			missing++
		}
	}
	perFile := q.partsPerFile()
	q.startPieces(j, missing, perFile)
	defer q.piecesDone(j)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(perFile)
	for i := range count {
		n := int32(i + 1)
		if done[n] {
			continue
		}
		if gctx.Err() != nil {
			break
		}
		off, length := pieceAt(i, size, partSize)
		g.Go(func() error {
			if err := send(gctx, n, off, length); err != nil {
				return err
			}
			q.pieceDone(j)
			return nil
		})
	}
	return g.Wait()
}

// complete joins the parts of a multipart upload into the object. A retry
// of a completion whose answer was lost finds the upload gone: if the
// object those parts make is there, that is success.
func (q *Queue) complete(ctx context.Context, bucket, key, uploadID string, size, partSize int64, parts []store.Part) error {
	_, err := q.r.CompleteMultipart(ctx, bucket, key, uploadID, parts)
	if errors.Is(err, store.ErrNotFound) && q.alreadyComplete(ctx, bucket, key, size, partSize, parts) {
		return nil
	}
	return err
}

// sendPart sends part n (bytes off to off+size of the file), whose MD5 is
// sum (nil: read the part for it first), and records it in the journal
// before it counts as done.
func (q *Queue) sendPart(ctx context.Context, j *job, bucket, key, uploadID string, n int32, src source, off, size int64, sum []byte) error {
	if sum == nil {
		var err error
		if sum, err = hashSection(ctx, src, off, size, md5.New()); err != nil {
			return err
		}
	}
	var etag string
	what := "part " + strconv.Itoa(int(n))
	ctx = q.withRetryNotes(ctx, j, int64(n), what)
	err := retryStalls(ctx, bucket, key, q.stallNotes(j, int64(n), what), func(ctx context.Context, dog *watchdog) error {
		body := newPartBody(ctx, io.NewSectionReader(src.f, off, size), &j.done, q.lim[Upload], dog, 0)
		body.wire = &q.wire
		var err error
		etag, err = q.r.UploadPart(ctx, bucket, key, uploadID, n, body, size, sum)
		if err != nil {
			body.discard()
		}
		return err
	})
	if err != nil {
		return err
	}
	q.retryDone(j, int64(n))
	if err := src.unchanged(); err != nil {
		return err
	}
	q.update(func() { j.up.Parts = insertPart(j.up.Parts, store.Part{Number: n, ETag: etag, Size: size}) })
	return nil
}

// insertPart adds p to parts sorted by number, replacing one of the same
// number.
func insertPart(parts []store.Part, p store.Part) []store.Part {
	i, found := slices.BinarySearchFunc(parts, p.Number, func(a store.Part, n int32) int { return int(a.Number) - int(n) })
	if found {
		parts[i] = p
		return parts
	}
	return slices.Insert(parts, i, p)
}

// reconcile compares the journal's parts with what the server holds, before
// a resumed upload sends anything. It keeps the server's parts that have the
// right size and either are in the journal or match the file's MD5 (sent
// just before a crash, not yet journaled), and drops the rest. When the
// upload is gone it checks whether the object is already complete (done is
// true), and otherwise clears st.UploadID so the upload starts over.
func (q *Queue) reconcile(ctx context.Context, j *job, st *upState, src source) (done bool, err error) {
	server, err := q.r.ListParts(ctx, st.Bucket, st.Key, st.UploadID)
	if errors.Is(err, store.ErrNotFound) {
		if q.alreadyComplete(ctx, st.Bucket, st.Key, st.Size, st.PartSize, st.Parts) {
			return true, nil
		}
		st.UploadID, st.Parts = "", nil
	} else if err != nil {
		return false, err
	}
	journaled := make(map[int32]bool, len(st.Parts))
	for _, p := range st.Parts {
		journaled[p.Number] = true
	}
	count := partCount(src.size, st.PartSize)
	var keep []store.Part
	for _, p := range server {
		if p.Number < 1 || int(p.Number) > count {
			continue
		}
		off, size := pieceAt(int(p.Number-1), src.size, st.PartSize)
		if p.Size != size {
			continue
		}
		if !journaled[p.Number] {
			want, ok := etagMD5(p.ETag)
			if !ok {
				continue
			}
			sum, err := hashSection(ctx, src, off, size, md5.New())
			if err != nil {
				return false, err
			}
			if hex.EncodeToString(sum) != want {
				continue
			}
		}
		keep = append(keep, p)
	}
	st.Parts = keep
	q.update(func() { j.up.UploadID, j.up.Parts = st.UploadID, slices.Clone(keep) })
	return false, nil
}

// alreadyComplete reports whether the current object at key is the one
// parts make (size bytes in parts of partSize): its ETag is the multipart
// ETag of exactly those parts. That is the case when the last run completed
// the upload but stopped before the journal said so.
func (q *Queue) alreadyComplete(ctx context.Context, bucket, key string, size, partSize int64, parts []store.Part) bool {
	if len(parts) != partCount(size, partSize) || len(parts) == 0 {
		return false
	}
	info, err := q.r.Head(ctx, bucket, key, "")
	if err != nil || info.Size != size {
		return false
	}
	h := md5.New()
	for _, p := range parts {
		sum, ok := etagMD5(p.ETag)
		if !ok {
			return false
		}
		raw, _ := hex.DecodeString(sum)
		h.Write(raw)
	}
	want := fmt.Sprintf("%x-%d", h.Sum(nil), len(parts))
	return strings.Trim(info.ETag, `"`) == want
}

// etagMD5 returns the hex MD5 an ETag holds, if it is one.
func etagMD5(etag string) (string, bool) {
	s := strings.ToLower(strings.Trim(etag, `"`))
	if len(s) != 32 {
		return "", false
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", false
	}
	return s, true
}

// abortQuietly aborts an upload that is no longer wanted, in the background;
// a failure leaves it among the bucket's unfinished uploads.
func (q *Queue) abortQuietly(bucket, key, uploadID string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := abortUpload(ctx, q.r, bucket, key, uploadID); err != nil {
			slog.Warn("transfer: abort an unused upload", "key", key, "err", err)
		}
	}()
}

// abortUpload aborts a multipart upload and makes sure it stays gone. A part
// whose body reached the server before the client gave up can still be
// stored after the abort, bringing the upload back (and billing it), so
// abortUpload looks again after a moment and aborts again while the upload
// is listed.
func abortUpload(ctx context.Context, r Remote, bucket, key, uploadID string) error {
	delay := 250 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if err := r.AbortMultipart(ctx, bucket, key, uploadID); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		ups, err := r.MultipartUploads(ctx, bucket, key)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ups, func(u store.MultipartUpload) bool { return u.UploadID == uploadID }) {
			return nil
		}
		if attempt == 5 {
			return fmt.Errorf("upload %s of %s is still listed after %d aborts", uploadID, key, attempt+1)
		}
		delay *= 2
	}
}

// hashSection hashes size bytes of the file from off, streaming through one
// pooled buffer and stopping early when ctx ends.
func hashSection(ctx context.Context, src source, off, size int64, h hash.Hash) ([]byte, error) {
	if err := hashReader(ctx, io.NewSectionReader(src.f, off, size), h); err != nil {
		return nil, fmt.Errorf("read %s: %w", src.name, err)
	}
	return h.Sum(nil), nil
}

// hashReader feeds r into h, checking ctx between reads.
func hashReader(ctx context.Context, r io.Reader, h hash.Hash) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// maxStalls is how often in a row a request may stall before the job fails.
const maxStalls = 3

// stallNotes returns what retryStalls calls before sending again: it notes
// the retry of request key (what, as for withRetryNotes) on j.
func (q *Queue) stallNotes(j *job, key int64, what string) func(attempt int) {
	return func(attempt int) {
		q.noteRetry(j, key, retrySentence(what, failureReason(errStalled), attempt, maxStalls))
	}
}

// retryStalls runs send with a watchdog, and again, up to maxStalls times,
// when the watchdog gave up on a stalled connection, calling again with the
// number of the coming attempt first. send must kick the watchdog as data
// moves (partBody does).
func retryStalls(ctx context.Context, bucket, key string, again func(attempt int), send func(context.Context, *watchdog) error) error {
	for stalls := 1; ; stalls++ {
		sctx, cancel := context.WithCancelCause(ctx)
		dog := newWatchdog(stallTimeout, cancel)
		err := send(sctx, dog)
		dog.pause()
		stalled := err != nil && errors.Is(context.Cause(sctx), errStalled) && ctx.Err() == nil
		cancel(nil)
		switch {
		case !stalled:
			return err
		case stalls >= maxStalls:
			return &store.Error{Op: "upload", Bucket: bucket, Key: key, Kind: store.ErrUnreachable,
				Message: fmt.Sprintf("no data could be sent for %v, %d times", stallTimeout, stalls), Err: errStalled}
		}
		again(stalls + 1)
	}
}
