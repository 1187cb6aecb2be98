package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haul-app/haul/store/b2proxy"
)

// checkCopyWire fails the test if a copy request sent an ACL header or a
// copy source without a pinned version.
func checkCopyWire(t *testing.T, p *b2proxy.Proxy) {
	t.Helper()
	for _, r := range p.Requests() {
		if r.Op != "CopyObject" && r.Op != "UploadPartCopy" {
			continue
		}
		for name := range r.Header {
			if l := strings.ToLower(name); l == "x-amz-acl" || strings.HasPrefix(l, "x-amz-grant-") {
				t.Errorf("%s %s sent %s", r.Op, r.Path, name)
			}
		}
		if src := r.Header.Get("X-Amz-Copy-Source"); !strings.Contains(src, "?versionId=") {
			t.Errorf("%s %s copied from %q, not from a pinned version", r.Op, r.Path, src)
		}
	}
}

// headOf reads key's current version or fails the test.
func headOf(t *testing.T, c *Client, bucket, key string) ObjectInfo {
	t.Helper()
	info, err := c.Head(context.Background(), bucket, key, "")
	if err != nil {
		t.Fatalf("Head %s: %v", key, err)
	}
	return info
}

// TestCopySmall copies with CopyObject, keeping or replacing the metadata.
func TestCopySmall(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, src = "haul-copy", "src/photo 1+1.jpg"
	mustCreate(t, e.c, bucket, Private)
	modified := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	millis := strconv.FormatInt(modified.UnixMilli(), 10)
	body := randomData(1, 3000)
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: src, Body: bytes.NewReader(body), Modified: modified,
		Metadata: map[string]string{"album": "Spring"}}); err != nil {
		t.Fatal(err)
	}

	e.proxy.Reset()
	var calls [][2]int64
	obj, err := e.c.Copy(ctx, bucket, src, "dst/photo.jpg", CopyOptions{Progress: func(done, total int64) {
		calls = append(calls, [2]int64{done, total})
	}})
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if obj.Key != "dst/photo.jpg" || obj.Size != int64(len(body)) || obj.ETag == "" {
		t.Errorf("Copy = %+v", obj)
	}
	if want := [][2]int64{{3000, 3000}}; !slices.Equal(calls, want) {
		t.Errorf("progress = %v, want %v", calls, want)
	}
	info := headOf(t, e.c, bucket, "dst/photo.jpg")
	if want := map[string]string{"album": "Spring", MetaModified: millis}; info.ContentType != "image/jpeg" || !maps.Equal(info.Metadata, want) {
		t.Errorf("copy has %q, %v; want image/jpeg, %v", info.ContentType, info.Metadata, want)
	}
	if got := readRange(t, e.c, bucket, "dst/photo.jpg", "", 0, -1); !bytes.Equal(got, body) {
		t.Errorf("the copy's bytes differ")
	}
	if n := e.proxy.Count("CopyObject"); n != 1 {
		t.Errorf("proxy saw %d CopyObject, want 1", n)
	}
	for _, r := range e.proxy.Requests() {
		if r.Op == "CopyObject" && r.Header.Get("X-Amz-Metadata-Directive") == "REPLACE" {
			t.Errorf("a plain copy sent MetadataDirective REPLACE")
		}
	}

	// REPLACE: new type and metadata; the modification time stays unless
	// it is named.
	_, err = e.c.Copy(ctx, bucket, src, "dst/edited.png", CopyOptions{
		ReplaceMeta: true, ContentType: "image/png", Metadata: map[string]string{"Album": "Summer", "note": "cropped"},
	})
	if err != nil {
		t.Fatalf("Copy ReplaceMeta: %v", err)
	}
	info = headOf(t, e.c, bucket, "dst/edited.png")
	if want := map[string]string{"album": "Summer", "note": "cropped", MetaModified: millis}; info.ContentType != "image/png" || !maps.Equal(info.Metadata, want) {
		t.Errorf("REPLACE copy has %q, %v; want image/png, %v", info.ContentType, info.Metadata, want)
	}
	_, err = e.c.Copy(ctx, bucket, src, "dst/bare.jpg", CopyOptions{ReplaceMeta: true, Metadata: map[string]string{MetaModified: ""}})
	if err != nil {
		t.Fatalf("Copy ReplaceMeta without metadata: %v", err)
	}
	if info = headOf(t, e.c, bucket, "dst/bare.jpg"); info.ContentType != "image/jpeg" || len(info.Metadata) != 0 {
		t.Errorf("REPLACE copy with MetaModified \"\" has %q, %v; want image/jpeg kept and no metadata", info.ContentType, info.Metadata)
	}

	// Refused before any request.
	e.proxy.Reset()
	if _, err := e.c.Copy(ctx, bucket, src, "dst//bad.jpg", CopyOptions{}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Copy to a bad name: %v, want ErrInvalidName", err)
	}
	if n := len(e.proxy.Requests()); n != 0 {
		t.Errorf("a refused copy sent %d requests", n)
	}
	if _, err := e.c.Copy(ctx, bucket, src, "dst/x.jpg", CopyOptions{ReplaceMeta: true, Metadata: map[string]string{"a b": "x"}}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Copy with a bad metadata name: %v, want ErrInvalidName", err)
	}
	if _, err := e.c.Copy(ctx, bucket, "src/missing.jpg", "dst/x.jpg", CopyOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Copy of a missing file: %v, want ErrNotFound", err)
	}
	checkCopyWire(t, e.proxy)
}

// TestUpdateMetadata edits a file's properties in place.
func TestUpdateMetadata(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-props", "notes/list.txt"
	mustCreate(t, e.c, bucket, Private)
	modified := time.Date(2022, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: strings.NewReader("milk, eggs"), Modified: modified,
		Metadata: map[string]string{"old": "1"}}); err != nil {
		t.Fatal(err)
	}
	v1 := headOf(t, e.c, bucket, key).VersionID
	obj, err := e.c.UpdateMetadata(ctx, bucket, key, "text/markdown", map[string]string{"owner": "ana"})
	if err != nil {
		t.Fatalf("UpdateMetadata: %v", err)
	}
	if obj.Key != key || obj.Size != int64(len("milk, eggs")) {
		t.Errorf("UpdateMetadata = %+v", obj)
	}
	p, err := e.c.Properties(ctx, bucket, key)
	if err != nil {
		t.Fatalf("Properties: %v", err)
	}
	want := map[string]string{"owner": "ana", MetaModified: strconv.FormatInt(modified.UnixMilli(), 10)}
	if p.ContentType != "text/markdown" || !maps.Equal(p.Metadata, want) {
		t.Errorf("after UpdateMetadata: %q, %v; want text/markdown, %v", p.ContentType, p.Metadata, want)
	}
	// B2 makes every copy a new version; versitygw rewrites the metadata
	// of the current version when it is copied onto itself.
	if !(p.Versions == 2 && p.VersionID != v1) && !(p.Versions == 1 && p.VersionID == v1) {
		t.Errorf("after UpdateMetadata: %d versions, current %s (was %s); want a new version, or the same one alone", p.Versions, p.VersionID, v1)
	}
	if got := readRange(t, e.c, bucket, key, "", 0, -1); string(got) != "milk, eggs" {
		t.Errorf("bytes after UpdateMetadata = %q", got)
	}
	// An empty content type keeps the current one.
	if _, err := e.c.UpdateMetadata(ctx, bucket, key, "", map[string]string{"owner": "bo"}); err != nil {
		t.Fatal(err)
	}
	if info := headOf(t, e.c, bucket, key); info.ContentType != "text/markdown" || info.Metadata["owner"] != "bo" {
		t.Errorf("after UpdateMetadata with no type: %q, %v", info.ContentType, info.Metadata)
	}
	checkCopyWire(t, e.proxy)
}

// TestRestore makes an old version current again.
func TestRestore(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-restore", "report.txt"
	mustCreate(t, e.c, bucket, Private)
	first := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: strings.NewReader("first draft"), Modified: first}); err != nil {
		t.Fatal(err)
	}
	v1 := headOf(t, e.c, bucket, key).VersionID
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: strings.NewReader("second draft, worse"), Modified: first.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	before, err := e.c.Properties(ctx, bucket, key)
	if err != nil || before.Versions != 2 {
		t.Fatalf("Properties before = %d versions, %v; want 2", before.Versions, err)
	}
	var last [2]int64
	obj, err := e.c.Restore(ctx, bucket, key, v1, func(done, total int64) { last = [2]int64{done, total} })
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if obj.Size != int64(len("first draft")) || last != [2]int64{obj.Size, obj.Size} {
		t.Errorf("Restore = %+v, last progress %v", obj, last)
	}
	if got := readRange(t, e.c, bucket, key, "", 0, -1); string(got) != "first draft" {
		t.Errorf("current bytes after Restore = %q, want the first draft", got)
	}
	after, err := e.c.Properties(ctx, bucket, key)
	if err != nil || after.Versions != 3 {
		t.Errorf("Properties after = %d versions, %v; want 3", after.Versions, err)
	}
	if got, want := after.Metadata[MetaModified], strconv.FormatInt(first.UnixMilli(), 10); got != want {
		t.Errorf("restored %s = %q, want the first version's %q", MetaModified, got, want)
	}
	if _, err := e.c.Restore(ctx, bucket, key, "", nil); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Restore without a version: %v, want ErrInvalidName", err)
	}
	checkCopyWire(t, e.proxy)
}

// withCopyThreshold lowers the multipart copy threshold for one test.
func withCopyThreshold(t *testing.T, n int64) {
	old := copyThreshold
	copyThreshold = n
	t.Cleanup(func() { copyThreshold = old })
}

// TestCopyLarge copies a 12 MiB file in 5 MiB UploadPartCopy parts, keeps
// its metadata, and restores an old version of it the same way.
func TestCopyLarge(t *testing.T) {
	withCopyThreshold(t, 8<<20)
	e := newEnv(t)
	ctx := context.Background()
	const bucket, src = "haul-bigcopy", "video/clip.mp4"
	mustCreate(t, e.c, bucket, Private)
	body := randomData(2, 12<<20+12345)
	modified := time.Date(2020, 6, 7, 8, 9, 10, 0, time.UTC)
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: src, Body: bytes.NewReader(body), Modified: modified}); err != nil {
		t.Fatal(err)
	}
	v1 := headOf(t, e.c, bucket, src).VersionID

	e.proxy.Reset()
	var mu sync.Mutex
	var calls [][2]int64
	progress := func(done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, [2]int64{done, total})
	}
	obj, err := e.c.Copy(ctx, bucket, src, "video/copy.mp4", CopyOptions{PartSize: testPartSize, Progress: progress})
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	size := int64(len(body))
	if obj.Size != size || obj.Key != "video/copy.mp4" {
		t.Errorf("Copy = %+v, want %d bytes", obj, size)
	}
	if got := readRange(t, e.c, bucket, "video/copy.mp4", "", 0, -1); sha(got) != sha(body) {
		t.Errorf("SHA-256 of the copy %s, want %s", sha(got), sha(body))
	}
	if len(calls) != 3 || calls[2] != [2]int64{size, size} || !slices.IsSortedFunc(calls, func(a, b [2]int64) int { return int(a[0] - b[0]) }) {
		t.Errorf("progress = %v, want 3 rising calls ending at %d", calls, size)
	}
	counts := e.proxy.Counts()
	if counts["CreateMultipartUpload"] != 1 || counts["UploadPartCopy"] != 3 || counts["CompleteMultipartUpload"] != 1 || counts["CopyObject"] != 0 {
		t.Errorf("requests = %v, want 1 create, 3 part copies, 1 complete, no CopyObject", counts)
	}
	var ranges []string
	for _, r := range e.proxy.Requests() {
		if r.Op == "UploadPartCopy" {
			ranges = append(ranges, fmt.Sprintf("%d:%s", r.PartNumber, r.Header.Get("X-Amz-Copy-Source-Range")))
		}
	}
	slices.Sort(ranges)
	want := []string{"1:bytes=0-5242879", "2:bytes=5242880-10485759", fmt.Sprintf("3:bytes=10485760-%d", size-1)}
	if !slices.Equal(ranges, want) {
		t.Errorf("part ranges = %q, want %q", ranges, want)
	}
	info := headOf(t, e.c, bucket, "video/copy.mp4")
	if info.ContentType != "video/mp4" || info.Metadata[MetaModified] != strconv.FormatInt(modified.UnixMilli(), 10) {
		t.Errorf("large copy has %q, %v; want video/mp4 and %s kept", info.ContentType, info.Metadata, MetaModified)
	}

	// Restore the first version over a second one, in parts.
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: src, Body: strings.NewReader("tiny")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Restore(ctx, bucket, src, v1, nil); err != nil {
		t.Fatalf("Restore in parts: %v", err)
	}
	if got := readRange(t, e.c, bucket, src, "", 0, -1); sha(got) != sha(body) {
		t.Errorf("SHA-256 after Restore %s, want %s", sha(got), sha(body))
	}
	if ups, err := e.c.MultipartUploads(ctx, bucket, ""); err != nil || len(ups) != 0 {
		t.Errorf("unfinished uploads after copies: %v, %v", ups, err)
	}
	checkUploadWire(t, e.proxy)
	checkCopyWire(t, e.proxy)
}

// TestCopyLargeAborts checks that a failed part copy aborts the upload.
func TestCopyLargeAborts(t *testing.T) {
	withCopyThreshold(t, 8<<20)
	e := newEnv(t)
	ctx := context.Background()
	const bucket, src = "haul-bigabort", "big.bin"
	mustCreate(t, e.c, bucket, Private)
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: src, Body: bytes.NewReader(randomData(3, 11<<20))}); err != nil {
		t.Fatal(err)
	}
	e.proxy.Inject(b2proxy.Fault{Op: "UploadPartCopy", Kind: b2proxy.InternalError, Times: b2proxy.Forever, After: 1})
	c := e.client(t, Config{MaxAttempts: 2})
	_, err := c.Copy(ctx, bucket, src, "copy.bin", CopyOptions{PartSize: testPartSize})
	if !errors.Is(err, ErrServer) || asError(t, err).IncidentID != b2proxy.DefaultIncidentID {
		t.Fatalf("Copy with failing parts: %v, want ErrServer with the incident id", err)
	}
	if n := e.proxy.Count("AbortMultipartUpload"); n != 1 {
		t.Errorf("proxy saw %d AbortMultipartUpload, want 1", n)
	}
	e.proxy.ClearFaults()
	if ups, err := e.c.MultipartUploads(ctx, bucket, ""); err != nil || len(ups) != 0 {
		t.Errorf("unfinished uploads after a failed copy: %v, %v", ups, err)
	}
	if _, err := e.c.Head(ctx, bucket, "copy.bin", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Head of the failed copy: %v, want ErrNotFound", err)
	}
}

// TestRename moves a file and leaves the old name hidden.
func TestRename(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-rename"
	mustCreate(t, e.c, bucket, Private)
	putVersion(t, e.c, bucket, "a/old.txt", []byte("moving day"))
	obj, err := e.c.Rename(ctx, bucket, "a/old.txt", "b/new name.txt")
	if err != nil {
		t.Fatalf("Rename: %v", err)
	}
	if obj.Key != "b/new name.txt" {
		t.Errorf("Rename = %+v", obj)
	}
	if got := readRange(t, e.c, bucket, "b/new name.txt", "", 0, -1); string(got) != "moving day" {
		t.Errorf("renamed bytes = %q", got)
	}
	if _, err := e.c.Head(ctx, bucket, "a/old.txt", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Head of the old name: %v, want ErrNotFound", err)
	}
	// B2 keeps the old name as a hidden version.
	versions, markers := allVersions(t, e.c, bucket, "a/old.txt")
	if len(versions) != 1 || len(markers) != 1 {
		t.Errorf("old name keeps %d versions and %d markers, want 1 and 1", len(versions), len(markers))
	}
	if _, err := e.c.Rename(ctx, bucket, "b/new name.txt", "b/new name.txt"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Rename onto itself: %v, want ErrInvalidName", err)
	}
	checkCopyWire(t, e.proxy)
}

// TestRenameFolder moves 30 files, placeholders and nested folders
// included, reporting progress per file.
func TestRenameFolder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-renamedir"
	mustCreate(t, e.c, bucket, Private)
	var keys []string
	for i := range 29 {
		keys = append(keys, fmt.Sprintf("album/%s/img%02d.jpg", []string{"a", "b/c", "d"}[i%3], i))
	}
	keys = append(keys, "album/empty/"+EmptyFolderMarker)
	putAll(t, e.c, bucket, slices.Concat(keys, []string{"album.txt", "albums/keep.jpg"}))

	var calls [][2]int
	moved, handed, err := e.c.RenameFolder(ctx, bucket, "album", "photos/2024", FolderMoveOptions{Progress: func(done, total int) {
		calls = append(calls, [2]int{done, total})
	}})
	if err != nil || moved != 30 || handed != 0 {
		t.Fatalf("RenameFolder = %d, %d, %v; want 30 moved", moved, handed, err)
	}
	if len(calls) != 31 || calls[0] != [2]int{0, 30} || calls[30] != [2]int{30, 30} {
		t.Errorf("progress = %v, want (0,30) ... (30,30)", calls)
	}
	if left, _, err := e.c.keysPage(ctx, bucket, "album/", ""); err != nil || len(left) != 0 {
		t.Errorf("keys left under album/: %q, %v", keyNames(left), err)
	}
	got, _, err := e.c.keysPage(ctx, bucket, "photos/2024/", "")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range keys {
		want = append(want, "photos/2024/"+strings.TrimPrefix(k, "album/"))
	}
	slices.Sort(want)
	if !slices.Equal(keyNames(got), want) {
		t.Errorf("moved keys = %q, want %q", keyNames(got), want)
	}
	for _, k := range keys[:3] {
		if b := readRange(t, e.c, bucket, "photos/2024/"+strings.TrimPrefix(k, "album/"), "", 0, -1); !bytes.Equal(b, content(k)) {
			t.Errorf("moved %s holds %q", k, b)
		}
	}
	for _, k := range []string{"album.txt", "albums/keep.jpg"} {
		if _, err := e.c.Head(ctx, bucket, k, ""); err != nil {
			t.Errorf("neighbour %s: %v", k, err)
		}
	}

	// Into itself, and a failure that stops the move.
	if _, _, err := e.c.RenameFolder(ctx, bucket, "photos", "photos/2024/inner", FolderMoveOptions{}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("RenameFolder into itself: %v, want ErrInvalidName", err)
	}
	e.proxy.Inject(b2proxy.Fault{Op: "CopyObject", Kind: b2proxy.InternalError, Times: b2proxy.Forever, After: 2})
	c := e.client(t, Config{MaxAttempts: 1})
	moved, _, err = c.RenameFolder(ctx, bucket, "photos/2024", "archive", FolderMoveOptions{})
	if moved != 2 || !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "moved 2 of 30") {
		t.Errorf("RenameFolder with the third copy failing = %d, %v; want 2 and ErrServer saying so", moved, err)
	}
	e.proxy.ClearFaults()
	checkCopyWire(t, e.proxy)
}

// TestRenameFolderHandsOffLargeFiles checks that files HandOff takes (the
// large ones, for the transfer queue in Haul) are left alone, while the
// rest move.
func TestRenameFolderHandsOffLargeFiles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-renamebig"
	mustCreate(t, e.c, bucket, Private)
	putAll(t, e.c, bucket, []string{"in/small-1.txt", "in/sub/small-2.txt"})
	big := make([]byte, 2048)
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: "in/sub/big.bin", Body: bytes.NewReader(big)}); err != nil {
		t.Fatal(err)
	}
	var offered []string
	moved, handed, err := e.c.RenameFolder(ctx, bucket, "in", "out", FolderMoveOptions{HandOff: func(oldKey, newKey string, size int64) bool {
		offered = append(offered, oldKey+" -> "+newKey+" "+strconv.FormatInt(size, 10))
		return size > 1024
	}})
	if err != nil || moved != 2 || handed != 1 {
		t.Fatalf("RenameFolder = %d moved, %d handed off, %v; want 2 and 1", moved, handed, err)
	}
	if want := []string{"in/small-1.txt -> out/small-1.txt 25", "in/sub/big.bin -> out/sub/big.bin 2048", "in/sub/small-2.txt -> out/sub/small-2.txt 29"}; !slices.Equal(offered, want) {
		t.Errorf("offered %q, want %q", offered, want)
	}
	left, _, err := e.c.keysPage(ctx, bucket, "in/", "")
	if err != nil || !slices.Equal(keyNames(left), []string{"in/sub/big.bin"}) {
		t.Errorf("left under in/: %q, %v; want only the handed-off file", keyNames(left), err)
	}
}

// keyNames is the keys of objs, in order.
func keyNames(objs []Object) []string {
	names := make([]string, len(objs))
	for i, o := range objs {
		names[i] = o.Key
	}
	return names
}
