package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store/b2proxy"
)

// TestErrorMapping provokes each kind of failure through the proxy and
// checks what the caller gets: the kind, B2's code and status, the incident
// id, and never the secret key.
func TestErrorMapping(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-errors"
	mustCreate(t, e.c, bucket, Private)
	putAll(t, e.c, bucket, []string{"file.txt"})
	const wrongSecret = "WRONGsecretWRONGsecretWRONGsecretWRONG00"
	var seen []error // every error, checked for secrets at the end

	check := func(t *testing.T, err error, kind error, status int, code string) *Error {
		t.Helper()
		seen = append(seen, err)
		if !errors.Is(err, kind) {
			t.Fatalf("error %v: want kind %v", err, kind)
		}
		got := asError(t, err)
		if got.Status != status || got.Code != code {
			t.Errorf("error %v: status %d code %q, want %d %q", err, got.Status, got.Code, status, code)
		}
		if got.Bucket != bucket && got.Bucket != "haul-nope" && got.Bucket != "" {
			t.Errorf("error %v names bucket %q", err, got.Bucket)
		}
		return got
	}

	t.Run("no such bucket", func(t *testing.T) {
		_, err := e.c.List(ctx, ListInput{Bucket: "haul-nope"})
		got := check(t, err, ErrBucketNotFound, http.StatusNotFound, "NoSuchBucket")
		if got.Op != "list" || got.Bucket != "haul-nope" {
			t.Errorf("error %v: op %q bucket %q, want list haul-nope", err, got.Op, got.Bucket)
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		c := e.client(t, Config{Key: wrongSecret})
		_, err := c.List(ctx, ListInput{Bucket: bucket})
		check(t, err, ErrInvalidCredentials, http.StatusForbidden, "SignatureDoesNotMatch")
		_, err = c.Buckets(ctx)
		check(t, err, ErrInvalidCredentials, http.StatusForbidden, "SignatureDoesNotMatch")
		_, err = c.Put(ctx, PutInput{Bucket: bucket, Key: "x.txt", Body: strings.NewReader("x")})
		check(t, err, ErrInvalidCredentials, http.StatusForbidden, "SignatureDoesNotMatch")
	})

	t.Run("unknown key id", func(t *testing.T) {
		// B2 answers 403 InvalidAccessKeyId; versitygw in single-account
		// mode answers 404 XAdminUserNotFound. Both are a wrong key.
		c := e.client(t, Config{KeyID: "0040000000000000000000001"})
		_, err := c.List(ctx, ListInput{Bucket: bucket})
		check(t, err, ErrInvalidCredentials, http.StatusNotFound, "XAdminUserNotFound")
	})

	t.Run("wrong region", func(t *testing.T) {
		c := e.client(t, Config{Region: "us-east-1"})
		_, err := c.List(ctx, ListInput{Bucket: bucket})
		got := check(t, err, ErrWrongRegion, http.StatusBadRequest, "AuthorizationHeaderMalformed")
		if r := got.ExpectedRegion(); r != e.srv.Region {
			t.Errorf("ExpectedRegion = %q, want the server's %q", r, e.srv.Region)
		}
	})

	t.Run("access denied", func(t *testing.T) {
		// Without a signature the request is anonymous, and the bucket is
		// private: the server itself answers AccessDenied.
		c := e.client(t, Config{HTTPClient: &http.Client{Transport: unsigned{}}})
		_, err := c.List(ctx, ListInput{Bucket: bucket})
		check(t, err, ErrAccessDenied, http.StatusForbidden, "AccessDenied")
	})

	t.Run("throttled until attempts run out", func(t *testing.T) {
		e.proxy.Reset()
		defer e.proxy.ClearFaults()
		e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.ServiceUnavailable, Times: b2proxy.Forever})
		c := e.client(t, Config{MaxAttempts: 4})
		_, err := c.List(ctx, ListInput{Bucket: bucket})
		check(t, err, ErrThrottled, http.StatusServiceUnavailable, "SlowDown")
		if !strings.Contains(err.Error(), "SlowDown") {
			t.Errorf("error %q does not say SlowDown", err)
		}
		if n := e.proxy.Count("ListObjectsV2"); n != 4 {
			t.Errorf("proxy saw %d attempts, want MaxAttempts = 4", n)
		}
	})

	t.Run("server error until attempts run out", func(t *testing.T) {
		e.proxy.Reset()
		defer e.proxy.ClearFaults()
		e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.InternalError, Times: b2proxy.Forever})
		_, err := e.c.List(ctx, ListInput{Bucket: bucket})
		got := check(t, err, ErrServer, http.StatusInternalServerError, "internal_error")
		if got.IncidentID != b2proxy.DefaultIncidentID {
			t.Errorf("IncidentID = %q, want %q", got.IncidentID, b2proxy.DefaultIncidentID)
		}
		if !strings.Contains(err.Error(), b2proxy.DefaultIncidentID) {
			t.Errorf("error %q does not carry the incident id", err)
		}
		if n := e.proxy.Count("ListObjectsV2"); n != DefaultMaxAttempts {
			t.Errorf("proxy saw %d attempts, want DefaultMaxAttempts = %d", n, DefaultMaxAttempts)
		}
	})

	t.Run("server error on upload", func(t *testing.T) {
		e.proxy.Reset()
		defer e.proxy.ClearFaults()
		e.proxy.Inject(b2proxy.Fault{Op: "PutObject", Kind: b2proxy.InternalError, Times: b2proxy.Forever, IncidentID: "feed-beef-42"})
		c := e.client(t, Config{MaxAttempts: 2})
		_, err := c.Put(ctx, PutInput{Bucket: bucket, Key: "dir/up.txt", Body: strings.NewReader("data")})
		got := check(t, err, ErrServer, http.StatusInternalServerError, "internal_error")
		if got.IncidentID != "feed-beef-42" || got.Key != "dir/up.txt" || got.Op != "upload" {
			t.Errorf("error %v: incident %q key %q op %q", err, got.IncidentID, got.Key, got.Op)
		}
	})

	t.Run("answer cut short until attempts run out", func(t *testing.T) {
		e.proxy.Reset()
		defer e.proxy.ClearFaults()
		e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.DropMidResponse, Times: b2proxy.Forever})
		c := e.client(t, Config{MaxAttempts: 3})
		_, err := c.List(ctx, ListInput{Bucket: bucket})
		got := check(t, err, ErrUnreachable, http.StatusOK, "")
		if !strings.Contains(got.Detail(), "unexpected EOF") {
			t.Errorf("Detail() = %q, want the broken answer named", got.Detail())
		}
		if n := e.proxy.Count("ListObjectsV2"); n != 3 {
			t.Errorf("proxy saw %d attempts, want MaxAttempts = 3", n)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		c, err := NewClient(Config{
			Endpoint: "http://" + closedPort(t), Region: e.srv.Region,
			KeyID: e.srv.AccessKey, Key: e.srv.SecretKey, MaxAttempts: 2, MaxBackoff: 10 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.List(ctx, ListInput{Bucket: bucket})
		got := check(t, err, ErrUnreachable, 0, "")
		if got.Detail() == "" {
			t.Errorf("unreachable error %v has no detail", err)
		}
	})

	t.Run("canceled", func(t *testing.T) {
		e.proxy.Reset()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := e.c.List(cctx, ListInput{Bucket: bucket})
		check(t, err, ErrCanceled, 0, "")
		if n := len(e.proxy.Requests()); n != 0 {
			t.Errorf("a canceled call sent %d requests", n)
		}
	})

	t.Run("canceled while waiting to retry", func(t *testing.T) {
		e.proxy.Reset()
		defer e.proxy.ClearFaults()
		e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.ServiceUnavailable, RetryAfter: 30, Times: b2proxy.Forever})
		c := e.client(t, Config{MaxBackoff: time.Minute})
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := c.List(cctx, ListInput{Bucket: bucket})
		seen = append(seen, err)
		if !errors.Is(err, ErrCanceled) {
			t.Fatalf("error %v, want ErrCanceled", err)
		}
		if n := e.proxy.Count("ListObjectsV2"); n != 1 {
			t.Errorf("proxy saw %d requests, want 1 (the wait was cut short)", n)
		}
	})

	for _, err := range seen {
		if err == nil {
			continue
		}
		got := asError(t, err)
		for _, text := range []string{err.Error(), got.Detail(), fmt.Sprintf("%+v", err), got.Err.Error()} {
			for _, secret := range []string{e.srv.SecretKey, wrongSecret} {
				if strings.Contains(text, secret) {
					t.Errorf("error text contains a secret key: %s", text)
				}
			}
		}
	}
}

// TestRetriesAfterOneFault checks that List and Put get through each kind of
// fault B2 produces, with exactly one extra request per fault.
func TestRetriesAfterOneFault(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, uploads = "haul-faults", "haul-uploads"
	mustCreate(t, e.c, bucket, Private)
	mustCreate(t, e.c, uploads, Private)
	putAll(t, e.c, bucket, []string{"a.txt", "b/c.txt"})
	body := bytes.Repeat([]byte("0123456789"), 10_000) // 100 kB, so a drop cuts it mid-way

	faults := []struct {
		name string
		list b2proxy.Kind
		put  b2proxy.Kind
	}{
		{name: "503 SlowDown with Retry-After", list: b2proxy.ServiceUnavailable, put: b2proxy.ServiceUnavailable},
		{name: "JSON 500", list: b2proxy.InternalError, put: b2proxy.InternalError},
		{name: "429", list: b2proxy.TooManyRequests, put: b2proxy.TooManyRequests},
		{name: "408", list: b2proxy.RequestTimeout, put: b2proxy.RequestTimeout},
		{name: "dropped connection", list: b2proxy.DropMidResponse, put: b2proxy.DropMidRequest},
		{name: "dropped body", list: b2proxy.DropMidBody, put: b2proxy.DropMidBody},
	}
	for _, f := range faults {
		t.Run("list/"+f.name, func(t *testing.T) {
			e.proxy.Reset()
			defer e.proxy.ClearFaults()
			in := e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: f.list})
			page, err := e.c.List(ctx, ListInput{Bucket: bucket})
			if err != nil {
				t.Fatalf("List after one %s: %v", f.name, err)
			}
			if len(page.Objects) != 2 || page.Objects[0].Key != "b/" || page.Objects[1].Key != "a.txt" {
				t.Errorf("List after one %s = %+v", f.name, page.Objects)
			}
			if in.Fired() != 1 || e.proxy.Count("ListObjectsV2") != 2 {
				t.Errorf("fault fired %d times, proxy saw %d requests; want 1 and 2", in.Fired(), e.proxy.Count("ListObjectsV2"))
			}
		})
		t.Run("put/"+f.name, func(t *testing.T) {
			e.proxy.Reset()
			defer e.proxy.ClearFaults()
			in := e.proxy.Inject(b2proxy.Fault{Op: "PutObject", Kind: f.put})
			key := "up/" + strings.ReplaceAll(f.name, " ", "-") + ".bin"
			if _, err := e.c.Put(ctx, PutInput{Bucket: uploads, Key: key, Body: bytes.NewReader(body)}); err != nil {
				t.Fatalf("Put after one %s: %v", f.name, err)
			}
			if in.Fired() != 1 || e.proxy.Count("PutObject") != 2 {
				t.Errorf("fault fired %d times, proxy saw %d requests; want 1 and 2", in.Fired(), e.proxy.Count("PutObject"))
			}
			if got := download(t, e.c, uploads, key); !bytes.Equal(got, body) {
				t.Errorf("stored %d bytes, want the %d sent", len(got), len(body))
			}
		})
	}
}

// TestRetryAfterIsWaited checks that a 503's Retry-After of one second is
// waited for when MaxBackoff allows it. It measures behaviour (a wait
// happened), not speed.
func TestRetryAfterIsWaited(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-retryafter"
	mustCreate(t, e.c, bucket, Private)
	e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.ServiceUnavailable, RetryAfter: 1})
	c := e.client(t, Config{MaxBackoff: 2 * time.Second})
	start := time.Now()
	if _, err := c.List(context.Background(), ListInput{Bucket: bucket}); err != nil {
		t.Fatalf("List: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Errorf("List retried after %v, want a wait of about the 1 s Retry-After", elapsed)
	}
	if n := e.proxy.Count("ListObjectsV2"); n != 2 {
		t.Errorf("proxy saw %d requests, want 2", n)
	}
}

// TestParallelRetries runs 16 listings at once while the first 16 requests
// are throttled: all succeed, because no retry quota is shared between
// goroutines.
func TestParallelRetries(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-parallel"
	mustCreate(t, e.c, bucket, Private)
	putAll(t, e.c, bucket, []string{"one.txt"})
	e.proxy.Reset()
	in := e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.ServiceUnavailable, Times: 16})

	var g errgroup.Group
	var start sync.WaitGroup
	start.Add(1)
	for range 16 {
		g.Go(func() error {
			start.Wait()
			page, err := e.c.List(context.Background(), ListInput{Bucket: bucket})
			if err == nil && len(page.Objects) != 1 {
				err = fmt.Errorf("listed %+v, want one.txt", page.Objects)
			}
			return err
		})
	}
	start.Done()
	if err := g.Wait(); err != nil {
		t.Fatalf("parallel List: %v", err)
	}
	if in.Fired() != 16 || e.proxy.Count("ListObjectsV2") != 32 {
		t.Errorf("fault fired %d times, proxy saw %d requests; want 16 and 32", in.Fired(), e.proxy.Count("ListObjectsV2"))
	}
}

// download reads an object straight through the SDK, for checking uploads.
func download(t *testing.T, c *Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %s: read: %v", key, err)
	}
	return b
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// unsigned is a transport that sends requests without their signature, so
// the server treats them as anonymous.
type unsigned struct{}

func (unsigned) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Del("Authorization")
	return http.DefaultTransport.RoundTrip(r)
}
