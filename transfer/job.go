package transfer

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/haul-app/haul/store"
)

// JobID names a job for as long as it exists, across restarts: random, never
// a position in a list.
type JobID string

// newJobID returns 16 random hex digits.
func newJobID() JobID {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return JobID(hex.EncodeToString(b[:]))
}

// Direction says which way a job moves data.
type Direction int

const (
	// Upload sends a local file to B2.
	Upload Direction = iota
	// Download fetches an object from B2 to a local file.
	Download
	// Copy copies an object inside B2 (CopyRequest): a restore, rename or
	// move of a large file.
	Copy
)

// String returns "upload" or "download".
func (d Direction) String() string {
	switch d {
	case Upload:
		return "upload"
	case Download:
		return "download"
	case Copy:
		return "copy"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// State is where a job stands.
type State int

const (
	// Queued jobs wait for a free slot.
	Queued State = iota
	// Running jobs are sending or receiving.
	Running
	// Paused jobs keep what they sent or received (the multipart upload,
	// the partial file) and wait for Resume. Jobs read from the journal
	// start Paused.
	Paused
	// Done jobs have finished: the object or file is complete and checked.
	Done
	// Failed jobs stopped on an error (JobStatus.Err); Retry continues them.
	Failed
	// Canceled jobs were stopped for good; what they had sent or received
	// was discarded.
	Canceled
)

// String returns the state's name in lower case, such as "running".
func (s State) String() string {
	switch s {
	case Queued:
		return "queued"
	case Running:
		return "running"
	case Paused:
		return "paused"
	case Done:
		return "done"
	case Failed:
		return "failed"
	case Canceled:
		return "canceled"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// settled reports whether a job in state s will not move on its own.
func (s State) settled() bool { return s == Paused || s == Done || s == Failed || s == Canceled }

// UploadRequest asks for one local file to be uploaded.
type UploadRequest struct {
	// Local is the file's path. Empty means an empty body: the .bzEmpty
	// placeholder that keeps an empty folder (see PlanUpload).
	Local string
	// Bucket and Key name the object; the key is final (the caller has
	// resolved conflicts) and must pass store.ValidateKey.
	Bucket, Key string
	// SSE asks B2 to encrypt the object at rest with keys it manages.
	SSE bool
	// CustomerKey names the account's customer key (SSE-C) to encrypt the
	// object with instead; "" means none. The journal keeps the name only,
	// and a resumed upload finds the key again by it.
	CustomerKey string
}

// DownloadRequest asks for one object to be downloaded.
type DownloadRequest struct {
	Bucket, Key string
	// VersionID picks an old version; "" means the current one, which the
	// job pins when it starts so that every range reads the same version.
	VersionID string
	// Local is the final path of the file.
	Local string
	// Replace allows an existing file at Local to be replaced; without it
	// the job fails with ErrExists.
	Replace bool
	// Size is the object's size in bytes when the caller knows it (from a
	// listing), shown until the download starts; 0 if unknown.
	Size int64
}

// Rejected is a file or key that a plan left out, with a sentence saying why.
type Rejected struct {
	Name   string // the local path or the object key
	Reason string
}

// JobStatus is a copy of one job's state.
type JobStatus struct {
	ID  JobID
	Dir Direction
	// Bucket, Key and VersionID name the object; VersionID is the pinned
	// version of a started download, else the requested one. For a copy,
	// Key is the target, Source the source's key and VersionID the
	// source's version.
	Bucket, Key, VersionID string
	Source                 string
	Local                  string
	// Size and Done are bytes: the file's size (0 while unknown) and what
	// has been sent or received so far, parts in flight included.
	Size, Done int64
	// Speed is in bytes per second, smoothed over about five seconds; 0
	// when not running.
	Speed float64
	// ETA is the time left at Speed; 0 when unknown.
	ETA   time.Duration
	State State
	// Err says why a Failed job failed: a *store.Error or one of this
	// package's errors, wrapped.
	Err error
	// Retrying is the latest retry of one of a running job's requests, as
	// a sentence: "retrying part 3 after HTTP 503 SlowDown (attempt 2 of
	// 8)", "retrying bytes 64-128 MiB after connection dropped (attempt 2 of
	// 5)", or "retrying after connection refused (attempt 2 of 3)" for a
	// request about the whole file. It covers the client's own retries and
	// the queue's (a range or part asked for again). It is "" once that
	// request succeeds, and whenever the job is not running. RetryAt is
	// when it was noted.
	Retrying        string
	RetryAt         time.Time
	Added, Finished time.Time
}

// Snapshot is a copy of the whole queue: the jobs in queue order and totals.
// Size, Done and ETA count jobs that are not canceled; Speed is the sum of
// the running jobs' speeds in bytes per second.
type Snapshot struct {
	Jobs                    []JobStatus
	Running, Queued, Failed int
	Size, Done              int64
	Speed                   float64
	ETA                     time.Duration
	// Connections is the connection budget now: how many requests all
	// jobs together may have in flight. It adapts between 2 and
	// MaxConnections (see Options.MaxConnections). InFlight is how many
	// are in flight now.
	Connections, MaxConnections, InFlight int
	// JournalErr is the last failure to write the journal, nil once a
	// write has worked again. Transfers go on without it, but would not
	// survive a crash.
	JournalErr error
}

// job is one transfer. Fields marked q.mu are guarded by the queue's mutex.
type job struct {
	id    JobID
	dir   Direction
	added time.Time

	state    State     // q.mu
	err      error     // q.mu
	finished time.Time // q.mu
	// The latest retry (see JobStatus.Retrying), about request retryKey
	// (see jobRequest); hasRetry is set while retrying is not "", so that
	// a request's success clears it without the lock when there is none.
	retrying string    // q.mu
	retryAt  time.Time // q.mu
	retryKey int64     // q.mu
	hasRetry atomic.Bool
	up       *upState // q.mu; uploads
	down     *downState
	cp       *copyState // q.mu; copies
	// cancel and stopped are set while a runner goroutine is active (q.mu);
	// stopped is closed when it returns.
	cancel  func(error)
	stopped chan struct{}
	// want is how many requests the running job could have in flight: 1
	// while it prepares or finishes, then its unfinished parts or ranges
	// up to PartsPerFile (q.mu). The scheduler starts another job only
	// when the budget exceeds what running jobs want.
	want int
	// pending and perFile are the job's parts or ranges not yet done and
	// its per-file ceiling, while it sends or fetches them (q.mu).
	pending, perFile int

	size atomic.Int64 // bytes
	done atomic.Int64 // bytes sent or received, in-flight parts included

	// Speed sampling (q.mu): the runner's start, the last sample.
	runStart     time.Time
	runStartDone int64
	lastSample   time.Time
	lastDone     int64
	speed        float64
}

// upState is what an upload needs to continue; it is also its journal
// record. Size and ModTime are the file's when the current upload began.
type upState struct {
	Local  string `json:"local"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	SSE    bool   `json:"sse,omitempty"`
	// CustomerKey is the name of the customer key, never the key.
	CustomerKey string       `json:"customerKey,omitempty"`
	Size        int64        `json:"size"`
	ModTime     time.Time    `json:"modTime"`
	UploadID    string       `json:"uploadId,omitempty"`
	PartSize    int64        `json:"partSize,omitempty"`
	Parts       []store.Part `json:"parts,omitempty"` // sorted by number
}

// downState is what a download needs to continue; it is also its journal
// record. Pinned, ETag and Size describe the version being fetched; Ranges
// are the indices of the ranges of PartSize bytes already written and
// synced to Temp; Partial maps the index of an unfinished range to how many
// bytes from its start are written and synced (checkpointEvery at a time).
type downState struct {
	Bucket    string        `json:"bucket"`
	Key       string        `json:"key"`
	VersionID string        `json:"versionId,omitempty"`
	Local     string        `json:"local"`
	Replace   bool          `json:"replace,omitempty"`
	Pinned    string        `json:"pinnedVersion,omitempty"`
	ETag      string        `json:"etag,omitempty"`
	Size      int64         `json:"size"`
	Temp      string        `json:"temp,omitempty"`
	PartSize  int64         `json:"partSize,omitempty"`
	Ranges    []int         `json:"ranges,omitempty"` // sorted
	Partial   map[int]int64 `json:"partial,omitempty"`
}

func (s *upState) clone() *upState {
	c := *s
	c.Parts = append([]store.Part(nil), s.Parts...)
	return &c
}

func (s *downState) clone() *downState {
	c := *s
	c.Ranges = append([]int(nil), s.Ranges...)
	c.Partial = maps.Clone(s.Partial)
	return &c
}

// doneBytes is what the recorded parts hold.
func (s *upState) doneBytes() int64 {
	var n int64
	for _, p := range s.Parts {
		n += p.Size
	}
	return n
}

// doneBytes is what the recorded ranges and parts of ranges hold.
func (s *downState) doneBytes() int64 {
	var n int64
	for _, i := range s.Ranges {
		_, l := pieceAt(i, s.Size, s.PartSize)
		n += l
	}
	for _, got := range s.Partial {
		n += got
	}
	return n
}
