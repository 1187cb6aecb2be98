package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Kinds of failure. Every *Error matches exactly one of them with errors.Is;
// callers choose their sentence by kind and show Error.Detail for the rest.
var (
	ErrNotFound           = errors.New("not found")
	ErrBucketNotFound     = errors.New("bucket not found")
	ErrAccessDenied       = errors.New("access denied")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrBucketNotEmpty     = errors.New("bucket not empty")
	ErrBucketExists       = errors.New("bucket name taken")
	ErrTooManyBuckets     = errors.New("too many buckets")
	ErrInvalidName        = errors.New("invalid name")
	ErrThrottled          = errors.New("throttled")
	ErrServer             = errors.New("server error")
	ErrUnreachable        = errors.New("endpoint unreachable")
	ErrUnsupported        = errors.New("not supported")
	ErrCanceled           = errors.New("canceled")
	ErrWrongRegion        = errors.New("wrong region")
	ErrRedirect           = errors.New("redirect refused")      // holds a *RedirectError saying where to
	ErrLocked             = errors.New("locked by object lock") // retention or legal hold; see Lock.Why
	ErrOther              = errors.New("request failed")
)

// Error is a failed remote operation. It carries what B2 said (code, message,
// incident id) and never a secret.
type Error struct {
	Op         string // what Haul tried, e.g. "list objects"
	Bucket     string
	Key        string
	Kind       error  // one of the Err... kinds
	Status     int    // HTTP status, 0 when no answer arrived
	Code       string // B2's error code, e.g. "NoSuchBucket" or "internal_error"
	Message    string // B2's message
	IncidentID string // from B2's JSON 5xx bodies
	Err        error  // the underlying error, for logs
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Bucket != "" {
		fmt.Fprintf(&b, " %s", e.Bucket)
		if e.Key != "" {
			fmt.Fprintf(&b, "/%s", e.Key)
		}
	}
	b.WriteString(": ")
	kind := e.Kind
	if kind == nil {
		kind = ErrOther // an Error built by hand may lack a kind; printing it must not panic
	}
	b.WriteString(kind.Error())
	if d := e.Detail(); d != "" {
		fmt.Fprintf(&b, " (%s)", d)
	}
	return b.String()
}

// Detail is what the server said: status, code, message and incident id,
// or the network error when nothing was answered.
func (e *Error) Detail() string {
	var parts []string
	if e.Status != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", e.Status))
	}
	if e.Code != "" {
		parts = append(parts, e.Code)
	}
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	if e.IncidentID != "" && !strings.Contains(e.Message, e.IncidentID) {
		parts = append(parts, "incident id "+e.IncidentID)
	}
	if e.Code == "" && e.Message == "" && e.Err != nil && e.Status < 400 {
		// No answer, or one that broke off: the network error says why.
		parts = append(parts, rootCause(e.Err).Error())
	}
	return strings.Join(parts, ": ")
}

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// b2JSONError is the body of B2's JSON 5xx answers:
// {"code":"internal_error","message":"incident id ...","status":500}.
type b2JSONError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *b2JSONError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// ErrorCode lets the SDK's retryer and our mapping read the code.
func (e *b2JSONError) ErrorCode() string    { return e.Code }
func (e *b2JSONError) ErrorMessage() string { return e.Message }
func (e *b2JSONError) ErrorFault() smithy.ErrorFault {
	return smithy.FaultServer
}

var incidentRE = regexp.MustCompile(`(?i)incident id[: ]+([0-9a-z-]+)`)

// wrapErr turns an SDK error into *Error, once, at the edge.
func wrapErr(op, bucket, key string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: op, Bucket: bucket, Key: key, Err: err}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		e.Status = re.Response.StatusCode
	}
	var jsonErr *b2JSONError
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &jsonErr):
		e.Code, e.Message = jsonErr.Code, jsonErr.Message
		if e.Status == 0 {
			e.Status = jsonErr.Status
		}
	case errors.As(err, &apiErr):
		e.Code, e.Message = apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	if m := incidentRE.FindStringSubmatch(e.Message); m != nil {
		e.IncidentID = m[1]
	}
	e.Kind = classify(e, err)
	return e
}

func classify(e *Error, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return ErrCanceled
	case errors.As(err, new(*RedirectError)):
		return ErrRedirect
	case lockMessage(e.Code, e.Message):
		return ErrLocked
	}
	switch e.Code {
	case "NoSuchBucket":
		return ErrBucketNotFound
	case "NoSuchKey", "NoSuchVersion", "NoSuchUpload", "NotFound":
		return ErrNotFound
	case "AccessDenied", "AllAccessDisabled", "Forbidden", "AccountProblem", "unauthorized":
		return ErrAccessDenied
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "bad_auth_token", "expired_auth_token",
		"XAdminUserNotFound": // versitygw's (404) answer to an unknown key ID
		return ErrInvalidCredentials
	case "BucketNotEmpty":
		return ErrBucketNotEmpty
	case "BucketAlreadyExists", "BucketAlreadyOwnedByYou":
		return ErrBucketExists
	case "TooManyBuckets":
		return ErrTooManyBuckets
	case "InvalidBucketName", "KeyTooLongError", "InvalidObjectName":
		return ErrInvalidName
	case "SlowDown", "TooManyRequests", "too_many_requests", "RequestLimitExceeded":
		return ErrThrottled
	case "NotImplemented", "AccessControlListNotSupported":
		return ErrUnsupported
	case "AuthorizationHeaderMalformed", "AuthorizationQueryParametersError":
		if strings.Contains(e.Message, "region") {
			return ErrWrongRegion
		}
	}
	switch {
	case e.Code == "" && errors.Is(err, io.ErrUnexpectedEOF):
		// The connection broke while the answer was read.
		return ErrUnreachable
	case e.Status == http.StatusNotFound:
		return ErrNotFound
	case e.Status == http.StatusUnauthorized:
		return ErrInvalidCredentials
	case e.Status == http.StatusForbidden:
		return ErrAccessDenied
	case e.Status == http.StatusTooManyRequests, e.Status == http.StatusServiceUnavailable:
		return ErrThrottled
	case e.Status >= 500:
		return ErrServer
	case e.Status == 0 && isNetErr(err):
		return ErrUnreachable
	case errors.Is(err, context.DeadlineExceeded):
		return ErrUnreachable
	}
	return ErrOther
}

func isNetErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.As(err, &dnsErr) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF")
}

// rootCause strips the SDK's wrapping layers down to the innermost error.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// parseJSONError reads a B2 JSON error body, or returns nil if the body is
// not one.
func parseJSONError(body []byte) *b2JSONError {
	var je b2JSONError
	if err := json.Unmarshal(body, &je); err != nil || je.Code == "" {
		return nil
	}
	return &je
}

// expectingRegion finds the region a server names in its refusal of
// another one: "the region 'us-east-1' is wrong; expecting 'us-west-004'"
// (AWS quotes with ', versitygw with ").
var expectingRegion = regexp.MustCompile(`expecting ['"]([a-z0-9-]+)['"]`)

// ExpectedRegion is the region an ErrWrongRegion refusal asks for, or ""
// when the message does not say.
func (e *Error) ExpectedRegion() string {
	if m := expectingRegion.FindStringSubmatch(e.Message); m != nil {
		return m[1]
	}
	return ""
}
