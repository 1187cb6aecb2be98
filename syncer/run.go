package syncer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/transfer"
)

// Queue is the transfer queue a run hands its copies to, so that pause,
// resume, cancel, retries, bandwidth limits and crash resume all apply;
// *transfer.Queue is the real one.
type Queue interface {
	AddUpload(r transfer.UploadRequest) (transfer.JobID, error)
	AddDownload(r transfer.DownloadRequest) (transfer.JobID, error)
	// Wait blocks until a job is done, failed, canceled or paused.
	Wait(ctx context.Context, id transfer.JobID) (transfer.JobStatus, error)
}

var _ Queue = (*transfer.Queue)(nil)

// Result is what a run did.
type Result struct {
	// Summary is what the comparison found: the preview of this run.
	Summary Summary
	// Copied counts the transfers that finished, Removed the files hidden
	// in the bucket or moved to the trash.
	Copied, Removed Tally
	// Failed lists the copies and removals that did not happen, and why.
	Failed []Failure
	// Pending lists the removals left undone because they were more than
	// the pair's MaxRemoveShare (the run's error is then a
	// *TooManyRemovalsError); after the person agrees, RemoveItems does them.
	Pending           []Item
	Started, Finished time.Time
}

// Failure is an item a run could not carry out.
type Failure struct {
	Item Item
	Err  error
}

// Run makes the destination of p match its source: it compares as Compare
// does and, as each item comes out, adds its copy to q, so transfers start
// long before a large comparison ends. At most WithMaxQueued of its
// transfers are unfinished in q at a time: the comparison waits for the
// oldest, which bounds the queue (and its journal) however large the
// folder. It then waits for every transfer. A downloaded file whose
// bucket copy kept no src_last_modified_millis is given the upload time as
// its modification time, so that the next comparison finds it the same.
//
// Removals come last, once the comparison is complete and every transfer
// has settled: in the bucket as hide markers (store's Delete; the files
// can be undeleted), on disk through the Trash (WithTrash; never deleted
// for good; a local file that changed since it was compared is left
// alone). When they are more than p's MaxRemoveShare of the destination and
// ConfirmRemovals is not given, none is done: they are returned in
// Result.Pending with a *TooManyRemovalsError (RemoveItems does them later).
//
// Items are decided exactly as Compare decides them, so a preview made
// with Compare just before is what Run does, unless either side changed in
// between. Failures of single files are in Result.Failed; err is for the
// run as a whole (listing failed, ctx ended, too many removals). When ctx
// ends, transfers already queued stay in q.
func Run(ctx context.Context, p Pair, remote Remote, q Queue, opts ...Option) (Result, error) {
	o := collect(opts)
	r := &runner{ctx: ctx, p: p, remote: remote, q: q, o: o, res: Result{Started: time.Now()}}
	sum, err := Compare(ctx, p, remote, r.take, append(opts, WithProgress(o.progress))...)
	r.res.Summary = sum
	if err == nil {
		for len(r.queued) > 0 && err == nil {
			err = r.settleOldest(ctx)
		}
	}
	if err == nil && len(r.removals) > 0 {
		if err = sum.CheckRemovals(p); err != nil && !o.confirm {
			r.res.Pending = r.removals
		} else {
			err = nil
			rem, rerr := RemoveItems(ctx, p, remote, r.removals, opts...)
			r.res.Removed = rem.Removed
			r.res.Failed = append(r.res.Failed, rem.Failed...)
			err = rerr
		}
	}
	r.res.Finished = time.Now()
	return r.res, err
}

type runner struct {
	ctx      context.Context // the run's, for waits inside take
	p        Pair
	remote   Remote
	q        Queue
	o        options
	res      Result
	queued   []queuedJob
	removals []Item
}

type queuedJob struct {
	id transfer.JobID
	it Item
}

// take acts on one item of the comparison.
func (r *runner) take(it Item) error {
	if r.o.onItem != nil {
		r.o.onItem(it)
	}
	switch it.Action {
	case Remove:
		r.removals = append(r.removals, it)
		return nil
	case New, Changed:
	default:
		return nil
	}
	for len(r.queued) >= r.o.maxQueued {
		if err := r.settleOldest(r.ctx); err != nil {
			return err
		}
	}
	var id transfer.JobID
	var err error
	if r.p.Direction.ToRemote() {
		id, err = r.q.AddUpload(transfer.UploadRequest{
			Local: r.p.LocalPath(it.Rel), Bucket: r.p.Bucket, Key: r.p.Key(it.Rel),
			SSE: r.o.uploadSSE && r.o.uploadKey == "", CustomerKey: r.o.uploadKey,
		})
	} else {
		id, err = r.q.AddDownload(transfer.DownloadRequest{
			Bucket: r.p.Bucket, Key: r.p.Key(it.Rel), VersionID: it.RemoteVersion,
			Local: r.p.LocalPath(it.Rel), Replace: it.Action == Changed, Size: it.RemoteSize,
		})
	}
	if err != nil {
		r.res.Failed = append(r.res.Failed, Failure{Item: it, Err: err})
		return nil
	}
	r.o.progress.Queued.Add(1)
	r.queued = append(r.queued, queuedJob{id: id, it: it})
	if r.o.onQueued != nil {
		r.o.onQueued(it, id)
	}
	return nil
}

// pausedPoll is how often a run looks again at a paused transfer.
const pausedPoll = 250 * time.Millisecond

// settleOldest waits for the oldest unfinished transfer to finish, fail or
// be canceled; a paused one is waited for until it is resumed.
func (r *runner) settleOldest(ctx context.Context) error {
	j := r.queued[0]
	for {
		st, err := r.q.Wait(ctx, j.id)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", j.it.Rel, err)
		}
		switch st.State {
		case transfer.Paused:
			select {
			case <-time.After(pausedPoll):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		case transfer.Done:
			r.o.progress.Finished.Add(1)
			r.res.Copied.add(j.it.Bytes)
			if !r.p.Direction.ToRemote() && j.it.RemoteUploadTime && !j.it.RemoteModified.IsZero() {
				t := j.it.RemoteModified
				_ = os.Chtimes(r.p.LocalPath(j.it.Rel), t, t) // a date is not worth failing for
			}
		default:
			r.o.progress.Failed.Add(1)
			err := st.Err
			if err == nil {
				err = fmt.Errorf("the transfer was %s", st.State)
			}
			r.res.Failed = append(r.res.Failed, Failure{Item: j.it, Err: err})
		}
		r.queued = r.queued[1:]
		return nil
	}
}

// RemoveResult is what RemoveItems did.
type RemoveResult struct {
	Removed Tally
	Failed  []Failure
}

// RemoveItems carries out removals of a comparison of p (items whose Action is
// Remove; others are ignored): it hides bucket files behind hide markers,
// WithWorkers at a time, or moves local files to the trash, one at a time.
// A local file whose size or modification time is no longer what the item
// says is left alone and reported. Run calls it; a UI calls it itself for
// the Result.Pending of a run after the person agreed.
func RemoveItems(ctx context.Context, p Pair, remote Remote, items []Item, opts ...Option) (RemoveResult, error) {
	o := collect(opts)
	var res RemoveResult
	var mu sync.Mutex
	note := func(it Item, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Failed = append(res.Failed, Failure{Item: it, Err: err})
			return
		}
		o.progress.Removed.Add(1)
		res.Removed.add(it.Bytes)
	}
	if p.Direction.ToRemote() {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(o.workers)
		for _, it := range items {
			if it.Action != Remove {
				continue
			}
			g.Go(func() error {
				if err := gctx.Err(); err != nil {
					return err
				}
				note(it, remote.Delete(gctx, p.Bucket, p.Key(it.Rel)))
				return nil
			})
		}
		err := g.Wait()
		if err == nil {
			err = ctx.Err()
		}
		return res, err
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if it.Action != Remove {
			continue
		}
		note(it, trashIfUnchanged(o.trash, p.LocalPath(it.Rel), it))
	}
	return res, nil
}

// errChangedSinceCompared keeps a local file that changed after the
// comparison that decided to remove it.
var errChangedSinceCompared = errors.New("the file changed after it was compared, so it was left in place")

func trashIfUnchanged(t Trash, path string, it Item) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Size() != it.LocalSize || !fi.ModTime().Equal(it.LocalModified) {
		return errChangedSinceCompared
	}
	return t.Trash(path)
}
