package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
	"github.com/haul-app/haul/store/s3test"
)

// testPart is the smallest part versitygw accepts (5 MiB), so tests need
// few bytes for many parts.
const testPart = 5 << 20

// testOptions are small parts, multipart above two parts, and a journal in
// a temporary folder.
func testOptions(t testing.TB) Options {
	return Options{PartSize: testPart, Threshold: 2 * testPart, JournalDir: t.TempDir()}
}

// noSplits turns off the splitting of slow pieces (see fetch.splitLocked)
// for one test. The tests that count a download's requests, or the bytes
// they asked for, need each range asked for once: on a loaded loopback a
// range can look slow enough to split. TestSplitStraggler tests splitting.
func noSplits(t testing.TB) {
	old := minSplit
	minSplit = math.MaxInt64
	t.Cleanup(func() { minSplit = old })
}

// env is a versitygw server, a B2 behaviour proxy in front of it, a client
// of the proxy and a bucket.
type env struct {
	srv    *s3test.Server
	proxy  *b2proxy.Proxy
	c      *store.Client
	bucket string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := s3test.Start(t)
	p := b2proxy.New(t, srv.Endpoint)
	e := &env{srv: srv, proxy: p, bucket: "haul-transfer"}
	e.c = newClient(t, srv, p.URL)
	if err := e.c.CreateBucket(context.Background(), e.bucket, store.Private); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	t.Cleanup(func() {
		if refs := p.Refusals(); len(refs) != 0 {
			t.Errorf("the proxy refused %d requests as B2 would:\n%s", len(refs), strings.Join(refs, "\n"))
		}
	})
	return e
}

func newClient(t testing.TB, srv *s3test.Server, endpoint string) *store.Client {
	t.Helper()
	c, err := store.NewClient(store.Config{
		Endpoint: endpoint, Region: srv.Region, KeyID: srv.AccessKey, Key: srv.SecretKey,
		MaxBackoff: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// queue starts a queue on the env's client and closes it after the test.
func (e *env) queue(t testing.TB, o Options) *Queue {
	t.Helper()
	q, warning, err := NewQueue(e.c, o)
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// writeRandom writes size pseudo-random bytes (seeded, fast, not crypto)
// to name and returns the SHA-256 in hex.
func writeRandom(t testing.TB, name string, size int64, seed uint64) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	w := io.MultiWriter(f, h)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	buf := make([]byte, 1<<20)
	for size > 0 {
		n := min(int64(len(buf)), size)
		for i := 0; i+8 <= len(buf); i += 8 {
			binary.LittleEndian.PutUint64(buf[i:], rng.Uint64())
		}
		if _, err := w.Write(buf[:n]); err != nil {
			t.Fatal(err)
		}
		size -= n
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileSHA256 returns a local file's SHA-256 in hex.
func fileSHA256(t testing.TB, name string) string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// objectSHA256 reads an object whole and returns its SHA-256 in hex.
func objectSHA256(t testing.TB, c *store.Client, bucket, key string) string {
	t.Helper()
	body, err := c.GetRange(context.Background(), bucket, key, "", 0, -1)
	if err != nil {
		t.Fatalf("GetRange %s: %v", key, err)
	}
	defer body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, body); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// wait waits for a job to settle, for at most two minutes.
func wait(t testing.TB, q *Queue, id JobID) JobStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := q.Wait(ctx, id)
	if err != nil {
		t.Fatalf("Wait %s: %v (state %v, %d of %d bytes)", id, err, st.State, st.Done, st.Size)
	}
	return st
}

// waitDone waits for a job and fails the test unless it is Done.
func waitDone(t testing.TB, q *Queue, id JobID) JobStatus {
	t.Helper()
	st := wait(t, q, id)
	if st.State != Done {
		t.Fatalf("job %s (%s %s) ended %v: %v", id, st.Dir, st.Key, st.State, st.Err)
	}
	return st
}

// upload uploads local as key through q and waits for it.
func upload(t testing.TB, q *Queue, bucket, local, key string) {
	t.Helper()
	id, err := q.AddUpload(UploadRequest{Local: local, Bucket: bucket, Key: key})
	if err != nil {
		t.Fatalf("AddUpload %s: %v", key, err)
	}
	waitDone(t, q, id)
}

// readJournal reads the journal in dir; a missing one is empty.
func readJournal(t testing.TB, dir string) []record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, journalName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	recs, damaged, err := parseJournal(data)
	if err != nil || len(damaged) != 0 {
		t.Fatalf("journal: %v %v", err, damaged)
	}
	return recs
}

// poll calls cond every 10 ms until it is true, failing after a minute.
func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// uploadIDs returns the upload IDs of the UploadPart requests the proxy saw,
// in order of first appearance.
func uploadIDs(p *b2proxy.Proxy) []string {
	var ids []string
	seen := map[string]bool{}
	for _, r := range p.Requests() {
		if r.Op == "UploadPart" && !seen[r.UploadID] {
			seen[r.UploadID] = true
			ids = append(ids, r.UploadID)
		}
	}
	return ids
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
