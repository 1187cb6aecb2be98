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
	"golang.org/x/time/rate"

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

	pieceMu sync.Mutex       // guards untaken and active
	untaken []*rangeProgress // ranges no goroutine has taken yet
	active  []*rangeProgress // pieces being fetched
	wait    atomic.Int64     // the shortest wait for a range's answer so far, in nanoseconds; 0 before
}

// rangeProgress is one range of a download: length bytes at off, of which
// got from its start are written to the partial file, and saved of those
// synced and journaled (length once the journal lists the range as whole).
//
// A range can be split while it is fetched (see fetch.splitLocked): its own
// reads then stop at end, and tail, a piece of its own, fetches the rest.
// A tail is a rangeProgress with the range's i, covering [off, off+length)
// of the file up to its own tail; only the ranges of the file's layout are
// journaled, by prefix.
type rangeProgress struct {
	i           int
	off, length int64
	got         atomic.Int64 // written by the piece's own goroutine only
	saved       atomic.Int64 // written by checkpoint only
	// end is where the piece's own reads stop, counted from off: length
	// until a split lowers it (each split halves what the piece has left).
	end atomic.Int64
	// tail fetches from off+end on, once the piece is split: a later split
	// puts its new piece between the two. It is stored before end is
	// lowered.
	tail atomic.Pointer[rangeProgress]
	// since is when the piece's current request sent its first byte (Unix
	// nanoseconds; 0 before), and from how much the piece had got then:
	// the piece's pace, for splitLocked.
	since, from atomic.Int64
	// first is the body of the range already opened by the download's
	// first request (see Queue.describe), which the range's first
	// attempt reads instead of asking again; nil otherwise.
	first io.ReadCloser
	// early is the range's answer asked for alongside the first range
	// (see Queue.earlyRanges), which its first attempt reads when it is of
	// the pinned version; nil otherwise.
	early *earlyRange
}

// newPiece returns the piece of length bytes at off, got of them written.
func newPiece(i int, off, length, got int64) *rangeProgress {
	rp := &rangeProgress{i: i, off: off, length: length}
	rp.got.Store(got)
	rp.end.Store(length)
	return rp
}

// prefix is how many bytes from the piece's start are written without a
// gap: its own, then, once they reach end, its tail's.
func (rp *rangeProgress) prefix() int64 {
	got, end := rp.got.Load(), rp.end.Load()
	if got < end {
		return got
	}
	if t := rp.tail.Load(); t != nil {
		return end + t.prefix()
	}
	return end
}

// written is how many bytes the piece and its tails have written, each
// counted once.
func (rp *rangeProgress) written() int64 {
	n := min(rp.got.Load(), rp.end.Load())
	if t := rp.tail.Load(); t != nil {
		n += t.written()
	}
	return n
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
	q, j, st := d.q, d.j, d.st
	body := rp.first
	rp.first = nil
	if e := rp.early; body == nil && e != nil {
		rp.early = nil
		body = e.take(rctx, st.Pinned, st.ETag)
	}
	if body != nil {
		stop := context.AfterFunc(rctx, func() { body.Close() })
		return &afterBody{ReadCloser: body, stop: stop}, nil
	}
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
		got := st.Partial[i]
		if _, whole := slices.BinarySearch(st.Ranges, i); whole {
			got = length
		}
		rp := newPiece(i, off, length, got)
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
	d.untaken = missing
	g, gctx := errgroup.WithContext(rctx)
	for range min(perFile, len(missing)) {
		g.Go(func() error {
			for gctx.Err() == nil {
				rp, whole := d.next(gctx)
				if rp == nil {
					return nil
				}
				err := d.fetchRange(gctx, rp)
				d.retire(rp)
				if err != nil {
					return err
				}
				if whole {
					d.q.pieceDone(d.j)
				}
			}
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
			d.j.done.Add(rp.saved.Load() - rp.written())
		}
	}
	return err
}

// A piece is split (see splitLocked) only when that pays: its owner needs more
// than splitAfter, and more than splitWaits times the download's shortest
// wait for an answer, to fetch what it has left at its own pace, and it
// has minSplit bytes left. Each half is then at least minSplit/2, well over
// what a read in progress can still write (one buffer of bufPool). On
// loopback, where every piece ends in milliseconds, nothing is split.
var (
	splitAfter = 200 * time.Millisecond
	minSplit   = int64(1 << 20)
)

const splitWaits = 3

// next returns the next range to fetch, whole reporting that it is one of
// the file's ranges; once every range is taken, the second half of a piece
// that is worth splitting (splitLocked), waiting splitPoll between looks
// while some piece has enough left to become worth it. nil when nothing
// is left to take, or ctx ended.
func (d *fetch) next(ctx context.Context) (rp *rangeProgress, whole bool) {
	for {
		rp, whole, more := d.take()
		if rp != nil || !more || sleep(ctx, splitPoll) != nil {
			return rp, whole
		}
	}
}

// splitPoll is how often an idle goroutine of a download looks for a piece
// worth splitting.
const splitPoll = 50 * time.Millisecond

// take is one look of next: more reports that nothing was taken but some
// piece still has minSplit bytes left.
func (d *fetch) take() (rp *rangeProgress, whole, more bool) {
	d.pieceMu.Lock()
	defer d.pieceMu.Unlock()
	if len(d.untaken) > 0 {
		rp, d.untaken = d.untaken[0], d.untaken[1:]
		d.active = append(d.active, rp)
		return rp, true, false
	}
	if rp = d.splitLocked(); rp != nil {
		d.active = append(d.active, rp)
		return rp, false, false
	}
	more = slices.ContainsFunc(d.active, func(p *rangeProgress) bool {
		return p.end.Load()-p.got.Load() >= minSplit
	})
	return nil, false, more
}

// splitLocked cuts the piece that needs the longest to end in two, at the
// middle of what it has left, and returns the second half as a new piece:
// its owner's reads stop where the new piece starts. It returns nil when no
// piece is worth splitting (see splitAfter).
//
// Without it the last ranges of a file finish one by one, and the line
// idles while the slowest connection drains the last of them; with it the
// goroutines that are done share that work until every connection ends at
// about the same time.
//
// Should the owner's read overtake the cut (it cannot: the cut is at least
// minSplit/2 ahead of what it had, and it reads a buffer at a time, looking
// at end before each read), both would write the same bytes of the same
// pinned version to the same place.
func (d *fetch) splitLocked() *rangeProgress {
	if l := d.q.lim[Download]; l != nil && l.Limit() != rate.Inf {
		return nil // the bandwidth limit, not the connections, sets the pace
	}
	now := time.Now().UnixNano()
	worth := max(splitAfter, splitWaits*time.Duration(d.wait.Load()))
	var best *rangeProgress
	var bestLeft int64
	var bestTime time.Duration
	for _, rp := range d.active {
		got, since, from := rp.got.Load(), rp.since.Load(), rp.from.Load()
		left := rp.end.Load() - got
		if since == 0 || got <= from || left < minSplit {
			continue // no pace to judge by yet, or too little left
		}
		t := time.Duration(float64(now-since) / float64(got-from) * float64(left))
		if t > bestTime {
			best, bestLeft, bestTime = rp, left, t
		}
	}
	if best == nil || bestTime < worth {
		return nil
	}
	end := best.got.Load() + bestLeft
	at := end - bestLeft/2
	t := newPiece(best.i, best.off+at, end-at, 0)
	t.tail.Store(best.tail.Load())
	best.tail.Store(t)
	best.end.Store(at)
	return t
}

// noteWait keeps the shortest wait for an answer.
func (d *fetch) noteWait(w time.Duration) {
	for {
		old := d.wait.Load()
		if old != 0 && old <= int64(w) || d.wait.CompareAndSwap(old, int64(w)) {
			return
		}
	}
}

// retire takes rp off the pieces being fetched.
func (d *fetch) retire(rp *rangeProgress) {
	d.pieceMu.Lock()
	defer d.pieceMu.Unlock()
	d.active = slices.DeleteFunc(d.active, func(o *rangeProgress) bool { return o == rp })
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
	for failures := 0; rp.got.Load() < rp.end.Load(); {
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
		got[k] = r.prefix()
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

// readRange asks for the rest of piece rp and writes what arrives to the
// file, counting it, starting its writeback and asking for a checkpoint
// every checkpointEvery bytes, until the body ends, breaks, or stalls for
// stallTimeout, or the piece's end, lowered by a split, is reached.
func (d *fetch) readRange(ctx context.Context, rp *rangeProgress) error {
	q, j, st := d.q, d.j, d.st
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	dog := newWatchdog(stallTimeout, cancel)
	defer dog.pause()
	base := rp.got.Load()
	start := rp.off + base
	n := rp.end.Load() - base
	if rp.first != nil || rp.early != nil {
		n = rp.length // the request already made asked for the whole range
	}
	key := int64(rp.i) + 1
	asked := time.Now()
	fresh := rp.first == nil && rp.early == nil
	body, err := d.open(rctx, rp, start, n)
	if err != nil {
		return stallErr(rctx, st, err)
	}
	if fresh {
		d.noteWait(time.Since(asked))
	}
	rp.since.Store(0)
	q.retryDone(j, key)
	defer body.Close() // before the end, when split: the connection is dropped
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var got, written int64 // written: handed to startWriteback
	for {
		left := rp.end.Load() - base - got // a split lowers it
		switch {
		case left < n-got && left <= 0:
			return nil // split, and this piece's part is written
		case left == n-got:
			// One byte more than is due, to see the body end rather than
			// leave it unread (which would close the connection).
			left++
		}
		p := (*bp)[:min(int64(len(*bp)), left)]
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
		m = int(min(int64(m), rp.end.Load()-base-got)) // a tail's bytes are its own
		if m > 0 {
			if got == 0 {
				rp.from.Store(base)
				rp.since.Store(time.Now().UnixNano())
			}
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
