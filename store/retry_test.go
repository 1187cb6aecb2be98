package store

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/haul-app/haul/store/b2proxy"
)

// countingDials is an HTTP client whose dials are counted and then made by
// dial.
func countingDials(dials *atomic.Int32, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx, network, addr)
	}
	return &http.Client{Transport: t}
}

// recordRetries returns a context whose retries are appended to *got.
func recordRetries(got *[]Retry) context.Context {
	return WithRetryNotice(context.Background(), func(r Retry) { *got = append(*got, r) })
}

// TestRetryNoticeRefused lists from a port where nothing listens: the
// caller hears of each retry with the reason, and the operation gives up
// after FastGiveUpAttempts instead of DefaultMaxAttempts.
func TestRetryNoticeRefused(t *testing.T) {
	var dials atomic.Int32
	var d net.Dialer
	c, err := NewClient(Config{
		Endpoint: "http://" + closedPort(t), Region: "us-west-004", KeyID: "004abc", Key: "K004secret",
		HTTPClient: countingDials(&dials, d.DialContext),
	})
	if err != nil {
		t.Fatal(err)
	}
	for call := 1; call <= 2; call++ { // each call counts its own attempts
		dials.Store(0)
		var got []Retry
		_, err = c.List(recordRetries(&got), ListInput{Bucket: "b"})
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("call %d: List = %v, want ErrUnreachable", call, err)
		}
		if d := asError(t, err).Detail(); !strings.Contains(d, "refused") {
			t.Errorf("call %d: detail %q does not say the connection was refused", call, d)
		}
		if n := dials.Load(); n != FastGiveUpAttempts {
			t.Errorf("call %d: %d attempts, want %d", call, n, FastGiveUpAttempts)
		}
		if len(got) != FastGiveUpAttempts-1 {
			t.Fatalf("call %d: %d notices, want %d: %+v", call, len(got), FastGiveUpAttempts-1, got)
		}
		for i, r := range got {
			if r.Attempt != i+1 || r.Max != FastGiveUpAttempts || !strings.Contains(r.Reason, "refused") ||
				r.Delay != fastBackoff[i] || !errors.Is(r.Err, ErrUnreachable) {
				t.Errorf("call %d: notice %d = %+v, want attempt %d of %d, refused, delay %v, ErrUnreachable",
					call, i, r, i+1, FastGiveUpAttempts, fastBackoff[i])
			}
		}
	}
}

// timeoutErr is a net error that timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestRetryDialTimeout gives up on a server whose dials time out after
// FastGiveUpAttempts.
func TestRetryDialTimeout(t *testing.T) {
	var dials atomic.Int32
	c, err := NewClient(Config{
		Endpoint: "http://" + closedPort(t), Region: "us-west-004", KeyID: "004abc", Key: "K004secret",
		HTTPClient: countingDials(&dials, func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: timeoutErr{}}
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []Retry
	_, err = c.List(recordRetries(&got), ListInput{Bucket: "b"})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("List = %v, want ErrUnreachable", err)
	}
	if n := dials.Load(); n != FastGiveUpAttempts || len(got) != FastGiveUpAttempts-1 {
		t.Fatalf("%d attempts and %d notices, want %d and %d", n, len(got), FastGiveUpAttempts, FastGiveUpAttempts-1)
	}
	if got[0].Reason != "connecting timed out" || got[1].Attempt != 2 {
		t.Errorf("notices %+v, want attempts 1 and 2 that timed out connecting", got)
	}
}

// TestRetryNoticeThrottled retries B2's faults through the proxy: the
// notices name them, the waits honour Retry-After (capped by MaxBackoff),
// and a server that keeps answering 503 gets all its attempts.
func TestRetryNoticeThrottled(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-notice"
	mustCreate(t, e.c, bucket, Private)
	putAll(t, e.c, bucket, []string{"a.txt"})

	t.Run("503 then success", func(t *testing.T) {
		e.proxy.ClearFaults()
		e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.ServiceUnavailable, RetryAfter: 1, Times: 2})
		var got []Retry
		page, err := e.c.List(recordRetries(&got), ListInput{Bucket: bucket})
		if err != nil || len(page.Objects) != 1 {
			t.Fatalf("List = %+v, %v; want a.txt", page.Objects, err)
		}
		if len(got) != 2 {
			t.Fatalf("%d notices, want 2: %+v", len(got), got)
		}
		for i, r := range got {
			// Retry-After: 1 s, capped by the test's MaxBackoff.
			if r.Attempt != i+1 || r.Max != DefaultMaxAttempts || r.Reason != "HTTP 503 SlowDown" ||
				r.Delay != testBackoff || !errors.Is(r.Err, ErrThrottled) {
				t.Errorf("notice %d = %+v, want attempt %d of %d, HTTP 503 SlowDown, delay %v", i, r, i+1, DefaultMaxAttempts, testBackoff)
			}
		}
	})

	t.Run("500 with incident id, 429", func(t *testing.T) {
		e.proxy.ClearFaults()
		e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.InternalError, IncidentID: "cafe-42"})
		e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.TooManyRequests, After: 1})
		var got []Retry
		if _, err := e.c.List(recordRetries(&got), ListInput{Bucket: bucket}); err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(got) != 2 || got[0].Reason != "HTTP 500 internal_error (incident id cafe-42)" ||
			!strings.HasPrefix(got[1].Reason, "HTTP 429") || got[1].Attempt != 2 {
			t.Errorf("notices %+v, want a 500 with its incident id, then a 429", got)
		}
	})

	t.Run("503 forever", func(t *testing.T) {
		e.proxy.ClearFaults()
		e.proxy.Reset()
		e.proxy.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.ServiceUnavailable, RetryAfter: 1, Times: b2proxy.Forever})
		var got []Retry
		_, err := e.c.List(recordRetries(&got), ListInput{Bucket: bucket})
		if !errors.Is(err, ErrThrottled) {
			t.Fatalf("List = %v, want ErrThrottled", err)
		}
		if n := e.proxy.Count("ListObjectsV2"); n != DefaultMaxAttempts || len(got) != DefaultMaxAttempts-1 {
			t.Errorf("%d attempts, %d notices; want %d and %d", n, len(got), DefaultMaxAttempts, DefaultMaxAttempts-1)
		}
		e.proxy.ClearFaults()
	})
}

func TestRetryReason(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		want       string
		unanswered bool
	}{
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, "connection refused", true},
		{"no such host", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, "no such host", true},
		{"dial timeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, "connecting timed out", true},
		{"read timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, "timed out", false},
		{"cut short", io.ErrUnexpectedEOF, "connection dropped", false},
		{"reset", &net.OpError{Op: "read", Err: errors.New("read: connection reset by peer")}, "connection dropped", false},
		{"503", respErr(503, nil, apiErr("SlowDown", "slow down")), "HTTP 503 SlowDown", false},
		{"429 without code", respErr(429, nil, errors.New("too many")), "HTTP 429", false},
		{"500 JSON", respErr(500, nil, &b2JSONError{Status: 500, Code: "internal_error", Message: "incident id ab-12"}),
			"HTTP 500 internal_error (incident id ab-12)", false},
	}
	for _, tt := range tests {
		if got := retryReason(tt.err); got != tt.want {
			t.Errorf("%s: retryReason = %q, want %q", tt.name, got, tt.want)
		}
		if got := unanswered(tt.err); got != tt.unanswered {
			t.Errorf("%s: unanswered = %v, want %v", tt.name, got, tt.unanswered)
		}
	}
}
