package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestCheckEndpoint(t *testing.T) {
	tests := []struct {
		in   string
		want string // the URL kept, or "" when refused
		err  string // part of the refusal
	}{
		{in: "https://s3.us-west-004.backblazeb2.com", want: "https://s3.us-west-004.backblazeb2.com"},
		{in: "  https://s3.us-west-004.backblazeb2.com/  ", want: "https://s3.us-west-004.backblazeb2.com"},
		{in: "https://s3.eu-central-003.backblazeb2.com:443", want: "https://s3.eu-central-003.backblazeb2.com:443"},
		{in: "https://s3.us-west-004.backblazeb2.com/?x=1#frag", want: "https://s3.us-west-004.backblazeb2.com"},
		{in: "http://127.0.0.1:7070", want: "http://127.0.0.1:7070"},
		{in: "http://127.0.0.2:7070", want: "http://127.0.0.2:7070"},
		{in: "http://[::1]:7070", want: "http://[::1]:7070"},
		{in: "http://localhost:7070", want: "http://localhost:7070"},
		{in: "http://s3.us-west-004.backblazeb2.com", err: "loopback"},
		{in: "http://192.168.1.10:9000", err: "loopback"},
		{in: "http://[::2]:9000", err: "loopback"},
		{in: "http://localhost.example.com", err: "loopback"},
		{in: "http://127.0.0.1.nip.io", err: "loopback"},
		{in: "https://s3.us-west-004.backblazeb2.com/bucket", err: "no path"},
		{in: "http://127.0.0.1:7070/some/path", err: "no path"},
		{in: "ftp://s3.us-west-004.backblazeb2.com", err: "scheme"},
		{in: "s3.us-west-004.backblazeb2.com", err: "not a URL"},
		{in: "", err: "not a URL"},
		{in: "https://", err: "not a URL"},
		{in: "://nonsense", err: "not a URL"},
		{in: "https://bad host.com", err: "not a URL"},
		{in: "https://keyid:s3cr3tKey@s3.us-west-004.backblazeb2.com", err: "credentials do not belong"},
		{in: "http://keyid:s3cr3tKey@127.0.0.1:7070", err: "credentials do not belong"},
		{in: "https://keyid@s3.us-west-004.backblazeb2.com", err: "credentials do not belong"},
		{in: "https://@s3.us-west-004.backblazeb2.com", err: "credentials do not belong"},
		{in: "ftp://keyid:s3cr3tKey@host", err: "credentials do not belong"},
		{in: "https://keyid:s3cr3tKey@bad host", err: "not a URL"},
		{in: "https://s3.us-west-004.backblazeb2.com@evil.example", err: "credentials do not belong"},
	}
	for _, tt := range tests {
		u, err := CheckEndpoint(tt.in)
		switch {
		case tt.want != "" && err != nil:
			t.Errorf("CheckEndpoint(%q) = %v, want %s", tt.in, err, tt.want)
		case tt.want != "" && u.String() != tt.want:
			t.Errorf("CheckEndpoint(%q) = %s, want %s", tt.in, u, tt.want)
		case tt.want == "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("CheckEndpoint(%q) = %v, %v; want an error mentioning %q", tt.in, u, err, tt.err)
		case err != nil && strings.Contains(err.Error(), "s3cr3tKey"):
			t.Errorf("CheckEndpoint(%q) = %v: the error repeats the password", tt.in, err)
		}
	}
}

func TestNewClient(t *testing.T) {
	const secret = "K004secretsecretsecretsecretsecret"
	good := Config{Endpoint: "https://s3.us-west-004.backblazeb2.com", Region: "us-west-004", KeyID: "004abc", Key: secret}

	c, err := NewClient(good)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	o := c.s3.Options()
	if !o.UsePathStyle || o.Region != "us-west-004" ||
		o.RequestChecksumCalculation != aws.RequestChecksumCalculationWhenRequired ||
		o.ResponseChecksumValidation != aws.ResponseChecksumValidationWhenRequired {
		t.Errorf("options: path style %v, region %q, checksums %v/%v", o.UsePathStyle, o.Region,
			o.RequestChecksumCalculation, o.ResponseChecksumValidation)
	}
	if n := o.Retryer.MaxAttempts(); n != DefaultMaxAttempts {
		t.Errorf("MaxAttempts = %d, want %d", n, DefaultMaxAttempts)
	}
	if c.Endpoint() != good.Endpoint || c.Region() != good.Region {
		t.Errorf("Endpoint, Region = %s, %s", c.Endpoint(), c.Region())
	}
	tuned := good
	tuned.MaxAttempts = 3
	if c, err := NewClient(tuned); err != nil || c.s3.Options().Retryer.MaxAttempts() != 3 {
		t.Errorf("NewClient with MaxAttempts 3: %v", err)
	}

	bad := []struct {
		name string
		edit func(*Config)
		kind error
	}{
		{"no region", func(c *Config) { c.Region = "" }, nil},
		{"no key", func(c *Config) { c.Key = "" }, ErrInvalidCredentials},
		{"no key id", func(c *Config) { c.KeyID = "" }, ErrInvalidCredentials},
		{"http elsewhere", func(c *Config) { c.Endpoint = "http://s3.us-west-004.backblazeb2.com" }, nil},
	}
	for _, tt := range bad {
		cfg := good
		tt.edit(&cfg)
		_, err := NewClient(cfg)
		if err == nil || (tt.kind != nil && !errors.Is(err, tt.kind)) {
			t.Errorf("%s: NewClient = %v, want an error of kind %v", tt.name, err, tt.kind)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error %q contains the key", tt.name, err)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"120", 2 * time.Minute, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0, true}, // in the past: no wait
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	future := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	if got, ok := parseRetryAfter(future); !ok || got < 25*time.Second || got > 30*time.Second {
		t.Errorf("parseRetryAfter(%q) = %v, %v; want about 30s", future, got, ok)
	}
}

// respErr is an SDK-shaped error for an answer with status and header.
func respErr(status int, header http.Header, err error) error {
	if header == nil {
		header = http.Header{}
	}
	return &smithy.OperationError{ServiceID: "S3", OperationName: "ListObjectsV2", Err: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: header}},
		Err:      err,
	}}
}

func apiErr(code, message string) error {
	return &smithy.GenericAPIError{Code: code, Message: message}
}

func TestRetryAfterBackoff(t *testing.T) {
	slowDown := func(retryAfter string) error {
		return respErr(http.StatusServiceUnavailable, http.Header{"Retry-After": {retryAfter}}, apiErr("SlowDown", "slow down"))
	}
	tests := []struct {
		name string
		max  time.Duration
		err  error
		want time.Duration
	}{
		{"Retry-After under the cap", 2 * time.Second, slowDown("1"), time.Second},
		// A cap below the server's ask still waits, for the cap.
		{"Retry-After over the cap", 200 * time.Millisecond, slowDown("1"), 200 * time.Millisecond},
		{"Retry-After zero", time.Minute, slowDown("0"), 0},
		{"Retry-After minutes", time.Minute, slowDown("300"), time.Minute},
	}
	for _, tt := range tests {
		b := retryAfterBackoff{max: tt.max, jitter: retry.NewExponentialJitterBackoff(tt.max)}
		got, err := b.BackoffDelay(1, tt.err)
		if err != nil || got != tt.want {
			t.Errorf("%s: BackoffDelay = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	// Without the header: exponential with jitter, never above the cap.
	b := retryAfterBackoff{max: 3 * time.Second, jitter: retry.NewExponentialJitterBackoff(3 * time.Second)}
	for attempt := 1; attempt < 10; attempt++ {
		got, err := b.BackoffDelay(attempt, respErr(500, nil, apiErr("InternalError", "")))
		if err != nil || got < 0 || got > 3*time.Second {
			t.Errorf("BackoffDelay(%d) without Retry-After = %v, %v; want within [0, 3s]", attempt, got, err)
		}
	}
}

func TestRetryerRetryables(t *testing.T) {
	r := newRetryer(8, time.Second)
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"503 SlowDown", respErr(503, nil, apiErr("SlowDown", "")), true},
		{"500 XML", respErr(500, nil, apiErr("InternalError", "")), true},
		{"500 JSON", respErr(500, nil, &b2JSONError{Status: 500, Code: "internal_error", Message: "incident id x"}), true},
		{"429", respErr(429, nil, apiErr("TooManyRequests", "")), true},
		{"429 without a code", respErr(429, nil, errors.New("too many")), true},
		{"408", respErr(408, nil, apiErr("RequestTimeout", "")), true},
		{"body cut short", respErr(200, nil, &smithy.DeserializationError{Err: fmt.Errorf("decode: %w", io.ErrUnexpectedEOF)}), true},
		{"connection refused", &smithyhttp.RequestSendError{Err: errors.New("dial tcp: connection refused")}, true},
		{"404 NoSuchBucket", respErr(404, nil, apiErr("NoSuchBucket", "")), false},
		{"403 AccessDenied", respErr(403, nil, apiErr("AccessDenied", "")), false},
		{"403 SignatureDoesNotMatch", respErr(403, nil, apiErr("SignatureDoesNotMatch", "")), false},
		{"400 InvalidArgument", respErr(400, nil, apiErr("InvalidArgument", "")), false},
		{"canceled", &aws.RequestCanceledError{Err: context.Canceled}, false},
	}
	for _, tt := range tests {
		if got := r.IsErrorRetryable(tt.err); got != tt.want {
			t.Errorf("%s: IsErrorRetryable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRetryerHasNoQuota checks that retries are never refused for want of
// a shared quota: the SDK's default bucket of 500 tokens would run dry after
// 100 throttled retries across all goroutines.
func TestRetryerHasNoQuota(t *testing.T) {
	r := newRetryer(8, time.Second)
	err := respErr(503, nil, apiErr("SlowDown", ""))
	for i := range 1000 {
		if _, qerr := r.GetRetryToken(context.Background(), err); qerr != nil {
			t.Fatalf("retry %d refused: %v", i+1, qerr)
		}
	}
}
