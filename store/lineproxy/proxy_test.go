package lineproxy_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/haul-app/haul/store/lineproxy"
)

// Timing tests assert lower bounds only: a busy machine makes everything
// slower, never faster.

// server is a TCP server for the tests. Each connection gets a one-byte
// command: 'e' echoes one byte back per byte read, 's' reads to the end and
// answers with the SHA-256 of what it read, 'g' reads an 8-byte size and
// sends that many pseudo-random bytes.
func server(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { handle(c) })
		}
	})
	return ln.Addr().String()
}

func handle(c net.Conn) {
	defer c.Close()
	var cmd [1]byte
	if _, err := io.ReadFull(c, cmd[:]); err != nil {
		return
	}
	switch cmd[0] {
	case 'e':
		io.Copy(c, c)
	case 's':
		h := sha256.New()
		io.Copy(h, c)
		c.Write(h.Sum(nil))
	case 'g':
		var size [8]byte
		if _, err := io.ReadFull(c, size[:]); err != nil {
			return
		}
		n := int64(0)
		for i, b := range size {
			n |= int64(b) << (8 * i)
		}
		io.Copy(c, io.LimitReader(randomReader(1), n))
	}
}

func randomReader(seed uint64) io.Reader {
	return rand.NewChaCha8([32]byte{byte(seed)})
}

func dial(t *testing.T, p *lineproxy.Proxy) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// echo sends one byte on an echo connection and returns when it came back.
func echo(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := c.Write([]byte{'x'}); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil || b[0] != 'x' {
		t.Fatalf("echo: %q %v", b, err)
	}
}

func TestRoundTripTakesTwiceTheDelay(t *testing.T) {
	t.Parallel()
	const delay = 50 * time.Millisecond
	p := lineproxy.Start(t, server(t), lineproxy.Line{Delay: delay})
	c := dial(t, p)
	if _, err := c.Write([]byte{'e'}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		start := time.Now()
		echo(t, c)
		if d := time.Since(start); d < 2*delay {
			t.Errorf("the answer came back after %v, before the round trip of %v", d, 2*delay)
		}
	}
	if s := p.Stats(); s.Conns != 1 || s.Up != 4 || s.Down != 3 {
		t.Errorf("stats %+v, want 1 connection, 4 bytes up, 3 down", s)
	}
}

func TestHandshakesDelayTheFirstBytes(t *testing.T) {
	t.Parallel()
	const delay = 20 * time.Millisecond
	p := lineproxy.Start(t, server(t), lineproxy.Line{Delay: delay, Handshakes: 2})
	start := time.Now()
	c := dial(t, p)
	if _, err := c.Write([]byte{'e'}); err != nil {
		t.Fatal(err)
	}
	echo(t, c)
	// Two handshakes, then the request's round trip.
	if d := time.Since(start); d < 6*delay {
		t.Errorf("the first answer came after %v, want at least %v", d, 6*delay)
	}
	start = time.Now()
	echo(t, c)
	if d := time.Since(start); d < 2*delay {
		t.Errorf("a later answer came after %v, want at least %v", d, 2*delay)
	}
}

func TestCountsConnections(t *testing.T) {
	t.Parallel()
	p := lineproxy.Start(t, server(t), lineproxy.Line{Delay: time.Millisecond})
	const n = 5
	for range n {
		c := dial(t, p)
		c.Write([]byte{'e'})
		echo(t, c)
	}
	if s := p.Stats(); s.Conns != n || s.Up != 2*n || s.Down != n {
		t.Errorf("stats %+v, want %d connections, %d bytes up, %d down", s, n, 2*n, n)
	}
}

// TestUnshaped forwards both ways without a line, through the kernel.
func TestUnshaped(t *testing.T) {
	t.Parallel()
	p := lineproxy.Start(t, server(t), lineproxy.Line{})
	const size = 3<<20 + 5
	up(t, p, size)
	down(t, p, size)
	// Unshaped bytes are counted every MiB and when a direction ends,
	// which for down's request is when the client hangs up.
	want := lineproxy.Stats{Conns: 2, Up: 1 + size + 9, Down: 32 + size}
	deadline := time.Now().Add(10 * time.Second)
	for p.Stats() != want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s := p.Stats(); s != want {
		t.Errorf("stats %+v, want %+v", s, want)
	}
}

// up sends size bytes on a new connection and checks that the server got
// them intact.
func up(t *testing.T, p *lineproxy.Proxy, size int64) {
	t.Helper()
	c := dial(t, p)
	h := sha256.New()
	w := io.MultiWriter(c, h)
	if _, err := c.Write([]byte{'s'}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, io.LimitReader(randomReader(2), size)); err != nil {
		t.Fatal(err)
	}
	c.CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, h.Sum(nil)) {
		t.Fatalf("the server's SHA-256 is %x (%v), want %x", got, err, h.Sum(nil))
	}
}

// down asks for size bytes on a new connection and checks them.
func down(t *testing.T, p *lineproxy.Proxy, size int64) {
	t.Helper()
	c := dial(t, p)
	req := []byte{'g', 0, 0, 0, 0, 0, 0, 0, 0}
	for i := range 8 {
		req[1+i] = byte(size >> (8 * i))
	}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	want := sha256.New()
	io.Copy(want, io.LimitReader(randomReader(1), size))
	got := sha256.New()
	n, err := io.Copy(got, c)
	if err != nil || n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("got %d bytes (%v), want %d, or they differ", n, err, size)
	}
	c.Close()
}

// atLeast fails unless the transfer of size bytes at rate took at least as
// long as the rate allows, less one burst of 64 KiB.
func atLeast(t *testing.T, what string, d time.Duration, size int64, rate float64) {
	t.Helper()
	floor := time.Duration(float64(size-64<<10) / rate * float64(time.Second))
	if d < floor {
		t.Errorf("%s: %d bytes took %v, less than the %v a cap of %.0f bytes/s allows", what, size, d, floor, rate)
	}
	t.Logf("%s: %d bytes in %v (floor %v)", what, size, d, floor)
}

func TestConnectionCap(t *testing.T) {
	t.Parallel()
	rate := lineproxy.Mbit(40)
	p := lineproxy.Start(t, server(t), lineproxy.Line{Delay: 5 * time.Millisecond, ConnRate: rate})
	const size = 4 << 20
	start := time.Now()
	up(t, p, size)
	atLeast(t, "up", time.Since(start), size, rate)
	start = time.Now()
	down(t, p, size)
	atLeast(t, "down", time.Since(start), size, rate)
	if s := p.Stats(); s.Up < size || s.Down < size {
		t.Errorf("stats %+v, want at least %d bytes each way", s, size)
	}
}

func TestSharedCap(t *testing.T) {
	t.Parallel()
	rate := lineproxy.Mbit(40)
	// Each connection alone may go four times faster than all together.
	p := lineproxy.Start(t, server(t), lineproxy.Line{Delay: 5 * time.Millisecond, ConnRate: 4 * rate, TotalRate: rate})
	const conns, size = 4, 1 << 20
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() { up(t, p, size) })
	}
	wg.Wait()
	atLeast(t, "up", time.Since(start), conns*size, rate)
	if s := p.Stats(); s.Conns != conns || s.Up != conns*(size+1) {
		t.Errorf("stats %+v, want %d connections and %d bytes up", s, conns, conns*(size+1))
	}
}

func TestCloseEndsConnections(t *testing.T) {
	t.Parallel()
	p, err := lineproxy.New(server(t), lineproxy.Line{Delay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p)
	c.Write([]byte{'e'})
	echo(t, c)
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the connection is still open after Close")
	}
	if _, err := net.Dial("tcp", p.Addr); err == nil {
		t.Error("the proxy still accepts after Close")
	}
}

func TestBadUpstream(t *testing.T) {
	for _, u := range []string{"", "nohost", "ftp://x"} {
		if _, err := lineproxy.New(u, lineproxy.Line{}); err == nil {
			t.Errorf("New(%q) worked", u)
		}
	}
	if _, err := lineproxy.New("127.0.0.1:1", lineproxy.Line{Delay: -1}); err == nil {
		t.Error("a negative delay was accepted")
	}
}
