package store

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Defaults for the retryer: B2 answers 500 and 503 routinely and throttles
// with Retry-After, so Haul retries more, and longer, than the SDK does.
const (
	DefaultMaxAttempts = 8
	DefaultMaxBackoff  = time.Minute
)

// Config is what a Client needs. Key is a secret: it is never logged and
// never part of an error.
type Config struct {
	Endpoint string // https://s3.<region>.backblazeb2.com; http only on loopback
	Region   string // the <region> of the endpoint, e.g. us-west-004
	KeyID    string
	Key      string

	// MaxAttempts and MaxBackoff tune the retryer; zero means the defaults.
	MaxAttempts int
	MaxBackoff  time.Duration
	// HTTPClient replaces the tuned default transport (tests only).
	HTTPClient *http.Client
	// Keys are the account's customer keys (SSE-C): uploads name one to be
	// encrypted with it, and reads find the one a file needs. Nil means
	// none.
	Keys KeyRing
}

// Client runs remote operations for one account. It is safe for concurrent
// use.
type Client struct {
	s3       *s3.Client
	http     *http.Client // nil when the caller supplied Config.HTTPClient
	presign  *s3.PresignClient
	endpoint *url.URL
	region   string
	keyID    string
	keys     KeyRing
	memo     *keyMemo
}

// NewClient builds a client configured for B2's S3-compatible API:
// path-style addressing, the account's region, static credentials (never the
// environment's AWS profile), checksums only when an operation requires
// them, a retryer that honours Retry-After, and a transport that keeps many
// connections open per host for parallel transfers.
func NewClient(cfg Config) (*Client, error) {
	u, err := CheckEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("endpoint %s: no region given", u.Host)
	}
	if cfg.KeyID == "" || cfg.Key == "" {
		return nil, fmt.Errorf("%w: key ID and application key are both required", ErrInvalidCredentials)
	}
	maxAttempts, maxBackoff := cfg.MaxAttempts, cfg.MaxBackoff
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	var httpClient s3.HTTPClient
	var own *http.Client
	if cfg.HTTPClient == nil {
		own = newHTTPClient()
		httpClient = own
	} else {
		httpClient = refusingRedirects(cfg.HTTPClient)
	}
	opts := s3.Options{
		BaseEndpoint:               aws.String(u.String()),
		Region:                     cfg.Region,
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(cfg.KeyID, cfg.Key, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		Retryer:                    noticeRetryer{newRetryer(maxAttempts, maxBackoff)},
		HTTPClient:                 httpClient,
		APIOptions:                 []func(*middleware.Stack) error{addJSONErrorReader, addRetryCounter},
	}
	c := s3.New(opts)
	return &Client{
		s3:       c,
		http:     own,
		presign:  s3.NewPresignClient(c),
		endpoint: u,
		region:   cfg.Region,
		keyID:    cfg.KeyID,
		keys:     cfg.Keys,
		memo:     &keyMemo{},
	}, nil
}

// Close drops the client's idle connections. Requests still running go on;
// the client stays usable. Call it when an account is no longer shown, and
// before stopping a local server, whose shutdown waits for open
// connections.
func (c *Client) Close() {
	if c.http != nil {
		c.http.CloseIdleConnections()
	}
}

// Endpoint is the S3 endpoint the client talks to.
func (c *Client) Endpoint() string { return c.endpoint.String() }

// Region is the SigV4 region the client signs for.
func (c *Client) Region() string { return c.region }

// CheckEndpoint parses an S3 endpoint URL and refuses plain http anywhere but
// on a loopback address, where a local test server lives. It also refuses a
// URL carrying user:password@ (credentials belong in the key fields, and a
// URL ends up in settings and logs); its error never repeats them.
func CheckEndpoint(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		return nil, fmt.Errorf("endpoint %s: credentials do not belong in the URL; "+
			"enter the application key ID and key in their own fields instead", showURL(u, false))
	}
	if err != nil || u.Host == "" {
		shown := fmt.Sprintf("%q", raw)
		if strings.Contains(raw, "@") {
			shown = "given" // it may hold credentials: do not repeat it
		}
		return nil, fmt.Errorf("endpoint %s is not a URL like https://s3.us-west-004.backblazeb2.com", shown)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("endpoint %s: plain http is allowed only on this computer (loopback); use https", u.Host)
		}
	default:
		return nil, fmt.Errorf("endpoint %q: the scheme must be https", raw)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("endpoint %s: expected no path after the host, got %q", u.Host, u.Path)
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment, u.ForceQuery = "", "", "", "", false
	return u, nil
}

// IsLoopback reports whether host names this computer.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newHTTPClient keeps enough idle connections per host for parallel
// transfers; Go's default of 2 would reconnect constantly. HTTP/1.1 on
// purpose: parallel parts want parallel TCP connections, not streams of one.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 2 * time.Minute
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	// A modest dial timeout: with FastGiveUpAttempts a host that swallows
	// connection attempts is reported after about half a minute, not two.
	t.DialContext = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Transport: t, CheckRedirect: refuseRedirect}
}

// DialTimeout bounds how long connecting to a server may take.
const DialTimeout = 10 * time.Second

// newRetryer retries what B2 asks to be retried (500, 503, 429, 408, dropped
// connections) up to maxAttempts times, with no retry quota shared across
// goroutines, honouring Retry-After.
func newRetryer(maxAttempts int, maxBackoff time.Duration) *retry.Standard {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
		o.Backoff = retryAfterBackoff{max: maxBackoff, jitter: retry.NewExponentialJitterBackoff(maxBackoff)}
		o.Retryables = append(o.Retryables,
			retry.RetryableHTTPStatusCode{Codes: map[int]struct{}{
				http.StatusTooManyRequests: {}, http.StatusRequestTimeout: {},
			}},
			retry.RetryableErrorCode{Codes: map[string]struct{}{
				"TooManyRequests": {}, "too_many_requests": {}, "RequestTimeout": {}, "internal_error": {},
				"service_unavailable": {},
			}},
			retry.IsErrorRetryableFunc(retryCutShort),
		)
	})
}

// retryCutShort retries an answer whose body broke off (the connection
// dropped while a listing was being read): the SDK sees only a failed
// decode of a 200 and would give up.
func retryCutShort(err error) aws.Ternary {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// retryAfterBackoff waits what the server's Retry-After header says (capped
// at max), and otherwise backs off exponentially with jitter.
type retryAfterBackoff struct {
	max    time.Duration
	jitter *retry.ExponentialJitterBackoff
}

func (b retryAfterBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if d, ok := parseRetryAfter(re.Response.Header.Get("Retry-After")); ok {
			return min(d, b.max), nil
		}
	}
	return b.jitter.BackoffDelay(attempt, err)
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// addJSONErrorReader puts a deserialize middleware next to the transport that
// reads B2's JSON 5xx bodies before the S3 XML deserializer would fail on
// them, so the incident id reaches the person.
func addJSONErrorReader(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("HaulB2JSONError",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
			middleware.DeserializeOutput, middleware.Metadata, error,
		) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if err != nil {
				return out, md, err
			}
			resp, ok := out.RawResponse.(*smithyhttp.Response)
			if !ok || resp.StatusCode < 400 || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
				return out, md, err
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			je := parseJSONError(body)
			if je == nil {
				resp.Body = io.NopCloser(bytes.NewReader(body))
				return out, md, nil
			}
			if je.Status == 0 {
				je.Status = resp.StatusCode
			}
			return out, md, &smithyhttp.ResponseError{Response: resp, Err: je}
		}), middleware.After)
}

// withContentMD5 replaces the CRC32 header the SDK always computes for some
// operations (DeleteObjects, PutObjectRetention, PutObjectLegalHold,
// PutBucketCors) with Content-MD5, which B2 accepts.
func withContentMD5(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		if _, err := stack.Finalize.Remove("AWSChecksum:ComputeInputPayloadChecksum"); err != nil && !strings.Contains(err.Error(), "not found") {
			return err
		}
		_, _ = stack.Initialize.Remove("AWSChecksum:SetupInputContext")
		return smithyhttp.AddContentChecksumMiddleware(stack)
	})
}
