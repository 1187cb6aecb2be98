package syncer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haul-app/haul/store"
)

// fakeObject is one object of a fakeBucket.
type fakeObject struct {
	size     int64
	uploaded time.Time
	modified time.Time // src_last_modified_millis; zero for none
	etag     string
}

// fakeBucket is an in-memory Lister for tests that are not about the
// server: sorted keys, pages of pageSize, heads counted.
type fakeBucket struct {
	mu       sync.Mutex
	objects  map[string]fakeObject
	keys     []string
	pageSize int
	heads    atomic.Int64
	lists    atomic.Int64
	// beforePage, when set, runs before each page after the first.
	beforePage func(n int)
}

func newFakeBucket() *fakeBucket {
	return &fakeBucket{objects: map[string]fakeObject{}, pageSize: 1000}
}

func (b *fakeBucket) put(key string, body []byte, uploaded, modified time.Time) {
	sum := md5.Sum(body)
	b.putObject(key, fakeObject{size: int64(len(body)), uploaded: uploaded, modified: modified, etag: `"` + hex.EncodeToString(sum[:]) + `"`})
}

func (b *fakeBucket) putObject(key string, o fakeObject) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.objects[key]; !ok {
		b.keys = nil
	}
	b.objects[key] = o
}

func (b *fakeBucket) List(ctx context.Context, in store.ListInput) (store.Page, error) {
	b.mu.Lock()
	if b.keys == nil {
		for k := range b.objects {
			b.keys = append(b.keys, k)
		}
		sort.Strings(b.keys)
	}
	start := sort.SearchStrings(b.keys, in.Prefix)
	if in.Token != "" {
		start, _ = strconv.Atoi(in.Token)
	}
	var page store.Page
	i := start
	for ; i < len(b.keys) && len(page.Objects) < b.pageSize; i++ {
		k := b.keys[i]
		if !strings.HasPrefix(k, in.Prefix) {
			i = len(b.keys)
			break
		}
		o := b.objects[k]
		page.Objects = append(page.Objects, store.Object{Key: k, Size: o.size, ETag: o.etag, Modified: o.uploaded})
	}
	if i < len(b.keys) && strings.HasPrefix(b.keys[i], in.Prefix) {
		page.Next = strconv.Itoa(i)
	}
	n := b.lists.Add(1)
	hook := b.beforePage
	b.mu.Unlock()
	if hook != nil && n > 1 {
		hook(int(n))
	}
	return page, ctx.Err()
}

func (b *fakeBucket) Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error) {
	b.heads.Add(1)
	b.mu.Lock()
	o, ok := b.objects[key]
	b.mu.Unlock()
	if !ok {
		return store.ObjectInfo{}, &store.Error{Op: "stat", Key: key, Kind: store.ErrNotFound}
	}
	info := store.ObjectInfo{Object: store.Object{Key: key, Size: o.size, ETag: o.etag, Modified: o.uploaded.Truncate(time.Second)}, VersionID: "v-" + key}
	if !o.modified.IsZero() {
		info.Metadata = map[string]string{store.MetaModified: strconv.FormatInt(o.modified.UnixMilli(), 10)}
	}
	return info, ctx.Err()
}
