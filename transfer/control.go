package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"time"
)

// Causes of a job's context canceled by Pause and Cancel.
var (
	errPaused   = errors.New("paused")
	errCanceled = errors.New("canceled")
)

// cleanupTimeout bounds the abort of a canceled upload.
const cleanupTimeout = 30 * time.Second

// Pause stops a queued or running job and keeps what it has sent or
// received: the multipart upload and its parts, the partial file and its
// ranges. Parts in flight are lost. Pausing a paused or failed job does
// nothing; a finished one is ErrFinished. It does not wait for the job's
// goroutine; Wait does.
func (q *Queue) Pause(id JobID) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, err := q.jobLocked(id)
	if err != nil {
		return err
	}
	return q.pauseLocked(j)
}

func (q *Queue) pauseLocked(j *job) error {
	switch j.state {
	case Done, Canceled:
		return ErrFinished
	case Queued, Running:
		j.state = Paused
		if j.cancel != nil {
			j.cancel(errPaused)
		}
		q.markDirtyLocked()
		q.scheduleLocked()
		q.notifyLocked()
	}
	return nil
}

// Resume queues a paused or failed job again. When it runs, it first checks
// what the server kept: an upload lists its parts and sends only the missing
// ones (or starts over if the upload is gone), a download keeps its finished
// ranges and the saved start of unfinished ones. Resuming a queued or running job does nothing; a finished one is
// ErrFinished.
func (q *Queue) Resume(id JobID) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, err := q.jobLocked(id)
	if err != nil {
		return err
	}
	return q.resumeLocked(j)
}

func (q *Queue) resumeLocked(j *job) error {
	switch j.state {
	case Done, Canceled:
		return ErrFinished
	case Paused, Failed:
		j.state, j.err, j.finished = Queued, nil, time.Time{}
		q.markDirtyLocked()
		q.scheduleLocked()
		q.notifyLocked()
	}
	return nil
}

// Retry starts a failed (or paused) job again, keeping what it had sent or
// received, as Resume does.
func (q *Queue) Retry(id JobID) error { return q.Resume(id) }

// PauseAll pauses every queued and running job.
func (q *Queue) PauseAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range q.jobs {
		if j.state == Queued || j.state == Running {
			_ = q.pauseLocked(j)
		}
	}
}

// ResumeAll queues every paused job again; failed ones stay failed until
// retried.
func (q *Queue) ResumeAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	for _, j := range q.jobs {
		if j.state == Paused {
			_ = q.resumeLocked(j)
		}
	}
}

// ClearFinished removes Done and Canceled jobs from the list. Failed jobs
// stay: they may hold a multipart upload that B2 bills for, or a partial
// file, until they are retried or canceled.
func (q *Queue) ClearFinished() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removeLocked(func(j *job) bool { return j.state == Done || j.state == Canceled })
	q.notifyLocked()
}

// MoveToFront moves a queued, paused or failed job to the head of the
// list, so that it is the next to start once queued. Running jobs are not
// interrupted (nothing happens); finished ones are ErrFinished.
func (q *Queue) MoveToFront(id JobID) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, err := q.jobLocked(id)
	if err != nil {
		return err
	}
	switch j.state {
	case Running:
		return nil
	case Done, Canceled:
		return ErrFinished
	}
	i := slices.Index(q.jobs, j)
	q.jobs = slices.Insert(slices.Delete(q.jobs, i, i+1), 0, j)
	q.markDirtyLocked()
	q.scheduleLocked()
	q.notifyLocked()
	return nil
}

// SetLimits changes the bandwidth limits, in bytes per second (0 =
// unlimited), for jobs running now and later.
func (q *Queue) SetLimits(upload, download float64) {
	setLimit(q.lim[Upload], upload)
	setLimit(q.lim[Download], download)
}

// SetConnections changes the ceiling of the connection budget (requests
// in flight for all jobs together, 2 to 128) and the per-file ceiling of
// parts or ranges in flight (1 to 32); 0 means the default of either. The
// connection ceiling applies at once: a budget above it comes down (requests
// in flight finish, new ones wait), one below it may grow up to it. The
// per-file ceiling applies to jobs that start from now on.
func (q *Queue) SetConnections(maxConns, partsPerFile int) error {
	q.mu.Lock()
	o := q.opt
	q.mu.Unlock()
	o.MaxConnections, o.PartsPerFile = maxConns, partsPerFile
	o, err := o.normalize()
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.opt.MaxConnections, q.opt.PartsPerFile = o.MaxConnections, o.PartsPerFile
	q.conns.setCeiling(o.MaxConnections)
	q.scheduleLocked()
	q.notifyLocked()
	return nil
}

// Cancel stops a job for good and discards what it had done: it waits for
// the job's goroutine, aborts its multipart upload on the server (one
// request, at most 30 s) or removes its partial file, and drops it from the
// journal. The job stays in the list as Canceled until ClearFinished. A
// finished job is ErrFinished. The error of a failed abort is returned, the
// job is canceled all the same (the upload then shows among the bucket's
// unfinished uploads).
func (q *Queue) Cancel(id JobID) error {
	q.mu.Lock()
	j, err := q.jobLocked(id)
	if err != nil {
		q.mu.Unlock()
		return err
	}
	switch j.state {
	case Done:
		q.mu.Unlock()
		return ErrFinished
	case Canceled:
		q.mu.Unlock()
		return nil
	}
	j.state, j.finished = Canceled, time.Now()
	stopped := j.stopped
	if j.cancel != nil {
		j.cancel(errCanceled)
	}
	q.notifyLocked()
	q.mu.Unlock()

	if stopped != nil {
		<-stopped
	}
	q.mu.Lock()
	if j.state == Done { // it finished before it could be stopped
		q.mu.Unlock()
		return ErrFinished
	}
	up, down, cp := j.up, j.down, j.cp
	if up != nil {
		up = up.clone()
		j.up.UploadID, j.up.Parts = "", nil
	}
	if cp != nil {
		cp = cp.clone()
		j.cp.UploadID, j.cp.Parts = "", nil
	}
	j.done.Store(0)
	q.markDirtyLocked()
	q.notifyLocked()
	q.mu.Unlock()

	err = q.discard(up, down, cp)
	if ferr := q.flush(); ferr != nil {
		slog.Warn("transfer: write the journal", "err", ferr)
	}
	return err
}

// discard removes what a canceled job left behind.
func (q *Queue) discard(up *upState, down *downState, cp *copyState) error {
	if cp != nil && cp.UploadID != "" {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := abortUpload(ctx, q.r, cp.Bucket, cp.DstKey, cp.UploadID); err != nil {
			return fmt.Errorf("cancel copy to %s: %w", cp.DstKey, err)
		}
	}
	if up != nil && up.UploadID != "" {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := abortUpload(ctx, q.r, up.Bucket, up.Key, up.UploadID); err != nil {
			return fmt.Errorf("cancel upload of %s: %w", up.Key, err)
		}
	}
	if down != nil {
		if err := os.Remove(tempPath(down.Local)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cancel download of %s: %w", down.Key, err)
		}
	}
	return nil
}
