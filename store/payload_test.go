package store

import (
	"context"
	"crypto/md5"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestPayloadSigning: over https an upload's body is sent as
// UNSIGNED-PAYLOAD and read once, to send it (Put reads it once more for
// its MD5); over plain http its SHA-256 is signed. A server of ours
// records what arrives, since neither versitygw nor the B2 proxy speaks TLS.
func TestPayloadSigning(t *testing.T) {
	for _, tls := range []bool{true, false} {
		var mu sync.Mutex
		seen := map[string]string{} // "put" or "part" -> x-amz-content-sha256
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			op := "put"
			if r.URL.Query().Get("partNumber") != "" {
				op = "part"
			}
			mu.Lock()
			seen[op] = r.Header.Get("X-Amz-Content-Sha256")
			mu.Unlock()
			w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		})
		var srv *httptest.Server
		if tls {
			srv = httptest.NewTLSServer(h)
		} else {
			srv = httptest.NewServer(h)
		}
		c, err := NewClient(Config{Endpoint: srv.URL, Region: "us-west-004", KeyID: "0041234567890ab0000000001", Key: "K0041234567890abcdefghijklmnopq", HTTPClient: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		data := strings.Repeat("x", 1<<20)
		sum := md5.Sum([]byte(data))
		put := &countingReader{r: strings.NewReader(data)}
		if _, err := c.Put(context.Background(), PutInput{Bucket: "b", Key: "k", Body: put}); err != nil {
			t.Fatalf("tls %v: Put: %v", tls, err)
		}
		part := &countingReader{r: strings.NewReader(data)}
		if _, err := c.UploadPart(context.Background(), "b", "k", "u", 1, part, int64(len(data)), sum[:]); err != nil {
			t.Fatalf("tls %v: UploadPart: %v", tls, err)
		}
		srv.Close()
		for op, got := range seen {
			if unsigned := got == "UNSIGNED-PAYLOAD"; unsigned != tls {
				t.Errorf("tls %v: %s sent x-amz-content-sha256 %q", tls, op, got)
			}
		}
		if tls && (put.n != 2*int64(len(data)) || part.n != int64(len(data))) {
			t.Errorf("over https Put read %d bytes and UploadPart %d of %d: want the body twice (MD5, send) and once",
				put.n, part.n, len(data))
		}
	}
}

// countingReader counts the bytes read through it and keeps Seek.
type countingReader struct {
	r *strings.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Seek(off int64, whence int) (int64, error) { return c.r.Seek(off, whence) }
