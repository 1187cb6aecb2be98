package store

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// testRing is a KeyRing in memory: the store tests are about B2, not the
// keychain (customerkeys_test.go and the real keychain test are).
type testRing struct {
	mu   sync.Mutex
	keys []CustomerKey
}

func (r *testRing) CustomerKey(name string) (CustomerKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		if k.Name == name {
			return k, nil
		}
	}
	return CustomerKey{}, &Error{Op: "find key", Kind: ErrKeyMissing, Message: "no key named " + name}
}

func (r *testRing) CustomerKeys() ([]CustomerKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]CustomerKey(nil), r.keys...), nil
}

func newTestKey(t *testing.T, name string) CustomerKey {
	t.Helper()
	k, err := NewCustomerKey(name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readAll(t *testing.T, c *Client, bucket, key, version string) []byte {
	t.Helper()
	body, err := c.GetRange(context.Background(), bucket, key, version, 0, -1)
	if err != nil {
		t.Fatalf("GetRange %s: %v", key, err)
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCustomerKeyUploadReadCopy stores a file with a customer key through
// the B2 proxy, which checks SSE-C as B2 does: a client without the key is
// told the key is missing, the account's client finds it among its keys,
// and a copy, a rename and a restore keep the file encrypted with it.
func TestCustomerKeyUploadReadCopy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, b := newTestKey(t, "photos"), newTestKey(t, "other")
	ring := &testRing{keys: []CustomerKey{b, a}}
	c := e.client(t, Config{Keys: ring})
	bucket := "haul-ssec"
	mustCreate(t, c, bucket, Private)
	data := []byte("a secret photograph")

	if _, err := c.Put(ctx, PutInput{Bucket: bucket, Key: "p.jpg", Body: bytes.NewReader(data), CustomerKey: "nope"}); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("Put with an unknown key name: %v, want ErrKeyMissing", err)
	}
	before := e.proxy.Count("PutObject")
	if before != 0 {
		t.Fatalf("an upload with an unknown key reached the server")
	}
	if _, err := c.Put(ctx, PutInput{Bucket: bucket, Key: "p.jpg", Body: bytes.NewReader(data), CustomerKey: "photos"}); err != nil {
		t.Fatal(err)
	}
	put := e.proxy.Requests()
	last := put[len(put)-1]
	if last.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") != a.MD5 {
		t.Fatalf("PutObject sent key MD5 %q, want %q", last.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5"), a.MD5)
	}

	// Without keys: a clear kind, no content.
	plain := e.client(t, Config{})
	if _, err := plain.Head(ctx, bucket, "p.jpg", ""); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("Head without keys: %v, want ErrKeyMissing", err)
	}
	if _, err := plain.GetRange(ctx, bucket, "p.jpg", "", 0, -1); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("GetRange without keys: %v, want ErrKeyMissing", err)
	}
	// With the wrong key only (B2 answers 403): still missing.
	wrong := e.client(t, Config{Keys: &testRing{keys: []CustomerKey{b}}})
	if _, err := wrong.Preview(ctx, bucket, "p.jpg", "", 100); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("Preview with the wrong key: %v, want ErrKeyMissing", err)
	}
	if _, err := wrong.Copy(ctx, bucket, "p.jpg", "q.jpg", CopyOptions{}); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("Copy with the wrong key: %v, want ErrKeyMissing", err)
	}

	info, err := c.Head(ctx, bucket, "p.jpg", "")
	if err != nil {
		t.Fatal(err)
	}
	if !info.SSECustomer || info.CustomerKey != "photos" || info.Size != int64(len(data)) {
		t.Fatalf("Head = %+v, want SSE-C with key photos and size %d", info, len(data))
	}
	if got := readAll(t, c, bucket, "p.jpg", info.VersionID); !bytes.Equal(got, data) {
		t.Fatalf("downloaded %q", got)
	}
	// The key is remembered: the pinned read tried it first, no probing.
	reqs := e.proxy.Requests()
	if g := reqs[len(reqs)-1]; g.Op != "GetObject" || g.Status != http.StatusOK {
		t.Fatalf("last request %s answered %d", g.Op, g.Status)
	}
	if g := reqs[len(reqs)-2]; g.Op == "GetObject" {
		t.Fatalf("the download probed before using the remembered key")
	}

	// Copy, rename, restore: the copy carries the same key.
	if _, err := c.Copy(ctx, bucket, "p.jpg", "copy.jpg", CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Rename(ctx, bucket, "copy.jpg", "moved.jpg"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, PutInput{Bucket: bucket, Key: "p.jpg", Body: strings.NewReader("plain now")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Restore(ctx, bucket, "p.jpg", info.VersionID, nil); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"moved.jpg", "p.jpg"} {
		got, err := c.Head(ctx, bucket, key, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.CustomerKey != "photos" {
			t.Errorf("%s after copy: key %q, want photos", key, got.CustomerKey)
		}
		if _, err := plain.Head(ctx, bucket, key, ""); !errors.Is(err, ErrKeyMissing) {
			t.Errorf("%s opened without the key: %v", key, err)
		}
		if body := readAll(t, c, bucket, key, ""); !bytes.Equal(body, data) {
			t.Errorf("%s holds %q", key, body)
		}
	}

	// A plain file is read with one request, as before.
	if _, err := c.Put(ctx, PutInput{Bucket: bucket, Key: "open.txt", Body: strings.NewReader("open")}); err != nil {
		t.Fatal(err)
	}
	heads := e.proxy.Count("HeadObject")
	if got, err := c.Head(ctx, bucket, "open.txt", ""); err != nil || got.SSECustomer {
		t.Fatalf("Head of a plain file: %+v, %v", got, err)
	}
	if n := e.proxy.Count("HeadObject") - heads; n != 1 {
		t.Errorf("Head of a plain file took %d requests", n)
	}
}

// TestCustomerKeyMultipart uploads in parts with a key: every part carries
// it (the proxy refuses a part without it), a client of a later run
// continues the upload once told which key it uses, and a copy in parts
// keeps the key.
func TestCustomerKeyMultipart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	k := newTestKey(t, "backups")
	ring := &testRing{keys: []CustomerKey{k}}
	c := e.client(t, Config{Keys: ring})
	bucket := "haul-ssec-parts"
	mustCreate(t, c, bucket, Private)
	part1 := bytes.Repeat([]byte("1"), 5<<20) // versitygw's smallest part: 5 MiB
	part2 := []byte("the end")

	id, err := c.CreateMultipart(ctx, bucket, "big.bin", UploadOptions{CustomerKey: "backups"})
	if err != nil {
		t.Fatal(err)
	}
	sum1 := md5.Sum(part1)
	etag1, err := c.UploadPart(ctx, bucket, "big.bin", id, 1, bytes.NewReader(part1), int64(len(part1)), sum1[:])
	if err != nil {
		t.Fatal(err)
	}
	// A later run: a fresh client does not know the upload's key, and B2
	// refuses a part without it.
	later := e.client(t, Config{Keys: ring})
	sum2 := md5.Sum(part2)
	if _, err := later.UploadPart(ctx, bucket, "big.bin", id, 2, bytes.NewReader(part2), int64(len(part2)), sum2[:]); err == nil {
		t.Fatal("a part without the upload's key was accepted")
	}
	if err := later.ResumeEncrypted(bucket, "big.bin", id, "backups"); err != nil {
		t.Fatal(err)
	}
	etag2, err := later.UploadPart(ctx, bucket, "big.bin", id, 2, bytes.NewReader(part2), int64(len(part2)), sum2[:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := later.CompleteMultipart(ctx, bucket, "big.bin", id, []Part{
		{Number: 1, ETag: etag1, Size: int64(len(part1))}, {Number: 2, ETag: etag2, Size: int64(len(part2))},
	}); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte(nil), part1...), part2...)
	if got := readAll(t, c, bucket, "big.bin", ""); !bytes.Equal(got, want) {
		t.Fatalf("downloaded %d bytes, want %d", len(got), len(want))
	}
	if _, err := e.client(t, Config{}).Head(ctx, bucket, "big.bin", ""); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("Head without the key: %v", err)
	}
	if err := later.ResumeEncrypted(bucket, "big.bin", "any", "gone"); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("ResumeEncrypted with a key not kept: %v", err)
	}

	// A copy in parts (UploadPartCopy) reads and writes with the key.
	withCopyThreshold(t, 5<<20)
	if _, err := c.Copy(ctx, bucket, "big.bin", "big-copy.bin", CopyOptions{PartSize: 5 << 20}); err != nil {
		t.Fatal(err)
	}
	if e.proxy.Count("UploadPartCopy") == 0 {
		t.Fatal("the copy did not go in parts")
	}
	info, err := c.Head(ctx, bucket, "big-copy.bin", "")
	if err != nil || info.CustomerKey != "backups" {
		t.Fatalf("copy: %+v, %v", info, err)
	}
	if got := readAll(t, c, bucket, "big-copy.bin", ""); !bytes.Equal(got, want) {
		t.Fatalf("the copy holds %d bytes, want %d", len(got), len(want))
	}
}

// TestParseCustomerKey takes a pasted key in the forms people have and
// refuses others without repeating them.
func TestParseCustomerKey(t *testing.T) {
	k := newTestKey(t, "k")
	enc := k.Encoded()
	for _, text := range []string{enc, " " + enc + "\n", strings.TrimRight(enc, "=")} {
		got, err := ParseCustomerKey("k", text)
		if err != nil || got.MD5 != k.MD5 {
			t.Errorf("ParseCustomerKey(%q) = %v, %v", text, got, err)
		}
	}
	for _, text := range []string{"", "not a key at all!", "c2hvcnQ=", enc + enc} {
		_, err := ParseCustomerKey("k", text)
		if err == nil {
			t.Errorf("ParseCustomerKey(%q) accepted it", text)
			continue
		}
		if text != "" && strings.Contains(err.Error(), text) {
			t.Errorf("the error repeats the pasted text: %v", err)
		}
	}
	for _, name := range []string{"", " x", strings.Repeat("n", 65), "a\tb"} {
		if _, err := NewCustomerKey(name); err == nil {
			t.Errorf("NewCustomerKey(%q) accepted the name", name)
		}
	}
	for _, s := range []string{k.String(), k.GoString()} {
		if strings.Contains(s, enc) {
			t.Errorf("printing a key shows it: %s", s)
		}
	}
}

// TestDeletedKeyStopsOpening reads a file with its key, then deletes the
// key from the ring: the client, which remembered which key opened the
// file, must not use it again.
func TestDeletedKeyStopsOpening(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	k := newTestKey(t, "gone soon")
	ring := &testRing{keys: []CustomerKey{k}}
	c := e.client(t, Config{Keys: ring})
	mustCreate(t, c, "haul-ssec-forget", Private)
	if _, err := c.Put(ctx, PutInput{Bucket: "haul-ssec-forget", Key: "f", Body: strings.NewReader("x"), CustomerKey: k.Name}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Head(ctx, "haul-ssec-forget", "f", ""); err != nil {
		t.Fatal(err)
	}
	ring.mu.Lock()
	ring.keys = nil
	ring.mu.Unlock()
	if _, err := c.Head(ctx, "haul-ssec-forget", "f", ""); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("Head after the key was deleted: %v, want ErrKeyMissing", err)
	}
}
