package store

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// maxPage is B2's largest listing page.
const maxPage = 1000

// List returns one page of a folder: its subfolders and files, at most 1,000
// entries, with a token for the next page. The empty-folder placeholder
// .bzEmpty is left out. Each call is one billable class C transaction, so
// callers keep what they listed rather than listing again.
func (c *Client) List(ctx context.Context, in ListInput) (Page, error) {
	maxKeys := in.MaxKeys
	if maxKeys <= 0 || maxKeys > maxPage {
		maxKeys = maxPage
	}
	req := &s3.ListObjectsV2Input{
		Bucket:       aws.String(in.Bucket),
		MaxKeys:      aws.Int32(int32(maxKeys)),
		EncodingType: listEncoding,
	}
	if in.Prefix != "" {
		req.Prefix = aws.String(in.Prefix)
	}
	if !in.Recursive {
		req.Delimiter = aws.String("/")
	}
	if in.Token != "" {
		req.ContinuationToken = aws.String(in.Token)
	}
	out, err := c.s3.ListObjectsV2(ctx, req)
	if err != nil {
		return Page{}, wrapErr("list", in.Bucket, in.Prefix, err)
	}
	if err := decodeObjectsList(out, "list", in.Bucket, in.Prefix); err != nil {
		return Page{}, err
	}
	page := Page{Objects: make([]Object, 0, len(out.CommonPrefixes)+len(out.Contents))}
	for _, p := range out.CommonPrefixes {
		page.Objects = append(page.Objects, Object{Key: aws.ToString(p.Prefix), IsFolder: true})
	}
	for _, o := range out.Contents {
		key := aws.ToString(o.Key)
		if isEmptyMarker(key) {
			continue
		}
		page.Objects = append(page.Objects, Object{
			Key:      key,
			ETag:     aws.ToString(o.ETag),
			Size:     aws.ToInt64(o.Size),
			Modified: aws.ToTime(o.LastModified),
		})
	}
	if aws.ToBool(out.IsTruncated) {
		page.Next = aws.ToString(out.NextContinuationToken)
	}
	return page, nil
}

func isEmptyMarker(key string) bool {
	return key == EmptyFolderMarker || strings.HasSuffix(key, "/"+EmptyFolderMarker)
}
