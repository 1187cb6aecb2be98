package b2proxy_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/haul-app/haul/store/b2proxy"
	"github.com/haul-app/haul/store/s3test"
)

// b2Options are the client settings B2 needs, aimed at endpoint.
func b2Options(s *s3test.Server, endpoint string) s3.Options {
	return s3.Options{
		BaseEndpoint:               aws.String(endpoint),
		Region:                     s.Region,
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           1,
	}
}

// setup starts versitygw, a proxy in front of it, and a B2-style client that
// talks to the proxy and does not retry.
func setup(t *testing.T) (*s3test.Server, *b2proxy.Proxy, *s3.Client) {
	t.Helper()
	s := s3test.Start(t)
	p := b2proxy.New(t, s.Endpoint)
	return s, p, s3.New(b2Options(s, p.URL))
}

// withContentMD5 is a per-call option for the operations that the SDK always
// sends a CRC32 header with (PutBucketAcl, DeleteObjects, ...): it sends
// Content-MD5 instead, which B2 accepts.
func withContentMD5(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		if _, err := stack.Finalize.Remove("AWSChecksum:ComputeInputPayloadChecksum"); err != nil {
			return err
		}
		return smithyhttp.AddContentChecksumMiddleware(stack)
	})
}

func createBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

// upstream is a stand-in server that counts what reaches it and answers GETs
// with size bytes.
type upstream struct {
	*httptest.Server
	mu    sync.Mutex
	hits  int
	hosts []string
	read  int64
}

func newUpstream(t *testing.T, size int) *upstream {
	t.Helper()
	u := &upstream{}
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		u.hits++
		u.hosts = append(u.hosts, r.Host)
		u.read += n
		u.mu.Unlock()
		w.Header().Set("ETag", `"upstream"`)
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		case http.MethodHead:
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) hostsSeen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.hosts)
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits
}

// do sends a raw request through the proxy and returns the status, headers
// and body, or the error of the request or of reading the body.
func do(t *testing.T, method, url string, body io.Reader, header http.Header) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for k, vv := range header {
		req.Header[k] = vv
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, data, err
}
