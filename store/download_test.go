package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/haul-app/haul/store/b2proxy"
)

// putVersion uploads body under key and returns the version ID it made.
func putVersion(t *testing.T, c *Client, bucket, key string, body []byte) string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
	info, err := c.Head(ctx, bucket, key, "")
	if err != nil || info.VersionID == "" {
		t.Fatalf("Head %s after Put = %+v, %v; want a version ID", key, info, err)
	}
	return info.VersionID
}

// readRange reads GetRange(offset, length) whole.
func readRange(t *testing.T, c *Client, bucket, key, versionID string, offset, length int64) []byte {
	t.Helper()
	body, err := c.GetRange(context.Background(), bucket, key, versionID, offset, length)
	if err != nil {
		t.Fatalf("GetRange %s [%d,+%d) version %q: %v", key, offset, length, versionID, err)
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("GetRange %s [%d,+%d): read: %v", key, offset, length, err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestHeadMissing checks that a missing key, version or bucket is
// ErrNotFound, and a key hidden by a delete marker too.
func TestHeadMissing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-head"
	mustCreate(t, e.c, bucket, Private)
	for _, c := range []struct{ bucket, key, version string }{
		{bucket, "nothing/here.txt", ""},
		{"haul-nope", "file.txt", ""}, // a HEAD answer has no body to say NoSuchBucket
	} {
		_, err := e.c.Head(ctx, c.bucket, c.key, c.version)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Head %s/%s: %v, want ErrNotFound", c.bucket, c.key, err)
			continue
		}
		if got := asError(t, err); got.Op != "stat" || got.Key != c.key || got.Status != http.StatusNotFound {
			t.Errorf("Head %s/%s: %+v", c.bucket, c.key, got)
		}
	}

	v := putVersion(t, e.c, bucket, "hidden.txt", []byte("soon hidden"))
	if _, err := e.c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("hidden.txt")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Head(ctx, bucket, "hidden.txt", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Head of a key behind a delete marker: %v, want ErrNotFound", err)
	}
	if info, err := e.c.Head(ctx, bucket, "hidden.txt", v); err != nil || info.Size != int64(len("soon hidden")) || info.VersionID != v {
		t.Errorf("Head of the hidden version = %+v, %v", info, err)
	}
	checkUploadWire(t, e.proxy)
}

// TestPutHeadSSEAndMetadata stores a file with Put's new options and reads
// them back with Head.
func TestPutHeadSSEAndMetadata(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-putmeta", "photos/IMG_0001.jpg"
	mustCreate(t, e.c, bucket, Private)
	modified := time.Date(2023, 12, 24, 18, 0, 0, 0, time.UTC)
	body := randomData(6, 4321)
	obj, err := e.c.Put(ctx, PutInput{
		Bucket: bucket, Key: key, Body: bytes.NewReader(body), Modified: modified, SSE: true,
		Metadata: map[string]string{"Album": "Winter", "SRC_LAST_MODIFIED_MILLIS": "7"},
	})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	info, err := e.c.Head(ctx, bucket, key, "")
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	want := map[string]string{"album": "Winter", MetaModified: strconv.FormatInt(modified.UnixMilli(), 10)}
	if info.Size != int64(len(body)) || info.ETag != obj.ETag || info.ContentType != "image/jpeg" ||
		info.PartsCount != 0 || info.SSECustomer || len(info.Metadata) != 2 ||
		info.Metadata["album"] != want["album"] || info.Metadata[MetaModified] != want[MetaModified] {
		t.Errorf("Head = %+v, want %d bytes, ETag %s, image/jpeg, no parts, metadata %v", info, len(body), obj.ETag, want)
	}
	if info.SSE != "" && info.SSE != "AES256" {
		t.Errorf("Head SSE %q, want AES256 (B2) or empty (versitygw does not report it)", info.SSE)
	}
	for _, r := range e.proxy.Requests() {
		if r.Op == "PutObject" && r.Header.Get("X-Amz-Server-Side-Encryption") != "AES256" {
			t.Errorf("PutObject sent x-amz-server-side-encryption %q, want AES256", r.Header.Get("X-Amz-Server-Side-Encryption"))
		}
	}

	// Go's transport would refuse these headers as a network error, which
	// the retryer would try eight times: they are refused up front.
	e.proxy.Reset()
	for _, meta := range []map[string]string{{"a b": "x"}, {"": "x"}, {"ok": "café"}, {"ok": "two\nlines"}} {
		_, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(body), Metadata: meta})
		if !errors.Is(err, ErrInvalidName) {
			t.Errorf("Put with metadata %q: %v, want ErrInvalidName", meta, err)
		}
		_, err = e.c.CreateMultipart(ctx, bucket, key, UploadOptions{Metadata: meta})
		if !errors.Is(err, ErrInvalidName) {
			t.Errorf("CreateMultipart with metadata %q: %v, want ErrInvalidName", meta, err)
		}
	}
	if n := len(e.proxy.Requests()); n != 0 {
		t.Errorf("invalid metadata sent %d requests, want none", n)
	}
	checkUploadWire(t, e.proxy)
}

// TestGetRangePinnedVersion reads an old version after the key was
// overwritten, and gets ErrNotFound once that version is deleted.
func TestGetRangePinnedVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-versions", "doc/report.txt"
	mustCreate(t, e.c, bucket, Private)
	old, current := []byte("the first draft of the report"), []byte("the final report, rewritten")
	v1 := putVersion(t, e.c, bucket, key, old)
	v2 := putVersion(t, e.c, bucket, key, current)
	if v1 == v2 {
		t.Fatalf("both uploads made version %s", v1)
	}
	if got := readRange(t, e.c, bucket, key, v1, 0, -1); !bytes.Equal(got, old) {
		t.Errorf("version %s = %q, want %q", v1, got, old)
	}
	if got := readRange(t, e.c, bucket, key, v1, 4, 5); string(got) != "first" {
		t.Errorf("version %s [4,+5) = %q, want %q", v1, got, "first")
	}
	if got := readRange(t, e.c, bucket, key, "", 0, -1); !bytes.Equal(got, current) {
		t.Errorf("current version = %q, want %q", got, current)
	}
	if got := readRange(t, e.c, bucket, key, v2, 10, -1); string(got) != string(current[10:]) {
		t.Errorf("version %s from 10 = %q", v2, got)
	}

	if _, err := e.c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(v1),
	}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.GetRange(ctx, bucket, key, v1, 0, 10)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetRange of a deleted version: %v, want ErrNotFound", err)
	}
	if got := asError(t, err); got.Op != "download" || got.Key != key || got.Status != http.StatusNotFound {
		t.Errorf("GetRange of a deleted version: %+v", got)
	}
	if _, err := e.c.Head(ctx, bucket, key, v1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Head of a deleted version: %v, want ErrNotFound", err)
	}
	checkUploadWire(t, e.proxy)
}

// TestGetRangeEdges covers empty files, zero lengths and ranges past the
// end.
func TestGetRangeEdges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-edges"
	mustCreate(t, e.c, bucket, Private)
	putVersion(t, e.c, bucket, "empty", nil)
	putVersion(t, e.c, bucket, "ten", []byte("0123456789"))

	e.proxy.Reset()
	if got := readRange(t, e.c, bucket, "empty", "", 0, -1); len(got) != 0 {
		t.Errorf("empty file read as %q", got)
	}
	for _, r := range e.proxy.Requests() {
		if r.Header.Get("Range") != "" {
			t.Errorf("reading a whole file sent Range %q; bytes=0- is refused for empty files", r.Header.Get("Range"))
		}
	}
	e.proxy.Reset()
	if got := readRange(t, e.c, bucket, "ten", "", 3, 0); len(got) != 0 {
		t.Errorf("zero-length range read as %q", got)
	}
	if n := e.proxy.Count("GetObject"); n != 0 {
		t.Errorf("a zero-length range sent %d requests, want none", n)
	}
	if got := readRange(t, e.c, bucket, "ten", "", 7, 100); string(got) != "789" {
		t.Errorf("range past the end = %q, want 789", got)
	}
	if got := e.proxy.Requests()[0].Header.Get("Range"); got != "bytes=7-106" {
		t.Errorf("Range header %q, want bytes=7-106", got)
	}
	if _, err := e.c.GetRange(ctx, bucket, "ten", "", 50, 10); err == nil {
		t.Error("GetRange beyond the end succeeded")
	} else if got := asError(t, err); got.Status != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("GetRange beyond the end: %v, want HTTP 416", err)
	}
	if _, err := e.c.GetRange(ctx, bucket, "ten", "", -1, 10); err == nil {
		t.Error("GetRange at a negative offset succeeded")
	}
	if _, err := e.c.GetRange(ctx, bucket, "missing", "", 0, 10); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetRange of a missing key: %v, want ErrNotFound", err)
	}
	checkUploadWire(t, e.proxy)
}

// TestGetRangeRetriesBeforeBody: a fault answered instead of the object is
// retried by the SDK, invisibly to the caller.
func TestGetRangeRetriesBeforeBody(t *testing.T) {
	e := newEnv(t)
	const bucket, key = "haul-getfaults", "file.bin"
	mustCreate(t, e.c, bucket, Private)
	data := randomData(7, 200_000)
	putVersion(t, e.c, bucket, key, data)
	for _, kind := range []b2proxy.Kind{b2proxy.ServiceUnavailable, b2proxy.InternalError, b2proxy.TooManyRequests} {
		t.Run(kind.String(), func(t *testing.T) {
			e.proxy.Reset()
			defer e.proxy.ClearFaults()
			e.proxy.Inject(b2proxy.Fault{Op: "GetObject", Kind: kind})
			if got := readRange(t, e.c, bucket, key, "", 1000, 50_000); !bytes.Equal(got, data[1000:51_000]) {
				t.Errorf("range after one %v: %d bytes differ", kind, len(got))
			}
			if n := e.proxy.Count("GetObject"); n != 2 {
				t.Errorf("GetObject sent %d times, want 2", n)
			}
		})
	}
	checkUploadWire(t, e.proxy)
}

// TestGetRangeDroppedMidBody documents what happens when a download breaks
// off: the SDK retries only until the answer's headers arrive, so a
// connection dropped in the body surfaces as an error from Read, never as a
// short body ending in io.EOF. The caller (the transfer engine) asks again
// for the rest of the range, as this test does.
func TestGetRangeDroppedMidBody(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-drops", "video.bin"
	mustCreate(t, e.c, bucket, Private)
	data := randomData(8, 1<<20)
	version := putVersion(t, e.c, bucket, key, data)
	e.proxy.Reset()
	e.proxy.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.DropMidResponse, DropAfter: 300_000})

	body, err := e.c.GetRange(ctx, bucket, key, version, 0, -1)
	if err != nil {
		t.Fatalf("GetRange: %v (the headers arrived before the drop)", err)
	}
	got, err := io.ReadAll(body)
	body.Close()
	if err == nil {
		t.Fatalf("read %d of %d bytes and no error: the drop was silent", len(got), len(data))
	}
	if !errors.Is(err, ErrUnreachable) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Read error %v, want ErrUnreachable wrapping io.ErrUnexpectedEOF", err)
	}
	if ge := asError(t, err); ge.Op != "download" || ge.Key != key {
		t.Errorf("Read error %+v, want op download and the key", ge)
	}
	if len(got) == 0 || len(got) >= len(data) || !bytes.Equal(got, data[:len(got)]) {
		t.Errorf("read %d bytes before the drop, want a correct prefix", len(got))
	}
	if n := e.proxy.Count("GetObject"); n != 1 {
		t.Errorf("GetObject sent %d times, want 1 (no retry once the body started)", n)
	}

	rest := readRange(t, e.c, bucket, key, version, int64(len(got)), -1)
	if !bytes.Equal(append(got, rest...), data) {
		t.Errorf("prefix and re-requested rest (%d+%d bytes) differ from the %d stored", len(got), len(rest), len(data))
	}
	checkUploadWire(t, e.proxy)
}

func TestPartsFromETag(t *testing.T) {
	for _, tt := range []struct {
		etag string
		want int32
	}{
		{`"a45f1422f2dbe3d2890829dd76adba1b-2"`, 2},
		{`"a45f1422f2dbe3d2890829dd76adba1b-10000"`, 10000},
		{`a45f1422f2dbe3d2890829dd76adba1b-4`, 4},
		{`"a45f1422f2dbe3d2890829dd76adba1b"`, 0},
		{`"abc-0"`, 0},
		{`"abc-10001"`, 0},
		{`"abc-x"`, 0},
		{`""`, 0},
		{``, 0},
	} {
		if got := partsFromETag(tt.etag); got != tt.want {
			t.Errorf("partsFromETag(%s) = %d, want %d", tt.etag, got, tt.want)
		}
	}
}

// TestOpenDescribesTheVersion: the first range of a download says what Head
// would (ETag, version, whole size, metadata), so a download needs no HEAD
// before it; a whole-file Open says the same.
func TestOpenDescribesTheVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-open", "docs/report.pdf"
	mustCreate(t, e.c, bucket, Private)
	body := randomData(7, 100_000)
	modified := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(body), Modified: modified}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	head, err := e.c.Head(ctx, bucket, key, "")
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	for _, r := range []struct{ off, n int64 }{{0, 4096}, {50_000, 10}, {0, -1}, {99_990, -1}} {
		info, rc, err := e.c.Open(ctx, bucket, key, "", r.off, r.n)
		if err != nil {
			t.Fatalf("Open(%d, %d): %v", r.off, r.n, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read Open(%d, %d): %v", r.off, r.n, err)
		}
		end := int64(len(body))
		if r.n > 0 {
			end = r.off + r.n
		}
		if !bytes.Equal(got, body[r.off:end]) {
			t.Errorf("Open(%d, %d) read %d bytes, not the file's %d..%d", r.off, r.n, len(got), r.off, end)
		}
		if info.Size != head.Size || info.ETag != head.ETag || info.VersionID != head.VersionID ||
			info.ContentType != head.ContentType || info.Metadata[MetaModified] != head.Metadata[MetaModified] {
			t.Errorf("Open(%d, %d) describes %+v, Head %+v", r.off, r.n, info, head)
		}
	}
	if _, _, err := e.c.Open(ctx, bucket, "missing", "", 0, 10); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open of a missing key: %v, want ErrNotFound", err)
	}
}
