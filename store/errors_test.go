package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestWrapErrClassify(t *testing.T) {
	refused := &smithyhttp.RequestSendError{Err: &url.Error{Op: "Get", URL: "http://127.0.0.1:1/b", Err: &net.OpError{
		Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connect: connection refused", Addr: "127.0.0.1:1"},
	}}}
	tests := []struct {
		name     string
		err      error
		kind     error
		status   int
		code     string
		incident string
	}{
		{"NoSuchBucket", respErr(404, nil, apiErr("NoSuchBucket", "The specified bucket does not exist")), ErrBucketNotFound, 404, "NoSuchBucket", ""},
		{"NoSuchKey", respErr(404, nil, apiErr("NoSuchKey", "")), ErrNotFound, 404, "NoSuchKey", ""},
		{"NoSuchVersion", respErr(404, nil, apiErr("NoSuchVersion", "")), ErrNotFound, 404, "NoSuchVersion", ""},
		{"NoSuchUpload", respErr(404, nil, apiErr("NoSuchUpload", "")), ErrNotFound, 404, "NoSuchUpload", ""},
		{"HEAD 404", respErr(404, nil, apiErr("NotFound", "Not Found")), ErrNotFound, 404, "NotFound", ""},
		{"AccessDenied", respErr(403, nil, apiErr("AccessDenied", "Access Denied")), ErrAccessDenied, 403, "AccessDenied", ""},
		{"AllAccessDisabled", respErr(403, nil, apiErr("AllAccessDisabled", "")), ErrAccessDenied, 403, "AllAccessDisabled", ""},
		{"B2 unauthorized", respErr(401, nil, apiErr("unauthorized", "")), ErrAccessDenied, 401, "unauthorized", ""},
		{"SignatureDoesNotMatch", respErr(403, nil, apiErr("SignatureDoesNotMatch", "")), ErrInvalidCredentials, 403, "SignatureDoesNotMatch", ""},
		{"InvalidAccessKeyId", respErr(403, nil, apiErr("InvalidAccessKeyId", "")), ErrInvalidCredentials, 403, "InvalidAccessKeyId", ""},
		{"versitygw unknown key", respErr(404, nil, apiErr("XAdminUserNotFound", "")), ErrInvalidCredentials, 404, "XAdminUserNotFound", ""},
		{"bad_auth_token", respErr(401, nil, &b2JSONError{Status: 401, Code: "bad_auth_token"}), ErrInvalidCredentials, 401, "bad_auth_token", ""},
		{"BucketNotEmpty", respErr(409, nil, apiErr("BucketNotEmpty", "")), ErrBucketNotEmpty, 409, "BucketNotEmpty", ""},
		{"BucketAlreadyExists", respErr(409, nil, apiErr("BucketAlreadyExists", "")), ErrBucketExists, 409, "BucketAlreadyExists", ""},
		{"BucketAlreadyOwnedByYou", respErr(409, nil, apiErr("BucketAlreadyOwnedByYou", "")), ErrBucketExists, 409, "BucketAlreadyOwnedByYou", ""},
		{"TooManyBuckets", respErr(400, nil, apiErr("TooManyBuckets", "")), ErrTooManyBuckets, 400, "TooManyBuckets", ""},
		{"InvalidBucketName", respErr(400, nil, apiErr("InvalidBucketName", "")), ErrInvalidName, 400, "InvalidBucketName", ""},
		{"KeyTooLongError", respErr(400, nil, apiErr("KeyTooLongError", "")), ErrInvalidName, 400, "KeyTooLongError", ""},
		{"SlowDown", respErr(503, nil, apiErr("SlowDown", "Please reduce your request rate.")), ErrThrottled, 503, "SlowDown", ""},
		{"TooManyRequests", respErr(429, nil, apiErr("TooManyRequests", "")), ErrThrottled, 429, "TooManyRequests", ""},
		{"NotImplemented", respErr(501, nil, apiErr("NotImplemented", "")), ErrUnsupported, 501, "NotImplemented", ""},
		{"ACL not supported", respErr(400, nil, apiErr("AccessControlListNotSupported", "")), ErrUnsupported, 400, "AccessControlListNotSupported", ""},
		{"InternalError XML", respErr(500, nil, apiErr("InternalError", "We encountered an internal error")), ErrServer, 500, "InternalError", ""},
		{"InvalidArgument", respErr(400, nil, apiErr("InvalidArgument", "Unsupported header")), ErrOther, 400, "InvalidArgument", ""},

		// Status alone, when no code was sent (HEAD answers, odd proxies).
		{"bare 404", respErr(404, nil, errors.New("no body")), ErrNotFound, 404, "", ""},
		{"bare 401", respErr(401, nil, errors.New("no body")), ErrInvalidCredentials, 401, "", ""},
		{"bare 403", respErr(403, nil, errors.New("no body")), ErrAccessDenied, 403, "", ""},
		{"bare 429", respErr(429, nil, errors.New("no body")), ErrThrottled, 429, "", ""},
		{"bare 503", respErr(503, nil, errors.New("no body")), ErrThrottled, 503, "", ""},
		{"bare 502", respErr(502, nil, errors.New("bad gateway")), ErrServer, 502, "", ""},
		{"bare 400", respErr(400, nil, errors.New("no body")), ErrOther, 400, "", ""},

		// B2's JSON bodies.
		{"JSON 500", respErr(500, nil, &b2JSONError{Status: 500, Code: "internal_error", Message: "incident id 0a1b-2c3d"}), ErrServer, 500, "internal_error", "0a1b-2c3d"},
		{"JSON 500 Incident ID:", respErr(500, nil, &b2JSONError{Code: "internal_error", Message: "Incident ID: ff00-aa"}), ErrServer, 500, "internal_error", "ff00-aa"},
		{"JSON 503", respErr(503, nil, &b2JSONError{Status: 503, Code: "service_unavailable", Message: "c001_v0001000_t0001 is too busy"}), ErrThrottled, 503, "service_unavailable", ""},
		{"JSON without a response", &b2JSONError{Status: 500, Code: "internal_error", Message: "incident id 42"}, ErrServer, 500, "internal_error", "42"},

		// What the retryer and the network leave behind.
		{"attempts exhausted", &smithy.OperationError{Err: &retry.MaxAttemptsError{Attempt: 8, Err: respErr(503, nil, apiErr("SlowDown", ""))}}, ErrThrottled, 503, "SlowDown", ""},
		{"canceled", &smithy.OperationError{Err: context.Canceled}, ErrCanceled, 0, "", ""},
		{"canceled in a retry wait", &smithy.OperationError{Err: &aws.RequestCanceledError{Err: context.Canceled}}, ErrCanceled, 0, "", ""},
		{"canceled after a 503", &smithy.OperationError{Err: errors.Join(respErr(503, nil, apiErr("SlowDown", "")), context.Canceled)}, ErrCanceled, 503, "SlowDown", ""},
		{"deadline", &smithy.OperationError{Err: context.DeadlineExceeded}, ErrUnreachable, 0, "", ""},
		{"connection refused", &smithy.OperationError{Err: &retry.MaxAttemptsError{Attempt: 2, Err: refused}}, ErrUnreachable, 0, "", ""},
		{"no such host", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: &net.DNSError{Err: "no such host", Name: "s3.nowhere.example", IsNotFound: true}}}, ErrUnreachable, 0, "", ""},
		{"connection reset", &smithyhttp.RequestSendError{Err: syscall.ECONNRESET}, ErrUnreachable, 0, "", ""},
		{"answer cut short", respErr(200, nil, &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", io.ErrUnexpectedEOF)}), ErrUnreachable, 200, "", ""},
		{"anything else", errors.New("boom"), ErrOther, 0, "", ""},
	}
	for _, tt := range tests {
		err := wrapErr("list", "bkt", "dir/", tt.err)
		if !errors.Is(err, tt.kind) {
			t.Errorf("%s: kind of %v, want %v", tt.name, err, tt.kind)
			continue
		}
		e := err.(*Error)
		if e.Status != tt.status || e.Code != tt.code || e.IncidentID != tt.incident {
			t.Errorf("%s: status %d code %q incident %q, want %d %q %q", tt.name, e.Status, e.Code, e.IncidentID,
				tt.status, tt.code, tt.incident)
		}
		if e.Op != "list" || e.Bucket != "bkt" || e.Key != "dir/" || e.Err != tt.err {
			t.Errorf("%s: op %q bucket %q key %q err %v", tt.name, e.Op, e.Bucket, e.Key, e.Err)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: the underlying error is not reachable with errors.Is", tt.name)
		}
	}
}

func TestWrapErrOnce(t *testing.T) {
	if err := wrapErr("list", "b", "", nil); err != nil {
		t.Errorf("wrapErr(nil) = %v", err)
	}
	first := wrapErr("list", "b", "", respErr(404, nil, apiErr("NoSuchBucket", "")))
	again := fmt.Errorf("page 2: %w", first)
	if got := wrapErr("other op", "x", "", again); got != again {
		t.Errorf("wrapErr of a wrapped *Error = %v, want it unchanged", got)
	}
}

// TestErrorKinds checks that an *Error matches its own kind and no other.
func TestErrorKinds(t *testing.T) {
	kinds := []error{
		ErrNotFound, ErrBucketNotFound, ErrAccessDenied, ErrInvalidCredentials, ErrBucketNotEmpty,
		ErrBucketExists, ErrTooManyBuckets, ErrInvalidName, ErrThrottled, ErrServer, ErrUnreachable,
		ErrUnsupported, ErrCanceled, ErrOther,
	}
	for _, kind := range kinds {
		err := error(&Error{Op: "op", Kind: kind})
		for _, other := range kinds {
			if got := errors.Is(err, other); got != (other == kind) {
				t.Errorf("errors.Is(%v error, %v) = %v", kind, other, got)
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	tests := []struct {
		err    *Error
		text   string
		detail string
	}{
		{
			&Error{Op: "list", Bucket: "photos", Key: "2024/", Kind: ErrBucketNotFound, Status: 404,
				Code: "NoSuchBucket", Message: "The specified bucket does not exist"},
			"list photos/2024/: bucket not found (HTTP 404: NoSuchBucket: The specified bucket does not exist)",
			"HTTP 404: NoSuchBucket: The specified bucket does not exist",
		},
		{
			&Error{Op: "upload", Bucket: "photos", Key: "a.jpg", Kind: ErrServer, Status: 500,
				Code: "internal_error", Message: "incident id 1a2b", IncidentID: "1a2b"},
			"upload photos/a.jpg: server error (HTTP 500: internal_error: incident id 1a2b)",
			"HTTP 500: internal_error: incident id 1a2b",
		},
		{
			&Error{Op: "upload", Bucket: "photos", Kind: ErrServer, Status: 500, IncidentID: "1a2b"},
			"upload photos: server error (HTTP 500: incident id 1a2b)",
			"HTTP 500: incident id 1a2b",
		},
		{
			&Error{Op: "list buckets", Kind: ErrUnreachable, Err: fmt.Errorf("send: %w", refused)},
			"list buckets: endpoint unreachable (connect: connection refused)",
			"connect: connection refused",
		},
		{
			&Error{Op: "list", Bucket: "b", Kind: ErrUnreachable, Status: 200, Err: respErr(200, nil, io.ErrUnexpectedEOF)},
			"list b: endpoint unreachable (HTTP 200: unexpected EOF)",
			"HTTP 200: unexpected EOF",
		},
		{
			&Error{Op: "create bucket", Bucket: "b2-x", Kind: ErrInvalidName, Message: "bucket names starting with \"b2-\" are reserved"},
			"create bucket b2-x: invalid name (bucket names starting with \"b2-\" are reserved)",
			"bucket names starting with \"b2-\" are reserved",
		},
		{&Error{Op: "list", Bucket: "b", Kind: ErrCanceled, Err: context.Canceled}, "list b: canceled (context canceled)", "context canceled"},
		{&Error{Op: "list", Kind: ErrOther}, "list: request failed", ""},
		{&Error{Op: "list"}, "list: request failed", ""},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.text {
			t.Errorf("Error() = %q, want %q", got, tt.text)
		}
		if got := tt.err.Detail(); got != tt.detail {
			t.Errorf("Detail() = %q, want %q", got, tt.detail)
		}
	}
}

func TestParseJSONError(t *testing.T) {
	tests := []struct {
		body string
		want *b2JSONError
	}{
		{`{"code":"internal_error","message":"incident id 1","status":500}`, &b2JSONError{Status: 500, Code: "internal_error", Message: "incident id 1"}},
		{`{"code":"bad_request","message":"x"}`, &b2JSONError{Code: "bad_request", Message: "x"}},
		{`{"message":"no code"}`, nil},
		{`<Error><Code>SlowDown</Code></Error>`, nil},
		{``, nil},
	}
	for _, tt := range tests {
		got := parseJSONError([]byte(tt.body))
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("parseJSONError(%q) = %+v, want %+v", tt.body, got, tt.want)
		}
	}
}
