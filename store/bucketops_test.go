package store

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestDeleteBucketNotEmpty refuses to delete a bucket that holds only
// hidden versions, then empties it (versions, markers, an unfinished
// upload) and deletes it.
func TestDeleteBucketNotEmpty(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-doomed"
	mustCreate(t, e.c, bucket, Private)
	keys := []string{"a.txt", "dir/b.txt", "dir/sub/c.txt"}
	putAll(t, e.c, bucket, keys)
	putAll(t, e.c, bucket, keys)
	for _, k := range keys {
		if err := e.c.Delete(ctx, bucket, k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.c.CreateMultipart(ctx, bucket, "unfinished.bin", UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	if files, _ := listAll(t, e.c, ListInput{Bucket: bucket, Recursive: true}); len(files) != 0 {
		t.Fatalf("files listed after hiding them all: %+v", files)
	}

	err := e.c.DeleteBucket(ctx, bucket)
	if !errors.Is(err, ErrBucketNotEmpty) {
		t.Fatalf("DeleteBucket of a bucket with hidden versions: %v, want ErrBucketNotEmpty", err)
	}
	if got := asError(t, err); got.Op != "delete bucket" || got.Bucket != bucket || got.Status != http.StatusConflict {
		t.Errorf("DeleteBucket error = %+v", got)
	}

	var progress progressLog
	deleted, failures, err := e.c.EmptyBucket(ctx, bucket, progress.add)
	if err != nil || deleted != 9 || len(failures) != 0 {
		t.Fatalf("EmptyBucket = %d, %v, %v; want 9 (6 versions, 3 markers)", deleted, failures, err)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 9 {
		t.Errorf("progress = %v, want it to end at 9", progress)
	}
	if ups, err := e.c.MultipartUploads(ctx, bucket, ""); err != nil || len(ups) != 0 {
		t.Errorf("unfinished uploads after EmptyBucket: %v, %v", ups, err)
	}
	if err := e.c.DeleteBucket(ctx, bucket); err != nil {
		t.Fatalf("DeleteBucket after EmptyBucket: %v", err)
	}
	if _, err := e.c.Bucket(ctx, bucket); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("Bucket after DeleteBucket: %v, want ErrBucketNotFound", err)
	}
	if err := e.c.DeleteBucket(ctx, bucket); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("DeleteBucket of a missing bucket: %v, want ErrBucketNotFound", err)
	}
	checkDeleteWire(t, e)
}

// TestSetVisibility switches a bucket private, public and private again,
// checked with Buckets and an anonymous GET; and a bucket made by another
// tool under versitygw's default ownership (ACLs refused) is switched to
// ObjectWriter on the way.
func TestSetVisibility(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const made, foreign = "haul-toggle", "haul-foreign"
	mustCreate(t, e.c, made, Private)
	if _, err := e.c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(foreign)}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{made, foreign} {
		if _, err := e.c.Put(ctx, PutInput{Bucket: b, Key: "hello.txt", Body: bytes.NewReader([]byte("hi"))}); err != nil {
			t.Fatal(err)
		}
	}
	anonymous := func(bucket string) int {
		t.Helper()
		resp, err := http.Get(e.proxy.URL + "/" + bucket + "/hello.txt")
		if err != nil {
			t.Fatalf("anonymous GET: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	visibility := func(bucket string) Visibility {
		t.Helper()
		buckets, err := e.c.Buckets(ctx)
		if err != nil {
			t.Fatalf("Buckets: %v", err)
		}
		for _, b := range buckets {
			if b.Name == bucket {
				return b.Visibility
			}
		}
		t.Fatalf("Buckets has no %s", bucket)
		return VisibilityUnknown
	}
	for _, bucket := range []string{made, foreign} {
		for _, step := range []struct {
			v      Visibility
			status int
		}{{Private, http.StatusForbidden}, {PublicRead, http.StatusOK}, {Private, http.StatusForbidden}} {
			if err := e.c.SetVisibility(ctx, bucket, step.v); err != nil {
				t.Fatalf("SetVisibility(%s, %s): %v", bucket, step.v, err)
			}
			if got := visibility(bucket); got != step.v {
				t.Errorf("%s is %s after SetVisibility(%s)", bucket, got, step.v)
			}
			if got := anonymous(bucket); got != step.status {
				t.Errorf("anonymous GET in %s bucket %s: %d, want %d", step.v, bucket, got, step.status)
			}
		}
	}
	if n := e.proxy.Count("PutBucketOwnershipControls"); n != 1 {
		t.Errorf("proxy saw %d PutBucketOwnershipControls, want 1 (for %s only)", n, foreign)
	}
	// Without withContentMD5 the SDK adds x-amz-checksum-crc32 to both,
	// which checkWire would catch. A canned ACL travels in a header with
	// an empty body, which then gets no Content-MD5 either.
	for _, r := range e.proxy.Requests() {
		switch {
		case r.Op == "PutBucketAcl" && r.ContentLength > 0 && r.Header.Get("Content-Md5") == "",
			r.Op == "PutBucketOwnershipControls" && r.Header.Get("Content-Md5") == "":
			t.Errorf("%s %s sent %d bytes without Content-MD5", r.Op, r.Bucket, r.ContentLength)
		}
	}
	e.proxy.Reset()
	if err := e.c.SetVisibility(ctx, made, VisibilityUnknown); err == nil {
		t.Errorf("SetVisibility(unknown) succeeded")
	}
	if err := e.c.SetVisibility(ctx, "haul-missing", PublicRead); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("SetVisibility of a missing bucket: %v, want ErrBucketNotFound", err)
	}
}

// TestTooManyBuckets maps B2's answer to the 101st bucket.
func TestTooManyBuckets(t *testing.T) {
	err := wrapErr("create bucket", "haul-101", "", respErr(http.StatusBadRequest, nil,
		apiErr("TooManyBuckets", "You have attempted to create more buckets than allowed")))
	if !errors.Is(err, ErrTooManyBuckets) {
		t.Errorf("TooManyBuckets classified as %v", err)
	}

	// And through the SDK's own decoding of the XML answer.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>TooManyBuckets</Code>` +
			`<Message>You have attempted to create more buckets than allowed</Message></Error>`))
	}))
	defer srv.Close()
	c, err := NewClient(Config{Endpoint: srv.URL, Region: "us-west-004", KeyID: "k", Key: "s", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.CreateBucket(context.Background(), "haul-101", Private)
	if !errors.Is(err, ErrTooManyBuckets) {
		t.Fatalf("CreateBucket over the limit: %v, want ErrTooManyBuckets", err)
	}
	if got := asError(t, err); got.Code != "TooManyBuckets" || got.Status != http.StatusBadRequest {
		t.Errorf("CreateBucket error = %+v", got)
	}
	if MaxBuckets != 100 {
		t.Errorf("MaxBuckets = %d, want B2's 100", MaxBuckets)
	}
}
