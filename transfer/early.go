package transfer

import (
	"context"
	"io"

	"github.com/haul-app/haul/store"
)

// earlyRange is one range of a fresh download asked for alongside its first
// range, before that range's answer pinned the version (see
// Queue.earlyRanges). Its answer is used only when it is of the pinned
// version.
type earlyRange struct {
	done  chan struct{} // closed once the answer (or error) is in
	info  store.ObjectInfo
	body  io.ReadCloser
	err   error
	taken bool // handed to a range: it closes the body; set before done is read
}

// earlyRanges asks, without waiting, for the ranges after the first that
// the per-file ceiling lets run at once, of a download of st.Size bytes cut
// into ranges of ps bytes. Over the internet every new connection costs
// round trips before its first byte, and waiting for the first range's
// answer before asking for the others would add one more: asked at once,
// they arrive a round trip sooner.
//
// They ask for version ("" the current one), as the first range does; the
// range that takes one checks that its answer is of the pinned version
// (take). stop cancels the answers no range took and closes their bodies;
// call it once the download's ranges have ended.
func (q *Queue) earlyRanges(ctx context.Context, j *job, st *downState, version string, ps int64) (early []*earlyRange, stop func()) {
	n := min(partCount(st.Size, ps), q.partsPerFile())
	if n < 2 {
		return nil, func() {}
	}
	ectx, cancel := context.WithCancel(ctx)
	for k := 1; k < n; k++ {
		off, length := pieceAt(k, st.Size, ps)
		e := &earlyRange{done: make(chan struct{})}
		rctx := q.withRetryNotes(ectx, j, int64(k)+1, rangeWhat(st, k))
		go func() {
			defer close(e.done)
			e.info, e.body, e.err = q.r.Open(rctx, st.Bucket, st.Key, version, off, length)
		}()
		early = append(early, e)
	}
	return early, func() {
		cancel()
		for _, e := range early {
			if !e.taken {
				e.taken = true
				go e.discard()
			}
		}
	}
}

// discard waits for the answer and closes its body.
func (e *earlyRange) discard() {
	<-e.done
	if e.body != nil {
		e.body.Close()
	}
}

// take waits for the answer and returns its body when it is of version
// pinned with etag; nil (and the body closed) when the answer failed or is
// of another version, after which the range asks again, pinned. It gives
// up when ctx ends.
func (e *earlyRange) take(ctx context.Context, pinned, etag string) io.ReadCloser {
	e.taken = true
	select {
	case <-e.done:
	case <-ctx.Done():
		go e.discard()
		return nil
	}
	if e.err != nil {
		return nil
	}
	if e.info.VersionID != pinned || e.info.ETag != etag {
		e.body.Close()
		return nil
	}
	return e.body
}
