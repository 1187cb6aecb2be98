package store

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEncodeKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"plain.txt", "plain.txt"},
		{"a b.txt", "a%20b.txt"},
		{"a+b.txt", "a%2Bb.txt"},
		{"dir/sub/f.txt", "dir/sub/f.txt"},
		{"dir/ü ñ.txt", "dir/%C3%BC%20%C3%B1.txt"},
		{"日本", "%E6%97%A5%E6%9C%AC"},
		{"100%.txt", "100%25.txt"},
		{"%2B", "%252B"},
		{"q?x=1", "q%3Fx%3D1"},
		{"h#1", "h%231"},
		{"~tilde-_.", "~tilde-_."},
		{"&;:,@$!*'()[]", "%26%3B%3A%2C%40%24%21%2A%27%28%29%5B%5D"},
		{`"<>\^{|}` + "`", "%22%3C%3E%5C%5E%7B%7C%7D%60"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EncodeKey(tt.key); got != tt.want {
			t.Errorf("EncodeKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// FuzzEncodeKey checks that any key survives a round trip through a URL
// path and that only unreserved characters, "/" and escapes come out.
func FuzzEncodeKey(f *testing.F) {
	for _, k := range []string{"a b+c", "dir/ü.txt", "100%", "?#", "\x00\xff", "a//b"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		enc := EncodeKey(key)
		for i := 0; i < len(enc); i++ {
			if c := enc[i]; !isUnreserved(c) && c != '/' && c != '%' {
				t.Fatalf("EncodeKey(%q) = %q holds %q", key, enc, c)
			}
		}
		dec, err := url.PathUnescape(enc)
		if err != nil || dec != key {
			t.Fatalf("EncodeKey(%q) = %q decodes to %q, %v", key, enc, dec, err)
		}
		u, err := url.Parse("https://h/b/" + enc)
		if err != nil || u.Path != "/b/"+key {
			t.Fatalf("URL of %q: path %q, %v", key, u.Path, err)
		}
	})
}

func TestPublicURLs(t *testing.T) {
	b2 := Account{
		Endpoint:    "https://s3.us-west-004.backblazeb2.com",
		Region:      "us-west-004",
		DownloadURL: "https://f004.backblazeb2.com",
	}
	tests := []struct {
		name          string
		acct          Account
		bucket, key   string
		friendly, url string
	}{
		{"b2", b2, "photos-2025", "dir/a b+c.jpg",
			"https://f004.backblazeb2.com/file/photos-2025/dir/a%20b%2Bc.jpg",
			"https://photos-2025.s3.us-west-004.backblazeb2.com/dir/a%20b%2Bc.jpg"},
		{"b2 capital bucket", b2, "Photos", "k",
			"https://f004.backblazeb2.com/file/Photos/k",
			"https://s3.us-west-004.backblazeb2.com/Photos/k"},
		{"download URL with slash", Account{Endpoint: "https://s3.eu-central-003.backblazeb2.com/", DownloadURL: "https://f003.backblazeb2.com/"},
			"bkt-123", "ü", "https://f003.backblazeb2.com/file/bkt-123/%C3%BC", "https://bkt-123.s3.eu-central-003.backblazeb2.com/%C3%BC"},
		{"b2 without download URL", Account{Endpoint: b2.Endpoint, Region: b2.Region}, "bkt-123", "x?y",
			"", "https://bkt-123.s3.us-west-004.backblazeb2.com/x%3Fy"},
		{"sandbox", Account{Endpoint: "http://127.0.0.1:7070", Region: "us-west-004", Source: SandboxSource}, "public-bucket", "a b+c.txt",
			"", "http://127.0.0.1:7070/public-bucket/a%20b%2Bc.txt"},
		{"custom", Account{Endpoint: "https://minio.example.com:9000", Region: "eu", Custom: true}, "b", "d/#1",
			"", "https://minio.example.com:9000/b/d/%231"},
		{"no endpoint", Account{DownloadURL: "https://f004.backblazeb2.com"}, "b", "k", "https://f004.backblazeb2.com/file/b/k", ""},
	}
	for _, tt := range tests {
		friendly, s3 := PublicURLs(tt.acct, tt.bucket, tt.key)
		if friendly != tt.friendly || s3 != tt.url {
			t.Errorf("%s: PublicURLs = %q, %q; want %q, %q", tt.name, friendly, s3, tt.friendly, tt.url)
		}
	}
}

func TestShareDisposition(t *testing.T) {
	tests := []struct{ name, want, parsed string }{
		{"report.pdf", `attachment; filename="report.pdf"`, "report.pdf"},
		{"my report (v2).pdf", `attachment; filename="my report (v2).pdf"`, "my report (v2).pdf"},
		{"Résumé.pdf", `attachment; filename="R_sum_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`, "Résumé.pdf"},
		{"日本.txt", `attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`, "日本.txt"},
		{`say "hi".txt`, `attachment; filename="say _hi_.txt"; filename*=UTF-8''say%20%22hi%22.txt`, `say "hi".txt`},
		{"100%.txt", `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`, "100%.txt"},
		{"dir/a\\b\r\n.txt", `attachment; filename="dir_a_b__.txt"`, "dir_a_b__.txt"},
	}
	for _, tt := range tests {
		got := attachmentDisposition(tt.name)
		if got != tt.want {
			t.Errorf("attachmentDisposition(%q) = %s, want %s", tt.name, got, tt.want)
		}
		typ, params, err := mime.ParseMediaType(got)
		if err != nil || typ != "attachment" || params["filename"] != tt.parsed {
			t.Errorf("%s parses as %q %q, %v; want filename %q", got, typ, params, err, tt.parsed)
		}
	}
}

// fetch GETs a URL anonymously and returns the status, body and headers.
func fetch(t *testing.T, hc *http.Client, link string) (int, string, http.Header) {
	t.Helper()
	resp, err := hc.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", link, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// anonClient is a plain HTTP client whose connections close with the test,
// so the server can stop.
func anonClient(t *testing.T) *http.Client {
	hc := &http.Client{Timeout: 30 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	return hc
}

// TestSharePublicURLs fetches files of a public-read bucket through the
// S3-style URL, odd names included, and sees the same URLs refused on a
// private bucket.
func TestSharePublicURLs(t *testing.T) {
	e := newEnv(t)
	const pub, priv = "haul-share-public", "haul-share-private"
	mustCreate(t, e.c, pub, PublicRead)
	mustCreate(t, e.c, priv, Private)
	keys := []string{"hello world.txt", "a+b.txt", "dir/ü ñ~.txt", "100%.txt", "q?x=1#y.txt", "plain"}
	putAll(t, e.c, pub, keys)
	putAll(t, e.c, priv, keys)
	acct := Account{Endpoint: e.proxy.URL, Region: e.srv.Region, Source: SandboxSource}
	hc := anonClient(t)
	for _, key := range keys {
		friendly, link := PublicURLs(acct, pub, key)
		if friendly != "" {
			t.Errorf("friendly URL %q without a download URL", friendly)
		}
		if status, body, _ := fetch(t, hc, link); status != http.StatusOK || body != string(content(key)) {
			t.Errorf("public %q at %s: %d %q, want 200 %q", key, link, status, body, content(key))
		}
		_, link = PublicURLs(acct, priv, key)
		if status, _, _ := fetch(t, hc, link); status != http.StatusForbidden {
			t.Errorf("private %q at %s: %d, want 403", key, link, status)
		}
	}
}

// TestPresignGet downloads through presigned links: the current version, a
// pinned old version, with a download name, altered, expired and clamped.
func TestPresignGet(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-presign"
	mustCreate(t, e.c, bucket, Private)
	const key = "reports/Q1 a+b.txt"
	vPut(t, e.c, bucket, key, "old bytes")
	old, err := e.c.Head(ctx, bucket, key, "")
	if err != nil || old.VersionID == "" {
		t.Fatalf("Head: %+v, %v", old, err)
	}
	vPut(t, e.c, bucket, key, "new bytes")
	hc := anonClient(t)

	before := time.Now()
	link, exp, clamped, err := e.c.PresignGet(ctx, bucket, key, PresignOptions{Expires: time.Hour})
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	if clamped || exp.Before(before.Add(time.Hour-2*time.Second)) || exp.After(time.Now().Add(time.Hour+time.Second)) {
		t.Errorf("expires %v (clamped %v), want an hour from now", exp, clamped)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	q := u.Query()
	if !strings.HasPrefix(link, e.proxy.URL+"/"+bucket+"/") || q.Get("X-Amz-Expires") != "3600" ||
		!strings.HasPrefix(q.Get("X-Amz-Credential"), e.srv.AccessKey+"/") || !strings.Contains(q.Get("X-Amz-Credential"), e.srv.Region) {
		t.Errorf("link %s: want the endpoint, path style, 3600 s, the key ID and region", link)
	}
	if strings.Contains(link, e.srv.SecretKey) || strings.Contains(strings.ToLower(link), "checksum") {
		t.Errorf("link %s holds the secret or a checksum parameter", link)
	}
	if status, body, _ := fetch(t, hc, link); status != http.StatusOK || body != "new bytes" {
		t.Errorf("presigned GET: %d %q, want 200 new bytes", status, body)
	}

	// Pinned to the old version: the old bytes, though the key moved on.
	pinned, _, _, err := e.c.PresignGet(ctx, bucket, key, PresignOptions{Expires: time.Hour, VersionID: old.VersionID})
	if err != nil {
		t.Fatalf("PresignGet pinned: %v", err)
	}
	if status, body, _ := fetch(t, hc, pinned); status != http.StatusOK || body != "old bytes" {
		t.Errorf("pinned presigned GET: %d %q, want 200 old bytes", status, body)
	}

	// A download name: versitygw honours response-content-disposition.
	const name = `Résumé "final" 2025.txt`
	named, _, _, err := e.c.PresignGet(ctx, bucket, key, PresignOptions{Expires: time.Minute, DownloadAs: name})
	if err != nil {
		t.Fatalf("PresignGet named: %v", err)
	}
	status, body, h := fetch(t, hc, named)
	if status != http.StatusOK || body != "new bytes" || h.Get("Content-Disposition") != attachmentDisposition(name) {
		t.Errorf("named presigned GET: %d %q, Content-Disposition %q; want 200 and %q", status, body, h.Get("Content-Disposition"), attachmentDisposition(name))
	}
	if _, params, err := mime.ParseMediaType(h.Get("Content-Disposition")); err != nil || params["filename"] != name {
		t.Errorf("Content-Disposition names %q (%v), want %q", params["filename"], err, name)
	}

	// Altered: one character of the signature, or of the key.
	sig := q.Get("X-Amz-Signature")
	flipped := "0"
	if sig[0] == '0' {
		flipped = "1"
	}
	altered := map[string]string{
		"signature": strings.Replace(link, "X-Amz-Signature="+sig, "X-Amz-Signature="+flipped+sig[1:], 1),
		"key":       strings.Replace(link, "/reports/", "/reportz/", 1),
		"version":   strings.Replace(pinned, "versionId=", "versionId=x", 1),
	}
	for what, bad := range altered {
		if bad == link || bad == pinned {
			t.Fatalf("altering the %s left the link unchanged", what)
		}
		if status, _, _ := fetch(t, hc, bad); status != http.StatusForbidden {
			t.Errorf("link with an altered %s: %d, want 403", what, status)
		}
	}

	// Expired.
	short, _, _, err := e.c.PresignGet(ctx, bucket, key, PresignOptions{Expires: time.Second})
	if err != nil {
		t.Fatalf("PresignGet 1 s: %v", err)
	}
	time.Sleep(2 * time.Second)
	if status, _, _ := fetch(t, hc, short); status != http.StatusForbidden {
		t.Errorf("expired link: %d, want 403", status)
	}

	// Ten days are clamped to seven, and the link works.
	long, exp, clamped, err := e.c.PresignGet(ctx, bucket, key, PresignOptions{Expires: 10 * 24 * time.Hour})
	if err != nil {
		t.Fatalf("PresignGet 10 days: %v", err)
	}
	lu, _ := url.Parse(long)
	if !clamped || lu.Query().Get("X-Amz-Expires") != "604800" || time.Until(exp) > MaxPresign || time.Until(exp) < MaxPresign-time.Minute {
		t.Errorf("10 days: clamped %v, X-Amz-Expires %s, expires in %v; want true, 604800, 7 days",
			clamped, lu.Query().Get("X-Amz-Expires"), time.Until(exp))
	}
	if status, body, _ := fetch(t, hc, long); status != http.StatusOK || body != "new bytes" {
		t.Errorf("7-day link: %d %q", status, body)
	}

	// Part of a second counts as a whole one; none at all is refused.
	half, _, _, err := e.c.PresignGet(ctx, bucket, key, PresignOptions{Expires: 1500 * time.Millisecond})
	if hu, _ := url.Parse(half); err != nil || hu.Query().Get("X-Amz-Expires") != "2" {
		t.Errorf("1.5 s: %s, %v; want X-Amz-Expires=2", half, err)
	}
	for _, d := range []time.Duration{0, -time.Hour} {
		if _, _, _, err := e.c.PresignGet(ctx, bucket, key, PresignOptions{Expires: d}); !errors.Is(err, ErrOther) {
			t.Errorf("Expires %v: %v, want an error", d, err)
		}
	}
}
