// Package b2proxy is a test helper: an HTTP reverse proxy, placed between the
// client under test and the local S3 server, that behaves like Backblaze B2.
//
// It refuses what B2 refuses, before anything reaches the server, with B2's
// error shapes: x-amz-checksum-* and x-amz-sdk-checksum-algorithm headers,
// aws-chunked or STREAMING-* bodies (400 InvalidArgument), and object ACL
// headers (403 AccessDenied). It counts every request by S3 operation, keeps
// a log of them (part numbers included), and injects B2's faults on demand:
// JSON 500 bodies with an incident id, 503 SlowDown and 429 with Retry-After,
// connections dropped in the middle of a body, and slow answers. It answers
// Get/Put/DeleteBucketLifecycleConfiguration itself, as B2 documents them
// (see lifecycle.go), and checks SSE-C keys on writes and reads (see
// ssec.go), since the server behind it implements neither.
//
// Only path-style requests (/bucket/key) are understood. Bodies are streamed
// in both directions, never held in memory, and the Host header is forwarded
// unchanged, so SigV4 signatures made for the proxy's address verify at the
// server behind it.
package b2proxy

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/haul-app/haul/internal/syncbuf"
)

// Proxy is a running B2 behaviour proxy on a loopback port. Its methods are
// safe for concurrent use.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT; clients use it as
	// their endpoint.
	URL string

	upstream  *url.URL
	srv       *httptest.Server
	transport *http.Transport
	errLog    *syncbuf.Buffer

	mu       sync.Mutex
	reqs     []*Request
	counts   map[string]int
	refusals []string
	faults   []*Injection
	// lifecycles holds each bucket's lifecycle rules (serveLifecycle).
	lifecycles map[string][]b2Rule
	// ssec holds the customer keys' MD5s of versions and uploads (ssec.go).
	ssec ssecState
}

// New starts a proxy in front of upstream (an http://host:port base URL such
// as s3test.Server.Endpoint) and registers a cleanup on tb that shuts it
// down. The proxy's own error log is written to the test log only if the
// test failed.
func New(tb testing.TB, upstream string) *Proxy {
	tb.Helper()
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		tb.Fatalf("b2proxy: upstream %q is not an http(s)://host:port URL (%v)", upstream, err)
	}
	p := &Proxy{
		upstream:   u,
		counts:     make(map[string]int),
		lifecycles: make(map[string][]b2Rule),
		ssec:       ssecState{versions: map[string]string{}, uploads: map[string]string{}},
		errLog:     &syncbuf.Buffer{},
		transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   256,
			IdleConnTimeout:       30 * time.Second,
			ExpectContinueTimeout: time.Second,
			// Pass bodies through as they are: no gzip negotiation or
			// transparent decompression by the proxy.
			DisableCompression: true,
		},
	}
	p.srv = httptest.NewUnstartedServer(p)
	p.srv.Config.ErrorLog = log.New(p.errLog, "b2proxy: ", log.Lmicroseconds)
	p.srv.Start()
	p.URL = p.srv.URL
	tb.Cleanup(func() {
		p.srv.Close()
		p.transport.CloseIdleConnections()
		if tb.Failed() {
			if s := p.errLog.String(); s != "" {
				tb.Logf("b2proxy log:\n%s", s)
			}
		}
	})
	return p
}

// ServeHTTP refuses, faults or forwards one request. It implements
// [http.Handler]; tests normally reach it through [Proxy.URL].
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := p.record(r)
	if ref, ok := refuse(r, rec.Key); ok {
		p.mu.Lock()
		rec.Refused = true
		rec.Status = ref.status
		p.refusals = append(p.refusals, fmt.Sprintf("%s %s: %s: %s", rec.Op, r.URL.Path, ref.code, ref.message))
		p.mu.Unlock()
		drain(r)
		writeXMLError(w, r, ref.status, ref.code, ref.message)
		return
	}
	if in := p.pick(r, rec.Op); in != nil {
		p.mu.Lock()
		rec.Fault = in.f.Kind
		p.mu.Unlock()
		if p.apply(w, r, rec, in.f) {
			return
		}
	}
	if p.serveLifecycle(w, r, rec) {
		return
	}
	answer, ref := p.sseC(r, rec)
	if ref != nil {
		p.setStatus(rec, ref.status)
		drain(r)
		writeXMLError(w, r, ref.status, ref.code, ref.message)
		return
	}
	p.forward(w, r, rec, nil, answer)
}

// forward passes r to the upstream server and streams the answer back. With
// a drop fault (DropMidResponse) it sends only part of the answer's body
// (see [dropPoint]) and then closes the client's connection; with a
// SlowResponse fault it sends the body at the fault's rate. answer, when not nil, sees a
// successful answer before the client does: it may change its headers, or
// replace it with a refusal.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, rec *Request, drop *Fault, answer func(*http.Response) *refusal) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL = &url.URL{
		Scheme:   p.upstream.Scheme,
		Host:     p.upstream.Host,
		Path:     r.URL.Path,
		RawPath:  r.URL.RawPath,
		RawQuery: r.URL.RawQuery,
	}
	// The client signed the Host it sent us; the server must see the same.
	out.Host = r.Host
	if r.ContentLength == 0 {
		out.Body = nil
	}
	removeHopHeaders(out.Header)
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		logf(p.errLog, "forward %s %s: %v", r.Method, r.URL, err)
		p.setStatus(rec, http.StatusBadGateway)
		writeXMLError(w, r, http.StatusBadGateway, "InternalError", fmt.Sprintf("b2proxy: upstream: %v", err))
		return
	}
	defer resp.Body.Close()
	if answer != nil && resp.StatusCode < 300 {
		if ref := answer(resp); ref != nil {
			p.setStatus(rec, ref.status)
			writeXMLError(w, r, ref.status, ref.code, ref.message)
			return
		}
	}
	h := w.Header()
	for k, vv := range resp.Header {
		h[k] = append([]string(nil), vv...)
	}
	removeHopHeaders(h)
	p.setStatus(rec, resp.StatusCode)
	w.WriteHeader(resp.StatusCode)
	var body io.Reader = resp.Body
	switch {
	case drop != nil && drop.Kind == SlowResponse:
		body = paced(r.Context(), w, resp.Body, drop.Rate)
	case drop != nil:
		_, _ = io.CopyN(w, resp.Body, dropPoint(drop.DropAfter, resp.ContentLength))
		hangUp(w, true)
		return
	}
	if _, err := io.Copy(w, body); err != nil {
		// The answer is cut short: make sure the client sees a broken
		// connection rather than a body that merely looks complete.
		logf(p.errLog, "copy answer to %s %s: %v", r.Method, r.URL, err)
		panic(http.ErrAbortHandler)
	}
}

// paced reads r no faster than bytesPerSec (0 means 256 KiB a second),
// flushing w before each wait so the client sees the bytes as they pass.
func paced(ctx context.Context, w http.ResponseWriter, r io.Reader, bytesPerSec float64) io.Reader {
	if bytesPerSec <= 0 {
		bytesPerSec = 256 << 10
	}
	const chunk = 16 << 10
	return &pacedReader{ctx: ctx, r: r, rc: http.NewResponseController(w), lim: rate.NewLimiter(rate.Limit(bytesPerSec), chunk)}
}

type pacedReader struct {
	ctx context.Context
	r   io.Reader
	rc  *http.ResponseController
	lim *rate.Limiter
}

func (p *pacedReader) Read(b []byte) (int, error) {
	_ = p.rc.Flush()
	b = b[:min(len(b), p.lim.Burst())]
	if err := p.lim.WaitN(p.ctx, len(b)); err != nil {
		return 0, err
	}
	return p.r.Read(b)
}

// hopHeaders apply to one connection only and are never forwarded.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func removeHopHeaders(h http.Header) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}

// hangUp closes the client's connection without finishing the answer. With
// flush, what was written so far is sent first; without it nothing is, not
// even a status line (Flush would send one).
func hangUp(w http.ResponseWriter, flush bool) {
	rc := http.NewResponseController(w)
	if flush {
		_ = rc.Flush()
	}
	conn, _, err := rc.Hijack()
	if err != nil {
		// Without a connection to close, aborting the handler is the next
		// best way to cut the answer short.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// drain reads and discards the rest of the request body, so the client can
// finish sending and read the answer on a healthy connection.
func drain(r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
}

// logf writes one time-stamped line of the proxy's log.
func logf(b *syncbuf.Buffer, format string, args ...any) {
	_, _ = fmt.Fprintf(b, time.Now().Format("15:04:05.000000 ")+format+"\n", args...)
}
