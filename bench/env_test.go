package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/lineproxy"
	"github.com/haul-app/haul/store/s3test"
	"github.com/haul-app/haul/transfer"
)

// line is the line of issue 9: a 60 ms round trip, 160 Mbit/s per
// connection, 800 Mbit/s in all, each way; a new connection pays two round
// trips (TCP and TLS 1.3, as to B2 over HTTPS) before its first byte.
var line = lineproxy.Line{
	Delay:      30 * time.Millisecond,
	Handshakes: 2,
	ConnRate:   lineproxy.Mbit(160),
	TotalRate:  lineproxy.Mbit(800),
}

// loopback forwards without shaping: the proxy is there to count
// connections, and lets the kernel move the bytes.
var loopback = lineproxy.Line{}

// lineTime is the least time size bytes take at l's shared cap; 0 without
// one.
func lineTime(l lineproxy.Line, size int64) time.Duration {
	if l.TotalRate == 0 {
		return 0
	}
	return time.Duration(float64(size) / l.TotalRate * float64(time.Second))
}

// env is one benchmark's server, with a client that talks to it directly
// for setting up.
type env struct {
	srv    *s3test.Server
	direct *store.Client
	line   lineproxy.Line
}

func newEnv(b *testing.B, l lineproxy.Line) *env {
	b.Helper()
	srv := s3test.Start(b)
	return &env{srv: srv, direct: newClient(b, srv, srv.Endpoint), line: l}
}

func newClient(b *testing.B, srv *s3test.Server, endpoint string) *store.Client {
	b.Helper()
	c, err := store.NewClient(store.Config{Endpoint: endpoint, Region: srv.Region, KeyID: srv.AccessKey, Key: srv.SecretKey})
	if err != nil {
		b.Fatalf("NewClient: %v", err)
	}
	b.Cleanup(c.Close)
	return c
}

// bucket creates a bucket directly on the server.
func (e *env) bucket(b *testing.B, name string) string {
	b.Helper()
	if err := e.direct.CreateBucket(context.Background(), name, store.Private); err != nil {
		b.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// proxy starts a proxy with the env's line in front of the server.
func (e *env) proxy(b *testing.B) *lineproxy.Proxy {
	return lineproxy.Start(b, e.srv.Endpoint, e.line)
}

// haul is Haul's side: a queue with the default options on a client that
// goes through its own proxy.
type haul struct {
	p *lineproxy.Proxy
	c *store.Client
	q *transfer.Queue
}

func (e *env) haul(b *testing.B) *haul {
	b.Helper()
	p := e.proxy(b)
	c := newClient(b, e.srv, p.URL)
	return &haul{p: p, c: c, q: newQueue(b, c)}
}

func newQueue(b *testing.B, c *store.Client) *transfer.Queue {
	b.Helper()
	o := transfer.DefaultOptions()
	o.JournalDir = b.TempDir()
	q, warning, err := transfer.NewQueue(c, o)
	if err != nil || warning != nil {
		b.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	b.Cleanup(func() { q.Close() })
	return q
}

// uploadPaths uploads what PlanUpload makes of paths, as a drop on the
// window does, and waits for every job.
func (h *haul) uploadPaths(b *testing.B, paths []string, bucket, prefix string) {
	b.Helper()
	reqs, rejected, err := transfer.PlanUpload(paths, bucket, prefix)
	if err != nil || len(rejected) != 0 || len(reqs) == 0 {
		b.Fatalf("PlanUpload: %d requests, rejected %v, %v", len(reqs), rejected, err)
	}
	ids := make([]transfer.JobID, len(reqs))
	for i, r := range reqs {
		if ids[i], err = h.q.AddUpload(r); err != nil {
			b.Fatalf("AddUpload %s: %v", r.Key, err)
		}
	}
	waitAll(b, h.q, ids)
}

// download downloads key into dir, as the browser's download does.
func (h *haul) download(b *testing.B, req transfer.DownloadRequest) {
	b.Helper()
	id, err := h.q.AddDownload(req)
	if err != nil {
		b.Fatalf("AddDownload: %v", err)
	}
	waitAll(b, h.q, []transfer.JobID{id})
}

// listed is the download request the window makes for key when a person
// downloads it from the folder they are looking at: from the listing's
// entry (name and size), without asking the server about it again.
func (h *haul) listed(b *testing.B, bucket, key, dir string) transfer.DownloadRequest {
	b.Helper()
	page, err := h.c.List(context.Background(), store.ListInput{Bucket: bucket, Prefix: key})
	if err != nil || len(page.Objects) != 1 || page.Objects[0].Key != key {
		b.Fatalf("List %s: %+v, %v", key, page.Objects, err)
	}
	return transfer.DownloadRequest{Bucket: bucket, Key: key, Local: filepath.Join(dir, path.Base(key)), Size: page.Objects[0].Size}
}

// waitAll polls the queue's snapshot every 10 ms, as the transfers panel
// does, until every job is done; it fails on the first that ends otherwise.
func waitAll(b *testing.B, q *transfer.Queue, ids []transfer.JobID) {
	b.Helper()
	want := make(map[transfer.JobID]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		done := 0
		for _, j := range q.Snapshot().Jobs {
			if !want[j.ID] {
				continue
			}
			switch j.State {
			case transfer.Done:
				done++
			case transfer.Failed, transfer.Canceled, transfer.Paused:
				b.Fatalf("job %s %s ended %v: %v", j.Dir, j.Key, j.State, j.Err)
			}
		}
		if done == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs done after 10 minutes", done, len(ids))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// seed uploads local as key directly (no proxy), the way Haul uploads, so
// that downloads find an object with Haul's metadata.
func (e *env) seed(b *testing.B, bucket, local, key string) {
	b.Helper()
	reqs, _, err := transfer.PlanUpload([]string{local}, bucket, "")
	if err != nil || len(reqs) != 1 {
		b.Fatalf("PlanUpload: %v", err)
	}
	reqs[0].Key = key
	q := newQueue(b, e.direct)
	id, err := q.AddUpload(reqs[0])
	if err != nil {
		b.Fatal(err)
	}
	waitAll(b, q, []transfer.JobID{id})
	q.Close()
}

// writeRandom writes size pseudo-random bytes (seeded, fast, not crypto) to
// name.
func writeRandom(b *testing.B, name string, size int64, seed uint64) {
	b.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	buf := make([]byte, 1<<20)
	for size > 0 {
		n := min(int64(len(buf)), size)
		for i := 0; i+8 <= len(buf); i += 8 {
			binary.LittleEndian.PutUint64(buf[i:], rng.Uint64())
		}
		if _, err := f.Write(buf[:n]); err != nil {
			b.Fatal(err)
		}
		size -= n
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// sizeIs fails unless the file at name has size bytes.
func sizeIs(b *testing.B, name string, size int64) {
	b.Helper()
	fi, err := os.Stat(name)
	if err != nil || fi.Size() != size {
		b.Fatalf("%s: %v, want %d bytes", name, err, size)
	}
}

// folder writes n files of size bytes into a new folder and returns it.
func folder(b *testing.B, n int, size int64) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "folder")
	for i := range n {
		writeRandom(b, filepath.Join(dir, fmt.Sprintf("f%04d.bin", i)), size, uint64(i))
	}
	return dir
}
