package s3test_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/haul-app/haul/store/s3test"
)

// newClient builds a B2-style client: path-style, explicit keys, checksums
// only when required.
func newClient(endpoint, region, access, secret string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:               aws.String(endpoint),
		Region:                     region,
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(access, secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           1,
	})
}

func serverClient(s *s3test.Server) *s3.Client {
	return newClient(s.Endpoint, s.Region, s.AccessKey, s.SecretKey)
}

func TestStartStop(t *testing.T) {
	s := s3test.Start(t)
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") {
		t.Errorf("Endpoint = %q, want a loopback URL", s.Endpoint)
	}
	if s.Region != "us-west-004" {
		t.Errorf("Region = %q, want us-west-004", s.Region)
	}
	if s.AccessKey == "" || s.SecretKey == "" {
		t.Error("root keys are empty")
	}
	if !filepath.IsAbs(s.DataDir) || !filepath.IsAbs(s.VersionsDir) {
		t.Errorf("folders not absolute: %q %q", s.DataDir, s.VersionsDir)
	}
	if rel, err := filepath.Rel(s.DataDir, s.VersionsDir); err == nil && !strings.HasPrefix(rel, "..") {
		t.Errorf("versions folder %q lies inside data folder %q", s.VersionsDir, s.DataDir)
	}

	resp, err := http.Get(s.Endpoint + "/")
	if err != nil {
		t.Fatalf("unsigned GET: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Server") != "VERSITYGW" {
		t.Errorf("unsigned GET / = %d server %q, want 403 from VERSITYGW", resp.StatusCode, resp.Header.Get("Server"))
	}

	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	c := &http.Client{Timeout: 2 * time.Second}
	if resp, err := c.Get(s.Endpoint + "/"); err == nil {
		resp.Body.Close()
		t.Fatal("server still answers after Stop")
	}
}

func TestTwoServersAreIndependent(t *testing.T) {
	a, b := s3test.Start(t), s3test.Start(t)
	if a.Endpoint == b.Endpoint || a.AccessKey == b.AccessKey || a.DataDir == b.DataDir {
		t.Fatalf("servers share endpoint, keys or folders: %+v %+v", a, b)
	}
	ctx := context.Background()
	if _, err := serverClient(a).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("only-on-a")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	out, err := serverClient(b).ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	if len(out.Buckets) != 0 {
		t.Errorf("second server lists %d buckets, want 0", len(out.Buckets))
	}
}

func TestObjectRoundTripAndVersioning(t *testing.T) {
	s := s3test.Start(t)
	c := serverClient(s)
	ctx := context.Background()
	bucket := aws.String("round-trip")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	}); err != nil {
		t.Fatalf("PutBucketVersioning: %v", err)
	}
	for _, body := range []string{"first", "second"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: bucket, Key: aws.String("dir/file.txt"), Body: strings.NewReader(body),
		}); err != nil {
			t.Fatalf("PutObject %q: %v", body, err)
		}
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("dir/file.txt")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	data, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || string(data) != "second" {
		t.Fatalf("GetObject body = %q, %v; want %q", data, err, "second")
	}
	vers, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: bucket})
	if err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}
	if len(vers.Versions) != 2 {
		t.Errorf("ListObjectVersions returned %d versions, want 2", len(vers.Versions))
	}
}

func TestWrongRegionIsRefused(t *testing.T) {
	s := s3test.Start(t)
	c := newClient(s.Endpoint, "us-east-1", s.AccessKey, s.SecretKey)
	ctx := context.Background()
	// Like AWS, versitygw lets ListBuckets through when signed for us-east-1.
	if _, err := c.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("ListBuckets signed for us-east-1: %v", err)
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("wrong-region")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("CreateBucket signed for us-east-1: err = %v, want an API error", err)
	}
	if apiErr.ErrorCode() != "AuthorizationHeaderMalformed" {
		t.Errorf("CreateBucket signed for us-east-1: code %q (%s), want AuthorizationHeaderMalformed",
			apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
}

func TestPublicReadBucketNeedsObjectWriter(t *testing.T) {
	s := s3test.Start(t)
	c := serverClient(s)
	ctx := context.Background()

	// Without ObjectWriter ownership versitygw refuses the ACL.
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket: aws.String("enforced-owner"),
		ACL:    types.BucketCannedACLPublicRead,
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidBucketAclWithObjectOwnership" {
		t.Errorf("CreateBucket public-read without ObjectOwnership = %v, want InvalidBucketAclWithObjectOwnership", err)
	}

	bucket := aws.String("public-files")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket:          bucket,
		ACL:             types.BucketCannedACLPublicRead,
		ObjectOwnership: types.ObjectOwnershipObjectWriter,
	}); err != nil {
		t.Fatalf("CreateBucket public-read with ObjectWriter: %v", err)
	}
	private := aws.String("private-files")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: private}); err != nil {
		t.Fatalf("CreateBucket private: %v", err)
	}
	body := []byte("hello, anyone")
	for _, b := range []*string{bucket, private} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: b, Key: aws.String("a b+c.txt"), Body: bytes.NewReader(body),
		}); err != nil {
			t.Fatalf("PutObject in %s: %v", *b, err)
		}
	}

	resp, err := http.Get(s.Endpoint + "/public-files/a%20b%2Bc.txt")
	if err != nil {
		t.Fatalf("anonymous GET: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Errorf("anonymous GET of public object = %d %q, want 200 %q", resp.StatusCode, got, body)
	}

	if code := anonymousGet(t, s.Endpoint+"/private-files/a%20b%2Bc.txt"); code != http.StatusForbidden {
		t.Errorf("anonymous GET of private object = %d, want 403", code)
	}

	// Visibility toggles with PutBucketAcl on an ObjectWriter bucket.
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: bucket, ACL: types.BucketCannedACLPrivate}); err != nil {
		t.Fatalf("PutBucketAcl private: %v", err)
	}
	if code := anonymousGet(t, s.Endpoint+"/public-files/a%20b%2Bc.txt"); code != http.StatusForbidden {
		t.Errorf("anonymous GET after PutBucketAcl private = %d, want 403", code)
	}
	// A bucket created without ownership controls refuses ACLs until its
	// ownership is switched to ObjectWriter.
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: private, ACL: types.BucketCannedACLPublicRead})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessControlListNotSupported" {
		t.Errorf("PutBucketAcl on an owner-enforced bucket = %v, want AccessControlListNotSupported", err)
	}
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{
		Bucket: private,
		OwnershipControls: &types.OwnershipControls{
			Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipObjectWriter}},
		},
	}); err != nil {
		t.Fatalf("PutBucketOwnershipControls: %v", err)
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: private, ACL: types.BucketCannedACLPublicRead}); err != nil {
		t.Fatalf("PutBucketAcl public-read after switching ownership: %v", err)
	}
	if code := anonymousGet(t, s.Endpoint+"/private-files/a%20b%2Bc.txt"); code != http.StatusOK {
		t.Errorf("anonymous GET after PutBucketAcl public-read = %d, want 200", code)
	}

	// versitygw reports the public grant as a Group with ID "all-users"
	// and no URI, unlike AWS's AllUsers URI.
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: private})
	if err != nil {
		t.Fatalf("GetBucketAcl: %v", err)
	}
	var public bool
	for _, g := range acl.Grants {
		if g.Grantee != nil && g.Grantee.Type == types.TypeGroup && g.Permission == types.PermissionRead {
			public = true
			t.Logf("public grant: ID %q URI %q", aws.ToString(g.Grantee.ID), aws.ToString(g.Grantee.URI))
		}
	}
	if !public {
		t.Errorf("GetBucketAcl of a public-read bucket has no READ grant to a group: %+v", acl.Grants)
	}
}

func anonymousGet(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("anonymous GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestBinaryFromEnv(t *testing.T) {
	t.Setenv(s3test.EnvBinary, filepath.Join(t.TempDir(), "no-such-versitygw"))
	if _, err := s3test.Binary(); !errors.Is(err, s3test.ErrNotFound) {
		t.Errorf("Binary with a missing %s = %v, want ErrNotFound", s3test.EnvBinary, err)
	}
}

func TestBinaryFound(t *testing.T) {
	p, err := s3test.Binary()
	if err != nil {
		t.Fatalf("Binary: %v; %s", err, s3test.InstallHint)
	}
	if !filepath.IsAbs(p) {
		t.Errorf("Binary = %q, want an absolute path", p)
	}
}

// fatalTB records the Fatalf of code under test instead of failing the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestStartFailsWithoutBinary(t *testing.T) {
	t.Setenv(s3test.EnvBinary, filepath.Join(t.TempDir(), "missing"))
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		tb := &fatalTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			s3test.Start(tb)
		}()
		<-done
		if !strings.Contains(tb.msg, "make test") || !strings.Contains(tb.msg, s3test.EnvBinary) {
			t.Errorf("CI=%q: Start failed with %q, want install instructions", ci, tb.msg)
		}
	}
}
