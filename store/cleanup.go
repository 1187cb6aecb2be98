package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CleanupKind names what a cleanup removes. Each matches one kind of
// Usage in the storage report.
type CleanupKind int

const (
	// OlderVersions removes the older versions of files that are not
	// hidden, keeping every current version. A version's age is how long
	// ago it stopped being current: when the version or delete marker above
	// it was stored, as B2's lifecycle rules count daysFromHidingToDeleting.
	OlderVersions CleanupKind = iota + 1
	// HiddenFiles removes hidden files for good: every version and delete
	// marker of each file whose newest entry is a delete marker. Its age is
	// that marker's.
	HiddenFiles
	// UnfinishedUploads aborts multipart uploads, by when they started.
	UnfinishedUploads
)

func (k CleanupKind) String() string {
	switch k {
	case OlderVersions:
		return "older versions"
	case HiddenFiles:
		return "hidden files"
	case UnfinishedUploads:
		return "unfinished uploads"
	}
	return fmt.Sprintf("CleanupKind(%d)", int(k))
}

// Cleanup says what a cleanup removes: one kind, under a folder, older
// than some days.
type Cleanup struct {
	Kind   CleanupKind
	Bucket string
	Prefix string // folder, "" for the whole bucket; a missing "/" is added
	// Days is how many days old (24 hours each) something must be to go;
	// 0 takes everything of the kind.
	Days int
	// Now is the moment Days count back from; zero means the time of the
	// call. PreviewCleanup returns the Cleanup with Now set, so that
	// running that one removes what was previewed however much later it
	// runs; tests set it to put the clock where they need it.
	Now time.Time
}

// Cutoff is the moment before which things go: Now less Days.
func (c Cleanup) Cutoff() time.Time { return c.Now.Add(-time.Duration(c.Days) * 24 * time.Hour) }

// CleanupPlan is what a cleanup would remove, as PreviewCleanup finds it.
type CleanupPlan struct {
	// Cleanup is the one previewed, its Now set: run it with RunCleanup.
	Cleanup Cleanup
	// Count is the versions and delete markers (or uploads) that would go,
	// Bytes what they hold: what B2 would stop billing for.
	Count int
	Bytes int64
	// Files is how many hidden files would go (HiddenFiles only).
	Files int
	// Oldest and Newest are when the oldest and newest of them were stored
	// (or started, for uploads); zero when Count is 0.
	Oldest, Newest time.Time
	// Locked counts the versions Object Lock keeps (retention in force or
	// legal hold), which are skipped, and LockedBytes their bytes. A hidden
	// file with a locked version keeps its delete markers, so it stays
	// hidden.
	Locked      int
	LockedBytes int64
}

// CleanupResult is what a cleanup removed.
type CleanupResult struct {
	// Deleted counts the versions and delete markers (or uploads) removed,
	// Bytes what they held.
	Deleted int
	Bytes   int64
	// Locked counts the versions skipped because Object Lock keeps them,
	// whether known before deleting or refused by the server.
	Locked      int
	LockedBytes int64
	// Failures are the versions the server refused for other reasons.
	Failures []DeleteFailure
}

// CleanupProgress is how far a preview or a cleanup has got: Seen entries
// listed (versions, markers, uploads), Done removed.
type CleanupProgress struct {
	Seen, Done int
}

// PreviewCleanup finds what RunCleanup would remove, without removing
// anything: it reads the version listing (or the unfinished uploads) a page
// of 1,000 at a time, adds up as it goes, and in a bucket with Object Lock
// reads the lock of every candidate version (VersionLock, two calls each;
// eight versions at a time). It calls progress (when
// not nil) after every page. Run the returned plan's Cleanup to remove
// exactly what it counts, unless the bucket changes in between.
func (c *Client) PreviewCleanup(ctx context.Context, cl Cleanup, progress func(CleanupProgress)) (CleanupPlan, error) {
	w, err := c.newCleaner(ctx, cl, progress)
	if err != nil {
		return CleanupPlan{Cleanup: w.cl}, err
	}
	err = w.walk(ctx)
	return w.plan, err
}

// RunCleanup removes what PreviewCleanup with the same Cleanup counts:
// versions and delete markers with DeleteObjects in batches of at most
// 1,000 (Content-MD5, no checksum headers), each batch sent once the listing
// is past it, or uploads with one AbortMultipartUpload each. Locked versions
// are skipped and counted, never failed on. It calls progress (when not
// nil) after every page listed and every batch sent. When ctx ends or a
// request fails it returns what was done so far with the error.
func (c *Client) RunCleanup(ctx context.Context, cl Cleanup, progress func(CleanupProgress)) (CleanupResult, error) {
	return c.runCleanup(ctx, cl, progress, deleteBatch)
}

// runCleanup is RunCleanup with batches of at most batchMax, which tests
// make small.
func (c *Client) runCleanup(ctx context.Context, cl Cleanup, progress func(CleanupProgress), batchMax int) (CleanupResult, error) {
	w, err := c.newCleaner(ctx, cl, progress)
	if err != nil {
		return CleanupResult{}, err
	}
	w.run, w.batchMax = &CleanupResult{}, batchMax
	w.del = deletion{c: c, bucket: cl.Bucket}
	err = w.walk(ctx)
	if err == nil {
		err = w.flush(ctx, 1)
	}
	return *w.run, err
}

// candidate is one version, marker or upload a cleanup would remove.
type candidate struct {
	ObjectID
	size   int64
	stored time.Time
	marker bool
}

// cleaner walks a listing once for a preview or a cleanup. It holds at most
// a page of candidates and a batch to delete, never the whole listing.
type cleaner struct {
	c          *Client
	cl         Cleanup
	cutoff     time.Time
	checkLocks bool
	progress   func(CleanupProgress)
	seen       int

	plan CleanupPlan
	run  *CleanupResult // nil for a preview
	del  deletion
	// batch waits to be deleted, at most batchMax at a time.
	batch    []candidate
	batchMax int

	keys     keyState
	eligible bool // the key being read is a hidden file old enough
	// The delete markers of the hidden file being read wait until its
	// versions were all seen: if one is locked, the file stays hidden.
	markerKey string
	markers   []candidate
	keyLocked bool
}

const cleanupOp = "clean up"

func (c *Client) newCleaner(ctx context.Context, cl Cleanup, progress func(CleanupProgress)) (*cleaner, error) {
	if cl.Now.IsZero() {
		cl.Now = time.Now()
	}
	if cl.Prefix != "" && !strings.HasSuffix(cl.Prefix, "/") {
		cl.Prefix += "/"
	}
	w := &cleaner{c: c, cl: cl, cutoff: cl.Cutoff(), progress: progress}
	w.plan.Cleanup = cl
	switch {
	case cl.Kind < OlderVersions || cl.Kind > UnfinishedUploads:
		return w, &Error{Op: cleanupOp, Bucket: cl.Bucket, Key: cl.Prefix, Kind: ErrOther, Message: "unknown kind of cleanup"}
	case cl.Days < 0:
		return w, &Error{Op: cleanupOp, Bucket: cl.Bucket, Key: cl.Prefix, Kind: ErrOther, Message: "the number of days cannot be negative"}
	case cl.Kind == UnfinishedUploads:
		return w, nil
	}
	lock, err := c.ObjectLock(ctx, cl.Bucket)
	switch {
	case errors.Is(err, ErrAccessDenied):
		w.checkLocks = true // cannot tell: look at every version
	case err != nil:
		return w, err
	default:
		w.checkLocks = lock.Enabled
	}
	return w, nil
}

func (w *cleaner) report(done int) {
	if w.progress != nil {
		w.progress(CleanupProgress{Seen: w.seen, Done: done})
	}
}

// walk reads the listing and handles every candidate, each page listed
// before the previous one is deleted (see purge).
func (w *cleaner) walk(ctx context.Context) error {
	if w.cl.Kind == UnfinishedUploads {
		return w.uploads(ctx)
	}
	list := func(from versionMark) (versionList, error) {
		if err := ctx.Err(); err != nil {
			return versionList{}, wrapErr(cleanupOp, w.cl.Bucket, w.cl.Prefix, err)
		}
		return w.c.listVersions(ctx, cleanupOp, w.cl.Bucket, w.cl.Prefix, false, maxPage, from)
	}
	l, err := list(versionMark{})
	for err == nil {
		var next versionList
		if l.more {
			if next, err = list(l.next); err != nil {
				break
			}
		}
		if err = w.page(ctx, w.pick(l.versions)); err != nil || !l.more {
			break
		}
		l = next
	}
	if err == nil {
		err = w.keyDone(ctx)
	}
	return err
}

// pick returns the candidates among one page of versions.
func (w *cleaner) pick(vs []Version) []candidate {
	var out []candidate
	for _, v := range vs {
		if isEmptyMarker(v.Key) {
			continue
		}
		w.seen++
		first := w.keys.next(v)
		take := false
		switch w.cl.Kind {
		case OlderVersions:
			take = !first && !w.keys.hidden && !v.DeleteMarker && w.keys.above.Before(w.cutoff)
		case HiddenFiles:
			if first {
				w.eligible = v.DeleteMarker && v.Modified.Before(w.cutoff)
			}
			take = w.eligible
		}
		if take {
			out = append(out, candidate{ObjectID: ObjectID{v.Key, v.VersionID}, size: v.Size, stored: v.Modified, marker: v.DeleteMarker})
		}
	}
	return out
}

// page checks the locks of one page's candidates and handles them in order.
func (w *cleaner) page(ctx context.Context, cands []candidate) error {
	var locked map[int]bool
	if w.checkLocks {
		var ids []ObjectID
		var at []int
		for i, cd := range cands {
			if !cd.marker {
				ids, at = append(ids, cd.ObjectID), append(at, i)
			}
		}
		byID, err := w.c.lockedVersions(ctx, w.cl.Bucket, ids, time.Now())
		if err != nil {
			return err
		}
		locked = make(map[int]bool, len(byID))
		for j := range byID {
			locked[at[j]] = true
		}
	}
	for i, cd := range cands {
		if cd.Key != w.markerKey {
			if err := w.keyDone(ctx); err != nil {
				return err
			}
			w.markerKey, w.keyLocked = cd.Key, false
		}
		switch {
		case locked[i]:
			w.keyLocked = true
			w.plan.Locked++
			w.plan.LockedBytes += cd.size
			if w.run != nil {
				w.run.Locked++
				w.run.LockedBytes += cd.size
			}
		case cd.marker:
			w.markers = append(w.markers, cd)
		default:
			if err := w.take(ctx, cd); err != nil {
				return err
			}
		}
	}
	w.report(w.done())
	return nil
}

// keyDone settles the delete markers of the hidden file just read: they go
// unless one of its versions is locked.
func (w *cleaner) keyDone(ctx context.Context) error {
	defer func() { w.markers = w.markers[:0] }()
	if len(w.markers) == 0 || w.keyLocked {
		return nil
	}
	w.plan.Files++
	for _, m := range w.markers {
		if err := w.take(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// take counts one candidate into the plan and, for a cleanup, queues it,
// deleting a batch when batchMax (1,000) are queued.
func (w *cleaner) take(ctx context.Context, cd candidate) error {
	p := &w.plan
	p.Count++
	p.Bytes += cd.size
	if p.Oldest.IsZero() || cd.stored.Before(p.Oldest) {
		p.Oldest = cd.stored
	}
	if cd.stored.After(p.Newest) {
		p.Newest = cd.stored
	}
	if w.run == nil {
		return nil
	}
	w.batch = append(w.batch, cd)
	return w.flush(ctx, w.batchMax)
}

// flush deletes the queued batch once it holds at least atLeast entries.
func (w *cleaner) flush(ctx context.Context, atLeast int) error {
	if len(w.batch) < atLeast || len(w.batch) == 0 {
		return nil
	}
	ids := make([]ObjectID, len(w.batch))
	sizes := make(map[ObjectID]int64, len(w.batch))
	var bytes int64
	for i, cd := range w.batch {
		ids[i] = cd.ObjectID
		sizes[cd.ObjectID] = cd.size
		bytes += cd.size
	}
	w.batch = w.batch[:0]
	before := len(w.del.failures)
	err := w.del.batch(ctx, ids)
	r := w.run
	r.Deleted = w.del.deleted
	r.Bytes += bytes
	for _, f := range w.del.failures[before:] {
		size := sizes[ObjectID{f.Key, f.VersionID}]
		r.Bytes -= size
		if isLockRefusal(f) {
			r.Locked++
			r.LockedBytes += size
		} else {
			r.Failures = append(r.Failures, f)
		}
	}
	if err == nil {
		w.report(r.Deleted)
	}
	return err
}

func (w *cleaner) done() int {
	if w.run == nil {
		return 0
	}
	return w.run.Deleted
}

// uploads previews or aborts the unfinished uploads started before the
// cutoff. They are listed whole first (an upload is one entry, and buckets
// hold few), so no listing goes on from an upload already aborted.
func (w *cleaner) uploads(ctx context.Context) error {
	var old []MultipartUpload
	err := w.c.eachUpload(ctx, cleanupOp, w.cl.Bucket, w.cl.Prefix, func(page []MultipartUpload) error {
		for _, u := range page {
			w.seen++
			if u.Initiated.Before(w.cutoff) {
				old = append(old, u)
			}
		}
		w.report(0)
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range old {
		n, err := w.c.uploadBytes(ctx, w.cl.Bucket, u)
		if err != nil {
			return err
		}
		cd := candidate{ObjectID: ObjectID{Key: u.Key, VersionID: u.UploadID}, size: n, stored: u.Initiated}
		if w.run == nil {
			_ = w.take(ctx, cd)
			continue
		}
		if err := w.c.AbortMultipart(ctx, w.cl.Bucket, u.Key, u.UploadID); err != nil {
			return err
		}
		w.run.Deleted++
		w.run.Bytes += n
		w.report(w.run.Deleted)
	}
	return nil
}
