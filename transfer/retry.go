package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/haul-app/haul/store"
)

// A job shows the latest retry of one of its requests in
// JobStatus.Retrying. Each request is named by a retry key: the part number
// of an upload or copy, 1 + the range index of a download, and jobRequest
// for requests about the whole job (Head, CreateMultipart, a single PUT).
const jobRequest = 0

// withRetryNotes returns ctx with a store.WithRetryNotice that notes every
// retry the SDK makes of a request (key, described by what: "part 3",
// "bytes 64-128 MiB", or "" for the whole job) on j.
func (q *Queue) withRetryNotes(ctx context.Context, j *job, key int64, what string) context.Context {
	return store.WithRetryNotice(ctx, func(r store.Retry) {
		if errors.Is(r.Err, store.ErrThrottled) {
			q.conns.throttle()
		}
		q.noteRetry(j, key, retrySentence(what, r.Reason, r.Attempt+1, r.Max))
	})
}

// noteRetry makes sentence the job's latest retry, about request key.
func (q *Queue) noteRetry(j *job, key int64, sentence string) {
	q.mu.Lock()
	j.retrying, j.retryAt, j.retryKey = sentence, time.Now(), key
	j.hasRetry.Store(true)
	q.mu.Unlock()
}

// retryDone clears the job's retry sentence when it is about request key
// (or the whole job), which has just succeeded. It costs one atomic load
// when there is nothing to clear.
func (q *Queue) retryDone(j *job, key int64) {
	if !j.hasRetry.Load() {
		return
	}
	q.mu.Lock()
	if j.retryKey == key || j.retryKey == jobRequest {
		j.clearRetryLocked()
	}
	q.mu.Unlock()
}

// clearRetryLocked forgets the job's retry sentence.
func (j *job) clearRetryLocked() {
	j.retrying, j.retryAt, j.retryKey = "", time.Time{}, jobRequest
	j.hasRetry.Store(false)
}

// retrySentence is "retrying part 3 after HTTP 503 SlowDown (attempt 2 of
// 8)", or "retrying after ..." when what is "".
func retrySentence(what, reason string, attempt, maxAttempts int) string {
	var b strings.Builder
	b.WriteString("retrying ")
	if what != "" {
		b.WriteString(what)
		b.WriteString(" ")
	}
	if reason == "" {
		reason = "an error"
	}
	fmt.Fprintf(&b, "after %s (attempt %d of %d)", reason, attempt, maxAttempts)
	return b.String()
}

// rangeWhat names range i of a download for a retry sentence: "bytes
// 64-128 MiB", or "" when the range is the whole file.
func rangeWhat(st *downState, i int) string {
	if partCount(st.Size, st.PartSize) <= 1 {
		return ""
	}
	off, n := pieceAt(i, st.Size, st.PartSize)
	return "bytes " + mib(off) + "-" + mib(off+n) + " MiB"
}

// mib writes n bytes in MiB, whole when they are, else to one decimal.
func mib(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10)
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
}

// failureReason puts the error of a request that the queue itself tries
// again into the few words of a retry sentence, as store.Retry.Reason does
// for the SDK's retries.
func failureReason(err error) string {
	var se *store.Error
	switch {
	case errors.Is(err, errStalled):
		return fmt.Sprintf("no data moved for %v", stallTimeout)
	case errors.As(err, &se) && se.Status != 0:
		s := "HTTP " + strconv.Itoa(se.Status)
		if se.Code != "" {
			s += " " + se.Code
		}
		return s
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		strings.Contains(err.Error(), "connection reset"), strings.Contains(err.Error(), "unexpected EOF"):
		return "connection dropped"
	}
	return err.Error()
}
