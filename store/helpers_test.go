package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store/b2proxy"
	"github.com/haul-app/haul/store/s3test"
)

// testBackoff caps the retryer's waits in tests so retries are quick; a
// Retry-After of 1 s is then waited for 200 ms.
const testBackoff = 200 * time.Millisecond

// env is a versitygw server, a B2 behaviour proxy in front of it and a
// client that talks to the proxy.
type env struct {
	srv   *s3test.Server
	proxy *b2proxy.Proxy
	c     *Client
}

// newEnv starts a fresh server and proxy. When the test ends it checks that
// nothing the client sent would have been refused by B2 (see checkWire).
func newEnv(t *testing.T) *env {
	t.Helper()
	srv := s3test.Start(t)
	p := b2proxy.New(t, srv.Endpoint)
	e := &env{srv: srv, proxy: p}
	e.c = e.client(t, Config{})
	t.Cleanup(func() {
		checkWire(t, p)
		checkNoSecret(t, p, srv.SecretKey)
	})
	return e
}

// checkNoSecret fails the test if secret left the client in any request:
// signing uses it, but it never travels.
func checkNoSecret(t *testing.T, p *b2proxy.Proxy, secret string) {
	t.Helper()
	for _, r := range p.Requests() {
		if strings.Contains(r.Path, secret) || strings.Contains(r.Query, secret) {
			t.Errorf("%s sent the secret key in its URL", r.Op)
		}
		for name, values := range r.Header {
			if strings.Contains(strings.Join(values, " "), secret) {
				t.Errorf("%s sent the secret key in header %s", r.Op, name)
			}
		}
	}
}

// client builds a client for the proxy with cfg's retry settings (and
// testBackoff when cfg leaves MaxBackoff zero).
func (e *env) client(t *testing.T, cfg Config) *Client {
	t.Helper()
	cfg.Endpoint = e.proxy.URL
	if cfg.Region == "" {
		cfg.Region = e.srv.Region
	}
	if cfg.KeyID == "" {
		cfg.KeyID = e.srv.AccessKey
	}
	if cfg.Key == "" {
		cfg.Key = e.srv.SecretKey
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = testBackoff
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// checkWire fails the test if the proxy refused anything, or saw a header
// or body encoding B2 refuses, or a PutObject without Content-MD5.
func checkWire(t *testing.T, p *b2proxy.Proxy) {
	t.Helper()
	if refs := p.Refusals(); len(refs) != 0 {
		t.Errorf("the proxy refused %d requests as B2 would:\n%s", len(refs), strings.Join(refs, "\n"))
	}
	for _, r := range p.Requests() {
		for name := range r.Header {
			lower := strings.ToLower(name)
			if strings.HasPrefix(lower, "x-amz-checksum-") || lower == "x-amz-sdk-checksum-algorithm" ||
				lower == "x-amz-trailer" {
				t.Errorf("%s %s sent header %s", r.Op, r.Path, name)
			}
		}
		for _, enc := range r.Header.Values("Content-Encoding") {
			if strings.Contains(enc, "aws-chunked") {
				t.Errorf("%s %s sent Content-Encoding %q", r.Op, r.Path, enc)
			}
		}
		if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			t.Errorf("%s %s streamed its body: %s", r.Op, r.Path, r.Header.Get("X-Amz-Content-Sha256"))
		}
		if r.Op == "PutObject" && r.Header.Get("Content-Md5") == "" {
			t.Errorf("PutObject %s sent no Content-MD5", r.Path)
		}
	}
}

// mustCreate creates a bucket or fails the test.
func mustCreate(t testing.TB, c *Client, name string, v Visibility) {
	t.Helper()
	if err := c.CreateBucket(context.Background(), name, v); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

// content is the body putAll stores under key: short, and different per key.
func content(key string) []byte { return []byte("content of " + key) }

// putAll uploads content(key) for every key, 16 at a time.
func putAll(tb testing.TB, c *Client, bucket string, keys []string) {
	tb.Helper()
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(16)
	for _, key := range keys {
		g.Go(func() error {
			_, err := c.Put(ctx, PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(content(key))})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		tb.Fatalf("put %d objects: %v", len(keys), err)
	}
}

// listAll pages through a listing and returns its entries and the number of
// pages.
func listAll(t testing.TB, c *Client, in ListInput) ([]Object, int) {
	t.Helper()
	var all []Object
	pages := 0
	for {
		page, err := c.List(context.Background(), in)
		if err != nil {
			t.Fatalf("List %+v (page %d): %v", in, pages+1, err)
		}
		pages++
		all = append(all, page.Objects...)
		if page.Next == "" {
			return all, pages
		}
		if pages > 1000 {
			t.Fatalf("List %+v: more than 1000 pages", in)
		}
		in.Token = page.Next
	}
}

// asError returns err as *Error or fails the test.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *store.Error", err, err)
	}
	return e
}
