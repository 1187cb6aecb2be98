package lineproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const (
	// chunkSize is the most bytes read and delivered at once.
	chunkSize = 32 << 10
	// window is how many chunks one direction holds in flight before it
	// stops reading: at most 2 MiB, which bounds one connection to 2 MiB
	// per Delay (70 MB/s at 30 ms), like a TCP window, and bounds what the
	// proxy holds when the receiver is slower than the line.
	window = 64
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// chunk is data on its way, or the end of the stream when buf is nil.
type chunk struct {
	buf *[]byte
	n   int
	due time.Time // when it reaches the other end
	err error     // with buf nil: io.EOF for a clean end, else why it broke
}

// pipe forwards src to dst in one direction (0 up, 1 down): a reader takes
// chunks off src as the caps allow and stamps each with its delivery time;
// this goroutine delivers them at that time. Nothing is delivered before
// notBefore.
func (p *Proxy) pipe(dst, src net.Conn, dir int, notBefore time.Time) {
	var lims []*rate.Limiter
	if p.line.ConnRate > 0 {
		lims = append(lims, newLimiter(p.line.ConnRate))
	}
	if p.shared[dir] != nil {
		lims = append(lims, p.shared[dir])
	}
	count := &p.up
	if dir == 1 {
		count = &p.down
	}
	ch := make(chan chunk, window)
	stop := make(chan struct{})
	defer close(stop)
	go p.read(src, ch, stop, lims, notBefore)
	for c := range ch {
		if d := time.Until(c.due); d > 0 {
			time.Sleep(d)
		}
		if c.buf == nil {
			if errors.Is(c.err, io.EOF) {
				closeWrite(dst)
			} else {
				dst.Close()
			}
			return
		}
		// Counted before the write, so that whoever got the bytes also
		// sees them counted.
		count.Add(int64(c.n))
		_, err := dst.Write((*c.buf)[:c.n])
		p.release(c)
		if err != nil {
			// The far end is gone: end both directions, and let the
			// reader, blocked in src, find out.
			dst.Close()
			src.Close()
			for c := range ch {
				p.release(c)
			}
			return
		}
	}
}

// read is the sending half of pipe. It closes ch after the end of stream.
func (p *Proxy) read(src net.Conn, ch chan<- chunk, stop <-chan struct{}, lims []*rate.Limiter, notBefore time.Time) {
	defer close(ch)
	send := func(c chunk) bool {
		select {
		case ch <- c:
			return true
		case <-stop:
			p.release(c)
			return false
		}
	}
	for {
		buf := chunkPool.Get().(*[]byte)
		n, err := src.Read(*buf)
		if n > 0 {
			sent := time.Now()
			if len(lims) > 0 {
				sent = wait(lims, n)
			}
			p.hold(n)
			if !send(chunk{buf: buf, n: n, due: later(sent.Add(p.line.Delay), notBefore)}) {
				return
			}
		} else {
			chunkPool.Put(buf)
		}
		if err != nil {
			send(chunk{err: err, due: later(time.Now().Add(p.line.Delay), notBefore)})
			return
		}
	}
}

// wait takes n bytes from every limiter at once and sleeps until the
// slowest of them allows them, returning when that was.
func wait(lims []*rate.Limiter, n int) time.Time {
	now := time.Now()
	var d time.Duration
	for _, l := range lims {
		d = max(d, l.ReserveN(now, n).DelayFrom(now))
	}
	if d > 0 {
		time.Sleep(d)
	}
	return now.Add(d)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// hold and release keep the bytes in flight and their peak.
func (p *Proxy) hold(n int) {
	v := p.inFlight.Add(int64(n))
	for {
		peak := p.peakBytes.Load()
		if v <= peak || p.peakBytes.CompareAndSwap(peak, v) {
			return
		}
	}
}

func (p *Proxy) release(c chunk) {
	if c.buf == nil {
		return
	}
	p.inFlight.Add(-int64(c.n))
	chunkPool.Put(c.buf)
}
