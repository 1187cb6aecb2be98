package store

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// allUsersURI is the ACL grantee that stands for everyone, signed in or not.
const allUsersURI = "http://acs.amazonaws.com/groups/global/AllUsers"

// Buckets lists the account's buckets sorted by name, each with its
// visibility (one GetBucketAcl call per bucket, eight at a time). A key that
// may not list buckets gets ErrAccessDenied: let the person name the bucket
// and call Bucket instead.
func (c *Client) Buckets(ctx context.Context) ([]Bucket, error) {
	out, err := c.s3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return nil, wrapErr("list buckets", "", "", err)
	}
	buckets := make([]Bucket, len(out.Buckets))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, b := range out.Buckets {
		buckets[i] = Bucket{Name: aws.ToString(b.Name), Created: aws.ToTime(b.CreationDate)}
		g.Go(func() error {
			buckets[i].Visibility = c.visibility(gctx, buckets[i].Name)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortFunc(buckets, func(a, b Bucket) int { return strings.Compare(a.Name, b.Name) })
	return buckets, nil
}

// Bucket checks that a bucket exists and the key may use it, for keys that
// cannot list buckets; it reads the bucket's visibility when allowed.
func (c *Client) Bucket(ctx context.Context, name string) (Bucket, error) {
	if _, err := c.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)}); err != nil {
		err = wrapErr("open bucket", name, "", err)
		if e, ok := err.(*Error); ok && e.Kind == ErrNotFound {
			e.Kind = ErrBucketNotFound
		}
		return Bucket{}, err
	}
	return Bucket{Name: name, Visibility: c.visibility(ctx, name)}, nil
}

// visibility reads a bucket's ACL; a key without that right gets Unknown.
func (c *Client) visibility(ctx context.Context, bucket string) Visibility {
	acl, err := c.s3.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(bucket)})
	if err != nil {
		return VisibilityUnknown
	}
	return visibilityOf(acl.Grants)
}

func visibilityOf(grants []types.Grant) Visibility {
	for _, g := range grants {
		if isEveryone(g.Grantee) &&
			(g.Permission == types.PermissionRead || g.Permission == types.PermissionFullControl) {
			return PublicRead
		}
	}
	return Private
}

// isEveryone recognises the all-users group as AWS and B2 name it (by URI)
// and as versitygw names it (by ID), so the sandbox shows the same thing.
func isEveryone(g *types.Grantee) bool {
	if g == nil {
		return false
	}
	return aws.ToString(g.URI) == allUsersURI ||
		(g.Type == types.TypeGroup && aws.ToString(g.ID) == "all-users")
}
