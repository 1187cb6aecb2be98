package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNewFolder makes a folder placeholder and refuses bad names.
func TestNewFolder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-newfolder"
	mustCreate(t, e.c, bucket, Private)
	if err := e.c.NewFolder(ctx, bucket, "docs/new folder/"); err != nil {
		t.Fatalf("NewFolder: %v", err)
	}
	if err := e.c.NewFolder(ctx, bucket, "top"); err != nil {
		t.Fatalf("NewFolder without a slash: %v", err)
	}
	parent, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "docs/"})
	if len(parent) != 1 || parent[0].Key != "docs/new folder/" || !parent[0].IsFolder {
		t.Errorf("List docs/ = %+v, want the folder docs/new folder/", parent)
	}
	if inside, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "docs/new folder/"}); len(inside) != 0 {
		t.Errorf("List of the new folder = %+v, want nothing", inside)
	}
	if root := rootNames(t, e.c, bucket); !slices.Equal(root, []string{"docs/", "top/"}) {
		t.Errorf("root = %q, want docs/ and top/", root)
	}
	info := headOf(t, e.c, bucket, "docs/new folder/"+EmptyFolderMarker)
	if info.Size != 0 {
		t.Errorf("placeholder is %d bytes, want 0", info.Size)
	}
	if n := e.proxy.Count("PutObject"); n != 2 {
		t.Errorf("proxy saw %d PutObject, want 2", n)
	}

	e.proxy.Reset()
	for _, name := range []string{"", "/", "/abs/", "a//b/", `back\slash/`, "ctl\x01/", strings.Repeat("x", 1020) + "/"} {
		if err := e.c.NewFolder(ctx, bucket, name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("NewFolder(%q): %v, want ErrInvalidName", name, err)
		}
	}
	if n := len(e.proxy.Requests()); n != 0 {
		t.Errorf("refused names sent %d requests", n)
	}
}

// TestProperties counts versions and reads the S3 URL and metadata.
func TestProperties(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, key = "haul-properties", "dir/a+b c.txt"
	mustCreate(t, e.c, bucket, Private)
	modified := time.Date(2019, 9, 9, 9, 9, 9, 0, time.UTC)
	for i := range 3 {
		if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: strings.NewReader("v" + strconv.Itoa(i)), Modified: modified}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.c.Delete(ctx, bucket, key); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: strings.NewReader("v3"), Modified: modified}); err != nil {
		t.Fatal(err)
	}
	// Longer keys that start with key are not its versions.
	putAll(t, e.c, bucket, []string{key + "x", key + ".bak"})

	p, err := e.c.Properties(ctx, bucket, key)
	if err != nil {
		t.Fatalf("Properties: %v", err)
	}
	if p.Versions != 4 {
		t.Errorf("Versions = %d, want 4 (the delete marker left out)", p.Versions)
	}
	if want := e.proxy.URL + "/" + bucket + "/dir/a%2Bb%20c.txt"; p.S3URL != want {
		t.Errorf("S3URL = %q, want %q", p.S3URL, want)
	}
	if p.Key != key || p.Size != 2 || p.VersionID == "" || p.ContentType != "text/plain; charset=utf-8" {
		t.Errorf("Properties = %+v", p)
	}
	if got, want := p.Metadata[MetaModified], strconv.FormatInt(modified.UnixMilli(), 10); got != want {
		t.Errorf("metadata %s = %q, want %q", MetaModified, got, want)
	}
	if _, err := e.c.Properties(ctx, bucket, "dir/missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Properties of a missing file: %v, want ErrNotFound", err)
	}
}

// TestS3ObjectURL checks B2's virtual-host address and its key encoding.
func TestS3ObjectURL(t *testing.T) {
	c, err := NewClient(Config{Endpoint: "https://s3.us-west-004.backblazeb2.com", Region: "us-west-004", KeyID: "k", Key: "s"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, want string }{
		{"a.txt", "https://bkt.s3.us-west-004.backblazeb2.com/a.txt"},
		{"dir/a+b c.txt", "https://bkt.s3.us-west-004.backblazeb2.com/dir/a%2Bb%20c.txt"},
		{"été/100%?#.jpg", "https://bkt.s3.us-west-004.backblazeb2.com/%C3%A9t%C3%A9/100%25%3F%23.jpg"},
	}
	for _, tt := range tests {
		if got := c.s3URL("bkt", tt.key); got != tt.want {
			t.Errorf("s3URL(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// TestPreview reads at most max bytes with one ranged GET.
func TestPreview(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-preview"
	mustCreate(t, e.c, bucket, Private)
	body := randomData(4, 100_000)
	v1 := putVersion(t, e.c, bucket, "big.bin", body)
	putVersion(t, e.c, bucket, "big.bin", []byte("overwritten"))
	putVersion(t, e.c, bucket, "small.txt", []byte("ten bytes!"))
	putVersion(t, e.c, bucket, "empty.txt", nil)

	e.proxy.Reset()
	got, err := e.c.Preview(ctx, bucket, "big.bin", v1, 1000)
	if err != nil || !bytes.Equal(got, body[:1000]) {
		t.Fatalf("Preview(1000) = %d bytes, %v; want the first 1000", len(got), err)
	}
	reqs := e.proxy.Requests()
	if len(reqs) != 1 || reqs[0].Op != "GetObject" || reqs[0].Header.Get("Range") != "bytes=0-999" {
		t.Errorf("Preview sent %d requests, first %+v; want one GetObject with Range bytes=0-999", len(reqs), reqs)
	}
	tests := []struct {
		key  string
		max  int64
		want string
	}{
		{"small.txt", 1000, "ten bytes!"},
		{"small.txt", 3, "ten"},
		{"big.bin", 1 << 20, "overwritten"},
		{"empty.txt", 1000, ""},
		{"small.txt", 0, ""},
	}
	for _, tt := range tests {
		got, err := e.c.Preview(ctx, bucket, tt.key, "", tt.max)
		if err != nil || string(got) != tt.want || got == nil {
			t.Errorf("Preview(%s, %d) = %q, %v; want %q", tt.key, tt.max, got, err, tt.want)
		}
	}
	if _, err := e.c.Preview(ctx, bucket, "missing", "", 10); !errors.Is(err, ErrNotFound) {
		t.Errorf("Preview of a missing file: %v, want ErrNotFound", err)
	}
}

// TestSearchPage streams a search through three listing pages of 2,500
// keys in nested folders.
func TestSearchPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-search"
	mustCreate(t, e.c, bucket, Private)
	planted := []string{
		"s/a/NeedleInHay.txt", "s/b/c/my-needle.jpg", "s/needle", "s/z/y/x/HAYNEEDLE.PDF", "s/d3/needles.csv",
	}
	decoys := []string{
		"s/needle-folder/plain.txt",           // only the folder matches
		"s/needle-empty/" + EmptyFolderMarker, // a placeholder in a matching folder
		"other/needle.txt",                    // outside the prefix
		"s/a/neeedle.txt", "s/a/need le.txt",
	}
	keys := slices.Concat(planted, decoys)
	for i := len(keys); i < 2500; i++ {
		keys = append(keys, fmt.Sprintf("s/d%d/e%d/hay%04d.txt", i%7, i%4, i))
	}
	putAll(t, e.c, bucket, keys)

	e.proxy.Reset()
	var found []string
	token, pages := "", 0
	for {
		matches, next, err := e.c.SearchPage(ctx, bucket, "s/", "nEEdle", token)
		if err != nil {
			t.Fatalf("SearchPage %d: %v", pages+1, err)
		}
		pages++
		for _, m := range matches {
			found = append(found, m.Key)
			if m.IsFolder || m.Size != int64(len(content(m.Key))) || m.ETag == "" {
				t.Errorf("match %+v is not the file's entry", m)
			}
		}
		if next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("more than 10 pages")
		}
		token = next
	}
	if pages != 3 || e.proxy.Count("ListObjectsV2") != 3 {
		t.Errorf("search took %d pages, %d listings; want 3", pages, e.proxy.Count("ListObjectsV2"))
	}
	slices.Sort(found)
	if want := slices.Sorted(slices.Values(planted)); !slices.Equal(found, want) {
		t.Errorf("found %q, want %q", found, want)
	}
}
