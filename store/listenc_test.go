package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// trickyKeys are names S3 allows that break naive listing code: a control
// character (XML can only carry it as &#x1;), '+', '%', spaces, unicode,
// and ordinary neighbours on both sides.
var trickyKeys = []string{
	"dir/a\x01b.txt", "dir/a+b.txt", "dir/a b.txt", "dir/100%.txt", "dir/%41.txt", "dir/ümlaut €.txt",
	"dir/日本語.txt", "dir/plain-1.txt", "dir/plain-2.txt", "dir/sub dir/x.txt", "dir/sub+dir/y.txt",
	"dir/z\x7fend", "aaa.txt", "zzz.txt",
}

// listingServer is a fake S3 server that answers ListObjectsV2,
// ListObjectVersions and ListMultipartUploads from a fixed set of keys, as
// AWS does: URL-encoded when asked (encoding-type=url), else with control
// characters as XML character references, which Go's decoder refuses.
type listingServer struct {
	keys    []string
	encoded atomic.Int32 // requests that asked for encoding-type=url
	plain   atomic.Int32 // requests that did not
	ignore  bool         // ignore encoding-type, as versitygw does
}

func (s *listingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	enc := q.Get("encoding-type") == "url" && !s.ignore
	if q.Get("encoding-type") == "url" {
		s.encoded.Add(1)
	} else {
		s.plain.Add(1)
	}
	bucket := strings.Trim(r.URL.Path, "/")
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	maxKeys := 1000
	if v := cmpOr(q.Get("max-keys"), q.Get("max-uploads")); v != "" {
		maxKeys, _ = strconv.Atoi(v)
	}
	var marker string
	switch {
	case q.Has("versions") || q.Has("uploads"):
		marker = q.Get("key-marker")
	case q.Get("continuation-token") != "":
		b, _ := base64.StdEncoding.DecodeString(q.Get("continuation-token"))
		marker = string(b)
	default:
		marker = q.Get("start-after")
	}
	// Entries after the marker: keys, and prefixes rolled up at the delimiter.
	var names []string
	folders := map[string]bool{}
	for _, k := range s.keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		name := k
		if i := strings.Index(k[len(prefix):], delim); delim != "" && i >= 0 {
			name = k[:len(prefix)+i+len(delim)]
			folders[name] = true
		}
		if name > marker && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	truncated := len(names) > maxKeys
	if truncated {
		names = names[:maxKeys]
	}
	field := func(tag, v string) string {
		if enc {
			v = strings.ReplaceAll(url.QueryEscape(v), "%2F", "/") // AWS keeps '/'
		}
		return "<" + tag + ">" + xmlText(v) + "</" + tag + ">"
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	root := "ListBucketResult"
	switch {
	case q.Has("versions"):
		root = "ListVersionsResult"
	case q.Has("uploads"):
		root = "ListMultipartUploadsResult"
	}
	fmt.Fprintf(&b, `<%s xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name>`, root, bucket)
	b.WriteString(field("Prefix", prefix))
	if delim != "" {
		b.WriteString(field("Delimiter", delim))
	}
	if enc {
		b.WriteString("<EncodingType>url</EncodingType>")
	}
	fmt.Fprintf(&b, "<IsTruncated>%v</IsTruncated>", truncated)
	last := ""
	if len(names) > 0 {
		last = names[len(names)-1]
	}
	switch root {
	case "ListVersionsResult":
		b.WriteString(field("KeyMarker", marker))
		if truncated {
			b.WriteString(field("NextKeyMarker", last) + "<NextVersionIdMarker>v-" + strconv.Itoa(len(last)) + "</NextVersionIdMarker>")
		}
	case "ListMultipartUploadsResult":
		b.WriteString(field("KeyMarker", marker))
		if truncated {
			b.WriteString(field("NextKeyMarker", last) + "<NextUploadIdMarker>u-" + strconv.Itoa(len(last)) + "</NextUploadIdMarker>")
		}
	default:
		fmt.Fprintf(&b, "<KeyCount>%d</KeyCount>", len(names))
		if truncated {
			b.WriteString("<NextContinuationToken>" + base64.StdEncoding.EncodeToString([]byte(last)) + "</NextContinuationToken>")
		}
	}
	for _, n := range names {
		if folders[n] {
			b.WriteString("<CommonPrefixes>" + field("Prefix", n) + "</CommonPrefixes>")
			continue
		}
		switch root {
		case "ListVersionsResult":
			b.WriteString("<Version>" + field("Key", n) + "<VersionId>v-" + strconv.Itoa(len(n)) +
				"</VersionId><IsLatest>true</IsLatest><LastModified>2024-01-02T03:04:05.000Z</LastModified>" +
				"<ETag>&quot;e&quot;</ETag><Size>3</Size></Version>")
		case "ListMultipartUploadsResult":
			b.WriteString("<Upload>" + field("Key", n) + "<UploadId>u-" + strconv.Itoa(len(n)) +
				"</UploadId><Initiated>2024-01-02T03:04:05.000Z</Initiated></Upload>")
		default:
			b.WriteString("<Contents>" + field("Key", n) +
				"<LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>&quot;e&quot;</ETag><Size>3</Size></Contents>")
		}
	}
	fmt.Fprintf(&b, "</%s>", root)
	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write([]byte(b.String()))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// xmlText escapes s as AWS does: markup characters as entities, control
// characters as character references.
func xmlText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "&#x%X;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func fakeListingClient(t *testing.T, s *listingServer) *Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{Endpoint: srv.URL, Region: "us-west-004", KeyID: "004abc", Key: "K004secret",
		MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// under returns the keys below prefix, in byte order.
func under(prefix string) []string {
	var out []string
	for _, k := range trickyKeys {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// TestListingURLEncoded lists a folder holding a key with a control
// character and other tricky names through every listing the client makes,
// in pages of 1 to 4 entries, and gets every name back exactly.
func TestListingURLEncoded(t *testing.T) {
	ctx := context.Background()
	s := &listingServer{keys: trickyKeys}
	c := fakeListingClient(t, s)
	wantFolder := []string{"dir/%41.txt", "dir/100%.txt", "dir/a\x01b.txt", "dir/a b.txt", "dir/a+b.txt",
		"dir/plain-1.txt", "dir/plain-2.txt", "dir/sub dir/", "dir/sub+dir/", "dir/z\x7fend", "dir/ümlaut €.txt", "dir/日本語.txt"}
	slices.Sort(wantFolder)

	for _, pageSize := range []int{1, 3, 1000} {
		t.Run(fmt.Sprintf("pages of %d", pageSize), func(t *testing.T) {
			objs, pages := listAll(t, c, ListInput{Bucket: "b", Prefix: "dir/", MaxKeys: pageSize})
			var got []string
			for _, o := range objs {
				got = append(got, o.Key)
			}
			slices.Sort(got) // each page lists its folders first
			if !slices.Equal(got, wantFolder) {
				t.Errorf("List = %q\nwant    %q", got, wantFolder)
			}
			if want := (len(wantFolder) + pageSize - 1) / pageSize; pages != want {
				t.Errorf("%d pages, want %d", pages, want)
			}

			var vkeys []string
			tok := ""
			for {
				vp, err := c.Versions(ctx, VersionsInput{Bucket: "b", Prefix: "dir/", Delimiter: true, MaxKeys: pageSize, Token: tok})
				if err != nil {
					t.Fatalf("Versions: %v", err)
				}
				for _, v := range vp.Versions {
					vkeys = append(vkeys, v.Key)
				}
				vkeys = append(vkeys, vp.Folders...)
				if tok = vp.Next; tok == "" {
					break
				}
			}
			slices.Sort(vkeys)
			if !slices.Equal(vkeys, wantFolder) {
				t.Errorf("Versions = %q\nwant        %q", vkeys, wantFolder)
			}

			ups, err := c.multipartUploads(ctx, "b", "dir/", int32(pageSize))
			if err != nil {
				t.Fatalf("MultipartUploads: %v", err)
			}
			var ukeys []string
			for _, u := range ups {
				ukeys = append(ukeys, u.Key)
			}
			slices.Sort(ukeys)
			if want := under("dir/"); !slices.Equal(ukeys, want) {
				t.Errorf("MultipartUploads = %q\nwant                %q", ukeys, want)
			}
		})
	}

	// Recursive listings that delete and undelete folders.
	var keys []string
	tok := ""
	for {
		page, next, err := c.keysPage(ctx, "b", "dir/", tok)
		if err != nil {
			t.Fatalf("keysPage: %v", err)
		}
		for _, o := range page {
			keys = append(keys, o.Key)
		}
		if tok = next; tok == "" {
			break
		}
	}
	if want := under("dir/"); !slices.Equal(keys, want) {
		t.Errorf("keysPage = %q\nwant       %q", keys, want)
	}
	l := c.versionLister("b", "")
	var refs []string
	for l.more() {
		page, err := l.next(ctx)
		if err != nil {
			t.Fatalf("version lister: %v", err)
		}
		for _, r := range page {
			refs = append(refs, r.Key)
		}
	}
	if want := under(""); !slices.Equal(refs, want) {
		t.Errorf("version lister = %q\nwant             %q", refs, want)
	}
	if s.plain.Load() != 0 || s.encoded.Load() == 0 {
		t.Errorf("%d listings asked for URL encoding, %d did not; want all to", s.encoded.Load(), s.plain.Load())
	}
}

// TestListingWithoutEncoding shows what the encoding saves: the same
// answer with a raw control character cannot be decoded at all.
func TestListingWithoutEncoding(t *testing.T) {
	s := &listingServer{keys: trickyKeys}
	c := fakeListingClient(t, s)
	_, err := c.s3ListPlain(context.Background(), "b", "dir/")
	if err == nil || !strings.Contains(err.Error(), "illegal character code U+0001") {
		t.Fatalf("a listing without encoding-type = %v, want the XML decoder to refuse &#x1;", err)
	}
}

// TestListingServerIgnoresEncoding checks that keys from a server that
// ignores encoding-type (and says so by leaving out EncodingType) are taken
// as they are: '%' and '+' are not decoded.
func TestListingServerIgnoresEncoding(t *testing.T) {
	keys := []string{"dir/a+b.txt", "dir/100%.txt", "dir/%41.txt", "dir/a b.txt", "dir/é.txt"}
	s := &listingServer{keys: keys, ignore: true}
	c := fakeListingClient(t, s)
	objs, _ := listAll(t, c, ListInput{Bucket: "b", Prefix: "dir/", MaxKeys: 2})
	var got []string
	for _, o := range objs {
		got = append(got, o.Key)
	}
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestURLFieldsRefusesBadEncoding(t *testing.T) {
	bad, good := "a%zz", "a%20b+c"
	d := newURLFields("url")
	p, q := &bad, &good
	d.decode(&p, &q)
	if *q != "a b c" {
		t.Errorf("decoded %q, want %q", *q, "a b c")
	}
	if err := d.err("list", "b", ""); !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "a%zz") {
		t.Errorf("err = %v, want ErrServer naming the field", err)
	}
}

// s3ListPlain is a ListObjectsV2 without encoding-type, as Haul made them
// before.
func (c *Client) s3ListPlain(ctx context.Context, bucket, prefix string) (int, error) {
	out, err := c.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		return 0, err
	}
	return len(out.Contents), nil
}

// TestListingTrickyKeysVersitygw lists names with spaces, '+', '%' and
// unicode from the real test server (which ignores encoding-type), in small
// pages, through every listing, and gets them back unchanged.
func TestListingTrickyKeysVersitygw(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-tricky-keys"
	mustCreate(t, e.c, bucket, Private)
	keys := []string{"dir/a+b.txt", "dir/a b.txt", "dir/100%.txt", "dir/%41%2B.txt", "dir/ümlaut €.txt",
		"dir/日本語.txt", "dir/sub dir/x.txt", "dir/sub+dir/y.txt", "dir/plain.txt"}
	putAll(t, e.c, bucket, keys)
	want := slices.Sorted(slices.Values(keys))

	objs, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "dir/", Recursive: true, MaxKeys: 2})
	var got []string
	for _, o := range objs {
		got = append(got, o.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("List = %q\nwant    %q", got, want)
	}
	folder, _ := listAll(t, e.c, ListInput{Bucket: bucket, Prefix: "dir/", MaxKeys: 3})
	var names []string
	for _, o := range folder {
		names = append(names, o.Key)
	}
	slices.Sort(names)
	wantFolder := []string{"dir/%41%2B.txt", "dir/100%.txt", "dir/a b.txt", "dir/a+b.txt", "dir/plain.txt",
		"dir/sub dir/", "dir/sub+dir/", "dir/ümlaut €.txt", "dir/日本語.txt"}
	if !slices.Equal(names, wantFolder) {
		t.Errorf("List of the folder = %q\nwant                  %q", names, wantFolder)
	}

	l := e.c.versionLister(bucket, "dir/")
	var refs []string
	for l.more() {
		page, err := l.next(ctx)
		if err != nil {
			t.Fatalf("version lister: %v", err)
		}
		for _, r := range page {
			refs = append(refs, r.Key)
		}
	}
	slices.Sort(refs)
	if !slices.Equal(refs, want) {
		t.Errorf("versions = %q\nwant        %q", refs, want)
	}

	for _, k := range keys[:4] {
		if _, err := e.c.CreateMultipart(ctx, bucket, k, UploadOptions{}); err != nil {
			t.Fatalf("CreateMultipart %q: %v", k, err)
		}
	}
	// One page: versitygw 1.8.0 refuses its own upload-id-marker (see
	// TestListPartsPaging); paging is covered by TestListingURLEncoded.
	ups, err := e.c.MultipartUploads(ctx, bucket, "dir/")
	if err != nil {
		t.Fatalf("MultipartUploads: %v", err)
	}
	var ukeys []string
	for _, u := range ups {
		ukeys = append(ukeys, u.Key)
	}
	slices.Sort(ukeys)
	if wantUp := slices.Sorted(slices.Values(keys[:4])); !slices.Equal(ukeys, wantUp) {
		t.Errorf("MultipartUploads = %q\nwant                %q", ukeys, wantUp)
	}
	for _, r := range e.proxy.Requests() {
		if strings.HasPrefix(r.Op, "List") && !strings.Contains(r.Query, "encoding-type=url") {
			t.Errorf("%s %s?%s did not ask for URL encoding", r.Op, r.Path, r.Query)
		}
	}
}
