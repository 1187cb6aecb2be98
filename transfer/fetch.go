package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store"
)

// fetch is one run of a download: its ranges, the partial file they write
// and the check that follows them (sum, nil when the server gave nothing
// to check).
type fetch struct {
	q      *Queue
	j      *job
	st     *downState
	f      partialFile
	ranges []*rangeProgress // every range of the file, in order
	sum    *runningSum
	due    atomic.Bool // a range asked for a checkpoint
	syncMu sync.Mutex  // one checkpoint at a time
}

// rangeProgress is one range of a download: length bytes at off, of which
// got from its start are written to the partial file, and saved of those
// synced and journaled (length once the journal lists the range as whole).
type rangeProgress struct {
	i           int
	off, length int64
	got         atomic.Int64 // written by the range's own goroutine only
	saved       atomic.Int64 // written by checkpoint only
	// first is the body of the range already opened by the download's
	// first request (see Queue.describe), which the range's first
	// attempt reads instead of asking again; nil otherwise.
	first io.ReadCloser
}

// closeFirst closes the range's opened body if no attempt took it; it runs
// once the range's goroutine has ended.
func (rp *rangeProgress) closeFirst() {
	if rp.first != nil {
		rp.first.Close()
		rp.first = nil
	}
}

// open returns the body of the rest of the range: the one the download's
// first request opened if it is still unread, else a new request's. A body
// opened before rctx existed is closed when rctx ends, so that a stall or a
// cancel breaks its reads as it breaks a request's.
func (d *fetch) open(rctx context.Context, rp *rangeProgress, start, n int64) (io.ReadCloser, error) {
	if body := rp.first; body != nil {
		rp.first = nil
		stop := context.AfterFunc(rctx, func() { body.Close() })
		return &afterBody{ReadCloser: body, stop: stop}, nil
	}
	q, j, st := d.q, d.j, d.st
	ctx := q.withRetryNotes(rctx, j, int64(rp.i)+1, rangeWhat(st, rp.i))
	_, body, err := q.r.Open(ctx, st.Bucket, st.Key, st.Pinned, start, n)
	return body, err
}

// afterBody is a body closed by a context.AfterFunc; Close also stops it.
type afterBody struct {
	io.ReadCloser
	stop func() bool
}

func (b *afterBody) Close() error {
	b.stop()
	return b.ReadCloser.Close()
}

// newFetch lays out the ranges of a download from what the journal says
// was received (st.Ranges whole, st.Partial in part).
func (q *Queue) newFetch(j *job, st *downState, f partialFile, info store.ObjectInfo) *fetch {
	d := &fetch{q: q, j: j, st: st, f: f, ranges: make([]*rangeProgress, partCount(st.Size, st.PartSize))}
	for i := range d.ranges {
		off, length := pieceAt(i, st.Size, st.PartSize)
		rp := &rangeProgress{i: i, off: off, length: length}
		got := st.Partial[i]
		if _, whole := slices.BinarySearch(st.Ranges, i); whole {
			got = length
		}
		rp.got.Store(got)
		rp.saved.Store(got)
		d.ranges[i] = rp
	}
	d.sum = newRunningSum(f, sumFor(info), d.ranges, st.Size, st.PartSize)
	return d
}

// fetchMissing fetches the ranges not received yet, up to the per-file
// ceiling at once, each resuming where the last checkpoint left it, while
// the saver makes checkpoints. When it fails it makes one last checkpoint
// (unless the job was canceled), and takes bytes written but not saved
// off the job's counter.
func (d *fetch) fetchMissing(ctx context.Context) error {
	var missing []*rangeProgress
	for _, rp := range d.ranges {
		if rp.saved.Load() < rp.length {
			missing = append(missing, rp)
		}
	}
	perFile := d.q.partsPerFile()
	d.q.startPieces(d.j, len(missing), perFile)
	defer d.q.piecesDone(d.j)
	rctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	stop := make(chan struct{})
	saverDone := make(chan struct{})
	go func() {
		defer close(saverDone)
		d.saver(stop, fail)
	}()
	g, gctx := errgroup.WithContext(rctx)
	g.SetLimit(perFile)
	for _, rp := range missing {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := d.fetchRange(gctx, rp); err != nil {
				return err
			}
			d.q.pieceDone(d.j)
			return nil
		})
	}
	err := g.Wait()
	close(stop)
	<-saverDone
	if cause := context.Cause(rctx); err != nil && cause != nil && ctx.Err() == nil {
		err = cause // the saver's sync failed
	}
	if err != nil {
		if !errors.Is(context.Cause(ctx), errCanceled) {
			_ = d.checkpoint() // keep what arrived; a failure here changes nothing
		}
		for _, rp := range missing {
			d.j.done.Add(rp.saved.Load() - rp.got.Load())
		}
	}
	return err
}

// saver makes the checkpoints that ranges ask for, at most one per
// checkpointGap, until stop is closed. A sync that fails ends the
// download through fail.
func (d *fetch) saver(stop <-chan struct{}, fail context.CancelCauseFunc) {
	t := time.NewTicker(checkpointGap)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if !d.due.Swap(false) {
				continue
			}
			if err := d.checkpoint(); err != nil {
				fail(err)
				return
			}
		}
	}
}

// fetchRange downloads the rest of a range into the file, asking again for
// the rest when the connection breaks. The next checkpoint records it.
func (d *fetch) fetchRange(ctx context.Context, rp *rangeProgress) error {
	st := d.st
	for failures := 0; rp.got.Load() < rp.length; {
		before := rp.got.Load()
		err := d.readRange(ctx, rp)
		if err == nil {
			continue
		}
		if rp.got.Load() > before {
			failures = 0
		}
		failures++
		var local *localError
		if ctx.Err() != nil || errors.As(err, &local) || failures >= maxRangeAttempts {
			return err
		}
		d.q.noteRetry(d.j, int64(rp.i)+1, retrySentence(rangeWhat(st, rp.i), failureReason(err), failures+1, maxRangeAttempts))
		if err := sleep(ctx, min(rangeBackoff<<(failures-1), maxRangeBackoff)); err != nil {
			return err
		}
	}
	d.due.Store(true)
	return nil
}

// checkpoint syncs the file and then journals how far every range got
// before the sync: only bytes on the disk count as saved. A range that
// got to its end is journaled whole (downState.Ranges), one in the middle
// by its progress (downState.Partial). One sync covers every range.
func (d *fetch) checkpoint() error {
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	got := make([]int64, len(d.ranges))
	changed := false
	for k, r := range d.ranges {
		got[k] = r.got.Load()
		changed = changed || got[k] > r.saved.Load()
	}
	if !changed {
		return nil
	}
	if err := d.f.Sync(); err != nil {
		return diskErr("write", d.st.Temp, err)
	}
	d.q.update(func() {
		down := d.j.down
		for k, r := range d.ranges {
			switch {
			case got[k] <= r.saved.Load():
			case got[k] == r.length:
				if i, found := slices.BinarySearch(down.Ranges, r.i); !found {
					down.Ranges = slices.Insert(down.Ranges, i, r.i)
				}
				delete(down.Partial, r.i)
			default:
				if down.Partial == nil {
					down.Partial = make(map[int]int64)
				}
				down.Partial[r.i] = got[k]
			}
		}
	})
	for k, r := range d.ranges {
		if got[k] > r.saved.Load() {
			r.saved.Store(got[k])
		}
	}
	return nil
}

// writebackEvery is how many bytes a range writes between asking the
// kernel to start writing them to the disk (startWriteback).
const writebackEvery = 2 << 20

// readRange asks for the rest of range rp and writes what arrives to the
// file, counting it, starting its writeback and asking for a checkpoint
// every checkpointEvery bytes, until the body ends, breaks, or stalls for
// stallTimeout.
func (d *fetch) readRange(ctx context.Context, rp *rangeProgress) error {
	q, j, st := d.q, d.j, d.st
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	dog := newWatchdog(stallTimeout, cancel)
	defer dog.pause()
	start := rp.off + rp.got.Load()
	n := rp.length - rp.got.Load()
	key := int64(rp.i) + 1
	body, err := d.open(rctx, rp, start, n)
	if err != nil {
		return stallErr(rctx, st, err)
	}
	q.retryDone(j, key)
	defer body.Close()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var got, written int64 // written: handed to startWriteback
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
			if _, err := d.f.WriteAt(p[:m], start+got); err != nil {
				return diskErr("write", st.Temp, err)
			}
			got += int64(m)
			now := rp.got.Add(int64(m))
			j.done.Add(int64(m))
			q.wire.Add(int64(m))
			d.sum.poke()
			if got-written >= writebackEvery {
				startWriteback(d.f, start+written, got-written)
				written = got
			}
			if now-rp.saved.Load() >= checkpointEvery {
				d.due.Store(true)
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
