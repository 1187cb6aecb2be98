package transfer

import (
	"context"
	"errors"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

const (
	// sampleEvery is how often the sampler turns counters into speeds.
	sampleEvery = 250 * time.Millisecond
	// speedWindow is the time constant of the speed's moving average; a
	// job younger than that shows its plain average instead.
	speedWindow = 5 * time.Second
)

// stallTimeout is how long a part or range may go without moving a byte
// before its connection is given up and the request made again; a laptop
// that slept or changed networks leaves connections that never fail on
// their own. A variable so tests can shorten it.
var stallTimeout = time.Minute

// errStalled is the cause of a request canceled by its watchdog.
var errStalled = errors.New("no data moved for too long")

// watchdog cancels a request when kick has not been called for d.
type watchdog struct {
	d time.Duration
	t *time.Timer
}

func newWatchdog(d time.Duration, cancel context.CancelCauseFunc) *watchdog {
	return &watchdog{d: d, t: time.AfterFunc(d, func() { cancel(errStalled) })}
}

func (w *watchdog) kick()  { w.t.Reset(w.d) }
func (w *watchdog) pause() { w.t.Stop() }

// partBody is an upload body as the HTTP client reads it. It counts bytes
// as they are read, which is when they leave, into the job's counter. The
// SDK reads a body more than once (to sign it over plain http, to retry),
// so a rewind to the start takes back what the pass counted. The first skip
// passes are neither counted nor held to the bandwidth limit: store.Put
// reads the whole body for its MD5 before sending it. It keeps Seek and
// ReadAt so the SDK never copies the body into memory.
type partBody struct {
	ctx   context.Context
	r     *io.SectionReader
	lim   *rate.Limiter
	total *atomic.Int64
	wire  *atomic.Int64 // nil, or a counter of bytes sent that retries do not take back
	dog   *watchdog     // nil for no stall detection
	skip  int

	mu   sync.Mutex // the transport may still read while the SDK rewinds
	pass int        // rewinds after reading
	read int64      // read in this pass
	n    int64      // counted in this pass
}

func newPartBody(ctx context.Context, r *io.SectionReader, total *atomic.Int64, lim *rate.Limiter, dog *watchdog, skip int) *partBody {
	return &partBody{ctx: ctx, r: r, lim: lim, total: total, dog: dog, skip: skip}
}

// Read reads from the file, after waiting for the bandwidth limit. The
// watchdog rests while the limiter holds the read back: that is not a stall
// of the connection.
func (b *partBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	counted := b.pass >= b.skip
	b.mu.Unlock()
	if !counted {
		n, err := b.r.Read(p)
		b.mu.Lock()
		b.read += int64(n)
		b.mu.Unlock()
		if b.dog != nil {
			b.dog.kick() // reading a slow disk is not a stall
		}
		return n, err
	}
	if b.dog != nil {
		b.dog.pause()
	}
	if err := waitLimit(b.ctx, b.lim, &p); err != nil {
		return 0, err
	}
	n, err := b.r.Read(p)
	b.mu.Lock()
	b.read += int64(n)
	b.n += int64(n)
	b.mu.Unlock()
	b.total.Add(int64(n))
	if b.wire != nil {
		b.wire.Add(int64(n))
	}
	if b.dog != nil && err != io.EOF {
		// After the last byte the wait for the answer is bounded by the
		// transport's response header timeout instead.
		b.dog.kick()
	}
	return n, err
}

// Seek moves within the body; back at its start after reading, a new pass
// begins and the last one's count is taken back.
func (b *partBody) Seek(offset int64, whence int) (int64, error) {
	pos, err := b.r.Seek(offset, whence)
	if err == nil && pos == 0 {
		b.mu.Lock()
		if b.read > 0 {
			b.pass++
			b.read = 0
		}
		b.mu.Unlock()
		b.discard()
		if b.dog != nil {
			b.dog.kick()
		}
	}
	return pos, err
}

// ReadAt reads without counting; the SDK does not use it to send.
func (b *partBody) ReadAt(p []byte, off int64) (int, error) { return b.r.ReadAt(p, off) }

// discard takes back what the current pass counted.
func (b *partBody) discard() {
	b.mu.Lock()
	n := b.n
	b.n = 0
	b.mu.Unlock()
	b.total.Add(-n)
}

// waitLimit waits until lim allows len(*p) bytes, first shortening *p to
// the limiter's burst. A nil or unlimited limiter does not wait.
func waitLimit(ctx context.Context, lim *rate.Limiter, p *[]byte) error {
	if lim == nil || lim.Limit() == rate.Inf {
		return nil
	}
	if b := lim.Burst(); len(*p) > b {
		*p = (*p)[:b]
	}
	return lim.WaitN(ctx, len(*p))
}

// newLimiter returns a limiter of bytesPerSec (0 = unlimited). Its burst,
// a tenth of a second's worth between 16 KiB and 4 MiB, is also the largest
// read or write that waits for it at once.
func newLimiter(bytesPerSec float64) *rate.Limiter {
	l := rate.NewLimiter(rate.Inf, 0)
	setLimit(l, bytesPerSec)
	return l
}

func setLimit(l *rate.Limiter, bytesPerSec float64) {
	if bytesPerSec <= 0 {
		l.SetLimit(rate.Inf)
		return
	}
	l.SetBurst(int(min(max(bytesPerSec/10, 16<<10), 4<<20)))
	l.SetLimit(rate.Limit(bytesPerSec))
}

// bufPool holds the buffers that hash and copy file data: 256 KiB each, one
// per part or range in flight.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// sampleLocked updates every job's speed; the sampler calls it every
// sampleEvery.
func (q *Queue) sampleLocked(now time.Time) {
	for _, j := range q.jobs {
		d := j.done.Load()
		if j.stopped == nil || j.state != Running {
			j.speed, j.lastDone, j.lastSample = 0, d, now
			continue
		}
		if j.runStart.IsZero() {
			j.runStart, j.runStartDone, j.lastDone, j.lastSample = now, d, d, now
			continue
		}
		if age := now.Sub(j.runStart); age < speedWindow {
			j.speed = max(0, float64(d-j.runStartDone)/age.Seconds())
		} else if dt := now.Sub(j.lastSample).Seconds(); dt > 0 {
			rate := max(0, float64(d-j.lastDone)/dt)
			j.speed += (1 - math.Exp(-dt/speedWindow.Seconds())) * (rate - j.speed)
		}
		j.lastDone, j.lastSample = d, now
	}
}

// eta is the time remaining bytes take at speed bytes per second, 0 when
// unknown.
func eta(remaining int64, speed float64) time.Duration {
	if speed < 1 || remaining <= 0 {
		return 0
	}
	return time.Duration(float64(remaining) / speed * float64(time.Second)).Round(time.Second)
}
