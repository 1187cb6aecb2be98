package store

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store/b2proxy"
)

// testPartSize is the part size of these tests: versitygw refuses to
// complete an upload whose parts (but the last) are under 5 MiB.
const testPartSize = 5 << 20

// randomData returns n reproducible pseudo-random bytes.
func randomData(seed uint64, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 'h', 'a', 'u', 'l'}).Read(b)
	return b
}

// tempFileOf writes data to a file in the test's temporary folder and
// returns it open for reading.
func tempFileOf(t *testing.T, data []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "source.bin")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// uploadParts sends f's size bytes as parts of partSize, four at a time,
// each from its own *io.SectionReader with its MD5, and returns the parts
// in number order.
func uploadParts(t *testing.T, c *Client, bucket, key, uploadID string, f io.ReaderAt, size, partSize int64) []Part {
	t.Helper()
	n := int((size + partSize - 1) / partSize)
	parts := make([]Part, n)
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(4)
	for i := range n {
		g.Go(func() error {
			off := int64(i) * partSize
			length := min(partSize, size-off)
			h := md5.New()
			if _, err := io.Copy(h, io.NewSectionReader(f, off, length)); err != nil {
				return err
			}
			number := int32(i + 1)
			etag, err := c.UploadPart(ctx, bucket, key, uploadID, number, io.NewSectionReader(f, off, length), length, h.Sum(nil))
			parts[i] = Part{Number: number, ETag: etag, Size: length}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("upload parts of %s: %v", key, err)
	}
	return parts
}

// checkUploadWire fails the test unless nothing was refused, every upload
// (PutObject, UploadPart) carried Content-MD5, no object write carried an
// ACL header, and no request asked for or sent a checksum.
func checkUploadWire(t *testing.T, p *b2proxy.Proxy) {
	t.Helper()
	if refs := p.Refusals(); len(refs) != 0 {
		t.Errorf("the proxy refused %d requests as B2 would:\n%s", len(refs), strings.Join(refs, "\n"))
	}
	for _, r := range p.Requests() {
		if (r.Op == "UploadPart" || r.Op == "PutObject") && r.Header.Get("Content-Md5") == "" {
			t.Errorf("%s %s part %d sent no Content-MD5", r.Op, r.Path, r.PartNumber)
		}
		for name := range r.Header {
			lower := strings.ToLower(name)
			if lower == "x-amz-acl" && r.Key != "" {
				t.Errorf("%s %s sent %s", r.Op, r.Path, name)
			}
			if strings.HasPrefix(lower, "x-amz-checksum") || lower == "x-amz-sdk-checksum-algorithm" || lower == "x-amz-trailer" {
				t.Errorf("%s %s sent %s", r.Op, r.Path, name)
			}
		}
	}
}

// TestMultipartRoundTrip uploads three 5 MiB parts and a tail in parallel,
// completes them, and reads the object back whole and in ranges.
func TestMultipartRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-multipart", "movies/clip.mp4"
	mustCreate(t, e.c, bucket, Private)
	data := randomData(1, 3*testPartSize+777_777)
	f := tempFileOf(t, data)
	modified := time.Date(2024, 5, 17, 9, 30, 15, 250e6, time.UTC)

	id, err := e.c.CreateMultipart(ctx, bucket, key, UploadOptions{
		ContentType: "video/x-haul-test",
		Modified:    modified,
		SSE:         true,
		Metadata:    map[string]string{"Camera": "X100", MetaModified: "1"},
	})
	if err != nil {
		t.Fatalf("CreateMultipart: %v", err)
	}
	parts := uploadParts(t, e.c, bucket, key, id, f, int64(len(data)), testPartSize)

	listed, err := e.c.ListParts(ctx, bucket, key, id)
	if err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	if !slices.Equal(listed, parts) {
		t.Errorf("ListParts = %+v, want %+v", listed, parts)
	}
	for i, p := range parts {
		sum := md5.Sum(data[i*testPartSize : i*testPartSize+int(p.Size)])
		if p.ETag != `"`+hex.EncodeToString(sum[:])+`"` {
			t.Errorf("part %d ETag %s, want the quoted MD5 %x", p.Number, p.ETag, sum)
		}
	}
	ups, err := e.c.MultipartUploads(ctx, bucket, "")
	if err != nil || len(ups) != 1 || ups[0].UploadID != id || ups[0].Key != key {
		t.Errorf("MultipartUploads = %+v, %v; want the one upload", ups, err)
	}

	// Parts handed over out of order are sorted before completing.
	shuffled := []Part{parts[2], parts[0], parts[3], parts[1]}
	obj, err := e.c.CompleteMultipart(ctx, bucket, key, id, shuffled)
	if err != nil {
		t.Fatalf("CompleteMultipart: %v", err)
	}
	if obj.Key != key || obj.Size != int64(len(data)) || !strings.HasSuffix(obj.ETag, `-4"`) {
		t.Errorf("CompleteMultipart = %+v, want key, %d bytes and an ETag ending in -4", obj, len(data))
	}
	if slices.Equal(shuffled, parts) {
		t.Error("CompleteMultipart sorted the caller's slice in place")
	}

	info, err := e.c.Head(ctx, bucket, key, "")
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if info.Size != int64(len(data)) || info.ETag != obj.ETag || info.PartsCount != 4 || info.VersionID == "" {
		t.Errorf("Head = %+v, want %d bytes, ETag %s, 4 parts, a version", info, len(data), obj.ETag)
	}
	if info.ContentType != "video/x-haul-test" {
		t.Errorf("Head content type %q, want video/x-haul-test", info.ContentType)
	}
	wantMeta := map[string]string{"camera": "X100", MetaModified: strconv.FormatInt(modified.UnixMilli(), 10)}
	if !maps.Equal(info.Metadata, wantMeta) {
		t.Errorf("Head metadata %v, want %v", info.Metadata, wantMeta)
	}
	// versitygw accepts x-amz-server-side-encryption but neither stores
	// nor reports it, so what can be checked here is that it was sent.
	if info.SSE != "" && info.SSE != "AES256" {
		t.Errorf("Head SSE %q, want AES256 (B2) or empty (versitygw)", info.SSE)
	}
	for _, r := range e.proxy.Requests() {
		if r.Op == "CreateMultipartUpload" && r.Header.Get("X-Amz-Server-Side-Encryption") != "AES256" {
			t.Errorf("CreateMultipartUpload sent x-amz-server-side-encryption %q, want AES256",
				r.Header.Get("X-Amz-Server-Side-Encryption"))
		}
	}

	if got := readRange(t, e.c, bucket, key, "", 0, -1); sha(got) != sha(data) {
		t.Errorf("whole object: %d bytes, SHA-256 differs from the %d sent", len(got), len(data))
	}
	size := int64(len(data))
	for _, r := range []struct{ off, n int64 }{
		{0, 1},
		{testPartSize - 3, 7},                  // across the first part boundary
		{testPartSize, 2 * testPartSize},       // parts 2 and 3 exactly
		{3 * testPartSize, -1},                 // the tail
		{size - 10, 100},                       // past the end: cut at the end
		{12345, 3*testPartSize + 1000 - 12345}, // into the tail
	} {
		want := data[r.off:]
		if r.n >= 0 {
			want = data[r.off:min(r.off+r.n, size)]
		}
		if got := readRange(t, e.c, bucket, key, info.VersionID, r.off, r.n); sha(got) != sha(want) {
			t.Errorf("range [%d,+%d): %d bytes, want %d equal to the source", r.off, r.n, len(got), len(want))
		}
	}
	checkUploadWire(t, e.proxy)
	for _, op := range []string{"CreateMultipartUpload", "UploadPart", "ListParts", "CompleteMultipartUpload", "HeadObject", "GetObject"} {
		if e.proxy.Count(op) == 0 {
			t.Errorf("no %s went through the proxy", op)
		}
	}
}

// TestUploadPartReplaces sends part 1 twice: the second one is what
// ListParts shows and what the completed object holds.
func TestUploadPartReplaces(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-replace", "data/x.json"
	mustCreate(t, e.c, bucket, Private)
	id, err := e.c.CreateMultipart(ctx, bucket, key, UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first, second := []byte(`{"v":1}`), []byte(`{"v":2,"replaced":true}`)
	for _, b := range [][]byte{first, second} {
		sum := md5.Sum(b)
		if _, err := e.c.UploadPart(ctx, bucket, key, id, 1, bytes.NewReader(b), int64(len(b)), sum[:]); err != nil {
			t.Fatalf("UploadPart: %v", err)
		}
	}
	parts, err := e.c.ListParts(ctx, bucket, key, id)
	sum := md5.Sum(second)
	if err != nil || len(parts) != 1 || parts[0].Size != int64(len(second)) || parts[0].ETag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Fatalf("ListParts = %+v, %v; want only the second part 1", parts, err)
	}
	if _, err := e.c.CompleteMultipart(ctx, bucket, key, id, parts); err != nil {
		t.Fatalf("CompleteMultipart: %v", err)
	}
	if got := readRange(t, e.c, bucket, key, "", 0, -1); !bytes.Equal(got, second) {
		t.Errorf("object holds %q, want %q", got, second)
	}
	info, err := e.c.Head(ctx, bucket, key, "")
	if err != nil || info.ContentType != "application/json" {
		t.Errorf("Head = %+v, %v; want the content type from the .json extension", info, err)
	}
	checkUploadWire(t, e.proxy)
}

// TestListPartsPaging checks the paging loops' markers with small pages;
// more than 1,000 parts of 5 MiB are not practical in a test. Parts may be
// tiny as long as the upload is not completed.
func TestListPartsPaging(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-partpages", "many.bin"
	mustCreate(t, e.c, bucket, Private)
	id, err := e.c.CreateMultipart(ctx, bucket, key, UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := randomData(2, 25*3)
	uploadParts(t, e.c, bucket, key, id, bytes.NewReader(data), int64(len(data)), 3)

	e.proxy.Reset()
	parts, err := e.c.listParts(ctx, bucket, key, id, 10)
	if err != nil {
		t.Fatalf("listParts: %v", err)
	}
	if len(parts) != 25 {
		t.Fatalf("listParts returned %d parts, want 25", len(parts))
	}
	for i, p := range parts {
		if p.Number != int32(i+1) || p.Size != 3 {
			t.Errorf("part %d = %+v", i, p)
		}
	}
	var markers []string
	for _, r := range e.proxy.Requests() {
		markers = append(markers, r.Query)
	}
	if len(markers) != 3 || strings.Contains(markers[0], "part-number-marker") ||
		!strings.Contains(markers[1], "part-number-marker=10") || !strings.Contains(markers[2], "part-number-marker=20") {
		t.Errorf("ListParts requests:\n%s\nwant 3 pages from markers none, 10, 20", strings.Join(markers, "\n"))
	}

	e.proxy.Reset()
	if all, err := e.c.ListParts(ctx, bucket, key, id); err != nil || len(all) != 25 {
		t.Errorf("ListParts = %d parts, %v", len(all), err)
	}
	if reqs := e.proxy.Requests(); len(reqs) != 1 || !strings.Contains(reqs[0].Query, "max-parts=1000") {
		t.Errorf("ListParts sent %d requests (%v), want one with max-parts=1000", len(reqs), reqs)
	}

	// Five unfinished uploads in one page. Paging them two at a time is
	// tested against a fake server below: versitygw 1.8.0 refuses its own
	// NextUploadIdMarker (400 InvalidArgument "Invalid uploadId marker"),
	// because it drops every key up to the key-marker before it looks for
	// the upload-id-marker.
	for i := range 4 {
		if _, err := e.c.CreateMultipart(ctx, bucket, "more/"+strconv.Itoa(i), UploadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ups, err := e.c.MultipartUploads(ctx, bucket, "")
	if err != nil || len(ups) != 5 {
		t.Fatalf("MultipartUploads = %+v, %v; want 5", ups, err)
	}
	if _, err := e.c.multipartUploads(ctx, bucket, "", 2); err != nil {
		if got := asError(t, err); got.Code != "InvalidArgument" || !strings.Contains(got.Message, "uploadId marker") {
			t.Errorf("multipartUploads in pages of 2: %v", err)
		}
		t.Logf("versitygw still refuses its own upload-id-marker: %v", err)
	}
	checkUploadWire(t, e.proxy)
}

// TestUploadPartBadDigest sends a part whose Content-MD5 does not match:
// the server refuses it, the SDK does not retry, and nothing is stored.
func TestUploadPartBadDigest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-digest", "bad.bin"
	mustCreate(t, e.c, bucket, Private)
	id, err := e.c.CreateMultipart(ctx, bucket, key, UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("the bytes that are sent")
	wrong := md5.Sum([]byte("the bytes that were read"))
	_, err = e.c.UploadPart(ctx, bucket, key, id, 1, bytes.NewReader(body), int64(len(body)), wrong[:])
	if err == nil {
		t.Fatal("UploadPart with a wrong MD5 succeeded")
	}
	t.Logf("a wrong MD5 is answered: %v", err)
	got := asError(t, err)
	if got.Status != http.StatusBadRequest || (got.Code != "BadDigest" && got.Code != "InvalidDigest") || !errors.Is(err, ErrOther) {
		t.Errorf("error %v: status %d code %q kind %v; want 400 BadDigest, ErrOther", err, got.Status, got.Code, got.Kind)
	}
	if got.Op != "upload part 1" || got.Key != key {
		t.Errorf("error %v: op %q key %q", err, got.Op, got.Key)
	}
	if n := e.proxy.Count("UploadPart"); n != 1 {
		t.Errorf("UploadPart sent %d times, want 1 (a bad digest is not retried)", n)
	}
	if parts, err := e.c.ListParts(ctx, bucket, key, id); err != nil || len(parts) != 0 {
		t.Errorf("ListParts = %+v, %v; want nothing stored", parts, err)
	}

	for _, bad := range []struct {
		number int32
		md5sum []byte
	}{{0, wrong[:]}, {MaxPartCount + 1, wrong[:]}, {1, wrong[:8]}, {1, nil}} {
		if _, err := e.c.UploadPart(ctx, bucket, key, id, bad.number, bytes.NewReader(body), int64(len(body)), bad.md5sum); err == nil {
			t.Errorf("UploadPart number %d with a %d-byte MD5 succeeded", bad.number, len(bad.md5sum))
		}
	}
	if n := e.proxy.Count("UploadPart"); n != 1 {
		t.Errorf("invalid UploadPart calls reached the server: %d requests", n)
	}
	checkUploadWire(t, e.proxy)
}

// TestAbortMultipart aborts an upload: it is no longer listed, its parts
// are gone, and aborting again is not an error.
func TestAbortMultipart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-abort", "big/file.iso"
	mustCreate(t, e.c, bucket, Private)
	id, err := e.c.CreateMultipart(ctx, bucket, key, UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uploadParts(t, e.c, bucket, key, id, bytes.NewReader(randomData(3, 1000)), 1000, 1000)
	if err := e.c.AbortMultipart(ctx, bucket, key, id); err != nil {
		t.Fatalf("AbortMultipart: %v", err)
	}
	if ups, err := e.c.MultipartUploads(ctx, bucket, ""); err != nil || len(ups) != 0 {
		t.Errorf("MultipartUploads after abort = %+v, %v; want none", ups, err)
	}
	if err := e.c.AbortMultipart(ctx, bucket, key, id); err != nil {
		t.Errorf("second AbortMultipart: %v, want nil", err)
	}
	if _, err := e.c.ListParts(ctx, bucket, key, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("ListParts of an aborted upload: %v, want ErrNotFound", err)
	}
	sum := md5.Sum([]byte("x"))
	if _, err := e.c.UploadPart(ctx, bucket, key, id, 2, strings.NewReader("x"), 1, sum[:]); !errors.Is(err, ErrNotFound) {
		t.Errorf("UploadPart to an aborted upload: %v, want ErrNotFound", err)
	}
	if err := e.c.AbortMultipart(ctx, "haul-nope", key, id); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("AbortMultipart in a missing bucket: %v, want ErrBucketNotFound", err)
	}
	checkUploadWire(t, e.proxy)
}

// TestMultipartUploadsOldestFirst lists two unfinished uploads whose key
// order is the opposite of their age.
func TestMultipartUploadsOldestFirst(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-unfinished"
	mustCreate(t, e.c, bucket, Private)
	older, err := e.c.CreateMultipart(ctx, bucket, "z/older.bin", UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// versitygw keeps the initiation time in whole seconds.
	time.Sleep(1100 * time.Millisecond)
	newer, err := e.c.CreateMultipart(ctx, bucket, "a/newer.bin", UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ups, err := e.c.MultipartUploads(ctx, bucket, "")
	if err != nil {
		t.Fatalf("MultipartUploads: %v", err)
	}
	if len(ups) != 2 || ups[0].UploadID != older || ups[0].Key != "z/older.bin" ||
		ups[1].UploadID != newer || ups[1].Key != "a/newer.bin" {
		t.Fatalf("MultipartUploads = %+v, want z/older.bin then a/newer.bin", ups)
	}
	if !ups[0].Initiated.Before(ups[1].Initiated) || time.Since(ups[0].Initiated) > time.Minute {
		t.Errorf("initiated %v and %v, want recent and in order", ups[0].Initiated, ups[1].Initiated)
	}
	if got, err := e.c.MultipartUploads(ctx, bucket, "a/"); err != nil || len(got) != 1 || got[0].UploadID != newer {
		t.Errorf("MultipartUploads with prefix a/ = %+v, %v", got, err)
	}
	if _, err := e.c.MultipartUploads(ctx, "haul-nope", ""); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("MultipartUploads of a missing bucket: %v, want ErrBucketNotFound", err)
	}
	checkUploadWire(t, e.proxy)
}

// TestUploadPartRetries hits part 2 of three with one fault: the SDK sends
// that part again, and only that one, and the object comes out whole.
func TestUploadPartRetries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-partfaults"
	mustCreate(t, e.c, bucket, Private)
	data := randomData(4, 2*testPartSize+1234)
	f := tempFileOf(t, data)
	for _, kind := range []b2proxy.Kind{b2proxy.ServiceUnavailable, b2proxy.InternalError, b2proxy.DropMidBody} {
		t.Run(kind.String(), func(t *testing.T) {
			e.proxy.Reset()
			defer e.proxy.ClearFaults()
			key := "faults/" + kind.String() + ".bin"
			id, err := e.c.CreateMultipart(ctx, bucket, key, UploadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in := e.proxy.Inject(b2proxy.Fault{Op: "UploadPart", Kind: kind, RetryAfter: 1,
				Match: func(r *http.Request) bool { return r.URL.Query().Get("partNumber") == "2" }})
			parts := uploadParts(t, e.c, bucket, key, id, f, int64(len(data)), testPartSize)
			if in.Fired() != 1 {
				t.Errorf("fault fired %d times, want 1", in.Fired())
			}
			sent := e.proxy.PartsSent(id)
			slices.Sort(sent)
			if !slices.Equal(sent, []int{1, 2, 2, 3}) {
				t.Errorf("parts sent %v, want part 2 twice and the others once", sent)
			}
			if _, err := e.c.CompleteMultipart(ctx, bucket, key, id, parts); err != nil {
				t.Fatalf("CompleteMultipart: %v", err)
			}
			if got := readRange(t, e.c, bucket, key, "", 0, -1); sha(got) != sha(data) {
				t.Errorf("object: %d bytes, SHA-256 differs from the %d sent", len(got), len(data))
			}
			checkUploadWire(t, e.proxy)
		})
	}
}

// TestUploadPartDoesNotBuffer sends a 64 MiB part from a file and checks
// that the process allocated far less than the part meanwhile.
func TestUploadPartDoesNotBuffer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key, size = "haul-memory", "big.bin", 64 << 20
	mustCreate(t, e.c, bucket, Private)
	name := filepath.Join(t.TempDir(), "big.bin")
	out, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	h := md5.New()
	chunk := randomData(5, 1<<20)
	for range size / len(chunk) {
		_, _ = h.Write(chunk)
		if _, err := out.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	sum := h.Sum(nil)
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id, err := e.c.CreateMultipart(ctx, bucket, key, UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = e.c.UploadPart(ctx, bucket, key, id, 1, io.NewSectionReader(f, 0, size), size, sum)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("UploadPart of %d MiB allocated %.2f MiB (client and in-process proxy together)", size>>20, float64(alloc)/(1<<20))
	if alloc > 16<<20 {
		t.Errorf("UploadPart of a %d MiB part allocated %d MiB: the part was buffered", size>>20, alloc>>20)
	}
	if parts, err := e.c.ListParts(ctx, bucket, key, id); err != nil || len(parts) != 1 || parts[0].Size != size {
		t.Errorf("ListParts = %+v, %v; want one part of %d bytes", parts, err, size)
	}
	if err := e.c.AbortMultipart(ctx, bucket, key, id); err != nil {
		t.Errorf("AbortMultipart: %v", err)
	}
	checkUploadWire(t, e.proxy)
}

// TestMultipartUploadsPageMarkers pages through a fake server's uploads
// the way B2 and S3 define it: the next page starts after (key-marker,
// upload-id-marker), so uploads of one key split across pages are all
// listed. A server that repeats its markers is an error, not a loop.
func TestMultipartUploadsPageMarkers(t *testing.T) {
	const page = `<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>haul-fake</Bucket>
<IsTruncated>%t</IsTruncated><NextKeyMarker>%s</NextKeyMarker><NextUploadIdMarker>%s</NextUploadIdMarker>%s
</ListMultipartUploadsResult>`
	upload := func(key, id string, minute int) string {
		return fmt.Sprintf("<Upload><Key>%s</Key><UploadId>%s</UploadId><Initiated>2025-01-02T03:%02d:00.000Z</Initiated></Upload>",
			key, id, minute)
	}
	var queries []string
	stuck := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		queries = append(queries, q.Get("key-marker")+"|"+q.Get("upload-id-marker")+"|"+q.Get("max-uploads"))
		w.Header().Set("Content-Type", "application/xml")
		switch {
		case stuck:
			fmt.Fprintf(w, page, true, "k1", "u2", upload("k1", "u1", 3))
		case q.Get("key-marker") == "":
			fmt.Fprintf(w, page, true, "k1", "u2", upload("k1", "u1", 3)+upload("k1", "u2", 1))
		case q.Get("key-marker") == "k1" && q.Get("upload-id-marker") == "u2":
			// No Next markers: the client goes on from the last upload.
			fmt.Fprintf(w, page, true, "", "", upload("k1", "u3", 2)+upload("k2", "u4", 0))
		case q.Get("key-marker") == "k2" && q.Get("upload-id-marker") == "u4":
			fmt.Fprintf(w, page, false, "", "", "")
		default:
			http.Error(w, "unexpected markers", http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	c, err := NewClient(Config{Endpoint: srv.URL, Region: "us-west-004", KeyID: "id", Key: "secret", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	ups, err := c.multipartUploads(context.Background(), "haul-fake", "", 2)
	if err != nil {
		t.Fatalf("multipartUploads: %v (requests %q)", err, queries)
	}
	var ids []string
	for _, u := range ups {
		ids = append(ids, u.Key+"/"+u.UploadID)
	}
	if want := []string{"k2/u4", "k1/u2", "k1/u3", "k1/u1"}; !slices.Equal(ids, want) {
		t.Errorf("uploads %v, want %v (oldest first)", ids, want)
	}
	if want := []string{"||2", "k1|u2|2", "k2|u4|2"}; !slices.Equal(queries, want) {
		t.Errorf("requests (key-marker|upload-id-marker|max-uploads) %q, want %q", queries, want)
	}

	stuck, queries = true, nil
	_, err = c.multipartUploads(context.Background(), "haul-fake", "", 2)
	if !errors.Is(err, ErrServer) || len(queries) != 2 {
		t.Errorf("a server repeating its markers: %v after %d requests, want ErrServer after 2", err, len(queries))
	}
}
