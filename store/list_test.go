package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestListPaged pages through a folder of 2,500 files and a few subfolders,
// and through the same folder recursively.
func TestListPaged(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-paged"
	mustCreate(t, e.c, bucket, Private)
	var files []string
	for i := range 2500 {
		files = append(files, fmt.Sprintf("big/f%04d.txt", i))
	}
	nested := []string{"big/sub-a/one.txt", "big/zz-sub/x/y.txt"}
	markers := []string{"big/.bzEmpty", "big/sub-b/.bzEmpty"}
	putAll(t, e.c, bucket, slices.Concat(files, nested, markers, []string{"top.txt"}))
	e.proxy.Reset()

	all, pages := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "big/"})
	if pages != 3 {
		t.Errorf("listing 2,500 files took %d pages, want 3", pages)
	}
	if n := e.proxy.Count("ListObjectsV2"); n != 3 {
		t.Errorf("proxy saw %d ListObjectsV2 requests, want 3", n)
	}
	var gotFiles, gotFolders []string
	for _, o := range all {
		if o.IsFolder {
			gotFolders = append(gotFolders, o.Key)
			if !strings.HasSuffix(o.Key, "/") || o.Size != 0 || o.ETag != "" {
				t.Errorf("folder entry %+v: want a key ending in /, no size, no ETag", o)
			}
			continue
		}
		gotFiles = append(gotFiles, o.Key)
		if o.Size != int64(len(content(o.Key))) || o.ETag == "" || o.Modified.IsZero() {
			t.Errorf("file entry %+v: want size %d, an ETag and a time", o, len(content(o.Key)))
		}
	}
	// Every file exactly once, in the server's order.
	if !slices.Equal(gotFiles, files) {
		t.Errorf("listed %d files, want the %d put, in order (first difference near %q)",
			len(gotFiles), len(files), firstDiff(gotFiles, files))
	}
	if want := []string{"big/sub-a/", "big/sub-b/", "big/zz-sub/"}; !slices.Equal(gotFolders, want) {
		t.Errorf("folders = %q, want %q", gotFolders, want)
	}

	// Recursive: every key under the prefix, no folder entries, no
	// placeholders.
	e.proxy.Reset()
	all, pages = listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "big/", Recursive: true})
	want := slices.Sorted(slices.Values(slices.Concat(files, nested)))
	var got []string
	for _, o := range all {
		if o.IsFolder {
			t.Errorf("recursive listing has folder entry %q", o.Key)
		}
		got = append(got, o.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("recursive listing: %d keys, want %d (first difference near %q)", len(got), len(want), firstDiff(got, want))
	}
	if pages != 3 || e.proxy.Count("ListObjectsV2") != 3 {
		t.Errorf("recursive listing: %d pages, %d requests, want 3 and 3", pages, e.proxy.Count("ListObjectsV2"))
	}
	for _, r := range e.proxy.Requests() {
		if strings.Contains(r.Query, "delimiter") {
			t.Errorf("recursive listing sent a delimiter: %s", r.Query)
		}
	}

	// The root: one file and one folder.
	all, _ = listAll(t, e.c, ListInput{Bucket: bucket})
	if len(all) != 2 || all[0] != (Object{Key: "big/", IsFolder: true}) || all[1].Key != "top.txt" {
		t.Errorf("root listing = %+v, want big/ and top.txt", all)
	}

	// A folder holding only the placeholder lists as empty.
	all, _ = listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "big/sub-b/"})
	if len(all) != 0 {
		t.Errorf("folder with only %s lists %+v, want nothing", EmptyFolderMarker, all)
	}
}

// TestListPageSize checks MaxKeys: smaller pages when asked, never more than
// B2's 1,000.
func TestListPageSize(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-pagesize"
	mustCreate(t, e.c, bucket, Private)
	var keys []string
	for i := range 25 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	putAll(t, e.c, bucket, keys)

	all, pages := listAll(t, e.c, ListInput{Bucket: bucket, MaxKeys: 10})
	if pages != 3 || len(all) != 25 {
		t.Errorf("MaxKeys 10: %d entries in %d pages, want 25 in 3", len(all), pages)
	}
	e.proxy.Reset()
	if _, err := e.c.List(context.Background(), ListInput{Bucket: bucket, MaxKeys: 5000}); err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, r := range e.proxy.Requests() {
		if !strings.Contains(r.Query, "max-keys=1000") {
			t.Errorf("MaxKeys 5000 sent %q, want max-keys=1000", r.Query)
		}
	}
}

// TestListOddKeys round-trips keys with spaces, Unicode and characters that
// URLs and B2 treat specially.
func TestListOddKeys(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-oddkeys"
	mustCreate(t, e.c, bucket, Private)
	odd := []string{
		"odd/with space.txt",
		"odd/plus+sign.txt",
		"odd/per%cent.txt",
		"odd/per%20cent-encoded.txt",
		"odd/eq=and&amp.txt",
		"odd/q?mark#hash.txt",
		"odd/semi;colon,comma'quote\"!.txt",
		"odd/tilde~star*(paren).txt",
		"odd/ü/ß.txt",
		"odd/a+b c/inside.txt",
	}
	unicode := "ünï cödé/日本語.txt"
	putAll(t, e.c, bucket, append(slices.Clone(odd), unicode))

	all, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "odd/", Recursive: true})
	var got []string
	for _, o := range all {
		got = append(got, o.Key)
		if o.Size != int64(len(content(o.Key))) {
			t.Errorf("%q: size %d, want %d", o.Key, o.Size, len(content(o.Key)))
		}
	}
	if want := slices.Sorted(slices.Values(odd)); !slices.Equal(got, want) {
		t.Errorf("recursive listing of odd/ =\n%q\nwant\n%q", got, want)
	}

	// The same keys one folder at a time, prefixes with odd characters too.
	all, _ = listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "odd/"})
	var folders []string
	for _, o := range all {
		if o.IsFolder {
			folders = append(folders, o.Key)
		}
	}
	if want := []string{"odd/a+b c/", "odd/ü/"}; !slices.Equal(folders, want) {
		t.Errorf("folders of odd/ = %q, want %q", folders, want)
	}
	for prefix, want := range map[string]string{
		"odd/a+b c/": "odd/a+b c/inside.txt",
		"odd/ü/":     "odd/ü/ß.txt",
		"ünï cödé/":  unicode,
	} {
		all, _ = listAll(t, e.c, ListInput{Bucket: bucket, Prefix: prefix})
		if len(all) != 1 || all[0].Key != want || all[0].IsFolder {
			t.Errorf("List(%q) = %+v, want the one file %q", prefix, all, want)
		}
	}
	all, _ = listAll(t, e.c, ListInput{Bucket: bucket})
	if len(all) != 2 || all[0].Key != "odd/" || all[1].Key != "ünï cödé/" {
		t.Errorf("root listing = %+v, want the folders odd/ and ünï cödé/", all)
	}
}

// firstDiff returns the first element where a and b differ, for messages.
func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " vs " + b[i]
		}
	}
	if len(a) > len(b) {
		return a[len(b)]
	}
	if len(b) > len(a) {
		return b[len(a)]
	}
	return ""
}
