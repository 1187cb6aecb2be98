package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// vPut uploads body under key and fails the test on error.
func vPut(t testing.TB, c *Client, bucket, key, body string) {
	t.Helper()
	if _, err := c.Put(context.Background(), PutInput{Bucket: bucket, Key: key, Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

// vHide adds a delete marker to key, as deleting without a version does.
func vHide(t testing.TB, c *Client, bucket, key string) {
	t.Helper()
	if _, err := c.s3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("DeleteObject %s: %v", key, err)
	}
}

// vListAll pages through Versions and returns every entry and folder.
func vListAll(t testing.TB, c *Client, in VersionsInput) ([]Version, []string, int) {
	t.Helper()
	var vs []Version
	var folders []string
	for pages := 1; ; pages++ {
		p, err := c.Versions(context.Background(), in)
		if err != nil {
			t.Fatalf("Versions %+v (page %d): %v", in, pages, err)
		}
		vs = append(vs, p.Versions...)
		folders = append(folders, p.Folders...)
		if p.Next == "" {
			return vs, folders, pages
		}
		if pages > 1000 {
			t.Fatalf("Versions %+v: more than 1000 pages", in)
		}
		in.Token = p.Next
	}
}

// vKeyAll pages through keyVersions with pages of size at most max.
func vKeyAll(t testing.TB, c *Client, bucket, key string, max int) ([]Version, int) {
	t.Helper()
	var vs []Version
	token := ""
	for pages := 1; ; pages++ {
		p, err := c.keyVersions(context.Background(), bucket, key, token, max)
		if err != nil {
			t.Fatalf("KeyVersions %s (page size %d, page %d): %v", key, max, pages, err)
		}
		if len(p.Versions) > max {
			t.Errorf("KeyVersions %s: page of %d entries, asked for at most %d", key, len(p.Versions), max)
		}
		vs = append(vs, p.Versions...)
		if p.Next == "" {
			return vs, pages
		}
		if pages > 1000 {
			t.Fatalf("KeyVersions %s: more than 1000 pages", key)
		}
		token = p.Next
	}
}

// vRead downloads a version ("" for the current one) and returns its bytes.
func vRead(t testing.TB, c *Client, bucket, key, versionID string) string {
	t.Helper()
	body, err := c.GetRange(context.Background(), bucket, key, versionID, 0, -1)
	if err != nil {
		t.Fatalf("GetRange %s@%s: %v", key, versionID, err)
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read %s@%s: %v", key, versionID, err)
	}
	return string(b)
}

// vDescribe writes entries as "key size latest/marker" lines for messages.
func vDescribe(vs []Version) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s %s size=%d latest=%v marker=%v at %s", v.Key, v.VersionID, v.Size, v.IsLatest, v.DeleteMarker,
			v.Modified.Format("15:04:05.000"))
	}
	return b.String()
}

// TestVersionsListing lists a key with three versions under a delete marker
// next to another key, a folder and an empty-folder placeholder.
func TestVersionsListing(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-versions"
	mustCreate(t, e.c, bucket, Private)
	for _, body := range []string{"v1", "v22", "v333"} {
		vPut(t, e.c, bucket, "doc.txt", body)
	}
	vHide(t, e.c, bucket, "doc.txt")
	vPut(t, e.c, bucket, "other.txt", "other")
	vPut(t, e.c, bucket, "sub/.bzEmpty", "")
	vPut(t, e.c, bucket, "sub/x.txt", "x")
	vPut(t, e.c, bucket, ".bzEmpty", "")

	vs, folders, _ := vListAll(t, e.c, VersionsInput{Bucket: bucket, Delimiter: true})
	t.Logf("versions:%s", vDescribe(vs))
	type row struct {
		key            string
		size           int64
		latest, marker bool
	}
	var got []row
	for _, v := range vs {
		got = append(got, row{v.Key, v.Size, v.IsLatest, v.DeleteMarker})
		if v.VersionID == "" || v.Modified.IsZero() {
			t.Errorf("entry %+v: want a version ID and a time", v)
		}
		if v.DeleteMarker != (v.ETag == "") {
			t.Errorf("entry %+v: want an ETag exactly when it is no delete marker", v)
		}
	}
	want := []row{
		{"doc.txt", 0, true, true},
		{"doc.txt", 4, false, false},
		{"doc.txt", 3, false, false},
		{"doc.txt", 2, false, false},
		{"other.txt", 5, true, false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Versions listed:%s\nwant (key size latest marker) %v", vDescribe(vs), want)
	}
	if !slices.Equal(folders, []string{"sub/"}) {
		t.Errorf("folders = %q, want [sub/]", folders)
	}
	ids := map[string]bool{}
	for _, v := range vs {
		ids[v.VersionID] = true
	}
	if len(ids) != len(vs) {
		t.Errorf("version IDs are not unique:%s", vDescribe(vs))
	}

	// Inside the folder, recursively: the placeholder stays hidden.
	vs, folders, _ = vListAll(t, e.c, VersionsInput{Bucket: bucket, Prefix: "sub/"})
	if len(vs) != 1 || vs[0].Key != "sub/x.txt" || len(folders) != 0 {
		t.Errorf("Versions of sub/: %s folders %q, want sub/x.txt only", vDescribe(vs), folders)
	}

	// A bad token is refused without a request.
	e.proxy.Reset()
	_, err := e.c.Versions(context.Background(), VersionsInput{Bucket: bucket, Token: "not a token"})
	if err == nil || e.proxy.Count("ListObjectVersions") != 0 {
		t.Errorf("Versions with a bad token: err %v after %d requests, want an error and none", err, e.proxy.Count("ListObjectVersions"))
	}
}

// TestVersionsPaged pages through a folder of many versions, delete markers
// and subfolders with small pages: every entry and folder exactly once, in
// the order of a single page.
func TestVersionsPaged(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-versions-paged"
	mustCreate(t, e.c, bucket, Private)
	for i := range 6 {
		for j := range i%3 + 1 {
			vPut(t, e.c, bucket, fmt.Sprintf("d/f%d.txt", i), strings.Repeat("x", j+1))
		}
		if i%2 == 0 {
			vHide(t, e.c, bucket, fmt.Sprintf("d/f%d.txt", i))
		}
		vPut(t, e.c, bucket, fmt.Sprintf("d/s%d/in.txt", i), "in")
	}
	for _, delim := range []bool{true, false} {
		one, oneFolders, pages := vListAll(t, e.c, VersionsInput{Bucket: bucket, Prefix: "d/", Delimiter: delim})
		if pages != 1 {
			t.Fatalf("delimiter %v: %d pages of 1,000, want 1", delim, pages)
		}
		for _, size := range []int{1, 2, 3, 5, 7} {
			vs, folders, pages := vListAll(t, e.c, VersionsInput{Bucket: bucket, Prefix: "d/", Delimiter: delim, MaxKeys: size})
			if !slices.Equal(vs, one) {
				t.Errorf("delimiter %v, pages of %d: entries%s\nwant%s", delim, size, vDescribe(vs), vDescribe(one))
			}
			if !slices.Equal(folders, oneFolders) {
				t.Errorf("delimiter %v, pages of %d: folders %q, want %q", delim, size, folders, oneFolders)
			}
			if pages < 2 {
				t.Errorf("delimiter %v, pages of %d: only %d page", delim, size, pages)
			}
		}
	}
}

// TestKeyVersionsPaged opens a key with 25 versions and a neighbour that
// shares its prefix, page by page with several page sizes.
func TestKeyVersionsPaged(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-key-versions"
	mustCreate(t, e.c, bucket, Private)
	for i := range 25 {
		vPut(t, e.c, bucket, "a.txt", fmt.Sprintf("version %02d", i))
	}
	for i := range 3 {
		vPut(t, e.c, bucket, "a.txt.bak", fmt.Sprintf("backup %d", i))
	}
	vPut(t, e.c, bucket, "a.txu", "after")

	var want []string
	all, _, _ := vListAll(t, e.c, VersionsInput{Bucket: bucket})
	for _, v := range all {
		if v.Key == "a.txt" {
			want = append(want, v.VersionID)
		}
	}
	if len(want) != 25 {
		t.Fatalf("Versions lists %d versions of a.txt, want 25:%s", len(want), vDescribe(all))
	}
	for _, size := range []int{1, 4, 7, 24, 25, 26, 1000} {
		e.proxy.Reset()
		vs, pages := vKeyAll(t, e.c, bucket, "a.txt", size)
		var got []string
		for _, v := range vs {
			if v.Key != "a.txt" {
				t.Errorf("pages of %d: entry of %s", size, v.Key)
			}
			got = append(got, v.VersionID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages of %d: %d versions, want the 25 listed by Versions in the same order:%s", size, len(got), vDescribe(vs))
		}
		// Full pages, and at most one more page to find the end. With
		// pages of one, versitygw repeats the current version on the second
		// page, which costs one more request there.
		reqs, extra := e.proxy.Count("ListObjectVersions"), 0
		if size == 1 {
			extra = 1
		}
		if most := (25+size-1)/size + 1; pages > most || reqs < pages || reqs > pages+extra {
			t.Errorf("pages of %d: %d pages, %d requests, want at most %d pages and %d more requests", size, pages, reqs, most, extra)
		}
		if len(vs) > 0 && (!vs[0].IsLatest || slices.ContainsFunc(vs[1:], func(v Version) bool { return v.IsLatest })) {
			t.Errorf("pages of %d: the first entry and only it should be the latest:%s", size, vDescribe(vs))
		}
	}
	if got := vRead(t, e.c, bucket, "a.txt", want[len(want)-1]); got != "version 00" {
		t.Errorf("the last version listed holds %q, want the first one put", got)
	}

	bak, _ := vKeyAll(t, e.c, bucket, "a.txt.bak", 2)
	if len(bak) != 3 {
		t.Errorf("KeyVersions a.txt.bak: %d versions, want 3:%s", len(bak), vDescribe(bak))
	}
	none, _ := vKeyAll(t, e.c, bucket, "a.tx", 1000)
	if len(none) != 0 {
		t.Errorf("KeyVersions of a missing key that prefixes others: %s, want nothing", vDescribe(none))
	}

	// A token of another key, or no key, is refused.
	p, err := e.c.keyVersions(context.Background(), bucket, "a.txt", "", 2)
	if err != nil || p.Next == "" {
		t.Fatalf("first page of 2: %+v, %v", p, err)
	}
	if _, err := e.c.KeyVersions(context.Background(), bucket, "a.txt.bak", p.Next); err == nil {
		t.Error("KeyVersions accepted the token of another key")
	}
	if _, err := e.c.KeyVersions(context.Background(), bucket, "", ""); !errors.Is(err, ErrInvalidName) {
		t.Errorf("KeyVersions of no key: %v, want ErrInvalidName", err)
	}
}

// TestDeleteVersion removes an old version, then the current one, then a
// delete marker, and a version that is already gone.
func TestDeleteVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-delete-version"
	mustCreate(t, e.c, bucket, Private)
	for _, body := range []string{"one", "two", "three"} {
		vPut(t, e.c, bucket, "k.txt", body)
	}
	vPut(t, e.c, bucket, "k.txt.bak", "neighbour")
	vs, _ := vKeyAll(t, e.c, bucket, "k.txt", 1000)
	if len(vs) != 3 {
		t.Fatalf("want 3 versions, got%s", vDescribe(vs))
	}
	newest, middle, oldest := vs[0], vs[1], vs[2]

	if err := e.c.DeleteVersion(ctx, bucket, "k.txt", middle.VersionID); err != nil {
		t.Fatalf("DeleteVersion of an old version: %v", err)
	}
	vs, _ = vKeyAll(t, e.c, bucket, "k.txt", 1000)
	if len(vs) != 2 || vs[0].VersionID != newest.VersionID || vs[1].VersionID != oldest.VersionID {
		t.Errorf("after deleting the middle version:%s\nwant the newest and the oldest", vDescribe(vs))
	}
	if got := vRead(t, e.c, bucket, "k.txt", ""); got != "three" {
		t.Errorf("current content %q, want three", got)
	}
	if got := vRead(t, e.c, bucket, "k.txt.bak", ""); got != "neighbour" {
		t.Errorf("neighbour content %q", got)
	}

	// Gone already: the lookup says so, and nothing is deleted.
	e.proxy.Reset()
	err := e.c.DeleteVersion(ctx, bucket, "k.txt", middle.VersionID)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteVersion of a deleted version: %v, want ErrNotFound", err)
	}
	if n := e.proxy.Count("DeleteObject"); n != 0 {
		t.Errorf("DeleteVersion of a deleted version sent %d DeleteObject requests, want 0", n)
	}
	// No version: refused before any request (it would add a marker).
	if err := e.c.DeleteVersion(ctx, bucket, "k.txt", ""); err == nil {
		t.Error("DeleteVersion without a version ID succeeded")
	}
	if n := e.proxy.Count("HeadObject") + e.proxy.Count("DeleteObject"); n != 1 {
		t.Errorf("%d requests after the empty version ID, want only the earlier HEAD", n)
	}

	// The current version: the older one becomes current.
	if err := e.c.DeleteVersion(ctx, bucket, "k.txt", newest.VersionID); err != nil {
		t.Fatalf("DeleteVersion of the current version: %v", err)
	}
	if got := vRead(t, e.c, bucket, "k.txt", ""); got != "one" {
		t.Errorf("after deleting the current version the file holds %q, want one", got)
	}
	vs, _ = vKeyAll(t, e.c, bucket, "k.txt", 1000)
	if len(vs) != 1 || !vs[0].IsLatest || vs[0].VersionID != oldest.VersionID {
		t.Errorf("after deleting the current version:%s\nwant the oldest as latest", vDescribe(vs))
	}

	// A delete marker: deleting it is an undelete.
	vHide(t, e.c, bucket, "k.txt")
	vs, _ = vKeyAll(t, e.c, bucket, "k.txt", 1000)
	if len(vs) != 2 || !vs[0].DeleteMarker {
		t.Fatalf("after hiding:%s\nwant a marker over one version", vDescribe(vs))
	}
	if err := e.c.DeleteVersion(ctx, bucket, "k.txt", vs[0].VersionID); err != nil {
		t.Fatalf("DeleteVersion of a delete marker: %v", err)
	}
	if got := vRead(t, e.c, bucket, "k.txt", ""); got != "one" {
		t.Errorf("after deleting the marker the file holds %q, want one", got)
	}

	// The last version: the key is gone; again is ErrNotFound.
	if err := e.c.DeleteVersion(ctx, bucket, "k.txt", oldest.VersionID); err != nil {
		t.Fatalf("DeleteVersion of the last version: %v", err)
	}
	if err := e.c.DeleteVersion(ctx, bucket, "k.txt", oldest.VersionID); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteVersion of a vanished key: %v, want ErrNotFound", err)
	}
	if vs, _ := vKeyAll(t, e.c, bucket, "k.txt", 1000); len(vs) != 0 {
		t.Errorf("versions left:%s", vDescribe(vs))
	}
}

// TestUndelete brings back a file hidden by two delete markers, and leaves
// alone files that are not deleted or have nothing to bring back.
func TestUndelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-undelete"
	mustCreate(t, e.c, bucket, Private)
	vPut(t, e.c, bucket, "dir/gone.txt", "first")
	vPut(t, e.c, bucket, "dir/gone.txt", "second")
	vHide(t, e.c, bucket, "dir/gone.txt")
	vHide(t, e.c, bucket, "dir/gone.txt")
	// Deleting a deleted key may or may not add a second marker (AWS does,
	// versitygw does not): count what is there.
	vs, _ := vKeyAll(t, e.c, bucket, "dir/gone.txt", 1000)
	markers := 0
	for _, v := range vs {
		if !v.DeleteMarker {
			break
		}
		markers++
	}
	if markers == 0 {
		t.Fatalf("no delete marker on top:%s", vDescribe(vs))
	}
	t.Logf("after two deletes:%s", vDescribe(vs))
	vPut(t, e.c, bucket, "dir/gone.txt.bak", "neighbour")
	if objs, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "dir/"}); len(objs) != 1 || objs[0].Key != "dir/gone.txt.bak" {
		t.Fatalf("List before undelete: %+v, want only the neighbour", objs)
	}

	n, err := e.c.Undelete(ctx, bucket, "dir/gone.txt")
	if err != nil || n != markers {
		t.Fatalf("Undelete = %d, %v; want %d, nil", n, err, markers)
	}
	objs, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "dir/"})
	if len(objs) != 2 || objs[0].Key != "dir/gone.txt" || objs[0].Size != int64(len("second")) {
		t.Errorf("List after undelete: %+v, want dir/gone.txt (6 bytes) back", objs)
	}
	if got := vRead(t, e.c, bucket, "dir/gone.txt", ""); got != "second" {
		t.Errorf("undeleted file holds %q, want second", got)
	}
	if vs, _ := vKeyAll(t, e.c, bucket, "dir/gone.txt", 1000); len(vs) != 2 || vs[0].DeleteMarker || vs[1].DeleteMarker {
		t.Errorf("versions after undelete:%s\nwant the two file versions", vDescribe(vs))
	}

	// Not deleted: nothing to do, one listing and no delete.
	e.proxy.Reset()
	if n, err := e.c.Undelete(ctx, bucket, "dir/gone.txt"); n != 0 || err != nil {
		t.Errorf("Undelete of a file that is there = %d, %v; want 0, nil", n, err)
	}
	if e.proxy.Count("DeleteObject") != 0 || e.proxy.Count("ListObjectVersions") != 1 {
		t.Errorf("Undelete of a file that is there sent %d deletes, %d listings", e.proxy.Count("DeleteObject"), e.proxy.Count("ListObjectVersions"))
	}
	if _, err := e.c.Undelete(ctx, bucket, "dir/never.txt"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Undelete of a missing file: %v, want ErrNotFound", err)
	}

	// Markers only: nothing to bring back, and the markers stay.
	vPut(t, e.c, bucket, "lost.txt", "x")
	vHide(t, e.c, bucket, "lost.txt")
	vs, _ = vKeyAll(t, e.c, bucket, "lost.txt", 1000)
	if err := e.c.DeleteVersion(ctx, bucket, "lost.txt", vs[len(vs)-1].VersionID); err != nil {
		t.Fatalf("DeleteVersion: %v", err)
	}
	if _, err := e.c.Undelete(ctx, bucket, "lost.txt"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Undelete of markers only: %v, want ErrNotFound", err)
	}
	if vs, _ := vKeyAll(t, e.c, bucket, "lost.txt", 1000); len(vs) == 0 || !vs[0].DeleteMarker {
		t.Errorf("markers after a refused undelete:%s", vDescribe(vs))
	}
}

// TestMergeVersions checks the interleaving of versions and markers as the
// SDK decodes them, and the dropping of a repeated start entry.
func TestMergeVersions(t *testing.T) {
	at := func(s int) *time.Time { v := time.Date(2025, 1, 1, 0, 0, s, 0, time.UTC); return &v }
	ver := func(key, id string, s int, latest bool) types.ObjectVersion {
		return types.ObjectVersion{Key: aws.String(key), VersionId: aws.String(id), LastModified: at(s), IsLatest: aws.Bool(latest), ETag: aws.String(`"e"`), Size: aws.Int64(1)}
	}
	mark := func(key, id string, s int, latest bool) types.DeleteMarkerEntry {
		return types.DeleteMarkerEntry{Key: aws.String(key), VersionId: aws.String(id), LastModified: at(s), IsLatest: aws.Bool(latest)}
	}
	out := &s3.ListObjectVersionsOutput{
		Versions: []types.ObjectVersion{
			ver("a", "a3", 30, true), ver("a", "a1", 10, false),
			ver("b", "b2", 20, false), ver("b", "b1", 20, false),
			ver("c", "c1", 5, true),
		},
		DeleteMarkers: []types.DeleteMarkerEntry{
			mark("a", "am", 20, false),
			mark("b", "bm", 25, true), mark("b", "bm0", 20, false),
			mark("d", "dm", 1, true),
		},
	}
	ids := func(vs []Version) []string {
		var s []string
		for _, v := range vs {
			s = append(s, v.VersionID)
		}
		return s
	}
	if got, want := ids(mergeVersions(out, versionMark{}, false)), []string{"a3", "am", "a1", "bm", "bm0", "b2", "b1", "c1", "dm"}; !slices.Equal(got, want) {
		t.Errorf("merged %q, want %q", got, want)
	}
	if got, want := ids(mergeVersions(out, versionMark{Key: "a", ID: "a3"}, false)), []string{"am", "a1", "bm", "bm0", "b2", "b1", "c1", "dm"}; !slices.Equal(got, want) {
		t.Errorf("merged from a/a3: %q, want %q", got, want)
	}
}

// TestVersionToken round-trips page tokens and refuses others.
func TestVersionToken(t *testing.T) {
	for _, m := range []versionMark{{Key: "a"}, {Key: "dir/ü +%.txt", ID: "4_z1_f2"}, {Key: "k", ID: "null"}} {
		got, err := parseVersionToken(m.token())
		if err != nil || got != m {
			t.Errorf("round trip of %+v: %+v, %v", m, got, err)
		}
	}
	for _, bad := range []string{"x", "%%%", versionMark{}.token(), "eyJ9"} {
		if _, err := parseVersionToken(bad); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
}

// TestVersionULIDTime reads versitygw's version IDs and refuses look-alikes.
func TestVersionULIDTime(t *testing.T) {
	got, ok := ulidTime("01M7Z0CCS84NGZYE2TXA9X5Y7F")
	if want := time.Date(2026, 11, 21, 12, 13, 1, 608e6, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("ulidTime = %v, %v; want %v", got, ok, want)
	}
	for _, id := range []string{"", "null", "01M7Z0CCS84NGZYE2TXA9X5Y7", "01M7Z0CCS84NGZYE2TXA9X5Y7FF", "01M7Z0CCS84NGZYE2TXA9X5Y7U",
		"00000000000000000000000000", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "4_z6145af89f355ac2f74ed0c1"} {
		if got, ok := ulidTime(id); ok {
			t.Errorf("ulidTime(%q) = %v, want no time", id, got)
		}
	}
	// Only with ulidTimes does a ULID replace the listed time.
	listed := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	out := &s3.ListObjectVersionsOutput{Versions: []types.ObjectVersion{
		{Key: aws.String("k"), VersionId: aws.String("01M7Z0CCS84NGZYE2TXA9X5Y7F"), LastModified: &listed, IsLatest: aws.Bool(true)},
	}}
	if vs := mergeVersions(out, versionMark{}, false); !vs[0].Modified.Equal(listed) {
		t.Errorf("without ulidTimes: %v, want the listed time", vs[0].Modified)
	}
	if vs := mergeVersions(out, versionMark{}, true); vs[0].Modified.Year() != 2026 {
		t.Errorf("with ulidTimes: %v, want the ULID's time", vs[0].Modified)
	}
}

// TestUndeleteFolder brings back every deleted file under a folder,
// subfolders and an empty folder's placeholder included, in one
// DeleteObjects request, and leaves alone files that are not deleted and
// deleted files outside the folder.
func TestUndeleteFolder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-undelete-folder"
	mustCreate(t, e.c, bucket, Private)
	vPut(t, e.c, bucket, "trash/a.txt", "a")
	vPut(t, e.c, bucket, "trash/sub/b.txt", "b1")
	vPut(t, e.c, bucket, "trash/sub/b.txt", "b2")
	vPut(t, e.c, bucket, "trash/sub/deep/c.txt", "c")
	vPut(t, e.c, bucket, "trash/empty/"+EmptyFolderMarker, "")
	vPut(t, e.c, bucket, "trashcan.txt", "neighbour")
	for _, k := range []string{"trash/a.txt", "trash/sub/b.txt", "trash/empty/" + EmptyFolderMarker, "trashcan.txt"} {
		vHide(t, e.c, bucket, k)
	}
	e.proxy.Reset()

	var calls [][2]int
	n, failures, err := e.c.UndeleteFolder(ctx, bucket, "trash", func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil || len(failures) != 0 || n != 3 {
		t.Fatalf("UndeleteFolder = %d, %+v, %v; want 3 files back", n, failures, err)
	}
	if !slices.Equal(calls, [][2]int{{0, 3}, {3, 3}}) {
		t.Errorf("progress = %v, want (0,3) then (3,3)", calls)
	}
	if got := e.proxy.Count("DeleteObjects"); got != 1 {
		t.Errorf("%d DeleteObjects requests, want 1", got)
	}
	if got := vRead(t, e.c, bucket, "trash/sub/b.txt", ""); got != "b2" {
		t.Errorf("b.txt holds %q, want its newest version b2", got)
	}
	for _, k := range []string{"trash/a.txt", "trash/sub/deep/c.txt", "trash/empty/" + EmptyFolderMarker} {
		if _, err := e.c.Head(ctx, bucket, k, ""); err != nil {
			t.Errorf("%s after UndeleteFolder: %v", k, err)
		}
	}
	if _, err := e.c.Head(ctx, bucket, "trashcan.txt", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("trashcan.txt, outside the folder: %v, want still deleted", err)
	}
	if vs, _ := vKeyAll(t, e.c, bucket, "trash/sub/deep/c.txt", 1000); len(vs) != 1 {
		t.Errorf("c.txt, never deleted, has:%s", vDescribe(vs))
	}

	// Nothing left to undelete: no request but the listing.
	e.proxy.Reset()
	if n, _, err := e.c.UndeleteFolder(ctx, bucket, "trash/", nil); n != 0 || err != nil || e.proxy.Count("DeleteObjects") != 0 {
		t.Errorf("second UndeleteFolder = %d, %v with %d DeleteObjects; want nothing done", n, err, e.proxy.Count("DeleteObjects"))
	}
}
