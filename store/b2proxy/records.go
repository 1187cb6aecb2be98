package b2proxy

import (
	"net/http"
	"slices"
	"strconv"
)

// Request is one request the proxy received, as recorded in its log.
type Request struct {
	// Op is the S3 operation, as named by [Operation].
	Op string
	// Method, Path (decoded) and Query (raw) are those of the request.
	Method, Path, Query string
	// Bucket and Key come from the path-style path; Key is empty for
	// bucket-level requests.
	Bucket, Key string
	// UploadID and PartNumber are set for multipart requests that carry them.
	UploadID   string
	PartNumber int
	// ContentLength is the declared body length, -1 when unknown.
	ContentLength int64
	// Header is a copy of the request headers.
	Header http.Header
	// Status is the status code answered, 0 while the request is in flight
	// or when the connection was dropped without an answer. It is set before
	// the answer is sent, so a client that got an answer sees it here.
	Status int
	// Refused says the proxy refused the request as B2 would.
	Refused bool
	// Fault is the kind of injected fault applied to the request, 0 if none.
	Fault Kind
}

// record adds r to the log and the operation counts, before it is answered.
func (p *Proxy) record(r *http.Request) *Request {
	bucket, key := splitPath(r.URL.Path)
	q := r.URL.Query()
	rec := &Request{
		Op:            Operation(r),
		Method:        r.Method,
		Path:          r.URL.Path,
		Query:         r.URL.RawQuery,
		Bucket:        bucket,
		Key:           key,
		UploadID:      q.Get("uploadId"),
		ContentLength: r.ContentLength,
		Header:        r.Header.Clone(),
	}
	rec.PartNumber, _ = strconv.Atoi(q.Get("partNumber"))
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = append(p.reqs, rec)
	p.counts[rec.Op]++
	return rec
}

// setStatus records the status about to be answered.
func (p *Proxy) setStatus(rec *Request, status int) {
	p.mu.Lock()
	rec.Status = status
	p.mu.Unlock()
}

// Count returns how many requests for operation op (as named by
// [Operation]) the proxy has received since it started or was last reset,
// refused and faulted ones included.
func (p *Proxy) Count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[op]
}

// Counts returns a copy of the per-operation request counts.
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]int, len(p.counts))
	for op, n := range p.counts {
		m[op] = n
	}
	return m
}

// Requests returns a copy of the request log, oldest first.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Request, len(p.reqs))
	for i, r := range p.reqs {
		out[i] = *r
		out[i].Header = r.Header.Clone()
	}
	return out
}

// Refusals returns one line per request refused as B2 would refuse it,
// naming the operation, path, error code and message, oldest first. Tests of
// a correctly configured client expect it to be empty.
func (p *Proxy) Refusals() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.refusals)
}

// PartsSent returns the part numbers of every UploadPart and UploadPartCopy
// request received for uploadID, in arrival order, repeats, refused and
// faulted attempts included. Tests use it to prove which parts were re-sent.
func (p *Proxy) PartsSent(uploadID string) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var parts []int
	for _, r := range p.reqs {
		if (r.Op == "UploadPart" || r.Op == "UploadPartCopy") && r.UploadID == uploadID {
			parts = append(parts, r.PartNumber)
		}
	}
	return parts
}

// Reset forgets the request log, the counts and the refusals. Injected
// faults stay; [Proxy.ClearFaults] removes them.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = nil
	p.refusals = nil
	clear(p.counts)
}
