package store

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// MaxCopy is the largest object B2 copies with one CopyObject request (5
// GB); larger ones are copied in parts with UploadPartCopy.
const MaxCopy = 5_000_000_000

// copyThreshold is MaxCopy, lowered by tests to reach the multipart path
// with small objects.
var copyThreshold int64 = MaxCopy

// Part sizes and parallelism of large copies. The parts are copied inside
// B2, so size only sets the number of requests.
const (
	defaultCopyPartSize = 100_000_000
	copyParallel        = 4
)

// abortTimeout bounds the abort of a failed copy, which runs even when the
// copy's context has ended.
const abortTimeout = 30 * time.Second

// CopyOptions tune Copy. The zero value copies the current version with
// its content type and metadata.
type CopyOptions struct {
	// SrcVersionID copies that version of the source instead of the
	// current one (a restore).
	SrcVersionID string
	// ReplaceMeta stores ContentType and Metadata instead of the source's
	// (MetadataDirective REPLACE): editing a file's properties. An empty
	// ContentType keeps the source's. Metadata replaces all user metadata,
	// except that the source's src_last_modified_millis (MetaModified) is
	// kept unless Metadata has that key; entries with an empty value are
	// dropped, so MetaModified: "" removes it.
	ReplaceMeta bool
	ContentType string
	Metadata    map[string]string
	// Progress, when not nil, is called with the bytes copied so far and
	// the object's size: after each part of a large copy, one call at a
	// time, and once at the end of a small one.
	Progress func(done, total int64)
	// PartSize is the part size of large copies in bytes; 0 means 100 MB.
	// It is raised to B2's 5,000,000-byte minimum, and as far as needed to
	// stay within 10,000 parts.
	PartSize int64
}

// Copy copies srcKey to dstKey inside bucket without downloading it: a
// HeadObject to learn the source's size, type and metadata, then one
// CopyObject for objects up to MaxCopy, or for larger ones a multipart
// upload whose parts are UploadPartCopy ranges of the source (4 at a time),
// aborted if any part fails. The copy is pinned to the source version the
// HeadObject saw, so a source overwritten meanwhile is not mixed in. It
// never sends x-amz-acl: the copy takes the bucket's visibility.
//
// The source's metadata (src_last_modified_millis included), content type
// and B2-managed encryption are kept unless ReplaceMeta. A copy onto its
// own key states them explicitly (MetadataDirective REPLACE with the
// source version's values), because S3 servers such as versitygw refuse a
// plain copy of an object onto itself. UploadPartCopy carries no metadata,
// so a large copy sets it when it starts the upload. A file stored with a
// customer key (SSE-C) is read with the account's key that opens it and
// the copy is encrypted with the same key; when no key opens it the error
// matches ErrKeyMissing. Copying onto an existing key adds a version; the
// old ones stay.
func (c *Client) Copy(ctx context.Context, bucket, srcKey, dstKey string, o CopyOptions) (Object, error) {
	const op = "copy"
	if err := ValidateKey(dstKey); err != nil {
		return Object{}, &Error{Op: op, Bucket: bucket, Key: dstKey, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	src, err := c.Head(ctx, bucket, srcKey, o.SrcVersionID)
	if err != nil {
		return Object{}, err
	}
	contentType, meta := src.ContentType, src.Metadata
	if o.ReplaceMeta {
		if contentType, meta, err = replacedMeta(src, o); err != nil {
			return Object{}, &Error{Op: op, Bucket: bucket, Key: dstKey, Kind: ErrInvalidName, Message: err.Error(), Err: err}
		}
	}
	if src.Size <= copyThreshold {
		req := &s3.CopyObjectInput{
			Bucket:     aws.String(bucket),
			Key:        aws.String(dstKey),
			CopySource: aws.String(copySource(bucket, srcKey, src.VersionID)),
		}
		// A copy onto its own key must change the metadata for S3 servers
		// such as versitygw (InvalidRequest otherwise), even from another
		// version: it then states the version's own, which changes nothing.
		if o.ReplaceMeta || srcKey == dstKey {
			req.MetadataDirective = types.MetadataDirectiveReplace
			req.ContentType = aws.String(contentType)
			req.Metadata = meta
		}
		ck, err := c.namedKey(op, bucket, srcKey, src.CustomerKey)
		if err != nil {
			return Object{}, err
		}
		switch {
		case ck != nil:
			req.CopySourceSSECustomerAlgorithm, req.CopySourceSSECustomerKey, req.CopySourceSSECustomerKeyMD5 = sseHeaders(*ck)
			req.SSECustomerAlgorithm, req.SSECustomerKey, req.SSECustomerKeyMD5 = sseHeaders(*ck)
		case src.SSE == string(types.ServerSideEncryptionAes256):
			req.ServerSideEncryption = types.ServerSideEncryptionAes256
		}
		out, err := c.s3.CopyObject(ctx, req)
		if err != nil {
			return Object{}, wrapErr(op, bucket, dstKey, err)
		}
		obj := Object{Key: dstKey, Size: src.Size, Modified: time.Now()}
		if r := out.CopyObjectResult; r != nil {
			obj.ETag = aws.ToString(r.ETag)
			if r.LastModified != nil {
				obj.Modified = *r.LastModified
			}
		}
		if o.Progress != nil {
			o.Progress(src.Size, src.Size)
		}
		return obj, nil
	}
	return c.copyParts(ctx, bucket, dstKey, src, contentType, meta, o)
}

// replacedMeta is the content type and metadata a REPLACE copy stores.
func replacedMeta(src ObjectInfo, o CopyOptions) (string, map[string]string, error) {
	contentType := o.ContentType
	if contentType == "" {
		contentType = src.ContentType
	}
	merged := make(map[string]string, len(o.Metadata)+1)
	if v, ok := src.Metadata[MetaModified]; ok {
		merged[MetaModified] = v
	}
	for k, v := range o.Metadata {
		merged[strings.ToLower(k)] = v
	}
	for k, v := range merged {
		if v == "" {
			delete(merged, k)
		}
	}
	meta, err := userMetadata(merged, time.Time{})
	return contentType, meta, err
}

// CopyPartSize is the part size of a large copy of size bytes: want (0
// means 100 MB), raised to B2's 5,000,000-byte minimum and as far as needed
// to stay within 10,000 parts, and capped at B2's largest part.
func CopyPartSize(size, want int64) int64 {
	if want <= 0 {
		want = defaultCopyPartSize
	}
	return min(max(want, MinPartSize, (size+MaxPartCount-1)/MaxPartCount), MaxPartSize)
}

// StartCopy starts the multipart upload of a large copy of src onto dstKey:
// it carries the content type, metadata and B2-managed encryption that the
// copy should have (the source's unless replaced), because UploadPartCopy
// carries none. A source opened with a customer key (src.CustomerKey) makes
// a copy encrypted with the same key.
func (c *Client) StartCopy(ctx context.Context, bucket, dstKey string, src ObjectInfo) (uploadID string, err error) {
	return c.CreateMultipart(ctx, bucket, dstKey, UploadOptions{
		ContentType: src.ContentType, Metadata: src.Metadata,
		SSE:         src.CustomerKey == "" && src.SSE == string(types.ServerSideEncryptionAes256),
		CustomerKey: src.CustomerKey,
	})
}

// CopyPart copies bytes [first, first+length) of one version of srcKey as
// part number of the multipart upload uploadID of dstKey, inside B2: no
// data passes through Haul. A vanished source version is ErrNotFound. An
// upload encrypted with a customer key (StartCopy of an SSE-C source, or
// ResumeEncrypted) reads the source with that key and writes the part
// with it.
func (c *Client) CopyPart(ctx context.Context, bucket, dstKey, uploadID string, number int32, srcKey, srcVersionID string, first, length int64) (Part, error) {
	req := &s3.UploadPartCopyInput{
		Bucket:          aws.String(bucket),
		Key:             aws.String(dstKey),
		UploadId:        aws.String(uploadID),
		PartNumber:      aws.Int32(number),
		CopySource:      aws.String(copySource(bucket, srcKey, srcVersionID)),
		CopySourceRange: aws.String("bytes=" + strconv.FormatInt(first, 10) + "-" + strconv.FormatInt(first+length-1, 10)),
	}
	if k, ok := c.memo.upload(uploadID); ok {
		req.CopySourceSSECustomerAlgorithm, req.CopySourceSSECustomerKey, req.CopySourceSSECustomerKeyMD5 = sseHeaders(k)
		req.SSECustomerAlgorithm, req.SSECustomerKey, req.SSECustomerKeyMD5 = sseHeaders(k)
	}
	out, err := c.s3.UploadPartCopy(ctx, req)
	if err != nil {
		return Part{}, wrapErr("copy part "+strconv.Itoa(int(number)), bucket, dstKey, err)
	}
	etag := ""
	if out.CopyPartResult != nil {
		etag = aws.ToString(out.CopyPartResult.ETag)
	}
	return Part{Number: number, ETag: etag, Size: length}, nil
}

// copyParts copies a large object as a multipart upload of UploadPartCopy
// ranges, and aborts the upload if anything fails.
func (c *Client) copyParts(ctx context.Context, bucket, dstKey string, src ObjectInfo, contentType string, meta map[string]string, o CopyOptions) (Object, error) {
	info := src
	info.ContentType, info.Metadata = contentType, meta
	uploadID, err := c.StartCopy(ctx, bucket, dstKey, info)
	if err != nil {
		return Object{}, err
	}
	parts, err := c.copyRanges(ctx, bucket, dstKey, uploadID, src, CopyPartSize(src.Size, o.PartSize), o.Progress)
	if err == nil {
		var obj Object
		if obj, err = c.CompleteMultipart(ctx, bucket, dstKey, uploadID, parts); err == nil {
			return obj, nil
		}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	if aerr := c.AbortMultipart(actx, bucket, dstKey, uploadID); aerr != nil {
		return Object{}, fmt.Errorf("%w; and the unfinished copy could not be aborted: %w", err, aerr)
	}
	return Object{}, err
}

// copyRanges copies the parts of a large copy, copyParallel at a time, and
// returns them in number order.
func (c *Client) copyRanges(ctx context.Context, bucket, dstKey, uploadID string, src ObjectInfo, partSize int64, progress func(done, total int64)) ([]Part, error) {
	size := src.Size
	n := int((size + partSize - 1) / partSize)
	parts := make([]Part, n)
	var mu sync.Mutex // serialises progress calls and their running total
	var done int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(copyParallel)
	for i := range n {
		g.Go(func() error {
			first := int64(i) * partSize
			p, err := c.CopyPart(gctx, bucket, dstKey, uploadID, int32(i+1), src.Key, src.VersionID, first, min(partSize, size-first))
			if err != nil {
				return err
			}
			parts[i] = p
			mu.Lock()
			defer mu.Unlock()
			done += p.Size
			if progress != nil {
				progress(done, size)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return parts, nil
}

// copySource is the x-amz-copy-source value for one version of a key: the
// path URL-encoded byte by byte, as B2 expects it.
func copySource(bucket, key, versionID string) string {
	s := EncodeKey(bucket + "/" + key)
	if versionID != "" {
		s += "?versionId=" + url.QueryEscape(versionID)
	}
	return s
}

// Restore makes versionID the current version of key by copying it onto
// its own key; B2 keeps every other version, the one it replaces included.
// progress is as CopyOptions.Progress.
func (c *Client) Restore(ctx context.Context, bucket, key, versionID string, progress func(done, total int64)) (Object, error) {
	if versionID == "" {
		return Object{}, &Error{Op: "restore", Bucket: bucket, Key: key, Kind: ErrInvalidName, Message: "no version named"}
	}
	return c.Copy(ctx, bucket, key, key, CopyOptions{SrcVersionID: versionID, Progress: progress})
}

// Rename moves oldKey to newKey: a server-side Copy, then a delete marker
// on oldKey. B2 cannot rename, so the old name stays behind as a hidden
// version (still billed, restorable) until it is deleted for good with
// DeleteAll: tell the person. If newKey exists the copy becomes its newest
// version. If hiding oldKey fails, the copy exists: the returned Object
// describes it and err says the old name is still visible.
func (c *Client) Rename(ctx context.Context, bucket, oldKey, newKey string) (Object, error) {
	if oldKey == newKey {
		return Object{}, &Error{Op: "rename", Bucket: bucket, Key: oldKey, Kind: ErrInvalidName, Message: "the new name is the old one"}
	}
	obj, err := c.Copy(ctx, bucket, oldKey, newKey, CopyOptions{})
	if err != nil {
		return Object{}, err
	}
	if err := c.Delete(ctx, bucket, oldKey); err != nil {
		return obj, fmt.Errorf("renamed to %s, but the old name is still there: %w", newKey, err)
	}
	return obj, nil
}

// FolderMoveOptions tune RenameFolder.
type FolderMoveOptions struct {
	// Progress, when not nil, is called with (0, total) once the folder is
	// listed and after each file with the files moved or handed off so far.
	Progress func(done, total int)
	// HandOff, when not nil, is offered each file before it is moved.
	// Returning true means the caller moves it: Haul hands files above
	// MaxCopy (copies in parts, which take minutes) to the transfer queue.
	// RenameFolder then skips it and counts it as handed off.
	HandOff func(oldKey, newKey string, size int64) bool
}

// RenameFolder moves every key under oldPrefix (listed recursively first,
// placeholders included) to the same place under newPrefix, one file at a
// time as Rename does; trailing slashes are added when missing. The first
// failure stops the move: moved says how many files were moved before it,
// and the error names the file. Each old name stays behind as a hidden
// version, as with Rename. handedOff counts the files o.HandOff took.
func (c *Client) RenameFolder(ctx context.Context, bucket, oldPrefix, newPrefix string, o FolderMoveOptions) (moved, handedOff int, err error) {
	const op = "move folder"
	if !strings.HasSuffix(oldPrefix, "/") {
		oldPrefix += "/"
	}
	if !strings.HasSuffix(newPrefix, "/") {
		newPrefix += "/"
	}
	switch {
	case oldPrefix == "/" || newPrefix == "/":
		return 0, 0, &Error{Op: op, Bucket: bucket, Key: oldPrefix, Kind: ErrInvalidName, Message: "no folder named"}
	case strings.HasPrefix(newPrefix, oldPrefix):
		return 0, 0, &Error{Op: op, Bucket: bucket, Key: oldPrefix, Kind: ErrInvalidName,
			Message: fmt.Sprintf("cannot move a folder into itself (%s)", newPrefix)}
	}
	if err := ValidateKey(strings.TrimSuffix(newPrefix, "/")); err != nil {
		return 0, 0, &Error{Op: op, Bucket: bucket, Key: newPrefix, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	var files []Object
	token := ""
	for {
		page, next, err := c.keysPage(ctx, bucket, oldPrefix, token)
		if err != nil {
			return 0, 0, err
		}
		files = append(files, page...)
		if next == "" {
			break
		}
		token = next
	}
	if o.Progress != nil {
		o.Progress(0, len(files))
	}
	for _, f := range files {
		newKey := newPrefix + strings.TrimPrefix(f.Key, oldPrefix)
		if o.HandOff != nil && o.HandOff(f.Key, newKey, f.Size) {
			handedOff++
		} else {
			if _, err := c.Rename(ctx, bucket, f.Key, newKey); err != nil {
				return moved, handedOff, fmt.Errorf("%s %s: moved %d of %d files: %w", op, oldPrefix, moved, len(files), err)
			}
			moved++
		}
		if o.Progress != nil {
			o.Progress(moved+handedOff, len(files))
		}
	}
	return moved, handedOff, nil
}

// UpdateMetadata replaces the content type and user metadata of key by
// copying its current version onto itself (MetadataDirective REPLACE). On
// B2 that adds a version and the old one stays; versitygw rewrites the
// current version's metadata instead. contentType "" keeps the
// current one; meta follows CopyOptions.Metadata's rules, so the file's
// src_last_modified_millis survives unless meta sets it.
func (c *Client) UpdateMetadata(ctx context.Context, bucket, key, contentType string, meta map[string]string) (Object, error) {
	return c.Copy(ctx, bucket, key, key, CopyOptions{ReplaceMeta: true, ContentType: contentType, Metadata: meta})
}
