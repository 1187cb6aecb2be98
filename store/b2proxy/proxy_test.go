package b2proxy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/haul-app/haul/store/b2proxy"
)

func TestRoundTripAndCounts(t *testing.T) {
	_, p, c := setup(t)
	ctx := context.Background()
	bucket := aws.String("round-trip")
	createBucket(t, c, *bucket)
	// Keys that a careless proxy would re-encode and so break the signature.
	keys := []string{"plain.txt", "dir/a b+c.txt", "ünï/cödé~!*'().bin", "100%/x=y&z"}
	for _, k := range keys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: bucket, Key: aws.String(k), Body: strings.NewReader("body of " + k),
		}); err != nil {
			t.Fatalf("PutObject %q: %v", k, err)
		}
	}
	for _, k := range keys {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(k)})
		if err != nil {
			t.Fatalf("GetObject %q: %v", k, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || string(got) != "body of "+k {
			t.Errorf("GetObject %q = %q, %v", k, got, err)
		}
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String(keys[0])}); err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	if len(list.Contents) != len(keys) {
		t.Errorf("ListObjectsV2 found %d objects, want %d", len(list.Contents), len(keys))
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String(keys[0])}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String(keys[0])})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotFound" {
		t.Errorf("HeadObject of a deleted key = %v, want NotFound", err)
	}

	want := map[string]int{
		"CreateBucket": 1, "PutObject": 4, "GetObject": 4, "HeadObject": 2,
		"ListObjectsV2": 1, "DeleteObject": 1,
	}
	got := p.Counts()
	for op, n := range want {
		if got[op] != n {
			t.Errorf("Count(%s) = %d, want %d", op, got[op], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("Counts() = %v, want exactly %v", got, want)
	}
	if p.Count("HeadObject") != 2 {
		t.Errorf("Count(HeadObject) = %d, want 2", p.Count("HeadObject"))
	}
	if r := p.Refusals(); len(r) != 0 {
		t.Errorf("Refusals() = %q, want none", r)
	}
	reqs := p.Requests()
	if last := reqs[len(reqs)-1]; last.Op != "HeadObject" || last.Status != http.StatusNotFound || last.Key != keys[0] {
		t.Errorf("last request = %+v, want HeadObject %s answered 404", last, keys[0])
	}
	if reqs[0].Header.Get("Authorization") == "" {
		t.Error("recorded request has no Authorization header")
	}
	p.Reset()
	if n := len(p.Counts()) + len(p.Requests()); n != 0 {
		t.Errorf("after Reset: %d records left", n)
	}
}

func TestHostHeaderForwardedUnchanged(t *testing.T) {
	up := newUpstream(t, 8)
	p := b2proxy.New(t, up.URL)
	if _, _, err := do(t, "GET", p.URL+"/bkt/key", nil, nil); err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(p.URL)
	if hosts := up.hostsSeen(); len(hosts) != 1 || hosts[0] != pu.Host {
		t.Errorf("upstream saw Host %q, want the proxy's %q", hosts, pu.Host)
	}
}

func TestDefaultSDKChecksumsAreRefused(t *testing.T) {
	s, p, c := setup(t)
	ctx := context.Background()
	createBucket(t, c, "checksums")
	opts := b2Options(s, p.URL)
	opts.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
	opts.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
	careless := s3.New(opts)

	_, err := careless.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("checksums"), Key: aws.String("k"), Body: strings.NewReader("data"),
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidArgument" ||
		!strings.Contains(apiErr.ErrorMessage(), "Unsupported header 'x-amz-checksum-") {
		t.Fatalf("PutObject with default checksums = %v, want 400 InvalidArgument Unsupported header", err)
	}
	if refs := p.Refusals(); len(refs) != 1 || !strings.HasPrefix(refs[0], "PutObject ") {
		t.Errorf("Refusals() = %q, want one PutObject refusal", refs)
	}
	// Nothing reached the server.
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("checksums"), Key: aws.String("k")})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotFound" {
		t.Errorf("HeadObject after a refused PutObject = %v, want NotFound", err)
	}

	// GetObject with default validation asks for checksums: refused too.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("checksums"), Key: aws.String("k"), Body: strings.NewReader("data"),
	}); err != nil {
		t.Fatalf("PutObject with B2 settings: %v", err)
	}
	_, err = careless.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("checksums"), Key: aws.String("k")})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidArgument" {
		t.Errorf("GetObject with default checksum validation = %v, want InvalidArgument", err)
	}
	if n := len(p.Refusals()); n != 2 {
		t.Errorf("%d refusals, want 2", n)
	}
}

func TestObjectACLRefusedBucketACLAllowed(t *testing.T) {
	s, p, c := setup(t)
	ctx := context.Background()
	bucket := aws.String("public-bucket")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket:          bucket,
		ACL:             types.BucketCannedACLPublicRead,
		ObjectOwnership: types.ObjectOwnershipObjectWriter,
	}); err != nil {
		t.Fatalf("CreateBucket with ACL through the proxy: %v", err)
	}
	// The SDK always sends a CRC32 header with PutBucketAcl: refused as on
	// B2 unless the call swaps it for Content-MD5.
	_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: bucket, ACL: types.BucketCannedACLPublicRead})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidArgument" {
		t.Errorf("PutBucketAcl with the SDK's CRC32 = %v, want InvalidArgument", err)
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: bucket, ACL: types.BucketCannedACLPublicRead},
		withContentMD5); err != nil {
		t.Fatalf("PutBucketAcl with Content-MD5 through the proxy: %v", err)
	}
	p.Reset()
	_, err = c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: bucket, Key: aws.String("k"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPublicRead,
	})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" {
		t.Fatalf("PutObject with x-amz-acl = %v, want 403 AccessDenied", err)
	}
	if refs := p.Refusals(); len(refs) != 1 {
		t.Errorf("Refusals() = %q, want exactly the PutObject", refs)
	}
	// Without the header the object lands and is public through the bucket.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: bucket, Key: aws.String("k"), Body: strings.NewReader("x"),
	}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	for _, base := range []string{s.Endpoint, p.URL} {
		resp, body, err := do(t, "GET", base+"/public-bucket/k", nil, nil)
		if err != nil || resp.StatusCode != http.StatusOK || string(body) != "x" {
			t.Errorf("anonymous GET via %s = %v %q %v, want 200", base, resp.Status, body, err)
		}
	}
}

// TestStreaming50MiB pushes a large object both ways through the proxy; the
// proxy copies bodies with io.Copy, so its memory does not grow with size.
func TestStreaming50MiB(t *testing.T) {
	_, p, c := setup(t)
	ctx := context.Background()
	createBucket(t, c, "big")
	const size = 50 << 20
	path := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.New()
	src := io.LimitReader(rand.NewChaCha8([32]byte{1}), size)
	if _, err := io.Copy(io.MultiWriter(f, sum), src); err != nil {
		t.Fatalf("write test file: %v", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("big.bin"), Body: f}); err != nil {
		t.Fatalf("PutObject 50 MiB: %v", err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("big.bin")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got := sha256.New()
	n, err := io.Copy(got, out.Body)
	out.Body.Close()
	if err != nil || n != size || !bytes.Equal(got.Sum(nil), sum.Sum(nil)) {
		t.Fatalf("GetObject returned %d bytes (%v), hash match %v", n, err, bytes.Equal(got.Sum(nil), sum.Sum(nil)))
	}
	if reqs := p.Requests(); reqs[1].Op != "PutObject" || reqs[1].ContentLength != size {
		t.Errorf("recorded PutObject = %+v, want Content-Length %d", reqs[1], size)
	}
}
