package transfer

import (
	"context"
	"io"
	"sync"

	"github.com/haul-app/haul/store"
)

// budgeted is the queue's Remote: every call made with a context from
// withSlots holds a slot of the budget while it runs (a GetRange until its
// body is closed), so that the budget counts requests in flight. Calls
// without one pass straight through.
type budgeted struct {
	r Remote
	b *budget
}

var _ Remote = budgeted{}

// take waits for a slot when ctx asks for one and returns its release.
func (r budgeted) take(ctx context.Context) (release func(), err error) {
	prio, ok := slotPrio(ctx)
	if !ok {
		return func() {}, nil
	}
	if err := r.b.acquire(ctx, prio); err != nil {
		return nil, err
	}
	return r.b.release, nil
}

// call runs fn holding a slot.
func call[T any](r budgeted, ctx context.Context, fn func() (T, error)) (T, error) {
	release, err := r.take(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer release()
	return fn()
}

func (r budgeted) Put(ctx context.Context, in store.PutInput) (store.Object, error) {
	return call(r, ctx, func() (store.Object, error) { return r.r.Put(ctx, in) })
}

func (r budgeted) CreateMultipart(ctx context.Context, bucket, key string, o store.UploadOptions) (string, error) {
	return call(r, ctx, func() (string, error) { return r.r.CreateMultipart(ctx, bucket, key, o) })
}

func (r budgeted) UploadPart(ctx context.Context, bucket, key, uploadID string, number int32, body io.ReadSeeker, size int64, md5sum []byte) (string, error) {
	return call(r, ctx, func() (string, error) {
		return r.r.UploadPart(ctx, bucket, key, uploadID, number, body, size, md5sum)
	})
}

// ResumeEncrypted makes no request: it holds no slot.
func (r budgeted) ResumeEncrypted(bucket, key, uploadID, customerKey string) error {
	return r.r.ResumeEncrypted(bucket, key, uploadID, customerKey)
}

func (r budgeted) ListParts(ctx context.Context, bucket, key, uploadID string) ([]store.Part, error) {
	return call(r, ctx, func() ([]store.Part, error) { return r.r.ListParts(ctx, bucket, key, uploadID) })
}

func (r budgeted) CompleteMultipart(ctx context.Context, bucket, key, uploadID string, parts []store.Part) (store.Object, error) {
	return call(r, ctx, func() (store.Object, error) { return r.r.CompleteMultipart(ctx, bucket, key, uploadID, parts) })
}

func (r budgeted) AbortMultipart(ctx context.Context, bucket, key, uploadID string) error {
	_, err := call(r, ctx, func() (struct{}, error) { return struct{}{}, r.r.AbortMultipart(ctx, bucket, key, uploadID) })
	return err
}

func (r budgeted) MultipartUploads(ctx context.Context, bucket, prefix string) ([]store.MultipartUpload, error) {
	return call(r, ctx, func() ([]store.MultipartUpload, error) { return r.r.MultipartUploads(ctx, bucket, prefix) })
}

func (r budgeted) Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error) {
	return call(r, ctx, func() (store.ObjectInfo, error) { return r.r.Head(ctx, bucket, key, versionID) })
}

// Open holds its slot until the body is closed.
func (r budgeted) Open(ctx context.Context, bucket, key, versionID string, offset, length int64) (store.ObjectInfo, io.ReadCloser, error) {
	release, err := r.take(ctx)
	if err != nil {
		return store.ObjectInfo{}, nil, err
	}
	info, body, err := r.r.Open(ctx, bucket, key, versionID, offset, length)
	if err != nil {
		release()
		return store.ObjectInfo{}, nil, err
	}
	return info, &slotBody{ReadCloser: body, release: sync.OnceFunc(release)}, nil
}

func (r budgeted) Copy(ctx context.Context, bucket, srcKey, dstKey string, o store.CopyOptions) (store.Object, error) {
	return call(r, ctx, func() (store.Object, error) { return r.r.Copy(ctx, bucket, srcKey, dstKey, o) })
}

func (r budgeted) StartCopy(ctx context.Context, bucket, dstKey string, src store.ObjectInfo) (string, error) {
	return call(r, ctx, func() (string, error) { return r.r.StartCopy(ctx, bucket, dstKey, src) })
}

func (r budgeted) CopyPart(ctx context.Context, bucket, dstKey, uploadID string, number int32, srcKey, srcVersionID string, first, length int64) (store.Part, error) {
	return call(r, ctx, func() (store.Part, error) {
		return r.r.CopyPart(ctx, bucket, dstKey, uploadID, number, srcKey, srcVersionID, first, length)
	})
}

func (r budgeted) Delete(ctx context.Context, bucket, key string) error {
	_, err := call(r, ctx, func() (struct{}, error) { return struct{}{}, r.r.Delete(ctx, bucket, key) })
	return err
}

// slotBody gives the slot of an Open back when the body is closed.
type slotBody struct {
	io.ReadCloser
	release func()
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
