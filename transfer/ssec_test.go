package transfer

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

// oneKey is a key ring holding one customer key.
type oneKey struct{ k store.CustomerKey }

func (r oneKey) CustomerKey(name string) (store.CustomerKey, error) {
	if name != r.k.Name {
		return store.CustomerKey{}, &store.Error{Op: "find key", Kind: store.ErrKeyMissing, Message: "no key named " + name}
	}
	return r.k, nil
}

func (r oneKey) CustomerKeys() ([]store.CustomerKey, error) { return []store.CustomerKey{r.k}, nil }

// keyedClient is a client of the env's proxy holding ring, as a new run of
// Haul would make it: it remembers nothing of earlier clients.
func keyedClient(t *testing.T, e *env, ring store.KeyRing) *store.Client {
	t.Helper()
	c, err := store.NewClient(store.Config{
		Endpoint: e.proxy.URL, Region: e.srv.Region, KeyID: e.srv.AccessKey, Key: e.srv.SecretKey,
		MaxBackoff: 500 * time.Millisecond, Keys: ring,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCustomerKeyUploadResumesAndDownloads uploads a file in parts with a
// customer key, stops the queue half-way, and resumes in a new queue on a
// new client (a later run): the parts go on with the key found again by
// name, the download verifies, a copy in parts stopped and resumed the
// same way keeps the key, a client without the key is refused with
// ErrKeyMissing, and no file of the journal ever held the key.
func TestCustomerKeyUploadResumesAndDownloads(t *testing.T) {
	e := newEnv(t)
	key, err := store.NewCustomerKey("vault")
	must(t, err)
	ring := oneKey{key}
	opts := testOptions(t)
	local := filepath.Join(t.TempDir(), "f.bin")
	sum := writeRandom(t, local, 4*testPart+123, 70)

	first, warn, err := NewQueue(keyedClient(t, e, ring), opts)
	if err != nil || warn != nil {
		t.Fatal(err, warn)
	}
	release := stallAfter(t, e.proxy, "UploadPart", 2)
	id, err := first.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: "f.bin", CustomerKey: "vault"})
	must(t, err)
	poll(t, "two parts", func() bool { _, parts, _ := progressOf(first, id); return len(parts) >= 2 })
	must(t, first.Pause(id))
	wait(t, first, id)
	release()
	must(t, first.Close())
	if journal := assertNoKeyInFiles(t, opts.JournalDir, key); !bytes.Contains(journal, []byte(`"customerKey":"vault"`)) {
		t.Fatalf("the journal does not name the upload's key:\n%s", journal)
	}

	c := keyedClient(t, e, ring)
	q := e.queueOn(t, c, opts)
	must(t, q.Resume(id))
	waitDone(t, q, id)
	for _, r := range e.proxy.Requests() {
		if (r.Op == "UploadPart" || r.Op == "CreateMultipartUpload") && r.Status < 300 &&
			r.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") != key.MD5 {
			t.Errorf("%s part %d went without the key", r.Op, r.PartNumber)
		}
	}
	info, err := c.Head(context.Background(), e.bucket, "f.bin", "")
	must(t, err)
	if info.CustomerKey != "vault" {
		t.Fatalf("the object is not encrypted with the key: %+v", info)
	}

	dest := filepath.Join(t.TempDir(), "back.bin")
	did, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f.bin", Local: dest})
	must(t, err)
	waitDone(t, q, did)
	if got := fileSHA256(t, dest); got != sum {
		t.Fatalf("downloaded SHA-256 %s, want %s", got, sum)
	}
	// As the window downloads: the size from the listing, no HEAD first;
	// the first range finds the key.
	listed := filepath.Join(t.TempDir(), "listed.bin")
	lid, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f.bin", Local: listed, Size: info.Size})
	must(t, err)
	waitDone(t, q, lid)
	if got := fileSHA256(t, listed); got != sum {
		t.Fatalf("downloaded from the listing: SHA-256 %s, want %s", got, sum)
	}

	// A copy in parts, stopped half-way and resumed by a later run: the
	// parts read and write with the source's key.
	copyOpts := testOptions(t)
	copyOpts.CopyThreshold, copyOpts.CopyPartSize = testPart, testPart
	cq, warn, err := NewQueue(keyedClient(t, e, ring), copyOpts)
	if err != nil || warn != nil {
		t.Fatal(err, warn)
	}
	release = stallAfter(t, e.proxy, "UploadPartCopy", 2)
	cid, err := cq.AddCopy(CopyRequest{Bucket: e.bucket, SrcKey: "f.bin", DstKey: "copy.bin"})
	must(t, err)
	poll(t, "two copied parts", func() bool {
		cq.mu.Lock()
		defer cq.mu.Unlock()
		return len(cq.byID[cid].cp.Parts) >= 2
	})
	must(t, cq.Pause(cid))
	wait(t, cq, cid)
	release()
	must(t, cq.Close())
	later := e.queueOn(t, keyedClient(t, e, ring), copyOpts)
	must(t, later.Resume(cid))
	waitDone(t, later, cid)
	if got, err := c.Head(context.Background(), e.bucket, "copy.bin", ""); err != nil || got.CustomerKey != "vault" {
		t.Fatalf("copy: %+v, %v", got, err)
	}
	if got := objectSHA256(t, c, e.bucket, "copy.bin"); got != sum {
		t.Fatalf("the copy's SHA-256 is %s, want %s", got, sum)
	}
	copied := 0
	for _, r := range e.proxy.Requests() {
		if r.Op == "UploadPartCopy" && r.Status < 300 {
			copied++
			if r.Header.Get("X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5") != key.MD5 ||
				r.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") != key.MD5 {
				t.Errorf("copy part %d went without the key", r.PartNumber)
			}
		}
	}
	if copied != 5 {
		t.Errorf("%d parts copied, want 5 (each once)", copied)
	}

	// A queue whose client has no key: the download fails with the kind
	// the window turns into a sentence.
	bare := e.queueOn(t, keyedClient(t, e, nil), testOptions(t))
	bid, err := bare.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f.bin", Local: filepath.Join(t.TempDir(), "x")})
	must(t, err)
	if st := wait(t, bare, bid); st.State != Failed || !errors.Is(st.Err, store.ErrKeyMissing) {
		t.Fatalf("download without the key ended %v: %v", st.State, st.Err)
	}
	assertNoKeyInFiles(t, opts.JournalDir, key)
}

// queueOn starts a queue on c and closes it after the test.
func (e *env) queueOn(t *testing.T, c *store.Client, o Options) *Queue {
	t.Helper()
	q, warn, err := NewQueue(c, o)
	if err != nil || warn != nil {
		t.Fatal(err, warn)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// assertNoKeyInFiles fails if any file under dir holds the key, in base64
// or raw, and returns what they hold; it must find the journal there.
func assertNoKeyInFiles(t *testing.T, dir string, k store.CustomerKey) []byte {
	t.Helper()
	var all []byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		all = append(all, data...)
		if bytes.Contains(data, []byte(k.Encoded())) {
			t.Errorf("%s holds the customer key", path)
		}
		return nil
	})
	must(t, err)
	if len(all) == 0 {
		t.Fatalf("no journal under %s", dir)
	}
	return all
}
