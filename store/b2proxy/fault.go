package b2proxy

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Kind is what an injected [Fault] does to the request it hits.
type Kind int

const (
	// InternalError answers 500 with B2's JSON body
	// {"code":"internal_error","message":"incident id ...","status":500}.
	InternalError Kind = iota + 1
	// ServiceUnavailable answers 503 SlowDown (S3 XML) with Retry-After.
	ServiceUnavailable
	// TooManyRequests answers 429 TooManyRequests (S3 XML) with Retry-After.
	TooManyRequests
	// RequestTimeout answers 408 RequestTimeout (S3 XML).
	RequestTimeout
	// DropMidRequest reads part of the request body, then closes the
	// connection without answering, as if the upload broke off. Meant for
	// uploads: Go's transport silently retries a bodiless idempotent
	// request (a GET) whose reused connection closes before any answer.
	DropMidRequest
	// DropMidResponse forwards the request, sends part of the answer's body,
	// then closes the connection, as if the download broke off. The server
	// behind the proxy does see this request.
	DropMidResponse
	// DropMidBody is DropMidRequest for requests that carry a body and
	// DropMidResponse for those that do not.
	DropMidBody
	// Latency waits [Fault.Delay] and then forwards the request normally.
	Latency
	// SlowResponse forwards the request and sends the answer's body at
	// [Fault.Rate], as a connection that straggles behind the others.
	SlowResponse
)

var kindNames = map[Kind]string{
	InternalError:      "InternalError",
	ServiceUnavailable: "ServiceUnavailable",
	TooManyRequests:    "TooManyRequests",
	RequestTimeout:     "RequestTimeout",
	DropMidRequest:     "DropMidRequest",
	DropMidResponse:    "DropMidResponse",
	DropMidBody:        "DropMidBody",
	Latency:            "Latency",
	SlowResponse:       "SlowResponse",
}

// String returns the kind's name, such as "ServiceUnavailable".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Forever, as [Fault.Times], makes a fault hit every matching request.
const Forever = -1

// DefaultIncidentID is the incident id of InternalError answers whose
// [Fault.IncidentID] is empty.
const DefaultIncidentID = "1a2b3c4d5e6f-0123456789abcdef"

// Fault describes a failure to inject. The zero values of its optional
// fields give B2-like defaults.
type Fault struct {
	// Op restricts the fault to one operation, as named by [Operation]
	// ("UploadPart", "GetObject", ...); empty matches every operation.
	Op string
	// Match, when set, must also return true for the request to match. It
	// may run concurrently for several requests, must not read the body,
	// and may call the Proxy's methods.
	Match func(*http.Request) bool
	// Kind is what the fault does.
	Kind Kind
	// Times is how many matching requests the fault hits: 0 means once,
	// [Forever] means every one.
	Times int
	// After lets the first After matching requests through untouched.
	After int
	// RetryAfter is the Retry-After header in seconds sent with
	// ServiceUnavailable and TooManyRequests: 0 means 1, negative omits it.
	RetryAfter int
	// IncidentID goes into an InternalError's message ("incident id ID");
	// empty means DefaultIncidentID.
	IncidentID string
	// Delay is how long Latency waits; 0 means one second.
	Delay time.Duration
	// Rate is the bytes per second of SlowResponse's body; 0 means 256 KiB
	// a second.
	Rate float64
	// DropAfter is how many body bytes pass before a drop; 0 means half the
	// declared Content-Length, or 64 KiB when the length is unknown.
	DropAfter int64
}

// Injection is a fault injected into a [Proxy]; it reports how often the
// fault has hit.
type Injection struct {
	p       *Proxy
	f       Fault
	seen    int  // matching requests so far; guarded by p.mu
	fired   int  // requests hit so far; guarded by p.mu
	removed bool // set by ClearFaults; guarded by p.mu
}

// Fired returns how many requests the fault has hit so far.
func (in *Injection) Fired() int {
	in.p.mu.Lock()
	defer in.p.mu.Unlock()
	return in.fired
}

// Inject adds a fault. Faults are tried in the order they were injected and
// at most one hits a request; every fault that matches a request counts it
// towards its After, even when an earlier fault hits it. Refusals come
// first: a request B2 would refuse is refused, not faulted.
func (p *Proxy) Inject(f Fault) *Injection {
	in := &Injection{p: p, f: f}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, in)
	return in
}

// ClearFaults removes every injected fault.
func (p *Proxy) ClearFaults() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, in := range p.faults {
		in.removed = true
	}
	p.faults = nil
}

// pick returns the fault that hits r, or nil. Match functions run without
// the lock held, so they may call back into the Proxy.
func (p *Proxy) pick(r *http.Request, op string) *Injection {
	p.mu.Lock()
	faults := slices.Clone(p.faults)
	p.mu.Unlock()
	matched := make([]bool, len(faults))
	for i, in := range faults {
		matched[i] = (in.f.Op == "" || in.f.Op == op) && (in.f.Match == nil || in.f.Match(r))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var hit *Injection
	for i, in := range faults {
		if !matched[i] || in.removed {
			continue
		}
		in.seen++
		times := in.f.Times
		if times == 0 {
			times = 1
		}
		if hit == nil && in.seen > in.f.After && (times == Forever || in.fired < times) {
			in.fired++
			hit = in
		}
	}
	return hit
}

// apply carries out fault f on r. It reports whether r has been dealt with;
// false means the caller should forward r as usual.
func (p *Proxy) apply(w http.ResponseWriter, r *http.Request, rec *Request, f Fault) bool {
	kind := f.Kind
	if kind == DropMidBody {
		kind = DropMidResponse
		if r.ContentLength != 0 {
			kind = DropMidRequest
		}
	}
	switch kind {
	case InternalError:
		id := f.IncidentID
		if id == "" {
			id = DefaultIncidentID
		}
		drain(r)
		p.setStatus(rec, http.StatusInternalServerError)
		writeJSONError(w, r, http.StatusInternalServerError, "internal_error", "incident id "+id)
	case ServiceUnavailable:
		drain(r)
		setRetryAfter(w, f.RetryAfter)
		p.setStatus(rec, http.StatusServiceUnavailable)
		writeXMLError(w, r, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case TooManyRequests:
		drain(r)
		setRetryAfter(w, f.RetryAfter)
		p.setStatus(rec, http.StatusTooManyRequests)
		writeXMLError(w, r, http.StatusTooManyRequests, "TooManyRequests", "Too many requests, please slow down.")
	case RequestTimeout:
		drain(r)
		p.setStatus(rec, http.StatusRequestTimeout)
		writeXMLError(w, r, http.StatusRequestTimeout, "RequestTimeout",
			"Your socket connection to the server was not read from or written to within the timeout period.")
	case DropMidRequest:
		_, _ = io.CopyN(io.Discard, r.Body, dropPoint(f.DropAfter, r.ContentLength))
		hangUp(w, false)
	case DropMidResponse, SlowResponse:
		f.Kind = kind
		p.forward(w, r, rec, &f, nil)
	case Latency:
		d := f.Delay
		if d == 0 {
			d = time.Second
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
		return false
	default:
		return false
	}
	return true
}

// dropPoint is how many body bytes pass before a drop: the explicit count,
// else half the known length, else 64 KiB.
func dropPoint(explicit, length int64) int64 {
	switch {
	case explicit > 0:
		return explicit
	case length > 0:
		return length / 2
	}
	return 64 << 10
}

func setRetryAfter(w http.ResponseWriter, seconds int) {
	if seconds < 0 {
		return
	}
	if seconds == 0 {
		seconds = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
}
