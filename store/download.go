package store

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ObjectInfo is what HeadObject says about one version of a file.
type ObjectInfo struct {
	Object // Key, ETag (quoted), Size in bytes, Modified (when B2 stored it)

	VersionID   string
	ContentType string
	// Metadata is the user metadata, keys lower-case without the
	// x-amz-meta- prefix; MetaModified holds the file's own modification
	// time when the uploader kept it.
	Metadata map[string]string
	// SSE is the server-side encryption: "AES256" (B2-managed keys),
	// "aws:kms", or "" for none. SSECustomer is true for SSE-C, whose
	// files can only be read with the customer's key; CustomerKey is then
	// the name of the account's key that opened it.
	SSE         string
	SSECustomer bool
	CustomerKey string
	// PartsCount is the number of parts of a multipart upload when it is
	// known, else 0. It comes from the x-amz-mp-parts-count header when the
	// server sends one, else from the "-N" suffix of the ETag.
	PartsCount int32
}

// Head reads the size, ETag, content type, metadata and encryption of a
// file without downloading it: one HeadObject request, billed by B2 as a
// class B transaction. versionID "" means the current version. A missing
// key or version is ErrNotFound (a HEAD answer has no body, so a missing
// bucket is ErrNotFound too). A file stored with a customer key (SSE-C) is
// read with the account's key that opens it (see KeyRing); when none does,
// the error matches ErrKeyMissing.
func (c *Client) Head(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error) {
	var out *s3.HeadObjectOutput
	k, err := c.withReadKey("stat", objectRef{bucket, key, versionID}, func(k *CustomerKey) (string, error) {
		req := &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
		if versionID != "" {
			req.VersionId = aws.String(versionID)
		}
		if k != nil {
			req.SSECustomerAlgorithm, req.SSECustomerKey, req.SSECustomerKeyMD5 = sseHeaders(*k)
		}
		var err error
		out, err = c.s3.HeadObject(ctx, req)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.VersionId), nil
	})
	if err != nil {
		return ObjectInfo{}, err
	}
	return describe(key, k, versionHeaders{
		etag: out.ETag, size: out.ContentLength, modified: out.LastModified, version: out.VersionId,
		contentType: out.ContentType, sse: string(out.ServerSideEncryption),
		sseCustomer: out.SSECustomerAlgorithm, parts: out.PartsCount, metadata: out.Metadata,
	}), nil
}

// versionHeaders are the headers of a HEAD or GET answer that describe the
// version it read.
type versionHeaders struct {
	etag, version, contentType, sseCustomer *string
	size                                    *int64
	modified                                *time.Time
	sse                                     string
	parts                                   *int32
	metadata                                map[string]string
}

// describe turns an answer's headers into an ObjectInfo; k is the customer
// key that opened the file, nil for none.
func describe(key string, k *CustomerKey, h versionHeaders) ObjectInfo {
	info := ObjectInfo{
		Object: Object{
			Key:      key,
			ETag:     aws.ToString(h.etag),
			Size:     aws.ToInt64(h.size),
			Modified: aws.ToTime(h.modified),
		},
		VersionID:   aws.ToString(h.version),
		ContentType: aws.ToString(h.contentType),
		SSE:         h.sse,
		SSECustomer: aws.ToString(h.sseCustomer) != "",
		PartsCount:  aws.ToInt32(h.parts),
	}
	if k != nil {
		info.SSECustomer, info.CustomerKey = true, k.Name
	}
	if len(h.metadata) > 0 {
		info.Metadata = make(map[string]string, len(h.metadata))
		for k, v := range h.metadata {
			info.Metadata[strings.ToLower(k)] = v
		}
	}
	if info.PartsCount == 0 {
		info.PartsCount = partsFromETag(info.ETag)
	}
	return info
}

// partsFromETag reads N from a multipart ETag of the form "<hex>-N"; it
// returns 0 for a single-part ETag or any other form.
func partsFromETag(etag string) int32 {
	_, n, ok := strings.Cut(strings.Trim(etag, `"`), "-")
	if !ok {
		return 0
	}
	parts, err := strconv.ParseInt(n, 10, 32)
	if err != nil || parts < 1 || parts > MaxPartCount {
		return 0
	}
	return int32(parts)
}

// GetRange opens length bytes of a file starting at byte offset; length < 0
// means to the end of the file, and a range that runs past the end is cut
// there. versionID pins the download to one version ("" means the current
// one), so a file overwritten meanwhile is not mixed into it. A key or
// version that is gone is ErrNotFound; a range that starts at or past the
// end is an *Error with Status 416 (ErrOther). Length 0 returns an empty
// body without a request.
//
// Every call is one billable download transaction on B2: callers ask for
// large ranges (tens of MiB), not small reads. The caller must close the
// body. Retries happen only until the answer starts: if the connection
// breaks while the body is read, Read returns an *Error (ErrUnreachable,
// or ErrCanceled when ctx ended) and the caller asks again for the rest of
// the range. The body's Read never reports a broken transfer as io.EOF.
// An SSE-C file is read with its key, as Head finds it.
func (c *Client) GetRange(ctx context.Context, bucket, key, versionID string, offset, length int64) (io.ReadCloser, error) {
	if length == 0 {
		if offset < 0 {
			return nil, negativeOffset(bucket, key, offset)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	_, body, err := c.Open(ctx, bucket, key, versionID, offset, length)
	return body, err
}

// Open is GetRange (length must not be 0) that also says which version it
// reads, from the answer's headers: the ETag, version ID, metadata and
// encryption, as Head would, and Size, the whole file's size (from
// Content-Range), not the range's. A download can so start on its first
// range without a HEAD before it: one round trip less per file.
func (c *Client) Open(ctx context.Context, bucket, key, versionID string, offset, length int64) (ObjectInfo, io.ReadCloser, error) {
	const op = "download"
	if offset < 0 {
		return ObjectInfo{}, nil, negativeOffset(bucket, key, offset)
	}
	if length == 0 {
		return ObjectInfo{}, nil, &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrOther, Message: "an empty range"}
	}
	var out *s3.GetObjectOutput
	k, err := c.withReadKey(op, objectRef{bucket, key, versionID}, func(k *CustomerKey) (string, error) {
		req := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
		if versionID != "" {
			req.VersionId = aws.String(versionID)
		}
		if k != nil {
			req.SSECustomerAlgorithm, req.SSECustomerKey, req.SSECustomerKeyMD5 = sseHeaders(*k)
		}
		// The whole file goes without a Range header: "bytes=0-" would be
		// refused (416) for an empty file.
		switch {
		case length > 0:
			req.Range = aws.String("bytes=" + strconv.FormatInt(offset, 10) + "-" + strconv.FormatInt(offset+length-1, 10))
		case offset > 0:
			req.Range = aws.String("bytes=" + strconv.FormatInt(offset, 10) + "-")
		}
		var err error
		out, err = c.s3.GetObject(ctx, req)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.VersionId), nil
	})
	if err != nil {
		return ObjectInfo{}, nil, err
	}
	info := describe(key, k, versionHeaders{
		etag: out.ETag, size: out.ContentLength, modified: out.LastModified, version: out.VersionId,
		contentType: out.ContentType, sse: string(out.ServerSideEncryption),
		sseCustomer: out.SSECustomerAlgorithm, parts: out.PartsCount, metadata: out.Metadata,
	})
	if total, ok := rangeTotal(aws.ToString(out.ContentRange)); ok {
		info.Size = total
	}
	return info, &rangeBody{body: out.Body, op: op, bucket: bucket, key: key}, nil
}

// rangeTotal reads the whole size from a Content-Range header, "bytes
// first-last/total"; ok is false when there is none or the total is "*".
func rangeTotal(h string) (int64, bool) {
	_, total, found := strings.Cut(h, "/")
	if !found {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil && n >= 0
}

func negativeOffset(bucket, key string, offset int64) error {
	return &Error{Op: "download", Bucket: bucket, Key: key, Kind: ErrOther, Message: "negative offset " + strconv.FormatInt(offset, 10)}
}

// rangeBody turns a broken download into an *Error, so the caller sees the
// same kinds for a failure before and during the body.
type rangeBody struct {
	body            io.ReadCloser
	op, bucket, key string
}

func (b *rangeBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = wrapErr(b.op, b.bucket, b.key, err)
	}
	return n, err
}

func (b *rangeBody) Close() error { return b.body.Close() }
