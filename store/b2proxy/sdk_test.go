package b2proxy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/haul-app/haul/store/b2proxy"
)

// TestFaultsSeenBySDK checks what the SDK makes of each injected answer, so
// the store package knows what it will have to map.
func TestFaultsSeenBySDK(t *testing.T) {
	_, p, c := setup(t)
	ctx := context.Background()
	createBucket(t, c, "faults")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("faults"), Key: aws.String("k"), Body: strings.NewReader("data"),
	}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	get := func() error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("faults"), Key: aws.String("k")})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		_, err = io.ReadAll(out.Body)
		return err
	}

	p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.InternalError, IncidentID: "abc123-def456"})
	err := get()
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Errorf("GetObject with InternalError = %v, want a 500 response error", err)
	}
	t.Logf("SDK error for the JSON 500: %v (incident id in text: %v)", err, strings.Contains(err.Error(), "abc123-def456"))

	p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.ServiceUnavailable, RetryAfter: 3})
	err = get()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "SlowDown" ||
		!errors.As(err, &re) || re.Response.Header.Get("Retry-After") != "3" {
		t.Errorf("GetObject with ServiceUnavailable = %v, want SlowDown with Retry-After 3", err)
	}

	p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.TooManyRequests})
	if err := get(); !errors.As(err, &apiErr) || apiErr.ErrorCode() != "TooManyRequests" {
		t.Errorf("GetObject with TooManyRequests = %v, want TooManyRequests", err)
	}

	p.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.DropMidBody, DropAfter: 2})
	if err := get(); err == nil {
		t.Error("GetObject with a dropped body succeeded")
	} else {
		t.Logf("SDK error for a dropped download: %v", err)
	}
	if err := get(); err != nil {
		t.Errorf("GetObject after the faults: %v", err)
	}
}

// TestMultipartRetryResendsOnlyFailedParts runs a multipart upload with a
// retrying client while one part's connection drops and another is
// throttled, and checks from the proxy's log which parts were sent again.
func TestMultipartRetryResendsOnlyFailedParts(t *testing.T) {
	s, p, c := setup(t)
	ctx := context.Background()
	bucket, key := aws.String("multi"), aws.String("dir/big.bin")
	createBucket(t, c, *bucket)
	opts := b2Options(s, p.URL)
	opts.RetryMaxAttempts = 3
	retrying := s3.New(opts)

	mpu, err := retrying.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: key})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	partNumber := func(n string) func(*http.Request) bool {
		return func(r *http.Request) bool { return r.URL.Query().Get("partNumber") == n }
	}
	drop := p.Inject(b2proxy.Fault{Op: "UploadPart", Kind: b2proxy.DropMidBody, Match: partNumber("2")})
	slow := p.Inject(b2proxy.Fault{Op: "UploadPart", Kind: b2proxy.ServiceUnavailable, Match: partNumber("3")})

	sizes := []int{5 << 20, 5 << 20, 1000} // versitygw wants 5 MiB parts
	var all []byte
	var done []types.CompletedPart
	for i, size := range sizes {
		body := bytes.Repeat([]byte{byte('a' + i)}, size)
		all = append(all, body...)
		out, err := retrying.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: bucket, Key: key, UploadId: mpu.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(body),
		})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	if drop.Fired() != 1 || slow.Fired() != 1 {
		t.Errorf("faults fired %d and %d times, want 1 each", drop.Fired(), slow.Fired())
	}
	if got := p.PartsSent(*mpu.UploadId); !slices.Equal(got, []int{1, 2, 2, 3, 3}) {
		t.Errorf("PartsSent = %v, want [1 2 2 3 3]", got)
	}
	if _, err := retrying.ListParts(ctx, &s3.ListPartsInput{Bucket: bucket, Key: key, UploadId: mpu.UploadId}); err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	if _, err := retrying.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: bucket, Key: key, UploadId: mpu.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || !bytes.Equal(got, all) {
		t.Fatalf("downloaded %d bytes (%v), want the %d uploaded", len(got), err, len(all))
	}

	// The other multipart calls are recognised too.
	other, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("left")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	if _, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: bucket}); err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: bucket, Key: aws.String("left"), UploadId: other.UploadId,
	}); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: bucket,
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: key}}},
	}, withContentMD5); err != nil {
		t.Fatalf("DeleteObjects with Content-MD5: %v", err)
	}
	want := map[string]int{
		"CreateBucket": 1, "CreateMultipartUpload": 2, "UploadPart": 5, "ListParts": 1,
		"CompleteMultipartUpload": 1, "GetObject": 1, "ListMultipartUploads": 1,
		"AbortMultipartUpload": 1, "DeleteObjects": 1,
	}
	if got := p.Counts(); !maps.Equal(got, want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
	if refs := p.Refusals(); len(refs) != 0 {
		t.Errorf("Refusals() = %q, want none", refs)
	}
	reqs := p.Requests()
	if last := reqs[len(reqs)-1]; last.Op != "DeleteObjects" || last.Header.Get("Content-Md5") == "" {
		t.Errorf("DeleteObjects sent headers %v, want Content-MD5", last.Header)
	}
}
