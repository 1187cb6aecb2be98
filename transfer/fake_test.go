package transfer

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/haul-app/haul/store"
)

// memRemote is an in-memory bucket for tests that need keys a real server
// cannot store (names longer than its disk allows). It serves downloads
// (Head, Open) and listings; uploads and copies fail.
type memRemote struct {
	mu   sync.Mutex
	objs map[string][]byte // key -> content, bucket ignored
	// get, when set, runs before each Open and may block or fail it.
	get func(ctx context.Context, key string, off, n int64) error
	// gets records every Open as [offset, length].
	gets [][2]int64
}

func newMemRemote() *memRemote { return &memRemote{objs: map[string][]byte{}} }

func (m *memRemote) put(key string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[key] = data
}

func (m *memRemote) requests() [][2]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][2]int64(nil), m.gets...)
}

func (m *memRemote) notFound(op, bucket, key string) error {
	return &store.Error{Op: op, Bucket: bucket, Key: key, Kind: store.ErrNotFound}
}

func (m *memRemote) Head(_ context.Context, bucket, key, _ string) (store.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.objs[key]
	if !ok {
		return store.ObjectInfo{}, m.notFound("head", bucket, key)
	}
	sum := md5.Sum(data)
	return store.ObjectInfo{
		Object:    store.Object{Key: key, Size: int64(len(data)), ETag: `"` + hex.EncodeToString(sum[:]) + `"`},
		VersionID: "v1",
	}, nil
}

func (m *memRemote) Open(ctx context.Context, bucket, key, version string, off, n int64) (store.ObjectInfo, io.ReadCloser, error) {
	m.mu.Lock()
	m.gets = append(m.gets, [2]int64{off, n})
	hook := m.get
	m.mu.Unlock()
	info, err := m.Head(ctx, bucket, key, version)
	if err != nil {
		return info, nil, m.notFound("download", bucket, key)
	}
	if hook != nil {
		if err := hook(ctx, key, off, n); err != nil {
			return store.ObjectInfo{}, nil, err
		}
	}
	m.mu.Lock()
	data := m.objs[key]
	m.mu.Unlock()
	if n < 0 {
		n = int64(len(data)) - off
	}
	return info, io.NopCloser(bytes.NewReader(data[off : off+n])), nil
}

func (m *memRemote) List(_ context.Context, in store.ListInput) (store.Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var page store.Page
	for k, data := range m.objs {
		if strings.HasPrefix(k, in.Prefix) {
			page.Objects = append(page.Objects, store.Object{Key: k, Size: int64(len(data))})
		}
	}
	sort.Slice(page.Objects, func(a, b int) bool { return page.Objects[a].Key < page.Objects[b].Key })
	return page, nil
}

var errNoUploads = errors.New("memRemote: uploads and copies are not supported")

func (m *memRemote) Put(context.Context, store.PutInput) (store.Object, error) {
	return store.Object{}, errNoUploads
}

func (m *memRemote) CreateMultipart(context.Context, string, string, store.UploadOptions) (string, error) {
	return "", errNoUploads
}

func (m *memRemote) UploadPart(context.Context, string, string, string, int32, io.ReadSeeker, int64, []byte) (string, error) {
	return "", errNoUploads
}

func (m *memRemote) ResumeEncrypted(string, string, string, string) error { return nil }

func (m *memRemote) ListParts(context.Context, string, string, string) ([]store.Part, error) {
	return nil, errNoUploads
}

func (m *memRemote) CompleteMultipart(context.Context, string, string, string, []store.Part) (store.Object, error) {
	return store.Object{}, errNoUploads
}

func (m *memRemote) AbortMultipart(context.Context, string, string, string) error {
	return errNoUploads
}

func (m *memRemote) MultipartUploads(context.Context, string, string) ([]store.MultipartUpload, error) {
	return nil, errNoUploads
}

func (m *memRemote) Copy(context.Context, string, string, string, store.CopyOptions) (store.Object, error) {
	return store.Object{}, errNoUploads
}

func (m *memRemote) StartCopy(context.Context, string, string, store.ObjectInfo) (string, error) {
	return "", errNoUploads
}

func (m *memRemote) CopyPart(context.Context, string, string, string, int32, string, string, int64, int64) (store.Part, error) {
	return store.Part{}, errNoUploads
}

func (m *memRemote) Delete(context.Context, string, string) error { return errNoUploads }

var (
	_ Remote = (*memRemote)(nil)
	_ Lister = (*memRemote)(nil)
)
