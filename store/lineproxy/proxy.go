// Package lineproxy is a test helper: a TCP proxy on a loopback port that
// makes the connection between a client and a local server behave like a
// line across the internet. It adds a one-way delay in each direction (so a
// round trip costs twice the delay), can make each new connection pay for
// its handshakes, caps the bandwidth of each connection and of all
// connections together, and counts connections and bytes.
//
// It knows nothing of HTTP: put it in front of versitygw (s3test.Server's
// Endpoint) or in front of the B2 behaviour proxy (b2proxy.Proxy's URL),
// and point the client at [Proxy.URL].
//
// Data is forwarded as it arrives, in chunks of at most 32 KiB: each chunk
// leaves once the bandwidth caps allow and is delivered the delay later,
// while the chunks behind it keep moving, as on a real pipe; a slow reader
// holds the sender back once a direction holds 64 chunks (2 MiB) in flight.
package lineproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Line describes the shaping. The zero value forwards without delay or caps.
type Line struct {
	// Delay is the one-way latency, added in each direction: a request and
	// its answer take at least 2*Delay.
	Delay time.Duration
	// Handshakes is how many round trips a new connection costs before its
	// first byte reaches the server, on top of the Delay every byte pays:
	// 1 for TCP, 2 for TCP and TLS 1.3 (B2 over HTTPS). A client's connect
	// returns at once, so the proxy holds the first bytes back instead.
	Handshakes int
	// ConnRate caps each connection in each direction, in bytes per
	// second; 0 means no cap. 160 Mbit/s is 20e6.
	ConnRate float64
	// TotalRate caps all connections together in each direction, in bytes
	// per second; 0 means no cap.
	TotalRate float64
}

// Mbit converts megabits per second to the bytes per second of ConnRate and
// TotalRate.
func Mbit(n float64) float64 { return n * 1e6 / 8 }

// shaped reports whether anything beyond plain forwarding is asked for.
func (l Line) shaped() bool {
	return l.Delay > 0 || l.Handshakes > 0 || l.ConnRate > 0 || l.TotalRate > 0
}

// Stats are the proxy's counters since it started.
type Stats struct {
	// Conns is how many client connections were accepted.
	Conns int64
	// Up is the bytes delivered from clients to the server, Down from the
	// server to clients. Without shaping, bytes are counted every MiB and
	// at the end of a connection.
	Up, Down int64
	// PeakInFlight is the most bytes the proxy held at once, waiting for
	// their delivery time: memory it takes from the process it runs in.
	PeakInFlight int64
}

// Proxy is a running line proxy. Its methods are safe for concurrent use.
type Proxy struct {
	// Addr is the proxy's listening address, 127.0.0.1:PORT.
	Addr string
	// URL is "http://" + Addr, for clients that take an endpoint URL.
	URL string

	line     Line
	upstream string
	ln       net.Listener
	shared   [2]*rate.Limiter // per direction: up, down; nil without TotalRate

	conns, up, down     atomic.Int64
	inFlight, peakBytes atomic.Int64

	mu     sync.Mutex
	open   map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Start starts a proxy in front of upstream (host:port, or an http(s) URL
// whose host:port is used) with the given line, and registers a cleanup on
// tb that closes it.
func Start(tb testing.TB, upstream string, line Line) *Proxy {
	tb.Helper()
	p, err := New(upstream, line)
	if err != nil {
		tb.Fatalf("lineproxy: %v", err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// New starts a proxy in front of upstream; the caller closes it. Most tests
// use Start.
func New(upstream string, line Line) (*Proxy, error) {
	if strings.Contains(upstream, "://") {
		u, err := url.Parse(upstream)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("upstream %q is not host:port or an http(s)://host:port URL", upstream)
		}
		upstream = u.Host
	}
	if _, _, err := net.SplitHostPort(upstream); err != nil {
		return nil, fmt.Errorf("upstream %q is not host:port: %w", upstream, err)
	}
	if line.Delay < 0 || line.Handshakes < 0 || line.ConnRate < 0 || line.TotalRate < 0 {
		return nil, fmt.Errorf("negative setting in %+v", line)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	p := &Proxy{
		Addr:     ln.Addr().String(),
		line:     line,
		upstream: upstream,
		ln:       ln,
		open:     make(map[net.Conn]struct{}),
	}
	p.URL = "http://" + p.Addr
	if line.TotalRate > 0 {
		p.shared = [2]*rate.Limiter{newLimiter(line.TotalRate), newLimiter(line.TotalRate)}
	}
	p.wg.Go(p.accept)
	return p, nil
}

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	return Stats{
		Conns:        p.conns.Load(),
		Up:           p.up.Load(),
		Down:         p.down.Load(),
		PeakInFlight: p.peakBytes.Load(),
	}
}

// Close stops accepting, closes every connection and waits for the proxy's
// goroutines. It may be called more than once.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	err := p.ln.Close()
	for c := range p.open {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// accept runs until the listener is closed.
func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.conns.Add(1)
		p.wg.Go(func() { p.serve(c, time.Now()) })
	}
}

// track adds c to the open connections, or closes it and reports false when
// the proxy is closing.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.open[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.open, c)
	p.mu.Unlock()
	c.Close()
}

// serve forwards one client connection to a new upstream connection until
// both directions have ended.
func (p *Proxy) serve(client net.Conn, accepted time.Time) {
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := net.DialTimeout("tcp", p.upstream, 10*time.Second)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	var wg sync.WaitGroup
	if !p.line.shaped() {
		wg.Go(func() { p.splice(server, client, &p.up) })
		wg.Go(func() { p.splice(client, server, &p.down) })
		wg.Wait()
		return
	}
	// The first bytes reach the server no earlier than those of a client
	// that had to finish its handshakes before sending them.
	notBefore := accepted.Add(time.Duration(2*p.line.Handshakes+1) * p.line.Delay)
	wg.Go(func() { p.pipe(server, client, 0, notBefore) })
	wg.Go(func() { p.pipe(client, server, 1, time.Time{}) })
	wg.Wait()
}

// splice copies src to dst unshaped, letting the kernel move the bytes, and
// counts them every MiB.
func (p *Proxy) splice(dst, src net.Conn, count *atomic.Int64) {
	for {
		n, err := io.CopyN(dst, src, 1<<20)
		count.Add(n)
		if err != nil {
			if errors.Is(err, io.EOF) {
				closeWrite(dst)
			} else {
				dst.Close()
				src.Close()
			}
			return
		}
	}
}

// closeWrite passes an end of stream on: a half-close where the connection
// has one, so the other direction goes on.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.Close()
}

// newLimiter is a token bucket of rate bytes per second holding 10 ms of
// them, at least 64 KiB, so that a 32 KiB chunk always fits.
func newLimiter(bytesPerSec float64) *rate.Limiter {
	burst := max(int(bytesPerSec/100), 64<<10)
	return rate.NewLimiter(rate.Limit(bytesPerSec), burst)
}
