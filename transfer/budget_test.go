package transfer

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
)

// TestBudgetOrder: a freed slot goes to the waiting request of the oldest
// job (lowest prio), then to requests of one job in arrival order.
func TestBudgetOrder(t *testing.T) {
	b := newBudget(2)
	ctx := context.Background()
	for range 2 {
		if err := b.acquire(ctx, 9); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan string, 4)
	waiting := func() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) }
	for i, w := range []struct {
		prio uint64
		name string
	}{{3, "3a"}, {1, "1"}, {3, "3b"}, {2, "2"}} {
		go func() {
			if err := b.acquire(ctx, w.prio); err == nil {
				got <- w.name
			}
		}()
		poll(t, "a waiting request", func() bool { return waiting() == i+1 })
	}
	var order []string
	for range 4 {
		b.release()
		order = append(order, <-got)
	}
	if want := []string{"1", "2", "3a", "3b"}; !slices.Equal(order, want) {
		t.Errorf("slots went to %v, want %v", order, want)
	}

	// A request given up while waiting leaves no slot behind.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- b.acquire(cctx, 1) }()
	poll(t, "a waiting request", func() bool { return waiting() == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Error("a canceled acquire succeeded")
	}
	if _, _, inUse := b.state(); inUse != 2 || waiting() != 0 {
		t.Errorf("after a canceled wait: %d in use, %d waiting; want 2, 0", inUse, waiting())
	}
}

// TestBudgetAdapt drives the budget window by window: slow start while
// throughput grows, back to the last good budget when a raise does not
// pay, a hold, then smaller raises; halving on throttling, never below the
// floor or above the ceiling; no change from windows where it did not bind.
func TestBudgetAdapt(t *testing.T) {
	type window struct {
		bound, throttled bool
		rate             float64
		want             int
	}
	b := newBudget(48)
	if b.current() != startConnections {
		t.Fatalf("starts at %d, want %d", b.current(), startConnections)
	}
	run := func(name string, ws []window) {
		t.Helper()
		for i, w := range ws {
			if w.bound {
				b.markBound()
			}
			if w.throttled {
				b.throttle()
			}
			b.adapt(w.rate)
			if got := b.current(); got != w.want {
				t.Fatalf("%s, window %d (%+v): budget %d, want %d", name, i, w, got, w.want)
			}
		}
	}
	run("slow start", []window{
		{bound: false, rate: 50, want: 16}, // not bound: nothing learnt
		{bound: true, rate: 100, want: 32}, // doubles
		{bound: true, rate: 190, want: 48}, // paid (>= 125): doubles, capped at the ceiling
		{bound: true, rate: 200, want: 32}, // 16 more for 5%: back to 32
		{bound: true, rate: 200, want: 32}, // held
	})
	hold := make([]window, holdWindows-1)
	for i := range hold {
		hold[i] = window{bound: true, rate: 200, want: 32}
	}
	run("hold", hold)
	run("probe", []window{
		{bound: true, rate: 200, want: 40}, // a quarter more
		{bound: true, rate: 240, want: 48}, // paid: again
		{bound: true, rate: 300, want: 48}, // at the ceiling
	})
	run("throttle", []window{
		{bound: true, throttled: true, rate: 300, want: 24},
		{bound: true, rate: 300, want: 24}, // held after a cut
	})
	for range 6 {
		b.throttle()
		b.adapt(0)
	}
	if got := b.current(); got != minConnections {
		t.Errorf("after many cuts the budget is %d, want the floor %d", got, minConnections)
	}
	b.setCeiling(3)
	peak := 0
	for i := range 3 * holdWindows {
		b.markBound()
		b.adapt(float64(i+1) * 1e9) // every raise pays
		peak = max(peak, b.current())
	}
	if peak != 3 {
		t.Errorf("with a ceiling of 3 the budget grew to at most %d", peak)
	}
}

// gatedRemote counts the Put and UploadPart requests in flight and records
// the order in which requests start; Put waits for gate while it is set.
type gatedRemote struct {
	Remote
	gate     chan struct{}
	onPart   func(key string) // called as each UploadPart starts
	inflight atomic.Int32
	peak     atomic.Int32
	mu       sync.Mutex
	starts   []string // "op key"
}

func (g *gatedRemote) enter(op, key string) func() {
	n := g.inflight.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	g.mu.Lock()
	g.starts = append(g.starts, op+" "+key)
	g.mu.Unlock()
	return func() { g.inflight.Add(-1) }
}

func (g *gatedRemote) Put(ctx context.Context, in store.PutInput) (store.Object, error) {
	defer g.enter("put", in.Key)()
	if g.gate != nil {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return store.Object{}, ctx.Err()
		}
	}
	return g.Remote.Put(ctx, in)
}

func (g *gatedRemote) UploadPart(ctx context.Context, bucket, key, uploadID string, number int32, body io.ReadSeeker, size int64, md5sum []byte) (string, error) {
	defer g.enter("part", key)()
	if g.onPart != nil {
		g.onPart(key)
	}
	return g.Remote.UploadPart(ctx, bucket, key, uploadID, number, body, size, md5sum)
}

func (g *gatedRemote) CreateMultipart(ctx context.Context, bucket, key string, o store.UploadOptions) (string, error) {
	defer g.enter("create", key)()
	return g.Remote.CreateMultipart(ctx, bucket, key, o)
}

// TestConnectionsSmallFiles: a folder of small files runs as many at once
// as the budget allows (16 at the start, not 4), and never more than the
// ceiling.
func TestConnectionsSmallFiles(t *testing.T) {
	// The budget stays where it starts: on a slow run (the race detector)
	// a measuring window could end, the budget bound, before 16 uploads
	// are in flight, and it would grow past them.
	old := adaptEvery
	adaptEvery = time.Hour
	t.Cleanup(func() { adaptEvery = old })
	for _, tt := range []struct {
		ceiling, want int
	}{{0, startConnections}, {6, 6}} {
		t.Run(fmt.Sprint("ceiling ", tt.ceiling), func(t *testing.T) {
			e := newEnv(t)
			g := &gatedRemote{Remote: e.c, gate: make(chan struct{})}
			o := testOptions(t)
			o.MaxConnections = tt.ceiling
			q, _, err := NewQueue(g, o)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			dir := t.TempDir()
			var ids []JobID
			for i := range 40 {
				name := filepath.Join(dir, fmt.Sprintf("f%02d", i))
				writeRandom(t, name, 4<<10, uint64(i))
				id, err := q.AddUpload(UploadRequest{Local: name, Bucket: e.bucket, Key: fmt.Sprintf("small/f%02d", i)})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			poll(t, "the budget filled", func() bool { return int(g.inflight.Load()) == tt.want })
			s := q.Snapshot()
			if s.InFlight != tt.want || s.Running != tt.want || s.Queued != 40-tt.want {
				t.Errorf("with the budget full: %d in flight, %d running, %d queued; want %d, %d, %d",
					s.InFlight, s.Running, s.Queued, tt.want, tt.want, 40-tt.want)
			}
			close(g.gate)
			for _, id := range ids {
				waitDone(t, q, id)
			}
			ceiling := tt.ceiling
			if ceiling == 0 {
				ceiling = DefaultMaxConnections
			}
			if p := int(g.peak.Load()); p > ceiling || p < tt.want {
				t.Errorf("at most %d uploads were in flight, want %d to %d", p, tt.want, ceiling)
			}
			if s := q.Snapshot(); s.MaxConnections != ceiling || s.Connections > ceiling || s.Connections < minConnections {
				t.Errorf("snapshot: budget %d of %d, want at most %d", s.Connections, s.MaxConnections, ceiling)
			}
		})
	}
}

// TestConnectionsOldestFirst: once a large file's parts are under way, a
// file queued after it sends nothing before all of them are, even with the
// budget smaller than the parts.
func TestConnectionsOldestFirst(t *testing.T) {
	e := newEnv(t)
	g := &gatedRemote{Remote: e.c}
	var once sync.Once
	added := make(chan JobID, 1)
	var q *Queue
	o := testOptions(t)
	o.MaxConnections = 4
	q, _, err := NewQueue(g, o)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	dir := t.TempDir()
	big, small := filepath.Join(dir, "big"), filepath.Join(dir, "small")
	g.onPart = func(string) {
		once.Do(func() {
			id, err := q.AddUpload(UploadRequest{Local: small, Bucket: e.bucket, Key: "b-small"})
			if err != nil {
				t.Error(err)
			}
			added <- id
		})
	}
	writeRandom(t, big, 6*testPart, 1)
	writeRandom(t, small, 1<<10, 2)
	a, err := q.AddUpload(UploadRequest{Local: big, Bucket: e.bucket, Key: "a-big"})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, a)
	waitDone(t, q, <-added)
	g.mu.Lock()
	starts := slices.Clone(g.starts)
	g.mu.Unlock()
	lastPart := slices.Index(starts, "put b-small") - 1
	if lastPart < 0 || slices.Contains(starts[lastPart+1:], "part a-big") {
		t.Errorf("the later file started before the large file's parts: %v", starts)
	}
	if n := len(slices.DeleteFunc(slices.Clone(starts), func(s string) bool { return s != "part a-big" })); n != 6 {
		t.Errorf("%d parts sent, want 6: %v", n, starts)
	}
}

// TestConnectionsThrottled: a 503 or 429 answer, even one whose retry
// succeeds, halves the budget.
func TestConnectionsThrottled(t *testing.T) {
	for _, kind := range []b2proxy.Kind{b2proxy.ServiceUnavailable, b2proxy.TooManyRequests} {
		t.Run(kind.String(), func(t *testing.T) {
			e := newEnv(t)
			q := e.queue(t, testOptions(t))
			in := e.proxy.Inject(b2proxy.Fault{Op: "UploadPart", Kind: kind, After: 1})
			local := filepath.Join(t.TempDir(), "f")
			writeRandom(t, local, 3*testPart, 3)
			before := q.Snapshot().Connections
			upload(t, q, e.bucket, local, "f")
			if in.Fired() != 1 {
				t.Fatalf("the fault hit %d times, want 1", in.Fired())
			}
			if s := q.Snapshot(); s.Connections != before/2 {
				t.Errorf("after one %v the budget is %d, want %d", kind, s.Connections, before/2)
			}
		})
	}
}

// TestSetConnections: the ceiling changes at once on a running queue, and
// out-of-range values are refused.
func TestSetConnections(t *testing.T) {
	q, _, err := NewQueue(newMemRemote(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	s := q.Snapshot()
	if s.Connections != startConnections || s.MaxConnections != DefaultMaxConnections {
		t.Errorf("new queue: budget %d of %d, want %d of %d", s.Connections, s.MaxConnections, startConnections, DefaultMaxConnections)
	}
	if err := q.SetConnections(4, 2); err != nil {
		t.Fatal(err)
	}
	if s := q.Snapshot(); s.Connections != 4 || s.MaxConnections != 4 || q.partsPerFile() != 2 {
		t.Errorf("after SetConnections(4, 2): budget %d of %d, %d per file", s.Connections, s.MaxConnections, q.partsPerFile())
	}
	for _, bad := range [][2]int{{1, 0}, {maxConnections + 1, 0}, {0, maxPartsPerFile + 1}} {
		if err := q.SetConnections(bad[0], bad[1]); err == nil {
			t.Errorf("SetConnections(%d, %d) accepted", bad[0], bad[1])
		}
	}
	if err := q.SetConnections(0, 0); err != nil {
		t.Fatal(err)
	}
	if s := q.Snapshot(); s.MaxConnections != DefaultMaxConnections || q.partsPerFile() != DefaultPartsPerFile {
		t.Errorf("after SetConnections(0, 0): ceiling %d, %d per file", s.MaxConnections, q.partsPerFile())
	}
}
