package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haul-app/haul/internal/atomicfile"
	"github.com/haul-app/haul/store"
)

const (
	journalName    = "transfers.json"
	journalVersion = 1
	// maxJournalSize caps what is read: 100,000 jobs take about 30 MB.
	maxJournalSize = 64 << 20
	// saveDelay gathers changes that need not be durable at once (a job
	// added, a small file done) into one write. It grows to ten times the
	// last write's duration, up to maxSaveDelay, so that a queue of many
	// thousands of jobs (about 250 bytes each per write) does not spend its
	// time rewriting the journal.
	saveDelay    = 200 * time.Millisecond
	maxSaveDelay = 5 * time.Second
)

// journalFile is the content of transfers.json.
type journalFile struct {
	Version int      `json:"version"`
	Jobs    []record `json:"jobs"`
}

// record is one unfinished job: exactly one of Upload, Download and Copy
// is set.
type record struct {
	ID       JobID      `json:"id"`
	Added    time.Time  `json:"added"`
	Upload   *upState   `json:"upload,omitempty"`
	Download *downState `json:"download,omitempty"`
	Copy     *copyState `json:"copy,omitempty"`
}

// journal writes transfers.json. Writes are serialized by mu; saved is the
// queue generation the file on disk reflects.
type journal struct {
	path  string
	kick  chan struct{}
	mu    sync.Mutex
	saved uint64
	took  atomic.Int64 // duration of the last write, ns
}

// load reads the journal. A missing file is an empty queue. An unusable one
// is moved aside and reported as warning (matching ErrJournalBroken) with no
// records. When only some records are damaged, the file is moved aside as
// it was, the readable records are written back as the journal and
// returned, and warning is a *JournalDamageError. Temporary files left by a
// write that a crash interrupted are removed.
func (jr *journal) load() (recs []record, warning, err error) {
	if stale, _ := filepath.Glob(jr.path + ".tmp-*"); len(stale) > 0 {
		for _, name := range stale {
			_ = os.Remove(name)
		}
	}
	f, err := os.Open(jr.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read the transfer journal: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxJournalSize+1))
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("read the transfer journal: %w", err)
	}
	var (
		reason  error
		damaged []string
	)
	if len(data) > maxJournalSize {
		reason = fmt.Errorf("larger than %d MB", maxJournalSize>>20)
	} else {
		recs, damaged, reason = parseJournal(data)
	}
	if reason == nil && len(damaged) == 0 {
		return recs, nil, nil
	}
	aside, err := atomicfile.MoveAside(jr.path, time.Now())
	if err != nil {
		if reason == nil {
			reason = fmt.Errorf("%d damaged records", len(damaged))
		}
		return nil, nil, fmt.Errorf("%w (%v), and it could not be moved aside: %w", ErrJournalBroken, reason, err)
	}
	if reason != nil {
		return nil, fmt.Errorf("%w (%v): it was moved to %s and the transfer list starts empty",
			ErrJournalBroken, reason, aside), nil
	}
	dmg := &JournalDamageError{SetAside: len(damaged), Kept: len(recs), File: aside, Reasons: damaged}
	if err := jr.write(recs); err != nil {
		// The records are kept in memory and written with the next change.
		dmg.SaveErr = err
	}
	return recs, dmg, nil
}

// JournalDamageError is the warning of NewQueue when some records of the
// journal could not be read or describe a transfer no run of Haul could
// have made. The readable records came back; the file as it was is kept at
// File for a person (or a bug report) to look at. It matches
// ErrJournalBroken.
type JournalDamageError struct {
	// SetAside is how many records were left out; Kept how many came back.
	SetAside, Kept int
	// File is where the journal as it was now is.
	File string
	// Reasons says, per record left out, which one and why, such as
	// "job 3: a download without a valid bucket, key, target or size".
	Reasons []string
	// SaveErr is the failure to write the readable records back as the
	// journal, nil when that worked. They are written with the next change.
	SaveErr error
}

// Error says how many transfers were set aside, where, and the first reason.
func (e *JournalDamageError) Error() string {
	s := fmt.Sprintf("%d transfers could not be read and were set aside (file %s)", e.SetAside, e.File)
	if e.SetAside == 1 {
		s = fmt.Sprintf("1 transfer could not be read and was set aside (file %s)", e.File)
	}
	if len(e.Reasons) > 0 {
		s += ": " + e.Reasons[0]
		if len(e.Reasons) > 1 {
			s += fmt.Sprintf(" (and %d more)", len(e.Reasons)-1)
		}
	}
	if e.SaveErr != nil {
		s += fmt.Sprintf("; the other transfers could not be saved again yet: %v", e.SaveErr)
	}
	return s
}

// Is makes a JournalDamageError match ErrJournalBroken.
func (e *JournalDamageError) Is(target error) bool { return target == ErrJournalBroken }

// parseJournal decodes and checks a journal record by record. A record that
// cannot be decoded or fails check, or repeats an earlier record's id, is
// left out and described in damaged; err rejects the file whole (not JSON,
// another format version, unknown fields outside the records).
func parseJournal(data []byte) (recs []record, damaged []string, err error) {
	var jf struct {
		Version int               `json:"version"`
		Jobs    []json.RawMessage `json:"jobs"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jf); err != nil {
		return nil, nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, nil, errors.New("not valid JSON: extra data at the end")
	}
	if jf.Version != journalVersion {
		return nil, nil, fmt.Errorf("format version %d, expected %d", jf.Version, journalVersion)
	}
	seen := make(map[JobID]bool, len(jf.Jobs))
	for i, raw := range jf.Jobs {
		r, err := parseRecord(raw)
		if err == nil && seen[r.ID] {
			err = fmt.Errorf("id %q appears twice", r.ID)
		}
		if err != nil {
			damaged = append(damaged, fmt.Sprintf("job %d: %v", i+1, err))
			continue
		}
		seen[r.ID] = true
		recs = append(recs, r)
	}
	return recs, damaged, nil
}

// parseRecord decodes and checks one record of the journal.
func parseRecord(raw json.RawMessage) (record, error) {
	var r record
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return record{}, fmt.Errorf("not valid JSON: %w", err)
	}
	if err := r.check(); err != nil {
		return record{}, err
	}
	return r, nil
}

// check refuses a record that the queue could not run.
func (r record) check() error {
	switch {
	case r.ID == "":
		return errors.New("no id")
	case count(r.Upload != nil, r.Download != nil, r.Copy != nil) != 1:
		return errors.New("not exactly one of an upload, a download and a copy")
	case r.Copy != nil:
		return r.Copy.check()
	case r.Upload != nil:
		u := r.Upload
		if u.Bucket == "" || store.ValidateKey(u.Key) != nil || u.Size < 0 || u.PartSize < 0 {
			return errors.New("an upload without a valid bucket, key or size")
		}
		if err := checkParts(u.UploadID, u.Size, u.PartSize, u.Parts); err != nil {
			return err
		}
	default:
		d := r.Download
		if d.Bucket == "" || d.Key == "" || d.Local == "" || d.Size < 0 || d.PartSize < 0 {
			return errors.New("a download without a valid bucket, key, target or size")
		}
		for _, i := range d.Ranges {
			if i < 0 || i >= partCount(d.Size, d.PartSize) {
				return fmt.Errorf("an impossible range %d", i)
			}
		}
		for i, got := range d.Partial {
			if i < 0 || i >= partCount(d.Size, d.PartSize) || slices.Contains(d.Ranges, i) {
				return fmt.Errorf("an impossible unfinished range %d", i)
			}
			if _, l := pieceAt(i, d.Size, d.PartSize); got <= 0 || got >= l {
				return fmt.Errorf("an impossible %d bytes of range %d", got, i)
			}
		}
	}
	return nil
}

// checkParts refuses the recorded parts of a multipart upload (an upload
// or a copy in parts) of size bytes that no run of the queue could have
// made.
func checkParts(uploadID string, size, partSize int64, parts []store.Part) error {
	if uploadID != "" && partSize < store.MinPartSize {
		return errors.New("a multipart upload without a part size")
	}
	for _, p := range parts {
		if p.Number < 1 || int(p.Number) > partCount(size, partSize) || p.ETag == "" || p.Size <= 0 {
			return fmt.Errorf("an impossible part %d", p.Number)
		}
	}
	return nil
}

// count is how many of bs are true.
func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// recordsLocked copies every unfinished job's record, in queue order.
func (q *Queue) recordsLocked() []record {
	recs := make([]record, 0, len(q.jobs))
	for _, j := range q.jobs {
		if j.state == Done || j.state == Canceled {
			continue
		}
		r := record{ID: j.id, Added: j.added}
		switch {
		case j.up != nil:
			r.Upload = j.up.clone()
		case j.cp != nil:
			r.Copy = j.cp.clone()
		default:
			r.Download = j.down.clone()
		}
		recs = append(recs, r)
	}
	return recs
}

// markDirtyLocked notes a change for the journal, to be written soon.
func (q *Queue) markDirtyLocked() {
	q.gen++
	if q.jr != nil {
		select {
		case q.jr.kick <- struct{}{}:
		default:
		}
	}
}

// flush writes the journal now unless it already reflects every change
// made before the call; concurrent callers share one write. A failure is
// kept for Snapshot and returned.
func (q *Queue) flush() error {
	if q.jr == nil {
		return nil
	}
	q.mu.Lock()
	want := q.gen
	q.mu.Unlock()
	q.jr.mu.Lock()
	defer q.jr.mu.Unlock()
	if q.jr.saved >= want {
		return nil
	}
	q.mu.Lock()
	recs, gen := q.recordsLocked(), q.gen
	q.mu.Unlock()
	start := time.Now()
	err := q.jr.write(recs)
	q.jr.took.Store(int64(time.Since(start)))
	q.mu.Lock()
	q.journalErr = err
	q.mu.Unlock()
	if err != nil {
		return err
	}
	q.jr.saved = gen
	return nil
}

// update changes a job's state under the queue's lock and writes the
// journal before returning: for changes that must be durable before they
// count (a new upload ID, a finished part or range).
func (q *Queue) update(fn func()) {
	q.mu.Lock()
	fn()
	q.markDirtyLocked()
	q.mu.Unlock()
	q.persist()
}

// persist writes the journal before returning, for changes that must be
// durable before they count (a finished part or range). A failed write is
// logged: the transfer goes on, only its resumability suffers.
func (q *Queue) persist() {
	if err := q.flush(); err != nil {
		slog.Warn("transfer: write the journal", "err", err)
	}
}

// saver writes the journal saveDelay after changes, until the queue closes.
func (q *Queue) saver() {
	defer q.bg.Done()
	for {
		select {
		case <-q.ctx.Done():
			return
		case <-q.jr.kick:
		}
		delay := min(max(saveDelay, 10*time.Duration(q.jr.took.Load())), maxSaveDelay)
		select {
		case <-q.ctx.Done():
			return
		case <-time.After(delay):
		}
		q.persist()
	}
}

// write replaces the journal atomically: a temporary file (0600) in the same
// folder, synced, renamed over the old one, then the folder synced.
func (jr *journal) write(recs []record) error {
	data, err := json.Marshal(journalFile{Version: journalVersion, Jobs: recs})
	if err != nil {
		return fmt.Errorf("write the transfer journal: %w", err)
	}
	dir := filepath.Dir(jr.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write the transfer journal: %w", err)
	}
	if err := atomicfile.WriteFile(jr.path, append(data, '\n')); err != nil {
		return fmt.Errorf("write the transfer journal: %w", err)
	}
	return nil
}
