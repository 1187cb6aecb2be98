package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/haul-app/haul/store"
)

// Queue runs transfer jobs. All its methods are safe for concurrent use.
// Snapshot and the control methods other than Cancel and Close never wait
// for the network or the disk. Memory: a few hundred bytes per job, plus one
// 256 KiB buffer per part or range in flight, plus 4 MiB per multipart
// upload hashing its file.
type Queue struct {
	r        Remote // budgeted: requests of jobs hold slots of conns
	conns    *budget
	wire     atomic.Int64 // bytes sent or received, retries included, for conns
	opt      Options      // q.mu for MaxConnections and PartsPerFile
	jr       *journal     // nil without a JournalDir
	lim      [2]*rate.Limiter
	openFile func(name string) (partialFile, error) // tests replace it

	ctx  context.Context // parent of every job; ends at Close
	stop context.CancelFunc
	bg   sync.WaitGroup // sampler and journal saver

	mu         sync.Mutex
	jobs       []*job // queue order
	byID       map[JobID]*job
	closed     bool
	changed    chan struct{} // closed and replaced on every state change
	gen        uint64        // bumped on every change the journal should see
	seq        uint64        // the prio of the last job started
	journalErr error
}

// NewQueue starts a queue on r. With o.JournalDir set it reads the journal
// there: its unfinished jobs come back Paused, in their order. A journal
// that cannot be read is moved aside (transfers.json.broken-<time>) and
// reported as warning (matching ErrJournalBroken) with an empty queue. A
// journal of which only some records are damaged is moved aside the same
// way, but its readable records come back, and warning is a
// *JournalDamageError saying how many were set aside and where ("2
// transfers could not be read and were set aside (file ...)"), also
// matching ErrJournalBroken. err is for bad options or a journal that
// cannot even be moved. Close the queue when done with it.
func NewQueue(r Remote, o Options) (q *Queue, warning error, err error) {
	o, err = o.normalize()
	if err != nil {
		return nil, nil, err
	}
	conns := newBudget(o.MaxConnections)
	q = &Queue{
		r:        budgeted{r: r, b: conns},
		conns:    conns,
		opt:      o,
		lim:      [2]*rate.Limiter{newLimiter(o.UploadLimit), newLimiter(o.DownloadLimit)},
		openFile: openPartial,
		byID:     make(map[JobID]*job),
		changed:  make(chan struct{}),
	}
	if o.JournalDir != "" {
		q.jr = &journal{path: filepath.Join(o.JournalDir, journalName), kick: make(chan struct{}, 1)}
		var recs []record
		recs, warning, err = q.jr.load()
		if err != nil {
			return nil, nil, err
		}
		for _, rec := range recs {
			q.restore(rec)
		}
	}
	q.ctx, q.stop = context.WithCancel(context.Background())
	q.bg.Add(1)
	go q.sampler()
	if q.jr != nil {
		q.bg.Add(1)
		go q.saver()
	}
	return q, warning, nil
}

// restore adds a job read from the journal, Paused.
func (q *Queue) restore(rec record) {
	j := &job{id: rec.ID, added: rec.Added, state: Paused}
	switch {
	case rec.Upload != nil:
		j.dir, j.up = Upload, rec.Upload
		j.size.Store(rec.Upload.Size)
		j.done.Store(rec.Upload.doneBytes())
	case rec.Copy != nil:
		j.dir, j.cp = Copy, rec.Copy
		j.size.Store(rec.Copy.Size)
		j.done.Store(rec.Copy.doneBytes())
	default:
		j.dir, j.down = Download, rec.Download
		j.size.Store(rec.Download.Size)
		j.done.Store(rec.Download.doneBytes())
	}
	q.jobs = append(q.jobs, j)
	q.byID[j.id] = j
}

// AddUpload queues an upload and returns its ID. It checks the key against
// B2's rules and that the file exists (one stat); the upload itself happens
// in the background.
func (q *Queue) AddUpload(r UploadRequest) (JobID, error) {
	if r.Bucket == "" {
		return "", errors.New("upload: no bucket given")
	}
	if err := store.ValidateKey(r.Key); err != nil {
		return "", &store.Error{Op: "upload", Bucket: r.Bucket, Key: r.Key, Kind: store.ErrInvalidName, Message: err.Error(), Err: err}
	}
	var size int64
	if r.Local != "" {
		fi, err := os.Stat(r.Local)
		if err != nil {
			return "", fmt.Errorf("upload %s: %w", r.Local, err)
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("upload %s: not a regular file", r.Local)
		}
		size = fi.Size()
	}
	j := &job{id: newJobID(), dir: Upload, added: time.Now(), up: &upState{
		Local: r.Local, Bucket: r.Bucket, Key: r.Key, SSE: r.SSE, CustomerKey: r.CustomerKey, Size: size,
	}}
	j.size.Store(size)
	return j.id, q.add(j)
}

// AddDownload queues a download and returns its ID. It fails at once with
// ErrExists when Local exists and Replace is false, and with ErrDuplicate
// when another unfinished download writes Local; the download itself
// happens in the background.
func (q *Queue) AddDownload(r DownloadRequest) (JobID, error) {
	if r.Bucket == "" || r.Key == "" || r.Local == "" {
		return "", errors.New("download: bucket, key and local path are all required")
	}
	local, err := filepath.Abs(r.Local)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", r.Key, err)
	}
	if !r.Replace {
		if _, err := os.Lstat(local); !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("download %s: %w: %s", r.Key, ErrExists, local)
		}
	}
	j := &job{id: newJobID(), dir: Download, added: time.Now(), down: &downState{
		Bucket: r.Bucket, Key: r.Key, VersionID: r.VersionID, Local: local, Replace: r.Replace, Size: max(r.Size, 0),
	}}
	j.size.Store(j.down.Size)
	q.mu.Lock()
	for _, o := range q.jobs {
		if o.down != nil && o.down.Local == local && o.state != Done && o.state != Canceled {
			q.mu.Unlock()
			return "", fmt.Errorf("download %s: %w: %s", r.Key, ErrDuplicate, local)
		}
	}
	q.mu.Unlock()
	return j.id, q.add(j)
}

func (q *Queue) add(j *job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	q.jobs = append(q.jobs, j)
	q.byID[j.id] = j
	q.markDirtyLocked()
	q.scheduleLocked()
	q.notifyLocked()
	return nil
}

// scheduleLocked starts queued jobs, in order, while the connection budget
// has room after what the running jobs can use (see job.want), and fewer
// than FilesAtOnce run. A job whose previous run is still winding down
// counts as running and is not started twice.
func (q *Queue) scheduleLocked() {
	if q.closed {
		return
	}
	active, demand := 0, 0
	for _, j := range q.jobs {
		if j.stopped != nil {
			active++
			demand += max(1, j.want)
		}
	}
	limit := q.conns.current()
	for _, j := range q.jobs {
		if j.state != Queued || j.stopped != nil {
			continue
		}
		if active >= q.opt.FilesAtOnce {
			return
		}
		if demand >= limit {
			q.conns.markBound()
			return
		}
		q.startLocked(j)
		active++
		demand++
	}
}

// startPieces notes that j has n parts or ranges to send or fetch,
// perFile at a time: it wants that many connections, up to perFile.
func (q *Queue) startPieces(j *job, n, perFile int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j.pending, j.perFile = n, perFile
	j.want = max(1, min(n, perFile))
}

// pieceDone notes that one of j's parts or ranges is done, and starts
// queued jobs when what j wants now leaves room in the budget.
func (q *Queue) pieceDone(j *job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j.pending--
	if want := max(1, min(j.pending, j.perFile)); want < j.want {
		j.want = want
		q.scheduleLocked()
	}
}

// piecesDone notes that j is past its parts or ranges: it wants one
// connection, to finish.
func (q *Queue) piecesDone(j *job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if j.want > 1 {
		j.want = 1
		q.scheduleLocked()
	}
}

// partsPerFile is the per-file ceiling for a job starting now.
func (q *Queue) partsPerFile() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.opt.PartsPerFile
}

// startLocked runs j in a goroutine of its own.
func (q *Queue) startLocked(j *job) {
	ctx, cancel := context.WithCancelCause(q.ctx)
	stopped := make(chan struct{})
	j.state, j.err, j.finished = Running, nil, time.Time{}
	j.cancel, j.stopped = cancel, stopped
	j.runStart = time.Time{}
	j.clearRetryLocked()
	q.seq++
	j.want = 1
	prio := q.seq
	go func() {
		var err error
		ctx := q.withRetryNotes(withSlots(ctx, prio), j, jobRequest, "")
		switch j.dir {
		case Upload:
			err = q.upload(ctx, j)
		case Copy:
			err = q.copy(ctx, j)
		default:
			err = q.download(ctx, j)
		}
		cancel(nil)
		q.mu.Lock()
		switch {
		case err == nil:
			// Finished, even when a pause or cancel came too late to stop it.
			j.state, j.err, j.finished = Done, nil, time.Now()
			j.done.Store(j.size.Load())
		case j.state != Running:
			// Paused, canceled or re-queued meanwhile: that stands.
		case q.closed:
			j.state = Paused
		default:
			j.state, j.err, j.finished = Failed, err, time.Now()
		}
		j.cancel, j.stopped, j.want = nil, nil, 0
		j.clearRetryLocked()
		close(stopped)
		q.markDirtyLocked()
		q.scheduleLocked()
		q.notifyLocked()
		q.mu.Unlock()
	}()
}

// notifyLocked wakes every Wait.
func (q *Queue) notifyLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// Snapshot copies the state of every job, in queue order, with totals. It
// takes the queue's lock briefly and does no I/O: call it from a UI ticker.
func (q *Queue) Snapshot() Snapshot {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := Snapshot{Jobs: make([]JobStatus, 0, len(q.jobs)), JournalErr: q.journalErr}
	s.Connections, s.MaxConnections, s.InFlight = q.conns.state()
	var remaining int64
	for _, j := range q.jobs {
		st := q.statusLocked(j)
		s.Jobs = append(s.Jobs, st)
		switch st.State {
		case Running:
			s.Running++
			s.Speed += st.Speed
		case Queued:
			s.Queued++
		case Failed:
			s.Failed++
		}
		if st.State != Canceled {
			s.Size += st.Size
			s.Done += st.Done
		}
		if st.State == Running || st.State == Queued {
			remaining += st.Size - st.Done
		}
	}
	s.ETA = eta(remaining, s.Speed)
	return s
}

func (q *Queue) statusLocked(j *job) JobStatus {
	st := JobStatus{
		ID: j.id, Dir: j.dir, State: j.state, Err: j.err, Added: j.added, Finished: j.finished,
		Size: j.size.Load(), Done: j.done.Load(), Retrying: j.retrying, RetryAt: j.retryAt,
	}
	switch {
	case j.up != nil:
		st.Bucket, st.Key, st.Local = j.up.Bucket, j.up.Key, j.up.Local
	case j.cp != nil:
		st.Bucket, st.Key, st.Source, st.VersionID = j.cp.Bucket, j.cp.DstKey, j.cp.SrcKey, j.cp.SrcVersionID
		if j.cp.Pinned != "" {
			st.VersionID = j.cp.Pinned
		}
	default:
		st.Bucket, st.Key, st.Local = j.down.Bucket, j.down.Key, j.down.Local
		st.VersionID = j.down.VersionID
		if j.down.Pinned != "" {
			st.VersionID = j.down.Pinned
		}
	}
	st.Done = max(0, st.Done)
	if st.Size > 0 {
		st.Done = min(st.Done, st.Size)
	}
	if j.state == Running {
		st.Speed = j.speed
		st.ETA = eta(st.Size-st.Done, st.Speed)
	}
	return st
}

// Wait blocks until job id is Done, Failed, Canceled or Paused and its
// goroutine has returned, or ctx ends. The job's own failure is in
// JobStatus.Err; err is ErrUnknownJob or ctx's error.
func (q *Queue) Wait(ctx context.Context, id JobID) (JobStatus, error) {
	for {
		q.mu.Lock()
		j, ok := q.byID[id]
		if !ok {
			q.mu.Unlock()
			return JobStatus{}, ErrUnknownJob
		}
		st := q.statusLocked(j)
		if j.state.settled() && j.stopped == nil {
			q.mu.Unlock()
			return st, nil
		}
		ch := q.changed
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return st, ctx.Err()
		}
	}
}

// Close stops every job, waits for them, writes the journal one last time
// and returns the error of that write. Unfinished jobs stay in the journal
// as they are, to come back Paused in the next NewQueue. Later calls on
// the queue fail with ErrClosed.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	var running []chan struct{}
	for _, j := range q.jobs {
		if j.stopped != nil {
			j.cancel(ErrClosed)
			running = append(running, j.stopped)
		}
		if j.state == Queued {
			j.state = Paused
		}
	}
	q.notifyLocked()
	q.mu.Unlock()
	for _, ch := range running {
		<-ch
	}
	q.stop()
	q.bg.Wait()
	return q.flush()
}

// sampler updates speeds until the queue closes.
func (q *Queue) sampler() {
	defer q.bg.Done()
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		select {
		case <-q.ctx.Done():
			return
		case now := <-t.C:
			q.mu.Lock()
			q.sampleLocked(now)
			if q.conns.tick(now, q.wire.Load()) {
				q.scheduleLocked()
			}
			q.mu.Unlock()
		}
	}
}

// jobLocked returns the job named id, or why there is none.
func (q *Queue) jobLocked(id JobID) (*job, error) {
	if q.closed {
		return nil, ErrClosed
	}
	j, ok := q.byID[id]
	if !ok {
		return nil, ErrUnknownJob
	}
	return j, nil
}

// removeLocked drops jobs for which drop is true from the list.
func (q *Queue) removeLocked(drop func(*job) bool) {
	q.jobs = slices.DeleteFunc(q.jobs, func(j *job) bool {
		if drop(j) {
			delete(q.byID, j.id)
			return true
		}
		return false
	})
}
