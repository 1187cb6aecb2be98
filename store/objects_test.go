package store

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key  string
		want string // part of the error, "" for a valid key
	}{
		{"photo.jpg", ""},
		{"dir/sub/photo.jpg", ""},
		{"ünï cödé/日本語.txt", ""},
		{"emoji 🎞️ reel.mov", ""},
		{"a+b=c&d%20e;f,g'h\"i", ""},
		{".bzEmpty", ""},
		{strings.Repeat("a", 1024), ""},
		{strings.Repeat("é", 512), ""}, // 1,024 bytes
		{"", "empty"},
		{strings.Repeat("a", 1025), "1025 bytes"},
		{strings.Repeat("é", 513), "1026 bytes"},
		{"bad\xffutf8", "UTF-8"},
		{"tab\there", "U+0009"},
		{"new\nline", "U+000A"},
		{"nul\x00", "U+0000"},
		{"esc\x1b[0m", "U+001B"},
		{"del\x7f", "U+007F"},
		{`back\slash`, "backslash"},
		{"/leading", "starts with"},
		{"trailing/", "ends with"},
		{"double//slash", `"//"`},
		{"/", "starts with"},
	}
	for _, tt := range tests {
		err := ValidateKey(tt.key)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ValidateKey(%q) = %v, want nil", tt.key, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("ValidateKey(%q) = %v, want an error mentioning %s", tt.key, err, tt.want)
		}
	}
}

// FuzzValidateKey checks that ValidateKey never panics and only accepts keys
// that keep every rule.
func FuzzValidateKey(f *testing.F) {
	for _, seed := range []string{"a", "dir/file.txt", "ünï cödé/日本語.txt", "a//b", "/a", "a/", `a\b`,
		"a\x00b", "a\x7f", "\xff", strings.Repeat("x", 1025)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if ValidateKey(key) != nil {
			return
		}
		switch {
		case key == "", !utf8.ValidString(key), len(key) > 1024,
			strings.HasPrefix(key, "/"), strings.HasSuffix(key, "/"), strings.Contains(key, "//"),
			strings.Contains(key, `\`):
			t.Fatalf("ValidateKey accepted %q", key)
		}
		for _, r := range key {
			if r < 32 || r == 127 {
				t.Fatalf("ValidateKey accepted %q with control character %U", key, r)
			}
		}
	})
}

func TestContentTypeOf(t *testing.T) {
	tests := map[string]string{
		"a.png":           "image/png",
		"dir/b.JPG":       "image/jpeg",
		"c.json":          "application/json",
		"d.pdf":           "application/pdf",
		"no-extension":    "application/octet-stream",
		"dir.d/no-ext":    "application/octet-stream",
		"e.haulunknownxx": "application/octet-stream",
	}
	for key, want := range tests {
		if got := ContentTypeOf(key); got != want {
			t.Errorf("ContentTypeOf(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestPut uploads through the proxy and checks what was sent and stored.
func TestPut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-put"
	mustCreate(t, e.c, bucket, Private)
	body := []byte("a small picture, honestly")
	sum := md5.Sum(body)
	modified := time.Date(2024, 5, 17, 10, 30, 0, 0, time.UTC)
	e.proxy.Reset()

	obj, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: "pics/a.png", Body: bytes.NewReader(body), Modified: modified})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if obj.Key != "pics/a.png" || obj.Size != int64(len(body)) || obj.ETag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("Put = %+v, want key, size %d and ETag of the MD5", obj, len(body))
	}
	reqs := e.proxy.Requests()
	if len(reqs) != 1 || reqs[0].Op != "PutObject" {
		t.Fatalf("Put sent %d requests, want one PutObject", len(reqs))
	}
	if got, want := reqs[0].Header.Get("Content-Md5"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("Content-MD5 = %q, want %q", got, want)
	}
	if got := reqs[0].Header.Get("X-Amz-Acl"); got != "" {
		t.Errorf("Put sent x-amz-acl %q; B2 refuses object ACLs", got)
	}
	head, err := e.c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("pics/a.png")})
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if ct := aws.ToString(head.ContentType); ct != "image/png" {
		t.Errorf("stored content type %q, want image/png", ct)
	}
	if got := head.Metadata[MetaModified]; got != strconv.FormatInt(modified.UnixMilli(), 10) {
		t.Errorf("stored %s = %q, want %d", MetaModified, got, modified.UnixMilli())
	}

	// An explicit content type wins; an empty body is fine.
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: "empty.png", Body: bytes.NewReader(nil), ContentType: "text/plain"}); err != nil {
		t.Fatalf("Put empty: %v", err)
	}
	head, err = e.c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("empty.png")})
	if err != nil || aws.ToString(head.ContentType) != "text/plain" || aws.ToInt64(head.ContentLength) != 0 {
		t.Errorf("empty.png: %v, content type %q, length %d", err, aws.ToString(head.ContentType), aws.ToInt64(head.ContentLength))
	}
	if _, ok := head.Metadata[MetaModified]; ok {
		t.Errorf("Put without Modified stored %s", MetaModified)
	}

	// A body handed over part-read is uploaded from where it stands.
	r := bytes.NewReader([]byte("skip:the rest"))
	if _, err := r.Seek(5, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Put(ctx, PutInput{Bucket: bucket, Key: "offset.txt", Body: r}); err != nil {
		t.Fatalf("Put from offset 5: %v", err)
	}
	if got := download(t, e.c, bucket, "offset.txt"); string(got) != "the rest" {
		t.Errorf("Put from offset 5 stored %q, want %q", got, "the rest")
	}

	// A bad key is refused before anything is sent.
	e.proxy.Reset()
	_, err = e.c.Put(ctx, PutInput{Bucket: bucket, Key: "bad//key", Body: bytes.NewReader(body)})
	if !errors.Is(err, ErrInvalidName) {
		t.Errorf("Put(bad//key) = %v, want ErrInvalidName", err)
	}
	if n := len(e.proxy.Requests()); n != 0 {
		t.Errorf("Put(bad//key) sent %d requests", n)
	}
}
