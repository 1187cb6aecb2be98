package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// eachUpload pages through the unfinished multipart uploads under prefix,
// 1,000 per billable call, handing each page to fn before reading the
// next; MultipartUploads, by contrast, collects and sorts them all. It
// stops at the first error fn returns.
func (c *Client) eachUpload(ctx context.Context, op, bucket, prefix string, fn func([]MultipartUpload) error) error {
	var keyMarker, idMarker string
	for {
		if err := ctx.Err(); err != nil {
			return wrapErr(op, bucket, prefix, err)
		}
		req := &s3.ListMultipartUploadsInput{
			Bucket:       aws.String(bucket),
			MaxUploads:   aws.Int32(maxPage),
			EncodingType: listEncoding,
		}
		if prefix != "" {
			req.Prefix = aws.String(prefix)
		}
		if keyMarker != "" {
			req.KeyMarker = aws.String(keyMarker)
			if idMarker != "" {
				req.UploadIdMarker = aws.String(idMarker)
			}
		}
		out, err := c.s3.ListMultipartUploads(ctx, req)
		if err != nil {
			return wrapErr(op, bucket, prefix, err)
		}
		if err := decodeUploadsList(out, op, bucket, prefix); err != nil {
			return err
		}
		page := make([]MultipartUpload, 0, len(out.Uploads))
		for _, u := range out.Uploads {
			page = append(page, MultipartUpload{
				Key:       aws.ToString(u.Key),
				UploadID:  aws.ToString(u.UploadId),
				Initiated: aws.ToTime(u.Initiated),
			})
		}
		if err := fn(page); err != nil {
			return err
		}
		if !aws.ToBool(out.IsTruncated) {
			return nil
		}
		nextKey, nextID := aws.ToString(out.NextKeyMarker), aws.ToString(out.NextUploadIdMarker)
		if nextKey == "" && len(page) > 0 {
			nextKey, nextID = page[len(page)-1].Key, page[len(page)-1].UploadID
		}
		if nextKey == "" || (nextKey == keyMarker && nextID == idMarker) {
			return &Error{Op: op, Bucket: bucket, Key: prefix, Kind: ErrServer,
				Message: "the server said there are more uploads but gave no new position to list from"}
		}
		keyMarker, idMarker = nextKey, nextID
	}
}

// uploadBytes adds up the parts an unfinished upload holds (one ListParts
// per 1,000 parts). An upload that ended meanwhile holds nothing.
func (c *Client) uploadBytes(ctx context.Context, bucket string, u MultipartUpload) (int64, error) {
	parts, err := c.ListParts(ctx, bucket, u.Key, u.UploadID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return 0, nil
		}
		return 0, err
	}
	var n int64
	for _, p := range parts {
		n += p.Size
	}
	return n, nil
}
