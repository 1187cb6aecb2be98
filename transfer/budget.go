package transfer

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Connection budget: every request a job makes (a part, a range, a single
// PUT, a Head, a completion) holds one slot of the queue's budget while it
// is in flight, so the budget is the number of connections in use. See the
// package documentation, "Scheduling".
const (
	// DefaultMaxConnections is the default ceiling of the budget.
	DefaultMaxConnections = 48
	// startConnections is where the budget starts, below the ceiling: a
	// line that cannot take more is not flooded before it has been
	// measured.
	startConnections = 16
	// minConnections is the floor: throttling halves the budget down to it,
	// never below.
	minConnections = 2
	// maxConnections is the largest ceiling Options accept.
	maxConnections = 128
	// holdWindows is how many windows the budget waits after a cut (a 429 or
	// 503) or a raise that did not pay before it tries to grow again.
	holdWindows = 10
	// minGain is the share of linear scaling that added connections must
	// bring to be kept: raising the budget by a quarter must raise
	// throughput by a sixteenth, doubling it by a quarter.
	minGain = 0.25
)

// adaptEvery is the measuring window of the budget. A variable so tests
// can change it.
var adaptEvery = time.Second

// budget hands out request slots, oldest job first, and adapts how many
// there are. Its methods are safe for concurrent use; it never calls the
// queue.
//
// How it adapts, once per window of adaptEvery, with the bytes the queue
// moved in the window:
//   - A 429 or 503 (store.ErrThrottled, seen through store.WithRetryNotice
//     even when the retry then succeeds) halves the budget at once, at most
//     once per window and never below minConnections, and holds it there
//     for holdWindows.
//   - A window in which the budget did not bind (no request waited for a
//     slot and no job waited to start for lack of one) teaches nothing: the
//     budget stays.
//   - Otherwise the budget grows: doubling at first (slow start), by a
//     quarter once a raise has failed or throttling was seen, never above
//     the ceiling. The next window checks the raise: unless throughput grew
//     by at least minGain of the proportional gain, the budget goes back to
//     where it was and holds there for holdWindows, then probes again.
//
// Every decision depends only on the sequence of windows (bytes per second,
// whether the budget bound, whether throttling was seen), so tests drive it
// with adapt directly.
type budget struct {
	mu        sync.Mutex
	limit     int // slots that may be held at once
	ceiling   int
	inUse     int
	waiters   []*slotWaiter // sorted by prio, then arrival
	bound     bool          // the budget bound in this window
	throttled bool          // a 429 or 503 was seen in this window
	slowStart bool          // doubling until the first failed raise or cut
	probeFrom int           // the limit before the last raise; 0 when not probing
	probeRate float64       // bytes per second measured at probeFrom
	hold      int           // windows to wait before the next raise

	winStart time.Time // the current window's start; zero before the first tick
	winBytes int64     // the byte counter then
}

// slotWaiter is a request waiting for a slot.
type slotWaiter struct {
	prio    uint64
	ready   chan struct{} // closed when granted
	granted bool
}

func newBudget(ceiling int) *budget {
	return &budget{limit: min(startConnections, ceiling), ceiling: ceiling, slowStart: true}
}

// acquire waits for a slot, or for ctx to end. Waiting requests are served
// by prio, lowest first (a job started earlier has a lower one), then in
// arrival order.
func (b *budget) acquire(ctx context.Context, prio uint64) error {
	b.mu.Lock()
	if b.inUse < b.limit && len(b.waiters) == 0 {
		b.inUse++
		b.mu.Unlock()
		return nil
	}
	w := &slotWaiter{prio: prio, ready: make(chan struct{})}
	i, _ := slices.BinarySearchFunc(b.waiters, prio, func(o *slotWaiter, p uint64) int {
		if o.prio <= p {
			return -1 // after every waiter of the same or a lower prio
		}
		return 1
	})
	b.waiters = slices.Insert(b.waiters, i, w)
	b.bound = true
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		if w.granted {
			b.inUse--
			b.grantLocked()
		} else {
			b.waiters = slices.DeleteFunc(b.waiters, func(o *slotWaiter) bool { return o == w })
		}
		b.mu.Unlock()
		return ctx.Err()
	}
}

// release gives a slot back.
func (b *budget) release() {
	b.mu.Lock()
	b.inUse--
	b.grantLocked()
	b.mu.Unlock()
}

// grantLocked hands free slots to the first waiters.
func (b *budget) grantLocked() {
	for b.inUse < b.limit && len(b.waiters) > 0 {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		w.granted = true
		b.inUse++
		close(w.ready)
	}
}

// state returns the current budget, the ceiling and the slots in use.
func (b *budget) state() (limit, ceiling, inUse int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limit, b.ceiling, b.inUse
}

// current returns the current budget.
func (b *budget) current() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limit
}

// markBound notes that the budget held something back in this window.
func (b *budget) markBound() {
	b.mu.Lock()
	b.bound = true
	b.mu.Unlock()
}

// throttle halves the budget for a 429 or 503, once per window.
func (b *budget) throttle() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.throttled {
		return
	}
	b.throttled = true
	if b.probeFrom != 0 {
		b.limit, b.probeFrom = b.probeFrom, 0
	}
	b.limit = max(minConnections, b.limit/2)
	b.slowStart = false
	b.hold = holdWindows
}

// setCeiling changes the ceiling; a budget above it comes down at once,
// one below it grows towards it as measurements allow.
func (b *budget) setCeiling(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ceiling = n
	b.limit = min(b.limit, n)
	if b.probeFrom > n {
		b.probeFrom = 0
	}
	b.grantLocked()
}

// tick measures the window that ends at now, given the queue's counter of
// bytes moved, and adapts when a full window has passed. It reports
// whether the budget grew.
func (b *budget) tick(now time.Time, moved int64) (grew bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.winStart.IsZero() {
		b.winStart, b.winBytes = now, moved
		return false
	}
	dt := now.Sub(b.winStart)
	if dt < adaptEvery {
		return false
	}
	rate := float64(moved-b.winBytes) / dt.Seconds()
	b.winStart, b.winBytes = now, moved
	return b.adaptLocked(rate)
}

// adapt closes a window in which the queue moved rate bytes per second.
// It reports whether the budget grew.
func (b *budget) adapt(rate float64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.adaptLocked(rate)
}

func (b *budget) adaptLocked(rate float64) (grew bool) {
	bound, throttled := b.bound, b.throttled
	b.bound, b.throttled = false, false
	switch {
	case throttled:
		return false // cut and held by throttle
	case b.probeFrom != 0:
		from, fromRate := b.probeFrom, b.probeRate
		b.probeFrom = 0
		if !bound {
			return false // the raise was not needed: nothing learnt
		}
		added := float64(b.limit - from)
		if rate < fromRate*(1+minGain*added/float64(from)) {
			b.limit, b.slowStart, b.hold = from, false, holdWindows
			return false
		}
	case !bound:
		return false
	case b.hold > 0:
		b.hold--
		return false
	}
	if b.limit >= b.ceiling {
		return false
	}
	step := max(1, b.limit/4)
	if b.slowStart {
		step = b.limit
	}
	b.probeFrom, b.probeRate = b.limit, rate
	b.limit = min(b.ceiling, b.limit+step)
	b.grantLocked()
	return true
}

// slotKey carries a job's prio in the context of its requests.
type slotKey struct{}

// withSlots makes the requests run with ctx take slots of the budget at
// prio. Requests without it (the abort of a canceled upload) take none.
func withSlots(ctx context.Context, prio uint64) context.Context {
	return context.WithValue(ctx, slotKey{}, prio)
}

func slotPrio(ctx context.Context) (uint64, bool) {
	p, ok := ctx.Value(slotKey{}).(uint64)
	return p, ok
}
