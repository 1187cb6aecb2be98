package transfer

import (
	"context"
	"io"

	"github.com/haul-app/haul/store"
)

// Remote is what the queue needs from B2; *store.Client is the real one.
// Implementations must be safe for concurrent use: the queue calls them from
// many goroutines at once. Errors should be *store.Error values so that the
// queue can tell a missing upload (store.ErrNotFound) from other failures.
type Remote interface {
	// Put uploads a small file in one request with Content-MD5.
	Put(ctx context.Context, in store.PutInput) (store.Object, error)
	// CreateMultipart starts a multipart upload and returns its ID.
	CreateMultipart(ctx context.Context, bucket, key string, o store.UploadOptions) (string, error)
	// UploadPart sends one part, seeking body back to retry; md5sum is raw.
	UploadPart(ctx context.Context, bucket, key, uploadID string, number int32, body io.ReadSeeker, size int64, md5sum []byte) (string, error)
	// ResumeEncrypted names the customer key of an upload started in an
	// earlier run, which every part must carry again.
	ResumeEncrypted(bucket, key, uploadID, customerKey string) error
	// ListParts returns the parts the server holds, sorted by number; a
	// missing upload is store.ErrNotFound.
	ListParts(ctx context.Context, bucket, key, uploadID string) ([]store.Part, error)
	// CompleteMultipart joins the parts into the object.
	CompleteMultipart(ctx context.Context, bucket, key, uploadID string, parts []store.Part) (store.Object, error)
	// AbortMultipart discards an upload; a missing one is not an error.
	AbortMultipart(ctx context.Context, bucket, key, uploadID string) error
	// MultipartUploads lists unfinished uploads under prefix, oldest first.
	MultipartUploads(ctx context.Context, bucket, prefix string) ([]store.MultipartUpload, error)
	// Head describes one version of an object ("" = the current one).
	Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error)
	// Open opens length bytes at offset of one version (length < 0: to the
	// end; never 0) and describes the version it reads as Head would, with
	// the whole file's size. A body broken mid-way fails with an error,
	// never io.EOF.
	Open(ctx context.Context, bucket, key, versionID string, offset, length int64) (store.ObjectInfo, io.ReadCloser, error)
	// Copy copies an object inside the bucket in one request (up to 5 GB).
	Copy(ctx context.Context, bucket, srcKey, dstKey string, o store.CopyOptions) (store.Object, error)
	// StartCopy starts the multipart upload of a large copy of src, with
	// src's content type, metadata and encryption.
	StartCopy(ctx context.Context, bucket, dstKey string, src store.ObjectInfo) (string, error)
	// CopyPart copies a byte range of a source version as one part.
	CopyPart(ctx context.Context, bucket, dstKey, uploadID string, number int32, srcKey, srcVersionID string, first, length int64) (store.Part, error)
	// Delete hides a key behind a delete marker (the end of a move).
	Delete(ctx context.Context, bucket, key string) error
}

var (
	_ Remote = (*store.Client)(nil)
	_ Lister = (*store.Client)(nil)
)

// Lister is what PlanDownload needs to see a folder or a key;
// *store.Client has it. Safe for concurrent use.
type Lister interface {
	List(ctx context.Context, in store.ListInput) (store.Page, error)
	Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error)
}
