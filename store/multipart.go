package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// B2's multipart limits. Every part but the last must be at least
// MinPartSize bytes; B2 recommends parts of 100 MB.
const (
	MinPartSize  = 5_000_000     // bytes, except the last part
	MaxPartSize  = 5_000_000_000 // bytes
	MaxPartCount = 10_000        // part numbers run from 1 to MaxPartCount
)

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number int32  // 1..MaxPartCount
	ETag   string // quoted as the server sent it
	Size   int64  // bytes
}

// MultipartUpload is an upload that was started and neither completed nor
// aborted. B2 bills its parts until it is aborted.
type MultipartUpload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// UploadOptions describe the file a multipart upload will make. They are
// sent once, with CreateMultipart.
type UploadOptions struct {
	ContentType string    // "" means from the key's extension (ContentTypeOf)
	Modified    time.Time // stored as metadata src_last_modified_millis when non-zero
	// SSE asks B2 to encrypt the file at rest with keys it manages
	// (x-amz-server-side-encryption: AES256).
	SSE bool
	// CustomerKey names the account's key to encrypt the file with
	// (SSE-C) instead of SSE; every part is then sent with it.
	CustomerKey string
	// Metadata is extra user metadata (x-amz-meta-<key>, keys stored
	// lower-case); Modified overrides a src_last_modified_millis entry.
	// Names hold ASCII letters, digits, '-', '_' and '.', values printable
	// ASCII; others are refused as ErrInvalidName before any request.
	Metadata map[string]string
}

// CreateMultipart starts a multipart upload of key and returns its upload
// ID, which UploadPart, ListParts, CompleteMultipart and AbortMultipart take.
// The upload survives restarts of Haul: B2 keeps it, and bills its parts,
// until it is completed or aborted.
func (c *Client) CreateMultipart(ctx context.Context, bucket, key string, o UploadOptions) (uploadID string, err error) {
	const op = "start upload"
	if err := ValidateKey(key); err != nil {
		return "", &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	meta, err := userMetadata(o.Metadata, o.Modified)
	if err != nil {
		return "", &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	ck, err := c.namedKey(op, bucket, key, o.CustomerKey)
	if err != nil {
		return "", err
	}
	ct := o.ContentType
	if ct == "" {
		ct = ContentTypeOf(key)
	}
	req := &s3.CreateMultipartUploadInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(key),
		ContentType: aws.String(ct),
		Metadata:    meta,
	}
	switch {
	case ck != nil:
		req.SSECustomerAlgorithm, req.SSECustomerKey, req.SSECustomerKeyMD5 = sseHeaders(*ck)
	case o.SSE:
		req.ServerSideEncryption = types.ServerSideEncryptionAes256
	}
	out, err := c.s3.CreateMultipartUpload(ctx, req)
	if err != nil {
		return "", wrapErr(op, bucket, key, err)
	}
	id := aws.ToString(out.UploadId)
	if id == "" {
		return "", &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrServer, Message: "the server returned no upload ID"}
	}
	if ck != nil {
		c.memo.rememberUpload(id, *ck)
	}
	return id, nil
}

// UploadPart sends part number (1..MaxPartCount) of an upload: size bytes
// read from body, which must stand at the part's first byte (an
// *io.SectionReader over the file, for instance). md5sum is the raw 16-byte
// MD5 of those bytes, computed by the caller while it read them; B2 checks
// it and refuses a part that does not match. The SDK seeks body back to
// where it stood to retry, so the part is never held in memory. Over https
// the body is read once, to send it (see unsignedPayload); over plain http
// (loopback only) twice, once to sign it. Sending a part
// number again replaces that part. It returns the part's ETag, quoted, for
// CompleteMultipart. An upload encrypted with a customer key (started by
// CreateMultipart, or named by ResumeEncrypted) sends each part with it.
// Safe for concurrent use, one call per part.
func (c *Client) UploadPart(ctx context.Context, bucket, key, uploadID string, number int32, body io.ReadSeeker, size int64, md5sum []byte) (etag string, err error) {
	op := "upload part " + strconv.Itoa(int(number))
	switch {
	case number < 1 || number > MaxPartCount:
		return "", fmt.Errorf("%s %s/%s: part numbers run from 1 to %d", op, bucket, key, MaxPartCount)
	case size < 0 || size > MaxPartSize:
		return "", fmt.Errorf("%s %s/%s: %d bytes is outside B2's part sizes (at most 5 GB)", op, bucket, key, size)
	case len(md5sum) != 16:
		return "", fmt.Errorf("%s %s/%s: the MD5 is %d bytes, want 16", op, bucket, key, len(md5sum))
	}
	req := &s3.UploadPartInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		UploadId:      aws.String(uploadID),
		PartNumber:    aws.Int32(number),
		Body:          body,
		ContentLength: aws.Int64(size),
		ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(md5sum)),
	}
	if k, ok := c.memo.upload(uploadID); ok {
		req.SSECustomerAlgorithm, req.SSECustomerKey, req.SSECustomerKeyMD5 = sseHeaders(k)
	}
	out, err := c.s3.UploadPart(ctx, req, c.unsignedPayload)
	if err != nil {
		return "", wrapErr(op, bucket, key, err)
	}
	return aws.ToString(out.ETag), nil
}

// unsignedPayload makes an upload over https sign its headers but not its
// body (x-amz-content-sha256: UNSIGNED-PAYLOAD), as B2 accepts: SigV4 would
// otherwise read the whole body once more for its SHA-256 before sending
// it, where Content-MD5 already lets B2 check what it receives and TLS
// protects it on the way. The SDK already chooses this for PutObject and
// UploadPart over TLS (UseDynamicPayloadSigningMiddleware); saying so here
// keeps it when the SDK changes its mind. Over plain http, which Haul allows
// only on loopback, the payload stays signed: without TLS the signature is
// what ties the body to the request, and the SDK signs it by default there.
func (c *Client) unsignedPayload(o *s3.Options) {
	if c.endpoint.Scheme != "https" {
		return
	}
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}

// ListParts returns the parts of an upload that the server holds, sorted by
// number, reading every page (1,000 parts per billable call). A resumed
// upload uses it to learn which parts are already there.
func (c *Client) ListParts(ctx context.Context, bucket, key, uploadID string) ([]Part, error) {
	return c.listParts(ctx, bucket, key, uploadID, maxPage)
}

// listParts is ListParts with pages of pageSize parts, so tests can page
// without uploading thousands of parts.
func (c *Client) listParts(ctx context.Context, bucket, key, uploadID string, pageSize int32) ([]Part, error) {
	const op = "list parts"
	var parts []Part
	marker := ""
	for {
		req := &s3.ListPartsInput{
			Bucket:   aws.String(bucket),
			Key:      aws.String(key),
			UploadId: aws.String(uploadID),
			MaxParts: aws.Int32(pageSize),
		}
		if marker != "" {
			req.PartNumberMarker = aws.String(marker)
		}
		out, err := c.s3.ListParts(ctx, req)
		if err != nil {
			return nil, wrapErr(op, bucket, key, err)
		}
		for _, p := range out.Parts {
			parts = append(parts, Part{
				Number: aws.ToInt32(p.PartNumber),
				ETag:   aws.ToString(p.ETag),
				Size:   aws.ToInt64(p.Size),
			})
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		next := aws.ToString(out.NextPartNumberMarker)
		if next == "" && len(out.Parts) > 0 {
			next = strconv.Itoa(int(aws.ToInt32(out.Parts[len(out.Parts)-1].PartNumber)))
		}
		if next == "" || next == marker {
			return nil, &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrServer,
				Message: "the server said there are more parts but gave no new position to list from"}
		}
		marker = next
	}
	slices.SortFunc(parts, func(a, b Part) int { return cmp.Compare(a.Number, b.Number) })
	return parts, nil
}

// CompleteMultipart joins the given parts, in part-number order (they are
// sorted here if they are not), into the final object and returns it: Key,
// ETag as the server sent it (S3 and versitygw send "<hex>-<number of
// parts>"; it is not the MD5 of the file),
// Size as the sum of the parts' sizes and Modified as now. The parts must
// be the ones uploaded, with their ETags; every part but the last must be
// at least MinPartSize bytes.
func (c *Client) CompleteMultipart(ctx context.Context, bucket, key, uploadID string, parts []Part) (Object, error) {
	const op = "complete upload"
	if len(parts) == 0 {
		return Object{}, fmt.Errorf("%s %s/%s: no parts to complete", op, bucket, key)
	}
	sorted := slices.SortedFunc(slices.Values(parts), func(a, b Part) int { return cmp.Compare(a.Number, b.Number) })
	completed := make([]types.CompletedPart, len(sorted))
	var size int64
	for i, p := range sorted {
		completed[i] = types.CompletedPart{PartNumber: aws.Int32(p.Number), ETag: aws.String(p.ETag)}
		size += p.Size
	}
	out, err := c.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(bucket),
		Key:             aws.String(key),
		UploadId:        aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	})
	if err != nil {
		return Object{}, wrapErr(op, bucket, key, err)
	}
	c.memo.forgetUpload(uploadID)
	return Object{Key: key, ETag: aws.ToString(out.ETag), Size: size, Modified: time.Now()}, nil
}

// AbortMultipart discards an upload and its parts, which ends their
// billing. An upload that is already gone (NoSuchUpload) is not an error,
// so an abort can be retried safely.
func (c *Client) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	_, err := c.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket:   aws.String(bucket),
		Key:      aws.String(key),
		UploadId: aws.String(uploadID),
	})
	if err == nil {
		c.memo.forgetUpload(uploadID)
		return nil
	}
	err = wrapErr("abort upload", bucket, key, err)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// MultipartUploads lists the unfinished uploads of a bucket whose keys
// start with prefix ("" for all), oldest first, reading every page (1,000
// uploads per billable call). B2 bills their parts until they are aborted,
// and lifecycle rules cannot clean them up through the S3 API, so Haul
// shows them and offers AbortMultipart.
func (c *Client) MultipartUploads(ctx context.Context, bucket, prefix string) ([]MultipartUpload, error) {
	return c.multipartUploads(ctx, bucket, prefix, maxPage)
}

// multipartUploads is MultipartUploads with pages of pageSize uploads.
func (c *Client) multipartUploads(ctx context.Context, bucket, prefix string, pageSize int32) ([]MultipartUpload, error) {
	const op = "list unfinished uploads"
	var ups []MultipartUpload
	var keyMarker, idMarker string
	for {
		req := &s3.ListMultipartUploadsInput{
			Bucket:       aws.String(bucket),
			MaxUploads:   aws.Int32(pageSize),
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
			return nil, wrapErr(op, bucket, prefix, err)
		}
		if err := decodeUploadsList(out, op, bucket, prefix); err != nil {
			return nil, err
		}
		for _, u := range out.Uploads {
			ups = append(ups, MultipartUpload{
				Key:       aws.ToString(u.Key),
				UploadID:  aws.ToString(u.UploadId),
				Initiated: aws.ToTime(u.Initiated),
			})
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		nextKey, nextID := aws.ToString(out.NextKeyMarker), aws.ToString(out.NextUploadIdMarker)
		if nextKey == "" && len(out.Uploads) > 0 {
			last := out.Uploads[len(out.Uploads)-1]
			nextKey, nextID = aws.ToString(last.Key), aws.ToString(last.UploadId)
		}
		if nextKey == "" || (nextKey == keyMarker && nextID == idMarker) {
			return nil, &Error{Op: op, Bucket: bucket, Key: prefix, Kind: ErrServer,
				Message: "the server said there are more uploads but gave no new position to list from"}
		}
		keyMarker, idMarker = nextKey, nextID
	}
	slices.SortStableFunc(ups, func(a, b MultipartUpload) int {
		return cmp.Or(a.Initiated.Compare(b.Initiated), strings.Compare(a.Key, b.Key), strings.Compare(a.UploadID, b.UploadID))
	})
	return ups, nil
}
