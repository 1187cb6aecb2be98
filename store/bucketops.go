package store

import (
	"context"
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
	if err := ValidateBucketName(name); err != nil {
		return &Error{Op: "create bucket", Bucket: name, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(name), ACL: types.BucketCannedACLPrivate}
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
