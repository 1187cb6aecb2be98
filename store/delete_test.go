package store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// allVersions lists every version and delete marker under prefix with the
// SDK, each once: versitygw lists a delete marker that ends a page again
// on the next.
func allVersions(t *testing.T, c *Client, bucket, prefix string) (versions, markers []ObjectID) {
	t.Helper()
	seen := make(map[ObjectID]bool)
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	for pages := 0; ; pages++ {
		out, err := c.s3.ListObjectVersions(context.Background(), in)
		if err != nil || pages > 100 {
			t.Fatalf("list versions of %s/%s (page %d): %v", bucket, prefix, pages+1, err)
		}
		for _, v := range out.Versions {
			if id := (ObjectID{aws.ToString(v.Key), aws.ToString(v.VersionId)}); !seen[id] {
				seen[id] = true
				versions = append(versions, id)
			}
		}
		for _, m := range out.DeleteMarkers {
			if id := (ObjectID{aws.ToString(m.Key), aws.ToString(m.VersionId)}); !seen[id] {
				seen[id] = true
				markers = append(markers, id)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return versions, markers
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
}

// progressLog records the values a progress callback was called with.
type progressLog []int

func (p *progressLog) add(done int) { *p = append(*p, done) }

// checkDeleteWire checks that every DeleteObjects request carried
// Content-MD5 and was answered 200; checkWire (newEnv) checks that none
// carried a checksum header or was refused.
func checkDeleteWire(t *testing.T, e *env) {
	t.Helper()
	for _, r := range e.proxy.Requests() {
		if r.Op == "DeleteObjects" && (r.Header.Get("Content-Md5") == "" || r.Status != http.StatusOK) {
			t.Errorf("DeleteObjects %s: status %d, Content-MD5 %q", r.Bucket, r.Status, r.Header.Get("Content-Md5"))
		}
	}
}

// TestDeleteObjectsBatches deletes 2,500 ids in three requests. A version
// that was already deleted counts as deleted, as in S3; a version ID the
// server never made is a per-object failure (versitygw: InvalidArgument,
// "Invalid version id specified").
func TestDeleteObjectsBatches(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-delbatch"
	mustCreate(t, e.c, bucket, Private)
	var keys []string
	for i := range 2498 {
		keys = append(keys, fmt.Sprintf("batch/d%d/f%04d.txt", i%7, i))
	}
	putAll(t, e.c, bucket, keys)
	gone := putVersion(t, e.c, bucket, "gone.txt", []byte("removed for good"))
	if _, err := e.c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("gone.txt"), VersionId: aws.String(gone),
	}); err != nil {
		t.Fatal(err)
	}
	ids := make([]ObjectID, 0, 2500)
	for _, k := range keys {
		ids = append(ids, ObjectID{Key: k})
	}
	ids = append(ids, ObjectID{Key: "gone.txt", VersionID: gone}, ObjectID{Key: "gone.txt", VersionID: "no-such-version"})

	e.proxy.Reset()
	var progress progressLog
	deleted, failures, err := e.c.DeleteObjects(ctx, bucket, ids, progress.add)
	if err != nil {
		t.Fatalf("DeleteObjects: %v", err)
	}
	if n := e.proxy.Count("DeleteObjects"); n != 3 {
		t.Errorf("proxy saw %d DeleteObjects requests, want 3", n)
	}
	if want := (progressLog{1000, 2000, 2500}); !slices.Equal(progress, want) {
		t.Errorf("progress = %v, want %v", progress, want)
	}
	if deleted != 2499 || len(failures) != 1 {
		t.Fatalf("DeleteObjects = %d deleted, failures %+v; want 2,499 and one failure", deleted, failures)
	}
	if f := failures[0]; f.Key != "gone.txt" || f.VersionID != "no-such-version" || f.Code != "InvalidArgument" || f.Message == "" {
		t.Errorf("failure = %+v, want gone.txt version no-such-version, InvalidArgument with a message", f)
	}
	checkDeleteWire(t, e)

	// Deleting current versions only hid them.
	if all, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "batch/", Recursive: true}); len(all) != 0 {
		t.Errorf("%d files still listed after deleting them, first %+v", len(all), all[0])
	}
	versions, markers := allVersions(t, e.c, bucket, "batch/")
	if len(versions) != 2498 || len(markers) != 2498 {
		t.Errorf("after hiding: %d versions and %d delete markers, want 2,498 of each", len(versions), len(markers))
	}

	// Nothing to delete sends nothing.
	e.proxy.Reset()
	if n, f, err := e.c.DeleteObjects(ctx, bucket, nil, progress.add); n != 0 || f != nil || err != nil {
		t.Errorf("DeleteObjects(nil) = %d, %v, %v", n, f, err)
	}
	if n := len(e.proxy.Requests()); n != 0 {
		t.Errorf("DeleteObjects(nil) sent %d requests", n)
	}

	// A canceled context stops before the next batch.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := e.c.DeleteObjects(cctx, bucket, ids[:10], nil); !errors.Is(err, ErrCanceled) {
		t.Errorf("DeleteObjects with a canceled context: %v, want ErrCanceled", err)
	}
}

// TestDeleteHides checks that Delete adds a delete marker and keeps the
// versions.
func TestDeleteHides(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-delete", "docs/report.txt"
	mustCreate(t, e.c, bucket, Private)
	putVersion(t, e.c, bucket, key, []byte("draft"))
	putVersion(t, e.c, bucket, key, []byte("final"))
	if err := e.c.Delete(ctx, bucket, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if all, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "docs/"}); len(all) != 0 {
		t.Errorf("List after Delete = %+v, want nothing", all)
	}
	if _, err := e.c.Head(ctx, bucket, key, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Head after Delete: %v, want ErrNotFound", err)
	}
	versions, markers := allVersions(t, e.c, bucket, key)
	if len(versions) != 2 || len(markers) != 1 || markers[0].Key != key {
		t.Errorf("after Delete: versions %v, markers %v; want 2 versions and 1 marker of %s", versions, markers, key)
	}
	if n := e.proxy.Count("DeleteObject"); n != 1 {
		t.Errorf("proxy saw %d DeleteObject requests, want 1", n)
	}
	if err := e.c.Delete(ctx, bucket, ""); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Delete of no key: %v, want ErrInvalidName", err)
	}
}

// TestDeleteAllKey removes every version and marker of one key and nothing
// of the keys it is a prefix of.
func TestDeleteAllKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-deleteall", "notes.txt"
	mustCreate(t, e.c, bucket, Private)
	putVersion(t, e.c, bucket, key, []byte("one"))
	putVersion(t, e.c, bucket, key, []byte("two"))
	if err := e.c.Delete(ctx, bucket, key); err != nil {
		t.Fatal(err)
	}
	putVersion(t, e.c, bucket, key, []byte("three"))
	// versitygw keeps files as files, so "notes.txt/inside.txt" cannot
	// exist beside notes.txt there (ObjectParentIsFile); B2 allows it.
	neighbours := []string{"notes.txt.bak", "notes.txtx", "notes.txt-2"}
	putAll(t, e.c, bucket, neighbours)

	var progress progressLog
	deleted, failures, err := e.c.DeleteAll(ctx, bucket, key, false, progress.add)
	if err != nil || deleted != 4 || len(failures) != 0 {
		t.Fatalf("DeleteAll(%s) = %d, %v, %v; want 4 deleted", key, deleted, failures, err)
	}
	if !slices.Equal(progress, progressLog{4}) {
		t.Errorf("progress = %v, want [4]", progress)
	}
	versions, markers := allVersions(t, e.c, bucket, "")
	var left []string
	for _, v := range versions {
		left = append(left, v.Key)
	}
	slices.Sort(left)
	if want := slices.Sorted(slices.Values(neighbours)); !slices.Equal(left, want) || len(markers) != 0 {
		t.Errorf("left after DeleteAll: versions of %q, %d markers; want %q and none", left, len(markers), want)
	}
	checkDeleteWire(t, e)

	for _, name := range []string{"", "/"} {
		if _, _, err := e.c.DeleteAll(ctx, bucket, name, true, nil); !errors.Is(err, ErrInvalidName) {
			t.Errorf("DeleteAll(%q, folder): %v, want ErrInvalidName (the whole bucket is EmptyBucket's job)", name, err)
		}
	}
}

// TestDeleteFolderThenDeleteAll hides a folder of 1,052 files (two pages),
// then removes everything under it for good (three pages of versions),
// deleting while it lists.
func TestDeleteFolderThenDeleteAll(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-delfolder"
	mustCreate(t, e.c, bucket, Private)
	var keys []string
	for i := range 1050 {
		keys = append(keys, fmt.Sprintf("proj/d%d/s%d/f%04d.txt", i%5, i%3, i))
	}
	keys = append(keys, "proj/"+EmptyFolderMarker, "proj/empty/"+EmptyFolderMarker)
	putAll(t, e.c, bucket, keys)
	twice := keys[:3]
	putAll(t, e.c, bucket, twice)
	neighbours := []string{"proj.txt", "proj2/keep.txt", "projx"}
	putAll(t, e.c, bucket, neighbours)

	e.proxy.Reset()
	var progress progressLog
	deleted, failures, err := e.c.DeleteFolder(ctx, bucket, "proj", progress.add)
	if err != nil || deleted != len(keys) || len(failures) != 0 {
		t.Fatalf("DeleteFolder = %d, %v, %v; want %d hidden", deleted, failures, err, len(keys))
	}
	if want := (progressLog{1000, len(keys)}); !slices.Equal(progress, want) {
		t.Errorf("progress = %v, want %v", progress, want)
	}
	if n := e.proxy.Count("DeleteObjects"); n != 2 {
		t.Errorf("proxy saw %d DeleteObjects requests, want 2", n)
	}
	// versitygw keeps the folders of hidden files as directories and
	// still lists them as common prefixes; B2 would not show proj/.
	if names := rootNames(t, e.c, bucket); !slices.Equal(names, []string{"proj/", "proj2/", "proj.txt", "projx"}) &&
		!slices.Equal(names, []string{"proj2/", "proj.txt", "projx"}) {
		t.Errorf("root after DeleteFolder = %q, want proj.txt, projx and proj2/ (and proj/ on versitygw)", names)
	}
	if files, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "proj/", Recursive: true}); len(files) != 0 {
		t.Errorf("%d files under proj/ after DeleteFolder, first %+v", len(files), files[0])
	}
	if left, _, err := e.c.keysPage(ctx, bucket, "proj/", ""); err != nil || len(left) != 0 {
		t.Errorf("keys under proj/ after DeleteFolder = %q, %v; want none, placeholders included", keyNames(left), err)
	}
	versions, markers := allVersions(t, e.c, bucket, "proj/")
	if len(versions) != len(keys)+len(twice) || len(markers) != len(keys) {
		t.Errorf("after DeleteFolder: %d versions, %d markers; want %d and %d", len(versions), len(markers), len(keys)+len(twice), len(keys))
	}

	e.proxy.Reset()
	progress = nil
	total := 2*len(keys) + len(twice)
	deleted, failures, err = e.c.DeleteAll(ctx, bucket, "proj", true, progress.add)
	if err != nil || deleted != total || len(failures) != 0 {
		t.Fatalf("DeleteAll(proj, folder) = %d, %v, %v; want %d deleted", deleted, failures, err, total)
	}
	if len(progress) < 3 || progress[len(progress)-1] != total || !slices.IsSorted(progress) {
		t.Errorf("progress = %v, want at least 3 rising calls ending at %d", progress, total)
	}
	if versions, markers := allVersions(t, e.c, bucket, "proj/"); len(versions)+len(markers) != 0 {
		t.Errorf("after DeleteAll: %d versions and %d markers left under proj/", len(versions), len(markers))
	}
	if names := rootNames(t, e.c, bucket); !slices.Equal(names, []string{"proj2/", "proj.txt", "projx"}) {
		t.Errorf("root after DeleteAll = %q, want proj.txt, projx and proj2/", names)
	}
	versions, markers = allVersions(t, e.c, bucket, "")
	if len(versions) != len(neighbours) || len(markers) != 0 {
		t.Errorf("after DeleteAll: %d versions and %d markers left in the bucket, want the %d neighbours", len(versions), len(markers), len(neighbours))
	}
	for _, v := range versions {
		if !slices.Contains(neighbours, v.Key) || strings.HasPrefix(v.Key, "proj/") {
			t.Errorf("version of %s left", v.Key)
		}
	}
	checkDeleteWire(t, e)
}

// rootNames lists the keys at the root of a bucket, folders included.
func rootNames(t *testing.T, c *Client, bucket string) []string {
	t.Helper()
	root, _ := listAll(t, c, ListInput{Bucket: bucket})
	names := make([]string, len(root))
	for i, o := range root {
		names[i] = o.Key
	}
	return names
}
