package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ValidateBucketName checks B2's bucket name rules and says which one a
// name breaks: 6 to 63 characters, letters, digits and "-", not starting
// with "b2-".
func ValidateBucketName(name string) error {
	switch {
	case len(name) < 6:
		return fmt.Errorf("a bucket name needs at least 6 characters")
	case len(name) > 63:
		return fmt.Errorf("a bucket name has at most 63 characters")
	case strings.HasPrefix(strings.ToLower(name), "b2-"):
		return fmt.Errorf("bucket names starting with \"b2-\" are reserved by Backblaze")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("a bucket name may only hold letters, digits and \"-\", not %q", r)
		}
	}
	return nil
}

// CreateBucket creates a bucket, private or public-read. On servers other
// than B2 (the sandbox, test servers) it also turns versioning on, which B2
// buckets always have.
func (c *Client) CreateBucket(ctx context.Context, name string, v Visibility) error {
	return c.createBucket(ctx, name, v, false)
}

// CreateLockedBucket is CreateBucket of a bucket with Object Lock enabled:
// its versions can then be retained or put under legal hold (ObjectLock,
// SetDefaultRetention, SetRetention, SetLegalHold). Object Lock cannot be
// turned off again.
func (c *Client) CreateLockedBucket(ctx context.Context, name string, v Visibility) error {
	return c.createBucket(ctx, name, v, true)
}

func (c *Client) createBucket(ctx context.Context, name string, v Visibility, lock bool) error {
	if err := ValidateBucketName(name); err != nil {
		return &Error{Op: "create bucket", Bucket: name, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(name), ACL: types.BucketCannedACLPrivate}
	if lock {
		in.ObjectLockEnabledForBucket = aws.Bool(true)
	}
	if v == PublicRead {
		in.ACL = types.BucketCannedACLPublicRead
		if !c.isB2() {
			// Servers that follow AWS's ownership rules apply ACLs only so.
			in.ObjectOwnership = types.ObjectOwnershipObjectWriter
		}
	}
	if _, err := c.s3.CreateBucket(ctx, in); err != nil {
		return wrapErr("create bucket", name, "", err)
	}
	if c.isB2() {
		return nil
	}
	_, err := c.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	}, withContentMD5)
	return wrapErr("enable versions", name, "", err)
}

// isB2 reports whether the client talks to Backblaze itself.
func (c *Client) isB2() bool {
	return strings.HasSuffix(c.endpoint.Hostname(), ".backblazeb2.com")
}

// MaxBuckets is how many buckets B2 allows one account. Creating one more
// fails with ErrTooManyBuckets.
const MaxBuckets = 100

// DeleteBucket deletes an empty bucket. B2 refuses while the bucket holds
// any version of any file, hidden ones and delete markers included:
// that is ErrBucketNotEmpty, and EmptyBucket removes them first.
func (c *Client) DeleteBucket(ctx context.Context, name string) error {
	_, err := c.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	err = wrapErr("delete bucket", name, "", err)
	if e, ok := err.(*Error); ok && e.Kind == ErrNotFound {
		e.Kind = ErrBucketNotFound
	}
	return err
}

// EmptyBucket removes for good every version and delete marker in the
// bucket, a listing page (1,000 entries) and one DeleteObjects request at a
// time, then aborts its unfinished multipart uploads, which would also keep
// it from being deleted. progress and the results are as for
// DeleteObjects; aborted uploads are not counted.
func (c *Client) EmptyBucket(ctx context.Context, name string, progress func(done int)) (deleted int, failures []DeleteFailure, err error) {
	deleted, failures, err = c.purge(ctx, name, "", false, progress)
	if err != nil {
		return deleted, failures, err
	}
	ups, err := c.MultipartUploads(ctx, name, "")
	if err != nil {
		return deleted, failures, err
	}
	for _, u := range ups {
		if err := c.AbortMultipart(ctx, name, u.Key, u.UploadID); err != nil {
			return deleted, failures, err
		}
	}
	return deleted, failures, nil
}

// SetVisibility makes a bucket private or public-read with a canned
// PutBucketAcl, sent without the CRC32 header the SDK forces on it, which
// B2 refuses (withContentMD5; the request has no body, so no Content-MD5
// either). Its files follow: B2 has no per-file ACLs. On servers other than B2 that refuse
// ACLs under their default object ownership (versitygw), it switches the
// bucket to ObjectWriter ownership and tries again.
func (c *Client) SetVisibility(ctx context.Context, name string, v Visibility) error {
	const op = "set visibility"
	acl := types.BucketCannedACLPrivate
	switch v {
	case Private:
	case PublicRead:
		acl = types.BucketCannedACLPublicRead
	default:
		return &Error{Op: op, Bucket: name, Kind: ErrOther, Message: "visibility must be private or public"}
	}
	put := func() error {
		_, err := c.s3.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(name), ACL: acl}, withContentMD5)
		return wrapErr(op, name, "", err)
	}
	err := put()
	var e *Error
	if err == nil || c.isB2() || !errors.As(err, &e) ||
		(e.Code != "AccessControlListNotSupported" && e.Code != "InvalidBucketAclWithObjectOwnership") {
		return err
	}
	if _, oerr := c.s3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{
		Bucket: aws.String(name),
		OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{
			{ObjectOwnership: types.ObjectOwnershipObjectWriter},
		}},
	}, withContentMD5); oerr != nil {
		return wrapErr(op, name, "", oerr)
	}
	return put()
}
