package transfer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haul-app/haul/store"
)

// CopyRequest asks for a server-side copy inside one bucket: no data passes
// through Haul. It is how a restore of an old version (SrcKey == DstKey,
// SrcVersionID set), a rename or a move (Move) of a large file runs as a job
// with progress, pause and resume.
type CopyRequest struct {
	Bucket string
	// SrcKey and SrcVersionID name the source; "" means the current
	// version, which the job pins when it starts.
	SrcKey, SrcVersionID string
	DstKey               string
	// Move hides SrcKey (a delete marker) once the copy is complete: a
	// rename. B2 keeps the old name as a hidden version.
	Move bool
	// Size is the source's size when the caller knows it, shown until the
	// job starts; 0 if unknown.
	Size int64
}

// copyState is what a copy needs to continue; it is also its journal
// record. Pinned is the source version the copy reads (set when it first
// starts); UploadID, PartSize and Parts describe a copy in parts; Copied
// means only the move's delete marker is left to do.
type copyState struct {
	Bucket       string       `json:"bucket"`
	SrcKey       string       `json:"srcKey"`
	SrcVersionID string       `json:"srcVersionId,omitempty"`
	DstKey       string       `json:"dstKey"`
	Move         bool         `json:"move,omitempty"`
	Pinned       string       `json:"pinnedVersion,omitempty"`
	Size         int64        `json:"size"`
	UploadID     string       `json:"uploadId,omitempty"`
	PartSize     int64        `json:"partSize,omitempty"`
	Parts        []store.Part `json:"parts,omitempty"` // sorted by number
	Copied       bool         `json:"copied,omitempty"`
}

func (s *copyState) clone() *copyState {
	c := *s
	c.Parts = slices.Clone(s.Parts)
	return &c
}

// doneBytes is what the recorded parts hold.
func (s *copyState) doneBytes() int64 {
	if s.Copied {
		return s.Size
	}
	var n int64
	for _, p := range s.Parts {
		n += p.Size
	}
	return n
}

// check refuses a copy record that the queue could not run.
func (s *copyState) check() error {
	if s.Bucket == "" || s.SrcKey == "" || store.ValidateKey(s.DstKey) != nil || s.Size < 0 || s.PartSize < 0 {
		return errors.New("a copy without a valid bucket, source, target or size")
	}
	return checkParts(s.UploadID, s.Size, s.PartSize, s.Parts)
}

// AddCopy queues a server-side copy and returns its ID. It checks the
// names at once; the copy itself happens in the background.
func (q *Queue) AddCopy(r CopyRequest) (JobID, error) {
	const op = "copy"
	switch {
	case r.Bucket == "" || r.SrcKey == "":
		return "", errors.New("copy: bucket and source are both required")
	case r.SrcKey == r.DstKey && (r.Move || r.SrcVersionID == ""):
		return "", &store.Error{Op: op, Bucket: r.Bucket, Key: r.DstKey, Kind: store.ErrInvalidName, Message: "the new name is the old one"}
	}
	if err := store.ValidateKey(r.DstKey); err != nil {
		return "", &store.Error{Op: op, Bucket: r.Bucket, Key: r.DstKey, Kind: store.ErrInvalidName, Message: err.Error(), Err: err}
	}
	j := &job{id: newJobID(), dir: Copy, added: time.Now(), cp: &copyState{
		Bucket: r.Bucket, SrcKey: r.SrcKey, SrcVersionID: r.SrcVersionID, DstKey: r.DstKey, Move: r.Move, Size: max(r.Size, 0),
	}}
	j.size.Store(j.cp.Size)
	return j.id, q.add(j)
}

// copy runs a copy job until it is done, fails or ctx ends.
func (q *Queue) copy(ctx context.Context, j *job) error {
	q.mu.Lock()
	st := j.cp.clone()
	q.mu.Unlock()
	if !st.Copied {
		if err := q.copyObject(ctx, j, st); err != nil {
			return err
		}
		q.update(func() { j.cp.Copied, j.cp.UploadID, j.cp.Parts = true, "", nil })
	}
	j.done.Store(j.size.Load())
	if st.Move {
		if err := q.r.Delete(ctx, st.Bucket, st.SrcKey); err != nil {
			return fmt.Errorf("copied to %s, but the old name is still there: %w", st.DstKey, err)
		}
	}
	return nil
}

// copyObject makes the copy: one CopyObject up to the copy threshold, else
// a multipart upload of UploadPartCopy parts that survives pauses and
// restarts like an upload does.
func (q *Queue) copyObject(ctx context.Context, j *job, st *copyState) error {
	version := st.Pinned
	if version == "" {
		version = st.SrcVersionID
	}
	src, err := q.r.Head(ctx, st.Bucket, st.SrcKey, version)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("copy %s: the source is gone (deleted for good since the copy was asked for): %w", st.SrcKey, err)
		}
		return err
	}
	st.Pinned, st.Size = src.VersionID, src.Size
	j.size.Store(src.Size)
	q.mu.Lock()
	j.cp.Pinned, j.cp.Size = st.Pinned, st.Size
	q.markDirtyLocked()
	q.mu.Unlock()

	if st.UploadID == "" && src.Size <= q.opt.CopyThreshold {
		j.done.Store(0)
		_, err := q.r.Copy(ctx, st.Bucket, st.SrcKey, st.DstKey, store.CopyOptions{SrcVersionID: src.VersionID})
		return err
	}
	if st.UploadID != "" && src.CustomerKey != "" {
		// The copy is encrypted with the source's key (StartCopy).
		if err := q.r.ResumeEncrypted(st.Bucket, st.DstKey, st.UploadID, src.CustomerKey); err != nil {
			return err
		}
	}
	if st.UploadID != "" {
		done, err := q.reconcileCopy(ctx, j, st)
		if err != nil || done {
			return err
		}
	}
	if st.UploadID == "" {
		st.PartSize = store.CopyPartSize(src.Size, q.opt.CopyPartSize)
		id, err := q.r.StartCopy(ctx, st.Bucket, st.DstKey, src)
		if err != nil {
			return err
		}
		st.UploadID, st.Parts = id, nil
		q.update(func() { j.cp.UploadID, j.cp.PartSize, j.cp.Parts = id, st.PartSize, nil })
	}
	j.done.Store(st.doneBytes())
	err = q.eachMissingPart(ctx, j, st.Size, st.PartSize, st.Parts, func(ctx context.Context, n int32, off, size int64) error {
		ctx = q.withRetryNotes(ctx, j, int64(n), fmt.Sprintf("part %d", n))
		p, err := q.r.CopyPart(ctx, st.Bucket, st.DstKey, st.UploadID, n, st.SrcKey, st.Pinned, off, size)
		if err != nil {
			return err
		}
		q.retryDone(j, int64(n))
		q.mu.Lock()
		j.cp.Parts = insertPart(j.cp.Parts, p)
		q.markDirtyLocked()
		q.mu.Unlock()
		j.done.Add(size)
		q.persist()
		return nil
	})
	if err != nil {
		return err
	}
	q.mu.Lock()
	parts := slices.Clone(j.cp.Parts)
	q.mu.Unlock()
	return q.complete(ctx, st.Bucket, st.DstKey, st.UploadID, st.Size, st.PartSize, parts)
}

// reconcileCopy compares the journal's parts with what the server holds
// before a resumed copy sends anything. It keeps the journaled parts the
// server still has with the same ETag and size (a part copied just before a
// crash and not journaled is copied again: that costs a request, no data).
// When the upload is gone it checks whether the copy is already complete
// (done is true), and otherwise clears st.UploadID to start over.
func (q *Queue) reconcileCopy(ctx context.Context, j *job, st *copyState) (done bool, err error) {
	server, err := q.r.ListParts(ctx, st.Bucket, st.DstKey, st.UploadID)
	if errors.Is(err, store.ErrNotFound) {
		if q.alreadyComplete(ctx, st.Bucket, st.DstKey, st.Size, st.PartSize, st.Parts) {
			return true, nil
		}
		st.UploadID, st.Parts = "", nil
	} else if err != nil {
		return false, err
	}
	onServer := make(map[int32]store.Part, len(server))
	for _, p := range server {
		onServer[p.Number] = p
	}
	var keep []store.Part
	for _, p := range st.Parts {
		if s, ok := onServer[p.Number]; ok && s.Size == p.Size && strings.Trim(s.ETag, `"`) == strings.Trim(p.ETag, `"`) {
			keep = append(keep, p)
		}
	}
	st.Parts = keep
	q.update(func() { j.cp.UploadID, j.cp.Parts = st.UploadID, slices.Clone(keep) })
	return false, nil
}
