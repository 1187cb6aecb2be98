package syncer

import (
	"sync/atomic"

	"github.com/haul-app/haul/transfer"
)

// Option changes how Compare and Run work.
type Option func(*options)

type options struct {
	workers   int
	progress  *Progress
	onHash    func(rel string, done, size int64)
	trash     Trash
	confirm   bool
	onItem    func(Item)
	onQueued  func(Item, transfer.JobID)
	maxQueued int
	headCache string
	// uploadSSE and uploadKey encrypt a run's uploads (WithUploadEncryption).
	uploadSSE bool
	uploadKey string
}

// DefaultWorkers is how many heads and hashes a comparison runs at once.
const DefaultWorkers = 8

// DefaultMaxQueued is how many transfers a run keeps unfinished in the
// queue at once.
const DefaultMaxQueued = 256

func collect(opts []Option) options {
	o := options{workers: DefaultWorkers, maxQueued: DefaultMaxQueued}
	for _, f := range opts {
		f(&o)
	}
	if o.progress == nil {
		o.progress = new(Progress)
	}
	if o.trash == nil {
		o.trash = SystemTrash()
	}
	return o
}

// WithWorkers sets how many heads (one request each) and local hashes run
// at once; n < 1 means 1. Items still come out in name order.
func WithWorkers(n int) Option { return func(o *options) { o.workers = max(n, 1) } }

// WithHeadCache keeps what a comparison's Head requests said in the file
// at path (see headcache.go), and reuses it for the files whose listing
// entry has not changed since: a second comparison of an unchanged folder
// makes no Head requests. Pairs.HeadCache names the file of a saved pair.
func WithHeadCache(path string) Option { return func(o *options) { o.headCache = path } }

// WithUploadEncryption encrypts the files a run uploads as the person's
// other uploads are: with B2's own keys (sse, SSE-B2) or with the
// account's customer key named customerKey (SSE-C; "" for none), which
// takes precedence.
func WithUploadEncryption(sse bool, customerKey string) Option {
	return func(o *options) { o.uploadSSE, o.uploadKey = sse, customerKey }
}

// WithProgress counts the work into p, which a UI ticker can read while
// Compare or Run runs.
func WithProgress(p *Progress) Option { return func(o *options) { o.progress = p } }

// WithHashProgress calls f as local files are hashed in checksum mode:
// done of size bytes of the file rel, every 4 MiB and at the end. f is
// called from worker goroutines, several at once, and must be quick.
func WithHashProgress(f func(rel string, done, size int64)) Option {
	return func(o *options) { o.onHash = f }
}

// WithTrash sets where a mirror down moves local files it removes; the
// default is SystemTrash.
func WithTrash(t Trash) Option { return func(o *options) { o.trash = t } }

// ConfirmRemovals lets a run remove more than the pair's MaxRemoveShare,
// after the person has seen the removals and agreed.
func ConfirmRemovals() Option { return func(o *options) { o.confirm = true } }

// OnItem calls f with each item as a run compares it, before acting on
// it, on the goroutine that called Run.
func OnItem(f func(Item)) Option { return func(o *options) { o.onItem = f } }

// OnQueued calls f with each transfer a run adds to the queue and its
// job, on the goroutine that called Run, so that a UI can follow each
// file's job in the queue's snapshot.
func OnQueued(f func(Item, transfer.JobID)) Option { return func(o *options) { o.onQueued = f } }

// WithMaxQueued sets how many of its transfers a run keeps unfinished in
// the queue at once; the comparison waits while that many are; n < 1
// means 1.
func WithMaxQueued(n int) Option { return func(o *options) { o.maxQueued = max(n, 1) } }

// Progress counts a comparison's and a run's work as it happens. Its
// counters are atomic: a UI ticker reads them while workers add to them.
type Progress struct {
	// LocalFiles and RemoteFiles are the files listed so far on each side.
	LocalFiles, RemoteFiles atomic.Int64
	// Compared is the items decided and handed on so far.
	Compared atomic.Int64
	// Heads is the Head requests made (one billable class B call each).
	Heads atomic.Int64
	// CachedHeads is the Heads the head cache spared (see WithHeadCache).
	CachedHeads atomic.Int64
	// Hashed is the local bytes hashed in checksum mode.
	Hashed atomic.Int64
	// Queued, Finished and Failed count a run's transfers; Removed its
	// removals done.
	Queued, Finished, Failed, Removed atomic.Int64
}
